"""Which CLIP runs, where, and under what name: the device and the one backend rule, the
model id stamped on every vector (weights given as a file are fingerprinted), extra
open_clip architectures, and what to say when the weights cannot be had.

Split from clip.py, which loads and runs the model: these answers are needed before any
model is loaded (settings, the model tab, a vector's stamp) and import no torch at the top.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from indexing.errors import PictorError

RANDOM = "random"


class WeightsUnavailable(PictorError):
    """The CLIP weights could not be loaded; the message says how to provide them."""


def pick_device(requested: str = "auto") -> str:
    import torch

    if requested != "auto":
        return requested
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def resolve_backend(requested: str, device: str, int8: bool) -> str:
    """The backend that runs the model: what was asked for, or for "auto" OpenVINO on a CPU
    (the fastest CPU backend whose vectors match torch fp32, bench/backend_bench.py) unless
    int8 (a torch path) is asked for; any other device keeps torch (fp16 on a GPU)."""
    if requested != "auto":
        return requested
    return "openvino" if device == "cpu" and not int8 else "torch"


def model_id_for(model_name: str, pretrained: str) -> str:
    """The stamp on every vector: architecture and weights, stable across runs."""
    if looks_like_path(pretrained):
        return f"{model_name}@file-{_weights_fingerprint(Path(pretrained))}"
    return f"{model_name}@{pretrained or RANDOM}"


def looks_like_path(pretrained: str) -> bool:
    return bool(pretrained) and (os.path.sep in pretrained or os.path.isfile(pretrained))


def _weights_fingerprint(path: Path) -> str:
    """Cheap and stable: size plus the first and last MiB of the weights file."""
    try:
        size = path.stat().st_size
        digest = hashlib.blake2b(str(size).encode(), digest_size=8)
        with open(path, "rb") as handle:
            digest.update(handle.read(1 << 20))
            handle.seek(max(0, size - (1 << 20)))
            digest.update(handle.read(1 << 20))
        return digest.hexdigest()
    except OSError:
        return "missing-" + hashlib.blake2b(str(path).encode(), digest_size=6).hexdigest()


def weights_help(model_name: str, pretrained: str, reason: str) -> str:
    return (
        f"The CLIP weights for {model_name} ({pretrained}) could not be loaded ({reason}); "
        "run Pictor once with internet access to fill the Hugging Face cache, or set "
        "PICTOR_CLIP_PRETRAINED=/path/to/open_clip_weights.bin (or .safetensors)."
    )


def register_model_configs(path: str | None) -> None:
    """Make extra open_clip architectures (JSON configs in a file or folder) available."""
    if path:
        import open_clip

        open_clip.add_model_config(path)

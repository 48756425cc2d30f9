"""The CLIP towers as ONNX files, run by OpenVINO (the default on a CPU) or ONNX Runtime,
which read the same files: the fast CPU path.

Exported once per model from the torch model open_clip built, into the data directory's
`models/` folder. Every file is written beside its final name and renamed into place, and
the stamp (`export.json`) is written last: a run killed mid-export leaves no stamp, so the
next one exports again. The stamp holds a fingerprint of the weights (and of the exporter's
versions); other weights under the same name are exported again, and a cached file that no
longer loads is exported again once before Pictor falls back to torch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import threading
import time
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from indexing.errors import PictorError
from indexing.models import image_pixels, text_tokens
from indexing.store.vectors import collection_name

log = logging.getLogger(__name__)

SCHEMA = 1  # bump when the export itself changes: older exports are redone
STAMP = "export.json"
OPENVINO_CACHE = "openvino-cache"  # OpenVINO's compiled models (made from the exported files)
RUNTIMES = ("onnx", "openvino")


class BackendUnavailable(PictorError):
    """The fast backend cannot run here; the message says why (Pictor falls back to torch)."""


def folder_for(cache: Path, model_id: str) -> Path:
    """The model's folder in the cache, named as its Chroma collection is."""
    return cache / collection_name(model_id)


def fingerprint(model: Any, model_id: str) -> str:
    """The weights (a sample of every tensor, and its sum) and the exporter's versions."""
    import open_clip
    import torch

    digest = hashlib.blake2b(digest_size=12)
    digest.update(f"{SCHEMA}|{model_id}|{torch.__version__}|{open_clip.__version__}".encode())
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            flat = tensor.detach().reshape(-1).float()
            digest.update(name.encode())
            digest.update(str(tuple(tensor.shape)).encode())
            digest.update(flat[:16].numpy().tobytes())
            digest.update(np.float64(flat.double().sum().item()).tobytes())
    return digest.hexdigest()


class Towers:
    """encode_image(pixels NCHW float32) and encode_text(tokens int64), as numpy arrays."""

    def __init__(self, runtime: str, image: Any, text: Any):
        self.runtime = runtime
        self._image, self._text = image, text
        # An OpenVINO compiled model answers a call through one shared request: one call at
        # a time per tower (the UI may index and search at once). ONNX Runtime needs none.
        # image is None for the text tower alone (open_text_only).
        self._locks = {id(image): threading.Lock(), id(text): threading.Lock()}

    def encode_image(self, pixels: np.ndarray) -> np.ndarray:
        return self._run(self._image, np.ascontiguousarray(pixels, dtype=np.float32))

    def encode_text(self, tokens: np.ndarray) -> np.ndarray:
        return self._run(self._text, np.ascontiguousarray(tokens, dtype=np.int64))

    def _run(self, session: Any, value: np.ndarray) -> np.ndarray:
        if self.runtime == "onnx":
            return session.run(None, {session.get_inputs()[0].name: value})[0]
        with self._locks[id(session)]:  # an OpenVINO compiled model
            result = session(value)
            return np.array(next(iter(result.values())))  # a copy: the request reuses it


def quick_key(model_id: str, model_config: str | None = None) -> str:
    """What the stamp is checked against without torch: the model id (which names the
    weights: a hub tag, or a digest of the weights file), the exporter's versions and the
    extra architecture configs. The full fingerprint is checked at every full load."""
    from importlib.metadata import version

    digest = hashlib.blake2b(digest_size=12)
    digest.update(f"{SCHEMA}|{model_id}|{version('torch')}|{version('open_clip_torch')}".encode())
    if model_config:
        config = Path(model_config)
        for path in sorted(config.rglob("*.json")) if config.is_dir() else [config]:
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"missing")
    return digest.hexdigest()


def load_or_export(
    model: Any,
    model_id: str,
    cache: Path,
    runtime: str = "onnx",
    threads: int | None = None,
    *,
    quick: str | None = None,
    tokenizer: Any = None,
    image_check: Callable[[], dict | None] | None = None,
) -> Towers:
    """The model's towers in runtime, from the cache when its stamp matches the weights,
    else exported now (progress on stderr). Raises BackendUnavailable.

    quick (see quick_key), the tokenizer and image_check (the stamp entry for the image
    preprocessing, or None: see ClipEmbedder), when given, go into the stamp, so that a
    later search can run one tower without torch (open_text_only, open_image_only)."""
    if runtime not in RUNTIMES:
        raise BackendUnavailable(f"unknown backend {runtime!r}; choose one of {RUNTIMES}")
    folder = folder_for(cache, model_id)
    stamp = fingerprint(model, model_id)
    towers = _load_or_export(model, folder, stamp, runtime, threads)
    if quick is not None:
        _note_light_paths(folder, stamp, quick, tokenizer, image_check)
    return towers


def _load_or_export(
    model: Any, folder: Path, stamp: str, runtime: str, threads: int | None
) -> Towers:
    if _stamp_of(folder) == stamp:
        try:
            return open_towers(folder, runtime, threads)
        except BackendUnavailable:
            raise
        except Exception as exc:  # a damaged file: export it again, once
            log.warning("the cached ONNX model in %s does not load (%s); exporting it again",
                        folder, type(exc).__name__)  # fmt: skip
    try:
        export(model, folder, stamp)
    except BackendUnavailable:
        raise
    except Exception as exc:  # an architecture the exporter cannot trace, a full disk, …
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise BackendUnavailable(f"the export failed: {type(exc).__name__} {first}") from None
    try:
        return open_towers(folder, runtime, threads)
    except BackendUnavailable:
        raise
    except Exception as exc:
        raise BackendUnavailable(f"the exported model does not load ({exc})") from None


def export(model: Any, folder: Path, stamp: str) -> None:
    """Both towers into folder, each written aside then renamed; the stamp last."""
    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
        import torch
    except ImportError as exc:
        raise BackendUnavailable(f"cannot export to ONNX ({exc})") from None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STAMP).unlink(missing_ok=True)
    shutil.rmtree(folder / OPENVINO_CACHE, ignore_errors=True)  # compiled from the old files
    size = getattr(model.visual, "image_size", 224)
    size = int(size[0] if isinstance(size, (tuple, list)) else size)
    length = int(getattr(model, "context_length", 77) or 77)
    towers = (
        ("image", _tower(model, "image"), torch.zeros(2, 3, size, size)),
        ("text", _tower(model, "text"), torch.zeros(2, length, dtype=torch.long)),
    )
    started = time.perf_counter()
    for step, (name, tower, example) in enumerate(towers, 1):
        _say(f"preparing the fast CPU model, once: the {name} tower ({step}/2) …")
        partial = folder / f"{name}.onnx.partial"
        # Not under no_grad: there torch swaps attention for a fused kernel ONNX lacks.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notes
            torch.onnx.export(
                tower, (example,), str(partial), input_names=["input"],
                output_names=["features"], opset_version=17, dynamo=False,
                dynamic_axes={"input": {0: "batch"}, "features": {0: "batch"}},
            )  # fmt: skip
        _fsync(partial)
        os.replace(partial, folder / f"{name}.onnx")
    _write_stamp(folder, {"fingerprint": stamp, "schema": SCHEMA})
    _say(f"the fast CPU model is ready ({time.perf_counter() - started:.0f} s; kept in {folder})")


def _tower(model: Any, which: str) -> Any:
    """One of the model's towers as a module of its own (what the exporter traces)."""
    import torch

    class Tower(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, value):
            if which == "image":
                return self.model.encode_image(value)
            return self.model.encode_text(value)

    return Tower().eval()


def open_towers(
    folder: Path, runtime: str, threads: int | None, precision: str | None = None
) -> Towers:
    """The exported towers in folder, in runtime (precision: OpenVINO's hint; None, its own)."""
    image, text = folder / "image.onnx", folder / "text.onnx"
    if runtime == "onnx":
        return Towers(runtime, _onnx_session(image, threads), _onnx_session(text, threads))
    return Towers(
        runtime,
        _openvino_model(image, threads, precision),
        _openvino_model(text, threads, precision),
    )


def _onnx_session(path: Path, threads: int | None) -> Any:
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise BackendUnavailable(f"ONNX Runtime is not installed ({exc})") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or 0
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _openvino_model(path: Path, threads: int | None, precision: str | None) -> Any:
    try:
        import openvino as ov
    except ImportError as exc:
        raise BackendUnavailable(f"OpenVINO is not installed ({exc})") from None
    # OpenVINO's own precision: bf16 on a CPU with bf16 units (AMX, AVX512-BF16), f32
    # elsewhere. bf16 is most of its speed there, and its vectors still match torch fp32
    # (lowest cosine 0.9999, bench/backend_bench.py), so they share one collection.
    config: dict[str, Any] = {"INFERENCE_PRECISION_HINT": precision} if precision else {}
    # Its compiled form, kept beside the export: later loads take 0.8 s instead of 3.5.
    config["CACHE_DIR"] = str(path.parent / OPENVINO_CACHE)
    if threads:
        config["INFERENCE_NUM_THREADS"] = threads
    return _openvino_core(ov).compile_model(str(path), "CPU", config)


@lru_cache(maxsize=1)
def _openvino_core(ov: Any) -> Any:
    return ov.Core()


def open_text_only(
    cache: Path, model_id: str, quick: str, runtime: str, threads: int | None
) -> tuple[Any, Towers] | None:
    """(tokenizer, towers with the text tower only), without importing torch, when the
    model's export is in the cache, its stamp has this quick key, and its tokenizer was
    found to match open_clip's at the last full load. None otherwise (load the model)."""
    folder = folder_for(cache, model_id)
    fields = _stamp_fields(folder)
    tokens = fields.get("text_tokenizer")
    if fields.get("quick") != quick or not isinstance(tokens, dict):
        return None
    if tokens.get("kind") != text_tokens.KIND or runtime not in RUNTIMES:
        return None
    try:
        tokenizer = text_tokens.ClipBpe(int(tokens["context_length"]))
        return tokenizer, _open_text_tower(folder, runtime, threads)
    except Exception as exc:  # a damaged file, a missing runtime: the full load sorts it out
        log.info("the text tower alone does not load (%s); loading the model", exc)
        return None


def _open_text_tower(folder: Path, runtime: str, threads: int | None) -> Towers:
    path = folder / "text.onnx"
    if runtime == "onnx":
        return Towers(runtime, None, _onnx_session(path, threads))
    return Towers(runtime, None, _openvino_model(path, threads, None))


def image_only_entry(cache: Path, model_id: str, quick: str) -> dict | None:
    """The stamp's entry for the image preprocessing without torch ({"kind", "steps",
    "input_size", "crop_extremes"}), when the export's stamp has this quick key and the
    last full load found the light transform to match open_clip's; else None. Reads one
    small file: no tower is opened."""
    fields = _stamp_fields(folder_for(cache, model_id))
    entry = fields.get("image_pixels")
    if fields.get("quick") != quick or not isinstance(entry, dict):
        return None
    return entry if entry.get("kind") == image_pixels.KIND else None


def open_image_only(
    cache: Path, model_id: str, quick: str, runtime: str, threads: int | None
) -> tuple[Any, Towers] | None:
    """(transform, towers with the image tower only), without importing torch, when the
    stamp vouches for the light preprocessing (image_only_entry). None otherwise."""
    entry = image_only_entry(cache, model_id, quick)
    if entry is None or runtime not in RUNTIMES:
        return None
    try:
        transform = image_pixels.PilNumpyTransform(entry["steps"])
        path = folder_for(cache, model_id) / "image.onnx"
        if runtime == "onnx":
            return transform, Towers(runtime, _onnx_session(path, threads), None)
        return transform, Towers(runtime, _openvino_model(path, threads, None), None)
    except Exception as exc:  # a damaged file, a missing runtime: the full load sorts it out
        log.info("the image tower alone does not load (%s); loading the model", exc)
        return None


def _note_light_paths(
    folder: Path,
    stamp: str,
    quick: str,
    tokenizer: Any,
    image_check: Callable[[], dict | None] | None,
) -> None:
    """Record the quick key and, when they match open_clip's, the tokenizer (ClipBpe) and
    the image preprocessing (image_pixels) in the stamp."""
    fields = _stamp_fields(folder)
    if fields.get("fingerprint") != stamp:
        return
    if fields.get("quick") == quick and "image_pixels" in fields:
        return
    if fields.get("quick") != quick:
        entry = text_tokens.matches(tokenizer) if tokenizer is not None else None
        fields.update(quick=quick, text_tokenizer=entry)
    fields["image_pixels"] = image_check() if image_check is not None else None
    try:
        _write_stamp(folder, fields)
    except OSError as exc:  # a read-only data folder: searches load torch, that is all
        log.info("could not update %s (%s)", folder / STAMP, exc)


def _write_stamp(folder: Path, fields: dict) -> None:
    written = folder / f"{STAMP}.partial"
    written.write_text(json.dumps(fields), encoding="utf-8")
    _fsync(written)
    os.replace(written, folder / STAMP)


def _stamp_fields(folder: Path) -> dict:
    try:
        fields = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return fields if isinstance(fields, dict) else {}


def _stamp_of(folder: Path) -> str | None:
    return _stamp_fields(folder).get("fingerprint")


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)

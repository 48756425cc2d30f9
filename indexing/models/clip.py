"""CLIP through open_clip: lazy load behind a lock, preprocessing from the model's config.

The embedder never downloads anything in tests: they register a tiny architecture with
`open_clip.add_model_config` and use `pretrained="random"`. Which model, device and backend
(and the model id stamped on vectors) are model_choice.py's answers; the names are
re-exported here for the many callers that import them from this module.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from indexing.models import image_pixels
from indexing.models.model_choice import (
    RANDOM,
    WeightsUnavailable,
    looks_like_path,
    model_id_for,
    pick_device,
    register_model_configs,
    resolve_backend,
    weights_help,
)
from indexing.models.onnx_export import (
    BackendUnavailable,
    image_only_entry,
    load_or_export,
    open_image_only,
    open_text_only,
    quick_key,
)
from indexing.records import Vectors

log = logging.getLogger(__name__)

__all__ = [
    "RANDOM",
    "ClipEmbedder",
    "WeightsUnavailable",
    "model_id_for",
    "normalise",
    "pick_device",
    "resolve_backend",
    "shared_embedder",
]


class ClipEmbedder:
    """Image and text embeddings, L2-normalised float32. Loads on first use."""

    def __init__(
        self,
        model_name: str,
        pretrained: str,
        *,
        device: str = "auto",
        threads: int | None = None,
        int8: bool = False,
        model_config: str | None = None,
        backend: str = "auto",
        cache_dir: Path | None = None,
    ):
        self.model_name = model_name
        self.pretrained = pretrained
        self.requested_device = device
        self.threads = threads
        self.int8 = int8
        self.model_config = model_config
        self.requested_backend = backend
        self.cache_dir = cache_dir  # where a fast backend's exported files are kept
        self.backend = "torch"  # the one in use once loaded: torch, onnx or openvino
        self.backend_note = ""  # why a fast backend asked for is not in use
        self._towers: Any = None  # the fast backend's towers (indexing.models.onnx_export)
        self._text_only: Any = None  # (tokenizer, towers): texts without torch (text_path)
        self._image_only: Any = None  # (transform, towers): images without torch (image_path)
        self._image_entry: Any = None  # the stamp's entry for them (input size, steps)
        self.model_id = model_id_for(model_name, pretrained)
        self._lock = threading.Lock()
        self._model: Any = None
        self._preprocess: Any = None
        self._tokenizer: Any = None
        self.device = "cpu"
        self._input_size = 224
        self._crop_extremes = True
        self.load_error: WeightsUnavailable | None = None

    @property
    def is_random(self) -> bool:
        return self.pretrained == RANDOM

    @property
    def loaded(self) -> bool:
        return self._model is not None or self._towers is not None

    def load(self) -> ClipEmbedder:
        """Load once; later calls return at once. Raises WeightsUnavailable."""
        if self.loaded:
            return self
        with self._lock:
            if not self.loaded:
                if self.load_error is not None:
                    raise self.load_error
                try:
                    self._load()
                except WeightsUnavailable as exc:
                    self.load_error = exc
                    raise
        return self

    def _load(self) -> None:
        import open_clip
        import torch

        register_model_configs(self.model_config)
        if self.threads:
            torch.set_num_threads(self.threads)
        self.device = pick_device(self.requested_device)
        if self.model_name not in open_clip.list_models():
            raise WeightsUnavailable(
                f"unknown CLIP architecture {self.model_name!r}; choose one of "
                "open_clip.list_models(), e.g. ViT-B-32"
            )
        pretrained = None if self.is_random else self.pretrained
        if self.is_random:
            torch.manual_seed(0)  # every process builds the same random model
        if looks_like_path(self.pretrained) and not os.path.isfile(self.pretrained):
            raise WeightsUnavailable(weights_help(self.model_name, self.pretrained, "no such file"))
        precision = "fp16" if self.device == "cuda" else "fp32"
        try:
            with _quiet_root_logger():  # open_clip logs "initialized randomly" to the root
                model, _, preprocess = open_clip.create_model_and_transforms(
                    self.model_name,
                    pretrained=pretrained,
                    device=self.device,
                    precision=precision,
                )
        except Exception as exc:  # offline, missing cache, bad file: all end the same way
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise WeightsUnavailable(
                weights_help(self.model_name, self.pretrained, reason[:200])
            ) from None
        model.eval()
        if self.int8 and self.device == "cpu":
            model.visual = torch.ao.quantization.quantize_dynamic(
                model.visual, {torch.nn.Linear}, dtype=torch.qint8
            )
        size = getattr(model.visual, "image_size", 224)
        self._input_size = int(size[0] if isinstance(size, (tuple, list)) else size)
        resize_mode = (getattr(model.visual, "preprocess_cfg", None) or {}).get("resize_mode")
        self._crop_extremes = resize_mode in (None, "shortest")
        self._preprocess = preprocess
        self._tokenizer = open_clip.get_tokenizer(self.model_name)
        self._towers = self._fast_towers(model)
        self._model = None if self._towers is not None else model
        self._text_only = self._image_only = None

    def _fast_towers(self, model: Any) -> Any:
        """The exported towers of the fast backend (None: torch runs the model).

        Which one: resolve_backend. A fast backend that cannot run falls back to torch,
        saying why.
        """
        wanted = resolve_backend(self.requested_backend, self.device, self.int8)
        if wanted == "torch" or self.cache_dir is None:
            return None
        if self.device != "cpu":
            self.backend_note = f"{wanted} runs on the CPU only; torch runs on {self.device}"
            return None
        try:
            towers = load_or_export(
                model, self.model_id, self.cache_dir, wanted, self.threads,
                quick=quick_key(self.model_id, self.model_config), tokenizer=self._tokenizer,
                image_check=self._image_check,
            )  # fmt: skip
        except BackendUnavailable as exc:
            self.backend_note = f"{wanted} is not available ({exc}); torch runs the model"
            log.warning("%s", self.backend_note)
            return None
        self.backend = wanted
        return towers

    def _image_check(self) -> dict | None:
        """The stamp entry that lets a cold process preprocess images without torch: the
        PIL and numpy transform matched open_clip's on the probe images (image_pixels)."""
        crop = _center_square_if_extreme if self._crop_extremes else None
        entry = image_pixels.matches(self._preprocess, crop)
        if entry is None:
            return None
        return {**entry, "input_size": self._input_size, "crop_extremes": self._crop_extremes}

    @property
    def input_size(self) -> int:
        """The model's input side: the loaded model's, else the one its export's stamp
        records (a cold image search decodes to it before anything is loaded), else 224."""
        if self.loaded:
            return self._input_size
        entry = self._light_image_entry()
        return int(entry["input_size"]) if entry else self._input_size

    @property
    def runs_on(self) -> str:
        """What runs the model: 'onnx on cpu', 'torch on cuda, fp16', 'torch on cpu, int8',
        with the reason a fast backend asked for is not in use."""
        detail = ", fp16" if self.device == "cuda" and self.backend == "torch" else ""
        if self.backend == "torch" and self.int8 and self.device == "cpu":
            detail = ", int8"
        note = f"; {self.backend_note}" if self.backend_note else ""
        return f"{self.backend} on {self.device}{detail}{note}"

    def _text_path(self) -> Any:
        """(tokenizer, towers) for texts: the exported text tower alone, without torch,
        when the model is not loaded and its export allows it (a cold text search: about
        2 s instead of 12); else the loaded model's own."""
        if not self.loaded and self._text_only is None:
            with self._lock:  # one process-wide open, even with several searches at once
                if self._text_only is None and not self.loaded:
                    self._text_only = self._open_text_only() or False
        if not self.loaded and self._text_only:
            return self._text_only
        self.load()
        return self._tokenizer, self._towers

    def _open_text_only(self) -> Any:
        wanted, cache = self._light_runtime(), self.cache_dir
        if wanted is None or cache is None:
            return None
        quick = quick_key(self.model_id, self.model_config)
        return open_text_only(cache, self.model_id, quick, wanted, self.threads)

    def _light_runtime(self) -> str | None:
        """The fast backend a tower alone may run on without torch (None: load the model).
        Only on the CPU, the one device known without torch; "auto" counts as the CPU here."""
        if self.requested_device not in ("auto", "cpu") or self.load_error is not None:
            return None
        wanted = resolve_backend(self.requested_backend, "cpu", self.int8)
        if wanted == "torch" or self.cache_dir is None:
            return None
        return wanted

    def _light_image_entry(self) -> dict | None:
        """The stamp's entry for images without torch (read once), or None."""
        if self._image_entry is None:
            entry, cache = None, self.cache_dir
            if self._light_runtime() is not None and cache is not None:
                quick = quick_key(self.model_id, self.model_config)
                entry = image_only_entry(cache, self.model_id, quick)
            self._image_entry = entry or False
        return self._image_entry or None

    def _image_path(self) -> Any:
        """(transform, towers) for a few query images: the exported image tower alone,
        with PIL and numpy preprocessing, without torch, when the model is not loaded and
        the export's stamp vouches for it (a cold search by image); else None (the loaded
        model's own way)."""
        if not self.loaded and self._image_only is None:
            with self._lock:
                if self._image_only is None and not self.loaded:
                    self._image_only = self._open_image_only() or False
        if not self.loaded and self._image_only:
            return self._image_only
        return None

    def _open_image_only(self) -> Any:
        wanted, cache = self._light_runtime(), self.cache_dir
        if wanted is None or cache is None or self._light_image_entry() is None:
            return None
        quick = quick_key(self.model_id, self.model_config)
        return open_image_only(cache, self.model_id, quick, wanted, self.threads)

    @property
    def context_length(self) -> int:
        tokenizer, _ = self._text_path()
        return int(getattr(tokenizer, "context_length", 77))

    def count_tokens(self, text: str) -> int:
        """Tokens the text needs, start and end markers included; may exceed context_length."""
        tokenizer, _ = self._text_path()
        encode = getattr(tokenizer, "encode", None)  # open_clip's own BPE tokenizer
        if encode is not None:
            return len(encode(text)) + 2
        inner = getattr(tokenizer, "tokenizer", None)  # Hugging Face tokenizers
        return len(inner(text)["input_ids"]) if inner is not None else 0

    def preprocess(self, pixels: Image.Image) -> Any:
        """A CHW float tensor from upright RGB pixels, by the model's own transform."""
        self.load()
        if self._crop_extremes:
            pixels = _center_square_if_extreme(pixels)
        return self._preprocess(pixels)

    def embed_tensors(self, batch: Any) -> Vectors:
        """Embeddings of a stacked batch of preprocessed tensors."""
        import torch

        self.load()
        if self._towers is not None:
            return normalise(self._towers.encode_image(batch.numpy()))
        with torch.inference_mode():
            dtype = next(self._model.parameters()).dtype if self.device != "cpu" else None
            batch = batch.to(self.device, dtype=dtype) if dtype else batch.to(self.device)
            features = self._model.encode_image(batch)
        return normalise(features.float().cpu().numpy())

    def embed_images(self, images: list[Image.Image]) -> Vectors:
        light = self._image_path()
        if light is not None:
            transform, towers = light
            entry = self._light_image_entry() or {}  # there is one: _image_path vouched for it
            crop = _center_square_if_extreme if entry.get("crop_extremes") else None
            batch = np.stack([transform(crop(image) if crop else image) for image in images])
            return normalise(towers.encode_image(batch))
        import torch

        return self.embed_tensors(torch.stack([self.preprocess(image) for image in images]))

    def embed_texts(self, texts: list[str]) -> Vectors:
        tokenizer, towers = self._text_path()
        if towers is not None:
            tokens = tokenizer(texts)
            return normalise(towers.encode_text(np.asarray(tokens)))
        import torch

        tokens = self._tokenizer(texts).to(self.device)
        with torch.inference_mode():
            features = self._model.encode_text(tokens)
        return normalise(features.float().cpu().numpy())


@contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """open_clip logs to the root logger ("initialized randomly", and an ERROR line when the
    weights cannot be downloaded) and huggingface_hub logs each retry: while the model loads,
    only an exception speaks, and it reaches the user as one sentence (WeightsUnavailable)."""
    quieted = {
        logging.getLogger(): logging.CRITICAL,
        logging.getLogger("huggingface_hub"): logging.ERROR,
    }
    previous = {logger: logger.level for logger in quieted}
    for logger, level in quieted.items():
        logger.setLevel(level)
    try:
        yield
    finally:
        for logger, level in previous.items():
            logger.setLevel(level)


def normalise(vectors: np.ndarray) -> Vectors:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _center_square_if_extreme(pixels: Image.Image, limit: float = 4.0) -> Image.Image:
    """Crop a very long image to its central square before the model's resize.

    The standard CLIP transform resizes the short side and then centre-crops, so for a
    10000x3 strip the intermediate image would be 746,000 pixels wide. Cropping the centre
    first gives the same pixels the model would keep, without the huge intermediate.
    """
    width, height = pixels.size
    if max(width, height) <= limit * min(width, height):
        return pixels
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return pixels.crop((left, top, left + side, top + side))


@lru_cache(maxsize=8)
def shared_embedder(
    model_name: str,
    pretrained: str,
    device: str,
    threads: int | None,
    int8: bool,
    model_config: str | None,
    backend: str = "auto",
    cache_dir: Path | None = None,
) -> ClipEmbedder:
    """One embedder per configuration per process, so the UI loads the model once."""
    return ClipEmbedder(
        model_name, pretrained, device=device, threads=threads, int8=int8,
        model_config=model_config, backend=backend, cache_dir=cache_dir,
    )  # fmt: skip

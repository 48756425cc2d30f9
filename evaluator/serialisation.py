"""A fitted model as bytes: an .npz of plain arrays plus a small JSON header, never a pickle.

Loading bytes from the catalog must not execute anything, so arrays are read with
allow_pickle=False and the header is JSON. The zip container checks every member's CRC, so
truncated or flipped bytes fail loudly; whatever the zip and .npy readers raise on damaged
input (BadZipFile, NotImplementedError, tokenizer errors, ...) becomes one ValueError.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
from numpy.typing import NDArray

FORMAT = "pictor-evaluator"
VERSION = 1
HEADER = "header_json"
ARRAYS = ("landmarks", "linear_weights", "kernel_weights", "offsets")


def write_model(arrays: dict[str, NDArray], header: dict) -> bytes:
    text = json.dumps({"format": FORMAT, "version": VERSION, **header}, sort_keys=True)
    buffer = io.BytesIO()
    entries: dict[str, Any] = {**arrays, HEADER: np.frombuffer(text.encode(), dtype=np.uint8)}
    np.savez(buffer, **entries)
    return buffer.getvalue()


def read_model(data: bytes) -> tuple[dict[str, NDArray[np.float32]], dict]:
    """The arrays and header of a model, checked for format, version, shapes and values."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ValueError(f"expected bytes for an evaluator model, got {type(data).__name__}.")
    try:
        with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as archive:
            header = json.loads(archive[HEADER].tobytes().decode())
            arrays = {name: np.asarray(archive[name], dtype=np.float32) for name in ARRAYS}
    except Exception as exc:  # a damaged zip or .npy header fails in many different ways
        raise ValueError(f"not a readable evaluator model ({type(exc).__name__}: {exc}).") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError("not an evaluator model: the header names another format.")
    if header.get("version") != VERSION:
        raise ValueError(
            f"evaluator model format version {header.get('version')} is not supported "
            f"(this version reads {VERSION}); train the evaluator again."
        )
    _check_shapes(arrays, header)
    return arrays, header


def _check_shapes(arrays: dict[str, NDArray[np.float32]], header: dict) -> None:
    landmarks, linear, kernel, offsets = (arrays[name] for name in ARRAYS)
    consistent = (
        landmarks.ndim == linear.ndim == kernel.ndim == 2
        and offsets.ndim == 1
        and landmarks.shape[1] == linear.shape[0]
        and landmarks.shape[0] == kernel.shape[0]
        and linear.shape[1] == kernel.shape[1] == offsets.shape[0] >= 1
    )
    if not consistent:
        raise ValueError("evaluator model arrays have inconsistent shapes; the data is corrupt.")
    if not all(np.isfinite(a).all() for a in arrays.values()):
        raise ValueError("evaluator model holds NaN or infinite values; the data is corrupt.")
    numbers: list[Any] = [header.get("kernel_width"), header.get("bias_variance")]
    if not all(isinstance(x, int | float) and np.isfinite(x) for x in numbers):
        raise ValueError("evaluator model header lacks its kernel width or bias variance.")
    if numbers[0] <= 0 or numbers[1] < 0 or not isinstance(header.get("params"), dict):
        raise ValueError("evaluator model header holds impossible values; the data is corrupt.")
    interval = [header.get("noise_variance", 0.0), header.get("interval_scale", 1.0)]
    if not all(isinstance(x, int | float) and np.isfinite(x) and x >= 0 for x in interval):
        raise ValueError("evaluator model header holds an impossible ±; the data is corrupt.")

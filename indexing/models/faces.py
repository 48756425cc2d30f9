"""dlib's face models: where the faces are, and a 128-number descriptor of each.

Three model files, all installed from PyPI (`dlib-bin` runs them, `face_recognition_models`
holds the weights; nothing is downloaded at run time): dlib's HOG frontal-face detector
(built into dlib), the 5-point landmark predictor that aligns each face, and the ResNet
face-recognition model (99.38 % on LFW) that turns the aligned 150x150 chip into a
128-d descriptor whose Euclidean distance says how alike two faces are. The 68-point
predictor in the same package is never used: its training data forbids commercial use.

The detector runs on a small copy (DETECT_SIDE on the long side, upsampled once, so a
face of about 40 px there, 6 % of the photo's long side, is still found); the landmarks
and the descriptor use the larger decode the caller passes, so a face keeps its detail.
Loaded lazily behind a lock; `face_recognition_models` is only located, never imported
(its __init__ needs setuptools' pkg_resources).
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from indexing.errors import PictorError

# Stamped on every detected face: a different model is a visible, handled change.
FACE_MODEL_ID = "dlib-hog+5pt+resnet-v1"
DESCRIPTOR_SIZE = 128
DETECT_SIDE = 640  # the detector's copy, long side in pixels
UPSAMPLE = 1  # the detector's own 2x pass: faces down to ~40 px of the 640 copy
# HOG's detection score (SVM margin): at 0 the detector reports everything it finds; a
# few false faces (a hand, a patterned shirt) score under 0.3 on the labelled photos
# (docs/people.md), every real face above 0.9.
MIN_SCORE = 0.3
MAX_FACES = 500  # per image; a crowd photo keeps its most confident faces

Descriptor = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class FoundFace:
    """One face: its box as fractions of the upright image, the detector's score and the
    descriptor (128 float32)."""

    left: float
    top: float
    width: float
    height: float
    score: float
    descriptor: Descriptor


class FaceModelUnavailable(PictorError):
    """dlib or its model files are not installed."""


def model_files() -> dict[str, Path]:
    """The model files of face_recognition_models that Pictor uses, by role."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FaceModelUnavailable(
            "faces need the face_recognition_models package (pip install -r requirements.txt)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    files = {
        "landmarks": folder / "shape_predictor_5_face_landmarks.dat",
        "descriptor": folder / "dlib_face_recognition_resnet_model_v1.dat",
    }
    for path in files.values():
        if not path.is_file():
            raise FaceModelUnavailable(f"a face model file is missing: {path}")
    return files


class FaceModel:
    """Detect faces and describe them. Loads on first use. dlib's objects must not be
    shared between threads (two threads in one detector crash the process), so each
    thread loads its own copy (0.3 s and about 40 MB each)."""

    def __init__(self, detect_side: int = DETECT_SIDE, upsample: int = UPSAMPLE):
        self.detect_side = detect_side
        self.upsample = upsample
        self._local = threading.local()

    def load(self) -> FaceModel:
        """Load this thread's copy; FaceModelUnavailable if dlib or a file is missing."""
        self._parts()
        return self

    def _parts(self) -> tuple[Any, Any, Any]:
        parts = getattr(self._local, "parts", None)
        if parts is None:
            try:
                import dlib
            except ImportError as exc:
                raise FaceModelUnavailable(
                    f"faces need dlib (pip install dlib-bin): {exc}"
                ) from None
            files = model_files()
            parts = self._local.parts = (
                dlib.get_frontal_face_detector(),
                dlib.shape_predictor(str(files["landmarks"])),
                dlib.face_recognition_model_v1(str(files["descriptor"])),
            )
        return parts

    def find(self, pixels: Image.Image) -> list[FoundFace]:
        """The faces in an upright RGB image, most confident first."""
        detector, landmarks, describer = self._parts()
        import dlib

        full = np.ascontiguousarray(pixels if pixels.mode == "RGB" else pixels.convert("RGB"))
        height, width = full.shape[:2]
        scale = min(1.0, self.detect_side / max(width, height))
        small = (
            np.ascontiguousarray(
                pixels.convert("RGB").resize(
                    (max(1, round(width * scale)), max(1, round(height * scale))),
                    Image.Resampling.BILINEAR,
                )
            )
            if scale < 1.0
            else full
        )
        rects, scores, _ = detector.run(small, self.upsample, 0.0)
        found = sorted(zip(scores, rects, strict=True), key=lambda pair: -pair[0])
        faces = []
        for score, rect in found[:MAX_FACES]:
            if score < MIN_SCORE:
                continue
            box = _clipped(rect, scale, width, height)
            if box is None:
                continue
            left, top, right, bottom = box
            shape = landmarks(full, dlib.rectangle(left, top, right, bottom))
            descriptor = np.asarray(describer.compute_face_descriptor(full, shape), np.float32)
            faces.append(
                FoundFace(
                    left / width, top / height, (right - left) / width, (bottom - top) / height,
                    float(score), descriptor,
                )
            )  # fmt: skip
        return faces


def _clipped(rect: Any, scale: float, width: int, height: int) -> tuple[int, int, int, int] | None:
    """The detector's box in full-size pixels, kept inside the image; None if empty."""
    left = max(0, round(rect.left() / scale))
    top = max(0, round(rect.top() / scale))
    right = min(width, round((rect.right() + 1) / scale))
    bottom = min(height, round((rect.bottom() + 1) / scale))
    if right - left < 2 or bottom - top < 2:
        return None
    return left, top, right, bottom


_shared: FaceModel | None = None
_shared_lock = threading.Lock()


def shared_face_model() -> FaceModel:
    """The process-wide face model (not loaded until first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = FaceModel()
        return _shared

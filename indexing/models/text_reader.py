"""Reading the words in an image (OCR): PP-OCR's detector, direction classifier and
recogniser, shipped as ONNX files inside the rapidocr_onnxruntime wheel (nothing is
downloaded, ever), run by OpenVINO on a CPU where it can and by ONNX Runtime otherwise.

Cost is what decides the shape. Most photos have no text, so the detector first looks at a
small copy (PROBE_SIDE on the long side: with the decode, about 63 ms of CPU for a
3000x2000 JPEG), and the recogniser checks the few largest boxes it finds; a photo where
neither sees text is done. Only when they do does the image get read properly: the detector
again at reading resolution (the short side at most TILE_SIDE), in tiles of TILE_SIDE with
an overlap, so a 20,000 px long screenshot is read at full size, never downsized into
illegibility; then the recogniser on each box, cut from those full-size pixels. An image
much longer than wide skips the probe (its small copy would be a sliver).

Loaded lazily behind a lock, once per process; one reader serves all threads (ONNX
Runtime sessions are thread-safe; OpenVINO gets one infer request per thread).
"""

from __future__ import annotations

import functools
import logging
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from indexing.errors import PictorError

log = logging.getLogger(__name__)

PROBE_SIDE = 512  # the detector's first, cheap look: the long side of the small copy
TILE_SIDE = 1536  # reading resolution: tiles of at most this many pixels a side
TILE_OVERLAP = 192  # a line up to this tall lies whole in one tile
LONG_RATIO = 3.0  # longer than this (long side / short side): no probe, straight to tiles
MAX_LINES = 2000  # lines kept per image; past it, the image is noted as cut short
MIN_CONFIDENCE = 0.5  # the recogniser's score below which a line is dropped
PROBE_CHECKS = 6  # boxes the probe's recogniser looks at before saying "text"


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of text: its words, its box (four corners, clockwise from top left, in
    the pixels of the upright image), and the recogniser's confidence (0..1)."""

    text: str
    box: tuple[tuple[int, int], ...]
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "box": [list(point) for point in self.box],
            "confidence": round(self.confidence, 3),
        }


@dataclass(frozen=True, slots=True)
class Reading:
    lines: tuple[TextLine, ...]
    probed_empty: bool  # the probe found nothing: the cheap path
    cut_short: int = 0  # how many lines were found past MAX_LINES and dropped


@dataclass(frozen=True, slots=True)
class Tile:
    """A window of the reading image, and the band of it whose boxes it keeps."""

    left: int
    top: int
    right: int
    bottom: int
    keep: tuple[int, int, int, int]  # x0, y0, x1, y1: a box's centre must fall here


def tiles(
    width: int, height: int, side: int = TILE_SIDE, overlap: int = TILE_OVERLAP
) -> list[Tile]:
    """Tiles covering width x height, each at most side x side, overlapping by overlap.

    Each box is kept by exactly one tile: the one whose band (its window less half the
    overlap on each inner edge) holds the box's centre; a line no taller than the overlap
    then lies whole inside that tile."""
    xs = _spans(width, side, overlap)
    ys = _spans(height, side, overlap)
    out = []
    for x0, x1, kx0, kx1 in xs:
        for y0, y1, ky0, ky1 in ys:
            out.append(Tile(x0, y0, x1, y1, (kx0, ky0, kx1, ky1)))
    return out


def _spans(length: int, side: int, overlap: int) -> list[tuple[int, int, int, int]]:
    if length <= side:
        return [(0, length, 0, length)]
    count = math.ceil((length - overlap) / (side - overlap))
    step = (length - side) / (count - 1)
    starts = [round(i * step) for i in range(count)]
    spans = []
    for i, start in enumerate(starts):
        end = min(start + side, length)
        keep_start = 0 if i == 0 else (start + starts[i - 1] + side) // 2
        keep_end = length if i == count - 1 else (end + starts[i + 1]) // 2
        spans.append((start, end, keep_start, keep_end))
    return spans


def is_long(width: int, height: int) -> bool:
    """Too long for a probe: its small copy would be a sliver (a long screenshot)."""
    return max(width, height) > LONG_RATIO * min(width, height)


def reading_scale(width: int, height: int) -> float:
    """The scale at which an image is read: its short side at most TILE_SIDE."""
    return min(1.0, TILE_SIDE / max(1, min(width, height)))


class TextReader:
    """The three PP-OCR models, loaded on first use. `read` is thread-safe."""

    def __init__(self, threads: int = 1, backend: str = "auto"):
        self.threads = max(1, threads)
        self.backend = backend
        self._lock = threading.Lock()
        self._models: tuple[Any, Any, Any] | None = None

    @property
    def loaded(self) -> bool:
        return self._models is not None

    def load(self) -> TextReader:
        """The models, loaded once; PictorError (one sentence) when they cannot be."""
        with self._lock:
            if self._models is None:
                try:
                    self._models = _load_models(self.threads, self.backend)
                except (ImportError, OSError, RuntimeError) as exc:
                    raise PictorError(
                        f"text in images cannot be read here ({type(exc).__name__}: {exc}); "
                        "reinstall the requirements, or set PICTOR_OCR=off"
                    ) from None
        return self

    def probe(self, small: Image.Image) -> bool:
        """Whether a small copy (PROBE_SIDE long) shows text: the detector finds a box, and
        the recogniser reads at least one of them (PROBE_CHECKS largest) as a word, so the
        texture a detector takes for text (foliage, fabric) costs one more small step, not
        a full read."""
        detector, _, recogniser = self.load()._parts()
        image = _bgr(small)
        boxes, _ = detector(image)
        if boxes is None or len(boxes) == 0:
            return False
        largest = sorted(boxes, key=lambda box: -_area(box))[:PROBE_CHECKS]
        results, _ = recogniser([_crop(image, box.astype(np.float32)) for box in largest])
        return any(
            float(score) >= MIN_CONFIDENCE and sum(ch.isalnum() for ch in str(text)) >= 2
            for text, score, _ in results
        )

    def read(self, pixels: Image.Image) -> Reading:
        """The lines in an upright image: the probe first (unless the image is long), then
        the whole image at reading resolution if the probe saw text."""
        if not is_long(*pixels.size) and not self.probe(probe_copy(pixels)):
            return Reading((), probed_empty=True)
        return self.read_all(pixels)

    def read_all(self, pixels: Image.Image, size: tuple[int, int] | None = None) -> Reading:
        """Every line, tile by tile at reading resolution (no probe). Boxes are in the
        pixels of `size` (the image's full size, where pixels is a reduced decode)."""
        full_width = size[0] if size else pixels.width
        reduced = reading_scale(*pixels.size)
        if reduced < 1.0:
            pixels = pixels.resize(
                (max(1, round(pixels.width * reduced)), max(1, round(pixels.height * reduced))),
                Image.Resampling.BILINEAR,
            )
        scale = pixels.width / full_width  # full-size pixels to the pixels read
        image = _bgr(pixels)
        found: list[tuple[NDArray[np.float32], str, float]] = []
        for tile in tiles(image.shape[1], image.shape[0]):
            found.extend(self._read_tile(image, tile))
        found = reading_order(found)
        cut = max(0, len(found) - MAX_LINES)
        lines = tuple(
            TextLine(text, tuple((round(x / scale), round(y / scale)) for x, y in box), score)
            for box, text, score in found[:MAX_LINES]
        )
        return Reading(lines, probed_empty=False, cut_short=cut)

    def _read_tile(
        self, image: NDArray[np.uint8], tile: Tile
    ) -> list[tuple[NDArray[np.float32], str, float]]:
        detector, classifier, recogniser = self._parts()
        window = np.ascontiguousarray(image[tile.top : tile.bottom, tile.left : tile.right])
        boxes, _ = detector(window)
        if boxes is None or len(boxes) == 0:
            return []
        offset = np.array([tile.left, tile.top], dtype=np.float32)
        kx0, ky0, kx1, ky1 = tile.keep
        kept = []
        for box in boxes:
            box = box.astype(np.float32) + offset
            cx, cy = box.mean(axis=0)
            if kx0 <= cx < kx1 and ky0 <= cy < ky1:
                kept.append(box)
        if not kept:
            return []
        crops = [_crop(image, box) for box in kept]
        crops, _, _ = classifier(crops)
        results, _ = recogniser(crops)
        out = []
        for box, crop, (text, score, centres) in zip(kept, crops, results, strict=True):
            text = put_spaces(str(text), centres, crop).strip()
            if text and float(score) >= MIN_CONFIDENCE:
                out.append((box, text, float(score)))
        return out

    def _parts(self) -> tuple[Any, Any, Any]:
        assert self._models is not None
        return self._models


def _area(box: NDArray[np.float32]) -> float:
    x, y = box[:, 0], box[:, 1]
    return float(abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2)


def reading_order(
    found: list[tuple[NDArray[np.float32], str, float]],
) -> list[tuple[NDArray[np.float32], str, float]]:
    """Lines top to bottom, and left to right within a row: boxes whose centres lie within
    half a line's height of each other are one row (a tilted line cut in two stays whole)."""
    rows: list[list[tuple[NDArray[np.float32], str, float]]] = []
    row_centre = row_height = 0.0
    for item in sorted(found, key=lambda item: float(item[0][:, 1].mean())):
        box = item[0]
        centre = float(box[:, 1].mean())
        height = float(box[:, 1].max() - box[:, 1].min())
        if rows and abs(centre - row_centre) < 0.5 * max(row_height, height):
            rows[-1].append(item)
        else:
            rows.append([item])
            row_centre, row_height = centre, height
    return [item for row in rows for item in sorted(row, key=lambda i: float(i[0][:, 0].min()))]


def probe_copy(pixels: Image.Image) -> Image.Image:
    """A copy at most PROBE_SIDE on its long side (the image itself if already small)."""
    if max(pixels.size) <= PROBE_SIDE:
        return pixels
    small = pixels.copy()
    small.thumbnail((PROBE_SIDE, PROBE_SIDE), Image.Resampling.BILINEAR)
    return small


def _bgr(pixels: Image.Image) -> NDArray[np.uint8]:
    rgb = np.asarray(pixels.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _crop(image: NDArray[np.uint8], box: NDArray[np.float32]) -> NDArray[np.uint8]:
    """The box cut out and straightened (PP-OCR's rotate-crop), rotated upright when tall."""
    import cv2

    width = int(max(np.linalg.norm(box[0] - box[1]), np.linalg.norm(box[2] - box[3])))
    height = int(max(np.linalg.norm(box[0] - box[3]), np.linalg.norm(box[1] - box[2])))
    width, height = max(width, 1), max(height, 1)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(box.astype(np.float32), target)
    crop = cv2.warpPerspective(
        image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )
    if crop.shape[0] / crop.shape[1] >= 1.5:
        crop = np.rot90(crop)
    return np.ascontiguousarray(crop)


def _load_models(threads: int, backend: str) -> tuple[Any, Any, Any]:
    """The wheel's detector, classifier and recogniser, with its own settings but ours for
    threads and the detector's resolution (it sees exactly the pixels we give it). backend
    auto or openvino: run by OpenVINO where it can (PICTOR_BACKEND, as CLIP is)."""
    from pathlib import Path

    import rapidocr_onnxruntime as package
    from rapidocr_onnxruntime.ch_ppocr_cls import TextClassifier
    from rapidocr_onnxruntime.ch_ppocr_det import TextDetector
    from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer
    from rapidocr_onnxruntime.utils import read_yaml

    root = Path(package.__file__).parent
    config = read_yaml(str(root / "config.yaml"))
    for part in ("Det", "Cls", "Rec"):
        config[part]["model_path"] = str(root / config[part]["model_path"])
        config[part]["intra_op_num_threads"] = threads
        config[part]["inter_op_num_threads"] = 1
    # limit_type "max" with the image's own long side: no resize beyond rounding to 32.
    config["Det"]["limit_type"] = "max"
    config["Det"]["limit_side_len"] = max(TILE_SIDE, PROBE_SIDE)
    detector = TextDetector(config["Det"])
    classifier = TextClassifier(config["Cls"])
    recogniser = TextRecognizer(config["Rec"])
    recogniser.postprocess_op = SpacedDecoder(recogniser.postprocess_op.character)
    if backend in ("auto", "openvino"):
        try:  # the same ONNX files, about twice as fast on a CPU; ONNX Runtime stays if not
            detector.infer = OpenVinoModel(config["Det"]["model_path"], threads)
            classifier.infer = OpenVinoModel(config["Cls"]["model_path"], threads)
            recogniser.session = OpenVinoModel(config["Rec"]["model_path"], threads)
        except Exception as exc:  # any failure: ONNX Runtime, as CLIP falls back
            log.warning("OpenVINO cannot run the text reader (%s); using ONNX Runtime", exc)
            detector = TextDetector(config["Det"])
            classifier = TextClassifier(config["Cls"])
            recogniser = TextRecognizer(config["Rec"])
            recogniser.postprocess_op = SpacedDecoder(recogniser.postprocess_op.character)
    return detector, classifier, recogniser


class OpenVinoModel:
    """One of the wheel's ONNX models compiled by OpenVINO for the CPU, called as the
    wheel calls its ONNX Runtime session (input -> [output]); one request per thread."""

    def __init__(self, path: str, threads: int):
        import openvino as ov

        config = {
            "INFERENCE_NUM_THREADS": threads,
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_PRECISION_HINT": "f32",
        }
        self._compiled = ov.Core().compile_model(path, "CPU", config)
        self._output = self._compiled.output(0)
        self._local = threading.local()

    def __call__(self, batch: NDArray[np.float32]) -> list[NDArray[np.float32]]:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        return [np.array(request.infer({0: batch})[self._output], copy=True)]


class SpacedDecoder:
    """The recogniser's CTC decoding (best path), keeping where each character was read.

    The shipped recogniser learnt mostly Chinese, which has no spaces, and often drops
    them between English words ("gardenexitlibrary"), which full-text search then cannot
    split. Each character's column says where in the crop it lies, so `put_spaces` can
    look at the pixels between two characters for the blank of a word space."""

    def __init__(self, characters: list[str]):
        self.characters = characters

    def __call__(
        self, preds: NDArray[np.float32], *_: Any, max_wh_ratio: float = 1.0, **__: Any
    ) -> list[tuple[str, float, list[float]]]:
        best = preds.argmax(axis=2)
        probability = preds.max(axis=2)
        # A column's centre, in units of the crop's height (the crop was scaled to a
        # height of 48 and a width of at most 48 * max_wh_ratio, over all the columns).
        unit = max_wh_ratio / preds.shape[1]
        return [self._line(best[row], probability[row], unit) for row in range(best.shape[0])]

    def _line(
        self, best: NDArray[np.int64], probability: NDArray[np.float32], unit: float
    ) -> tuple[str, float, list[float]]:
        keep = np.ones(len(best), dtype=bool)
        keep[1:] = best[1:] != best[:-1]
        keep &= best != 0  # the blank
        columns = np.flatnonzero(keep)
        if len(columns) == 0:
            return "", 0.0, []
        text = "".join(self.characters[i] for i in best[columns])
        return text, float(probability[columns].mean()), [(c + 0.5) * unit for c in columns]


GLUED = 8  # a run of this many characters with no space is checked for lost spaces
SPACE_GAP = 0.12  # a word space is at least this wide (times the crop's height) ...
SPACE_RATIO = 2.2  # ... and this many times the run's usual blank between two letters
INK_CONTRAST = 32  # grey levels from the background that count as ink


def put_spaces(text: str, centres: list[float], crop: NDArray[np.uint8]) -> str:
    """text with the spaces the recogniser dropped put back: in each long run with no
    space, wherever the crop shows a blank between two letters much wider than the
    run's usual one (letters sit a steady distance apart; words a wider one)."""
    if len(text) < GLUED or len(centres) != len(text):
        return text
    height, width = crop.shape[:2]
    grey = crop.mean(axis=2)
    band = grey[height // 8 : height - height // 8 or height]
    ink = (np.abs(band - np.median(band)) > INK_CONTRAST).any(axis=0)
    blanks = [0]  # blanks[i]: the widest blank between letters i-1 and i
    for i in range(1, len(text)):
        start = min(width, max(0, round(centres[i - 1] * height)))
        end = min(width, max(start, round(centres[i] * height)))
        blanks.append(_longest_blank(ink[start:end]))
    out = list(text)
    run_start = 0
    for i in range(len(text) + 1):
        if i == len(text) or text[i] == " ":
            if i - run_start >= GLUED:
                inner = blanks[run_start + 1 : i]
                wide = max(SPACE_GAP * height, SPACE_RATIO * float(np.median(inner)), 3.0)
                for j in range(run_start + 1, i):
                    if blanks[j] >= wide:
                        out[j] = " " + text[j]
            run_start = i + 1
    return "".join(out)


def _longest_blank(ink: NDArray[np.bool_]) -> int:
    longest = run = 0
    for has_ink in ink:
        run = 0 if has_ink else run + 1
        longest = max(longest, run)
    return longest


_shared: dict[tuple[int, str], TextReader] = {}
_shared_lock = threading.Lock()


def shared_reader(threads: int = 1, backend: str = "auto") -> TextReader:
    """The process-wide reader (not loaded until first use)."""
    with _shared_lock:
        reader = _shared.get((threads, backend))
        if reader is None:
            reader = _shared[(threads, backend)] = TextReader(threads, backend)
        return reader


@functools.cache
def engine_id() -> str:
    """What reads the text, stamped on every reading: a new engine reads everything again."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"rapidocr_onnxruntime {version('rapidocr_onnxruntime')} PP-OCRv4"
    except PackageNotFoundError:
        return "rapidocr_onnxruntime ? PP-OCRv4"

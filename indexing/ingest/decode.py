"""One decode per file: header checks, draft-mode decode, orientation, standard pixels.

Every later use of pixels (thumbnail, perceptual hashes, CLIP) starts from `Decoded.pixels`,
which is already turned upright by its EXIF orientation.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass, field

import numpy as np
import pillow_heif
from PIL import Image, UnidentifiedImageError

from indexing.errors import BadImage
from indexing.ingest.metadata import read_metadata
from indexing.ingest.png_text import is_text_limit_error, without_oversized_text
from indexing.records import ImageMetadata

pillow_heif.register_heif_opener()
# Our own pixel limit (Settings.max_image_pixels) is checked from the header; Pillow's
# warning between 1x and 2x its limit would only be noise.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".bmp", ".dib", ".tif", ".tiff"}
    | {".heic", ".heif", ".hif"}
)
# Videos (indexing.ingest.video): key frames are sampled and embedded, each with its time.
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"})
FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "DIB", "TIFF", "HEIF"})
SWAPPED_ORIENTATIONS = frozenset({5, 6, 7, 8})


@dataclass(slots=True)
class Decoded:
    pixels: Image.Image  # upright, RGB or RGBA; reduced, but min_side short, long_side long
    width: int  # full-size width as displayed (after orientation)
    height: int
    format: str
    metadata: ImageMetadata
    warnings: list[str] = field(default_factory=list)  # indexed, but something was skipped


def decode(data: bytes, *, min_side: int, max_pixels: int, long_side: int = 0) -> Decoded:
    """Decode image bytes once, at reduced size where the format allows it (JPEG draft).

    The result keeps at least min_side pixels on its short side and long_side on its long
    side, so it serves the model's input and the thumbnail from the same decode.

    Raises BadImage with a one-line reason for anything that is not a usable image. A PNG
    refused only for an oversized text chunk is decoded without that chunk, with a warning.
    """
    if not data:
        raise BadImage("empty file (0 bytes)")
    _let_pillow_open_up_to(max_pixels)
    try:
        return _decode_bytes(data, min_side=min_side, max_pixels=max_pixels, long_side=long_side)
    except BadImage as exc:
        if not is_text_limit_error(exc):
            raise
        trimmed, dropped = without_oversized_text(data)
        if not dropped:
            raise
    decoded = _decode_bytes(trimmed, min_side=min_side, max_pixels=max_pixels, long_side=long_side)
    decoded.warnings += [text.warning() for text in dropped]
    return decoded


def _decode_bytes(data: bytes, *, min_side: int, max_pixels: int, long_side: int) -> Decoded:
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise BadImage("not an image (unrecognised or corrupt header)") from None
    except Image.DecompressionBombError as exc:
        raise BadImage(f"refused as a possible decompression bomb: {exc}") from None
    except (OSError, ValueError, SyntaxError, RuntimeError) as exc:  # libheif: RuntimeError
        raise BadImage(f"cannot open image: {_one_line(exc)}") from None
    with image:
        return _decode_open(
            image, data, min_side=min_side, max_pixels=max_pixels, long_side=long_side
        )


def _let_pillow_open_up_to(max_pixels: int) -> None:
    """Pillow refuses, on open, images over twice its global MAX_IMAGE_PIXELS. Raise that
    global when our own limit (checked from the header in _decode_open) is higher; never
    lower it."""
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and 2 * limit < max_pixels:
        Image.MAX_IMAGE_PIXELS = -(-max_pixels // 2)


def _decode_open(
    image: Image.Image, data: bytes, *, min_side: int, max_pixels: int, long_side: int = 0
) -> Decoded:
    fmt = image.format or "?"
    if fmt not in FORMATS:
        raise BadImage(f"unsupported image format {fmt}")
    width, height = image.size
    if width < 1 or height < 1:
        raise BadImage(f"image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise BadImage(
            f"refused: {width}x{height} = {width * height:,} pixels is over the limit of "
            f"{max_pixels:,} (possible decompression bomb)"
        )
    if fmt in ("JPEG", "MPO"):
        # The smallest DCT scale that keeps the short side >= min_side (the model's input)
        # and the long side >= long_side (the thumbnail): often 1/8 for camera photos.
        long = max(long_side, min_side)
        image.draft("RGB", (long, min_side) if width >= height else (min_side, long))
    skipped: list[str] = []  # metadata too broken to read: the image is indexed without it
    try:
        image.load()
        metadata = read_metadata(image, data, skipped)
        pixels = upright(standard_mode(image), metadata.orientation)
    except Image.DecompressionBombError as exc:
        raise BadImage(f"refused as a possible decompression bomb: {exc}") from None
    except (
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        IndexError,
        RuntimeError,
        struct.error,
        TypeError,
        KeyError,
    ) as exc:
        raise BadImage(f"corrupt or truncated image data: {_one_line(exc)}") from None
    if metadata.orientation in SWAPPED_ORIENTATIONS:
        width, height = height, width
    return Decoded(pixels, width, height, "JPEG" if fmt == "MPO" else fmt, metadata, skipped)


# EXIF orientation -> the transpose that turns the stored pixels upright.
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def upright(pixels: Image.Image, orientation: int) -> Image.Image:
    """The pixels as the camera meant them to be seen (from the orientation already read)."""
    method = UPRIGHT.get(orientation)
    return pixels.transpose(method) if method is not None else pixels


def standard_mode(image: Image.Image) -> Image.Image:
    """RGB, or RGBA where the image has transparency."""
    mode = image.mode
    if mode in ("RGB", "RGBA"):
        out = image
    elif mode.startswith("I") or mode == "F":
        out = _high_depth_to_rgb(image)
    elif mode in ("LA", "La", "PA", "RGBa") or (
        mode in ("P", "L", "RGB") and "transparency" in image.info
    ):
        out = image.convert("RGBA")
    else:  # 1, L, P, CMYK, YCbCr, LAB, HSV
        out = image.convert("RGB")
    return out


def _high_depth_to_rgb(image: Image.Image) -> Image.Image:
    """16-bit and 32-bit grey to 8-bit, scaled by the type's range rather than clipped."""
    array = np.asarray(image)
    if image.mode.startswith("I;16") or (array.dtype == np.int32 and array.max(initial=0) > 255):
        top = 65535.0 if array.max(initial=0) <= 65535 else float(array.max())
        scaled = np.clip(array.astype(np.float32) * (255.0 / top), 0, 255)
    elif image.mode == "F":
        low, high = float(np.nanmin(array)), float(np.nanmax(array))
        span = high - low if high > low else 1.0
        scaled = (np.nan_to_num(array) - low) * (255.0 / span)
    else:
        scaled = np.clip(array, 0, 255)
    return Image.fromarray(scaled.astype(np.uint8), "L").convert("RGB")


def flatten(pixels: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """RGB for the models: transparency composited over a plain background."""
    if pixels.mode != "RGBA":
        return pixels if pixels.mode == "RGB" else pixels.convert("RGB")
    canvas = Image.new("RGB", pixels.size, background)
    canvas.paste(pixels, mask=pixels.getchannel("A"))
    return canvas


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

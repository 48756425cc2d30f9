"""Animated images as query clips: the frames of a GIF, WEBP or APNG, by Pillow.

A clip to search with may be an animation rather than a video; its frames' start times come
from their durations (a missing or 0-10 ms delay shown as browsers show it), spread evenly
as a video clip's are. A still image is a clip of one frame.
"""

from __future__ import annotations

import bisect

from PIL import Image, ImageSequence, UnidentifiedImageError

from indexing.ingest.video.records import (
    DECODE_ERRORS,
    BadVideo,
    SampledFrame,
    one_line,
    reduced_size,
)

GIF_DEFAULT_DURATION_MS = 100  # what browsers show a GIF frame with no (or a 0-10 ms) delay


def image_clip(
    path: str, *, min_side: int, max_frames: int, max_pixels: int
) -> list[SampledFrame] | None:
    """The frames of an animated (or still) image, or None when Pillow cannot open it."""
    try:
        image = Image.open(path)
    except UnidentifiedImageError:
        return None
    except Image.DecompressionBombError:
        raise BadVideo("refused as a possible decompression bomb") from None
    except DECODE_ERRORS as exc:
        raise BadVideo(f"cannot open image: {one_line(exc)}") from None
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise BadVideo(
                f"refused: {width}x{height} frames exceed the {max_pixels:,}-pixel limit"
            )
        try:
            starts: list[float] = []
            at = 0.0
            for frame in ImageSequence.Iterator(image):
                starts.append(at)
                delay = frame.info.get("duration") or 0
                at += (delay if delay > 10 else GIF_DEFAULT_DURATION_MS) / 1000
            total = at
            wanted = sorted(
                {_frame_showing(starts, i * total / max_frames) for i in range(max_frames)}
            )
            frames = []
            for index in wanted:
                image.seek(index)
                pixels = _to_rgb(image)
                size = reduced_size(pixels.width, pixels.height, min_side, min_side)
                if size != pixels.size:
                    pixels = pixels.resize(size, Image.Resampling.BOX)
                frames.append(SampledFrame(starts[index], pixels))
        except Image.DecompressionBombError:
            raise BadVideo("refused as a possible decompression bomb") from None
        except DECODE_ERRORS as exc:
            raise BadVideo(f"corrupt or truncated animation: {one_line(exc)}") from None
    if not frames:
        raise BadVideo("the animation has no frames")
    return frames


def _frame_showing(starts: list[float], at: float) -> int:
    return max(0, bisect.bisect_right(starts, at + 1e-9) - 1)


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB, transparency composited over white."""
    if image.mode == "RGB":
        return image.copy()
    rgba = image.convert("RGBA")
    canvas = Image.new("RGB", rgba.size, (255, 255, 255))
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas

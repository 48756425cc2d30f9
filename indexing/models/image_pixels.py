"""CLIP's image preprocessing without torch: what a cold search by image runs.

open_clip's transform is a torchvision Compose (resize the short side, centre crop, RGB,
to a tensor, normalise by the model's mean and std) and importing it imports torch (about
8 s on a cold two-core machine). The resize and the crop are PIL's own operations in both
(torchvision calls PIL for a PIL image), so doing them with PIL and the rest with numpy
gives the same numbers. This transform is used only for an export whose stamp says that,
at the last full load, it described the model's transform step by step and gave the same
pixels on a set of probe images (see `matches`); anything else goes the torch way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

KIND = "pil-numpy"  # the stamp's name for this transform
MAX_DIFFERENCE = 1e-4  # the largest difference to open_clip's output allowed, per value
INTERPOLATIONS = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
    "box": Image.Resampling.BOX,
    "hamming": Image.Resampling.HAMMING,
}


class PilNumpyTransform:
    """A CHW float32 array from a PIL image, by steps read from the model's transform.

    Steps (as the stamp holds them): ["resize", short side, interpolation] (the short side
    to that size, the long side in proportion, truncated, as torchvision does),
    ["resize_to", height, width, interpolation], ["crop", height, width] (centred),
    ["rgb"], ["normalise", mean, std] (after scaling to [0, 1]).
    """

    def __init__(self, steps: list[list[Any]]):
        self.steps = steps
        for step in steps:  # an unknown step or interpolation fails here, not on a query
            if step[0] not in ("resize", "resize_to", "crop", "rgb", "normalise"):
                raise ValueError(f"unknown step {step[0]!r}")
            if step[0].startswith("resize"):
                INTERPOLATIONS[step[-1]]

    def __call__(self, image: Image.Image) -> npt.NDArray[np.float32]:
        out: Any = image
        for step in self.steps:
            kind = step[0]
            if kind == "resize":
                out = _resize_short(out, int(step[1]), INTERPOLATIONS[step[2]])
            elif kind == "resize_to":
                out = _resize_to(out, int(step[1]), int(step[2]), INTERPOLATIONS[step[3]])
            elif kind == "crop":
                out = _centre_crop(out, int(step[1]), int(step[2]))
            elif kind == "rgb":
                out = out.convert("RGB")
            else:  # normalise: the last step
                pixels = np.asarray(out, dtype=np.float32) / np.float32(255)
                mean = np.asarray(step[1], dtype=np.float32)
                std = np.asarray(step[2], dtype=np.float32)
                return ((pixels - mean) / std).transpose(2, 0, 1).copy()
        raise ValueError("the transform does not end by normalising")


def _resize_short(image: Image.Image, size: int, resample: int) -> Image.Image:
    width, height = image.size
    short, long = sorted((width, height))
    if short == size:
        return image
    new_short, new_long = size, int(size * long / short)
    new = (new_short, new_long) if width <= height else (new_long, new_short)
    return image.resize(new, resample)


def _resize_to(image: Image.Image, height: int, width: int, resample: int) -> Image.Image:
    if image.size == (width, height):
        return image
    return image.resize((width, height), resample)


def _centre_crop(image: Image.Image, height: int, width: int) -> Image.Image:
    image_width, image_height = image.size
    if width > image_width or height > image_height:
        raise ValueError("the image is smaller than the crop")  # torchvision pads: not here
    top = round((image_height - height) / 2.0)  # torchvision's rounding
    left = round((image_width - width) / 2.0)
    return image.crop((left, top, left + width, top + height))


def describe(transform: Any) -> list[list[Any]] | None:
    """The steps of open_clip's eval transform (a torchvision Compose), or None when it
    holds anything this module does not reproduce exactly."""
    from torchvision import transforms as tv

    steps: list[list[Any]] = []
    for part in getattr(transform, "transforms", None) or []:
        if type(part) is tv.Resize:
            if part.max_size is not None:
                return None
            interpolation = getattr(part.interpolation, "value", None)
            if interpolation not in INTERPOLATIONS:
                return None
            size = part.size
            if isinstance(size, int) or len(size) == 1:
                steps.append(["resize", int(size if isinstance(size, int) else size[0]),
                              interpolation])  # fmt: skip
            else:
                steps.append(["resize_to", int(size[0]), int(size[1]), interpolation])
        elif type(part) is tv.CenterCrop:
            steps.append(["crop", int(part.size[0]), int(part.size[1])])
        elif _converts_to_rgb(part):
            steps.append(["rgb"])
        elif type(part) is tv.ToTensor or type(part).__name__ == "MaybeToTensor":
            continue  # the scaling to [0, 1]: the normalise step does it
        elif type(part) is tv.Normalize and not part.inplace:
            steps.append(["normalise", [float(v) for v in part.mean],
                          [float(v) for v in part.std]])  # fmt: skip
        else:
            return None
    if not steps or steps[-1][0] != "normalise" or any(s[0] == "normalise" for s in steps[:-1]):
        return None
    return steps


def _converts_to_rgb(part: Any) -> bool:
    """open_clip's step to RGB: MaybeConvertMode("RGB"), _convert_to_rgb in older ones."""
    if type(part).__name__ == "MaybeConvertMode":
        return getattr(part, "mode", "") == "RGB"
    return getattr(part, "__name__", "") == "_convert_to_rgb"


def probe_images() -> list[Image.Image]:
    """Images for `matches`: larger and smaller than the model's input, square, wide, tall,
    very long, odd sizes, grey, with alpha, palette, noise and smooth gradients."""
    rng = np.random.default_rng(28)
    sizes = [(640, 480), (480, 640), (224, 224), (100, 80), (333, 777), (1001, 251), (900, 3)]
    images = []
    for n, (width, height) in enumerate(sizes):
        y, x = np.mgrid[0:height, 0:width]
        smooth = np.stack([x * 255 / max(width, 1), y * 255 / max(height, 1),
                           (x + y) * 127 / max(width + height, 1)], axis=-1)  # fmt: skip
        noise = rng.integers(0, 256, (height, width, 3))
        pixels = np.where(rng.random((height, width, 1)) < 0.3 * (n % 2), noise, smooth)
        images.append(Image.fromarray(pixels.astype(np.uint8), "RGB"))
    images.append(images[0].convert("L"))
    images.append(images[1].convert("RGBA"))
    images.append(images[4].convert("P"))
    return images


def matches(transform: Any, crop: Any = None) -> dict | None:
    """The stamp entry ({"kind", "steps"}) when PilNumpyTransform gives the model's own
    transform's values (within MAX_DIFFERENCE) on every probe image, each first cropped by
    `crop` (the embedder's own step before the transform); None when it does not."""
    try:
        steps = describe(transform)
        if steps is None:
            return None
        light = PilNumpyTransform(steps)
        for image in probe_images():
            image = crop(image) if crop is not None else image
            expected = transform(image).numpy()
            got = light(image)
            if got.shape != expected.shape:
                return None
            if float(np.abs(got - expected).max()) > MAX_DIFFERENCE:
                return None
    except Exception:  # anything unexpected: the torch way, which always works
        return None
    return {"kind": KIND, "steps": steps}

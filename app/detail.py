"""The detail view every tab shares: the clicked image large, with its metadata."""

from __future__ import annotations

from PIL import Image, ImageOps

from app.components import detail_markdown
from app.context import AppContext
from indexing.query import details

PREVIEW_SIDE = 1600


def selected_detail(
    ctx: AppContext, ids: list[str], index: int | None, hint: str
) -> tuple[Image.Image | None, str, str | None]:
    """(preview, metadata text, content id) of the card at index; hint when none is."""
    if index is None or not 0 <= index < len(ids):
        return None, hint, None
    with ctx.catalog() as catalog:
        detail = details.image_detail(catalog, ids[index])
    if detail is None:
        return None, "This image is no longer in the catalog.", None
    return load_preview(detail), detail_markdown(detail), detail["content_id"]


def load_preview(detail: dict) -> Image.Image | None:
    """The image large and upright, from the first file that is still there."""
    for entry in detail["paths"]:
        if entry["status"] != "present":
            continue
        try:
            with Image.open(entry["path"]) as image:
                image.draft("RGB", (PREVIEW_SIDE, PREVIEW_SIDE))
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
                return upright.convert("RGBA" if "A" in upright.mode else "RGB")
        except (OSError, ValueError):
            continue
    return None

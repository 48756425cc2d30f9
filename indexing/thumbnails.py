"""Thumbnails on disk, keyed by content id: data_dir/thumbs/ab/abcdef….webp."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PIL import Image


class ThumbnailStore:
    def __init__(self, root: Path, size: int):
        self.root = Path(root)
        self.size = size

    def path_for(self, content_id: str) -> Path:
        return self.root / content_id[:2] / f"{content_id}.webp"

    def has(self, content_id: str) -> bool:
        return self.path_for(content_id).exists()

    def save(self, content_id: str, pixels: Image.Image) -> Path:
        """Write atomically, so a crash never leaves a half-written thumbnail."""
        target = self.path_for(content_id)
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        thumb = pixels.copy()
        thumb.thumbnail((self.size, self.size), Image.Resampling.LANCZOS, reducing_gap=2.0)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                thumb.save(handle, "WEBP", quality=80, method=4)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

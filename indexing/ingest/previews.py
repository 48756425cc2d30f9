"""Large previews (upright, 1280 px on the long side) cached on disk, and made ahead of time.

Decoding a 24-megapixel photo for the viewer takes longer than a key press should, so the
Rate tab asks for the next image's preview while the user looks at the current one
(`prefetch`), and the key press then finds it ready. The cache is derived data, bounded
(the oldest previews go first), and written beside-then-renamed so a crash never leaves
half a file.

1280 px fills the viewer on a 1080p screen, and lets a camera JPEG decode at half scale
(JPEG draft), four times faster than a full decode.
"""

from __future__ import annotations

import os
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PIL import Image, ImageOps

from indexing.errors import BadImage
from indexing.ingest.scan import is_video_name

PREVIEW_SIDE = 1280
KEEP = 400  # previews kept on disk; beyond that the least recently written go


class PreviewStore:
    def __init__(self, root: Path, side: int = PREVIEW_SIDE, keep: int = KEEP):
        self.root = Path(root)
        self.side = side
        self.keep = keep
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="pictor-preview")
        self._pending: dict[str, Future[Path | None]] = {}
        self._lock = threading.Lock()
        self._written = 0

    def path_for(self, content_id: str, transparent: bool = False) -> Path:
        return self.root / content_id[:2] / f"{content_id}.{'webp' if transparent else 'jpg'}"

    def get(self, content_id: str, sources: list[str]) -> Path | None:
        """The preview's file, made now if it is not there (and not being made)."""
        with self._lock:
            pending = self._pending.get(content_id)
        if pending is not None:
            return pending.result()
        return self._cached(content_id) or self._make(content_id, sources)

    def prefetch(self, content_id: str, sources: list[str]) -> None:
        """Make the preview in the background, unless it is there or on its way."""
        with self._lock:
            if content_id in self._pending or self._cached(content_id):
                return
            future = self._pool.submit(self._make, content_id, sources)
            self._pending[content_id] = future
        future.add_done_callback(lambda _: self._forget(content_id))

    def _forget(self, content_id: str) -> None:
        with self._lock:
            self._pending.pop(content_id, None)

    def _cached(self, content_id: str) -> Path | None:
        for transparent in (False, True):
            path = self.path_for(content_id, transparent)
            if path.exists():
                return path
        return None

    def _make(self, content_id: str, sources: list[str]) -> Path | None:
        for source in sources:
            if is_video_name(source):  # a video: its poster frame
                from indexing.ingest.video import poster_still  # loads PyAV: only for videos

                try:
                    return self._write(content_id, poster_still(source, side=self.side))
                except BadImage:
                    continue
            try:
                with Image.open(source) as image:
                    image.draft("RGB", (self.side, self.side))
                    upright = ImageOps.exif_transpose(image)
                    upright.thumbnail((self.side, self.side))
                    pixels = upright.convert("RGBA" if "A" in upright.mode else "RGB")
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
                continue
            return self._write(content_id, pixels)
        return None

    def _write(self, content_id: str, pixels: Image.Image) -> Path:
        target = self.path_for(content_id, pixels.mode == "RGBA")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                if pixels.mode == "RGBA":
                    pixels.save(handle, "WEBP", quality=85)
                else:
                    pixels.save(handle, "JPEG", quality=88)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._written += 1
        if self._written % 50 == 0:
            self._prune()
        return target

    def _prune(self) -> None:
        """Keep the newest `keep` previews; they can always be made again."""
        files = sorted(self.root.glob("*/*.*"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[self.keep :]:
            old.unlink(missing_ok=True)

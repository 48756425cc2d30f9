"""The OCR stage: read the words in every catalogued image not yet read, after the fast
stages, so a new folder is browsable and searchable by CLIP long before it ends.

Each worker reads the file once, checks it is still the content the catalog knows, and
decodes a small copy (JPEG draft: a 3000x2000 photo decodes at 750x500) for the text
reader's cheap first look; only an image where it sees text is decoded again at reading
size (indexing.models.text_reader). Readings are written in short batches keyed by content
id, so a cancelled or killed run resumes where it stopped, an unchanged content is never
read twice, and a moved file keeps its text. A file that cannot be read (a corrupt image, a
refused size, the engine failing) is one failed reading with a one-line reason, shown in
`errors`; the run goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from indexing.errors import BadImage, PictorError
from indexing.ingest.decode import decode, flatten
from indexing.ingest.hashing import content_id as hash_content
from indexing.ingest.scan import read_stable
from indexing.ingest.workers import bounded_map
from indexing.models.text_reader import (
    MAX_LINES,
    PROBE_SIDE,
    TILE_SIDE,
    Reading,
    TextReader,
    is_long,
    probe_copy,
)
from indexing.progress import CancelToken, ProgressCallback, StageMeter
from indexing.store import text_reads
from indexing.store.catalog import Catalog

WRITE_SECONDS = 2.0  # readings are written at least this often (and every commit_every)


@dataclass(slots=True)
class TextCounts:
    """What the stage did in one run, for the index summary."""

    read: int = 0
    with_text: int = 0
    failed: int = 0
    pending: int = 0
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "with_text": self.with_text,
            "failed": self.failed,
            "pending": self.pending,
            "message": self.message,
        }


def read_image_text(data: bytes, reader: TextReader, *, max_pixels: int) -> Reading:
    """The text in one image's bytes: a small decode for the probe, a full one if needed.

    Raises BadImage for bytes that are not a usable image."""
    small = decode(data, min_side=1, long_side=PROBE_SIDE, max_pixels=max_pixels)
    pixels = flatten(small.pixels)
    if not is_long(*pixels.size) and not reader.probe(probe_copy(pixels)):
        return Reading((), probed_empty=True)
    if max(pixels.size) < max(small.width, small.height):  # a JPEG decoded in draft
        pixels = flatten(decode(data, min_side=TILE_SIDE, max_pixels=max_pixels).pixels)
    return reader.read_all(pixels, (small.width, small.height))  # boxes at full size


def read_file(path: str, reader: TextReader, *, max_pixels: int) -> tuple[str, text_reads.ReadRow]:
    """(content id, reading) of one file read now. Raises OSError when it cannot be read;
    an image the engine cannot take is a failed reading, as in the stage."""
    data = read_stable(path).data
    content_id = hash_content(data)
    row = _reader_job(reader, max_pixels)((content_id, path))
    assert row is not None  # the bytes were just read and hashed
    return content_id, row


def _row(content_id: str, reading: Reading) -> text_reads.ReadRow:
    lines = [(line.text, line.box, line.confidence) for line in reading.lines]
    note = None
    if reading.cut_short:
        found = len(lines) + reading.cut_short
        note = f"text: {found:,} lines found, the first {MAX_LINES:,} kept"
    return text_reads.ReadRow(content_id, "text" if lines else "none", lines, note)


def _reader_job(
    reader: TextReader, max_pixels: int
) -> Callable[[tuple[str, str]], text_reads.ReadRow | None]:
    def job(item: tuple[str, str]) -> text_reads.ReadRow | None:
        content_id, path = item
        try:
            data = read_stable(path).data
        except OSError:
            return None  # unreadable right now: it stays pending
        if hash_content(data) != content_id:
            return None  # edited since its scan: the next scan re-reads it
        try:
            return _row(content_id, read_image_text(data, reader, max_pixels=max_pixels))
        except BadImage as exc:
            return text_reads.ReadRow(
                content_id, "failed", reason=f"cannot decode to read its text: {exc}"
            )
        except Exception as exc:  # one image must never end the run
            reason = f"the text reader failed: {type(exc).__name__}: {exc}"
            return text_reads.ReadRow(content_id, "failed", reason=reason.splitlines()[0])

    return job


def read_pending(
    reader: TextReader,
    catalog: Catalog,
    engine: str,
    *,
    threads: int,
    max_pixels: int,
    commit_every: int,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> TextCounts:
    """Read every shown image not yet read by this engine, newest first."""
    counts = TextCounts()
    todo = text_reads.pending(catalog, engine)
    if not todo:
        return counts
    try:
        reader.load()
    except PictorError as exc:  # the engine cannot run here: everything else is indexed
        counts.message = str(exc)
        counts.pending = len(todo)
        return counts
    meter = StageMeter("text", len(todo), progress)
    batch: list[text_reads.ReadRow] = []
    since = time.monotonic()

    def flush() -> None:
        nonlocal batch, since
        if batch:
            text_reads.write(catalog, batch, engine)
            meter.advance(len(batch), force=True)
        batch, since = [], time.monotonic()

    with ThreadPoolExecutor(max(1, threads), thread_name_prefix="pictor-text") as pool:
        job = _reader_job(reader, max_pixels)
        for row in bounded_map(
            pool, job, todo, max_in_flight=threads * 2, should_stop=lambda: cancel.cancelled
        ):
            meter.advance_read()
            if row is None:
                continue
            batch.append(row)
            counts.read += 1
            counts.with_text += row.state == "text"
            counts.failed += row.state == "failed"
            if len(batch) >= commit_every or time.monotonic() - since >= WRITE_SECONDS:
                flush()
        flush()
    meter.finish()
    counts.pending = text_reads.count_pending(catalog, engine)
    return counts

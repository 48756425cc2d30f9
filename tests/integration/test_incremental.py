"""Incremental re-indexing: mark and sweep by size and mtime."""

from __future__ import annotations

import builtins
import os
import threading
from pathlib import Path

import pytest

import indexing.ingest.analyse
from indexing.progress import CancelToken, Progress
from indexing.query import details
from tests.conftest import Pictor
from tests.library_builder import noise_image


def count_opens_under(monkeypatch: pytest.MonkeyPatch, root: Path) -> list[str]:
    """Spy on builtins.open: every file under root opened from now on is listed."""
    opened: list[str] = []
    real_open = builtins.open
    prefix = str(root) + os.sep

    def spy(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.fspath(file).startswith(prefix):
            opened.append(os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    return opened


def test_unchanged_files_are_not_opened(pictor, library, monkeypatch) -> None:
    library.many(12)
    opened = count_opens_under(monkeypatch, library.root)
    first = pictor.index(library.root)
    assert first.new == 12 and len(opened) == 12  # the spy sees every read (faces are off)

    opened.clear()
    second = pictor.index(library.root)

    assert opened == []
    assert second.unchanged == second.files_seen == 12
    assert (second.new, second.changed, second.moved, second.deleted) == (0, 0, 0, 0)
    assert second.errors == []


def test_unchanged_library_reports_everything_unchanged(pictor, library) -> None:
    library.many(6)
    library.write("bad.jpg", b"not an image at all")
    first = pictor.index(library.root)
    assert first.new == 6 and len(first.errors) == 1

    again = pictor.index(library.root)

    assert (again.new, again.changed, again.moved, again.deleted) == (0, 0, 0, 0)
    assert again.unchanged == again.files_seen == 7
    assert again.errors == []  # a known bad file is not retried until it changes
    assert list(pictor.errors()) == [str(library.root / "bad.jpg")]


def test_changed_file_is_read_again(pictor, library) -> None:
    photo = library.noise("photo.jpg", (64, 48), seed=1)
    library.noise("other.jpg", seed=2)
    pictor.index(library.root)
    old_cid = pictor.file_row(photo)["content_id"]

    noise_image((90, 30), seed=99).save(photo)
    stat = photo.stat()
    os.utime(photo, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    summary = pictor.index(library.root)

    assert (summary.changed, summary.new, summary.unchanged) == (1, 0, 1)
    row = pictor.file_row(photo)
    assert row["content_id"] != old_cid
    assert row["mtime_ns"] == photo.stat().st_mtime_ns
    image = pictor.image_for(photo)
    assert (image["width"], image["height"]) == (90, 30)
    assert pictor.library.thumbs.has(row["content_id"])


def test_deleted_file_is_missing_keeps_its_rating_and_comes_back(pictor, library) -> None:
    photo = library.noise("photo.jpg", seed=1)
    library.noise("other.jpg", seed=2)
    pictor.index(library.root)
    content_id = pictor.file_row(photo)["content_id"]
    pictor.execute("INSERT INTO ratings(content_id, rating, rated_at) VALUES (?, 9, 1)", content_id)
    saved = photo.read_bytes()

    photo.unlink()
    gone = pictor.index(library.root)

    assert gone.deleted == 1 and gone.unchanged == 1 and gone.errors == []
    assert pictor.file_row(photo)["status"] == "missing"
    assert pictor.one("SELECT rating FROM ratings WHERE content_id = ?", content_id)[0] == 9
    with pictor.library.open_catalog() as catalog:
        assert details.status(catalog)["missing_files"] == 1
        assert details.status(catalog)["images"] == 1

    photo.write_bytes(saved)
    back = pictor.index(library.root)

    assert back.deleted == 0 and back.errors == []
    row = pictor.file_row(photo)
    assert (row["status"], row["content_id"]) == ("present", content_id)
    assert pictor.one("SELECT rating FROM ratings WHERE content_id = ?", content_id)[0] == 9
    assert pictor.one("SELECT COUNT(*) AS n FROM images")["n"] == 2


def test_file_that_turns_bad_stays_an_error_until_fixed(pictor, library) -> None:
    photo = library.noise("photo.jpg", seed=1)
    library.noise("other.jpg", seed=2)
    pictor.index(library.root)
    good = photo.read_bytes()

    photo.write_bytes(good[: len(good) // 3])  # truncated by a failed copy
    stat = photo.stat()
    os.utime(photo, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    broken = pictor.index(library.root)
    assert [e.path for e in broken.errors] == [str(photo)]
    assert str(photo) in pictor.errors()

    again = pictor.index(library.root)

    assert again.errors == [] and again.unchanged == again.files_seen == 2
    assert str(photo) in pictor.errors()  # still listed by `launch.py errors`

    photo.write_bytes(good)
    os.utime(photo, ns=(stat.st_atime_ns, stat.st_mtime_ns + 9_000_000_000))
    fixed = pictor.index(library.root)
    assert fixed.errors == [] and pictor.errors() == {}
    assert pictor.file_row(photo)["status"] == "present"


def test_data_folder_and_hidden_files_inside_the_library_are_skipped(
    pictor_env, library, tmp_path
) -> None:
    library.many(3)
    library.noise(".hidden.jpg", seed=50)
    library.noise(".cache/inside.jpg", seed=51)
    inside = Pictor(library.root / "pictor-data")

    inside.index(library.root)
    again = inside.index(library.root)  # thumbnails now exist under the library root

    assert list(inside.library.settings.thumbs_dir.rglob("*.jpg"))
    assert again.files_seen == again.unchanged == 3 and again.new == 0
    assert inside.one("SELECT COUNT(*) AS n FROM files")["n"] == 3


def cancel_on_first_index_update(cancel: CancelToken):
    def progress(update: Progress) -> None:
        if update.stage == "index" and max(update.read or 0, update.done) >= 1:
            cancel.cancel()

    return progress


def test_cancelled_run_sweeps_nothing(pictor, library) -> None:
    library.many(8)
    moved_from = library.noise("old/place.jpg", seed=100)
    pictor.index(library.root)
    moved_to = library.path("new/place.jpg")
    moved_from.rename(moved_to)
    library.many(40, folder="more")

    cancel = CancelToken()
    cut = pictor.library.index([str(library.root)], cancel_on_first_index_update(cancel), cancel)

    assert cut.cancelled and cut.deleted == 0
    assert pictor.rows("SELECT * FROM files WHERE status = 'missing'") == []
    finished = pictor.index(library.root)
    assert finished.moved == 1 and finished.deleted == 0 and finished.errors == []
    assert pictor.one("SELECT COUNT(*) AS n FROM files")["n"] == 8 + 1 + 40


def test_copy_waiting_for_its_twin_when_cancelled_is_indexed_next_time(
    pictor, library, monkeypatch
) -> None:
    """a.jpg and b.jpg are the same bytes; b's worker decodes them, a waits for it. The run is
    cancelled right after a's turn, before b reports: a must not become a permanent error."""
    first = library.noise("a.jpg", seed=1)
    twin = library.write("b.jpg", first.read_bytes())
    b_claimed = threading.Event()
    real_read = indexing.ingest.analyse.read_stable
    real_claim = indexing.ingest.analyse.KnownContent.claim

    def read(path: str, *args, **kwargs):
        if path == str(first):
            assert b_claimed.wait(10)
        return real_read(path, *args, **kwargs)

    def claim(self, cid: str) -> bool:
        claimed = real_claim(self, cid)
        b_claimed.set()
        return claimed

    monkeypatch.setattr(indexing.ingest.analyse, "read_stable", read)
    monkeypatch.setattr(indexing.ingest.analyse.KnownContent, "claim", claim)
    cancel = CancelToken()
    cut = pictor.library.index([str(library.root)], cancel_on_first_index_update(cancel), cancel)
    monkeypatch.undo()
    assert cut.cancelled

    finished = pictor.index(library.root)

    assert finished.errors == [] and pictor.errors() == {}
    for path in (first, twin):
        assert pictor.file_row(path)["status"] == "present"


def test_progress_counts_a_file_done_only_once_the_library_holds_it(pictor, library) -> None:
    """Issue 28: "Indexing: 407 of 407 done, ETA 0s" beside "0 images in 0 files". With
    embedding on, a file's row commits after its batch ran through CLIP; every report's
    done must be in the catalog already (read by another connection at that moment)."""
    library.many(40)
    reports: list[tuple[Progress, int]] = []

    def progress(update: Progress) -> None:
        if update.stage == "index":
            committed = pictor.one("SELECT COUNT(*) AS n FROM files WHERE status = 'present'")
            reports.append((update, committed["n"]))

    summary = pictor.library.index([str(library.root)], progress)

    assert summary.new == 40 and summary.embeddings and summary.embeddings.embedded == 40
    over = [(u.done, n) for u, n in reports if u.done > n]
    assert not over, f"reported done beyond what the Library holds (done, committed): {over}"
    for update, _ in reports:
        if update.done < update.total:
            assert "ETA 0s" not in update.describe(), update.describe()
    waiting = [u for u, _ in reports if u.read is not None and u.read > u.done]
    assert waiting, "no report while files were read but not yet saved"
    first = waiting[0]
    assert f"{first.read} of 40 read, {first.done} saved" in first.describe()
    last, committed = reports[-1]
    assert last.done == last.total == committed == 40
    assert "40 of 40 done" in last.describe()

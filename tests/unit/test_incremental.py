"""The progress line of an index run (re-indexing itself:
tests/integration/test_incremental.py)."""

from __future__ import annotations

from indexing.progress import Progress


def test_progress_line_says_what_is_read_and_saved_and_never_eta_0s_before_the_end() -> None:
    saving = Progress("index", 120, 407, 3.0, (407 - 120) / 3.0, read=380)
    assert saving.describe() == "Indexing: 380 of 407 read, 120 saved, 3.0/s, ETA 1m36s"
    nearly = Progress("index", 406, 407, 900.0, 1 / 900)
    assert nearly.describe().endswith("ETA 1s")  # once "ETA 0s" with a file still to save
    finished = Progress("index", 407, 407, 30.0, 0.0, read=407)
    assert finished.describe() == "Indexing: 407 of 407 done, 30.0/s"

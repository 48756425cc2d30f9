"""The on-disk vector mirror: appends as Chroma grows, rebuilds without breaking readers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from indexing.store.vector_mirror import VectorMirror

MODEL = "planted@mirror"


class FakeStore:
    """A collection in memory that can grow between count() and pages(), as Chroma can."""

    def __init__(self, vectors: dict[str, np.ndarray]):
        self.vectors = dict(vectors)
        self.counted = len(self.vectors)  # what count() reports
        self.starts: list[int] = []

    def count(self, model_id: str) -> int:
        return self.counted

    def pages(self, model_id: str, page_size: int = 5000, start: int = 0):
        self.starts.append(start)
        ids = list(self.vectors)[start:]
        if ids:
            yield ids, np.stack([self.vectors[i] for i in ids]).astype(np.float32)


def vectors(names: list[str], seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal(4).astype(np.float32) for name in names}


def test_vectors_landing_during_a_sync_are_appended_not_rebuilt(tmp_path: Path) -> None:
    store = FakeStore(vectors(["a", "b"], seed=1))
    mirror = VectorMirror(tmp_path, MODEL).sync(store, force=True)
    store.vectors.update(vectors(["c", "d"], seed=2))
    store.counted = 3  # counted before "d" landed
    mirror.sync(store, force=True)
    assert store.starts == [0, 2], "appended from row 2, never rewritten from 0"
    found, rows, missing = mirror.vectors_for(["d", "a", "zzz"])
    assert sorted(found) == ["a", "d"] and missing == ["zzz"]
    assert np.allclose(rows[found.index("d")], store.vectors["d"])


def test_a_rebuild_leaves_earlier_readers_valid(tmp_path: Path) -> None:
    store = FakeStore(vectors([f"v{i}" for i in range(50)], seed=3))
    mirror = VectorMirror(tmp_path, MODEL).sync(store, force=True)
    old_index, old_matrix = mirror._snapshot
    before = np.array(old_matrix[49])
    store.vectors = vectors(["w0", "w1"], seed=4)  # the collection was rebuilt smaller
    store.counted = 2
    mirror.sync(store, force=True)
    # A search that took the old snapshot still reads its rows: no fault, same values.
    assert np.array_equal(np.array(old_matrix[49]), before)
    assert old_index["v49"] == 49
    found, rows, missing = mirror.vectors_for(["w1", "v3"])
    assert found == ["w1"] and missing == ["v3"]
    assert np.allclose(rows[0], store.vectors["w1"])
    assert not list(tmp_path.glob("*.new"))


def test_rows_without_ids_are_dropped_without_breaking_earlier_readers(tmp_path: Path) -> None:
    store = FakeStore(vectors([f"v{i}" for i in range(300)], seed=5))
    mirror = VectorMirror(tmp_path, MODEL).sync(store, force=True)
    _, old_matrix = mirror._snapshot  # a search's snapshot, or the warm-up thread's
    before = np.array(old_matrix[299])
    (tmp_path / "ids.txt").write_text("")  # damaged: every row is now without its id
    with open(tmp_path / "vectors.f32", "ab") as leftover:  # and a crash's half-append
        leftover.write(np.ones(4, np.float32).tobytes())
    store.vectors["late"] = np.full(4, 2.0, np.float32)
    store.counted = 301
    read_meanwhile = []
    pages = store.pages

    def pages_while_a_search_reads(*args, **kwargs):
        # A search reading its old snapshot while the mirror catches up: a file shortened in
        # place would fault (SIGBUS) here and take the process down.
        read_meanwhile.append(np.array(old_matrix[299]))
        yield from pages(*args, **kwargs)

    store.pages = pages_while_a_search_reads
    mirror.sync(store, force=True)
    assert len(read_meanwhile) == 1 and np.array_equal(read_meanwhile[0], before)
    assert np.array_equal(np.array(old_matrix[299]), before)
    assert mirror.ids == list(store.vectors)  # every row again, each once, in order
    found, rows, _ = mirror.vectors_for(["late", "v0"])
    assert np.allclose(rows[found.index("late")], 2.0)
    assert np.allclose(rows[found.index("v0")], store.vectors["v0"])
    size = (tmp_path / "vectors.f32").stat().st_size
    assert size == 301 * 4 * 4, "no leftover row stays in the file"

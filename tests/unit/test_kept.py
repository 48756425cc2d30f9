"""indexing/store/kept.py: what the People facet and "Who is this?" keep per catalog."""

from __future__ import annotations

from pathlib import Path

from indexing.store.kept import PerCatalog


def test_the_last_catalogs_are_kept_and_the_oldest_goes() -> None:
    kept: PerCatalog[str] = PerCatalog(size=2)
    a, b, c = Path("/a.db"), Path("/b.db"), Path("/c.db")
    kept.put(a, "queue of a")
    kept.put(b, "queue of b")
    kept.put(a, "queue of a, again")  # a catalog kept already takes no other's place
    assert kept.get(a) == "queue of a, again" and kept.get(b) == "queue of b"
    kept.put(c, "queue of c")  # a third: the first put goes
    assert kept.get(a) is None
    assert kept.get(b) == "queue of b" and kept.get(c) == "queue of c"
    kept.clear()
    assert kept.get(b) is None and kept.get(c) is None

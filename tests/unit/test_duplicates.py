"""Duplicate grouping and keep-all, indexed without the model: each shows its progress and
a cancel stops it between groups, keeping what is done (the tiers end to end:
tests/integration/test_duplicates.py)."""

from __future__ import annotations

from indexing.library import Library
from indexing.settings import Settings
from tests.planted_duplicates import planted


def test_grouping_shows_progress_and_a_cancel_stops_it_keeping_what_is_done(
    library, tmp_path, pictor_env, monkeypatch
) -> None:
    from indexing.dedup import backfill
    from indexing.progress import Cancelled
    from indexing.query.duplicates import find_groups

    planted(library)
    pictor = Library(Settings(data_dir=tmp_path / "data", embed=False))
    pictor.index([str(library.root)])
    with pictor.open_catalog() as catalog, catalog.transaction() as conn:
        conn.execute("UPDATE images SET near_hashes = NULL")  # as an old catalog has them
    monkeypatch.setattr(backfill, "BATCH", 5)
    asked = iter([False, True])  # cancel pressed during the first batch
    seen = []
    try:
        find_groups(pictor, "near", progress=seen.append, cancel=lambda: next(asked))
    except Cancelled as stopped:
        assert "cancelled" in str(stopped)
    else:
        raise AssertionError("a cancelled grouping went on")
    with pictor.open_catalog() as catalog:
        kept = catalog.conn.execute("SELECT COUNT(near_hashes) FROM images").fetchone()[0]
    assert kept == 5  # the first batch's hashes stay for next time
    seen.clear()
    found = find_groups(pictor, "near", progress=seen.append, cancel=lambda: False)
    assert len(found.groups) == 1 and len(found.groups[0].members) == 6
    hashed = [p for p in seen if p.stage == "hashes"]
    assert hashed[-1].done == hashed[-1].total == 12 - 5  # only the rest was hashed
    assert "Comparing the images' hashes" in seen[-1].describe()


def test_keeping_every_group_stops_between_groups_when_cancelled(
    library, tmp_path, pictor_env
) -> None:
    from indexing.curate.keep_best import keep_all
    from indexing.query.duplicates import all_groups

    files = planted(library)
    library.write("sub/copy1.jpg", files["other1"].read_bytes())
    pictor = Library(Settings(data_dir=tmp_path / "data", embed=False))
    pictor.index([str(library.root)])
    groups = all_groups(pictor, "exact")
    assert len(groups) == 2
    asked = iter([False, True])
    seen = []
    with pictor.open_catalog() as catalog:
        report = keep_all(catalog, groups, seen.append, lambda: next(asked))
    assert report.cancelled and len(report.moved) == 1
    assert report.as_dict()["cancelled"] is True
    assert len(all_groups(pictor, "exact")) == 1  # the other group is as it was
    assert seen[-1].stage == "trash" and (seen[-1].done, seen[-1].total) == (1, 2)

"""The Rate tab's queues on a generated catalog: each visits what it promises, once, and
counts what is left; checked against the generated values, not the catalog's columns."""

from __future__ import annotations

from pathlib import Path

from indexing.query.listing import random_pivot
from indexing.query.rate_queue import Cursor, QueueSpec, next_image, remaining
from indexing.store.catalog import Catalog
from tests.unit.test_listing import ROOT, make_catalog


def walk(catalog: Catalog, spec: QueueSpec, limit: int = 10_000) -> list[str]:
    """Every image the queue hands out, checking `remaining` at each step."""
    seen, cursor = [], Cursor()
    total = remaining(catalog, spec, cursor)
    while len(seen) < limit:
        step = next_image(catalog, spec, cursor)
        if step.content_id is None:
            break
        seen.append(step.content_id)
        cursor = step.cursor
        if spec.kind != "informative":
            assert remaining(catalog, spec, cursor) == total - len(seen)
    return seen


def test_unrated_and_random_visit_each_image_once_in_a_seeded_shuffle(tmp_path: Path) -> None:
    images = make_catalog(tmp_path / "catalog.sqlite3")
    visible = [i for i in images if i.present]
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        unrated = walk(catalog, QueueSpec("unrated", seed=3))
        assert sorted(unrated) == sorted(i.content_id for i in visible if i.user is None)
        everything = walk(catalog, QueueSpec("random", seed=3))
        assert sorted(everything) == sorted(i.content_id for i in visible)
    ids = sorted(i.content_id for i in visible)
    pivot = random_pivot(3)  # the documented rotation: from the seed's pivot up, then wrap
    assert everything == [c for c in ids if c >= pivot] + [c for c in ids if c < pivot]


def test_folder_queue_takes_every_file_under_the_folder_by_path(tmp_path: Path) -> None:
    images = make_catalog(tmp_path / "catalog.sqlite3")
    folder = f"{ROOT}/trip"
    inside = sorted(
        (path, i.content_id) for i in images for path in i.present if path.startswith(folder + "/")
    )
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        got = walk(catalog, QueueSpec("folder", folder=folder))
    assert got == [cid for _, cid in inside]  # "trip-other" and "home" are not under it


def test_informative_takes_the_least_certain_unrated_predictions_first(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    images = make_catalog(path)
    with Catalog(path) as catalog:
        assert walk(catalog, QueueSpec("informative"))  # no uncertainty yet: unrated, shuffled
        with catalog.transaction() as conn:
            for n, image in enumerate(images):
                if image.predicted is not None:
                    conn.execute(
                        "UPDATE predictions SET uncertainty = ? WHERE content_id = ?",
                        (round((n * 37 % 101) / 10, 1), image.content_id),
                    )
        got = walk(catalog, QueueSpec("informative"))
        rows = dict(catalog.conn.execute("SELECT content_id, uncertainty FROM predictions"))
    expected = sorted(
        (i for i in images if i.present and i.user is None and i.predicted is not None),
        key=lambda i: (-rows[i.content_id], i.content_id),
    )
    assert got == [i.content_id for i in expected]

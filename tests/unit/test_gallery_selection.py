"""Select many in the Timeline and in Duplicates: what "Select all" takes and when a
selection ends (app/tabs/timeline_selection.py, app/tabs/duplicate_selection.py).

Timeline: 14 months of photos, 3 a month; a page shows 12 months, so "all the photos of the
period" on page 1 are the 12 newest months' 36 (not the whole library), under the filters;
another page, Day instead of Month, or a count changed by other filters is another scope.
Duplicates: "Select all non-keepers" takes what Keep would trash of the groups shown (never a
keeper, never an image that keeps another group, never a video beside a photo keeper); Exact
copies and Clusters refuse with a reason, and in Exact copies so does Move to trash; there is
no "Select all on this page" (it would take the keepers)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.safe_text import literal
from app.selection_actions import Pending
from app.selection_bar import Chosen
from app.tabs.duplicate_selection import non_keepers
from app.tabs.duplicate_selection import scope_key as groups_key
from app.tabs.timeline import caption
from app.tabs.timeline_selection import page_photos, period, period_ids, scope_key
from indexing.dedup.records import Group, Groups, Member
from indexing.errors import PictorError
from indexing.query.filters import Filter
from indexing.query.timeline import timeline
from indexing.store.catalog import Catalog

MONTHS = 14


@pytest.fixture(scope="module")
def catalog(tmp_path_factory) -> Iterator[Catalog]:
    """3 photos on the 10th of each month from February 2023 to March 2024; the 1st of
    each month's three is 8000 px wide (a filter to apply)."""
    path = tmp_path_factory.mktemp("timeline-select") / "catalog.sqlite3"
    with Catalog(path) as opened:
        with opened.transaction() as conn:
            for month in range(MONTHS):
                year, number = 2023 + (month + 1) // 12, (month + 1) % 12 + 1
                for n in range(3):
                    at = datetime(year, number, 10, 9 + n, tzinfo=UTC)
                    cid = hashlib.blake2b(f"{month}-{n}".encode(), digest_size=16).hexdigest()
                    conn.execute(
                        "INSERT INTO images(content_id, bytes, width, height, format, taken_at, "
                        "date_key, day, phash, dhash, added_at) "
                        "VALUES (?, 1, ?, 10, 'JPEG', ?, ?, ?, 0, 0, 0)",
                        (cid, 8000 if n == 0 else 10, at.isoformat(), at.timestamp(),
                         at.date().isoformat()),
                    )  # fmt: skip
                    conn.execute(
                        "INSERT INTO files(path, content_id, size, mtime_ns, first_seen, "
                        "last_seen, status) VALUES (?, ?, 1, 1, 0, 0, 'present')",
                        (f"/lib/{cid}.jpg", cid),
                    )
        yield opened


def groups_of(catalog: Catalog, flt: Filter, by: str = "month", page: int = 1) -> list[dict]:
    """The Timeline's groups state as app/tabs/timeline.show makes it."""
    return [
        {"caption": caption(g), "filter": g.filter_values(), "label": g.label,
         "thumbs": [f"/thumbs/{t.content_id}.webp" for t in g.thumbs],
         "ids": [t.content_id for t in g.thumbs]}
        for g in timeline(catalog, flt, by, page).groups
    ]  # fmt: skip


def test_select_all_in_the_timeline_is_the_period_shown_under_the_filters(catalog):
    first_page, second_page = groups_of(catalog, Filter()), groups_of(catalog, Filter(), page=2)
    assert len(first_page) == 12 and len(second_page) == MONTHS - 12
    assert period(first_page) == (datetime(2023, 4, 1).date(), datetime(2024, 3, 31).date())
    assert len(period_ids(catalog, Filter(), first_page)) == 36  # not all 42 of the library
    assert len(period_ids(catalog, Filter(), second_page)) == 6
    assert not set(period_ids(catalog, Filter(), first_page)) & set(
        period_ids(catalog, Filter(), second_page)
    )
    wide = Filter(min_width=4000)
    assert len(period_ids(catalog, wide, groups_of(catalog, wide))) == 12  # what it counts
    items, ids = page_photos(first_page)
    assert len(ids) == 36 and items[0][1] == "March 2024"  # newest first, named by month
    with pytest.raises(PictorError, match="Open the Timeline first"):
        period([])


def test_a_timeline_selection_ends_with_its_period_or_its_filters(catalog):
    month_one = groups_of(catalog, Filter())
    assert scope_key(month_one) == scope_key(groups_of(catalog, Filter()))  # redrawn alike
    assert scope_key(month_one) != scope_key(groups_of(catalog, Filter(), page=2))
    assert scope_key(month_one) != scope_key(groups_of(catalog, Filter(), by="day"))
    assert scope_key(month_one) != scope_key(groups_of(catalog, Filter(min_width=4000)))


def member(cid: str) -> Member:
    return Member(cid, f"/lib/{cid}.jpg", [f"/lib/{cid}.jpg"], 10, 10, 1, 0.0, None, None, None)


def page(tier: str, *groups: tuple[list[str], int], number: int = 1) -> Groups:
    return Groups(
        tier, 0.9, [Group([member(c) for c in ids], keeper) for ids, keeper in groups], 20, number
    )


def test_select_all_non_keepers_takes_every_image_of_the_groups_shown_but_their_keepers():
    shown = page("near", (["a", "b", "c"], 1), (["d", "e"], 0), (["f", "b"], 0))
    # b keeps the first group: never a non-keeper, though it is not the third one's keeper
    assert non_keepers(shown) == ["a", "c", "e"]
    for tier, said in (("exact", "one image in several files"), ("clusters", "no keepers")):
        with pytest.raises(PictorError, match=said):
            non_keepers(page(tier, (["a", "b"], 0)))
    with pytest.raises(PictorError, match="Find groups first"):
        non_keepers(None)


def test_select_all_non_keepers_leaves_a_video_beside_a_photo_as_keep_does():
    clip = Member("clip", "/lib/clip.mp4", ["/lib/clip.mp4"], 10, 10, 1, 0.0, None, None, None,
                  kind="video")  # fmt: skip
    shown = Groups("similar", 0.9, [Group([member("a"), clip, member("p2")], 0)], 20, 1)
    # Keep trashes p2 only (a video never replaced by a photo): so does the selection
    assert non_keepers(shown) == ["p2"]


def test_a_duplicates_selection_ends_when_other_groups_are_shown():
    shown = page("near", (["a", "b"], 0))
    assert groups_key(shown) == groups_key(page("near", (["a", "b"], 0)))
    assert groups_key(shown) != groups_key(page("near", (["a", "b"], 0), number=2))
    assert groups_key(shown) != groups_key(page("near", (["a", "c"], 0)))  # one trashed
    assert groups_key(shown) != groups_key(page("similar", (["a", "b"], 0)))
    assert groups_key(shown) != groups_key(page("near", (["a", "b"], 1)))  # another keeper


def test_the_duplicates_gallery_has_one_card_per_image_and_group(tmp_path: Path):
    from types import SimpleNamespace

    from app.tabs.duplicate_selection import page_photos as group_photos

    thumbs = SimpleNamespace(path_for=lambda cid: tmp_path / f"{cid}.webp")
    ctx = SimpleNamespace(library=SimpleNamespace(thumbs=thumbs))
    shown = page("near", (["a", "b"], 1), (["c", "d", "d"], 0), number=2)
    items, ids = group_photos(ctx, shown)  # type: ignore[arg-type]
    assert ids == ["a", "b", "c", "d"]
    assert [text for _, text in items] == ["Group 11", "Group 11 · ★ keeper",
                                           "Group 12 · ★ keeper", "Group 12"]  # fmt: skip


def test_in_exact_copies_the_selection_may_not_trash_and_no_bar_selects_the_keepers():
    import gradio as gr

    from app.selection import Wiring, listen, render
    from app.tabs.duplicate_selection import EXACT_TRASH, refused

    exact, near = page("exact", (["a", "a"], 0)), page("near", (["a", "b"], 0))
    assert refused("trash", exact) == EXACT_TRASH  # a card there is every copy of an image
    assert refused("tag", exact) is None and refused("trash", near) is None
    with gr.Blocks() as blocks:
        bar = render("dups", whole_page=False)  # as Duplicates renders it: no page-wide select
        shown = gr.State(exact)
        wiring = Wiring(gr.Gallery(), gr.State([]), lambda groups: ([], ""), [shown],
                        refuse=refused, refuse_inputs=[shown])  # fmt: skip
        listen(bar, None, wiring)  # type: ignore[arg-type]  # ctx: not read when asking
    assert bar.page_all.visible is False
    trash = next(f for f in blocks.fns.values() if (bar.trash._id, "click") in f.targets)
    out = dict(zip(trash.outputs, trash.fn(Chosen({"a": None}), exact), strict=True))
    assert out[bar.pending] is None and out[bar.message] == f"⚠️ {literal(EXACT_TRASH)}"
    out = dict(zip(trash.outputs, trash.fn(Chosen({"a": None}), near), strict=True))
    assert out[bar.pending] == Pending("trash", None, ("a",))  # near: asked as ever

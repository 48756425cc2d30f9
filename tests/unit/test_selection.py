"""Select many (app/selection.py) without a browser: what a click, a shift-click and a plain
click again do to the selection; the ✓ on the cards; the confirmation's words and count; the
refusals before anything is asked; a question withdrawn when other results are shown (and a
"Yes" that comes too late refused); and the Albums view's folders (app/tabs/albums.py)."""

from __future__ import annotations

from typing import Any

import gradio as gr
import pytest

from app.safe_text import literal
from app.selection import SelectionBar, Wiring, listen, render
from app.selection_actions import STALE, Pending, _checked, question
from app.selection_bar import MARK, Chosen, counted, marked, toggled
from app.tabs.albums import children
from indexing.errors import PictorError
from indexing.store.albums import AlbumRow

PAGE = [f"id{n}" for n in range(10)]


def test_a_click_toggles_and_a_shift_click_selects_the_range_from_the_last_click() -> None:
    chosen = toggled(Chosen(), PAGE, 2, shift=False)
    assert list(chosen.ids) == ["id2"] and chosen.last == "id2"
    chosen = toggled(chosen, PAGE, 6, shift=True)
    assert list(chosen.ids) == ["id2", "id3", "id4", "id5", "id6"]
    chosen = toggled(chosen, PAGE, 4, shift=False)  # a plain click takes one out
    assert "id4" not in chosen.ids and len(chosen) == 4
    chosen = toggled(chosen, PAGE, 0, shift=True)  # backwards, from the last click (id4)
    assert set(chosen.ids) == {"id0", "id1", "id2", "id3", "id4", "id5", "id6"}


def test_a_shift_click_whose_last_click_is_on_another_page_selects_one() -> None:
    chosen = Chosen({"other": None}, "other")
    chosen = toggled(chosen, PAGE, 5, shift=True)
    assert list(chosen.ids) == ["other", "id5"]
    assert toggled(chosen, PAGE, 99, shift=False) is chosen  # outside the page: nothing


def test_the_cards_of_the_selection_carry_the_mark_and_only_they() -> None:
    items = [(f"/t/{n}.jpg", f"caption {n}") for n in range(3)]
    chosen = Chosen(dict.fromkeys(["id1"]))
    out = marked(items, PAGE[:3], chosen)
    assert [text for _, text in out] == ["caption 0", f"{MARK}caption 1", "caption 2"]
    assert marked(out, PAGE[:3], chosen) == gr.skip()  # already marked: no redraw
    cleared = marked(out, PAGE[:3], Chosen())
    assert [text for _, text in cleared] == ["caption 0", "caption 1", "caption 2"]
    assert marked(items, PAGE[:2], chosen) == gr.skip()  # the page moved on: left alone


def test_thumbnails_of_one_redraw_are_never_marked_with_the_ids_of_another() -> None:
    """The ✓ is redrawn from the gallery and the ids as the page held them: when the two
    come from different redraws (a reorder landed in between), the mark is left alone
    rather than put on the wrong card and the older order drawn over the new one."""
    ids = ["a" * 32, "b" * 32, "c" * 32]
    items = [(f"/data/thumbs/{cid[:2]}/{cid}.jpg", f"photo {n}") for n, cid in enumerate(ids)]
    chosen = Chosen(dict.fromkeys([ids[0]]))
    assert marked(items, ids, chosen)[0][1] == f"{MARK}photo 0"
    moved = [ids[1], ids[0], ids[2]]  # the ids after "Move to the start", the items before
    assert marked(items, moved, chosen) == gr.skip()
    as_files = [({"path": path}, text) for path, text in items]  # as gradio hands them over
    assert marked(as_files, moved, chosen) == gr.skip()


def test_the_count_line_says_how_many_and_how_to_start() -> None:
    assert "shift-click" in counted(Chosen())
    assert counted(Chosen(dict.fromkeys(PAGE))) == "**10 selected**"
    whole = Chosen(dict.fromkeys(str(n) for n in range(1240)), None, "all 1,240 results")
    assert counted(whole).startswith("**1,240 selected** (all 1")
    assert counted(whole).endswith("240 results)")
    assert counted(whole, selecting=False) == ""


def test_each_question_says_how_many_and_what() -> None:
    many = tuple(str(n) for n in range(1240))
    assert question(Pending("tag", "Places/Lisbon", many)) == (
        f"Tag 1,240 images with **{literal('Places/Lisbon')}**?"
    )
    assert question(Pending("rate", 7.5, many[:3])) == "Give 3 images the rating **7.5**?"
    assert "stay in the library" in question(Pending("unalbum", "Trips", many[:1]))
    assert question(Pending("trash", None, many[:2])).startswith("Move 2 images to the trash?")
    assert question(Pending("album", "Summer", many[:1])) == "Add 1 image to the album **Summer**?"


@pytest.mark.parametrize(
    ("action", "ids", "value", "album", "said"),
    [
        ("tag", (), "x", None, "Select images first"),
        ("rate", ("a",), None, None, "Type a rating"),
        ("rate", ("a",), 11, None, "from 0 to 10"),
        ("tag", ("a",), "  ", None, "Pick or type a tag"),
        ("tag", ("a",), "/Places", None, "start or end"),
        ("album", ("a",), "", None, "Pick an album"),
        ("unalbum", ("a",), None, None, "Open an album"),
        ("cover", ("a", "b"), None, "Trips", "the one image"),
    ],
)
def test_a_bad_action_is_refused_before_it_is_asked(action, ids, value, album, said) -> None:
    with pytest.raises(PictorError, match=said):
        _checked(action, ids, value, album)


def test_a_good_action_is_checked_into_its_value() -> None:
    assert _checked("rate", ("a",), "7", None) == 7.0
    assert _checked("tag", ("a",), " Places/Lisbon ", None) == "Places/Lisbon"
    assert _checked("cover", ("a",), None, "Trips/Lisbon") == "Trips/Lisbon"


def _album(name: str, folder: str) -> AlbumRow:
    return AlbumRow(1, name, folder, None, "date", 0.0, 0)


def test_the_albums_view_shows_a_folders_folders_then_its_albums() -> None:
    albums = [
        _album("Summer", ""),
        _album("Lisbon", "Trips"),
        _album("Porto", "Trips"),
        _album("Alps", "Trips/2024"),
        _album("Old", "Archive/1990s"),
    ]
    folders, here = children(albums, "")
    assert folders == [("Archive", 1), ("Trips", 3)] and [a.name for a in here] == ["Summer"]
    folders, here = children(albums, "Trips")
    assert folders == [("Trips/2024", 1)] and [a.name for a in here] == ["Lisbon", "Porto"]
    assert children(albums, "Trips/2024") == ([], [albums[3]])
    every = ["Archive", "Archive/1990s", "Trips", "Trips/2024", "Trips/Someday", "Empty"]
    folders, _ = children(albums, "", every)  # empty folders show too, with nothing held
    assert folders == [("Archive", 1), ("Empty", 0), ("Trips", 3)]
    assert children(albums, "Trips", every)[0] == [("Trips/2024", 1), ("Trips/Someday", 0)]


def _wired() -> tuple[gr.Blocks, SelectionBar]:
    """A gallery with the bar, its selection scoped by one State (which results are shown)."""
    with gr.Blocks() as blocks:
        bar = render("t")
        gallery, ids, scope = gr.Gallery(), gr.State([]), gr.State("")
        wiring = Wiring(gallery, ids, lambda: ([], ""), [], scope=[scope], scope_key=str)
        listen(bar, None, wiring)  # type: ignore[arg-type]  # ctx: not read by these two
    return blocks, bar


def _handler(blocks: gr.Blocks, name: str) -> Any:
    return next(fn for fn in blocks.fns.values() if getattr(fn.fn, "__name__", "") == name)


def test_a_question_is_withdrawn_when_other_results_are_shown() -> None:
    # "Move 8 images to the trash?", then Next ▶: "Yes, do it" must not trash the last page's
    blocks, bar = _wired()
    rescoped = _handler(blocks, "rescoped")
    chosen = Chosen(dict.fromkeys(PAGE[:8]))
    items = [(f"/t/{n}.jpg", f"{MARK}{n}") for n in range(8)]
    out = dict(zip(rescoped.outputs, rescoped.fn("page 1", True, chosen, items, PAGE[:8],
                                                 "page 2"), strict=True))  # fmt: skip
    assert out[bar.chosen] == Chosen() and out[bar.pending] is None
    assert out[bar.confirm].visible is False  # the question is hidden
    same = rescoped.fn("page 2", True, chosen, items, PAGE[:8], "page 2")
    assert all(value == gr.skip() for value in same)  # the same results: left alone


def test_yes_does_nothing_when_the_selection_changed_since_the_question() -> None:
    blocks, bar = _wired()
    run = _handler(blocks, "run")
    asked = Pending("trash", None, tuple(PAGE[:8]))
    out = dict(zip(run.outputs, run.fn(asked, Chosen()), strict=True))
    assert out[bar.pending] is None and out[bar.confirm].visible is False
    assert out[bar.message] == f"⚠️ {STALE}"

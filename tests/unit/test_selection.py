"""Select many (app/selection.py) without a browser: what a click, a shift-click and a plain
click again do to the selection; the ✓ on the cards; the confirmation's words and count; the
refusals before anything is asked; and the Albums view's folders (app/tabs/albums.py)."""

from __future__ import annotations

import gradio as gr
import pytest

from app.safe_text import literal
from app.selection_actions import Pending, _checked, question
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

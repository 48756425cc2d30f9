"""The viewer's People and Text sections follow the image shown once per image: gradio can
run a `selected` change's listeners twice for one opening (the second deferred until the
first ends), and on a busy machine the second landed after the user had picked a face or
typed the words to outline, and set them back ("Not this person" then said "Pick a face
first", "Outline them" outlined every line). A second load of the same image changes
nothing; another image is loaded afresh."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from app import detail_people, detail_text
from indexing.curate.people import People
from indexing.store.catalog import Catalog
from indexing.store.faces import FaceTable, ScanResult
from tests.unit.test_people_store import add_image, face


@dataclass
class _Ctx:
    """What the sections read of the app's context: a catalog per callback."""

    path: Path

    @contextmanager
    def catalog(self):
        with Catalog(self.path) as catalog:
            yield catalog


def _photos_with_faces(path: Path) -> tuple[str, str]:
    """Two photos: the first with a named face and an unnamed one, the second with one
    unnamed face."""
    with Catalog(path) as catalog:
        first, second = add_image(catalog, 1), add_image(catalog, 2)
        FaceTable(catalog).put_scans(
            [ScanResult(first, (face(0), face(1, left=0.6))), ScanResult(second, (face(2),))], "m"
        )
        people = People(catalog)
        people.group()
        named = next(row for row in people.rows() if FaceTable(catalog).photos_of(row.id) == [first]
                     and row.faces == 1)  # fmt: skip
        people.name(named.id, "Ana")
    return first, second


def test_the_people_section_loads_each_image_once(tmp_path):
    ctx = _Ctx(tmp_path / "catalog.sqlite3")
    first, second = _photos_with_faces(ctx.path)

    loaded = detail_people.follow(ctx, first, None)  # type: ignore[arg-type]
    section, chips, faces, _name, _message, drawn, filled = loaded
    assert section.visible is True and filled == first and drawn is False
    assert [label for label, _ in chips.choices][:1] == ["Ana"]
    assert faces.value is not None  # the unnamed face is picked, ready to be named

    # The same image again (gradio's second run): nothing is set back, the pick stays.
    again = detail_people.follow(ctx, first, first)  # type: ignore[arg-type]
    assert all(value == gr.skip() for value in again[:-1]) and again[-1] == first

    # Another image: loaded afresh, shown without boxes.
    other = detail_people.follow(ctx, second, first)  # type: ignore[arg-type]
    assert other[-1] == second and other[-2] is False
    assert len(other[2].choices) == 1


def test_the_text_section_keeps_the_words_typed_on_a_second_load(tmp_path):
    ctx = _Ctx(tmp_path / "catalog.sqlite3")
    first, second = _photos_with_faces(ctx.path)

    *outputs, filled = detail_text.follow(ctx, first, None)  # type: ignore[arg-type]
    assert filled == first and outputs[-1] == ""  # a new image: the words box emptied
    *outputs, filled = detail_text.follow(ctx, first, first)  # type: ignore[arg-type]
    assert filled == first and all(value == gr.skip() for value in outputs)  # words kept
    *outputs, filled = detail_text.follow(ctx, second, first)  # type: ignore[arg-type]
    assert filled == second and outputs[-1] == ""


def test_one_event_fills_every_section_once_per_image(tmp_path):
    """app/detail.py fills the three sections in one event: the image's values and each
    section's key, then, for the same image, nothing but the keys."""
    from app.detail import sections

    ctx = _Ctx(tmp_path / "catalog.sqlite3")
    first, _ = _photos_with_faces(ctx.path)
    filled = sections(ctx, first, None, None, None)  # type: ignore[arg-type]
    keys = [value for value in filled if value == first]
    assert len(keys) == 3  # albums/tags/caption, text, people: each knows it is filled
    again = sections(ctx, first, first, first, first)  # type: ignore[arg-type]
    assert len(again) == len(filled)
    assert all(value == gr.skip() or value == first for value in again)

"""The viewer's sections (app/detail.py: sections()) follow the image shown once per image:
gradio can run a `selected` change's listeners twice for one opening (the second deferred
until the first ends), and on a busy machine the second landed after the user had picked a
face or typed the words to outline, and set them back ("Not this person" then said "Pick a
face first", "Outline them" outlined every line). A second load of the same image changes
nothing; another image is loaded afresh."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from app.detail import sections
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


# Where each section's values stand in sections()' answer (app/detail.py).
ORGANISE, TEXT, PEOPLE = slice(0, 4), slice(4, 8), slice(8, 13)
DRAWN, FILLED = 13, 14


def _skipped(values) -> bool:
    return all(value == gr.skip() for value in values)


def test_the_people_section_loads_each_image_once(tmp_path):
    ctx = _Ctx(tmp_path / "catalog.sqlite3")
    first, second = _photos_with_faces(ctx.path)

    loaded = sections(ctx, first, None)  # type: ignore[arg-type]
    section, chips, faces, _name, _message = loaded[PEOPLE]
    assert section.visible is True and loaded[FILLED] == first and loaded[DRAWN] is False
    assert [label for label, _ in chips.choices][:1] == ["Ana"]
    assert faces.value is not None  # the unnamed face is picked, ready to be named

    # The same image again (gradio's second run): nothing is set back, the pick stays.
    again = sections(ctx, first, first)  # type: ignore[arg-type]
    assert _skipped(again[:FILLED]) and again[FILLED] == first

    # Another image: loaded afresh, shown without boxes.
    other = sections(ctx, second, first)  # type: ignore[arg-type]
    assert other[FILLED] == second and other[DRAWN] is False
    assert len(other[PEOPLE][2].choices) == 1


def test_the_text_section_keeps_the_words_typed_on_a_second_load(tmp_path):
    ctx = _Ctx(tmp_path / "catalog.sqlite3")
    first, second = _photos_with_faces(ctx.path)

    loaded = sections(ctx, first, None)  # type: ignore[arg-type]
    assert loaded[FILLED] == first and loaded[TEXT][-1] == ""  # a new image: words emptied
    again = sections(ctx, first, first)  # type: ignore[arg-type]
    assert again[FILLED] == first and _skipped(again[TEXT])  # the words typed are kept
    other = sections(ctx, second, first)  # type: ignore[arg-type]
    assert other[FILLED] == second and other[TEXT][-1] == ""


def test_one_event_fills_every_section_once_per_image(tmp_path):
    """app/detail.py fills the three sections in one event: the image's values and the id
    they were filled for, then, for the same image, nothing but that id."""
    ctx = _Ctx(tmp_path / "catalog.sqlite3")
    first, _ = _photos_with_faces(ctx.path)
    filled = sections(ctx, first, None)  # type: ignore[arg-type]
    assert len(filled) == FILLED + 1 and filled[FILLED] == first
    assert filled[ORGANISE][1:3] == ("", "")  # no tags, no caption: the boxes emptied
    again = sections(ctx, first, first)  # type: ignore[arg-type]
    assert len(again) == len(filled)
    assert _skipped(again[:FILLED]) and again[FILLED] == first

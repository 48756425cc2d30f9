"""What a selection can have done to it (app/selection.py): each action is asked once, with
how many ("Tag 1,240 images with Places/Lisbon?"), checked before it is asked, then carried
out by indexing.curate's bulk calls (Albums.add and Tags.add take every id at once); a trash
can be undone. A refusal is one line under the bar and changes nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.context import AppContext
from app.safe_text import literal
from app.selection_bar import Chosen, SelectionBar, Wiring, counted
from indexing.curate.albums import Albums
from indexing.curate.export import export_images
from indexing.curate.rating_service import RatingService
from indexing.curate.tags import Tags, parse_tag
from indexing.curate.trash import Trash
from indexing.curate.xmp_keywords import write_back
from indexing.errors import PictorError
from indexing.ingest.scan import outside_home_and_roots
from indexing.names.wording import plural
from indexing.query.ranking import present_paths

STALE = "The selection changed since the question: nothing was done. Ask again."


@dataclass(frozen=True)
class Pending:
    """An action waiting for its confirmation."""

    action: str  # rate, tag, untag, album, unalbum, cover, trash, export
    value: Any
    ids: tuple[str, ...]


def question(pending: Pending, album_shown: str | None = None) -> str:
    """The confirmation, with how many: 'Tag 1,240 images with Places/Lisbon?'."""
    n = len(pending.ids)
    images = plural(n, "image")
    value = literal(str(pending.value)) if pending.value is not None else ""
    if pending.action == "rate":
        return f"Give {images} the rating **{pending.value:g}**?"
    if pending.action == "tag":
        return f"Tag {images} with **{value}**?"
    if pending.action == "untag":
        return f"Remove the tag **{value}** from {images}?"
    if pending.action == "album":
        return f"Add {images} to the album **{value}**?"
    if pending.action == "unalbum":
        return f"Remove {images} from the album **{value}**? The photos stay in the library."
    if pending.action == "cover":
        return f"Make this image the cover of **{value}**?"
    if pending.action == "export":
        return f"Copy {images}, with their sidecars, to **{value}**?"
    return f"Move {images} to the trash? Undo puts them back (and so does the Trash tab)."


def listen(bar: SelectionBar, ctx: AppContext, wiring: Wiring, choices) -> None:
    album_input = [wiring.album] if wiring.album is not None else []
    refuse_inputs = list(wiring.refuse_inputs) if wiring.refuse is not None else []
    asked = [bar.confirm, bar.question, bar.pending, bar.message]

    def ask(action: str, chosen: Chosen, value: Any, shown_album: Any, refuse_values: tuple):
        ids = tuple((chosen or Chosen()).ids)
        try:
            value = _checked(action, ids, value, shown_album)
            refused = wiring.refuse(action, *refuse_values) if wiring.refuse else None
            if refused:
                raise PictorError(refused)
        except PictorError as exc:
            return gr.Group(visible=False), "", None, f"⚠️ {literal(exc)}"
        pending = Pending(action, value, ids)
        return gr.Group(visible=True), question(pending), pending, ""

    def ask_for(action: str, control: Any = None):
        controls = [control] if control is not None else []
        inputs = [bar.chosen, *controls, *album_input, *refuse_inputs]

        def asking(chosen, *values):
            value = values[0] if controls else None
            rest = values[len(controls) :]
            shown_album = rest[0] if album_input else None
            return ask(action, chosen, value, shown_album, tuple(rest[len(album_input) :]))

        return asking, inputs

    for action, button, control in (
        ("rate", bar.rate, bar.score),
        ("tag", bar.add_tag, bar.tag),
        ("untag", bar.remove_tag, bar.tag),
        ("album", bar.add_album, bar.album),
        ("unalbum", bar.remove_album, None),
        ("cover", bar.cover, None),
        ("trash", bar.trash, None),
        ("export", bar.export, bar.export_to),
    ):
        fn, inputs = ask_for(action, control)
        button.click(fn, inputs, asked, show_progress="hidden")

    def run(pending: Pending | None, chosen: Chosen):
        if pending is None:
            return (gr.Group(visible=False), None, "", gr.skip(), gr.skip(), gr.skip(),
                    gr.skip(), *choices())  # fmt: skip
        if not set(pending.ids) <= set((chosen or Chosen()).ids):
            # The selection ended or changed since the question (other results shown): what
            # was asked is no longer what is selected, so nothing is done.
            return (gr.Group(visible=False), None, f"⚠️ {STALE}", gr.skip(), gr.skip(),
                    gr.skip(), gr.skip(), gr.skip(), gr.skip())  # fmt: skip
        try:
            lines, trashed = _do(ctx, pending)
        except PictorError as exc:
            return (gr.Group(visible=False), None, f"⚠️ {literal(exc)}", gr.skip(), gr.skip(),
                    gr.skip(), gr.skip(), *choices())  # fmt: skip
        gr.Info(lines[0])  # a toast is plain text, not Markdown
        said = "  \n".join(literal(line) for line in lines)
        if trashed is not None:  # what was trashed is no longer there to select
            chosen = Chosen()
        return (gr.Group(visible=False), None, said, chosen, counted(chosen),
                trashed if trashed is not None else gr.skip(),
                gr.Button(visible=trashed is not None and bool(trashed)), *choices())  # fmt: skip

    def put_back(trashed: list[str] | None):
        if not trashed:
            return "Nothing to put back.", None, gr.Button(visible=False)
        with ctx.catalog() as catalog:
            trash = Trash(catalog)
            there = {str(entry.id) for entry in trash.entries()}
            report = trash.restore([entry for entry in trashed if entry in there])
        notes = [f"Put {plural(len(report.moved), 'file')} back."]
        if len(report.moved) < len(trashed):  # put back from the Trash tab meanwhile
            notes.append(
                f"{plural(len(trashed) - len(report.moved), 'file')} no longer in the trash."
            )
        notes += [f"⚠️ {literal(p['path'])}: {literal(p['reason'])}" for p in report.problems]
        gr.Info(notes[0])
        return "  \n".join(notes), None, gr.Button(visible=False)

    ran = bar.yes.click(
        run, [bar.pending, bar.chosen],
        [bar.confirm, bar.pending, bar.message, bar.chosen, bar.count, bar.trashed, bar.undo,
         bar.tag, bar.album],
    )  # fmt: skip
    bar.no.click(lambda: (gr.Group(visible=False), None), None, [bar.confirm, bar.pending],
                 queue=False)  # fmt: skip
    undone = bar.undo.click(put_back, [bar.trashed], [bar.message, bar.trashed, bar.undo])
    if wiring.refresh is not None:
        for event in (ran, undone):
            event.then(wiring.refresh, wiring.refresh_inputs, wiring.refresh_outputs,
                       show_progress="hidden")  # fmt: skip


def _checked(action: str, ids: tuple[str, ...], value: Any, album_shown: str | None) -> Any:
    """The action's value, checked before anything is asked (one clear line if not)."""
    if not ids:
        raise PictorError("Select images first: click them, or Select all.")
    if action == "rate":
        if value is None or value == "":
            raise PictorError("Type a rating from 0 to 10 first.")
        score = float(value)
        if not 0 <= score <= 10:
            raise PictorError("A rating is from 0 to 10.")
        return score
    if action in ("tag", "untag"):
        if not (value or "").strip():
            raise PictorError("Pick or type a tag first.")
        return parse_tag(value)
    if action == "album":
        if not (value or "").strip():
            raise PictorError("Pick an album or type a new name first.")
        return value.strip()
    if action == "export":
        typed = os.path.expanduser((value or "").strip())
        if not typed:
            raise PictorError("Type the folder to export to first (or a name ending in .zip).")
        folder = os.path.dirname(typed) if typed.lower().endswith(".zip") else typed
        if outside_home_and_roots(folder, []) is not None:
            raise PictorError("The app exports into your home folder; elsewhere: launch.py export.")
        return typed
    if action in ("unalbum", "cover"):
        if not album_shown:
            raise PictorError("Open an album first.")
        if action == "cover" and len(ids) != 1:
            raise PictorError("Select the one image to be the album's cover.")
        return album_shown
    return None


def _do(ctx: AppContext, pending: Pending) -> tuple[list[str], list[str] | None]:
    """Carry out a confirmed action: (what was done, the paths trashed, for Undo)."""
    ids, value = list(pending.ids), pending.value
    if pending.action == "rate":
        return _rate(ctx, ids, value), None
    with ctx.catalog() as catalog:
        if pending.action == "tag":
            stored, added = Tags(catalog).add(value, ids)
            return [f"Tagged {plural(added, 'image')} with {stored}.", *_sidecars(ctx, ids)], None
        if pending.action == "untag":
            stored, removed = Tags(catalog).remove(value, ids)
            said = f"Removed {stored} from {plural(removed, 'image')}."
            return [said, *_sidecars(ctx, ids)], None
        albums = Albums(catalog)
        if pending.action == "album":
            created = _ensure_album(albums, value)
            change = albums.add(value, ids)
            where = ("the new album " if created else "") + change.album.path
            return [f"Added {plural(change.changed, 'image')} to {where}."], None
        if pending.action == "unalbum":
            change = albums.remove(value, ids)
            return [f"Removed {plural(change.changed, 'image')} from {value}."], None
        if pending.action == "cover":
            row = albums.set_cover(value, ids[0])
            return [f"The cover of {row.path} is set."], None
        if pending.action == "export":
            done = export_images(catalog, ids, value, as_zip=value.lower().endswith(".zip"))
            return [done.line()], None
        paths = [p for found in present_paths(catalog, ids).values() for p in found]
        if not paths:
            raise PictorError("None of the selected images has a file on disk.")
        report = Trash(catalog).trash(paths)
    moved = [str(entry.id) for entry in report.moved]  # Undo: these trash entries
    notes = [f"Moved {plural(len(moved), 'file')} to the trash."]
    notes += [f"⚠️ {p['path']}: {p['reason']}" for p in report.problems[:5]]
    return notes, moved


def _sidecars(ctx: AppContext, ids: list[str]) -> list[str]:
    """With XMP keyword writing on, the tags to the sidecars as the viewer and the CLI write
    them: what could not be written, one line each (the first five)."""
    if not ctx.settings.write_xmp_keywords:
        return []
    with ctx.catalog() as catalog:
        _, problems = write_back(catalog, ids)
    return [f"⚠️ {problem}" for problem in problems[:5]]


def _rate(ctx: AppContext, ids: list[str], score: float) -> list[str]:
    service = RatingService(ctx.library)
    warnings: list[str] = []
    for content_id in ids:
        warnings += service.rate(content_id, score).warnings
    said = f"Rated {plural(len(ids), 'image')} {score:g}."
    return [said, *(f"⚠️ {w}" for w in warnings[:5])]


def _ensure_album(albums: Albums, path: str) -> bool:
    """Create the album if no album has this name (or Folder/Name); whether it was made."""
    try:
        albums.get(path)
    except PictorError:
        albums.create(path)
        return True
    return False

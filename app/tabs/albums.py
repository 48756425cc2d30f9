"""The Albums view (inside the Library tab, beside People): the albums of the current folder
of albums as cards (cover, name, count), folders first; a folder's card goes into it, an
album's opens its photos in a gallery (the shared viewer, and select many with "Remove from
this album" and "Set as cover"), in the album's order (by date, or manual: as added, then as
the user arranges it) or best first (your rating, else the predicted one: the best of this
album). In manual order the selected photos move to the start or the end, and the viewer
opened from the album moves its photo one place earlier or later (listen_viewer). Create an
album (Folder/Name makes its folders) or an empty folder, rename it, delete it after one
question (its photos stay in the library). The callbacks only translate: the work is
indexing.curate.albums, album_order and album_folders.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import gradio as gr
from PIL import Image, ImageDraw

from app import selection
from app.components import thumbnails
from app.context import AppContext
from app.detail import Shown, Viewer, title_of
from app.safe_text import literal
from indexing.curate.album_folders import AlbumFolders
from indexing.curate.album_order import AlbumOrder, Where
from indexing.curate.albums import Albums
from indexing.curate.smart_albums import SmartAlbums, smart_album_ids
from indexing.errors import PictorError
from indexing.names.wording import plural
from indexing.query.filters import Filter, SortKey
from indexing.query.listing import ListRequest, list_images
from indexing.store.albums import AlbumRow

PAGE = 60
BY_DATE, AS_ADDED, BEST = "By date", "Manual (as added, then arranged)", "Best first (rating)"
ORDERS = {BY_DATE: "date", AS_ADDED: "manual"}
EMPTY = "No albums yet: select photos in any gallery and press Add to album, or create one here."


@dataclass
class AlbumsView:
    where: gr.Markdown  # 'Albums / Trips'
    up: gr.Button
    refresh: gr.Button
    cards: gr.Gallery
    new_name: gr.Textbox
    create: gr.Button
    title: gr.Markdown  # the album opened
    rename_to: gr.Textbox
    rename: gr.Button
    delete: gr.Button
    confirm: gr.Group
    confirm_text: gr.Markdown
    delete_yes: gr.Button
    delete_no: gr.Button
    order: gr.Radio
    message: gr.Markdown
    prev: gr.Button
    next: gr.Button
    page_label: gr.Markdown
    select: selection.SelectionBar
    photos: gr.Gallery
    folder: gr.State  # the folder shown, '' at the top
    entries: gr.State  # the cards in order: ("folder" | "album", path)
    album: gr.State  # the album opened (its path), or None
    page: gr.State
    ids: gr.State  # the photos shown, in order: the viewer's list
    new_folder: gr.Button  # an empty folder, named in new_name
    arrange: gr.Row  # moving the selection: shown in a manual album's order
    to_start: gr.Button
    to_end: gr.Button
    folder_tools: gr.Column  # shown inside a folder
    drop_folder: gr.Button
    folder_confirm: gr.Group  # the question before a folder that holds albums goes
    folder_question: gr.Markdown
    folder_yes: gr.Button
    folder_no: gr.Button
    rename_folder: gr.Button  # "Rename this folder…": opens folder_renaming
    folder_renaming: gr.Group  # the folder's new name (or Parent/Name to move it)
    folder_new_name: gr.Textbox
    folder_rename_yes: gr.Button
    folder_rename_no: gr.Button
    renaming: gr.State  # the folder the box was opened in (the view may have moved on since)
    refresh_album: Any = None  # set by listen: (fn, inputs, outputs) redrawing the album's page
    album_page: Any = None  # set by listen: (path, order, page) -> the album_outputs' values


def render() -> AlbumsView:
    with gr.Row(equal_height=True):
        where = gr.Markdown("**Albums**", elem_id="albums-where")
        up = gr.Button("▲ Up a folder", size="sm", min_width=100, scale=0, elem_id="albums-up")
        refresh = gr.Button("Refresh", size="sm", min_width=90, scale=0, elem_id="albums-refresh")
        # Its box shows inside a folder; the button is an editor's (ui.py hides it from viewers).
        with gr.Column(visible=False, min_width=150, scale=0) as folder_tools:
            rename_folder = gr.Button("Rename this folder…", size="sm", min_width=150,
                                      elem_id="albums-rename-folder")  # fmt: skip
            drop_folder = gr.Button("Delete this folder…", size="sm", min_width=150,
                                    elem_id="albums-delete-folder")  # fmt: skip
    with (
        gr.Group(visible=False, elem_id="albums-folder-renaming") as folder_renaming,
        gr.Row(equal_height=True),
    ):
        folder_new_name = gr.Textbox(
            label="The folder's new name (or Parent/Name to move it)", scale=4, min_width=260,
            elem_id="albums-folder-new-name",
        )  # fmt: skip
        folder_rename_yes = gr.Button("Rename", size="sm", scale=1, min_width=120,
                                      elem_id="albums-folder-rename-yes")  # fmt: skip
        folder_rename_no = gr.Button("Keep the name", size="sm", scale=1, min_width=120,
                                     elem_id="albums-folder-rename-no")  # fmt: skip
    with gr.Group(visible=False, elem_id="albums-folder-confirm") as folder_confirm:
        folder_question = gr.Markdown("", elem_id="albums-folder-question")
        with gr.Row():
            folder_yes = gr.Button("Delete the folder, move what it holds up",
                                   variant="stop", elem_id="albums-folder-yes")  # fmt: skip
            folder_no = gr.Button("Keep it", elem_id="albums-folder-no")
    cards = thumbnails(label="Albums (click one to open it)", columns=4, object_fit="cover",
                       fit_columns=False,
                       elem_id="albums-cards")  # fmt: skip
    with gr.Row(equal_height=True):
        new_name = gr.Textbox(label="New album (Folder/Name puts it in a folder)",
                              placeholder="e.g. Trips/Lisbon 2023", scale=4,
                              elem_id="albums-new-name")  # fmt: skip
        create = gr.Button("Create album", size="sm", scale=1, elem_id="albums-create")
        new_folder = gr.Button("New folder", size="sm", scale=1, elem_id="albums-new-folder")
    title = gr.Markdown("", elem_id="albums-title")
    with gr.Row(equal_height=True):
        rename_to = gr.Textbox(label="Rename to (a name, or Folder/Name to move it)", scale=4,
                               elem_id="albums-rename-to")  # fmt: skip
        rename = gr.Button("Rename", size="sm", scale=1, elem_id="albums-rename")
        delete = gr.Button("Delete album…", size="sm", variant="stop", scale=1,
                           elem_id="albums-delete")  # fmt: skip
    with gr.Group(visible=False, elem_id="albums-confirm") as confirm:
        confirm_text = gr.Markdown("", elem_id="albums-confirm-text")
        with gr.Row():
            delete_yes = gr.Button("Delete the album", variant="stop", elem_id="albums-delete-yes")
            delete_no = gr.Button("Keep it", elem_id="albums-delete-no")
    order = gr.Radio([BY_DATE, AS_ADDED, BEST], value=BY_DATE, label="Order",
                     elem_id="albums-order")  # fmt: skip
    message = gr.Markdown("", elem_id="albums-message")
    with gr.Row(equal_height=True):
        prev = gr.Button("◀ Previous", size="sm", elem_id="albums-prev")
        page_label = gr.Markdown("", elem_id="albums-page")
        next_ = gr.Button("Next ▶", size="sm", elem_id="albums-next")
    select = selection.render("album", in_album=True)
    with gr.Row(visible=False, equal_height=True, elem_id="albums-arrange") as arrange:
        gr.Markdown("The selected photos:", elem_id="albums-arrange-label")
        to_start = gr.Button("Move to start", size="sm", min_width=140, scale=0,
                             elem_id="albums-move-start")  # fmt: skip
        to_end = gr.Button("Move to end", size="sm", min_width=140, scale=0,
                           elem_id="albums-move-end")  # fmt: skip
    photos = thumbnails(label="Its photos (click one to open it)", columns=8, fit_columns=False,
                        object_fit="cover", elem_id="albums-photos")  # fmt: skip
    return AlbumsView(
        where, up, refresh, cards, new_name, create, title, rename_to, rename, delete, confirm,
        confirm_text, delete_yes, delete_no, order, message, prev, next_, page_label, select,
        photos, gr.State(""), gr.State([]), gr.State(None), gr.State(1), gr.State([]),
        new_folder, arrange, to_start, to_end, folder_tools, drop_folder, folder_confirm,
        folder_question,
        folder_yes, folder_no, rename_folder, folder_renaming, folder_new_name,
        folder_rename_yes, folder_rename_no, gr.State(""),
    )  # fmt: skip


def children(
    albums: list[AlbumRow],
    folder: str,
    folders: Sequence[str] = (),
) -> tuple[list[tuple[str, int]], list[AlbumRow]]:
    """The folders directly inside folder (each with how many albums it holds, at any depth;
    an empty one too, from `folders`, every folder's path) and the albums directly in it."""
    prefix = f"{folder}/" if folder else ""
    inside: dict[str, int] = {
        path: 0 for path in folders if path.startswith(prefix) and "/" not in path[len(prefix) :]
    }
    here = []
    for album in albums:
        if album.folder == folder:
            here.append(album)
        elif folder == "" or album.folder.startswith(prefix):
            rest = album.folder[len(prefix) :]
            sub = prefix + rest.split("/")[0]
            inside[sub] = inside.get(sub, 0) + 1
    return sorted(inside.items(), key=lambda kv: kv[0].lower()), here


def listen(view: AlbumsView, ctx: AppContext, opened: gr.Accordion) -> None:
    card_outputs = [view.where, view.cards, view.entries, view.folder, view.message,
                    view.folder_tools]  # fmt: skip
    album_outputs = _album_outputs(view)

    def cards(folder: str, message: str = ""):
        with ctx.catalog() as catalog:
            albums = Albums(catalog).listed()
            smart = smart_album_ids(catalog)
            every_folder = [f.path for f in AlbumFolders(catalog).listed()]
        folders, here = children(albums, folder or "", every_folder)
        if folder and folder.lower() not in {f.lower() for f in every_folder}:  # deleted, renamed
            return cards("/".join(folder.split("/")[:-1]), message)
        thumbs = ctx.library.thumbs
        items: list[tuple[object, str]] = []
        entries: list[tuple[str, str]] = []
        for path, count in folders:
            held = plural(count, "album") if count else "empty"
            items.append((_folder_picture(), f"{path.split('/')[-1]}/ ({held})"))
            entries.append(("folder", path))
        for album in here:
            cover = album.cover if album.cover and thumbs.has(album.cover) else None
            picture = str(thumbs.path_for(cover)) if cover else _empty_picture()
            held = "smart" if album.id in smart else f"{album.count:,}"  # a query, live
            items.append((picture, f"{album.name} ({held})"))
            entries.append(("album", album.path))
        crumbs = " / ".join(["**Albums**", *(literal(p) for p in folder.split("/") if p)])
        note = message or ("" if albums or every_folder else EMPTY)
        return crumbs, items, entries, folder or "", note, gr.Column(visible=bool(folder))

    def album_page(path: str | None, order: str, page: int):
        """The album's photos, a page at a time, in the order chosen."""
        if not path:
            return closed_album()
        with ctx.catalog() as catalog:
            albums = Albums(catalog)
            try:
                album = albums.get(path)
            except PictorError:  # renamed or deleted meanwhile (the CLI, another window)
                return closed_album()
            smart, problem = SmartAlbums(ctx.library, catalog), ""
            is_smart = smart.is_smart(album)
            try:  # a smart album: what its query finds now
                if order == BEST:
                    best = smart.resolve(Filter(album=album.path)) or Filter(album=album.path)
                    request = ListRequest(filter=best, sort=SortKey.rating, descending=True,
                                          page=max(1, page), page_size=PAGE)  # fmt: skip
                    listing = list_images(catalog, request)
                    ids, total = [i.content_id for i in listing.items], listing.matching
                    page = request.page
                else:
                    every = smart.run(album).content_ids if is_smart else albums.items(album)
                    total = len(every)
                    page = min(max(1, page), max(1, -(-total // PAGE)))
                    ids = every[(page - 1) * PAGE : page * PAGE]
            except PictorError as exc:  # a smart album whose query no longer runs
                ids, total, problem = [], 0, f" · ⚠️ {literal(exc)}"
        thumbs = ctx.library.thumbs
        shown = [cid for cid in ids if thumbs.has(cid)]
        where = f" · in {literal(album.folder)}" if album.folder else ""
        title = f"**{literal(album.name)}** · {plural(total, 'photo')}{where}{problem}"
        pages = max(1, -(-total // PAGE))
        chosen = order if order == BEST else (AS_ADDED if album.order_mode == "manual" else BY_DATE)
        arrange = gr.Row(visible=chosen == AS_ADDED and not is_smart)
        return (album.path, title, album.name, chosen, [str(thumbs.path_for(c)) for c in shown],
                shown, page, f"Page {page} of {pages}", arrange)  # fmt: skip

    def closed_album():
        return None, "", "", gr.skip(), [], [], 1, "", gr.Row(visible=False)

    def click(entries: list[tuple[str, str]], folder: str, evt: gr.SelectData):
        index = evt.index if isinstance(evt.index, int) else -1
        if not 0 <= index < len(entries):
            return (*cards(folder), *closed_album())
        kind, path = entries[index]
        if kind == "folder":
            return (*cards(path), *closed_album())
        return (*(gr.skip() for _ in card_outputs), *album_page(path, BY_DATE, 1))

    def create(folder: str, name: str):
        typed = (name or "").strip()
        if not typed:
            return (*cards(folder, "Type the new album's name first."), gr.skip(), *skip_album)
        path = typed if "/" in typed or not folder else f"{folder}/{typed}"
        try:
            with ctx.catalog() as catalog:
                album = Albums(catalog).create(path)
        except PictorError as exc:
            return (*cards(folder, f"⚠️ {literal(exc)}"), gr.skip(), *skip_album)
        said = f"Created the album {literal(album.path)}: select photos in any gallery and "
        said += "press Add to album."
        return (*cards(album.folder, said), "", *album_page(album.path, BY_DATE, 1))

    def new_folder(folder: str, name: str):
        typed = (name or "").strip()
        if not typed:
            return (*cards(folder, "Type the new folder's name first."), gr.skip())
        path = typed if "/" in typed or not folder else f"{folder}/{typed}"
        try:
            with ctx.catalog() as catalog:
                made = AlbumFolders(catalog).create(path)
        except PictorError as exc:
            return (*cards(folder, f"⚠️ {literal(exc)}"), gr.skip())
        said = f"Created the folder {literal(made.path)}: open it and create albums in it."
        return (*cards(folder, said), "")

    def ask_drop_folder(folder: str):
        """An empty folder goes at once; one that holds albums or folders asks first."""
        hidden = gr.Group(visible=False)
        if not folder:
            return (hidden, "", *cards(folder))
        try:
            with ctx.catalog() as catalog:
                found = AlbumFolders(catalog).get(folder)
                if found.empty:
                    AlbumFolders(catalog).delete(folder)
        except PictorError as exc:
            return (hidden, "", *cards(folder, f"⚠️ {literal(exc)}"))
        parent = "/".join(folder.split("/")[:-1])
        if found.empty:
            return (hidden, "", *cards(parent, f"Deleted the empty folder {literal(folder)}."))
        counts = ((found.albums, "album"), (found.folders, "folder"))
        held = " and ".join(plural(n, what) for n, what in counts if n)
        into = literal(parent) if parent else "the top level"
        verb = "moves" if found.albums + found.folders == 1 else "move"
        question = (
            f"Delete the folder **{literal(folder)}**? Its {held} {verb} up into {into}; "
            "no album is deleted."
        )
        return (gr.Group(visible=True), question, *(gr.skip() for _ in card_outputs))

    def drop_folder(folder: str):
        hidden = gr.Group(visible=False)
        try:
            with ctx.catalog() as catalog:
                gone = AlbumFolders(catalog).delete(folder, move_up=True)
        except PictorError as exc:
            return (hidden, *cards(folder, f"⚠️ {literal(exc)}"))
        said = f"Deleted the folder {literal(gone.folder.path)}; what it held moved up."
        return (hidden, *cards(gone.into, said))

    def ask_rename_folder(folder: str):
        """The folder's name in a box, ready to be changed (nothing at the top level); the
        box renames that folder, wherever the view goes meanwhile."""
        if not folder:
            return gr.Group(visible=False), gr.skip(), ""
        return gr.Group(visible=True), folder.split("/")[-1], folder

    def rename_folder(folder: str, shown: str, typed: str | None):
        """A new name in the same parent, or Parent/Name to move it there; its albums and
        folders go with it. The view follows the folder to its new place."""
        closed = gr.Group(visible=False)
        if not folder:
            return (closed, *cards(shown))
        if not (typed or "").strip():
            return (gr.skip(), *cards(shown, "Type the folder's new name first."))
        try:
            with ctx.catalog() as catalog:
                renamed = AlbumFolders(catalog).rename(folder, typed or "")
        except PictorError as exc:
            return (gr.skip(), *cards(shown, f"⚠️ {literal(exc)}"))
        said = f"Renamed the folder {literal(folder)} to {literal(renamed.path)}."
        return (closed, *cards(renamed.path, said))

    def move(path: str | None, chosen: selection.Chosen | None, first: bool):
        """The selected photos to the start (or the end), in the album's order."""
        picked = list((chosen or selection.Chosen()).ids)
        if not path or not picked:
            return (*skip_album, "Select photos of the album first (Select, then click them).")
        try:
            with ctx.catalog() as catalog:
                albums = Albums(catalog)
                place = {cid: n for n, cid in enumerate(albums.items(albums.get(path)))}
                picked.sort(key=lambda cid: place.get(cid, len(place)))
                done = AlbumOrder(catalog).move(path, picked, Where(first=first, last=not first))
        except PictorError as exc:
            return (*skip_album, f"⚠️ {literal(exc)}")
        said = f"Moved {plural(done.moved, 'photo')} to the {'start' if first else 'end'}."
        return (*album_page(path, AS_ADDED, (max(done.at, 1) - 1) // PAGE + 1), said)

    def rename(path: str | None, folder: str, new_name: str, order: str):
        if not path:
            return (*cards(folder, "Open an album first."), *skip_album)
        try:
            with ctx.catalog() as catalog:
                album = Albums(catalog).rename(path, (new_name or "").strip())
        except PictorError as exc:
            return (*cards(folder, f"⚠️ {literal(exc)}"), *skip_album)
        said = f"Renamed {literal(path)} to {literal(album.path)}."
        return (*cards(album.folder, said), *album_page(album.path, order, 1))

    def ask_delete(path: str | None):
        if not path:
            return gr.Group(visible=False), "", "Open an album first."
        with ctx.catalog() as catalog:
            album = Albums(catalog).get(path)
        question = (f"Delete the album **{literal(album.path)}**? Its "
                    f"{plural(album.count, 'photo')} stay in the library.")  # fmt: skip
        return gr.Group(visible=True), question, ""

    def delete(path: str | None, folder: str):
        hidden = gr.Group(visible=False)
        if not path:
            return (hidden, *cards(folder), *closed_album())
        try:
            with ctx.catalog() as catalog:
                album = Albums(catalog).delete(path)
        except PictorError as exc:
            return (hidden, *cards(folder, f"⚠️ {literal(exc)}"), *skip_album)
        said = f"Deleted the album {literal(album.path)}; its photos are still in the library."
        return (hidden, *cards(folder, said), *closed_album())

    def reorder(path: str | None, order: str):
        if path and order in ORDERS:
            with ctx.catalog() as catalog:
                Albums(catalog).set_order(path, ORDERS[order])
        return album_page(path, order, 1)

    skip_album = [gr.skip() for _ in album_outputs]
    both = [*card_outputs, *album_outputs]
    opened.expand(lambda folder: cards(folder), [view.folder], card_outputs)
    view.refresh.click(
        lambda folder, path, order, page: (*cards(folder), *album_page(path, order, page)),
        [view.folder, view.album, view.order, view.page], both,
    )  # fmt: skip
    view.up.click(lambda folder: (*cards("/".join(folder.split("/")[:-1])), *closed_album()),
                  [view.folder], both)  # fmt: skip
    view.cards.select(click, [view.entries, view.folder], both)
    gr.on([view.create.click, view.new_name.submit], create, [view.folder, view.new_name],
          [*card_outputs, view.new_name, *album_outputs])  # fmt: skip
    gr.on([view.rename.click, view.rename_to.submit], rename,
          [view.album, view.folder, view.rename_to, view.order], both)  # fmt: skip
    view.delete.click(ask_delete, [view.album], [view.confirm, view.confirm_text, view.message])
    view.delete_no.click(lambda: gr.Group(visible=False), None, [view.confirm], queue=False)
    view.delete_yes.click(delete, [view.album, view.folder], [view.confirm, *both])
    view.order.input(reorder, [view.album, view.order], album_outputs)
    gr.on([view.new_folder.click], new_folder, [view.folder, view.new_name],
          [*card_outputs, view.new_name])  # fmt: skip
    view.drop_folder.click(ask_drop_folder, [view.folder],
                           [view.folder_confirm, view.folder_question, *card_outputs])  # fmt: skip
    view.folder_no.click(lambda: gr.Group(visible=False), None, [view.folder_confirm],
                         queue=False)  # fmt: skip
    view.folder_yes.click(drop_folder, [view.folder], [view.folder_confirm, *card_outputs])
    box = [view.folder_renaming, view.folder_new_name, view.renaming]
    view.rename_folder.click(ask_rename_folder, [view.folder], box)
    view.folder_rename_no.click(lambda: gr.Group(visible=False), None, [view.folder_renaming],
                                queue=False)  # fmt: skip
    gr.on([view.folder_rename_yes.click, view.folder_new_name.submit], rename_folder,
          [view.renaming, view.folder, view.folder_new_name],
          [view.folder_renaming, *card_outputs])  # fmt: skip
    for button, first in ((view.to_start, True), (view.to_end, False)):
        button.click(functools.partial(move, first=first), [view.album, view.select.chosen],
                     [*album_outputs, view.message])  # fmt: skip
    view.prev.click(lambda p, o, n: album_page(p, o, n - 1), [view.album, view.order, view.page],
                    album_outputs)  # fmt: skip
    view.next.click(lambda p, o, n: album_page(p, o, n + 1), [view.album, view.order, view.page],
                    album_outputs)  # fmt: skip
    view.refresh_album = (album_page, [view.album, view.order, view.page], album_outputs)
    view.album_page = album_page


def _album_outputs(view: AlbumsView) -> list[Any]:
    """What album_page fills, in its order."""
    return [view.album, view.title, view.rename_to, view.order, view.photos, view.ids,
            view.page, view.page_label, view.arrange]  # fmt: skip


def listen_viewer(view: AlbumsView, ctx: AppContext, viewer: Viewer) -> None:
    """The viewer opened from an album in manual order: "◀ Earlier" and "Later ▶" swap its
    photo with the one before or after it; the album's page and the viewer's list follow.
    They act on the album the viewer was opened from (its id, kept as it opens), not on
    whatever the Albums view has open by the time they are clicked."""
    organise = viewer.panel.organise
    album_outputs = _album_outputs(view)
    opened_from = gr.State(None)  # the id of the album the viewer's list is, or None
    row_on = gr.State(False)  # whether the Earlier / Later row is shown now

    def buttons(
        shown: Shown | None, path: str | None, order: str, was_on: bool
    ) -> tuple[Any, int | None, bool]:
        """Shown while the viewer's list is this album's, in its manual order. The row is
        updated only when that changes: a viewer opened from any other gallery sends no
        update to it (an update to a component not drawn yet makes gradio's page rebuild
        its whole tree, and a click landing meanwhile is lost)."""
        on, album_id = False, None
        if shown is not None and shown.source == "album" and path and order != BEST:
            with ctx.catalog() as catalog:
                try:
                    album = Albums(catalog).get(path)
                except PictorError:
                    album = None
                smart = album is not None and album.id in smart_album_ids(catalog)
            if album is not None:
                on, album_id = album.order_mode == "manual" and not smart, album.id
        row = gr.skip() if on == bool(was_on) else gr.Row(visible=on)
        return row, album_id, on

    def step(later: bool, shown: Shown | None, content_id: str | None, album_id: int | None):
        skipped = [gr.skip() for _ in album_outputs]
        if shown is None or not content_id or album_id is None:
            return (gr.skip(), gr.skip(), *skipped, "Open a photo of the album first.")
        try:
            with ctx.catalog() as catalog:
                done = AlbumOrder(catalog).step_in(album_id, content_id, later)
        except PictorError as exc:
            return (gr.skip(), gr.skip(), *skipped, f"⚠️ {literal(exc)}")
        values = view.album_page(done.album.path, AS_ADDED, (max(done.at, 1) - 1) // PAGE + 1)
        moved = replace(shown, ids=list(values[album_outputs.index(view.ids)]))
        said = f"Moved {'later' if later else 'earlier'}: now photo {done.at:,} of the album."
        return (moved, title_of(moved, content_id), *values, said)

    viewer.listed.change(
        buttons,
        [viewer.listed, view.album, view.order, row_on],
        [organise.order_row, opened_from, row_on],
    )
    for button, later in ((organise.earlier, False), (organise.later, True)):
        button.click(
            functools.partial(step, later), [viewer.listed, viewer.selected, opened_from],
            [viewer.listed, viewer.title, *album_outputs, organise.message],
        )  # fmt: skip


def every_photo(ctx: AppContext, path: str | None) -> tuple[list[str], str]:
    """All the album's photos: "Select all results" in an album."""
    if not path:
        raise PictorError("Open an album first.")
    with ctx.catalog() as catalog:
        albums = Albums(catalog)
        album, smart = albums.get(path), SmartAlbums(ctx.library, catalog)
        ids = smart.run(album).content_ids if smart.is_smart(album) else albums.items(album)
    return ids, f"all {plural(len(ids), 'photo')} of {path}"


@functools.cache
def _folder_picture() -> Image.Image:
    """A folder's card: a drawn folder."""
    picture = Image.new("RGB", (160, 160), "#eef0f6")
    draw = ImageDraw.Draw(picture)
    draw.rounded_rectangle((28, 44, 80, 64), radius=6, fill="#7c8fd6")
    draw.rounded_rectangle((28, 56, 132, 124), radius=8, fill="#96a7e8")
    return picture


@functools.cache
def _empty_picture() -> Image.Image:
    """An album without a cover (empty, or its cover gone)."""
    return Image.new("RGB", (160, 160), "#dddddd")

"""The Albums view (inside the Library tab, beside People): the albums of the current folder
of albums as cards (cover, name, count), folders first; a folder's card goes into it, an
album's opens its photos in a gallery (the shared viewer, and select many with "Remove from
this album" and "Set as cover"), in the album's order (by date, or as added) or best first
(your rating, else the predicted one: the best of this album). Create an album (Folder/Name
makes its folders), rename it, delete it after one question (its photos stay in the
library). The callbacks only translate: the work is indexing.curate.albums.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import gradio as gr
from PIL import Image, ImageDraw

from app import selection
from app.components import thumbnails
from app.context import AppContext
from app.safe_text import literal
from indexing.curate.albums import Albums
from indexing.curate.smart_albums import SmartAlbums, smart_album_ids
from indexing.errors import PictorError
from indexing.names.wording import plural
from indexing.query.filters import Filter, SortKey
from indexing.query.listing import ListRequest, list_images
from indexing.store.albums import AlbumRow

PAGE = 60
BY_DATE, AS_ADDED, BEST = "By date", "As added (manual)", "Best first (rating)"
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
    refresh_album: Any = None  # set by listen: (fn, inputs, outputs) redrawing the album's page


def render() -> AlbumsView:
    with gr.Row(equal_height=True):
        where = gr.Markdown("**Albums**", elem_id="albums-where")
        up = gr.Button("▲ Up a folder", size="sm", min_width=100, scale=0, elem_id="albums-up")
        refresh = gr.Button("Refresh", size="sm", min_width=90, scale=0, elem_id="albums-refresh")
    cards = thumbnails(label="Albums (click one to open it)", columns=4, object_fit="cover",
                       fit_columns=False,
                       elem_id="albums-cards")  # fmt: skip
    with gr.Row(equal_height=True):
        new_name = gr.Textbox(label="New album (Folder/Name puts it in a folder)",
                              placeholder="e.g. Trips/Lisbon 2023", scale=4,
                              elem_id="albums-new-name")  # fmt: skip
        create = gr.Button("Create album", size="sm", scale=1, elem_id="albums-create")
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
    photos = thumbnails(label="Its photos (click one to open it)", columns=8, fit_columns=False,
                        object_fit="cover", elem_id="albums-photos")  # fmt: skip
    return AlbumsView(
        where, up, refresh, cards, new_name, create, title, rename_to, rename, delete, confirm,
        confirm_text, delete_yes, delete_no, order, message, prev, next_, page_label, select,
        photos, gr.State(""), gr.State([]), gr.State(None), gr.State(1), gr.State([]),
    )  # fmt: skip


def children(albums: list[AlbumRow], folder: str) -> tuple[list[tuple[str, int]], list[AlbumRow]]:
    """The folders directly inside folder (each with how many albums it holds, at any depth)
    and the albums directly in it."""
    inside: dict[str, int] = {}
    here = []
    prefix = f"{folder}/" if folder else ""
    for album in albums:
        if album.folder == folder:
            here.append(album)
        elif folder == "" or album.folder.startswith(prefix):
            rest = album.folder[len(prefix) :]
            sub = prefix + rest.split("/")[0]
            inside[sub] = inside.get(sub, 0) + 1
    return sorted(inside.items(), key=lambda kv: kv[0].lower()), here


def listen(view: AlbumsView, ctx: AppContext, opened: gr.Accordion) -> None:
    card_outputs = [view.where, view.cards, view.entries, view.folder, view.message]
    album_outputs = [view.album, view.title, view.rename_to, view.order, view.photos, view.ids,
                     view.page, view.page_label]  # fmt: skip

    def cards(folder: str, message: str = ""):
        with ctx.catalog() as catalog:
            albums = Albums(catalog).listed()
            smart = smart_album_ids(catalog)
        folders, here = children(albums, folder or "")
        if folder and not folders and not here:  # the folder went with its last album
            return cards("/".join(folder.split("/")[:-1]), message)
        thumbs = ctx.library.thumbs
        items: list[tuple[object, str]] = []
        entries: list[tuple[str, str]] = []
        for path, count in folders:
            items.append((_folder_picture(), f"{path.split('/')[-1]}/ ({plural(count, 'album')})"))
            entries.append(("folder", path))
        for album in here:
            cover = album.cover if album.cover and thumbs.has(album.cover) else None
            picture = str(thumbs.path_for(cover)) if cover else _empty_picture()
            held = "smart" if album.id in smart else f"{album.count:,}"  # a query, live
            items.append((picture, f"{album.name} ({held})"))
            entries.append(("album", album.path))
        crumbs = " / ".join(["**Albums**", *(literal(p) for p in folder.split("/") if p)])
        note = message or ("" if albums else EMPTY)
        return crumbs, items, entries, folder or "", note

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
            try:  # a smart album: what its query finds now
                if order == BEST:
                    best = smart.resolve(Filter(album=album.path)) or Filter(album=album.path)
                    request = ListRequest(filter=best, sort=SortKey.rating, descending=True,
                                          page=max(1, page), page_size=PAGE)  # fmt: skip
                    listing = list_images(catalog, request)
                    ids, total = [i.content_id for i in listing.items], listing.matching
                    page = request.page
                else:
                    is_smart = smart.is_smart(album)
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
        return (album.path, title, album.name, chosen, [str(thumbs.path_for(c)) for c in shown],
                shown, page, f"Page {page} of {pages}")  # fmt: skip

    def closed_album():
        return None, "", "", gr.skip(), [], [], 1, ""

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
    view.prev.click(lambda p, o, n: album_page(p, o, n - 1), [view.album, view.order, view.page],
                    album_outputs)  # fmt: skip
    view.next.click(lambda p, o, n: album_page(p, o, n + 1), [view.album, view.order, view.page],
                    album_outputs)  # fmt: skip
    view.refresh_album = (album_page, [view.album, view.order, view.page], album_outputs)


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

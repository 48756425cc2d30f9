"""The named API endpoints of smart albums, an album's manual order, folders of albums,
event proposals, export and XMP write-back (issue 33), mixed into app.api.PictorApi: each
calls the core the CLI command of the same name calls and returns the document that command
prints with --json.

/export writes only inside the user's home (never inside a library root: the export's own
rule), as /index reads only there: a script cannot make the app write elsewhere on disk.
"""

from typing import Any

from app.context import AppContext
from indexing.curate.album_folders import AlbumFolders
from indexing.curate.album_order import AlbumOrder, Where
from indexing.curate.albums import Albums
from indexing.curate.events import Events
from indexing.curate.export import export_images
from indexing.curate.smart_albums import SmartAlbums, SmartQuery
from indexing.curate.xmp_keywords import write_back
from indexing.errors import PictorError
from indexing.ingest.scan import outside_home_and_roots
from indexing.query.filters import Filter, parse_sort
from indexing.records import CONTENT_ID
from indexing.store.catalog import Catalog
from indexing.store.files import content_id_for_path, present_paths_of

Document = dict[str, Any]

# endpoint name -> method, added to app.api.ENDPOINTS
ALBUM_ENDPOINTS = {
    "album_create_smart": "album_create_smart",
    "album_show": "album_show",
    "album_move": "album_move",
    "album_folder_create": "album_folder_create",
    "album_folder_rename": "album_folder_rename",
    "album_folder_delete": "album_folder_delete",
    "album_events": "album_events",
    "album_events_accept": "album_events_accept",
    "album_events_dismiss": "album_events_dismiss",
    "export": "export",
    "write_xmp_keywords": "write_xmp_keywords",
}


class AlbumApi:
    ctx: AppContext

    def album_create_smart(
        self,
        name: str,
        filter: dict[str, Any] | None = None,
        sort: str = "taken",
        descending: bool = False,
        query: str | None = None,
        text: str | None = None,
    ) -> Document:
        """A smart album: the query of `list` (filter, sort), `find` (query) or `search`
        (text), saved under a name and run each time it is shown."""
        if filter is not None and not isinstance(filter, dict):
            raise PictorError('a filter is an object of filter fields, e.g. {"min_rating": 7}')
        saved = SmartQuery(
            Filter.parse(**(filter or {})), parse_sort(sort), descending,
            (query or "").strip() or None, (text or "").strip() or None,
        )  # fmt: skip
        with self.ctx.catalog() as catalog:
            smart = SmartAlbums(self.ctx.library, catalog)
            return smart.run(smart.create(name, saved)).as_dict()

    def album_show(self, name: str) -> Document:
        """An album's images in order (a smart album: what its query finds now)."""
        with self.ctx.catalog() as catalog:
            albums, smart = Albums(catalog), SmartAlbums(self.ctx.library, catalog)
            album = albums.get(name)
            if smart.is_smart(album):
                ran = smart.run(album)
                return {**ran.as_dict(), "items": _items(catalog, ran.content_ids)}
            return {
                **album.as_dict(),
                "smart": False,
                "items": _items(catalog, albums.items(album)),
            }

    def album_move(
        self,
        name: str,
        images: list[str],
        to: int | None = None,
        before: str | None = None,
        after: str | None = None,
        first: bool = False,
        last: bool = False,
    ) -> Document:
        """Move these images (paths or content ids of the album) together to one place of
        its manual order: the to-th place (1: the first), before or after an image, first
        or last; as `album move`."""
        with self.ctx.catalog() as catalog:
            where = Where(
                first=bool(first), last=bool(last), to=to,
                before=_content(catalog, before) if before else None,
                after=_content(catalog, after) if after else None,
            )  # fmt: skip
            ids = [_content(catalog, image) for image in images or []]
            return AlbumOrder(catalog).move(name, ids, where).as_dict()

    def album_folder_create(self, path: str) -> Document:
        """A new, empty folder of albums ('Trips/2024'), as `album folder create`."""
        with self.ctx.catalog() as catalog:
            return AlbumFolders(catalog).create(path).as_dict()

    def album_folder_rename(self, path: str, new_path: str) -> Document:
        """Rename a folder of albums (a name), or move it ('Other/Name')."""
        with self.ctx.catalog() as catalog:
            return AlbumFolders(catalog).rename(path, new_path).as_dict()

    def album_folder_delete(self, path: str, yes: bool = False) -> Document:
        """Delete a folder of albums: an empty one, or with yes its albums and folders move
        up into its parent (never deleted)."""
        with self.ctx.catalog() as catalog:
            return AlbumFolders(catalog).delete(path, move_up=bool(yes)).as_dict()

    def album_events(self, all: bool = False) -> Document:
        """Albums proposed from time gaps and places (with all: the decided ones too)."""
        with self.ctx.catalog() as catalog:
            found = Events(catalog).proposals(include_decided=all)
        return {"proposals": [p.as_dict() for p in found]}

    def album_events_accept(self, id: str, name: str | None = None) -> Document:
        """Make a proposal a normal album (named `name`, else by its title)."""
        with self.ctx.catalog() as catalog:
            proposal, album = Events(catalog).accept(id, name or None)
        return {"proposal": proposal.as_dict(), "album": album.as_dict()}

    def album_events_dismiss(self, id: str) -> Document:
        """Never propose this event again (nor the same one with a few new photos)."""
        with self.ctx.catalog() as catalog:
            return {"proposal": Events(catalog).dismiss(id).as_dict()}

    def export(
        self,
        destination: str,
        album: str | None = None,
        images: list[str] | None = None,
        zip: bool = False,
    ) -> Document:
        """Copy an album's images or these images (paths or content ids), with their XMP
        sidecars and RAW pairs, to a folder or a zip inside your home folder."""
        if outside_home_and_roots(destination, []) is not None:
            raise PictorError("the API exports only into a folder inside your home folder")
        with self.ctx.catalog() as catalog:
            ids = _album_ids(self.ctx, catalog, album) if album else []
            ids += [_content(catalog, image) for image in images or []]
            done = export_images(
                catalog, ids, destination, as_zip=zip, zip_name=album or "Pictor export"
            )
        return done.as_dict()

    def write_xmp_keywords(self, images: list[str]) -> Document:
        """Write these images' tags and captions to their XMP sidecars now."""
        with self.ctx.catalog() as catalog:
            ids = [_content(catalog, image) for image in images or []]
            written, problems = write_back(catalog, ids)
        return {"sidecars": written, "problems": problems}


def _items(catalog: Catalog, ids: list[str]) -> list[Document]:
    return [{"content_id": c, "path": (present_paths_of(catalog, c) or [""])[0]} for c in ids]


def _album_ids(ctx: AppContext, catalog: Catalog, path: str) -> list[str]:
    albums, smart = Albums(catalog), SmartAlbums(ctx.library, catalog)
    album = albums.get(path)
    return smart.run(album).content_ids if smart.is_smart(album) else albums.items(album)


def _content(catalog: Catalog, image: str) -> str:
    image = (image or "").strip()
    return image if CONTENT_ID.fullmatch(image) else content_id_for_path(catalog, image)

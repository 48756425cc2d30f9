"""`export` and `album export` (registered with the album commands): images out of the
library, to a folder or a zip.

launch.py export DEST a.jpg b.jpg        (or --id, --from-find QUERY, --album NAME)
launch.py album export "Summer 2024" DEST [--zip]

The originals with their XMP sidecars and RAW+JPEG pairs, file times kept, taken names
numbered ('name (2).jpg'); progress on stderr; all or nothing (indexing.curate.export).
"""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

from indexing.curate.albums import Albums
from indexing.curate.export import Exported, export_images
from indexing.curate.smart_albums import SmartAlbums
from indexing.errors import PictorError
from indexing.library import Library
from indexing.store.catalog import Catalog


def add_export_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("destination", metavar="DEST", help="a folder (made if missing)")
    parser.add_argument(
        "--zip", action="store_true", help="one zip file: DEST/NAME.zip, or DEST if it ends in .zip"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def album_ids(library: Library, catalog: Catalog, path: str) -> list[str]:
    """The album's images now: its members, or what a smart album's query finds."""
    albums = Albums(catalog)
    album = albums.get(path)
    smart = SmartAlbums(library, catalog)
    return smart.run(album).content_ids if smart.is_smart(album) else albums.items(album)


def run_export(catalog: Catalog, ids: list[str], args: argparse.Namespace, name: str) -> Exported:
    if not ids:
        raise PictorError("nothing to export: the album or selection holds no images")
    bar = LazyBar()
    try:
        return export_images(
            catalog, ids, args.destination, as_zip=args.zip, zip_name=name, progress=bar
        )
    finally:
        bar.close()


class LazyBar:
    """A tqdm bar on stderr, drawn from the first image copied (after every check passed, so
    a refused export prints its one line and nothing else)."""

    def __init__(self) -> None:
        self.bar: tqdm | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = tqdm(total=total, desc="exporting", unit="image", file=sys.stderr)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

"""`album move` and `album folder`: arrange albums from the command line.

launch.py album move NAME PATH... (--to N | --before PATH | --after PATH | --first | --last)
    moves images within the album's manual order (an album shown by date becomes manual,
    starting from its date order)
launch.py album folder create PATH            a new, empty folder of albums ('Trips/2024')
launch.py album folder rename PATH NEW        a new name, or 'Other/NEW' to move it
launch.py album folder delete PATH [--yes]    an empty one; --yes moves what it holds up
"""

from __future__ import annotations

import argparse

from app.cli.common import emit
from indexing.curate.album_folders import AlbumFolders
from indexing.curate.album_order import AlbumOrder, Where
from indexing.library import Library
from indexing.names.wording import plural
from indexing.store.catalog import Catalog
from indexing.store.files import content_id_for_path


def add_parsers(actions: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    move = actions.add_parser(
        "move", parents=[common], help="move images within an album's manual order"
    )
    move.add_argument("name")
    move.add_argument("paths", nargs="+", metavar="PATH", help="files of the album, in order")
    where = move.add_mutually_exclusive_group(required=True)
    where.add_argument("--to", type=int, metavar="N", help="to the N-th place (1: the first)")
    where.add_argument("--before", metavar="PATH", help="just before this image of the album")
    where.add_argument("--after", metavar="PATH", help="just after this image of the album")
    where.add_argument("--first", action="store_true", help="to the start")
    where.add_argument("--last", action="store_true", help="to the end")
    folder = actions.add_parser("folder", parents=[common], help="folders of albums")
    verbs = folder.add_subparsers(dest="folder_action", required=True)
    create = verbs.add_parser("create", parents=[common], help="a new, empty folder")
    create.add_argument("path", help="'Trips' or 'Trips/2024' (missing parents are made)")
    rename = verbs.add_parser("rename", parents=[common], help="rename or move a folder")
    rename.add_argument("path")
    rename.add_argument("new_path", help="a new name, or 'Other/Name' to move it")
    delete = verbs.add_parser(
        "delete", parents=[common],
        help="delete a folder: an empty one, or with --yes its albums and folders move up "
        "into its parent (never deleted)",
    )  # fmt: skip
    delete.add_argument("path")
    delete.add_argument("--yes", action="store_true", help="it holds albums: move them up")
    for parser in verbs.choices.values():
        parser.add_argument("--json", action="store_true", help="print one JSON document")


def cmd_arrange(args: argparse.Namespace, library: Library) -> int:
    with library.open_catalog() as catalog:
        if args.album_action == "move":
            _move(args, catalog)
        else:
            _folder(args, catalog)
    return 0


def _move(args: argparse.Namespace, catalog: Catalog) -> None:
    ids = [content_id_for_path(catalog, path) for path in args.paths]
    where = Where(
        first=args.first,
        last=args.last,
        to=args.to,
        before=content_id_for_path(catalog, args.before) if args.before else None,
        after=content_id_for_path(catalog, args.after) if args.after else None,
    )
    done = AlbumOrder(catalog).move(args.name, ids, where)
    text = (
        f"Moved {plural(done.moved, 'image')} in {done.album.path!r}: now from place {done.at:,}."
    )
    if done.order_was != "manual":
        text += " Its order is now manual (it was by date)."
    emit(args, done.as_dict(), text)


def _folder(args: argparse.Namespace, catalog: Catalog) -> None:
    folders = AlbumFolders(catalog)
    if args.folder_action == "create":
        made = folders.create(args.path)
        emit(args, made.as_dict(), f"Created the folder {made.path!r}.")
    elif args.folder_action == "rename":
        renamed = folders.rename(args.path, args.new_path)
        emit(args, renamed.as_dict(), f"Renamed the folder {args.path!r} to {renamed.path!r}.")
    else:
        gone = folders.delete(args.path, move_up=args.yes)
        text = f"Deleted the folder {gone.folder.path!r}."
        held = [plural(n, what) for n, what in ((gone.moved_albums, "album"),
                                                 (gone.moved_folders, "folder")) if n]  # fmt: skip
        if held:
            where = repr(gone.into) if gone.into else "the top level"
            text += f" Its {' and '.join(held)} moved up into {where}."
        emit(args, gone.as_dict(), text)

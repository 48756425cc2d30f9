"""`album`, `tag` and `caption`: the user's own organisation from the command line.

launch.py album create "Trips/Summer 2024"      (folders of albums are made as needed)
launch.py album add "Summer 2024" a.jpg b.jpg   (or --from-find QUERY, --id CONTENT_ID)
launch.py album list | show NAME | remove NAME PATH... | rename NAME NEW | delete NAME
launch.py tag add Places/Portugal a.jpg         tag remove TAG PATH... · tag list [PATH]
launch.py caption a.jpg "Grandma's garden"      (no text: show it; --clear: remove it)
launch.py album share NAME [--password P] [--expires 7d|2026-12-31]   (a link to it alone)
launch.py album shares · album unshare NAME|LINK|TOKEN|#N
"""

from __future__ import annotations

import argparse
import sys
import time

from app.cli.common import Commands, Handler, emit
from app.share_links import links, open_app_warning
from indexing.curate.albums import Albums
from indexing.curate.shares import Shares
from indexing.curate.tags import Tags
from indexing.errors import PictorError
from indexing.library import Library
from indexing.names.wording import plural
from indexing.query.metadata_search import find
from indexing.store.catalog import Catalog
from indexing.store.files import content_id_for_path, present_paths_of
from indexing.store.shares import ShareRow

FIND_PAGE = 1000


def _selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files of the library")
    parser.add_argument("--from-find", metavar="QUERY", help="every image this `find` matches")
    parser.add_argument(
        "--id", action="append", default=[], metavar="CONTENT_ID", help="a content id (repeatable)"
    )


def register(commands: Commands, common: argparse.ArgumentParser) -> dict[str, Handler]:
    album = commands.add_parser(
        "album",
        parents=[common],
        help="albums: create, list, show, add, remove, rename, delete, cover, share",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = album.add_subparsers(dest="album_action", required=True)
    create = actions.add_parser("create", parents=[common], help="a new, empty album")
    create.add_argument("name", help='its name, or "Folder/Name" to put it in a folder')
    create.add_argument("--order", choices=("date", "manual"), default="date")
    actions.add_parser("list", parents=[common], help="every album, with its count")
    show = actions.add_parser("show", parents=[common], help="an album's images, in order")
    show.add_argument("name")
    for verb, what in (("add", "add images to an album"), ("remove", "take images out")):
        parser = actions.add_parser(verb, parents=[common], help=what)
        parser.add_argument("name")
        _selection(parser)
    rename = actions.add_parser("rename", parents=[common], help="rename (or move) an album")
    rename.add_argument("name")
    rename.add_argument("new_name", help='the new name; "Folder/Name" moves it')
    delete = actions.add_parser("delete", parents=[common], help="delete it (the photos stay)")
    delete.add_argument("name")
    cover = actions.add_parser("cover", parents=[common], help="choose the album's cover")
    cover.add_argument("name")
    cover.add_argument("path", help="one of the album's files")
    share = actions.add_parser(
        "share", parents=[common], help="a read-only link to this album alone"
    )
    share.add_argument("name")
    share.add_argument("--password", help="the guest must type it to see the album")
    share.add_argument(
        "--expires", metavar="WHEN", help="30m, 12h, 7d, 2w, or a date (2026-12-31); default never"
    )
    unshare = actions.add_parser("unshare", parents=[common], help="revoke share links")
    unshare.add_argument(
        "target", metavar="NAME|LINK|#N", help="an album (all its links), a link or its token, "
        "or #N as `album shares` numbers it",
    )  # fmt: skip
    actions.add_parser("shares", parents=[common], help="every share link and its state")
    for parser in (album, *actions.choices.values()):
        parser.add_argument("--json", action="store_true", help="print one JSON document")

    tag = commands.add_parser("tag", parents=[common], help="tags: add, remove, list")
    tag_actions = tag.add_subparsers(dest="tag_action", required=True)
    for verb, what in (("add", "tag images"), ("remove", "untag images")):
        parser = tag_actions.add_parser(verb, parents=[common], help=what)
        parser.add_argument("tag", help="e.g. Places/Portugal/Lisbon")
        _selection(parser)
    listing = tag_actions.add_parser(
        "list", parents=[common], help="every tag and its count, or one image's tags"
    )
    listing.add_argument("path", nargs="?", help="a file: its tags")
    for parser in (tag, *tag_actions.choices.values()):
        parser.add_argument("--json", action="store_true", help="print one JSON document")

    caption = commands.add_parser("caption", parents=[common], help="show or set a caption")
    caption.add_argument("path")
    caption.add_argument("text", nargs="?", help="the new caption (none: show the current one)")
    caption.add_argument("--clear", action="store_true", help="remove the caption")
    caption.add_argument("--json", action="store_true", help="print one JSON document")
    return {"album": cmd_album, "tag": cmd_tag, "caption": cmd_caption}


def selected_ids(catalog: Catalog, args: argparse.Namespace) -> list[str]:
    """The content ids the paths, --id and --from-find name, in that order, each once."""
    ids = [content_id_for_path(catalog, path) for path in args.paths]
    ids += [cid.strip().lower() for cid in args.id]
    if args.from_find is not None:
        page = 1
        while True:
            results = find(catalog, args.from_find, page=page, page_size=FIND_PAGE)
            ids += [item.content_id for item in results.items]
            if len(results.items) < FIND_PAGE:
                break
            page += 1
    if not ids:
        raise PictorError("name the images: PATH..., --id CONTENT_ID or --from-find QUERY")
    return list(dict.fromkeys(ids))


def cmd_album(args: argparse.Namespace, library: Library) -> int:
    action = args.album_action
    if action in ("share", "unshare", "shares"):
        return _cmd_share(args, library)
    with library.open_catalog() as catalog:
        albums = Albums(catalog)
        if action == "list":
            listed = albums.listed()
            lines = [f"{a.count:>8,}  {a.path}" for a in listed] or ["No albums yet."]
            emit(args, {"albums": [a.as_dict() for a in listed]}, "\n".join(lines))
        elif action == "create":
            made = albums.create(args.name, args.order)
            emit(args, made.as_dict(), f"Created album {made.path!r}.")
        elif action == "show":
            shown = albums.get(args.name)
            ids = albums.items(shown)
            paths = [(cid, (present_paths_of(catalog, cid) or [""])[0]) for cid in ids]
            data = {**shown.as_dict(), "items": [{"content_id": c, "path": p} for c, p in paths]}
            lines = [f"{shown.path}: {plural(len(ids), 'image')} (by {shown.order_mode})"]
            emit(args, data, "\n".join(lines + [path for _, path in paths]))
        elif action in ("add", "remove"):
            ids = selected_ids(catalog, args)
            change = (albums.add if action == "add" else albums.remove)(args.name, ids)
            verb = "Added" if action == "add" else "Removed"
            other = "already in it" if action == "add" else "not in it"
            text = (
                f"{verb} {plural(change.changed, 'image')} "
                f"{'to' if action == 'add' else 'from'} {change.album.path!r} "
                f"({change.unchanged:,} {other}); it holds {plural(change.album.count, 'image')}."
            )
            emit(args, change.as_dict(), text)
        elif action == "rename":
            renamed = albums.rename(args.name, args.new_name)
            emit(args, renamed.as_dict(), f"Renamed {args.name!r} to {renamed.path!r}.")
        elif action == "delete":
            gone = albums.delete(args.name)
            kept = plural(gone.count, "image")
            text = f"Deleted album {gone.path!r}; its {kept} stay in the library."
            emit(args, {"deleted": gone.as_dict()}, text)
        else:  # cover
            covered = albums.set_cover(args.name, content_id_for_path(catalog, args.path))
            emit(args, covered.as_dict(), f"The cover of {covered.path!r} is now {args.path}.")
    return 0


def _cmd_share(args: argparse.Namespace, library: Library) -> int:
    with library.open_catalog() as catalog:
        shares = Shares(catalog)
        now = shares.clock()
        if args.album_action == "share":
            made = shares.share(args.name, args.password, args.expires)
            where = links(library.settings, made.path)
            warning = open_app_warning(library.settings)
            data = {**made.share.as_dict(now), "token": made.token, **where, "warning": warning}
            lines = [
                f"Shared {made.share.album_path!r}: anyone with this link sees it, and only it."
            ]
            lines += [f"  on this network: {where['local']}"]
            if where["public"]:
                lines += [f"  public link:     {where['public']}"]
            lines += [f"  path:            {where['path']}"]
            if made.share.password_hash:
                lines += ["  The guest must type the password."]
            if made.share.expires:
                lines += [f"  Expires {_when(made.share.expires)}."]
            lines += ["The link is shown only now: copy it (album unshare NAME revokes it)."]
            if warning:
                print(f"warning: {warning}", file=sys.stderr)
            emit(args, data, "\n".join(lines))
        elif args.album_action == "unshare":
            gone = shares.unshare(args.target)
            albums = sorted({s.album_path or "(deleted album)" for s in gone})
            text = f"Revoked {plural(len(gone), 'share link')} of {', '.join(albums)}."
            emit(args, {"revoked": [s.as_dict(now) for s in gone]}, text)
        else:
            listed = shares.listed()
            lines = [_share_line(s, now) for s in listed] or ["No share links yet."]
            emit(args, {"shares": [s.as_dict(now) for s in listed]}, "\n".join(lines))
    return 0


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))


def _share_line(share: ShareRow, now: float) -> str:
    if share.revoked is not None:
        state = f"revoked {_when(share.revoked)}"
    elif share.album_path is None:
        state = "album deleted"
    elif share.expires is not None and share.expires <= now:
        state = f"expired {_when(share.expires)}"
    else:
        state = f"active, expires {_when(share.expires)}" if share.expires else "active"
    password = "password" if share.password_hash else "no password"
    album = share.album_path or "(deleted album)"
    return f"#{share.id:<4} {album}  made {_when(share.created)}  {password}  {state}"


def cmd_tag(args: argparse.Namespace, library: Library) -> int:
    with library.open_catalog() as catalog:
        tags = Tags(catalog)
        if args.tag_action == "list":
            if args.path:
                cid = content_id_for_path(catalog, args.path)
                found = tags.of(cid)
                emit(args, {"path": args.path, "tags": found}, "\n".join(found) or "No tags.")
                return 0
            counts = tags.counts()
            lines = [f"{n:>8,}  {path}" for path, n in counts] or ["No tags yet."]
            data = {"tags": [{"tag": path, "count": n} for path, n in counts]}
            emit(args, data, "\n".join(lines))
            return 0
        ids = selected_ids(catalog, args)
        if args.tag_action == "add":
            stored, changed = tags.add(args.tag, ids)
            text = f"Tagged {plural(changed, 'image')} {stored!r} ({len(ids) - changed:,} had it)."
        else:
            stored, changed = tags.remove(args.tag, ids)
            text = f"Untagged {plural(changed, 'image')} {stored!r}."
        emit(args, {"tag": stored, "changed": changed, "unchanged": len(ids) - changed}, text)
    return 0


def cmd_caption(args: argparse.Namespace, library: Library) -> int:
    if args.clear and args.text is not None:
        raise PictorError("give a caption or --clear, not both")
    with library.open_catalog() as catalog:
        tags = Tags(catalog)
        cid = content_id_for_path(catalog, args.path)
        if args.text is None and not args.clear:
            text = tags.caption(cid)
            emit(args, {"path": args.path, "caption": text}, text or "No caption.")
            return 0
        stored = tags.set_caption(cid, None if args.clear else args.text)
    emit(
        args,
        {"path": args.path, "caption": stored},
        f"Caption: {stored}" if stored else "Caption removed.",
    )
    return 0

"""`album`, `tag` and `caption`: the user's own organisation from the command line.

launch.py album create "Trips/Summer 2024"      (folders of albums are made as needed)
launch.py album add "Summer 2024" a.jpg b.jpg   (or --from-find QUERY, --id CONTENT_ID)
launch.py album list | show NAME | remove NAME PATH... | rename NAME NEW | delete NAME
launch.py tag add Places/Portugal a.jpg         tag remove TAG PATH... · tag list [PATH]
launch.py caption a.jpg "Grandma's garden"      (no text: show it; --clear: remove it)
launch.py album share NAME [--password P] [--expires 7d|2026-12-31]   (a link to it alone)
launch.py album shares · album unshare NAME|LINK|TOKEN|#N
launch.py album events [--all]                   proposed albums from time gaps and places;
launch.py album events accept ID [--name N]      accept (a normal album) or dismiss one
launch.py album create Best --smart --min-rating 7 --tag Places/Lisbon --sort rating
                                                (a smart album: a saved query, always live)
launch.py album move NAME PATH... --first|--last|--to N|--before PATH|--after PATH
launch.py album folder create|rename|delete PATH   (folders of albums, empty ones too)
"""

from __future__ import annotations

import argparse
import sys
import time

from app.cli.album_arrange_commands import add_parsers as add_arrange_parsers
from app.cli.album_arrange_commands import cmd_arrange
from app.cli.common import Commands, Handler, emit, warn
from app.cli.export_commands import add_export_flags, album_ids, run_export
from app.cli.find_commands import add_list_filter_flags, list_filter
from app.share_links import links, open_app_warning
from indexing.curate.album_folders import AlbumFolders
from indexing.curate.albums import Albums
from indexing.curate.events import Events, Proposal
from indexing.curate.shares import Shares
from indexing.curate.smart_albums import SmartAlbums, SmartQuery
from indexing.curate.tags import Tags
from indexing.curate.xmp_keywords import write_back
from indexing.errors import PictorError
from indexing.library import Library
from indexing.names.wording import plural
from indexing.query.filters import SortKey, parse_sort
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
        help="albums: create (--smart), list, show, add, remove, rename, delete, cover, "
        "events, export, share",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = album.add_subparsers(dest="album_action", required=True)
    create = actions.add_parser("create", parents=[common], help="a new, empty album")
    create.add_argument("name", help='its name, or "Folder/Name" to put it in a folder')
    create.add_argument("--order", choices=("date", "manual"), default="date")
    create.add_argument(
        "--smart", action="store_true",
        help="a smart album: save the query the flags below make (as `list`, `find`, `search`)",
    )  # fmt: skip
    smart = create
    smart.add_argument("--sort", help=f"one of: {', '.join(k.value for k in SortKey)}")
    smart.add_argument("--desc", action="store_true", help="descending (largest, newest first)")
    smart.add_argument("--query", help="the metadata query of `find`, e.g. 'camera:canon'")
    smart.add_argument("--text", help="a semantic text query, as `search` (best 1,000 matches)")
    smart.add_argument("--min-score", type=float, default=-1.0, help="with --text: cut-off")
    add_list_filter_flags(smart)
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
    add_arrange_parsers(actions, common)
    album_export = actions.add_parser(
        "export", parents=[common], help="copy its images, with their sidecars, out"
    )
    album_export.add_argument("name")
    add_export_flags(album_export)
    events = actions.add_parser(
        "events", parents=[common], help="albums proposed from time gaps and places"
    )
    events.add_argument("--all", action="store_true", help="also those accepted or dismissed")
    decide = events.add_subparsers(dest="event_action")
    accept = decide.add_parser("accept", parents=[common], help="make it a normal album")
    accept.add_argument("id", help="the proposal's id (its first characters are enough)")
    accept.add_argument("--name", help="the album's name (default: the proposal's title)")
    dismiss = decide.add_parser("dismiss", parents=[common], help="never propose it again")
    dismiss.add_argument("id")
    for parser in (accept, dismiss):
        parser.add_argument("--json", action="store_true", help="print one JSON document")
    for parser in (
        album,
        *(p for n, p in actions.choices.items() if n not in ("export", "folder")),
    ):
        parser.add_argument("--json", action="store_true", help="print one JSON document")
    export = commands.add_parser(
        "export", parents=[common], help="copy images out, with their sidecars (folder or zip)"
    )
    add_export_flags(export)
    _selection(export)
    export.add_argument("--album", help="every image of this album (smart or not)")

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
    return {"album": cmd_album, "tag": cmd_tag, "caption": cmd_caption, "export": cmd_export}


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
    if action in ("move", "folder"):
        return cmd_arrange(args, library)
    with library.open_catalog() as catalog:
        albums = Albums(catalog)
        smart = SmartAlbums(library, catalog)
        if action == "events":
            return event_action(args, Events(catalog))
        if action == "export":
            done = run_export(catalog, album_ids(library, catalog, args.name), args, args.name)
            emit(args, done.as_dict(), done.line())
            return 0
        if action == "list":
            rows = [smart.listed(album) for album in albums.listed()]
            folders = [folder.as_dict() for folder in AlbumFolders(catalog).listed()]
            lines = [
                f"{_count(row['count']):>8}  {row['path']}{'  (smart)' if row['smart'] else ''}"
                for row in rows
            ] or ["No albums yet."]
            lines += [f"{'(empty)':>8}  {f['path']}/" for f in folders if f["empty"]]
            emit(args, {"albums": rows, "folders": folders}, "\n".join(lines))
        elif action == "create" and args.smart:
            made = smart.create(args.name, smart_query(args))
            ran = smart.run(made)
            text = (
                f"Created smart album {made.path!r}: {plural(len(ran.content_ids), 'image')} now."
            )
            emit(args, ran.as_dict(), text)
        elif action == "create":
            if smart_flags_given(args):
                raise PictorError("filter flags make a smart album: add --smart")
            made = albums.create(args.name, args.order)
            emit(args, made.as_dict(), f"Created album {made.path!r}.")
        elif action == "show" and smart.is_smart(albums.get(args.name)):
            ran = smart.run(albums.get(args.name))
            paths = [(cid, (present_paths_of(catalog, cid) or [""])[0]) for cid in ran.content_ids]
            data = {**ran.as_dict(), "items": [{"content_id": c, "path": p} for c, p in paths]}
            lines = [
                f"{ran.album.path}: {plural(len(paths), 'image')} (smart: {ran.query.describe()})",
                *(f"note: {note}" for note in ran.notes),
            ]
            emit(args, data, "\n".join(lines + [path for _, path in paths]))
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


def _count(count: int | None) -> str:
    return "?" if count is None else f"{count:,}"


def cmd_export(args: argparse.Namespace, library: Library) -> int:
    """`export DEST`: the images named (paths, --id, --from-find) and those of --album."""
    with library.open_catalog() as catalog:
        ids = album_ids(library, catalog, args.album) if args.album else []
        if args.paths or args.id or args.from_find is not None or not args.album:
            ids += selected_ids(catalog, args)
        name = args.album.split("/")[-1] if args.album else "Pictor export"
        done = run_export(catalog, list(dict.fromkeys(ids)), args, name)
    emit(args, done.as_dict(), done.line())
    return 0


def event_action(args: argparse.Namespace, events: Events) -> int:
    """`album events`: list the proposals, or accept or dismiss one."""
    if args.event_action == "accept":
        proposal, album = events.accept(args.id, args.name)
        text = f"Made the album {album.path!r} ({plural(album.count, 'photo')})."
        emit(args, {"proposal": proposal.as_dict(), "album": album.as_dict()}, text)
    elif args.event_action == "dismiss":
        proposal = events.dismiss(args.id)
        emit(args, {"proposal": proposal.as_dict()}, f"Dismissed {proposal.label!r}.")
    else:
        found = events.proposals(include_decided=args.all)
        emit(args, {"proposals": [p.as_dict() for p in found]}, _proposal_lines(found))
    return 0


def _proposal_lines(found: list[Proposal]) -> str:
    if not found:
        return "No new event albums to propose."
    lines = [f"{p.id}  {p.label}" + ("" if p.status == "new" else f"  ({p.status})") for p in found]
    return "\n".join([*lines, "(album events accept ID [--name N] | album events dismiss ID)"])


def smart_query(args: argparse.Namespace) -> SmartQuery:
    """The query `album create --smart` saves, from the same flags as `list`."""
    return SmartQuery(
        filter=list_filter(args),
        sort=parse_sort(args.sort),
        descending=args.desc,
        query=(args.query or "").strip() or None,
        text=(args.text or "").strip() or None,
        min_score=args.min_score,
    )


def smart_flags_given(args: argparse.Namespace) -> bool:
    given = bool(args.sort or args.desc or args.query or args.text)
    return given or not list_filter(args).is_empty


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
        result: dict[str, object] = {"tag": stored, "changed": changed}
        result["unchanged"] = len(ids) - changed
        if library.settings.write_xmp_keywords:
            result["sidecars"] = sidecars_written(catalog, ids)
        emit(args, result, text)
    return 0


def sidecars_written(catalog: Catalog, ids: list[str]) -> int:
    """With write_xmp_keywords on: the tags and captions of these images to their sidecars;
    a sidecar that cannot be changed is a warning, never a lost change in the catalog."""
    written, problems = write_back(catalog, ids)
    for problem in problems:
        warn(problem)
    return written


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
        data: dict[str, object] = {"path": args.path, "caption": stored}
        if library.settings.write_xmp_keywords:
            data["sidecars"] = sidecars_written(catalog, [cid])
    emit(
        args,
        data,
        f"Caption: {stored}" if stored else "Caption removed.",
    )
    return 0

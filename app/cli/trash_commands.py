"""`trash`: move files to their library's trash, list it, restore from it, empty it.

    launch.py trash PATH...            move files into ROOT/.pictor-trash/ (with undo)
    launch.py trash list               what is in the trash
    launch.py trash restore PATH...    put files back (or --all)
    launch.py trash restore PATH --to FOLDER    put them into FOLDER instead
    launch.py trash empty --yes        the only permanent delete
A file literally named "list", "restore" or "empty" is given as ./list and so on.
"""

from __future__ import annotations

import argparse

from app.cli.common import Commands, Handler, emit, warn
from indexing.curate.trash import Trash, TrashReport
from indexing.errors import PictorError
from indexing.library import Library

ACTIONS = ("list", "restore", "empty")


def register(commands: Commands, common: argparse.ArgumentParser) -> dict[str, Handler]:
    trash = commands.add_parser(
        "trash",
        parents=[common],
        help="move files to the trash (PATH...); or: list | restore PATH...|--all | empty --yes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    trash.add_argument("words", nargs="+", metavar="PATH|ACTION")
    trash.add_argument("--all", action="store_true", help="with restore: everything in the trash")
    trash.add_argument(
        "--to", metavar="FOLDER", help="with restore: put the files into FOLDER instead"
    )
    trash.add_argument("--yes", action="store_true", help="with empty: yes, delete for good")
    trash.add_argument("--json", action="store_true", help="print one JSON document")
    return {"trash": cmd_trash}


def cmd_trash(args: argparse.Namespace, library: Library) -> int:
    action, rest = (
        (args.words[0], args.words[1:]) if args.words[0] in ACTIONS else ("move", args.words)
    )
    if args.to is not None and action != "restore":
        raise PictorError("--to goes with restore: trash restore PATH... --to FOLDER")
    with library.open_catalog() as catalog:
        trash = Trash(catalog)
        if action == "list":
            if rest:
                raise PictorError("trash list takes no paths; it lists everything in the trash")
            entries = trash.entries()
            lines = [f"{e.original_path}  (in {e.trash_path})" for e in entries]
            emit(
                args,
                {"trash": [e.as_dict() for e in entries]},
                "\n".join(lines) or "The trash is empty.",
            )
            return 0
        if action == "restore":
            if args.all == bool(rest):
                raise PictorError(
                    "say what to restore: trash restore PATH... or trash restore --all"
                )
            report = trash.restore(None if args.all else rest, to=args.to)
            return _report(args, report, "Restored")
        if action == "empty":
            if rest:
                raise PictorError("trash empty takes no paths; it deletes everything in the trash")
            if not args.yes:
                count = len(trash.entries())
                raise PictorError(
                    f"this deletes {count} file(s) in the trash for good; add --yes to confirm"
                )
            return _report(args, trash.empty(), "Deleted for good")
        return _report(args, trash.trash(rest), "Moved to the trash")


def _report(args: argparse.Namespace, report: TrashReport, verb: str) -> int:
    for problem in report.problems:
        warn(f"{problem['path']}: {problem['reason']}")
    lines = [f"{verb}: {e.original_path}" for e in report.moved]
    if not report.moved:
        lines = [f"{verb}: nothing."]
    emit(args, report.as_dict(), "\n".join(lines))
    return 0 if report.moved or not report.problems else 2

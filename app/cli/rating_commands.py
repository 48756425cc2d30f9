"""`rate`, `prefer` and `ratings`: the user's ratings from the command line."""

from __future__ import annotations

import argparse

from app.cli.common import Commands, Handler, emit, warn
from indexing.curate import ratings_file
from indexing.curate.rating_service import RatingService
from indexing.errors import PictorError
from indexing.library import Library


def register(commands: Commands, common: argparse.ArgumentParser) -> dict[str, Handler]:
    rate = commands.add_parser("rate", parents=[common], help="rate an image 0-10 (or --clear)")
    rate.add_argument("path", help="a file of the library")
    rate.add_argument("score", nargs="?", help="0 to 10, e.g. 7 or 7.5")
    rate.add_argument("--clear", action="store_true", help="remove your rating")
    rate.add_argument("--json", action="store_true", help="print one JSON document")

    prefer = commands.add_parser(
        "prefer", parents=[common], help="say which image you like best: WINNER over LOSER..."
    )
    prefer.add_argument("winner", help="the file you prefer")
    prefer.add_argument("losers", nargs="+", help="the files it beats (1 to 3)")
    prefer.add_argument("--tie", action="store_true", help="they are all equally good")
    prefer.add_argument("--json", action="store_true", help="print one JSON document")

    ratings = commands.add_parser(
        "ratings", parents=[common], help="export or import every rating, preference and change"
    )
    actions = ratings.add_subparsers(dest="ratings_action", required=True)
    export = actions.add_parser("export", parents=[common], help="write a JSON backup")
    export.add_argument("file")
    export.add_argument("--json", action="store_true", help="print one JSON document")
    imports = actions.add_parser("import", parents=[common], help="read a JSON backup")
    imports.add_argument("file")
    imports.add_argument(
        "--on-conflict",
        choices=ratings_file.CONFLICT_MODES,
        default="newer",
        help="when an image is rated both here and in the file: keep yours, replace with the "
        "file's, or take the newer (default)",
    )
    imports.add_argument("--json", action="store_true", help="print one JSON document")
    return {"rate": cmd_rate, "prefer": cmd_prefer, "ratings": cmd_ratings}


def cmd_rate(args: argparse.Namespace, library: Library) -> int:
    if args.clear == (args.score is not None):
        raise PictorError("give a score from 0 to 10, or --clear (not both)")
    service = RatingService(library)
    result = service.rate_path(args.path, None if args.clear else args.score)
    change = result.change
    text = (
        f"Cleared the rating of {args.path}."
        if change.rating is None
        else f"Rated {args.path}: {change.rating:g}"
        + (f" (was {change.previous:g})" if change.previous is not None else "")
    )
    for message in result.warnings:
        warn(message)
    emit(args, {**change.as_dict(), "paths": result.paths, "warnings": result.warnings}, text)
    return 0


def cmd_prefer(args: argparse.Namespace, library: Library) -> int:
    service = RatingService(library)
    choice = service.prefer_paths(args.winner, args.losers, tie=args.tie)
    verb = "equal to" if args.tie else "over"
    text = f"Recorded: {args.winner} {verb} {', '.join(args.losers)}"
    data = {"choice_id": choice.choice_id, "tie": choice.tie, "pairs": choice.pairs}
    emit(args, data, text)
    return 0


def cmd_ratings(args: argparse.Namespace, library: Library) -> int:
    with library.open_catalog() as catalog:
        if args.ratings_action == "export":
            counts = ratings_file.write_export(catalog, args.file)
            text = ratings_file.export_sentence(args.file, counts)
            emit(args, {"file": args.file, **counts}, text)
            return 0
        document = ratings_file.read_document(args.file)
        report = ratings_file.import_document(catalog, document, args.on_conflict)
    counts = report.as_dict()
    emit(args, counts, ratings_file.import_sentence(args.file, report))
    return 0

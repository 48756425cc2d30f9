"""Pictor: start the UI, or run one CLI command. Parses arguments and prints; nothing more."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, NoReturn

from pydantic import ValidationError

DATA_DIR_HELP = (
    "where the catalog and thumbnails live (default: PICTOR_DATA_DIR, else the per-user "
    "data folder); may come before or after the command"
)


RANDOM_WARNING = (
    "warning: CLIP uses RANDOM weights (PICTOR_CLIP_PRETRAINED=random): embeddings are "
    "meaningless, for tests and benchmarks only"
)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (status 2), like every other error."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"error: {message} (see: {self.prog} --help)\n")
        sys.exit(2)


def whole_number(low: int, high: int):
    """An argparse type: an integer in [low, high], else one clear line."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low:,} to {high:,} (got {text})")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="launch.py", description=__doc__)
    parser.add_argument("--data-dir", help=DATA_DIR_HELP)
    parser.add_argument("--host", help="UI address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="UI port (default 7860)")
    parser.add_argument(
        "--share",
        action="store_true",
        default=None,
        help="also serve the UI on a public gradio.live link",
    )
    parser.add_argument("--auth", help="protect the UI with USER:PASSWORD")
    parser.add_argument(
        "--auth-file",
        help="protect the UI with the USER:PASSWORD lines of this file (keeps passwords out "
        "of the process list; should be chmod 600)",
    )
    # Also accepted after the command; SUPPRESS keeps a value given before it.
    common = OneLineParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS, help=DATA_DIR_HELP)
    commands = parser.add_subparsers(dest="command")

    commands.add_parser("ui", parents=[common], help="start the web UI (the default)")

    index = commands.add_parser("index", parents=[common], help="index folders (incremental)")
    index.add_argument("folders", nargs="*", help="folders to index (default: every known root)")
    index.add_argument("--threads", type=int, help="decode threads (default: CPU count)")
    index.add_argument(
        "--no-embed",
        dest="embed",
        action="store_false",
        default=None,
        help="skip CLIP embeddings (scan, metadata, hashes and thumbnails only)",
    )
    index.add_argument(
        "--no-wait",
        action="store_true",
        help="if another run is indexing this data folder, exit (status 2) instead of waiting",
    )
    index.add_argument("--json", action="store_true", help="print one JSON document")
    index.add_argument(
        "--progress",
        choices=("auto", "bar", "json", "none"),
        default="auto",
        help="progress on stderr: auto (a bar when stderr is a terminal, else none), bar, "
        'none, or json (one line per update: {"stage", "done", "total", "rate", '
        '"eta_seconds"}; stage is "scan" then "index")',
    )

    status = commands.add_parser("status", parents=[common], help="catalog counts")
    status.add_argument("--json", action="store_true", help="print one JSON document")

    errors = commands.add_parser(
        "errors", parents=[common], help="files that could not be indexed, and why"
    )
    errors.add_argument(
        "--limit",
        type=whole_number(1, 1_000_000),
        default=100,
        help="at most this many errors and warnings (default 100)",
    )
    errors.add_argument("--json", action="store_true", help="print one JSON document")
    add_search_parser(commands, common)
    add_list_parser(commands, common)
    return parser


def add_search_parser(commands, common: argparse.ArgumentParser) -> None:
    search = commands.add_parser(
        "search", parents=[common], help="semantic search by text, by image, or both"
    )
    search.add_argument("text", nargs="?", default="", help='what to look for, e.g. "red car"')
    search.add_argument("--image", help="an image file: find similar ones (text optional)")
    search.add_argument(
        "--not",
        dest="negative",
        action="append",
        default=[],
        help='terms to push away, comma-separated, e.g. --not "blurry, text" (repeatable)',
    )
    search.add_argument(
        "--image-weight",
        type=float,
        default=0.5,
        help="with both text and image: the image's share, 0 (text only) to 1 (default 0.5)",
    )
    search.add_argument("--top", type=int, default=20, help="results per page (default 20)")
    search.add_argument("--page", type=int, default=1, help="which page (default 1)")
    search.add_argument(
        "--min-score", type=float, default=-1.0, help="cosine similarity cut-off in [-1, 1]"
    )
    search.add_argument("--folder", help="only images with a file under this folder")
    search.add_argument("--min-width", type=int, help="only images at least this wide")
    search.add_argument("--min-height", type=int, help="only images at least this tall")
    search.add_argument("--min-rating", type=float, help="only images rated (or predicted) >= this")
    search.add_argument(
        "--exclude-text", help='hide images CLIP puts in these categories, e.g. "nsfw,screenshot"'
    )
    search.add_argument("--json", action="store_true", help="print one JSON document")


def make_settings(args: argparse.Namespace):
    from indexing.settings import Settings

    overrides: dict[str, Any] = {}
    for flag, key in (
        ("data_dir", "data_dir"),
        ("host", "host"),
        ("port", "port"),
        ("share", "share"),
        ("auth", "auth"),
        ("auth_file", "auth_file"),
        ("threads", "threads"),
        ("embed", "embed"),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            overrides[key] = value
    return Settings(**overrides)


def emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    if getattr(args, "json", False):
        json.dump(data, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(text)


def cmd_index(args: argparse.Namespace, settings) -> int:
    from app.cli_progress import cli_progress
    from indexing.errors import PictorError
    from indexing.library import Library

    library = Library(settings)
    folders = args.folders
    if not folders:
        with library.open_catalog() as catalog:
            folders = catalog.roots()
        if not folders:
            raise PictorError("no folders to index: give one, e.g. launch.py index ~/Pictures")
    progress = cli_progress(args.progress)

    def waiting(pid: int | None) -> None:
        who = f" (pid {pid})" if pid else ""
        print(f"waiting for another indexing run{who} to finish…", file=sys.stderr, flush=True)

    try:
        summary = library.index(folders, progress, wait=not args.no_wait, on_wait=waiting)
    finally:
        progress.close()
    data = summary.as_dict()
    embeddings = summary.embeddings
    if embeddings is not None and embeddings.message:
        print(f"warning: {embeddings.message}", file=sys.stderr)
    elif embeddings is not None and settings.clip_pretrained == "random":
        print(RANDOM_WARNING, file=sys.stderr)
    lines = [
        f"Indexed {', '.join(summary.roots)} in {summary.seconds:.1f}s: "
        f"{summary.files_seen} files seen, {summary.new} new, {summary.changed} changed, "
        f"{summary.moved} moved, {summary.deleted} deleted, {summary.unchanged} unchanged, "
        f"{len(summary.errors)} errors."
    ]
    lines += [f"  error: {e.path}: {e.reason}" for e in summary.errors[:50]]
    if len(summary.errors) > 50:
        lines.append(f"  … and {len(summary.errors) - 50} more (see: launch.py errors)")
    lines += [f"  warning: {w.path}: {w.message}" for w in summary.warnings[:50]]
    if embeddings is not None:
        lines.append(
            f"Embeddings ({embeddings.model}): {embeddings.embedded} new, "
            f"{embeddings.failed} failed, {embeddings.pending} pending."
        )
    emit(args, data, "\n".join(lines))
    return 0


def cmd_status(args: argparse.Namespace, settings) -> int:
    from indexing.library import Library
    from indexing.query import details

    library = Library(settings)
    with library.open_catalog() as catalog:
        data = details.status(catalog)
        data["model"] = library.model_id
        data["embeddings"] = catalog.embedding_counts(library.model_id)
        data["models"] = details.embedded_models(catalog)
    data["data_dir"] = str(settings.data_dir)
    formats = ", ".join(f"{k} {v}" for k, v in data["formats"].items()) or "none"
    text = (
        f"{data['images']} images in {data['files']} files ({data['total_bytes'] / 1e6:.1f} MB), "
        f"{data['missing_files']} missing, {data['errors']} errors\n"
        f"formats: {formats}\nroots: {', '.join(r['path'] for r in data['roots']) or 'none'}\n"
        f"catalog: {data['catalog']} (schema v{data['schema_version']})\n"
        f"embeddings ({data['model']}): {data['embeddings']['done']} done, "
        f"{data['embeddings']['failed']} failed, {data['embeddings']['pending']} pending"
    )
    emit(args, data, text)
    return 0


def cmd_errors(args: argparse.Namespace, settings) -> int:
    from indexing.library import Library
    from indexing.query import details

    with Library(settings).open_catalog() as catalog:
        rows = details.errors(catalog, args.limit)
        warnings = details.warnings(catalog, args.limit)
    lines = [f"{r['path']}: {r['reason']}" for r in rows]
    lines += [f"warning: {w['path']}: {w['message']}" for w in warnings]
    emit(args, {"errors": rows, "warnings": warnings}, "\n".join(lines) or "No errors.")
    return 0


def cmd_search(args: argparse.Namespace, settings) -> int:
    from indexing.errors import PictorError
    from indexing.library import Library
    from indexing.query.filters import Filter
    from indexing.query.search import Searcher, SearchQuery, parse_negative, validate

    if args.image is not None and not args.image.strip():
        raise PictorError("--image needs the path of an image file")
    query = SearchQuery(
        text=args.text,
        image_path=args.image,
        negative=parse_negative(args.negative),
        image_weight=args.image_weight,
        top=args.top,
        min_score=args.min_score,
        page=args.page,
        filter=Filter.parse(
            folder=args.folder,
            min_width=args.min_width,
            min_height=args.min_height,
            min_rating=args.min_rating,
            exclude_text=args.exclude_text,
        ),
    )
    validate(query)  # a bad query fails in one line, before any model loads
    results = Searcher.for_library(Library(settings)).search(query)
    if settings.clip_pretrained == "random":
        print(RANDOM_WARNING, file=sys.stderr)
    for note in results.notes:
        print(f"note: {note}", file=sys.stderr)
    lines = [f"{hit.score:.3f}  {hit.path}" for hit in results.hits]
    if not lines:
        lines = ["No results." + (" Try a lower --min-score." if args.min_score > -1 else "")]
    elif results.has_more:
        lines.append(f"(more: --page {args.page + 1})")
    emit(args, results.as_dict(), "\n".join(lines))
    return 0


def add_list_parser(commands, common: argparse.ArgumentParser) -> None:
    from indexing.query.filters import SortKey

    lister = commands.add_parser(
        "list", parents=[common], help="list images by filters and a sort (the Filters tab)"
    )
    lister.add_argument(
        "--sort",
        default="taken",
        help=f"one of: {', '.join(k.value for k in SortKey)} (default taken)",
    )
    lister.add_argument("--desc", action="store_true", help="descending (largest, newest first)")
    for name, kind, what in LIST_RANGES:
        lister.add_argument(f"--min-{name}", type=kind, help=f"at least this {what}")
        lister.add_argument(f"--max-{name}", type=kind, help=f"at most this {what}")
    lister.add_argument("--from", dest="taken_from", help="taken on or after YYYY-MM-DD")
    lister.add_argument("--to", dest="taken_to", help="taken on or before YYYY-MM-DD")
    lister.add_argument("--format", help="formats, comma-separated, e.g. JPEG,PNG")
    lister.add_argument("--folder", help="only images with a file under this folder")
    rated = lister.add_mutually_exclusive_group()
    rated.add_argument("--rated", dest="rated", action="store_const", const=True)
    rated.add_argument("--unrated", dest="rated", action="store_const", const=False)
    lister.add_argument(
        "--exclude-text", help='hide images CLIP puts in these categories, e.g. "nsfw,screenshot"'
    )
    lister.add_argument("--only-text", help='keep only images CLIP puts in these, e.g. "beach"')
    lister.add_argument(
        "--sensitivity", type=float, help="text categories: 0 to 1, higher matches more (0.5)"
    )
    lister.add_argument("--seed", type=int, default=0, help="the random order's seed")
    lister.add_argument("--page", type=int, default=1)
    lister.add_argument("--page-size", type=int, default=60)
    lister.add_argument("--json", action="store_true", help="print one JSON document")


# (flag name, type, help) of each min/max pair of `list`; the Filter field follows the flag.
LIST_RANGES = (
    ("width", int, "width in pixels"),
    ("height", int, "height in pixels"),
    ("pixels", int, "number of pixels (width x height)"),
    ("proportion", float, "width / height"),
    ("size", int, "file size in bytes"),
    ("rating", float, "rating, yours else predicted (0-10)"),
)
LIST_FIELDS = {"proportion": "aspect", "size": "bytes"}


def cmd_list(args: argparse.Namespace, settings) -> int:
    from app.components import format_bytes
    from indexing.library import Library
    from indexing.query.filters import Filter, parse_sort
    from indexing.query.listing import ListRequest, list_library

    ranges = {
        f"{bound}_{LIST_FIELDS.get(name, name)}": getattr(args, f"{bound}_{name}")
        for name, _, _ in LIST_RANGES
        for bound in ("min", "max")
    }
    flt = Filter.parse(
        **ranges,
        taken_from=args.taken_from,
        taken_to=args.taken_to,
        formats=args.format,
        folder=args.folder,
        rated=args.rated,
        exclude_text=args.exclude_text,
        only_text=args.only_text,
        text_sensitivity=args.sensitivity,
    )
    request = ListRequest.parse(
        filter=flt,
        sort=parse_sort(args.sort),
        descending=args.desc,
        seed=args.seed,
        page=args.page,
        page_size=args.page_size,
    )
    listing = list_library(Library(settings), request)
    lines = [
        f"{item.rating_label:>16}  {item.width}×{item.height} {item.format:4} "
        f"{format_bytes(item.bytes):>9}  {(item.taken_at or '')[:10]:10}  {item.path}"
        for item in listing.items
    ]
    lines.append(f"{listing.count_line} · page {request.page} of {listing.pages}")
    emit(args, listing.as_dict(), "\n".join(lines))
    return 0


def cmd_ui(args: argparse.Namespace, settings) -> int:
    from app.exposure import check_exposure, credentials

    # Refuse an unprotected --share (or a bad --auth) before gradio is even imported.
    logins = credentials(settings.auth, settings.auth_file, warn=lambda _: None)
    check_exposure(settings.host, settings.port, settings.share, logins)
    from app.ui import launch_ui

    launch_ui(settings)
    return 0


COMMANDS = {"index": cmd_index, "status": cmd_status, "errors": cmd_errors, "ui": cmd_ui}
COMMANDS["search"] = cmd_search
COMMANDS["list"] = cmd_list


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from indexing.errors import PictorError

    try:
        settings = make_settings(args)
        return COMMANDS[args.command or "ui"](args, settings)
    except PictorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        print(f"error: invalid setting {where}: {first['msg']}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line, never a traceback (PICTOR_DEBUG=1 shows it)
        if os.environ.get("PICTOR_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""Pictor: start the UI, or run one CLI command. Parses arguments and prints; nothing more."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pydantic import ValidationError

DATA_DIR_HELP = (
    "where the catalog and thumbnails live (default: PICTOR_DATA_DIR, else the per-user "
    "data folder); may come before or after the command"
)


RANDOM_WARNING = (
    "warning: CLIP uses RANDOM weights (PICTOR_CLIP_PRETRAINED=random): embeddings are "
    "meaningless, for tests and benchmarks only"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="launch.py", description=__doc__)
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
    # Also accepted after the command; SUPPRESS keeps a value given before it.
    common = argparse.ArgumentParser(add_help=False)
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
    errors.add_argument("--limit", type=int, default=100)
    errors.add_argument("--json", action="store_true", help="print one JSON document")
    return parser


def make_settings(args: argparse.Namespace):
    from indexing.settings import Settings

    overrides: dict[str, Any] = {}
    for flag, key in (
        ("data_dir", "data_dir"),
        ("host", "host"),
        ("port", "port"),
        ("share", "share"),
        ("auth", "auth"),
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
    from indexing.cli_progress import cli_progress
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
    try:
        summary = library.index(folders, progress)
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
    if embeddings is not None:
        lines.append(
            f"Embeddings ({embeddings.model}): {embeddings.embedded} new, "
            f"{embeddings.failed} failed, {embeddings.pending} pending."
        )
    emit(args, data, "\n".join(lines))
    return 0


def cmd_status(args: argparse.Namespace, settings) -> int:
    from indexing import query
    from indexing.library import Library

    library = Library(settings)
    with library.open_catalog() as catalog:
        data = query.status(catalog)
        data["model"] = library.model_id
        data["embeddings"] = catalog.embedding_counts(library.model_id)
        data["models"] = query.embedded_models(catalog)
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
    from indexing import query
    from indexing.library import Library

    with Library(settings).open_catalog() as catalog:
        rows = query.errors(catalog, args.limit)
    emit(
        args,
        {"errors": rows},
        "\n".join(f"{r['path']}: {r['reason']}" for r in rows) or "No errors.",
    )
    return 0


def cmd_ui(args: argparse.Namespace, settings) -> int:
    from app.ui import launch_ui

    launch_ui(settings)
    return 0


COMMANDS = {"index": cmd_index, "status": cmd_status, "errors": cmd_errors, "ui": cmd_ui}


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


if __name__ == "__main__":
    sys.exit(main())

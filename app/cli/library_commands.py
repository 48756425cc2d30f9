"""`index`, `status` and `errors`: building the catalog and reporting on it."""

from __future__ import annotations

import argparse
import sys

from app.cli.common import RANDOM_WARNING, Commands, Handler, emit, whole_number
from indexing.library import Library


def register(commands: Commands, common: argparse.ArgumentParser) -> dict[str, Handler]:
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
    forget = commands.add_parser(
        "forget",
        parents=[common],
        help="stop watching a library folder: forget its files (nothing on disk changes)",
    )
    forget.add_argument("folder", help="a library folder, as `status` lists it")
    forget.add_argument("--yes", action="store_true", help="yes, forget it")
    forget.add_argument("--json", action="store_true", help="print one JSON document")
    return {"index": cmd_index, "status": cmd_status, "errors": cmd_errors, "forget": cmd_forget}


def cmd_forget(args: argparse.Namespace, library: Library) -> int:
    from indexing.errors import PictorError
    from indexing.library import forget_sentence

    if not args.yes:
        preview = library.forget_folder(args.folder, dry_run=True)
        raise PictorError(f"{forget_sentence(preview, False)} Add --yes to confirm")
    report = library.forget_folder(args.folder)
    emit(args, report, forget_sentence(report, True))
    return 0


def cmd_index(args: argparse.Namespace, library: Library) -> int:
    from app.cli.progress import cli_progress
    from indexing.errors import PictorError

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
    from evaluator.service import predict_new

    data = summary.as_dict()
    data["predicted"] = predict_new(library)  # new images, rated by the active evaluator
    embeddings = summary.embeddings
    if embeddings is not None and embeddings.message:
        print(f"warning: {embeddings.message}", file=sys.stderr)
    elif embeddings is not None and library.settings.clip_pretrained == "random":
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
    text = summary.text
    if text is not None and text["message"]:
        print(f"warning: {text['message']}", file=sys.stderr)
    elif text is not None:
        lines.append(
            f"Text in images: {text['read']} read, {text['with_text']} with text, "
            f"{text['failed']} failed, {text['pending']} pending."
        )
    emit(args, data, "\n".join(lines))
    return 0


def cmd_status(args: argparse.Namespace, library: Library) -> int:
    with library.open_catalog() as catalog:
        data = library.status(catalog)
    formats = ", ".join(f"{k} {v}" for k, v in data["formats"].items()) or "none"
    text = (
        f"{data['images']} images in {data['files']} files ({data['total_bytes'] / 1e6:.1f} MB), "
        f"{data['missing_files']} missing, {data['errors']} errors\n"
        f"formats: {formats}\nroots: {', '.join(r['path'] for r in data['roots']) or 'none'}\n"
        f"catalog: {data['catalog']} (schema v{data['schema_version']})\n"
        f"embeddings ({data['model']}): {data['embeddings']['done']} done, "
        f"{data['embeddings']['failed']} failed, {data['embeddings']['pending']} pending\n"
        f"text in images: {data['text']['read']} read, {data['text']['with_text']} with text, "
        f"{data['text']['pending']} pending" + ("" if data["text"]["enabled"] else " (off)")
    )
    emit(args, data, text)
    return 0


def cmd_errors(args: argparse.Namespace, library: Library) -> int:
    from indexing.query import details

    with library.open_catalog() as catalog:
        rows = details.errors(catalog, args.limit)
        warnings = details.warnings(catalog, args.limit)
    lines = [f"{r['path']}: {r['reason']}" for r in rows]
    lines += [f"warning: {w['path']}: {w['message']}" for w in warnings]
    emit(args, {"errors": rows, "warnings": warnings}, "\n".join(lines) or "No errors.")
    return 0

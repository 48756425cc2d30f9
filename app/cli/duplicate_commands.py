"""`duplicates`: groups of exact copies, near-identical images, similar images, or clusters."""

from __future__ import annotations

import argparse
import os

from app.cli.common import Handler, emit, whole_number
from app.cli.progress import cli_progress
from indexing.curate.ratings import content_id_for_path
from indexing.errors import PictorError
from indexing.library import Library
from indexing.query.duplicates import TIERS, duplicates_of, find_groups


def register(commands, common: argparse.ArgumentParser) -> dict[str, Handler]:
    duplicates = commands.add_parser(
        "duplicates",
        parents=[common],
        help="groups of copies (exact), near-identical or similar images, or clusters",
    )
    duplicates.add_argument("--tier", choices=TIERS, default="exact")
    duplicates.add_argument(
        "--threshold",
        type=float,
        help="near: the most differing hash bits (default 10); similar: the least cosine "
        "similarity (default 0.9)",
    )
    duplicates.add_argument("--page", type=whole_number(1, 1_000_000), default=1)
    duplicates.add_argument(
        "--of",
        metavar="PATH",
        help="only the group of this image: its exact copies, else its near-identical, "
        "else its similar images",
    )
    duplicates.add_argument("--json", action="store_true", help="print one JSON document")
    return {"duplicates": cmd_duplicates}


def cmd_duplicates(args: argparse.Namespace, settings) -> int:
    library = Library(settings)
    progress = cli_progress("auto")  # comparing what is new can take a while: on stderr
    try:
        if args.of:
            full = os.path.abspath(os.path.expanduser(args.of))
            if not os.path.isfile(full):  # the catalog may still list it until the next index
                raise PictorError(f"no such file: {full}")
            with library.open_catalog() as catalog:
                content_id = content_id_for_path(catalog, args.of)
            groups = duplicates_of(library, content_id, progress)
        else:
            groups = find_groups(library, args.tier, args.threshold, args.page, progress)
    finally:
        progress.close()
    lines = []
    for number, group in enumerate(groups.groups, start=(groups.page - 1) * 20 + 1):
        size = f" (a cluster of {group.size:,})" if group.size else ""
        lines.append(f"group {number}{size}:")
        for index, member in enumerate(group.members):
            mark = "keep " if index == group.keeper and not group.size else "     "
            lines.append(f"  {mark}{member.width}×{member.height}  {member.path}")
    summary = f"{groups.total:,} groups · page {groups.page} of {groups.pages}"
    if groups.total:
        lines.append(f"{groups.tier} tier" if args.of else summary)
    elif not args.of:  # --of: the note says that image has none
        lines.append("No groups in this tier.")
    lines += [f"note: {note}" for note in groups.notes]
    emit(args, groups.as_dict(), "\n".join(lines))
    return 0

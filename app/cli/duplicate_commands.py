"""`duplicates`: groups of exact copies, near-identical images, similar images, or clusters;
and the "not duplicates" decisions (--dismiss, --show-dismissed, --reset-dismissed)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable

from app.cli.common import Commands, Handler, emit, whole_number
from app.cli.progress import cli_progress
from app.cli.streaming import stream_document
from indexing.curate.dismissals import Dismissals, dismiss
from indexing.errors import PictorError
from indexing.library import Library
from indexing.query.duplicates import (
    TIERS,
    Group,
    default_threshold,
    duplicates_of,
    every_group,
    find_groups,
)
from indexing.store.files import content_id_for_path

CLI_GROUPS_PER_PAGE = 20  # a page of `duplicates` (the UI's pages are 10: one slot each)


def register(commands: Commands, common: argparse.ArgumentParser) -> dict[str, Handler]:
    duplicates = commands.add_parser(
        "duplicates",
        parents=[common],
        help="groups of copies (exact), near-identical or similar images, or clusters",
    )
    duplicates.add_argument("--tier", choices=TIERS, help="(default exact)")
    duplicates.add_argument(
        "--threshold",
        type=float,
        help="near: the most differing hash bits (default 10); similar: the least cosine "
        "similarity (default 0.9)",
    )
    duplicates.add_argument("--page", type=whole_number(1, 1_000_000), default=1)
    duplicates.add_argument(
        "--all",
        action="store_true",
        help="every group, not one page (--json: one document, written as it goes)",
    )
    duplicates.add_argument(
        "--of",
        metavar="PATH",
        help="only the group of this image in --tier; with no --tier its exact copies, else "
        "its near-identical, else its similar images",
    )
    decisions = duplicates.add_mutually_exclusive_group()
    decisions.add_argument(
        "--dismiss",
        nargs="+",
        metavar="GROUP|PATH",
        help='"not duplicates": group numbers of --tier (as listed), or images: two or more '
        "are kept apart from one another, one leaves its --tier group",
    )
    decisions.add_argument(
        "--show-dismissed", action="store_true", help="list the not-duplicates decisions"
    )
    decisions.add_argument(
        "--reset-dismissed",
        nargs="+",
        metavar="ID|all",
        help="forget these decisions (ids from --show-dismissed), or all of them",
    )
    duplicates.add_argument("--json", action="store_true", help="print one JSON document")
    return {"duplicates": cmd_duplicates}


def cmd_duplicates(args: argparse.Namespace, library: Library) -> int:
    if args.show_dismissed:
        return _show_dismissed(args, library)
    if args.reset_dismissed:
        return _reset_dismissed(args, library)
    if args.dismiss:
        return _dismiss(args, library)
    tier = args.tier or "exact"
    progress = cli_progress("auto")  # comparing what is new can take a while: on stderr
    try:
        if args.all:
            if args.of:
                raise PictorError("--all lists every group; --of shows one image's group")
            total, groups = every_group(library, tier, args.threshold, progress)
        elif args.of:
            content_id = _content_of(library, args.of)
            found = duplicates_of(library, content_id, progress, None, args.tier, args.threshold)
        else:
            found = find_groups(
                library, tier, args.threshold, args.page, progress, per_page=CLI_GROUPS_PER_PAGE
            )
    finally:
        progress.close()
    if args.all:
        return _print_all(args, tier, total, groups)
    lines = []
    for number, group in enumerate(found.groups, start=found.first_number):
        lines += _group_lines(number, group)
    summary = f"{found.total:,} groups · page {found.page} of {found.pages}"
    if found.total:
        lines.append(f"{found.tier} tier" if args.of else summary)
    elif not args.of:  # --of: the note says that image has none
        lines.append("No groups in this tier.")
    lines += [f"note: {note}" for note in found.notes]
    emit(args, found.as_dict(), "\n".join(lines))
    return 0


def _group_lines(number: int, group: Group) -> list[str]:
    size = f" (a cluster of {group.size:,})" if group.size else ""
    lines = [f"group {number}{size}:"]
    for index, member in enumerate(group.members):
        mark = "keep " if index == group.keeper and not group.size else "     "
        lines.append(f"  {mark}{member.width}×{member.height}  {member.path}")
    return lines


def _print_all(args: argparse.Namespace, tier: str, total: int, groups: Iterable[Group]) -> int:
    """Every group, written as each page of them is read (never one list of them all)."""
    if args.json:
        threshold = default_threshold(tier, args.threshold)
        head = {"tier": tier, "threshold": threshold, "total_groups": total}
        stream_document(head, "groups", (group.as_dict() for group in groups))
        return 0
    for number, group in enumerate(groups, start=1):
        print("\n".join(_group_lines(number, group)))
    print(f"{total:,} groups" if total else "No groups in this tier.")
    return 0


def _content_of(library: Library, path: str) -> str:
    full = os.path.abspath(os.path.expanduser(path))
    if not os.path.isfile(full):  # the catalog may still list it until the next index
        raise PictorError(f"no such file: {full}")
    with library.open_catalog() as catalog:
        return content_id_for_path(catalog, path)


def _dismiss(args: argparse.Namespace, library: Library) -> int:
    """--dismiss GROUP [GROUP ...] (numbers as listed) or --dismiss PATH [PATH ...]."""
    chosen = args.dismiss
    tier = args.tier or "exact"
    if all(c.isdigit() and not os.path.exists(c) for c in chosen):
        made = dismiss(library, tier, args.threshold, groups=[int(c) for c in chosen])
    else:
        ids = [_content_of(library, path) for path in chosen]
        made = dismiss(library, tier, args.threshold, content_ids=ids)
    data = {"dismissed": [d.as_dict() for d in made]}
    text = "\n".join(f"dismissal {d.id}: not duplicates: {', '.join(d.paths)}" for d in made)
    emit(args, data, text + "\n(undo: duplicates --reset-dismissed ID)")
    return 0


def _show_dismissed(args: argparse.Namespace, library: Library) -> int:
    with library.open_catalog() as catalog:
        listed = Dismissals(catalog).listed()
    lines = [f"{d.id}: {', '.join(d.paths) or ', '.join(d.content_ids)}" for d in listed]
    emit(args, {"dismissed": [d.as_dict() for d in listed]}, "\n".join(lines) or "None.")
    return 0


def _reset_dismissed(args: argparse.Namespace, library: Library) -> int:
    chosen = args.reset_dismissed
    if chosen == ["all"]:
        ids = None
    elif all(c.isdigit() for c in chosen):
        ids = [int(c) for c in chosen]
    else:
        raise PictorError("--reset-dismissed takes dismissal ids (see --show-dismissed) or all")
    with library.open_catalog() as catalog:
        gone = Dismissals(catalog).reset(ids)
    emit(args, {"reset": gone}, f"Reset {gone} decision(s): those groups can show again.")
    return 0

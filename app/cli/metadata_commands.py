"""`find`, `facets` and `timeline`: finding images by names and metadata, and browsing them."""

from __future__ import annotations

import argparse

from app.cli.common import Commands, Handler, emit, whole_number
from app.cli.people_commands import add_person_flags, person_filter
from indexing.curate.smart_albums import resolve_smart_album
from indexing.library import Library
from indexing.names.wording import plural
from indexing.query.filters import Filter
from indexing.query.metadata_search import FindResults, Found


def register(commands: Commands, common: argparse.ArgumentParser) -> dict[str, Handler]:
    find = commands.add_parser(
        "find",
        parents=[common],
        help="find by file name, folder, AI prompt, camera, place or subject (full text)",
        description=(
            'Words match whole words; "a phrase" in quotes; word* for a prefix; field:word '
            "for one field (name, folder, prompt, camera, lens, place, subject, text: only "
            "the words read in the image, caption); album:, tag: and person: filter; -word "
            "or NOT word to leave out; OR between alternatives."
        ),
    )
    find.add_argument("text", nargs="?", default="", help='e.g. "cyberpunk fox" or invoice*')
    _facet_flags(find)
    find.add_argument("--camera", help="camera make or model (matches the start of words)")
    find.add_argument("--place", help="city, region or country (matches the start of words)")
    find.add_argument("--subject", help="a subject tag, e.g. beach (matches the start of words)")
    find.add_argument("--top", type=whole_number(1, 1000), default=20, help="per page (20)")
    find.add_argument("--page", type=whole_number(1, 10_000_000), default=1, help="page (1)")
    find.add_argument(
        "--all", action="store_true", help="every match, not one page (--json: streamed)"
    )
    find.add_argument("--json", action="store_true", help="print one JSON document")

    facets = commands.add_parser(
        "facets",
        parents=[common],
        help="what the library holds: counts by year, month, camera, lens, place, format, "
        "folder and subject",
    )
    facets.add_argument("--query", help="count only what this `find` query matches")
    _facet_flags(facets)
    _exact_flags(facets)
    facets.add_argument("--json", action="store_true", help="print one JSON document")

    timeline = commands.add_parser(
        "timeline", parents=[common], help="the library by day or month, newest first, and events"
    )
    timeline.add_argument("--by", choices=("day", "month"), default="month", help="(month)")
    timeline.add_argument("--page", type=whole_number(1, 10_000_000), default=1, help="page (1)")
    _facet_flags(timeline)
    _exact_flags(timeline)
    timeline.add_argument("--json", action="store_true", help="print one JSON document")
    return {"find": cmd_find, "facets": cmd_facets, "timeline": cmd_timeline}


def _facet_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--year", type=whole_number(1000, 9999), help="only this year")
    parser.add_argument("--month", help="only this month, YYYY-MM")
    parser.add_argument("--day", help="only this day, YYYY-MM-DD")
    parser.add_argument("--country", help="only this country, by its code (e.g. PT)")
    parser.add_argument("--city", help="only this city (a facet value, e.g. Lisbon or PT/Lisbon)")
    parser.add_argument("--lens", help="only this lens (a facet value)")
    parser.add_argument("--format", dest="formats", help="only these formats, e.g. jpeg,png")
    parser.add_argument("--folder", help="only images with a file under this folder")
    parser.add_argument("--album", help='only images in this album, e.g. "Summer 2024"')
    parser.add_argument("--tag", help="only images with this tag or one under it")
    add_person_flags(parser)
    text = parser.add_mutually_exclusive_group()
    text.add_argument(
        "--has-text",
        dest="has_text",
        action="store_const",
        const=True,
        help="only images with text read in them (OCR)",
    )
    text.add_argument(
        "--no-text",
        dest="has_text",
        action="store_const",
        const=False,
        help="only images read and found to have no text",
    )


def _exact_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--camera", help="only this camera (a facet value, e.g. 'Fujifilm X-T4')")
    parser.add_argument("--subject", help="only images tagged with this subject (a facet value)")


def _filter(
    args: argparse.Namespace, camera: str | None = None, subject: str | None = None
) -> Filter:
    return Filter.parse(
        year=args.year,
        month=args.month,
        day=args.day,
        country=args.country,
        city=args.city,
        lens=args.lens,
        formats=args.formats,
        folder=args.folder,
        album=args.album,
        tag=args.tag,
        camera=camera,
        subject=subject,
        **person_filter(args),
        has_text=args.has_text,
    )


def cmd_find(args: argparse.Namespace, library: Library) -> int:
    from indexing.errors import PictorError
    from indexing.query.metadata_search import find, flag_terms, split_organised

    text = " ".join(
        part
        for part in (args.text, flag_terms(args.camera, args.place, args.subject))
        if part and part.strip()
    )
    if not text:
        raise PictorError('give words to find, e.g. find "cyberpunk fox" or find --camera fuji')

    text, words_filter = split_organised(text, _filter(args))  # album:"…" may be a smart one
    flt = resolve_smart_album(library, words_filter or Filter())

    def read(page: int, page_size: int) -> FindResults:
        with library.open_catalog() as catalog:
            return find(catalog, text, flt, page=page, page_size=page_size)

    def summary(results: FindResults) -> str:
        verb = "matches" if results.matching == 1 and not results.more_than else "match"
        return f"{results.counted('image')} {verb} {text!r}"

    def line(item: Found) -> str:
        return f"{item.path}  [{'; '.join(m.label() for m in item.matched)}]"

    if args.all:
        from app.cli.streaming import PAGE, print_all

        return print_all(args, lambda page: read(page, PAGE), line, summary)
    results = read(args.page, args.top)
    lines = [summary(results), *(line(item) for item in results.items)]
    emit(args, results.as_dict(), "\n".join(lines))
    return 0


def cmd_facets(args: argparse.Namespace, library: Library) -> int:
    from indexing.query.facets import facets

    with library.open_catalog() as catalog:
        result = facets(
            catalog,
            resolve_smart_album(library, _filter(args, args.camera, args.subject)),
            args.query,
            subject_note=lambda: library.subject_note(catalog),
        )
    lines = [plural(result.matching, "image")]
    for facet in result.facets:
        lines.append(f"\n{facet.title}:")
        if not facet.values:
            lines.append(f"  ({facet.note or 'none'})")
        for value in facet.values:
            lines.append(f"  {value.count:>8,}  {value.label}")
        if facet.more:
            lines.append("  …")
    emit(args, result.as_dict(), "\n".join(lines))
    return 0


def cmd_timeline(args: argparse.Namespace, library: Library) -> int:
    from indexing.query.timeline import timeline

    with library.open_catalog() as catalog:
        flt = resolve_smart_album(library, _filter(args, args.camera, args.subject))
        result = timeline(catalog, flt, args.by, args.page)
    lines = [
        f"{plural(result.images, 'image')} in {plural(result.groups_total, args.by)} "
        f"(page {result.page} of {result.pages})"
    ]
    for group in result.groups:
        lines.append(f"{group.label}: {group.count:,} ({group.source_line})")
    if result.events:
        lines.append("\nEvents:")
        lines.extend(f"  {event.label}" for event in result.events)
    emit(args, result.as_dict(), "\n".join(lines))
    return 0

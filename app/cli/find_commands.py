"""`search` and `list`: finding images by meaning, and by filters and a sort."""

from __future__ import annotations

import argparse
import sys

from app.cli.common import RANDOM_WARNING, Commands, Handler, emit
from app.cli.people_commands import add_person_flags, person_filter
from app.cli.streaming import PAGE, print_all
from indexing.curate.smart_albums import resolve_smart_album
from indexing.library import Library
from indexing.names.wording import format_bytes
from indexing.query.filters import Filter
from indexing.query.listing import ListedImage, Listing


def register(commands: Commands, common: argparse.ArgumentParser) -> dict[str, Handler]:
    add_search_parser(commands, common)
    add_list_parser(commands, common)
    return {"search": cmd_search, "list": cmd_list}


def add_search_parser(commands: Commands, common: argparse.ArgumentParser) -> None:
    search = commands.add_parser(
        "search", parents=[common], help="semantic search by text, by image, or both"
    )
    search.add_argument("text", nargs="?", default="", help='what to look for, e.g. "red car"')
    search.add_argument(
        "--image",
        help="an image file: find similar ones (text optional); a video clip or an animated "
        "GIF: find the video it comes from, and where",
    )
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
    search.add_argument(
        "--taste",
        type=float,
        default=0.0,
        help="0 to 1: blend in your rating (else the predicted one) to get the best matches "
        "you would like: score = similarity + taste * 0.01 * (rating - 5) (default 0)",
    )
    search.add_argument(
        "--sort",
        default="score",
        help="score (best match first, the default), newest or oldest: by date (taken, else "
        "the file's), the best 1,000 matches at or above --min-score; undated ones last",
    )
    search.add_argument("--top", type=int, default=20, help="results per page (default 20)")
    search.add_argument("--page", type=int, default=1, help="which page (default 1)")
    search.add_argument(
        "--min-score", type=float, default=-1.0, help="cosine similarity cut-off in [-1, 1]"
    )
    search.add_argument("--folder", help="only images with a file under this folder")
    search.add_argument("--album", help='only images in this album, e.g. "Summer 2024"')
    search.add_argument("--tag", help="only images with this tag or one under it")
    search.add_argument("--min-width", type=int, help="only images at least this wide")
    search.add_argument("--min-height", type=int, help="only images at least this tall")
    search.add_argument("--min-rating", type=float, help="only images rated (or predicted) >= this")
    search.add_argument("--kind", choices=("image", "video"), help="only images, or only videos")
    add_person_flags(search)
    search.add_argument(
        "--exclude-text", help='hide images CLIP puts in these categories, e.g. "nsfw,screenshot"'
    )
    search.add_argument("--json", action="store_true", help="print one JSON document")


def cmd_search(args: argparse.Namespace, library: Library) -> int:
    from indexing.errors import PictorError
    from indexing.query.organised import check_known
    from indexing.query.result_order import parse_order
    from indexing.query.search import Searcher, SearchQuery, parse_negative, validate
    from indexing.records import timecode

    if args.image is not None and not args.image.strip():
        raise PictorError("--image needs the path of an image file")
    query = SearchQuery(
        text=args.text,
        image_path=args.image,
        negative=parse_negative(args.negative),
        image_weight=args.image_weight,
        taste=args.taste,
        order=parse_order(args.sort),
        top=args.top,
        min_score=args.min_score,
        page=args.page,
        filter=resolve_smart_album(
            library,
            Filter.parse(
                folder=args.folder,
                album=args.album,
                tag=args.tag,
                min_width=args.min_width,
                min_height=args.min_height,
                min_rating=args.min_rating,
                kind=args.kind,
                exclude_text=args.exclude_text,
                **person_filter(args),
            ),
        ),
    )
    validate(query)  # a bad query fails in one line, before any model loads
    with library.open_catalog() as catalog:
        check_known(catalog, query.filter)
    results = Searcher.for_library(library).search(query)
    if library.settings.clip_pretrained == "random":
        print(RANDOM_WARNING, file=sys.stderr)
    for note in results.notes:
        print(f"note: {note}", file=sys.stderr)
    lines = [
        f"{hit.score:.3f}  "
        + (f"{hit.day or 'no date':10}  " if query.order.by_date else "")
        + hit.path
        + (f"  at {timecode(hit.moment.time)}" if hit.moment else "")
        for hit in results.hits
    ]
    if not lines:
        lines = ["No results." + (" Try a lower --min-score." if args.min_score > -1 else "")]
    elif results.has_more:
        lines.append(f"(more: --page {args.page + 1})")
    emit(args, results.as_dict(), "\n".join(lines))
    return 0


def add_list_parser(commands: Commands, common: argparse.ArgumentParser) -> None:
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
    add_list_filter_flags(lister)
    lister.add_argument("--seed", type=int, default=0, help="the random order's seed")
    lister.add_argument("--page", type=int, default=1)
    lister.add_argument("--page-size", type=int, default=60)
    lister.add_argument(
        "--all", action="store_true", help="every image, not one page (--json: streamed)"
    )
    lister.add_argument("--json", action="store_true", help="print one JSON document")


def add_list_filter_flags(lister: argparse.ArgumentParser) -> None:
    """The filter flags of `list` (also taken by `album create --smart`)."""
    for name, kind, what in LIST_RANGES:
        lister.add_argument(f"--min-{name}", type=kind, help=f"at least this {what}")
        lister.add_argument(f"--max-{name}", type=kind, help=f"at most this {what}")
    lister.add_argument("--from", dest="taken_from", help="taken on or after YYYY-MM-DD")
    lister.add_argument("--to", dest="taken_to", help="taken on or before YYYY-MM-DD")
    lister.add_argument("--format", help="formats, comma-separated, e.g. JPEG,PNG or MP4")
    lister.add_argument("--kind", choices=("image", "video"), help="only images, or only videos")
    lister.add_argument("--folder", help="only images with a file under this folder")
    lister.add_argument("--album", help='only images in this album, e.g. "Summer 2024"')
    lister.add_argument("--tag", help="only images with this tag or one under it")
    # Facet values, exactly as `facets` and `timeline` print them.
    lister.add_argument("--year", type=int, help="only this year (date taken, else file time)")
    lister.add_argument("--month", help="only this month, YYYY-MM")
    lister.add_argument("--day", help="only this day, YYYY-MM-DD")
    lister.add_argument("--camera", help='only this camera, e.g. "Fujifilm X-T4"')
    lister.add_argument("--lens", help="only this lens")
    lister.add_argument("--country", help="only this country code, e.g. PT")
    lister.add_argument("--city", help="only this city, e.g. Lisbon or PT/Lisbon")
    lister.add_argument("--subject", help="only images with this subject tag")
    add_person_flags(lister)
    rated = lister.add_mutually_exclusive_group()
    rated.add_argument("--rated", dest="rated", action="store_const", const=True)
    rated.add_argument("--unrated", dest="rated", action="store_const", const=False)
    text = lister.add_mutually_exclusive_group()
    text.add_argument(
        "--has-text", dest="has_text", action="store_const", const=True,
        help="only images with text read in them (OCR)",
    )  # fmt: skip
    text.add_argument(
        "--no-text", dest="has_text", action="store_const", const=False,
        help="only images read and found to have no text",
    )  # fmt: skip
    lister.add_argument(
        "--exclude-text", help='hide images CLIP puts in these categories, e.g. "nsfw,screenshot"'
    )
    lister.add_argument("--only-text", help='keep only images CLIP puts in these, e.g. "beach"')
    lister.add_argument(
        "--sensitivity", type=float, help="text categories: 0 to 1, higher matches more (0.5)"
    )


# (flag name, type, help) of each min/max pair of `list`; the Filter field follows the flag.
LIST_RANGES = (
    ("width", int, "width in pixels"),
    ("height", int, "height in pixels"),
    ("pixels", int, "number of pixels (width x height)"),
    ("proportion", float, "width / height"),
    ("size", int, "file size in bytes"),
    ("rating", float, "rating, yours else predicted (0-10)"),
    ("duration", float, "duration in seconds (videos only)"),
)
LIST_FIELDS = {"proportion": "aspect", "size": "bytes"}


def cmd_list(args: argparse.Namespace, library: Library) -> int:
    from indexing.query.filters import parse_sort
    from indexing.query.listing import ListRequest, list_library

    flt = resolve_smart_album(library, list_filter(args))

    def read(page: int, page_size: int) -> Listing:
        request = ListRequest.parse(
            filter=flt, sort=parse_sort(args.sort), descending=args.desc, seed=args.seed,
            page=page, page_size=page_size,
        )  # fmt: skip
        return list_library(library, request)

    def line(item: ListedImage) -> str:
        return (
            f"{item.rating_label:>16}  {item.width}×{item.height} {item.format:4} "
            f"{format_bytes(item.bytes):>9}  {(item.taken_at or '')[:10]:10}  {item.path}"
        )

    if args.all:
        return print_all(args, lambda page: read(page, PAGE), line, lambda first: first.count_line)
    listing = read(args.page, args.page_size)
    lines = [line(item) for item in listing.items]
    lines.append(f"{listing.count_line} · page {listing.request.page} of {listing.pages}")
    emit(args, listing.as_dict(), "\n".join(lines))
    return 0


def list_filter(args: argparse.Namespace) -> Filter:
    """The Filter of `list`'s flags (add_list_filter_flags)."""
    ranges = {
        f"{bound}_{LIST_FIELDS.get(name, name)}": getattr(args, f"{bound}_{name}")
        for name, _, _ in LIST_RANGES
        for bound in ("min", "max")
    }
    return Filter.parse(
        **ranges,
        taken_from=args.taken_from,
        taken_to=args.taken_to,
        formats=args.format,
        kind=args.kind,
        folder=args.folder,
        album=args.album,
        tag=args.tag,
        year=args.year,
        month=args.month,
        day=args.day,
        camera=args.camera,
        lens=args.lens,
        country=args.country,
        city=args.city,
        subject=args.subject,
        **person_filter(args),
        rated=args.rated,
        has_text=args.has_text,
        exclude_text=args.exclude_text,
        only_text=args.only_text,
        text_sensitivity=args.sensitivity,
    )

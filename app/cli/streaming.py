"""One JSON document written as it is made, for `--all`: a list of any length never builds
one giant string or list in memory. The document is still exactly one valid JSON value."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol, TextIO, TypeVar

PAGE = 1000  # items read per query while streaming


class Item(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


ItemT = TypeVar("ItemT", bound=Item, covariant=True)


class Page(Protocol[ItemT]):
    """One page of a paged command's results (a Listing, FindResults, ...)."""

    @property
    def items(self) -> Sequence[ItemT]: ...

    def as_dict(self) -> dict[str, Any]: ...


PageT = TypeVar("PageT", bound=Page[Any])


def stream_document(
    head: dict[str, Any], key: str, items: Iterable[dict[str, Any]], out: TextIO | None = None
) -> int:
    """Write {**head, key: [items...]} to out (stdout), one item at a time; return how many."""
    out = sys.stdout if out is None else out
    dump = json.dumps
    out.write("{")
    for name, value in head.items():
        out.write(f"{dump(name)}: {dump(value, ensure_ascii=False)}, ")
    out.write(f"{dump(key)}: [")
    count = 0
    for item in items:
        out.write((", " if count else "") + dump(item, ensure_ascii=False))
        count += 1
        if count % 256 == 0:
            out.flush()
    out.write("]}\n")
    out.flush()
    return count


def stream_pages(
    first: dict[str, Any], read_page: Callable[[int], list[dict[str, Any]]], key: str = "items"
) -> int:
    """Print a paged answer whole: the first page's document (its paging fields dropped)
    with `key` holding its items and those of every later page, read one at a time by
    read_page(page) until one comes back short or empty."""
    head = {k: v for k, v in first.items() if k not in (key, "page", "pages", "page_size")}

    def items() -> Iterator[dict[str, Any]]:
        page, batch = 1, first[key]
        while batch:
            yield from batch
            if len(batch) < PAGE:
                return
            page += 1
            batch = read_page(page)

    return stream_document(head, key, items())


def print_all(
    args: argparse.Namespace,
    read: Callable[[int], PageT],
    line: Callable[[Any], str],
    summary: Callable[[PageT], str],
) -> int:
    """`--all` of a paged command: every item, read PAGE at a time (--json: one document,
    written as it goes; text: a line per item, then the summary)."""
    first = read(1)
    if args.json:
        stream_pages(first.as_dict(), lambda page: [i.as_dict() for i in read(page).items])
        return 0
    page, items = 1, first.items
    while items:
        print("\n".join(line(item) for item in items), flush=True)
        if len(items) < PAGE:
            break
        page += 1
        items = read(page).items
    print(summary(first))
    return 0

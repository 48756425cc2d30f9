"""Smart albums benchmark: running a smart album (`album show`) and the first page of
`list --album SMART` over a synthetic catalog of a million images.

Usage (from the repository root):

    .venv/bin/python bench/smart_albums_bench.py              # 1,000,000 rows
    .venv/bin/python bench/smart_albums_bench.py --n 200000   # a smaller catalog

It builds the catalog as bench/albums_bench.py does (every image rated: 1 % of them at each
tenth of a point from 0.0 to 9.9), saves smart albums of `--min-rating` 9.9, 9.0 and 5.0
(1 %, 10 % and 50 % of the images, sorted by rating), and measures, in the same process,
as the CLI runs them: the whole album in its order, and the first page (60, with its count)
of a listing filtered by it; the baseline is the first page with no filter, in the same
run. Best of 3.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from albums_bench import build  # noqa: E402

from indexing.curate.smart_albums import SmartAlbums, SmartQuery  # noqa: E402
from indexing.query.filters import Filter, SortKey  # noqa: E402
from indexing.query.listing import ListRequest, list_images  # noqa: E402
from indexing.store.catalog import Catalog  # noqa: E402

REPEATS = 3


class CatalogOnly:
    """What SmartAlbums needs of a library for queries without CLIP."""

    model_id = "none"
    vectors = None

    def __init__(self, path: Path):
        self.path = path

    def open_catalog(self) -> Catalog:
        return Catalog(self.path)

    def embedder(self):  # never called: no text query, no text categories
        raise RuntimeError("no model in this benchmark")


def best(action) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.sqlite3"
        print(f"building {args.n:,} images …", file=sys.stderr, flush=True)
        build(path, args.n)
        with Catalog(path) as catalog, catalog.transaction() as conn:
            conn.execute(  # the bench's own data: a rating on every image
                "UPDATE images SET rating_key = (rowid % 100) / 10.0, rating_source = 'user'"
            )
        with Catalog(path) as catalog:
            smart = SmartAlbums(CatalogOnly(path), catalog)
            base = best(lambda: list_images(catalog, ListRequest(page_size=60)))
            print(f"baseline: first page, no filter: {base * 1000:.0f} ms")
            for low in (9.9, 9.0, 5.0):  # 1 %, 10 %, 50 % of the images
                name = f"Rated {low}+"
                query = SmartQuery(Filter(min_rating=low), SortKey.rating, descending=True)
                album = smart.create(name, query)
                count = len(smart.run(album).content_ids)
                show = best(lambda a=album: smart.run(a))

                def first_page(n=name):
                    flt = smart.resolve(Filter(album=n))
                    return list_images(catalog, ListRequest(filter=flt, page_size=60))

                page = best(first_page)
                print(
                    f"{count:>8,} images: album show {show * 1000:.0f} ms, "
                    f"list --album first page {page * 1000:.0f} ms ({page / base:.1f}× baseline)"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())

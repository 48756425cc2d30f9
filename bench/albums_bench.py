"""Albums and tags benchmark: bulk adds, and first pages filtered by an album or a tag, over
a synthetic catalog of a million images.

Usage (from the repository root):

    .venv/bin/python bench/albums_bench.py              # 1,000,000 rows
    .venv/bin/python bench/albums_bench.py --n 200000   # a smaller catalog
    .venv/bin/python bench/albums_bench.py --json

It builds a catalog of N images (no files; bulk-loaded as bench/filter_bench.py does), then
in the same process measures, through indexing.curate and indexing.query as the CLI runs them:

1. adding 100,000 images (random ones, given as content ids) to an album, then to a tag,
   each one transaction with its checks (target <= 2 s each);
2. the first page (60, with its count) of `list --album` for albums of 1,000, 10,000 and
   100,000 images, and `list --tag` for a parent tag over 100,000 images, by date taken
   and by rating (target <= 200 ms each);
3. `find 'album:"…"'` and the tag facet;
4. the baseline: the first page with no filter, in the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from synthetic_catalog import bulk_load, content_ids, insert_images  # noqa: E402

from indexing.curate.albums import Albums  # noqa: E402
from indexing.curate.tags import Tags  # noqa: E402
from indexing.query.facets import facets  # noqa: E402
from indexing.query.filters import Filter, SortKey  # noqa: E402
from indexing.query.listing import ListRequest, list_images  # noqa: E402
from indexing.query.metadata_search import find  # noqa: E402
from indexing.store.catalog import Catalog  # noqa: E402

REPEATS = 3
PAGE = 60
BULK = 100_000
TARGET_ADD_S = 2.0
TARGET_PAGE_MS = 200.0


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(path: Path, count: int) -> list[str]:
    rng = random.Random(3)
    ids = content_ids(count)
    with bulk_load(path) as conn:
        insert_images(
            conn,
            ids,
            lambda n, cid: (cid, 1_000_000, 4000, 3000, "JPEG", 1.4e9 + rng.random() * 3e8,
                            1.7e9 + n, f"img{n:07d}.jpg", None, None),
            lambda n: f"/photos/f{n % 1000:03d}/img{n:07d}.jpg",
        )  # fmt: skip
    return ids


def best_ms(action: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(catalog: Catalog, ids: list[str]) -> dict:
    rng = random.Random(9)
    albums, tags = Albums(catalog), Tags(catalog)
    bulk = rng.sample(ids, min(BULK, len(ids)))
    albums.create("Trips/Big")
    albums.create("Small")
    albums.add("Small", rng.sample(ids, 1000))
    albums.create("Medium")
    albums.add("Medium", rng.sample(ids, 10_000))
    results: dict = {"n": len(ids), "bulk": len(bulk), "adds_s": {}, "pages_ms": {}, "other_ms": {}}
    results["adds_s"]["album add"] = timed(lambda: albums.add("Trips/Big", bulk))
    half = len(bulk) // 2
    results["adds_s"]["tag add (1st half)"] = timed(
        lambda: tags.add("Places/Portugal/Lisbon", bulk[:half])
    )
    results["adds_s"]["tag add (2nd half)"] = timed(
        lambda: tags.add("Places/Portugal/Porto", bulk[half:])
    )
    catalog.refresh_statistics()

    def page(flt: Filter, sort: SortKey, descending: bool = True) -> Callable[[], object]:
        request = ListRequest(filter=flt, sort=sort, descending=descending, page_size=PAGE)
        return lambda: list_images(catalog, request)

    cases = {
        "no filter (baseline)": Filter(),
        "--album Small (1,000)": Filter(album="Small"),
        "--album Medium (10,000)": Filter(album="Medium"),
        f"--album Trips/Big ({len(bulk):,})": Filter(album="Trips/Big"),
        f"--tag Places/Portugal ({len(bulk):,}, 2 child tags)": Filter(tag="Places/Portugal"),
        "--album Small --tag Places": Filter(album="Small", tag="Places"),
    }
    for label, flt in cases.items():
        for sort in (SortKey.taken, SortKey.rating):
            results["pages_ms"][f"{label}, by {sort.value}"] = best_ms(page(flt, sort))
    results["other_ms"]["find 'album:Small'"] = best_ms(
        lambda: find(catalog, 'album:"Small"', page_size=PAGE)
    )
    results["other_ms"]["tag facet (all tags)"] = best_ms(
        lambda: facets(catalog, Filter(), names=("tag",))
    )
    results["other_ms"]["tag facet inside --album Small"] = best_ms(
        lambda: facets(catalog, Filter(album="Small"), names=("tag",))
    )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.sqlite3"
        note(f"building {args.n:,} images…")
        started = time.perf_counter()
        ids = build(path, args.n)
        note(f"built in {time.perf_counter() - started:.0f} s")
        with Catalog(path) as catalog:
            results = measure(catalog, ids)
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    print(f"{results['n']:,} images; bulk adds of {results['bulk']:,}")
    for label, seconds in results["adds_s"].items():
        verdict = "met" if seconds <= TARGET_ADD_S else "MISSED"
        print(f"  {label:50} {seconds:6.2f} s   (target <= {TARGET_ADD_S:g} s: {verdict})")
    for label, ms in results["pages_ms"].items():
        verdict = "met" if ms <= TARGET_PAGE_MS else "MISSED"
        print(f"  {label:50} {ms:6.0f} ms  (target <= {TARGET_PAGE_MS:g} ms: {verdict})")
    for label, ms in results["other_ms"].items():
        print(f"  {label:50} {ms:6.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

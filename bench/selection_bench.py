"""Select many at scale: what the app's selection (app/selection.py) costs on top of the core
calls it makes, over a synthetic catalog.

Usage (from the repository root):

    .venv/bin/python bench/selection_bench.py              # 300,000 images, 100,000 selected
    .venv/bin/python bench/selection_bench.py --n 1000000
    .venv/bin/python bench/selection_bench.py --json

It builds a catalog of N images (no files; bulk-loaded as bench/albums_bench.py does), then
in the same process measures:

1. "Select all results" in the Library (every image's content id) and in Filters (a filter
   of two conditions that keeps them all);
2. a click and a shift-click with 100,000 already selected, and marking a page of 60 cards;
3. "Add to album" and "Add tag" of 100,000 selected images through the selection's action
   (the confirmed Pending, as the Yes button runs it), against the same core call made
   directly in the same run (the baseline; target for both: <= 2 s).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from albums_bench import build  # noqa: E402

from app.selection_actions import Pending, _do  # noqa: E402
from app.selection_bar import Chosen, marked, toggled  # noqa: E402
from indexing.curate.albums import Albums  # noqa: E402
from indexing.curate.tags import Tags  # noqa: E402
from indexing.query.filters import Filter  # noqa: E402
from indexing.query.ranking import allowed_ids  # noqa: E402
from indexing.store.catalog import Catalog  # noqa: E402

BULK = 100_000
PAGE = 60
TARGET_S = 2.0


class Context:
    """What the selection's actions use of the app's context: a catalog per action."""

    def __init__(self, path: Path):
        self.path = path

    @contextmanager
    def catalog(self) -> Iterator[Catalog]:
        catalog = Catalog(self.path)
        try:
            yield catalog
        finally:
            catalog.close()


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def best(action: Callable[[], object], repeats: int = 3) -> float:
    return min(timed(action) for _ in range(repeats))


def measure(path: Path, ids: list[str]) -> dict[str, Any]:
    rng = random.Random(5)
    bulk = rng.sample(ids, min(BULK, len(ids)))
    ctx = Context(path)
    out: dict[str, Any] = {"n": len(ids), "selected": len(bulk), "ms": {}, "s": {}}
    with ctx.catalog() as catalog:
        out["ms"]["select all results, Library"] = 1000 * best(
            lambda: allowed_ids(catalog, Filter(), -1)
        )
        some = Filter(min_bytes=1, formats=("JPEG",))  # every image, through two conditions
        out["kept"] = len(allowed_ids(catalog, some, -1))
        out["ms"]["select all results, Filters (JPEG, 1 byte or more)"] = 1000 * best(
            lambda: allowed_ids(catalog, some, -1)
        )
    page = ids[:PAGE]
    many = Chosen(dict.fromkeys(bulk), page[0])
    out["ms"]["click, 100,000 selected"] = 1000 * best(lambda: toggled(many, page, 7, False))
    out["ms"]["shift-click, 100,000 selected"] = 1000 * best(lambda: toggled(many, page, 40, True))
    items = [(f"/thumbs/{cid}.webp", "4000×3000 JPEG") for cid in page]
    out["ms"]["mark a page of 60 cards"] = 1000 * best(lambda: marked(items, page, many))
    with ctx.catalog() as catalog:
        Albums(catalog).create("Direct")
        Albums(catalog).create("Selected")
        out["s"]["album add, core (baseline)"] = timed(lambda: Albums(catalog).add("Direct", bulk))
        out["s"]["tag add, core (baseline)"] = timed(lambda: Tags(catalog).add("Direct", bulk))
    out["s"]["album add, from a selection"] = timed(
        lambda: _do(ctx, Pending("album", "Selected", tuple(bulk)))  # type: ignore[arg-type]
    )
    out["s"]["tag add, from a selection"] = timed(
        lambda: _do(ctx, Pending("tag", "Selected", tuple(bulk)))  # type: ignore[arg-type]
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=300_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.sqlite3"
        started = time.perf_counter()
        ids = build(path, args.n)
        print(f"built {args.n:,} images in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        results = measure(path, ids)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{results['n']:,} images, {results['selected']:,} selected")
    print(f"  (the Filters case keeps {results['kept']:,})")
    for label, value in results["ms"].items():
        print(f"  {label:45s} {value:9.1f} ms")
    for label, value in results["s"].items():
        mark = "ok" if value <= TARGET_S else "over 2 s"
        print(f"  {label:45s} {value:9.2f} s   {mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Manual order benchmark: moving images within a big album (issue 33: "moving 10,000 in a
100,000 album must not be O(N) writes per image").

Usage (from the repository root):

    .venv/bin/python bench/album_move_bench.py              # a 100,000 album, 10,000 moved
    .venv/bin/python bench/album_move_bench.py --n 20000 --k 2000
    .venv/bin/python bench/album_move_bench.py --json

It builds a catalog of N images (no files; bulk-loaded as bench/albums_bench.py does) and
one album of all of them, then measures through indexing.curate.album_order, as
`album move` runs it (each one transaction with its checks, then the album read back):
K random images of the album moved --to N/2, --first, --last and --after an image, and
one step of one image (the viewer's "Later ▶"); and the switch of a date album to manual
(renumbered to its date order in one statement). The baseline, in the same run: adding
the N images to the album (Albums.add, one transaction), so the ratios say how a move
compares with writing the album once.
"""

from __future__ import annotations

import argparse
import functools
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

from indexing.curate.album_order import AlbumOrder, Where  # noqa: E402
from indexing.curate.albums import Albums  # noqa: E402
from indexing.store.catalog import Catalog  # noqa: E402


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="images in the album")
    parser.add_argument("--k", type=int, default=10_000, help="images moved at once")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = random.Random(7)
    ids = content_ids(args.n)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.sqlite3"
        with bulk_load(path) as conn:
            insert_images(
                conn, ids,
                lambda n, cid: (cid, 1, 40, 30, "JPEG", 1.4e9 + rng.random() * 3e8, 1.7e9 + n,
                                f"img{n:07d}.jpg", None, None),
                lambda n: f"/photos/img{n:07d}.jpg",
            )  # fmt: skip
        with Catalog(path) as catalog:
            albums, order = Albums(catalog), AlbumOrder(catalog)
            albums.create("Big")  # by date
            shuffled = rng.sample(ids, len(ids))
            figures = {"baseline_add_all_s": timed(lambda: albums.add("Big", shuffled))}
            figures["date_to_manual_s"] = timed(
                lambda: order.move("Big", [shuffled[0]], Where(first=True))
            )
            for name, where in (("to_middle", Where(to=args.n // 2)), ("first", Where(first=True)),
                                ("last", Where(last=True))):  # fmt: skip
                moved = rng.sample(ids, args.k)
                move = functools.partial(order.move, "Big", moved, where)
                figures[f"move_{args.k}_{name}_s"] = timed(move)
            moved = rng.sample(ids, args.k + 1)
            anchor, moved = moved[0], moved[1:]
            figures[f"move_{args.k}_after_s"] = timed(
                lambda: order.move("Big", moved, Where(after=anchor))
            )
            figures["step_later_s"] = timed(lambda: order.step("Big", ids[args.n // 3], True))
            now = albums.items(albums.get("Big"))
            assert now.index(moved[0]) == now.index(anchor) + 1 and len(now) == args.n
    base = figures["baseline_add_all_s"]
    result = {"n": args.n, "k": args.k, **{k: round(v, 4) for k, v in figures.items()}}
    result["ratios_to_baseline"] = {
        k: round(v / base, 3) for k, v in figures.items() if k != "baseline_add_all_s"
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"album of {args.n:,}, {args.k:,} moved at once (seconds; ratio to adding all)")
        for key, value in figures.items():
            ratio = "" if key == "baseline_add_all_s" else f"  ({value / base:.2f}x)"
            print(f"  {key:<28} {value:8.3f}{ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

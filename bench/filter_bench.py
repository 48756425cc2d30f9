"""Filter and sort benchmark: first pages over a synthetic catalog of a million images.

Usage (from the repository root):

    .venv/bin/python bench/filter_bench.py              # 1,000,000 rows
    .venv/bin/python bench/filter_bench.py --n 100000   # a smaller catalog
    .venv/bin/python bench/filter_bench.py --json

It builds a catalog of N rows with synthetic metadata and no image files (inserted directly
with executemany; the indexes and triggers are rebuilt after the load, as a bulk import
would), with one user rating per 50 images, a prediction for one in 3, and N cached
category scores. Then, in the same process, it measures (best of REPEATS, warm):

1. the first page (60 items, with both counts) for every sort key, both directions, with
   and without a combined filter (width, bytes, format, rating), through indexing.query.listing;
2. random paging: page 1, a page at the wrap-around point of the rotation, a deep page;
3. the text-category filter (exclude "nsfw") over N cached scores;
4. the baseline: load every row into Python and sort it there (what a naive listing does).

Targets: every first page <= 200 ms at 1M rows; the text-category filter <= 500 ms.
Figures are also reported as a fraction of the baseline, measured in the same run.
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

from indexing.query.categories import category_key, rule_fingerprint  # noqa: E402
from indexing.query.filters import Filter, SortKey  # noqa: E402
from indexing.query.listing import ListRequest, list_images  # noqa: E402
from indexing.store.catalog import Catalog  # noqa: E402

MODEL = "bench-model@none"
WIDTHS = (640, 800, 1024, 1280, 1920, 2048, 3000, 4000, 6000)
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
REPEATS = 3
PAGE = 60
TARGET_PAGE_MS = 200.0
TARGET_TEXT_MS = 500.0
COMBINED = Filter(min_width=1920, min_bytes=1_000_000, formats=("JPEG", "PNG"), min_rating=3)


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class NoEmbedder:
    """The scores are planted: the bench must never need the model."""

    def embed_texts(self, texts):
        raise AssertionError("the bench plants every score; the model must not be needed")


def build(path: Path, count: int) -> float:
    """The catalog with count rows; returns the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(5)
    ids = content_ids(count)
    with bulk_load(path) as conn:
        insert_images(
            conn,
            ids,
            lambda n, cid: _image_row(rng, n, cid),
            lambda n: f"/photos/f{n % 1000:03d}/img{n:07d}.jpg",
        )
        conn.execute(
            "INSERT INTO ratings(content_id, rating, rated_at) SELECT content_id, rating_key, 0 "
            "FROM images WHERE rating_source = 'user'"
        )
        conn.execute(
            "INSERT INTO predictions(content_id, rating, model_id, at) "
            "SELECT content_id, rating_key, 'bench', 0 FROM images "
            "WHERE rating_source = 'predicted'"
        )
        conn.executemany(
            "INSERT INTO embeddings(model_id, content_id, status, reason, at) "
            "VALUES (?, ?, 'done', NULL, 0)",
            ((MODEL, cid) for cid in ids),
        )
        key = category_key("nsfw")
        conn.executemany(
            "INSERT INTO category_scores(model_id, category, content_id, probability) "
            "VALUES (?, ?, ?, ?)",
            ((MODEL, key, cid, rng.betavariate(0.3, 3)) for cid in ids),
        )
        conn.execute("INSERT INTO embedding_changes VALUES (?, ?)", (MODEL, count))
        conn.execute(
            "INSERT INTO category_rules VALUES (?, ?, ?, ?)",
            (MODEL, key, rule_fingerprint(), count),
        )
    return time.perf_counter() - started


def _image_row(rng: random.Random, n: int, content_id: str) -> tuple:
    width, height = rng.choice(WIDTHS), rng.choice(WIDTHS)
    rating, source = None, None
    if n % 50 == 0:
        rating, source = rng.randint(0, 20) / 2, "user"
    elif n % 3 == 0:
        rating, source = round(rng.uniform(0, 10), 2), "predicted"
    return (
        content_id,
        rng.randint(10_000, 20_000_000),
        width,
        height,
        rng.choice(FORMATS),
        1.4e9 + rng.random() * 3e8,
        1.7e9 + n,
        f"img{rng.randrange(10**7):07d}.jpg",
        rating,
        source,
    )


class Scores:
    model_id = MODEL

    def ensure(self, conn, categories):
        from indexing.query.categories import CategoryScores

        return CategoryScores(MODEL, NoEmbedder, lambda: None).ensure(conn, categories)


def best_ms(action: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def baseline_ms(catalog: Catalog) -> float:
    """Every row into Python, filtered and sorted there: the naive listing."""

    def naive() -> None:
        cursor = catalog.conn.cursor()
        cursor.row_factory = None
        rows = cursor.execute(
            "SELECT content_id, width, height, bytes, format, date_key, rating_key "
            "FROM images WHERE present_files > 0"
        ).fetchall()
        rows.sort(key=lambda r: (r[1] * r[2], r[0]), reverse=True)
        rows[:PAGE]

    return best_ms(naive)


def measure(catalog: Catalog) -> dict:
    scores = Scores()

    def page(**request) -> Callable[[], object]:
        req = ListRequest(page_size=PAGE, **request)
        return lambda: list_images(catalog, req, scores)

    results: dict = {"sorts": [], "random": {}, "text": {}}
    for sort in SortKey:
        for descending in (False, True):
            plain = best_ms(page(sort=sort, descending=descending))
            filtered = best_ms(page(sort=sort, descending=descending, filter=COMBINED))
            results["sorts"].append(
                {"sort": sort.value, "descending": descending, "ms": plain, "filtered_ms": filtered}
            )
    first = list_images(catalog, ListRequest(sort=SortKey.random, seed=7, page_size=PAGE), scores)
    pages = first.pages
    wrap = _wrap_page(catalog, scores, pages)
    for name, number in (("page 1", 1), ("wrap-around page", wrap), ("last page", pages)):
        results["random"][f"{name} ({number})"] = best_ms(
            page(sort=SortKey.random, seed=7, page=number)
        )
    results["random"]["reshuffle (seed 8, page 1)"] = best_ms(page(sort=SortKey.random, seed=8))
    for label, flt in (
        ("exclude nsfw, by date", Filter(exclude_text=("nsfw",))),
        ("only nsfw, by date", Filter(only_text=("nsfw",))),
        ("exclude nsfw + combined", COMBINED.model_copy(update={"exclude_text": ("nsfw",)})),
    ):
        results["text"][label] = best_ms(page(sort=SortKey.taken, descending=True, filter=flt))
    results["baseline_ms"] = baseline_ms(catalog)
    return results


def _wrap_page(catalog: Catalog, scores, pages: int) -> int:
    """The page where the random rotation wraps from the highest ids to the lowest."""
    from indexing.query.listing import random_pivot

    above = catalog.conn.execute(
        "SELECT COUNT(*) FROM images WHERE present_files > 0 AND content_id >= ?",
        (random_pivot(7),),
    ).fetchone()[0]
    return min(pages, above // PAGE + 1)


def report(results: dict, count: int, build_s: float, command: str) -> str:
    base = results["baseline_ms"]
    lines = [
        f"filter bench: {count:,} rows (built in {build_s:.1f}s); best of {REPEATS}, warm",
        f"command: {command}",
        f"baseline (all rows into Python, sorted there): {base:.0f} ms",
        "",
        f"{'first page (60) + counts':32} {'ms':>8} {'filtered':>9} {'/base':>7} {'/base f':>8}",
    ]
    worst = 0.0
    for row in results["sorts"]:
        name = f"{row['sort']} {'desc' if row['descending'] else 'asc'}"
        worst = max(worst, row["ms"], row["filtered_ms"])
        lines.append(
            f"{name:32} {row['ms']:8.1f} {row['filtered_ms']:9.1f} "
            f"{row['ms'] / base:7.3f} {row['filtered_ms'] / base:8.3f}"
        )
    lines.append("")
    for name, ms in results["random"].items():
        worst = max(worst, ms) if "page 1" in name else worst
        lines.append(f"random {name:40} {ms:8.1f} ms  ({ms / base:.3f} of baseline)")
    text_worst = 0.0
    for name, ms in results["text"].items():
        text_worst = max(text_worst, ms)
        lines.append(f"text: {name:40} {ms:8.1f} ms  ({ms / base:.3f} of baseline)")
    lines.append("")
    lines.append(
        f"worst first page: {worst:.1f} ms (target {TARGET_PAGE_MS:.0f}) "
        f"{'OK' if worst <= TARGET_PAGE_MS else 'OVER'}; worst text filter: {text_worst:.1f} ms "
        f"(target {TARGET_TEXT_MS:.0f}) {'OK' if text_worst <= TARGET_TEXT_MS else 'OVER'}"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="rows (default 1,000,000)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--catalog", type=Path, help="keep the built catalog here, and reuse it if it exists"
    )
    args = parser.parse_args()
    command = " ".join([".venv/bin/python", "bench/filter_bench.py", *sys.argv[1:]])
    with tempfile.TemporaryDirectory(prefix="pictor-filter-bench-") as folder:
        path = args.catalog or Path(folder) / "catalog.sqlite3"
        build_s = 0.0
        if not path.exists():
            note(f"building {args.n:,} rows…")
            build_s = build(path, args.n)
        note(f"built in {build_s:.1f}s; measuring…")
        with Catalog(path) as catalog:
            results = measure(catalog)
    if args.json:
        print(json.dumps({"rows": args.n, "build_s": build_s, "command": command, **results}))
    else:
        print(report(results, args.n, build_s, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())

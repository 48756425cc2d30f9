"""Search latency and recall: Pictor's query layer against brute-force numpy, same run.

Builds N synthetic 512-d unit vectors (clustered, as CLIP embeddings are) in a real
ChromaDB collection plus a catalog whose `width` column lets exactly 1% of the images
through a filter, then times queries (no text tower: the query vectors are given):

- unfiltered: `Searcher.rank` (Chroma HNSW + the "file present" check) vs numpy over all;
- 1%-selective filter: `Searcher.rank` (exact over the filtered subset) vs numpy over the
  subset, plus Chroma's own id-filtered HNSW query for comparison.

    .venv/bin/python bench/search_bench.py            # 100k
    .venv/bin/python bench/search_bench.py --n 1000000
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexing.models.clip import normalise
from indexing.query.filters import Filter
from indexing.query.search import Searcher
from indexing.store.catalog import Catalog
from indexing.store.vector_mirror import VectorMirror
from indexing.store.vectors import VectorStore

MODEL = "bench@synthetic"
K = 10


class _NoModel:
    model_id = MODEL
    input_size = 224


def synthetic(n: int, dim: int, seed: int) -> np.ndarray:
    """Unit vectors around n/100 random centres: clustered like real image embeddings."""
    rng = np.random.default_rng(seed)
    centres = normalise(rng.standard_normal((max(1, n // 100), dim)))
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        picks = rng.integers(0, len(centres), stop - start)
        noise = rng.standard_normal((stop - start, dim)).astype(np.float32) * 0.04
        out[start:stop] = normalise(centres[picks] + noise)
    return out


def build(data: Path, vectors: np.ndarray, ids: list[str]) -> tuple[VectorStore, float]:
    store = VectorStore.embedded(data / "vectors")
    started = last = time.perf_counter()
    step = 5000
    for start in range(0, len(ids), step):
        store.upsert(MODEL, ids[start : start + step], vectors[start : start + step])
        done = start + step
        if done % 100_000 == 0:
            now = time.perf_counter()
            rate = 100_000 / (now - last)  # the rate falls as the graph grows: show it
            print(f"  chroma: {done:,}/{len(ids):,} ({rate:,.0f} vectors/s over the last "
                  "100,000)", file=sys.stderr, flush=True)  # fmt: skip
            last = now
    seconds = time.perf_counter() - started
    with Catalog(data / "catalog.sqlite3") as catalog, catalog.transaction() as conn:
        conn.executemany(
            "INSERT INTO images(content_id, bytes, width, height, format, date_key, phash, "
            "dhash, added_at) VALUES (?, 1000, ?, 100, 'JPEG', 0, 0, 0, 0)",
            ((cid, 1 + i % 100) for i, cid in enumerate(ids)),
        )
        conn.executemany(
            "INSERT INTO files(path, content_id, size, mtime_ns, first_seen, last_seen, status) "
            "VALUES (?, ?, 1000, 0, 0, 0, 'present')",
            ((f"/bench/{cid}.jpg", cid) for cid in ids),
        )
    return store, seconds


def as_indexed(catalog: Catalog, ids: list[str]) -> None:
    """What an index run leaves beside the vectors: an embedding row for each image (the
    stamp the vector mirror checks) and the planner statistics. Also brings a build kept
    from an older version of this script up to date."""
    if catalog.embedding_stamp(MODEL) is None:
        with catalog.transaction() as conn:
            conn.executemany(
                "INSERT INTO embeddings(model_id, content_id, status, reason, at) "
                "VALUES (?, ?, 'done', NULL, 0)",
                ((MODEL, cid) for cid in ids),
            )
    catalog.refresh_statistics()


def percentiles(times: list[float]) -> tuple[float, float]:
    return float(np.percentile(times, 50) * 1000), float(np.percentile(times, 95) * 1000)


def brute(matrix: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    scores = matrix @ query
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top])].tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--data", type=Path, help="reuse (or keep) the built data here")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        return child(args.child)
    data = args.data or Path(tempfile.mkdtemp(prefix="pictor-search-bench-"))
    ids = [f"{i:032x}" for i in range(args.n)]
    vectors = synthetic(args.n, args.dim, seed=1)
    built = (data / "catalog.sqlite3").exists()
    if built:
        store, build_s = VectorStore.embedded(data / "vectors"), float("nan")
    else:
        store, build_s = build(data, vectors, ids)
    rng = np.random.default_rng(2)
    queries = normalise(
        vectors[rng.integers(0, args.n, args.queries)]
        + rng.standard_normal((args.queries, args.dim)).astype(np.float32) * 0.05
    )
    started = time.perf_counter()
    mirror = VectorMirror(data / "vector-mirror", MODEL).sync(store, force=True)
    mirror_s = time.perf_counter() - started
    with Catalog(data / "catalog.sqlite3") as catalog:
        as_indexed(catalog, ids)
        searcher = Searcher(
            lambda: catalog, lambda: store, _NoModel(), max_image_pixels=1, mirror=mirror
        )
        post_filter = Searcher(
            lambda: catalog, lambda: store, _NoModel(), max_image_pixels=1, mechanism="hnsw"
        )
        report = measure(searcher, post_filter, catalog, store, vectors, ids, queries)
    print(f"N = {args.n:,} vectors of {args.dim} d, {args.queries} queries, k = {K}")
    if not built:
        print(f"build: {build_s:.0f} s into Chroma ({args.n / build_s:,.0f} vectors/s)")
    print(f"vector mirror sync from Chroma: {mirror_s:.1f} s")
    for line in report:
        print(line)
    print(f"memory of this process (it also holds the bench's own copy): {memory_line()}")
    print(f"memory of a process that only searches: {search_only_rss(data, queries)}")
    print(f"on disk: {disk_line(data, args.n)}")
    print(f"command: .venv/bin/python bench/search_bench.py --n {args.n}")
    if args.data is None:
        shutil.rmtree(data, ignore_errors=True)


def measure(searcher, post_filter, catalog, store, vectors, ids, queries) -> list[str]:
    index = {cid: i for i, cid in enumerate(ids)}
    # Warm up (first query loads the HNSW index from disk).
    searcher.ranker.rank(catalog, store, queries[0], Filter(), K)
    brute_t, hnsw_t, recall = [], [], []
    for query in queries:
        started = time.perf_counter()
        exact = brute(vectors, query, K)
        brute_t.append(time.perf_counter() - started)
        started = time.perf_counter()
        found, mechanism = searcher.ranker.rank(catalog, store, query, Filter(), K)
        hnsw_t.append(time.perf_counter() - started)
        recall.append(len({index[cid] for cid, _ in found} & set(exact)) / K)
    assert mechanism == "hnsw"
    selective = Filter(min_width=100)  # widths 1..100: exactly 1% pass
    subset = np.arange(99, len(ids), 100)
    subset_ids = [ids[i] for i in subset]
    filt_t, filt_recall, chroma_t, chroma_recall, sub_brute_t = [], [], [], [], []
    post_t, post_recall = [], []
    for query in queries[:50]:
        started = time.perf_counter()
        local = brute(vectors[subset], query, K)
        sub_brute_t.append(time.perf_counter() - started)
        exact = {int(subset[i]) for i in local}
        started = time.perf_counter()
        found, mechanism = searcher.ranker.rank(catalog, store, query, selective, K)
        filt_t.append(time.perf_counter() - started)
        filt_recall.append(len({index[cid] for cid, _ in found} & exact) / K)
        started = time.perf_counter()
        found, _ = post_filter.ranker.rank(catalog, store, query, selective, K)
        post_t.append(time.perf_counter() - started)
        post_recall.append(len({index[cid] for cid, _ in found} & exact) / K)
        started = time.perf_counter()
        found = store.query(MODEL, query, K, ids=subset_ids)
        chroma_t.append(time.perf_counter() - started)
        chroma_recall.append(len({index[cid] for cid, _ in found} & exact) / K)
    b50, b95 = percentiles(brute_t)
    h50, h95 = percentiles(hnsw_t)
    f50, f95 = percentiles(filt_t)
    c50, c95 = percentiles(chroma_t)
    s50, _ = percentiles(sub_brute_t)
    p50, p95 = percentiles(post_t)
    return [
        f"brute force numpy (vectors in RAM): p50 {b50:.1f} ms, p95 {b95:.1f} ms",
        f"search, no filter ({mechanism_of(searcher, catalog, store, queries[0], Filter())}): "
        f"p50 {h50:.1f} ms, p95 {h95:.1f} ms, recall@10 {np.mean(recall):.3f}, "
        f"{b50 / h50:.1f}x faster than brute force (p50)",
        f"search, 1% filter ({mechanism_of(searcher, catalog, store, queries[0], selective)}): "
        f"p50 {f50:.1f} ms, p95 {f95:.1f} ms, recall@10 {np.mean(filt_recall):.3f} "
        f"(numpy over the subset alone: {s50:.2f} ms)",
        f"  alternative, HNSW then filter (growing window): p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms, recall@10 {np.mean(post_recall):.3f}",
        f"  alternative, Chroma's id-filtered HNSW query: p50 {c50:.1f} ms, "
        f"p95 {c95:.1f} ms, recall@10 {np.mean(chroma_recall):.3f}",
    ]


def search_only_rss(data: Path, queries: np.ndarray) -> str:
    """The RSS of a fresh process that opens the library's stores and runs the same
    queries, unfiltered and filtered: what a search process holds."""
    import subprocess

    np.save(data / "queries.npy", queries)
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(data)], capture_output=True, text=True
    )
    return done.stdout.strip() or done.stderr.strip()[-300:]


def child(data: Path) -> None:
    queries = np.load(data / "queries.npy")
    store = VectorStore.embedded(data / "vectors")
    mirror = VectorMirror(data / "vector-mirror", MODEL).sync(store)
    with Catalog(data / "catalog.sqlite3") as catalog:
        searcher = Searcher(
            lambda: catalog, lambda: store, _NoModel(), max_image_pixels=1, mirror=mirror
        )
        for query in queries:
            searcher.ranker.rank(catalog, store, query, Filter(), K)
            searcher.ranker.rank(catalog, store, query, Filter(min_width=100), K)
    print(memory_line())


def memory_line() -> str:
    """Resident now and at peak (the peak includes the build when this run built)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024 / 1024
    return f"RSS {fields['VmRSS']:.2f} GB now, {fields['VmHWM']:.2f} GB peak"


def disk_line(data: Path, n: int) -> str:
    def size(folder: Path) -> float:
        return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e9

    chroma, mirror = size(data / "vectors"), size(data / "vector-mirror")
    per_million = (chroma + mirror) * 1_000_000 / n
    return (
        f"Chroma {chroma:.2f} GB + vector mirror {mirror:.2f} GB "
        f"= {per_million:.2f} GB per million images"
    )


def mechanism_of(searcher, catalog, store, query, where) -> str:
    return searcher.ranker.rank(catalog, store, query, where, K)[1]


if __name__ == "__main__":
    main()

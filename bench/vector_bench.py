"""How fast Chroma's HNSW index builds at each setting, and what recall it keeps.

    .venv/bin/python bench/vector_bench.py [--n 200000] [--settings 100x16,64x16,64x12]

For each ef_construction x neighbours setting, the same N synthetic 512-d vectors (those
of bench/search_bench.py: clustered, as CLIP embeddings are) are upserted in batches of
5,000 into a fresh embedded collection. Reported: vectors/s over the whole build and over
its last quarter (the rate falls as the graph grows), the cores it kept busy, and
recall@10 against exact search for 100 queries at Pictor's ef_search (set when the
collection is made), taking the top 10 of the 128 candidates the ranker asks for, with the
query's p50. The settings run one after another in one run, so
their rates compare; the last line names the fastest that keeps recall@10 >= 0.98 at this
N. A cheap graph that keeps recall at 200,000 can lose it at a million (README, "Search").
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_bench import brute, synthetic

from indexing.models.clip import normalise
from indexing.store.vectors import HNSW, VectorStore

STEP = 5000
CANDIDATES = 128  # what the ranker asks Chroma for (indexing.query.ranking)
K = 10


def measure(
    folder: Path, vectors: np.ndarray, ids: list[str], queries: np.ndarray,
    exact: list[set[int]], ef_construction: int, neighbours: int,
) -> dict[str, float]:  # fmt: skip
    hnsw = {**HNSW, "ef_construction": ef_construction, "max_neighbors": neighbours}
    collection = VectorStore.embedded(folder / "vectors").client.create_collection(
        "bench-build", configuration={"hnsw": hnsw}, embedding_function=None
    )
    n = len(ids)
    started, cpu = time.perf_counter(), time.process_time()
    quarter = started
    for start in range(0, n, STEP):
        if start == (3 * n // 4) // STEP * STEP:
            quarter = time.perf_counter()
        collection.upsert(ids=ids[start : start + STEP], embeddings=vectors[start : start + STEP])
    ended = time.perf_counter()
    cores = (time.process_time() - cpu) / (ended - started)
    collection.query(query_embeddings=queries[:1], n_results=CANDIDATES)  # warm-up
    recalls, times = [], []
    for query, truth in zip(queries, exact, strict=True):
        began = time.perf_counter()
        found = collection.query(
            query_embeddings=query[None], n_results=CANDIDATES, include=["distances"]
        )
        times.append(time.perf_counter() - began)
        recalls.append(len({int(cid, 16) for cid in found["ids"][0][:K]} & truth) / K)
    return {
        "rate": n / (ended - started),
        "last_quarter": (n - (3 * n // 4) // STEP * STEP) / (ended - quarter),
        "cores": cores,
        "recall": float(np.mean(recalls)),
        "worst": min(recalls),
        "p50_ms": 1000 * float(np.median(times)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument(
        "--settings",
        default="100x16,64x16,100x12,64x12,64x8",
        help="ef_construction x neighbours, comma-separated",
    )
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    settings = [tuple(int(x) for x in item.split("x")) for item in args.settings.split(",")]
    vectors = synthetic(args.n, 512, seed=1)
    ids = [f"{i:032x}" for i in range(args.n)]
    rng = np.random.default_rng(2)
    queries = normalise(
        vectors[rng.integers(0, args.n, args.queries)]
        + rng.standard_normal((args.queries, 512)).astype(np.float32) * 0.05
    )
    exact = [set(brute(vectors, query, K)) for query in queries]
    print(f"N = {args.n:,} vectors of 512 d, batches of {STEP:,}, ef_search {HNSW['ef_search']}")
    print("| ef_construction, neighbours | vectors/s | last quarter | cores | recall@10 "
          "(worst query) | query p50 |")  # fmt: skip
    print("|---|---:|---:|---:|---|---:|")
    best = None
    for ef_construction, neighbours in settings:
        folder = Path(tempfile.mkdtemp(prefix="pictor-vector-bench-"))
        try:
            got = measure(folder, vectors, ids, queries, exact, ef_construction, neighbours)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        now = " (Pictor's)" if (ef_construction, neighbours) == (
            HNSW["ef_construction"], HNSW["max_neighbors"]) else ""  # fmt: skip
        print(
            f"| {ef_construction}, {neighbours}{now} | {got['rate']:,.0f} | "
            f"{got['last_quarter']:,.0f} | {got['cores']:.2f} | {got['recall']:.3f} "
            f"({got['worst']:.1f}) | {got['p50_ms']:.1f} ms |",
            flush=True,
        )
        if got["recall"] >= 0.98 and (best is None or got["rate"] > best[1]):
            best = ((ef_construction, neighbours), got["rate"])
    if best is None:
        print("no setting kept recall@10 >= 0.98")
    else:
        print(f"fastest with recall@10 >= 0.98 at N = {args.n:,}: ef_construction "
              f"{best[0][0]}, {best[0][1]} neighbours, {best[1]:,.0f} vectors/s (recall "
              "falls as N grows: check a choice at full size with search_bench.py)")  # fmt: skip
    print(f"command: .venv/bin/python bench/vector_bench.py --n {args.n} "
          f"--settings {args.settings}")  # fmt: skip


if __name__ == "__main__":
    main()

"""Evaluator learning curves and timings on a synthetic library with a known hidden taste.

    .venv/bin/python bench/evaluator_bench.py            # full run (a few minutes)
    .venv/bin/python bench/evaluator_bench.py --quick    # small run (about a minute)
    .venv/bin/python bench/evaluator_bench.py --calibration-only --repeats 2  # the ± alone

Generative recipe (fixed before looking at any result; `--seed` changes every draw):

- d = 512. A random orthonormal basis Q and a power-law "semantic" covariance
  Σ = Q diag(j⁻¹) Qᵀ, j = 1..512, like the decaying PCA spectrum of CLIP embeddings.
- A common direction m (CLIP image embeddings share one), a random unit vector.
- 32 topics with centres c_k = unit(Σ^½ g_k), g_k ~ N(0, I); topic frequencies ∝ k^-0.8
  (a few big topics and a long tail).
- An image of topic k: x = unit(0.6 m + 0.5 c_k + 0.6 e), e = unit(Σ^½ g), g ~ N(0, I).
  Mean cosine similarity is about 0.63 within a topic and 0.37 across topics.
- Hidden taste t(x) = 5 + 1.3 L(x) + 1.0 O_k + 0.8 F(x), where
    L(x) = u·x standardised over the library, u ~ N(0, I): a linear preference;
    O_k  = a per-topic offset ~ N(0, 1), standardised over topic frequencies: liked topics;
    F(x) = s_k · (v·x standardised within topic k), s_k = ±1, v ~ N(0, I): a preference that
           flips sign from topic to topic, which no single linear function expresses.
  Signal std ≈ sqrt(1.3² + 1² + 0.8²) ≈ 1.8 rating points before noise.
- A rating is clip(t + N(0, 1), 0, 10). A preference between images a and b (drawn among
  images nobody rated): a wins iff t_a + ε_a > t_b + ε_b with ε ~ N(0, 1).

Each repeat draws a new library and taste, a held-out set of 2,000 rated images and 2,000
preference pairs among them (noisy, like the user's own), and one pool of training
images; sizes are nested prefixes of that pool. Every method is scored by evaluator.metrics
on the same held-out set: the evaluator with and without 500 extra preferences, plain
ridge regression on the embedding (sklearn RidgeCV, alpha by efficient leave-one-out), and
the mean rating. "true taste" scores the hidden t itself: the ceiling the noise allows.

The ± check trains as Train does (cross_validate, then fit with the ± it calibrated, see
evaluator/calibration.py) and counts how many of the 2,000 held-out ratings fall inside
the ± shown: the target is 80 %. Beside it, in the same run, the ± as it was before
calibration (the posterior alone) on the same predictions.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluator import TrainingData, cross_validate, fit
from evaluator.calibration import COVERAGE, share_inside
from evaluator.metrics import mae, pairwise_accuracy, spearman

OUT = Path(__file__).resolve().parent / "figures"  # the README shows the plot from here
DIM, TOPICS = 512, 32
METHODS = ("mean baseline", "ridge", "evaluator", "evaluator + 500 prefs", "true taste")


def unit(rows: NDArray) -> NDArray[np.float32]:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


class Library:
    """A synthetic library and one user's hidden taste, as in the module docstring."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        basis, _ = np.linalg.qr(rng.standard_normal((DIM, DIM)))
        self.root_cov = basis * np.arange(1, DIM + 1) ** -0.5  # Σ^½ applied as g @ root_cov.T
        self.common = unit(rng.standard_normal(DIM))
        self.centres = unit(rng.standard_normal((TOPICS, DIM)) @ self.root_cov.T)
        freq = np.arange(1, TOPICS + 1) ** -0.8
        self.topic_freq = freq / freq.sum()
        self.linear_dir = rng.standard_normal(DIM)
        self.flip_dir = rng.standard_normal(DIM)
        self.flip_sign = rng.choice([-1.0, 1.0], TOPICS)
        offsets = rng.standard_normal(TOPICS)
        mean = offsets @ self.topic_freq
        self.offsets = (offsets - mean) / np.sqrt(((offsets - mean) ** 2) @ self.topic_freq)
        reference, topics = self.images(50_000, rng)
        linear = reference @ self.linear_dir
        self.linear_stats = linear.mean(), linear.std()
        flip = reference @ self.flip_dir
        self.flip_stats = np.array(
            [(flip[topics == k].mean(), flip[topics == k].std()) for k in range(TOPICS)]
        )

    def images(self, n: int, rng: np.random.Generator) -> tuple[NDArray[np.float32], NDArray]:
        topics = rng.choice(TOPICS, n, p=self.topic_freq)
        spread = unit(rng.standard_normal((n, DIM)) @ self.root_cov.T)
        return unit(0.6 * self.common + 0.5 * self.centres[topics] + 0.6 * spread), topics

    def taste(self, vectors: NDArray[np.float32], topics: NDArray) -> NDArray[np.float64]:
        linear = (vectors @ self.linear_dir - self.linear_stats[0]) / self.linear_stats[1]
        mu, sd = self.flip_stats[topics, 0], self.flip_stats[topics, 1]
        flip = self.flip_sign[topics] * (vectors @ self.flip_dir - mu) / sd
        return 5.0 + 1.3 * linear + 1.0 * self.offsets[topics] + 0.8 * flip


def noisy_ratings(taste: NDArray, rng: np.random.Generator) -> NDArray[np.float32]:
    return np.clip(taste + rng.standard_normal(len(taste)), 0, 10).astype(np.float32)


def preferences(taste: NDArray, rows: NDArray, count: int, rng: np.random.Generator) -> NDArray:
    """`count` (winner, loser) pairs among `rows`, decided by taste plus noise on each side."""
    a, b = rng.choice(rows, count), rng.choice(rows, count)
    a, b = a[a != b], b[a != b]
    a_wins = taste[a] + rng.standard_normal(len(a)) > taste[b] + rng.standard_normal(len(b))
    return np.where(a_wins[:, None], np.c_[a, b], np.c_[b, a]).astype(np.int64)


METRICS = ("Spearman", "pairwise acc.", "MAE", "Spearman vs true taste")
COLOURS = {
    "mean baseline": "tab:gray",
    "ridge": "tab:blue",
    "evaluator": "tab:orange",
    "evaluator + 500 prefs": "tab:green",
    "true taste": "tab:red",
}


@dataclass
class HeldOut:
    vectors: NDArray[np.float32]
    taste: NDArray
    ratings: NDArray[np.float32]
    pairs: NDArray

    def score(self, predicted: NDArray) -> tuple[float, float, float, float]:
        """The METRICS of `predicted`, all through evaluator.metrics."""
        return (
            spearman(self.ratings, predicted),
            pairwise_accuracy(predicted, self.pairs),
            mae(self.ratings, predicted),
            spearman(self.taste, predicted),
        )

    def uncertainty_check(self, predicted: NDArray, spread: NDArray, rarity: NDArray) -> tuple:
        """Mean uncertainty; its rank correlation with the error against the hidden taste and
        with how rarely the image's topic was rated; RMS of error / uncertainty (1 = honest)."""
        error = np.abs(predicted - self.taste)
        return (
            float(spread.mean()),
            spearman(spread, error),
            spearman(spread, rarity),
            float(np.sqrt(np.mean((error / spread) ** 2))),
        )


def one_repeat(seed: int, sizes: list[int], n_pairs: int) -> dict:
    """Scores of every method at every size on one library; keys (method, size)."""
    from sklearn.linear_model import RidgeCV

    library = Library(seed)
    rng = np.random.default_rng(seed + 1000)
    test_vectors, test_topics = library.images(2000, rng)
    test_taste = library.taste(test_vectors, test_topics)
    held_out = HeldOut(
        test_vectors,
        test_taste,
        noisy_ratings(test_taste, rng),
        preferences(test_taste, np.arange(2000), 2000, rng),
    )
    pool, pool_topics = library.images(max(sizes) + 2 * n_pairs, rng)
    pool_taste = library.taste(pool, pool_topics)
    pool_ratings = noisy_ratings(pool_taste, rng)
    unrated = np.arange(max(sizes), len(pool))
    pairs = preferences(pool_taste, unrated, n_pairs, rng)
    results = {}
    for size in sizes:
        rated_vectors, rated = pool[:size], pool_ratings[:size]
        results["mean baseline", size] = held_out.score(np.full(2000, rated.mean()))
        ridge = RidgeCV(alphas=np.logspace(-3, 3, 25)).fit(rated_vectors, rated)
        results["ridge", size] = held_out.score(np.clip(ridge.predict(test_vectors), 0, 10))
        model = fit(TrainingData(rated_vectors, rated), seed=seed)
        results["evaluator", size] = held_out.score(model.predict(test_vectors)[0])
        ratings = np.r_[rated, np.full(len(unrated), np.nan, dtype=np.float32)]
        vectors = np.vstack([rated_vectors, pool[unrated]])
        with_pairs = TrainingData(vectors, ratings, pairs - max(sizes) + size)
        predicted, spread = fit(with_pairs, seed=seed).predict(test_vectors)
        results["evaluator + 500 prefs", size] = held_out.score(predicted)
        rarity = -np.bincount(pool_topics[:size], minlength=TOPICS)[test_topics]
        results["uncertainty", size] = held_out.uncertainty_check(predicted, spread, rarity)
        results["true taste", size] = held_out.score(test_taste)
        print(f"  repeat seed {seed}: {size} ratings done", file=sys.stderr, flush=True)
    return results


def calibration_repeat(seed: int, sizes: list[int]) -> dict:
    """Per size: (held-out MAE, median ±, share inside ±, validation's cross-fitted share,
    median posterior-only ±, share inside it), on 2,000 fresh held-out ratings."""
    library = Library(seed)
    rng = np.random.default_rng(seed + 5000)
    test_vectors, test_topics = library.images(2000, rng)
    test_ratings = noisy_ratings(library.taste(test_vectors, test_topics), rng)
    pool, pool_topics = library.images(max(sizes), rng)
    pool_ratings = noisy_ratings(library.taste(pool, pool_topics), rng)
    results = {}
    for size in sizes:
        data = TrainingData(pool[:size], pool_ratings[:size])
        report = cross_validate(data, seed=seed, curve=())
        model = fit(data, seed=seed)
        predicted, doubt = model.predict(test_vectors)  # as fit returns it: the posterior
        interval = report.interval
        _, shown = model.calibrated(interval.noise_variance, interval.scale).predict(test_vectors)
        results[size] = (
            mae(test_ratings, predicted),
            float(np.median(shown)),
            share_inside(test_ratings, predicted, shown),
            interval.held_out_coverage,
            float(np.median(doubt)),
            share_inside(test_ratings, predicted, doubt),
        )
        print(f"  ± check seed {seed}: {size} ratings done", file=sys.stderr, flush=True)
    return results


def calibration_table(runs: list[dict], sizes: list[int]) -> list[str]:
    lines = [
        f"| ratings | held-out MAE | median ± | inside ± (target {COVERAGE:.0%}) | "
        "validation's estimate | median ± before (posterior only) | inside it |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        values = np.array([run[size] for run in runs])
        cells = [_cell(values[:, column]) for column in range(values.shape[1])]
        lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
    return lines


def _cell(values: NDArray) -> str:
    if np.isnan(values).all():
        return "—"
    spread = f" ± {np.nanstd(values):.3f}" if len(values) > 1 else ""
    return f"{np.nanmean(values):.3f}{spread}"


def summarise(runs: list[dict], sizes: list[int]) -> list[str]:
    """Markdown table: mean ± sd over libraries of each metric, per size and method."""
    lines = ["| ratings | method | " + " | ".join(METRICS) + " |", "|---:|---|" + "---:|" * 4]
    for size in sizes:
        for method in METHODS:
            cells = [
                _cell(np.array([run[method, size][m] for run in runs], dtype=float))
                for m in range(len(METRICS))
            ]
            lines.append(f"| {size:,} | {method} | " + " | ".join(cells) + " |")
    return lines


def paired_differences(runs: list[dict], sizes: list[int]) -> list[str]:
    """Per-library differences: does each gain hold on every library, not just on average?"""
    comparisons = (("evaluator", "ridge"), ("evaluator + 500 prefs", "evaluator"))
    header = "| ratings | " + " | ".join(f"{a} − {b}: Spearman / pairwise" for a, b in comparisons)
    lines = [header + " |", "|---:|---:|---:|"]
    for size in sizes:
        cells = []
        for better, worse in comparisons:
            parts = []
            for metric in (0, 1):
                diff = np.array([r[better, size][metric] - r[worse, size][metric] for r in runs])
                parts.append(f"{diff.mean():+.3f} ({(diff > 0).sum()}/{len(diff)} > 0)")
            cells.append(" / ".join(parts))
        lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
    return lines


def uncertainty_table(runs: list[dict], sizes: list[int]) -> list[str]:
    lines = [
        "| ratings | mean uncertainty | rank corr. with error | rank corr. with topic rarity "
        "| RMS error / uncertainty |",
        "|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        values = np.array([run["uncertainty", size] for run in runs]).mean(axis=0)
        lines.append(f"| {size:,} | {values[0]:.2f} | {values[1]:+.2f} | {values[2]:+.2f} | "
                     f"{values[3]:.2f} |")  # fmt: skip
    return lines


def plot(runs: list[dict], sizes: list[int], path: Path) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: no plot (pip install matplotlib to get one)."
    figure, axes = plt.subplots(1, len(METRICS), figsize=(20, 4.8))
    for metric, (axis, label) in enumerate(zip(axes, METRICS, strict=True)):
        for method in METHODS:
            values = np.array([[run[method, s][metric] for s in sizes] for run in runs], float)
            if np.isnan(values).all():
                continue
            style = "--" if method == "true taste" else "-"
            mean, sd = np.nanmean(values, 0), np.nanstd(values, 0)
            axis.errorbar(sizes, mean, yerr=sd, label=method, marker="o", capsize=3,
                          linestyle=style, color=COLOURS[method])  # fmt: skip
        axis.set_xscale("log")
        axis.set_xlabel("training ratings")
        axis.set_title(f"held-out {label}")
        axis.grid(alpha=0.3)
    axes[2].legend(fontsize=8)
    figure.suptitle("Evaluator learning curves (mean ± sd over synthetic libraries)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    return f"plot written to {path}"


def time_fit(seed: int, n_ratings: int, n_pairs: int) -> tuple[float, object]:
    library = Library(seed)
    rng = np.random.default_rng(seed + 2000)
    vectors, topics = library.images(n_ratings + 2 * n_pairs, rng)
    taste = library.taste(vectors, topics)
    ratings = noisy_ratings(taste, rng)
    ratings[n_ratings:] = np.nan
    pairs = preferences(taste, np.arange(n_ratings, len(vectors)), n_pairs, rng)
    data = TrainingData(vectors, ratings, pairs)
    started = time.perf_counter()
    model = fit(data, seed=seed)
    return time.perf_counter() - started, (library, model, data)


def time_predict(library: Library, model, count: int, seed: int) -> float:
    """Seconds to predict `count` vectors, fed in 10,000-row batches as from a memory map."""
    rng = np.random.default_rng(seed + 3000)
    spent = 0.0
    for start in range(0, count, 10_000):
        batch, _ = library.images(min(10_000, count - start), rng)
        started = time.perf_counter()
        rating, spread = model.predict(batch)
        spent += time.perf_counter() - started
        assert rating.min() >= 0 and rating.max() <= 10 and np.isfinite(spread).all()
    return spent


class _MappedVectors:
    """What predict_all reads from the vector mirror: ids and a memory-mapped matrix."""

    def __init__(self, ids: list[str], matrix: np.ndarray):
        self.ids, self.matrix = ids, matrix

    def everything(self) -> tuple[list[str], np.ndarray]:
        return self.ids, self.matrix


def time_predict_catalog(
    library: Library, model, count: int, seed: int, work: Path
) -> dict[str, float]:
    """Seconds for evaluator.predictions.predict_all, the path `predict` and Train take:
    vectors read from a memory map, predictions written to a real catalog of `count`
    images (a user rating on 1 % of them), in batches; the bulk path ("now") and the
    row-by-row one through the triggers ("before"), each on its own copy of the same
    catalog, one after the other. Both must leave the same rating order."""
    import shutil

    from synthetic_catalog import bulk_load, content_ids, insert_images  # beside this script

    from evaluator.predictions import predict_all
    from indexing.store.catalog import Catalog

    ids = content_ids(count)
    path = work / "catalog.sqlite3"
    with bulk_load(path) as conn:
        insert_images(
            conn, ids, lambda n, cid: (cid, 1, 64, 64, "JPEG", 0.0, 0.0, cid, None, None),
            lambda n: f"/photos/{n:07d}.jpg",
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO ratings(content_id, rating, rated_at) VALUES (?, ?, 0)",
            ((cid, float(n % 11)) for n, cid in enumerate(ids) if n % 100 == 7),
        )
        conn.execute(
            "UPDATE images SET rating_key = r.rating, rating_source = 'user' "
            "FROM ratings r WHERE r.content_id = images.content_id"
        )
    rng = np.random.default_rng(seed + 4000)
    matrix = np.lib.format.open_memmap(work / "vectors.npy", "w+", np.float32, (count, DIM))
    for start in range(0, count, 50_000):
        matrix[start : start + 50_000] = library.images(min(50_000, count - start), rng)[0]
    matrix.flush()
    mapped = np.load(work / "vectors.npy", mmap_mode="r")
    seconds, orders = {}, {}
    for name, row_by_row in (("now", False), ("before", True)):
        copy = work / f"catalog-{name}.sqlite3"
        shutil.copy(path, copy)
        with Catalog(copy) as catalog:
            started = time.perf_counter()
            done = predict_all(
                catalog, _MappedVectors(ids, mapped), model, "bench-evaluator",
                row_by_row=row_by_row,
            )  # fmt: skip
            seconds[name] = time.perf_counter() - started
            orders[name] = catalog.conn.execute(
                "SELECT content_id, rating_source FROM images ORDER BY rating_key, content_id"
            ).fetchall()
        assert done == count
    assert orders["now"] == orders["before"], "the bulk path sorts differently"
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=None, help="libraries drawn (default 5)")
    parser.add_argument("--timings-only", action="store_true", help="skip the learning curves")
    parser.add_argument("--no-catalog", action="store_true", help="skip predict_all's catalog run")
    parser.add_argument(
        "--calibration-only", action="store_true", help="only the check of the ± (80 %% target)"
    )
    parser.add_argument("--predict", type=int, help="images to predict (default 1M; quick 100k)")
    parser.add_argument("--no-validate", action="store_true", help="skip cross_validate")
    args = parser.parse_args()
    sizes = [50, 200, 1000] if args.quick else [50, 100, 200, 500, 1000, 5000]
    repeats = args.repeats or (1 if args.quick else 5)
    calibration_sizes = [100, 1000] if args.quick else [50, 200, 1000]
    if not args.timings_only:
        checks = [calibration_repeat(args.seed + 17 * r, calibration_sizes) for r in range(repeats)]
        print(f"\n## The ± shown with predictions ({repeats} libraries × 2,000 held-out ratings)\n")
        print("\n".join(calibration_table(checks, calibration_sizes)))
    if args.calibration_only:
        return
    fit_size = (2000, 1000) if args.quick else (10_000, 5000)
    predict_count = args.predict or (100_000 if args.quick else 1_000_000)
    runs = []
    for repeat in range(0 if args.timings_only else repeats):
        runs.append(one_repeat(args.seed + 17 * repeat, sizes, n_pairs=500))
    if runs:
        print(f"\n## Held-out scores ({repeats} libraries × 2,000 held-out ratings and pairs)\n")
        print("\n".join(summarise(runs, sizes)))
        print("\n## Paired differences per library\n")
        print("\n".join(paired_differences(runs, sizes)))
        print("\n## Uncertainty of the evaluator + 500 prefs, against the hidden taste\n")
        print("\n".join(uncertainty_table(runs, sizes)))
        print("\n" + plot(runs, sizes, OUT / "evaluator_learning_curve.png"))

    load = os.getloadavg()[0]
    seconds, (library, model, data) = time_fit(args.seed, *fit_size)
    cpus = os.cpu_count()
    print(f"\n## Timings ({cpus} CPUs, load average {load:.1f} before; fit: 1 BLAS thread)\n")
    print(f"- fit on {fit_size[0]:,} ratings + {fit_size[1]:,} preferences: {seconds:.1f} s "
          f"(settings: {model.params})")  # fmt: skip
    predict = time_predict(library, model, predict_count, args.seed)
    print(f"- predict {predict_count:,} vectors in 10,000-row batches: {predict:.1f} s")
    if not args.no_catalog:
        with tempfile.TemporaryDirectory(prefix="pictor-eval-bench-") as work:
            took = time_predict_catalog(library, model, predict_count, args.seed, Path(work))
        print(f"- predict_all (memory map in, catalog rows out, as `predict` does) for "
              f"{predict_count:,} images: {took['now']:.1f} s; row by row through the "
              f"triggers (before): {took['before']:.1f} s; before / now "
              f"{took['before'] / took['now']:.1f}x; the same rating order")  # fmt: skip
    if args.no_validate:
        return
    started = time.perf_counter()
    report = cross_validate(data, seed=args.seed)
    validate = time.perf_counter() - started
    print(
        f"- cross_validate ({report.folds} folds + learning curve) on the same data: "
        f"{validate:.1f} s; model Spearman {report.model.spearman:.3f}, "
        f"pairwise {report.model.pairwise_accuracy:.3f}, MAE {report.model.mae:.3f} vs "
        f"baseline MAE {report.baseline.mae:.3f}"
    )
    print(f"- what Train runs (validation, then the final fit): {validate + seconds:.1f} s "
          "(target <= 30 s)")  # fmt: skip


if __name__ == "__main__":
    main()

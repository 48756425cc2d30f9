"""The evaluator's learning core on synthetic tastes: what a user would notice.

Embeddings are clustered unit vectors (topics); the hidden taste is known, so the tests
check that the model finds it from noisy ratings and preferences, ranks held-out images
and pairs in the right order, and fails with a clear sentence when it cannot.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from evaluator import (
    MIN_RATINGS,
    Cancelled,
    FittedModel,
    TrainingData,
    TrainingError,
    TrainProgress,
    cross_validate,
    fit,
    mae,
    pairwise_accuracy,
    readiness,
    spearman,
)

DIM = 64


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


class World:
    """Topics on the unit sphere and a hidden taste: linear, or linear + topic offsets.

    The nonlinear taste likes eight "pure" topics and dislikes the eight blends between
    neighbouring pairs of them (say cats, and landscapes, but not cats in landscapes). A
    blend's centre is the normalised sum of two liked centres, so every linear function
    scores it at least as high as their average: only a nonlinear model can dislike it.
    """

    def __init__(self, seed: int, nonlinear: bool, topics: int = 8) -> None:
        rng = np.random.default_rng(seed)
        self.rng = rng
        pure = unit(rng.standard_normal((topics, DIM)))
        self.direction = unit(rng.standard_normal(DIM))
        if nonlinear:
            blends = unit(pure + np.roll(pure, 1, axis=0))
            self.centres = np.vstack([pure, blends])
            self.offsets = np.r_[np.full(topics, 1.5), np.full(topics, -1.5)]
        else:
            self.centres, self.offsets = pure, np.zeros(topics)
        reference, _ = self.images(5000)
        linear = reference @ self.direction
        self.linear_scale = linear.mean(), linear.std()

    def images(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        topics = self.rng.integers(0, len(self.centres), n)
        noise = self.rng.standard_normal((n, DIM)) * 0.05
        return unit(self.centres[topics] + noise), topics

    def taste(self, vectors: np.ndarray, topics: np.ndarray) -> np.ndarray:
        linear = (vectors @ self.direction - self.linear_scale[0]) / self.linear_scale[1]
        return 5.0 + 1.5 * linear + self.offsets[topics]

    def ratings(self, taste: np.ndarray) -> np.ndarray:
        return np.clip(taste + self.rng.standard_normal(len(taste)), 0, 10).astype(np.float32)

    def pairs(self, taste: np.ndarray, rows: np.ndarray, count: int) -> np.ndarray:
        a, b = self.rng.choice(rows, count), self.rng.choice(rows, count)
        a, b = a[a != b], b[a != b]
        noise = self.rng.standard_normal((2, len(a)))
        a_wins = taste[a] + noise[0] > taste[b] + noise[1]
        return np.where(a_wins[:, None], np.c_[a, b], np.c_[b, a])


def rated_data(world: World, n: int) -> tuple[TrainingData, np.ndarray]:
    vectors, topics = world.images(n)
    taste = world.taste(vectors, topics)
    return TrainingData(vectors, world.ratings(taste)), taste


def held_out(world: World, n: int = 1000):
    vectors, topics = world.images(n)
    taste = world.taste(vectors, topics)
    return vectors, taste, world.pairs(taste, np.arange(n), 1000)


# --- metrics against hand computations ---------------------------------------------------


def test_mae_is_the_mean_absolute_difference_ignoring_unknowns():
    assert mae([1, 2, 3, np.nan], [2, 2, 5, 4]) == pytest.approx((1 + 0 + 2) / 3)


def test_spearman_uses_average_ranks_for_ties():
    # true ranks 1, 2.5, 2.5, 4 and predicted ranks 1, 3, 2, 4; centred: (-1.5, 0, 0, 1.5)
    # and (-1.5, .5, -.5, 1.5): r = 4.5 / sqrt(4.5 * 5).
    assert spearman([1, 2, 2, 3], [10, 30, 20, 40]) == pytest.approx(4.5 / np.sqrt(4.5 * 5))
    assert spearman([1, 2, 3, np.nan], [3, 2, 1, 0]) == pytest.approx(-1.0)
    assert np.isnan(spearman([1, 2, 3], [5, 5, 5]))  # a constant predictor has no ranking


def test_pairwise_accuracy_counts_ties_in_score_as_half():
    scores = [3.0, 1.0, 2.0, 2.0]
    pairs = [(0, 1), (1, 0), (2, 3), (0, 2)]  # right, wrong, tie, right
    assert pairwise_accuracy(scores, pairs) == pytest.approx(2.5 / 4)
    assert pairwise_accuracy([7.0] * 4, pairs) == 0.5


# --- learning ----------------------------------------------------------------------------


def test_a_linear_taste_is_recovered_well_above_the_mean_baseline():
    world = World(seed=1, nonlinear=False)
    data, _ = rated_data(world, 300)
    vectors, taste, pairs = held_out(world)
    predicted, uncertainty = fit(data).predict(vectors)
    baseline = np.full(len(vectors), np.nanmean(data.ratings))
    assert spearman(taste, predicted) > 0.85
    assert mae(taste, predicted) < 0.5 * mae(taste, baseline)
    assert pairwise_accuracy(predicted, pairs) > 0.75
    assert uncertainty.shape == predicted.shape and (uncertainty >= 0).all()


def test_a_nonlinear_taste_is_captured_where_a_linear_fit_is_not():
    from sklearn.linear_model import RidgeCV

    world = World(seed=2, nonlinear=True)
    data, _ = rated_data(world, 300)
    vectors, taste, _ = held_out(world)
    predicted, _ = fit(data).predict(vectors)
    linear = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(data.vectors, data.ratings)
    linear_error = mae(taste, np.clip(linear.predict(vectors), 0, 10))
    assert spearman(taste, predicted) > 0.85
    assert mae(taste, predicted) < 0.8 * linear_error


def test_preferences_alone_put_held_out_pairs_in_the_right_order():
    world = World(seed=3, nonlinear=False)
    vectors, topics = world.images(600)
    taste = world.taste(vectors, topics)
    ratings = np.full(600, np.nan, dtype=np.float32)
    ratings[:3] = world.ratings(taste[:3])
    data = TrainingData(vectors, ratings, world.pairs(taste, np.arange(600), 500))
    test_vectors, _, test_pairs = held_out(world)
    predicted, _ = fit(data).predict(test_vectors)
    assert pairwise_accuracy(predicted, test_pairs) > 0.75


def test_preferences_add_accuracy_to_a_few_ratings():
    world = World(seed=4, nonlinear=True)
    vectors, topics = world.images(40 + 800)
    taste = world.taste(vectors, topics)
    ratings = np.full(len(vectors), np.nan, dtype=np.float32)
    ratings[:40] = world.ratings(taste[:40])
    only_ratings = TrainingData(vectors[:40], ratings[:40])
    with_pairs = TrainingData(vectors, ratings, world.pairs(taste, np.arange(40, 840), 600))
    test_vectors, _, test_pairs = held_out(world)
    alone = pairwise_accuracy(fit(only_ratings).predict(test_vectors)[0], test_pairs)
    helped = pairwise_accuracy(fit(with_pairs).predict(test_vectors)[0], test_pairs)
    assert helped > alone + 0.03


def test_predictions_stay_on_the_rating_scale_and_batches_agree():
    world = World(seed=5, nonlinear=False)
    vectors, topics = world.images(200)
    extreme = 5.0 + 6.0 * (world.taste(vectors, topics) - 5.0)  # most ratings hit 0 or 10
    data = TrainingData(vectors, world.ratings(extreme))
    model = fit(data)
    far = unit(np.vstack([world.direction * 50 + 1e-3, -world.direction, world.images(500)[0]]))
    whole, whole_spread = model.predict(far)
    batched, batched_spread = model.predict(far, batch=7)
    assert whole.min() >= 0.0 and whole.max() <= 10.0
    np.testing.assert_allclose(batched, whole, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(batched_spread, whole_spread, rtol=1e-4, atol=1e-4)


def test_uncertainty_is_higher_for_topics_nobody_rated():
    world = World(seed=12, nonlinear=False)
    vectors, topics = world.images(900)
    seen = topics % 4 != 0  # two of the eight topics never get a rating
    taste = world.taste(vectors, topics)
    model = fit(TrainingData(vectors[seen][:300], world.ratings(taste[seen][:300])))
    test_vectors, test_topics = world.images(1000)
    _, uncertainty = model.predict(test_vectors)
    unseen = test_topics % 4 == 0
    assert np.median(uncertainty[unseen]) > 1.5 * np.median(uncertainty[~unseen])
    assert (uncertainty > 0).all() and np.isfinite(uncertainty).all()


# --- progress, cancellation and refusals -------------------------------------------------


def test_progress_reports_stages_up_to_completion():
    data, _ = rated_data(World(seed=6, nonlinear=False), 60)
    seen: list[TrainProgress] = []
    fit(data, progress=seen.append)
    stages = [step.stage for step in seen]
    assert {"search", "final"} <= set(stages)
    fractions = [step.fraction for step in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)


def test_cancel_stops_training_at_the_first_check_after_it_turns_true():
    data, _ = rated_data(World(seed=7, nonlinear=False), 60)
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) >= 3

    with pytest.raises(Cancelled):
        fit(data, cancel=cancel)
    assert len(calls) == 3


def test_too_few_ratings_say_how_many_more_are_needed():
    data, _ = rated_data(World(seed=8, nonlinear=False), MIN_RATINGS - 3)
    with pytest.raises(TrainingError, match="Rate 3 more images"):
        fit(data)
    assert readiness(MIN_RATINGS - 3, 2) == (
        False,
        "Rate 2 more images (or give 4 more preferences) to train.",
    )
    assert readiness(MIN_RATINGS - 4, 8)[0]


def test_identical_ratings_without_preferences_train_nothing_and_say_why():
    vectors, _ = World(seed=9, nonlinear=False).images(30)
    with pytest.raises(TrainingError, match="All 30 ratings are 7"):
        fit(TrainingData(vectors, np.full(30, 7.0)))
    pairs = np.array([[0, 1], [2, 3], [4, 5]])
    model = fit(TrainingData(vectors, np.full(30, 7.0), pairs))  # preferences still teach
    scores, _ = model.predict(vectors)
    assert pairwise_accuracy(scores, pairs) == 1.0


@pytest.mark.parametrize(
    ("vectors", "ratings", "pairs", "message"),
    [
        (np.ones((3, 4)), np.zeros(3), None, "L2-normalised"),
        (unit(np.ones((3, 4))), np.zeros(4), None, "shape"),
        (unit(np.ones((3, 4))), [1, 2, 11], None, "between 0 and 10"),
        (unit(np.ones((3, 4))), np.zeros(3), [[0, 3]], "outside"),
        (unit(np.ones((3, 4))), np.zeros(3), [[1, 1]], "itself"),
        (unit(np.ones((3, 4))), np.zeros(3), [0, 1], "shape"),
    ],
)
def test_bad_training_data_is_refused_in_one_sentence(vectors, ratings, pairs, message):
    with pytest.raises(ValueError, match=message):
        TrainingData(vectors, ratings, np.zeros((0, 2), np.int64) if pairs is None else pairs)


# --- storage -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_model() -> tuple[FittedModel, np.ndarray]:
    world = World(seed=10, nonlinear=True)
    data, _ = rated_data(world, 80)
    return fit(data), world.images(300)[0]


def test_a_stored_model_predicts_exactly_as_before(small_model):
    model, vectors = small_model
    loaded = FittedModel.from_bytes(model.to_bytes())
    before, after = model.predict(vectors), loaded.predict(vectors)
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[1], after[1])
    assert loaded.params == model.params and loaded.dim == DIM


def test_corrupt_or_foreign_bytes_raise_value_error(small_model):
    data = small_model[0].to_bytes()
    for corrupt in (b"", b"not a model", data[: len(data) // 2], data[:-10]):
        with pytest.raises(ValueError):
            FittedModel.from_bytes(corrupt)
    # Every byte of the first .npy header and of the zip directory at the end, and a sample
    # of the rest: damage anywhere must end in ValueError or leave the model intact.
    step = len(data) // 100
    positions = [*range(200), *range(len(data) - 400, len(data)), *range(0, len(data), step)]
    for position in positions:
        flipped = bytearray(data)
        flipped[position] ^= 0xFF
        try:
            loaded = FittedModel.from_bytes(bytes(flipped))
        except ValueError:
            continue
        # A flip the container cannot notice (e.g. in a zip comment) must not change anything.
        model, vectors = small_model
        np.testing.assert_array_equal(loaded.predict(vectors)[0], model.predict(vectors)[0])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("header_json.npy", b"\x93NUMPY")
    with pytest.raises(ValueError):
        FittedModel.from_bytes(buffer.getvalue())


def test_predicting_vectors_of_another_size_is_refused(small_model):
    with pytest.raises(ValueError, match=f"\\(n, {DIM}\\)"):
        small_model[0].predict(np.zeros((2, DIM + 1), dtype=np.float32))


# --- cross-validation --------------------------------------------------------------------


def test_cross_validation_scores_model_and_baseline_on_the_same_folds():
    world = World(seed=11, nonlinear=True)
    vectors, topics = world.images(260)
    taste = world.taste(vectors, topics)
    ratings = world.ratings(taste)
    ratings[200:] = np.nan
    data = TrainingData(vectors, ratings, world.pairs(taste, np.arange(260), 150))
    seen: list[TrainProgress] = []
    report = cross_validate(data, folds=4, seed=3, progress=seen.append)

    assert len(report.per_fold) == 4
    for fold in report.per_fold:
        assert fold.model.n_ratings == fold.baseline.n_ratings > 0
        assert fold.model.n_pairs == fold.baseline.n_pairs
        if fold.baseline.n_pairs:
            assert fold.baseline.pairwise_accuracy == 0.5  # a constant ranks nothing
    assert report.model.n_ratings == report.baseline.n_ratings == 200
    assert sorted(report.held_out_rows.tolist()) == list(range(200))
    assert report.model.mae < 0.8 * report.baseline.mae
    assert report.model.spearman > 0.6 and np.isnan(report.baseline.spearman)
    curve = [point.n_train_ratings for point in report.learning_curve]
    assert len(curve) == 4 and curve == sorted(curve)
    assert report.learning_curve[-1].model.mae == pytest.approx(report.model.mae)
    fractions = [step.fraction for step in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert {step.stage for step in seen} == {"validate", "learning-curve"}
    as_json = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert as_json["baseline"]["spearman"] is None
    assert len(as_json["scatter"]["true"]) == len(as_json["scatter"]["predicted"]) == 200


# --- the ± and the baseline --------------------------------------------------------------


def test_the_shown_plus_minus_holds_about_four_in_five_new_ratings():
    """The ± beside a prediction is where the user's own ratings fall, not the model's much
    smaller doubt about its weights (which showed "± 0.6" beside a held-out MAE of 2.9)."""
    world = World(seed=21, nonlinear=True)
    data, _ = rated_data(world, 300)
    report = cross_validate(data, seed=2, curve=())
    interval = report.interval
    model = fit(data, seed=2).calibrated(interval.noise_variance, interval.scale)
    vectors, topics = world.images(2000)
    ratings = world.ratings(world.taste(vectors, topics))
    predicted, halfwidth = model.predict(vectors)
    inside = np.mean(np.abs(ratings - predicted) <= halfwidth)
    assert 0.72 <= inside <= 0.9
    assert 0.72 <= interval.held_out_coverage <= 0.88  # what the Train tab reports
    assert np.median(halfwidth) > mae(ratings, predicted)
    stored = FittedModel.from_bytes(model.to_bytes())
    np.testing.assert_allclose(stored.predict(vectors[:50])[1], halfwidth[:50], rtol=1e-5)


def test_a_model_no_better_than_the_mean_says_so():
    world = World(seed=22, nonlinear=False)
    vectors, _ = world.images(120)
    noise = world.rng.uniform(0, 10, 120).astype(np.float32)  # ratings unrelated to images
    report = cross_validate(TrainingData(vectors, noise), seed=1, curve=())
    assert report.model.mae >= report.baseline.mae
    assert report.beats_baseline is False
    assert report.to_dict()["beats_baseline"] is False

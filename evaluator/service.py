"""Train, predict, list and switch evaluators: what the CLI and the Train tab call.

Training is: gather the ratings and preferences that have vectors under the current CLIP
model; check there are enough; validate honestly (k-fold, with the mean baseline on the
same folds: evaluator.validation); fit the final model on everything, with the ± that
validation calibrated (evaluator.calibration); save it; make it active; predict every
image. Until that last step succeeds the previous evaluator stays active, so a cancelled
or failed run changes nothing.

A model that does not beat the baseline on held-out data is saved but not made active
unless the caller says so (`activate_anyway`); the previous evaluator, if any, stays
active, and `use` makes the new one active later if the user chooses it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from evaluator import gather as gathering
from evaluator.model import fit
from evaluator.predictions import clear_predictions, predict_all
from evaluator.registry import EvaluatorRecord, ModelFileError, Registry
from evaluator.training_data import (
    MIN_TO_TRAIN,
    Cancelled,
    TrainingData,
    TrainingError,
    TrainProgress,
    readiness,
)
from evaluator.validation import cross_validate
from indexing.errors import PictorError
from indexing.progress import ProgressCallback, no_progress
from indexing.store.data_folder import DataFolder

TrainCallback = Callable[[TrainProgress], None]


@dataclass(slots=True)
class TrainOutcome:
    record: EvaluatorRecord
    predicted: int
    seconds: dict[str, float] = field(default_factory=dict)
    active_id: str | None = None  # the evaluator active after the run (the old one, if kept)

    @property
    def beats_baseline(self) -> bool:
        return beats_baseline(self.record)

    @property
    def activated(self) -> bool:
        return self.record.active

    def verdict(self) -> str:
        """One sentence on whether the new evaluator is in use, and why (not)."""
        return verdict(self.record, self.active_id)

    def as_dict(self) -> dict[str, Any]:
        report = self.record.report
        return {
            "model_id": self.record.id,
            "clip_model": self.record.clip_model_id,
            "ratings": self.record.ratings,
            "pairs": self.record.pairs,
            "skipped": self.record.skipped,
            "metrics": report.get("model"),
            "baseline": report.get("baseline"),
            "interval": report.get("interval"),
            "beats_baseline": self.beats_baseline,
            "activated": self.activated,
            "active_model_id": self.active_id,
            "message": self.verdict(),
            "predicted": self.predicted,
            "seconds": self.seconds,
        }


def beats_baseline(record: EvaluatorRecord) -> bool:
    """What validation said (records saved before it said so count as beating it)."""
    return bool(record.report.get("beats_baseline", True))


def verdict(record: EvaluatorRecord, active_id: str | None) -> str:
    model, base = record.report.get("model") or {}, record.report.get("baseline") or {}
    if beats_baseline(record):
        return f"{record.id} beats the baseline on held-out data and is active."
    mae, base_mae = model.get("mae"), base.get("mae")
    how = (
        f"its held-out MAE is {mae:.3f} against {base_mae:.3f} for always predicting your "
        "mean rating"
        if mae is not None and base_mae is not None
        else "it orders held-out preferences no better than chance"
    )
    if record.active:
        return f"{record.id} does not beat the baseline ({how}); it is active as you chose."
    kept = f"{active_id} stays active" if active_id else "no evaluator is active"
    return (
        f"{record.id} does not beat the baseline: {how}. It is saved but not used; {kept}. "
        "Rate more images (or more varied ones) and train again, or use it anyway."
    )


def registry(library: DataFolder, catalog) -> Registry:
    return Registry(catalog, library.settings.data_dir / "evaluators")


def status(library: DataFolder) -> dict[str, Any]:
    """Counts, whether training can start (and why not), the active evaluator, staleness."""
    with library.open_catalog() as catalog:
        ratings, pairs, ties = gathering.counts(catalog)
        book = registry(library, catalog)
        active = book.active()
        broken = active is not None and not book.has_file(active)
    ready, message = readiness(ratings, pairs, MIN_TO_TRAIN)
    stale = active is not None and active.clip_model_id != library.model_id
    if broken and active is not None:
        message = (
            f"The active evaluator's file ({active.file}) is missing from "
            f"{library.settings.data_dir / 'evaluators'}: train again to get predictions."
        )
    elif stale and active is not None:
        message = (
            f"The active evaluator was trained on {active.clip_model_id}; the library now uses "
            f"{library.model_id}, so it predicts nothing new (the predictions shown are from "
            "before the switch). Retrain to use your ratings with this model."
        )
    return {
        "ratings": ratings,
        "pairs": pairs,  # every preference, ties included
        "ties": ties,
        "needed": MIN_TO_TRAIN,
        "ready": ready,
        "message": message,
        "active": active.as_dict() if active else None,
        "stale": stale,
        "broken": broken,
    }


def train(
    library: DataFolder,
    progress: TrainCallback | None = None,
    cancel: Callable[[], bool] | None = None,
    predict_progress: ProgressCallback = no_progress,
    activate_anyway: bool = False,
) -> TrainOutcome:
    """Raises TrainingError (with the reason) or Cancelled; the old evaluator stays active.

    A model that does not beat the baseline is saved but activated only with
    `activate_anyway` (see the module docstring)."""
    cancel = cancel or (lambda: False)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    mirror = _synced_mirror(library)
    with library.open_catalog() as catalog:
        found = gathering.gather(catalog, mirror)
    data = _check(library, found)
    report = cross_validate(data, progress=progress, cancel=cancel)
    seconds["validate"] = time.perf_counter() - started
    model = fit(data, progress=progress, cancel=cancel)
    model.calibrated(report.interval.noise_variance, report.interval.scale)
    seconds["fit"] = time.perf_counter() - started - seconds["validate"]
    seen = {"ratings": found.ratings, "pairs": found.pairs + found.ties,
            "skipped": found.skipped_ratings + found.skipped_pairs}  # fmt: skip
    if cancel():
        raise Cancelled("training was cancelled; the previous evaluator stays active")
    # From here on the new evaluator is the active one: predicting every image is part of
    # putting it in place, not of training, so Cancel no longer applies.
    with library.open_catalog() as catalog:
        book = registry(library, catalog)
        record = book.save(model, library.model_id, seen, report.to_dict())
        predicted = 0
        if report.beats_baseline or activate_anyway:
            book.activate(record.id)
            predicted = predict_all(catalog, mirror, model, record.id, progress=predict_progress)
        record = book.get(record.id)
        active = book.active()
    seconds["predict"] = time.perf_counter() - started - seconds["validate"] - seconds["fit"]
    rounded = {k: round(v, 2) for k, v in seconds.items()}
    return TrainOutcome(record, predicted, rounded, active.id if active else None)


def _check(library: DataFolder, found: gathering.Gathered) -> TrainingData:
    """The gathered training data, or TrainingError saying why there is not enough."""
    if found.data is None or found.ratings + (found.pairs + found.ties) == 0:
        skipped = found.skipped_ratings + found.skipped_pairs
        if skipped:
            raise TrainingError(
                f"None of your {skipped} ratings and choices has a CLIP vector under "
                f"{library.model_id} yet: index your folders with embeddings on (the CLIP "
                "weights must be available), then train."
            )
    ready, message = readiness(found.ratings, found.pairs + found.ties, MIN_TO_TRAIN)
    if not ready:
        extra = (
            f" ({found.skipped_ratings} ratings wait for a CLIP vector)"
            if found.skipped_ratings
            else ""
        )
        raise TrainingError(message + extra)
    assert found.data is not None  # no data means no ratings or pairs: refused above
    return found.data


def predict(
    library: DataFolder, progress: ProgressCallback = no_progress, only_missing: bool = False
) -> int:
    """Refresh predictions with the active evaluator (of this CLIP model); return how many."""
    with library.open_catalog() as catalog:
        book = registry(library, catalog)
        record = book.active()
        if record is None:
            raise PictorError("No evaluator is trained yet: rate some images, then train one.")
        if record.clip_model_id != library.model_id:
            raise PictorError(status(library)["message"])
        try:
            model = book.load(record)
        except ModelFileError as exc:
            book.deactivate()
            clear_predictions(catalog)
            raise PictorError(
                f"{exc}; there is no active evaluator now: train a new one."
            ) from None
        mirror = _synced_mirror(library)
        return predict_all(
            catalog, mirror, model, record.id, progress=progress, only_missing=only_missing
        )


def predict_new(library: DataFolder) -> int:
    """After indexing: predictions for images that have none, if an evaluator applies."""
    try:
        return predict(library, only_missing=True)
    except PictorError:
        return 0  # no evaluator, a stale one, or no vectors yet: nothing to predict


def evaluators(library: DataFolder) -> list[EvaluatorRecord]:
    with library.open_catalog() as catalog:
        return registry(library, catalog).all()


def use(
    library: DataFolder, evaluator_id: str, progress: ProgressCallback = no_progress
) -> EvaluatorRecord:
    """Make an earlier evaluator active again, and predict with it."""
    with library.open_catalog() as catalog:
        book = registry(library, catalog)
        try:
            record = book.get(evaluator_id)
        except KeyError:
            raise PictorError(f"no evaluator {evaluator_id!r}; see: launch.py evaluators") from None
        if record.clip_model_id != library.model_id:
            raise PictorError(
                f"{evaluator_id} was trained on {record.clip_model_id}, not {library.model_id}: "
                "it cannot rate these vectors."
            )
        model = book.load(record)  # ModelFileError: one line, and the active one stays
        predict_all(catalog, _synced_mirror(library), model, record.id, progress=progress)
        book.activate(record.id)
        return book.get(record.id)


def _synced_mirror(library: DataFolder):
    mirror = library.vector_mirror()
    try:
        mirror.sync(library.vectors(), force=True)
    except PictorError:
        raise
    except Exception as exc:  # Chroma unreachable and the like: say so in one line
        raise PictorError(f"cannot read the CLIP vectors: {type(exc).__name__}: {exc}") from None
    return mirror

"""The personal evaluator: ratings and preferences in, a model and predictions out.

Pure numpy/scipy (no torch, no database): the catalog builds a `TrainingData`, `fit` returns
a `FittedModel` whose `predict` rates any batch of CLIP embeddings with an uncertainty,
`to_bytes`/`from_bytes` store it, and `cross_validate` says honestly how good it is.
"""

from evaluator.fitted import FittedModel
from evaluator.metrics import mae, pairwise_accuracy, spearman
from evaluator.model import fit
from evaluator.training_data import (
    MIN_RATINGS,
    Cancelled,
    TrainingData,
    TrainingError,
    TrainProgress,
    readiness,
)
from evaluator.validation import cross_validate
from evaluator.validation_report import (
    CurvePoint,
    FoldResult,
    MetricSet,
    ValidationReport,
)

__all__ = [
    "MIN_RATINGS",
    "Cancelled",
    "CurvePoint",
    "FittedModel",
    "FoldResult",
    "MetricSet",
    "TrainProgress",
    "TrainingData",
    "TrainingError",
    "ValidationReport",
    "cross_validate",
    "fit",
    "mae",
    "pairwise_accuracy",
    "readiness",
    "spearman",
]

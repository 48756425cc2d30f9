"""Trained evaluators: a file each in data_dir/evaluators/, a row each in the catalog.

The rows are the store's (indexing/store/evaluators.py); this registry pairs them with the
model files. A row records the CLIP model the evaluator was trained on, what it saw and its
validation report; one row is active. An evaluator is only ever applied to vectors of its own CLIP
model: after a model switch the active one is stale until retrained (`stale`). A model
file that is missing or corrupt is reported, and the library falls back to no evaluator.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from evaluator.model import FittedModel
from indexing.errors import PictorError
from indexing.store.catalog import Catalog
from indexing.store.evaluators import EvaluatorRecord, EvaluatorRows

__all__ = ["EvaluatorRecord", "ModelFileError", "Registry"]


class ModelFileError(PictorError):
    """The active evaluator's file is missing or unreadable; the message says which."""


class Registry:
    def __init__(self, catalog: Catalog, folder: Path):
        self.catalog = catalog
        self.rows = EvaluatorRows(catalog)
        self.folder = Path(folder)

    def save(
        self, model: FittedModel, clip_model_id: str, seen: dict[str, int], report: dict
    ) -> EvaluatorRecord:
        """Write the model file (beside, then renamed) and its row; not active yet."""
        created = time.time()
        evaluator_id = (
            time.strftime("eval-%Y%m%d-%H%M%S-", time.localtime(created)) + uuid.uuid4().hex[:6]
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        file = f"{evaluator_id}.npz"
        partial = self.folder / (file + ".part")
        partial.write_bytes(model.to_bytes())
        os.replace(partial, self.folder / file)
        self.rows.add(evaluator_id, created, clip_model_id, seen, report, model.params, file)
        return self.rows.get(evaluator_id)

    def get(self, evaluator_id: str) -> EvaluatorRecord:
        return self.rows.get(evaluator_id)

    def all(self) -> list[EvaluatorRecord]:
        return self.rows.all()

    def active(self) -> EvaluatorRecord | None:
        return self.rows.active()

    def activate(self, evaluator_id: str) -> None:
        self.rows.activate(evaluator_id)

    def deactivate(self) -> None:
        self.rows.deactivate()

    def has_file(self, record: EvaluatorRecord) -> bool:
        return (self.folder / record.file).is_file()

    def load(self, record: EvaluatorRecord) -> FittedModel:
        path = self.folder / record.file
        try:
            return FittedModel.from_bytes(path.read_bytes())
        except FileNotFoundError:
            raise ModelFileError(f"the evaluator file {path} is missing") from None
        except (OSError, ValueError) as exc:
            raise ModelFileError(f"the evaluator file {path} is unreadable ({exc})") from None

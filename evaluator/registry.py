"""Trained evaluators: a file each in data_dir/evaluators/, a row each in the catalog.

A row records the CLIP model the evaluator was trained on, what it saw and its validation
report; one row is active. An evaluator is only ever applied to vectors of its own CLIP
model: after a model switch the active one is stale until retrained (`stale`). A model
file that is missing or corrupt is reported, and the library falls back to no evaluator.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from evaluator.model import FittedModel
from indexing.errors import PictorError
from indexing.store.catalog import Catalog

COLUMNS = (
    "id, created_at, clip_model_id, ratings, pairs, skipped, report_json, params_json, file, active"
)


@dataclass(frozen=True, slots=True)
class EvaluatorRecord:
    id: str
    created_at: float
    clip_model_id: str
    ratings: int
    pairs: int
    skipped: int
    report: dict[str, Any]
    params: dict[str, Any]
    file: str
    active: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_row(cls, row: Any) -> EvaluatorRecord:
        return cls(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]),
                   json.loads(row[7]), row[8], bool(row[9]))  # fmt: skip


class ModelFileError(PictorError):
    """The active evaluator's file is missing or unreadable; the message says which."""


class Registry:
    def __init__(self, catalog: Catalog, folder: Path):
        self.catalog = catalog
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
        with self.catalog.transaction() as conn:
            conn.execute(
                f"INSERT INTO evaluators({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (
                    evaluator_id,
                    created,
                    clip_model_id,
                    seen["ratings"],
                    seen["pairs"],
                    seen["skipped"],
                    json.dumps(report),
                    json.dumps(model.params, default=float),
                    file,
                ),
            )
        return self.get(evaluator_id)

    def get(self, evaluator_id: str) -> EvaluatorRecord:
        row = self.catalog.conn.execute(
            f"SELECT {COLUMNS} FROM evaluators WHERE id = ?", (evaluator_id,)
        ).fetchone()
        if row is None:
            raise KeyError(evaluator_id)
        return EvaluatorRecord.from_row(row)

    def all(self) -> list[EvaluatorRecord]:
        rows = self.catalog.conn.execute(
            f"SELECT {COLUMNS} FROM evaluators ORDER BY created_at DESC"
        )
        return [EvaluatorRecord.from_row(row) for row in rows]

    def active(self) -> EvaluatorRecord | None:
        row = self.catalog.conn.execute(
            f"SELECT {COLUMNS} FROM evaluators WHERE active = 1"
        ).fetchone()
        return EvaluatorRecord.from_row(row) if row else None

    def activate(self, evaluator_id: str) -> None:
        with self.catalog.transaction() as conn:
            conn.execute("UPDATE evaluators SET active = 0 WHERE active = 1")
            conn.execute("UPDATE evaluators SET active = 1 WHERE id = ?", (evaluator_id,))

    def deactivate(self) -> None:
        with self.catalog.transaction() as conn:
            conn.execute("UPDATE evaluators SET active = 0 WHERE active = 1")

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

"""The evaluators table: a row per trained evaluator, one of them active.

A row records the CLIP model the evaluator was trained on, what it saw, its validation
report and parameters, and the name of its model file (the file itself is the evaluator's
registry's, evaluator/registry.py).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

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


class EvaluatorRows:
    """Reads and writes of the evaluators table over one catalog connection."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def add(
        self,
        evaluator_id: str,
        created: float,
        clip_model_id: str,
        seen: dict[str, int],
        report: dict,
        params: dict[str, Any],
        file: str,
    ) -> None:
        """A new row, not active."""
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
                    json.dumps(params, default=float),
                    file,
                ),
            )

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

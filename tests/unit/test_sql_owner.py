"""One owner for the schema: the statements live under indexing/store/, one module per
table or group of tables; the front ends, the evaluator and the query and curate layers
ask those modules and run no SQL of their own.

The few modules of the query and curate layers still listed in STILL_OWN_SQL are being
moved by other work (the duplicate tiers, the facet index columns); indexing/ingest,
dedup and models are not checked here yet."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SQL = re.compile(
    r"\b(execute|executemany|executescript)\s*\(|\bSELECT\b|\bINSERT\b"
    r"|\bUPDATE\b\s+\w+\s+SET|\bDELETE FROM\b"
)
CHECKED = ("app", "evaluator", "indexing/query", "indexing/curate")
STILL_OWN_SQL = (
    "indexing/query/duplicates",
    "indexing/query/facet_index",
    "indexing/curate/dismissals",
)


def running_sql(folder: str) -> list[str]:
    return sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / folder).rglob("*.py")
        if SQL.search(path.read_text(encoding="utf-8"))
    )


def test_the_pattern_finds_the_stores_statements() -> None:
    # Not vacuous: the store's own modules are found running SQL.
    found = running_sql("indexing/store")
    for module in ("ratings", "predictions", "evaluators", "trash_log", "image_listing"):
        assert f"indexing/store/{module}.py" in found


def test_front_ends_evaluator_query_and_curate_run_no_sql() -> None:
    found = [
        path
        for folder in CHECKED
        for path in running_sql(folder)
        if not path.startswith(STILL_OWN_SQL)
    ]
    assert found == [], f"SQL outside indexing/store (move it to a store module): {found}"
    assert not SQL.search((ROOT / "launch.py").read_text(encoding="utf-8"))

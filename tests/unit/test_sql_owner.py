"""One owner for the schema: the statements live under indexing/store/, one module per
table or group of tables; every other module (the front ends, the evaluator, launch.py and
every indexing package but the store: ingest, models, dedup, query, curate, names, and the
library) asks those modules and runs no SQL of their own. No exceptions."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SQL = re.compile(
    r"\b(execute|executemany|executescript)\s*\(|\bSELECT\b|\bINSERT\b"
    r"|\bUPDATE\b\s+\w+\s+SET|\bDELETE FROM\b"
)
STORE = ROOT / "indexing" / "store"
# Every package outside the store, by name: a package that moved or vanished fails below
# rather than going unchecked.
PACKAGES = (
    "app",
    "evaluator",
    "indexing/ingest",
    "indexing/models",
    "indexing/dedup",
    "indexing/query",
    "indexing/curate",
    "indexing/names",
)


def runs_sql(path: Path) -> bool:
    return bool(SQL.search(path.read_text(encoding="utf-8")))


def outside_store() -> list[Path]:
    """Every product module but the store's: app/, evaluator/, indexing/ and launch.py."""
    modules = [ROOT / "launch.py"]
    for folder in ("app", "evaluator", "indexing"):
        modules += [
            path for path in sorted((ROOT / folder).rglob("*.py")) if STORE not in path.parents
        ]
    return modules


def test_the_pattern_finds_the_stores_statements() -> None:
    # Not vacuous: the store's own modules are found running SQL, the moved ones included.
    found = {path.stem for path in STORE.rglob("*.py") if runs_sql(path)}
    for module in (
        "ratings",
        "predictions",
        "evaluators",
        "trash_log",
        "image_listing",
        "facet_reads",
        "subjects",
        "image_reads",
        "files",
    ):
        assert module in found


def test_every_package_outside_the_store_is_walked() -> None:
    walked = {path.relative_to(ROOT).as_posix() for path in outside_store()}
    for package in PACKAGES:
        assert any(path.startswith(f"{package}/") for path in walked), package
    for module in ("launch.py", "indexing/library.py", "indexing/ingest/analyse.py"):
        assert module in walked
    assert not any(path.startswith("indexing/store/") for path in walked)


def test_nothing_outside_the_store_runs_sql() -> None:
    found = [path.relative_to(ROOT).as_posix() for path in outside_store() if runs_sql(path)]
    assert found == [], f"SQL outside indexing/store (move it to a store module): {found}"

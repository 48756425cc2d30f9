"""The migrations package: numbered modules 1..N, each run once, in order, in a transaction."""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from pathlib import Path

import pytest

import indexing.store.migrations as migrations
from indexing.store.migrations import MIGRATIONS, Migration, migrate


def _schema(conn: sqlite3.Connection) -> list[tuple]:
    return sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))


def _recording(ran: list[int], fail_at: int | None = None) -> tuple[Migration, ...]:
    """The package's migrations, each noting its number in `ran` as it runs; the one
    numbered fail_at raises after it has applied its changes."""

    def wrap(migration: Migration) -> Migration:
        def step(conn: sqlite3.Connection) -> None:
            ran.append(migration.number)
            migration.apply(conn)
            if migration.number == fail_at:
                raise RuntimeError("a migration fails halfway")

        return dataclasses.replace(migration, script=None, step=step)

    return tuple(wrap(migration) for migration in MIGRATIONS)


def test_every_module_in_the_package_is_a_migration_numbered_1_to_n() -> None:
    folder = Path(migrations.__file__).parent
    files = sorted(p.stem for p in folder.glob("*.py") if p.name != "__init__.py")
    assert files, "no migration modules found"
    for stem in files:
        assert re.fullmatch(r"m\d{3}_[a-z0-9_]+", stem), stem
    numbers = [int(stem[1:4]) for stem in files]
    assert numbers == list(range(1, len(files) + 1))
    assert [m.name for m in MIGRATIONS] == files
    assert [m.number for m in MIGRATIONS] == numbers
    for migration in MIGRATIONS:  # each says why, and holds SQL or a Python step
        module = __import__(f"indexing.store.migrations.{migration.name}", fromlist=["_"])
        assert module.__doc__ and module.__doc__.startswith(f"Migration {migration.number}:")
        assert (migration.script is None) != (migration.step is None)


def test_a_fresh_catalog_runs_every_migration_once_in_order(monkeypatch) -> None:
    ran: list[int] = []
    monkeypatch.setattr(migrations, "MIGRATIONS", _recording(ran))
    conn = sqlite3.connect(":memory:", isolation_level=None)

    assert migrate(conn) == len(MIGRATIONS)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == MIGRATIONS[-1].number
    assert ran == [m.number for m in MIGRATIONS]

    assert migrate(conn) == len(MIGRATIONS)  # up to date: nothing runs again
    assert ran == [m.number for m in MIGRATIONS]


def test_a_failing_migration_rolls_back_alone_and_runs_again_next_time(monkeypatch) -> None:
    failing = 13  # videos: adds images.kind and the video_frames table
    before = sqlite3.connect(":memory:", isolation_level=None)
    for migration in MIGRATIONS[: failing - 1]:
        migration.apply(before)
    ran: list[int] = []
    monkeypatch.setattr(migrations, "MIGRATIONS", _recording(ran, fail_at=failing))
    conn = sqlite3.connect(":memory:", isolation_level=None)

    with pytest.raises(RuntimeError, match="fails halfway"):
        migrate(conn)
    assert ran == list(range(1, failing + 1))
    assert conn.execute("PRAGMA user_version").fetchone()[0] == failing - 1
    assert _schema(conn) == _schema(before)  # every change of the failed one undone

    monkeypatch.setattr(migrations, "MIGRATIONS", _recording(ran))
    assert migrate(conn) == len(MIGRATIONS)
    assert ran[failing:] == [m.number for m in MIGRATIONS[failing - 1 :]]
    assert "video_frames" in {row[1] for row in _schema(conn)}

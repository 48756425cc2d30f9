"""Numbered schema migrations. Each runs once, in order, inside one transaction.

One module per migration, `mNNN_<what>.py`: its number is its place in the order and its
docstring says why the schema changed. A module holds `SQL`, a script of statements, or
`apply(conn)`, a step that needs Python. Never edit a migration that has shipped: add the
next number instead. This module only finds them (the numbers must run 1, 2, 3 … without a
gap) and runs them; `PRAGMA user_version` is the number of the last one a catalog ran.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from indexing.errors import PictorError

MODULE_NAME = re.compile(r"m(\d{3})_[a-z0-9_]+")


@dataclass(frozen=True)
class Migration:
    """One numbered module: its SQL script, or its Python step."""

    number: int
    name: str
    script: str | None
    step: Callable[[sqlite3.Connection], None] | None

    def apply(self, conn: sqlite3.Connection) -> None:
        """Run it on conn, inside whatever transaction the caller holds."""
        if self.step is not None:
            self.step(conn)
        else:
            for statement in _statements(self.script or ""):
                conn.execute(statement)


def _migration(number: int, module: ModuleType) -> Migration:
    script = getattr(module, "SQL", None)
    step = getattr(module, "apply", None)
    if (script is None) == (step is None):
        raise RuntimeError(f"migration {module.__name__} must define exactly one of SQL, apply")
    return Migration(number, module.__name__.rsplit(".", 1)[-1], script, step)


def _discover() -> tuple[Migration, ...]:
    """The package's numbered modules, in number order; the numbers must be 1..N."""
    found: dict[int, Migration] = {}
    for info in pkgutil.iter_modules(__path__):
        match = MODULE_NAME.fullmatch(info.name)
        if match is None:
            raise RuntimeError(f"{__name__}.{info.name} is not named mNNN_<what>")
        number = int(match.group(1))
        if number in found:
            raise RuntimeError(f"two migrations are numbered {number}")
        found[number] = _migration(number, importlib.import_module(f"{__name__}.{info.name}"))
    if sorted(found) != list(range(1, len(found) + 1)):
        raise RuntimeError(f"the migrations are not numbered 1..{len(found)}: {sorted(found)}")
    return tuple(found[number] for number in sorted(found))


MIGRATIONS: tuple[Migration, ...] = _discover()


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date; return the resulting version."""
    latest = len(MIGRATIONS)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > latest:
        raise PictorError(
            f"the catalog has schema version {version}, newer than this Pictor knows "
            f"({latest}); upgrade Pictor"
        )
    for migration in MIGRATIONS[version:]:
        number = migration.number
        conn.execute("BEGIN IMMEDIATE")
        # Another connection (a UI thread, a CLI run) may have migrated while we waited.
        if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
            conn.execute("ROLLBACK")
            continue
        try:
            migration.apply(conn)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return latest


def _statements(script: str) -> list[str]:
    """Split a script into statements; trigger bodies hold ';' of their own."""
    statements: list[str] = []
    current = ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n;"):
                statements.append(current.strip())
            current = ""
    return statements

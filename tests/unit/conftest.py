"""The unit tier stays fast: no model, no browser, no vector database, no server.

Run on its own (`make test-fast`), the tier must never import torch, open_clip, playwright or
chromadb: each costs seconds to import and means the test needs a model, a browser or real
vectors, which is the integration or ui tier's work. After every unit test this checks the
process's modules; the first test during which one of them appears fails, named, so a new
import deep in the code under test is caught where it enters, not found in a slow tier later.
When the unit tests run in one session with the other tiers (`make test`), those tiers import
these libraries themselves and the check stands aside.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

FORBIDDEN = ("torch", "open_clip", "playwright", "chromadb")
UNIT = Path(__file__).resolve().parent
blamed: set[str] = set()  # reported once, on the test where each arrived


def loaded() -> set[str]:
    return {name for name in FORBIDDEN if name in sys.modules}


def only_unit_tests(session: pytest.Session) -> bool:
    return all(UNIT in Path(item.path).resolve().parents for item in session.items)


@pytest.fixture(scope="session")
def unit_only_session(request: pytest.FixtureRequest) -> bool:
    return only_unit_tests(request.session)


@pytest.fixture(autouse=True)
def imports_nothing_heavy(unit_only_session: bool) -> Iterator[None]:
    if not unit_only_session:
        yield
        return
    collected = loaded() - blamed
    if collected:
        blamed.update(collected)
        pytest.fail(
            f"the unit tier imported {sorted(collected)} while collecting: a test module (or "
            "what it imports at its top) needs a model, a browser or chromadb; move that "
            "test to tests/integration or tests/ui, or import the library where it is used",
            pytrace=False,
        )
    yield
    arrived = loaded() - blamed
    if arrived:
        blamed.update(arrived)
        pytest.fail(
            f"this unit test imported {sorted(arrived)}: it needs a model, a browser or "
            "chromadb and belongs in tests/integration or tests/ui",
            pytrace=False,
        )

"""A result order Pictor does not know is one clear sentence (semantic search itself:
tests/integration/test_search.py)."""

from __future__ import annotations

import pytest

from indexing.errors import PictorError
from indexing.query.result_order import ResultOrder, parse_order


def test_an_unknown_order_is_one_clear_sentence() -> None:
    assert parse_order(None) is ResultOrder.score
    assert parse_order("Newest") is ResultOrder.newest
    with pytest.raises(PictorError, match="score, newest, oldest"):
        parse_order("date")

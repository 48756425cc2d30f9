"""A bad backend setting is refused in one sentence, before any model is built (the
backends themselves: tests/integration/test_backends.py)."""

from __future__ import annotations

import pytest

from indexing.settings import Settings


def test_a_bad_backend_setting_is_refused():
    with pytest.raises(ValueError, match="backend"):
        Settings(backend="tensorrt")

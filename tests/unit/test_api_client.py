"""The app's API refuses a second index or training run while one is going, without a
server (the endpoints against the live app: tests/ui/test_api_client.py)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from app.api import PictorApi
from app.context import AppContext
from app.jobs import BackgroundJob
from indexing.errors import PictorError
from indexing.settings import Settings
from tests.library_builder import LibraryBuilder


def test_index_and_train_are_refused_while_the_app_runs_one(
    pictor_env: Path, library: LibraryBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    library.many(1)
    monkeypatch.setenv("HOME", str(library.root.parent))
    ctx = AppContext.create(Settings())
    api = PictorApi(ctx)
    release = threading.Event()
    for slot in (ctx.jobs, ctx.training):
        assert slot.try_start(BackgroundJob(lambda report, token: release.wait(), "busy"))
    try:
        with pytest.raises(PictorError, match="Indexing is already running"):
            api.index([str(library.root)])
        with pytest.raises(PictorError, match="Training is already running"):
            api.train()
    finally:
        release.set()

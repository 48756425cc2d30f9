"""Shared fixtures: libraries built in tmp_path, an in-process Pictor, and the CLI.

Nothing here touches the network or the real per-user data folder: every test that uses
these fixtures runs with PICTOR_DATA_DIR (and XDG_DATA_HOME) pointing into its tmp_path.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from indexing.ingest.pipeline import IndexSummary
from indexing.library import Library
from indexing.settings import Settings
from tests.library_builder import LibraryBuilder

REPO_ROOT = Path(__file__).resolve().parent.parent
LAUNCH = REPO_ROOT / "launch.py"
TINY_CLIP = "pictor-tiny-clip"
TINY_CLIP_CONFIG = REPO_ROOT / "tests" / "assets" / f"{TINY_CLIP}.json"
os.environ["HF_HUB_OFFLINE"] = "1"  # belt and braces: nothing in the suite may download
# torch runs the tiny model: exporting it to ONNX (the CPU default) for every fresh data
# folder would add seconds to hundreds of tests. tests/integration/test_backends.py covers
# that path.
TEST_BACKEND = "torch"
os.environ["PICTOR_BACKEND"] = TEST_BACKEND
# Finding faces is off unless a test turns it on (tests/*/test_*people*.py): it would load
# dlib's models and scan every other test's noise images for nothing.
os.environ["PICTOR_FACES"] = "off"
# Reading text (OCR) is off unless a test turns it on (tests/*/test_text_*.py): the other
# tests' noise images would cost its probe and could read as stray words.
os.environ["PICTOR_OCR"] = "off"


def without_random_warning(stderr: str) -> str:
    """stderr less the one warning every CLI run with the tiny random CLIP prints."""
    return "".join(
        line
        for line in stderr.splitlines(keepends=True)
        if not line.startswith("warning: CLIP uses RANDOM weights")
    )


# What is derived from the tiny CLIP alone (the subject vocabulary's vectors, its exported
# towers) lives in one models folder per test process, as libraries can share one
# (PICTOR_MODELS_DIR): embedding the vocabulary's ~6,000 prompts again in every fresh data
# folder cost about 1.5 s for each test that indexes. Set by _one_models_folder below.
SHARED_MODELS: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def _one_models_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    SHARED_MODELS[:] = [tmp_path_factory.mktemp("models")]


def tiny_clip_env(env: pytest.MonkeyPatch, home: Path) -> Path:
    """No PICTOR_* settings from outside, a tiny CLIP with random weights (no network, no
    downloaded weights, ever), the session's models folder, and the default data folder
    under home. For a test (the pictor_env fixture) or a module-scoped app (with a
    MonkeyPatch.context())."""
    for key in list(os.environ):
        if key.startswith("PICTOR_"):
            env.delenv(key)
    if SHARED_MODELS:
        env.setenv("PICTOR_MODELS_DIR", str(SHARED_MODELS[0]))
    env.setenv("HF_HUB_OFFLINE", "1")
    env.setenv("PICTOR_CLIP_MODEL", TINY_CLIP)
    env.setenv("PICTOR_CLIP_PRETRAINED", "random")
    env.setenv("PICTOR_CLIP_MODEL_CONFIG", str(TINY_CLIP_CONFIG))
    env.setenv("PICTOR_BACKEND", TEST_BACKEND)
    env.setenv("PICTOR_FACES", "off")  # as above: a test turns it on
    env.setenv("PICTOR_OCR", "off")  # as above: a test turns it on
    default_data = home / "default-data"
    env.setenv("PICTOR_DATA_DIR", str(default_data))
    env.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    return default_data


TIERS = ("unit", "integration", "ui")


@pytest.fixture(scope="module", autouse=True)
def _chromium_kept_for_one_module() -> Iterator[None]:
    """The ui tier's Chromium (tests/browser.py) serves one test module, then closes: its
    Playwright keeps an event loop running in this thread, where a later module's
    asyncio.run() would fail."""
    yield
    browser = sys.modules.get("tests.browser")
    if browser is not None:
        browser.CHROMIUM_SHARED.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test carries its tier's marker (its folder's name): `-m "not ui"` and the like."""
    for item in items:
        tier = Path(item.path).parent.name
        if tier in TIERS:
            item.add_marker(tier)


@pytest.fixture
def pictor_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No PICTOR_* settings from outside; the default data folder lies in tmp_path."""
    return tiny_clip_env(monkeypatch, tmp_path)


@pytest.fixture
def library(tmp_path: Path) -> LibraryBuilder:
    return LibraryBuilder(tmp_path / "library")


# Pictor in this process


class Pictor:
    """An in-process Library over a data folder, plus raw reads of its catalog file."""

    def __init__(self, data_dir: Path, **settings: Any):
        self.settings = Settings(data_dir=data_dir, **{"threads": 2, **settings})
        self.library = Library(self.settings)

    def index(self, *folders: Path | str) -> IndexSummary:
        return self.library.index([str(folder) for folder in folders])

    def rows(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        """Read the catalog with plain sqlite3, not through the code under test."""
        conn = sqlite3.connect(self.settings.catalog_path)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def one(self, sql: str, *params: Any) -> sqlite3.Row:
        rows = self.rows(sql, *params)
        assert len(rows) == 1, f"expected one row, got {len(rows)} for {sql!r} {params}"
        return rows[0]

    def execute(self, sql: str, *params: Any) -> None:
        conn = sqlite3.connect(self.settings.catalog_path)
        try:
            with conn:
                conn.execute(sql, params)
        finally:
            conn.close()

    def image_for(self, path: Path) -> sqlite3.Row:
        """The images row of the file at path (which must be catalogued)."""
        return self.one(
            "SELECT i.* FROM images i JOIN files f ON f.content_id = i.content_id WHERE f.path = ?",
            str(path),
        )

    def file_row(self, path: Path) -> sqlite3.Row:
        return self.one("SELECT * FROM files WHERE path = ?", str(path))

    def errors(self) -> dict[str, str]:
        return {row["path"]: row["reason"] for row in self.rows("SELECT * FROM index_errors")}


@pytest.fixture
def pictor(tmp_path: Path, pictor_env: Path) -> Pictor:
    return Pictor(tmp_path / "data")


# The command line


CliRunner = Callable[..., tuple[int, str, str]]


def launch_process(
    args: Sequence[str],
    env: dict[str, str | None] | None = None,
    prefix: Sequence[str] = (),
    *,
    separate: bool = False,
) -> tuple[int, str, str]:
    """(returncode, stdout, stderr) of `python launch.py args`, in this environment plus env
    (a value of None removes a variable).

    By default launch.main runs in this process, with its own environment, stdout and stderr:
    a separate Python would import torch, open_clip and chromadb again for every command,
    seconds each, hundreds of times in the suite. A run under prefix (e.g. setpriv), or with
    separate=True, or every run when TESTS_CLI=subprocess, is a real process: the tests
    of what only a process shows (imports, signals, kill -9, locks between processes) ask
    for one.
    """
    if prefix or separate or os.environ.get("TESTS_CLI") == "subprocess":
        return separate_process(args, env, prefix)
    return in_this_process(args, env)


def separate_process(
    args: Sequence[str], env: dict[str, str | None] | None = None, prefix: Sequence[str] = ()
) -> tuple[int, str, str]:
    full_env = {**os.environ, **(env or {})}
    full_env = {key: value for key, value in full_env.items() if value is not None}
    done = subprocess.run(
        [*prefix, sys.executable, str(LAUNCH), *args],
        cwd=REPO_ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    return done.returncode, done.stdout, done.stderr


def in_this_process(
    args: Sequence[str], env: dict[str, str | None] | None = None
) -> tuple[int, str, str]:
    """launch.main(args) as `python launch.py args` would run it: from the repository root,
    in the environment given, stdout and stderr its own, an argparse exit its exit code."""
    import launch

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        for key, value in (env or {}).items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        os.chdir(REPO_ROOT)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = launch.main(list(args))
            except SystemExit as exc:  # argparse: --help, or a usage error
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def run_cli(pictor_env: Path) -> CliRunner:
    """run_cli(args, env=None) -> (returncode, stdout, stderr) of `python launch.py args`.

    env adds to (or, with a value of None, removes from) this test's environment; prefix is
    a command to run it under (e.g. setpriv).
    """

    return launch_process


@pytest.fixture
def cli(run_cli: CliRunner, tmp_path: Path) -> Callable[..., Any]:
    """cli(*args, env=None, prefix=(), separate=False) -> the parsed JSON of a successful
    `launch.py --data-dir TMP/data args --json` (see launch_process)."""

    def run(*args: str, env: dict[str, str | None] | None = None, prefix=(), separate=False) -> Any:
        code, out, err = run_cli(
            ["--data-dir", str(tmp_path / "data"), *args, "--json"],
            env=env,
            prefix=prefix,
            separate=separate,
        )
        assert code == 0, err
        return json.loads(out)

    return run


def fails(run_cli: CliRunner, tmp_path: Path, *args: str, env=None) -> str:
    """The one clear line of a refused `launch.py --data-dir TMP/data args`: exit 2, nothing
    on stdout, no traceback."""
    code, out, err = run_cli(["--data-dir", str(tmp_path / "data"), *args], env=env)
    assert (code, out) == (2, ""), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err.strip()

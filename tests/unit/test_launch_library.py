"""launch.py builds one Library per run, on the settings the flags give, and hands that one
object to the command (the CLI's handlers and the UI alike), as rclip's init_rclip does."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import launch
from indexing.errors import PictorError
from indexing.library import Library


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[Library]:
    """Every Library launch.py makes, in order."""
    made: list[Library] = []

    class Counted(Library):
        def __init__(self, settings) -> None:
            super().__init__(settings)
            made.append(self)

    monkeypatch.setattr(launch, "Library", Counted)
    return made


def _spy_on(monkeypatch: pytest.MonkeyPatch, command: str, result: int | Exception = 0):
    """Replace one command's handler; returns the (args, library) pairs it was called with."""
    calls: list[tuple[argparse.Namespace, Library]] = []
    real = launch.build_parser

    def build() -> tuple[argparse.ArgumentParser, dict]:
        parser, handlers = real()

        def handler(args: argparse.Namespace, library: Library) -> int:
            calls.append((args, library))
            if isinstance(result, Exception):
                raise result
            return result

        handlers[command] = handler
        return parser, handlers

    monkeypatch.setattr(launch, "build_parser", build)
    return calls


def test_a_command_gets_the_one_library_built_on_its_data_folder(
    monkeypatch: pytest.MonkeyPatch, built: list[Library], tmp_path: Path
) -> None:
    calls = _spy_on(monkeypatch, "status", 7)
    data = tmp_path / "data"
    assert launch.main(["status", "--data-dir", str(data), "--json"]) == 7
    assert len(built) == 1 and len(calls) == 1
    args, library = calls[0]
    assert library is built[0]
    assert library.settings.data_dir == data
    assert args.json is True
    assert not data.exists()  # building it opened nothing: the command decides what to open


def test_an_error_raised_by_the_command_is_still_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, built: list[Library], capsys: pytest.CaptureFixture[str]
) -> None:
    _spy_on(monkeypatch, "errors", PictorError("the catalog says no"))
    assert launch.main(["errors"]) == 2
    assert capsys.readouterr().err == "error: the catalog says no\n"
    assert len(built) == 1


def test_a_bad_setting_stops_before_any_library_is_built(
    monkeypatch: pytest.MonkeyPatch, built: list[Library], capsys: pytest.CaptureFixture[str]
) -> None:
    calls = _spy_on(monkeypatch, "status")
    assert launch.main(["--port", "0", "status"]) == 2
    assert "invalid setting port" in capsys.readouterr().err
    assert built == [] and calls == []


def test_the_ui_is_started_on_the_same_library(
    monkeypatch: pytest.MonkeyPatch, built: list[Library], tmp_path: Path
) -> None:
    from app import ui

    started: list[tuple[object, Library | None]] = []

    def launch_ui(settings, *, folders=(), library: Library | None = None, **_) -> None:
        started.append((settings, library))

    monkeypatch.setattr(ui, "launch_ui", launch_ui)
    assert launch.main(["--data-dir", str(tmp_path / "data"), "ui"]) == 0
    assert len(built) == 1
    assert started == [(built[0].settings, built[0])]

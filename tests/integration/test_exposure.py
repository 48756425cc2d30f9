"""What the UI server exposes, refused on the command line before anything starts: --share
without a password, an empty or blank --auth, a short password, a bad --auth-file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.exposure import (
    check_exposure,
)
from indexing.errors import PictorError
from tests.beacon import beacon


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [["--share", "ui"], ["--share"], ["--share", "--auth", "", "ui"]],
    ids=["share", "share-default-command", "share-empty-auth"],
)
def test_share_without_a_password_is_refused_before_any_network(run_cli, args) -> None:
    with beacon() as proxy:
        started = time.monotonic()
        code, out, err = run_cli(args, env=proxy.proxy_env())
        took = time.monotonic() - started
    line = one_error_line(err)
    assert code == 2 and out == ""
    if "--auth" in args:
        assert "USER:PASSWORD" in line  # the empty --auth itself is the first problem
    else:
        assert "public link" in line and "--auth USER:PASSWORD" in line and "--auth-file" in line
    assert proxy.requests == []  # nothing tried to reach gradio.live (or anything else)
    assert took < 30


def test_empty_auth_is_an_error_not_an_open_app(run_cli) -> None:
    code, out, err = run_cli(["--auth", "", "ui"])
    assert code == 2 and out == ""
    assert "USER:PASSWORD" in one_error_line(err)


def test_blank_logins_are_refused_on_the_command_line(run_cli) -> None:
    code, out, err = run_cli(["--auth", " : ", "ui"])
    assert code == 2 and out == ""
    assert "not only spaces" in one_error_line(err)


def test_share_needs_a_password_of_eight_characters(run_cli) -> None:
    with pytest.raises(PictorError, match="8 characters"):
        check_exposure("127.0.0.1", 7860, True, [("me", "x" * 7)])
    assert check_exposure("127.0.0.1", 7860, False, [("me", "short")]) is None  # local: yours
    with beacon() as proxy:
        code, out, err = run_cli(["--share", "--auth", "me:secret", "ui"], env=proxy.proxy_env())
    assert code == 2 and out == "" and proxy.requests == []
    assert "8 characters" in one_error_line(err) and "secret" not in err


def test_bad_auth_file_on_the_command_line(run_cli, tmp_path: Path) -> None:
    code, out, err = run_cli(["--auth-file", str(tmp_path / "nope"), "ui"])
    assert code == 2 and out == ""
    assert "no such file" in one_error_line(err)

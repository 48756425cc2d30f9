"""Starting the UI from the command line: bad options fail clearly, before anything starts."""

from __future__ import annotations

import pytest

from app.ui import parse_auth
from indexing.errors import PictorError


@pytest.mark.parametrize("value", ["nocolon", ":password", "user:", ""])
def test_auth_needs_user_and_password(value: str) -> None:
    if value == "":
        assert parse_auth(value) is None  # no --auth: an open UI on 127.0.0.1
        return
    with pytest.raises(PictorError, match="USER:PASSWORD"):
        parse_auth(value)


def test_auth_keeps_colons_in_the_password() -> None:
    assert parse_auth("me:se:cret") == ("me", "se:cret")


def test_bad_auth_on_the_command_line_is_one_clear_line(run_cli) -> None:
    code, out, err = run_cli(["--auth", "nocolon", "ui"])
    assert code == 2
    assert out == ""
    assert err.strip() == "error: --auth must look like USER:PASSWORD"


def test_bad_port_is_one_clear_line(run_cli) -> None:
    code, _, err = run_cli(["--port", "notaport", "ui"])
    assert code == 2
    assert "Traceback" not in err and "--port" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--page", "100000000000000000000"], "page"),
        (["search", "cat", "--top", "100000000000000000000"], "between 1 and 1000"),
    ],
)
def test_absurd_numbers_are_one_clear_line(run_cli, args: list[str], message: str) -> None:
    code, out, err = run_cli(args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1

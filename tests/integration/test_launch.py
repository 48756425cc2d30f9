"""Starting the UI from the command line: bad options fail clearly, before anything starts."""

from __future__ import annotations

import pytest


def test_bad_auth_on_the_command_line_is_one_clear_line(run_cli) -> None:
    code, out, err = run_cli(["--auth", "nocolon", "ui"])
    assert code == 2
    assert out == ""
    assert err.strip() == (
        "error: --auth must look like USER:PASSWORD (both parts non-empty, not only spaces)"
    )


def test_bad_port_is_one_clear_line(run_cli) -> None:
    code, _, err = run_cli(["--port", "notaport", "ui"])
    assert code == 2
    assert "Traceback" not in err and "--port" in err


HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--page", HUGE], "page"),
        (["search", "cat", "--top", HUGE], "between 1 and 1000"),
        (["list", "--min-pixels", HUGE], "min_pixels: 99999999999999999999999 is too large"),
        (["list", "--max-size", HUGE], "max_bytes: 99999999999999999999999 is too large"),
        (["list", "--min-height", HUGE], "min_height: 99999999999999999999999 is too large"),
        (["list", "--min-proportion", "inf"], "min_aspect: must be a finite number"),
        (["list", "--max-rating", "nan"], "max_rating: must be a finite number"),
        (["search", "cat", "--min-width", HUGE], "min_width: 99999999999999999999999 is too large"),
        (["errors", "--limit", HUGE], "--limit: must be from 1 to 1,000,000"),
        (["errors", "--limit", "0"], "--limit: must be from 1 to 1,000,000"),
        (["--port", HUGE, "ui"], "port"),
        (["index", "--threads", HUGE], "threads"),
        (["list", "--sort", ""], "the sort key is empty; use one of: resolution"),
        (["search", "--image", ""], "--image needs the path of an image file"),
        (["search", "--image", "/dev/zero"], "/dev/zero is not a regular file"),
    ],
)
def test_bad_numbers_and_empty_values_are_one_clear_line(run_cli, args, message: str) -> None:
    code, out, err = run_cli(args)
    assert code == 2 and out == "", err
    assert message in err
    assert "Traceback" not in err and "unexpected" not in err and "OverflowError" not in err
    assert len(err.strip().splitlines()) == 1


def test_errors_with_a_limit_lists_them(run_cli, library, tmp_path) -> None:
    library.write("broken.jpg", b"not an image")
    data = ["--data-dir", str(tmp_path / "data")]
    assert run_cli([*data, "index", str(library.root), "--no-embed"])[0] == 0
    code, out, _ = run_cli([*data, "errors", "--limit", "1"])
    assert code == 0 and "broken.jpg" in out and "No errors." not in out

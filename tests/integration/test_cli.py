"""The command line: one JSON document per command, clear errors, settings from flags and env."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.conftest import without_random_warning
from tests.library_builder import encode, noise_image

SUMMARY_KEYS = {"roots", "files_seen", "new", "changed", "moved", "deleted", "unchanged"}


def one_json_document(stdout: str) -> dict:
    assert stdout.endswith("\n") and stdout.count("\n") == 1, stdout
    return json.loads(stdout)


def assert_clean_failure(rc: int, stdout: str, stderr: str) -> str:
    """Non-zero exit, nothing on stdout, one line on stderr, no traceback; returns the line."""
    assert rc != 0
    assert stdout == ""
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_index_json_summary(run_cli, library, tmp_path) -> None:
    library.many(3)
    library.write("copy.jpg", (library.root / "set0" / "img0000.jpg").read_bytes())
    bad = library.write("broken.png", b"\x89PNG\r\n\x1a\n not really")

    rc, out, err = run_cli(
        ["--data-dir", str(tmp_path / "data"), "index", str(library.root), "--json"]
    )

    assert rc == 0, err
    assert without_random_warning(err) == ""  # no progress bar when stderr is not a terminal
    summary = one_json_document(out)
    assert SUMMARY_KEYS | {"errors", "seconds"} <= set(summary)
    assert summary["roots"] == [str(library.root)]
    assert (summary["files_seen"], summary["new"], summary["unchanged"]) == (5, 4, 0)
    [error] = summary["errors"]
    assert set(error) == {"path", "reason"}
    assert error["path"] == str(bad)
    assert error["reason"].strip() and "\n" not in error["reason"]
    assert isinstance(summary["seconds"], (int, float)) and summary["seconds"] >= 0


def test_index_text_output_names_the_bad_file(run_cli, library, tmp_path) -> None:
    library.many(2)
    bad = library.write("empty.jpg", b"")

    rc, out, err = run_cli(["--data-dir", str(tmp_path / "data"), "index", str(library.root)])

    assert rc == 0, err
    assert "2 new" in out and "1 errors" in out
    assert f"error: {bad}:" in out


def test_status_and_errors_json(run_cli, library, tmp_path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    a = library.noise("a.jpg", seed=1)
    library.write("a copy.jpg", a.read_bytes())
    gone = library.noise("b.jpg", seed=2)
    library.write("c.png", encode(noise_image(seed=3), "PNG"))
    bad = library.write("d.jpg", b"GIF89a but not really")
    assert run_cli([*data, "index", str(library.root)])[0] == 0
    gone.unlink()
    assert run_cli([*data, "index", "--json"])[0] == 0  # no folder: every known root

    rc, out, err = run_cli([*data, "status", "--json"])

    assert rc == 0, err
    status = one_json_document(out)
    assert status["images"] == 2  # a (two paths) and c; b is missing
    assert status["files"] == 3
    assert status["missing_files"] == 1
    assert status["errors"] == 1
    assert status["formats"] == {"JPEG": 1, "PNG": 1}
    assert [r["path"] for r in status["roots"]] == [str(library.root)]
    assert Path(status["data_dir"]) == tmp_path / "data"

    rc, out, err = run_cli([*data, "errors", "--json"])
    assert rc == 0, err
    errors = one_json_document(out)["errors"]
    assert [e["path"] for e in errors] == [str(bad)]


def test_missing_folder_and_file_instead_of_folder(run_cli, library, tmp_path) -> None:
    photo = library.noise("photo.jpg")
    data = ["--data-dir", str(tmp_path / "data")]

    missing = assert_clean_failure(*run_cli([*data, "index", str(tmp_path / "nowhere"), "--json"]))
    not_folder = assert_clean_failure(*run_cli([*data, "index", str(photo)]))

    assert "not found" in missing and str(tmp_path / "nowhere") in missing
    assert "not a folder" in not_folder and str(photo) in not_folder


def test_index_with_no_folder_and_no_known_roots(run_cli, tmp_path) -> None:
    line = assert_clean_failure(*run_cli(["--data-dir", str(tmp_path / "data"), "index"]))
    assert "no folders" in line


def test_data_dir_that_is_a_file_is_a_clear_error(run_cli, tmp_path) -> None:
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("oops")
    line = assert_clean_failure(*run_cli(["--data-dir", str(not_a_folder), "status"]))
    assert str(not_a_folder) in line


def test_invalid_setting_is_a_clear_error(run_cli, tmp_path) -> None:
    line = assert_clean_failure(
        *run_cli(["--data-dir", str(tmp_path / "d"), "status"], env={"PICTOR_THREADS": "0"})
    )
    assert "threads" in line


def test_data_dir_from_env_and_flag_flag_wins(run_cli, library, tmp_path) -> None:
    library.many(2)
    from_env = tmp_path / "from-env"
    from_flag = tmp_path / "from-flag"
    env = {"PICTOR_DATA_DIR": str(from_env)}

    rc, out, err = run_cli(["index", str(library.root), "--json"], env=env)
    assert rc == 0, err
    assert (from_env / "catalog.sqlite3").exists()

    rc, out, err = run_cli(["--data-dir", str(from_flag), "index", str(library.root)], env=env)
    assert rc == 0, err
    assert (from_flag / "catalog.sqlite3").exists()

    rc, out, err = run_cli(["status", "--json", "--data-dir", str(from_flag)], env=env)
    assert rc == 0, err
    status = one_json_document(out)
    assert Path(status["data_dir"]) == from_flag
    assert status["images"] == 2

    rc, out, err = run_cli(["status", "--json"], env=env)
    assert Path(one_json_document(out)["data_dir"]) == from_env


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_DATA_HOME is the Linux convention")
def test_default_data_dir_needs_no_configuration(run_cli, tmp_path) -> None:
    xdg = tmp_path / "xdg"
    rc, out, err = run_cli(
        ["status", "--json"], env={"PICTOR_DATA_DIR": None, "XDG_DATA_HOME": str(xdg)}
    )
    assert rc == 0, err
    assert Path(one_json_document(out)["data_dir"]) == xdg / "pictor"
    assert (xdg / "pictor" / "catalog.sqlite3").exists()


def test_progress_json_lines_on_stderr(run_cli, library, tmp_path) -> None:
    library.many(5)
    rc, out, err = run_cli(
        ["--data-dir", str(tmp_path / "d"), "index", str(library.root), "--progress", "json"]
    )

    assert rc == 0, err
    updates = [json.loads(line) for line in without_random_warning(err).splitlines()]
    assert {"stage", "done", "total", "rate", "eta_seconds"} <= set(updates[0])
    index_updates = [u for u in updates if u["stage"] == "index"]
    assert index_updates[-1]["done"] == index_updates[-1]["total"] == 5
    # done counts what is saved in the catalog; read (added, never renamed) runs ahead of it
    assert all(u["read"] is None or u["read"] >= u["done"] for u in index_updates)
    assert [u["stage"] for u in updates] == sorted(
        (u["stage"] for u in updates),
        key=["scan", "index", "embed", "subjects", "search", "faces"].index,
    )
    assert "5 new" in out


def test_progress_none_and_help(run_cli, library, tmp_path) -> None:
    library.many(2)
    rc, out, err = run_cli(
        ["--data-dir", str(tmp_path / "d"), "index", str(library.root), "--progress", "none"]
    )
    assert rc == 0 and without_random_warning(err) == ""
    rc, out, _ = run_cli(["index", "--help"])
    assert rc == 0 and "--progress" in out and "json" in out

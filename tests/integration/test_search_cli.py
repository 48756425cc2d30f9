"""`launch.py search`: one JSON document, clear one-line errors, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import CliRunner, without_random_warning
from tests.library_builder import LibraryBuilder


@pytest.fixture
def indexed(run_cli: CliRunner, library: LibraryBuilder) -> LibraryBuilder:
    library.many(6, size=(64, 48))
    shutil.copy(library.root / "set0" / "img0000.jpg", library.root / "copy of img0000.jpg")
    code, _, err = run_cli(["index", str(library.root), "--json"])
    assert code == 0, err
    return library


def test_search_by_library_image_prints_one_json_document(
    run_cli: CliRunner, indexed: LibraryBuilder
) -> None:
    query_image = indexed.root / "set0" / "img0000.jpg"
    code, out, err = run_cli(["search", "--image", str(query_image), "--top", "4", "--json"])
    assert code == 0, err
    document = json.loads(out)
    assert document["model"] == "pictor-tiny-clip@random"
    assert document["query"]["image"] == str(query_image)
    results = document["results"]
    assert len(results) == 4
    assert set(results[0]) == {"path", "content_id", "kind", "score", "date"}
    assert results[0]["kind"] == "image"
    assert results[0]["path"] in {str(query_image), str(indexed.root / "copy of img0000.jpg")}
    assert results[0]["score"] == pytest.approx(1.0, abs=1e-3), "its own stored vector"
    assert len({r["content_id"] for r in results}) == 4, "one result per content"
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert all(-1 <= s <= 1 for s in scores)
    assert "Traceback" not in err

    folder = indexed.root / "set1"
    code, out, err = run_cli(["search", "a cat", "--folder", str(folder), "--top", "5", "--json"])
    assert code == 0, err
    paths = [r["path"] for r in json.loads(out)["results"]]
    assert sorted(paths) == sorted(str(p) for p in folder.glob("*.jpg"))

    code, out, err = run_cli(["search", "a red car", "--top", "10", "--page", "1"])
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 6, "six distinct images, the copy is not listed twice"
    assert all(line.split()[0].replace(".", "").lstrip("-").isdigit() for line in lines)


def test_long_query_is_truncated_with_a_note(run_cli: CliRunner, indexed: LibraryBuilder) -> None:
    long_query = " ".join(f"word{i}" for i in range(120))
    code, out, err = run_cli(["search", long_query, "--top", "2", "--json"])
    assert code == 0, err
    document = json.loads(out)
    assert len(document["results"]) == 2
    assert "token limit" in document["notes"][0]
    assert "note: " in err and "token limit" in err


def test_bad_input_gets_one_line_and_a_non_zero_exit(
    run_cli: CliRunner, indexed: LibraryBuilder, tmp_path: Path
) -> None:
    not_image = tmp_path / "fake.jpg"
    not_image.write_text("not really")
    cases = [
        (["search", ""], "Nothing to search for"),
        (["search", "cat", "--top", "0"], "between 1 and 1000 (got 0)"),
        (["search", "cat", "--top", "-5"], "between 1 and 1000 (got -5)"),
        (["search", "cat", "--min-score", "1.5"], "between -1 and 1"),
        (["search", "cat", "--min-score", "-2"], "between -1 and 1"),
        (["search", "--image", str(tmp_path / "missing.png")], "No such file"),
        (["search", "--image", str(not_image)], "not an image"),
    ]
    for args, expected in cases:
        code, out, err = run_cli(args)
        err = without_random_warning(err)
        lines = [line for line in err.splitlines() if line.startswith("error:")]
        assert code == 2, (args, err)
        assert len(lines) == 1 and expected in lines[0], (args, err)
        assert "Traceback" not in err and out == ""


def test_without_vectors_search_says_what_to_do(
    run_cli: CliRunner, library: LibraryBuilder
) -> None:
    library.many(2)
    code, _, err = run_cli(["index", str(library.root), "--no-embed"])
    assert code == 0, err
    code, _, err = run_cli(["search", "cat"])
    assert code == 2 and "Nothing is embedded" in err and "launch.py index" in err
    code, _, err = run_cli(
        ["search", "cat"],
        env={"PICTOR_CLIP_MODEL": "ViT-B-32", "PICTOR_CLIP_PRETRAINED": "no_such_tag_offline"},
        separate=True,  # what a fresh process prints while it fails to load a model
    )
    assert code == 2 and "could not be loaded" in err and "PICTOR_CLIP_PRETRAINED" in err
    assert "Traceback" not in err


def test_weights_that_cannot_be_had_offline_are_one_line_on_stderr(
    library: LibraryBuilder, run_cli: CliRunner, tmp_path: Path
) -> None:
    """open_clip logs its own ERROR line for a failed download; the user reads one sentence.
    An empty Hugging Face cache: real weights cached on this machine are never loaded."""
    library.many(2)
    code, _, err = run_cli(["index", str(library.root), "--no-embed"])
    assert code == 0, err
    code, _, err = run_cli(
        ["search", "cat"],
        env={
            "PICTOR_CLIP_MODEL": "ViT-B-32",
            "PICTOR_CLIP_PRETRAINED": "datacomp_xl_s13b_b90k",
            "HF_HOME": str(tmp_path / "hf"),
            "HF_HUB_CACHE": str(tmp_path / "hf" / "hub"),
        },
        separate=True,  # huggingface_hub reads HF_HOME once, as it is imported
    )
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert (
        lines[0].startswith("error: The CLIP weights for ViT-B-32")
        and "PICTOR_CLIP_PRETRAINED" in lines[0]
    )


def _days(document: dict) -> list[str | None]:
    return [result["date"] for result in document["results"]]


def test_sort_newest_prints_the_dates_newest_first_undated_last(
    run_cli: CliRunner, library: LibraryBuilder
) -> None:
    days: dict[str, str | None] = {}
    for index, path in enumerate(library.many(5, size=(64, 48))):
        # No EXIF date: the file time is the date; a time of 0 (archives) is no date.
        when = 0.0 if index == 2 else datetime(2015 + index, 1 + index, 9, 12).timestamp()
        os.utime(path, (when, when))
        days[str(path)] = None if when == 0 else datetime.fromtimestamp(when).date().isoformat()
    code, _, err = run_cli(["index", str(library.root), "--json"])
    assert code == 0, err
    code, out, err = run_cli(["search", "a red car", "--sort", "newest", "--json"])
    assert code == 0, err
    document = json.loads(out)
    assert document["query"]["sort"] == "newest"
    assert {r["path"]: r["date"] for r in document["results"]} == days
    dated = sorted((d for d in days.values() if d), reverse=True)
    assert _days(document) == [*dated, None]
    code, out, err = run_cli(["search", "a red car", "--sort", "oldest"])
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split()[1] for line in lines] == [*dated[::-1], "no"], "each date, shown"


def test_an_unknown_sort_is_one_clear_line(run_cli: CliRunner) -> None:
    code, out, err = run_cli(["search", "a cat", "--sort", "date"])
    lines = [line for line in without_random_warning(err).splitlines() if line.strip()]
    assert code == 2 and out == ""
    assert len(lines) == 1 and "score, newest, oldest" in lines[0], err

"""`rate`, `prefer` and `ratings` from the command line, and ratings that are never lost."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, fails

SLOW_CLIP_CONFIGS = REPO_ROOT / "tests" / "assets" / "slow"


def listed(cli) -> dict[str, tuple[float | None, str | None]]:
    """file name -> (rating, whose) as `list` shows them."""
    items = cli("list", "--sort", "name")["items"]
    return {Path(i["path"]).name: (i["rating"], i["rating_source"]) for i in items}


def test_rate_change_and_clear(cli, library) -> None:
    photo = library.noise("photo.jpg", seed=1)
    cli("index", str(library.root), "--no-embed")
    first = cli("rate", str(photo), "7")
    assert (first["rating"], first["previous"], first["paths"]) == (7.0, None, [str(photo)])
    assert cli("rate", str(photo), "8.5")["previous"] == 7.0
    assert listed(cli) == {"photo.jpg": (8.5, "user")}
    cli("rate", str(photo), "--clear")
    assert listed(cli) == {"photo.jpg": (None, None)}


def test_bad_ratings_change_nothing(run_cli, cli, library, tmp_path: Path) -> None:
    photo = library.noise("photo.jpg", seed=1)
    cli("index", str(library.root), "--no-embed")
    cli("rate", str(photo), "6")
    assert "from 0 to 10" in fails(run_cli, tmp_path, "rate", str(photo), "11")
    assert "from 0 to 10" in fails(run_cli, tmp_path, "rate", str(photo), "great")
    assert "not in the library" in fails(run_cli, tmp_path, "rate", str(tmp_path / "x.jpg"), "5")
    assert "not both" in fails(run_cli, tmp_path, "rate", str(photo), "5", "--clear")
    assert listed(cli) == {"photo.jpg": (6.0, "user")}


def test_prefer_records_pairs(cli, library) -> None:
    a, b, c = (library.noise(f"{n}.jpg", seed=i) for i, n in enumerate("abc"))
    cli("index", str(library.root), "--no-embed")
    choice = cli("prefer", str(a), str(b), str(c))
    assert len(choice["pairs"]) == 2 and not choice["tie"]
    assert len(cli("prefer", str(a), str(b), "--tie")["pairs"]) == 1
    assert cli("status")["preferences"] == 2


def test_export_wipe_import_round_trip(cli, library, tmp_path: Path) -> None:
    a, b = library.noise("a.jpg", seed=1), library.noise("b.jpg", seed=2)
    cli("index", str(library.root), "--no-embed")
    cli("rate", str(a), "9")
    cli("rate", str(b), "2")
    cli("rate", str(b), "3")
    cli("prefer", str(a), str(b))
    export = tmp_path / "backup.json"
    assert cli("ratings", "export", str(export)) == {
        "file": str(export), "ratings": 2, "preferences": 1, "history": 3, "dismissals": 0,
        "albums": 0, "tags": 0, "captions": 0, "people": 0,
    }  # fmt: skip
    shutil.rmtree(tmp_path / "data")  # a fresh data folder
    assert cli("ratings", "import", str(export))["added"] == 2
    cli("index", str(library.root), "--no-embed")
    assert listed(cli) == {"a.jpg": (9.0, "user"), "b.jpg": (3.0, "user")}
    again = tmp_path / "again.json"
    cli("ratings", "export", str(again))
    first, second = json.loads(export.read_text()), json.loads(again.read_text())
    for document in (first, second):
        document.pop("exported_at")
    assert first == second  # ratings, preferences and history identical


def test_not_duplicates_decisions_travel_in_the_backup_and_old_backups_still_import(
    cli, library, tmp_path: Path
) -> None:
    a, b = library.noise("a.jpg", seed=1), library.noise("b.jpg", seed=2)
    library.write("copy of a.jpg", a.read_bytes())
    cli("index", str(library.root), "--no-embed")
    cli("rate", str(a), "7")
    cli("duplicates", "--dismiss", str(a), str(b))  # a and b: not duplicates
    cli("duplicates", "--tier", "exact", "--dismiss", "1")  # a's copies: all kept
    export = tmp_path / "backup.json"
    assert cli("ratings", "export", str(export))["dismissals"] == 2
    document = json.loads(export.read_text())
    assert document["version"] == 4
    shutil.rmtree(tmp_path / "data")  # a fresh data folder
    assert cli("ratings", "import", str(export))["dismissals_added"] == 2
    cli("index", str(library.root), "--no-embed")
    assert cli("duplicates", "--tier", "exact")["groups"] == []  # still kept
    kept = sorted(len(d["content_ids"]) for d in cli("duplicates", "--show-dismissed")["dismissed"])
    assert kept == [1, 2]
    assert cli("ratings", "import", str(export))["dismissals_added"] == 0  # idempotent
    old = {k: v for k, v in document.items() if k != "dismissals"} | {"version": 1}
    (tmp_path / "v1.json").write_text(json.dumps(old))
    shutil.rmtree(tmp_path / "data")
    assert cli("ratings", "import", str(tmp_path / "v1.json"))["added"] == 1  # a version 1 file
    cli("index", str(library.root), "--no-embed")
    assert len(cli("duplicates", "--tier", "exact")["groups"]) == 1


def test_bad_import_files_change_nothing(run_cli, cli, library, tmp_path: Path) -> None:
    photo = library.noise("photo.jpg", seed=1)
    cli("index", str(library.root), "--no-embed")
    cli("rate", str(photo), "5")
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    assert "is not JSON" in fails(run_cli, tmp_path, "ratings", "import", str(bad))
    bad.write_text('{"format": "pictor-ratings", "version": 7}')
    assert "schema version 7" in fails(run_cli, tmp_path, "ratings", "import", str(bad))
    export = tmp_path / "good.json"
    cli("ratings", "export", str(export))
    document = json.loads(export.read_text())
    document["ratings"][0]["score"] = 10
    document["ratings"].append({"content_id": "zz", "score": 1, "time": 1, "source": "user"})
    bad.write_text(json.dumps(document))
    message = fails(run_cli, tmp_path, "ratings", "import", str(bad), "--on-conflict", "replace")
    assert "1 invalid entries" in message and "nothing was imported" in message
    assert listed(cli) == {"photo.jpg": (5.0, "user")}


ENTRY = '{"content_id": "%s", "score": 5, "time": 1.0, "source": "user", "paths": []}' % ("a" * 32)


def crafted(second_entry: str) -> str:
    """An export whose ratings[1] is second_entry, written as given (line 3)."""
    return (
        '{"format": "pictor-ratings", "version": 1,\n"ratings": ['
        + ENTRY
        + ",\n"
        + second_entry
        + "]}"
    )


@pytest.mark.parametrize(
    ("second", "message"),
    [
        pytest.param(ENTRY.replace("1.0", str(2**63)), "ratings[1]: time 9223372036854775808 "
                     "is in the future", id="time-2**63"),
        pytest.param(ENTRY.replace("1.0", "1" + "0" * 400), "ratings[1]: time is a 401-digit "
                     "number, far out of range", id="time-10**400"),
        pytest.param(ENTRY.replace('"score": 5', '"score": ' + "7" * 5001), "ratings[1]: score "
                     "is a 5,001-digit number, outside 0-10", id="score-of-5001-digits"),
        pytest.param('{"paths": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested more than 100 "
                     "levels deep (line 3, column 108)", id="nested-100000-deep"),
    ],
)  # fmt: skip
def test_crafted_import_files_are_refused_with_the_reason_and_where(
    run_cli, tmp_path: Path, second: str, message: str
) -> None:
    bad = tmp_path / "crafted.json"
    bad.write_text(crafted(second))
    assert message in fails(run_cli, tmp_path, "ratings", "import", str(bad))


def test_ratings_survive_rename_move_reindex_delete_and_return(cli, library, tmp_path) -> None:
    photo = library.noise("photo.jpg", seed=1)
    cli("index", str(library.root), "--no-embed")
    cli("rate", str(photo), "7.5")
    moved = library.path("2024/trip/renamed.jpg")
    photo.rename(moved)
    assert cli("index", str(library.root), "--no-embed")["moved"] == 1
    assert listed(cli) == {"renamed.jpg": (7.5, "user")}
    outside = tmp_path / "outside.jpg"
    moved.rename(outside)
    assert cli("index", str(library.root), "--no-embed")["deleted"] == 1
    assert listed(cli) == {}
    outside.rename(library.path("back.jpg"))
    cli("index", str(library.root), "--no-embed")
    assert listed(cli) == {"back.jpg": (7.5, "user")}


def test_ratings_survive_a_model_change(cli, library) -> None:
    photo = library.noise("photo.jpg", seed=1)
    cli("index", str(library.root))
    cli("rate", str(photo), "4")
    other = {
        "PICTOR_CLIP_MODEL": "pictor-slow-clip",
        "PICTOR_CLIP_MODEL_CONFIG": str(SLOW_CLIP_CONFIGS),
    }
    summary = cli("index", str(library.root), env=other)
    assert summary["embeddings"]["model"] == "pictor-slow-clip@random"
    assert summary["embeddings"]["embedded"] == 1
    assert listed(cli) == {"photo.jpg": (4.0, "user")}


def test_a_rating_survives_kill_9_right_after_it_is_given(cli, library, tmp_path) -> None:
    photo = library.noise("photo.jpg", seed=1)
    cli("index", str(library.root), "--no-embed")
    script = (
        "import os, signal, sys\n"
        "from indexing.curate.rating_service import RatingService\n"
        "from indexing.library import Library\n"
        "from indexing.settings import Settings\n"
        "service = RatingService(Library(Settings(data_dir=sys.argv[1])))\n"
        "service.rate_path(sys.argv[2], 8)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "data"), str(photo)],
        cwd=REPO_ROOT,
        env={**os.environ},
        capture_output=True,
    )
    assert done.returncode == -signal.SIGKILL
    assert listed(cli) == {"photo.jpg": (8.0, "user")}

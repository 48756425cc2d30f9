"""The trash: moves with undo, never an overwrite, never a lost file, even across a crash."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.integration.test_bad_input import WITHOUT_ROOT_READ_OVERRIDE

TRASH = ".pictor-trash"


def listed(cli) -> list[str]:
    return sorted(Path(i["path"]).name for i in cli("list")["items"])


def test_trash_and_restore_keep_the_file_and_its_rating(cli, library) -> None:
    photo = library.noise("trip/day 1/photo.jpg", seed=1)
    library.noise("other.jpg", seed=2)
    cli("index", str(library.root), "--no-embed")
    cli("rate", str(photo), "9")
    original = photo.read_bytes()
    [moved] = cli("trash", str(photo))["moved"]
    in_trash = library.root / TRASH / "trip" / "day 1" / "photo.jpg"
    assert moved["trash_path"] == str(in_trash) and in_trash.read_bytes() == original
    assert not photo.exists()
    assert listed(cli) == ["other.jpg"]  # gone from every view at once
    assert cli("index", str(library.root), "--no-embed")["new"] == 0  # the trash is not indexed
    assert [e["original_path"] for e in cli("trash", "list")["trash"]] == [str(photo)]
    cli("trash", "restore", str(photo))
    assert photo.read_bytes() == original
    items = {Path(i["path"]).name: i["rating"] for i in cli("list")["items"]}
    assert items == {"other.jpg": None, "photo.jpg": 9.0}  # back with its rating
    assert cli("trash", "list")["trash"] == []


def test_a_name_taken_in_the_trash_is_never_overwritten(cli, library) -> None:
    first = library.noise("a.jpg", seed=1)
    first_bytes = first.read_bytes()
    cli("index", str(library.root), "--no-embed")
    cli("trash", str(first))
    second = library.noise("a.jpg", seed=2)  # a different image under the same name
    cli("index", str(library.root), "--no-embed")
    [moved] = cli("trash", str(second))["moved"]
    assert Path(moved["trash_path"]).name == "a (2).jpg"
    assert (library.root / TRASH / "a.jpg").read_bytes() == first_bytes
    report = cli("trash", "restore", "--all")
    names = sorted(Path(m["original_path"]).name for m in report["moved"])
    assert names == ["a (2).jpg", "a.jpg"]  # the second could not take its old name back
    assert (library.root / "a.jpg").read_bytes() in (first_bytes, second.read_bytes())


def test_restore_recreates_removed_folders(cli, library) -> None:
    photo = library.noise("2019/june/photo.jpg", seed=1)
    cli("index", str(library.root), "--no-embed")
    cli("trash", str(photo))
    (library.root / "2019" / "june").rmdir()
    (library.root / "2019").rmdir()
    cli("trash", "restore", str(photo))
    assert photo.exists()


def test_bad_trash_requests_change_nothing(run_cli, cli, library, tmp_path: Path) -> None:
    inside = library.noise("in.jpg", seed=1)
    outside = tmp_path / "elsewhere.jpg"
    outside.write_bytes(inside.read_bytes())
    cli("index", str(library.root), "--no-embed")
    data = ["--data-dir", str(tmp_path / "data")]
    code, out, err = run_cli([*data, "trash", str(inside), str(outside)])
    assert (code, out) == (2, "") and "not inside any library folder" in err
    assert inside.exists() and outside.exists()
    code, _, err = run_cli([*data, "trash", "empty"])
    assert code == 2 and "--yes" in err
    code, _, err = run_cli([*data, "trash", "restore", str(inside)])
    assert code == 2 and "not in the trash" in err


def test_a_vanished_file_is_one_line_and_the_rest_moves(run_cli, cli, library, tmp_path) -> None:
    kept, vanished = library.noise("kept.jpg", seed=1), library.noise("gone.jpg", seed=2)
    cli("index", str(library.root), "--no-embed")
    vanished.unlink()
    code, out, err = run_cli(["--data-dir", str(tmp_path / "data"), "trash", str(vanished),
                              str(kept), "--json"])  # fmt: skip
    assert code == 0
    assert err.strip() == f"warning: {vanished}: the file is no longer there"
    assert [m["original_path"] for m in json.loads(out)["moved"]] == [str(kept)]


def test_a_read_only_folder_keeps_its_file(cli, library, tmp_path) -> None:
    locked_folder = library.path("locked/x").parent
    photo = library.noise("locked/photo.jpg", seed=1)
    other = library.noise("free.jpg", seed=2)
    cli("index", str(library.root), "--no-embed")
    locked_folder.chmod(0o555)
    try:
        prefix = WITHOUT_ROOT_READ_OVERRIDE if os.geteuid() == 0 else []
        code_out = subprocess.run(
            [*prefix, sys.executable, str(REPO_ROOT / "launch.py"), "--data-dir",
             str(tmp_path / "data"), "trash", str(photo), str(other), "--json"],
            cwd=REPO_ROOT, capture_output=True, text=True, env={**os.environ},
        )  # fmt: skip
    finally:
        locked_folder.chmod(0o755)
    if code_out.returncode != 0 and "Operation not permitted" in code_out.stderr:
        pytest.skip("setpriv cannot drop root's write override here")
    assert "permission denied" in code_out.stderr
    assert photo.exists() and not (library.root / TRASH / "locked" / "photo.jpg").exists()
    assert [m["original_path"] for m in json.loads(code_out.stdout)["moved"]] == [str(other)]


def test_a_trash_on_another_filesystem_copies_verifies_then_removes(cli, library, tmp_path):
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(library.root).st_dev:
        pytest.skip("no second filesystem to put the trash on")
    elsewhere = shm / f"pictor-trash-test-{os.getpid()}"
    elsewhere.mkdir()
    try:
        (library.root / TRASH).symlink_to(elsewhere)  # the trash lives on tmpfs
        photo = library.noise("photo.jpg", seed=1)
        original = photo.read_bytes()
        cli("index", str(library.root), "--no-embed")
        cli("trash", str(photo))
        assert not photo.exists() and (elsewhere / "photo.jpg").read_bytes() == original
        assert list(elsewhere.glob("*.part")) == []
        cli("trash", "restore", "--all")
        assert photo.read_bytes() == original
    finally:
        for leftover in elsewhere.glob("*"):
            leftover.unlink()
        elsewhere.rmdir()


KILL_ON_FIFTH_MOVE = """
import os, signal, sys
import indexing.curate.trash as trash
from indexing.store.catalog import Catalog
real_unlink, calls = os.unlink, []
def unlink(path, *args, **kwargs):
    calls.append(path)
    if len(calls) == 5:  # the fifth file is linked into the trash, its original still there
        os.kill(os.getpid(), signal.SIGKILL)
    return real_unlink(path, *args, **kwargs)
trash.os.unlink = unlink
with Catalog(sys.argv[1]) as catalog:
    trash.Trash(catalog).trash(sys.argv[2:])
"""


def test_kill_9_mid_batch_loses_nothing(cli, library, tmp_path) -> None:
    photos = [library.noise(f"p{n}.jpg", seed=n) for n in range(10)]
    contents = {p.name: p.read_bytes() for p in photos}
    cli("index", str(library.root), "--no-embed")
    done = subprocess.run(
        [sys.executable, "-c", KILL_ON_FIFTH_MOVE, str(tmp_path / "data" / "catalog.sqlite3"),
         *map(str, photos)],
        cwd=REPO_ROOT, capture_output=True, env={**os.environ},
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL
    in_trash = {e["original_path"] for e in cli("trash", "list")["trash"]}  # recovers first
    assert len(in_trash) == 5
    for photo in photos:
        trashed = library.root / TRASH / photo.name
        if str(photo) in in_trash:
            assert trashed.read_bytes() == contents[photo.name] and not photo.exists()
        else:
            assert photo.read_bytes() == contents[photo.name] and not trashed.exists()
    cli("trash", "restore", "--all")
    assert all(p.read_bytes() == contents[p.name] for p in photos)


def test_empty_is_the_only_permanent_delete(cli, library) -> None:
    photo = library.noise("sub/photo.jpg", seed=1)
    cli("index", str(library.root), "--no-embed")
    cli("trash", str(photo))
    assert len(cli("trash", "empty", "--yes")["moved"]) == 1
    assert not (library.root / TRASH / "sub").exists()
    assert cli("trash", "list")["trash"] == []


PAUSE_AFTER_LINK = """
import os, sys
import indexing.curate.trash as trash
from indexing.store.catalog import Catalog
real_unlink = os.unlink
def unlink(path, *args, **kwargs):
    if path == sys.argv[2]:  # linked into the trash, the original not yet removed
        print("linked", flush=True)
        sys.stdin.readline()
    return real_unlink(path, *args, **kwargs)
trash.os.unlink = unlink
with Catalog(sys.argv[1]) as catalog:
    trash.Trash(catalog).trash([sys.argv[2]])
print("done", flush=True)
"""


def test_a_move_in_progress_holds_the_trash_so_no_other_run_undoes_it(
    cli, library, tmp_path
) -> None:
    import fcntl

    photo = library.noise("p.jpg", seed=1)
    original = photo.read_bytes()
    cli("index", str(library.root), "--no-embed")
    mover = subprocess.Popen(
        [sys.executable, "-c", PAUSE_AFTER_LINK, str(tmp_path / "data" / "catalog.sqlite3"),
         str(photo)],
        cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert mover.stdout.readline().strip() == "linked"
        # Mid-move: another trash operation (a `trash list` in another process, the Trash
        # tab) must wait for this one, not "recover" its row and unlink the original.
        with (
            open(tmp_path / "data" / "trash.lock", "a") as handle,
            pytest.raises(BlockingIOError),
        ):
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        mover.stdin.write("\n")
        mover.stdin.flush()
        assert mover.stdout.readline().strip() == "done"
    finally:
        mover.stdin.close()
        mover.wait(timeout=60)
    [entry] = cli("trash", "list")["trash"]
    assert Path(entry["trash_path"]).read_bytes() == original and not photo.exists()


KILL_BEFORE_LOGGING_DONE = """
import os, signal, sys
import indexing.curate.trash as trash
from indexing.store.catalog import Catalog
real_finish = trash.Trash._finish
def finish(self, row_id, state, **kwargs):
    if state == "trashed":  # moved, but the log still says 'moving'
        os.kill(os.getpid(), signal.SIGKILL)
    return real_finish(self, row_id, state, **kwargs)
trash.Trash._finish = finish
with Catalog(sys.argv[1]) as catalog:
    trash.Trash(catalog).trash([sys.argv[2]])
"""


def test_a_move_finished_before_a_crash_stays_restorable_when_its_name_is_taken(
    cli, library, tmp_path
) -> None:
    photo = library.noise("p.jpg", seed=1)
    original = photo.read_bytes()
    cli("index", str(library.root), "--no-embed")
    done = subprocess.run(
        [sys.executable, "-c", KILL_BEFORE_LOGGING_DONE,
         str(tmp_path / "data" / "catalog.sqlite3"), str(photo)],
        cwd=REPO_ROOT, capture_output=True,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL
    newcomer = library.noise("p.jpg", seed=2).read_bytes()  # a new file takes the name
    [entry] = cli("trash", "list")["trash"]
    assert Path(entry["trash_path"]).read_bytes() == original
    assert photo.read_bytes() == newcomer
    [restored] = cli("trash", "restore", "--all")["moved"]
    assert Path(restored["original_path"]).name == "p (2).jpg"
    assert Path(restored["original_path"]).read_bytes() == original
    assert photo.read_bytes() == newcomer


def test_an_unreachable_trash_folder_is_not_marked_emptied(run_cli, cli, library, tmp_path) -> None:
    photo = library.noise("p.jpg", seed=1)
    cli("index", str(library.root), "--no-embed")
    cli("trash", str(photo))
    away = tmp_path / "unmounted"
    (library.root / TRASH).rename(away)  # the trash's filesystem is not mounted
    code, _, err = run_cli(["--data-dir", str(tmp_path / "data"), "trash", "empty", "--yes"])
    assert code == 2 and "not reachable" in err
    away.rename(library.root / TRASH)
    [entry] = cli("trash", "list")["trash"]
    assert Path(entry["trash_path"]).exists()


def test_trashing_the_trash_or_listing_with_paths_is_refused(run_cli, cli, library, tmp_path):
    photo = library.noise("p.jpg", seed=1)
    cli("index", str(library.root), "--no-embed")
    [entry] = cli("trash", str(photo))["moved"]
    for args in (["trash", entry["trash_path"]], ["trash", "list", str(photo)]):
        code, out, err = run_cli(["--data-dir", str(tmp_path / "data"), *args])
        assert (code, out) == (2, "") and len(err.strip().splitlines()) == 1, err
    assert Path(entry["trash_path"]).exists()


def plant_escapes(library, outside: Path) -> list[Path]:
    """Paths under the library root that name no file the library holds: a folder link to
    a place never indexed, a text file, a hidden file."""
    outside.mkdir()
    secret = outside / "secret.jpg"
    secret.write_bytes(library.noise("x.jpg", seed=9).read_bytes())
    (library.root / "x.jpg").unlink()
    (library.root / "evil_link").symlink_to(outside)
    notes = library.write("notes.txt", b"my notes")
    private = library.write(".hidden/private.txt", b"private")
    return [library.root / "evil_link" / "secret.jpg", notes, private]


def test_only_images_the_library_holds_move_to_the_trash(run_cli, cli, library, tmp_path):
    photo = library.noise("photo.jpg", seed=1)
    cli("index", str(library.root), "--no-embed")
    escapes = plant_escapes(library, tmp_path / "elsewhere")  # after indexing: never indexed
    data = ["--data-dir", str(tmp_path / "data")]
    code, out, err = run_cli([*data, "trash", *map(str, escapes)])
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == len(escapes), err  # one line for each
    assert all(str(path) in err for path in escapes)
    code, out, err = run_cli([*data, "trash", str(photo), str(escapes[0])])
    assert (code, out) == (2, "") and "nothing was moved" in err
    assert photo.exists() and all(path.exists() for path in escapes)
    assert (tmp_path / "elsewhere" / "secret.jpg").exists()
    assert not (library.root / TRASH).exists()


def test_the_api_trash_moves_only_images_the_library_holds(pictor_env, library, tmp_path):
    from app.api import PictorApi
    from app.context import AppContext
    from indexing.errors import PictorError
    from indexing.settings import Settings

    photo = library.noise("photo.jpg", seed=1)
    api = PictorApi(AppContext.create(Settings()))
    api.ctx.library.index([str(library.root)])
    escapes = plant_escapes(library, tmp_path / "elsewhere")
    for path in escapes:
        with pytest.raises(PictorError, match="not an image or video of the library"):
            api.trash([str(path)])
        assert path.exists()
    [moved] = api.trash([str(photo)])["moved"]
    assert moved["original_path"] == str(photo) and not photo.exists()


def test_a_file_reached_through_a_link_to_the_library_is_its_catalogued_file(
    cli, library, tmp_path
) -> None:
    photo = library.noise("photo.jpg", seed=1)
    cli("index", str(library.root), "--no-embed")
    alias = tmp_path / "alias"
    alias.symlink_to(library.root)  # ~/Pictures linked to where the library really is
    [moved] = cli("trash", str(alias / "photo.jpg"))["moved"]
    assert moved["original_path"] == str(photo) and not photo.exists()
    assert Path(moved["trash_path"]).parent == library.root / TRASH


def test_a_folder_turned_into_a_link_to_elsewhere_moves_nothing(run_cli, cli, library, tmp_path):
    """sub/a.jpg is indexed; then sub is replaced by a link to a folder outside the library
    holding another a.jpg. Trashing sub/a.jpg must not move that outside file."""
    library.noise("sub/a.jpg", seed=1)
    cli("index", str(library.root), "--no-embed")
    outside = tmp_path / "outside"
    outside.mkdir()
    stranger = outside / "a.jpg"
    stranger.write_bytes(library.noise("other.jpg", seed=7).read_bytes() + b"more")
    (library.root / "other.jpg").unlink()
    for name in os.listdir(library.root / "sub"):
        os.remove(library.root / "sub" / name)
    os.rmdir(library.root / "sub")
    (library.root / "sub").symlink_to(outside)
    code, out, err = run_cli(
        ["--data-dir", str(tmp_path / "data"), "trash", str(library.root / "sub" / "a.jpg")]
    )
    assert (code, out) == (2, "") and "changed on disk since it was indexed" in err, err
    assert stranger.exists() and not (library.root / TRASH).exists()


def linked_photo(library, outside: Path) -> tuple[Path, Path]:
    """A library entry that is a symlink to a photo kept outside the library."""
    outside.mkdir()
    real = outside / "real.jpg"
    real.write_bytes(library.noise("x.jpg", seed=3).read_bytes())
    (library.root / "x.jpg").unlink()
    link = library.root / "linked.jpg"
    link.symlink_to(real)
    return link, real


@pytest.mark.parametrize("across", [False, True], ids=["same filesystem", "trash elsewhere"])
def test_a_library_entry_that_is_a_link_moves_as_the_link(cli, library, tmp_path, across):
    link, real = linked_photo(library, tmp_path / "elsewhere")
    original = real.read_bytes()
    if across:  # a trash on another filesystem: no link of any kind can cross to it
        shm = Path("/dev/shm")
        if not shm.is_dir() or os.stat(shm).st_dev == os.stat(library.root).st_dev:
            pytest.skip("no second filesystem to put the trash on")
        elsewhere = shm / f"pictor-trash-link-test-{os.getpid()}"
        elsewhere.mkdir()
        (library.root / TRASH).symlink_to(elsewhere)
    try:
        cli("index", str(library.root), "--no-embed")
        assert listed(cli) == ["linked.jpg"]
        [moved] = cli("trash", str(link))["moved"]
        in_trash = Path(moved["trash_path"])
        assert in_trash.is_symlink() and os.readlink(in_trash) == str(real)  # the link itself
        assert os.stat(real).st_nlink == 1  # no hard link to the outside file
        assert not os.path.lexists(link) and real.read_bytes() == original
        cli("trash", "restore", str(link))
        assert link.is_symlink() and os.readlink(link) == str(real)  # back as a link
        assert os.stat(real).st_nlink == 1 and listed(cli) == ["linked.jpg"]
        cli("trash", str(link))
        cli("trash", "empty", "--yes")
        assert not os.path.lexists(link) and real.read_bytes() == original  # never touched
    finally:
        if across:
            for leftover in elsewhere.glob("*"):
                leftover.unlink()
            elsewhere.rmdir()


def test_restore_into_a_folder_that_became_a_file_says_where_it_is(
    run_cli, cli, library, tmp_path
) -> None:
    photo = library.noise("2019/photo.jpg", seed=1)
    original = photo.read_bytes()
    cli("index", str(library.root), "--no-embed")
    cli("rate", str(photo), "8")
    [entry] = cli("trash", str(photo))["moved"]
    (library.root / "2019").rmdir()
    (library.root / "2019").write_text("a file took the folder's name")
    data = ["--data-dir", str(tmp_path / "data")]
    code, _, err = run_cli([*data, "trash", "restore", str(photo)])
    assert code == 2
    [line] = err.strip().splitlines()
    assert f"{library.root / '2019'} is now a file" in line
    assert entry["trash_path"] in line and "--to" in line
    assert Path(entry["trash_path"]).read_bytes() == original  # still safe in the trash
    [back] = cli("trash", "restore", str(photo), "--to", str(library.root))["moved"]
    assert back["original_path"] == str(library.root / "photo.jpg")
    assert (library.root / "photo.jpg").read_bytes() == original
    items = {Path(i["path"]).name: i["rating"] for i in cli("list")["items"]}
    assert items == {"photo.jpg": 8.0}  # in the library again, with its rating
    assert cli("trash", "list")["trash"] == []

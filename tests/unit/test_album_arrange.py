"""Arranging albums in the store and the curate layer: the manual order (moves to the start,
the end, a place, before or after an image, a step; by content id, so renames and the trash
keep it; in the backup) and folders of albums made, renamed, moved and deleted on their
own. Every refusal leaves the catalog as it was."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.api_albums import AlbumApi
from indexing.curate.album_folders import AlbumFolders
from indexing.curate.album_order import AlbumOrder, Where
from indexing.curate.albums import Albums
from indexing.curate.organised_backup import export_sections, import_sections, problems
from indexing.curate.smart_albums import SmartAlbums, SmartQuery
from indexing.errors import PictorError
from indexing.query.filters import Filter
from indexing.store.catalog import Catalog
from tests.unit.test_albums import _images, rows

IDS = [hashlib.blake2b(str(n).encode(), digest_size=16).hexdigest() for n in range(8)]
A, B, C, D, E, F, G, H = IDS


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog(tmp_path / "catalog.sqlite3") as opened:
        with opened.transaction() as conn:
            _images(conn, IDS)
        albums = Albums(opened)
        albums.create("Trip", order="manual")
        albums.add("Trip", IDS)  # as added: A B C D E F G H
        yield opened


def order(catalog, name: str = "Trip") -> list[str]:
    albums = Albums(catalog)
    return albums.items(albums.get(name))


def letters(ids: list[str]) -> str:
    return "".join("ABCDEFGH"[IDS.index(cid)] for cid in ids)


@pytest.mark.parametrize(
    ("moved", "where", "after"),
    [
        ([E, B], Where(first=True), "EBACDFGH"),  # in the order given
        ([A, C], Where(last=True), "BDEFGHAC"),
        ([H], Where(to=2), "AHBCDEFG"),
        ([A], Where(to=3), "BCADEFGH"),  # the third place once moved
        ([A, B], Where(to=99), "CDEFGHAB"),  # past the end: the end
        ([G, H], Where(before=C), "ABGHCDEF"),
        ([A, B], Where(after=D), "CDABEFGH"),
        ([B], Where(after=H), "ACDEFGHB"),
        ([A], Where(first=True), "ABCDEFGH"),  # already there
    ],
)
def test_a_move_puts_the_images_where_it_says(catalog, moved, where, after) -> None:
    done = AlbumOrder(catalog).move("Trip", moved, where)
    assert letters(order(catalog)) == after
    assert done.at == after.index("ABCDEFGH"[IDS.index(moved[0])]) + 1
    assert done.album.order_mode == "manual" and done.order_was == "manual"


def test_moves_build_on_each_other_and_keep_each_position_distinct(catalog) -> None:
    album_order = AlbumOrder(catalog)
    steps = (([H], Where(first=True)), ([A], Where(before=H)), ([D, C], Where(to=2)),
             ([G], Where(after=A)), ([B], Where(last=True)), ([H], Where(to=5)))  # fmt: skip
    for moved, where in steps:
        album_order.move("Trip", moved, where)
    assert letters(order(catalog)) == "AGDCHEFB"
    positions = [r[0] for r in rows(catalog, "SELECT position FROM album_items")]
    assert len(set(positions)) == len(positions) == 8


def test_the_order_hangs_off_the_content_id_through_a_rename_and_the_trash(catalog) -> None:
    AlbumOrder(catalog).move("Trip", [F], Where(first=True))
    with catalog.transaction() as conn:  # F's file renamed, C's trashed
        conn.execute("UPDATE files SET path = '/lib/renamed.jpg' WHERE content_id = ?", (F,))
        conn.execute("UPDATE files SET status = 'missing' WHERE content_id = ?", (C,))
    assert letters(order(catalog)) == "FABDEGH"  # C hidden while in the trash
    AlbumOrder(catalog).move("Trip", [E], Where(to=3))  # the third of what is shown
    with catalog.transaction() as conn:  # C restored: back in its place
        conn.execute("UPDATE files SET status = 'present' WHERE content_id = ?", (C,))
    assert letters(order(catalog)) == "FAEBCDGH"


def test_moving_in_an_album_shown_by_date_makes_it_manual_from_its_date_order(catalog) -> None:
    albums = Albums(catalog)
    albums.create("Dated")  # by date: date_key follows IDS' order
    albums.add("Dated", [D, B, A, C])  # added out of date order
    assert letters(order(catalog, "Dated")) == "ABCD"
    done = AlbumOrder(catalog).move("Dated", [D], Where(first=True))
    assert done.order_was == "date" and done.album.order_mode == "manual"
    assert letters(order(catalog, "Dated")) == "DABC"  # the date order, then the move


def test_a_step_swaps_with_the_neighbour_and_stops_at_either_end(catalog) -> None:
    album_order = AlbumOrder(catalog)
    album_order.step("Trip", C, later=False)
    assert letters(order(catalog)) == "ACBDEFGH"
    album_order.step("Trip", C, later=True)
    album_order.step("Trip", C, later=True)
    assert letters(order(catalog)) == "ABDCEFGH"
    with pytest.raises(PictorError, match="already the first"):
        album_order.step("Trip", A, later=False)
    with pytest.raises(PictorError, match="already the last"):
        album_order.step("Trip", H, later=True)


def test_a_step_among_tied_positions_moves_exactly_one_place(catalog) -> None:
    with catalog.transaction() as conn:  # as a merge of duplicates or a backup import leaves
        conn.execute("UPDATE album_items SET position = 5")
    shown = order(catalog)
    assert sorted(shown) == sorted(IDS) and order(catalog) == shown  # a stable order
    album_order = AlbumOrder(catalog)
    moved = album_order.step("Trip", shown[1], later=True)
    assert order(catalog) == [shown[0], shown[2], shown[1], *shown[3:]]
    assert moved.at == 3
    album_order.step("Trip", shown[6], later=False)
    assert order(catalog) == [shown[0], shown[2], shown[1], *shown[3:5], shown[6], shown[5],
                              shown[7]]  # fmt: skip


def test_every_bad_move_is_one_sentence_and_changes_nothing(catalog) -> None:
    Albums(catalog).create("Other")
    Albums(catalog).add("Other", [A])
    SmartAlbums(None, catalog).create("Smart", SmartQuery(Filter(min_rating=1)))  # type: ignore[arg-type]
    before = rows(catalog, "SELECT * FROM album_items") + rows(catalog, "SELECT * FROM albums")
    album_order = AlbumOrder(catalog)
    for name, moved, where, says in (
        ("Other", [B], Where(first=True), "not in 'Other'"),
        ("Trip", [A, "0" * 32], Where(last=True), "1 of the 2 images are not in 'Trip'"),
        ("Trip", [A], Where(before=A), "before or after itself"),
        ("Other", [A], Where(after=B), "to move next to is not in 'Other'"),
        ("Smart", [A], Where(first=True), "is a smart album"),
        ("Nowhere", [A], Where(first=True), "no album named"),
        ("Trip", [], Where(first=True), "no images to move"),
    ):
        with pytest.raises(PictorError, match=says):
            album_order.move(name, moved, where)
    for bad in ({}, {"first": True, "last": True}, {"to": 0}):
        with pytest.raises(PictorError, match=r"say where to|counts from 1"):
            Where(**bad)  # type: ignore[arg-type]
    after = rows(catalog, "SELECT * FROM album_items") + rows(catalog, "SELECT * FROM albums")
    assert after == before


def test_a_move_in_a_big_album_is_a_few_statements_whatever_its_size(tmp_path: Path) -> None:
    """Not O(N) writes per image: two writes and a handful of reads, however many images
    move (bench/album_move.py times 10,000 moved in a 100,000 album)."""
    many = [hashlib.blake2b(b"m%d" % n, digest_size=16).hexdigest() for n in range(4_000)]
    with Catalog(tmp_path / "big.sqlite3") as catalog:
        with catalog.transaction() as conn:
            _images(conn, many)
        Albums(catalog).create("Big", order="manual")
        Albums(catalog).add("Big", many)
        counts = []
        for moved, to in ((many[3_000:3_100], 1_001), (many[2_000:3_000], 11)):
            statements: list[str] = []
            catalog.conn.set_trace_callback(statements.append)
            AlbumOrder(catalog).move("Big", moved, Where(to=to))
            catalog.conn.set_trace_callback(None)
            writes = [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "WITH"))]
            counts.append((len(writes), len(statements)))
        assert counts[0] == counts[1] and counts[0][0] == 2  # 100 or 1,000 moved: the same
        now = order(catalog, "Big")
        assert now[10:1_010] == many[2_000:3_000] and now[:10] == many[:10]
        rest = many[10:1_000] + many[3_000:3_100] + many[1_000:2_000] + many[3_100:]
        assert now[1_010:] == rest


def test_the_backup_keeps_the_manual_order_and_the_empty_folders(catalog, tmp_path) -> None:
    AlbumOrder(catalog).move("Trip", [H, G], Where(first=True))
    AlbumFolders(catalog).create("Trips/Someday")
    document = export_sections(catalog)
    assert problems(document, lambda value, now: None, 0.0) == []
    assert {f["path"] for f in document["album_folders"]} == {"Trips", "Trips/Someday"}
    old = {key: value for key, value in document.items() if key != "album_folders"}
    for name, backup in (("new", document), ("old", old)):  # a backup made before folders
        with Catalog(tmp_path / f"{name}.sqlite3") as restored:
            with restored.transaction() as conn:
                _images(conn, IDS)
                import_sections(conn, backup, "keep", 0.0)
            assert letters(order(restored)) == "HGABCDEF"
            folders = {f.path for f in AlbumFolders(restored).listed()}
            assert folders == ({"Trips", "Trips/Someday"} if name == "new" else set())
    bad = {**document, "album_folders": [{"path": "Trips/", "created": 1.0}]}
    assert problems(bad, lambda value, now: None, 0.0) == [
        "album_folders[0]: folder 'Trips/' has a '/' at its start or end"
    ]


def test_a_folder_is_made_before_any_album_and_listed_empty(catalog) -> None:
    folders = AlbumFolders(catalog)
    made = folders.create("Trips/2024")
    assert (made.path, made.empty) == ("Trips/2024", True)
    listed = {f.path: (f.albums, f.folders, f.empty) for f in folders.listed()}
    assert listed == {"Trips": (0, 1, False), "Trips/2024": (0, 0, True)}
    Albums(catalog).create("Trips/2024/Lisbon")
    Albums(catalog).delete("Trips/2024/Lisbon")
    assert "Trips/2024" in {f.path for f in folders.listed()}  # stays when its album goes


def test_a_folder_is_renamed_or_moved_with_its_albums(catalog) -> None:
    folders = AlbumFolders(catalog)
    Albums(catalog).create("Trips/2024/Lisbon")
    renamed = folders.rename("Trips/2024", "Summer 2024")  # a name alone: same parent
    assert renamed.path == "Trips/Summer 2024"
    assert Albums(catalog).get("Lisbon").path == "Trips/Summer 2024/Lisbon"
    moved = folders.rename("Trips/Summer 2024", "Archive/Summer 2024")  # Archive is made
    assert moved.path == "Archive/Summer 2024"
    assert Albums(catalog).get("Lisbon").path == "Archive/Summer 2024/Lisbon"


def test_deleting_a_folder_moves_what_it_holds_up_never_deletes_an_album(catalog) -> None:
    folders = AlbumFolders(catalog)
    Albums(catalog).create("Trips/2024/Lisbon")
    Albums(catalog).add("Lisbon", [A, B])
    folders.create("Trips/2024/Later")
    folders.create("Empty")
    gone = folders.delete("Empty")
    assert gone.folder.path == "Empty" and "Empty" not in {f.path for f in folders.listed()}
    with pytest.raises(PictorError, match="holds 1 album, 1 folder: confirm"):
        folders.delete("Trips/2024")
    done = folders.delete("Trips/2024", move_up=True)
    assert (done.moved_albums, done.moved_folders, done.into) == (1, 1, "Trips")
    lisbon = Albums(catalog).get("Lisbon")
    assert (lisbon.path, lisbon.count) == ("Trips/Lisbon", 2)  # its photos with it
    assert {f.path for f in folders.listed()} == {"Trips", "Trips/Later"}


def test_a_folder_holding_a_folder_of_its_own_name_is_deleted_into_its_place(catalog) -> None:
    folders = AlbumFolders(catalog)
    Albums(catalog).create("Trips/Trips/Lisbon")
    Albums(catalog).add("Trips/Trips/Lisbon", [A])
    done = folders.delete("Trips", move_up=True)  # not a clash with itself
    assert (done.moved_folders, done.into) == (1, "")
    assert {f.path for f in folders.listed()} == {"Trips"}
    lisbon = Albums(catalog).get("Lisbon")
    assert (lisbon.path, lisbon.count) == ("Trips/Lisbon", 1)


def test_every_bad_folder_action_is_one_sentence_and_changes_nothing(catalog) -> None:
    folders = AlbumFolders(catalog)
    folders.create("Trips/2024")
    Albums(catalog).create("Trips/2024/Lisbon")
    Albums(catalog).create("Trips/Lisbon")  # takes the name the move up would need
    before = rows(catalog, "SELECT * FROM album_folders") + rows(catalog, "SELECT * FROM albums")
    for action, says in (
        (lambda: folders.create(""), "a folder name cannot be empty"),
        (lambda: folders.create("x" * 201), "at most 200 characters"),
        (lambda: folders.create("/Trips"), "'/' at its start or end"),
        (lambda: folders.create("Trips/"), "'/' at its start or end"),
        (lambda: folders.create("trips/2024"), "already a folder"),  # case ignored
        (lambda: folders.rename("Trips/2024", "Trips/2024/Inner"), "inside itself"),
        (lambda: folders.rename("Trips", "Trips/x/Trips"), "inside itself"),
        (lambda: folders.rename("Nowhere", "Else"), "no folder of albums 'Nowhere'"),
        (lambda: folders.delete("Trips/2024", move_up=True), "already has an album 'Lisbon'"),
    ):
        with pytest.raises(PictorError, match=says):
            action()
    folders.create("Other/2024")
    with pytest.raises(PictorError, match="already a folder"):
        folders.rename("Other/2024", "Trips/2024")
    after = rows(catalog, "SELECT * FROM album_folders") + rows(catalog, "SELECT * FROM albums")
    assert [r for r in after if r not in before] == [
        r for r in rows(catalog, "SELECT * FROM album_folders") if r[1] in ("Other", "2024")
        and r not in before
    ]  # only Other/2024, made on purpose  # fmt: skip


def test_album_move_and_album_folder_on_the_command_line(cli, run_cli, library, tmp_path):
    """The CLI in this process: --json documents, and a refusal one line with exit 2."""
    a, b, c = (library.noise(f"{name}.jpg", seed=n) for n, name in enumerate("abc"))
    cli("index", str(library.root), "--no-embed")
    cli("album", "create", "Trip", "--order", "manual")
    cli("album", "add", "Trip", str(a), str(b), str(c))
    moved = cli("album", "move", "Trip", str(c), "--first")
    assert (moved["moved"], moved["at"], moved["album"]["order"]) == (1, 1, "manual")
    assert cli("album", "move", "Trip", str(a), "--after", str(b))["at"] == 3
    shown = [Path(item["path"]).name for item in cli("album", "show", "Trip")["items"]]
    assert shown == ["c.jpg", "b.jpg", "a.jpg"]
    made = cli("album", "folder", "create", "Plans/2026")
    assert (made["path"], made["empty"]) == ("Plans/2026", True)
    folders = {f["path"]: f["empty"] for f in cli("album", "list")["folders"]}
    assert folders == {"Plans": False, "Plans/2026": True}
    cli("album", "rename", "Trip", "Plans/Trip")
    data = ["--data-dir", str(tmp_path / "data")]
    for args, says in (
        (["album", "move", "Trip", str(a)], "one of the arguments --to --before"),
        (["album", "move", "Trip", str(a), "--before", str(a)], "before or after itself"),
        (["album", "folder", "create", "Plans/"], "'/' at its start or end"),
        (["album", "folder", "create", "plans"], "already a folder 'plans'"),
        (["album", "folder", "delete", "Plans"], "holds 1 album, 1 folder: confirm"),
    ):
        code, out, err = run_cli([*data, *args])
        assert code == 2 and out == "" and says in err, (args, err)
        assert len(err.strip().splitlines()) == 1 or "usage:" in err
    gone = cli("album", "folder", "delete", "Plans", "--yes")
    assert (gone["moved_albums"], gone["moved_folders"], gone["into"]) == (1, 1, "")
    assert cli("album", "show", "Trip")["path"] == "Trip"  # up to the top, with its photos
    assert cli("album", "show", "Trip")["count"] == 3


def test_the_named_api_moves_and_makes_folders_as_the_cli_does(catalog: Catalog) -> None:
    @contextmanager
    def opened() -> Iterator[Catalog]:
        yield catalog

    api = AlbumApi()
    api.ctx = SimpleNamespace(catalog=opened)  # type: ignore[assignment]
    done = api.album_move("Trip", [G, H], before=B)
    assert (done["moved"], done["at"]) == (2, 2) and letters(order(catalog)) == "AGHBCDEF"
    assert api.album_move("Trip", [A], last=True)["at"] == 8
    with pytest.raises(PictorError, match="say where to"):
        api.album_move("Trip", [A])
    assert api.album_folder_create("Trips/2025")["empty"] is True
    assert api.album_folder_rename("Trips/2025", "Plans")["path"] == "Trips/Plans"
    assert api.album_folder_delete("Trips/Plans")["deleted"]["path"] == "Trips/Plans"


def test_the_viewers_earlier_and_later_act_on_the_album_it_was_opened_from(catalog) -> None:
    """Opened from 'Trip'; then the Albums view opens another album and 'Trip' is renamed
    elsewhere (the CLI): Later ▶ still moves the photo in that album, and only there."""
    import gradio as gr

    from app.detail import Shown
    from app.tabs import albums as albums_tab

    Albums(catalog).create("Other", order="manual")
    Albums(catalog).add("Other", [B, A])

    @contextmanager
    def opened() -> Iterator[Catalog]:
        yield catalog

    def album_page(path: str, order: str, page: int) -> list:
        albums = Albums(catalog)
        return [path, "", "", order, [], albums.items(albums.get(path)), page, "", None]

    with gr.Blocks() as demo:
        view = SimpleNamespace(album=gr.State(), title=gr.Markdown(), rename_to=gr.Textbox(),
                               order=gr.Radio(), photos=gr.Gallery(), ids=gr.State(),
                               page=gr.State(), page_label=gr.Markdown(), arrange=gr.Row(),
                               album_page=album_page)  # fmt: skip
        organise = SimpleNamespace(order_row=gr.Row(), earlier=gr.Button(), later=gr.Button(),
                                   message=gr.Markdown())  # fmt: skip
        viewer = SimpleNamespace(panel=SimpleNamespace(organise=organise), listed=gr.State(),
                                 selected=gr.State(), title=gr.Markdown())  # fmt: skip
        albums_tab.listen_viewer(view, SimpleNamespace(catalog=opened), viewer)  # type: ignore[arg-type]
    fns = [block.fn for block in demo.fns.values()]
    buttons = next(fn for fn in fns if getattr(fn, "__name__", "") == "buttons")
    later = next(fn for fn in fns if getattr(fn, "args", None) == (True,))
    shown = Shown("album", "Trip", list(IDS), {})
    row, album_id, on = buttons(shown, "Trip", albums_tab.AS_ADDED, False)
    assert row.visible is True and on and album_id == Albums(catalog).get("Trip").id
    again, _, _ = buttons(shown, "Trip", albums_tab.AS_ADDED, True)  # shown already
    assert not isinstance(again, gr.Row), "an unchanged row is not sent again"
    library = Shown("library", "the Library", list(IDS), {})
    assert buttons(library, "Trip", albums_tab.AS_ADDED, False)[1:] == (None, False)
    hidden, _, _ = buttons(library, "Trip", albums_tab.AS_ADDED, True)  # from the album
    assert isinstance(hidden, gr.Row) and hidden.visible is False
    Albums(catalog).rename("Trip", "Journeys")  # and the Albums view shows 'Other' now
    answer = later(shown, A, album_id)
    assert letters(order(catalog, "Journeys")) == "BACDEFGH"
    assert letters(order(catalog, "Other")) == "BA"  # untouched
    assert answer[0].ids == order(catalog, "Journeys")  # the viewer's list follows
    assert answer[-1] == "Moved later: now photo 2 of the album."

"""Share links in the store and the curate layer (only a hash of the token kept, a salted
password hash, expiry, revocation, a deleted album ending its links, membership read at each
call), and the roles: an --auth-file line's role, and which callbacks a viewer may run."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from app import roles
from app.api import PictorApi
from app.exposure import read_auth_file, read_viewers, split_role
from app.share_links import links, local_base, open_app_warning, remember_public
from indexing.curate import shares as shares_module
from indexing.curate.albums import Albums
from indexing.curate.shares import (
    SMART_LIMIT,
    Shares,
    parse_expiry,
    password_matches,
    token_hash,
    token_in,
)
from indexing.curate.smart_albums import SmartAlbums, SmartQuery
from indexing.errors import PictorError
from indexing.models.model_choice import WeightsUnavailable
from indexing.query.filters import Filter
from indexing.settings import Settings
from indexing.store import albums as album_rows
from indexing.store import smart_albums as smart_rows
from indexing.store.catalog import Catalog

IDS = [hashlib.blake2b(str(n).encode(), digest_size=16).hexdigest() for n in range(5)]
NOW = 1_800_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    with Catalog(tmp_path / "catalog.sqlite3") as opened:
        with opened.transaction() as conn:
            _images(conn, IDS)
        albums = Albums(opened)
        albums.create("Trips/Lisbon")
        albums.add("Lisbon", IDS[:3])
        albums.create("Home")
        albums.add("Home", IDS[3:])
        yield opened


def _images(conn: sqlite3.Connection, ids: list[str]) -> None:
    conn.executemany(
        "INSERT INTO images(content_id, bytes, width, height, format, date_key, phash, dhash, "
        "added_at) VALUES (?, 1, 10, 10, 'JPEG', ?, 0, 0, 0)",
        [(cid, float(n)) for n, cid in enumerate(ids)],
    )
    conn.executemany(
        "INSERT INTO files(path, content_id, size, mtime_ns, first_seen, last_seen, status) "
        "VALUES (?, ?, 1, 1, 0, 0, 'present')",
        [(f"/lib/{cid}.jpg", cid) for cid in ids],
    )


def test_a_link_opens_its_album_alone_and_the_catalog_keeps_no_working_token(
    catalog: Catalog,
) -> None:
    clock = Clock()
    shares = Shares(catalog, clock)
    made = shares.share("Lisbon")
    assert len(made.token) >= 43 and made.path == f"/shared/{made.token}"
    stored = [tuple(r) for r in catalog.conn.execute("SELECT * FROM album_shares")]
    assert made.token not in repr(stored)  # only its hash
    assert token_hash(made.token) in repr(stored)
    opened = shares.open(made.token)
    assert opened is not None and opened.album_path == "Lisbon"
    assert shares.items(opened) == IDS[:3]
    assert shares.holds(opened, IDS[0]) and not shares.holds(opened, IDS[3])  # Home's photo
    other = shares.share("Home")
    assert made.token != other.token
    Albums(catalog).remove("Lisbon", [IDS[0]])
    assert not shares.holds(opened, IDS[0])  # taken out: at once


@pytest.mark.parametrize(
    "token",
    ["", "x", "../../config", "A" * 42, "A" * 44, "A" * 42 + "/", "A" * 42 + "%", "A" * 43],
)
def test_a_malformed_or_unknown_token_opens_nothing(catalog: Catalog, token: str) -> None:
    Shares(catalog).share("Lisbon")
    assert Shares(catalog).open(token) is None


def test_expired_revoked_and_deleted_links_open_nothing(catalog: Catalog) -> None:
    clock = Clock()
    shares = Shares(catalog, clock)
    expiring = shares.share("Lisbon", expires="1h")
    kept = shares.share("Lisbon")
    assert shares.open(expiring.token) is not None
    clock.now = NOW + 3601
    assert shares.open(expiring.token) is None
    assert shares.open(kept.token) is not None
    revoked = shares.unshare(kept.path)  # the link itself names it
    assert [s.id for s in revoked] == [kept.share.id] and revoked[0].revoked == clock.now
    assert shares.open(kept.token) is None
    with pytest.raises(PictorError, match="already revoked"):
        shares.unshare(kept.token)
    home = shares.share("Home")
    Albums(catalog).delete("Home")
    Albums(catalog).create("Home again")  # SQLite may hand the id out again
    assert shares.open(home.token) is None
    listed = {s.id: s for s in shares.listed()}
    assert listed[home.share.id].revoked is not None  # the trigger revoked it


def test_unshare_by_album_name_revokes_its_live_links_only(catalog: Catalog) -> None:
    shares = Shares(catalog)
    one, two, home = shares.share("Lisbon"), shares.share("Lisbon"), shares.share("Home")
    gone = shares.unshare("Trips/Lisbon")
    assert {s.id for s in gone} == {one.share.id, two.share.id}
    assert shares.open(home.token) is not None
    with pytest.raises(PictorError, match="no share link to revoke"):
        shares.unshare("Lisbon")
    with pytest.raises(PictorError, match="no album named"):
        shares.unshare("Nowhere")
    with pytest.raises(PictorError, match="no share link has this token"):
        shares.unshare("B" * 43)
    assert [s.id for s in shares.unshare(f"#{home.share.id}")] == [home.share.id]
    with pytest.raises(PictorError, match="already revoked"):
        shares.unshare(f"#{home.share.id}")
    with pytest.raises(PictorError, match="no share link #999"):
        shares.unshare("#999")


def test_a_password_is_stored_salted_and_checked(catalog: Catalog) -> None:
    shares = Shares(catalog)
    first = shares.share("Lisbon", password="open sesame")
    second = shares.share("Lisbon", password="open sesame")
    stored = first.share.password_hash
    assert stored is not None and "open sesame" not in stored
    assert stored != second.share.password_hash  # salted
    assert password_matches(stored, "open sesame")
    assert not password_matches(stored, "open sesame ")
    assert not password_matches(stored, "")
    assert not password_matches("garbage", "open sesame")
    with pytest.raises(PictorError, match="4 to 1024 characters"):
        shares.share("Lisbon", password="abc")
    assert len(shares.listed()) == 2  # the refusal wrote nothing


@pytest.mark.parametrize(
    ("text", "seconds"), [("30m", 1800), ("12h", 43200), ("7d", 604800), ("2W", 1209600)]
)
def test_expiry_durations(text: str, seconds: int) -> None:
    assert parse_expiry(text, NOW) == NOW + seconds


def test_expiry_dates_and_refusals() -> None:
    assert parse_expiry(None, NOW) is None and parse_expiry(" ", NOW) is None
    end_of_day = parse_expiry("2027-06-01", NOW)
    assert end_of_day is not None and 0 < end_of_day - NOW < 86400 * 400
    for bad, reason in (("0d", "not in the future"), ("2020-01-01", "already past"),
                        ("soon", "give a duration"), ("7 days", "give a duration")):  # fmt: skip
        with pytest.raises(PictorError, match=reason):
            parse_expiry(bad, NOW)


def test_token_in_a_link_or_alone() -> None:
    token = "A1b2" * 10 + "_-z"
    assert token_in(token) == token
    assert token_in(f"http://192.168.1.5:7860/shared/{token}") == token
    assert token_in(f"https://x.gradio.live/shared/{token}/thumb/{IDS[0]}") == token
    assert token_in("Lisbon") is None


def test_auth_file_roles(tmp_path: Path) -> None:
    file = tmp_path / "logins"
    file.write_text(
        "ana:secret-one\nbob:secret-two:viewer\ncid:pass:with:colons:editor\n"
        "dan:ends-in:viewer:editor\n# eve:x:viewer\n",
        encoding="utf-8",
    )
    file.chmod(0o600)
    assert read_auth_file(file, warn=print) == [
        ("ana", "secret-one"), ("bob", "secret-two"), ("cid", "pass:with:colons"),
        ("dan", "ends-in:viewer"),
    ]  # fmt: skip
    assert read_viewers(file) == frozenset({"bob"})
    assert read_viewers(None) == frozenset()
    assert split_role("ana:pw") == ("ana:pw", "editor")
    assert split_role("ana:viewer") == ("ana:viewer", "editor")  # a password, not a role


def test_a_viewer_may_run_only_what_reads() -> None:
    api = PictorApi.__new__(PictorApi)
    for name in ("search", "list_images", "status", "duplicates"):
        assert roles.may_view(getattr(api, name)), name
    for name in ("rate", "prefer", "trash", "restore", "index", "train", "predict", "dismiss",
                 "reset_dismissed", "share", "unshare", "shares"):  # fmt: skip
        assert not roles.may_view(getattr(api, name)), name

    def something_new() -> None:  # an event added later: an editor's until listed
        pass

    assert not roles.may_view(something_new)
    assert not roles.may_view(lambda cid: print(cid))  # a lambda of an unlisted module


def test_the_links_printed_for_a_share(tmp_path: Path) -> None:
    local = Settings(data_dir=tmp_path, host="127.0.0.1", port=7860)
    assert links(local, "/shared/T") == {
        "path": "/shared/T", "local": "http://127.0.0.1:7860/shared/T", "public": None,
    }  # fmt: skip
    everywhere = Settings(data_dir=tmp_path, host="0.0.0.0", port=8000)
    assert not local_base(everywhere).startswith("http://0.0.0.0")  # an address to reach
    assert local_base(Settings(data_dir=tmp_path, host="::1", port=80)) == "http://[::1]:80"
    remember_public(tmp_path, "https://abc123.gradio.live/")
    assert links(local, "/shared/T")["public"] == "https://abc123.gradio.live/shared/T"
    remember_public(tmp_path, None)
    assert links(local, "/shared/T")["public"] is None
    assert open_app_warning(local) is not None
    assert open_app_warning(Settings(data_dir=tmp_path, auth="ana:long-password")) is None


def test_every_event_gradio_answers_refuses_a_viewer_unless_it_only_reads() -> None:
    """The check where gradio answers events (process_api): also for events it was not
    given beforehand, as gr.render adds them."""
    with gr.Blocks() as demo:
        box = gr.Textbox()
        button = gr.Button()
        button.click(lambda: "changed", None, box)  # this module: not on the list
    roles.guard_calls(demo, frozenset({"bob"}))
    block_fn = next(iter(demo.fns.values()))

    def call(user: str | None):
        request = gr.Request(username=user) if user else None
        return asyncio.run(demo.process_api(block_fn, [], request=request))

    with pytest.raises(gr.Error, match="signed in as a viewer"):
        call("bob")
    assert call("ana")["data"] == ["changed"]
    assert call(None)["data"] == ["changed"]


def callback(module: str, qualname: str, fn: Any) -> Any:
    """fn as if written in module under qualname (how may_view knows a callback)."""
    fn.__module__, fn.__qualname__ = module, qualname
    return fn


def test_a_viewer_may_open_photos_with_people_but_not_switch_a_setting() -> None:
    """The viewer's People section reads when a photo opens (its lambdas and the People
    view's face pick and name click only read); a setter in a lambda of a listed module is
    an editor's, whatever its name (a forged call turning sidecar writing on for everyone)."""
    ctx: Any = None
    reads = [
        callback("app.detail_people", "listen.<locals>.<lambda>", lambda cid: (ctx, cid)),
        callback("app.tabs.people", "listen.<locals>.pick_face", lambda ids, evt: ids),
        callback("app.tabs.people", "listen_viewer.<locals>.chosen", lambda pid, hidden: pid),
    ]
    for fn in reads:
        assert roles.may_view(fn), fn.__qualname__
    switch = lambda on: ctx.set_write_xmp_faces(bool(on))  # noqa: E731
    assert not roles.may_view(callback("app.tabs.people", "listen.<locals>.<lambda>", switch))
    naming = lambda cid, face: act(cid, face)  # noqa: E731, F821
    assert not roles.may_view(callback("app.detail_people", "listen.<locals>.<lambda>", naming))


def test_a_viewer_may_page_the_timeline_and_duplicates_that_can_be_selected() -> None:
    """The Timeline's and Duplicates' galleries of the selection redraw whenever their rows
    or groups change, Select on or off: they only read, so a viewer never sees a refusal
    for opening the Timeline or paging Duplicates."""
    for module in ("app.tabs.timeline_selection", "app.tabs.duplicate_selection"):
        shown = callback(module, "listen.<locals>.shown", lambda on, groups: (on, groups))
        assert roles.may_view(shown), module


class _NoClip:
    """A library whose CLIP weights are absent: a text query cannot run."""

    open_catalog = vectors = None  # what a search reads before it embeds

    def embedder(self) -> Any:
        raise WeightsUnavailable("no CLIP weights here")


def test_a_shared_smart_album_shows_what_its_query_finds_at_each_call(catalog: Catalog) -> None:
    def rate(content_id: str, rating: float | None) -> None:
        with catalog.transaction() as conn:
            conn.execute(
                "UPDATE images SET rating_key = ? WHERE content_id = ?", (rating, content_id)
            )

    rate(IDS[0], 8.0)
    rate(IDS[3], 9.0)
    SmartAlbums(_NoClip(), catalog).create("Best", SmartQuery(Filter(min_rating=7)))  # type: ignore[arg-type]
    shares = Shares(catalog, folder=_NoClip())  # type: ignore[arg-type]
    opened = shares.open(shares.share("Best").token)
    assert opened is not None and shares.is_smart(opened)
    assert shares.items(opened) == [IDS[0], IDS[3]]  # across albums: what the query finds
    assert shares.holds(opened, IDS[3]) and not shares.holds(opened, IDS[1])
    rate(IDS[0], 2.0)  # leaves the results: unreachable at once
    rate(IDS[1], 7.5)  # joins them
    assert shares.items(opened) == [IDS[1], IDS[3]]
    assert not shares.holds(opened, IDS[0]) and shares.holds(opened, IDS[1])
    with catalog.transaction() as conn:  # trashed: gone from the query's results too
        conn.execute("UPDATE files SET status = 'missing' WHERE content_id = ?", (IDS[3],))
    assert shares.items(opened) == [IDS[1]]
    assert Shares(catalog).items(opened) == []  # no library to run the query with: nothing


def test_a_shared_smart_album_whose_query_fails_shows_nothing(catalog: Catalog) -> None:
    smart = SmartAlbums(_NoClip(), catalog)  # type: ignore[arg-type]
    smart.create("Of Lisbon", SmartQuery(Filter(album="Trips/Lisbon")))
    with catalog.transaction() as conn:  # a text query, saved when CLIP was there
        album = album_rows.insert_album(conn, "Beaches", None, "date", NOW)
        smart_rows.put_query(conn, album, SmartQuery(text="a beach").to_json())
    shares = Shares(catalog, folder=_NoClip())  # type: ignore[arg-type]
    of_lisbon = shares.open(shares.share("Of Lisbon").token)
    beaches = shares.open(shares.share("Beaches").token)
    assert of_lisbon is not None and beaches is not None
    assert shares.items(of_lisbon) == IDS[:3]
    Albums(catalog).delete("Lisbon")  # the album its query names
    assert shares.items(of_lisbon) == [] and not shares.holds(of_lisbon, IDS[0])
    assert shares.items(beaches) == [] and not shares.holds(beaches, IDS[0])  # CLIP absent
    assert SMART_LIMIT == 2000


def test_a_shared_smart_album_shows_at_most_its_first_two_thousand(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shares_module, "SMART_LIMIT", 2)
    SmartAlbums(_NoClip(), catalog).create(  # type: ignore[arg-type]
        "Newest", SmartQuery(Filter(min_width=1), descending=True)
    )
    shares = Shares(catalog, folder=_NoClip())  # type: ignore[arg-type]
    opened = shares.open(shares.share("Newest").token)
    assert opened is not None
    assert shares.items(opened) == [IDS[4], IDS[3]]  # the query's order, cut
    assert not shares.holds(opened, IDS[2])


def test_a_smart_album_on_a_bare_album_name_never_widens_its_link(catalog: Catalog) -> None:
    smart = SmartAlbums(_NoClip(), catalog)  # type: ignore[arg-type]
    smart.create("Of Lisbon", SmartQuery(Filter(album="Lisbon")))  # bare: one album today
    smart.create("Lisbon words", SmartQuery(query="album:Lisbon"))
    shares = Shares(catalog, folder=_NoClip())  # type: ignore[arg-type]
    opened = shares.open(shares.share("Of Lisbon").token)
    assert opened is not None and shares.items(opened) == IDS[:3]
    Albums(catalog).create("Private/Lisbon")  # a second album of that name, kept private
    Albums(catalog).add("Private/Lisbon", IDS[3:])
    assert shares.items(opened) == [] and not shares.holds(opened, IDS[3])  # never widened
    for name in ("Of Lisbon", "Lisbon words"):
        with pytest.raises(PictorError, match=r"'Private/Lisbon', 'Trips/Lisbon'.*full path"):
            shares.share(name)
    smart.create("Via", SmartQuery(Filter(album="Of Lisbon")))  # through another smart album
    with pytest.raises(PictorError, match="full path"):
        shares.share("Via")
    smart.create("Exact", SmartQuery(Filter(album="Trips/Lisbon")))  # a full path: shared
    exact = shares.open(shares.share("Exact").token)
    assert exact is not None and shares.items(exact) == IDS[:3]


def test_a_shared_smart_album_runs_its_query_only_as_far_as_it_shows(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    from indexing.curate import smart_albums as smart_module

    monkeypatch.setattr(shares_module, "SMART_LIMIT", 2)
    monkeypatch.setattr(smart_module, "PAGE", 1)  # `find` pages of one image
    pages: list[int] = []
    real_find = smart_module.find

    def counted_find(*args: Any, **kwargs: Any) -> Any:
        pages.append(kwargs["page"])
        return real_find(*args, **kwargs)

    monkeypatch.setattr(smart_module, "find", counted_find)
    smart = SmartAlbums(_NoClip(), catalog)  # type: ignore[arg-type]
    smart.create("Both", SmartQuery(query="album:Home"))  # 2 images
    smart.create("Wide", SmartQuery(Filter(min_width=1), descending=True))  # 5 images
    shares = Shares(catalog, folder=_NoClip())  # type: ignore[arg-type]
    wide = shares.open(shares.share("Wide").token)
    assert wide is not None and shares.items(wide) == [IDS[4], IDS[3]]
    assert len(smart.run(Albums(catalog).get("Wide"), limit=2).content_ids) == 2
    pages.clear()
    both = shares.open(shares.share("Both").token)
    assert both is not None and sorted(shares.items(both)) == sorted(IDS[3:])
    assert pages == [1, 2]  # not a third page: the first 2 are all it shows

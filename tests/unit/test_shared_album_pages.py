"""The guest app on its own (no server, no gradio): a big album comes a page at a time, a
page number it does not understand is the first page, and a guest's odd requests get the
one 404."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from starlette.testclient import TestClient

from app.edge_guard import LoginThrottle
from app.shared_album import PAGE_SIZE, SharedAlbumApp
from indexing.curate.albums import Albums
from indexing.curate.shares import Shares
from indexing.curate.smart_albums import SmartAlbums, SmartQuery
from indexing.query.filters import Filter
from indexing.store.catalog import Catalog
from indexing.store.commit_watch import CommitWatch
from tests.unit.test_shares import _images

IDS = [hashlib.blake2b(str(n).encode(), digest_size=16).hexdigest() for n in range(250)]


@pytest.fixture
def guest(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    path = tmp_path / "catalog.sqlite3"
    with Catalog(path) as catalog:
        with catalog.transaction() as conn:
            _images(conn, IDS)
        Albums(catalog).create("Big")
        Albums(catalog).add("Big", IDS)
        token = Shares(catalog).share("Big").token

    @contextmanager
    def opened() -> Iterator[Catalog]:
        with Catalog(path) as catalog:
            yield catalog

    ctx = SimpleNamespace(catalog=opened, library=None)
    # No lifespan: the guest app has none (in the app, gradio's server runs it).
    yield TestClient(SharedAlbumApp(ctx), base_url="http://127.0.0.1"), token  # type: ignore[arg-type]


def test_a_big_album_comes_a_page_at_a_time(guest: tuple[TestClient, str]) -> None:
    client, token = guest
    pages = [client.get(f"/shared/{token}/items?page={n}").json() for n in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [PAGE_SIZE, PAGE_SIZE, 50, 0]
    assert {p["total"] for p in pages} == {250}
    assert [i["id"] for p in pages for i in p["items"]] == IDS  # in the album's order
    for odd in ("0", "-1", "abc", "99999999999", ""):
        answer = client.get(f"/shared/{token}/items", params={"page": odd}).json()
        assert answer["page"] == 1 and len(answer["items"]) == PAGE_SIZE, odd


def test_odd_requests_get_the_one_not_found(guest: tuple[TestClient, str]) -> None:
    client, token = guest
    first = client.get(f"/shared/{'A' * 43}")
    assert first.status_code == 404
    for method, path in (
        ("DELETE", f"/shared/{token}"), ("POST", f"/shared/{token}/items"),
        ("GET", f"/shared/{token}/items/x"), ("GET", f"/shared/{token}/thumb/{'0' * 32}"),
        ("GET", "/shared/"), ("PUT", f"/shared/{token}/original/{IDS[0]}"),
    ):  # fmt: skip
        answer = client.request(method, path)
        assert (answer.status_code, answer.content) == (404, first.content), (method, path)


def test_wrong_passwords_sent_all_at_once_are_counted_one_by_one(tmp_path: Path) -> None:
    """A burst of guesses sent together: each waits for the one before, so after the free
    failures the rest are refused without being tried (not all checked before any counts)."""
    import asyncio

    import httpx

    path = tmp_path / "catalog.sqlite3"
    with Catalog(path) as catalog:
        with catalog.transaction() as conn:
            _images(conn, IDS[:3])
        Albums(catalog).create("Locked")
        Albums(catalog).add("Locked", IDS[:3])
        token = Shares(catalog).share("Locked", password="right horse").token

    @contextmanager
    def opened() -> Iterator[Catalog]:
        with Catalog(path) as catalog:
            yield catalog

    app = SharedAlbumApp(SimpleNamespace(catalog=opened, library=None))  # type: ignore[arg-type]

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            guesses = [
                client.post(f"/shared/{token}", data={"password": f"guess {n}"}) for n in range(12)
            ]
            return [answer.status_code for answer in await asyncio.gather(*guesses)]

    codes = asyncio.run(burst())
    assert codes.count(401) == LoginThrottle.FREE_FAILURES
    assert codes.count(429) == 12 - LoginThrottle.FREE_FAILURES


def test_a_shared_smart_album_serves_what_its_query_finds_now_and_nothing_else(
    tmp_path: Path,
) -> None:
    """Each request sees the query's results as they are now (its thumbnails too), across a
    commit from another connection; a query that fails is the empty page, never a 500."""
    path = tmp_path / "catalog.sqlite3"
    thumbs = tmp_path / "thumbs"
    thumbs.mkdir()
    for cid in IDS[:4]:
        (thumbs / f"{cid}.jpg").write_bytes(b"jpeg " + cid.encode())

    def rate(content_id: str, rating: float) -> None:  # as the Rate tab would, elsewhere
        with Catalog(path) as catalog, catalog.transaction() as conn:
            conn.execute("UPDATE images SET rating_key = ? WHERE content_id = ?",
                         (rating, content_id))  # fmt: skip

    with Catalog(path) as catalog:
        with catalog.transaction() as conn:
            _images(conn, IDS[:4])
        Albums(catalog).create("Kept")
        Albums(catalog).add("Kept", IDS[:2])
        smart = SmartAlbums(None, catalog)  # type: ignore[arg-type]
        smart.create("Best", SmartQuery(Filter(min_rating=7)))
        smart.create("Best kept", SmartQuery(Filter(album="Kept", min_rating=7)))
        best, of_kept = Shares(catalog).share("Best").token, Shares(catalog).share("Best kept")
    rate(IDS[0], 8)
    rate(IDS[2], 9)

    @contextmanager
    def opened() -> Iterator[Catalog]:
        with Catalog(path) as catalog:
            yield catalog

    library = SimpleNamespace(
        commits=CommitWatch(path), thumbs=SimpleNamespace(path_for=lambda c: thumbs / f"{c}.jpg")
    )
    ctx = SimpleNamespace(catalog=opened, library=library)
    client = TestClient(SharedAlbumApp(ctx), base_url="http://127.0.0.1")  # type: ignore[arg-type]
    missing = client.get(f"/shared/{'A' * 43}").content

    def seen(token: str) -> list[str]:
        return [item["id"] for item in client.get(f"/shared/{token}/items").json()["items"]]

    def thumb(token: str, cid: str) -> tuple[int, bytes]:
        answer = client.get(f"/shared/{token}/thumb/{cid}")
        return answer.status_code, answer.content

    assert client.get(f"/shared/{best}").status_code == 200
    assert seen(best) == [IDS[0], IDS[2]]
    assert thumb(best, IDS[0]) == (200, b"jpeg " + IDS[0].encode())
    assert thumb(best, IDS[1]) == (404, missing)  # in the library, not in the results
    rate(IDS[0], 3)  # leaves the results: out of reach at the next request
    rate(IDS[1], 7)
    assert seen(best) == [IDS[1], IDS[2]]
    assert thumb(best, IDS[0]) == (404, missing)
    assert thumb(best, IDS[1])[0] == 200
    assert seen(of_kept.token) == [IDS[1]]
    with Catalog(path) as catalog:
        Albums(catalog).delete("Kept")  # the album its query names: the query fails
    page = client.get(f"/shared/{of_kept.token}")
    assert page.status_code == 200  # the album's page, with nothing in it; never a 500
    assert client.get(f"/shared/{of_kept.token}/items").json()["total"] == 0
    assert thumb(of_kept.token, IDS[1]) == (404, missing)


def test_a_shared_smart_album_that_fails_is_tried_once_until_the_next_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any failure (not only Pictor's own) is kept as the empty album: a page of thumbnails
    does not run the failing query once per thumbnail."""
    path = tmp_path / "catalog.sqlite3"
    with Catalog(path) as catalog:
        with catalog.transaction() as conn:
            _images(conn, IDS[:3])
        SmartAlbums(None, catalog).create("Wide", SmartQuery(Filter(min_width=1)))  # type: ignore[arg-type]
        token = Shares(catalog).share("Wide").token
    tries: list[int] = []

    def broken(self, share):  # e.g. a disk error deep in the query
        tries.append(1)
        raise OSError("disk I/O error")

    monkeypatch.setattr(Shares, "items", broken)

    @contextmanager
    def opened() -> Iterator[Catalog]:
        with Catalog(path) as catalog:
            yield catalog

    library = SimpleNamespace(commits=CommitWatch(path), thumbs=None)
    client = TestClient(SharedAlbumApp(SimpleNamespace(catalog=opened, library=library)))  # type: ignore[arg-type]
    assert client.get(f"/shared/{token}/items").json()["total"] == 0
    for cid in IDS[:3]:
        assert client.get(f"/shared/{token}/thumb/{cid}").status_code == 404
    assert len(tries) == 1
    with Catalog(path) as catalog, catalog.transaction() as conn:
        conn.execute("UPDATE images SET rating_key = 5 WHERE content_id = ?", (IDS[0],))
    assert client.get(f"/shared/{token}/items").json()["total"] == 0
    assert len(tries) == 2  # tried again after the commit

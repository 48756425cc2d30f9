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
from indexing.store.catalog import Catalog
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

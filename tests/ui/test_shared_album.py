"""A share link against the served app, with a login on (an editor and a viewer): the guest
gets the album's photos, thumbnails, previews and originals, and nothing else: every other
image, route and method answers the very same 404 through the link, and the main app's
routes still need the login. A password link asks for it; revoking or taking a photo out
counts at once. A viewer's forged API calls to rate or trash are refused, and the page
hides what a viewer cannot use. One app for the module."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from indexing.curate.albums import Albums
from indexing.curate.shares import Shares
from indexing.curate.tags import Tags
from indexing.library import Library
from indexing.settings import Settings
from indexing.store.files import content_id_for_path
from tests.browser import free_port, open_page, serve
from tests.conftest import tiny_clip_env
from tests.library_builder import noise_image
from tests.ui.test_exposure import FORM, exchange, login_form, session_cookie

SHOTS = Path("/work/notes/shots")
JSON = {"Content-Type": "application/json"}


@dataclass
class Shared:
    port: int
    host: str
    settings: Settings
    library: Library
    photos: Path
    inside: list[str]  # content ids in the shared album, in its order
    outside: str  # a photo of the library in no shared album
    other: str  # a photo of another album, shared by another link
    token: str
    other_token: str

    def get(self, path: str, method: str = "GET", body: bytes | None = None, **headers):
        return exchange(self.port, method, path, self.host, body, **headers)

    def share(self, album: str, **options) -> str:
        with self.library.open_catalog() as catalog:
            return Shares(catalog).share(album, **options).token

    def login(self, user: str, password: str) -> dict[str, str]:
        status, answer, _ = self.get("/login", "POST", login_form(user, password), **FORM)
        assert status == 200
        return {"Cookie": session_cookie(answer)}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    base = tmp_path_factory.mktemp("shared")
    photos = base / "photos"
    photos.mkdir()
    for n in range(5):
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = f"2023:07:1{n} 18:30:00"  # DateTimeOriginal
        noise_image((320, 240), seed=n).save(photos / f"p{n}.jpg", quality=90, exif=exif)
    logins = base / "logins"
    logins.write_text("ana:editor-pass\nbob:viewer-pass:viewer\n", encoding="utf-8")
    logins.chmod(0o600)
    with pytest.MonkeyPatch.context() as env:
        tiny_clip_env(env, base)
        env.setenv("HOME", str(base))
        settings = Settings(
            data_dir=base / "data", port=free_port(), threads=2, auth_file=logins, embed=False
        )
        library = Library(settings)
        library.index([str(photos)])
        with library.open_catalog() as catalog:
            ids = [content_id_for_path(catalog, str(photos / f"p{n}.jpg")) for n in range(5)]
            albums = Albums(catalog)
            albums.create("Trips/Lisbon")
            albums.add("Lisbon", ids[:3])
            Tags(catalog).set_caption(ids[1], "Tram 28 at dusk")
            albums.create("Home")
            albums.add("Home", [ids[3]])
            token = Shares(catalog).share("Lisbon").token
            other = Shares(catalog).share("Home").token
        with serve(settings):
            port = settings.port
            yield Shared(
                port, f"127.0.0.1:{port}", settings, library, photos, ids[:3], ids[4],
                ids[3], token, other,
            )  # fmt: skip


def items(shared: Shared, token: str) -> list[str]:
    status, _, body = shared.get(f"/shared/{token}/items")
    assert status == 200, body[:200]
    return [item["id"] for item in json.loads(body)["items"]]


def test_the_guest_gets_the_album_its_thumbnails_previews_and_originals(shared: Shared) -> None:
    status, headers, page = shared.get(f"/shared/{shared.token}")
    assert status == 200 and b"<title>Lisbon</title>" in page
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    assert items(shared, shared.token) == shared.inside
    for n, cid in enumerate(shared.inside):
        base = f"/shared/{shared.token}"
        status, headers, thumb = shared.get(f"{base}/thumb/{cid}")
        assert status == 200 and thumb == shared.library.thumbs.path_for(cid).read_bytes()
        status, headers, preview = shared.get(f"{base}/preview/{cid}")
        assert status == 200 and headers["content-type"] == "image/jpeg" and len(preview) > 1000
        status, headers, original = shared.get(f"{base}/original/{cid}")
        assert status == 200 and original == (shared.photos / f"p{n}.jpg").read_bytes()
        assert headers["content-disposition"] == f"attachment; filename*=UTF-8''p{n}.jpg"
        status, headers, nothing = shared.get(f"{base}/original/{cid}", "HEAD")
        assert status == 200 and nothing == b""


def test_everything_else_through_a_link_is_the_same_not_found(shared: Shared) -> None:
    token, other = shared.token, shared.other_token
    inside = shared.inside[0]
    with shared.library.open_catalog() as catalog:
        clock = lambda: time.time() - 7200  # noqa: E731 (made two hours ago, for one hour)
        expired = Shares(catalog, clock).share("Lisbon", expires="1h").token
        revoked = Shares(catalog).share("Lisbon").token
        Shares(catalog).unshare(revoked)
    wrong = "x" + token[1:] if token[0] != "x" else "y" + token[1:]
    asked = [
        f"/shared/{wrong}", f"/shared/{wrong}/items", f"/shared/{wrong}/thumb/{inside}",
        f"/shared/{expired}", f"/shared/{expired}/original/{inside}",
        f"/shared/{revoked}", f"/shared/{revoked}/thumb/{inside}",
        f"/shared/{token}/thumb/{shared.outside}",  # a photo in no album
        f"/shared/{token}/original/{shared.other}",  # a photo of the other shared album
        f"/shared/{other}/original/{inside}",  # another link, this album's photo
        f"/shared/{token}/thumb/{inside.upper()}", f"/shared/{token}/thumb/{inside}/",
        f"/shared/{token}/thumb/{inside}.jpg", f"/shared/{token}/thumb/../original/{inside}",
        f"/shared/{token}/thumb/%2e%2e%2f{inside}", f"/shared/{token}%2Fthumb%2F{inside}",
        f"/shared/{token}/file={shared.photos / 'p4.jpg'}", f"/shared/{token}/../../config",
        f"/shared/{token}/items/", f"/shared/{token}//items", f"/shared/{token[:-1]}",
        f"/shared/{token}x", "/shared", "/shared/", "/shared/../config", "/shared/%2e%2e/config",
        f"/shared/{token}/thumb/{hashlib.md5(b'none').hexdigest()}",
    ]  # fmt: skip
    answers = {path: shared.get(path) for path in asked}
    for method in ("PUT", "DELETE", "OPTIONS", "PATCH"):
        answers[f"{method} page"] = shared.get(f"/shared/{token}", method)
    answers["POST media"] = shared.get(f"/shared/{token}/thumb/{inside}", "POST", b"x")
    same = answers[asked[0]][2]
    for key, (status, _, body) in answers.items():
        assert (status, body) == (404, same), key
    assert b"Lisbon" not in same and len(same) < 200


def test_the_main_app_still_needs_the_login_even_with_a_link(shared: Shared) -> None:
    thumb = shared.library.thumbs.path_for(shared.outside)
    original = shared.photos / "p4.jpg"
    closed = [
        "/config", "/gradio_api/info", "/gradio_api/config", "/pictor-api", "/api",
        f"/file={thumb}", f"/gradio_api/file={thumb}", f"/gradio_api/file={original}",
        "/gradio_api/queue/data", "/gradio_api/call/list", "/sharedx", "//shared/x/../config",
        "/gradio_api/startup-events/../info",
    ]  # fmt: skip
    for path in closed:
        status, _, body = shared.get(path)
        assert status in (401, 404), (path, status, body[:100])
    body = json.dumps({"data": [shared.inside[0], 9, False]}).encode()
    assert shared.get("/gradio_api/call/rate", "POST", body, **JSON)[0] == 401
    join = json.dumps({"data": [], "fn_index": 0, "session_hash": "x"}).encode()
    assert shared.get("/gradio_api/queue/join", "POST", join, **JSON)[0] == 401
    status, _, page = shared.get("/")  # the login page, not the app
    assert status == 200 and b"Lisbon" not in page
    # The same requests with an editor's session are served: the list above was reachable.
    session = shared.login("ana", "editor-pass")
    assert shared.get("/config", **session)[0] == 200
    assert shared.get(f"/gradio_api/file={thumb}", **session)[0] == 200


def test_a_password_link_asks_for_it_and_keeps_its_cookie_to_itself(shared: Shared) -> None:
    token = shared.share("Lisbon", password="open sesame")
    first = shared.inside[0]
    status, _, page = shared.get(f"/shared/{token}")
    assert status == 200 and b'type="password"' in page and b"Lisbon" not in page
    for path in (f"/shared/{token}/items", f"/shared/{token}/thumb/{first}"):
        assert shared.get(path)[0] == 404
    wrong = b"password=open+says+me"
    status, _, page = shared.get(f"/shared/{token}", "POST", wrong, **FORM)
    assert status == 401 and b"Wrong password" in page
    status, headers, _ = shared.get(f"/shared/{token}", "POST", b"password=open+sesame", **FORM)
    assert status == 303 and headers["location"] == f"/shared/{token}"
    cookie = headers["set-cookie"]
    assert f"Path=/shared/{token}" in cookie and "HttpOnly" in cookie
    admitted = {"Cookie": cookie.split(";")[0]}
    assert shared.get(f"/shared/{token}/items", **admitted)[0] == 200
    assert shared.get(f"/shared/{token}/thumb/{first}", **admitted)[0] == 200
    forged = {"Cookie": cookie.split(";")[0][:-4] + "0000"}
    assert shared.get(f"/shared/{token}/items", **forged)[0] == 404
    other = shared.share("Lisbon", password="open sesame")  # same password, another link
    assert shared.get(f"/shared/{other}/items", **admitted)[0] == 404
    assert shared.get("/config", **admitted)[0] == 401  # no way into the main app


def test_wrong_passwords_are_throttled(shared: Shared) -> None:
    token = shared.share("Lisbon", password="right one")
    answers = [
        shared.get(f"/shared/{token}", "POST", b"password=guess", **FORM)[0] for _ in range(6)
    ]
    assert answers[:5] == [401] * 5 and answers[5] == 429
    status, headers, _ = shared.get(f"/shared/{token}", "POST", b"password=right+one", **FORM)
    assert status == 429 and int(headers["retry-after"]) >= 1  # even the right one, for now


def test_revoking_or_taking_a_photo_out_counts_at_once(shared: Shared) -> None:
    token = shared.share("Home")
    cid = shared.other
    assert shared.get(f"/shared/{token}/original/{cid}")[0] == 200
    with shared.library.open_catalog() as catalog:
        Albums(catalog).remove("Home", [cid])
    assert shared.get(f"/shared/{token}/original/{cid}")[0] == 404
    assert items(shared, token) == []
    with shared.library.open_catalog() as catalog:
        Albums(catalog).add("Home", [cid])
        Shares(catalog).unshare(token)
    assert shared.get(f"/shared/{token}")[0] == 404


def test_a_file_changed_since_indexing_is_not_sent(shared: Shared) -> None:
    """The album holds the content indexed; a file rewritten since holds another image."""
    token = shared.share("Home")
    cid, file = shared.other, shared.photos / "p3.jpg"
    before, times = file.read_bytes(), file.stat()
    assert shared.get(f"/shared/{token}/original/{cid}")[2] == before
    file.write_bytes((shared.photos / "p4.jpg").read_bytes())  # now another photo's bytes
    try:
        assert shared.get(f"/shared/{token}/original/{cid}")[0] == 404
        status, _, thumb = shared.get(f"/shared/{token}/thumb/{cid}")  # made from the album's
        assert status == 200 and thumb == shared.library.thumbs.path_for(cid).read_bytes()
    finally:
        file.write_bytes(before)
        os.utime(file, ns=(times.st_atime_ns, times.st_mtime_ns))  # as indexed: served again
    assert shared.get(f"/shared/{token}/original/{cid}")[2] == before


def forged_call(shared: Shared, session: dict[str, str], endpoint: str, data: list) -> str:
    """What the server streams back for a hand-made call of a named endpoint."""
    body = json.dumps({"data": data}).encode()
    status, _, answer = shared.get(f"/gradio_api/call/{endpoint}", "POST", body, **session, **JSON)
    assert status == 200, answer[:200]
    event = json.loads(answer)["event_id"]
    status, _, stream = shared.get(f"/gradio_api/call/{endpoint}/{event}", **session)
    return stream.decode()


def test_a_viewer_cannot_rate_or_trash_through_the_api(shared: Shared) -> None:
    viewer = shared.login("bob", "viewer-pass")
    path = str(shared.photos / "p4.jpg")
    refused = forged_call(shared, viewer, "rate", [path, 9, False])
    assert "event: error" in refused and "signed in as a viewer" in refused
    refused = forged_call(shared, viewer, "trash", [[path]])
    assert "event: error" in refused and "signed in as a viewer" in refused
    assert (shared.photos / "p4.jpg").exists()
    refused = forged_call(shared, viewer, "share", ["Lisbon", "", ""])
    assert "signed in as a viewer" in refused
    listed = forged_call(shared, viewer, "list", [None, "taken", False, 0, 1, 60])
    assert "event: complete" in listed and shared.outside in listed  # a viewer browses
    editor = shared.login("ana", "editor-pass")
    rated = forged_call(shared, editor, "rate", [path, 9, False])
    assert "event: complete" in rated  # the same call, from an editor, rates
    with shared.library.open_catalog() as catalog:
        row = catalog.conn.execute(
            "SELECT rating FROM ratings WHERE content_id = ?", (shared.outside,)
        ).fetchone()
    assert row is not None and row[0] == 9


def completed(stream: str) -> object:
    """The document a finished call streamed (its JSON text, parsed)."""
    assert "event: complete" in stream, stream[:300]
    data = stream.split("event: complete", 1)[1].split("data:", 1)[1].strip().splitlines()[0]
    return json.loads(json.loads(data)[0])


def test_the_share_endpoints_for_scripts(shared: Shared) -> None:
    editor = shared.login("ana", "editor-pass")
    made = completed(forged_call(shared, editor, "share", ["Home", "", "7d"]))
    assert isinstance(made, dict) and made["album"] == "Home" and made["expires"]
    assert shared.get(f"{made['path']}/items")[0] == 200
    listed = completed(forged_call(shared, editor, "shares", []))
    assert isinstance(listed, dict) and made["id"] in [s["id"] for s in listed["shares"]]
    gone = completed(forged_call(shared, editor, "unshare", [made["path"]]))
    assert isinstance(gone, dict) and [s["id"] for s in gone["revoked"]] == [made["id"]]
    assert shared.get(made["path"])[0] == 404


@pytest.mark.browser
def test_a_guest_opens_the_link_sees_the_photos_opens_one_and_downloads_it(
    shared: Shared, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    url = f"http://{shared.host}/shared/{shared.token}"
    with open_page(url, height=800, width=1280) as page:
        thumbs = page.locator("#grid img")
        expect(thumbs).to_have_count(3)
        expect(page.locator("#count")).to_have_text("3 photos")
        # Every thumbnail has loaded, and none is broken. (No wait_for_function here: it
        # evaluates its predicate with eval(), which this page's policy rightly refuses.)
        for n in range(3):
            expect(thumbs.nth(n)).to_have_js_property("complete", True)
            assert thumbs.nth(n).evaluate("i => i.naturalWidth") > 0
        page.screenshot(path=str(tmp_path / "wide.png"))
        thumbs.nth(1).click()
        large = page.locator("#large")
        expect(large).to_be_visible()
        expect(large).to_have_attribute("src", re.compile(r"."))
        expect(large).to_have_js_property("complete", True)
        assert large.evaluate("i => i.naturalWidth") > 0
        expect(page.locator("#position")).to_have_text("2 of 3")
        expect(page.locator("#caption")).to_have_text("Tram 28 at dusk")
        expect(page.locator("#taken")).to_contain_text("2023-07-11")
        expect(page.locator("#more")).to_be_hidden()  # all three are shown
        box = large.bounding_box()
        assert box is not None and box["width"] > 300  # the large view, not the thumbnail
        page.screenshot(path=str(tmp_path / "viewer.png"))
        with page.expect_download() as download:
            page.locator("#download").click()
        saved = tmp_path / "download.jpg"
        download.value.save_as(saved)
        assert saved.read_bytes() == (shared.photos / "p1.jpg").read_bytes()
        assert download.value.suggested_filename == "p1.jpg"
        page.keyboard.press("Escape")
        expect(large).to_be_hidden()
        page.set_viewport_size({"width": 390, "height": 844})
        first = thumbs.first.bounding_box()
        assert first is not None and first["x"] >= 0 and first["x"] + first["width"] <= 390
        page.screenshot(path=str(tmp_path / "narrow.png"))
    if SHOTS.is_dir():
        shutil.copy(tmp_path / "wide.png", SHOTS / "shared-album-1280x800.png")
        shutil.copy(tmp_path / "viewer.png", SHOTS / "shared-album-viewer-1280x800.png")
        shutil.copy(tmp_path / "narrow.png", SHOTS / "shared-album-390x844.png")


@pytest.mark.browser
def test_a_viewer_sees_no_editing_controls_and_a_save_is_refused(
    shared: Shared, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    with open_page(f"http://{shared.host}/", height=800, width=1280) as page:
        page.get_by_label("username").fill("bob")
        page.get_by_label("password").fill("viewer-pass")
        page.get_by_role("button", name="Login").click()
        expect(page.locator("#viewer-note")).to_contain_text("signed in as a viewer")
        expect(page.get_by_role("tab", name="Search")).to_be_visible()
        expect(page.get_by_role("tab", name="Rate")).to_have_count(0)
        expect(page.get_by_role("tab", name="Train")).to_have_count(0)
        expect(page.locator("#share-panel")).to_have_count(0)
        page.locator("#library-gallery img").first.click()
        page.locator("#viewer-meta").get_by_text("Content id").wait_for()
        for hidden in ("#viewer-trash", "#viewer-score", "#viewer-rate-similar"):
            expect(page.locator(hidden)).to_have_count(0)
        expect(page.get_by_role("button", name="Add folder")).to_have_count(0)
        for hidden in ("#library-select-mode", "#albums-create", "#smart-album-save"):
            expect(page.locator(hidden)).to_have_count(0)  # selecting, albums, smart albums
        # What stays on the page for a viewer (the caption, to read) refuses to change.
        caption = page.locator("#viewer-caption textarea").first
        caption.fill("A viewer's words")
        page.locator("#viewer-save-caption").click()
        toast = page.locator(".toast-body.error")
        expect(toast.first).to_contain_text("signed in as a viewer")
        page.screenshot(path=str(tmp_path / "refused.png"))
    with shared.library.open_catalog() as catalog:
        everyone = [*shared.inside, shared.outside, shared.other]
        assert not any(Tags(catalog).caption(cid) == "A viewer's words" for cid in everyone)
    assert all((shared.photos / f"p{n}.jpg").exists() for n in range(5))
    if SHOTS.is_dir():
        shutil.copy(tmp_path / "refused.png", SHOTS / "viewer-role-refused-1280x800.png")


@pytest.mark.browser
def test_an_editor_shares_an_album_from_the_library_and_stops(
    shared: Shared, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    with open_page(f"http://{shared.host}/", height=800, width=1280) as page:
        page.get_by_label("username").fill("ana")
        page.get_by_label("password").fill("editor-pass")
        page.get_by_role("button", name="Login").click()
        expect(page.locator("#viewer-note")).to_have_text("")
        panel = page.locator("#share-panel")
        panel.get_by_text("Share an album").click()
        album = page.locator("#share-album input").first
        album.click()
        page.get_by_role("option", name="Home").click()
        page.locator("#share-album-button").click()
        link = page.locator("#share-link textarea, #share-link input").first
        expect(link).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+/shared/[\w-]{43}$"))
        expect(page.locator("#share-message")).to_contain_text("Shared Home")
        path = "/shared/" + link.input_value().rsplit("/shared/", 1)[1]
        assert shared.get(path)[0] == 200 and shared.get(f"{path}/items")[0] == 200
        panel.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "wide.png"))
        page.set_viewport_size({"width": 390, "height": 844})
        panel.scroll_into_view_if_needed()
        box = panel.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        page.screenshot(path=str(tmp_path / "narrow.png"))
        page.locator("#share-stop").click()
        expect(page.locator("#share-message")).to_contain_text("Stopped sharing")
        assert shared.get(path)[0] == 404
    if SHOTS.is_dir():
        shutil.copy(tmp_path / "wide.png", SHOTS / "share-panel-1280x800.png")
        shutil.copy(tmp_path / "narrow.png", SHOTS / "share-panel-390x844.png")

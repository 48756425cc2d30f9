"""What the running UI server exposes: a loopback server without a password refuses foreign
Host headers and cross-site uploads, a password guards every route, --allowed-host lets a
proxy in, guessing is slowed down, a public --host is announced, and the app sends nothing
out."""

from __future__ import annotations

import http.client
import http.cookies
import os
import urllib.parse
from pathlib import Path

import pytest

from indexing.settings import Settings
from tests.beacon import beacon
from tests.browser import free_port, open_page, serve
from tests.unit.test_exposure import FakeClock


def request(port: int, method: str, path: str, host: str, body: bytes | None = None, **headers):
    status, _, text = exchange(port, method, path, host, body, **headers)
    return status, text


def exchange(port: int, method: str, path: str, host: str, body: bytes | None = None, **headers):
    """(status, headers as a lower-cased dict, body) of one raw request."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Host": host, **headers})
        response = conn.getresponse()
        answer: dict[str, str] = {}
        for name, value in response.getheaders():  # repeated headers (Set-Cookie) joined
            answer[name.lower()] = "\n".join(filter(None, [answer.get(name.lower()), value]))
        return response.status, answer, response.read()
    finally:
        conn.close()


def multipart(name: str, data: bytes) -> tuple[bytes, dict[str, str]]:
    """A one-file form, as a page's <form enctype=multipart/form-data> posts it."""
    boundary = "pictorboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def login_form(user: str, password: str) -> bytes:
    return urllib.parse.urlencode({"username": user, "password": password}).encode()


def session_cookie(answer: dict[str, str]) -> str:
    """The Cookie header a browser sends back after a login that answered `answer`."""
    jar = http.cookies.SimpleCookie()
    for line in answer["set-cookie"].splitlines():
        jar.load(line)
    return "; ".join(f"{morsel.key}={morsel.value}" for morsel in jar.values())


@pytest.fixture
def local_app(tmp_path: Path, pictor_env: Path):
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
    with serve(settings):
        yield settings.port


def test_loopback_app_refuses_foreign_host_headers(local_app: int, tmp_path: Path) -> None:
    """A DNS-rebinding page reaches the port, but under its own name: it gets 403."""
    port = local_app
    body = b'{"data": [""]}'  # an empty folder: the app answers "type a folder first"
    json = {"Content-Type": "application/json"}
    call = "/gradio_api/call/add_folder"
    status, text = request(port, "POST", call, "attacker.example", body, **json)
    assert status == 403 and b"localhost" in text
    assert request(port, "GET", "/", f"attacker.example:{port}")[0] == 403
    assert request(port, "GET", "/config", "127.0.0.1.attacker.example")[0] == 403
    assert request(port, "GET", "/config", f"localhost:{port}@attacker.example")[0] == 403
    # The same requests under a loopback name are served.
    assert request(port, "GET", "/config", f"127.0.0.1:{port}")[0] == 200
    assert request(port, "GET", "/config", f"localhost:{port}")[0] == 200
    status, answer = request(port, "POST", call, f"localhost:{port}", body, **json)
    assert status == 200 and b"event_id" in answer


def test_cross_site_uploads_are_refused(local_app: int) -> None:
    """A page on another site can post a form to 127.0.0.1 (no CORS needed for that); the
    browser marks it with the page's Origin, and the app refuses it. The app's own page
    (same Origin as its Host) and scripts (no Origin) still upload."""
    port, host = local_app, f"127.0.0.1:{local_app}"
    body, form = multipart("evil.txt", b"planted")
    for origin in ("http://evil.example", "null", f"http://localhost:{port}@evil.example"):
        status, answer, text = exchange(
            port, "POST", "/gradio_api/upload", host, body, Origin=origin, **form
        )
        assert status == 403 and b"another site" in text, (origin, text)
        assert "access-control-allow-origin" not in answer
    status, _, text = exchange(
        port, "POST", "/gradio_api/upload", host, body, Origin=f"http://{host}", **form
    )
    assert status == 200 and text.startswith(b'["/')  # the path gradio stored it at
    assert request(port, "POST", "/gradio_api/upload", host, body, **form)[0] == 200
    # A preflight from another site is not answered with an allow-origin either.
    status, answer, _ = exchange(
        port, "OPTIONS", "/gradio_api/upload", host,
        Origin="http://evil.example", **{"Access-Control-Request-Method": "POST"},
    )  # fmt: skip
    assert status == 403 and "access-control-allow-origin" not in answer


@pytest.fixture
def auth_app(tmp_path: Path, pictor_env: Path):
    """An app with a password, on loopback; yields (port, host header)."""
    settings = Settings(
        data_dir=tmp_path / "data", port=free_port(), threads=2, auth="alice:wonderland"
    )
    with serve(settings):
        yield settings.port, f"127.0.0.1:{settings.port}"


def test_a_password_does_not_open_the_app_to_other_names_or_sites(auth_app) -> None:
    port, host = auth_app
    right = login_form("alice", "wonderland")
    # DNS rebinding, with a password: the right password under a foreign name gets nothing.
    for foreign in ("evil.example", f"evil.example:{port}", f"localhost:{port}@evil.example"):
        status, answer, _ = exchange(port, "POST", "/login", foreign, right, **FORM)
        assert status == 403 and "set-cookie" not in answer, foreign
    # A foreign page's request is refused, not answered with its Origin allowed.
    status, answer, _ = exchange(port, "GET", "/config", host, Origin="http://evil.example")
    assert status == 403 and "access-control-allow-origin" not in answer
    status, answer, _ = exchange(port, "POST", "/login", host, right, **FORM)
    assert status == 200 and "set-cookie" in answer


def test_every_route_but_the_login_page_needs_the_login(auth_app) -> None:
    port, host = auth_app
    json = {"Content-Type": "application/json"}
    reset = b'{"event_id": "x"}'
    cancel = b'{"session_hash": "x", "fn_index": 0, "event_id": "x"}'
    closed = [
        ("GET", "/openapi.json", None),
        ("GET", "/gradio_api/openapi.json", None),
        ("POST", "/gradio_api/reset", reset),
        ("POST", "/gradio_api/cancel", cancel),
        ("GET", "/pictor-api", None),
        ("GET", "/gradio_api/info", None),
    ]
    for method, path, body in closed:
        status, text = request(port, method, path, host, body, **json)
        assert status in (401, 404), (path, status, text[:200])
    assert request(port, "GET", "/", host)[0] == 200  # the login page
    assert request(port, "GET", "/favicon.ico", host)[0] == 200
    right = login_form("alice", "wonderland")
    status, answer, _ = exchange(port, "POST", "/login", host, right, **FORM)
    session = {"Cookie": session_cookie(answer), **json}
    assert request(port, "POST", "/gradio_api/reset", host, reset, **session)[0] == 200
    assert request(port, "GET", "/gradio_api/info", host, **session)[0] == 200


def test_allowed_host_lets_a_reverse_proxy_in(tmp_path: Path, pictor_env: Path) -> None:
    """--allowed-host NAME (repeatable; PICTOR_ALLOWED_HOSTS, comma-separated) adds names
    the app answers to, and pages served under them may post to it."""
    import launch

    parser, _ = launch.build_parser()
    args = parser.parse_args(["--allowed-host", "photos.example", "--allowed-host", "b.example"])
    assert launch.make_settings(args).allowed_hosts == "photos.example,b.example"
    settings = Settings(
        data_dir=tmp_path / "data", port=free_port(), threads=2, allowed_hosts="photos.example"
    )
    with serve(settings):
        port = settings.port
        assert request(port, "GET", "/config", "photos.example")[0] == 200
        origin = {"Origin": "https://photos.example"}
        assert request(port, "GET", "/config", f"127.0.0.1:{port}", **origin)[0] == 200
        assert request(port, "GET", "/config", "other.example")[0] == 403


def test_password_guessing_is_slowed_down_and_logged(tmp_path: Path, pictor_env: Path) -> None:
    """Five wrong passwords are answered as such; then the client's logins, even with the
    right password, are refused (429, Retry-After) until the block ends; then it works.
    The clock is the throttle's own, moved by the test: nothing sleeps."""
    from app.edge_guard import LoginThrottle
    from app.ui import launch_ui

    clock = FakeClock()
    data = tmp_path / "data"
    settings = Settings(data_dir=data, port=free_port(), threads=2, auth="alice:wonderland")
    demo = launch_ui(settings, block=False, login_throttle=LoginThrottle(clock=clock))
    try:
        port, host = settings.port, f"127.0.0.1:{settings.port}"
        wrong, right = login_form("alice", "guess"), login_form("alice", "wonderland")
        answers = [request(port, "POST", "/login", host, wrong, **FORM)[0] for _ in range(5)]
        assert answers == [400] * 5
        status, answer, text = exchange(port, "POST", "/login", host, right, **FORM)
        assert status == 429 and answer["retry-after"] == "1" and b"try again" in text
        assert "set-cookie" not in answer
        clock.now += 1.0
        assert request(port, "POST", "/login", host, right, **FORM)[0] == 200
        # A success clears the count: five more wrong ones before the next block.
        answers = [request(port, "POST", "/login", host, wrong, **FORM)[0] for _ in range(6)]
        assert answers == [400] * 5 + [429]
    finally:
        demo.close()
    logged = (data / "pictor.log").read_text(encoding="utf-8")
    assert "5 wrong passwords from 127.0.0.1" in logged


def test_auth_file_protects_the_app(tmp_path: Path, pictor_env: Path) -> None:
    logins = tmp_path / "logins"
    logins.write_text("alice:wonderland\n")
    logins.chmod(0o600)
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2, auth_file=logins)
    with serve(settings):
        port, host = settings.port, f"127.0.0.1:{settings.port}"
        assert request(port, "GET", "/config", host)[0] == 401
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        wrong = urllib.parse.urlencode({"username": "alice", "password": "nope"}).encode()
        assert request(port, "POST", "/login", host, wrong, **form)[0] == 400
        right = urllib.parse.urlencode({"username": "alice", "password": "wonderland"}).encode()
        assert request(port, "POST", "/login", host, right, **form)[0] == 200


@pytest.mark.browser
def test_the_login_page_still_logs_in(auth_app) -> None:
    """Only the login page answers before the login; in a browser it still works."""
    from playwright.sync_api import expect

    _, host = auth_app
    with open_page(f"http://{host}/") as page:
        page.get_by_label("username").fill("alice")
        page.get_by_label("password").fill("wonderland")
        page.get_by_role("button", name="Login").click()
        expect(page.get_by_role("tab", name="Library")).to_be_visible()
        box = page.get_by_role("tab", name="Library").bounding_box()
        assert box and box["width"] > 0 and box["y"] >= 0


@pytest.mark.browser
def test_public_host_without_password_warns_on_stderr_and_in_the_page(
    tmp_path: Path, pictor_env: Path, capfd
) -> None:
    from playwright.sync_api import expect

    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2, host="0.0.0.0")
    with serve(settings) as url, open_page(url) as page:
        expect(page.locator("#exposure-warning")).to_contain_text("NO password")
        expect(page.locator("#exposure-warning")).to_contain_text("--auth-file FILE")
    assert "warning: Pictor is reachable from other machines" in capfd.readouterr().err


@pytest.mark.browser
def test_the_app_sends_nothing_out(tmp_path: Path, pictor_env: Path, monkeypatch) -> None:
    """No analytics, no version check: with every proxy pointing at a beacon, nothing comes."""
    from playwright.sync_api import expect

    with beacon() as proxy:
        for name, value in proxy.proxy_env().items():
            monkeypatch.setenv(name, value)
        for name in ("NO_PROXY", "no_proxy"):  # the app's own startup check stays local
            monkeypatch.setenv(name, "127.0.0.1,localhost")
        settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
        with serve(settings) as url, open_page(url) as page:
            expect(page.get_by_role("tab", name="Library")).to_be_visible()
        assert proxy.requests == []
    assert os.environ.get("GRADIO_ANALYTICS_ENABLED") == "False"

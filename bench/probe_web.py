"""Hostile requests against a locally started Pictor: prints attempts and failures per kind.

    .venv/bin/python bench/probe_web.py [--guesses 40]

Starts the app twice on 127.0.0.1 (nothing else is contacted), over a small library
indexed with the suite's tiny random CLIP: once with a password, once without. Then:

- unauthenticated: every route the server has (path parameters filled in), without a
  session. A failure is a 2xx answer from anything but the login page and its assets.
- host: requests addressed to foreign or malformed Host names (DNS rebinding, guesses),
  with the right password too. A failure is anything but 403, or a session cookie.
- origin: requests, uploads and CORS preflights marked with a foreign Origin, with a
  session and without a password. A failure is a 2xx, or the Origin echoed as allowed.
- login: --guesses wrong passwords in a row from one client. A failure is a guess that
  was checked (400) beyond the first five; the right password is tried after the block.
- files: gradio's file routes asked for originals, the catalog, /etc/passwd, and
  traversals of the served folders, logged in. A failure is a 2xx with content.
- share: a link to one album asked for the thumbnails, previews and originals of every
  other image (in no album, in another shared album), through its own and another link's
  token, with traversals, encodings, other methods, a foreign Host or Origin, and every
  route of the app put behind /shared/TOKEN/..; the guest's cookie of a password link sent
  to the app's routes. A failure is any answer but the one 404 (403 for a foreign Host or
  Origin, 401 for the app's routes), or a 2xx with content. Its own album's files must be
  served (a failure too if not).

Exit status 1 when any category has a failure.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookies
import json
import re
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pytest

from indexing.curate.albums import Albums
from indexing.curate.shares import Shares
from indexing.library import Library
from indexing.settings import Settings
from indexing.store.files import content_id_for_path
from tests.browser import free_port
from tests.conftest import tiny_clip_env
from tests.library_builder import LibraryBuilder

USER, PASSWORD = "probe", "a long enough password"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
EVIL = "http://evil.example"
PUBLIC = re.compile(r"^/(|login/?|logout|favicon\.ico|theme\.css|robots\.txt|manifest\.json)$")
PUBLIC_PREFIXES = ("/assets/", "/static/", "/svelte/", "/pwa_icon", "/gradio_api/startup-events")
PUBLIC_PREFIXES += ("/gradio_api/theme.css",)  # the theme, as /theme.css


@dataclass
class Category:
    name: str
    attempts: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> None:
        self.attempts += 1
        if not ok:
            self.failures.append(what)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class Raw:
    """Raw HTTP to 127.0.0.1:port, any Host and headers."""

    def __init__(self, port: int):
        self.port = port
        self.host = f"127.0.0.1:{port}"

    def send(self, method: str, path: str, body=None, host=None, **headers) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", self.host if host is None else host)
            for name, value in headers.items():
                conn.putheader(name.replace("_", "-"), value)
            data = body if isinstance(body, bytes) else (body or "").encode()
            conn.putheader("Content-Length", str(len(data)))
            conn.endheaders(data)
            response = conn.getresponse()
            answer: dict[str, str] = {}
            for name, value in response.getheaders():
                key = name.lower()
                answer[key] = "\n".join(filter(None, [answer.get(key), value]))
            try:  # the first bytes only: a stream (heartbeat, queue data) never ends
                body = response.read1(4096)
            except TimeoutError:
                body = b""
            return Answer(response.status, answer, body)
        finally:
            conn.close()

    def login(self, user: str, password: str, host=None) -> Answer:
        form = urllib.parse.urlencode({"username": user, "password": password})
        return self.send("POST", "/login", form, host=host, **FORM)

    def session(self) -> str:
        answer = self.login(USER, PASSWORD)
        jar = http.cookies.SimpleCookie()
        for line in answer.headers.get("set-cookie", "").splitlines():
            jar.load(line)
        return "; ".join(f"{m.key}={m.value}" for m in jar.values())


@contextmanager
def app(settings: Settings) -> Iterator[tuple[Raw, object]]:
    from app.ui import launch_ui

    demo = launch_ui(settings, block=False)
    try:
        yield Raw(settings.port), demo
    finally:
        demo.close()


def routes(demo) -> list[tuple[str, str]]:
    """(method, path) of every HTTP route, path parameters filled in with 'x'."""
    found = []
    for prefix, route in _walk(demo.server_app.routes, ""):
        methods = getattr(route, "methods", None)
        if not methods:
            continue  # WebSocket routes
        path = re.sub(r"\{[^}]+\}", "x", prefix + route.path)
        found += [(method, path) for method in sorted(methods) if method != "HEAD"]
    return list(dict.fromkeys(found))


def _walk(routes, prefix: str):
    """Every route, into the routers FastAPI includes (gradio's /gradio_api ones)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is None:
            yield prefix, route
        else:
            yield from _walk(inner.routes, prefix + route.include_context.prefix)


def probe_unauthenticated(raw: Raw, demo) -> Category:
    category = Category("unauthenticated")
    bodies = {
        "/gradio_api/reset": b'{"event_id": "x"}',
        "/gradio_api/cancel": b'{"session_hash": "x", "fn_index": 0, "event_id": "x"}',
    }
    for method, path in routes(demo):
        public = PUBLIC.match(path) or path.startswith(PUBLIC_PREFIXES)
        body = bodies.get(path.rstrip("/"), b"{}") if method != "GET" else None
        answer = raw.send(method, path, body, **JSON)
        category.check(public or answer.status >= 300, f"{method} {path} -> {answer.status}")
    return category


def probe_hosts(raw: Raw) -> Category:
    category = Category("host")
    port = raw.port
    hosts = [
        "evil.example", f"evil.example:{port}", f"localhost:{port}@evil.example",
        "localhost.evil.example", "127.0.0.1.nip.io", f"127.0.0.1:{port}.evil.example",
        "", "localhost evil.example", f"[::1]@evil.example:{port}", "localhost:80:80",
        "0x7f000001", f"evil.example#@localhost:{port}",
    ]  # fmt: skip
    for host in hosts:
        answer = raw.send("GET", "/config", host=host)
        category.check(answer.status == 403, f"GET /config Host {host!r} -> {answer.status}")
        answer = raw.login(USER, PASSWORD, host=host)
        leaked = "set-cookie" in answer.headers
        category.check(
            answer.status == 403 and not leaked, f"login Host {host!r} -> {answer.status}"
        )
    return category


def probe_origins(raw: Raw, cookie: str | None, category: Category) -> Category:
    session = {"Cookie": cookie} if cookie else {}
    boundary = "probe"
    upload = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="x.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nplanted\r\n--{boundary}--\r\n"
    ).encode()
    multipart = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    origins = [
        EVIL, "null", "http://localhost.evil.example", f"http://127.0.0.1:{raw.port}@evil.example",
        "file://", "http://evil.example:7860", f"https://{raw.host}.evil.example",
    ]  # fmt: skip
    for origin in origins:
        for method, path, body, headers in (
            ("GET", "/config", None, {}),
            ("POST", "/gradio_api/upload", upload, multipart),
            ("POST", "/gradio_api/call/status", b'{"data": []}', JSON),
            ("OPTIONS", "/gradio_api/upload", None, {"Access-Control-Request-Method": "POST"}),
        ):
            answer = raw.send(method, path, body, Origin=origin, **headers, **session)
            echoed = answer.headers.get("access-control-allow-origin") in (origin, "*")
            what = f"{method} {path} Origin {origin!r} -> {answer.status}"
            category.check(answer.status >= 400 and not echoed, what + (" (echoed)" * echoed))
    return category


def probe_guessing(raw: Raw, guesses: int) -> tuple[Category, str]:
    category = Category("login")
    started = time.monotonic()
    statuses = [raw.login(USER, f"guess {n}").status for n in range(guesses)]
    took = time.monotonic() - started
    checked = sum(status == 400 for status in statuses)
    for n, status in enumerate(statuses):
        category.check(n < 5 or status == 429, f"guess {n + 1} -> {status}")
    blocked = raw.login(USER, PASSWORD).status
    note = (
        f"{checked} of {guesses} guesses checked, {statuses.count(429)} refused (429) "
        f"in {took:.2f} s; the right password during the block: {blocked}"
    )
    return category, note


def probe_files(raw: Raw, cookie: str, settings: Settings, original: Path) -> Category:
    category = Category("files")
    data = settings.data_dir
    thumbs = settings.thumbs_dir
    targets = [
        str(original), "/etc/passwd", str(data / "catalog.sqlite3"), str(data / "pictor.log"),
        f"{thumbs}/../catalog.sqlite3", f"{thumbs}/%2e%2e/catalog.sqlite3",
        urllib.parse.quote(f"{thumbs}/../catalog.sqlite3", safe=""), f"//{original}",
        f"{thumbs}/..%2fcatalog.sqlite3", "../../../../etc/passwd", f"file://{original}",
        f"{original}%00.png", str(original.parent),
    ]  # fmt: skip
    for target in targets:
        for route in ("/gradio_api/file=", "/file=", "/gradio_api/file/"):
            for session in ({"Cookie": cookie}, {}):
                answer = raw.send("GET", route + target, **session)
                served = 200 <= answer.status < 300 and bool(answer.body)
                login = "with" if session else "without"
                category.check(not served, f"{route}{target} {login} login -> {answer.status}")
    return category


def probe_share(raw: Raw, demo, settings: Settings, shared: dict) -> Category:
    category = Category("share")
    token, other, inside, outside = (shared[k] for k in ("token", "other", "inside", "outside"))
    guarded = shared["guarded"]
    missing = raw.send("GET", f"/shared/{'A' * 43}")
    base = f"/shared/{token}"
    for cid in inside:  # the album's own: served
        for kind in ("thumb", "preview", "original"):
            answer = raw.send("GET", f"{base}/{kind}/{cid}")
            category.check(answer.status == 200 and bool(answer.body), f"own {kind} not served")

    def refused(method: str, path: str, body=None, **headers) -> None:
        answer = raw.send(method, path, body, **headers)
        same = (answer.status, answer.body) == (404, missing.body if method != "HEAD" else b"")
        category.check(same, f"{method} {path} -> {answer.status}")

    for cid in outside:
        for kind in ("thumb", "preview", "original"):
            refused("GET", f"{base}/{kind}/{cid}")
            refused("HEAD", f"{base}/{kind}/{cid}")
    for kind in ("thumb", "preview", "original"):
        refused("GET", f"/shared/{other}/{kind}/{inside[0]}")  # another link, this album's
        refused("GET", f"/shared/{guarded}/{kind}/{inside[0]}")  # a password link, no cookie
    odd = [
        f"{base}/thumb/{inside[0].upper()}", f"{base}/thumb/{inside[0]}/", f"{base}//items",
        f"{base}/thumb/../original/{inside[0]}", f"{base}/thumb/%2e%2e/original/{inside[0]}",
        f"{base}%2Fthumb%2F{inside[0]}", f"{base}/thumb/{inside[0]}%00", f"{base}/items/",
        f"{base}/original/{inside[0][:-1]}", f"{base}/file={settings.catalog_path}",
        f"{base}/../../config", "/shared/../config", "/shared/%2e%2e/config", f"{base}x",
        f"/shared/{token[:-1]}", f"{base}\\..\\config",
        f"{base}/thumb/{outside[0]}?x=/../{inside[0]}",
    ]  # fmt: skip
    odd += [f"{base}/..{path}" for _, path in routes(demo)]
    for path in odd:
        refused("GET", path)
    for method in ("PUT", "DELETE", "OPTIONS", "PATCH", "POST"):
        refused(method, f"{base}/original/{inside[0]}", b"x", **FORM)
    for method in ("PUT", "DELETE", "OPTIONS", "PATCH"):
        refused(method, base, b"password=x", **FORM)
    for name, headers in (("host", {"host": "evil.example"}), ("origin", {"Origin": EVIL})):
        answer = raw.send("GET", f"{base}/original/{inside[0]}", **headers)
        category.check(answer.status == 403, f"foreign {name} -> {answer.status}")
    right = raw.send("POST", f"/shared/{guarded}", "password=guest+password", **FORM)
    guest = {"Cookie": right.headers.get("set-cookie", "").split(";")[0]}
    category.check(right.status == 303 and "pictor_guest" in guest["Cookie"], "no guest cookie")
    for method, path in routes(demo):
        if method == "GET" and not PUBLIC.match(path) and not path.startswith(PUBLIC_PREFIXES):
            answer = raw.send("GET", path, **guest)
            ok = answer.status in (401, 404) or not (200 <= answer.status < 300)
            category.check(ok, f"guest cookie: GET {path} -> {answer.status}")
    return category


def _albums(settings: Settings, files: list[Path]) -> dict:
    """Two albums, each shared, and photos in none: what probe_share asks about."""
    with Library(settings).open_catalog() as catalog:
        ids = [content_id_for_path(catalog, str(f)) for f in files]
        albums, shares = Albums(catalog), Shares(catalog)
        albums.create("Shared")
        albums.add("Shared", ids[:2])
        albums.create("Other")
        albums.add("Other", ids[2:3])
        return {
            "token": shares.share("Shared").token,
            "guarded": shares.share("Shared", password="guest password").token,
            "other": shares.share("Other").token,
            "inside": ids[:2],
            "outside": ids[2:],
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--guesses", type=int, default=40, help="wrong passwords to send")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="pictor-probe-"))
    env = pytest.MonkeyPatch()
    tiny_clip_env(env, base)
    env.setenv("HOME", str(base))
    library = LibraryBuilder(base / "library")
    files = library.many(5)
    original = files[0]
    settings = Settings(data_dir=base / "data", port=free_port(), threads=2)
    Library(settings).index([str(library.root)])
    shared = _albums(settings, files)
    results: list[Category] = []
    notes: list[str] = []
    origin = Category("origin")
    with app(settings.model_copy(update={"auth": f"{USER}:{PASSWORD}"})) as (raw, demo):
        results.append(probe_unauthenticated(raw, demo))
        results.append(probe_hosts(raw))
        cookie = raw.session()
        probe_origins(raw, cookie, origin)
        results.append(probe_files(raw, cookie, settings, original))
        results.append(probe_share(raw, demo, settings, shared))
        guessing, note = probe_guessing(raw, args.guesses)
        results.append(guessing)
        notes.append(note)
    with app(settings.model_copy(update={"port": free_port()})) as (raw, _):
        probe_origins(raw, None, origin)  # no password: only the Origin stands in the way
    results.insert(2, origin)
    print(f"{'category':<16} {'attempts':>8} {'failures':>8}")
    for category in results:
        print(f"{category.name:<16} {category.attempts:>8} {len(category.failures):>8}")
        for failure in category.failures[:20]:
            print(f"    FAIL {failure}")
    for note in notes:
        print(f"login: {note}")
    print(json.dumps({c.name: [c.attempts, len(c.failures)] for c in results}))
    env.undo()
    return 1 if any(category.failures for category in results) else 0


if __name__ == "__main__":
    sys.exit(main())

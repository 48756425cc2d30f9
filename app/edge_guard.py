"""The checks every request to the UI server passes before gradio sees it.

gradio leaves some doors open that Pictor must not: it answers any Host header, echoes a
foreign Origin as allowed, accepts cross-site uploads, serves a few routes without the
login (the FastAPI schema, /gradio_api/reset, /cancel, /heartbeat) and lets a client guess
passwords as fast as it can send them. EdgeGuard, outside gradio's own middleware, closes
them in every mode:

- Host: only the names and addresses in AllowedHosts (app/exposure.py); else 403.
- Origin: a request a web page sends carries its page's Origin; one from another site is
  refused (403), uploads and WebSockets included, so no foreign page can drive the app.
- Login: with a password, only the login page and its assets answer without a session.
- Share links: /shared/... goes to the guest app (app/shared_album.py) after the Host and
  Origin checks, without the login and without ever reaching gradio.
- Guessing: after FREE_FAILURES wrong passwords from one client, its logins are refused
  (429, with Retry-After) for a time that doubles with each further failure.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import cookie_parser

from app.exposure import AllowedHosts, host_of, origin_host, same_origin

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("pictor")

LOGIN_PATHS = frozenset({"/login", "/login/"})
# What the login page itself needs before anyone has logged in, and gradio's own start-up
# call (it runs the app's start-up events once). Everything else needs a session when the
# app has a password (gradio checks most routes itself, not all).
PUBLIC_PATHS = frozenset(
    {"/", "/logout", "/favicon.ico", "/theme.css", "/robots.txt", "/manifest.json"}
    | {"/gradio_api/startup-events", "/gradio_api/theme.css"}
    | LOGIN_PATHS
)
PUBLIC_PREFIXES = ("/assets/", "/static/", "/svelte/", "/pwa_icon")
GUEST_PREFIX = "/shared"  # a share link's pages (app/shared_album.py), open to its guest


class LoginThrottle:
    """Failed logins per client. After FREE_FAILURES, each failure blocks the client for
    FIRST_BLOCK seconds, doubled per further failure up to MAX_BLOCK; a right password
    (outside a block) clears the count. The clock is injected so that tests need not wait."""

    FREE_FAILURES = 5
    FIRST_BLOCK = 1.0
    MAX_BLOCK = 15 * 60.0
    FORGET_AFTER = 60 * 60.0  # a client quiet this long starts again from zero
    MAX_CLIENTS = 10_000  # the oldest are forgotten first

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._clients: OrderedDict[str, _Failures] = OrderedDict()

    def retry_after(self, client: str) -> float:
        """Seconds until this client may try again; 0 when it may now."""
        failures = self._clients.get(client)
        return max(0.0, failures.blocked_until - self.clock()) if failures else 0.0

    def failed(self, client: str) -> float:
        """Count a wrong password; return how long the client is now blocked (0: not)."""
        now = self.clock()
        failures = self._clients.pop(client, None)
        if failures is None or now - failures.last > self.FORGET_AFTER:
            failures = _Failures()
        failures.count += 1
        failures.last = now
        block = 0.0
        if failures.count >= self.FREE_FAILURES:
            extra = failures.count - self.FREE_FAILURES
            block = min(self.MAX_BLOCK, self.FIRST_BLOCK * 2 ** min(extra, 32))
            failures.blocked_until = now + block
            log.warning(
                "login: %d wrong passwords from %s; its logins are refused for %.0f s",
                failures.count, client, math.ceil(block),
            )  # fmt: skip
        self._clients[client] = failures
        while len(self._clients) > self.MAX_CLIENTS:
            self._clients.popitem(last=False)
        return block

    def succeeded(self, client: str) -> None:
        self._clients.pop(client, None)


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    blocked_until: float = 0.0


class EdgeGuard:
    """ASGI middleware for the rules above. logged_in(scope) says whether the request
    carries a session of the app's login (only asked when login_required)."""

    def __init__(
        self,
        app: ASGIApp,
        allowed: AllowedHosts,
        login_required: bool = False,
        logged_in: Callable[[Scope], bool] = lambda scope: False,
        throttle: LoginThrottle | None = None,
        guest: ASGIApp | None = None,
    ):
        self.app = app
        self.guest = guest  # app/shared_album.py: /shared/..., without the main login
        self.allowed = allowed
        self.login_required = login_required
        self.logged_in = logged_in
        self.throttle = throttle or LoginThrottle()
        self._turns: dict[str, _Turn] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await _answer(scope, send, *refusal)
            return
        if self.guest is not None and _guest_path(scope["path"]):
            await self.guest(scope, receive, send)  # never reaches gradio
            return
        if scope["type"] == "http" and scope["path"] in LOGIN_PATHS and scope["method"] == "POST":
            await self._login(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        server = (scope.get("server") or (None,))[0]
        host = headers.get("host", "")
        if not self.allowed.allows(host_of(host), server):
            return 403, (
                "Refused: Pictor answers only to localhost, this machine's own names and "
                "addresses, and the names given with --allowed-host."
            )
        origin = headers.get("origin")
        if origin is not None and not self._same_site(origin, host, server):
            return 403, "Refused: a request from another site (its Origin is not this app)."
        guest = self.guest is not None and _guest_path(scope["path"])
        if (
            self.login_required
            and not _public(scope["path"])
            and not guest
            and not self.logged_in(scope)
        ):
            return 401, "Not authenticated"
        return None

    def _same_site(self, origin: str, host: str, server: str | None) -> bool:
        """An Origin of this app: the very host and port of the request's Host, or a name
        given with --allowed-host (a reverse proxy may pass on another Host). Not any name
        the app answers to: another port of localhost is another site (a dev server, a
        notebook), and another *.gradio.live link is anybody's."""
        return same_origin(origin, host) or origin_host(origin) in self.allowed.proxies

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a blocked client (429); otherwise let gradio check the password and count
        the answer (200: right, 400: wrong)."""
        client = (scope.get("client") or ("unknown",))[0]
        # One attempt of a client at a time: otherwise a burst of guesses sent together
        # would all pass the check below before the first failure is counted.
        turn = self._turns.setdefault(client, _Turn())
        turn.waiting += 1
        try:
            async with turn.lock:
                await self._attempt(client, scope, receive, send)
        finally:
            turn.waiting -= 1
            if not turn.waiting:
                self._turns.pop(client, None)

    async def _attempt(self, client: str, scope: Scope, receive: Receive, send: Send) -> None:
        wait = self.throttle.retry_after(client)
        if wait > 0:
            seconds = math.ceil(wait)
            message = f"Too many wrong passwords; try again in {seconds} s."
            await _answer(scope, send, 429, message, retry_after=seconds)
            return
        status: list[int] = []

        async def observed(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, observed)
        if status and status[0] == 200:
            self.throttle.succeeded(client)
        elif status and status[0] in (400, 401, 403):
            self.throttle.failed(client)


@dataclass
class _Turn:
    """A client's login attempts in flight: one runs, the others wait for it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


def _guest_path(path: str) -> bool:
    """A share link's path: the guest app answers it, whatever follows /shared/."""
    return path == GUEST_PREFIX or path.startswith(GUEST_PREFIX + "/")


def _public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


async def _answer(
    scope: Scope, send: Send, status: int, detail: str, retry_after: int | None = None
) -> None:
    """A short JSON answer ({"detail": ...}, as gradio's own refusals), or a closed
    WebSocket (policy violation)."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def guarded_app(
    allowed: AllowedHosts,
    login_required: bool,
    throttle: LoginThrottle | None = None,
    guest: ASGIApp | None = None,
) -> Any:
    """A gradio App with EdgeGuard outside all of gradio's own middleware (its CORS one
    answers preflights and would echo a foreign Origin before an inner guard saw it).
    gradio's launch(_app=...) builds the server on it; the FastAPI schema
    (/openapi.json) is not served: the named endpoints are described at /gradio_api/info."""
    from gradio.routes import App

    class GuardedApp(App):
        def build_middleware_stack(self) -> ASGIApp:
            return EdgeGuard(
                super().build_middleware_stack(),
                allowed,
                login_required=login_required,
                logged_in=self.has_session,
                throttle=throttle,
                guest=guest,
            )

        def has_session(self, scope: Scope) -> bool:
            cookies = cookie_parser(Headers(scope=scope).get("cookie", ""))
            names = (f"access-token-{self.cookie_id}", f"access-token-unsecure-{self.cookie_id}")
            return any(cookies.get(name) in self.tokens for name in names)

    return GuardedApp(openapi_url=None, docs_url=None, redoc_url=None)

"""What the UI server exposes, and what protects it.

Three modes (the README's "Security" section says the same):
- local (the default, 127.0.0.1): only this machine can connect. Without a password, a web
  page in the user's own browser could still try to drive the app through DNS rebinding,
  so requests whose Host header is not a loopback name are refused (HostGuard).
- --host ADDRESS (anything not loopback): everyone who can reach the address can connect;
  without --auth or --auth-file we start, but warn loudly on stderr and in the page header.
- --share: a public gradio.live link. It is refused outright without a password, before
  anything touches the network.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from indexing.errors import PictorError

Credentials = list[tuple[str, str]]
AUTH_HOW = "--auth USER:PASSWORD or --auth-file FILE"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """USER:PASSWORD -> (user, password); None when no --auth was given at all.

    An empty value is an error, never a silent "no password".
    """
    if auth is None:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise PictorError("--auth must look like USER:PASSWORD (both parts non-empty)")
    return user, password


def read_auth_file(path: str | os.PathLike[str], warn: Callable[[str], None]) -> Credentials:
    """One USER:PASSWORD per line (blank lines and '#' comments skipped).

    A file that others can read gets a warning: the point of the file is that passwords
    stay out of the process list and out of other users' reach.
    """
    file = Path(path).expanduser()
    try:
        mode = file.stat().st_mode
        lines = file.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise PictorError(f"--auth-file: no such file: {file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise PictorError(f"--auth-file: cannot read {file}: {reason}") from None
    if mode & stat.S_IROTH:
        warn(f"{file} can be read by every user of this machine; run: chmod 600 {file}")
    credentials: Credentials = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            user_password = parse_auth(text)
        except PictorError:
            raise PictorError(
                f"--auth-file: line {number} of {file} must look like USER:PASSWORD"
            ) from None
        assert user_password is not None
        credentials.append(user_password)
    if not credentials:
        raise PictorError(f"--auth-file: {file} holds no USER:PASSWORD line")
    return credentials


def credentials(auth: str | None, auth_file: str | os.PathLike[str] | None, warn) -> Credentials:
    """Every accepted login, from --auth and --auth-file together."""
    found: Credentials = []
    single = parse_auth(auth)
    if single is not None:
        found.append(single)
    if auth_file is not None:
        found += read_auth_file(auth_file, warn)
    return found


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and the usual names for them."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, port: int) -> str:
    return (
        f"Pictor is reachable from other machines at {host}:{port} and has NO password: anyone "
        f"who can reach it can see your images and index any folder this computer can read. "
        f"Restart with {AUTH_HOW}."
    )


def check_exposure(host: str, port: int, share: bool, logins: Credentials) -> str | None:
    """Refuse --share without a password; return a warning for an open non-loopback host."""
    if share and not logins:
        raise PictorError(
            f"--share would put your library on a public link with no password; add {AUTH_HOW}"
        )
    if not logins and not is_loopback(host):
        return exposure_warning(host, port)
    return None


def host_of(header: str) -> str:
    """The host part of a Host header: 'example:80' -> 'example', '[::1]:7860' -> '::1'."""
    value = header.strip()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class HostGuard:
    """ASGI middleware: refuse HTTP and WebSocket requests whose Host is not loopback.

    Used when the app listens on loopback without a password: a DNS-rebinding page
    (attacker.example resolving to 127.0.0.1) reaches the port, but its requests carry
    Host: attacker.example and are refused with 403 before any route runs.
    """

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not self._allowed(scope):
            await self._refuse(scope, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _allowed(scope: Scope) -> bool:
        for name, value in scope.get("headers") or ():
            if name == b"host":
                return is_loopback(host_of(value.decode("latin-1")))
        return False  # HTTP/1.1 requires a Host header; without one, refuse

    @staticmethod
    async def _refuse(scope: Scope, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = b"Refused: this Pictor only answers requests addressed to localhost.\n"
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

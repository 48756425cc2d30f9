"""What the UI server exposes, and what protects it.

Three modes (the README's "Security" section says the same):
- local (the default, 127.0.0.1): only this machine can connect. A web page in the user's
  own browser could still try to drive the app through DNS rebinding (its name resolving
  to 127.0.0.1), so requests addressed to a name that is not ours are refused.
- --host ADDRESS (anything not loopback): everyone who can reach the address can connect;
  without --auth or --auth-file we start, but warn loudly on stderr and in the page header.
- --share: a public gradio.live link. It is refused outright without a password, before
  anything touches the network, and with a password under 8 characters.

In every mode the server answers only to the names it has (AllowedHosts: loopback names,
this machine's own names and addresses, the share domain, and --allowed-host names);
app/edge_guard.py enforces that, the login and the cross-site rules on each request.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from indexing.errors import PictorError

Credentials = list[tuple[str, str]]
AUTH_HOW = "--auth USER:PASSWORD or --auth-file FILE"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
SHARE_DOMAIN = ".gradio.live"  # where gradio's share tunnel serves the app
SHARE_MIN_PASSWORD = 8
ROLES = ("viewer", "editor")  # an --auth-file line's optional last field
# A Host header: a DNS name or an IP address (IPv6 in brackets), then an optional port.
# Nothing else: "localhost:80@evil.example" or "a b" is refused, never guessed at.
HOST_HEADER = re.compile(
    r"(?P<name>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.?)(?::[0-9]{1,5})?"
)


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """USER:PASSWORD -> (user, password); None when no --auth was given at all.

    An empty value is an error, never a silent "no password"; so is a user name or a
    password of spaces only. The user name loses surrounding spaces (the login form's do).
    """
    if auth is None:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user.strip() or not password.strip():
        raise PictorError(
            "--auth must look like USER:PASSWORD (both parts non-empty, not only spaces)"
        )
    return user.strip(), password


def split_role(line: str) -> tuple[str, str]:
    """'USER:PASSWORD:viewer' -> ('USER:PASSWORD', 'viewer'); a line without a role (or with
    ':editor') is an editor's, as every login was before roles. A password that itself ends
    in ':viewer' or ':editor' is written with ':editor' after it."""
    head, sep, tail = line.rpartition(":")
    if sep and tail.strip().lower() in ROLES and ":" in head:
        return head, tail.strip().lower()
    return line, "editor"


def read_auth_file(path: str | os.PathLike[str], warn: Callable[[str], None]) -> Credentials:
    """One USER:PASSWORD per line (blank lines and '#' comments skipped); a line may end in
    ':viewer' or ':editor' (its role: read_viewers).

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
            user_password = parse_auth(split_role(text)[0])
        except PictorError:
            raise PictorError(
                f"--auth-file: line {number} of {file} must look like USER:PASSWORD"
            ) from None
        assert user_password is not None
        credentials.append(user_password)
    if not credentials:
        raise PictorError(f"--auth-file: {file} holds no USER:PASSWORD line")
    return credentials


def read_viewers(auth_file: str | os.PathLike[str] | None) -> frozenset[str]:
    """The users whose --auth-file line gives them the viewer role (read_auth_file has
    checked the file; --auth is always an editor, unless the file names the same user as
    a viewer)."""
    if auth_file is None:
        return frozenset()
    viewers: set[str] = set()
    for line in Path(auth_file).expanduser().read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        login, role = split_role(text)
        user = login.partition(":")[0].strip()
        if role == "viewer":
            viewers.add(user)
    return frozenset(viewers)  # a name on a viewer line is a viewer, whatever other lines say


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
    """Refuse --share without a password or with a short one; return a warning for an open
    non-loopback host."""
    if share and not logins:
        raise PictorError(
            f"--share would put your library on a public link with no password; add {AUTH_HOW}"
        )
    short = [user for user, password in logins if len(password) < SHARE_MIN_PASSWORD]
    if share and short:
        raise PictorError(
            f"--share needs passwords of {SHARE_MIN_PASSWORD} characters or more "
            f"(the password of {short[0]!r} is shorter)"
        )
    if not logins and not is_loopback(host):
        return exposure_warning(host, port)
    return None


def host_of(header: str) -> str:
    """The host part of a Host header: 'example:80' -> 'example', '[::1]:7860' -> '::1';
    '' when the header is not a plain host[:port] (so nothing can match it)."""
    match = HOST_HEADER.fullmatch(header.strip())
    if match is None:
        return ""
    return match["name"].strip("[]").rstrip(".").lower()


def origin_host(origin: str) -> str:
    """The host of an Origin header ('http://example:7860' -> 'example'); '' for 'null',
    for a scheme other than http(s), or for anything but scheme://host[:port]."""
    scheme, sep, rest = origin.strip().partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return ""
    return host_of(rest)


def same_origin(origin: str, host: str) -> bool:
    """Whether an Origin header names the very host and port a Host header does (a missing
    port is the scheme's own: 80 for http, 443 for https)."""
    scheme, sep, rest = origin.strip().partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("http", "https") or not origin_host(origin):
        return False
    default = ":80" if scheme == "http" else ":443"

    def authority(text: str) -> str:
        text = text.strip().lower()
        return text[: -len(default)] if text.endswith(default) else text

    return bool(host) and authority(rest) == authority(host)


def split_hosts(value: str | Iterable[str] | None) -> list[str]:
    """--allowed-host names, from a comma-separated setting or a list of flags."""
    items = [value] if isinstance(value, str) else list(value or ())
    return [name for item in items for name in (part.strip() for part in item.split(",")) if name]


@dataclass(frozen=True)
class AllowedHosts:
    """The names and addresses the server answers to; anything else is a request meant for
    another site (DNS rebinding), or a guess, and is refused."""

    names: frozenset[str]
    addresses: frozenset[str]
    suffixes: tuple[str, ...] = ()
    proxies: frozenset[str] = frozenset()  # the --allowed-host names alone

    @classmethod
    def for_server(cls, host: str, share: bool, extra: Iterable[str] = ()) -> AllowedHosts:
        """Loopback, this machine's names and addresses, the share domain with --share, and
        the --allowed-host names (a reverse proxy's)."""
        proxies = {host_of(name) for name in extra}
        if "" in proxies:
            wrong = next(name for name in extra if not host_of(name))
            raise PictorError(
                f"--allowed-host {wrong!r} is not a host name: give it as the browser's "
                "address bar shows it, without http:// or a path (e.g. photos.example)"
            )
        names = set(LOOPBACK_NAMES) | proxies
        addresses = set()
        for name in (host, *_machine_names()):
            name = host_of(name)
            if _is_address(name):
                if not ipaddress.ip_address(name).is_unspecified:  # 0.0.0.0 is no one's name
                    addresses.add(str(ipaddress.ip_address(name)))
            elif name:
                names.add(name)
        addresses |= _machine_addresses()
        suffixes = (SHARE_DOMAIN,) if share else ()
        return cls(frozenset(names), frozenset(addresses), suffixes, frozenset(proxies))

    def allows(self, name: str, server_address: str | None = None) -> bool:
        """Whether a host name (as host_of gives it) is ours. server_address is the address
        the request came in on, always this machine's."""
        if not name:
            return False
        if name in self.names or is_loopback(name):
            return True
        if _is_address(name):
            address = str(ipaddress.ip_address(name))
            return address in self.addresses or address == _normal(server_address)
        return any(name.endswith(suffix) for suffix in self.suffixes)


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _normal(address: str | None) -> str | None:
    return str(ipaddress.ip_address(address)) if address and _is_address(address) else None


def _machine_names() -> set[str]:
    hostname = socket.gethostname()
    names = {hostname, socket.getfqdn(), f"{hostname.split('.')[0]}.local"}  # .local: mDNS
    return {name.lower() for name in names if name}


def _machine_addresses() -> set[str]:
    """The addresses this machine's name resolves to (the LAN address, usually)."""
    try:  # the hostname only: a .local name would be a network (mDNS) lookup
        infos = socket.getaddrinfo(socket.gethostname(), None)
    except OSError:
        return set()
    return {str(ipaddress.ip_address(str(info[4][0]).split("%")[0])) for info in infos}

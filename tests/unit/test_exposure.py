"""What the UI server exposes, decided without a server: logins need a user and a password,
which host names are loopback, which Host headers and origins are let in, how password
guessing is slowed, and how --auth-file is read. The running app: tests/ui/test_exposure.py;
the command line: tests/integration/test_exposure.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.exposure import (
    AllowedHosts,
    check_exposure,
    credentials,
    host_of,
    is_loopback,
    read_auth_file,
)
from indexing.errors import PictorError


@pytest.mark.parametrize("value", ["nocolon", ":password", "user:", "", " : ", "  :pw", "me:   "])
def test_auth_needs_user_and_password(value: str) -> None:
    with pytest.raises(PictorError, match="USER:PASSWORD"):
        credentials(value, None, warn=print)


def test_no_auth_at_all_means_no_logins_and_colons_stay_in_passwords() -> None:
    assert credentials(None, None, warn=print) == []
    assert credentials("me:se:cret", None, warn=print) == [("me", "se:cret")]


def test_share_needs_logins_and_a_public_host_is_announced() -> None:
    with pytest.raises(PictorError, match="public link"):
        check_exposure("127.0.0.1", 7860, True, [])
    assert check_exposure("127.0.0.1", 7860, True, [("a", "longenough")]) is None
    assert check_exposure("127.0.0.1", 7860, False, []) is None
    warning = check_exposure("0.0.0.0", 7860, False, [])
    assert warning and "NO password" in warning and "0.0.0.0:7860" in warning
    assert check_exposure("192.168.1.5", 80, False, [("a", "b")]) is None


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("attacker.example", False),
        ("localhost.attacker.example", False),
    ],
)
def test_loopback_names(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_host_header_parsing() -> None:
    assert host_of("attacker.example:7860") == "attacker.example"
    assert host_of("[::1]:7860") == "::1"
    assert host_of("127.0.0.1") == "127.0.0.1"
    # Not a host[:port]: nothing to match, so never taken for localhost.
    for header in ("localhost:80@evil.example", "localhost evil", "localhost:80:80", "a/b"):
        assert host_of(header) == "", header


def test_the_names_the_server_answers_to() -> None:
    allowed = AllowedHosts.for_server("0.0.0.0", share=True, extra=["Photos.Example"])
    for name in ("localhost", "127.0.0.1", "::1", "photos.example", "abc123.gradio.live"):
        assert allowed.allows(name), name
    # A LAN address is this machine's when the request came in on it.
    assert allowed.allows("192.168.1.5", server_address="192.168.1.5")
    assert not allowed.allows("192.168.1.6", server_address="192.168.1.5")
    for name in ("0.0.0.0", "evil.example", "gradio.live.evil.example", "", "photos.example.evil"):
        assert not allowed.allows(name), name
    assert not AllowedHosts.for_server("127.0.0.1", share=False).allows("abc123.gradio.live")


@pytest.mark.parametrize("name", ["http://proxy.example", "*.example.com", "proxy/pictor"])
def test_a_mistyped_allowed_host_is_an_error_not_dropped(name: str) -> None:
    with pytest.raises(PictorError, match="is not a host name"):
        AllowedHosts.for_server("127.0.0.1", share=False, extra=[name])


def test_auth_file_reads_logins_and_warns_when_others_can_read_it(tmp_path: Path) -> None:
    file = tmp_path / "logins"
    file.write_text("# who may log in\nalice:wonder:land\n\nbob:builder\n")
    file.chmod(0o600)
    warnings: list[str] = []
    assert read_auth_file(file, warnings.append) == [("alice", "wonder:land"), ("bob", "builder")]
    assert warnings == []
    file.chmod(0o644)
    read_auth_file(file, warnings.append)
    assert len(warnings) == 1 and "chmod 600" in warnings[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "holds no USER:PASSWORD"), ("alice:ok\nbroken\n", "line 2"), (None, "no such file")],
)
def test_bad_auth_files_are_one_clear_message(tmp_path: Path, content, message) -> None:
    file = tmp_path / "logins"
    if content is not None:
        file.write_text(content)
    with pytest.raises(PictorError, match=message):
        read_auth_file(file, print)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_each_further_wrong_password_doubles_the_block() -> None:
    from app.edge_guard import LoginThrottle

    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    blocks = [throttle.failed("10.0.0.9") for _ in range(8)]
    assert blocks == [0, 0, 0, 0, 1, 2, 4, 8]
    assert throttle.retry_after("10.0.0.9") == 8 and throttle.retry_after("10.0.0.7") == 0
    clock.now += 8
    assert throttle.retry_after("10.0.0.9") == 0
    throttle.succeeded("10.0.0.9")
    assert throttle.failed("10.0.0.9") == 0


def _through_guard(guard, method: str, path: str, headers: dict[str, str]) -> int:
    """The status EdgeGuard (or the app behind it) answers one request with."""
    import asyncio

    scope = {
        "type": "http", "method": method, "path": path, "client": ("203.0.113.9", 5000),
        "server": ("127.0.0.1", 7860),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    sent: list[int] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            sent.append(message["status"])

    asyncio.run(guard(scope, receive, send))
    return sent[0]


async def _answers_400(scope, receive, send) -> None:
    """A stand-in for gradio that finds every password wrong, after a turn of the loop."""
    import asyncio

    await asyncio.sleep(0)  # yields to the other requests in flight; waits for nothing
    await send({"type": "http.response.start", "status": 400, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


@pytest.mark.parametrize(
    ("host", "origin", "share", "allowed"),
    [
        ("127.0.0.1:7860", "http://127.0.0.1:7860", False, True),
        ("localhost:7860", "http://localhost:7860", False, True),
        ("photos.example", "http://photos.example:80", False, True),
        ("127.0.0.1:7860", "http://localhost:9999", False, False),  # another local site
        ("localhost:7860", "http://localhost:9999", False, False),
        ("127.0.0.1:7860", "http://[::1]:8888", False, False),
        ("127.0.0.1:7860", "http://127.0.0.2:1", False, False),
        ("victim.gradio.live", "https://attacker.gradio.live", True, False),  # anybody's link
        ("victim.gradio.live", "https://victim.gradio.live", True, True),
        ("localhost:7860", "null", False, False),
    ],
)
def test_only_the_apps_own_origin_may_drive_it(host, origin, share, allowed) -> None:
    from app.edge_guard import EdgeGuard

    async def ok(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    hosts = AllowedHosts.for_server("127.0.0.1", share, ["photos.example"])
    status = _through_guard(
        EdgeGuard(ok, hosts), "POST", "/gradio_api/upload", {"host": host, "origin": origin}
    )
    assert (status == 200) == allowed, status


def test_a_burst_of_guesses_sent_together_is_throttled_like_one_by_one() -> None:
    """Fifty wrong passwords sent at once: only the first five reach the password check;
    the others are refused (429) as they come, not after the whole burst was checked."""
    import asyncio

    from app.edge_guard import EdgeGuard, LoginThrottle

    reached: list[int] = []

    async def counted(scope, receive, send) -> None:
        reached.append(1)
        await _answers_400(scope, receive, send)

    guard = EdgeGuard(
        counted, AllowedHosts.for_server("127.0.0.1", False), login_required=True,
        throttle=LoginThrottle(clock=FakeClock()),
    )  # fmt: skip
    statuses: list[int] = []

    async def one() -> None:
        scope = {
            "type": "http", "method": "POST", "path": "/login",
            "client": ("203.0.113.9", 5000), "server": ("127.0.0.1", 7860),
            "headers": [(b"host", b"127.0.0.1:7860")],
        }  # fmt: skip

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await guard(scope, receive, send)

    async def burst() -> None:
        await asyncio.gather(*(one() for _ in range(50)))

    asyncio.run(burst())
    assert len(reached) == LoginThrottle.FREE_FAILURES
    assert sorted(statuses) == [400] * 5 + [429] * 45
    assert guard._turns == {}  # nothing kept per client once its attempts are answered

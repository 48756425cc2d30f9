"""What the UI server exposes: --share needs a password, a public --host is announced,
a loopback server without a password refuses foreign Host headers, and --auth-file works."""

from __future__ import annotations

import http.client
import os
import time
import urllib.parse
from pathlib import Path

import pytest

from app.exposure import check_exposure, credentials, host_of, is_loopback, read_auth_file
from indexing.errors import PictorError
from indexing.settings import Settings
from tests.beacon import beacon
from tests.browser import free_port, open_page, serve


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [["--share", "ui"], ["--share"], ["--share", "--auth", "", "ui"]],
    ids=["share", "share-default-command", "share-empty-auth"],
)
def test_share_without_a_password_is_refused_before_any_network(run_cli, args) -> None:
    with beacon() as proxy:
        started = time.monotonic()
        code, out, err = run_cli(args, env=proxy.proxy_env())
        took = time.monotonic() - started
    line = one_error_line(err)
    assert code == 2 and out == ""
    if "--auth" in args:
        assert "USER:PASSWORD" in line  # the empty --auth itself is the first problem
    else:
        assert "public link" in line and "--auth USER:PASSWORD" in line and "--auth-file" in line
    assert proxy.requests == []  # nothing tried to reach gradio.live (or anything else)
    assert took < 30


def test_empty_auth_is_an_error_not_an_open_app(run_cli) -> None:
    code, out, err = run_cli(["--auth", "", "ui"])
    assert code == 2 and out == ""
    assert "USER:PASSWORD" in one_error_line(err)


@pytest.mark.parametrize("value", ["nocolon", ":password", "user:", ""])
def test_auth_needs_user_and_password(value: str) -> None:
    with pytest.raises(PictorError, match="USER:PASSWORD"):
        credentials(value, None, warn=print)


def test_no_auth_at_all_means_no_logins_and_colons_stay_in_passwords() -> None:
    assert credentials(None, None, warn=print) == []
    assert credentials("me:se:cret", None, warn=print) == [("me", "se:cret")]


def test_share_needs_logins_and_a_public_host_is_announced() -> None:
    with pytest.raises(PictorError, match="public link"):
        check_exposure("127.0.0.1", 7860, True, [])
    assert check_exposure("127.0.0.1", 7860, True, [("a", "b")]) is None
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


def test_bad_auth_file_on_the_command_line(run_cli, tmp_path: Path) -> None:
    code, out, err = run_cli(["--auth-file", str(tmp_path / "nope"), "ui"])
    assert code == 2 and out == ""
    assert "no such file" in one_error_line(err)


def request(port: int, method: str, path: str, host: str, body: bytes | None = None, **headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Host": host, **headers})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


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
    # The same requests under a loopback name are served.
    assert request(port, "GET", "/config", f"127.0.0.1:{port}")[0] == 200
    assert request(port, "GET", "/config", f"localhost:{port}")[0] == 200
    status, answer = request(port, "POST", call, f"localhost:{port}", body, **json)
    assert status == 200 and b"event_id" in answer


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

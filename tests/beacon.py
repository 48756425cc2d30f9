"""A loopback HTTP server that records every request: proof that nothing was fetched.

Used two ways: as the target of URLs planted in file names, EXIF and prompts (the page
must never load them), and as HTTP(S)_PROXY for a process that must not reach for the
network at all (a proxied request or CONNECT would land here).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Recorder(BaseHTTPRequestHandler):
    def _record(self) -> None:
        self.server.requests.append(f"{self.command} {self.path}")  # type: ignore[attr-defined]
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_HEAD = do_OPTIONS = do_CONNECT = _record

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass


class Beacon:
    def __init__(self, server: ThreadingHTTPServer):
        self._server = server
        self.port = server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[str]:
        return list(self._server.requests)  # type: ignore[attr-defined]

    def proxy_env(self) -> dict[str, str]:
        """Environment that sends every outgoing HTTP(S) request of a process here."""
        return {
            name: self.url
            for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")
        } | {"NO_PROXY": "", "no_proxy": ""}


@contextmanager
def beacon() -> Iterator[Beacon]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Beacon(server)
    finally:
        server.shutdown()
        server.server_close()

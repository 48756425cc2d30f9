"""Serving the app in-process and driving it with Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.ui import launch_ui
from indexing.settings import Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(settings: Settings, folders: tuple[str, ...] = ()) -> Iterator[str]:
    """The whole app on settings.port (folders as --library gives them); yields its URL and
    closes it afterwards."""
    demo = launch_ui(settings, block=False, folders=folders)
    try:
        yield f"http://127.0.0.1:{settings.port}/"
    finally:
        demo.close()


def _without_proxies() -> dict[str, str]:
    """The browser's environment: no proxy, so a test's proxy beacon sees only the app."""
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}


class SharedChromium:
    """One headless Chromium for a test module, started on first use (tests/conftest.py
    closes it after the module): each page gets a browser context of its own (cookies,
    storage and cache apart, as in a fresh browser), and the browser is not launched again
    for each test."""

    def __init__(self) -> None:
        self._playwright = None
        self._browser = None

    def browser(self):
        sync_api = pytest.importorskip("playwright.sync_api")
        if not Path(CHROMIUM).exists():
            pytest.fail("Chromium is missing: `make test` installs it with apt-get")
        if self._browser is None or not self._browser.is_connected():
            self.close()
            self._playwright = sync_api.sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                env=_without_proxies(),
            )  # fmt: skip
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()
        self._playwright = self._browser = None


CHROMIUM_SHARED = SharedChromium()


@contextmanager
def open_page(url: str, height: int = 1000, width: int = 1400):
    """A headless Chromium page at url, in a browser context of its own (no network beyond
    loopback, no downloads)."""
    from playwright.sync_api import expect

    context = CHROMIUM_SHARED.browser().new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)  # a loaded 2-core CI machine is slow, not broken
        expect.set_options(timeout=30_000)
        page.goto(url)
        yield page
    finally:
        context.close()


def highlight_mask(png: bytes):
    """The pixels of a screenshot in the viewer's outline colour (app/detail_text.py's
    HIGHLIGHT, the words' and the faces' boxes), as a boolean array."""
    import io

    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return (r > 230) & (g > 170) & (g < 230) & (b < 60)


def yellow_pixels(png: bytes) -> int:
    """How many pixels of a screenshot are the outline colour."""
    return int(highlight_mask(png).sum())


def settled(image) -> bytes:
    """A screenshot of an <img> once it is loaded and drawn (two alike in a row): a new
    picture is painted as it arrives, so one taken the moment `src` changes may show a
    picture only partly drawn."""
    from playwright.sync_api import expect

    expect(image).to_have_js_property("complete", True)
    shot = image.screenshot()
    for _ in range(20):
        again = image.screenshot()
        if again == shot:
            return shot
        shot = again
    pytest.fail("the image never stopped changing")

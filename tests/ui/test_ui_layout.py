"""Every tab at a laptop's size (1280×800) and at a phone's width (390 px): nothing makes
the page scroll sideways, and on the phone every button is big enough for a finger.

Each tab's screenshot at both sizes is saved by the run: in the test's temporary folder, and
also in $PICTOR_SCREENSHOTS when set (how the README's screenshots are refreshed:
`PICTOR_SCREENSHOTS=app/assets/screenshots .venv/bin/python -m pytest tests/ui/test_ui_layout.py`).
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from indexing.settings import Settings
from tests.browser import free_port, open_page, serve
from tests.conftest import tiny_clip_env

pytestmark = pytest.mark.browser
# Each tab, and what shows once it has rendered.
TABS = {
    "Library": "#library-gallery",
    "Search": "#search-text",
    "Filters": "#filters-count",
    "Rate": "#rate-panel",
    "Train": "#train-run",
}
SIZES = {"laptop": (1280, 800), "phone": (390, 844)}
FINGER_PX = 40  # the smallest button height that still takes a fingertip
# Read now: the fixtures clear every PICTOR_* variable.
SAVE_TO = os.environ.get("PICTOR_SCREENSHOTS")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("layout")
    folder = base / "Pictures with a rather long folder name" / "2024-07-14 Lisbon trip"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(3)
    for index in range(12):
        pixels = (rng.random((120, 90 + 10 * index, 3)) * 255).astype("uint8")
        Image.fromarray(pixels).save(folder / f"IMG_2024071{index:02d}_a_long_file_name.jpg")
    with pytest.MonkeyPatch.context() as env:
        tiny_clip_env(env, base)
        settings = Settings(data_dir=base / "data", port=free_port(), threads=2)
        with serve(settings, folders=(str(folder),)) as url:
            yield url


def open_tab(page, name: str) -> None:
    """Click a tab; on a phone the tabs that do not fit are under "More tabs" (⋯)."""
    tab = page.get_by_role("tab", name=name, exact=True)
    if tab.is_visible():
        tab.click()
        return
    menu = page.locator(".overflow-menu").first  # the app's tabs (Filters has its own)
    menu.get_by_role("button", name="More tabs").click()
    menu.locator(".overflow-dropdown button", has_text=name).click()


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def small_buttons(page) -> list[str]:
    return page.evaluate(
        """(least) => [...document.querySelectorAll('button')]
            .filter((b) => b.offsetParent !== null && !b.closest('[aria-hidden="true"]'))
            .filter((b) => !b.closest('footer'))  // gradio's own "Settings" link, not Pictor's
            .map((b) => [b.getBoundingClientRect(), (b.innerText || b.ariaLabel || b.id || '')])
            .filter(([box]) => box.width > 0 && box.height < least)
            .map(([box, name]) => `${name.trim().slice(0, 30)} (${Math.round(box.height)} px)`)""",
        FINGER_PX,
    )


@pytest.mark.parametrize("size", list(SIZES))
def test_every_tab_fits_the_window(app_url: str, size: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    width, height = SIZES[size]
    folders = [tmp_path / "screenshots"]
    if SAVE_TO:
        folders.append(Path(SAVE_TO).resolve())
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    with open_page(app_url, height=height, width=width) as page:
        expect(page.locator("#index-progress")).to_contain_text("Done in", timeout=90_000)
        expect(page.locator("#library-gallery img")).to_have_count(12)
        problems = {}
        for tab, shown in TABS.items():
            open_tab(page, tab)
            expect(page.locator(shown)).to_be_visible()
            wide = overflow(page)
            small = small_buttons(page) if size == "phone" else []
            if wide > 0 or small:
                problems[tab] = {"too wide by px": wide, "small buttons": small}
            for folder in folders:
                page.screenshot(path=folder / f"{tab.lower()}-{size}.png", full_page=True)
        # The viewer, over the Library: its own scrolling box must fit the window too.
        open_tab(page, "Library")
        page.locator("#library-gallery img").first.click()
        expect(page.locator("#viewer")).to_be_visible()  # opened
        expect(page.locator("#viewer-meta")).to_contain_text("Content id")
        inside = page.evaluate(
            "() => { const v = document.getElementById('viewer');"
            " return v.scrollWidth - v.clientWidth; }"
        )
        wide = max(overflow(page), inside)
        small = small_buttons(page) if size == "phone" else []
        if wide > 0 or small:
            problems["viewer"] = {"too wide by px": wide, "small buttons": small}
        for folder in folders:
            page.screenshot(path=folder / f"viewer-{size}.png")
        assert problems == {}, json.dumps(problems, indent=1)


def test_the_viewer_comes_before_the_tabs_in_the_page(app_url: str) -> None:
    """gradio's page finds each component it updates (a value, a loading status) by a walk
    of the component tree from its top: the viewer, updated at every opening and every move,
    is found before the tabs' ~830 components, not after them (docs/testing.md)."""
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only
    with direct.open(app_url + "config", timeout=30) as response:
        config = json.load(response)
    by_id = {component["id"]: component for component in config["components"]}
    top = [by_id[child["id"]] for child in config["layout"]["children"]]
    names = [c["props"].get("elem_id") or c["type"] for c in top]
    assert "viewer" in names and "tabs" in names, names
    assert names.index("viewer") < names.index("tabs"), names

"""Everything a file can carry (its name, EXIF, prompt text) is shown as text in every view,
and nothing in it makes the browser fetch anything: a beacon server counts requests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from indexing.library import Library
from indexing.settings import Settings
from tests.beacon import Beacon, beacon
from tests.browser import free_port, open_page, serve
from tests.library_builder import smooth_image

pytestmark = pytest.mark.browser


def planted_library(folder: Path, url: str) -> dict[str, str]:
    """Images whose name, EXIF make and prompt each try to load url; returns what to expect.

    A file name cannot hold '/', so the name's URL uses backslashes, which browsers read as
    slashes in http URLs: <img src=http:\\\\host\\x> would fetch http://host/x.
    """
    host = url.removeprefix("http://")
    folder.mkdir(parents=True)
    name = f"b`<img src=http:\\\\{host}\\x>`.png"
    smooth_image((96, 64), seed=1).save(folder / name)
    make = f"<img src={url}/y>"
    exif = Image.Exif()
    exif[0x010F] = make
    smooth_image((96, 64), seed=2).save(folder / "camera.jpg", exif=exif)
    prompt = f"![p]({url}/z) a *cyberpunk* fox"
    chunk = PngImagePlugin.PngInfo()
    chunk.add_text("parameters", f"{prompt}\nSteps: 20, Sampler: Euler")
    smooth_image((96, 64), seed=3).save(folder / "prompt.png", pnginfo=chunk)
    smooth_image((96, 64), seed=4).save(folder / "tick`\n.png")
    bad = f"c`<img src=http:\\\\{host}\\e>`.jpg"
    (folder / bad).write_text("not an image")
    return {"name": name, "make": make, "prompt": prompt, "newline": "tick`␤.png", "bad": bad}


@pytest.fixture
def app(tmp_path: Path, pictor_env: Path) -> Iterator[tuple[str, Beacon, dict[str, str]]]:
    with beacon() as target:
        expected = planted_library(tmp_path / "photos", target.url)
        settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
        Library(settings).index([str(tmp_path / "photos")])
        with serve(settings) as url:
            yield url, target, expected, settings


def details_of_every_card(page, gallery: str) -> str:
    """Click each card of a gallery and collect the detail view's text for each: the
    metadata, and for an AI image its generation section (the prompt box and settings)."""
    from playwright.sync_api import expect

    cards = page.locator(f"{gallery} img")
    expect(cards).to_have_count(4)
    view = page.locator("#viewer-meta")
    seen: list[str] = []
    seen_text: list[str] = []
    for n in range(4):
        cards.nth(n).click()
        expect(page.locator("#viewer")).to_be_visible()  # opened
        for content_id in seen:  # wait for this card's own detail, not the last one's
            expect(view).not_to_contain_text(content_id)
        expect(view).to_contain_text(re.compile(r"Content id: [0-9a-f]{32}"))
        text = view.inner_text()
        seen.append(re.search(r"Content id: ([0-9a-f]{32})", text).group(1))
        prompt = page.locator("#viewer-prompt textarea")
        if prompt.count() and prompt.is_visible():
            text += "\n" + prompt.input_value()
            text += "\n" + page.locator("#viewer-generation").inner_text()
        seen_text.append(text)
        page.keyboard.press("Escape")  # the viewer lies over the gallery
        expect(page.locator("#viewer")).to_be_hidden()
    return "\n".join(seen_text[-4:])


def every_image_in_the_rate_tab(page) -> str:
    """Skip through the Rate tab's unrated queue and collect what it shows of each image."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Rate").click()
    page.locator("#rate-start").click()
    meta = page.locator("#rate-meta")
    seen: list[str] = []
    texts: list[str] = []
    for n in range(4):
        if n:
            page.keyboard.press("s")
        for content_id in seen:
            expect(meta).not_to_contain_text(content_id)
        expect(meta).to_contain_text(re.compile(r"Content id: [0-9a-f]{32}"))
        text = meta.inner_text()
        seen.append(re.search(r"Content id: ([0-9a-f]{32})", text).group(1))
        texts.append(text)
    return "\n".join(texts)


def name_in_the_trash_view(page, settings: Settings, name: str) -> str:
    """Trash the planted file through the core, then read the Trash view's listing."""
    from playwright.sync_api import expect

    from indexing.curate.trash import Trash

    library = Library(settings)
    with library.open_catalog() as catalog:
        [root] = catalog.roots()
        Trash(catalog).trash([str(Path(root) / name)])
    page.get_by_role("tab", name="Filters").click()
    page.get_by_role("tab", name="Trash").click()
    page.locator("#trash-refresh").click()
    listing = page.locator("#trash-listing")
    expect(listing).to_contain_text("photos/b`")  # the whole name: asserted by the caller
    return listing.inner_text()


def test_names_exif_and_prompts_are_literal_text_everywhere(app) -> None:
    from playwright.sync_api import expect

    url, target, expected, settings = app
    with open_page(url) as page:
        library = details_of_every_card(page, "#library-gallery")
        page.get_by_text("Indexing errors").click()
        expect(page.locator("#index-errors")).to_contain_text(expected["bad"])
        errors = page.locator("#index-errors").inner_text()

        page.get_by_role("tab", name="Search").click()
        page.locator("#search-text textarea, #search-text input").first.fill("a fox")
        page.locator("#search-run").click()
        search = details_of_every_card(page, "#search-gallery")

        page.get_by_role("tab", name="Filters").click()
        filters = details_of_every_card(page, "#filters-gallery")

        rate = every_image_in_the_rate_tab(page)
        trash = name_in_the_trash_view(page, settings, expected["name"])

    for view in (library, search, filters, rate):
        assert expected["name"] in view  # the whole name, back-ticks and all
        assert expected["make"] in view
        assert expected["prompt"] in view  # the stars stay stars: no emphasis either
        assert expected["newline"] in view  # one name on one line, its new line made visible
    assert expected["name"] in trash
    assert "&amp;" not in errors and "&lt;" not in errors  # escaped once, not twice
    assert target.requests == []  # no image, link or font was fetched from the beacon

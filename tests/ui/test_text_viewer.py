"""The viewer's "Text in the image" section in the browser: the text read is shown and can
be selected and copied, the words asked for are outlined on the image (and the outline goes
again), and an image without text has no such section."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from indexing.library import Library
from indexing.settings import Settings
from tests.browser import free_port, highlight_mask, open_page, serve, settled, yellow_pixels
from tests.conftest import tiny_clip_env
from tests.library_builder import LibraryBuilder
from tests.text_images import draw_lines, fonts, plain_photo

pytestmark = pytest.mark.skipif(not fonts(), reason="needs fonts-dejavu-core, fonts-liberation")
SHOTS = Path("/work/notes/shots")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("text-viewer")
    with pytest.MonkeyPatch.context() as env:
        tiny_clip_env(env, home)
        library = LibraryBuilder(home / "library")
        lines = ["Booking code QX7421 confirmed", "Gate 14 boarding 09:40"]
        sign = draw_lines(Image.new("RGB", (900, 500), "white"), lines, fonts()[0], 34, (0, 0, 0))
        library.save("a-booking.png", sign)
        library.save("b-beach.jpg", plain_photo(2, (900, 600)), quality=90)
        settings = Settings(
            data_dir=home / "data", port=free_port(), threads=2, embed=False, ocr=True
        )
        summary = Library(settings).index([str(library.root)])
        assert summary.text is not None and summary.text["with_text"] == 1
        with serve(settings) as url:
            yield url


def open_image(page, name: str) -> None:
    """Open the viewer on the library's card of the file called name."""
    from playwright.sync_api import expect

    cards = page.locator("#library-gallery img")
    expect(cards).to_have_count(2)
    meta = page.locator("#viewer-meta")
    for n in range(2):
        cards.nth(n).click()
        expect(page.locator("#viewer")).to_be_visible()
        expect(meta).to_contain_text(re.compile(r"a-booking\.png|b-beach\.jpg"))
        if name in meta.inner_text():
            return
        page.keyboard.press("Escape")
        expect(page.locator("#viewer")).to_be_hidden()
    pytest.fail(f"{name} was never shown")


def only_the_code(png: bytes) -> str | None:
    """None when the outline lies in the top line's right half (the code QX7421), else
    where it lies."""
    mask = highlight_mask(png)
    ys, xs = np.nonzero(mask)
    if len(ys) and ys.max() < mask.shape[0] * 0.5 and xs.min() > mask.shape[1] * 0.2:
        return None
    if not len(ys):
        return "no outline"
    return f"outline at x {xs.min()}-{xs.max()}, y {ys.min()}-{ys.max()} of {mask.shape}"


def settled_as(image, wrong, seconds: float = 20.0) -> bytes:
    """The image's screenshot once wrong(shot) is None, or the test fails with the last
    thing wrong(shot) said. Each look is a fresh screenshot of the drawn picture."""
    deadline = time.monotonic() + seconds
    shot = settled(image)
    while (problem := wrong(shot)) is not None:
        if time.monotonic() > deadline:
            served = image.page.request.get(image.get_attribute("src") or "").body()
            as_served = wrong(_png(served)) or "the code alone"
            pytest.fail(f"the outlined picture on screen: {problem}; the file served: {as_served}")
        shot = image.screenshot()
    return shot


def _png(data: bytes) -> bytes:
    """A picture file of any format, as PNG bytes."""
    import io

    out = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(out, "PNG")
    return out.getvalue()


@pytest.mark.browser
def test_the_viewer_shows_the_text_copies_it_and_outlines_the_words_asked_for(served) -> None:
    from playwright.sync_api import expect

    with open_page(served, height=800, width=1280) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=served)
        open_image(page, "a-booking.png")
        text = page.locator("#viewer-text textarea")
        expect(text).to_have_value(re.compile(r"Booking code QX7421 confirmed\nGate 14"))
        expect(page.locator("#viewer-text-summary")).to_contain_text("2 lines of text read")
        assert text.is_editable() is False  # read only, but selectable:
        text.select_text()
        selected = text.evaluate("el => el.value.substring(el.selectionStart, el.selectionEnd)")
        assert selected.startswith("Booking code QX7421")

        page.locator("#viewer-copy-text").click()
        expect(page.locator("#viewer-copy-text")).to_have_text("Copied ✓")
        assert page.evaluate("navigator.clipboard.readText()").startswith("Booking code QX7421")

        image = page.locator("#viewer-image img")
        before = image.get_attribute("src")
        assert yellow_pixels(image.screenshot()) == 0
        words = page.locator("#viewer-text-words input, #viewer-text-words textarea").first
        words.fill("qx7421")
        expect(words).to_have_value("qx7421")  # what the user typed is what is outlined
        page.locator("#viewer-text-show").click()
        expect(image).not_to_have_attribute("src", before or "")
        # Only the code is outlined: the outline lies in the top line's right half. (A
        # picture still arriving can show for a moment as another: judged as it settles.)
        outlined = settled_as(image, only_the_code)
        assert yellow_pixels(outlined) > 50
        expect(words).to_have_value("qx7421")  # no late refill of the section emptied it
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "ocr-viewer-text-1280x800.png"))

        page.locator("#viewer-text-hide").click()
        expect(image).to_have_attribute("src", before or "")  # the plain preview again
        assert yellow_pixels(settled(image)) == 0

        page.set_viewport_size({"width": 390, "height": 844})
        page.locator("#viewer-text").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "ocr-viewer-text-390x844.png"), full_page=False)

        page.keyboard.press("Escape")
        expect(page.locator("#viewer")).to_be_hidden()


@pytest.mark.browser
def test_an_image_without_text_has_no_text_section(served) -> None:
    from playwright.sync_api import expect

    with open_page(served, height=800, width=1280) as page:
        open_image(page, "a-booking.png")
        expect(page.locator("#viewer-text")).to_be_visible()
        page.keyboard.press("Escape")
        open_image(page, "b-beach.jpg")
        expect(page.locator("#viewer-text")).to_be_hidden()


@pytest.mark.browser
def test_the_text_facet_filters_and_the_library_tab_says_what_was_read(served) -> None:
    from playwright.sync_api import expect

    from tests.ui.test_ui_metadata import choose, option_labels

    with open_page(served, height=800, width=1280) as page:
        page.get_by_role("button", name="Text in images").click()  # the Library tab's panel
        status = page.locator("#ocr-status")
        expect(status).to_contain_text("2 images read, 1 with text")
        expect(page.locator("#ocr-enabled input")).to_be_checked()

        page.get_by_role("tab", name="Filters").click()
        expect(page.locator("#filters-gallery img")).to_have_count(2)
        picker = "filters-facet-text"
        assert option_labels(page, picker) == ["With text (1)", "Without text (1)"]
        gallery = page.locator("#filters-gallery img")
        for label, name in (
            ("With text (1)", "a-booking.png"),
            ("Without text (1)", "b-beach.jpg"),
        ):
            choose(page, picker, label)  # the other value stays listed: its count ignores it
            expect(gallery).to_have_count(1)
            gallery.first.click()
            expect(page.locator("#viewer-meta")).to_contain_text(name)
            page.keyboard.press("Escape")
            expect(page.locator("#viewer")).to_be_hidden()
        page.locator(f"#{picker}").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "ocr-filters-text-facet-1280x800.png"))

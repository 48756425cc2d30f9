"""The Filters tab in a real headless Chromium: set a filter and a sort, see the count and
the order change, open an image."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexing.library import Library
from indexing.settings import Settings
from tests.browser import free_port, open_page, serve
from tests.conftest import tiny_clip_env
from tests.library_builder import LibraryBuilder

pytestmark = pytest.mark.browser

SIZES = [(120, 90), (60, 160), (300, 100), (80, 80), (200, 150), (50, 40)]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One app for the module: the tests only filter, sort and look (a filter lives in the
    page's session, not in the library), and each opens its own page."""
    base = tmp_path_factory.mktemp("filters-ui")
    with pytest.MonkeyPatch.context() as env:
        tiny_clip_env(env, base)
        photos = LibraryBuilder(base / "photos")
        for n, size in enumerate(SIZES):
            photos.noise(f"album/pic{n}.png", size=size, seed=n)
        settings = Settings(data_dir=base / "data", port=free_port(), threads=2, embed=False)
        Library(settings).index([str(photos.root)])
        rate(settings, photos.root / "album" / "pic3.png", "ratings", "(?, 9, 0)")
        rate(
            settings, photos.root / "album" / "pic5.png", "predictions", "(?, 6.8, 'evaluator', 0)"
        )
        with serve(settings) as url:
            yield url


def rate(settings: Settings, path: Path, table: str, values: str) -> None:
    """A rating (yours, or the evaluator's) for the image at path, written as they would be."""
    conn = sqlite3.connect(settings.catalog_path)
    with conn:
        (content_id,) = conn.execute(
            "SELECT content_id FROM files WHERE path = ?", (str(path),)
        ).fetchone()
        columns = {
            "ratings": "(content_id, rating, rated_at)",
            "predictions": "(content_id, rating, model_id, at)",
        }[table]
        conn.execute(f"INSERT INTO {table}{columns} VALUES {values}", (content_id,))
    conn.close()


@pytest.fixture
def page(app_url: str):
    with open_page(app_url, height=1200) as page:
        yield page


def captions(page) -> list[str]:
    """The sizes on the gallery's cards, in order."""
    return re.findall(r"\d+×\d+", page.locator("#filters-gallery").inner_text())


def test_filter_and_sort_change_the_count_and_the_order(page, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Filters").click()
    count = page.locator("#filters-count")
    expect(count).to_contain_text("6 of 6 images")

    page.locator("#filters-min_width input").fill("100")
    page.locator("#filters-apply").click()
    expect(count).to_contain_text("3 of 6 images")

    page.locator("#filters-sort input").click()
    page.get_by_role("option", name="Width").click()
    expect(page.locator("#filters-gallery")).to_contain_text("300×100")
    wide_first = [f"{w}×{h}" for w, h in sorted((s for s in SIZES if s[0] >= 100), reverse=True)]
    page.wait_for_function(
        "expected => (document.querySelector('#filters-gallery').innerText.match(/\\d+×\\d+/g)"
        " || []).join(',') === expected",
        arg=",".join(wide_first),
    )
    assert captions(page) == wide_first

    page.locator("#filters-desc input").uncheck()
    narrow_first = list(reversed(wide_first))
    page.wait_for_function(
        "expected => (document.querySelector('#filters-gallery').innerText.match(/\\d+×\\d+/g)"
        " || []).join(',') === expected",
        arg=",".join(narrow_first),
    )
    assert captions(page) == narrow_first
    expect(count).to_contain_text("3 of 6 images")

    page.locator("#filters-gallery img").first.click()
    expect(page.locator("#viewer")).to_be_visible()  # opened
    expect(page.locator("#viewer-meta")).to_contain_text("120×90 PNG")
    page.screenshot(path=str(tmp_path / "filters.png"), full_page=True)


def test_a_bad_filter_is_explained(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Filters").click()
    expect(page.locator("#filters-count")).to_contain_text("6 of 6 images")
    page.locator("#filters-min_width input").fill("500")
    page.locator("#filters-max_width input").fill("100")
    page.locator("#filters-apply").click()
    expect(page.locator("#filters-message")).to_contain_text(
        "min_width (500) is greater than max_width (100)"
    )
    page.locator("#filters-exclude-text textarea, #filters-exclude-text input").first.fill("nsfw")
    page.locator("#filters-max_width input").fill("")
    page.locator("#filters-apply").click()
    expect(page.locator("#filters-message")).to_contain_text("needs CLIP vectors")
    page.locator("#filters-exclude-text textarea, #filters-exclude-text input").first.fill("")
    page.locator("#filters-min_width input").fill("")
    page.locator("#filters-min_pixels input").fill("99999999999999999999999")
    page.locator("#filters-apply").click()
    expect(page.locator("#filters-message")).to_contain_text("min_pixels")
    expect(page.locator("#filters-message")).to_contain_text("is too large")


def test_reshuffle_picks_a_new_seed_and_keeps_every_image(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Filters").click()
    expect(page.locator("#filters-count")).to_contain_text("6 of 6 images")
    seed = page.locator("#filters-seed input")
    page.locator("#filters-reshuffle").click()
    expect(seed).not_to_have_value("0")
    expect(page.locator("#filters-sort input")).to_have_value("Random")
    page.locator("#filters-gallery img").nth(5).wait_for()
    assert sorted(captions(page)) == sorted(f"{w}×{h}" for w, h in SIZES)


def test_rating_sort_shows_whose_rating_each_card_has(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Filters").click()
    expect(page.locator("#filters-count")).to_contain_text("6 of 6 images")
    page.locator("#filters-sort input").click()
    page.get_by_role("option", name="Rating (yours, else predicted)").click()
    page.wait_for_function(  # yours (9), then predicted (6.8), then the unrated
        "() => (document.querySelector('#filters-gallery').innerText.match(/\\d+×\\d+/g)"
        " || []).slice(0, 2).join(',') === '80×80,50×40'"
    )
    text = page.locator("#filters-gallery").inner_text()
    assert text.index("80×80 · ") < text.index("9 ★ yours") < text.index("50×40 · ")
    assert text.index("50×40 · ") < text.index("6.8 predicted")
    assert text.count("★") == 1 and text.count("predicted") == 1
    assert sorted(captions(page)[2:]) == sorted(
        f"{w}×{h}" for w, h in SIZES if (w, h) not in ((80, 80), (50, 40))
    )


def test_the_timeline_counts_what_the_filters_let_through_as_its_show_does(page) -> None:
    """One rule for both: with a filter set, a month counts what Show then lists."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Filters").click()
    count = page.locator("#filters-count")
    expect(count).to_contain_text("6 of 6 images")
    page.locator("#filters-min_width input").fill("100")
    page.locator("#filters-apply").click()
    expect(count).to_contain_text("3 of 6 images")

    page.get_by_role("tab", name="Timeline").click()
    caption = page.locator("#timeline-caption-0")
    expect(caption).to_contain_text("3 images")
    expect(page.locator("#timeline-status")).to_contain_text("Counting only what the filters")
    expect(page.locator("#timeline-strip-0 img")).to_have_count(3)
    page.locator("#timeline-show-0").click()
    expect(count).to_contain_text("3 of 6 images")
    expect(page.locator("#filters-gallery img")).to_have_count(3)


def test_clear_filters_puts_every_filter_back_and_lists_everything(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Filters").click()
    count = page.locator("#filters-count")
    expect(count).to_contain_text("6 of 6 images")
    page.locator("#filters-min_width input").fill("100")
    page.locator("#filters-min_width input").press("Enter")
    expect(count).to_contain_text("3 of 6 images")
    page.locator("#filters-from input, #filters-from textarea").first.fill("2000-01-01")
    page.locator("#filters-kind").get_by_label("Images", exact=True).check()
    page.locator("#filters-sort input").click()
    page.get_by_role("option", name="Width").click()
    expect(page.locator("#filters-gallery")).to_contain_text("300×100")

    page.locator("#filters-clear").click()
    expect(count).to_contain_text("6 of 6 images")
    expect(page.locator("#filters-gallery img")).to_have_count(6)
    expect(page.locator("#filters-min_width input")).to_have_value("")
    expect(page.locator("#filters-from input, #filters-from textarea").first).to_have_value("")
    expect(page.locator("#filters-kind").get_by_label("Images and videos")).to_be_checked()
    expect(page.locator("#filters-sort input")).to_have_value("Date taken")

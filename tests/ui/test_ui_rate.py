"""The Rate tab in a real browser: keys, undo, nudging a prediction, best-of-N, two tabs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexing.library import Library
from indexing.settings import Settings
from tests.browser import free_port, open_page, serve
from tests.library_builder import smooth_image

pytestmark = pytest.mark.browser


def ratings(settings: Settings) -> dict[str, float]:
    conn = sqlite3.connect(settings.catalog_path)
    try:
        rows = conn.execute("SELECT content_id, rating FROM ratings").fetchall()
    finally:
        conn.close()
    return dict(rows)


def sql(settings: Settings, statement: str, *params) -> list[tuple]:
    conn = sqlite3.connect(settings.catalog_path)
    try:
        with conn:
            return conn.execute(statement, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def app(tmp_path: Path, pictor_env: Path) -> Iterator[tuple[str, Settings, Path]]:
    photos = tmp_path / "photos"
    photos.mkdir()
    for n in range(8):
        smooth_image((160, 120), seed=n).save(photos / f"p{n}.jpg", quality=90)
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
    Library(settings).index([str(photos)])
    with serve(settings) as url:
        yield url, settings, photos


def start_scoring(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Rate").click()
    page.locator("#rate-start").click()
    expect(page.locator("#rate-progress")).to_contain_text("rated 0 · 7 to go")


def press_and_wait(page, key: str, progress: str) -> None:
    from playwright.sync_api import expect

    page.keyboard.press(key)
    expect(page.locator("#rate-progress")).to_contain_text(progress)


def test_rate_five_by_keys_and_undo_one(app) -> None:
    from playwright.sync_api import expect

    url, settings, _ = app
    with open_page(url) as page:
        start_scoring(page)
        for count, key in enumerate("785t9", start=1):
            press_and_wait(page, key, f"rated {count} ·")
        assert sorted(ratings(settings).values()) == [5.0, 7.0, 8.0, 9.0, 10.0]
        page.keyboard.press("z")
        expect(page.locator("#rate-message")).to_contain_text("Undone: back to no rating")
        expect(page.locator("#rate-progress")).to_contain_text("rated 4 ·")
        assert sorted(ratings(settings).values()) == [5.0, 7.0, 8.0, 10.0]
        press_and_wait(page, "3", "rated 5 ·")  # the undone image, rated again
        assert sorted(ratings(settings).values()) == [3.0, 5.0, 7.0, 8.0, 10.0]
        page.keyboard.press("ArrowLeft")  # back to the last rated image, to re-rate it
        expect(page.locator("#rate-meta")).to_contain_text("Your rating: 3")
        page.keyboard.press("6")  # re-rated: the image changes, the count does not
        expect(page.locator("#rate-meta")).not_to_contain_text("Your rating: 3")
        expect(page.locator("#rate-progress")).to_contain_text("rated 5 ·")
        assert sorted(ratings(settings).values()) == [5.0, 6.0, 7.0, 8.0, 10.0]
        page.screenshot(path=str(Path(settings.data_dir).parent / "rate.png"))


def test_the_image_being_rated_opens_in_the_viewer_and_its_keys_rest_meanwhile(app) -> None:
    from playwright.sync_api import expect

    url, settings, _ = app
    with open_page(url) as page:
        start_scoring(page)
        page.locator("#rate-details").click()
        viewer = page.locator("#viewer")
        expect(viewer).to_be_visible()
        expect(page.locator("#viewer-title")).to_contain_text("From the Rate tab")
        expect(page.locator("#viewer-meta")).to_contain_text("Content id")
        page.keyboard.press("7")  # the viewer is open: not a score
        page.keyboard.press("Escape")
        expect(viewer).to_be_hidden()
        press_and_wait(page, "4", "rated 1 ·")  # answered after the 7, had it been sent
    assert list(ratings(settings).values()) == [4.0]


def test_keys_never_fire_while_typing(app) -> None:
    from playwright.sync_api import expect

    url, settings, _ = app
    with open_page(url) as page:
        start_scoring(page)
        box = page.locator("#rate-folder textarea, #rate-folder input").first
        box.click()
        box.type("7z")
        expect(box).to_have_value("7z")
        page.get_by_text("Keys:", exact=False).first.click()  # leave the box: keys work again
        press_and_wait(page, "4", "rated 1 ·")
        page.keyboard.press("Enter")  # no prediction and no rating: nothing to accept
        expect(page.locator("#rate-message")).to_contain_text("Nothing to accept")
    assert list(ratings(settings).values()) == [4.0]


def test_a_prediction_is_nudged_and_accepted(app) -> None:
    from playwright.sync_api import expect

    url, settings, _ = app
    sql(settings, "INSERT INTO predictions(content_id, rating, model_id, at) "
        "SELECT content_id, 6.8, 'evaluator-test', 0 FROM images")  # fmt: skip
    with open_page(url) as page:
        start_scoring(page)
        expect(page.locator("#rate-predicted")).to_contain_text("predicted 6.8")
        page.keyboard.press("]")
        expect(page.locator("#rate-pending input")).to_have_value("6.9")
        page.keyboard.press("}")
        expect(page.locator("#rate-pending input")).to_have_value("7.9")
        press_and_wait(page, "Enter", "rated 1 ·")
        press_and_wait(page, "Enter", "rated 2 ·")  # accepting the prediction as it is
    assert sorted(ratings(settings).values()) == [6.8, 7.9]


def test_best_of_two_with_a_missing_file_skips_the_set(app) -> None:
    from playwright.sync_api import expect

    url, settings, photos = app
    for gone in sorted(photos.glob("*.jpg"))[1:]:
        gone.unlink()  # one image left on disk: every pair has a missing file
    with open_page(url) as page:
        page.get_by_role("tab", name="Rate").click()
        page.get_by_label("Best of 2").check()
        expect(page.locator("#pref-message")).to_contain_text("missing on disk")
        expect(page.locator("#pref-gallery")).to_contain_text("file missing")
        page.keyboard.press("1")
        expect(page.locator("#pref-message")).to_contain_text("That set was skipped")
        page.keyboard.press("e")
        expect(page.locator("#pref-message")).to_contain_text("That set was skipped")
    assert sql(settings, "SELECT COUNT(*) FROM preferences") == [(0,)]


def test_best_of_two_records_the_choice(app) -> None:
    from playwright.sync_api import expect

    url, settings, _ = app
    with open_page(url) as page:
        page.get_by_role("tab", name="Rate").click()
        page.get_by_label("Best of 2").check()
        expect(page.locator("#pref-gallery img")).to_have_count(2)
        page.keyboard.press("2")
        expect(page.locator("#pref-message")).to_contain_text("image 2 is your favourite")
        page.keyboard.press("e")
        expect(page.locator("#pref-message")).to_contain_text("equally good")
    assert sql(settings, "SELECT outcome, COUNT(*) FROM preferences GROUP BY outcome") == [
        ("tie", 1),
        ("win", 1),
    ]


def test_two_tabs_rating_at_once_lose_nothing(app) -> None:
    url, settings, _ = app
    with open_page(url) as first:
        second = first.context.browser.new_page(viewport={"width": 1400, "height": 1000})
        second.goto(url)
        start_scoring(first)
        start_scoring(second)
        for count in range(1, 4):
            press_and_wait(first, "6", f"rated {count} ·")
            press_and_wait(second, "2", f"rated {count} ·")
    values = sorted(ratings(settings).values())
    assert len(values) >= 3 and set(values) <= {2.0, 6.0}
    history = sql(settings, "SELECT COUNT(*) FROM rating_history")
    assert history == [(6,)]  # six ratings given, six kept (the same image twice is fine)


def test_rating_from_the_detail_view(app) -> None:
    from playwright.sync_api import expect

    url, settings, _ = app
    with open_page(url) as page:
        page.locator("#library-gallery img").first.click()
        expect(page.locator("#viewer")).to_be_visible()  # opened
        expect(page.locator("#viewer-meta")).to_contain_text("Content id")
        page.locator("#viewer-score input").fill("7.5")
        page.locator("#viewer-save-rating").click()
        expect(page.locator("#viewer-rating-message")).to_contain_text("Saved: 7.5")
        expect(page.locator("#viewer-meta")).to_contain_text("Your rating: 7.5")
        assert list(ratings(settings).values()) == [7.5]
        page.locator("#viewer-clear-rating").click()
        expect(page.locator("#viewer-rating-message")).to_contain_text("Rating cleared")
    assert ratings(settings) == {}


def test_rate_these_hands_search_and_filter_results_to_the_rate_tab(app) -> None:
    from playwright.sync_api import expect

    url, settings, _ = app
    wide = sql(settings, "SELECT content_id FROM images ORDER BY content_id LIMIT 3")
    for (content_id,) in wide:  # three images pass the filter below
        sql(settings, "UPDATE images SET width = 5000 WHERE content_id = ?", content_id)
    with open_page(url) as page:
        page.get_by_role("tab", name="Search").click()
        page.locator("#search-text textarea, #search-text input").first.fill("a photo")
        page.locator("#search-run").click()
        expect(page.locator("#search-gallery img")).to_have_count(8)
        page.locator("#search-rate-these").click()
        expect(page.locator("#rate-queue input")).to_have_value("Search results")
        expect(page.locator("#rate-progress")).to_contain_text("rated 0 · 7 to go")

        page.get_by_role("tab", name="Filters").click()
        page.locator("#filters-min_width input").fill("4000")
        page.locator("#filters-rate-these").click()
        expect(page.locator("#rate-queue input")).to_have_value("Filters results")
        expect(page.locator("#rate-progress")).to_contain_text("rated 0 · 2 to go")
        press_and_wait(page, "8", "rated 1 · 1 to go")
    [(rated,)] = sql(settings, "SELECT content_id FROM ratings")
    assert (rated,) in wide

"""The Events view in a real browser (Library → Events): photos with EXIF dates and GPS (days
at home in Berlin, a trip to Lisbon, more home, a trip to Rome) give exactly two cards,
named by place and dates; one is accepted under a new name (an album with its photos), the
other dismissed (gone after a refresh); then that album is exported to a folder, with
progress. At 1280×800 and 390×844, the cards and buttons fit the screen."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from indexing.settings import Settings
from tests.browser import free_port, open_page, serve
from tests.conftest import tiny_clip_env
from tests.event_photos import BERLIN, LISBON, ROME, days, shoot

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("PICTOR_SCREENSHOTS")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    home = tmp_path_factory.mktemp("events-ui")
    photos = home / "photos"
    shots = (
        days(datetime(2023, 7, 1), 11, 2, BERLIN)
        + days(datetime(2023, 7, 12), 4, 5, LISBON)  # 20 photos
        + days(datetime(2023, 7, 16), 25, 2, BERLIN)
        + days(datetime(2023, 8, 10), 3, 6, ROME)  # 18 photos
        + days(datetime(2023, 8, 13), 5, 2, BERLIN)
    )
    for n, (taken, place) in enumerate(shots):
        shoot(photos / f"{taken:%Y-%m}" / f"p{n:03d}.jpg", taken, place, n)
    with pytest.MonkeyPatch.context() as env:
        tiny_clip_env(env, home)
        env.setenv("HOME", str(home))
        env.setenv("PICTOR_EMBED", "false")
        settings = Settings(data_dir=home / "data", port=free_port(), threads=2)
        from indexing.library import Library

        Library(settings).index([str(photos)])
        with serve(settings) as url:
            yield url, home


def save_shot(page, home: Path, name: str) -> None:
    for folder in [home / "shots", *([Path(SHOTS)] if SHOTS else [])]:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=folder / name, full_page=True)


def test_the_events_view_fits_a_phone(app_url):
    from playwright.sync_api import expect

    url, home = app_url
    with open_page(url, height=844, width=390) as page:
        page.get_by_text("Events", exact=True).first.click()
        expect(page.locator("#events-summary")).to_contain_text("2 proposals")  # run first
        captions = page.locator("#events-cards .caption-label, #events-cards .caption")
        assert captions.first.evaluate("e => e.scrollWidth <= e.clientWidth")
        first, second = (c.bounding_box() for c in captions.all())
        # Two cards to a row: the captions start on one line (a caption of three lines
        # beside one of two may sit a fraction of a pixel lower).
        assert first and second and abs(first["y"] - second["y"]) < 2
        assert second["x"] >= first["x"] + first["width"]
        for element in ("#events-refresh", "#events-name", "#export-run", "#export-to"):
            box = page.locator(element).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, element
        page.locator("#events-view").scroll_into_view_if_needed()
        save_shot(page, home, "events-390x844.png")


def test_accept_dismiss_and_export_from_the_events_view(app_url):
    from playwright.sync_api import expect

    url, home = app_url
    with open_page(url, height=800, width=1280) as page:
        page.get_by_text("Events", exact=True).first.click()
        captions = page.locator("#events-cards .caption-label, #events-cards .caption")
        expect(captions).to_have_count(2)
        assert [c.inner_text() for c in captions.all()] == [
            "Lisbon, 12–15 July 2023 · 20 photos",
            "Rome, 10–12 August 2023 · 18 photos",
        ]
        cards = page.locator("#events-cards .thumbnail-item, #events-cards button img")
        box = cards.first.bounding_box()
        assert box is not None and 100 < box["width"] < 640  # a cover to see, not a poster
        cover = page.locator("#events-cards .thumbnail-item img").first.bounding_box()
        label = captions.first.bounding_box()  # the title is shown whole, under the cover
        assert cover and label and label["y"] >= cover["y"] + cover["height"] - 1
        assert captions.first.evaluate("e => e.scrollWidth <= e.clientWidth")
        page.locator("#events-view").scroll_into_view_if_needed()
        save_shot(page, home, "events-1280x800.png")
        cards.first.click()
        name = page.locator("#events-name textarea, #events-name input").first
        expect(name).to_have_value("Lisbon, 12–15 July 2023")
        name.fill("Lisbon trip")
        page.locator("#events-accept").click()
        expect(page.locator("#events-message")).to_contain_text("Made the album Lisbon trip")
        expect(captions).to_have_count(1)
        cards.first.click()
        expect(name).to_have_value("Rome, 10–12 August 2023")
        page.locator("#events-dismiss").click()
        expect(page.locator("#events-message")).to_contain_text("Dismissed Rome")
        page.locator("#events-refresh").click()
        expect(page.locator("#events-summary")).to_contain_text("No event albums to propose")
        album = page.locator("#export-album input").first
        album.fill("Lisbon trip")
        album.press("Enter")
        page.locator("#export-to textarea, #export-to input").first.fill(str(home / "out"))
        page.locator("#export-run").click()
        expect(page.locator("#export-message")).to_contain_text("Exported 20 images")
    assert len(list((home / "out").glob("*.jpg"))) == 20

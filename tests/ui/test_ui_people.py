"""The People view in a real browser (Library → People): cards with faces, largest first;
a click shows that person's photos, which open in the shared viewer with the people named;
naming a person from the view. One app over the real faces for the module."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from indexing.settings import Settings
from tests.browser import free_port, open_page, serve
from tests.conftest import REPO_ROOT, tiny_clip_env

pytestmark = pytest.mark.browser
FACES = REPO_ROOT / "tests" / "assets" / "faces"
SHOTS = os.environ.get("PICTOR_SCREENSHOTS")  # read before the fixture clears PICTOR_*


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    home = tmp_path_factory.mktemp("people-ui")
    photos = home / "photos"
    shutil.copytree(FACES, photos, ignore=shutil.ignore_patterns("*.md"))
    with pytest.MonkeyPatch.context() as env:
        tiny_clip_env(env, home)
        env.setenv("HOME", str(home))
        env.setenv("PICTOR_EMBED", "false")
        env.setenv("PICTOR_FACES", "on")
        settings = Settings(data_dir=home / "data", port=free_port(), threads=2)
        from indexing.library import Library

        Library(settings).index([str(photos)])
        with serve(settings) as url:
            yield url, home


def shots(home: Path) -> list[Path]:
    folders = [home / "shots"]
    if SHOTS:
        folders.append(Path(SHOTS))
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders


def test_people_cards_name_and_open_a_photo(app_url):
    from playwright.sync_api import expect

    url, home = app_url
    with open_page(url, height=800, width=1280) as page:
        expect(page.locator("#library-stats")).to_contain_text(
            "Faces: 9 in 8 photos scanned, 4 people (0 named)"
        )
        page.get_by_text("People", exact=True).first.click()
        expect(page.locator("#people-enabled input")).to_be_checked()  # PICTOR_FACES is on
        cards = page.locator("#people-cards .thumbnail-item, #people-cards button img")
        expect(page.locator("#people-page")).to_contain_text("4 people")
        captions = page.locator("#people-cards .caption-label, #people-cards .caption")
        expect(captions.first).to_contain_text("Unnamed person · 4 photos")
        assert [c.inner_text() for c in captions.all()][1:] == [
            "Unnamed person · 3 photos", "Unnamed person · 1 photo", "Unnamed person · 1 photo"
        ]  # fmt: skip
        first = cards.first
        box = first.bounding_box()
        assert box is not None and box["width"] > 60  # a face to see, not a dot
        caption = captions.first
        assert caption.evaluate("e => e.scrollWidth <= e.clientWidth")  # the count shows whole
        first.click()
        expect(page.locator("#people-person")).to_contain_text("4 photos")
        photos = page.locator("#people-photos img")
        expect(photos).to_have_count(4)
        page.locator("#people-name textarea, #people-name input").first.fill("Barack Obama")
        page.locator("#people-save-name").click()
        expect(page.locator("#people-message")).to_contain_text("this is Barack Obama")
        expect(captions.first).to_contain_text("Barack Obama · 4 photos")
        for folder in shots(home):
            page.screenshot(path=folder / "people-1280x800.png", full_page=True)
        photos.first.click()
        expect(page.locator("#viewer-about")).to_contain_text("Barack Obama")
    with open_page(url, height=844, width=390) as page:
        page.get_by_text("People", exact=True).first.click()
        expect(page.locator("#people-page")).to_contain_text("4 people")
        card = page.locator("#people-cards .thumbnail-item, #people-cards button img").first
        box = card.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390  # no sideways scrolling
        for folder in shots(home):
            page.screenshot(path=folder / "people-390x844.png", full_page=True)

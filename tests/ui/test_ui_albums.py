"""The viewer's albums, tags and caption controls in a real headless Chromium: tag an image,
add it to a new album, write its caption, and see each reach the catalog."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from indexing.curate.albums import Albums
from indexing.curate.tags import Tags
from indexing.library import Library
from indexing.settings import Settings
from tests.browser import free_port, open_page, serve
from tests.library_builder import noise_image

pytestmark = pytest.mark.browser
SHOTS = Path("/work/notes/shots")


def test_the_viewer_tags_an_image_adds_it_to_an_album_and_captions_it(
    tmp_path: Path, pictor_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    monkeypatch.setenv("HOME", str(tmp_path))
    photos = tmp_path / "photos"
    photos.mkdir()
    for n in range(3):
        noise_image((160, 120), seed=n).save(photos / f"p{n}.jpg", quality=90)
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
    library = Library(settings)
    library.index([str(photos)])
    with library.open_catalog() as catalog:
        Tags(catalog).add("People/Ana", [library_ids(catalog)[0]])
    with serve(settings) as url, open_page(url, height=800, width=1280) as page:
        page.locator("#library-gallery img").first.click()
        page.locator("#viewer-meta").get_by_text("Content id").wait_for()
        tags = page.locator("#viewer-tags textarea, #viewer-tags input").first
        expect(tags).to_have_value("People/Ana")  # loaded with the image
        tags.fill("People/Ana, Places/Portugal/Lisbon")
        page.locator("#viewer-save-tags").click()
        expect(page.locator("#viewer-organise-message")).to_contain_text("Tags saved (2)")
        album = page.locator("#viewer-album input").first
        album.fill("Trips/Lisbon 2023")
        album.press("Enter")
        page.locator("#viewer-add-album").click()
        expect(page.locator("#viewer-organise-message")).to_contain_text(
            "Added to Trips/Lisbon 2023"
        )
        caption = page.locator("#viewer-caption textarea").first
        caption.fill("Tram 28 at dusk")
        page.locator("#viewer-save-caption").click()
        expect(page.locator("#viewer-organise-message")).to_contain_text("Caption saved")
        bad = "/Places"
        tags.fill(bad)
        page.locator("#viewer-save-tags").click()
        expect(page.locator("#viewer-organise-message")).to_contain_text("start or end")
        section = page.locator("#viewer-organise")
        section.scroll_into_view_if_needed()
        box = section.bounding_box()
        assert box is not None and box["width"] > 300  # on screen, not squeezed
        page.screenshot(path=str(tmp_path / "wide.png"))
        page.set_viewport_size({"width": 390, "height": 844})
        section.scroll_into_view_if_needed()
        narrow = section.bounding_box()
        assert narrow is not None and narrow["x"] >= 0 and narrow["x"] + narrow["width"] <= 390
        page.screenshot(path=str(tmp_path / "narrow.png"))
    with library.open_catalog() as catalog:
        shown = library_ids(catalog)[0]
        assert Tags(catalog).of(shown) == ["People/Ana", "Places/Portugal/Lisbon"]  # bad: no change
        assert Tags(catalog).caption(shown) == "Tram 28 at dusk"
        album = Albums(catalog).get("Trips/Lisbon 2023")
        assert Albums(catalog).items(album) == [shown]
    if SHOTS.is_dir():
        shutil.copy(tmp_path / "wide.png", SHOTS / "albums-viewer-1280x800.png")
        shutil.copy(tmp_path / "narrow.png", SHOTS / "albums-viewer-390x844.png")


def library_ids(catalog) -> list[str]:
    """The content ids in the Library gallery's order (newest first by the file's date)."""
    from indexing.query.filters import SortKey
    from indexing.query.listing import ListRequest, list_images

    request = ListRequest(sort=SortKey.taken, descending=True, page_size=60)
    return [item.content_id for item in list_images(catalog, request).items]

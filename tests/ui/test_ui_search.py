"""The Search tab in a real headless Chromium: text search, upload, find similar, bad input."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from indexing.library import Library
from indexing.settings import Settings
from tests.browser import free_port, open_page, serve
from tests.conftest import tiny_clip_env

pytestmark = pytest.mark.browser

SCORE = re.compile(r"^-?[01]\.\d{3}$")
DATED = re.compile(r"^-?[01]\.\d{3} · (\d{4}-\d{2}-\d{2})$")


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("search-ui") / "photos"
    (folder / "trip").mkdir(parents=True)
    rng = np.random.default_rng(11)
    for index in range(4):
        pixels = (rng.random((90, 120, 3)) * 255).astype("uint8")
        Image.fromarray(pixels).save(folder / "trip" / f"photo {index}.jpg", quality=90)
    shutil.copy(folder / "trip" / "photo 0.jpg", folder / "same as photo 0.jpg")
    for index in range(4):  # each its own date (no EXIF: the file's time); the copy, 0's
        when = datetime(2024 - index, 1 + index, 10, 12).timestamp()
        for name in [f"trip/photo {index}.jpg"] + (["same as photo 0.jpg"] if index == 0 else []):
            os.utime(folder / name, (when, when))
    return folder


@pytest.fixture(scope="module")
def app_url(photos: Path) -> Iterator[str]:
    """One app for the module: every test here only reads the library (an upload is a query,
    and the test checks that nothing is written), and each opens its own page (a new
    session), so indexing and starting the server once serves them all."""
    with pytest.MonkeyPatch.context() as env:
        tiny_clip_env(env, photos.parent)
        settings = Settings(data_dir=photos.parent / "data", port=free_port(), threads=2)
        summary = Library(settings).index([str(photos)])
        assert summary.embeddings is not None and summary.embeddings.embedded == 4
        with serve(settings) as url:
            yield url


@pytest.fixture
def page(app_url: str):
    with open_page(app_url, height=1000) as page:
        yield page


def captions(page) -> list[str]:
    text = page.locator("#search-gallery").inner_text()
    return [line.strip() for line in text.splitlines() if SCORE.match(line.strip())]


def test_text_search_shows_scored_results_and_detail(page, photos: Path) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Search").click()
    page.locator("#search-run").click()
    expect(page.locator("#search-status")).to_contain_text("Nothing to search for")
    page.locator("#search-text textarea, #search-text input").first.fill("a photo of a beach")
    page.locator("#search-run").click()
    expect(page.locator("#search-status")).to_contain_text("4 results", timeout=30_000)
    expect(page.locator("#search-gallery img")).to_have_count(4)
    scores = [float(s) for s in captions(page)]
    assert len(scores) == 4, "one result per content, the copy is not shown twice"
    assert scores == sorted(scores, reverse=True)
    page.locator("#search-gallery img").first.click()
    expect(page.locator("#viewer")).to_be_visible()  # opened
    detail = page.locator("#viewer-meta")
    expect(detail).to_contain_text("Content id", timeout=20_000)


def test_find_similar_from_the_library_and_from_a_result(page, photos: Path) -> None:
    from playwright.sync_api import expect

    thumbs = page.locator("#library-gallery img")
    expect(thumbs).to_have_count(4, timeout=30_000)
    thumbs.first.click()
    expect(page.locator("#viewer")).to_be_visible()  # opened
    expect(page.locator("#viewer-meta")).to_contain_text("Content id", timeout=20_000)
    page.locator("#viewer-find-similar").click()
    expect(page.get_by_role("tab", name="Search")).to_have_attribute("aria-selected", "true")
    status = page.locator("#search-status")
    expect(status).to_contain_text("Similar to the image you chose", timeout=30_000)
    expect(page.locator("#search-gallery img")).to_have_count(4)
    assert captions(page)[0] == "1.000", "the image itself comes first"
    page.locator("#search-gallery img").nth(2).click()
    expect(page.locator("#viewer")).to_be_visible()  # opened
    expect(page.locator("#viewer-meta")).to_contain_text("Content id", timeout=20_000)
    chosen = page.locator("#viewer-meta").inner_text()
    page.locator("#viewer-find-similar").click()
    page.locator("#search-gallery img").first.click()
    expect(page.locator("#viewer")).to_be_visible()  # opened
    expect(page.locator("#viewer-meta")).to_contain_text(
        re.search(r"Content id: (\w+)", chosen).group(1), timeout=20_000
    )
    assert captions(page)[0] == "1.000"


def test_uploaded_image_searches_and_bad_upload_is_explained(
    page, photos: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Search").click()
    upload = tmp_path / "upload" / "query.png"
    upload.parent.mkdir()
    Image.new("RGB", (60, 40), "orange").save(upload)
    before = sorted(p.name for p in photos.rglob("*"))
    page.locator("#search-image input[type=file]").set_input_files(str(upload))
    page.locator("#search-run").click()
    expect(page.locator("#search-status")).to_contain_text("4 results", timeout=30_000)
    assert len(captions(page)) == 4
    assert sorted(p.name for p in photos.rglob("*")) == before, "nothing written to the library"
    page.locator("#search-image button[aria-label='Clear']").first.click()
    fake = tmp_path / "upload" / "fake.png"
    fake.write_text("this is not a picture")
    page.locator("#search-image input[type=file]").set_input_files(str(fake))
    page.locator("#search-run").click()
    expect(page.locator("#search-status")).to_contain_text("not an image", timeout=30_000)


def search_box(page):
    return page.locator("#search-text textarea, #search-text input").first


def test_find_similar_replaces_the_uploaded_image_and_search_reruns_it(
    page, photos: Path, tmp_path: Path
) -> None:
    """After Find similar, the upload box shows the chosen image and no earlier upload, and
    pressing Search runs that query again, not the earlier one."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Search").click()
    upload = tmp_path / "upload" / "orange.png"
    upload.parent.mkdir()
    Image.new("RGB", (60, 40), "orange").save(upload)
    page.locator("#search-image input[type=file]").set_input_files(str(upload))
    search_box(page).fill("a photo")
    page.locator("#search-run").click()
    expect(page.locator("#search-status")).to_contain_text("4 results", timeout=30_000)
    assert captions(page)[0] != "1.000", "orange is not in the library"
    box = page.locator("#search-image")
    expect(box.get_by_role("cell", name="orange.png", exact=True)).to_be_visible()
    page.locator("#search-gallery img").nth(1).click()
    meta = page.locator("#viewer-meta")
    expect(meta).to_contain_text("Content id", timeout=20_000)
    chosen = re.search(r"Content id: (\w+)", meta.inner_text()).group(1)
    name = next(p.stem for p in photos.rglob("*.jpg") if p.name in meta.inner_text())
    page.locator("#viewer-find-similar").click()
    status = page.locator("#search-status")
    expect(status).to_contain_text("Similar to the image you chose", timeout=30_000)
    expect(box.get_by_role("cell", name=f"{name}.jpg", exact=True)).to_be_visible()
    expect(box.get_by_role("cell", name="orange.png", exact=True)).to_have_count(0)
    expect(search_box(page)).to_have_value("")
    similar = captions(page)
    assert similar[0] == "1.000"
    page.locator("#search-run").click()
    expect(status).to_contain_text("Similar to the image you chose", timeout=30_000)
    expect(page.locator("#search-gallery")).not_to_contain_text("orange")
    assert captions(page) == similar, "Search runs the query shown: the chosen image's"
    page.locator("#search-gallery img").first.click()
    expect(page.locator("#viewer-meta")).to_contain_text(chosen, timeout=20_000)


def test_slash_selects_the_old_query_so_typing_replaces_it(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Search").click()
    search_box(page).fill("an old query")
    page.locator("#search-status").click()  # out of the box: "/" is a key again
    page.keyboard.press("/")
    expect(search_box(page)).to_be_focused()
    page.keyboard.type("new words")
    expect(search_box(page)).to_have_value("new words")


SEMANTIC_ONLY = ("#search-image", "#search-not", "#search-weight", "#search-order",
                 "#search-min", "#search-taste")  # fmt: skip


def test_names_and_metadata_hide_the_controls_it_does_not_use(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Search").click()
    for selector in SEMANTIC_ONLY:
        expect(page.locator(selector)).to_be_visible()
    page.locator("#search-mode").get_by_label("Names and metadata", exact=True).check()
    for selector in SEMANTIC_ONLY:
        expect(page.locator(selector)).to_be_hidden()
    box = search_box(page).bounding_box()
    assert box is not None and box["width"] > 0, "the query box stays"
    page.locator("#search-mode").get_by_label("Both", exact=True).check()
    for selector in SEMANTIC_ONLY:
        expect(page.locator(selector)).to_be_visible()


def test_results_sort_by_date_newest_or_oldest_first(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Search").click()
    search_box(page).fill("a photo of a beach")
    page.locator("#search-order").get_by_label("Newest first", exact=True).check()
    page.locator("#search-run").click()
    status = page.locator("#search-status")
    expect(status).to_contain_text("4 results", timeout=30_000)
    expect(status).to_contain_text("newest first")
    gallery = page.locator("#search-gallery [data-testid='block-label']")
    expect(gallery).to_have_text("Results, newest first")

    def days() -> list[str]:
        text = page.locator("#search-gallery").inner_text()
        return [m.group(1) for line in text.splitlines() if (m := DATED.match(line.strip()))]

    newest = days()
    assert newest == ["2024-01-10", "2023-02-10", "2022-03-10", "2021-04-10"]
    page.locator("#search-order").get_by_label("Oldest first", exact=True).check()
    page.locator("#search-run").click()
    expect(status).to_contain_text("oldest first", timeout=30_000)
    assert days() == newest[::-1]
    expect(gallery).to_have_text("Results, oldest first")
    page.locator("#search-order").get_by_label("Best match", exact=True).check()
    page.locator("#search-run").click()
    expect(gallery).to_have_text("Results, best first", timeout=30_000)

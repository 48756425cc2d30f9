"""The Gradio app in a real headless Chromium: five tabs, add a folder, browse, inspect."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from indexing.settings import Settings
from tests.browser import free_port, open_page, serve

pytestmark = pytest.mark.browser


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    (folder / "trip").mkdir(parents=True)
    rng = np.random.default_rng(7)
    for index in range(3):
        pixels = (rng.random((120, 160, 3)) * 255).astype("uint8")
        Image.fromarray(pixels).save(folder / "trip" / f"photo {index}.jpg", quality=90)
    (folder / "notes.jpg").write_text("not an image")
    return folder


@pytest.fixture
def app_url(tmp_path: Path, pictor_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("HOME", str(tmp_path))  # the tests' folders lie inside the home
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
    with serve(settings) as url:
        yield url


@pytest.fixture
def page(app_url: str):
    with open_page(app_url, height=1000) as page:
        yield page


def test_five_tabs_exist(page) -> None:
    from playwright.sync_api import expect

    for name in ("Library", "Search", "Filters", "Rate", "Train"):
        expect(page.get_by_role("tab", name=name)).to_be_visible()
    page.get_by_role("tab", name="Search").click()
    expect(page.locator("#search-text")).to_be_visible()


def test_add_folder_indexes_and_shows_gallery_and_detail(
    page, photos: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page.locator("#folder-input textarea, #folder-input input").first.fill(str(photos))
    page.locator("#add-folder").click()
    progress = page.locator("#index-progress")
    progress.get_by_text(re.compile(r"Done in")).wait_for(timeout=60_000)
    assert "3 new" in progress.inner_text()
    assert "1 errors" in progress.inner_text()
    assert "Embeddings: 3 new, 0 failed, 0 waiting" in progress.inner_text()
    stats = page.locator("#library-stats")
    assert "3 images" in stats.inner_text()
    assert "JPEG 3" in stats.inner_text()
    assert "Embedded with pictor-tiny-clip@random: 3" in stats.inner_text()
    thumbs = page.locator("#library-gallery img")
    thumbs.nth(2).wait_for()
    assert thumbs.count() == 3
    thumbs.first.click()
    expect(page.locator("#viewer")).to_be_visible()  # opened
    detail = page.locator("#viewer-meta")
    detail.get_by_text("Content id").wait_for(timeout=20_000)
    text = detail.inner_text()
    assert "160×120 JPEG" in text
    assert str(photos / "trip") in text
    page.screenshot(path=str(tmp_path / "library.png"), full_page=True)


def test_bad_folder_gets_clear_message(page, tmp_path: Path) -> None:
    page.locator("#folder-input textarea, #folder-input input").first.fill(
        str(tmp_path / "nowhere")
    )
    page.locator("#add-folder").click()
    page.locator("#index-progress").get_by_text("folder not found").wait_for(timeout=20_000)


def test_a_folder_outside_home_is_indexed_only_once_confirmed(
    page, photos: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Outside the home (tmp_path here) and the library's folders, even through a link in
    the home, Add folder asks first; Cancel adds nothing, "Index it" adds it. Inside the
    home it is added at once."""
    from playwright.sync_api import expect

    outside = tmp_path_factory.mktemp("outside")
    Image.new("RGB", (40, 30), "red").save(outside / "red.png")
    link = tmp_path / "link"
    link.symlink_to(outside)
    folder_input = page.locator("#folder-input textarea, #folder-input input").first
    question = page.locator("#add-confirm-text")
    stats = page.locator("#library-stats")
    expect(stats).to_contain_text("Folders: none yet")

    folder_input.fill(str(link))
    page.locator("#add-folder").click()
    expect(question).to_be_visible()
    expect(page.locator("#add-yes")).to_be_in_viewport()
    expect(question).to_contain_text(
        f"{outside.resolve()} is outside your home folder and your library folders."
    )
    page.locator("#add-no").click()
    expect(question).to_be_hidden()
    page.reload()  # what the catalog holds: nothing was added
    expect(page.locator("#library-stats")).to_contain_text("Folders: none yet")

    folder_input.fill(str(photos))
    page.locator("#add-folder").click()
    expect(page.locator("#index-progress")).to_contain_text("3 new", timeout=60_000)
    expect(question).to_be_hidden()

    folder_input.fill(str(outside))
    page.locator("#add-folder").click()
    expect(question).to_be_visible()
    expect(page.locator("#index-progress")).to_have_text("")
    page.locator("#add-yes").click()
    expect(page.locator("#index-progress")).to_contain_text("1 new", timeout=60_000)
    expect(question).to_be_hidden()
    expect(stats).to_contain_text(str(outside))
    expect(stats).to_contain_text("4 images")


def test_random_weights_warning_and_model_switch(page) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#random-weights-warning")).to_contain_text("random weights")
    page.get_by_text("Model settings").click()
    pretrained = page.locator("#model-pretrained textarea, #model-pretrained input").first
    expect(pretrained).to_have_value("random")  # the accordion has rendered its fields
    pretrained.fill("some_other_tag")
    expect(pretrained).to_have_value("some_other_tag")
    pretrained.press("Tab")
    page.locator("#model-apply").click()
    expect(page.locator("#model-current")).to_contain_text("@some_other_tag")
    expect(page.locator("#random-weights-warning")).not_to_contain_text("random weights")


def test_paging_through_the_gallery(page, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    folder = tmp_path / "many"
    folder.mkdir()
    rng = np.random.default_rng(3)
    for index in range(50):  # one more page than the 48 a page shows
        pixels = (rng.random((24, 32, 3)) * 255).astype("uint8")
        Image.fromarray(pixels).save(folder / f"img{index:02d}.png")
    page.locator("#folder-input textarea, #folder-input input").first.fill(str(folder))
    page.locator("#add-folder").click()
    label = page.locator("#page-label")
    # Once the run is over and the gallery idle (no "processing" in the label): paging while
    # a run ends is not what this test is about.
    expect(page.locator("#index-progress")).to_contain_text("Done in", timeout=60_000)
    expect(label).to_have_text("Page 1 of 2 (50 images)")
    expect(page.locator("#library-gallery img")).to_have_count(48)
    page.locator("#page-next").click()
    expect(label).to_have_text("Page 2 of 2 (50 images)")
    expect(page.locator("#library-gallery img")).to_have_count(2)
    page.locator("#page-prev").click()
    expect(label).to_contain_text("Page 1 of 2")
    expect(page.locator("#library-stats")).to_contain_text("50 images")


def test_add_folder_while_another_process_indexes_says_so(page, photos: Path, tmp_path: Path):
    """A CLI run (here: this test process holding the lock) is seen by the UI at once."""
    import os

    from playwright.sync_api import expect

    from indexing.store.locks import index_lock

    with index_lock(tmp_path / "data"):
        page.locator("#folder-input textarea, #folder-input input").first.fill(str(photos))
        page.locator("#add-folder").click()
        expect(page.locator("#index-progress")).to_contain_text(
            f"indexing is already running (pid {os.getpid()})"
        )
    page.locator("#add-folder").click()  # once the other run is over, indexing works
    expect(page.locator("#index-progress")).to_contain_text("3 new", timeout=60_000)


def test_an_empty_gallery_says_why_and_no_thumbnail_has_a_delete_cross(page, photos: Path) -> None:
    """Before any folder, the gallery says how to get images (not an upload box); after,
    no gallery draws a × on its thumbnails (it only dropped the tile from the page)."""
    from playwright.sync_api import expect

    empty = page.locator("#library-empty")
    expect(empty).to_be_visible()
    expect(empty).to_contain_text("No images yet: add a folder")
    expect(page.get_by_text("Drop Media Here")).to_have_count(0)

    page.locator("#folder-input textarea, #folder-input input").first.fill(str(photos))
    page.locator("#add-folder").click()
    expect(page.locator("#index-progress")).to_contain_text("Done in", timeout=180_000)
    expect(page.locator("#library-gallery img")).to_have_count(3)
    expect(empty).to_be_hidden()
    crosses = page.locator("button[aria-label='Delete image']")
    expect(crosses).to_have_count(0)
    page.get_by_role("tab", name="Filters").click()
    expect(page.locator("#filters-gallery img")).to_have_count(3)
    expect(crosses).to_have_count(0)
    page.get_by_role("tab", name="Search").click()
    page.locator("#search-text textarea, #search-text input").first.fill("a photo")
    page.locator("#search-text textarea, #search-text input").first.press("Enter")
    expect(page.locator("#search-gallery img").first).to_be_visible()
    expect(crosses).to_have_count(0)


def test_the_counts_follow_the_run_while_it_goes_on(
    tmp_path: Path, pictor_env: Path, photos: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a run has committed its images, the stats and the gallery say so before the run
    ends (they once said "0 images in 0 files" beside "Indexing: 407 of 407 done"). The run
    here indexes for real, then holds in a later stage until the page has shown the count."""
    import threading

    import gradio as gr

    from app.context import AppContext
    from app.tabs import library as library_tab
    from indexing.progress import Progress

    shown = threading.Event()

    def index_then_hold(library, folders, report, token):
        summary = library.index(folders, report, token, wait=False)
        report(Progress("subjects", 0, 3, 0.0, None))  # a stage after the rows are in
        assert shown.wait(60), "the page never showed the committed images"
        return summary

    monkeypatch.setattr(library_tab, "index_then_predict", index_then_hold)
    monkeypatch.setattr(library_tab, "FOLLOW_EVERY", 0.0)
    monkeypatch.setenv("HOME", str(tmp_path))  # the folder is in the home: no question first
    ctx = AppContext.create(Settings(data_dir=tmp_path / "data", threads=2))
    with gr.Blocks() as demo:
        tab = library_tab.render()
        library_tab.listen(tab, ctx, demo)
    add_folder = next(f.fn for f in demo.fns.values() if f.fn.__name__ == "add_folder")
    notes, during = [], []
    for progress, gallery, _ids, _page, _label, empty, stats, *_ in add_folder(str(photos)):
        if isinstance(empty, gr.Markdown) and empty.visible:
            notes.append(empty.value)
        if "Done in" not in str(progress) and isinstance(stats, str) and "3 images" in stats:
            during.append(len(gallery))
            shown.set()
    assert during and during[0] == 3  # the count and the thumbnails, before the end
    assert any("The images appear here as they are read" in note for note in notes)

"""The app as a whole in a real browser: folders given at start, the keyboard, and what a
user sees when something goes wrong (a short message; the traceback in the log file)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from indexing.settings import Settings
from tests.browser import free_port, open_page, serve

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]


def photo_folder(folder: Path, count: int, seed: int) -> Path:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for index in range(count):
        pixels = (rng.random((90, 120, 3)) * 255).astype("uint8")
        Image.fromarray(pixels).save(folder / f"shot {index}.jpg", quality=90)
    return folder


@pytest.fixture
def started(tmp_path: Path, pictor_env: Path) -> Iterator[tuple[str, Settings]]:
    """The app started as `launch.py --library A --library B` would start it."""
    first = photo_folder(tmp_path / "first", 3, seed=1)
    second = photo_folder(tmp_path / "second", 2, seed=2)
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
    with serve(settings, folders=(str(first), str(second))) as url:
        yield url, settings


def test_folders_given_at_start_are_indexed_in_the_background(started) -> None:
    from playwright.sync_api import expect

    url, settings = started
    with open_page(url) as page:
        progress = page.locator("#index-progress")
        # The page follows the run the start began (or shows its result, if it was quick).
        expect(progress).to_contain_text(re.compile(r"Done in"), timeout=90_000)
        expect(progress).to_contain_text("5 new")
        expect(page.locator("#library-gallery img")).to_have_count(5)
        stats = page.locator("#library-stats")
        expect(stats).to_contain_text("first")
        expect(stats).to_contain_text("second")
        # Where the log is, for when something goes wrong.
        expect(page.locator("#log-path")).to_contain_text(str(settings.data_dir / "pictor.log"))
        # Indexing embedded the images: the model says it is loaded, and where.
        page.get_by_text("Model settings").click()
        expect(page.locator("#model-current")).to_contain_text("Status: loaded (torch on cpu).")
        expect(page.locator("#model-current")).to_contain_text("Random weights")


def test_forgetting_a_folder_says_what_it_does_first_and_leaves_the_files(
    started, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    url, _ = started
    first, second = tmp_path / "first", tmp_path / "second"
    with open_page(url) as page:
        expect(page.locator("#index-progress")).to_contain_text("Done in", timeout=90_000)
        gallery = page.locator("#library-gallery img")
        expect(gallery).to_have_count(5)
        picker = page.locator("#root-pick")
        picker.locator("input").click()
        expect(picker.get_by_role("option")).to_have_count(2)
        picker.get_by_role("option", name=str(first), exact=True).click()
        page.locator("#forget-root").click()
        confirm = page.locator("#forget-confirm-text")
        expect(confirm).to_have_text(
            f"Forgetting {first} takes 3 images (3 files) out of the library. The files stay "
            "on disk, untouched, and their ratings are kept for when the folder is added "
            "again. Forget it?"
        )
        page.locator("#forget-no").click()
        expect(confirm).to_be_hidden()
        expect(gallery).to_have_count(5)
        page.locator("#forget-root").click()
        page.locator("#forget-yes").click()
        expect(page.locator("#index-progress")).to_contain_text(f"Forgot {first}: 3 images")
        expect(gallery).to_have_count(2)
        expect(confirm).to_be_hidden()
        picker.locator("input").click()
        expect(picker.get_by_role("option")).to_have_count(1)
        expect(picker.get_by_role("option")).to_contain_text(str(second))
    assert len(list(first.glob("*.jpg"))) == 3  # nothing on disk changed


def test_a_folder_that_is_not_there_stops_the_start_in_one_line(tmp_path: Path, pictor_env) -> None:
    missing = tmp_path / "nowhere"
    done = subprocess.run(
        [sys.executable, str(REPO / "launch.py"), "--data-dir", str(tmp_path / "d"),
         "--library", str(missing)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"error: folder not found: {missing}\n"


@pytest.fixture
def running(tmp_path: Path, pictor_env: Path) -> Iterator[tuple[str, Settings]]:
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
    with serve(settings) as url:
        yield url, settings


def test_slash_goes_to_search_and_question_mark_lists_every_key(running) -> None:
    from playwright.sync_api import expect

    url, _ = running
    with open_page(url) as page:
        expect(page.get_by_role("tab", name="Library")).to_be_visible()
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("/")
        search = page.locator("#search-text textarea, #search-text input").first
        expect(search).to_be_focused()
        # Typing in the field: "?" and "/" are text, not keys.
        page.keyboard.type("a/b?")
        expect(search).to_have_value("a/b?")
        expect(page.locator("#pictor-keys-help")).to_have_count(0)
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("?")
        help_box = page.get_by_role("dialog", name="Keyboard shortcuts")
        expect(help_box).to_be_visible()
        for key, what in (("/", "search"), ("t", "rate 10"), ("1 – 4", "pick the best"),
                          ("z", "undo"), ("Esc", "close")):  # fmt: skip
            expect(help_box.locator("dt", has_text=key).first).to_be_visible()
            expect(help_box).to_contain_text(what)
        page.keyboard.press("Escape")
        expect(help_box).to_be_hidden()
        page.keyboard.press("?")
        expect(help_box).to_be_visible()
        help_box.get_by_role("button", name="Close").click()
        expect(help_box).to_be_hidden()


def test_an_unexpected_error_is_a_short_message_and_its_traceback_goes_to_the_log(
    running, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    from app.tabs import library

    def broken(catalog, page):
        raise RuntimeError("the disk said no")

    url, settings = running
    with open_page(url) as page:
        expect(page.locator("#page-label")).to_be_visible()
        monkeypatch.setattr(library, "newest_first", broken)
        page.locator("#page-next").click()
        toast = page.locator(".toast-body.error")
        expect(toast).to_be_visible()
        log = settings.data_dir / "pictor.log"
        expect(toast).to_contain_text("Something went wrong (RuntimeError: the disk said no).")
        expect(toast).to_contain_text(f"The details are in {log}")
        assert "Traceback" not in toast.inner_text()
        # The traceback is in the log, with where it happened.
        text = log.read_text(encoding="utf-8")
        assert "Traceback (most recent call last)" in text
        assert "RuntimeError: the disk said no" in text
        assert "turn_page" in text


def test_the_viewer_moves_with_arrows_shows_the_folder_and_trashes_with_undo(
    started, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    url, _ = started
    with open_page(url) as page:
        expect(page.locator("#index-progress")).to_contain_text("Done in", timeout=90_000)
        thumbs = page.locator("#library-gallery img")
        expect(thumbs).to_have_count(5)
        meta = page.locator("#viewer-meta")

        def shown_id() -> str:
            return re.search(r"Content id: ([0-9a-f]{32})", meta.inner_text()).group(1)

        thumbs.nth(0).click()
        expect(page.locator("#viewer")).to_be_visible()  # opened
        expect(meta).to_contain_text("Content id:")
        first = shown_id()
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("ArrowRight")
        expect(meta).not_to_contain_text(first)
        expect(meta).to_contain_text("Content id:")
        second = shown_id()
        page.keyboard.press("ArrowLeft")
        expect(meta).to_contain_text(first)
        page.keyboard.press("Escape")
        expect(page.locator("#viewer")).to_be_hidden()

        thumbs.nth(1).click()
        expect(page.locator("#viewer")).to_be_visible()  # opened
        expect(meta).to_contain_text(second)  # the arrow went to the gallery's next image
        text = meta.inner_text()
        path = next(
            p
            for p in [*(tmp_path / "first").glob("*.jpg"), *(tmp_path / "second").glob("*.jpg")]
            if str(p) in text
        )
        page.locator("#viewer-show-folder").click()
        folder = page.locator("#viewer-folder textarea, #viewer-folder input").first
        expect(folder).to_have_value(str(path.parent))

        page.locator("#viewer-trash").click()
        expect(page.locator("#viewer-rating-message")).to_contain_text(
            "Moved its file to the trash."
        )
        expect(page.locator(".toast-body").first).to_contain_text("Undo puts it back")
        assert not path.exists()
        # It leaves the gallery, and the viewer goes on to the image after it.
        expect(thumbs).to_have_count(4)
        expect(meta).not_to_contain_text(second)
        expect(meta).to_contain_text("Content id:")
        page.locator("#viewer-undo").click()
        expect(page.locator("#viewer-rating-message")).to_contain_text("Put 1 file back.")
        expect(page.locator("#viewer-undo")).to_be_hidden()
        assert path.exists()
        expect(thumbs).to_have_count(5)  # back in its place, and shown again
        expect(meta).to_contain_text(second)
        page.keyboard.press("Escape")
        thumbs.nth(1).click()
        expect(page.locator("#viewer")).to_be_visible()  # opened
        expect(meta).to_contain_text(second)

        # The same viewer over Filters: its list is the Filters page, and the trash takes
        # the image out of that gallery.
        page.keyboard.press("Escape")
        page.get_by_role("tab", name="Filters").click()
        listed = page.locator("#filters-gallery img")
        expect(listed).to_have_count(5)
        listed.nth(0).click()
        expect(page.locator("#viewer")).to_be_visible()  # opened
        expect(page.locator("#viewer-title")).to_contain_text("From Filters · 1 of 5")
        page.locator("#viewer-trash").click()
        expect(listed).to_have_count(4)
        expect(page.locator("#viewer-title")).to_contain_text("1 of 4")
        page.locator("#viewer-undo").click()
        expect(listed).to_have_count(5)
        expect(page.locator("#viewer-title")).to_contain_text("1 of 5")
        # Its ◀ Previous and Next ▶ buttons (a phone has no arrow keys) move as the keys do.
        page.locator("#viewer-moves button", has_text="Next").click()
        expect(page.locator("#viewer-title")).to_contain_text("2 of 5")
        page.locator("#viewer-moves button", has_text="Previous").click()
        expect(page.locator("#viewer-title")).to_contain_text("1 of 5")

        # Esc pressed before the viewer has opened (its opening is the server's answer):
        # it opens with that image, then closes, and does not stay over the page.
        page.keyboard.press("Escape")
        expect(page.locator("#viewer")).to_be_hidden()
        page.get_by_role("tab", name="Library").click()
        third = thumbs.nth(2)
        wanted = Path(third.get_attribute("src").split("?")[0]).stem  # its content id
        third.click()
        page.keyboard.press("Escape")
        expect(meta).to_contain_text(wanted)
        expect(page.locator("#viewer")).to_be_hidden()

"""The whole user path in one real browser session, as a new user walks it.

Add a folder and wait for indexing; search; a filter and a facet; the viewer with the
arrows; rate by keyboard and undo one; a best-of-4 choice; train; the rating sort shows
predictions; a duplicate trashed and restored; the ratings exported and imported back.
Each step starts from what the one before left, so a step that only works on a fresh app
fails here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from indexing.settings import Settings
from tests.browser import free_port, open_page, serve

pytestmark = pytest.mark.browser
RATED = ("3", "7", "5", "8", "2", "6", "4", "9", "1", "t", "0", "5", "6", "8")  # t is 10


def shots(folder: Path) -> dict[str, Path]:
    """Sixteen photos: twelve JPEGs of 160×120, four PNGs of 80×60, one JPEG copied."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(11)
    made = {}
    for n in range(16):
        size, kind = ((120, 160), "jpg") if n < 12 else ((60, 80), "png")
        pixels = (rng.random((*size, 3)) * 255).astype("uint8")
        made[f"shot{n}"] = folder / f"shot{n}.{kind}"
        Image.fromarray(pixels).save(made[f"shot{n}"])
    (folder / "copies").mkdir()
    made["copy"] = folder / "copies" / "shot0 copy.jpg"
    made["copy"].write_bytes(made["shot0"].read_bytes())
    return made


@pytest.fixture
def app(
    tmp_path: Path, pictor_env: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Settings, dict[str, Path]]]:
    monkeypatch.setenv("HOME", str(tmp_path))  # the photos lie inside the home: no question
    made = shots(tmp_path / "photos")
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
    with serve(settings) as url:
        yield url, settings, made


def test_a_new_user_walks_the_whole_app(app) -> None:
    from playwright.sync_api import expect

    url, settings, made = app
    folder = made["shot0"].parent
    with open_page(url) as page:
        # Add a folder and wait for indexing.
        page.locator("#folder-input textarea, #folder-input input").first.fill(str(folder))
        page.locator("#add-folder").click()
        expect(page.locator("#index-progress")).to_contain_text("Done in", timeout=120_000)
        expect(page.locator("#library-stats")).to_contain_text("16")
        expect(page.locator("#library-gallery img")).to_have_count(16)

        # Search by text.
        page.get_by_role("tab", name="Search").click()
        box = page.locator("#search-text textarea, #search-text input").first
        box.fill("a photo")
        box.press("Enter")
        expect(page.locator("#search-gallery img").first).to_be_visible()

        # A filter, then a facet on top of it.
        page.get_by_role("tab", name="Filters").click()
        count = page.locator("#filters-count")
        expect(count).to_contain_text("16 of 16 images")
        page.locator("#filters-min_width input").fill("100")
        page.locator("#filters-apply").click()
        expect(count).to_contain_text("12 of 16 images")  # the PNGs are 80 wide
        page.locator("#filters-min_width input").fill("")
        page.locator("#filters-apply").click()
        expect(count).to_contain_text("16 of 16 images")
        page.locator("#filters-facet-format input").click()
        page.locator("#filters-facet-format").get_by_role("option", name=re.compile("^PNG")).click()
        expect(count).to_contain_text("4 of 16 images")
        expect(page.locator("#filters-gallery")).not_to_contain_text("160×120")

        # The viewer, and the arrows through the list it came from.
        page.get_by_role("tab", name="Library").click()
        meta = page.locator("#viewer-meta")
        page.locator("#library-gallery img").nth(0).click()
        expect(page.locator("#viewer")).to_be_visible()  # opened
        expect(meta).to_contain_text("Content id:")
        first = re.search(r"Content id: ([0-9a-f]{32})", meta.inner_text()).group(1)
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Escape")  # at once: the keys are answered in order
        expect(page.locator("#viewer")).to_be_hidden()
        page.locator("#library-gallery img").nth(0).click()
        expect(page.locator("#viewer")).to_be_visible()  # opened
        expect(meta).to_contain_text(first)
        page.locator("body").click(position={"x": 5, "y": 5})
        page.keyboard.press("ArrowRight")
        expect(meta).to_contain_text("Content id:")
        expect(meta).not_to_contain_text(first)
        page.keyboard.press("Escape")
        expect(page.locator("#viewer")).to_be_hidden()

        # Rate by keyboard (enough to train on), undo the last.
        page.get_by_role("tab", name="Rate").click()
        page.locator("#rate-start").click()
        progress = page.locator("#rate-progress")
        expect(progress).to_contain_text("rated 0 ·")
        page.locator("#rate-find-similar").click()  # the image being rated, searched by
        expect(page.locator("#search-status")).to_contain_text("Similar to the image you chose")
        page.get_by_role("tab", name="Rate").click()  # the session waits where it was
        expect(progress).to_contain_text("rated 0 ·")
        for done, key in enumerate(RATED, start=1):
            page.keyboard.press(key)
            expect(progress).to_contain_text(f"rated {done} ·")
        page.keyboard.press("z")
        expect(page.locator("#rate-message")).to_contain_text("Undone")
        expect(progress).to_contain_text(f"rated {len(RATED) - 1} ·")

        # The best of four.
        page.get_by_label("Best of 4").check()
        expect(page.locator("#pref-gallery img")).to_have_count(4)
        page.keyboard.press("3")
        expect(page.locator("#pref-message")).to_contain_text("image 3 is your favourite")

        # Train, then the rating sort shows predictions for the images not rated.
        page.get_by_role("tab", name="Train").click()
        expect(page.locator("#train-status")).to_contain_text(f"{len(RATED) - 1} ratings")
        page.locator("#train-run").click()
        trained = page.locator("#train-progress")
        # Keys pressed in turn follow no taste: the evaluator may well not beat the mean, and
        # then waits for the user's choice before it is used.
        expect(trained).to_contain_text(
            re.compile("Done:|does not beat the baseline"), timeout=180_000
        )
        if "does not beat the baseline" in trained.inner_text():
            page.locator("#train-use-anyway").click()
            expect(trained).to_contain_text("is active as you chose")
        page.get_by_role("tab", name="Filters").click()
        page.locator("#filters-facet-format input").click()
        page.locator("#filters-facet-format").get_by_role("option", name="Any").click()
        expect(count).to_contain_text("16 of 16 images")
        page.locator("#filters-sort input").click()
        page.get_by_role("option", name="Rating (yours, else predicted)").click()
        expect(page.locator("#filters-gallery")).to_contain_text("predicted")
        expect(page.locator("#filters-gallery")).to_contain_text("yours")

        # The duplicate: keep one, then restore the other from the trash.
        page.get_by_role("tab", name="Duplicates").click()
        page.locator("#dup-find").click()
        expect(page.locator("#dup-count")).to_contain_text("1 groups")
        page.locator("#dup-group-0-keep").click()
        expect(page.locator("#dup-message")).to_contain_text("Moved 1 file(s) to the trash")
        assert [p.exists() for p in (made["shot0"], made["copy"])].count(True) == 1
        page.get_by_role("tab", name="Trash").click()
        page.locator("#trash-gallery img").first.click()
        page.locator("#trash-restore").click()
        expect(page.locator("#trash-message")).to_contain_text("Restored: 1 file(s)")
        assert made["shot0"].exists() and made["copy"].exists()

        # Export the ratings (a download), then import them back: nothing is lost or doubled.
        page.get_by_role("tab", name="Rate").click()
        page.get_by_text("Back up your ratings").click()
        page.locator("#ratings-export").click()
        message = page.locator("#ratings-backup-message")
        expect(message).to_contain_text(f"{len(RATED) - 1} ratings, 3 preference pairs")
        link = page.locator("#ratings-export-file a").first
        expect(link).to_have_attribute("href", re.compile(r"pictor-ratings-.*\.json"))
        [exported] = (settings.data_dir / "exports").glob("pictor-ratings-*.json")
        page.locator("#ratings-import-file input[type=file]").set_input_files(str(exported))
        page.locator("#ratings-import").click()
        expect(message).to_contain_text(f"0 added, 0 replaced, {len(RATED) - 1} kept, 0 invalid")
    scores = sorted(entry["score"] for entry in json.loads(exported.read_text())["ratings"])
    assert scores == sorted(10.0 if k == "t" else float(k) for k in RATED[:-1])

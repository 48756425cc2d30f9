"""The Duplicates and Trash views in a real browser: find copies, keep one, restore it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexing.curate.trash import Trash
from indexing.library import Library
from indexing.settings import Settings
from tests.browser import free_port, open_page, serve
from tests.library_builder import smooth_image
from tests.ui.test_ui_layout import overflow, small_buttons

pytestmark = pytest.mark.browser
SHOTS = Path("/work/notes/shots")


@pytest.fixture
def app(tmp_path: Path, pictor_env: Path) -> Iterator[tuple[str, Path]]:
    photos = tmp_path / "photos"
    (photos / "backup").mkdir(parents=True)
    for n in range(3):
        smooth_image((200, 150), seed=n).save(photos / f"p{n}.jpg", quality=90)
    (photos / "backup" / "p0 copy.jpg").write_bytes((photos / "p0.jpg").read_bytes())
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
    Library(settings).index([str(photos)])
    with serve(settings) as url:
        yield url, photos


def test_keep_one_copy_then_restore_it_from_the_trash(app) -> None:
    from playwright.sync_api import expect

    url, photos = app
    with open_page(url) as page:
        page.get_by_role("tab", name="Filters").click()
        page.get_by_role("tab", name="Duplicates").click()
        page.locator("#dup-find").click()
        expect(page.locator("#dup-count")).to_contain_text("1 groups")
        expect(page.locator("#dup-group-0-gallery img")).to_have_count(2)
        heading = page.locator("#dup-group-0-heading")
        expect(heading).to_contain_text("p0.jpg")  # the earliest copy is suggested
        page.locator("#dup-group-0-gallery img").nth(1).click()  # keep the backup instead
        expect(page.locator("#viewer")).to_be_visible()  # opened
        expect(heading).to_contain_text("backup")
        expect(page.locator("#viewer-meta")).to_contain_text("backup")  # and it opens large
        page.keyboard.press("Escape")
        expect(page.locator("#viewer")).to_be_hidden()
        page.locator("#dup-group-0-keep").click()
        expect(page.locator("#dup-message")).to_contain_text("Moved 1 file(s) to the trash")
        expect(page.locator("#dup-count")).to_contain_text("No groups")
        assert (photos / "backup" / "p0 copy.jpg").exists() and not (photos / "p0.jpg").exists()

        page.get_by_role("tab", name="Trash").click()
        expect(page.locator("#trash-gallery img")).to_have_count(1)
        page.locator("#trash-gallery img").first.click()
        page.locator("#trash-restore").click()
        expect(page.locator("#trash-message")).to_contain_text("Restored: 1 file(s)")
        expect(page.locator("#trash-listing")).to_contain_text("The trash is empty")
    assert (photos / "p0.jpg").exists() and (photos / "backup" / "p0 copy.jpg").exists()


def test_keep_all_asks_first_and_says_how_many_files_move(app) -> None:
    from playwright.sync_api import expect

    url, photos = app
    with open_page(url) as page:
        page.get_by_role("tab", name="Filters").click()
        page.get_by_role("tab", name="Duplicates").click()
        page.locator("#dup-keep-all").click()
        expect(page.locator("#dup-message")).to_contain_text("moves 1 files to the trash")
        assert (photos / "backup" / "p0 copy.jpg").exists()  # nothing moved before yes
        page.locator("#dup-confirm-all").click()
        expect(page.locator("#dup-message")).to_contain_text("Moved 1 file(s)")
    assert (photos / "p0.jpg").exists() != (photos / "backup" / "p0 copy.jpg").exists()


def test_the_near_tier_groups_a_resized_mirrored_copy_at_its_own_threshold(
    tmp_path: Path, pictor_env: Path
) -> None:
    from PIL import ImageOps
    from playwright.sync_api import expect

    photos = tmp_path / "photos"
    photos.mkdir()
    original = smooth_image((320, 240), seed=4)
    original.save(photos / "a.jpg", quality=90)
    ImageOps.mirror(original).resize((160, 120)).save(photos / "a small mirrored.png")
    smooth_image((320, 240), seed=9).save(photos / "other.jpg", quality=90)
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
    Library(settings).index([str(photos)])
    with serve(settings) as url, open_page(url) as page:
        page.get_by_role("tab", name="Filters").click()
        page.get_by_role("tab", name="Duplicates").click()
        page.get_by_text("Near-identical", exact=True).click()  # the choice, not its info
        page.locator("#dup-find").click()  # at once: the near slider is its own, no race
        expect(page.locator("#dup-count")).to_contain_text("1 groups")
        expect(page.locator("#dup-group-0-gallery img")).to_have_count(2)
        expect(page.locator("#dup-group-0-paths")).to_contain_text("a small mirrored.png")
        expect(page.locator("#dup-group-0-paths")).not_to_contain_text("other.jpg")


def test_every_viewer_shows_its_duplicates_finds_similar_and_rates_similar(app) -> None:
    from playwright.sync_api import expect

    url, photos = app
    with open_page(url) as page:
        thumbs = page.locator("#library-gallery img")
        expect(thumbs).to_have_count(3)  # one card for the two copies
        meta = page.locator("#viewer-meta")
        previous, seen = None, []
        for n in range(3):  # the card of the two copies
            thumbs.nth(n).click()
            expect(page.locator("#viewer")).to_be_visible()  # opened
            # Wait for this card's details: while it loads, the viewer still shows the
            # previous card's (under a "0.1s" timer), so wait for its content id to go.
            expect(meta).to_contain_text("Content id:")
            if previous:
                expect(meta).not_to_contain_text(previous)
            shown = meta.inner_text()
            seen.append(shown)
            previous = re.search(r"Content id: ([0-9a-f]{32})", shown).group(1)
            if "p0.jpg" in shown or "p0 copy.jpg" in shown:
                break
            page.keyboard.press("Escape")  # the viewer lies over the gallery
            expect(page.locator("#viewer")).to_be_hidden()
        else:
            raise AssertionError(f"no card in the Library shows p0.jpg: {seen}")
        page.locator("#viewer-show-duplicates").click()
        expect(page.locator("#dup-count")).to_contain_text("1 groups")
        expect(page.locator("#dup-message")).to_contain_text("The group of the image you chose")
        expect(page.locator("#dup-group-0-gallery img")).to_have_count(2)
        page.locator("#dup-cancel").click()
        expect(page.locator("#dup-progress")).to_contain_text("Nothing is running here.")
        # Its cards open in the viewer here too; trashing from it redraws the groups.
        page.locator("#dup-group-0-gallery img").nth(1).click()
        expect(page.locator("#viewer")).to_be_visible()  # opened
        expect(page.locator("#viewer-meta")).to_contain_text("backup")
        page.locator("#viewer-trash").click()
        expect(page.locator("#dup-count")).to_contain_text("No groups")
        assert not (photos / "backup" / "p0 copy.jpg").exists()
        page.locator("#viewer-undo").click()
        expect(page.locator("#dup-count")).to_contain_text("1 groups")
        assert (photos / "backup" / "p0 copy.jpg").exists()

        page.locator("#viewer-find-similar").click()
        expect(page.locator("#viewer")).to_be_hidden()  # it closes to show the results
        expect(page.locator("#search-status")).to_contain_text("Similar to the image you chose")
        expect(page.locator("#search-gallery img").first).to_be_visible()
        page.get_by_role("tab", name="Filters").click()
        page.get_by_role("tab", name="Filter & sort").click()
        page.locator("#filters-gallery img").first.click()
        expect(page.locator("#viewer")).to_be_visible()  # opened
        page.locator("#viewer-rate-similar").click()
        expect(page.locator("#rate-queue input")).to_have_value("Similar images")
        expect(page.locator("#rate-progress")).to_contain_text("rated 0 · 2 to go")  # the others


def _box_inside(inner: dict, outer: dict, slack: float = 1.0) -> bool:
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack
    )


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_every_card_and_its_caption_is_on_screen_unclipped(
    tmp_path: Path, pictor_env: Path, width: int, height: int
) -> None:
    from playwright.sync_api import expect

    photos = tmp_path / "photos"
    photos.mkdir()
    smooth_image((320, 240), seed=3).save(photos / "a long name for the first photo.jpg")
    for n in range(8):  # nine copies: more cards than one row holds
        (photos / f"copy number {n} of the first photo.jpg").write_bytes(
            (photos / "a long name for the first photo.jpg").read_bytes()
        )
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
    Library(settings).index([str(photos)])
    with serve(settings) as url, open_page(url, width=width, height=height) as page:
        page.get_by_role("tab", name="Filters").click()
        page.get_by_role("tab", name="Duplicates").click()
        tier = page.locator("#dup-tier label")
        for n in range(tier.count()):  # short chips, not tall blocks, even on a phone
            assert tier.nth(n).bounding_box()["height"] <= 44
        page.locator("#dup-find").click()
        cards = page.locator("#dup-group-0-gallery .thumbnail-item")
        expect(cards).to_have_count(9)
        gallery = page.locator("#dup-group-0-gallery")
        for n in range(9):
            card, caption = cards.nth(n), cards.nth(n).locator(".caption-label")
            card.scroll_into_view_if_needed()
            seen = {"x": 0, "y": 0, "width": width, "height": height}
            box, label = card.bounding_box(), caption.bounding_box()
            assert _box_inside(box, seen), (n, box)  # in the viewport
            assert _box_inside(box, gallery.bounding_box()), n  # not cut off by the gallery
            assert _box_inside(label, box) and _box_inside(label, seen), (n, label)
            text = caption.evaluate("e => [e.scrollWidth <= e.clientWidth + 1, e.innerText]")
            assert text[0], f"caption {n} is cut: {text[1]}"
            assert ("★ keeper" in text[1]) == (n == 0) and "KB" in text[1]
        inner = gallery.locator(".grid-wrap").evaluate("e => e.scrollHeight <= e.clientHeight + 1")
        assert inner  # nothing to scroll inside the gallery
        assert overflow(page) == 0  # nor sideways on the page
        assert width > 640 or small_buttons(page) == []  # a fingertip's buttons on the phone


def test_keep_has_an_undo_where_it_was_pressed(app) -> None:
    from playwright.sync_api import expect

    url, photos = app
    with open_page(url) as page:
        page.get_by_role("tab", name="Filters").click()
        page.get_by_role("tab", name="Duplicates").click()
        page.locator("#dup-find").click()
        expect(page.locator("#dup-count")).to_contain_text("1 groups")
        page.locator("#dup-group-0-keep").click()
        expect(page.locator("#dup-message")).to_contain_text("Moved 1 file(s) to the trash")
        assert not (photos / "backup" / "p0 copy.jpg").exists()
        page.locator("#dup-undo").click()
        expect(page.locator("#dup-message")).to_contain_text("1 file(s) back from the trash")
        expect(page.locator("#dup-count")).to_contain_text("1 groups")
        expect(page.locator("#dup-undo")).to_be_hidden()
        assert (photos / "backup" / "p0 copy.jpg").exists() and (photos / "p0.jpg").exists()


def test_undo_after_the_file_came_back_another_way_says_so(app, tmp_path: Path) -> None:
    """Keep the keeper, restore the moved copy from the trash elsewhere (the CLI here), then
    Undo: nothing is left to put back, and Undo says so rather than failing."""
    from playwright.sync_api import expect

    url, photos = app
    with open_page(url) as page:
        page.get_by_role("tab", name="Filters").click()
        page.get_by_role("tab", name="Duplicates").click()
        page.locator("#dup-find").click()
        expect(page.locator("#dup-count")).to_contain_text("1 groups")
        page.locator("#dup-group-0-keep").click()
        expect(page.locator("#dup-message")).to_contain_text("Moved 1 file(s) to the trash")
        with Library(Settings(data_dir=tmp_path / "data")).open_catalog() as catalog:
            assert len(Trash(catalog).restore(None).moved) == 1
        page.locator("#dup-undo").click()
        expect(page.locator("#dup-message")).to_contain_text("Undone: 0 file(s) back")
        expect(page.locator("#dup-undo")).to_be_hidden()
    assert (photos / "backup" / "p0 copy.jpg").exists() and (photos / "p0.jpg").exists()


def test_not_duplicates_hides_a_group_for_good_until_reset(app) -> None:
    from playwright.sync_api import expect

    url, photos = app
    with open_page(url) as page:
        page.get_by_role("tab", name="Filters").click()
        page.get_by_role("tab", name="Duplicates").click()
        page.locator("#dup-find").click()
        expect(page.locator("#dup-count")).to_contain_text("1 groups")
        page.locator("#dup-group-0-dismiss").click()
        expect(page.locator("#dup-message")).to_contain_text("will not be shown again")
        expect(page.locator("#dup-count")).to_contain_text("No groups")
        page.locator("#dup-find").click()  # a later run
        expect(page.locator("#dup-progress")).to_have_text("")
        expect(page.locator("#dup-count")).to_contain_text("No groups")
        page.locator("#dup-reset-dismissed").click()
        expect(page.locator("#dup-message")).to_contain_text("Reset 1 not-duplicates decision")
        expect(page.locator("#dup-count")).to_contain_text("1 groups")
        page.locator("#dup-undo").click()  # the decision is back
        expect(page.locator("#dup-count")).to_contain_text("No groups")
    assert (photos / "p0.jpg").exists() and (photos / "backup" / "p0 copy.jpg").exists()


def test_taking_the_starred_card_out_leaves_the_others_grouped(
    tmp_path: Path, pictor_env: Path
) -> None:
    from PIL import ImageOps
    from playwright.sync_api import expect

    photos = tmp_path / "photos"
    photos.mkdir()
    original = smooth_image((320, 240), seed=4)
    original.save(photos / "a.jpg", quality=90)
    original.resize((160, 120)).save(photos / "a small.png")
    ImageOps.mirror(original).save(photos / "a mirrored.jpg", quality=90)
    other = smooth_image((320, 240), seed=21)  # a second group, for Select across groups
    other.save(photos / "b.jpg", quality=90)
    other.resize((160, 120)).save(photos / "b small.png")
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
    Library(settings).index([str(photos)])
    with serve(settings) as url, open_page(url) as page:
        page.get_by_role("tab", name="Filters").click()
        page.get_by_role("tab", name="Duplicates").click()
        page.get_by_text("Near-identical", exact=True).click()
        page.locator("#dup-find").click()
        expect(page.locator("#dup-group-0-gallery img")).to_have_count(3)
        small = page.locator("#dup-group-0-gallery .thumbnail-item", has_text="a small.png")
        small.click()
        expect(page.locator("#viewer")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.locator("#dup-group-0-heading")).to_contain_text("a small.png")
        page.locator("#dup-group-0-apart").click()
        expect(page.locator("#dup-message")).to_contain_text("no longer grouped")
        expect(page.locator("#dup-group-0-gallery img")).to_have_count(2)
        expect(page.locator("#dup-group-0-paths")).not_to_contain_text("a small.png")
        select_the_non_keepers_of_both_groups(page, photos)


def select_the_non_keepers_of_both_groups(page, photos: Path) -> None:
    """Select: the groups' images in one gallery in place of the slots; every non-keeper
    of both groups picked at once, trashed after one question, and put back with Undo."""
    from playwright.sync_api import expect

    page.locator("#dups-select-mode input").check()
    picks = page.locator("#dup-picks .thumbnail-item")
    expect(picks).to_have_count(4)
    expect(page.locator("#dup-slots")).to_be_hidden()
    expect(picks.filter(has_text="★ keeper")).to_have_count(2)
    page.locator("#dups-select-all").click()
    expect(page.locator("#dups-select-count")).to_contain_text("2 selected")
    marked = picks.filter(has_text="✓")
    expect(marked).to_have_count(2)
    expect(marked.filter(has_text="★ keeper")).to_have_count(0)
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        picks.last.scroll_into_view_if_needed()
        box = picks.last.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1
        if SHOTS.is_dir():  # the screenshots to look at: only where they are kept
            page.screenshot(path=str(SHOTS / f"selection-duplicates-{width}x{height}.png"))
    page.locator("#dups-select-trash").click()
    expect(page.locator("#dups-select-question")).to_contain_text("Move 2 images to the trash?")
    page.locator("#dups-select-yes").click()
    expect(page.locator("#dups-select-message")).to_contain_text("Moved 2 files")
    expect(page.locator("#dup-count")).to_contain_text("No groups")  # the page drawn again
    expect(picks).to_have_count(0)
    left = sorted(p.name for p in photos.iterdir() if p.is_file())
    assert len(left) == 3 and "a small.png" in left  # the keepers, and the one taken out
    page.locator("#dups-select-undo").click()
    expect(page.locator("#dups-select-message")).to_contain_text("Put 2 files back")
    expect(picks).to_have_count(4)
    assert len([p for p in photos.iterdir() if p.is_file()]) == 5
    page.locator("#dups-select-mode input").uncheck()  # the groups and their actions again
    expect(page.locator("#dup-group-1-keep")).to_be_visible()

"""The People view in a real browser (Library → People): cards with faces, largest first;
a click shows that person's photos, which open in the shared viewer with the people named;
naming a person from the view. One app over the real faces for the module."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from indexing.settings import Settings
from tests.browser import free_port, open_page, serve, settled, yellow_pixels
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


def open_person(page, name: str) -> None:
    """Library → People, then the card captioned with this name."""
    from playwright.sync_api import expect

    if not page.locator("#people-cards").is_visible():
        page.get_by_text("People", exact=True).first.click()
    captions = page.locator("#people-cards .caption-label, #people-cards .caption")
    expect(captions.first).to_be_visible()
    page.locator("#people-cards .thumbnail-item").filter(has_text=name).first.click()
    expect(page.locator("#people-person")).to_contain_text(name)


def open_photo(page, stem: str) -> None:
    """The photo of that name, from the person's photos, in the viewer."""
    from playwright.sync_api import expect

    photos = page.locator("#people-photos img")
    expect(photos.first).to_be_visible()
    count = photos.count()
    for index in range(count):
        photos.nth(index).click()
        # The title and the panel come in one answer: once it says where, the meta is this one's.
        expect(page.locator("#viewer-title")).to_contain_text(f"{index + 1} of {count}")
        meta = page.locator("#viewer-meta")
        if stem in meta.inner_text():
            return
        page.locator("#viewer-close").click()
        expect(page.locator("#viewer")).to_be_hidden()
    pytest.fail(f"{stem} is not among the person's photos")


def test_the_viewer_names_a_face_draws_the_boxes_and_opens_a_person(app_url):
    from playwright.sync_api import expect

    url, home = app_url
    with open_page(url, height=800, width=1280) as page:
        open_person(page, "Barack Obama")  # named by the test above
        open_photo(page, "group_obama_biden_2010")
        section = page.locator("#viewer-people")
        expect(section).to_be_visible()
        chips = page.locator("#viewer-people-names label")
        expect(chips).to_have_count(2)
        expect(chips.first).to_contain_text("Barack Obama")
        faces = page.locator("#viewer-faces label")
        expect(faces).to_have_count(2)
        # The unnamed face is picked, ready to be named; a new name names its whole group.
        picked = page.locator("#viewer-faces input:checked")
        expect(picked).to_have_count(1)
        assert "unnamed" in picked.locator("xpath=..").inner_text()
        name = page.locator("#viewer-face-name input")
        name.fill("Joe Biden")
        page.locator("#viewer-face-save").click()
        expect(page.locator("#viewer-people-message")).to_contain_text("Saved: Joe Biden")
        expect(chips.filter(has_text="Joe Biden")).to_have_count(1)
        expect(page.locator("#viewer-about")).to_contain_text("People: Barack Obama and Joe Biden")

        image = page.locator("#viewer-image img")
        before = image.get_attribute("src")
        assert yellow_pixels(image.screenshot()) == 0
        page.locator("#viewer-faces-show").click()
        expect(image).not_to_have_attribute("src", before or "")
        drawn = settled(image)
        assert yellow_pixels(drawn) > 200  # two outlined boxes with their name tags
        for folder in [*shots(home), Path("/work/notes/shots")]:
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=folder / "people-viewer-boxes-1280x800.png")
        # "Not this person" with the boxes shown: they are drawn again, the face unnamed.
        boxed_src = image.get_attribute("src")
        page.locator("#viewer-faces label").filter(has_text="Joe Biden").click()
        page.locator("#viewer-face-not").click()
        expect(page.locator("#viewer-people-message")).to_contain_text("not Joe Biden")
        expect(chips.filter(has_text="Joe Biden")).to_have_count(0)
        expect(faces.filter(has_text="unnamed")).to_have_count(1)
        expect(image).not_to_have_attribute("src", boxed_src or "")
        assert yellow_pixels(settled(image)) > 200
        page.locator("#viewer-faces-hide").click()
        expect(image).to_have_attribute("src", before or "")

        # A known name moves one face there (people move); the photo keeps both people.
        faces.filter(has_text="unnamed").click()
        name.fill("joe biden")  # the known name, in another case
        page.locator("#viewer-face-save").click()
        expect(page.locator("#viewer-people-message")).to_contain_text("this face is Joe Biden")
        expect(chips.filter(has_text="Joe Biden")).to_have_count(1)

        # A name clicked: the viewer closes on that person's photos in the People view.
        chips.filter(has_text="Barack Obama").click()
        expect(page.locator("#viewer")).to_be_hidden()
        expect(page.locator("#people-person")).to_contain_text("Barack Obama · 4 photos")
        expect(page.locator("#people-photos img")).to_have_count(4)
        expect(page.locator("#viewer-people-names input:checked")).to_have_count(0)

    with open_page(url, height=844, width=390) as page:
        open_person(page, "Joe Biden")
        open_photo(page, "group_obama_biden_2010")
        section = page.locator("#viewer-people")
        section.scroll_into_view_if_needed()
        for widget in ("#viewer-people-names", "#viewer-faces", "#viewer-face-save",
                       "#viewer-faces-show"):  # fmt: skip
            box = page.locator(widget).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, widget
        for folder in [*shots(home), Path("/work/notes/shots")]:
            page.screenshot(path=folder / "people-viewer-390x844.png")


def test_the_people_view_moves_a_face_and_says_not_this_person(app_url):
    from playwright.sync_api import expect

    url, home = app_url
    with open_page(url, height=800, width=1280) as page:
        open_person(page, "Barack Obama")
        crops = page.locator("#people-faces img")
        expect(crops).to_have_count(4)
        box = crops.first.bounding_box()
        assert box is not None and box["width"] > 40  # a face to recognise
        message = page.locator("#people-message")
        page.locator("#people-move").click()
        expect(message).to_contain_text("Click one of their faces first")
        crops.first.click()
        expect(page.locator("#people-face")).to_contain_text("picked")
        page.locator("#people-move-to input").fill("Joe Biden")
        page.locator("#people-move-to input").press("Enter")
        page.locator("#people-move").click()
        expect(message).to_contain_text("Moved the face to Joe Biden")
        expect(page.locator("#people-person")).to_contain_text("Barack Obama · 3 photos")
        expect(crops).to_have_count(3)
        captions = page.locator("#people-cards .caption-label, #people-cards .caption")
        expect(captions.filter(has_text="Joe Biden · 4 photos")).to_have_count(1)

        crops.first.click()
        page.locator("#people-not-this").click()
        expect(message).to_contain_text("not Barack Obama")
        expect(page.locator("#people-person")).to_contain_text("Barack Obama · 2 photos")
        expect(crops).to_have_count(2)
        for folder in [*shots(home), Path("/work/notes/shots")]:
            folder.mkdir(parents=True, exist_ok=True)
            page.locator("#people-person").scroll_into_view_if_needed()
            page.screenshot(path=folder / "people-faces-1280x800.png")
        who_is_this(page, home)
    with open_page(url, height=844, width=390) as page:
        open_person(page, "Barack Obama")
        crops = page.locator("#people-faces img")
        expect(crops).to_have_count(3)  # with the face "Who is this?" put back
        for widget in ("#people-faces", "#people-move-to", "#people-move", "#people-not-this"):
            box = page.locator(widget).bounding_box()
            assert box is not None and box["x"] + box["width"] <= 390, widget
        gallery = page.locator("#people-faces").bounding_box()
        crop = crops.first.bounding_box()
        assert gallery is not None and crop is not None and crop["width"] >= 60
        # As tall as its crops: no empty band under them before the buttons.
        assert gallery["y"] + gallery["height"] - (crop["y"] + crop["height"]) < 40
        page.locator("#people-faces").scroll_into_view_if_needed()
        for folder in [*shots(home), Path("/work/notes/shots")]:
            page.screenshot(path=folder / "people-faces-390x844.png")
        page.locator("#people-review-open").click()
        title = page.locator("#people-review-title")
        expect(title).to_contain_text("1 question · 1 of 1")  # the one skipped at 1280
        crop = page.locator("#people-review-faces img").first
        expect(crop).to_be_visible()
        box = crop.bounding_box()
        assert box is not None and box["width"] >= 100 and box["x"] + box["width"] <= 390
        for widget in ("#people-review-skip", "#people-review-name", "#people-review-save",
                       "#people-review-back"):  # fmt: skip
            box = page.locator(widget).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, widget
        page.locator("#people-review").scroll_into_view_if_needed()
        for folder in [*shots(home), Path("/work/notes/shots")]:
            page.screenshot(path=folder / "people-who-is-this-390x844.png")


def who_is_this(page, home: Path) -> None:
    """Library → People → Who is this?: the face said not to be Barack Obama (now in no one,
    one face: before the one-face groups) and the unnamed groups (Hopper's, Collins'), one
    at a time, with the closest named person one click away; a face put back where it
    belongs, a name given, one skipped (asked again); Back shows the people with their new
    names."""
    from playwright.sync_api import expect

    page.locator("#people-review-open").click()
    title = page.locator("#people-review-title")
    expect(title).to_contain_text("3 questions · 1 of 3")
    expect(title).to_contain_text("in no one now")  # one face: before the one-face groups
    expect(page.locator("#people-main")).to_be_hidden()
    crops = page.locator("#people-review-faces img")
    suggestion = page.locator("#people-review-suggest-0")
    expect(suggestion).to_have_text("It's Joe Biden")  # the Obama face moved there by mistake
    expect(crops).to_have_count(2)  # this face, and Joe Biden's beside it
    expect(page.locator("#people-review-yes")).to_be_hidden()  # in no one: named, not confirmed
    row = page.locator("#people-review-answers").bounding_box()
    assert row is not None and row["x"] + row["width"] <= 1280
    for folder in [*shots(home), Path("/work/notes/shots")]:
        page.locator("#people-review").scroll_into_view_if_needed()
        page.screenshot(path=folder / "people-who-is-this-1280x800.png")
    name = page.locator("#people-review-name input")
    name.fill("Barack Obama")
    name.press("Enter")
    page.locator("#people-review-save").click()
    message = page.locator("#people-review-message")
    expect(message).to_contain_text("Saved: that face is Barack Obama")
    expect(title).to_contain_text("2 questions · 1 of 2")
    expect(title).to_contain_text("An unnamed person (1 face)")
    expect(crops).to_have_count(1)
    box = crops.first.bounding_box()
    assert box is not None and 100 <= box["width"] <= 200  # a face to tell, not a banner
    expect(page.locator("#people-review-yes")).to_be_hidden()  # a group is named, not confirmed
    name.fill("Grace Hopper")
    name.press("Enter")
    page.locator("#people-review-save").click()
    expect(message).to_contain_text("Saved: 1 face of Grace Hopper")
    expect(title).to_contain_text("1 question · 1 of 1")
    page.locator("#people-review-skip").click()  # Collins: later
    expect(message).to_contain_text("Skipped")
    expect(title).to_contain_text("1 question · 1 of 1")  # asked again: nothing else left
    page.locator("#people-review-back").click()
    expect(page.locator("#people-review")).to_be_hidden()
    captions = page.locator("#people-cards .caption-label, #people-cards .caption")
    expect(captions.filter(has_text="Grace Hopper · 1 photo")).to_have_count(1)
    expect(captions.filter(has_text="Barack Obama · 3 photos")).to_have_count(1)

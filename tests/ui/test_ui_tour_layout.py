"""What a new user sees on a laptop (1280×800) and on a phone (390×844), measured on screen
(issue 28): every card of a comparison and its label inside the window and not clipped by a
scrolling box, nothing laid over a gallery's first row or the viewer's buttons, no word
broken letter by letter, the first search result on a phone's first screen.

One app for the whole module (a dozen photos and a video); each test opens its own page.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from indexing.library import Library
from indexing.settings import Settings
from tests import video_fixtures as vf
from tests.browser import free_port, open_page, serve
from tests.conftest import tiny_clip_env
from tests.library_builder import smooth_image
from tests.ui.test_ui_layout import open_tab

pytestmark = pytest.mark.browser
SIZES = {"laptop": (1280, 800), "phone": (390, 844)}
PHOTOS = 13
LONELY = "lonely_heron_at_dawn"  # the one file a name search finds

# Where an element is drawn and what hides it: outside the window, cut by an ancestor that
# hides its overflow (a scrolling box included), or under another element (the topmost
# element at its corners and centre is not it).
SHOWN_JS = """(el, across = false) => {
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.classList.length ? '.' + [...e.classList].filter((c) => !c.startsWith('svelte'))
       .join('.') : '');
  const r = el.getBoundingClientRect();
  if (r.width < 1 || r.height < 1) return [`${name(el)} is not drawn`];
  const problems = [];
  const W = document.documentElement.clientWidth, H = window.innerHeight;
  const at = `${Math.round(r.left)},${Math.round(r.top)} `
    + `${Math.round(r.width)}×${Math.round(r.height)}`;
  if (r.left < -1 || r.right > W + 1 || (!across && (r.top < -1 || r.bottom > H + 1)))
    problems.push(`${name(el)} at ${at} is outside the ${W}×${H} window`);
  for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
    const style = getComputedStyle(a);
    if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
    const p = a.getBoundingClientRect();
    if (r.left < p.left - 1 || r.right > p.right + 1
        || (!across && (r.top < p.top - 1 || r.bottom > p.bottom + 1)))
      problems.push(`${name(el)} at ${at} is cut by ${name(a)} (overflow ${style.overflow})`);
  }
  const inset = Math.min(4, r.width / 3, r.height / 3);
  const points = [[r.left + inset, r.top + inset], [r.right - inset, r.top + inset],
    [r.left + inset, r.bottom - inset], [r.right - inset, r.bottom - inset],
    [(r.left + r.right) / 2, (r.top + r.bottom) / 2]];
  for (const [x, y] of points) {
    if (x < 0 || y < 0 || x >= W || y >= H) continue;
    const hit = document.elementFromPoint(x, y);
    if (hit && !el.contains(hit) && !hit.contains(el))
      problems.push(`${name(el)} is covered by ${name(hit)} at ${Math.round(x)},${Math.round(y)}`);
  }
  return problems;
}"""
# The words of an element's text that are drawn on more than one line (broken mid-word).
BROKEN_WORDS_JS = """(el) => {
  const broken = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const word of node.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0)
        .map((r) => Math.round(r.top)));
      if (lines.size > 1) broken.push(word[0]);
    }
  }
  return broken;
}"""
# The lines an element's text is drawn on.
LINES_JS = """(el) => {
  const tops = new Set();
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
  }
  return tops.size;
}"""
# How much of a text box's or a cell's text is cut off (px wider than its box).
CUT_JS = "(el) => el.scrollWidth - el.clientWidth"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("tour")
    photos = base / "photos"
    photos.mkdir()
    for n in range(PHOTOS):
        size = (800, 600) if n % 3 else (600, 800)
        name = LONELY if n == 0 else f"IMG_2024_{n:04d}"
        smooth_image(size, seed=n).save(photos / f"{name}.jpg", quality=85)
    video = vf.color_video(photos / "holiday.mp4", [(0.0, (220, 30, 30))], duration=3)
    newest = max(p.stat().st_mtime for p in photos.iterdir()) + 60
    os.utime(video, (newest, newest))  # first in the Library: newest first
    with pytest.MonkeyPatch.context() as env:
        tiny_clip_env(env, base)
        settings = Settings(data_dir=base / "data", port=free_port(), threads=2)
        Library(settings).index([str(photos)])
        with serve(settings) as url:
            yield url


def shown_problems(page, selector: str, across: bool = False) -> list[str]:
    """SHOWN_JS for every element the selector matches (none matched is a problem too);
    across: only from side to side (the page may scroll down to it)."""
    found = page.locator(selector)
    count = found.count()
    if count == 0:
        return [f"nothing matches {selector}"]
    return [p for n in range(count) for p in found.nth(n).evaluate(SHOWN_JS, across)]


def broken_words(page, selector: str) -> list[str]:
    found = page.locator(selector)
    return [w for n in range(found.count()) for w in found.nth(n).evaluate(BROKEN_WORDS_JS)]


def page_at(app_url: str, size: str):
    width, height = SIZES[size]
    return open_page(app_url, height=height, width=width)


def loaded(page) -> None:
    """The Library's first page and then its stats: the stats line arrives just after the
    thumbnails and moves them down, so a click aimed before it could land beside them."""
    from playwright.sync_api import expect

    expect(page.locator("#library-gallery img")).to_have_count(PHOTOS + 1)
    expect(page.locator("#library-stats")).to_contain_text("images")


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("mode,count", [("Best of 2", 2), ("Best of 4", 4)])
def test_every_image_to_compare_and_its_number_is_on_screen(
    app_url: str, size: str, mode: str, count: int
) -> None:
    """Best of 2 and Best of 4: with the gallery scrolled to, every card, its image and its
    number ("1"-"4", the key that picks it) lie inside the window, uncut and uncovered."""
    from playwright.sync_api import expect

    with page_at(app_url, size) as page:
        loaded(page)
        open_tab(page, "Rate")
        page.get_by_label(mode).check()
        cards = page.locator("#pref-gallery .thumbnail-item")
        expect(cards).to_have_count(count)
        expect(page.locator("#pref-gallery img")).to_have_count(count)
        page.locator("#pref-gallery").scroll_into_view_if_needed()
        labels = page.locator("#pref-gallery .caption-label")
        expect(labels).to_have_count(count)
        assert [labels.nth(n).inner_text().strip() for n in range(count)] == [
            str(n + 1) for n in range(count)
        ]
        problems = [
            *shown_problems(page, "#pref-gallery .thumbnail-item"),
            *shown_problems(page, "#pref-gallery .thumbnail-item img"),
            *shown_problems(page, "#pref-gallery .caption-label"),
        ]
        assert problems == []


def first_row(page, gallery: str) -> str:
    """Marks the cards of a gallery's first row (data-first-row) and returns their selector."""
    page.evaluate(
        """(gallery) => {
          const cards = [...document.querySelectorAll(`${gallery} .thumbnail-item`)];
          const top = Math.min(...cards.map((c) => Math.round(c.getBoundingClientRect().top)));
          for (const c of cards)
            if (Math.abs(c.getBoundingClientRect().top - top) < 2) c.dataset.firstRow = '1';
        }""",
        gallery,
    )
    return f"{gallery} .thumbnail-item[data-first-row]"


def inner_scroll(page, gallery: str) -> int:
    """How many pixels of a gallery are hidden in its own scrolling box (0: none)."""
    return page.locator(f"{gallery} .grid-wrap").evaluate("(w) => w.scrollHeight - w.clientHeight")


def search_for(page, text: str, results: int, mode: str | None = None) -> None:
    from playwright.sync_api import expect

    open_tab(page, "Search")
    if mode:
        page.get_by_label(mode).check()
    page.locator("#search-text textarea, #search-text input").first.fill(text)
    page.locator("#search-run").click()
    expect(page.locator("#search-gallery img")).to_have_count(results)


@pytest.mark.parametrize("size", list(SIZES))
def test_galleries_show_their_first_row_whole_and_do_not_scroll_inside(
    app_url: str, size: str
) -> None:
    """Library and Search: the gallery's label and toolbar sit above its first row, not on
    it, and every card is on the page (the page scrolls, not a box inside it)."""
    problems: dict[str, list[str]] = {}
    with page_at(app_url, size) as page:
        loaded(page)
        for tab, gallery in (("Library", "#library-gallery"), ("Search", "#search-gallery")):
            if tab == "Search":
                search_for(page, "a photo", PHOTOS + 1)
            page.locator(gallery).evaluate("(g) => g.scrollIntoView({block: 'start'})")
            found = shown_problems(page, first_row(page, gallery))
            hidden = inner_scroll(page, gallery)
            problems[tab] = found + ([f"{hidden} px scroll inside the gallery"] if hidden else [])
    assert problems == {"Library": [], "Search": []}


def test_a_phone_shows_the_first_search_result_on_its_first_screen(app_url: str) -> None:
    with page_at(app_url, "phone") as page:
        loaded(page)
        search_for(page, "a photo", PHOTOS + 1)
        page.evaluate("() => window.scrollTo(0, 0)")
        assert shown_problems(page, "#search-gallery .thumbnail-item >> nth=0") == []


@pytest.mark.parametrize("size", list(SIZES))
def test_a_single_search_result_is_a_card_not_the_whole_gallery(app_url: str, size: str) -> None:
    with page_at(app_url, size) as page:
        loaded(page)
        search_for(page, LONELY, 1, mode="Names and metadata")
        card = page.locator("#search-gallery .thumbnail-item").first.bounding_box()
        gallery = page.locator("#search-gallery").bounding_box()
        assert card["width"] <= gallery["width"] / 2, (card, gallery)


def test_a_phone_shows_the_filters_labels_and_tabs_whole(app_url: str) -> None:
    from playwright.sync_api import expect

    with page_at(app_url, "phone") as page:
        loaded(page)
        open_tab(page, "Filters")
        expect(page.locator("#filters-count")).to_contain_text("image")
        panel = ".tabitem:has(#filters-sort):not(:has(.tabitem))"  # Filter & sort
        labels = f"{panel} label, {panel} [data-testid='block-info']"
        problems = shown_problems(page, labels, across=True)
        problems += shown_problems(page, "button[role='tab']:has-text('Filter & sort')")
        cut = page.get_by_role("tab", name="Filter & sort").evaluate(CUT_JS)
        assert (problems, cut) == ([], 0)


def test_a_phone_shows_the_timeline_page_on_one_line(app_url: str) -> None:
    from playwright.sync_api import expect

    with page_at(app_url, "phone") as page:
        loaded(page)
        open_tab(page, "Filters")
        page.get_by_role("tab", name="Timeline").click()
        label = page.locator("#timeline-page")
        expect(label).to_contain_text("Page 1 of 1")
        assert (broken_words(page, "#timeline-page"), label.evaluate(LINES_JS)) == ([], 1)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_train_tab_breaks_no_word_and_cuts_no_title(app_url: str, size: str) -> None:
    from playwright.sync_api import expect

    with page_at(app_url, size) as page:
        loaded(page)
        open_tab(page, "Train")
        headers = page.locator("#train-history th")
        expect(headers.first).to_be_visible()
        cut = [
            headers.nth(n).inner_text()
            for n in range(headers.count())
            if headers.nth(n).evaluate(CUT_JS) > 1
        ]
        assert broken_words(page, "#train-history th") == []
        assert cut == []
        titles = "#train-scatter .role-title text, #train-curve .role-title text"
        expect(page.locator(titles)).to_have_count(2)  # the charts draw after the table
        assert shown_problems(page, titles, across=True) == []


@pytest.mark.parametrize("size", list(SIZES))
def test_the_rate_queue_shows_its_whole_name(app_url: str, size: str) -> None:
    with page_at(app_url, size) as page:
        loaded(page)
        open_tab(page, "Rate")
        queue = page.locator("#rate-queue input")
        assert queue.input_value() == "Unrated, shuffled"
        assert queue.evaluate(CUT_JS) <= 0


@pytest.mark.parametrize("size", list(SIZES))
def test_the_keys_help_shows_its_close_button(app_url: str, size: str) -> None:
    from playwright.sync_api import expect

    with page_at(app_url, size) as page:
        loaded(page)
        page.locator("h1").first.click()
        page.keyboard.press("?")
        expect(page.locator("#pictor-keys-help")).to_be_visible()
        assert shown_problems(page, ".pictor-keys-close") == []
        page.locator(".pictor-keys-close").click()
        expect(page.locator("#pictor-keys-help")).to_be_hidden()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_viewer_plays_a_video_in_view_under_a_header_nothing_covers(
    app_url: str, size: str
) -> None:
    """The video (first in the Library): its player, not a poster above it, on the first
    screen of the viewer; scrolled, the viewer's header stays on top of everything."""
    from playwright.sync_api import expect

    with page_at(app_url, size) as page:
        loaded(page)
        page.locator("#library-gallery .thumbnail-item").first.click()
        expect(page.locator("#viewer-meta")).to_contain_text("Video:")
        expect(page.locator("#viewer-player video")).to_have_count(1)
        assert shown_problems(page, "#viewer-player video") == []
        page.locator("#viewer").evaluate("(v) => v.scrollBy(0, 400)")
        header = "#viewer-close, [data-pictor-move]"
        assert shown_problems(page, header) == []


@pytest.mark.parametrize("size", list(SIZES))
def test_the_trash_notice_leaves_the_viewers_buttons_free(app_url: str, size: str) -> None:
    from playwright.sync_api import expect

    with page_at(app_url, size) as page:
        loaded(page)
        page.locator("#library-gallery .thumbnail-item").nth(2).click()
        expect(page.locator("#viewer-meta")).to_contain_text("Content id")
        page.locator("#viewer-trash").click()
        notice = page.locator(".toast-body")
        expect(notice.first).to_contain_text("Moved its file to the trash")
        problems = shown_problems(page, "#viewer-close, [data-pictor-move]")
        page.locator("#viewer-undo").click()  # the library as it was, for the other tests
        expect(page.locator("#viewer-rating-message")).to_contain_text("Put 1 file back")
        assert problems == []

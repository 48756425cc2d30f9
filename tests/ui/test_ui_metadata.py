"""Find by what you know, in a real headless Chromium: the facet pickers with their counts,
the names-and-metadata and combined search modes, the Timeline (months, days, events) and
markup in file names and EXIF shown as text. One server over one small library and one
Chromium serve every test here (each loads the page afresh); no test changes the library.
The last test has its own library and server, on UTC."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from indexing.library import Library
from indexing.settings import Settings
from tests.beacon import Beacon, beacon
from tests.browser import free_port, open_page, serve
from tests.conftest import tiny_clip_env
from tests.library_builder import noise_image

pytestmark = pytest.mark.browser

LISBON = (38.7223, -9.1393, "Lisbon, Portugal")
PORTO = (41.1579, -8.6291, "Porto, Portugal")
FUJI = ("FUJIFILM", "X-T4", "Fujifilm X-T4")  # EXIF make, model; the camera label shown
MARKUP_MODEL = "<b>bold</b> *R5*"
CANON = ("Canon", MARKUP_MODEL, f"Canon {MARKUP_MODEL}")
EVENT_SIZE, EVE_SIZE, PORTO_SIZE = (64, 48), (48, 64), (80, 60)
MARKUP_FOLDER = "<i>odd<i> _f_"
MARKUP_NAME = "<b>bold<b> *x*.png"  # a file name cannot hold the '/' of </b>
PROMPT = "a cyberpunk fox in neon rain, highly detailed"
FILE_TIME = datetime(2024, 3, 20, 12)  # the mtime of the two PNGs, which have no EXIF date


@dataclass(frozen=True)
class Photo:
    name: str
    size: tuple[int, int]
    camera: tuple[str, str, str]
    taken: datetime
    place: tuple[float, float, str]

    @property
    def day(self) -> date:
        return self.taken.date()


# Six photos twenty minutes apart in Lisbon: an event. One the evening before (18 hours
# earlier, so not in it), two in Porto the next March.
EVENT_TIMES = [datetime(2023, 7, 14, 10 + n // 3, n % 3 * 20) for n in range(6)]
EVENT = [
    Photo(f"lisbon/DSCF000{n}.JPG", EVENT_SIZE, FUJI, when, LISBON)
    for n, when in enumerate(EVENT_TIMES)
]
PHOTOS = [
    *EVENT,
    Photo("lisbon/DSCF0099.JPG", EVE_SIZE, FUJI, datetime(2023, 7, 13, 18), LISBON),
    Photo("porto/IMG_0001.JPG", PORTO_SIZE, CANON, datetime(2024, 3, 2, 9), PORTO),
    Photo("porto/IMG_0002.JPG", PORTO_SIZE, CANON, datetime(2024, 3, 2, 9, 5), PORTO),
]
PNGS = {"ai/fox_00001_.png": (72, 40), f"{MARKUP_FOLDER}/{MARKUP_NAME}": (40, 40)}
TOTAL = len(PHOTOS) + len(PNGS)


def count_line(matching: int) -> str:
    return f"{matching:,} of {TOTAL:,} images"


def dms(degrees: float) -> tuple[float, float, float]:
    degrees = abs(degrees)
    minutes = (degrees % 1) * 60
    return (float(int(degrees)), float(int(minutes)), round((minutes % 1) * 60, 3))


def save_photo(root: Path, photo: Photo, lens: str, seed: int) -> None:
    make, model, _ = photo.camera
    lat, lon, _ = photo.place
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = photo.taken.strftime("%Y:%m:%d %H:%M:%S")
    if make == "Canon":
        sub[0xA434] = lens  # LensModel
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = ("N" if lat >= 0 else "S"), dms(lat)
    gps[3], gps[4] = ("E" if lon >= 0 else "W"), dms(lon)
    target = root / photo.name
    target.parent.mkdir(parents=True, exist_ok=True)
    noise_image(photo.size, seed).save(target, exif=exif)


def build_library(root: Path, lens: str) -> None:
    for seed, photo in enumerate(PHOTOS):
        save_photo(root, photo, lens, seed)
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", f"{PROMPT}\nNegative prompt: blurry\nSteps: 28, Seed: 1")
    for seed, (name, size) in enumerate(PNGS.items(), start=100):
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        noise_image(size, seed).save(target, pnginfo=info if "fox" in name else None)
        os.utime(target, (FILE_TIME.timestamp(), FILE_TIME.timestamp()))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Beacon]]:
    """The app over the library above, indexed with the tiny random CLIP; and a beacon whose
    URL the Porto photos' lens field tries to load."""
    tmp = tmp_path_factory.mktemp("metadata-ui")
    with pytest.MonkeyPatch.context() as env, beacon() as target:
        isolate(env, tmp)
        build_library(tmp / "photos", lens=f"<img src={target.url}/lens>")
        settings = Settings(data_dir=tmp / "data", port=free_port(), threads=2)
        summary = Library(settings).index([str(tmp / "photos")])
        assert (summary.new, summary.errors) == (TOTAL, [])
        with serve(settings) as url:
            yield url, target


def isolate(env: pytest.MonkeyPatch, tmp: Path) -> None:
    """What conftest's pictor_env does, for a module: no outside settings, the tiny CLIP."""
    tiny_clip_env(env, tmp)


@pytest.fixture(scope="module")
def browser_page(app: tuple[str, Beacon]):
    """One Chromium for the module; each test loads the app afresh (a new session)."""
    with open_page(app[0], height=1400) as page:
        yield page


@pytest.fixture
def page(browser_page, app: tuple[str, Beacon]):
    browser_page.goto(app[0])
    return browser_page


# Widgets


def open_options(page, picker: str):
    """Open a facet dropdown (e.g. 'filters-facet-city'); its options, once listed."""
    from playwright.sync_api import expect

    page.locator(f"#{picker} input").click()
    options = page.locator(f"#{picker} [role=option]")
    expect(options.first).to_be_visible()
    return options


def option_labels(page, picker: str) -> list[str]:
    """Every choice a facet dropdown lists but "Any", as it reads them out; then closed."""
    from playwright.sync_api import expect

    options = open_options(page, picker)
    labels = [option.get_attribute("aria-label") for option in options.all()]
    # A label is text: markup in a camera, lens or folder name makes no element.
    assert options.locator("b, i, em, strong, img, a").count() == 0
    page.keyboard.press("Escape")
    page.locator(f"#{picker} input").blur()  # a focused dropdown does not open on a click
    expect(options).to_have_count(0)
    assert labels[0] == "Any"
    return labels[1:]


def choose(page, picker: str, label: str) -> None:
    open_options(page, picker)
    page.locator(f"#{picker}").get_by_role("option", name=label, exact=True).click()


def sizes(page, gallery: str) -> list[str]:
    return re.findall(r"\d+×\d+", page.locator(gallery).inner_text())


def size(pair: tuple[int, int]) -> str:
    return f"{pair[0]}×{pair[1]}"


def open_filters(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Filters").click()
    expect(page.locator("#filters-count")).to_contain_text(count_line(TOTAL))


def open_timeline(page) -> None:
    from playwright.sync_api import expect

    open_filters(page)
    page.get_by_role("tab", name="Timeline").click()
    expect(page.locator("#timeline-status")).to_contain_text(f"{TOTAL:,} images")


def search_by_metadata(page, query: str, mode: str = "Names and metadata") -> None:
    page.get_by_role("tab", name="Search").click()
    page.locator("#search-mode").get_by_label(mode, exact=True).check()
    page.locator("#search-text textarea").fill(query)
    page.locator("#search-run").click()


def search_captions(page) -> list[str]:
    """The result cards' captions, in order: '📝 name: img' or '≈ 0.123'."""
    text = page.locator("#search-gallery").inner_text()
    return [line.strip() for line in text.splitlines() if line.strip()[:1] in ("📝", "≈")]


# 1. Facets in Filter & sort


def test_a_city_narrows_the_listing_to_its_count(page) -> None:
    from playwright.sync_api import expect

    open_filters(page)
    in_lisbon = sum(photo.place == LISBON for photo in PHOTOS)
    in_porto = sum(photo.place == PORTO for photo in PHOTOS)
    assert option_labels(page, "filters-facet-city") == [
        f"{LISBON[2]} ({in_lisbon})",
        f"{PORTO[2]} ({in_porto})",
    ]

    choose(page, "filters-facet-city", f"{PORTO[2]} ({in_porto})")
    expect(page.locator("#filters-count")).to_contain_text(count_line(in_porto))
    expect(page.locator("#filters-gallery img")).to_have_count(in_porto)
    assert sizes(page, "#filters-gallery") == [size(PORTO_SIZE)] * in_porto

    choose(page, "filters-facet-city", "Any")
    expect(page.locator("#filters-count")).to_contain_text(count_line(TOTAL))
    expect(page.locator("#filters-gallery img")).to_have_count(TOTAL)


def test_a_year_keeps_the_other_years_listed_and_narrows_the_cameras(page) -> None:
    from playwright.sync_api import expect

    open_filters(page)
    by_year = {year: sum(p.taken.year == year for p in PHOTOS) for year in (2023, 2024)}
    by_year[FILE_TIME.year] += len(PNGS)
    assert option_labels(page, "filters-facet-year") == [
        f"{year} ({count})" for year, count in sorted(by_year.items(), reverse=True)
    ]
    fuji = sum(photo.camera == FUJI for photo in PHOTOS)
    canon = sum(photo.camera == CANON for photo in PHOTOS)
    assert option_labels(page, "filters-facet-camera") == [
        f"{FUJI[2]} ({fuji})",
        f"{CANON[2]} ({canon})",
    ]

    choose(page, "filters-facet-year", f"2023 ({by_year[2023]})")
    expect(page.locator("#filters-count")).to_contain_text(count_line(by_year[2023]))
    expect(page.locator("#filters-gallery img")).to_have_count(by_year[2023])
    # The year's own facet still offers 2024 with its count; the cameras count 2023 only.
    assert option_labels(page, "filters-facet-year") == [
        f"{year} ({count})" for year, count in sorted(by_year.items(), reverse=True)
    ]
    fuji_2023 = sum(p.camera == FUJI and p.taken.year == 2023 for p in PHOTOS)
    assert option_labels(page, "filters-facet-camera") == [f"{FUJI[2]} ({fuji_2023})"]
    assert option_labels(page, "filters-facet-month") == [f"July 2023 ({by_year[2023]})"]

    choose(page, "filters-facet-year", "Any")
    expect(page.locator("#filters-count")).to_contain_text(count_line(TOTAL))
    assert len(option_labels(page, "filters-facet-camera")) == 2


# 2. Search by names and metadata


def test_names_and_metadata_find_a_file_name_word_and_a_prompt_phrase(page) -> None:
    from playwright.sync_api import expect

    status = page.locator("#search-status")
    named_img = [photo for photo in PHOTOS if "IMG_" in photo.name]
    search_by_metadata(page, "IMG")
    expect(status).to_have_text(f"{len(named_img)} match the names and metadata.")
    expect(page.locator("#search-gallery img")).to_have_count(len(named_img))
    captions = search_captions(page)  # the lens field of these photos holds "img" too
    assert len(captions) == len(named_img)
    assert all(caption.startswith("📝 name: img") for caption in captions), captions

    search_by_metadata(page, '"neon rain"')
    expect(status).to_have_text("1 match the names and metadata.")
    expect(page.locator("#search-gallery img")).to_have_count(1)
    assert search_captions(page) == ["📝 prompt: neon rain · chunks: neon rain"]
    page.locator("#search-gallery img").first.click()
    expect(page.locator("#viewer")).to_be_visible()  # opened
    expect(page.locator("#viewer-meta")).to_contain_text("fox_00001_.png")
    page.keyboard.press("Escape")  # the viewer lies over the search
    expect(page.locator("#viewer")).to_be_hidden()

    search_by_metadata(page, '"rain neon"')  # a phrase: those words, in that order
    expect(status).to_have_text("0 match the names and metadata.")
    expect(page.locator("#search-gallery img")).to_have_count(0)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("colour:red", "⚠️ unknown field 'colour:'; use name:, folder:, prompt:, camera:"),
        ('"unbalanced', "0 match the names and metadata."),
        ("-fox", "⚠️ the search only says what to leave out; add a word to look for"),
    ],
)
def test_a_bad_metadata_query_gets_one_line(page, query: str, message: str) -> None:
    from playwright.sync_api import expect

    search_by_metadata(page, query)
    status = page.locator("#search-status")
    expect(status).to_contain_text(message)
    assert len(status.inner_text().strip().splitlines()) == 1
    expect(page.locator("#search-gallery img")).to_have_count(0)
    expect(page.locator(".toast-body")).to_have_count(0)  # Gradio's "Error" pop-up
    expect(page.locator("#search-text textarea")).to_be_editable()  # the page still works
    search_by_metadata(page, "fox")
    expect(status).to_have_text("1 match the names and metadata.")


def test_both_lists_the_metadata_matches_first_then_the_rest_by_meaning(page) -> None:
    from playwright.sync_api import expect

    in_porto = sum(photo.place == PORTO for photo in PHOTOS)
    search_by_metadata(page, "porto", mode="Both")
    status = page.locator("#search-status")
    expect(status).to_contain_text(
        f"{in_porto} match the names and metadata (📝, first); then similar by meaning"
    )
    expect(page.locator("#search-gallery img")).to_have_count(TOTAL)  # each image once
    captions = search_captions(page)
    assert captions[:in_porto] == ["📝 folder: porto · place: porto"] * in_porto
    assert len(captions) == TOTAL
    assert all(re.fullmatch(r"≈ -?[01]\.\d{3}", caption) for caption in captions[in_porto:])


# 3. Timeline


def months() -> list[tuple[str, int, str]]:
    """(label, count, where the dates come from) of each month, newest first."""
    march = sum(p.day.year == 2024 for p in PHOTOS)
    july = sum(p.day.year == 2023 for p in PHOTOS)
    return [
        ("March 2024", march + len(PNGS), f"{march} from EXIF, {len(PNGS)} from file times"),
        ("July 2023", july, "dates from EXIF"),
    ]


def caption_says(label: str, count: int, source: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(label)}\b.* · {count:,} images? · {re.escape(source)}")


def test_timeline_by_month_opens_the_older_month_in_filter_and_sort(page) -> None:
    from playwright.sync_api import expect

    open_timeline(page)
    for number, (label, count, source) in enumerate(months()):
        expect(page.locator(f"#timeline-caption-{number}")).to_have_text(
            caption_says(label, count, source)
        )
        expect(page.locator(f"#timeline-strip-{number} img")).to_have_count(count)
    expect(page.locator(f"#timeline-caption-{len(months())}")).to_have_count(0)

    older_label, older_count, _ = months()[1]
    page.locator("#timeline-show-1").click()
    expect(page.get_by_role("tab", name="Filter & sort")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#filters-count")).to_contain_text(count_line(older_count))
    expect(page.locator("#filters-gallery img")).to_have_count(older_count)
    expect(page.locator("#filters-facet-month input")).to_have_value(
        f"{older_label} ({older_count})"
    )


def test_timeline_by_day_opens_one_day(page) -> None:
    from playwright.sync_api import expect

    open_timeline(page)
    page.locator("#timeline-by").get_by_label("Day", exact=True).check()
    days: dict[date, int] = {FILE_TIME.date(): len(PNGS)}
    for photo in PHOTOS:
        days[photo.day] = days.get(photo.day, 0) + 1
    newest_first = sorted(days.items(), reverse=True)
    for number, (day, count) in enumerate(newest_first):
        source = "dates from file times" if day == FILE_TIME.date() else "dates from EXIF"
        expect(page.locator(f"#timeline-caption-{number}")).to_have_text(
            caption_says(f"{day.day} {day:%B %Y}", count, source)
        )
    expect(page.locator(f"#timeline-caption-{len(days)}")).to_have_count(0)

    last = len(newest_first) - 1  # the evening before the event: one photo
    page.locator(f"#timeline-show-{last}").click()
    expect(page.locator("#filters-count")).to_contain_text(count_line(newest_first[last][1]))
    expect(page.locator("#filters-gallery img")).to_have_count(newest_first[last][1])
    assert sizes(page, "#filters-gallery") == [size(EVE_SIZE)]


def test_choosing_the_event_shows_exactly_its_photos(page) -> None:
    from playwright.sync_api import expect

    open_timeline(page)
    events = page.locator("#timeline-events [type=radio]")
    label = f"{EVENT[0].day} in {LISBON[2]}: {len(EVENT)} photos"
    expect(events).to_have_count(1)
    page.locator("#timeline-events").get_by_label(label, exact=True).check()
    expect(page.locator("#filters-count")).to_contain_text(count_line(len(EVENT)))
    expect(page.locator("#filters-gallery img")).to_have_count(len(EVENT))
    assert sizes(page, "#filters-gallery") == [size(EVENT_SIZE)] * len(EVENT)
    expect(page.locator("#filters-from textarea")).to_have_value(str(EVENT[0].day))
    expect(page.locator("#filters-to textarea")).to_have_value(str(EVENT[-1].day))


# 4. Markup in names and EXIF is text


def test_markup_in_a_camera_a_lens_and_a_folder_shows_as_text(page, app) -> None:
    from playwright.sync_api import expect

    _, target = app
    canon = sum(photo.camera == CANON for photo in PHOTOS)
    for tab in ("filters", "search"):
        if tab == "filters":
            open_filters(page)
        else:
            search_by_metadata(page, "bold")
            page.get_by_text("Facets (counts follow the search)").click()
            expect(page.locator("#search-status")).to_contain_text("3 match")
        assert f"{CANON[2]} ({canon})" in option_labels(page, f"{tab}-facet-camera")
        lens = option_labels(page, f"{tab}-facet-lens")
        assert lens == [f"<img src={target.url}/lens> ({canon})"]
        folders = option_labels(page, f"{tab}-facet-folder")
        assert any(label.endswith(f"/{MARKUP_FOLDER} (1)") for label in folders), folders
    assert page.locator("gradio-app b, gradio-app img[src*='/lens']").count() == 0
    assert target.requests == []


def test_markup_in_a_file_name_shows_as_text_in_its_search_result(page, app) -> None:
    from playwright.sync_api import expect

    _, target = app
    search_by_metadata(page, "bold")
    expect(page.locator("#search-status")).to_have_text("3 match the names and metadata.")
    assert search_captions(page) == ["📝 name: bold", "📝 camera: bold", "📝 camera: bold"]
    page.locator("#search-gallery img").first.click()
    expect(page.locator("#viewer")).to_be_visible()  # opened
    detail = page.locator("#viewer-meta")
    expect(detail).to_contain_text(MARKUP_NAME)
    expect(detail).to_contain_text(MARKUP_FOLDER)
    page.keyboard.press("ArrowRight")  # the next result, in the viewer
    expect(detail).to_contain_text(CANON[2])
    assert page.locator("gradio-app b, gradio-app i, gradio-app em").count() == 0
    assert target.requests == []


# 5. An event abroad, on the photos' own clock


TOKYO_ZONE = "+09:00"  # the server runs on UTC (the fixture sets TZ): nine hours behind
TOKYO_MORNING = [datetime(2023, 7, 14, 6 + n // 3, n % 3 * 20) for n in range(5)]
TOKYO_EVE = datetime(2023, 7, 13, 20)  # the evening before, ten hours earlier: no event


@pytest.fixture
def tokyo_url(tmp_path: Path, browser_page) -> Iterator[str]:
    """Photos taken in Tokyo (EXIF offset +09:00), served by a server on UTC."""
    with pytest.MonkeyPatch.context() as env:
        isolate(env, tmp_path)
        env.setenv("TZ", "UTC")
        time.tzset()
        try:
            for seed, when in enumerate([*TOKYO_MORNING, TOKYO_EVE]):
                exif = Image.Exif()
                exif[0x010F], exif[0x0110] = "Sony", "ILCE-7M3"
                sub = exif.get_ifd(0x8769)
                sub[0x9003], sub[0x9011] = when.strftime("%Y:%m:%d %H:%M:%S"), TOKYO_ZONE
                gps = exif.get_ifd(0x8825)
                gps[1], gps[2], gps[3], gps[4] = "N", dms(35.6762), "E", dms(139.6503)
                size = EVE_SIZE if when == TOKYO_EVE else EVENT_SIZE
                noise_image(size, seed).save(tmp_path / f"tokyo{seed}.jpg", exif=exif)
            settings = Settings(
                data_dir=tmp_path / "data", port=free_port(), threads=2, embed=False
            )
            Library(settings).index([str(tmp_path)])
            with serve(settings) as url:
                browser_page.goto(url)
                yield url
        finally:
            env.undo()
            time.tzset()


def test_an_event_abroad_shows_its_own_day_and_only_its_photos(browser_page, tokyo_url) -> None:
    from playwright.sync_api import expect

    page = browser_page
    page.get_by_role("tab", name="Filters").click()
    total = len(TOKYO_MORNING) + 1
    expect(page.locator("#filters-count")).to_contain_text(f"{total} of {total} images")
    page.get_by_role("tab", name="Timeline").click()
    page.locator("#timeline-by").get_by_label("Day", exact=True).check()
    morning = TOKYO_MORNING[0].date()
    expect(page.locator("#timeline-caption-0")).to_have_text(
        caption_says(f"{morning.day} {morning:%B %Y}", len(TOKYO_MORNING), "dates from EXIF")
    )
    events = page.locator("#timeline-events label")
    expect(events).to_have_count(1)  # listed with the groups: its label is final
    label = events.first.inner_text()
    assert label == f"{morning} in Tokyo, Japan: {len(TOKYO_MORNING)} photos"
    events.first.click()
    expect(page.locator("#filters-from textarea")).to_have_value(str(morning))
    count = f"{len(TOKYO_MORNING)} of {total} images"
    expect(page.locator("#filters-count")).to_contain_text(count)
    assert sizes(page, "#filters-gallery") == [size(EVENT_SIZE)] * len(TOKYO_MORNING)


HUGE_PROMPT = " ".join(f"fox{n}" for n in range(100_000))  # 888,889 characters: under 1 MiB


@pytest.fixture
def huge_prompt_url(tmp_path: Path, browser_page) -> Iterator[str]:
    """One AI image whose prompt is about 900 KB, served on its own."""
    with pytest.MonkeyPatch.context() as env:
        isolate(env, tmp_path)
        info = PngImagePlugin.PngInfo()
        info.add_text("parameters", f"{HUGE_PROMPT}\nNegative prompt: blurry\nSteps: 20, Seed: 1")
        noise_image((64, 48), 1).save(tmp_path / "huge.png", pnginfo=info)
        settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2, embed=False)
        assert Library(settings).index([str(tmp_path)]).warnings == []  # stored whole
        with serve(settings) as url:
            browser_page.goto(url)
            yield url


def test_a_huge_prompt_shows_an_excerpt_and_show_all_reveals_it(browser_page, huge_prompt_url):
    from playwright.sync_api import expect

    from app.detail_generation import EXCERPT

    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=huge_prompt_url)
    prompt = page.locator("#viewer-prompt textarea")
    started = time.monotonic()
    page.locator("#library-gallery img").first.click()
    expect(prompt).to_have_value(HUGE_PROMPT[:EXCERPT])
    opened_in = time.monotonic() - started
    expect(page.locator("#viewer-prompt")).to_contain_text(
        f"the first {EXCERPT:,} of {len(HUGE_PROMPT):,} characters"
    )
    box = prompt.bounding_box()  # on screen, within the viewport
    assert box and box["height"] > 0 and box["y"] < page.viewport_size["height"]
    assert opened_in < 15, f"the viewer took {opened_in:.1f} s to show the prompt"
    show_all = page.locator("#viewer-show-all-prompt")
    expect(show_all).to_be_visible()
    show_all.click()
    expect(prompt).to_have_value(HUGE_PROMPT)  # the rest, to read or copy
    expect(show_all).to_be_hidden()
    page.locator("#viewer-copy-prompt").click()
    expect(page.locator("#viewer-copy-prompt")).to_have_text("Copied ✓")
    assert page.evaluate("navigator.clipboard.readText()") == HUGE_PROMPT

"""The detail panel in the browser shows an AI image's generation settings as text and copies
its prompt (the parsing itself: tests/unit/test_generation.py)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from indexing.library import Library
from indexing.settings import Settings
from tests.beacon import beacon
from tests.browser import free_port, open_page, serve
from tests.integration.test_generation import ai_library, place_and_subjects
from tests.library_builder import LibraryBuilder
from tests.unit.test_generation import INVOKEAI


@pytest.fixture
def served(tmp_path: Path, pictor_env: Path, library: LibraryBuilder):
    with beacon() as target:
        files = ai_library(library, target.url)
        settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
        Library(settings).index([str(library.root)])
        photo = sqlite3.connect(settings.catalog_path).execute(
            "SELECT content_id FROM files WHERE path = ?", (str(files["photo"]),)
        )
        place_and_subjects(settings.catalog_path, photo.fetchone()[0])
        with serve(settings) as url:
            yield url, target, files, settings


def read_card(page, seen: list[str]) -> dict[str, str]:
    """The detail panel after clicking a card: content id, settings table, prompt boxes."""
    from playwright.sync_api import expect

    meta = page.locator("#viewer-meta")
    for content_id in seen:  # wait for this card's own detail, not the last one's
        expect(meta).not_to_contain_text(content_id)
    expect(meta).to_contain_text(re.compile(r"Content id: [0-9a-f]{32}"))
    content_id = re.search(r"Content id: ([0-9a-f]{32})", meta.inner_text()).group(1)
    seen.append(content_id)
    copy = page.locator("#viewer-copy-prompt")
    if not copy.is_visible():
        return {"id": content_id, "about": page.locator("#viewer-about").inner_text()}
    return {
        "id": content_id,
        "about": page.locator("#viewer-about").inner_text(),
        "settings": page.locator("#viewer-generation").inner_text(),
        "prompt": page.locator("#viewer-prompt textarea").input_value(),
        "negative": page.locator("#viewer-negative-prompt textarea").input_value(),
    }


@pytest.mark.browser
def test_detail_panel_shows_generation_and_copies_the_prompt(served) -> None:
    from playwright.sync_api import expect

    url, target, files, settings = served
    with Library(settings).open_catalog() as catalog:
        names = {
            catalog.conn.execute(
                "SELECT content_id FROM files WHERE path = ?", (str(path),)
            ).fetchone()[0]: name
            for name, path in files.items()
        }
    with open_page(url) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        cards = page.locator("#library-gallery img")
        expect(cards).to_have_count(3)
        seen: list[str] = []
        shown = {}
        for n in range(3):
            cards.nth(n).click()
            expect(page.locator("#viewer")).to_be_visible()  # opened
            card = read_card(page, seen)
            shown[names[card["id"]]] = card
            if names[card["id"]] == "a1111":
                page.locator("#viewer-copy-prompt").click()
                expect(page.locator("#viewer-copy-prompt")).to_have_text("Copied ✓")
                copied = page.evaluate("navigator.clipboard.readText()")
            page.keyboard.press("Escape")  # the viewer lies over the gallery
            expect(page.locator("#viewer")).to_be_hidden()

    a1111, invoke, photo = shown["a1111"], shown["invoke"], shown["photo"]
    hostile = f"![p]({target.url}/z) *masterpiece*, best quality"
    assert a1111["prompt"].startswith(hostile)  # the whole prompt, as written
    assert a1111["prompt"].endswith("<lora:add_detail:0.6>\nshallow depth of field")
    assert copied == a1111["prompt"]
    assert a1111["negative"] == (
        "lowres, bad anatomy, (worst quality:1.4), watermark,\ntext, signature"
    )
    for line in ("Steps\t28", "Sampler\tDPM++ 2M", "CFG scale\t6.5", "Seed\t3055418921",
                 "Size\t832x1216", f"Model\t<img src={target.url}/m>",
                 "Lora hashes\tadd_detail: 7c6bad76eb54, more_details: 3b8aa1d351ef"):  # fmt: skip
        assert line in a1111["settings"]
    assert "Sampler\tdpmpp_2m_k" in invoke["settings"]
    assert invoke["prompt"] == INVOKEAI["positive_prompt"]
    assert "settings" not in photo  # no generation section for a photo
    assert photo["about"].splitlines() == [
        "Date: 2023-07-14 (EXIF)",
        "Place: Lisbon, Lisbon, Portugal",
        "Subjects: beach, sunset",
    ]
    assert "(file date)" in a1111["about"]
    assert target.requests == []  # nothing in a prompt or a setting made the browser fetch

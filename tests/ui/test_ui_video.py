"""A video in the app, in a real headless Chromium: a screenshot finds it in the Search tab,
its card shows the moment, and the viewer plays the file from there (served in place)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from indexing.library import Library
from indexing.settings import Settings
from tests import video_fixtures as vf
from tests.browser import free_port, open_page, serve
from tests.integration.test_video_library import SCENES, frame_at, scene_of

pytestmark = pytest.mark.browser


@pytest.fixture
def video(tmp_path: Path) -> Path:
    (tmp_path / "films").mkdir()
    return vf.color_video(tmp_path / "films" / "holiday.mp4", SCENES, duration=32, gop=25)


@pytest.fixture
def app_url(tmp_path: Path, pictor_env: Path, video: Path) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
    summary = Library(settings).index([str(video.parent)])
    assert summary.embeddings is not None and summary.embeddings.embedded == 1
    with serve(settings) as url:
        yield url


def test_a_screenshot_finds_the_video_and_the_viewer_plays_it_from_the_moment(
    app_url: str, video: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    shot = tmp_path / "shot.png"
    frame_at(video, 16.0).save(shot)
    with open_page(app_url, height=1000) as page:
        page.get_by_role("tab", name="Search").click()
        page.locator("#search-image input[type=file]").set_input_files(str(shot))
        page.locator("#search-run").click()
        expect(page.locator("#search-status")).to_contain_text("1 results", timeout=30_000)
        card = page.locator("#search-gallery").inner_text()
        assert "▶ 00:00:1" in card, card  # the moment found, on the card
        page.locator("#search-gallery img").first.click()
        expect(page.locator("#viewer")).to_be_visible()  # opened
        player = page.locator("#viewer-player video")
        expect(player).to_have_count(1, timeout=20_000)
        source = player.get_attribute("src")
        path, _, start = unquote(source.split("file=", 1)[1]).partition("#t=")
        assert path == str(video) and scene_of(float(start)) == scene_of(16.0)
        expect(page.locator("#viewer-meta")).to_contain_text("Video: 00:00:32")
        # The browser gets the file itself, in ranges, from the app's file route.
        answer = page.request.get(
            app_url.rstrip("/") + source.split("#")[0], headers={"Range": "bytes=0-99"}
        )
        assert answer.status == 206 and answer.body() == video.read_bytes()[:100]
        # Playable: Chromium reads its metadata (H.264 in MP4).
        page.wait_for_function(
            "() => document.querySelector('#viewer-player video').readyState >= 1",
            timeout=20_000,
        )
        duration = page.evaluate("() => document.querySelector('#viewer-player video').duration")
        assert duration == pytest.approx(32, abs=0.5)

"""The Train tab in a real browser: train with progress, see the validation beside the
baseline and the history, then predictions in the Filters sort and in a detail view."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from indexing.curate.rating_service import RatingService
from indexing.library import Library
from indexing.settings import Settings
from tests.browser import free_port, open_page, serve
from tests.integration.test_evaluator_service import tasteful_library

pytestmark = pytest.mark.browser


@pytest.fixture
def app(tmp_path: Path, pictor_env: Path, library) -> Iterator[str]:
    taste = tasteful_library(library, tmp_path, count=40)
    service = RatingService(Library(Settings(data_dir=tmp_path / "data")))
    for name in sorted(taste)[:25]:
        service.rate_path(str(library.root / name), round(float(np.clip(taste[name], 0, 10)), 1))
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
    with serve(settings) as url:
        yield url


def test_train_then_see_predictions_everywhere(app) -> None:
    from playwright.sync_api import expect

    with open_page(app) as page:
        page.get_by_role("tab", name="Train").click()
        expect(page.locator("#train-status")).to_contain_text("25 ratings")
        page.locator("#train-run").click()
        expect(page.locator("#train-progress")).to_contain_text("Done:", timeout=120_000)
        metrics = page.locator("#train-metrics")
        expect(metrics).to_contain_text("your evaluator")
        expect(metrics).to_contain_text("baseline")
        expect(page.locator("#train-history")).to_contain_text("eval-")
        expect(page.locator("#train-history")).to_contain_text("✓")
        expect(metrics).to_contain_text("of held-out ratings fell inside it")
        expect_a_drawn_curve(page.locator("#train-curve"))

        page.get_by_role("tab", name="Filters").click()
        page.locator("#filters-sort input").click()
        page.get_by_role("option", name="Rating (yours, else predicted)").click()
        expect(page.locator("#filters-gallery")).to_contain_text("predicted")

        page.get_by_role("tab", name="Library").click()
        page.locator("#library-gallery img").first.wait_for()
        cards = page.locator("#library-gallery img")
        for n in range(cards.count()):  # a card whose rating is predicted, not given
            cards.nth(n).click()
            expect(page.locator("#viewer")).to_be_visible()  # opened
            expect(page.locator("#viewer-meta")).to_contain_text("Content id")
            if "Predicted rating" in page.locator("#viewer-meta").inner_text():
                break
            page.keyboard.press("Escape")  # the viewer lies over the gallery
            expect(page.locator("#viewer")).to_be_hidden()
        expect(page.locator("#viewer-meta")).to_contain_text("Predicted rating")
        expect(page.locator("#viewer-why img")).to_have_count(5)
        expect(page.locator("#viewer-why")).to_contain_text("yours")


def expect_a_drawn_curve(curve) -> None:
    """A line is drawn, and both axes are number scales with numeric tick labels (not the
    raw values of each point as labels, which is how a blank chart looked)."""
    from playwright.sync_api import expect

    line = curve.locator("g.mark-line path")
    expect(line.first).to_be_visible()
    assert len(line.first.get_attribute("d") or "") > 10  # a path through the points
    box = line.first.bounding_box()
    assert box is not None and box["width"] > 50  # it spans the plot, on screen
    for axis in ("X", "Y"):
        group = curve.locator(f"g.role-axis[aria-label^='{axis}-axis']")
        expect(group).to_have_count(1)
        assert "discrete scale" not in group.get_attribute("aria-label")
        labels = group.locator("g.role-axis-label text").all_text_contents()
        assert len(labels) >= 3 and all(re.fullmatch(r"[0-9.,]+", t) for t in labels), labels


@pytest.fixture
def noise_app(tmp_path: Path, pictor_env: Path, library) -> Iterator[str]:
    """Ratings that have nothing to do with the images: no model can beat the mean."""
    taste = tasteful_library(library, tmp_path, count=40)
    service = RatingService(Library(Settings(data_dir=tmp_path / "data")))
    noise = np.random.default_rng(3).permutation(np.linspace(0, 10, 30))
    for name, score in zip(sorted(taste)[:30], noise, strict=True):
        service.rate_path(str(library.root / name), round(float(score), 1))
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), threads=2)
    with serve(settings) as url:
        yield url


def test_an_evaluator_worse_than_the_baseline_waits_for_use_it_anyway(noise_app) -> None:
    from playwright.sync_api import expect

    with open_page(noise_app) as page:
        page.get_by_role("tab", name="Train").click()
        page.locator("#train-run").click()
        progress = page.locator("#train-progress")
        expect(progress).to_contain_text("does not beat the baseline", timeout=120_000)
        expect(progress).to_contain_text("no evaluator is active")
        expect(page.locator("#train-metrics")).to_contain_text("does not beat the baseline")
        expect(page.locator("#train-history")).to_contain_text("eval-")
        expect(page.locator("#train-history")).not_to_contain_text("✓")  # not in use
        anyway = page.locator("#train-use-anyway")
        expect(anyway).to_be_visible()
        anyway.click()
        expect(progress).to_contain_text("is active as you chose")
        expect(page.locator("#train-history")).to_contain_text("✓")
        expect(anyway).to_be_hidden()

"""The one filter object: invalid input is refused with one clear line."""

from __future__ import annotations

import re

import pytest

from indexing.errors import PictorError
from indexing.query.filters import Filter, SortKey, parse_sort
from indexing.query.listing import ListRequest


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"min_width": 2000, "max_width": 1000}, "min_width (2000) is greater than max_width"),
        ({"min_height": 9, "max_height": 3}, "min_height (9) is greater than max_height (3)"),
        ({"min_pixels": 10, "max_pixels": 1}, "min_pixels (10) is greater than max_pixels (1)"),
        ({"min_aspect": 2, "max_aspect": 1}, "min_aspect (2.0) is greater than max_aspect"),
        ({"min_bytes": 5, "max_bytes": 4}, "min_bytes (5) is greater than max_bytes (4)"),
        ({"min_rating": 8, "max_rating": 2}, "min_rating (8.0) is greater than max_rating"),
        ({"min_bytes": -1}, "min_bytes: -1 is too small (at least 0)"),
        ({"max_bytes": -10}, "max_bytes: -10 is too small (at least 0)"),
        ({"min_width": -1}, "min_width: -1 is too small (at least 0)"),
        ({"min_aspect": 0}, "min_aspect: 0 is too small (more than 0)"),
        ({"max_rating": 11}, "max_rating: 11 is too large (at most 10)"),
        ({"taken_from": "2024-02-30"}, "taken_from: '2024-02-30' is not a date (use YYYY-MM-DD)"),
        ({"taken_to": "yesterday"}, "taken_to: 'yesterday' is not a date (use YYYY-MM-DD)"),
        (
            {"taken_from": "2024-05-02", "taken_to": "2024-05-01"},
            "taken_from (2024-05-02) is after taken_to (2024-05-01)",
        ),
        ({"formats": "jpeg,bogus"}, "unknown format 'bogus'"),
        ({"exclude_text": "beach", "only_text": "beach"}, "'beach' is both excluded and required"),
        ({"text_sensitivity": 1.5}, "text_sensitivity: 1.5 is too large (at most 1)"),
        ({"min_widht": 3}, "unknown filter 'min_widht'"),
    ],
)
def test_invalid_filters_are_refused_with_a_clear_message(values: dict, message: str) -> None:
    with pytest.raises(PictorError) as caught:
        Filter.parse(**values)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unknown_sort_key_names_the_known_ones() -> None:
    with pytest.raises(PictorError, match=r"unknown sort key 'biggest'; use one of: resolution"):
        parse_sort("biggest")
    assert parse_sort("Proportion") is SortKey.proportion
    assert parse_sort(None) is SortKey.taken


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"page": 0}, "page: 0 is too small (at least 1)"),
        ({"page_size": 0}, "page_size: 0 is too small (at least 1)"),
        ({"page_size": 5000}, "page_size: 5000 is too large (at most 1,000)"),
        ({"sort": "biggest"}, "sort: Input should be"),
    ],
)
def test_invalid_pages_are_refused(values: dict, message: str) -> None:
    with pytest.raises(PictorError, match=re.escape(message)):
        ListRequest.parse(**values)


def test_loose_input_means_not_set_and_normalises() -> None:
    flt = Filter.parse(min_width="", max_width=None, formats="jpg, .png", exclude_text="nsfw, ,x")
    assert flt == Filter(formats=("JPEG", "PNG"), exclude_text=("nsfw", "x"))
    assert flt.needs_clip and not Filter().needs_clip and Filter().is_empty


def test_the_filter_is_a_value() -> None:
    assert Filter(min_width=3) == Filter.parse(min_width="3")
    assert hash(Filter(min_width=3)) == hash(Filter(min_width=3))
    with pytest.raises(Exception):  # noqa: B017 - frozen
        Filter().min_width = 3  # type: ignore[misc]

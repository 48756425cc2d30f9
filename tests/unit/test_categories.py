"""The text-category filter without vectors says what is missing (the filter with a planted
embedder: tests/integration/test_categories.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexing.errors import PictorError
from indexing.query.categories import CategoryScores
from indexing.query.filters import Filter
from indexing.query.listing import ListRequest, list_images
from indexing.store.catalog import Catalog
from tests.planted_embedder import MODEL, PlantedEmbedder
from tests.unit.test_listing import Generated, make_catalog


def test_without_vectors_the_text_filter_says_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    images: list[Generated] = make_catalog(path, count=30)
    scores = CategoryScores(MODEL, PlantedEmbedder, lambda: None)
    with Catalog(path) as catalog:
        with pytest.raises(PictorError, match=r"needs CLIP vectors and no image has one"):
            list_images(catalog, ListRequest(filter=Filter(exclude_text="nsfw")), scores)
        plain = list_images(catalog, ListRequest(filter=Filter(min_width=640)), scores)
    assert plain.matching == sum(1 for i in images if i.present and i.width >= 640)

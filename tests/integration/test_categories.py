"""The text-category filter with a planted embedder: known text vectors, known image vectors.

Basis vector 0 is "beach"; each neutral prompt gets a basis vector of its own. A beach image
points along 0, a plain photo along a neutral prompt, and a borderline image halfway
between, so its P(beach) is about one half and the sensitivity slider decides it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexing.library import Library
from indexing.models.clip import WeightsUnavailable
from indexing.query import categories
from indexing.query.categories import CategoryScores
from indexing.query.filters import Filter, SortKey
from indexing.query.listing import ListRequest, list_images, list_library
from indexing.settings import Settings
from indexing.store.catalog import Catalog
from indexing.store.vectors import VectorStore
from tests.planted_embedder import MODEL, PlantedEmbedder, basis
from tests.unit.test_listing import make_catalog


@pytest.fixture
def planted(tmp_path: Path):
    """A catalog whose images are beach, plain, borderline, or without a vector."""
    path = tmp_path / "catalog.sqlite3"
    images = [i for i in make_catalog(path, count=120, seed=3) if i.present]
    kinds: dict[str, str] = {}
    vectors = {}
    for n, image in enumerate(images):
        kind = ("beach", "plain", "plain", "borderline", "none")[n % 5]
        kinds[image.content_id] = kind
        if kind == "beach":
            vectors[image.content_id] = basis(0)
        elif kind == "plain":
            vectors[image.content_id] = basis(2 + n % 5)
        elif kind == "borderline":
            vectors[image.content_id] = (basis(0) + basis(3)) / np.sqrt(2)
    store = VectorStore.embedded(tmp_path / "vectors")
    ids = list(vectors)
    store.upsert(MODEL, ids, np.stack([vectors[i] for i in ids]).astype(np.float32))
    catalog = Catalog(path)
    with catalog.transaction():
        catalog.put_embeddings(ids, MODEL)
    embedder = PlantedEmbedder()
    scores = CategoryScores(MODEL, lambda: embedder, lambda: store)
    yield catalog, kinds, scores, embedder, store
    catalog.close()


def listed(catalog: Catalog, scores: CategoryScores, **filter_values) -> list[str]:
    request = ListRequest(filter=Filter(**filter_values), sort=SortKey.name, page_size=1000)
    listing = list_images(catalog, request, scores)
    assert listing.matching == len(listing.items)
    return [item.content_id for item in listing.items]


def of_kind(kinds: dict[str, str], *wanted: str) -> set[str]:
    return {cid for cid, kind in kinds.items() if kind in wanted}


def test_only_keeps_the_category_and_exclude_hides_it(planted) -> None:
    catalog, kinds, scores, _, _ = planted
    only = listed(catalog, scores, only_text=("beach",), text_sensitivity=0.3)
    assert set(only) == of_kind(kinds, "beach")
    hidden = listed(catalog, scores, exclude_text=("beach",), text_sensitivity=0.3)
    assert set(hidden) == of_kind(kinds, "plain", "borderline", "none")  # no vector: kept


def test_sensitivity_decides_the_borderline_images(planted) -> None:
    catalog, kinds, scores, _, _ = planted
    loose = listed(catalog, scores, only_text=("Beach",), text_sensitivity=0.6)
    assert set(loose) == of_kind(kinds, "beach", "borderline")
    strict = listed(catalog, scores, exclude_text=("beach",), text_sensitivity=0.6)
    assert set(strict) == of_kind(kinds, "plain", "none")


def test_text_filter_combines_with_the_other_filters(planted) -> None:
    catalog, kinds, scores, _, _ = planted
    wide = set(listed(catalog, scores, min_aspect=1.2))
    both = listed(catalog, scores, min_aspect=1.2, exclude_text=("beach",), text_sensitivity=0.3)
    assert set(both) == wide - of_kind(kinds, "beach") and both


def test_scores_are_computed_once_then_come_from_the_cache(planted) -> None:
    catalog, kinds, scores, embedder, store = planted
    assert scores.ensure(catalog, ["beach"]) == len(of_kind(kinds, "beach", "plain", "borderline"))
    calls = embedder.calls
    for page in (1, 2, 3):
        request = ListRequest(
            filter=Filter(exclude_text=("beach",)), sort=SortKey.random, page=page, page_size=10
        )
        list_images(catalog, request, scores)
    assert embedder.calls == calls  # paging and re-sorting never recompute
    # A new vector: only that image is scored.
    newcomer = next(iter(of_kind(kinds, "none")))
    store.upsert(MODEL, [newcomer], basis(0)[None, :])
    with catalog.transaction():
        catalog.put_embeddings([newcomer], MODEL)
    assert scores.ensure(catalog, ["beach"]) == 1
    assert newcomer in listed(catalog, scores, only_text=("beach",), text_sensitivity=0.3)


def test_a_new_decision_rule_recomputes_the_cache(planted, monkeypatch) -> None:
    catalog, kinds, scores, _, _ = planted
    embedded = len(of_kind(kinds, "beach", "plain", "borderline"))
    assert scores.ensure(catalog, ["beach"]) == embedded
    monkeypatch.setattr(categories, "LOGIT_SCALE", 50.0)
    assert scores.ensure(catalog, ["beach"]) == embedded


def test_paging_through_the_collection_gives_the_same_scores(planted, monkeypatch) -> None:
    catalog, kinds, scores, _, _ = planted
    monkeypatch.setattr(categories, "PAGE_THROUGH_ABOVE", 0)
    monkeypatch.setattr(categories, "SCORE_PAGE", 7)
    only = listed(catalog, scores, only_text=("beach",), text_sensitivity=0.3)
    assert set(only) == of_kind(kinds, "beach")


def test_without_weights_the_text_filter_says_how_to_get_them(
    tmp_path: Path, pictor_env: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", clip_pretrained=str(tmp_path / "no-such-weights.bin")
    )
    library = Library(settings)
    with library.open_catalog() as catalog:
        for image in make_catalog(tmp_path / "scratch.sqlite3", count=12):
            if image.present:
                from tests.unit.test_listing import write

                with catalog.transaction() as conn:
                    write(conn, image)
                    catalog.put_embeddings([image.content_id], library.model_id)
    with pytest.raises(WeightsUnavailable) as caught:
        list_library(library, ListRequest(filter=Filter(only_text="beach")))
    assert "PICTOR_CLIP_PRETRAINED" in str(caught.value)
    everything = list_library(library, ListRequest(filter=Filter(min_width=1)))
    assert everything.matching == everything.total > 0

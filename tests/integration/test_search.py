"""Semantic search with a planted embedder: vectors chosen by the test, so the order is known."""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from indexing.errors import PictorError
from indexing.query.filters import Filter
from indexing.query.result_order import ResultOrder
from indexing.query.search import NEGATIVE_WEIGHT, Searcher, SearchQuery, TextCache, parse_negative
from indexing.store.vectors import VectorStore
from tests.conftest import Pictor
from tests.library_builder import LibraryBuilder

DIM = 8
PLANTED = "planted@test"


def unit(*weights: float) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(weights)] = weights
    return vector / np.linalg.norm(vector)


class PlantedEmbedder:
    """Text vectors from a table; counts every call of the text and image towers."""

    model_id = PLANTED
    input_size = 32
    context_length = 12

    def __init__(self, texts: dict[str, np.ndarray], image: np.ndarray | None = None):
        self.texts = texts
        self.image = image
        self.text_calls: list[list[str]] = []
        self.image_calls = 0

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        self.text_calls.append(list(texts))
        return np.stack([self.texts[text] for text in texts])

    def embed_images(self, images: list[Image.Image]) -> np.ndarray:
        self.image_calls += 1
        assert self.image is not None, "this test expected no image to be embedded"
        return np.stack([self.image for _ in images])

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2


class Planted:
    """A catalogued library whose vectors (under PLANTED) are set by the test."""

    def __init__(self, pictor: Pictor, library: LibraryBuilder):
        self.pictor = pictor
        self.library = library
        self.store = VectorStore.embedded(pictor.settings.vectors_dir)
        self.ids: dict[str, str] = {}  # file name -> content id
        self.seed = 0

    def add(
        self, vectors: dict[str, np.ndarray], size=(40, 30), times: dict[str, float] | None = None
    ) -> None:
        """The files, indexed, with these vectors (and these file times: their dates)."""
        paths = {}
        for name in vectors:  # every file distinct content: its own seed
            self.seed += 1
            paths[name] = self.library.noise(name, size=size, seed=self.seed)
            if times and name in times:
                os.utime(paths[name], (times[name], times[name]))
        self.pictor.index(self.library.root)
        for name, path in paths.items():
            self.ids[name] = self.pictor.image_for(path)["content_id"]
        names = list(vectors)
        self.store.upsert(
            PLANTED, [self.ids[n] for n in names], np.stack([vectors[n] for n in names])
        )

    def searcher(self, embedder: PlantedEmbedder, **options) -> Searcher:
        return Searcher(
            self.pictor.library.open_catalog,
            lambda: self.store,
            embedder,
            max_image_pixels=options.pop("max_image_pixels", 10**8),
            text_cache=TextCache(),
            **options,
        )

    def names(self, results) -> list[str]:
        by_id = {cid: name for name, cid in self.ids.items()}
        return [by_id[hit.content_id] for hit in results.hits]


@pytest.fixture
def planted(tmp_path: Path, pictor_env: Path, library: LibraryBuilder) -> Planted:
    return Planted(Pictor(tmp_path / "data", embed=False), library)


def test_results_come_best_first_with_their_cosine(planted: Planted) -> None:
    planted.add(
        {
            "exact.jpg": unit(1, 0),
            "close.jpg": unit(0.9, 0.1),
            "half.jpg": unit(1, 1),
            "other.jpg": unit(0, 1),
            "opposite.jpg": unit(-1, 0),
        }
    )
    embedder = PlantedEmbedder({"zero": unit(1, 0)})
    results = planted.searcher(embedder).search(SearchQuery(text="zero", top=10))
    assert planted.names(results) == [
        "exact.jpg",
        "close.jpg",
        "half.jpg",
        "other.jpg",
        "opposite.jpg",
    ]
    scores = [hit.score for hit in results.hits]
    assert scores[0] == pytest.approx(1.0, abs=1e-5)
    assert scores[2] == pytest.approx(np.sqrt(0.5), abs=1e-5)
    assert scores[-1] == pytest.approx(-1.0, abs=1e-5)
    assert results.model == PLANTED
    cut = planted.searcher(embedder).search(SearchQuery(text="zero", top=10, min_score=0.5))
    assert planted.names(cut) == ["exact.jpg", "close.jpg", "half.jpg"]


def test_text_and_image_are_weighted(planted: Planted) -> None:
    planted.add({"text.jpg": unit(1, 0), "image.jpg": unit(0, 1), "both.jpg": unit(1, 1)})
    embedder = PlantedEmbedder({"zero": unit(1, 0)})
    searcher = planted.searcher(embedder)
    image = str(planted.library.root / "image.jpg")
    mostly_image = searcher.search(SearchQuery(text="zero", image_path=image, image_weight=0.8))
    assert planted.names(mostly_image)[:2] == ["image.jpg", "both.jpg"]
    mostly_text = searcher.search(SearchQuery(text="zero", image_path=image, image_weight=0.2))
    assert planted.names(mostly_text)[:2] == ["text.jpg", "both.jpg"]
    assert embedder.image_calls == 0, "a library image is looked up by content, not embedded"


def test_negative_terms_push_matching_images_down(planted: Planted) -> None:
    planted.add({"blurry cat.jpg": unit(0.8, 0.6), "sharp cat.jpg": unit(0.7, 0, 0.7)})
    embedder = PlantedEmbedder({"cat": unit(1, 0), "blurry": unit(0, 1), "text": unit(0, 0, 0, 1)})
    searcher = planted.searcher(embedder)
    plain = searcher.search(SearchQuery(text="cat"))
    assert planted.names(plain) == ["blurry cat.jpg", "sharp cat.jpg"]
    negated = searcher.search(SearchQuery(text="cat", negative=parse_negative("not: blurry, text")))
    assert planted.names(negated) == ["sharp cat.jpg", "blurry cat.jpg"]
    query = unit(1, 0) - NEGATIVE_WEIGHT * (unit(0, 1) + unit(0, 0, 0, 1)) / np.sqrt(2) * 1.0
    expected = float(unit(0.7, 0, 0.7) @ (query / np.linalg.norm(query)))
    assert negated.hits[0].score == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("mechanism", ["exact", "hnsw"])
def test_filters_apply_before_the_top_k_cut(planted: Planted, mechanism: str) -> None:
    best = {f"crowd/best{i:02d}.jpg": unit(1, 0.01 * i) for i in range(30)}
    wanted = {f"wanted/w{i}.jpg": unit(0.1 * (i + 1), 1) for i in range(4)}
    planted.add(best)
    planted.library.root.joinpath("wanted").mkdir()
    planted.add(wanted, size=(80, 30))
    embedder = PlantedEmbedder({"zero": unit(1, 0)})
    searcher = planted.searcher(embedder, mechanism=mechanism)
    folder = Filter.parse(folder=str(planted.library.root / "wanted"))
    results = searcher.search(SearchQuery(text="zero", top=3, filter=folder))
    assert planted.names(results) == ["wanted/w3.jpg", "wanted/w2.jpg", "wanted/w1.jpg"]
    assert results.has_more
    assert results.mechanism == mechanism
    wide = searcher.search(SearchQuery(text="zero", top=10, filter=Filter(min_width=60)))
    assert sorted(planted.names(wide)) == sorted(wanted)


def test_one_result_per_content_with_every_path(planted: Planted) -> None:
    planted.add({"a.jpg": unit(1, 0), "b.jpg": unit(0, 1)})
    copy = planted.library.write(
        "copies/a again.jpg", (planted.library.root / "a.jpg").read_bytes()
    )
    planted.pictor.index(planted.library.root)
    results = planted.searcher(PlantedEmbedder({"zero": unit(1, 0)})).search(
        SearchQuery(text="zero")
    )
    assert planted.names(results) == ["a.jpg", "b.jpg"]
    assert results.hits[0].paths == sorted([str(planted.library.root / "a.jpg"), str(copy)])


def test_images_without_a_present_file_are_not_shown(planted: Planted) -> None:
    planted.add({"gone.jpg": unit(1, 0), "here.jpg": unit(0.5, 1)})
    (planted.library.root / "gone.jpg").unlink()
    planted.pictor.index(planted.library.root)
    for mechanism in ("exact", "hnsw"):
        searcher = planted.searcher(PlantedEmbedder({"zero": unit(1, 0)}), mechanism=mechanism)
        assert planted.names(searcher.search(SearchQuery(text="zero"))) == ["here.jpg"]


@pytest.mark.parametrize("mechanism", ["exact", "hnsw"])
def test_pages_continue_without_repeats_or_gaps(planted: Planted, mechanism: str) -> None:
    rng = np.random.default_rng(3)
    vectors = {f"img{i:02d}.jpg": unit(*rng.standard_normal(DIM)) for i in range(23)}
    vectors["twin1.jpg"] = vectors["twin2.jpg"] = unit(1, 1, 1)  # a tie: order by content id
    planted.add(vectors)
    embedder = PlantedEmbedder({"zero": unit(1, 1, 1)})
    searcher = planted.searcher(embedder, mechanism=mechanism)
    where = Filter(min_width=1)  # a filter: the exact path reads only what passes
    pages = [
        searcher.search(SearchQuery(text="zero", top=7, page=page, filter=where))
        for page in (1, 2, 3, 4, 5)
    ]
    seen = [name for page in pages for name in planted.names(page)]
    query = unit(1, 1, 1)
    expected = sorted(vectors, key=lambda n: (-float(vectors[n] @ query), planted.ids[n]))
    assert seen == expected
    assert [len(page.hits) for page in pages] == [7, 7, 7, 4, 0]
    assert [page.has_more for page in pages] == [True, True, True, False, False]
    assert embedder.text_calls == [["zero"]], "later pages reuse the cached text embedding"


def test_an_image_outside_the_library_is_embedded_in_memory(
    planted: Planted, tmp_path: Path
) -> None:
    planted.add({"a.jpg": unit(1, 0), "b.jpg": unit(0, 1)})
    outside = tmp_path / "upload.png"
    Image.new("RGB", (50, 50), "red").save(outside)
    before = sorted(p.name for p in planted.library.root.rglob("*"))
    embedder = PlantedEmbedder({}, image=unit(0.1, 1))
    results = planted.searcher(embedder).search(SearchQuery(image_path=str(outside)))
    assert planted.names(results) == ["b.jpg", "a.jpg"]
    assert embedder.image_calls == 1
    assert sorted(p.name for p in planted.library.root.rglob("*")) == before


def test_find_similar_by_content_id(planted: Planted) -> None:
    planted.add({"a.jpg": unit(1, 0), "b.jpg": unit(0, 1), "c.jpg": unit(1, 0.2)})
    embedder = PlantedEmbedder({})
    results = planted.searcher(embedder).search(SearchQuery(image_content_id=planted.ids["a.jpg"]))
    assert planted.names(results) == ["a.jpg", "c.jpg", "b.jpg"]
    assert results.hits[0].score == pytest.approx(1.0, abs=1e-5)


def test_text_category_filter_uses_the_vectors(planted: Planted) -> None:
    from indexing.query import categories

    neutral = {prompt: unit(0, 0, 0, 0, 0, 0, 0, 1) for prompt in categories.NEUTRAL_PROMPTS}
    beach = {t.format("beach"): unit(0, 0, 1) for t in categories.TEMPLATES}
    planted.add({"beach.jpg": unit(0.3, 0, 1), "street.jpg": unit(1, 0, 0, 0, 0, 0, 0, 0.5)})
    embedder = PlantedEmbedder({"zero": unit(1, 0), **neutral, **beach})
    searcher = planted.searcher(embedder)
    kept = searcher.search(SearchQuery(text="zero", filter=Filter(only_text=("beach",))))
    assert planted.names(kept) == ["beach.jpg"]
    hidden = searcher.search(SearchQuery(text="zero", filter=Filter(exclude_text=("beach",))))
    assert planted.names(hidden) == ["street.jpg"]


# Bad input: one clear sentence each


def test_bad_queries_get_clear_messages(planted: Planted, tmp_path: Path) -> None:
    planted.add({"a.jpg": unit(1, 0)})
    searcher = planted.searcher(PlantedEmbedder({"zero": unit(1, 0)}), max_image_pixels=5000)
    cases = {
        "Nothing to search for": SearchQuery(text="   "),
        "between 1 and 1000 (got 0)": SearchQuery(text="zero", top=0),
        "between 1 and 1000 (got -3)": SearchQuery(text="zero", top=-3),
        "between -1 and 1 (got 1.5)": SearchQuery(text="zero", min_score=1.5),
        "between -1 and 1 (got -2.0)": SearchQuery(text="zero", min_score=-2.0),
        "No such file": SearchQuery(image_path=str(tmp_path / "nowhere.jpg")),
        "is a folder": SearchQuery(image_path=str(tmp_path)),
    }
    not_image = tmp_path / "notes.jpg"
    not_image.write_text("hello")
    cases["notes.jpg cannot be used as a query image: not an image"] = SearchQuery(
        image_path=str(not_image)
    )
    bomb = tmp_path / "bomb.png"
    Image.new("L", (200, 200)).save(bomb)  # 40,000 pixels against a limit of 5,000
    cases["decompression bomb"] = SearchQuery(image_path=str(bomb))
    for expected, query in cases.items():
        with pytest.raises(PictorError, match=re.escape(expected)) as raised:
            searcher.search(query)
        assert "\n" not in str(raised.value)


def test_long_query_is_truncated_and_says_so(planted: Planted) -> None:
    planted.add({"a.jpg": unit(1, 0)})
    long_text = " ".join(["word"] * 20)
    embedder = PlantedEmbedder({long_text: unit(1, 0)})
    results = planted.searcher(embedder).search(SearchQuery(text=long_text))
    assert planted.names(results) == ["a.jpg"]
    assert any("12-token limit" in note for note in results.notes)
    short = planted.searcher(PlantedEmbedder({"zero": unit(1, 0)})).search(SearchQuery(text="zero"))
    assert short.notes == []


def test_nothing_embedded_says_what_to_do(planted: Planted) -> None:
    planted.library.many(2)
    planted.pictor.index(planted.library.root)
    searcher = planted.searcher(PlantedEmbedder({"zero": unit(1, 0)}))
    with pytest.raises(PictorError, match=r"Nothing is embedded .* index your folders"):
        searcher.search(SearchQuery(text="zero"))


def test_the_vector_mirror_gives_the_same_ranking_and_catches_up(
    planted: Planted, tmp_path: Path
) -> None:
    from indexing.store.vector_mirror import VectorMirror

    rng = np.random.default_rng(5)
    first = {f"first{i}.jpg": unit(*rng.standard_normal(DIM)) for i in range(6)}
    planted.add(first)
    embedder = PlantedEmbedder({"zero": unit(1, 1)})
    where = Filter(min_width=1)
    plain = planted.searcher(embedder).search(SearchQuery(text="zero", filter=where))
    mirror = VectorMirror(tmp_path / "mirror", PLANTED)
    mirrored = planted.searcher(embedder, mirror=mirror, mechanism="exact")
    assert planted.names(mirrored.search(SearchQuery(text="zero", filter=where))) == (
        planted.names(plain)
    )
    assert len(mirror.ids) == 6
    later = {"later.jpg": unit(1, 1)}
    planted.add(later)  # not in the mirror until its next sync: read from Chroma meanwhile
    assert planted.names(mirrored.search(SearchQuery(text="zero", filter=where)))[0] == "later.jpg"
    mirror.sync(planted.store, force=True)
    assert sorted(mirror.ids) == sorted(planted.ids.values())
    (tmp_path / "mirror" / "ids.txt").write_text("")  # damaged: rebuilt from Chroma
    mirror.sync(planted.store, force=True)
    assert sorted(mirror.ids) == sorted(planted.ids.values())
    found, rows, missing = mirror.vectors_for([planted.ids["later.jpg"], "unknown"])
    assert found == [planted.ids["later.jpg"]]
    assert missing == ["unknown"] and np.allclose(rows[0], unit(1, 1))


def test_the_mirror_asks_chroma_again_only_once_something_was_embedded(
    planted: Planted, tmp_path: Path, monkeypatch
) -> None:
    """At a million vectors Chroma's count costs 100-150 ms, holding the GIL: searches
    that pass the catalog's embedding stamp skip it while nothing new was embedded."""
    from indexing.store import vector_mirror

    monkeypatch.setattr(vector_mirror, "RESYNC_SECONDS", 0.0)  # without a stamp: every time
    counts: list[str] = []

    class Counting:
        def __getattr__(self, name):
            return getattr(planted.store, name)

        def count(self, model_id):
            counts.append(model_id)
            return planted.store.count(model_id)

    def add(names: list[str]) -> int:
        planted.add({name: unit(*np.random.default_rng(len(name)).standard_normal(DIM))
                     for name in names})  # fmt: skip
        with planted.pictor.library.open_catalog() as catalog:
            catalog.put_embeddings([planted.ids[n] for n in names], PLANTED)  # as indexing does
            return catalog.embedding_stamp(PLANTED)

    stamp = add(["a.jpg", "b.jpg"])
    mirror = vector_mirror.VectorMirror(tmp_path / "mirror", PLANTED)
    mirror.sync(Counting(), stamp=stamp)
    mirror.sync(Counting(), stamp=stamp)
    assert len(counts) == 1 and len(mirror.ids) == 2
    later = add(["later.jpg"])
    assert later != stamp
    mirror.sync(Counting(), stamp=later)
    assert len(counts) == 2 and planted.ids["later.jpg"] in mirror.ids
    mirror.sync(Counting())  # no stamp: the timed check
    assert len(counts) == 3


def _epoch(year: int, month: int = 6) -> float:
    return datetime(year, month, 15, 12).timestamp()


# name -> (vector, file time); the file time is the date (no EXIF); 0 is no date at all
DATED = {
    "best 2019.jpg": (unit(1, 0), _epoch(2019)),
    "good 2023.jpg": (unit(1, 0.3), _epoch(2023)),
    "fair 2012.jpg": (unit(1, 0.8), _epoch(2012)),
    "fair undated.jpg": (unit(1, 0.9), 0.0),
    "poor 2021.jpg": (unit(0.2, 1), _epoch(2021)),
    "away 2024.jpg": (unit(-1, 0.1), _epoch(2024)),
}


@pytest.fixture
def dated(planted: Planted) -> Planted:
    planted.add(
        {name: vector for name, (vector, _) in DATED.items()},
        times={name: when for name, (_, when) in DATED.items()},
    )
    return planted


def test_results_sort_by_date_newest_or_oldest_first_undated_last(dated: Planted) -> None:
    searcher = dated.searcher(PlantedEmbedder({"zero": unit(1, 0)}))
    newest = searcher.search(SearchQuery(text="zero", top=10, order=ResultOrder.newest))
    assert dated.names(newest) == [
        "away 2024.jpg", "good 2023.jpg", "poor 2021.jpg", "best 2019.jpg", "fair 2012.jpg",
        "fair undated.jpg",
    ]  # fmt: skip
    oldest = searcher.search(SearchQuery(text="zero", top=10, order=ResultOrder.oldest))
    assert dated.names(oldest)[:5] == dated.names(newest)[4::-1]
    assert dated.names(oldest)[-1] == "fair undated.jpg", "the undated go last both ways"
    assert [hit.day for hit in newest.hits][:2] == ["2024-06-15", "2023-06-15"]
    assert newest.hits[-1].day is None
    assert newest.as_dict()["query"]["sort"] == "newest"
    # Above the minimum similarity only: what the score order shows, by date.
    above = searcher.search(SearchQuery(text="zero", min_score=0.7, order=ResultOrder.newest))
    assert dated.names(above) == ["good 2023.jpg", "best 2019.jpg", "fair 2012.jpg",
                                  "fair undated.jpg"]  # fmt: skip
    # Pages continue the one date order.
    pages = [
        searcher.search(SearchQuery(text="zero", top=4, page=n, order=ResultOrder.newest))
        for n in (1, 2)
    ]
    assert dated.names(pages[0]) + dated.names(pages[1]) == dated.names(newest)
    assert [page.has_more for page in pages] == [True, False]


def test_date_order_keeps_negative_terms_image_queries_and_filters(dated: Planted) -> None:
    embedder = PlantedEmbedder({"zero": unit(1, 0), "second": unit(0, 1)})
    searcher = dated.searcher(embedder)
    newest = ResultOrder.newest
    # "not: second" pushes the fair and poor matches below 0.7 (good: 0.73); two stay.
    pushed = SearchQuery(text="zero", negative=("second",), min_score=0.7, order=newest)
    assert dated.names(searcher.search(pushed)) == ["good 2023.jpg", "best 2019.jpg"]
    by_image = SearchQuery(image_content_id=dated.ids["best 2019.jpg"], min_score=0.7, order=newest)
    assert dated.names(searcher.search(by_image)) == [
        "good 2023.jpg", "best 2019.jpg", "fair 2012.jpg", "fair undated.jpg"
    ]  # fmt: skip
    path = str(dated.library.root / "best 2019.jpg")
    lately = Filter.parse(taken_from="2020-01-01")
    filtered = SearchQuery(image_path=path, filter=lately, order=ResultOrder.oldest)
    assert dated.names(searcher.search(filtered)) == [
        "poor 2021.jpg", "good 2023.jpg", "away 2024.jpg"
    ]  # fmt: skip
    assert embedder.image_calls == 0

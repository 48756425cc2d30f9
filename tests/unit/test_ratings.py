"""Ratings and preferences: committed at once, with history and undo; export and import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexing.curate.ratings_file import (
    import_document,
    read_document,
    write_export,
)
from indexing.errors import PictorError
from indexing.store.catalog import Catalog
from indexing.store.ratings import Ratings, parse_score

A, B, C, D = (f"{n:032x}" for n in (0xA, 0xB, 0xC, 0xD))


@pytest.fixture
def ratings(tmp_path: Path):
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        yield Ratings(catalog)


def rows(catalog: Catalog, sql: str) -> list[tuple]:
    return [tuple(row) for row in catalog.conn.execute(sql)]


@pytest.mark.parametrize("value", ["11", "-0.5", "seven", "nan", "inf", ""])
def test_a_score_outside_0_to_10_or_not_a_number_is_refused(value: str) -> None:
    with pytest.raises(PictorError, match="from 0 to 10"):
        parse_score(value)


def test_set_change_clear_and_undo_keep_every_change(ratings: Ratings) -> None:
    first = ratings.set(A, 7, now=100)
    assert (first.previous, first.rating) == (None, 7.0)
    second = ratings.set(A, "8.5", now=101)
    assert (second.previous, second.rating) == (7.0, 8.5)
    assert ratings.current(A).rating == 8.5
    undone = ratings.restore(second, now=102)
    assert undone.rating == 7.0 and ratings.current(A).rating == 7.0
    ratings.clear(A, now=103)
    assert ratings.current(A) is None
    assert ratings.history(A) == [
        (7.0, "user", 100),
        (8.5, "user", 101),
        (7.0, "undo", 102),
        (None, "user", 103),
    ]


def test_undoing_the_first_rating_removes_it(ratings: Ratings) -> None:
    change = ratings.set(B, 3)
    ratings.restore(change)
    assert ratings.current(B) is None


def test_a_rating_is_committed_before_the_call_returns(ratings: Ratings, tmp_path: Path) -> None:
    ratings.set(C, 6)
    with Catalog(tmp_path / "catalog.sqlite3") as other:  # another connection sees it at once
        assert rows(other, "SELECT content_id, rating FROM ratings") == [(C, 6.0)]


def test_preferences_store_winner_over_each_loser_and_ties_between_all(ratings: Ratings) -> None:
    win = ratings.prefer(A, [B, C, D])
    assert win.pairs == [(A, B), (A, C), (A, D)]
    tie = ratings.prefer(A, [B], tie=True)
    assert ratings.counts() == {"ratings": 0, "pairs": 3, "ties": 1}
    assert ratings.withdraw(tie.choice_id) == 1
    assert ratings.counts()["ties"] == 0
    with pytest.raises(PictorError, match="two different images"):
        ratings.prefer(A, [A])


def test_export_then_import_into_a_fresh_data_folder_is_identical(
    ratings: Ratings, tmp_path: Path
) -> None:
    ratings.set(A, 7, now=100)
    ratings.set(A, 9, now=101)
    ratings.set(B, 2.5, source="xmp", now=102)
    ratings.clear(C, now=103)
    ratings.prefer(A, [B, C], now=104)
    ratings.prefer(C, [D], tie=True, now=105)
    export = tmp_path / "ratings.json"
    counts = {"ratings": 2, "preferences": 3, "history": 4, "dismissals": 0}
    counts |= {"albums": 0, "tags": 0, "captions": 0, "people": 0}
    assert write_export(ratings.catalog, export) == counts

    with Catalog(tmp_path / "fresh" / "catalog.sqlite3") as fresh:
        report = import_document(fresh, read_document(export), "keep")
        assert (report.added, report.replaced, report.kept, report.invalid) == (2, 0, 0, 0)
        for table in ("ratings", "preferences"):
            assert rows(fresh, f"SELECT * FROM {table} ORDER BY 1, 2") == rows(
                ratings.catalog, f"SELECT * FROM {table} ORDER BY 1, 2"
            )
        history = "SELECT content_id, rating, source, at FROM rating_history ORDER BY id"
        assert rows(fresh, history) == rows(ratings.catalog, history)
        again = import_document(fresh, read_document(export), "keep")  # idempotent
        assert (again.added, again.kept, again.history_added, again.preferences_added) == (
            0, 2, 0, 0,
        )  # fmt: skip
        assert rows(fresh, history) == rows(ratings.catalog, history)


def test_the_export_is_stable_and_documented(ratings: Ratings, tmp_path: Path) -> None:
    ratings.set(B, 4, now=10)
    ratings.set(A, 5, now=11)
    first, second = tmp_path / "one.json", tmp_path / "two.json"
    write_export(ratings.catalog, first)
    write_export(ratings.catalog, second)
    one, two = json.loads(first.read_text()), json.loads(second.read_text())
    one.pop("exported_at"), two.pop("exported_at")
    assert one == two
    assert (one["format"], one["version"]) == ("pictor-ratings", 4)
    assert one["people"] == []  # no faces here: the section is there, empty
    assert [r["content_id"] for r in one["ratings"]] == [A, B]  # sorted, so diffs stay small
    assert set(one["ratings"][0]) == {"content_id", "score", "time", "source", "paths"}


@pytest.mark.parametrize(
    ("mode", "expected_score", "counts"),
    [("keep", 3.0, (0, 0, 1)), ("replace", 8.0, (0, 1, 0)), ("newer", 8.0, (0, 1, 0))],
)
def test_conflict_modes(ratings: Ratings, tmp_path: Path, mode, expected_score, counts) -> None:
    ratings.set(A, 8, now=200)
    export = tmp_path / "ratings.json"
    write_export(ratings.catalog, export)
    with Catalog(tmp_path / "other" / "catalog.sqlite3") as other:
        Ratings(other).set(A, 3, now=100)  # older than the file's
        report = import_document(other, read_document(export), mode)
        assert (report.added, report.replaced, report.kept) == counts
        assert Ratings(other).current(A).rating == expected_score
        history = Ratings(other).history(A)
        assert history[-1][0] == expected_score  # the latest change is the current value


def test_newer_keeps_a_rating_given_after_the_export(ratings: Ratings, tmp_path: Path) -> None:
    ratings.set(A, 8, now=100)
    export = tmp_path / "ratings.json"
    write_export(ratings.catalog, export)
    ratings.set(A, 2, now=300)
    report = import_document(ratings.catalog, read_document(export), "newer")
    assert (report.kept, ratings.current(A).rating) == (1, 2.0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json {", "is not JSON"),
        ('{"format": "something-else", "version": 1}', "not a Pictor ratings export"),
        ('{"format": "pictor-ratings", "version": 99}', "schema version 99"),
    ],
)
def test_bad_import_files_say_why(tmp_path: Path, content: str, message: str) -> None:
    file = tmp_path / "bad.json"
    file.write_text(content)
    with pytest.raises(PictorError, match=message):
        read_document(file)


def test_an_import_with_some_invalid_entries_changes_nothing(
    ratings: Ratings, tmp_path: Path
) -> None:
    good = {"content_id": A, "score": 5, "time": 1.0, "source": "user", "paths": []}
    bad = {"content_id": B, "score": 11, "time": 1.0, "source": "user", "paths": []}
    document = {"format": "pictor-ratings", "version": 1, "ratings": [good, bad],
                "preferences": [], "history": []}  # fmt: skip
    with pytest.raises(PictorError, match=r"1 invalid entries.*ratings\[1\]: score 11"):
        import_document(ratings.catalog, document, "replace")
    assert ratings.current(A) is None  # all or nothing


@pytest.mark.parametrize(
    ("section", "change", "message"),
    [
        ("ratings", {"content_id": A + "\n"}, "is not a content id"),
        ("ratings", {"time": -1.0}, "time -1.0 is before 1970"),
        ("ratings", {"time": 4_102_444_800.0}, "time 4102444800.0 is in the future"),  # 2100
        ("history", {"time": -86_400}, "time -86400 is before 1970"),
        ("preferences", {"loser": B}, "the winner and the loser are the same image"),
        ("preferences", {"winner": B + "\n"}, f"winner '{B}\\n' is not a content id"),
        ("preferences", {"time": 1e300}, "is in the future"),
        ("preferences", {"choice_id": "x" * 100_000}, "choice_id '" + "x" * 36 + "..."),
    ],
)  # fmt: skip
def test_an_import_refuses_what_rate_and_prefer_refuse(
    ratings: Ratings, section: str, change: dict, message: str
) -> None:
    entries = {
        "ratings": {"content_id": A, "score": 5, "time": 1.0, "source": "user", "paths": []},
        "history": {"content_id": A, "score": 5, "time": 1.0, "source": "user"},
        "preferences": {"choice_id": "c", "winner": B, "loser": A, "time": 1.0,
                        "outcome": "win", "source": "user"},
    }  # fmt: skip
    document = {"format": "pictor-ratings", "version": 1,
                **{name: [entry] for name, entry in entries.items()}}  # fmt: skip
    document[section] = [entries[section], {**entries[section], **change}]
    with pytest.raises(PictorError) as refused:
        import_document(ratings.catalog, document, "replace")
    assert f"{section}[1]: " in str(refused.value) and message in str(refused.value)
    assert len(str(refused.value)) < 300
    assert ratings.current(A) is None and ratings.counts()["pairs"] == 0


def test_a_tie_among_four_is_stored_and_withdrawn_whole(ratings: Ratings) -> None:
    tie = ratings.prefer(A, [B, C, D], tie=True)  # "they are equal" in Best of 4
    assert tie.pairs == [(A, B), (A, C), (A, D)]
    assert ratings.counts() == {"ratings": 0, "pairs": 0, "ties": 3}
    assert ratings.withdraw(tie.choice_id) == 3


def test_an_import_without_some_sections_takes_the_rest(ratings: Ratings) -> None:
    entry = {"content_id": A, "score": 6, "time": 1.0, "source": "user", "paths": []}
    document = {"format": "pictor-ratings", "version": 1, "ratings": [entry]}
    report = import_document(ratings.catalog, document, "replace")
    assert report.added == 1 and ratings.current(A).rating == 6.0

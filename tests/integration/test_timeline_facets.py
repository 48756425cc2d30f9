"""`launch.py facets` and `launch.py timeline`: counts, groups and events of a real library.

The library is tests/integration/test_metadata_search.py's LIBRARY (bursts of EXIF-dated photos with
cameras and GPS, and PNGs dated by their file time), indexed once for this module with the
tiny random CLIP, so subject tags exist too. Every expected count, group and event is
worked out from that spec here, never read back from the code under test.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_metadata_search import (
    FILE_TIME,
    FUJI,
    LIBRARY,
    LISBON,
    NIKON,
    PARIS,
    Indexed,
    Place,
    Shot,
    burst,
    launch,
    shots,
    use_tiny_clip,
)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Indexed]:
    home = tmp_path_factory.mktemp("timeline-facets")
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_tiny_clip(monkeypatch, home)
        yield Indexed(home)  # with CLIP: the subject tagger runs after indexing


def facet_counts(document: dict[str, Any]) -> dict[str, dict[str, int]]:
    """{facet name: {value: count}} of a `facets --json` document."""
    return {
        facet["name"]: {value["value"]: value["count"] for value in facet["values"]}
        for facet in document["facets"]
    }


def expected_counts(indexed: Indexed, shots: list[Shot] | tuple[Shot, ...] = LIBRARY):
    """What each facet should count for these shots, from the spec alone."""
    geotagged = [s.place for s in shots if s.place is not None]
    return {
        "year": Counter(s.day[:4] for s in shots),
        "month": Counter(s.day[:7] for s in shots),
        "camera": Counter(s.camera.label for s in shots if s.camera is not None),
        "lens": Counter(s.camera.lens for s in shots if s.camera is not None and s.camera.lens),
        "country": Counter(place.cc for place in geotagged),
        "city": Counter(place.value for place in geotagged),
        "format": Counter(s.format for s in shots),
        "folder": folder_tree_counts(indexed, shots),
    }


def folder_tree_counts(indexed: Indexed, shots, chosen: str = "") -> Counter:
    """The folder facet with `chosen` (relative to the root, '' for none): its parents,
    itself and its subfolders, each counting the shots at or under it."""
    parts = chosen.split("/") if chosen else []
    listed = ["/".join(parts[:n]) for n in range(len(parts) + 1)]
    listed += {
        "/".join([*parts, s.folder.split("/")[len(parts)]])
        for s in shots
        if s.folder.split("/")[: len(parts)] == parts
        and len(s.folder.split("/")) > len(parts)
        and s.folder
    }
    counts = Counter()
    for folder in listed:
        inside = [s for s in shots if folder == "" or f"{s.folder}/".startswith(f"{folder}/")]
        if inside:
            counts[indexed.path(folder).rstrip("/") if folder else str(indexed.root)] = len(inside)
    return counts


def only(**where: Any) -> list[Shot]:
    """The shots of one year (year=2023) or one country (cc='PT')."""
    kept = list(LIBRARY)
    if "year" in where:
        kept = [s for s in kept if s.day[:4] == str(where["year"])]
    if "cc" in where:
        kept = [s for s in kept if s.place is not None and s.place.cc == where["cc"]]
    return kept


# --- facets --------------------------------------------------------------------------------


def test_facets_count_what_was_indexed(indexed: Indexed) -> None:
    document = indexed.json("facets")
    assert document["matching"] == len(LIBRARY)
    counts = facet_counts(document)
    expected = expected_counts(indexed)
    assert {name: counts[name] for name in expected} == {
        name: dict(counter) for name, counter in expected.items()
    }
    labels = {
        facet["name"]: {value["value"]: value["label"] for value in facet["values"]}
        for facet in document["facets"]
    }
    assert labels["month"]["2023-07"] == "July 2023"
    assert labels["country"]["PT"] == "Portugal"
    assert labels["city"][LISBON.value] == "Lisbon, Portugal"
    assert labels["city"][PARIS.value] == "Paris, France"
    # Largest first for the named facets, newest first for the dates.
    cameras = [value["count"] for value in _facet(document, "camera")["values"]]
    assert cameras == sorted(cameras, reverse=True)
    years = [value["value"] for value in _facet(document, "year")["values"]]
    assert years == sorted(years, reverse=True)


def _facet(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(facet for facet in document["facets"] if facet["name"] == name)


def test_a_chosen_value_narrows_the_other_facets_but_not_its_own(indexed: Indexed) -> None:
    everything = expected_counts(indexed)
    cases = {
        ("--year", "2023"): ("year", only(year=2023)),
        ("--year", "2021"): ("year", only(year=2021)),
        ("--country", "PT"): ("country", only(cc="PT")),
    }
    for flags, (own, kept) in cases.items():
        document = indexed.json("facets", *flags)
        counts = facet_counts(document)
        narrowed = expected_counts(indexed, kept)
        assert document["matching"] == len(kept), flags
        assert counts[own] == dict(everything[own]), f"{flags}: the chosen facet lists all"
        assert _facet(document, own)["selected"] == flags[1]
        for name in ("camera", "lens", "city", "format", "folder"):
            assert counts[name] == dict(narrowed[name]), (flags, name)
    # Years 2023 and 2021 both hold Lisbon photos; the year facet under --year still has all.
    assert facet_counts(indexed.json("facets", "--year", "2021"))["city"] == {
        "PT/Porto": 3,
        "PT/Lisbon": 3,
    }
    # A find query narrows every facet.
    document = indexed.json("facets", "--query", "fox OR lighthouse")
    assert document["matching"] == 3
    assert facet_counts(document)["format"] == {"PNG": 3}
    assert facet_counts(document)["camera"] == {}
    # A query that is no query says so, as `find` does, rather than counting everything.
    for query in ("*", "AND", '"*"'):
        code, out, err = indexed.run("facets", "--query", query, "--json")
        assert (code, out) == (2, "") and "type a word" in err, query
    # The exact facet flags narrow like `list`'s.
    narrowed = indexed.json("facets", "--camera", FUJI.label, "--day", "2023-07-14")
    lisbon_day = [s for s in LIBRARY if s.camera == FUJI and s.day == "2023-07-14"]
    assert narrowed["matching"] == len(lisbon_day) == 6


# The flag of `list` that each facet's values are for (what clicking a value does).
LIST_FLAGS = {
    "year": "--year",
    "month": "--month",
    "camera": "--camera",
    "lens": "--lens",
    "country": "--country",
    "city": "--city",
    "format": "--format",
    "folder": "--folder",
}


def clicked(indexed: Indexed, document: dict[str, Any]) -> dict[tuple[str, str], tuple[int, int]]:
    """{(facet, value): (its count, how many `list --flag value` shows)}."""
    out = {}
    for facet in document["facets"]:
        for value in facet["values"] if facet["name"] in LIST_FLAGS else []:
            flag = f"{LIST_FLAGS[facet['name']]}={value['value']}"
            listed = indexed.json("list", flag, "--page-size", "1")["matching"]
            out[(facet["name"], value["value"])] = (value["count"], listed)
    return out


def test_each_facet_value_lists_as_many_images_as_it_counts(indexed: Indexed) -> None:
    pairs = clicked(indexed, indexed.json("facets"))
    assert len(pairs) == sum(len(counter) for counter in expected_counts(indexed).values())
    assert {key: count for key, (count, _) in pairs.items()} == {
        key: listed for key, (_, listed) in pairs.items()
    }


def test_a_parent_folders_count_is_what_choosing_it_shows(
    pictor_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PICTOR_DEBUG", "1")
    nested = [
        Shot("top.png"),
        Shot("trip/day1.png"),
        Shot("trip/day2/evening.png"),
        Shot("trip/day2/night.png"),
    ]
    library = Indexed(tmp_path, "--no-embed", library=nested)
    root, trip, day2 = str(library.root), library.path("trip"), library.path("trip/day2")

    def folder_pairs(*flags: str) -> dict[str, tuple[int, int]]:
        document = library.json("facets", *flags)
        pairs = clicked(library, document)
        return {value: pair for (name, value), pair in pairs.items() if name == "folder"}

    # The root and its subfolders, each counting everything under it, as choosing it shows.
    assert folder_pairs() == {root: (4, 4), trip: (3, 3)}
    # Walking down: the parents stay listed, the chosen folder's subfolders appear.
    assert folder_pairs("--folder", trip) == {root: (4, 4), trip: (3, 3), day2: (2, 2)}
    assert folder_pairs("--folder", day2) == {root: (4, 4), trip: (3, 3), day2: (2, 2)}
    # Counts follow a query too (what `find` matches), still each image once per folder.
    document = library.json("facets", "--folder", trip, "--query", "night OR top")
    assert facet_counts(document)["folder"] == {root: 2, trip: 1, day2: 1}


def test_the_subject_facet_agrees_with_list_and_find(indexed: Indexed) -> None:
    with sqlite3.connect(indexed.data_dir / "catalog.sqlite3") as conn:
        tagged: dict[str, set[str]] = defaultdict(set)
        for tag, path in conn.execute(
            "SELECT s.tag, MIN(f.path) FROM subjects s JOIN files f "
            "ON f.content_id = s.content_id AND f.status = 'present' GROUP BY s.content_id, s.tag"
        ):
            tagged[tag].add(indexed.name(path))
    assert tagged, "the tiny random CLIP tagged nothing; this test needs a tag to follow"
    subject = _facet(indexed.json("facets"), "subject")
    assert {v["value"]: v["count"] for v in subject["values"]} == {
        tag: len(names) for tag, names in tagged.items()
    }
    for tag, names in sorted(tagged.items())[:3]:
        listed = indexed.json("list", "--subject", tag, "--page-size", "500")
        assert indexed.names(listed["items"]) == names, tag
        found = indexed.finds([("--subject", tag)])[("--subject", tag)]
        assert names <= found, f"find --subject {tag!r} misses images tagged {tag!r}"


def test_a_query_that_matches_nothing_says_so_in_the_subject_facet(indexed: Indexed) -> None:
    """Not "run index" (the library's images are tagged): nothing matched."""
    subject = _facet(indexed.json("facets"), "subject")
    assert subject["values"], "the tiny random CLIP tagged nothing; this test needs a tag"
    nothing = _facet(indexed.json("facets", "--query", "qwertyuiop"), "subject")
    assert nothing["values"] == []
    assert nothing["note"] == "Nothing matched, so there are no subjects to count."


def test_without_clip_weights_everything_works_and_subjects_say_why(
    pictor_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PICTOR_CLIP_PRETRAINED", str(tmp_path / "nonexistent" / "file.bin"))
    monkeypatch.setenv("PICTOR_DEBUG", "1")
    shots = [s for s in LIBRARY if s.name.startswith(("2023/", "ai/"))]
    library = Indexed(tmp_path, library=shots)  # index exits 0, with a message
    assert "could not be loaded" in library.summary["embeddings"]["message"]
    document = library.json("facets")
    counts = facet_counts(document)
    expected = expected_counts(library, shots)
    assert {name: counts[name] for name in expected} == {
        name: dict(counter) for name, counter in expected.items()
    }
    subject = _facet(document, "subject")
    assert subject["values"] == []
    assert subject["note"] and "CLIP" in subject["note"]
    assert library.finds([("place:lisbon",)]) == {("place:lisbon",): {s.name for s in shots[:6]}}
    assert [group["count"] for group in library.json("timeline")["groups"]] == [2, 6]
    code, out, err = launch("--data-dir", str(library.data_dir), "facets")
    assert code == 0, err
    assert f"({subject['note']})" in out, "the text output shows the note where tags would be"


# --- the timeline ------------------------------------------------------------------------


def groups_of(by: str) -> dict[str, list[Shot]]:
    """{day or month: its shots}, newest group first."""
    width = 10 if by == "day" else 7
    groups: dict[str, list[Shot]] = defaultdict(list)
    for shot in LIBRARY:
        groups[shot.day[:width]].append(shot)
    return dict(sorted(groups.items(), reverse=True))


@pytest.mark.parametrize("by", ["day", "month"])
def test_timeline_groups_are_newest_first_with_counts_sources_and_thumbs(
    indexed: Indexed, by: str
) -> None:
    document = indexed.json("timeline", "--by", by)
    expected = groups_of(by)
    assert (document["images"], document["groups_total"], document["pages"]) == (
        len(LIBRARY),
        len(expected),
        1,
    )
    got = [
        (g["key"], g["count"], g["exif_dated"], g["file_dated"], indexed.names(g["thumbs"]))
        for g in document["groups"]
    ]
    assert got == [
        (
            key,
            len(shots),
            sum(s.taken is not None for s in shots),
            sum(s.taken is None for s in shots),
            {s.name for s in shots},  # every group here has at most 8 images
        )
        for key, shots in expected.items()
    ]
    # The copy day: one photo dated by EXIF, five by their file time.
    copy_day = document["groups"][0]
    assert copy_day["key"].startswith(FILE_TIME.strftime("%Y-%m"))
    assert (copy_day["exif_dated"], copy_day["file_dated"]) == (1, 5)
    # Thumbs of an EXIF-dated group come newest first.
    lisbon = next(g for g in document["groups"] if g["key"].startswith("2023-07"))
    assert [indexed.name(t["path"]) for t in lisbon["thumbs"]] == [
        f"2023/Lisbon trip/DSCF{n:04d}.JPG" for n in range(6, 0, -1)
    ]
    if by == "month":
        assert lisbon["label"] == "July 2023"
    else:
        assert "14 July 2023" in lisbon["label"]


def test_text_timeline_says_where_dates_come_from(indexed: Indexed) -> None:
    code, out, err = indexed.run("timeline")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"{len(LIBRARY)} images in 5 months (page 1 of 1)"
    assert lines[1] == "January 2024: 6 (1 from EXIF, 5 from file times)"
    assert lines[2] == "July 2023: 6 (dates from EXIF)"


def event_tuples(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (e["first_day"], e["last_day"], e["count"], e["place"], e["start"], e["end"])
        for e in document["events"]
    ]


def burst_event(folder: str, place: str) -> tuple[Any, ...]:
    burst = sorted((s for s in LIBRARY if s.name.startswith(folder)), key=lambda s: s.taken)
    first, last = burst[0].taken, burst[-1].taken
    return (
        first.date().isoformat(),
        last.date().isoformat(),
        len(burst),
        place,
        first.timestamp(),
        last.timestamp(),
    )


def test_events_are_bursts_of_exif_photos_in_one_place(indexed: Indexed) -> None:
    # Lisbon: six photos an hour apart. Madrid: five exactly 3 h apart (the rule's edge).
    # No event: Paris (gaps of 3 h 1 min), the road trip (three in Porto, then three in
    # Lisbon), the copy day (five file-dated PNGs/JPEGs count for nothing).
    expected = [
        burst_event("2023/", "Lisbon, Portugal"),
        burst_event("2020/", "Madrid, Spain"),
    ]
    assert event_tuples(indexed.json("timeline", "--by", "month")) == expected
    assert event_tuples(indexed.json("timeline", "--by", "day")) == expected
    for year in ("2024", "2022", "2021"):
        assert indexed.json("timeline", "--year", year)["events"] == [], year
    assert event_tuples(indexed.json("timeline", "--country", "PT")) == expected[:1]
    rule = indexed.json("timeline")["event_rule"]
    assert "3 h" in rule and "5" in rule


@pytest.mark.parametrize("by", ["day", "month"])
def test_a_group_filter_lists_exactly_that_groups_images(indexed: Indexed, by: str) -> None:
    document = indexed.json("timeline", "--by", by)
    expected = groups_of(by)
    for group in document["groups"]:
        flags = [f"--{key}={value}" for key, value in group["filter"].items()]
        listed = indexed.json("list", *flags, "--page-size", "500")
        assert listed["matching"] == group["count"], (flags, listed["matching"])
        assert indexed.names(listed["items"]) == {s.name for s in expected[group["key"]]}, flags


def test_an_event_filter_lists_exactly_the_events_photos(indexed: Indexed) -> None:
    bursts = {"2023-07-14": shots("2023/"), "2020-02-10": shots("2020/")}
    flag = {"taken_from": "--from", "taken_to": "--to"}
    events = indexed.json("timeline")["events"]
    assert [event["first_day"] for event in events] == list(bursts)
    for event in events:
        flags = [f"{flag[key]}={value}" for key, value in event["filter"].items()]
        listed = indexed.json("list", *flags, "--page-size", "500")
        assert indexed.names(listed["items"]) == bursts[event["first_day"]], flags


def test_an_event_is_on_the_day_its_photos_are_grouped_under(
    pictor_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TZ", "UTC")  # the viewer's clock, for the CLI processes only
    tokyo = Place("Tokyo", "JP", "Japan", 35.6762, 139.6503)
    morning = burst(
        "tokyo/IMG_{n:04d}.JPG",
        datetime(2023, 7, 15, 8),
        timedelta(minutes=10),
        5,
        camera=NIKON,
        place=tokyo,
        offset="+09:00",
    )
    library = Indexed(tmp_path, "--no-embed", library=morning)
    code, out, err = library.process("timeline", "--by", "day", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert [(g["key"], g["count"]) for g in document["groups"]] == [("2023-07-15", 5)]
    [event] = document["events"]
    assert (event["count"], event["place"]) == (5, "Tokyo, Japan")
    assert (event["first_day"], event["last_day"]) == ("2023-07-15", "2023-07-15")

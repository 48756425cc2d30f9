"""Text in images without the OCR model: the readings' store (text_reads, text_lines), the
full-text index kept in sync with them, the "has text" filter, and the reader's tiling and
spacing rules (the model itself: tests/integration/test_text_in_images.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from indexing.models.text_reader import (
    TILE_OVERLAP,
    is_long,
    put_spaces,
    reading_order,
    reading_scale,
    tiles,
)
from indexing.query.filters import Filter
from indexing.query.listing import ListRequest, list_library
from indexing.query.metadata_search import find
from indexing.store import text_reads
from indexing.store.catalog import Catalog
from tests.conftest import Pictor
from tests.library_builder import LibraryBuilder
from tests.text_images import fonts

ENGINE = "test-engine 1"
BOX = [[10, 20], [200, 20], [200, 50], [10, 50]]


@pytest.fixture
def indexed(
    pictor_env: Path, tmp_path: Path, library: LibraryBuilder
) -> tuple[Pictor, dict[str, Path]]:
    """Three images indexed without CLIP or OCR: a receipt, a ticket, a beach."""
    pictor = Pictor(tmp_path / "data", embed=False, ocr=False)
    paths = {
        name: library.noise(f"{name}.png", seed=n)
        for n, name in enumerate(("receipt", "ticket", "beach"))
    }
    pictor.library.index([str(library.root)])
    return pictor, paths


def content_of(pictor: Pictor, path: Path) -> str:
    return pictor.file_row(path)["content_id"]


def found(catalog: Catalog, query: str, flt: Filter | None = None) -> set[str]:
    return {item.path.rsplit("/", 1)[-1] for item in find(catalog, query, flt).items}


def test_lines_written_for_an_image_are_found_by_find_and_by_the_text_field(indexed) -> None:
    pictor, paths = indexed
    receipt = content_of(pictor, paths["receipt"])
    with pictor.library.open_catalog() as catalog:
        assert found(catalog, "pharmacy") == set()
        text_reads.write(
            catalog,
            [text_reads.ReadRow(receipt, "text", [("Pharmacy receipt", BOX, 0.97)])],
            ENGINE,
        )
        assert found(catalog, "pharmacy") == {"receipt.png"}
        assert found(catalog, 'text:"pharmacy receipt"') == {"receipt.png"}
        assert found(catalog, 'text:"receipt pharmacy"') == set()  # a phrase keeps its order
        [item] = find(catalog, "pharmacy").items
        assert any(match.field == "text" for match in item.matched)
        assert text_reads.lines_of(catalog, receipt) == [
            {"text": "Pharmacy receipt", "box": BOX, "confidence": 0.97}
        ]


def test_a_caption_is_found_beside_two_thousand_lines_read_in_the_image(indexed) -> None:
    """The text column is cut at its limit: the user's caption goes in before the lines read
    in a long document, so those never push it out."""
    from indexing.curate.tags import Tags

    pictor, paths = indexed
    receipt = content_of(pictor, paths["receipt"])
    lines = [(f"Line {n} of the terms and conditions of sale", BOX, 0.9) for n in range(2000)]
    with pictor.library.open_catalog() as catalog:
        text_reads.write(catalog, [text_reads.ReadRow(receipt, "text", lines)], ENGINE)
        Tags(catalog).set_caption(receipt, "Grandma's pharmacy in Porto")
        assert found(catalog, "porto") == {"receipt.png"}
        assert found(catalog, "conditions") == {"receipt.png"}


def test_reading_an_image_again_replaces_its_lines_in_the_index(indexed) -> None:
    pictor, paths = indexed
    ticket = content_of(pictor, paths["ticket"])
    with pictor.library.open_catalog() as catalog:
        text_reads.write(
            catalog, [text_reads.ReadRow(ticket, "text", [("Platform 9", BOX, 0.9)])], ENGINE
        )
        assert found(catalog, "platform") == {"ticket.png"}
        text_reads.write(catalog, [text_reads.ReadRow(ticket, "none")], "test-engine 2")
        assert found(catalog, "platform") == set()
        assert text_reads.lines_of(catalog, ticket) == []
        assert text_reads.state_of(catalog, ticket)["state"] == "none"


def test_a_moved_file_keeps_its_text_and_is_not_pending_again(indexed, library) -> None:
    pictor, paths = indexed
    receipt = content_of(pictor, paths["receipt"])
    with pictor.library.open_catalog() as catalog:
        text_reads.write(
            catalog,
            [text_reads.ReadRow(receipt, "text", [("Booking code QX7421", BOX, 0.95)])],
            ENGINE,
        )
        assert len(text_reads.pending(catalog, ENGINE)) == 2
    moved = library.path("archive/2024/scan.png")
    paths["receipt"].rename(moved)
    summary = pictor.library.index([str(library.root)])
    assert summary.moved == 1
    with pictor.library.open_catalog() as catalog:
        assert found(catalog, "qx7421") == {"scan.png"}
        assert [cid for cid, _ in text_reads.pending(catalog, ENGINE)].count(receipt) == 0
        assert text_reads.counts(catalog, ENGINE) == {
            "read": 1,
            "with_text": 1,
            "failed": 0,
            "pending": 2,
        }


def test_pending_is_per_engine_and_skips_what_was_read(indexed) -> None:
    pictor, paths = indexed
    ids = {name: content_of(pictor, path) for name, path in paths.items()}
    with pictor.library.open_catalog() as catalog:
        text_reads.write(
            catalog,
            [
                text_reads.ReadRow(ids["beach"], "none"),
                text_reads.ReadRow(ids["ticket"], "failed", reason="cannot decode: truncated"),
            ],
            ENGINE,
        )
        assert {cid for cid, _ in text_reads.pending(catalog, ENGINE)} == {ids["receipt"]}
        assert len(text_reads.pending(catalog, "a newer engine")) == 3
        assert text_reads.failures(catalog) == [(str(paths["ticket"]), "cannot decode: truncated")]


def test_the_has_text_filter_keeps_images_with_text_or_read_without(indexed) -> None:
    pictor, paths = indexed
    ids = {name: content_of(pictor, path) for name, path in paths.items()}
    with pictor.library.open_catalog() as catalog:
        text_reads.write(
            catalog,
            [
                text_reads.ReadRow(ids["receipt"], "text", [("Total 12.50", BOX, 0.9)]),
                text_reads.ReadRow(ids["beach"], "none"),
            ],
            ENGINE,
        )

    def listed(**values) -> set[str]:
        request = ListRequest.parse(filter=Filter.parse(**values), page_size=50)
        return {
            item.path.rsplit("/", 1)[-1] for item in list_library(pictor.library, request).items
        }

    assert listed(has_text=True) == {"receipt.png"}
    assert listed(has_text=False) == {"beach.png"}  # the ticket is not read yet: neither
    assert listed() == {"receipt.png", "ticket.png", "beach.png"}


def test_an_unknown_state_is_refused(indexed) -> None:
    pictor, _ = indexed
    with pictor.library.open_catalog() as catalog, pytest.raises(ValueError, match="state"):
        text_reads.write(catalog, [text_reads.ReadRow("x", "maybe")], ENGINE)


@pytest.mark.parametrize(
    ("width", "height"), [(800, 600), (1536, 1536), (1170, 20_000), (4000, 3000), (20_000, 900)]
)
def test_tiles_cover_the_image_and_each_line_is_kept_once_and_whole(width, height) -> None:
    cut = tiles(width, height)
    assert all(t.right - t.left <= 1536 and t.bottom - t.top <= 1536 for t in cut)
    rng = np.random.default_rng(0)
    for _ in range(300):
        # A line no taller than the overlap, anywhere in the image.
        h = int(rng.integers(8, TILE_OVERLAP))
        w = int(rng.integers(8, min(width, 600)))
        x, y = int(rng.integers(0, width - w)), int(rng.integers(0, height - h))
        cx, cy = x + w / 2, y + h / 2
        keepers = [t for t in cut if t.keep[0] <= cx < t.keep[2] and t.keep[1] <= cy < t.keep[3]]
        assert len(keepers) == 1
        [t] = keepers
        assert t.top <= y and y + h <= t.bottom  # whole, top to bottom, in that tile
        if w <= TILE_OVERLAP:
            assert t.left <= x and x + w <= t.right


def test_long_images_skip_the_probe_and_big_ones_are_read_at_a_bounded_scale() -> None:
    assert is_long(1170, 20_000) and is_long(20_000, 900) and not is_long(3000, 2000)
    assert reading_scale(1280, 800) == 1.0
    assert min(6000, 4000) * reading_scale(6000, 4000) == pytest.approx(1536)


def _drawn(text: str, gaps: dict[int, int]) -> tuple[str, list[float], np.ndarray]:
    """text drawn letter by letter (an extra blank of gaps[i] px before letter i), with each
    letter's centre in units of the strip's height, as the recogniser gives them."""
    face = ImageFont.truetype(str(fonts()[0]), 28)
    strip = Image.new("RGB", (40 * len(text) + 200, 40), "white")
    draw = ImageDraw.Draw(strip)
    x, centres = 8.0, []
    for i, letter in enumerate(text):
        x += gaps.get(i, 0)
        width = draw.textlength(letter, font=face)
        draw.text((x, 4), letter, font=face, fill="black")
        centres.append((x + width / 2) / strip.height)
        x += width + 1
    return text, centres, np.asarray(strip)


@pytest.mark.skipif(not fonts(), reason="needs fonts-dejavu-core or fonts-liberation")
def test_spaces_the_recogniser_dropped_are_put_back_from_the_blanks_between_words() -> None:
    text, centres, strip = _drawn("gardenexitlibrary", {6: 12, 10: 12})
    assert put_spaces(text, centres, strip) == "garden exit library"
    text, centres, strip = _drawn("transferred", {})
    assert put_spaces(text, centres, strip) == "transferred"  # one word stays one word
    text, centres, strip = _drawn("exit now", {})
    assert put_spaces(text, centres, strip) == "exit now"  # short runs are left alone


def test_the_text_facet_counts_with_and_without_text_and_ignores_its_own_choice(indexed) -> None:
    from indexing.query.facets import facets

    pictor, paths = indexed
    ids = {name: content_of(pictor, path) for name, path in paths.items()}
    with pictor.library.open_catalog() as catalog:
        text_reads.write(
            catalog,
            [
                text_reads.ReadRow(ids["receipt"], "text", [("Total 12.50", BOX, 0.9)]),
                text_reads.ReadRow(ids["ticket"], "text", [("Gate 14", BOX, 0.9)]),
                text_reads.ReadRow(ids["beach"], "none"),
            ],
            ENGINE,
        )
        for chosen in (None, True, False):
            result = facets(catalog, Filter(has_text=chosen))
            counts = {v.value: (v.label, v.count) for v in result.get("text").values}
            assert counts == {"yes": ("With text", 2), "no": ("Without text", 1)}
            assert result.get("text").selected == {None: None, True: "yes", False: "no"}[chosen]
        assert facets(catalog, Filter(has_text=True)).matching == 2
        assert facets(catalog, Filter(has_text=False)).matching == 1
        # The facet's value is what the filter takes.
        assert Filter.parse(has_text="yes").has_text is True


def test_lines_come_in_reading_order_and_a_tilted_line_cut_in_two_stays_one_row() -> None:
    def box(x0: float, y0: float, x1: float, y1: float, rise: float = 0.0) -> np.ndarray:
        return np.array([[x0, y0], [x1, y0 - rise], [x1, y1 - rise], [x0, y1]], np.float32)

    found = [
        (box(600, 96, 800, 140), "PB5242", 0.9),  # the end of a line tilted up: it sits higher
        (box(100, 100, 560, 150, rise=12), "harbour warning", 0.9),
        (box(100, 200, 500, 250), "delivery passport", 0.9),
        (box(40, 20, 300, 60), "Title", 0.9),
    ]
    assert [text for _, text, _ in reading_order(found)] == [
        "Title", "harbour warning", "PB5242", "delivery passport",
    ]  # fmt: skip


@pytest.fixture
def three_kinds_of_text(
    pictor_env: Path, tmp_path: Path, library: LibraryBuilder
) -> tuple[Pictor, dict[str, str]]:
    """Words in three places: a PNG's generation parameters and description (the file's own
    text), a caption the user wrote, and the text read in an image (OCR)."""
    from PIL.PngImagePlugin import PngInfo

    from indexing.curate.tags import Tags

    chunks = PngInfo()
    chunks.add_text(
        "parameters",
        "a lighthouse on a cliff\nNegative prompt: watermark\nSteps: 20, Sampler: Euler",
    )
    chunks.add_text("Description", "harbour festival poster")
    pictor = Pictor(tmp_path / "data", embed=False, ocr=False)
    paths = {
        "generated": library.noise("generated.png", seed=1, pnginfo=chunks),
        "captioned": library.noise("captioned.png", seed=2),
        "screenshot": library.noise("screenshot.png", seed=3),
    }
    pictor.library.index([str(library.root)])
    ids = {name: pictor.file_row(path)["content_id"] for name, path in paths.items()}
    with pictor.library.open_catalog() as catalog:
        Tags(catalog).set_caption(ids["captioned"], "Grandma's pharmacy in Porto")
        text_reads.write(
            catalog,
            [text_reads.ReadRow(ids["screenshot"], "text", [("Booking code QX7421", BOX, 0.95)])],
            ENGINE,
        )
    return pictor, ids


def assert_each_field_finds_its_own_words(catalog: Catalog) -> None:
    # Plain words find every kind of text.
    assert found(catalog, "harbour") == {"generated.png"}
    assert found(catalog, "euler") == {"generated.png"}
    assert found(catalog, "pharmacy") == {"captioned.png"}
    assert found(catalog, "booking") == {"screenshot.png"}
    # text: is the text read in the image, and only that.
    assert found(catalog, 'text:"booking code"') == {"screenshot.png"}
    assert found(catalog, "text:qx7421") == {"screenshot.png"}
    assert found(catalog, "text:harbour") == set()
    assert found(catalog, "text:euler") == set()
    assert found(catalog, "text:lighthouse") == set()
    assert found(catalog, "text:pharmacy") == set()
    # prompt: is the prompt, the file's other text and the caption, as before.
    assert found(catalog, "prompt:lighthouse") == {"generated.png"}
    assert found(catalog, "prompt:harbour") == {"generated.png"}
    assert found(catalog, "prompt:pharmacy") == {"captioned.png"}
    # caption: is the user's caption.
    assert found(catalog, "caption:porto") == {"captioned.png"}
    assert found(catalog, "caption:harbour OR caption:booking") == set()
    [item] = find(catalog, "pharmacy").items
    assert [match.label() for match in item.matched] == ["caption (pharmacy)"]
    [item] = find(catalog, "booking").items
    assert [match.label() for match in item.matched] == ["text in the image (booking)"]


def test_the_text_field_finds_only_words_read_in_the_image(three_kinds_of_text) -> None:
    pictor, _ = three_kinds_of_text
    with pictor.library.open_catalog() as catalog:
        assert_each_field_finds_its_own_words(catalog)


def undo_migrations_after(conn: sqlite3.Connection, number: int) -> None:
    """Take out of conn what the migrations after `number` made (their triggers, indexes,
    tables and added columns, found by comparing with a catalog of the first `number`)."""
    from indexing.store.migrations import MIGRATIONS

    fresh = sqlite3.connect(":memory:")
    for migration in MIGRATIONS[:number]:
        migration.apply(fresh)
    kept = set(fresh.execute("SELECT type, name FROM sqlite_master"))
    made = list(conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
    for kind in ("trigger", "index", "table"):
        for found_kind, name in made:
            if found_kind == kind and (kind, name) not in kept:
                conn.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')
    for kind, table in kept:
        if kind != "table" or table.startswith("search_fts"):
            continue
        before = {row[1] for row in fresh.execute(f'PRAGMA table_info("{table}")')}
        for row in list(conn.execute(f'PRAGMA table_info("{table}")')):
            if row[1] not in before:
                conn.execute(f'ALTER TABLE "{table}" DROP COLUMN "{row[1]}"')
    fresh.close()


def test_a_catalog_from_before_the_text_column_migrates_without_reading_an_image(
    three_kinds_of_text,
) -> None:
    """A catalog whose full-text index is version 19's (one `text` column holding the
    caption, the text read and the file's chunks) opens, and each field finds its own words:
    only the contents with a caption or text read are rebuilt, nothing is read again."""
    from indexing.store.migrations import MIGRATIONS

    pictor, ids = three_kinds_of_text
    conn = sqlite3.connect(pictor.settings.catalog_path, isolation_level=None)
    undo_migrations_after(conn, 20)  # later ones (shares, smart albums, …) run again on open
    rows = conn.execute(
        "SELECT rowid, name, folder, prompt, caption || ' ' || text || ' ' || chunks, camera, "
        "place, subject FROM search_fts"
    ).fetchall()
    assert len(rows) == 3
    conn.executescript(
        """
        DROP TABLE search_fts;
        DROP INDEX images_members;
        CREATE VIRTUAL TABLE search_fts USING fts5(
            name, folder, prompt, text, camera, place, subject,
            tokenize = 'unicode61 remove_diacritics 2'
        );
        DELETE FROM search_dirty;
        PRAGMA user_version = 19;
        """
    )
    conn.executemany(
        "INSERT INTO search_fts(rowid, name, folder, prompt, text, camera, place, subject) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.close()
    read_at = pictor.one("SELECT at FROM text_reads")["at"]

    with pictor.library.open_catalog() as catalog:
        assert catalog.schema_version == len(MIGRATIONS) >= 20
        queued = {row[0] for row in catalog.conn.execute("SELECT content_id FROM search_dirty")}
        assert queued == {ids["captioned"], ids["screenshot"]}
        assert_each_field_finds_its_own_words(catalog)
        assert found(catalog, "generated") == {"generated.png"}
    assert pictor.one("SELECT at FROM text_reads")["at"] == read_at

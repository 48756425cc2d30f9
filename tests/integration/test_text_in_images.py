"""Text in images (OCR) with the real engine: images drawn with Debian's fonts in several
sizes, colours and small rotations, on plain and photo backgrounds, and a long screenshot,
indexed once for the module. The words come back, `find` finds them, the has-text filter
keeps them, a photo without text costs only the probe, a bad image is one line in `errors`,
and a run killed mid-way resumes where it stopped (backfill of a catalog indexed without
OCR)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from indexing.ingest import text_stage
from indexing.models.text_reader import MAX_LINES, Reading, TextLine, TextReader
from indexing.query import details
from indexing.query.filters import Filter
from indexing.query.listing import ListRequest, list_library
from indexing.query.metadata_search import find
from tests.conftest import LAUNCH, REPO_ROOT, Pictor, tiny_clip_env
from tests.library_builder import LibraryBuilder
from tests.text_images import draw_lines, fonts, photo_background, plain_photo, words_of

pytestmark = pytest.mark.skipif(not fonts(), reason="needs fonts-dejavu-core, fonts-liberation")

# name -> (lines drawn, how): each image small, so the module reads them in seconds.
SAMPLES = {
    "chat.png": (["Booking code QX7421 confirmed", "see you at the harbour"], "plain"),
    "night.png": (["Quarterly targets meeting"], "dark"),
    "sign.jpg": (["PHARMACY", "open until nine"], "photo"),
    "receipt.jpg": (["Coffee 3.50 EUR", "Museum ticket 12.00"], "tilted"),
}
LONG_LINES = ["first delivery window", "platform seven departure", "parking reminder ZK5531"]


def _draw(name: str, lines: list[str], how: str) -> Image.Image:
    faces = fonts()
    if how == "plain":
        return draw_lines(Image.new("RGB", (720, 240), "white"), lines, faces[0], 26, (20, 20, 20))
    if how == "dark":
        base = Image.new("RGB", (640, 160), (28, 30, 36))
        return draw_lines(base, lines, faces[-1], 30, (235, 235, 120))
    if how == "photo":
        base = photo_background((900, 600), seed=4)
        return draw_lines(
            base, lines, faces[3 % len(faces)], 54, (190, 20, 20),
            top=180, left=160, angle=4, box=(250, 250, 250),
        )  # fmt: skip
    base = Image.new("RGB", (700, 300), (240, 236, 226))
    return draw_lines(base, lines, faces[1 % len(faces)], 30, (30, 30, 90), top=60, angle=-3)


def _long_screenshot() -> Image.Image:
    """600 x 4200: tiles of 1536 with lines near their seams (1536 - 192 .. 1536)."""
    image = Image.new("RGB", (600, 4200), "white")
    for line, top in zip(LONG_LINES, (100, 1400, 2700), strict=True):
        image = draw_lines(image, [line], fonts()[0], 28, (10, 10, 10), top=top, left=30)
    return image


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory):
    """The samples, a long screenshot and a photo without text, indexed with OCR on."""
    home = tmp_path_factory.mktemp("text")
    with pytest.MonkeyPatch.context() as env:
        tiny_clip_env(env, home)
        library = LibraryBuilder(home / "library")
        for name, (lines, how) in SAMPLES.items():
            library.save(
                name, _draw(name, lines, how), **({"quality": 92} if name.endswith("jpg") else {})
            )
        library.save("long.png", _long_screenshot())
        library.save("beach.jpg", plain_photo(3, (1500, 1000)), quality=90)
        pictor = Pictor(home / "data", embed=False, ocr=True)
        summary = pictor.library.index([str(library.root)])
        yield pictor, library, summary


def read_words(pictor: Pictor, path: Path) -> list[str]:
    return words_of([line["text"] for line in pictor.library.text_of(str(path))["lines"]])


def test_the_words_drawn_come_back_from_every_kind_of_image(indexed) -> None:
    pictor, library, summary = indexed
    assert summary.text == {
        "read": len(SAMPLES) + 2,
        "with_text": len(SAMPLES) + 1,
        "failed": 0,
        "pending": 0,
        "message": None,
    }
    for name, (lines, _) in SAMPLES.items():
        got = read_words(pictor, library.root / name)
        missing = [word for word in words_of(lines) if word not in got]
        assert not missing, f"{name}: {missing} not read (read {got})"
    assert read_words(pictor, library.root / "long.png") == words_of(LONG_LINES)
    assert read_words(pictor, library.root / "beach.jpg") == []


def test_find_matches_words_read_in_images_and_the_text_field_restricts_to_them(indexed) -> None:
    pictor, _, _ = indexed
    with pictor.library.open_catalog() as catalog:

        def found(query: str, flt: Filter | None = None) -> set[str]:
            return {i.path.rsplit("/", 1)[-1] for i in find(catalog, query, flt).items}

        assert found("qx7421") == {"chat.png"}
        assert found('text:"booking code"') == {"chat.png"}
        assert found("pharmacy") == {"sign.jpg"}
        assert found("museum ticket") == {"receipt.jpg"}
        assert found("zk5531") == {"long.png"}
        assert found("text:chat") == set()  # a file name is not text in the image
        assert found("harbour OR quarterly", Filter(formats=("PNG",))) == {"chat.png", "night.png"}


def test_the_has_text_filter_and_the_status_counts(indexed) -> None:
    pictor, _, _ = indexed

    def listed(has_text: bool) -> set[str]:
        request = ListRequest.parse(filter=Filter(has_text=has_text), page_size=50)
        return {i.path.rsplit("/", 1)[-1] for i in list_library(pictor.library, request).items}

    assert listed(True) == {*SAMPLES, "long.png"}
    assert listed(False) == {"beach.jpg"}
    with pictor.library.open_catalog() as catalog:
        counts = pictor.library.status(catalog)["text"]
    assert counts == {
        "enabled": True,
        "read": len(SAMPLES) + 2,
        "with_text": len(SAMPLES) + 1,
        "failed": 0,
        "pending": 0,
    }


def test_a_photo_without_text_stops_at_the_probe(indexed) -> None:
    pictor, library, _ = indexed
    reader = pictor.library.text_reader()
    data = (library.root / "beach.jpg").read_bytes()
    assert text_stage.read_image_text(data, reader, max_pixels=10**9).probed_empty
    data = (library.root / "sign.jpg").read_bytes()
    assert not text_stage.read_image_text(data, reader, max_pixels=10**9).probed_empty


def test_the_text_command_prints_lines_with_boxes_where_they_were_drawn(indexed) -> None:
    pictor, library, _ = indexed
    done = subprocess.run(
        [sys.executable, str(LAUNCH), "--data-dir", str(pictor.settings.data_dir), "text",
         str(library.root / "chat.png"), "--json"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["source"] == "catalog" and report["state"] == "text"
    first, second = report["lines"]
    assert "QX7421" in first["text"].upper() and first["confidence"] > 0.8
    xs = [x for x, _ in first["box"]]
    ys = [y for _, y in first["box"]]
    # Drawn from (40, 40), 26 px high: the box holds it, and not much more.
    assert 25 <= min(xs) <= 45 and max(xs) > 300 and 25 <= min(ys) <= 45 and 62 <= max(ys) < 85
    assert min(y for _, y in second["box"]) > max(ys) - 5  # the second line is below


@pytest.fixture
def small_library(pictor_env: Path, tmp_path: Path, library: LibraryBuilder) -> Pictor:
    for n in range(3):
        library.noise(f"img{n}.png", seed=n)
    return Pictor(tmp_path / "data", embed=False, ocr=True)


def test_an_image_the_engine_fails_on_is_one_line_in_errors_and_the_rest_goes_on(
    small_library: Pictor, library: LibraryBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = (library.root / "img1.png").read_bytes()
    busy = (library.root / "img2.png").read_bytes()

    def reader(data: bytes, reader: TextReader, *, max_pixels: int) -> Reading:
        if data == failing:
            raise RuntimeError("onnxruntime: bad allocation\nsecond line")
        if data == busy:  # 5,000 boxes: the first MAX_LINES are kept
            line = TextLine("word", ((0, 0), (9, 0), (9, 9), (0, 9)), 0.9)
            return Reading((line,) * MAX_LINES, probed_empty=False, cut_short=5000 - MAX_LINES)
        return Reading((), probed_empty=True)

    monkeypatch.setattr(text_stage, "read_image_text", reader)
    summary = small_library.library.index([str(library.root)])
    assert summary.text is not None
    assert (summary.text["read"], summary.text["with_text"], summary.text["failed"]) == (3, 1, 1)
    with small_library.library.open_catalog() as catalog:
        errors = {row["path"].rsplit("/", 1)[-1]: row["reason"] for row in details.errors(catalog)}
    assert errors == {
        "img1.png": "the text reader failed: RuntimeError: onnxruntime: bad allocation",
        "img2.png": "text: 5,000 lines found, the first 2,000 kept",
    }


def test_ocr_off_reads_nothing_and_a_later_run_backfills_after_a_kill(
    pictor_env: Path, tmp_path: Path, library: LibraryBuilder
) -> None:
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    for n, word in enumerate(words):
        image = draw_lines(
            Image.new("RGB", (420, 120), "white"), [f"{word} {n}{n}{n}"], fonts()[0], 30, (0, 0, 0)
        )
        library.save(f"note{n}.png", image)
    data = tmp_path / "data"
    off = Pictor(data, embed=False, ocr=False)
    assert off.library.index([str(library.root)]).text is None
    assert off.one("SELECT COUNT(*) AS n FROM text_reads")["n"] == 0

    args = ["--data-dir", str(data), "index", str(library.root), "--no-embed", "--progress", "json"]
    env = {**os.environ, "PICTOR_OCR": "on", "PICTOR_COMMIT_EVERY": "1"}
    process = subprocess.Popen(
        [sys.executable, str(LAUNCH), *args], cwd=REPO_ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("{"):
                update = json.loads(line)
                if update["stage"] == "text" and update["done"] >= 2:
                    process.send_signal(signal.SIGKILL)
                    break
    finally:
        if process.poll() is None and process.returncode is None:
            process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the text stage ended before the kill"
    before = {row["content_id"]: row["at"] for row in off.rows("SELECT * FROM text_reads")}
    assert 2 <= len(before) < len(words)
    assert off.one("PRAGMA integrity_check")[0] == "ok"

    summary = Pictor(data, embed=False, ocr=True).library.index([str(library.root)])
    assert summary.text is not None
    assert summary.text["read"] == len(words) - len(before)  # only what was left
    after = {row["content_id"]: row["at"] for row in off.rows("SELECT * FROM text_reads")}
    assert len(after) == len(words) and all(after[cid] == at for cid, at in before.items())
    with off.library.open_catalog() as catalog:
        assert {i.path.rsplit("/", 1)[-1] for i in find(catalog, "foxtrot").items} == {"note5.png"}


def test_openvino_and_onnx_runtime_read_the_same_lines(indexed) -> None:
    """The reader runs on OpenVINO where it can (PICTOR_BACKEND auto or openvino), and on
    ONNX Runtime otherwise (the tests' torch backend): the same models, the same lines."""
    from indexing.models.text_reader import OpenVinoModel

    _, library, _ = indexed
    pixels = Image.open(library.root / "chat.png").convert("RGB")
    openvino = TextReader(1, "openvino").load()
    onnx = TextReader(1, "onnx").load()
    assert isinstance(openvino._parts()[0].infer, OpenVinoModel)
    assert not isinstance(onnx._parts()[0].infer, OpenVinoModel)
    read = {name: reader.read(pixels).lines for name, reader in (("ov", openvino), ("ort", onnx))}
    assert [line.text for line in read["ov"]] == [line.text for line in read["ort"]]
    for a, b in zip(read["ov"], read["ort"], strict=True):
        assert (
            max(
                abs(p - q)
                for pa, pb in zip(a.box, b.box, strict=True)
                for p, q in zip(pa, pb, strict=True)
            )
            <= 2
        )

"""`launch.py find`: names, folders, prompts, cameras and places, end to end on real files.

The shared library below is written file by file (JPEGs with EXIF make, model, lens, date and
GPS; PNGs with A1111 and ComfyUI text chunks), indexed once per module by `launch.py index`,
and only read by the tests that use it. Every expectation comes from that spec, never from
the code under test. Tests that change files build their own small library.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, PngImagePlugin

from launch import main as launch_main
from tests.conftest import (
    CliRunner,
    fails,
    launch_process,
    tiny_clip_env,
    without_random_warning,
)
from tests.library_builder import noise_image

# --- the library, as a spec -------------------------------------------------------------


@dataclass(frozen=True)
class Camera:
    make: str  # EXIF Make, as cameras write it
    model: str  # EXIF Model
    label: str  # what a person expects to read
    lens: str | None = None


@dataclass(frozen=True)
class Place:
    city: str
    cc: str
    country: str
    lat: float
    lon: float

    @property
    def value(self) -> str:  # the city facet's value, as `--city` takes it
        return f"{self.cc}/{self.city}"

    @property
    def label(self) -> str:
        return f"{self.city}, {self.country}"


FUJI = Camera("FUJIFILM", "X-T4", "Fujifilm X-T4", "XF23mmF1.4 R")
CANON = Camera("Canon", "Canon EOS R5", "Canon EOS R5", "RF24-105mm F4 L IS USM")
IPHONE = Camera("Apple", "iPhone 13 Pro", "Apple iPhone 13 Pro")
NIKON = Camera("NIKON CORPORATION", "NIKON D750", "Nikon D750")

LISBON = Place("Lisbon", "PT", "Portugal", 38.7223, -9.1393)
PORTO = Place("Porto", "PT", "Portugal", 41.1496, -8.6110)
PARIS = Place("Paris", "FR", "France", 48.8566, 2.3522)
MADRID = Place("Madrid", "ES", "Spain", 40.4168, -3.7038)

# Every file's mtime: the date of the files without an EXIF date.
FILE_TIME = datetime(2024, 1, 20, 14, 0)

FOX_PARAMETERS = (
    "a cyberpunk fox in neon rain, highly detailed\n"
    "Negative prompt: blurry, lowres\n"
    "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 12345, Size: 512x512, "
    "Model: sdxl_base"
)
SNOW_FOX_PARAMETERS = (
    "a red fox asleep in fresh snow, soft light\n"
    "Negative prompt: cartoon\n"
    "Steps: 20, Sampler: Euler a, CFG scale: 6, Seed: 777, Size: 512x512, Model: realvis"
)
COMFY_GRAPH = {
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 5,
            "steps": 20,
            "sampler_name": "euler",
            "model": ["4", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
        },
    },
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "dreamshaper_8"}},
    "6": {
        "class_type": "CLIPTextEncode",
        "inputs": {"text": "a lighthouse on a stormy cliff at dusk", "clip": ["4", 1]},
    },
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "watermark", "clip": ["4", 1]}},
}


@dataclass(frozen=True)
class Shot:
    name: str  # the path under the library root
    camera: Camera | None = None
    taken: datetime | None = None  # EXIF DateTimeOriginal, on the camera's clock
    place: Place | None = None  # EXIF GPS
    texts: dict[str, str] = field(default_factory=dict)  # PNG text chunks
    offset: str | None = None  # EXIF OffsetTimeOriginal, e.g. '+09:00'

    @property
    def day(self) -> str:
        return (self.taken or FILE_TIME).date().isoformat()

    @property
    def format(self) -> str:
        return "PNG" if self.name.endswith(".png") else "JPEG"

    @property
    def folder(self) -> str:
        return self.name.rpartition("/")[0]


def burst(pattern: str, first: datetime, gap: timedelta, count: int, **shot: Any) -> list[Shot]:
    return [Shot(pattern.format(n=n + 1), taken=first + n * gap, **shot) for n in range(count)]


def _library() -> tuple[Shot, ...]:
    return (
        # A day in Lisbon, one photo an hour: an event.
        *burst(
            "2023/Lisbon trip/DSCF{n:04d}.JPG",
            datetime(2023, 7, 14, 10),
            timedelta(hours=1),
            6,
            camera=FUJI,
            place=LISBON,
        ),
        # Paris, five photos 3 h 1 min apart: just over the event rule, so no event.
        *burst(
            "2022/Paris/IMG_{n:04d}.JPG",
            datetime(2022, 3, 5, 0),
            timedelta(hours=3, minutes=1),
            5,
            camera=CANON,
            place=PARIS,
        ),
        # Three photos in Porto, then three in Lisbon an hour later: two places, no event.
        *burst(
            "2021/road trip/photo{n}.jpg",
            datetime(2021, 5, 1, 10),
            timedelta(minutes=10),
            3,
            camera=IPHONE,
            place=PORTO,
        ),
        *[
            Shot(
                f"2021/road trip/photo{n + 4}.jpg", IPHONE, datetime(2021, 5, 1, 11, 10 * n), LISBON
            )
            for n in range(3)
        ],
        # Madrid, five photos exactly 3 h apart: on the rule's edge, an event.
        *burst(
            "2020/Madrid/DSC_{n:04d}.JPG",
            datetime(2020, 2, 10, 0),
            timedelta(hours=3),
            5,
            camera=NIKON,
            place=MADRID,
        ),
        # The day the files were copied: one EXIF-dated photo among five dated by file time.
        Shot("2024/IMG_9001.JPG", CANON, datetime(2024, 1, 20, 9)),
        Shot("ai/fox_00001_.png", texts={"parameters": FOX_PARAMETERS}),
        Shot("ai/00002-snow.png", texts={"parameters": SNOW_FOX_PARAMETERS}),
        Shot("comfy/ComfyUI_00042_.png", texts={"prompt": json.dumps(COMFY_GRAPH)}),
        Shot("scans/invoiceScan2023.png"),
        Shot("scans/receipt_march.jpg"),
    )


LIBRARY = _library()


def shots(*prefixes: str) -> set[str]:
    """The names of the shots under these folders (or with these exact names)."""
    return {s.name for s in LIBRARY if any(s.name.startswith(p) for p in prefixes)}


def _dms(degrees: float) -> tuple[float, float, float]:
    degrees = abs(degrees)
    whole = int(degrees)
    minutes = int((degrees - whole) * 60)
    seconds = round(((degrees - whole) * 60 - minutes) * 60, 3)
    return float(whole), float(minutes), seconds


def write_shot(root: Path, shot: Shot, seed: int) -> Path:
    path = root / shot.name
    path.parent.mkdir(parents=True, exist_ok=True)
    image = noise_image((48, 32), seed=seed)
    if shot.format == "PNG":
        info = PngImagePlugin.PngInfo()
        for key, value in shot.texts.items():
            info.add_text(key, value)
        image.save(path, format="PNG", pnginfo=info)
    else:
        exif = Image.Exif()
        if shot.camera is not None:
            exif[0x010F] = shot.camera.make
            exif[0x0110] = shot.camera.model
        details = exif.get_ifd(0x8769)
        if shot.taken is not None:
            details[0x9003] = shot.taken.strftime("%Y:%m:%d %H:%M:%S")
        if shot.offset is not None:
            details[0x9011] = shot.offset
        if shot.camera is not None and shot.camera.lens:
            details[0xA434] = shot.camera.lens
        if shot.place is not None:
            gps = exif.get_ifd(0x8825)
            gps[1], gps[2] = ("N" if shot.place.lat >= 0 else "S"), _dms(shot.place.lat)
            gps[3], gps[4] = ("E" if shot.place.lon >= 0 else "W"), _dms(shot.place.lon)
        image.save(path, format="JPEG", exif=exif)
    stamp = FILE_TIME.timestamp()
    os.utime(path, (stamp, stamp))
    return path


# --- running the CLI ---------------------------------------------------------------------


def launch(*args: str) -> tuple[int, str, str]:
    """`launch.py args` in this process: (exit status, stdout, stderr).

    The same parser and handlers as the command line, without a Python start-up per query.
    With PICTOR_DEBUG=1 (set by the fixtures here) a bug raises into the test instead of
    becoming an "error: unexpected ..." line, so every query is checked for crashes too.
    """
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = launch_main(list(args))
        except SystemExit as exc:  # argparse refusing the arguments
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def use_tiny_clip(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """What the pictor_env fixture sets, for a module-scoped library; and PICTOR_DEBUG."""
    tiny_clip_env(monkeypatch, home)
    monkeypatch.setenv("PICTOR_DEBUG", "1")


def subprocess_launch(*args: str) -> tuple[int, str, str]:
    """`python launch.py args` as a separate process, in this environment."""
    return launch_process(args)


class Indexed:
    """A library (LIBRARY unless told) written under home/library, indexed into home/data by
    `launch.py index` (a real process), and read by the tests through `launch`."""

    def __init__(self, home: Path, *index_flags: str, library: Sequence[Shot] = LIBRARY):
        self.root = home / "library"
        self.data_dir = home / "data"
        for seed, shot in enumerate(library):
            write_shot(self.root, shot, seed)
        code, out, err = self.process("index", str(self.root), *index_flags, "--json")
        assert code == 0, err
        self.summary = json.loads(out)
        assert self.summary["new"] == len(library), self.summary
        assert self.summary["errors"] == [], self.summary

    def process(self, *args: str) -> tuple[int, str, str]:
        code, out, err = subprocess_launch("--data-dir", str(self.data_dir), *args)
        assert "Traceback" not in err, err
        return code, out, err

    def run(self, *args: str) -> tuple[int, str, str]:
        return launch("--data-dir", str(self.data_dir), *args)

    def json(self, *args: str) -> Any:
        code, out, err = self.run(*args, "--json")
        assert code == 0, (args, err)
        return json.loads(out)

    def name(self, path: str) -> str:
        return Path(path).relative_to(self.root).as_posix()

    def path(self, name: str) -> str:
        return str(self.root / name)

    def names(self, items: Iterable[dict[str, Any]]) -> set[str]:
        return {self.name(item["path"]) for item in items}

    def finds(self, queries: Iterable[Sequence[str]]) -> dict[tuple[str, ...], set[str]]:
        """{find arguments: the names found}."""
        return {
            tuple(query): self.names(self.json("find", *query, "--top", "1000")["items"])
            for query in queries
        }


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Indexed]:
    home = tmp_path_factory.mktemp("metadata-search")
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_tiny_clip(monkeypatch, home)
        # No CLIP needed to find by metadata: --no-embed keeps the module fast.
        yield Indexed(home, "--no-embed")


def expect(shared: Indexed, cases: dict[tuple[str, ...], set[str]]) -> None:
    """Each find query finds exactly its names (one assert, so one failure shows them all)."""
    assert shared.finds(list(cases)) == cases


# --- what find finds ------------------------------------------------------------------------


INVOICE = "scans/invoiceScan2023.png"
FOX = "ai/fox_00001_.png"
SNOW_FOX = "ai/00002-snow.png"
COMFY = "comfy/ComfyUI_00042_.png"
RECEIPT = "scans/receipt_march.jpg"


def test_glued_file_names_are_found_by_each_of_their_words(shared: Indexed) -> None:
    lisbon_trip = shots("2023/")
    expect(
        shared,
        {
            ("invoice",): {INVOICE},
            ("invoice*",): {INVOICE},
            ("INVOICE",): {INVOICE},
            ("scan",): {INVOICE},
            ("invoicescan2023",): {INVOICE},
            ("invoiceScan",): {INVOICE},
            ("name:2023",): {INVOICE},
            # "2023" is also the Lisbon photos' folder.
            ("2023",): {INVOICE} | lisbon_trip,
            ("voice",): set(),  # a word matches whole words, not their middles
            ("invoices",): set(),
            # Underscores and hyphens separate words.
            ("00001",): {FOX},
            ("fox_00001",): {FOX},
            ("receipt_march",): {RECEIPT},
            ("march",): {RECEIPT},
            ("dscf0003",): {"2023/Lisbon trip/DSCF0003.JPG"},
            ("dscf",): lisbon_trip,
            ("img",): shots("2022/Paris/", "2024/IMG_9001.JPG"),
        },
    )


def test_folder_words_are_found_and_folder_limits_to_folders(shared: Indexed) -> None:
    expect(
        shared,
        {
            ("trip",): shots("2023/", "2021/"),
            ('"lisbon trip"',): shots("2023/"),
            ('folder:"lisbon trip"',): shots("2023/"),
            ("folder:scans",): {INVOICE, RECEIPT},
            ("folder:comfy",): {COMFY},
            ("folder:madrid",): shots("2020/"),
            ("name:madrid",): set(),
            ("folder:invoice",): set(),
        },
    )


def test_prompt_words_and_phrases_from_a1111_and_comfyui(shared: Indexed) -> None:
    expect(
        shared,
        {
            ("fox",): {FOX, SNOW_FOX},
            ('"cyberpunk fox"',): {FOX},
            ('"fox cyberpunk"',): set(),  # a phrase keeps its order
            ("cyberpunk fox",): {FOX},
            ("fox -neon",): {SNOW_FOX},
            ("fox NOT neon",): {SNOW_FOX},
            ("fox -cyberpunk -snow",): set(),
            ("prompt:asleep",): {SNOW_FOX},
            ("name:asleep",): set(),
            # ComfyUI: the text of the prompt graph's CLIPTextEncode nodes, and its other strings.
            ("lighthouse",): {COMFY},
            ('"stormy cliff"',): {COMFY},
            ("prompt:lighthouse",): {COMFY},
            ("dreamshaper",): {COMFY},
            # OR between alternatives, AND (nothing) between words.
            ("lighthouse OR invoice",): {COMFY, INVOICE},
            ("lighthouse OR invoice OR cyberpunk",): {COMFY, INVOICE, FOX},
            ("lighthouse invoice",): set(),
            ("fox OR lighthouse -neon",): {SNOW_FOX, COMFY},
        },
    )


def test_cameras_places_and_years_by_field_and_by_flag(shared: Indexed) -> None:
    lisbon_trip, paris, madrid, road_trip = (shots(f) for f in ("2023/", "2022/", "2020/", "2021/"))
    in_lisbon = lisbon_trip | {f"2021/road trip/photo{n}.jpg" for n in (4, 5, 6)}
    in_porto = {f"2021/road trip/photo{n}.jpg" for n in (1, 2, 3)}
    expect(
        shared,
        {
            ("camera:fuji",): lisbon_trip,
            ("--camera", "fuji"): lisbon_trip,
            ("--camera", "fujifilm"): lisbon_trip,
            ("--camera", "FUJIFILM X-T4"): lisbon_trip,
            ("camera:x-t4",): lisbon_trip,
            ("camera:canon",): paris | {"2024/IMG_9001.JPG"},
            ("--camera", "nikon"): madrid,
            ("--camera", "iphone"): road_trip,
            ("--camera", "leica"): set(),
            ("place:lisbon",): in_lisbon,
            ("--place", "lisbon"): in_lisbon,
            ("--place", "porto"): in_porto,
            ("place:portugal",): in_lisbon | in_porto,
            ("--place", "france"): paris,
            ("place:madrid",): madrid,
            ("--place", "new york"): set(),
            ("img", "--year", "2022"): paris,
            ("img", "--year", "2024"): {"2024/IMG_9001.JPG"},
            ("--camera", "canon", "--year", "2022"): paris,
            ("--camera", "canon", "--place", "paris"): paris,
            ("--camera", "fuji", "--place", "porto"): set(),
            ("photo", "--place", "porto"): in_porto,
            ("trip", "--year", "2021"): road_trip,
            ("fox", "--year", "2023"): set(),
        },
    )


def test_json_is_one_document_with_paths_content_ids_and_what_matched(shared: Indexed) -> None:
    code, out, err = shared.process("find", "cyberpunk OR invoice", "--json")
    assert code == 0, err
    document = json.loads(out)  # the whole of the process's stdout is one document
    assert document["matching"] == 2 and document["query"] == "cyberpunk OR invoice"
    items = {shared.name(item["path"]): item for item in document["items"]}
    assert set(items) == {FOX, INVOICE}
    with sqlite3.connect(shared.data_dir / "catalog.sqlite3") as conn:
        catalogued = dict(conn.execute("SELECT path, content_id FROM files"))
    for name, item in items.items():
        assert item["content_id"] == catalogued[shared.path(name)]
    fields = {name: {m["field"] for m in item["matched"]} for name, item in items.items()}
    assert fields[INVOICE] == {"name"}
    assert "prompt" in fields[FOX] and "name" not in fields[FOX]
    fox_prompt = next(m for m in items[FOX]["matched"] if m["field"] == "prompt")
    assert fox_prompt["words"] == ["cyberpunk"]

    code, out, err = shared.run("find", "place:lisbon", "--camera", "fuji", "--json")
    assert code == 0, err
    for item in json.loads(out)["items"]:
        assert {m["field"] for m in item["matched"]} == {"place", "camera"}


def test_text_output_has_a_count_line_then_one_line_per_image(shared: Indexed) -> None:
    code, out, err = shared.run("find", "lighthouse")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "1 image matches 'lighthouse'"
    assert len(lines) == 2 and lines[1].startswith(shared.path(COMFY) + "  [")
    assert "prompt (lighthouse)" in lines[1]


def test_pages_split_the_results_and_keep_the_total(shared: Indexed) -> None:
    documents = [
        shared.json("find", "trip", "--top", "5", "--page", str(page)) for page in (1, 2, 3, 4)
    ]
    names = [shared.names(document["items"]) for document in documents]
    assert [len(n) for n in names] == [5, 5, 2, 0]
    assert set().union(*names) == shots("2023/", "2021/")
    assert [document["matching"] for document in documents] == [12, 12, 12, 12]


# --- queries that cannot mean much -----------------------------------------------------------


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    error: str | None = None  # a part of the one-line error, or None for a search
    found: set[str] | None = None  # for a search: exactly these (None: some of the foxes)


BAD_QUERIES = [
    Case(('"cyberpunk fox',), found={FOX}),  # an unbalanced quote closes at the end
    Case(('fox"',), found={FOX, SNOW_FOX}),
    Case(("*",), error="type a word"),
    Case(('"*"',), error="type a word"),
    Case(("fox AND",), found={FOX, SNOW_FOX}),
    Case(("fox OR",), found={FOX, SNOW_FOX}),
    Case(("OR fox",), found={FOX, SNOW_FOX}),
    Case(("AND",), error="type a word"),
    Case(("OR",), error="type a word"),
    Case(("colour:red",), error="unknown field 'colour:'"),
    Case(("fox colour:red",), error="name:, folder:, prompt:, camera:"),
    Case(("--", "-cat"), error="only says what to leave out"),
    Case(("NOT cat",), error="only says what to leave out"),
    Case(("-cat -dog",), error="only says what to leave out"),
    Case(("",), error="give words to find"),
    Case(("   ",), error="give words to find"),
    Case(("x" * 5000,), found=set()),
    Case(("fox " * 1250,), error="more than 32 terms"),
    Case(("NEAR(fox",)),
    Case(("NEAR(cyberpunk fox, 2)",)),
    Case(("NEAR(",)),
    Case(("^fox",), found={FOX, SNOW_FOX}),
    Case(("fox^",), found={FOX, SNOW_FOX}),
    Case(("+fox",), found={FOX, SNOW_FOX}),
    Case(("{fox}",), found={FOX, SNOW_FOX}),
    Case(("{name}:fox",)),
    Case(("name:{fox}",), found={FOX}),
    Case(("{}",), error="type a word"),
    Case((":",), error="type a word"),
    Case(("fox:",), found={FOX, SNOW_FOX}),
    Case((":fox",), found={FOX, SNOW_FOX}),
    Case(("(fox",), found={FOX, SNOW_FOX}),
    Case(("fox)",), found={FOX, SNOW_FOX}),
    Case(("(",), error="type a word"),
    Case(("fox'",), found={FOX, SNOW_FOX}),
    Case(("*fox",), found={FOX, SNOW_FOX}),
    Case(("🦊",), error="type a word"),
    Case(("fox; DROP TABLE images; --",)),
]


def test_bad_queries_get_one_clear_line_or_an_escaped_search(shared: Indexed) -> None:
    # Options first: after "--" everything is the query.
    results = [shared.run("find", "--top", "1000", "--json", *case.args) for case in BAD_QUERIES]
    outcomes, expected = {}, {}
    for case, (code, out, err) in zip(BAD_QUERIES, results, strict=True):
        err = without_random_warning(err)
        key = case.args[-1][:40]
        if case.error is not None:
            expected[key] = (2, "", True, True)
            outcomes[key] = (
                code,
                out,
                err.startswith("error: ") and err.count("\n") == 1,
                case.error in err,
            )
            continue
        assert code == 0, (case.args, err)
        found = shared.names(json.loads(out)["items"])
        # FTS5 syntax reaches FTS5 as plain words: at most it narrows the search for "fox".
        expected[key] = case.found if case.found is not None else found & {FOX, SNOW_FOX}
        outcomes[key] = found
    assert outcomes == expected
    # The catalog is untouched by any of them.
    assert shared.finds([("fox",)]) == {("fox",): {FOX, SNOW_FOX}}


def test_a_word_to_leave_out_is_not_taken_for_an_option(shared: Indexed) -> None:
    # `find -cat` alone says what is wrong with the query, not with the command line.
    code, out, err = shared.process("find", "-cat")
    err = without_random_warning(err)
    assert (code, out) == (2, "")
    assert (
        err.startswith("error: ") and err.count("\n") == 1 and "only says what to leave out" in err
    )
    # Without "--", after the words or before them: the same search as `find "fox -snow"`.
    wanted = shared.names(shared.json("find", "--top", "1000", "fox -snow")["items"])
    assert wanted and SNOW_FOX not in wanted and FOX in wanted
    assert shared.finds([("fox", "-snow"), ("-snow", "fox")]) == {
        ("fox", "-snow"): wanted,
        ("-snow", "fox"): wanted,
    }
    # A real unknown option is still refused.
    code, out, err = shared.process("find", "fox", "--colour", "red")
    assert (code, out) == (2, "") and "--colour" in err


# --- the index follows the files ---------------------------------------------------------------


def test_find_without_a_catalog_or_words_is_one_line(run_cli: CliRunner, tmp_path: Path) -> None:
    assert "give words to find" in fails(run_cli, tmp_path, "find")
    assert "give words to find" in fails(run_cli, tmp_path, "find", "--camera", " ")


# --- a catalog from before issue 12 -----------------------------------------------------------

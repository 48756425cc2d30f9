"""The app's named endpoints, driven with gradio_client against the live app: each action
returns the CLI's --json document, and a bad input comes back as one short sentence."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from app.api import PictorApi
from app.context import AppContext
from indexing.errors import PictorError
from indexing.settings import Settings
from tests.browser import free_port, serve
from tests.conftest import tiny_clip_env
from tests.library_builder import LibraryBuilder

ENDPOINTS = (
    "index", "search", "list", "duplicates", "dismiss", "dismissed", "reset_dismissed",
    "rate", "prefer", "train", "predict", "trash", "restore", "status", "share", "unshare",
    "shares", "album_create_smart", "album_show", "album_move", "album_folder_create",
    "album_folder_rename", "album_folder_delete", "album_events", "album_events_accept",
    "album_events_dismiss", "export", "write_xmp_keywords",
)  # fmt: skip
SQUARE = 16  # 48×48 JPEGs in set0..set3
WIDE = 4  # 96×64 PNGs in wide/
COPY = "copy-of-img0000.jpg"  # the one exact duplicate
IMAGES = SQUARE + WIDE  # distinct contents


@dataclass
class Live:
    client: Client
    root: Path
    before: dict[str, Any]  # status before indexing
    indexed: dict[str, Any]  # what index returned

    def call(self, endpoint: str, **params: Any) -> Any:
        return json.loads(self.client.predict(api_name=f"/{endpoint}", **params))

    def path(self, name: str) -> str:
        return str(self.root / name)

    def content_ids(self) -> dict[str, str]:
        items = self.call("list", page_size=100)["items"]
        return {item["path"]: item["content_id"] for item in items}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """One app for the module, with its library indexed through the API."""
    base = tmp_path_factory.mktemp("api")
    library = LibraryBuilder(base / "library")
    library.many(SQUARE)
    for n in range(WIDE):
        library.noise(f"wide/w{n}.png", (96, 64), seed=100 + n)
    shutil.copy(library.root / "set0" / "img0000.jpg", library.root / COPY)
    with pytest.MonkeyPatch.context() as env:
        tiny_clip_env(env, base)
        env.setenv("PICTOR_DATA_DIR", str(base / "data"))
        env.setenv("HOME", str(base))  # the API adds folders inside the user's home
        settings = Settings(port=free_port(), threads=2)
        with serve(settings) as url:
            client = Client(url, verbose=False, analytics_enabled=False)
            before = json.loads(client.predict(api_name="/status"))
            indexed = json.loads(client.predict(folders=[str(library.root)], api_name="/index"))
            yield Live(client, library.root, before, indexed)


APP_DOC = Path(__file__).resolve().parents[2] / "docs" / "app.md"  # the README links to it


def documented_example() -> str:
    """The gradio_client example of docs/app.md, as written there."""
    text = APP_DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    example = [block for block in blocks if "from gradio_client import Client" in block]
    assert len(example) == 1, "docs/app.md has one gradio_client example"
    return example[0]


def test_the_documented_example_runs_as_written(live: Live) -> None:
    """Only the address changes (the page's is the default port). It runs with the
    client's defaults: nothing in a result is taken for a file to download."""
    code = documented_example()
    assert '"http://127.0.0.1:7860/"' in code
    code = code.replace('"http://127.0.0.1:7860/"', repr(live.client.src))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "docs/app.md", "exec"), {})
    ratings = live.call("status")["ratings"]
    assert printed.getvalue().splitlines()[-1] == f"{ratings} ratings" and ratings >= 1


def test_every_action_is_a_named_endpoint(live: Live) -> None:
    api = live.client.view_api(print_info=False, return_format="dict")
    named = api["named_endpoints"]
    # Exactly the actions: the UI's own ~250 events are callable by the page, not documented
    # (documented, the page embedded 3.7 MB describing them on every load).
    assert set(named) == {f"/{name}" for name in ENDPOINTS}
    assert not api["unnamed_endpoints"]
    parameters = [p["parameter_name"] for p in named["/rate"]["parameters"]]
    assert parameters == ["image", "score", "clear"]


def test_index_and_status_report_the_library(live: Live) -> None:
    assert live.before["images"] == 0 and live.before["roots"] == []
    assert live.indexed["roots"] == [str(live.root)]
    assert live.indexed["files_seen"] == IMAGES + 1
    assert live.indexed["errors"] == []
    assert live.indexed["embeddings"]["embedded"] == IMAGES
    status = live.call("status")
    assert (status["images"], status["files"]) == (IMAGES, IMAGES + 1)
    assert [root["path"] for root in status["roots"]] == [str(live.root)]
    assert status["embeddings"]["done"] == IMAGES
    assert status["model"] == live.indexed["embeddings"]["model"]


def test_search_by_text_in_a_folder_and_by_a_library_image(live: Live) -> None:
    wide = live.path("wide")
    found = live.call("search", text="a red car", top=10, filter={"folder": wide})
    assert found["query"]["text"] == "a red car"
    assert found["query"]["filter"] == {"folder": wide}
    assert len(found["results"]) == WIDE and not found["has_more"]
    assert all(hit["path"].startswith(wide + os.sep) for hit in found["results"])

    image = live.path("wide/w2.png")
    similar = live.call("search", image=live.content_ids()[image], top=3)
    assert similar["results"][0]["path"] == image  # an image is most like itself
    assert len(similar["results"]) == 3


def test_list_keeps_what_the_filter_asks_for(live: Live) -> None:
    listing = live.call("list", filter={"min_width": 90}, sort="name", page_size=10)
    assert listing["matching"] == WIDE and listing["total"] == IMAGES
    assert [item["path"] for item in listing["items"]] == [
        live.path(f"wide/w{n}.png") for n in range(WIDE)
    ]
    assert {(item["width"], item["height"]) for item in listing["items"]} == {(96, 64)}


def test_a_rating_by_path_or_content_id_shows_in_the_list(live: Live) -> None:
    image = live.path("set1/img0001.jpg")
    rated = live.call("rate", image=image, score=7.5)
    assert (rated["rating"], rated["previous"], rated["paths"]) == (7.5, None, [image])

    again = live.call("rate", image=rated["content_id"], score=3)
    assert (again["rating"], again["previous"]) == (3, 7.5)
    mine = live.call("list", filter={"rated": True}, page_size=100)["items"]
    assert {"path": image, "rating": 3, "rating_source": "user"}.items() <= next(
        item for item in mine if item["path"] == image
    ).items()

    cleared = live.call("rate", image=image, clear=True)
    assert cleared["rating"] is None
    mine = live.call("list", filter={"rated": True}, page_size=100)["items"]
    assert image not in [item["path"] for item in mine]


def test_a_preference_is_recorded(live: Live) -> None:
    ids = live.content_ids()
    winner, *losers = (live.path(f"set2/img{n:04d}.jpg") for n in (2, 6, 10))
    before = live.call("status")["preferences"]
    choice = live.call("prefer", winner=winner, losers=losers)
    assert choice["tie"] is False
    assert choice["pairs"] == [[ids[winner], ids[loser]] for loser in losers]
    assert live.call("status")["preferences"] == before + 1


def test_trash_then_restore_puts_the_file_back(live: Live) -> None:
    image = Path(live.path("set3/img0003.jpg"))
    data = image.read_bytes()
    moved = live.call("trash", paths=[str(image)])
    entry = moved["moved"][0]
    assert (entry["original_path"], moved["problems"]) == (str(image), [])
    assert not image.exists() and Path(entry["trash_path"]).exists()
    assert str(image) not in live.content_ids()

    restored = live.call("restore", paths=[str(image)])
    assert restored["moved"][0]["original_path"] == str(image)
    assert image.read_bytes() == data
    assert str(image) in live.content_ids()


def test_trash_refuses_what_the_library_does_not_hold(live: Live, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    secret = outside / "secret.jpg"
    shutil.copy(live.root / "set1" / "img0001.jpg", secret)
    link, notes = live.root / "evil_link", live.root / "notes.txt"
    link.symlink_to(outside)  # a folder link inside the library, never indexed
    notes.write_text("my notes")
    try:
        for path in (link / "secret.jpg", notes):
            with pytest.raises(AppError, match="not an image or video of the library"):
                live.call("trash", paths=[str(path)])
        assert secret.exists() and notes.exists()
    finally:
        link.unlink()
        notes.unlink()


def test_duplicates_finds_the_copy(live: Live) -> None:
    groups = live.call("duplicates", tier="exact")
    assert groups["total_groups"] == 1
    members = {member["path"] for member in groups["groups"][0]["members"]}
    assert members == {live.path("set0/img0000.jpg"), live.path(COPY)}


def test_not_duplicates_hides_the_group_until_reset(live: Live) -> None:
    made = live.call("dismiss", tier="exact", group=1)["dismissed"]
    assert {p for d in made for p in d["paths"]} == {live.path("set0/img0000.jpg"), live.path(COPY)}
    assert live.call("duplicates", tier="exact")["total_groups"] == 0
    assert live.call("duplicates", tier="exact", of=live.path(COPY))["groups"] == []
    [listed] = live.call("dismissed")["dismissed"]
    assert live.call("reset_dismissed", ids=[listed["id"]])["reset"] == 1
    assert live.call("duplicates", tier="exact", of=live.path(COPY))["total_groups"] == 1


def test_train_then_predict_rates_every_image(live: Live) -> None:
    names = [f"set{n % 4}/img{n:04d}.jpg" for n in range(4, SQUARE)]
    names += [f"wide/w{n}.png" for n in range(1, WIDE)]
    for number, name in enumerate(names):  # 15 ratings, 0 to 10 and round again
        live.call("rate", image=live.path(name), score=number % 11)
    # Ratings that follow no taste: whether it beats the baseline is not what this checks.
    trained = live.call("train", activate_anyway=True)
    assert trained["model_id"].startswith("eval-") and trained["activated"] is True
    assert trained["ratings"] >= len(names)
    assert trained["metrics"]["mae"] >= 0 and trained["predicted"] == IMAGES
    assert live.call("predict") == {"predicted": IMAGES}
    unrated = live.call("list", filter={"rated": False}, page_size=100)["items"]
    assert unrated and {item["rating_source"] for item in unrated} == {"predicted"}


@pytest.mark.parametrize(
    ("endpoint", "params", "sentence"),
    [
        ("rate", {"image": "set0/img0000.jpg", "score": 11}, "a score is a number from 0 to 10"),
        ("rate", {"image": "elsewhere.jpg", "score": 5}, "not in the library"),
        ("index", {"folders": ["no-such-folder"]}, "folder not found"),
        ("list", {"filter": {"colour": "red"}}, "unknown filter 'colour'"),
        ("search", {"text": " "}, "Nothing to search for"),
        ("restore", {}, "say what to restore"),
    ],
)
def test_bad_input_is_one_short_sentence(
    live: Live, endpoint: str, params: dict[str, Any], sentence: str
) -> None:
    params = {key: live.path(value) if key == "image" else value for key, value in params.items()}
    with pytest.raises(AppError) as caught:
        live.call(endpoint, **params)
    message = str(caught.value)
    assert sentence in message
    assert "Traceback" not in message and len(message) < 300


def test_the_api_adds_folders_only_inside_the_home_or_the_library(
    pictor_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A script may index under the home, or what the library already has; anything else
    is for the CLI or the Library tab (where a person chose it)."""
    home, elsewhere = tmp_path / "home", LibraryBuilder(tmp_path / "elsewhere")
    elsewhere.many(1)
    (home / "Pictures").mkdir(parents=True)
    (home / "escape").symlink_to(elsewhere.root)
    monkeypatch.setenv("HOME", str(home))
    api = PictorApi(AppContext.create(Settings()))
    for outside in (elsewhere.root, home / "escape", "/"):
        with pytest.raises(PictorError, match="outside your home folder") as caught:
            api.index([str(outside)])
        assert "python launch.py index" in str(caught.value)
    assert api.status()["roots"] == []
    assert api.index([str(home / "Pictures")])["files_seen"] == 0
    api.ctx.library.index([str(elsewhere.root)])  # the CLI's way: the folder becomes a root
    assert api.index([str(elsewhere.root / "set0")])["files_seen"] == 1  # inside a root
    assert {str(home / "Pictures"), str(elsewhere.root)} <= set(api.index()["roots"])


def test_a_smart_album_is_made_shown_and_exported_through_the_api(live: Live) -> None:
    made = live.call("album_create_smart", name="Wide ones", filter={"folder": live.path("wide")})
    assert made["smart"] is True and made["count"] == WIDE
    shown = live.call("album_show", name="Wide ones")
    assert sorted(Path(item["path"]).name for item in shown["items"]) == [
        f"w{n}.png" for n in range(WIDE)
    ]
    assert live.call("list", filter={"album": "Wide ones"})["matching"] == WIDE
    home = live.root.parent  # HOME of the app
    done = live.call("export", destination=str(home / "exported"), album="Wide ones", zip=True)
    assert done["images"] == WIDE and Path(done["destination"]).name == "Wide ones.zip"
    assert live.call("album_events")["proposals"] == []  # undated noise: no events
    with pytest.raises(AppError, match="inside your home"):
        live.call("export", destination="/tmp/pictor-outside", album="Wide ones")

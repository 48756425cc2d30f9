"""Videos in the library, end to end: indexing beside photos, bad videos reported, a
screenshot or a GIF finding its video and the moment, filters, moves and re-encodes.

The videos are made by tests/video_fixtures.py (PyAV); their pictures are known functions
of time, so each check is derived from how the video was made."""

from __future__ import annotations

import colorsys
import itertools
import math
import sqlite3
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from PIL import Image

from indexing.query.search import Searcher, SearchQuery
from tests import video_fixtures as vf
from tests.library_builder import LibraryBuilder, smooth_image

# Five scenes of very different colours: the picture at any time is known.
SCENES = [(0.0, (220, 30, 30)), (6.0, (30, 160, 40)), (13.0, (40, 60, 220)),
          (21.0, (230, 200, 20)), (27.0, (150, 40, 180))]  # fmt: skip
OTHER = [(0.0, (20, 190, 200)), (8.0, (240, 120, 20)), (15.0, (120, 70, 30))]
WEB = [(0.0, (60, 60, 60)), (1.5, (200, 200, 120))]


def frame_at(path: Path, t: float) -> Image.Image:
    """A screenshot: the picture a player shows at t seconds (decoded with PyAV)."""
    with av.open(str(path)) as container:
        shown = None
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time > t + 1e-6:
                break
            shown = frame
        return shown.to_image()


def scene_of(t: float, scenes=SCENES) -> int:
    return max(n for n, (start, _) in enumerate(scenes) if start <= t + 1e-6)


@pytest.fixture
def videos(library: LibraryBuilder) -> dict[str, Path]:
    made = {
        "scenes": vf.color_video(library.path("trip/scenes.mp4"), SCENES, duration=32, gop=25),
        "other": vf.color_video(library.path("trip/other.mkv"), OTHER, duration=20),
        "web": vf.color_video(library.path("clips/short.webm"), WEB, duration=3),
    }
    smooth_image((300, 200), seed=1).save(library.path("trip/photo.jpg"), quality=92)
    return made


def catalog_rows(tmp_path: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(tmp_path / "data" / "catalog.sqlite3") as conn:
        return conn.execute(sql, params).fetchall()


def test_a_folder_with_videos_catalogues_them_beside_its_photos(cli, library, videos, tmp_path):
    summary = cli("index", str(library.root))
    assert (summary["new"], summary["errors"]) == (4, [])
    assert summary["embeddings"]["embedded"] == 4  # each video once: the mean of its moments
    listed = {Path(i["path"]).name: i for i in cli("list", "--kind", "video")["items"]}
    assert set(listed) == {"scenes.mp4", "other.mkv", "short.webm"}
    assert listed["scenes.mp4"]["duration"] == pytest.approx(32, abs=0.2)
    assert (listed["scenes.mp4"]["width"], listed["scenes.mp4"]["height"]) == (160, 96)
    assert {i["format"] for i in listed.values()} == {"MP4", "MKV", "WEBM"}
    assert [Path(i["path"]).name for i in cli("list", "--kind", "image")["items"]] == ["photo.jpg"]
    longer = cli("list", "--min-duration", "10")["items"]
    assert sorted(Path(i["path"]).name for i in longer) == ["other.mkv", "scenes.mp4"]
    # Every scene of the long video is one of its sampled moments, each with a thumbnail.
    cid = listed["scenes.mp4"]["content_id"]
    moments = [ms / 1000 for (ms,) in catalog_rows(
        tmp_path, "SELECT ms FROM video_frames WHERE content_id = ? ORDER BY ms", cid)]  # fmt: skip
    assert {scene_of(t) for t in moments} == set(range(len(SCENES)))
    assert max(b - a for a, b in itertools.pairwise(moments)) <= 10.0 + 1e-6
    thumbs = tmp_path / "data" / "thumbs" / cid[:2]
    assert (thumbs / f"{cid}.jpg").exists()
    assert len(list(thumbs.glob(f"{cid}@*.jpg"))) == len(moments)
    # Nothing changed: nothing is decoded or embedded again.
    again = cli("index", str(library.root))
    assert (again["unchanged"], again["embeddings"]["embedded"]) == (4, 0)


def test_bad_videos_are_reported_each_with_its_reason_and_the_rest_is_indexed(
    cli, library: LibraryBuilder, tmp_path: Path
):
    good = vf.color_video(library.path("good.mp4"), SCENES, duration=32, gop=25)
    library.path("empty.mp4").write_bytes(b"")
    vf.audio_only(library.path("voice.mp4"))
    vf.zero_length_video(library.path("nothing.mp4"))
    vf.unsupported_codec(library.path("odd.mp4"))
    vf.truncated(library.path("cut.mp4"), good, keep=0.5)
    source = vf.color_video(tmp_path / "whole.mkv", SCENES, duration=32, noise=20)
    vf.truncated(library.path("cut.mkv"), source, keep=0.5)
    summary = cli("index", str(library.root))
    reasons = {Path(e["path"]).name: e["reason"] for e in summary["errors"]}
    assert reasons["empty.mp4"] == "empty file (0 bytes)"
    assert reasons["voice.mp4"] == "no video stream (audio only)"
    assert reasons["nothing.mp4"] == "the video has no frames"
    assert reasons["odd.mp4"].startswith("unsupported video codec")
    assert "truncated or damaged" in reasons["cut.mp4"]
    assert set(reasons) == {"empty.mp4", "voice.mp4", "nothing.mp4", "odd.mp4", "cut.mp4"}
    # The damaged MKV keeps what is readable, and says where it stops.
    warned = {Path(w["path"]).name: w["message"] for w in summary["warnings"]}
    assert "damaged" in warned["cut.mkv"]
    names = {Path(i["path"]).name for i in cli("list", "--kind", "video")["items"]}
    assert names == {"good.mp4", "cut.mkv"}
    again = cli("index", str(library.root))  # known bad files are not retried
    assert (again["errors"], again["unchanged"]) == ([], 7)


def test_a_screenshot_finds_its_video_and_the_moment(cli, pictor, library, videos, tmp_path):
    pictor.library.index([str(library.root)])
    searcher = Searcher.for_library(pictor.library)
    for t in (2.5, 16.2, 29.0):
        shot = tmp_path / f"shot-{t}.png"
        frame_at(videos["scenes"], t).resize((120, 72)).save(shot)
        best = searcher.search(SearchQuery(image_path=str(shot), top=3)).hits[0]
        assert (Path(best.path).name, best.kind) == ("scenes.mp4", "video")
        assert scene_of(best.moment.time) == scene_of(t)  # the moment shows the same scene
    # The command line says so too: kind, time and its timecode.
    found = cli("search", "--image", str(shot), "--top", "3")["results"][0]
    assert (Path(found["path"]).name, found["kind"]) == ("scenes.mp4", "video")
    assert scene_of(found["time"]) == scene_of(29.0)
    assert found["timecode"] == f"00:00:{math.floor(found['time']):02d}"


def test_a_gif_finds_the_video_it_was_cut_from_and_where(pictor, library, videos, tmp_path):
    pictor.library.index([str(library.root)])
    times = [10.0 + 0.5 * n for n in range(9)]  # 10 s to 14 s: the end of green, into blue
    gif = tmp_path / "reaction.gif"
    pictures = [frame_at(videos["scenes"], t).resize((80, 48)) for t in times]
    pictures[0].save(gif, save_all=True, append_images=pictures[1:], duration=500, loop=0)
    found = Searcher.for_library(pictor.library).search(SearchQuery(image_path=str(gif))).hits
    best = found[0].as_dict()
    assert (Path(best["path"]).name, best["kind"]) == ("scenes.mp4", "video")
    assert abs(best["time"] - times[0]) <= 10.0  # within one sampling interval
    # The range found starts in the GIF's first scene and ends in its last.
    assert scene_of(best["time"]) == scene_of(times[0])
    assert scene_of(best["end"]) == scene_of(times[-1])
    assert best["consistency"] >= 0.75  # most of the GIF's frames agree on the place
    assert all(hit.kind == "video" for hit in found)
    # Where a still is shown large (the Rate tab), a video shows its poster: 10 % in.
    preview = pictor.library.previews.get(found[0].content_id, [str(videos["scenes"])])
    with Image.open(preview) as still:
        middle = still.convert("RGB").getpixel((still.width // 2, still.height // 2))
    expected = vf.color_at(3.2, SCENES)
    assert max(abs(a - b) for a, b in zip(middle, expected, strict=True)) < 30


def test_a_moved_video_keeps_its_vectors_and_is_found_at_its_new_path(
    pictor, library, videos, tmp_path
):
    pictor.library.index([str(library.root)])
    moved = library.root / "elsewhere" / "renamed.mp4"
    moved.parent.mkdir()
    videos["scenes"].rename(moved)
    summary = pictor.library.index([str(library.root)])
    assert (summary.moved, summary.embeddings.embedded) == (1, 0)
    shot = tmp_path / "shot.png"
    frame_at(moved, 24.0).save(shot)
    hit = Searcher.for_library(pictor.library).search(SearchQuery(image_path=str(shot))).hits[0]
    assert hit.path == str(moved)


def photo_video(path: Path, seconds: int = 4, fps: int = 5) -> Path:
    """A video of a photo-like picture, slowly panning (a different picture altogether)."""
    picture = np.asarray(smooth_image((200, 120), seed=5))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        for n in range(seconds * fps):
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(picture[n : n + 96, n : n + 160]), format="rgb24"
            )
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_the_same_video_re_encoded_smaller_is_its_near_duplicate(cli, library, tmp_path):
    vf.color_video(library.path("a/original.mp4"), SCENES, duration=32, size=(320, 192), gop=7)
    vf.color_video(library.path("b/small.mkv"), SCENES, duration=32, size=(160, 96), gop=50)
    photo_video(library.path("c/different.mp4"))
    cli("index", str(library.root))
    groups = cli("duplicates", "--tier", "near")["groups"]
    names = [sorted(Path(m["path"]).name for m in g["members"]) for g in groups]
    assert names == [["original.mp4", "small.mkv"]]


def test_a_long_video_keeps_to_the_frame_cap(cli, library, tmp_path):
    vf.long_video(library.path("ten-hours.mp4"), hours=10)
    summary = cli("index", str(library.root), env={"PICTOR_VIDEO_MAX_FRAMES": "12"})
    assert summary["new"] == 1
    ms = [row[0] for row in catalog_rows(tmp_path, "SELECT ms FROM video_frames ORDER BY ms")]
    assert 2 <= len(ms) <= 12 and ms[-1] > 9 * 3600 * 1000  # spread over all ten hours


# Locating a moment, with a planted embedder (vectors that encode the colour's hue)


class HueEmbedder:
    """A stand-in for CLIP whose vector is a bump at the picture's hue: pictures of close
    hues have close vectors. It embeds what the indexer and the search hand it."""

    input_size = 32
    loaded = True
    load_error = None
    backend = "torch"
    runs_on = "planted"
    context_length = 77
    bins = 180

    def __init__(self, model_id: str):
        self.model_id = model_id

    def load(self) -> HueEmbedder:
        return self

    def preprocess(self, pixels: Image.Image) -> torch.Tensor:
        middle = np.asarray(pixels.convert("RGB"), dtype=np.float32)
        h, w = middle.shape[:2]
        mean = middle[h // 4 : 3 * h // 4 + 1, w // 4 : 3 * w // 4 + 1].reshape(-1, 3).mean(0)
        return torch.tensor(mean / 255.0)

    def embed_tensors(self, batch: torch.Tensor) -> np.ndarray:
        hues = np.array([colorsys.rgb_to_hsv(*map(float, rgb))[0] for rgb in batch.numpy()])
        centres = np.arange(self.bins) / self.bins
        distance = np.abs(hues[:, None] - centres[None, :])
        distance = np.minimum(distance, 1 - distance)
        vectors = np.exp(-((distance * self.bins / 2.0) ** 2))
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)

    def embed_images(self, images: list[Image.Image]) -> np.ndarray:
        return self.embed_tensors(torch.stack([self.preprocess(i) for i in images]))

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        rng = np.random.default_rng(len(texts))
        vectors = rng.standard_normal((len(texts), self.bins)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2


@pytest.fixture
def planted(pictor, monkeypatch, tmp_path: Path) -> HueEmbedder:
    """The hue embedder in place of the model in pictor's library. It poses as the model (its
    id), so what the library derives from the model goes to a models folder of its own."""
    embedder = HueEmbedder(pictor.library.model_id)
    monkeypatch.setattr(pictor.library, "embedder", lambda: embedder)
    own = pictor.settings.model_copy(update={"models_dir": tmp_path / "hue-models"})
    monkeypatch.setattr(pictor.library, "settings", own)
    return embedder


def hue_scenes(duration: float, every: float) -> list[tuple[float, tuple[int, int, int]]]:
    """A new hue every `every` seconds, sweeping once round the colour wheel."""
    scenes = []
    for n in range(int(duration / every)):
        r, g, b = colorsys.hsv_to_rgb(n * every / duration * 0.95, 0.9, 0.9)
        scenes.append((n * every, (round(r * 255), round(g * 255), round(b * 255))))
    return scenes


def test_a_frame_from_a_known_time_is_located_within_one_sampling_interval(
    pictor, planted, library: LibraryBuilder, tmp_path: Path
):
    interval = 10.0
    scenes = hue_scenes(90, 2.0)
    video = vf.color_video(library.path("sweep.mp4"), scenes, duration=90, gop=40, marker=False)
    summary = pictor.library.index([str(library.root)])
    assert summary.embeddings.embedded == 1
    searcher = Searcher.for_library(pictor.library)
    for t in (3.2, 31.7, 58.4, 86.0):
        shot = tmp_path / f"at-{t}.png"
        frame_at(video, t).save(shot)
        hit = searcher.search(SearchQuery(image_path=str(shot), top=1)).hits[0]
        assert hit.path == str(video) and hit.moment is not None
        assert abs(hit.moment.time - t) <= interval
        # Between the sampled moments, the frames are decoded: the very scene is found.
        assert vf.color_at(hit.moment.time, scenes) == vf.color_at(t, scenes)


def hue(value: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb(value, 0.9, 0.9)
    return round(r * 255), round(g * 255), round(b * 255)


def test_a_screenshot_whose_scene_looks_most_like_another_moment_is_placed_right(
    pictor, planted, library: LibraryBuilder, tmp_path: Path
):
    """The moment sampled at 10 s shows a scene that ends at 13 s; the screenshot, at 15 s,
    is of the next scene (hue 0.50), which no moment shows. The sampled moment most like it
    is at 40 s (hue 0.52), far from it; the one at 10 s (hue 0.45) is only second. The frames
    around the best few moments are looked at, not only around the best one."""
    scenes = [(0.0, hue(0.0)), (10.0, hue(0.45)), (13.0, hue(0.50)), (20.0, hue(0.75)),
              (30.0, hue(0.9)), (40.0, hue(0.52))]  # fmt: skip
    video = vf.color_video(library.path("cut.mp4"), scenes, duration=50, gop=100, marker=False)
    pictor.library.index([str(library.root)])
    ms = [row[0] for row in catalog_rows(tmp_path, "SELECT ms FROM video_frames ORDER BY ms")]
    assert ms == [0, 10_000, 20_000, 30_000, 40_000], "the moments this test is built on"
    shot = tmp_path / "at-15.png"
    frame_at(video, 15.0).save(shot)
    hit = Searcher.for_library(pictor.library).search(SearchQuery(image_path=str(shot))).hits[0]
    assert hit.path == str(video) and hit.moment is not None
    assert 13.0 <= hit.moment.time < 20.0, f"the screenshot's own scene, not {hit.moment.time}"
    assert hit.score > 0.9, "the very picture (the sampled moment at 40 s scores about 0.2)"


def test_a_screenshot_after_the_last_sampled_moment_is_placed_right(
    pictor, planted, library: LibraryBuilder, tmp_path: Path
):
    """The last moment is sampled at 40 s; the video runs to 50 s, and its last scene (hue
    0.78, from 44 s) is shown by no moment. A screenshot at 47 s is looked for up to the
    video's end, not only a second past the last moment."""
    scenes = [(0.0, hue(0.0)), (10.0, hue(0.2)), (20.0, hue(0.35)), (30.0, hue(0.6)),
              (40.0, hue(0.74)), (44.0, hue(0.78))]  # fmt: skip
    video = vf.color_video(library.path("end.mp4"), scenes, duration=50, gop=100, marker=False)
    pictor.library.index([str(library.root)])
    ms = [row[0] for row in catalog_rows(tmp_path, "SELECT ms FROM video_frames ORDER BY ms")]
    assert ms == [0, 10_000, 20_000, 30_000, 40_000], "the moments this test is built on"
    shot = tmp_path / "at-47.png"
    frame_at(video, 47.0).save(shot)
    hit = Searcher.for_library(pictor.library).search(SearchQuery(image_path=str(shot))).hits[0]
    assert hit.path == str(video) and hit.moment is not None
    assert 44.0 <= hit.moment.time <= 50.0, f"the screenshot's own scene, not {hit.moment.time}"
    assert hit.score > 0.9, "the very picture"


def test_a_screenshot_of_a_scene_whose_cut_has_no_key_frame_finds_its_video_first(
    pictor, planted, library: LibraryBuilder, tmp_path: Path
):
    """cut.mp4 has key frames at 0 and 10 s only: its scene from 4 to 7 s (hue 0.50) starts
    at a cut with no key frame. decoy.mp4 shows hue 0.51 from 3 s, at a key frame. The cut
    is a moment all the same (the frame coded afresh there is found), so a screenshot at
    5.5 s finds cut.mp4 first, at its moment, though the search looks closer at its first
    result only (top=1) and the decoy's moment is the nearest otherwise."""
    scenes = [(0.0, hue(0.0)), (4.0, hue(0.50)), (7.0, hue(0.25))]
    video = vf.color_video(
        library.path("cut.mp4"), scenes, duration=12, gop=100, marker=False, texture=30
    )
    decoy = [(0.0, hue(0.75)), (3.0, hue(0.51))]
    vf.color_video(library.path("decoy.mp4"), decoy, duration=6, gop=10, marker=False, texture=30)
    pictor.library.index([str(library.root)])
    shot = tmp_path / "at-5.5.jpg"
    frame_at(video, 5.5).save(shot, quality=90)
    query = SearchQuery(image_path=str(shot), top=1)
    hit = Searcher.for_library(pictor.library).search(query).hits[0]
    assert hit.path == str(video) and hit.moment is not None
    assert abs(hit.moment.time - 5.5) <= 2.0, hit.moment.time


def test_a_screenshot_is_placed_at_its_own_frame_where_a_scene_scores_alike(
    pictor, planted, library: LibraryBuilder, tmp_path: Path
):
    """One scene of 10 s that a dark bar crosses: the planted embedder sees the hue only, so
    every frame scores alike (as CLIP with random weights scores a scene's moving shapes).
    A screenshot (scaled to 2/3 and saved as JPEG, as a screen grab is) is placed at its own
    frame, told from its neighbours by its pixels, not at an arbitrary frame of the scene."""
    video = vf.color_video(
        library.path("bar.mp4"), [(0.0, hue(0.6))], duration=10, gop=100, marker=False, bar=True
    )
    pictor.library.index([str(library.root)])
    searcher = Searcher.for_library(pictor.library)
    for t in (2.2, 6.3, 8.8):
        shot = tmp_path / f"at-{t}.jpg"
        picture = frame_at(video, t)
        picture.resize((picture.width * 2 // 3, picture.height * 2 // 3)).save(shot, quality=85)
        hit = searcher.search(SearchQuery(image_path=str(shot), top=1)).hits[0]
        assert hit.path == str(video) and hit.moment is not None
        assert abs(hit.moment.time - t) <= 0.5, f"screenshot at {t} s placed at {hit.moment.time}"


def test_a_video_indexed_without_the_model_is_embedded_on_a_later_run(cli, library, tmp_path):
    vf.color_video(library.path("later.mp4"), SCENES, duration=32, gop=25)
    first = cli("index", str(library.root), "--no-embed")
    assert first["new"] == 1 and catalog_rows(tmp_path, "SELECT * FROM video_frames") == []
    second = cli("index", str(library.root))
    assert second["embeddings"]["embedded"] == 1
    moments = catalog_rows(tmp_path, "SELECT ms FROM video_frames")
    assert {scene_of(ms / 1000) for (ms,) in moments} == set(range(len(SCENES)))


def test_a_broken_clip_as_the_query_is_refused_in_one_line(run_cli, library, videos, tmp_path):
    from tests.conftest import fails

    broken = tmp_path / "broken.mp4"
    vf.truncated(broken, videos["scenes"], keep=0.3)
    said = fails(run_cli, tmp_path, "search", "--image", str(broken))
    assert said.startswith("error: broken.mp4 cannot be used as a query clip:")
    assert "truncated or damaged" in said

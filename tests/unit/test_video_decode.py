"""decode_video and sample_clip on small videos made on the spot (tests/video_fixtures.py).

Every expectation is derived from the fixture's definition: a frame said to be at time t
must show the colour the generator painted at t.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path

import av
import numpy as np
import pytest

from indexing.errors import BadImage
from indexing.ingest.scan import is_video_name
from indexing.ingest.video import (
    BadVideo,
    DecodedVideo,
    SampledFrame,
    decode_video,
    sample_clip,
)
from indexing.records import timecode
from tests import video_fixtures as vf

RED, GREEN, BLUE = vf.PALETTE[0], vf.PALETTE[1], vf.PALETTE[2]
SIZE = (160, 96)  # the fixtures' stored frame size
FRAME = 0.1  # seconds between frames at the fixtures' 10 fps


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("videos")


def shown_color(pixels) -> tuple[int, int, int]:
    """The frame's colour: the middle region's median (clear of the corner marker)."""
    array = np.asarray(pixels.convert("RGB"))
    h, w = array.shape[:2]
    middle = array[h // 3 : 2 * h // 3 + 1, w // 3 : 2 * w // 3 + 1].reshape(-1, 3)
    return tuple(int(v) for v in np.median(middle, axis=0))


def nearest(rgb: tuple[int, int, int], choices) -> tuple[int, int, int]:
    return min(choices, key=lambda c: sum((a - b) ** 2 for a, b in zip(c, rgb, strict=True)))


def assert_shows(frame: SampledFrame, expected: tuple[int, int, int], *, where: str = "") -> None:
    got = shown_color(frame.pixels)
    palette = {*vf.PALETTE, expected}
    assert nearest(got, palette) == expected, (
        f"frame at {frame.time:.3f}s{where} shows {got}, expected {expected}"
    )
    assert max(abs(a - b) for a, b in zip(got, expected, strict=True)) < 40


def assert_times_in_order(video_frames: list[SampledFrame]) -> list[float]:
    times = [f.time for f in video_frames]
    assert times == sorted(times) and len(set(times)) == len(times), times
    return times


def key_frame_times(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [
            float(p.pts * p.time_base) for p in container.demux(stream) if p.is_keyframe and p.size
        ]


def assert_one_line(exc: BaseException) -> str:
    message = str(exc)
    assert isinstance(exc, BadImage)
    assert message and "\n" not in message and "Errno" not in message, message
    assert "Traceback" not in message and "'/" not in message, message
    return message


# Sampling and timestamps


def test_frames_show_the_colour_of_their_time(videos: Path) -> None:
    path = vf.color_video(videos / "seconds.mp4", duration=6.0, gop=5)
    video = decode_video(str(path), min_side=48, long_side=100, interval=1.0)

    assert isinstance(video, DecodedVideo)
    times = assert_times_in_order(video.frames)
    assert times[0] < FRAME / 2
    for frame in video.frames:
        assert_shows(frame, vf.color_at(frame.time))
    gaps = np.diff([*times, video.duration])
    assert gaps.max() <= 1.0 + 1e-6, times  # at least one frame every interval, to the end
    assert video.duration == pytest.approx(6.0, abs=FRAME)
    assert (video.width, video.height) == SIZE
    assert (video.codec, video.container, video.rotation) == ("h264", "MP4", 0)
    assert video.fps == pytest.approx(10.0)
    assert video.warnings == [] and video.created_at is None


def test_frames_are_reduced_but_keep_min_side(videos: Path) -> None:
    path = vf.color_video(videos / "reduce.mp4", duration=2.0)
    min_side, long_side = 48, 100
    video = decode_video(str(path), min_side=min_side, long_side=long_side)
    # long_side would make the short side 96 * 100/160 = 60 >= 48: long_side rules
    needed_long = math.ceil(min_side * SIZE[0] / SIZE[1])
    for pixels in [video.poster, *(f.pixels for f in video.frames)]:
        assert pixels.mode == "RGB"
        assert min(pixels.size) >= min_side
        assert max(pixels.size) <= max(long_side, needed_long) + 1
        assert max(pixels.size) < SIZE[0]

    # A video smaller than min_side is never enlarged
    small = decode_video(str(path), min_side=200, long_side=300)
    assert small.poster.size == SIZE


def test_scene_change_between_key_frames_is_found(videos: Path) -> None:
    change = 3.3
    scenes = [(0.0, RED), (change, BLUE)]
    path = vf.color_video(videos / "scenes.mp4", scenes, duration=6.0, gop=10)
    keys = key_frame_times(path)
    assert keys == pytest.approx([0, 1, 2, 3, 4, 5])  # one key frame a second, none at 3.3

    video = decode_video(str(path), min_side=32, long_side=64, interval=10.0)

    for frame in video.frames:
        assert_shows(frame, vf.color_at(frame.time, scenes))
    blue = [f.time for f in video.frames if vf.color_at(f.time, scenes) == BLUE]
    assert blue, "the scene change was missed"
    first_key_after = min(k for k in keys if k >= change)
    assert change <= blue[0] <= first_key_after + 1e-6


def test_a_scene_cut_without_a_key_frame_is_a_moment(videos: Path) -> None:
    """The encoder put a key frame at 0 s only (none at the cuts at 4.3 and 7 s), and the
    interval (10 s) asks for no other: each cut is a moment all the same, at its own frame,
    found by the size of the frame coded afresh there."""
    scenes = [(0.0, RED), (4.3, BLUE), (7.0, GREEN)]
    path = vf.color_video(videos / "cuts.mp4", scenes, duration=10.0, gop=100, texture=30)
    assert key_frame_times(path) == [0.0]

    video = decode_video(str(path), min_side=32, long_side=64, interval=10.0)

    for frame in video.frames:
        assert_shows(frame, vf.color_at(frame.time, scenes))
    for start, colour in scenes[1:]:
        shown = [f.time for f in video.frames if vf.color_at(f.time, scenes) == colour]
        assert shown, f"the scene from {start} s has no moment"
        assert shown[0] == pytest.approx(start, abs=1e-3)  # the cut's own frame


def test_a_cut_at_a_key_frame_that_ffmpeg_passes_over_is_a_moment(videos: Path) -> None:
    """x264 marks the cut at 4.3 s with an I-frame that does not reset the decoder (the
    last reset is under min-keyint before it), and MP4 lists it as a key frame; FFmpeg asked
    for key frames only passes over it. It is a moment all the same."""
    scenes = [(0.0, RED), (4.3, BLUE), (7.0, GREEN)]
    options = {"x264-params": "keyint=100:min-keyint=100:scenecut=40:bframes=0"}
    path = vf.color_video(
        videos / "i-frame.mp4", scenes, duration=10.0, texture=30, options=options
    )
    assert any(abs(t - 4.3) < 1e-3 for t in key_frame_times(path))
    with av.open(str(path)) as container:  # what a key-frames-only decode gives
        container.streams.video[0].codec_context.skip_frame = "NONKEY"
        assert not any(abs(f.time - 4.3) < 1e-3 for f in container.decode(video=0))

    video = decode_video(str(path), min_side=32, long_side=64, interval=10.0)

    for frame in video.frames:
        assert_shows(frame, vf.color_at(frame.time, scenes))
    assert any(abs(f.time - 4.3) < 1e-3 for f in video.frames)


def test_a_large_frame_that_is_no_cut_is_no_moment(videos: Path) -> None:
    """At 4.3 s the texture changes (a frame as large as a cut's) but the picture, seen as a
    whole, does not: no new scene, so no moment beyond the first."""
    scenes = [(0.0, RED), (4.3, RED)]
    path = vf.color_video(videos / "no-cut.mp4", scenes, duration=10.0, gop=100, texture=30)

    video = decode_video(str(path), min_side=32, long_side=64, interval=10.0)

    assert [f.time for f in video.frames] == [0.0]


def test_single_key_frame_video_still_gets_a_frame_every_interval(videos: Path) -> None:
    path = vf.color_video(videos / "onegop.mp4", duration=30.0, fps=5, gop=1000)
    assert len(key_frame_times(path)) == 1
    interval = 5.0

    video = decode_video(str(path), min_side=32, long_side=64, interval=interval)

    times = assert_times_in_order(video.frames)
    assert times[0] == pytest.approx(0.0, abs=0.01)
    gaps = np.diff([*times, video.duration])
    assert gaps.max() <= interval + 0.2 + 1e-6, times  # within a frame (5 fps) of interval
    assert len(times) <= math.ceil(30.0 / interval) + 1
    for frame in video.frames:
        assert_shows(frame, vf.color_at(frame.time))


def test_ten_hour_video_is_capped_and_spread_over_its_length(videos: Path) -> None:
    start = time.perf_counter()
    path = vf.long_video(videos / "ten-hours.mp4", hours=10.0)
    made = time.perf_counter() - start
    max_frames = 120

    start = time.perf_counter()
    video = decode_video(str(path), min_side=32, long_side=64, max_frames=max_frames)
    took = time.perf_counter() - start
    print(f"10-hour video: made in {made:.2f}s, decoded in {took:.2f}s")

    assert video.duration > 9.9 * 3600
    times = assert_times_in_order(video.frames)
    assert 1 <= len(times) <= max_frames
    assert times[0] < 1.0
    assert times[-1] > 9 * 3600
    assert np.diff(times).max() <= 2 * video.duration / max_frames
    for frame in video.frames[::10]:
        assert_shows(frame, vf.color_at(frame.time))


def test_variable_frame_rate_times_are_presentation_times(videos: Path) -> None:
    times = [0.0, 0.1, 0.25, 1.7, 1.75, 3.9, 4.0, 6.5]
    path = vf.vfr_video(videos / "vfr.mp4", times)

    video = decode_video(str(path), min_side=32, long_side=64, interval=0.5)

    got = assert_times_in_order(video.frames)
    assert len(got) >= 4
    for frame in video.frames:
        index = min(range(len(times)), key=lambda k: abs(times[k] - frame.time))
        assert frame.time == pytest.approx(times[index], abs=0.002)
        assert_shows(frame, vf.color_at_second(index), where=f" (frame {index})")
    assert any(t == pytest.approx(6.5, abs=0.002) for t in got)  # the last, lone frame
    assert any(t == pytest.approx(0.25, abs=0.002) for t in got)


# Rotation


# Where the stored top-left corner ends up once turned clockwise by these degrees.
CORNER_AFTER = {0: "top-left", 90: "top-right", 180: "bottom-right", 270: "bottom-left"}


def brightest_corner(pixels) -> str:
    array = np.asarray(pixels.convert("L"), dtype=np.float32)
    h, w = array.shape
    ch, cw = max(1, h // 8), max(1, w // 8)
    corners = {
        "top-left": array[:ch, :cw],
        "top-right": array[:ch, -cw:],
        "bottom-left": array[-ch:, :cw],
        "bottom-right": array[-ch:, -cw:],
    }
    return max(corners, key=lambda name: corners[name].mean())


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_rotated_phone_video_is_turned_upright(videos: Path, degrees: int) -> None:
    path = vf.rotated_video(videos / f"phone{degrees}.mp4", degrees)

    video = decode_video(str(path), min_side=32, long_side=64)

    assert video.rotation == degrees
    swapped = degrees in (90, 270)
    assert (video.width, video.height) == (SIZE[::-1] if swapped else SIZE)
    for pixels in [video.poster, *(f.pixels for f in video.frames)]:
        assert (pixels.width < pixels.height) == swapped
    assert brightest_corner(video.poster) == CORNER_AFTER[degrees]


def test_unrotated_marker_stays_top_left(videos: Path) -> None:
    path = vf.color_video(videos / "upright.mp4", duration=1.0)
    video = decode_video(str(path), min_side=32, long_side=64)
    assert brightest_corner(video.poster) == CORNER_AFTER[0]


# The poster


def test_poster_is_the_same_picture_whatever_the_encoding(videos: Path) -> None:
    duration = 12.0
    small = vf.color_video(videos / "poster-small.mp4", duration=duration, size=SIZE, gop=7)
    large = vf.color_video(videos / "poster-large.mkv", duration=duration, size=(320, 192), gop=50)
    poster_time = min(duration * 0.1, 10.0)
    # The key frame before the poster time shows another colour than the poster time does
    before = max(k for k in key_frame_times(large) if k <= poster_time)
    assert vf.color_at(before) != vf.color_at(poster_time)

    a = decode_video(str(small), min_side=32, long_side=64)
    b = decode_video(str(large), min_side=32, long_side=64)

    assert a.poster_time == pytest.approx(poster_time, abs=FRAME / 2)
    assert b.poster_time == pytest.approx(a.poster_time, abs=1e-3)
    for video in (a, b):
        assert_shows(SampledFrame(video.poster_time, video.poster), vf.color_at(poster_time))
        assert max(video.poster.size) <= 64 + 1
    assert (b.width, b.height) == (320, 192)


def test_created_at_comes_from_the_creation_time_tag(videos: Path) -> None:
    path = vf.color_video(
        videos / "dated.mov",
        duration=1.0,
        metadata={"creation_time": "2021-05-03T10:20:30.000000Z"},
    )
    video = decode_video(str(path), min_side=32, long_side=64)
    assert video.created_at is not None
    assert datetime.fromisoformat(video.created_at) == datetime(2021, 5, 3, 10, 20, 30, tzinfo=UTC)
    assert video.container == "MOV"


# Containers and codecs


@pytest.mark.parametrize(
    ("name", "encoder", "codec", "container"),
    [
        ("clip.webm", "libvpx-vp9", "vp9", "WEBM"),
        ("clip-vp8.webm", "libvpx", "vp8", "WEBM"),
        ("clip.avi", "mpeg4", "mpeg4", "AVI"),
        ("clip-mjpeg.avi", "mjpeg", "mjpeg", "AVI"),  # every frame a key frame
        ("clip.mkv", "libx264", "h264", "MKV"),
        ("clip.mov", "libx264", "h264", "MOV"),
        ("clip.m4v", "libx264", "h264", "MP4"),
    ],
)
def test_containers_decode(
    videos: Path, name: str, encoder: str, codec: str, container: str
) -> None:
    path = vf.color_video(videos / name, duration=4.0, gop=10, codec=encoder)
    video = decode_video(str(path), min_side=32, long_side=64, interval=2.0)
    assert (video.codec, video.container) == (codec, container)
    assert (video.width, video.height) == SIZE
    assert video.duration == pytest.approx(4.0, abs=FRAME)
    times = assert_times_in_order(video.frames)
    assert np.diff([*times, video.duration]).max() <= 2.0 + 1e-6
    for frame in video.frames:
        assert_shows(frame, vf.color_at(frame.time))
    assert video.poster_time == pytest.approx(4.0 * 0.1, abs=FRAME / 2)
    assert_shows(SampledFrame(video.poster_time, video.poster), vf.color_at(video.poster_time))
    assert video.warnings == []


# Bad input: one clear line each


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(BadVideo) as caught:
        decode_video(str(path), min_side=32, long_side=64)
    assert assert_one_line(caught.value) == "empty file (0 bytes)"


def test_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_bytes(b"these are not the frames you are looking for\n" * 50)
    with pytest.raises(BadVideo) as caught:
        decode_video(str(path), min_side=32, long_side=64)
    assert "cannot read video" in assert_one_line(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadVideo) as caught:
        decode_video(str(tmp_path / "gone.mp4"), min_side=32, long_side=64)
    assert "cannot open file" in assert_one_line(caught.value)


def test_truncated_mp4_with_its_index_at_the_end_is_refused(videos: Path) -> None:
    source = vf.color_video(videos / "whole.mp4", duration=6.0, gop=10, noise=20)
    path = vf.truncated(videos / "half.mp4", source, keep=0.5)
    with pytest.raises(BadVideo) as caught:
        decode_video(str(path), min_side=32, long_side=64)
    assert "truncated or damaged" in assert_one_line(caught.value)


@pytest.mark.parametrize(
    ("name", "container_options"),
    [("whole.mkv", None), ("whole-faststart.mp4", {"movflags": "faststart"})],
)
def test_truncated_video_is_indexed_up_to_the_damage(
    videos: Path, name: str, container_options: dict[str, str] | None
) -> None:
    source = vf.color_video(
        videos / name, duration=6.0, gop=10, noise=20, container_options=container_options
    )
    path = vf.truncated(videos / f"cut-{name}", source, keep=0.5)

    video = decode_video(str(path), min_side=32, long_side=64, interval=1.0)

    assert len(video.warnings) == 1
    warning = video.warnings[0]
    assert "\n" not in warning
    times = assert_times_in_order(video.frames)
    last = times[-1]
    assert 1.0 <= last <= 4.5  # about half of the 6 s remain
    assert warning.startswith("the video is damaged after ")
    assert warning.endswith("; indexed up to there")
    said = warning.removeprefix("the video is damaged after ").split(";")[0]
    assert timecode(last) <= said <= timecode(last + 1.0)
    for frame in video.frames:
        assert_shows(frame, vf.color_at(frame.time))


def test_audio_only(videos: Path) -> None:
    path = vf.audio_only(videos / "voice.mp4")
    with pytest.raises(BadVideo) as caught:
        decode_video(str(path), min_side=32, long_side=64)
    assert assert_one_line(caught.value) == "no video stream (audio only)"


def test_zero_length_video(videos: Path) -> None:
    path = vf.zero_length_video(videos / "nothing.mp4")
    with av.open(str(path)) as container:
        assert len(container.streams.video) == 1  # a video stream, and no frame in it
    with pytest.raises(BadVideo) as caught:
        decode_video(str(path), min_side=32, long_side=64)
    assert assert_one_line(caught.value) == "the video has no frames"


def test_unsupported_codec(videos: Path) -> None:
    path = vf.unsupported_codec(videos / "alien.mp4", tag=b"zzzz")
    with pytest.raises(BadVideo) as caught:
        decode_video(str(path), min_side=32, long_side=64)
    assert assert_one_line(caught.value) == "unsupported video codec: zzzz"


def test_frames_over_the_pixel_limit_are_refused(videos: Path) -> None:
    path = vf.color_video(videos / "limit.mp4", duration=1.0)
    limit = SIZE[0] * SIZE[1] - 1
    with pytest.raises(BadVideo) as caught:
        decode_video(str(path), min_side=32, long_side=64, max_pixels=limit)
    message = assert_one_line(caught.value)
    assert message.startswith("refused: 160x96 video frames exceed")
    assert f"{limit:,}" in message
    # At the limit itself it is fine
    decode_video(str(path), min_side=32, long_side=64, max_pixels=limit + 1)


# Query clips


def test_sample_clip_of_a_gif_takes_times_from_frame_durations(videos: Path) -> None:
    colors = list(vf.PALETTE[:4])
    durations_ms = [100, 200, 300, 400]
    path = vf.gif_clip(videos / "clip.gif", colors, durations_ms)
    starts = [0.0, *(ms / 1000 for ms in accumulate(durations_ms))][:-1]

    frames = sample_clip(str(path), min_side=32)
    assert [f.time for f in frames] == pytest.approx(starts)
    for frame, color in zip(frames, colors, strict=True):
        assert_shows(frame, color)
        assert min(frame.pixels.size) >= 32

    # Fewer frames wanted: evenly spread over the clip's time, not its frame count
    total = sum(durations_ms) / 1000
    two = sample_clip(str(path), min_side=32, max_frames=2)
    assert len(two) == 2
    for frame, at in zip(two, [0.0, total / 2], strict=True):
        showing = max(k for k, s in enumerate(starts) if s <= at + 1e-9)
        assert frame.time == pytest.approx(starts[showing])
        assert_shows(frame, colors[showing])


def test_sample_clip_of_a_short_video_is_evenly_spread(videos: Path) -> None:
    duration = 6.0
    path = vf.color_video(videos / "query.mp4", duration=duration, gop=30)

    frames = sample_clip(str(path), min_side=32, max_frames=4)

    times = assert_times_in_order(frames)
    assert len(times) == 4
    assert times[0] < FRAME
    assert np.diff(times) == pytest.approx([duration / 4] * 3, abs=FRAME)
    for frame in frames:
        assert_shows(frame, vf.color_at(frame.time))
        assert min(frame.pixels.size) >= 32

    many = sample_clip(str(path), min_side=32, max_frames=500)
    assert 1 <= len(many) <= round(duration * 10)  # never more than the video has
    assert_times_in_order(many)


def test_sample_clip_refuses_what_it_cannot_use(tmp_path: Path) -> None:
    empty = tmp_path / "empty.gif"
    empty.write_bytes(b"")
    with pytest.raises(BadVideo) as caught:
        sample_clip(str(empty), min_side=32)
    assert assert_one_line(caught.value) == "empty file (0 bytes)"

    junk = tmp_path / "junk.gif"
    junk.write_bytes(b"GIF89a" + b"\x00" * 10)
    with pytest.raises(BadVideo) as caught:
        sample_clip(str(junk), min_side=32)
    assert_one_line(caught.value)


# Small helpers


def test_timecode_rounds_down_to_whole_seconds() -> None:
    assert timecode(0) == "00:00:00"
    assert timecode(83.9) == "00:01:23"
    assert timecode(3600 * 10 + 62.5) == "10:01:02"


def test_is_video_name_by_extension() -> None:
    assert is_video_name("/a/b/Holiday.MP4")
    assert is_video_name("clip.webm") and is_video_name("x.m4v")
    assert not is_video_name("photo.jpg") and not is_video_name("mp4")

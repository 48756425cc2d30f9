"""Small test videos made with PyAV on the spot: nothing committed, nothing downloaded.

Each video's picture is a known function of time, so a test can check that a frame said
to be at t shows what the video shows at t:

- by default, each whole second has its own solid colour: color_at_second(int(t));
- with colors_at=[(start, rgb), ...], scenes: the colour of the last scene started by t
  (color_at(t, colors_at));
- optionally a white square marker in the stored frame's top-left corner (to see where a
  rotation put it);
- optionally a texture of its own in each scene (a cut then costs the encoder a frame coded
  afresh, as a filmed cut does), and a dark bar crossing the frame (frames of one scene
  then differ only in where it is).

Every generator writes `path` and returns it, in well under a second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

RGB = tuple[int, int, int]
Scenes = Sequence[tuple[float, RGB]]

# Saturated colours far apart from each other (pairwise distance >= 70) and from white
# (the marker). 11 is prime, so seconds 60 apart still get different colours.
PALETTE: tuple[RGB, ...] = (
    (220, 30, 30),
    (30, 160, 40),
    (40, 60, 220),
    (230, 200, 20),
    (150, 40, 180),
    (20, 190, 200),
    (240, 120, 20),
    (120, 70, 30),
    (230, 80, 160),
    (20, 90, 90),
    (90, 90, 90),
)
MARKER_RGB: RGB = (255, 255, 255)


def color_at_second(second: int) -> RGB:
    """The colour a default color_video shows during that whole second."""
    return PALETTE[(second * 5) % len(PALETTE)]


def color_at(t: float, colors_at: Scenes | None = None) -> RGB:
    """The colour a color_video made with these colors_at shows at time t."""
    if colors_at is None:
        return color_at_second(math.floor(t + 1e-6))
    current = colors_at[0][1]
    for start, rgb in colors_at:
        if start <= t + 1e-6:
            current = rgb
    return current


def marker_box(size: tuple[int, int]) -> tuple[int, int]:
    """(width, height) of the top-left marker in a frame of this stored size."""
    side = max(4, min(size) // 5)
    return side, side


def default_codec(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix == ".webm":
        return "libvpx-vp9"
    if suffix == ".avi":
        return "mpeg4"
    return "libx264"


def color_video(
    path: str | Path,
    colors_at: Scenes | None = None,
    *,
    duration: float = 6.0,
    fps: int = 10,
    size: tuple[int, int] = (160, 96),
    codec: str | None = None,
    gop: int | None = None,
    marker: bool = True,
    rotation: int = 0,
    noise: int = 0,
    texture: int = 0,
    bar: bool = False,
    options: dict[str, str] | None = None,
    container_options: dict[str, str] | None = None,
    metadata: dict[str, str] | None = None,
) -> Path:
    """A video of solid colours (see color_at), fps frames a second, stored at size.

    gop: key frames exactly every gop frames (scene-cut key frames off), else the encoder's
    choice. rotation: clockwise degrees a player turns the picture (a phone's display
    matrix), MP4/MOV only. noise: +-noise of fixed pseudo-random grain on every pixel, so
    that the file is mostly frame data (as a real video is) rather than headers.
    texture: +-texture of pseudo-random grain, fixed within a scene and new in each (the
    colours stay the scenes' on average). bar: a black bar, an eighth of the width, at the
    left edge at 0 s and at the right edge at the end (only the bar's position changes
    within a scene).
    options: the encoder's; container_options: the muxer's (e.g. movflags=faststart);
    metadata: container tags (e.g. creation_time).
    """
    count = max(1, round(duration * fps))
    times = [i / fps for i in range(count)]
    frames = [_picture(size, color_at(t, colors_at), marker) for t in times]
    if noise:
        rng = np.random.default_rng(7)
        for picture in frames:
            grain = rng.integers(-noise, noise + 1, picture.shape, dtype=np.int16)
            picture[:] = np.clip(picture.astype(np.int16) + grain, 0, 255).astype(np.uint8)
    if texture:
        starts = [start for start, _ in colors_at] if colors_at else []
        for t, picture in zip(times, frames, strict=True):
            scene = sum(1 for start in starts if start <= t + 1e-6) or math.floor(t + 1e-6)
            rng = np.random.default_rng(1000 + scene)
            grain = rng.integers(-texture, texture + 1, picture.shape, dtype=np.int16)
            picture[:] = np.clip(picture.astype(np.int16) + grain, 0, 255).astype(np.uint8)
    if bar:
        width = size[0] // 8
        for t, picture in zip(times, frames, strict=True):
            left = round(t / max(times[-1], 1e-9) * (size[0] - width))
            picture[:, left : left + width] = 0
    return _write(
        path,
        frames,
        [Fraction(i, fps) for i in range(count)],
        codec=codec or default_codec(path),
        rate=fps,
        time_base=Fraction(1, fps),
        gop=gop,
        rotation=rotation,
        options=options,
        container_options=container_options,
        metadata=metadata,
    )


def picture_video(path: str | Path, pictures: Sequence[np.ndarray], *, fps: int = 2) -> Path:
    """A video of these RGB pictures (all one even size), fps of them a second."""
    return _write(
        path,
        list(pictures),
        [Fraction(i, fps) for i in range(len(pictures))],
        codec=default_codec(path),
        rate=fps,
        time_base=Fraction(1, fps),
        gop=None,
    )


def vfr_video(
    path: str | Path,
    times: Sequence[float],
    *,
    size: tuple[int, int] = (96, 64),
    codec: str | None = None,
    gop: int | None = 1,
) -> Path:
    """Frames at irregular times (milliseconds time base): the k-th frame, shown from
    times[k], is coloured color_at_second(k). Every frame a key frame by default."""
    frames = [_picture(size, color_at_second(k), marker=False) for k in range(len(times))]
    return _write(
        path,
        frames,
        [Fraction(round(t * 1000), 1000) for t in times],
        codec=codec or default_codec(path),
        rate=None,
        time_base=Fraction(1, 1000),
        gop=gop,
    )


def rotated_video(
    path: str | Path,
    degrees: int = 90,
    *,
    duration: float = 2.0,
    fps: int = 10,
    size: tuple[int, int] = (160, 96),
) -> Path:
    """A phone-style video: stored landscape with the marker top-left, and a display
    matrix telling players to turn it `degrees` clockwise."""
    path = color_video(path, duration=duration, fps=fps, size=size, rotation=degrees)
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        stored = (-frame.rotation) % 360
    if stored != degrees % 360:
        raise AssertionError(f"PyAV reads back {stored} degrees, not {degrees}")
    return path


def long_video(
    path: str | Path,
    hours: float = 10.0,
    *,
    every: float = 60.0,
    size: tuple[int, int] = (32, 32),
) -> Path:
    """A long video that is cheap to make: a tiny key frame every `every` seconds (each
    shows color_at_second of its own time), as variable-rate MP4 in milliseconds."""
    count = max(1, math.floor(hours * 3600 / every))
    times = [i * every for i in range(count)]
    frames = [_picture(size, color_at(t), marker=False) for t in times]
    return _write(
        path,
        frames,
        [Fraction(round(t * 1000), 1000) for t in times],
        codec="libx264",
        rate=None,
        time_base=Fraction(1, 1000),
        gop=1,
    )


def audio_only(path: str | Path, *, seconds: float = 1.0) -> Path:
    """An MP4 (M4A-like) holding one AAC audio stream of silence and no video."""
    rate = 16000
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=rate)
        stream.layout = "mono"
        samples = 1024
        for index in range(max(1, round(seconds * rate / samples))):
            frame = av.AudioFrame.from_ndarray(
                np.zeros((1, samples), np.float32), format="fltp", layout="mono"
            )
            frame.sample_rate = rate
            frame.pts = index * samples
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return Path(path)


def zero_length_video(path: str | Path) -> Path:
    """An MP4 with a video track that holds no frames. (The MP4 muxer leaves out a track
    without samples unless the moov is written up front: empty_moov.)"""
    with av.open(str(path), "w", options={"movflags": "empty_moov"}) as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height = 64, 64
        stream.pix_fmt = "yuv420p"
        container.start_encoding()
        for packet in stream.encode():
            container.mux(packet)
    return Path(path)


def truncated(path: str | Path, source: str | Path, keep: float = 0.5) -> Path:
    """The first `keep` fraction of another file's bytes: a download cut short."""
    data = Path(source).read_bytes()
    Path(path).write_bytes(data[: int(len(data) * keep)])
    return Path(path)


def unsupported_codec(path: str | Path, *, tag: bytes = b"zzzz") -> Path:
    """An MP4 whose video sample description names a codec FFmpeg has no decoder for."""
    color_video(path, duration=2.0)
    data = bytearray(Path(path).read_bytes())
    stsd = data.find(b"stsd")
    # stsd: size, 'stsd', version+flags, entry count, then entry: size, fourcc
    entry = stsd + 4 + 4 + 4 + 4
    if stsd < 0 or data[entry : entry + 4] != b"avc1":
        raise AssertionError("no avc1 sample entry where expected")
    data[entry : entry + 4] = tag
    Path(path).write_bytes(bytes(data))
    return Path(path)


def gif_clip(
    path: str | Path,
    colors: Sequence[RGB],
    durations_ms: Sequence[int],
    *,
    size: tuple[int, int] = (64, 48),
) -> Path:
    """An animated GIF: one solid frame per colour, shown for its duration (GIF keeps
    durations in 10 ms units: use multiples of 10)."""
    frames = [Image.new("RGB", size, color) for color in colors]
    frames[0].save(
        str(path),
        save_all=True,
        append_images=frames[1:],
        duration=list(durations_ms),
        loop=0,
        disposal=1,
        optimize=False,
    )
    return Path(path)


# Internals


def _picture(size: tuple[int, int], rgb: RGB, marker: bool) -> np.ndarray:
    width, height = size
    pixels = np.empty((height, width, 3), np.uint8)
    pixels[:] = rgb
    if marker:
        mw, mh = marker_box(size)
        pixels[:mh, :mw] = MARKER_RGB
    return pixels


def _write(
    path: str | Path,
    pictures: Sequence[np.ndarray],
    times: Sequence[Fraction],
    *,
    codec: str,
    rate: int | None,
    time_base: Fraction,
    gop: int | None,
    rotation: int = 0,
    options: dict[str, str] | None = None,
    container_options: dict[str, str] | None = None,
    metadata: dict[str, str] | None = None,
) -> Path:
    height, width = pictures[0].shape[:2]
    codec_options = {**_codec_options(codec, gop), **(options or {})}
    with av.open(str(path), "w", options=container_options or {}) as container:
        container.metadata.update(metadata or {})
        stream = container.add_stream(codec, rate=rate, options=codec_options)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        if rate is None:
            stream.codec_context.framerate = Fraction(1, 1)
        if gop is not None:
            stream.codec_context.gop_size = gop
        if rotation % 360:
            stream.set_display_rotation(-rotation)  # PyAV takes counter-clockwise degrees
        for picture, at in zip(pictures, times, strict=True):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = round(at / time_base)
            frame.time_base = time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return Path(path)


def _codec_options(codec: str, gop: int | None) -> dict[str, str]:
    if codec == "libx264":
        options = {"preset": "veryfast", "threads": "1"}
        if gop is not None:
            options["x264-params"] = f"keyint={gop}:min-keyint={gop}:scenecut=0"
        return options
    if codec in ("libvpx", "libvpx-vp9"):
        options = {"deadline": "realtime", "cpu-used": "8", "threads": "1", "lag-in-frames": "0"}
        if gop is not None:
            options["g"] = str(gop)
        return options
    if codec == "mpeg4" and gop is not None:
        return {"sc_threshold": "1000000000"}  # no scene-cut key frames: exactly every gop
    return {}

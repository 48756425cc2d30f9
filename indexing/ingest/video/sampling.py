"""Which moments of a video are kept: key frames, scene cuts, gaps filled, the poster.

The passes of indexing.ingest.video's docstring, as the policy over a VideoStream's reads:
_KeyFramePicker keeps pass 1's key frames (one at least every step, and scene changes by a
tiny colour signature), cut_candidates and scene_cuts find the cuts pass 1 did not see,
decode fills the gaps by accurate seeks and picks the poster; clip spreads a query clip's
frames evenly.
"""

from __future__ import annotations

import bisect
import itertools
import math
from typing import Any

import numpy as np
from av.video.reformatter import VideoReformatter
from PIL import Image

from indexing.ingest.video.records import (
    EPSILON,
    POSTER_AT_MOST,
    BadVideo,
    DecodedVideo,
    SampledFrame,
)
from indexing.ingest.video.stream import VideoStream
from indexing.records import timecode

SIGNATURE_SIDE = 16  # the scene-change signature: 16x16 RGB, area-averaged
SCENE_THRESHOLD = 30.0  # mean absolute difference (0-255) of two signatures: a new scene
CUT_WINDOW = 16  # a frame's size is compared with the non-key frames either side of it
CUT_RATIO = 1.8  # this many times the second largest of those either side: maybe a cut
CUT_LOOKBACK = 8  # frames before such a frame where the cut may be (B-frames before it)


class SampledVideo(VideoStream):
    """A video stream and the moments sampled from it: decode (a video to index) and
    clip (a video as a query)."""

    # Pass 2: scene cuts without a key frame

    def cut_candidates(
        self, scenes: list[float], min_gap: float, limit: int, until: float
    ) -> list[list[float]]:
        """Where a scene cut that pass 1 did not see is likely: a key frame it did not decode
        (one the decoder passed over, as FFmpeg does with an I-frame that does not reset the
        decoder when asked for key frames only, or one too close after another), alone; or
        a frame CUT_RATIO times as large as the second largest of the CUT_WINDOW non-key
        frames on either side of it (a frame coded afresh between predicted ones), with the
        frames before it since its key frame, CUT_LOOKBACK at most (the cut may be a few
        frames earlier: frames predicted from a later one cost little). Their times, each
        run in order; at least min_gap from the scene changes already kept and from each
        other, at most `until`; key frames and then the largest ratios first, at most
        `limit`."""
        times = np.frombuffer(self.packet_times, dtype=np.float64)
        order = np.argsort(times, kind="stable")  # packets come in decoding order
        times = times[order]
        sizes = np.frombuffer(self.packet_sizes, dtype=np.int64)[order].astype(np.float64)
        keys = np.frombuffer(bytes(self.packet_keys), dtype=np.uint8)[order].astype(bool)
        inter = np.flatnonzero(~keys)  # positions of the non-key frames, in time order
        unseen = keys & ~np.isin(np.round(times, 3), np.round(self.decoded_keys, 3))
        if not len(inter):  # every frame a key frame: pass 1 saw one every `spacing`
            unseen &= np.isin(np.round(times, 3), np.round(self.sent_keys, 3))
        score = np.where(unseen, np.inf, 0.0)
        if len(inter) > 2 * CUT_WINDOW:
            windows = np.lib.stride_tricks.sliding_window_view(sizes[inter], CUT_WINDOW)
            second = np.empty(len(windows))
            chunk = 1 << 16  # bounded memory on long videos
            for start in range(0, len(windows), chunk):
                part = np.partition(windows[start : start + chunk], CUT_WINDOW - 2, axis=1)
                second[start : start + chunk] = part[:, CUT_WINDOW - 2]
            before = np.searchsorted(inter, np.arange(len(times)))  # non-key frames before
            after = before + (~keys)  # the first non-key frame after each
            both = np.flatnonzero(~keys & (before >= CUT_WINDOW) & (after < len(second)))
            larger = np.maximum(second[before[both] - CUT_WINDOW], second[after[both]])
            score[both] = sizes[both] / np.maximum(larger, 1.0)
        likely = np.flatnonzero(score >= CUT_RATIO)
        key_positions = np.flatnonzero(keys)
        taken = sorted(scenes)
        picked: list[list[float]] = []
        for position in likely[np.argsort(-score[likely], kind="stable")]:
            at = float(times[position])
            if position == 0 or at > until + EPSILON:
                continue
            index = bisect.bisect_left(taken, at)
            if index < len(taken) and taken[index] - at < min_gap - EPSILON:
                continue
            if index > 0 and at - taken[index - 1] < min_gap - EPSILON:
                continue
            taken.insert(index, at)
            if keys[position]:
                first = position  # alone: judged as pass 1 judges key frames
            else:
                last_key = int(np.searchsorted(key_positions, position)) - 1
                gop = int(key_positions[last_key]) if last_key >= 0 else 0
                first = max(position - CUT_LOOKBACK, gop)  # frames after it depend on it
            picked.append([float(t) for t in times[first : position + 1]])
            if len(picked) >= limit:
                break
        return sorted(picked, key=lambda run: run[-1])

    def scene_cuts(
        self, runs: list[list[float]], kept: list[SampledFrame], min_side: int, long_side: int
    ) -> list[SampledFrame]:
        """The scene cuts among cut_candidates' runs, as moments: in a run of frames, the
        first whose signature differs from the one before it as much as two scenes' do; a
        key frame alone, where it differs so from the last frame kept before it (as pass 1
        judges key frames). One accurate seek per stretch between key frames."""
        run_ending = {run[-1]: run for run in runs}
        shown: dict[float, tuple[float, np.ndarray, Any]] = {}
        found: list[SampledFrame] = []
        for target, at, frame in self.frames_at(sorted({t for run in runs for t in run})):
            run = run_ending.get(target)
            if run is not None and len(run) == 1:
                before = [f for f in kept if f.time < at - EPSILON]
                picture = self.picture(frame, min_side, long_side)
                if not before or _scene_changed(
                    _picture_signature(before[-1].pixels), _picture_signature(picture)
                ):
                    found.append(SampledFrame(at, picture))
                continue
            shown[target] = (at, _signature(self.signer, frame), frame)
            if run is None:
                continue
            decoded = [shown.pop(t) for t in run if t in shown]
            for (before_at, old, _), (after_at, new, cut) in itertools.pairwise(decoded):
                if after_at > before_at + EPSILON and _scene_changed(old, new):
                    found.append(SampledFrame(after_at, self.picture(cut, min_side, long_side)))
                    break
        return found

    # The whole job

    def decode(
        self, *, min_side: int, long_side: int, interval: float, max_frames: int
    ) -> DecodedVideo:
        header = self.header_duration()
        step = max(interval, (header or 0.0) / max_frames)
        picker = _KeyFramePicker(self, step, min_side, long_side, max_frames)
        self.key_frame_pass(picker.offer, spacing=picker.min_gap / 2)
        picker.finish()
        kept = picker.kept
        if not kept and self.packets == 0:
            if header or self.stream.frames:
                raise BadVideo("cannot read video: the file is truncated or damaged")
            raise BadVideo("the video has no frames")

        duration = header or max(self.max_time, self.seen_until)
        readable = duration
        if (
            self.damaged_at is None
            and self.seen_until
            and header
            and self.seen_until < header - self.end_slack(header)
        ):
            self._damage(self.seen_until)  # the packets stop well before the promised end
        if self.damaged_at is not None and not self.good_after_damage:
            readable = max(self.damaged_at, max((f.time for f in kept), default=0.0))

        cuts = self.cut_candidates(picker.scene_times, picker.min_gap, max_frames, readable)
        if cuts:
            kept = sorted(
                [*kept, *self.scene_cuts(cuts, kept, min_side, long_side)], key=lambda f: f.time
            )
        targets = _gap_targets([f.time for f in kept], readable, step)
        poster_target = min(duration * 0.1, POSTER_AT_MOST)
        wanted = sorted({*targets, poster_target} if poster_target <= readable else targets)
        poster: SampledFrame | None = None
        if wanted:
            known = {round(f.time, 3) for f in kept}
            for target, at, frame in self.frames_at(wanted):
                if target == poster_target and poster is None:
                    poster = SampledFrame(at, self.picture(frame, min_side, long_side))
                if target in targets and round(at, 3) not in known:
                    known.add(round(at, 3))
                    kept.append(SampledFrame(at, self.picture(frame, min_side, long_side)))
        if not kept:
            raise BadVideo("cannot read video: the file is truncated or damaged")
        kept.sort(key=lambda f: f.time)
        frames = _even_subsample(kept, max_frames)
        if poster is None:
            poster = frames[0]

        warnings = list(dict.fromkeys(self.warnings))
        if self.damaged_at is not None:
            if self.good_after_damage:
                warning = (
                    f"the video is damaged near {timecode(self.damaged_at)}; "
                    "frames there were skipped"
                )
            else:
                warning = f"the video is damaged after {timecode(readable)}; indexed up to there"
            warnings.insert(0, warning)
        width, height = self.display_size()
        return DecodedVideo(
            frames=frames,
            poster=poster.pixels,
            poster_time=poster.time,
            duration=duration,
            width=width,
            height=height,
            codec=self.codec,
            container=self.container_name(),
            fps=self.fps(),
            created_at=self.created_at(),
            rotation=self.rotation,
            warnings=list(dict.fromkeys(warnings)),
        )

    def clip(self, *, min_side: int, max_frames: int) -> list[SampledFrame]:
        """Up to max_frames frames evenly spread over the video (a query clip)."""
        duration = self.header_duration()
        if not duration:
            # No duration in the header: the key frames' times tell how long it is.
            self.key_frame_pass(lambda at, frame: None)
            duration = max(self.max_time, self.seen_until)
        targets = [i * duration / max_frames for i in range(max_frames)]
        frames: list[SampledFrame] = []
        for _target, at, frame in self.frames_at(targets):
            if frames and at <= frames[-1].time + EPSILON:
                continue
            frames.append(SampledFrame(at, self.picture(frame, min_side, min_side)))
        if not frames:
            if self.packets == 0 and self.stream.frames == 0 and not duration:
                raise BadVideo("the video has no frames")
            raise BadVideo("cannot read video: the file is truncated or damaged")
        return frames


class _KeyFramePicker:
    """Which key frames pass 1 keeps: the first; the last key frame before the gap since
    the last kept frame would exceed `step` (or the key frame itself when key frames lie
    further apart); and scene changes (from the last kept frame) at least min(step/4, 1 s)
    after the last scene change kept: a cut just after a frame kept for the interval is
    kept too (that frame shows the scene before)."""

    def __init__(
        self, video: SampledVideo, step: float, min_side: int, long_side: int, max_frames: int
    ) -> None:
        self.video = video
        self.step = step
        self.min_gap = min(step / 4, 1.0)
        self.min_side, self.long_side = min_side, long_side
        self.max_frames = max_frames
        self.kept: list[SampledFrame] = []
        self.last_signature: np.ndarray | None = None
        self.pending: tuple[float, Any, np.ndarray] | None = None
        self.scene_times: list[float] = []  # the first frame, and those kept as cuts

    def offer(self, at: float, frame: Any) -> None:
        signature = _signature(self.video.signer, frame)
        if not self.kept:
            self._keep(at, frame, signature)
            self.scene_times.append(at)
            return
        last = self.kept[-1].time
        if at <= last + EPSILON:
            return  # out of order or a repeat: pass 1 gives key frames in time order
        if at - last > self.step + EPSILON and self.pending is not None:
            self._keep(*self.pending)
            last = self.kept[-1].time
        due = at - last >= self.step - EPSILON
        cut = at - self.scene_times[-1] >= self.min_gap - EPSILON and self._is_new_scene(signature)
        if due or cut:
            self._keep(at, frame, signature)
            if cut and not due:
                self.scene_times.append(at)
        else:
            self.pending = (at, frame, signature)

    def finish(self) -> None:
        """The last key frame, when the tail after the last kept frame is long."""
        if self.pending is None or not self.kept:
            return
        end = self.video.header_duration() or self.video.max_time
        if end - self.kept[-1].time > self.step + EPSILON:
            self._keep(*self.pending)
        self.pending = None

    def _is_new_scene(self, signature: np.ndarray) -> bool:
        return self.last_signature is None or _scene_changed(self.last_signature, signature)

    def _keep(self, at: float, frame: Any, signature: np.ndarray) -> None:
        self.kept.append(SampledFrame(at, self.video.picture(frame, self.min_side, self.long_side)))
        self.last_signature = signature
        self.pending = None
        if len(self.kept) >= 4 * self.max_frames:  # bounded memory on very long videos
            self.kept = _even_subsample(self.kept, 2 * self.max_frames)


def _signature(signer: VideoReformatter, frame: Any) -> np.ndarray:
    small = signer.reformat(
        frame, SIGNATURE_SIDE, SIGNATURE_SIDE, "rgb24", interpolation="AREA", threads=1
    )
    return small.to_ndarray().astype(np.float32)


def _picture_signature(picture: Image.Image) -> np.ndarray:
    """A reduced picture's signature (as _signature gives a frame's)."""
    small = picture.resize((SIGNATURE_SIDE, SIGNATURE_SIDE), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32)


def _scene_changed(before: np.ndarray, after: np.ndarray) -> bool:
    """Two signatures of different scenes (or of different sizes)."""
    if before.shape != after.shape:
        return True
    return float(np.abs(after - before).mean()) > SCENE_THRESHOLD


def _gap_targets(times: list[float], end: float, step: float) -> list[float]:
    """Times to seek to so that no gap between kept frames (or from the start, or to the
    end) is longer than step: each long gap split evenly."""
    targets: list[float] = []
    if not times:
        count = max(1, math.ceil(end / step)) if end > 0 else 1
        return [i * end / count for i in range(count)]
    if times[0] > step + EPSILON:
        count = math.ceil(times[0] / step)
        targets += [i * times[0] / count for i in range(count)]
    bounds = [*times, end]
    for a, b in itertools.pairwise(bounds):
        gap = b - a
        if gap > step + EPSILON:
            count = math.ceil(gap / step - EPSILON)
            targets += [a + i * gap / count for i in range(1, count)]
    return sorted(set(targets))


def _even_subsample(frames: list[SampledFrame], count: int) -> list[SampledFrame]:
    """count frames evenly through the list, the first (and last) always among them."""
    if len(frames) <= count:
        return frames
    if count == 1:
        return frames[:1]
    last = len(frames) - 1
    picks = sorted({round(i * last / (count - 1)) for i in range(count)})
    return [frames[i] for i in picks]

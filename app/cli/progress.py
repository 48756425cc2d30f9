"""Rendering the progress interface for the CLI, on stderr: a tqdm bar, or JSON lines."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from tqdm import tqdm

from indexing.progress import Progress


class TqdmProgress:
    """A ProgressCallback that draws one tqdm bar per stage on stderr."""

    def __init__(self, enabled: bool | None = None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar: tqdm | None = None
        self._stage: str | None = None

    def __call__(self, progress: Progress) -> None:
        if not self.enabled:
            return
        if progress.stage != self._stage:
            self.close()
            self._stage = progress.stage
            label = {
                "scan": "scanning",
                "index": "indexing",
                "embed": "embedding",
                "subjects": "subject tags",
                "search": "search index",
                "hashes": "near hashes",
                "compare": "comparing",
                "trash": "to the trash",
            }
            self._bar = tqdm(
                total=progress.total,
                desc=label.get(progress.stage, progress.stage),
                unit="file",
                file=sys.stderr,
                dynamic_ncols=True,
            )
        assert self._bar is not None
        self._bar.n = progress.done  # done: in the catalog; read runs ahead while embedding
        if progress.read is not None and progress.read > progress.done:
            self._bar.set_postfix_str(f"{progress.read:,} read", refresh=False)
        else:
            self._bar.set_postfix_str("", refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class JsonLinesProgress:
    """A ProgressCallback that writes one JSON object per update, one per line, for scripts."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr

    def __call__(self, progress: Progress) -> None:
        eta = progress.eta_seconds
        line = {
            "stage": progress.stage,
            "done": progress.done,
            "total": progress.total,
            "rate": round(progress.rate, 2),
            "eta_seconds": None if eta is None else round(eta, 2),
            "read": progress.read,  # files read so far, where that runs ahead of done
        }
        self.stream.write(json.dumps(line) + "\n")
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


def cli_progress(mode: str) -> TqdmProgress | JsonLinesProgress:
    """The renderer for --progress: auto is a bar when stderr is a terminal, else nothing."""
    if mode == "json":
        return JsonLinesProgress()
    return TqdmProgress(enabled={"bar": True, "none": False}.get(mode))

"""Rendering the progress interface on a terminal with tqdm (on stderr)."""

from __future__ import annotations

import sys

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
            label = {"scan": "scanning", "index": "indexing", "embed": "embedding"}
            self._bar = tqdm(
                total=progress.total,
                desc=label.get(progress.stage, progress.stage),
                unit="file",
                file=sys.stderr,
                dynamic_ncols=True,
            )
        assert self._bar is not None
        self._bar.n = progress.done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

"""The one record every format's reader returns: a Generation, and the bound they share.

The viewer and `details` read this record whatever tool made the image; each reader
(a1111, comfyui, invokeai, novelai) fills what its format says and keeps every other
setting, in the tool's order, as `extras` (at most MAX_EXTRAS of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_EXTRAS = 200


@dataclass(frozen=True)
class Generation:
    tool: str  # "A1111", "ComfyUI", "InvokeAI" or "NovelAI"
    prompt: str | None = None
    negative_prompt: str | None = None
    steps: int | None = None
    sampler: str | None = None
    seed: int | None = None
    cfg: float | None = None
    model: str | None = None
    size: str | None = None  # "832x1216"
    extras: tuple[tuple[str, str], ...] = ()  # every other setting, in the tool's order
    cut: str | None = None  # where the settings were cut, when they were too many to read

    def as_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "steps": self.steps,
            "sampler": self.sampler,
            "seed": self.seed,
            "cfg": self.cfg,
            "model": self.model,
            "size": self.size,
            "extras": dict(self.extras),
            "cut": self.cut,
        }

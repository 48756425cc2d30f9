"""The NovelAI format: `Description` (the prompt) and `Comment` (JSON settings)."""

from __future__ import annotations

from typing import Any

from indexing.ingest.generation.record import Generation
from indexing.ingest.generation.values import (
    as_float,
    as_int,
    clean,
    parse_json,
    shown,
    size_text,
    text_chunk,
)

NOVELAI_EXTRAS = {
    "noise_schedule": "Noise schedule",
    "cfg_rescale": "CFG rescale",
    "uncond_scale": "Uncond scale",
    "sm": "SMEA",
    "sm_dyn": "SMEA DYN",
    "dynamic_thresholding": "Dynamic thresholding",
    "strength": "Strength",
    "noise": "Noise",
    "n_samples": "Samples",
    "request_type": "Request",
}


def parse_novelai(texts: dict) -> Generation:
    comment = parse_json(text_chunk(texts, "Comment") or "")
    comment = comment if isinstance(comment, dict) else {}
    extras = [
        *((label, shown(comment.get(key))) for key, label in NOVELAI_EXTRAS.items()),
        ("Software", text_chunk(texts, "Software")),
        ("Generation time", text_chunk(texts, "Generation time")),
    ]
    return Generation(
        tool="NovelAI",
        prompt=(text_chunk(texts, "Description") or "").strip() or clean(comment.get("prompt")),
        negative_prompt=clean(comment.get("uc")) or _novelai_v4_caption(comment),
        steps=as_int(comment.get("steps")),
        sampler=clean(comment.get("sampler")),
        seed=as_int(comment.get("seed")),
        cfg=as_float(comment.get("scale")),
        model=(text_chunk(texts, "Source") or "").strip() or None,
        size=size_text(comment.get("width"), comment.get("height")),
        extras=tuple((key, value) for key, value in extras if value),
    )


def _novelai_v4_caption(comment: dict[str, Any]) -> str | None:
    negative = comment.get("v4_negative_prompt")
    caption = negative.get("caption") if isinstance(negative, dict) else None
    return clean(caption.get("base_caption")) if isinstance(caption, dict) else None

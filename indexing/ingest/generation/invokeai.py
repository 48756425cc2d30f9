"""The InvokeAI format: the `invokeai_metadata` chunk, one JSON object of settings."""

from __future__ import annotations

from typing import Any

from indexing.ingest.generation.record import MAX_EXTRAS, Generation
from indexing.ingest.generation.values import (
    as_float,
    as_int,
    clean,
    label,
    parse_json,
    shown,
    size_text,
)

INVOKEAI_KNOWN = {
    "positive_prompt", "negative_prompt", "steps", "scheduler", "seed", "cfg_scale", "model",
    "model_name", "width", "height", "loras", "vae",
}  # fmt: skip


def parse_invokeai(metadata_json: str) -> Generation | None:
    meta = parse_json(metadata_json)
    if not isinstance(meta, dict):
        return None
    extras = [
        ("VAE", _model_name(meta.get("vae"))),
        ("LoRA", _invokeai_loras(meta.get("loras"))),
        *(
            (label(str(key)), shown(value))
            for key, value in meta.items()
            if key not in INVOKEAI_KNOWN and not isinstance(value, (dict, list))
        ),
    ]
    found = Generation(
        tool="InvokeAI",
        prompt=clean(meta.get("positive_prompt")),
        negative_prompt=clean(meta.get("negative_prompt")),
        steps=as_int(meta.get("steps")),
        sampler=clean(meta.get("scheduler")),
        seed=as_int(meta.get("seed")),
        cfg=as_float(meta.get("cfg_scale")),
        model=_model_name(meta.get("model")) or clean(meta.get("model_name")),
        size=size_text(meta.get("width"), meta.get("height")),
        extras=tuple((key, value) for key, value in extras[:MAX_EXTRAS] if value),
    )
    return found if found.prompt or found.steps is not None or found.model else None


def _model_name(model: Any) -> str | None:
    if isinstance(model, dict):
        return clean(model.get("name")) or clean(model.get("model_name"))
    return clean(model)


def _invokeai_loras(loras: Any) -> str | None:
    named = []
    for lora in loras if isinstance(loras, list) else []:
        if isinstance(lora, dict):
            name = _model_name(lora.get("model") or lora.get("lora"))
            weight = as_float(lora.get("weight"))
            if name:
                named.append(f"{name} ({weight:g})" if weight is not None else name)
    return ", ".join(named) or None

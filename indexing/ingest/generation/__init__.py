"""The full generation parameters of an AI image, from the text chunks the indexer stores.

`parse_generation(texts)` reads the same formats as `metadata.extract_prompt` (A1111/Forge
`parameters`, ComfyUI `prompt` graph and `workflow`, InvokeAI `invokeai_metadata`, NovelAI
`Description` + `Comment`) into one `Generation`. It is pure and never raises: a chunk that
is garbage, truncated or of the wrong shape gives what could be read of it, or None.

It runs each time the viewer opens an image, so its work is bounded whatever the text (a
chunk is at most 1 MiB): an A1111 settings line is read for its first MAX_SETTINGS_PIECES
pieces, a ComfyUI graph for its first MAX_GRAPH_NODES nodes. Real ones are far smaller;
where a crafted one is cut, `Generation.cut` says where, and the viewer shows it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from indexing.ingest.metadata import (
    _a1111_prompt,
    _comfy_graph_prompt,
    _comfy_links,
    _comfy_workflow_nodes_prompt,
    _is_comfy_link,
    _ratio,
)

MAX_KEY_CHARS = 64  # an A1111 settings key ("Hires upscaler", "ADetailer model 2nd", …)
MAX_EXTRAS = 200
MAX_SETTINGS_PIECES = 1_000  # "Key: value" pieces of an A1111 settings line (real: 20-60)
MAX_GRAPH_NODES = 500  # nodes of a ComfyUI graph read (real: 10-300)
SEPARATOR = re.compile(r"[,\n]")


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


def parse_generation(texts: dict[str, str]) -> Generation | None:
    """The generation parameters in an image's text chunks, or None for a non-AI image."""
    if not isinstance(texts, dict):
        return None
    parsers = (
        ("parameters", _a1111),
        ("prompt", _comfy_graph_chunk),
        ("workflow", _comfy_workflow_chunk),
        ("invokeai_metadata", _invokeai),
    )
    for key, parse in parsers:
        text = _text(texts, key)
        found = parse(text) if text else None
        if found is not None:
            return found
    if (_text(texts, "Software") or "").startswith("NovelAI"):
        return _novelai(texts)
    return None


# Values -------------------------------------------------------------------------------


def _text(texts: dict, key: str) -> str | None:
    value = texts.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _clean(value: Any) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:  # not a number, or more digits than int() takes
            number = _float(value)
            return int(number) if number is not None and number.is_integer() else None
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    return _ratio(value)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return None


def _shown(value: Any) -> str | None:
    """A setting's value as the text a user reads (JSON for a list or a dict)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        try:
            return json.dumps(value, ensure_ascii=False) if value else None
        except (ValueError, TypeError, RecursionError):
            return None
    return _clean(value)


def _label(key: str) -> str:
    """'cfg_rescale_multiplier' -> 'Cfg rescale multiplier'."""
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _size(width: Any, height: Any) -> str | None:
    w, h = _int(width), _int(height)
    return f"{w}x{h}" if w and h and w > 0 and h > 0 else None


# A1111 and Forge -------------------------------------------------------------------------


def _a1111(parameters: str) -> Generation | None:
    """'prompt\\nNegative prompt: …\\nSteps: 20, Sampler: Euler a, CFG scale: 7, …'."""
    text = "\n" + parameters
    settings_at = text.rfind("\nSteps:")
    body = text if settings_at == -1 else text[:settings_at]
    negative_at = body.find("\nNegative prompt:")
    negative = body[negative_at + len("\nNegative prompt:") :] if negative_at != -1 else ""
    line = text[settings_at:] if settings_at != -1 else ""
    settings, cut = _a1111_settings(line)
    prompt = _a1111_prompt(parameters) or None
    if prompt is None and not negative.strip() and not settings:
        return None
    known = {"Steps", "Sampler", "Seed", "CFG scale", "Model", "Size"}
    values = dict(settings)
    steps, seed, cfg = _int(values.get("Steps")), _int(values.get("Seed")), values.get("CFG scale")
    parsed = {"Steps": steps, "Seed": seed, "CFG scale": _float(cfg)}
    return Generation(
        tool="A1111",
        prompt=prompt,
        negative_prompt=negative.strip() or None,
        steps=steps,
        sampler=values.get("Sampler") or None,
        seed=seed,
        cfg=parsed["CFG scale"],
        model=values.get("Model") or None,
        size=values.get("Size") or None,
        # a value that is not what its key promises (Steps: abc) is kept, as written
        extras=tuple(
            (key, value)
            for key, value in settings
            if key not in known or (key in parsed and parsed[key] is None)
        ),
        cut=cut,
    )


def _a1111_settings(line: str) -> tuple[list[tuple[str, str]], str | None]:
    """'Steps: 20, Lora hashes: "a: 1, b: 2", Hashes: {…}' -> ([(key, value), …] in order,
    None, or where and why the line was cut).

    Linear in the line's length: a key is at most MAX_KEY_CHARS long, a quoted value ends at
    its closing quote, a JSON value ({…} or […}) where it decodes, any other at the next
    comma or new line. Text that is not 'Key: value' is skipped. A repeated key keeps its
    first place and its last value, as A1111 reads them. Reading stops after
    MAX_SETTINGS_PIECES pieces (read or skipped) or MAX_EXTRAS keys.
    """
    found: dict[str, str] = {}
    pos, end = 0, len(line)
    for _ in range(MAX_SETTINGS_PIECES):
        pos = _skip_separators(line, pos)
        if pos >= end or len(found) >= MAX_EXTRAS:
            break
        key, value_at = _a1111_key(line, pos)
        if key is None:
            pos = _next_separator(line, pos) + 1
            continue
        value, pos = _a1111_value(line, value_at)
        found[key] = value
    pos = _skip_separators(line, pos)
    settings = [(key, value) for key, value in found.items() if value]
    if pos >= end:
        return settings, None
    limit = (
        f"{MAX_EXTRAS:,} settings"
        if len(found) >= MAX_EXTRAS
        else f"{MAX_SETTINGS_PIECES:,} pieces"
    )
    return (
        settings,
        f"Settings cut after {limit}: the line was read to character {pos:,} of {end:,}.",
    )


def _skip_separators(line: str, pos: int) -> int:
    while pos < len(line) and line[pos] in ", \t\r\n":
        pos += 1
    return pos


def _next_separator(line: str, pos: int) -> int:
    found = SEPARATOR.search(line, pos)
    return found.start() if found else len(line)


def _a1111_key(line: str, pos: int) -> tuple[str | None, int]:
    colon = line.find(":", pos, pos + MAX_KEY_CHARS + 1)
    key = line[pos:colon].strip() if colon != -1 else ""
    if not key or not key[0].isalnum() or any(c in key for c in ',\n"{}[]'):
        return None, pos
    return key, colon + 1


def _a1111_value(line: str, pos: int) -> tuple[str, int]:
    while pos < len(line) and line[pos] in " \t":
        pos += 1
    first = line[pos : pos + 1]
    if first == '"':
        closing = _closing_quote(line, pos + 1)
        if closing != -1:
            quoted = line[pos : closing + 1]
            value = _json(quoted)
            return (value if isinstance(value, str) else quoted[1:-1]).strip(), closing + 1
    if first in ("{", "["):
        try:
            _, after = json.JSONDecoder().raw_decode(line, pos)
            return line[pos:after].strip(), after
        except (ValueError, RecursionError):
            pass
    cut = _next_separator(line, pos)
    return line[pos:cut].strip(), cut


def _closing_quote(line: str, pos: int) -> int:
    while True:
        at = line.find('"', pos)
        if at == -1:
            return -1
        backslashes = len(line[pos:at]) - len(line[pos:at].rstrip("\\"))
        if backslashes % 2 == 0:
            return at
        pos = at + 1


# ComfyUI ---------------------------------------------------------------------------------

SEED_INPUTS = ("seed", "noise_seed", "value", "int")
TEXT_INPUTS = ("text", "text_g", "text_l", "clip_l", "t5xxl")
LINKED_TEXT_INPUTS = ("text", "string", "value", "prompt")


def _comfy_graph_chunk(prompt_json: str) -> Generation | None:
    """The API graph ComfyUI saves as `prompt`: {id: {class_type, inputs}}, its first
    MAX_GRAPH_NODES nodes."""
    graph = _json(prompt_json)
    if not isinstance(graph, dict):
        return None
    every = [(str(k), v) for k, v in graph.items() if isinstance(v, dict)]
    nodes = dict(every[:MAX_GRAPH_NODES])
    found = _comfy_graph(nodes) or Generation("ComfyUI")
    if found.prompt is None:  # no sampler, or one fed by no text: every text encoder's text
        found = replace(found, prompt=_quietly(_comfy_graph_prompt, nodes))
    found = replace(found, cut=_graph_cut(len(every)))
    return found if found.prompt or found.steps is not None else None


def _comfy_workflow_chunk(workflow_json: str) -> Generation | None:
    """The editor's workflow ComfyUI saves as `workflow`: {nodes, links}, its first
    MAX_GRAPH_NODES nodes."""
    workflow = _json(workflow_json)
    if not isinstance(workflow, dict):
        return None
    every = _list(workflow.get("nodes"))
    nodes = every[:MAX_GRAPH_NODES]
    found = _comfy_graph(_workflow_as_graph(nodes, _list(workflow.get("links"))))
    found = found or Generation("ComfyUI")
    if found.prompt is None:
        found = replace(found, prompt=_quietly(_comfy_workflow_nodes_prompt, nodes))
    found = replace(found, cut=_graph_cut(len(every)))
    return found if found.prompt or found.steps is not None else None


def _graph_cut(count: int) -> str | None:
    if count <= MAX_GRAPH_NODES:
        return None
    return f"Graph cut: only its first {MAX_GRAPH_NODES:,} nodes of {count:,} were read."


def _quietly(extract: Callable[[Any], str | None], found: Any) -> str | None:
    """metadata's prompt extractors assume the usual shapes; here a wrong one gives None."""
    try:
        return extract(found)
    except (ValueError, TypeError, AttributeError, RecursionError):
        return None


def _comfy_graph(nodes: dict[str, dict]) -> Generation | None:
    """A ComfyUI API graph ({id: {class_type, inputs}}): its sampler and what feeds it."""
    sampler_id = _comfy_sampler(nodes)
    if sampler_id is None:
        return None
    inputs = _inputs(nodes[sampler_id])

    def setting(*names: str) -> Any:
        return _comfy_value(nodes, inputs, names)

    extras = [
        ("Scheduler", _shown(setting("scheduler", "sigmas"))),
        ("Denoise", _shown(setting("denoise"))),
        ("Sampler node", _clean(nodes[sampler_id].get("class_type"))),
        *_comfy_loras(nodes, _comfy_upstream(nodes, inputs, "model")),
    ]
    return Generation(
        tool="ComfyUI",
        prompt=_comfy_texts(nodes, inputs, "positive"),
        negative_prompt=_comfy_texts(nodes, inputs, "negative"),
        steps=_int(setting("steps", "sigmas")),  # SamplerCustom: from its scheduler node
        sampler=_clean(setting("sampler_name", "sampler")),
        seed=_int(setting(*SEED_INPUTS)),
        cfg=_float(setting("cfg")),
        model=_comfy_model(nodes, inputs),
        size=_comfy_size(nodes, inputs),
        extras=tuple((key, value) for key, value in extras if value),
    )


def _inputs(node: Any) -> dict[str, Any]:
    inputs = node.get("inputs") if isinstance(node, dict) else None
    return inputs if isinstance(inputs, dict) else {}


def _class(node: Any) -> str:
    return str(node.get("class_type") or "") if isinstance(node, dict) else ""


def _comfy_sampler(nodes: dict[str, dict]) -> str | None:
    """The sampler to describe: the first one that starts from an empty latent, else the first."""
    samplers = [
        node_id
        for node_id, node in nodes.items()
        if "sampler" in _class(node).lower() and "positive" in _inputs(node)
    ]
    for node_id in samplers:
        latent = _comfy_links(nodes[node_id], ("latent_image",))
        if latent and "EmptyLatent" in _class(nodes.get(latent[0])):
            return node_id
    return samplers[0] if samplers else None


def _comfy_value(nodes: dict[str, dict], inputs: dict[str, Any], names: tuple[str, ...]) -> Any:
    """The first of the named inputs that has a value, followed one link up when it is wired
    to another node (a primitive, a seed node, KSamplerSelect, BasicScheduler)."""
    for name in names:
        value = inputs.get(name)
        if _is_comfy_link(value):
            upstream = _inputs(nodes.get(str(value[0])))
            wanted = (*names, *SEED_INPUTS, *LINKED_TEXT_INPUTS)
            value = next((upstream[n] for n in wanted if n in upstream), None)
        if value is not None and not _is_comfy_link(value):
            return value
    return None


def _comfy_upstream(nodes: dict[str, dict], inputs: dict[str, Any], input_name: str) -> list:
    """Ids of every node upstream of one of a node's inputs, in graph order."""
    stack, seen = _comfy_links({"inputs": inputs}, (input_name,)), set()
    while stack:
        node_id = stack.pop()
        if node_id not in seen and node_id in nodes:
            seen.add(node_id)
            stack.extend(_comfy_links(nodes[node_id]))
    return [node_id for node_id in nodes if node_id in seen]


def _comfy_conditioning(nodes: dict[str, dict], inputs: dict[str, Any], input_name: str) -> list:
    """Ids of the nodes upstream of a sampler's positive (or negative) input, in graph order.

    A node that takes both (ControlNetApplyAdvanced, InpaintModelConditioning) passes its
    positive out of slot 0 and its negative out of slot 1: only that side is followed.
    """
    stack, seen, ids = [inputs.get(input_name)], set(), set()
    while stack:
        link = stack.pop()
        if not _is_comfy_link(link) or (str(link[0]), str(link[1])) in seen:
            continue
        seen.add((str(link[0]), str(link[1])))
        node_inputs = _inputs(nodes.get(str(link[0])))
        ids.add(str(link[0]))
        if "positive" in node_inputs and "negative" in node_inputs:
            stack.append(node_inputs["negative" if link[1] == 1 else "positive"])
        else:
            stack.extend(node_inputs.values())
    return [node_id for node_id in nodes if node_id in ids]


def _comfy_texts(nodes: dict[str, dict], inputs: dict[str, Any], input_name: str) -> str | None:
    found: list[str] = []
    for node_id in _comfy_conditioning(nodes, inputs, input_name):
        node = nodes[node_id]
        if "TextEncode" not in _class(node):  # CLIPTextEncode, …SDXL, …Flux
            continue
        for key in TEXT_INPUTS:
            value = _comfy_value(nodes, _inputs(node), (key,))
            if isinstance(value, str) and value.strip() and value.strip() not in found:
                found.append(value.strip())
    return "\n".join(found) or None


def _comfy_model(nodes: dict[str, dict], inputs: dict[str, Any]) -> str | None:
    feeding = _comfy_upstream(nodes, inputs, "model")
    for names in (("ckpt_name",), ("unet_name", "model_name")):
        for node_id in [*feeding, *nodes]:  # what feeds the sampler first, then any loader
            value = _comfy_value(nodes, _inputs(nodes[node_id]), names)
            if _clean(value):
                return _clean(value)
    return None


def _comfy_size(nodes: dict[str, dict], inputs: dict[str, Any]) -> str | None:
    feeding = _comfy_upstream(nodes, inputs, "latent_image")
    empty = [node_id for node_id in nodes if "EmptyLatent" in _class(nodes[node_id])]
    for node_id in [*feeding, *empty]:
        node_inputs = _inputs(nodes[node_id])
        size = _size(
            _comfy_value(nodes, node_inputs, ("width",)),
            _comfy_value(nodes, node_inputs, ("height",)),
        )
        if size:
            return size
    return None


def _comfy_loras(nodes: dict[str, dict], feeding: list[str]) -> list[tuple[str, str | None]]:
    loras = []
    for node_id in feeding:
        inputs = _inputs(nodes[node_id])
        name = _clean(_comfy_value(nodes, inputs, ("lora_name",)))
        if name:
            strength = _float(_comfy_value(nodes, inputs, ("strength_model",)))
            loras.append(f"{name} ({strength:g})" if strength is not None else name)
    return [("LoRA", ", ".join(loras))] if loras else []


# The widget names of the nodes a saved ComfyUI workflow (UI format) is read for.
WORKFLOW_WIDGETS = {
    "KSampler": ("seed", "control_after_generate", "steps", "cfg", "sampler_name", "scheduler",
                 "denoise"),
    "KSamplerAdvanced": ("add_noise", "noise_seed", "control_after_generate", "steps", "cfg",
                         "sampler_name", "scheduler", "start_at_step", "end_at_step",
                         "return_with_leftover_noise"),
    "CheckpointLoaderSimple": ("ckpt_name",),
    "UNETLoader": ("unet_name", "weight_dtype"),
    "EmptyLatentImage": ("width", "height", "batch_size"),
    "EmptySD3LatentImage": ("width", "height", "batch_size"),
    "CLIPTextEncode": ("text",),
    "LoraLoader": ("lora_name", "strength_model", "strength_clip"),
    "PrimitiveNode": ("value",),
}  # fmt: skip


def _workflow_as_graph(nodes: list, links: list) -> dict[str, dict]:
    """A saved workflow's nodes and links as an API graph, for the nodes named above."""
    sources: dict[str, list] = {}
    for link in links:
        if isinstance(link, list) and len(link) >= 3:  # [id, from node, from slot, to, …]
            sources[str(link[0])] = [str(link[1]), link[2]]
        elif isinstance(link, dict) and "origin_id" in link:
            sources[str(link.get("id"))] = [str(link["origin_id"]), link.get("origin_slot", 0)]
    graph: dict[str, dict] = {}
    for node in nodes:
        if not isinstance(node, dict) or node.get("id") is None:
            continue
        kind = str(node.get("type") or "")
        inputs = _workflow_widgets(kind, node.get("widgets_values"))
        for slot in _list(node.get("inputs")):
            if isinstance(slot, dict) and isinstance(slot.get("name"), str):
                link = sources.get(str(slot.get("link")))
                if link is not None:
                    inputs[slot["name"]] = link
        graph[str(node["id"])] = {"class_type": kind, "inputs": inputs}
    return graph


def _workflow_widgets(kind: str, widgets: Any) -> dict[str, Any]:
    if isinstance(widgets, dict):  # some nodes save their widgets by name
        return dict(widgets)
    if isinstance(widgets, list):
        return dict(zip(WORKFLOW_WIDGETS.get(kind, ()), widgets, strict=False))
    return {}


# InvokeAI --------------------------------------------------------------------------------

INVOKEAI_KNOWN = {
    "positive_prompt", "negative_prompt", "steps", "scheduler", "seed", "cfg_scale", "model",
    "model_name", "width", "height", "loras", "vae",
}  # fmt: skip


def _invokeai(metadata_json: str) -> Generation | None:
    meta = _json(metadata_json)
    if not isinstance(meta, dict):
        return None
    extras = [
        ("VAE", _model_name(meta.get("vae"))),
        ("LoRA", _invokeai_loras(meta.get("loras"))),
        *(
            (_label(str(key)), _shown(value))
            for key, value in meta.items()
            if key not in INVOKEAI_KNOWN and not isinstance(value, (dict, list))
        ),
    ]
    found = Generation(
        tool="InvokeAI",
        prompt=_clean(meta.get("positive_prompt")),
        negative_prompt=_clean(meta.get("negative_prompt")),
        steps=_int(meta.get("steps")),
        sampler=_clean(meta.get("scheduler")),
        seed=_int(meta.get("seed")),
        cfg=_float(meta.get("cfg_scale")),
        model=_model_name(meta.get("model")) or _clean(meta.get("model_name")),
        size=_size(meta.get("width"), meta.get("height")),
        extras=tuple((key, value) for key, value in extras[:MAX_EXTRAS] if value),
    )
    return found if found.prompt or found.steps is not None or found.model else None


def _model_name(model: Any) -> str | None:
    if isinstance(model, dict):
        return _clean(model.get("name")) or _clean(model.get("model_name"))
    return _clean(model)


def _invokeai_loras(loras: Any) -> str | None:
    named = []
    for lora in loras if isinstance(loras, list) else []:
        if isinstance(lora, dict):
            name = _model_name(lora.get("model") or lora.get("lora"))
            weight = _float(lora.get("weight"))
            if name:
                named.append(f"{name} ({weight:g})" if weight is not None else name)
    return ", ".join(named) or None


# NovelAI ---------------------------------------------------------------------------------

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


def _novelai(texts: dict) -> Generation:
    comment = _json(_text(texts, "Comment") or "")
    comment = comment if isinstance(comment, dict) else {}
    extras = [
        *((label, _shown(comment.get(key))) for key, label in NOVELAI_EXTRAS.items()),
        ("Software", _text(texts, "Software")),
        ("Generation time", _text(texts, "Generation time")),
    ]
    return Generation(
        tool="NovelAI",
        prompt=(_text(texts, "Description") or "").strip() or _clean(comment.get("prompt")),
        negative_prompt=_clean(comment.get("uc")) or _novelai_v4_caption(comment),
        steps=_int(comment.get("steps")),
        sampler=_clean(comment.get("sampler")),
        seed=_int(comment.get("seed")),
        cfg=_float(comment.get("scale")),
        model=(_text(texts, "Source") or "").strip() or None,
        size=_size(comment.get("width"), comment.get("height")),
        extras=tuple((key, value) for key, value in extras if value),
    )


def _novelai_v4_caption(comment: dict[str, Any]) -> str | None:
    negative = comment.get("v4_negative_prompt")
    caption = negative.get("caption") if isinstance(negative, dict) else None
    return _clean(caption.get("base_caption")) if isinstance(caption, dict) else None

"""The ComfyUI format: the API graph (`prompt`) or the editor's workflow (`workflow`).

Both are read as one API graph ({id: {class_type, inputs}}, a workflow's nodes and links
converted): the sampler to describe, and what feeds it (texts, model, size, LoRAs), by
walking the links. Only the first MAX_GRAPH_NODES nodes are read; Generation.cut says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from indexing.ingest.generation.record import Generation
from indexing.ingest.generation.values import (
    as_float,
    as_int,
    as_list,
    clean,
    parse_json,
    shown,
    size_text,
)
from indexing.ingest.prompts import (
    comfy_graph_prompt,
    comfy_links,
    comfy_workflow_nodes_prompt,
    is_comfy_link,
)

MAX_GRAPH_NODES = 500  # nodes of a ComfyUI graph read (real: 10-300)
SEED_INPUTS = ("seed", "noise_seed", "value", "int")
TEXT_INPUTS = ("text", "text_g", "text_l", "clip_l", "t5xxl")
LINKED_TEXT_INPUTS = ("text", "string", "value", "prompt")


def parse_comfy_graph(prompt_json: str) -> Generation | None:
    """The API graph ComfyUI saves as `prompt`: {id: {class_type, inputs}}, its first
    MAX_GRAPH_NODES nodes."""
    graph = parse_json(prompt_json)
    if not isinstance(graph, dict):
        return None
    every = [(str(k), v) for k, v in graph.items() if isinstance(v, dict)]
    nodes = dict(every[:MAX_GRAPH_NODES])
    found = _comfy_graph(nodes) or Generation("ComfyUI")
    if found.prompt is None:  # no sampler, or one fed by no text: every text encoder's text
        found = replace(found, prompt=_quietly(comfy_graph_prompt, nodes))
    found = replace(found, cut=_graph_cut(len(every)))
    return found if found.prompt or found.steps is not None else None


def parse_comfy_workflow(workflow_json: str) -> Generation | None:
    """The editor's workflow ComfyUI saves as `workflow`: {nodes, links}, its first
    MAX_GRAPH_NODES nodes."""
    workflow = parse_json(workflow_json)
    if not isinstance(workflow, dict):
        return None
    every = as_list(workflow.get("nodes"))
    nodes = every[:MAX_GRAPH_NODES]
    found = _comfy_graph(_workflow_as_graph(nodes, as_list(workflow.get("links"))))
    found = found or Generation("ComfyUI")
    if found.prompt is None:
        found = replace(found, prompt=_quietly(comfy_workflow_nodes_prompt, nodes))
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
        ("Scheduler", shown(setting("scheduler", "sigmas"))),
        ("Denoise", shown(setting("denoise"))),
        ("Sampler node", clean(nodes[sampler_id].get("class_type"))),
        *_comfy_loras(nodes, _comfy_upstream(nodes, inputs, "model")),
    ]
    return Generation(
        tool="ComfyUI",
        prompt=_comfy_texts(nodes, inputs, "positive"),
        negative_prompt=_comfy_texts(nodes, inputs, "negative"),
        steps=as_int(setting("steps", "sigmas")),  # SamplerCustom: from its scheduler node
        sampler=clean(setting("sampler_name", "sampler")),
        seed=as_int(setting(*SEED_INPUTS)),
        cfg=as_float(setting("cfg")),
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
        latent = comfy_links(nodes[node_id], ("latent_image",))
        if latent and "EmptyLatent" in _class(nodes.get(latent[0])):
            return node_id
    return samplers[0] if samplers else None


def _comfy_value(nodes: dict[str, dict], inputs: dict[str, Any], names: tuple[str, ...]) -> Any:
    """The first of the named inputs that has a value, followed one link up when it is wired
    to another node (a primitive, a seed node, KSamplerSelect, BasicScheduler)."""
    for name in names:
        value: Any = inputs.get(name)
        if is_comfy_link(value):
            upstream = _inputs(nodes.get(str(value[0])))
            wanted = (*names, *SEED_INPUTS, *LINKED_TEXT_INPUTS)
            value = next((upstream[n] for n in wanted if n in upstream), None)
        if value is not None and not is_comfy_link(value):
            return value
    return None


def _comfy_upstream(nodes: dict[str, dict], inputs: dict[str, Any], input_name: str) -> list:
    """Ids of every node upstream of one of a node's inputs, in graph order."""
    stack, seen = comfy_links({"inputs": inputs}, (input_name,)), set()
    while stack:
        node_id = stack.pop()
        if node_id not in seen and node_id in nodes:
            seen.add(node_id)
            stack.extend(comfy_links(nodes[node_id]))
    return [node_id for node_id in nodes if node_id in seen]


def _comfy_conditioning(nodes: dict[str, dict], inputs: dict[str, Any], input_name: str) -> list:
    """Ids of the nodes upstream of a sampler's positive (or negative) input, in graph order.

    A node that takes both (ControlNetApplyAdvanced, InpaintModelConditioning) passes its
    positive out of slot 0 and its negative out of slot 1: only that side is followed.
    """
    stack: list[Any] = [inputs.get(input_name)]
    seen: set[tuple[str, str]] = set()
    ids: set[str] = set()
    while stack:
        link = stack.pop()
        if not is_comfy_link(link) or (str(link[0]), str(link[1])) in seen:
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
            if clean(value):
                return clean(value)
    return None


def _comfy_size(nodes: dict[str, dict], inputs: dict[str, Any]) -> str | None:
    feeding = _comfy_upstream(nodes, inputs, "latent_image")
    empty = [node_id for node_id in nodes if "EmptyLatent" in _class(nodes[node_id])]
    for node_id in [*feeding, *empty]:
        node_inputs = _inputs(nodes[node_id])
        size = size_text(
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
        name = clean(_comfy_value(nodes, inputs, ("lora_name",)))
        if name:
            strength = as_float(_comfy_value(nodes, inputs, ("strength_model",)))
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
        for slot in as_list(node.get("inputs")):
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

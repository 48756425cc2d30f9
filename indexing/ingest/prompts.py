"""The AI-generation prompt in an image's text chunks: A1111/Forge parameters, a ComfyUI
API graph or saved workflow (positive encoders only), InvokeAI and NovelAI metadata.

Split from metadata.py, which gathers the text chunks; the fuller reading of generation
settings (indexing.ingest.generation) reuses the ComfyUI graph walking here.
"""

from __future__ import annotations

import json
from typing import Any, TypeGuard


def a1111_prompt(parameters: str) -> str:
    text = "\n" + parameters  # an empty prompt leaves the text starting with a marker
    for marker in ("\nNegative prompt:", "\nSteps:"):
        cut = text.find(marker)
        if cut != -1:
            return text[:cut].strip()
    return text.strip()


def _comfy_prompt(prompt_json: str) -> str | None:
    try:
        graph = json.loads(prompt_json)
    except (ValueError, TypeError):
        return None
    return comfy_graph_prompt(graph) if isinstance(graph, dict) else None


def comfy_graph_prompt(graph: dict[str, Any]) -> str | None:
    """Every positive text encoder's text in a ComfyUI API graph, in graph order."""
    negative_only = _comfy_feeding(graph, "negative") - _comfy_feeding(graph, "positive")
    found: list[str] = []
    for node_id, node in graph.items():
        if not isinstance(node, dict) or "CLIPTextEncode" not in str(node.get("class_type")):
            continue
        if str(node_id) in negative_only:
            continue
        inputs = node.get("inputs") or {}
        for key in ("text", "text_g", "text_l"):
            value = inputs.get(key)
            if isinstance(value, str) and value.strip() and value.strip() not in found:
                found.append(value.strip())
    return "\n".join(found) or None


def is_comfy_link(value: Any) -> TypeGuard[list[Any]]:
    """In a ComfyUI prompt graph an input wired to another node is [node_id, output_index]."""
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], (str, int))


def comfy_links(node: Any, names: tuple[str, ...] | None = None) -> list[str]:
    """Ids of the nodes wired into a node's inputs (only the named inputs, if names given)."""
    inputs = node.get("inputs") if isinstance(node, dict) else None
    if not isinstance(inputs, dict):
        return []
    values = inputs.values() if names is None else [inputs.get(name) for name in names]
    return [str(value[0]) for value in values if is_comfy_link(value)]


def _comfy_feeding(graph: dict[str, Any], input_name: str) -> set[str]:
    """Ids of every node upstream of any node's `input_name` input (e.g. a sampler's negative)."""
    stack = [node_id for node in graph.values() for node_id in comfy_links(node, (input_name,))]
    seen: set[str] = set()
    while stack:
        node_id = stack.pop()
        if node_id not in seen:
            seen.add(node_id)
            stack.extend(comfy_links(graph.get(node_id)))
    return seen


def _comfy_workflow(workflow_json: str) -> str | None:
    try:
        workflow = json.loads(workflow_json)
    except (ValueError, TypeError):
        return None
    return comfy_workflow_nodes_prompt(
        workflow.get("nodes") if isinstance(workflow, dict) else None
    )


def comfy_workflow_nodes_prompt(nodes: Any) -> str | None:
    """Every text encoder's text among a saved ComfyUI workflow's nodes."""
    found: list[str] = []
    for node in nodes or []:
        if isinstance(node, dict) and "CLIPTextEncode" in str(node.get("type")):
            for value in node.get("widgets_values") or []:
                if isinstance(value, str) and value.strip() and value.strip() not in found:
                    found.append(value.strip())
    return "\n".join(found) or None


def extract_prompt(texts: dict[str, str]) -> str | None:
    """The generation prompt from A1111, ComfyUI, InvokeAI or NovelAI metadata, if any.

    Malformed metadata (a node whose inputs are a list, nodes that are a number, JSON nested
    past the recursion limit) means no prompt, never a failed image."""
    try:
        return _extract_prompt(texts)
    except (TypeError, AttributeError, ValueError, KeyError, RecursionError):
        return None


def _extract_prompt(texts: dict[str, str]) -> str | None:
    if texts.get("parameters"):
        return a1111_prompt(texts["parameters"]) or None
    if texts.get("prompt"):
        prompt = _comfy_prompt(texts["prompt"])
        if prompt:
            return prompt
    if texts.get("workflow"):
        prompt = _comfy_workflow(texts["workflow"])
        if prompt:
            return prompt
    if texts.get("invokeai_metadata"):
        try:
            positive = json.loads(texts["invokeai_metadata"]).get("positive_prompt")
        except (ValueError, TypeError, AttributeError):
            positive = None
        if isinstance(positive, str) and positive.strip():
            return positive.strip()
    if texts.get("Software", "").startswith("NovelAI") and texts.get("Description"):
        return texts["Description"].strip()
    return None

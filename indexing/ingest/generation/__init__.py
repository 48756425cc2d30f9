"""The full generation parameters of an AI image, from the text chunks the indexer stores.

`parse_generation(texts)` reads the same formats as `prompts.extract_prompt` (A1111/Forge
`parameters`, ComfyUI `prompt` graph and `workflow`, InvokeAI `invokeai_metadata`, NovelAI
`Description` + `Comment`) into one `Generation`. It is pure and never raises: a chunk that
is garbage, truncated or of the wrong shape gives what could be read of it, or None.

It runs each time the viewer opens an image, so its work is bounded whatever the text (a
chunk is at most 1 MiB): an A1111 settings line is read for its first MAX_SETTINGS_PIECES
pieces, a ComfyUI graph for its first MAX_GRAPH_NODES nodes. Real ones are far smaller;
where a crafted one is cut, `Generation.cut` says where, and the viewer shows it.

One module per format (a1111, comfyui, invokeai, novelai), each reading its chunk into the
common record (record.Generation) with the lenient value readers of `values`; this module
only picks the reader for the chunks an image has.
"""

from __future__ import annotations

from indexing.ingest.generation.a1111 import parse_a1111
from indexing.ingest.generation.comfyui import parse_comfy_graph, parse_comfy_workflow
from indexing.ingest.generation.invokeai import parse_invokeai
from indexing.ingest.generation.novelai import parse_novelai
from indexing.ingest.generation.record import Generation
from indexing.ingest.generation.values import text_chunk

__all__ = ["Generation", "parse_generation"]


def parse_generation(texts: dict[str, str]) -> Generation | None:
    """The generation parameters in an image's text chunks, or None for a non-AI image."""
    if not isinstance(texts, dict):
        return None
    parsers = (
        ("parameters", parse_a1111),
        ("prompt", parse_comfy_graph),
        ("workflow", parse_comfy_workflow),
        ("invokeai_metadata", parse_invokeai),
    )
    for key, parse in parsers:
        text = text_chunk(texts, key)
        found = parse(text) if text else None
        if found is not None:
            return found
    if (text_chunk(texts, "Software") or "").startswith("NovelAI"):
        return parse_novelai(texts)
    return None

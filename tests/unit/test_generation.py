"""Generation parameters read from the text chunks of AI images, as the detail view shows them."""

from __future__ import annotations

import gc
import json
import re
import time

import pytest

from app.detail_generation import generation_markdown
from app.safe_text import literal
from indexing.ingest.generation import parse_generation

A1111 = """\
masterpiece, best quality, a woman in a red scarf walking through Alfama, Lisbon, \
golden hour, (film grain:1.2), <lora:add_detail:0.6>
shallow depth of field
Negative prompt: lowres, bad anatomy, (worst quality:1.4), watermark,
text, signature
Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 3055418921, \
Size: 832x1216, Model hash: 6ce0161689, Model: dreamshaper_8, \
VAE: vae-ft-mse-840000-ema-pruned.safetensors, Denoising strength: 0.35, Clip skip: 2, \
Hires upscale: 1.5, Hires steps: 12, Hires upscaler: 4x-UltraSharp, \
Lora hashes: "add_detail: 7c6bad76eb54, more_details: 3b8aa1d351ef", \
TI hashes: "easynegative: c74b4e810b03", Emphasis: Original, Version: v1.10.1"""

COMFY_GRAPH = {
    "3": {
        "class_type": "KSampler",
        "inputs": {
            "seed": 156680208700286,
            "steps": 30,
            "cfg": 7.5,
            "sampler_name": "dpmpp_2m_sde",
            "scheduler": "karras",
            "denoise": 1,
            "model": ["10", 0],
            "positive": ["6", 0],
            "negative": ["7", 0],
            "latent_image": ["5", 0],
        },
    },
    "4": {
        "class_type": "CheckpointLoaderSimple",
        "inputs": {"ckpt_name": "juggernautXL_v9Rdphoto2Lightning.safetensors"},
    },
    "10": {
        "class_type": "LoraLoader",
        "inputs": {
            "lora_name": "film_grain_xl.safetensors",
            "strength_model": 0.8,
            "strength_clip": 0.8,
            "model": ["4", 0],
            "clip": ["4", 1],
        },
    },
    "5": {
        "class_type": "EmptyLatentImage",
        "inputs": {"width": 1024, "height": 1536, "batch_size": 1},
    },
    "6": {
        "class_type": "CLIPTextEncode",
        "inputs": {"text": "a red fox in fresh snow, telephoto, dawn light", "clip": ["10", 1]},
    },
    "7": {
        "class_type": "CLIPTextEncode",
        "inputs": {"text": "cartoon, painting, text, blurry", "clip": ["10", 1]},
    },
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
}  # fmt: skip

COMFY_WORKFLOW = {
    "last_node_id": 9,
    "last_link_id": 9,
    "nodes": [
        {"id": 4, "type": "CheckpointLoaderSimple", "inputs": [],
         "widgets_values": ["sd_xl_base_1.0.safetensors"]},
        {"id": 5, "type": "EmptyLatentImage", "inputs": [], "widgets_values": [896, 1152, 1]},
        {"id": 6, "type": "CLIPTextEncode", "inputs": [{"name": "clip", "type": "CLIP", "link": 3}],
         "widgets_values": ["an old tram climbing a hill, rain"]},
        {"id": 7, "type": "CLIPTextEncode", "inputs": [{"name": "clip", "type": "CLIP", "link": 5}],
         "widgets_values": ["people, cars"]},
        {"id": 3, "type": "KSampler",
         "inputs": [{"name": "model", "type": "MODEL", "link": 1},
                    {"name": "positive", "type": "CONDITIONING", "link": 4},
                    {"name": "negative", "type": "CONDITIONING", "link": 6},
                    {"name": "latent_image", "type": "LATENT", "link": 2}],
         "widgets_values": [42, "fixed", 25, 8, "euler", "normal", 1]},
    ],
    "links": [[1, 4, 0, 3, 0, "MODEL"], [2, 5, 0, 3, 3, "LATENT"], [3, 4, 1, 6, 0, "CLIP"],
              [4, 6, 0, 3, 1, "CONDITIONING"], [5, 4, 1, 7, 0, "CLIP"],
              [6, 7, 0, 3, 2, "CONDITIONING"]],
}  # fmt: skip

INVOKEAI = {
    "generation_mode": "sdxl_txt2img",
    "positive_prompt": "isometric cutaway of a tiny bakery, warm light, highly detailed",
    "negative_prompt": "blurry, deformed",
    "width": 1024,
    "height": 1024,
    "seed": 2219478812,
    "rand_device": "cpu",
    "cfg_scale": 5.5,
    "cfg_rescale_multiplier": 0,
    "steps": 32,
    "scheduler": "dpmpp_2m_k",
    "model": {
        "key": "a4d3e2c1",
        "hash": "blake3:9f0e",
        "name": "Juggernaut XL v9",
        "base": "sdxl",
        "type": "main",
    },
    "vae": {"key": "b1", "name": "sdxl-vae-fp16-fix", "base": "sdxl", "type": "vae"},
    "loras": [{"model": {"key": "c1", "name": "pixel-art-xl", "base": "sdxl"}, "weight": 0.75}],
    "positive_style_prompt": "isometric cutaway of a tiny bakery",
    "app_version": "4.2.4",
}

NOVELAI_COMMENT = {
    "prompt": "1girl, silver hair, starry sky, night, masterpiece",
    "steps": 28,
    "height": 1216,
    "width": 832,
    "scale": 5.0,
    "uncond_scale": 0.0,
    "cfg_rescale": 0.0,
    "seed": 1735029511,
    "n_samples": 1,
    "noise_schedule": "karras",
    "sampler": "k_euler_ancestral",
    "sm": False,
    "sm_dyn": False,
    "uc": "lowres, {bad}, error, fewer, extra, missing, worst quality",
    "request_type": "PromptGenerateRequest",
    "signed_hash": "d1JX0R5fC0h7c0lY2cEw",
}
NOVELAI = {
    "Title": "NovelAI generated image",
    "Description": "1girl, silver hair, starry sky, night, masterpiece",
    "Software": "NovelAI",
    "Source": "Stable Diffusion XL C1E1DE52",
    "Generation time": "6.12",
    "Comment": json.dumps(NOVELAI_COMMENT),
}


def test_a1111_parameters_give_every_setting() -> None:
    found = parse_generation({"parameters": A1111})

    assert found is not None and found.tool == "A1111"
    assert found.prompt == (
        "masterpiece, best quality, a woman in a red scarf walking through Alfama, Lisbon, "
        "golden hour, (film grain:1.2), <lora:add_detail:0.6>\nshallow depth of field"
    )
    assert found.negative_prompt == (
        "lowres, bad anatomy, (worst quality:1.4), watermark,\ntext, signature"
    )
    assert (found.steps, found.sampler, found.seed, found.cfg) == (28, "DPM++ 2M", 3055418921, 6.5)
    assert (found.model, found.size) == ("dreamshaper_8", "832x1216")
    extras = dict(found.extras)
    assert extras["Lora hashes"] == "add_detail: 7c6bad76eb54, more_details: 3b8aa1d351ef"
    assert extras["TI hashes"] == "easynegative: c74b4e810b03"
    assert extras["Schedule type"] == "Karras"
    assert extras["Clip skip"] == "2"
    assert [key for key, _ in found.extras][-2:] == ["Emphasis", "Version"]  # in written order
    assert "Steps" not in extras and "Seed" not in extras  # shown once, as the fields above


def test_a1111_settings_with_json_and_escaped_quotes() -> None:
    parameters = (
        "a cat\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: -1, "
        'Hashes: {"vae": "735e4c3a44", "model": "6ce0161689"}, '
        'Wildcard prompt: "a \\"quoted\\" word, and a comma", Version: f2.0.1'
    )
    found = parse_generation({"parameters": parameters})

    assert found.prompt == "a cat" and found.negative_prompt is None
    assert (found.sampler, found.seed, found.cfg) == ("Euler a", -1, 7.0)
    extras = dict(found.extras)
    assert json.loads(extras["Hashes"]) == {"vae": "735e4c3a44", "model": "6ce0161689"}
    assert extras["Wildcard prompt"] == 'a "quoted" word, and a comma'
    assert extras["Version"] == "f2.0.1"


def test_a1111_with_only_a_negative_prompt() -> None:
    found = parse_generation({"parameters": "Negative prompt: ugly\nSteps: 20, Sampler: Euler a"})

    assert found.prompt is None
    assert found.negative_prompt == "ugly"
    assert (found.steps, found.sampler) == (20, "Euler a")


def test_a1111_values_that_are_not_numbers_are_kept_as_written() -> None:
    found = parse_generation({"parameters": "a dog\nSteps: many, Seed: 12, CFG scale: nan"})

    assert (found.steps, found.seed, found.cfg) == (None, 12, None)
    assert dict(found.extras) == {"Steps": "many", "CFG scale": "nan"}


def test_comfyui_prompt_graph_follows_the_sampler() -> None:
    texts = {"prompt": json.dumps(COMFY_GRAPH), "workflow": json.dumps(COMFY_WORKFLOW)}
    found = parse_generation(texts)

    assert found.tool == "ComfyUI"
    assert found.prompt == "a red fox in fresh snow, telephoto, dawn light"
    assert found.negative_prompt == "cartoon, painting, text, blurry"
    assert (found.steps, found.seed, found.cfg) == (30, 156680208700286, 7.5)
    assert found.sampler == "dpmpp_2m_sde"
    assert found.model == "juggernautXL_v9Rdphoto2Lightning.safetensors"  # through the LoRA
    assert found.size == "1024x1536"
    extras = dict(found.extras)
    assert extras["Scheduler"] == "karras"
    assert extras["LoRA"] == "film_grain_xl.safetensors (0.8)"


def test_comfyui_controlnet_keeps_positive_and_negative_apart() -> None:
    graph = json.loads(json.dumps(COMFY_GRAPH))
    graph["11"] = {
        "class_type": "ControlNetApplyAdvanced",
        "inputs": {"positive": ["6", 0], "negative": ["7", 0], "strength": 0.6},
    }
    graph["3"]["inputs"]["positive"] = ["11", 0]
    graph["3"]["inputs"]["negative"] = ["11", 1]
    found = parse_generation({"prompt": json.dumps(graph)})

    assert found.prompt == "a red fox in fresh snow, telephoto, dawn light"
    assert found.negative_prompt == "cartoon, painting, text, blurry"


def test_comfyui_workflow_alone_is_read_through_its_links() -> None:
    found = parse_generation({"workflow": json.dumps(COMFY_WORKFLOW)})

    assert found.tool == "ComfyUI"
    assert found.prompt == "an old tram climbing a hill, rain"
    assert found.negative_prompt == "people, cars"
    assert (found.steps, found.seed, found.cfg, found.sampler) == (25, 42, 8.0, "euler")
    assert (found.model, found.size) == ("sd_xl_base_1.0.safetensors", "896x1152")


def test_comfyui_graph_without_a_sampler_still_gives_its_prompt() -> None:
    graph = {"6": COMFY_GRAPH["6"], "4": COMFY_GRAPH["4"]}
    found = parse_generation({"prompt": json.dumps(graph)})

    assert found.prompt == "a red fox in fresh snow, telephoto, dawn light"
    assert found.steps is None


def test_invokeai_metadata() -> None:
    found = parse_generation({"invokeai_metadata": json.dumps(INVOKEAI)})

    assert found.tool == "InvokeAI"
    assert found.prompt == "isometric cutaway of a tiny bakery, warm light, highly detailed"
    assert found.negative_prompt == "blurry, deformed"
    assert (found.steps, found.sampler, found.seed, found.cfg) == (
        32,
        "dpmpp_2m_k",
        2219478812,
        5.5,
    )
    assert (found.model, found.size) == ("Juggernaut XL v9", "1024x1024")
    extras = dict(found.extras)
    assert extras["VAE"] == "sdxl-vae-fp16-fix"
    assert extras["LoRA"] == "pixel-art-xl (0.75)"
    assert extras["App version"] == "4.2.4"


def test_novelai_description_and_comment() -> None:
    found = parse_generation(NOVELAI)

    assert found.tool == "NovelAI"
    assert found.prompt == "1girl, silver hair, starry sky, night, masterpiece"
    assert found.negative_prompt == "lowres, {bad}, error, fewer, extra, missing, worst quality"
    assert (found.steps, found.sampler, found.seed, found.cfg) == (
        28,
        "k_euler_ancestral",
        1735029511,
        5.0,
    )
    assert (found.model, found.size) == ("Stable Diffusion XL C1E1DE52", "832x1216")
    extras = dict(found.extras)
    assert extras["Noise schedule"] == "karras"
    assert "signed_hash" not in json.dumps(extras)


def test_as_dict_is_plain_json() -> None:
    found = parse_generation({"parameters": A1111})

    shown = json.loads(json.dumps(found.as_dict()))
    assert shown["tool"] == "A1111" and shown["seed"] == 3055418921
    assert shown["extras"]["Hires upscaler"] == "4x-UltraSharp"


def test_photos_have_no_generation() -> None:
    assert parse_generation({}) is None
    assert parse_generation({"XMP": "<x:xmpmeta/>", "UserComment": "holiday"}) is None
    assert parse_generation({"Software": "Adobe Photoshop", "Description": "a beach"}) is None


MEGABYTE = 1_000_000
GARBAGE = [
    "",
    "   ",
    "{",
    '{"3": {"class_type": "KSampler", "inputs": {"seed": 5, "positive": ["6"',  # truncated
    "[1, 2, 3]",
    '{"3": "KSampler", "4": null, "5": [1, 2]}',
    '{"3": {"class_type": "KSampler", "inputs": {"positive": ["9", 0], "steps": "x"}}}',
    '{"3": {"class_type": "KSampler", "inputs": {"positive": ["3", 0], "seed": 1e400}}}',
    '{"nodes": [{"id": 1, "type": "KSampler", "widgets_values": {"seed": []}}], "links": 5}',
    '{"nodes": "x", "links": [[1], null, {"id": 2}]}',
    "[" * 100_000,
    "1" * 5_000,
    "\x00\xff\ufffd" * 1000,
    "Steps: " + "9" * 5_000 + ", Seed: " + "1" * 10_000,
    "a," * (MEGABYTE // 2),
    "x\nSteps: 1, " + 'k: "' * (MEGABYTE // 4),
    "x\nSteps: 1, " + "k: [" * (MEGABYTE // 4),
    "x\nSteps: 1, " + "k" * MEGABYTE,
    "p " * MEGABYTE,
]
KEYS = ["parameters", "prompt", "workflow", "invokeai_metadata"]


@pytest.mark.parametrize("text", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_never_raises_and_is_quick(text: str) -> None:
    for key in KEYS:
        started = time.perf_counter()
        found = parse_generation({key: text})
        assert time.perf_counter() - started < 2, key
        assert found is None or found.tool in ("A1111", "ComfyUI")
    novelai = parse_generation({"Software": "NovelAI", "Comment": text, "Description": text})
    assert novelai is None or novelai.tool == "NovelAI"


MEBIBYTE = 1 << 20  # the largest text chunk the indexer keeps


def fastest(parse, runs: int = 2) -> float:
    """The best of a few timings of the work itself: a shared machine is noisy, and the
    garbage collector, which the 20,000 dicts of a decoded graph wake, walks all of pytest's
    objects too."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            started = time.perf_counter()
            parse()
            best = min(best, time.perf_counter() - started)
    finally:
        gc.enable()
    return best


def test_a_crafted_megabyte_settings_line_is_read_in_a_blink_up_to_its_cut() -> None:
    from indexing.ingest.generation.a1111 import MAX_SETTINGS_PIECES

    head = "a fox\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 512x768, "
    line = head + "Eta:1," * ((MEBIBYTE - len(head)) // 6)  # 170,000 pieces
    assert len(line.encode()) <= MEBIBYTE

    took = fastest(lambda: parse_generation({"parameters": line}))
    found = parse_generation({"parameters": line})

    assert took < 0.3, f"{took:.2f} s to read the settings"  # 0.02 s; 1.5-3 s before the cap
    assert (found.prompt, found.steps, found.sampler, found.cfg, found.seed, found.size) == (
        "a fox", 20, "Euler a", 7.0, 5, "512x768")  # fmt: skip
    assert dict(found.extras) == {"Eta": "1"}
    assert f"after {MAX_SETTINGS_PIECES:,} pieces" in found.cut
    assert f"of {len(line) - len('a fox'):,}" in found.cut  # where, in the settings line
    assert generation_markdown(found.as_dict()).endswith(literal(found.cut))  # the viewer says so


def test_the_first_settings_of_too_many_are_read_and_the_cut_is_said() -> None:
    from indexing.ingest.generation.record import MAX_EXTRAS

    line = "a fox\nSteps: 20, " + ", ".join(f"Key {n}: {n}" for n in range(5_000))

    found = parse_generation({"parameters": line})

    assert found.steps == 20
    assert list(dict(found.extras)) == [f"Key {n}" for n in range(MAX_EXTRAS - 1)]
    assert f"after {MAX_EXTRAS:,} settings" in found.cut


def a_long_chain(nodes: int) -> str:
    """A ComfyUI graph: a sampler fed by one text encoder, which hangs from a chain of
    `nodes` others, each wired to the next (written compactly: 20,000 fit in 1 MiB)."""
    graph = {
        "0": {"class_type": "KSampler", "inputs": {
            "positive": [1, 0], "negative": [1, 0], "model": [2, 0], "latent_image": [2, 0],
            "seed": 7, "steps": 30}},
        "1": {"class_type": "CLIPTextEncode", "inputs": {"text": "a fox", "clip": [2, 0]}},
    }  # fmt: skip
    for n in range(2, nodes):
        graph[str(n)] = {"class_type": "T", "inputs": {"m": [n + 1, 0]}}
    return json.dumps(graph, separators=(",", ":"))


def test_a_crafted_20000_node_graph_is_read_in_a_blink_up_to_its_cut(monkeypatch) -> None:
    from indexing.ingest.generation import comfyui
    from indexing.ingest.generation.comfyui import MAX_GRAPH_NODES

    text = a_long_chain(20_000)
    assert len(text.encode()) <= MEBIBYTE
    visits = []  # each look at a node's inputs, as the walk goes through the graph
    looked = comfyui._inputs
    monkeypatch.setattr(comfyui, "_inputs", lambda node: visits.append(1) or looked(node))

    decoding = fastest(lambda: json.loads(text))  # the least any reading of it takes
    took = fastest(lambda: parse_generation({"prompt": text}))
    visits.clear()
    found = parse_generation({"prompt": text})

    # beyond the decoding: 0.02-0.05 s; 1.5-3 s before the cap, which walked 160,000 nodes
    assert took - decoding < 0.3, f"{took:.2f} s to read it, {decoding:.2f} s to decode"
    assert len(visits) < 20 * MAX_GRAPH_NODES
    assert (found.prompt, found.seed, found.steps) == ("a fox", 7, 30)
    assert found.cut == f"Graph cut: only its first {MAX_GRAPH_NODES:,} nodes of 20,000 were read."
    assert generation_markdown(found.as_dict()).endswith(literal(found.cut))


def test_a_saved_workflow_of_too_many_nodes_is_cut_and_says_so() -> None:
    from indexing.ingest.generation.comfyui import MAX_GRAPH_NODES

    nodes = [{"id": 1, "type": "CLIPTextEncode", "widgets_values": ["a fox"]}]
    nodes += [{"id": n, "type": "Note", "widgets_values": ["x"]} for n in range(2, 3_001)]

    found = parse_generation({"workflow": json.dumps({"nodes": nodes, "links": []})})

    assert found.prompt == "a fox"
    assert f"first {MAX_GRAPH_NODES:,} nodes of 3,000" in found.cut


def test_real_prompts_are_not_cut() -> None:
    texts = [{"parameters": A1111}, {"prompt": json.dumps(COMFY_GRAPH)}]
    assert [parse_generation(t).cut for t in texts] == [None, None]


def test_wrong_types_never_raise() -> None:
    assert parse_generation(None) is None  # type: ignore[arg-type]
    assert parse_generation({"parameters": 5, "prompt": ["x"], "workflow": None}) is None  # type: ignore[dict-item]
    bad_invoke = {"positive_prompt": ["x"], "steps": "many", "model": 3, "loras": "none"}
    found = parse_generation({"invokeai_metadata": json.dumps(bad_invoke)})
    assert found is None or (found.prompt is None and found.steps is None)
    bad_comfy = {
        "3": {"class_type": "KSampler", "inputs": {"positive": ["6", 0], "seed": "x"}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": ["7", 0]}},
        "7": {"class_type": "PrimitiveString", "inputs": {"value": "linked prompt"}},
    }
    found = parse_generation({"prompt": json.dumps(bad_comfy)})
    assert found.prompt == "linked prompt" and found.seed is None


def test_a_truncated_a1111_chunk_keeps_what_was_written() -> None:
    cut = A1111[: A1111.index("Lora hashes") + len('Lora hashes: "add_detail: 7c6b')]
    found = parse_generation({"parameters": cut})

    assert found.negative_prompt.endswith("text, signature")
    assert (found.steps, found.seed, found.model) == (28, 3055418921, "dreamshaper_8")
    assert dict(found.extras)["Lora hashes"] == '"add_detail: 7c6b'  # unclosed: as written


# The detail dict and the detail panel


def test_settings_table_shows_every_value_as_literal_text() -> None:
    found = parse_generation({"parameters": "a fox\nSteps: 20, Model: <b>x|y</b>, Seed: 7"})

    table = generation_markdown(found.as_dict())

    assert table.splitlines()[:2] == ["| Setting | Value |", "|---|---|"]
    rows = table.splitlines()[2:]
    cells = [re.split(r"(?<!\\)\|", row)[1:-1] for row in rows]  # split at unescaped pipes
    assert [len(row) for row in cells] == [2, 2, 2, 2]  # the pipe in x|y starts no new cell
    assert "<" not in table  # no tag can open
    assert [" Steps ", " 20 "] in cells and [" Seed ", " 7 "] in cells

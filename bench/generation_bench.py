"""How long reading an image's generation settings takes on crafted text within the limits.

    .venv/bin/python bench/generation_bench.py [--nodes 20000]

The viewer parses an image's generation settings each time it opens it. This times
`parse_generation` (best of three, the garbage collector paused) on a 1 MiB A1111
settings line of 170,000 short pieces and on a ComfyUI graph of --nodes nodes (a chain, as
compact as fits 1 MiB), each against the least any reading of it takes: splitting the line
at its commas, decoding the graph's JSON. Run it on the commit before the caps to compare.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from indexing.ingest.generation import parse_generation

MEBIBYTE = 1 << 20


def fastest(work: Callable[[], object], runs: int = 3) -> float:
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            started = time.perf_counter()
            work()
            best = min(best, time.perf_counter() - started)
    finally:
        gc.enable()
    return best


def a1111_line() -> str:
    head = "a fox\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 512x768, "
    return head + "Eta:1," * ((MEBIBYTE - len(head)) // 6)


def comfy_chain(nodes: int) -> str:
    graph = {
        "0": {"class_type": "KSampler", "inputs": {
            "positive": [1, 0], "negative": [1, 0], "model": [2, 0], "latent_image": [2, 0],
            "seed": 7, "steps": 30}},
        "1": {"class_type": "CLIPTextEncode", "inputs": {"text": "a fox", "clip": [2, 0]}},
    }  # fmt: skip
    for n in range(2, nodes):
        graph[str(n)] = {"class_type": "T", "inputs": {"m": [n + 1, 0]}}
    return json.dumps(graph, separators=(",", ":"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=20_000)
    args = parser.parse_args()
    line, graph = a1111_line(), comfy_chain(args.nodes)
    cases = [
        ("A1111 line", line, "parameters", lambda: line.split(",")),
        (f"ComfyUI graph ({args.nodes:,} nodes)", graph, "prompt", lambda: json.loads(graph)),
    ]
    for name, text, key, baseline in cases:
        took = fastest(lambda text=text, key=key: parse_generation({key: text}))
        least = fastest(baseline)
        cut = getattr(parse_generation({key: text}), "cut", None)
        print(f"{name}, {len(text.encode()):,} bytes: {took:.3f} s, {took / least:.1f}x the "
              f"least reading ({least:.3f} s); cut: {cut}")  # fmt: skip


if __name__ == "__main__":
    main()

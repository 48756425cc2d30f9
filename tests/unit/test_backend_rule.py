"""The backend rule, written once (indexing.models.clip.resolve_backend): what "auto" means
on each device, and that the torch-free cold path (a tower alone) follows the same rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexing.models.clip import ClipEmbedder, resolve_backend


@pytest.mark.parametrize(
    ("requested", "device", "int8", "expected"),
    [
        ("auto", "cpu", False, "openvino"),  # the fastest CPU backend matching torch fp32
        ("auto", "cpu", True, "torch"),  # int8 is a torch path
        ("auto", "cuda", False, "torch"),  # a GPU keeps torch (fp16)
        ("auto", "mps", False, "torch"),
        ("onnx", "cpu", False, "onnx"),  # an explicit choice is kept as asked
        ("openvino", "cuda", False, "openvino"),  # (the embedder then says it runs on CPU only)
        ("torch", "cpu", False, "torch"),
    ],
)
def test_auto_is_openvino_on_a_cpu_without_int8_and_torch_elsewhere(
    requested: str, device: str, int8: bool, expected: str
) -> None:
    assert resolve_backend(requested, device, int8) == expected


def light(tmp_path: Path | None, **options) -> str | None:
    embedder = ClipEmbedder("ViT-B-32", "random", cache_dir=tmp_path, **options)
    return embedder._light_runtime()  # nothing is loaded: no torch, no weights


def test_the_cold_path_follows_the_same_rule(tmp_path: Path) -> None:
    assert light(tmp_path) == "openvino"
    assert light(tmp_path, device="cpu", backend="onnx") == "onnx"
    assert light(tmp_path, int8=True) is None  # auto resolves to torch: load the model
    assert light(tmp_path, backend="torch") is None
    assert light(tmp_path, device="cuda") is None  # only the CPU is known without torch
    assert light(None) is None  # no export cache: nothing to open

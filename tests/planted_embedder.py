"""A planted embedder for the text-category filter: known text vectors on basis vectors.

Basis vector 0 is "beach"; each neutral prompt gets a basis vector of its own.
"""

from __future__ import annotations

import numpy as np

from indexing.query import categories

MODEL = "planted@test"
DIM = 32


def basis(n: int) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[n] = 1.0
    return vector


class PlantedEmbedder:
    """Category prompts -> basis 0 ("beach") or 1 (anything else); neutral prompts -> 2.."""

    def __init__(self) -> None:
        self.calls = 0

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        rows = []
        for text in texts:
            if text in categories.NEUTRAL_PROMPTS:
                rows.append(basis(2 + categories.NEUTRAL_PROMPTS.index(text)))
            else:
                rows.append(basis(0 if "beach" in text else 1))
        return np.stack(rows)

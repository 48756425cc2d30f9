"""Text categories ("nsfw", "screenshot", "beach") decided with CLIP, the same way everywhere.

A raw cosine between an image and a prompt means different things for different prompts,
so one threshold cannot serve them all. Instead each image is classified zero-shot between
the category and a fixed set of neutral prompts: the category's probability is the softmax
share of its similarity among all of them, at CLIP's logit scale (100). An image matches the
category when that probability reaches 1 - sensitivity (sensitivity 0.5: the category must
beat every neutral prompt together). Neutral prompts too close to the category itself
(text cosine >= 0.9) are dropped, so "screenshot" does not compete with "a screenshot".
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

TEMPLATES = ("a photo of {}.", "an image of {}.", "{}")
NEUTRAL_PROMPTS = (
    "a photo",
    "a photo of an object",
    "a photo of a person",
    "a photo of people",
    "a photo of an animal",
    "a landscape photo",
    "a photo of a city street",
    "a photo of a building",
    "a photo of a room",
    "a photo of food",
    "a photo of a plant",
    "a photo of a vehicle",
    "a drawing",
    "a painting",
    "a screenshot of a computer screen",
    "a photo of a document with text",
)
LOGIT_SCALE = 100.0
NEUTRAL_TOO_CLOSE = 0.9


class TextEmbedder(Protocol):
    def embed_texts(self, texts: list[str]) -> Vectors: ...


def _normalise(vectors: np.ndarray) -> Vectors:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


def prompt_vector(embedder: TextEmbedder, category: str) -> Vectors:
    """The category's text embedding, averaged over the prompt templates."""
    texts = [template.format(category.strip()) for template in TEMPLATES]
    return _normalise(embedder.embed_texts(texts).mean(axis=0))


def class_vectors(embedder: TextEmbedder, category: str) -> Vectors:
    """Row 0: the category; the other rows: the neutral prompts that stay distinct from it."""
    target = prompt_vector(embedder, category)
    neutral = _normalise(embedder.embed_texts(list(NEUTRAL_PROMPTS)))
    keep = neutral @ target < NEUTRAL_TOO_CLOSE
    return np.vstack([target[None, :], neutral[keep]])


def category_probability(image_vectors: Vectors, classes: Vectors) -> Vectors:
    """P(category) per image (rows of image_vectors, L2-normalised)."""
    logits = LOGIT_SCALE * (np.asarray(image_vectors, dtype=np.float32) @ classes.T)
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    return (weights[:, 0] / weights.sum(axis=1)).astype(np.float32)


def threshold(sensitivity: float) -> float:
    """The probability an image needs to count as matching a category."""
    return 1.0 - sensitivity

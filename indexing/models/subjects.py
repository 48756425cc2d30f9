"""Subject tags: each image's few confident everyday concepts, zero-shot with CLIP.

The vocabulary is `subjects.txt` beside this module (about 900 phrases; its header says
where they come from). Each phrase is embedded once per CLIP model, averaged over the
prompt templates of the text categories, and cached in the models folder.

Calibration is the text categories' rule (indexing.query.categories; its constants are in
zero_shot.py), applied to every phrase at once: an image's probability for a phrase is the
softmax share of the phrase among itself and the neutral prompts ("a photo", "a drawing",
...) that are not too close to it. A tag is kept when that probability is at least
CONFIDENCE (the phrase beats every neutral prompt together, by a margin), at most MAX_TAGS
per image, best first. For N images and V phrases that is one (N x d) @ (d x V) product per
batch and a few elementwise operations: no re-embedding, and no image file is read.

Tags are derived data. They are refreshed when the CLIP model or the vocabulary changes
(everything is re-tagged), an image is tagged once its vector exists, and the tags of an
image no file shows any more are dropped by a trigger of migration 10 (a restore re-tags
it).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np

from indexing.models.clip import normalise
from indexing.models.zero_shot import LOGIT_SCALE, NEUTRAL_PROMPTS, NEUTRAL_TOO_CLOSE, TEMPLATES
from indexing.store import subjects as subject_tables
from indexing.store.catalog import Catalog

CONFIDENCE = 0.6
MAX_TAGS = 5
log = logging.getLogger(__name__)

BATCH = 20_000  # images per matrix product and per write transaction


def vocabulary() -> list[str]:
    """The phrases, in file order: one per line, '#' comments and blank lines ignored."""
    text = resources.files("indexing.models").joinpath("subjects.txt").read_text("utf-8")
    phrases = []
    for line in text.splitlines():
        phrase = line.strip()
        if phrase and not phrase.startswith("#"):
            phrases.append(phrase)
    return list(dict.fromkeys(phrases))


def vocabulary_id(phrases: list[str]) -> str:
    rule = f"{CONFIDENCE}|{MAX_TAGS}|{TEMPLATES}|{NEUTRAL_PROMPTS}|{NEUTRAL_TOO_CLOSE}"
    return hashlib.blake2b(("\n".join(phrases) + rule).encode(), digest_size=8).hexdigest()


def _keep(cache: Path, vectors: np.ndarray, neutral: np.ndarray) -> None:
    """Write the vectors to cache; a folder that cannot hold them (PICTOR_MODELS_DIR naming
    a file, a read-only disk) costs the next index the same work again, not this one."""
    # A name of its own: two processes (an index and the app) may build it at once.
    partial = cache.with_name(f"{cache.stem}.{os.getpid()}.{threading.get_ident()}.npz")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(partial, vectors=vectors, neutral=neutral)
        partial.replace(cache)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        log.warning("the subject vocabulary's vectors cannot be kept in %s (%s); they will be "
                    "made again on the next index", cache.parent, exc.strerror or exc)  # fmt: skip


class SubjectModel:
    """The phrase vectors and the per-phrase neutral mask, for one CLIP model."""

    def __init__(self, phrases: list[str], phrase_vectors: np.ndarray, neutral: np.ndarray):
        self.phrases = phrases
        self.vectors = normalise(phrase_vectors)  # V x d
        self.neutral = normalise(neutral)  # K x d
        # mask[k, v]: neutral prompt k competes with phrase v (is not too close to it)
        self.mask = (self.neutral @ self.vectors.T < NEUTRAL_TOO_CLOSE).astype(np.float32)

    @classmethod
    def build(cls, embedder, phrases: list[str], cache: Path | None = None) -> SubjectModel:
        """Embed the phrases (or load them from cache, a .npz keyed by model and vocabulary)."""
        if cache is not None and cache.exists():
            try:
                data = np.load(cache)
                if data["vectors"].shape[0] == len(phrases):
                    return cls(phrases, data["vectors"], data["neutral"])
            except (OSError, ValueError, KeyError):
                pass  # a broken cache is rebuilt
        texts = [template.format(phrase) for phrase in phrases for template in TEMPLATES]
        embedded = np.concatenate(
            [embedder.embed_texts(texts[i : i + 512]) for i in range(0, len(texts), 512)]
        )
        vectors = normalise(embedded).reshape(len(phrases), len(TEMPLATES), -1).mean(axis=1)
        neutral = embedder.embed_texts(list(NEUTRAL_PROMPTS))
        if cache is not None:
            _keep(cache, vectors, neutral)
        return cls(phrases, vectors, neutral)

    def tag(self, image_vectors: np.ndarray) -> list[list[tuple[str, float]]]:
        """The confident tags of each image (rows L2-normalised), best first."""
        images = np.asarray(image_vectors, dtype=np.float32)
        phrase_logits = LOGIT_SCALE * (images @ self.vectors.T)  # N x V
        neutral_logits = LOGIT_SCALE * (images @ self.neutral.T)  # N x K
        top = np.maximum(phrase_logits.max(axis=1), neutral_logits.max(axis=1))[:, None]
        phrase_weight = np.exp(phrase_logits - top)
        neutral_weight = np.exp(neutral_logits - top) @ self.mask  # N x V: each phrase's rivals
        probability = phrase_weight / (phrase_weight + neutral_weight)
        count = min(MAX_TAGS, probability.shape[1])
        best = np.argpartition(-probability, count - 1, axis=1)[:, :count]
        out = []
        for row, candidates in enumerate(best):
            scores = probability[row, candidates]
            order = np.argsort(-scores)
            out.append(
                [
                    (self.phrases[int(candidates[i])], float(scores[i]))
                    for i in order
                    if scores[i] >= CONFIDENCE
                ]
            )
        return out


def tag_pending(
    catalog: Catalog,
    model_id: str,
    model: Callable[[], SubjectModel],
    vectors_for: Callable[[list[str]], tuple[list[str], np.ndarray]],
    *,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Tag every untagged image; return how many were tagged.

    vectors_for(ids) returns the ids it found and their rows (a vector mirror or Chroma).
    Each batch is computed with no transaction open, then written in one short one.
    """
    vocab_phrases = vocabulary()
    subject_tables.reset_if_changed(catalog, model_id, vocabulary_id(vocab_phrases))
    ids = subject_tables.untagged(catalog, model_id)
    if not ids:
        return 0
    subject_model = model()
    done = 0
    for start in range(0, len(ids), BATCH):
        if should_stop():
            break
        found, rows = vectors_for(ids[start : start + BATCH])
        tags = subject_model.tag(normalise(rows)) if len(found) else []
        subject_tables.write_tags(
            catalog,
            (
                (cid, tag, round(score, 4))
                for cid, image_tags in zip(found, tags, strict=True)
                for tag, score in image_tags
            ),
            found,
        )
        done += len(found)
        if progress:
            progress(done, len(ids))
    return done

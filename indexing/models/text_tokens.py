"""CLIP's byte-pair tokenizer without torch: what a cold text search runs.

open_clip's SimpleTokenizer returns torch tensors, and importing open_clip imports torch
(about 8 s on a cold two-core machine). This is the same algorithm over the same
vocabulary file, returning numpy arrays. It is used only for an export whose stamp says
that, at the last full load, it gave the same token ids as the model's own tokenizer on
a set of probe texts (see `matches`); anything else goes the torch way.
"""

from __future__ import annotations

import gzip
import html
import importlib.util
import itertools
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

KIND = "clip-bpe"  # the stamp's name for this tokenizer
VOCAB_SIZE = 49408
MERGES = 49152 - 256 - 2  # the merges open_clip reads from the vocabulary file
SPECIAL = ("<start_of_text>", "<end_of_text>")

# Probe texts for `matches`: cases, punctuation, digits, accents, emoji, markup entities,
# other scripts, and one longer than the context (truncation).
PROBES = (
    "a photo of a dog",
    "A Photo Of A DOG!!",
    "sunset over the sea, 2019 — Île-de-France",
    "naïve café crème brûlée",
    "cat 🐱 on a 🛋️",
    "&amp; &lt;b&gt;bold&lt;/b&gt; it's we're I'll they've",
    "東京の夜景 ночь в Москве",
    "   spaces\tand\nnewlines   ",
    "",
    "x" * 40 + " " + " ".join(f"word{i}" for i in range(120)),
)


def vocabulary_file() -> Path:
    """open_clip's vocabulary file, found without importing open_clip (and so torch)."""
    spec = importlib.util.find_spec("open_clip")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("open_clip is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "bpe_simple_vocab_16e6.txt.gz"


@lru_cache(maxsize=1)
def _byte_unicode() -> dict[int, str]:
    """Bytes to printable characters, as CLIP's BPE expects (no whitespace or controls)."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    codes = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return {byte: chr(code) for byte, code in zip(printable, codes, strict=True)}


class ClipBpe:
    """Token ids of texts, [start, …, end] padded with zeros to context_length."""

    def __init__(self, context_length: int = 77, vocabulary: Path | None = None):
        import regex

        self.context_length = context_length
        with gzip.open(vocabulary or vocabulary_file()) as handle:
            lines = handle.read().decode("utf-8").split("\n")
        merges = [tuple(line.split()) for line in lines[1 : MERGES + 1]]
        symbols = list(_byte_unicode().values())
        vocab = [*symbols, *(s + "</w>" for s in symbols), *("".join(m) for m in merges)]
        vocab.extend(SPECIAL)
        self.encoder = {token: index for index, token in enumerate(vocab)}
        self.ranks = {merge: rank for rank, merge in enumerate(merges)}
        self.start, self.end = self.encoder[SPECIAL[0]], self.encoder[SPECIAL[1]]
        self._cache: dict[str, list[str]] = {}
        self._pattern = regex.compile(
            "|".join(SPECIAL) + r"""|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
            regex.IGNORECASE,
        )

    def encode(self, text: str) -> list[int]:
        """The ids of the text's tokens, without the start and end markers."""
        ids: list[int] = []
        byte_unicode = _byte_unicode()
        for piece in self._pattern.findall(_clean(text)):
            word = "".join(byte_unicode[b] for b in piece.encode("utf-8"))
            ids.extend(self.encoder[token] for token in self._merge(word))
        return ids

    def __call__(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.context_length), dtype=np.int64)
        for row, text in enumerate(texts):
            ids = [self.start, *self.encode(text), self.end]
            if len(ids) > self.context_length:  # truncate, keeping the end marker
                ids = ids[: self.context_length]
                ids[-1] = self.end
            out[row, : len(ids)] = ids
        return out

    def _merge(self, word: str) -> list[str]:
        """The word's BPE tokens: merge the best-ranked adjacent pair until none is known."""
        if word in SPECIAL:
            return [word]
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        parts = [*word[:-1], word[-1] + "</w>"]
        while len(parts) > 1:
            pairs = set(itertools.pairwise(parts))
            best = min(pairs, key=lambda pair: self.ranks.get(pair, float("inf")))
            if best not in self.ranks:
                break
            merged: list[str] = []
            i = 0
            while i < len(parts):
                if i < len(parts) - 1 and (parts[i], parts[i + 1]) == best:
                    merged.append(parts[i] + parts[i + 1])
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        self._cache[word] = parts
        return parts


def _clean(text: str) -> str:
    """open_clip's 'lower' cleaning: fix mojibake, unescape HTML twice, collapse spaces."""
    import ftfy

    text = html.unescape(html.unescape(ftfy.fix_text(text))).strip()
    return " ".join(text.split()).lower()


def matches(tokenizer: Any) -> dict | None:
    """The stamp entry for the model's own tokenizer ({"kind", "context_length"}) when
    ClipBpe gives the same ids on every probe text; None when it does not (another
    tokenizer, other settings): then text searches load torch."""
    try:
        from open_clip.tokenizer import SimpleTokenizer

        if type(tokenizer) is not SimpleTokenizer or tokenizer.reduction_fn is not None:
            return None
        if tokenizer.vocab_size != VOCAB_SIZE:
            return None
        light = ClipBpe(int(tokenizer.context_length))
        expected = tokenizer(list(PROBES)).numpy()
        if not np.array_equal(light(list(PROBES)), expected):
            return None
    except Exception:  # anything unexpected: the torch way, which always works
        return None
    return {"kind": KIND, "context_length": light.context_length}

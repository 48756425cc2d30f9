"""Splitting images into folds, shared by inner selection, the jackknife and validation.

Images, not judgements, are the unit: a held-out image must be held out together with its
rating and with every preference it takes part in, or training would see it anyway.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def assign_folds(rated: NDArray[np.bool_], folds: int, seed: int) -> NDArray[np.int64]:
    """Fold of every image: rated and unrated images are each dealt out evenly at random."""
    rng = np.random.default_rng(seed)
    out = np.empty(len(rated), dtype=np.int64)
    for members in (np.flatnonzero(rated), np.flatnonzero(~rated)):
        order = rng.permutation(len(members))
        out[members[order]] = np.arange(len(members)) % folds
    return out


def fold_pair_groups(
    image_folds: NDArray[np.int64], index: NDArray[np.int64], folds: int
) -> NDArray[np.int64]:
    """Group id of each judgement: the unordered pair of its images' folds, as a*folds + b."""
    first, second = image_folds[index[:, 0]], image_folds[index[:, 1]]
    return np.minimum(first, second) * folds + np.maximum(first, second)


def judgements_within(index: NDArray[np.int64], members: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Which judgements (rows of `index`) have both images among `members`."""
    if len(index) == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(members[index].all(axis=1), dtype=bool)


def count_straddling(index: NDArray[np.int64], image_folds: NDArray[np.int64]) -> int:
    """Judgements whose two images lie in different folds: each fold must drop them."""
    if len(index) == 0:
        return 0
    return int((image_folds[index[:, 0]] != image_folds[index[:, 1]]).sum())

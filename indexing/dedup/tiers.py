"""The duplicate tiers by name: front ends resolve the user's choice once, here, and then
ask the tier object (see indexing.dedup.tier for the interface).

- exact: the same bytes at several paths (one content, several present files);
- near: the same picture resized, re-compressed, re-encoded, slightly re-toned, rotated by a
  multiple of 90 degrees or mirrored (perceptual hashes over the 8 orientations);
- similar: the same scene, a burst, a crop (CLIP cosine similarity over a threshold);
- clusters: the whole library in visual clusters, to browse what is in it.
"""

from __future__ import annotations

from typing import Any

from indexing.dedup.cluster_tier import ClustersTier
from indexing.dedup.exact_tier import ExactTier
from indexing.dedup.pair_tiers import SIMILAR_THRESHOLD, NearTier, SimilarTier
from indexing.dedup.tier import Tier
from indexing.errors import PictorError

REGISTRY: dict[str, Tier[Any]] = {
    tier.name: tier for tier in (ExactTier(), NearTier(), SimilarTier(), ClustersTier())
}
TIERS = tuple(REGISTRY)  # the names, in the order offered
# The thresholds' ranges, for sliders: tier name -> (low, high)
THRESHOLDS = {name: tier.bounds for name, tier in REGISTRY.items() if tier.bounds is not None}

__all__ = ["REGISTRY", "SIMILAR_THRESHOLD", "THRESHOLDS", "TIERS", "Tier", "tier_named"]


def tier_named(name: str) -> Tier[Any]:
    """The tier of this name, or a PictorError that lists the names."""
    tier = REGISTRY.get(name)
    if tier is None:
        raise PictorError(f"unknown tier {name!r}; use one of: {', '.join(TIERS)}")
    return tier

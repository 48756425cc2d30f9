"""Pairs into groups, under the name the catalog side uses (see unionfind.py for the rules).

Near-identical pairs are joined freely; similar pairs strongest first and only while the
merged group stays within SIMILAR_CAP images, so a chain of "similar to similar" never
swallows the library.
"""

from __future__ import annotations

from indexing.dedup.unionfind import group_pairs as groups_from_pairs

SIMILAR_CAP = 50

__all__ = ["SIMILAR_CAP", "groups_from_pairs"]

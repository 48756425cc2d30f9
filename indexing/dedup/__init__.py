"""Duplicate and similarity grouping: orientation-proof hashes, pair finders that are never
O(N^2), union-find, clusters, the catalog cache that keeps them up to date, and the tiers
(exact, near, similar, clusters) behind one interface (tier.py; by name: tiers.py)."""

"""Duplicate and similarity grouping: orientation-proof hashes, pair finders that are never
O(N^2), union-find, clusters, and the catalog cache that keeps them up to date."""

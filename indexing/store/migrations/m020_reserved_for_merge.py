"""Migration 20: a placeholder on the `people` branch only, so that its migration 24 runs
with no gap (the runner refuses one). Number 20 belongs to a branch merged beside this one;
the lead drops this file at the merge and keeps that branch's m020.
"""

SQL = ""

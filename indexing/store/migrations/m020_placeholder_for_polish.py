"""Migration 20: a placeholder on the `share` branch only. Number 20 belongs to the `polish`
branch (the text-read column of the full-text index); the runner refuses a gap, so this
empty step stands in for it until the branches are merged. Drop this file at the merge and
keep polish's m020.
"""

SQL = ""

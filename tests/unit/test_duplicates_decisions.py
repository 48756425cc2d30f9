"""`--all` writes each duplicate group as it comes, not the whole document at the end (the
decisions: tests/integration/test_duplicates_decisions.py)."""

from __future__ import annotations

import io
import json

from app.cli.streaming import stream_document


def test_the_all_document_is_written_as_its_groups_come() -> None:
    out = io.StringIO()
    written: list[str] = []

    def groups():
        for n in range(3):
            written.append(out.getvalue())  # what was on stdout before group n was read
            yield {"n": n}

    stream_document({"tier": "exact", "total_groups": 3}, "groups", groups(), out)
    assert json.loads(out.getvalue()) == {
        "tier": "exact",
        "total_groups": 3,
        "groups": [{"n": 0}, {"n": 1}, {"n": 2}],
    }
    assert '{"n": 0}' in written[1] and '{"n": 1}' in written[2]  # not held back to the end

"""What one run of the indexer decided and did: the plan of a root's walk, each worker's
outcome applied to the catalog (a new image, a copy linked, a move, a failure), and the
summary the CLI prints as JSON.

Split from pipeline.py, which walks, marks and sweeps and runs the workers: this is the
bookkeeping of their results, with the rule for copies whose twin is still being decoded.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from indexing.ingest.analyse import Analysed, Failed, Outcome, Recognised
from indexing.ingest.embedding import EmbedCounts, EmbedStage
from indexing.records import FileStat, IndexErrorRecord, IndexWarning
from indexing.store.catalog import Catalog
from indexing.store.pending_writes import PendingWrites


@dataclass(slots=True)
class IndexSummary:
    roots: list[str] = field(default_factory=list)
    files_seen: int = 0
    new: int = 0
    changed: int = 0
    moved: int = 0
    deleted: int = 0
    unchanged: int = 0
    errors: list[IndexErrorRecord] = field(default_factory=list)
    warnings: list[IndexWarning] = field(default_factory=list)  # indexed, with a caveat
    seconds: float = 0.0
    cancelled: bool = False
    embeddings: EmbedCounts | None = None
    subjects_tagged: int | None = None  # images given subject tags after this run (CLIP)
    faces: dict[str, Any] | None = None  # the faces stage and grouping (PICTOR_FACES)
    text: dict[str, Any] | None = None  # the OCR stage's counts (ingest/text_stage.py)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["errors"] = [e.as_dict() for e in self.errors]
        data["warnings"] = [w.as_dict() for w in self.warnings]
        data["embeddings"] = self.embeddings.as_dict() if self.embeddings else None
        return data


@dataclass(slots=True)
class WalkPlan:
    """What the walk of one root decided."""

    to_read: list[FileStat] = field(default_factory=list)
    changed_paths: set[str] = field(default_factory=set)
    gone: dict[str, str] = field(default_factory=dict)  # path -> content id
    stale_errors: list[str] = field(default_factory=list)
    sidecars: list[FileStat] = field(default_factory=list)  # new or changed since last read
    image_names: dict[str, set[str]] = field(default_factory=dict)  # folder -> image names
    complete: bool = True


class OutcomeWriter:
    """Applies each worker outcome to the catalog and counts it in the summary.

    Reads go to the catalog; writes are queued on `writes` and commit in short batches.
    """

    def __init__(
        self,
        catalog: Catalog,
        writes: PendingWrites,
        plan: WalkPlan,
        gone_by_content: dict[str, list[str]],
        summary: IndexSummary,
        embed: EmbedStage | None = None,
    ):
        self.catalog = catalog
        self.writes = writes
        self.embed = embed
        self.plan = plan
        self.gone_by_content = gone_by_content
        self.summary = summary
        self.catalogued: set[str] = set()
        # Copies whose content another worker is still decoding, by content id.
        self.waiting: dict[str, list[Recognised]] = {}
        self.failed_content: dict[str, str] = {}

    def write(self, outcome: Outcome) -> None:
        now = time.time()
        if isinstance(outcome, Failed):
            self._fail(outcome, now)
        elif isinstance(outcome, Analysed):
            self.writes.put_image(outcome.record, now)
            cid = outcome.record.content_id
            self.catalogued.add(cid)
            if outcome.found_rating is not None:
                self.writes.put_found_rating(cid, outcome.found_rating, now)
            if outcome.keywords is not None:
                keywords = outcome.keywords
                self.writes.put_found_keywords(cid, list(keywords.tags), keywords.caption, now)
            if outcome.warnings:
                self.writes.put_warnings(cid, list(outcome.warnings), now)
                self.summary.warnings += [IndexWarning(outcome.path, w) for w in outcome.warnings]
            if self.embed is not None and outcome.tensor is not None:
                self.embed.add(cid, outcome.tensor, self.writes)
            elif self.embed is not None and outcome.frames:
                self.embed.add_video(cid, outcome.frames, self.writes)
            elif self.embed is not None and outcome.embed_error:
                self.embed.fail(cid, outcome.embed_error, self.writes)
            self._link(outcome.path, cid, outcome.size, outcome.mtime_ns, now)
            for waiting in self.waiting.pop(cid, []):
                self._link(waiting.path, cid, waiting.size, waiting.mtime_ns, now)
        elif outcome.content_id in self.failed_content:
            self._fail(
                Failed(
                    outcome.path,
                    self.failed_content[outcome.content_id],
                    outcome.size,
                    outcome.mtime_ns,
                ),
                now,
            )
        elif outcome.content_id in self.catalogued or self.catalog.has_image(outcome.content_id):
            self.catalogued.add(outcome.content_id)
            self._link(outcome.path, outcome.content_id, outcome.size, outcome.mtime_ns, now)
        else:
            self.waiting.setdefault(outcome.content_id, []).append(outcome)

    def _link(self, path: str, cid: str, size: int, mtime_ns: int, now: float) -> None:
        if path in self.plan.changed_paths:
            self.summary.changed += 1
            self.writes.put_file(path, cid, size, mtime_ns, now)
            return
        old_paths = self.gone_by_content.get(cid)
        if old_paths:
            old = old_paths.pop()
            self.plan.gone.pop(old, None)
            self.writes.move_file(old, path, size, mtime_ns, now)
            self.summary.moved += 1
        else:
            self.writes.put_file(path, cid, size, mtime_ns, now)
            self.summary.new += 1

    def _fail(self, failed: Failed, now: float) -> None:
        self.writes.put_error(failed.path, failed.reason, failed.size, failed.mtime_ns, now)
        self.summary.errors.append(IndexErrorRecord(failed.path, failed.reason))
        if failed.content_id:
            self.failed_content[failed.content_id] = failed.reason
            for waiting in self.waiting.pop(failed.content_id, []):
                self._fail(Failed(waiting.path, failed.reason, waiting.size, waiting.mtime_ns), now)

    def flush_orphans(self) -> None:
        """Copies still waiting had a twin that never reported: the run was cancelled.

        Link them if their content did reach the catalog; otherwise leave them out of it
        (no row, no error), so that the next run reads them as new.
        """
        now = time.time()
        for cid, items in self.waiting.items():
            if cid in self.catalogued or self.catalog.has_image(cid):
                for item in items:
                    self._link(item.path, cid, item.size, item.mtime_ns, now)
        self.waiting.clear()

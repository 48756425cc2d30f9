"""`duplicates --all`: every exact group in one streamed document, against reading the same
groups page by page (what a script had to do before --all), in the same run.

Usage (from the repository root):

    .venv/bin/python bench/duplicates_all_bench.py              # 50,000 images
    .venv/bin/python bench/duplicates_all_bench.py --images 200000

The catalog is synthetic (tests/unit/test_listing.make_catalog: rows only, every ninth image
with a second copy, so about one exact group per ten images). Streamed: every_group, one
read of the group ids then members a chunk at a time, written with stream_document into
memory. Paged: find_groups for each page of 10 groups, each page a GROUP BY over the files.
Both produce the same groups; the figure is the ratio of their times.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.cli.streaming import stream_document
from indexing.library import Library
from indexing.query.duplicates import every_group, find_groups
from indexing.settings import Settings
from tests.unit.test_listing import make_catalog


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder) / "data", clip_pretrained="random")
        settings.catalog_path.parent.mkdir(parents=True, exist_ok=True)
        make_catalog(settings.catalog_path, count=args.images, seed=1)
        library = Library(settings)
        start = time.perf_counter()
        total, groups = every_group(library, "exact")
        out = io.StringIO()
        stream_document({"total_groups": total}, "groups", (g.as_dict() for g in groups), out)
        streamed = time.perf_counter() - start
        streamed_ids = [g["members"][0]["content_id"] for g in json.loads(out.getvalue())["groups"]]
        start = time.perf_counter()
        first = find_groups(library, "exact", None, 1)
        paged_ids = [g.members[0].content_id for g in first.groups]
        for page in range(2, first.pages + 1):
            paged_ids += [
                g.members[0].content_id for g in find_groups(library, "exact", None, page).groups
            ]
        paged = time.perf_counter() - start
    assert streamed_ids == paged_ids, "the two ways disagree"
    print(
        f"{args.images:,} images, {total:,} exact groups: --all streamed {streamed:.2f} s, "
        f"page by page {paged:.2f} s; page by page / streamed = {paged / streamed:.1f}"
    )


if __name__ == "__main__":
    main()

"""Event proposals benchmark: `album events` over a synthetic catalog of a million dated
photos with GPS (target: <= 30 s).

Usage (from the repository root):

    .venv/bin/python bench/events_bench.py              # 1,000,000 photos
    .venv/bin/python bench/events_bench.py --n 100000   # a smaller catalog
    .venv/bin/python bench/events_bench.py --json

A life in photos, generated: everyday photos at home (10 to 40 a day), a trip every two
months or so (3 to 14 days, 60 to 200 photos a day, to one of 300 places), a party now and
then (60 photos in three hours); one photo in five has no GPS. The catalog is bulk-loaded as
bench/filter_bench.py does, then the same process measures, as `album events` runs them:

1. the baseline: reading the dated rows (indexing.store.event_rows.dated_rows);
2. the whole proposal run (indexing.curate.events.Events.proposals): rows, home, splits,
   places and the overlap with 200 stored decisions; and how many events it found against
   how many trips and parties were generated.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from synthetic_catalog import bulk_load, content_ids  # noqa: E402

from indexing.curate.events import Events  # noqa: E402
from indexing.store import event_rows  # noqa: E402
from indexing.store.catalog import Catalog  # noqa: E402

TARGET_S = 30.0
HOME = (52.52, 13.40, "Berlin", "Germany")


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def life(count: int, rng: random.Random) -> tuple[list[tuple], dict[str, int]]:
    """(date_key, day, lat, lon, city, country) for `count` photos, oldest first; and how
    many trips and parties were generated (those that started before the last photo)."""
    places = [
        (rng.uniform(-50, 60), rng.uniform(-120, 150), f"City {k}", f"Country {k % 40}")
        for k in range(300)
    ]
    out: list[tuple] = []
    day = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
    events = {"trip": 0, "home": 0}
    while len(out) < count:
        if rng.random() < 1 / 60:
            place = rng.choice(places)
            events["trip"] += 1
            for _ in range(rng.randint(3, 14)):
                out += _day(day, rng.randint(60, 200), 8, 22, place, rng)
                day += 86400
            continue
        out += _day(day, rng.randint(10, 40), 7, 23, HOME, rng)
        if rng.random() < 1 / 30:
            out += _day(day, 60, 19, 22, HOME, rng)  # a party
            events["home"] += 1
        day += 86400
    out.sort()
    return out[:count], events


def _day(day: float, n: int, start: int, end: int, place: tuple, rng: random.Random):
    lat, lon, city, country = place
    rows = []
    for _ in range(n):
        at = day + rng.uniform(start, end) * 3600
        iso = datetime.fromtimestamp(at, UTC).date().isoformat()
        if rng.random() < 0.2:
            rows.append((at, iso, None, None, None, None))
        else:
            jitter = rng.uniform(-0.05, 0.05)
            rows.append((at, iso, lat + jitter, lon + jitter, city, country))
    return rows


def build(path: Path, count: int) -> dict[str, int]:
    rng = random.Random(5)
    rows, events = life(count, rng)
    ids = content_ids(count)
    rng.shuffle(ids)
    with bulk_load(path) as conn:
        conn.executemany(
            "INSERT INTO images(content_id, bytes, width, height, format, taken_at, date_key, "
            "day, gps_lat, gps_lon, place_city, place_country, phash, dhash, added_at, "
            "present_files) VALUES (?, 1, 4000, 3000, 'JPEG', ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 1)",
            (
                (cid, day + "T12:00:00", at, day, lat, lon, city, country)
                for cid, (at, day, lat, lon, city, country) in zip(ids, rows, strict=True)
            ),
        )
        conn.executemany(
            "INSERT INTO files(path, content_id, size, mtime_ns, first_seen, last_seen, status) "
            "VALUES (?, ?, 1, 1, 0, 0, 'present')",
            ((f"/photos/{n:07d}.jpg", cid) for n, cid in enumerate(ids)),
        )
    return events


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.sqlite3"
        note(f"building {args.n:,} dated photos …")
        generated = build(path, args.n)
        with Catalog(path) as catalog:
            events = Events(catalog)
            first = events.proposals()
            with catalog.transaction() as conn:  # 200 decisions to match against
                for proposal in first[:200]:
                    event_rows.put_decision(
                        conn, "dismissed", proposal.title, proposal.content_ids, None, 0.0
                    )
            started = time.perf_counter()
            event_rows.dated_rows(catalog)
            read_s = time.perf_counter() - started
            started = time.perf_counter()
            found = events.proposals(include_decided=True)
            total_s = time.perf_counter() - started
    result = {
        "photos": args.n,
        "events_generated": generated,
        "proposed": dict(Counter(p.kind for p in found)),
        "read_rows_s": round(read_s, 2),
        "proposals_s": round(total_s, 2),
        "ratio_to_reading": round(total_s / read_s, 2) if read_s else None,
        "target_s": TARGET_S,
        "met": total_s <= TARGET_S,
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>18}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

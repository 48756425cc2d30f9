"""Event proposals benchmark: `album events` over a synthetic catalog of a million dated
photos with GPS (target: <= 30 s).

Usage (from the repository root):

    .venv/bin/python bench/events_bench.py              # 1,000,000 photos
    .venv/bin/python bench/events_bench.py --n 100000   # a smaller catalog
    .venv/bin/python bench/events_bench.py --json

A life in photos, generated: everyday photos at home (10 to 40 a day), a trip every two
months or so (3 to 14 days, 60 to 200 photos a day, to one of 300 places), a party now and
then (60 photos in three hours), a visit now and then (30 photos of two friends over an
afternoon: no burst); one photo in five has no GPS. People: the two of the household in
three photos in ten at home, one of them and two of 40 friends on each trip, friends at
parties and visits, an unnamed face in one photo in ten. The catalog is bulk-loaded as
bench/filter_bench.py does, then the same process measures, as `album events` runs them:

1. the baseline: reading the dated rows (indexing.store.event_rows.dated_rows);
2. the whole proposal run (indexing.curate.events.Events.proposals): rows, the named people
   (one grouped query), home, splits, places, people, gatherings and the overlap with 200
   stored decisions; and how many events it found against how many trips, parties and
   visits were generated.
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
HOUSEHOLD = ("Mia", "Leo")
FRIENDS = tuple(f"Friend {k}" for k in range(40))


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def life(count: int, rng: random.Random) -> tuple[list[tuple], dict[str, int]]:
    """(date_key, day, lat, lon, city, country, people) for `count` photos, oldest first;
    and how many trips, parties and visits were generated."""
    places = [
        (rng.uniform(-50, 60), rng.uniform(-120, 150), f"City {k}", f"Country {k % 40}")
        for k in range(300)
    ]
    out: list[tuple] = []
    day = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
    events = {"trip": 0, "home": 0, "gathering": 0}
    while len(out) < count:
        if rng.random() < 1 / 60:
            place = rng.choice(places)
            events["trip"] += 1
            along = (HOUSEHOLD[0], *rng.sample(FRIENDS, 2))
            for _ in range(rng.randint(3, 14)):
                out += _day(day, rng.randint(60, 200), 8, 22, place, rng, along, 0.4)
                day += 86400
            continue
        if rng.random() < 1 / 40:  # a visit: two friends all afternoon, no denser than a day
            out += _day(day, 30, 14, 20, HOME, rng, tuple(rng.sample(FRIENDS, 2)), 1.0)
            events["gathering"] += 1
        else:
            out += _day(day, rng.randint(10, 40), 7, 23, HOME, rng, HOUSEHOLD, 0.3)
        if rng.random() < 1 / 30:
            out += _day(day, 60, 19, 22, HOME, rng, tuple(rng.sample(FRIENDS, 3)), 0.5)  # a party
            events["home"] += 1
        day += 86400
    out.sort()
    return out[:count], events


def _day(day: float, n: int, start: int, end: int, place: tuple, rng: random.Random,
         people: tuple[str, ...], share: float):  # fmt: skip
    """n photos of one day; each of `people` in `share` of them."""
    lat, lon, city, country = place
    rows = []
    for _ in range(n):
        at = day + rng.uniform(start, end) * 3600
        iso = datetime.fromtimestamp(at, UTC).date().isoformat()
        who = tuple(name for name in people if rng.random() < share)
        if rng.random() < 0.2:
            rows.append((at, iso, None, None, None, None, who))
        else:
            jitter = rng.uniform(-0.05, 0.05)
            rows.append((at, iso, lat + jitter, lon + jitter, city, country, who))
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
                for cid, (at, day, lat, lon, city, country, _) in zip(ids, rows, strict=True)
            ),
        )
        put_faces(conn, ids, [row[-1] for row in rows], rng)
        conn.executemany(
            "INSERT INTO files(path, content_id, size, mtime_ns, first_seen, last_seen, status) "
            "VALUES (?, ?, 1, 1, 0, 0, 'present')",
            ((f"/photos/{n:07d}.jpg", cid) for n, cid in enumerate(ids)),
        )
    return events


def put_faces(conn, ids: list[str], people: list[tuple[str, ...]], rng: random.Random) -> None:
    """The named people's faces, and an unnamed face (one of 500 groups) in one photo in ten."""
    person = {}
    for name in (*HOUSEHOLD, *FRIENDS):
        person[name] = conn.execute(
            "INSERT INTO people(name, created_at) VALUES (?, 0)", (name,)
        ).lastrowid
    unnamed = [
        conn.execute("INSERT INTO people(name, created_at) VALUES (NULL, 0)").lastrowid
        for _ in range(500)
    ]
    faces = [(cid, person[name]) for cid, who in zip(ids, people, strict=True) for name in who]
    faces += [(cid, rng.choice(unnamed)) for cid in ids if rng.random() < 0.1]
    conn.executemany(
        "INSERT INTO faces(content_id, left, top, width, height, source, person_id, assigned) "
        "VALUES (?, 0.1, 0.1, 0.2, 0.2, 'detected', ?, 'auto')",
        faces,
    )
    note(f"{len(faces):,} faces")


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
        "with_people": sum(1 for p in found if p.people),
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

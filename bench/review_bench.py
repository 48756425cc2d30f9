""" "Who is this?" at scale: the time of one answer in the People view (the answer saved,
then the next question read), with the queue built again on every click (as before) and
with the built queue kept (indexing.curate.face_review: an answer drops its item).

    .venv/bin/python bench/review_bench.py [--faces 100000] [--answers 5] [--facet 200000]

A synthetic catalog of --faces photos with one face each, descriptors spread like dlib's
(a person's faces ~0.3 from their centre, people ~0.95 apart): a tenth of the people named
(a quarter of their faces confirmed, the rest put in them by grouping, some of those far
enough to be unsure), the others unnamed groups. With --facet N, also the People facet
right after a rating on bench/albums_bench.py's catalog of N images (its named faces):
with the kept pairs only mapped onto the facet rows again, and read again from the faces
(as before: every rating moved the key). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import albums_bench  # noqa: E402
from synthetic_catalog import bulk_load, content_ids, insert_images  # noqa: E402

from indexing.curate import face_review  # noqa: E402
from indexing.curate.people import People  # noqa: E402
from indexing.curate.review_answers import answer  # noqa: E402
from indexing.query import people_facet  # noqa: E402
from indexing.query.facets import facets  # noqa: E402
from indexing.store.catalog import Catalog  # noqa: E402
from indexing.store.faces import descriptor_blob  # noqa: E402
from indexing.store.ratings import Ratings  # noqa: E402

PER_PERSON = 20


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build(path: Path, count: int) -> None:
    ids = content_ids(count)
    with bulk_load(path) as conn:
        insert_images(
            conn, ids,
            lambda n, cid: (cid, 1_000_000, 4000, 3000, "JPEG", 1.7e9 + n, 1.7e9 + n,
                            f"img{n:07d}.jpg", None, None),
            lambda n: f"/photos/f{n % 1000:03d}/img{n:07d}.jpg",
        )  # fmt: skip
    rng = np.random.default_rng(1)
    people = max(1, count // PER_PERSON)
    centres = rng.normal(0, 0.06, (people, 128)).astype(np.float32)
    named = max(1, people // 10)
    with Catalog(path) as catalog, catalog.transaction() as conn:
        for person in range(people):
            name = f"Person {person}" if person < named else None
            conn.execute("INSERT INTO people(name, created_at) VALUES (?, 0)", (name,))
        rows = []
        for n, cid in enumerate(ids):
            person = n % people
            noise = rng.standard_normal(128, dtype=np.float32) * 0.018
            if person < named and n // people % 10 == 9:
                noise *= 2.2  # far from the confirmed faces: unsure
            assigned = "user" if person < named and n // people % 4 == 0 else "auto"
            blob = descriptor_blob(centres[person] + noise)
            rows.append((cid, blob, person + 1, assigned))
        conn.executemany(
            "INSERT INTO faces(content_id, left, top, width, height, score, descriptor, model, "
            "source, person_id, assigned) VALUES (?, 0.4, 0.3, 0.2, 0.3, 0.99, ?, 'm', "
            "'detected', ?, ?)",
            rows,
        )
        conn.execute(
            "UPDATE people SET cover_face = (SELECT min(id) FROM faces "
            "WHERE faces.person_id = people.id)"
        )


def click(people: People, kept: bool) -> float:
    """One answer to the first question (the page's "Yes" or a name), then the next
    question read as the page reads it (the whole queue), in seconds."""
    first = people.review(limit=1).items[0]
    name = f"Answer {time.perf_counter_ns()}"
    action = "yes" if first.asks_about else "name"
    started = time.perf_counter()
    answer(people, first.key, action, name, first.asked)
    if not kept:
        face_review.forget()  # as before: every click built the whole queue
    people.review(limit=None)
    return time.perf_counter() - started


def facet_after_rating(count: int, repeats: int) -> dict:
    """The People facet's time right after a rating: kept pairs mapped again, and read
    again (people_facet.forget()), the medians of `repeats` ratings, in ms."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.sqlite3"
        note(f"building {count:,} images for the facet")
        ids = albums_bench.build(path, count)
        with Catalog(path) as catalog:
            albums_bench.add_people_and_text(catalog.conn, ids)
            facets(catalog, names=("people",))
            mapped, read = [], []
            for n in range(repeats):
                Ratings(catalog).set(ids[n], 4)
                started = time.perf_counter()
                facets(catalog, names=("people",))
                mapped.append(time.perf_counter() - started)
                Ratings(catalog).set(ids[n + repeats], 3)
                people_facet.forget()
                started = time.perf_counter()
                facets(catalog, names=("people",))
                read.append(time.perf_counter() - started)
    return {
        "facet_images": count,
        "facet_after_rating_kept_ms": round(float(np.median(mapped)) * 1000, 1),
        "facet_after_rating_read_ms": round(float(np.median(read)) * 1000, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faces", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=5)
    parser.add_argument("--facet", type=int, default=0, help="images (0: not measured)")
    args = parser.parse_args()
    facet = facet_after_rating(args.facet, 5) if args.facet else {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "catalog.sqlite3"
        note(f"building {args.faces:,} faces")
        build(path, args.faces)
        with Catalog(path) as catalog:
            people = People(catalog)
            face_review.forget()
            started = time.perf_counter()
            queue = people.review(limit=None)
            opened = time.perf_counter() - started
            note(f"queue: {queue.total:,} questions, built in {opened:.2f} s")
            before = [click(people, kept=False) for _ in range(args.answers)]
            people.review(limit=None)  # kept from here
            after = [click(people, kept=True) for _ in range(args.answers)]
            kinds = {k: sum(i.kind == k for i in queue.items) for k in ("group", "unsure")}
    print(json.dumps({
        "faces": args.faces, "questions": queue.total, **kinds,
        "open_s": round(opened, 2),
        "answer_rebuilt_s": round(float(np.median(before)), 3),
        "answer_kept_s": round(float(np.median(after)), 4), **facet,
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

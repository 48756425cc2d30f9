"""Text in images (OCR) benchmark (issue 32): accuracy, cost, and find at 1M images.

Usage (from the repository root):

    .venv/bin/python bench/ocr_bench.py                     # everything
    .venv/bin/python bench/ocr_bench.py --quick             # fewer images, find at 100,000
    .venv/bin/python bench/ocr_bench.py --parts no_text,index   # some of them

Measured, in one process, on images generated with Debian's fonts (tests/text_images.py):
1. Accuracy per kind (screenshots, documents: a page with a slight tilt, text on photos: a
   sign rotated a few degrees): word recall (the share of the words drawn that come back as
   words) and character error rate (edit distance between the text drawn and the text
   read, over the length drawn, lines in reading order, case folded), with lines/s and
   images/s, one image at a time on one core.
2. Photos without text (3000x2000 JPEGs, quality 90) through the stage's own per-image job
   (read the file, check its content id, draft decode, the probe) on `--threads` workers:
   photos/s, against reading and decoding alone in the same run (the baseline), and the
   CPU seconds each costs (every thread of the process: what it takes whatever else runs).
3. A 1170x20,000 long screenshot: seconds, lines, recall.
4. The first index of a photo library (photos without text, a few screenshots and
   documents) with OCR on and off, CLIP (ViT-B-32 architecture, random weights: the
   same compute as the real ones) included, as a ratio.
5. find('text:WORD') over a synthetic catalog of N images (bench/metadata_bench.py's, with
   text read in 15 % of them, queued and indexed by search_text.refresh): p50 and p95.

Targets (2-core CPU): recall >= 0.95 and CER <= 3 % on screenshots; >= 15 photos/s without
text; find text:word p50 <= 50 ms at 1M.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from indexing.ingest.decode import decode  # noqa: E402
from indexing.ingest.hashing import content_id  # noqa: E402
from indexing.ingest.scan import read_stable  # noqa: E402
from indexing.ingest.text_stage import _reader_job, read_image_text  # noqa: E402
from indexing.models.text_reader import PROBE_SIDE, TextReader, engine_id  # noqa: E402
from tests import text_images  # noqa: E402

MAX_PIXELS = 10**9
PARTS = ("accuracy", "no_text", "long", "index", "find")
KINDS = {
    "screenshot": (text_images.screenshot, "PNG"),
    "document": (text_images.document, "JPEG"),
    "photo": (text_images.text_on_photo, "JPEG"),
}


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def encoded(image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def score(drawn: tuple[str, ...], read: list[str]) -> tuple[float, float]:
    """(word recall, character error rate) of what was read against what was drawn."""
    want = text_images.words_of(drawn)
    got = set(text_images.words_of(read))
    recall = sum(word in got for word in want) / len(want)
    truth = "\n".join(drawn).lower()
    cer = edit_distance(truth, "\n".join(read).lower()) / len(truth)
    return recall, cer


def accuracy(reader: TextReader, count: int) -> dict:
    results = {}
    for kind, (make, fmt) in KINDS.items():
        recalls, cers, lines, seconds = [], [], 0, 0.0
        for seed in range(count):
            sample = make(seed)
            data = encoded(sample.image, fmt)
            started = time.perf_counter()
            reading = read_image_text(data, reader, max_pixels=MAX_PIXELS)
            seconds += time.perf_counter() - started
            read = [line.text for line in reading.lines]
            recall, cer = score(sample.lines, read)
            recalls.append(recall)
            cers.append(cer)
            lines += len(read)
        results[kind] = {
            "images": count,
            "recall": statistics.mean(recalls),
            "cer": statistics.mean(cers),
            "lines_per_s": lines / seconds,
            "images_per_s": count / seconds,
        }
        note(f"  {kind}: {results[kind]}")
    return results


def no_text_photos(reader: TextReader, folder: Path, count: int, threads: int) -> dict:
    paths = []
    for seed in range(count):
        path = folder / f"photo-{seed:03d}.jpg"
        text_images.plain_photo(seed).save(path, quality=90)
        paths.append(path)
    items = [(content_id(path.read_bytes()), str(path)) for path in paths]
    job = _reader_job(reader, MAX_PIXELS)

    def decode_only(item: tuple[str, str]) -> object:
        data = read_stable(item[1]).data
        assert content_id(data) == item[0]
        return decode(data, min_side=1, long_side=PROBE_SIDE, max_pixels=MAX_PIXELS)

    def rate(fn) -> tuple[float, float, list]:
        """(items per second, CPU seconds per item, results): the CPU time of the process
        (every thread) says what the work costs whatever else the machine is running."""
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(fn, items[:threads]))  # warm
            started, cpu = time.perf_counter(), time.process_time()
            out = list(pool.map(fn, items))
            cpu_each = (time.process_time() - cpu) / count
            return count / (time.perf_counter() - started), cpu_each, out

    baseline, baseline_cpu, _ = rate(decode_only)
    photos, photo_cpu, rows = rate(job)
    found = sum(1 for row in rows if row is not None and row.state == "text")
    return {
        "photos": count,
        "threads": threads,
        "photos_per_s": photos,
        "cpu_s_per_photo": photo_cpu,
        "decode_only_cpu_s": baseline_cpu,
        "photos_per_s_idle": threads / photo_cpu,  # what the CPU time allows on idle cores
        "decode_only_per_s": baseline,
        "ratio_to_decode": photos / baseline,
        "false_text": found,
    }


def long_screenshot(reader: TextReader) -> dict:
    sample = text_images.long_screenshot(0)
    data = encoded(sample.image, "PNG")
    started = time.perf_counter()
    reading = read_image_text(data, reader, max_pixels=MAX_PIXELS)
    seconds = time.perf_counter() - started
    recall, cer = score(sample.lines, [line.text for line in reading.lines])
    return {
        "size": list(sample.image.size),
        "seconds": seconds,
        "lines": len(reading.lines),
        "recall": recall,
        "cer": cer,
    }


def first_index(folder: Path, photos: int, threads: int) -> dict:
    """The first index of one library, OCR on and off, CLIP included (same data each)."""
    from indexing.library import Library
    from indexing.settings import Settings

    library = folder / "library"
    library.mkdir()
    for seed in range(photos):
        text_images.plain_photo(seed + 1000).save(library / f"IMG_{seed:04d}.jpg", quality=90)
    extras = max(2, photos // 10)
    for seed in range(extras):
        text_images.screenshot(seed).image.save(library / f"Screenshot {seed}.png")
        sample = text_images.document(seed)
        sample.image.save(library / f"scan-{seed}.jpg", quality=90)
    env = {
        "clip_model": "ViT-B-32",
        "clip_pretrained": "random",
        "threads": threads,
    }
    # The CPU backend's export of CLIP happens once per data folder: do it before timing.
    warm = folder / "warm"
    (warm / "lib").mkdir(parents=True)
    text_images.plain_photo(1).resize((300, 200)).save(warm / "lib" / "a.jpg")
    Library(Settings(data_dir=warm / "data", ocr=False, **env)).index([str(warm / "lib")])
    seconds, cpu = {}, {}
    for ocr in (False, True):
        data = folder / f"data-{'on' if ocr else 'off'}"
        # The exported CLIP and the subject vocabulary's vectors: made once per data folder
        # (the first index's fixed costs), so neither run pays them.
        for kept in ("models", "subjects"):
            if (warm / "data" / kept).is_dir():
                shutil.copytree(warm / "data" / kept, data / kept)
        started, cpu_started = time.perf_counter(), time.process_time()
        summary = Library(Settings(data_dir=data, ocr=ocr, **env)).index([str(library)])
        seconds["on" if ocr else "off"] = time.perf_counter() - started
        cpu["on" if ocr else "off"] = time.process_time() - cpu_started
        note(f"  index ocr={ocr}: {seconds['on' if ocr else 'off']:.1f} s, text={summary.text}")
    return {
        "images": photos + 2 * extras,
        "photos_without_text": photos,
        "with_text": 2 * extras,
        "seconds_off": seconds["off"],
        "seconds_on": seconds["on"],
        "ratio": seconds["on"] / seconds["off"],
        "cpu_s_off": cpu["off"],
        "cpu_s_on": cpu["on"],
        "cpu_ratio": cpu["on"] / cpu["off"],  # what it costs, whatever else the machine runs
    }


def find_at_scale(size: int, cache: Path) -> dict:
    """find('text:WORD') p50/p95 over metadata_bench's synthetic catalog with text read."""
    import metadata_bench

    from indexing.query.metadata_search import find
    from indexing.store import search_text, text_reads
    from indexing.store.catalog import Catalog

    source = cache / f"catalog-{size}-v{metadata_bench.BENCH_VERSION}.sqlite3"
    if not source.exists():
        note(f"building the {size:,}-image catalog (bench/metadata_bench.py)…")
        cache.mkdir(parents=True, exist_ok=True)
        metadata_bench.build(source, size)
    work = Path(tempfile.mkdtemp(prefix="pictor-ocr-find-"))
    try:
        target = work / "catalog.sqlite3"
        note(f"copying {source.name}…")
        shutil.copyfile(source, target)
        with Catalog(target) as catalog:
            ids = [row[0] for row in catalog.conn.execute("SELECT content_id FROM images")]
            rng = random.Random(7)
            chosen = rng.sample(ids, len(ids) * 15 // 100)
            note(f"writing text for {len(chosen):,} images…")
            started = time.perf_counter()
            engine = engine_id()
            for start in range(0, len(chosen), 20_000):
                rows = []
                for cid in chosen[start : start + 20_000]:
                    lines = [
                        (
                            text_images.phrase(rng, rng.randrange(2, 5)),
                            [[0, 0], [9, 0], [9, 9], [0, 9]],
                            0.9,
                        )
                        for _ in range(rng.randrange(1, 8))
                    ]
                    rows.append(text_reads.ReadRow(cid, "text", lines))
                text_reads.write(catalog, rows, engine)
            write_s = time.perf_counter() - started
            started = time.perf_counter()
            refreshed = search_text.refresh(catalog.conn)
            refresh_s = time.perf_counter() - started
            note(f"  {refreshed:,} rows into the FTS index in {refresh_s:.1f} s")
            words = list(text_images.WORDS)
            codes = [
                row[0].split()[-1]
                for row in catalog.conn.execute(
                    "SELECT text FROM text_lines ORDER BY content_id LIMIT 10"
                )
            ]
            queries = [f"text:{w}" for w in words[:20]] + [f"text:{c}" for c in codes]
            queries += [f'text:"{w} {v}"' for w, v in zip(words[:5], words[5:10], strict=True)]
            times = []
            for query in queries:
                find(catalog, query)  # warm
                runs = []
                for _ in range(3):
                    started = time.perf_counter()
                    result = find(catalog, query)
                    runs.append((time.perf_counter() - started) * 1000)
                times.append(statistics.median(runs))
                assert result.matching > 0 or '"' in query, query
            times.sort()
        return {
            "images": len(ids),
            "with_text": len(chosen),
            "write_s": write_s,
            "fts_refresh_s": refresh_s,
            "queries": len(queries),
            "p50_ms": statistics.median(times),
            "p95_ms": times[int(0.95 * (len(times) - 1))],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"what to measure, comma-separated (default: all of {','.join(PARTS)})",
    )
    parser.add_argument("--size", type=int, help="images in the find catalog (1,000,000)")
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "pictor-metadata-bench"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not text_images.fonts():
        print("no fonts: apt-get install fonts-dejavu-core fonts-liberation", file=sys.stderr)
        return 2
    parts = {part.strip() for part in args.parts.split(",") if part.strip()}
    unknown = parts - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    per_kind = 3 if args.quick else 8
    results: dict = {"engine": engine_id(), "cpus": os.cpu_count(), "threads": args.threads}
    results["load_average"] = os.getloadavg()[0]
    reader = TextReader(1).load()
    if "accuracy" in parts:
        note("accuracy per kind…")
        results["accuracy"] = accuracy(reader, per_kind)
    with tempfile.TemporaryDirectory(prefix="pictor-ocr-bench-") as tmp:
        folder = Path(tmp)
        if "no_text" in parts:
            note("photos without text…")
            (folder / "photos").mkdir()
            results["no_text"] = no_text_photos(
                reader, folder / "photos", 24 if args.quick else 60, args.threads
            )
            note(f"  {results['no_text']}")
        if "long" in parts:
            note("long screenshot…")
            results["long"] = long_screenshot(reader)
            note(f"  {results['long']}")
        if "index" in parts:
            note("first index, OCR on and off…")
            (folder / "index").mkdir()
            results["index"] = first_index(folder / "index", 20 if args.quick else 40, args.threads)
    if "find" in parts:
        size = args.size or (100_000 if args.quick else 1_000_000)
        note(f"find text:word at {size:,}…")
        results["find"] = find_at_scale(size, args.cache)
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print(report(results, " ".join(["bench/ocr_bench.py", *sys.argv[1:]])))
    return 0


def report(r: dict, command: str) -> str:
    lines = [
        f"OCR bench: {r['engine']}, {r['cpus']} CPUs, load average {r['load_average']:.1f} "
        f"at the start ({command})",
        "",
    ]
    lines.append("| kind | images | word recall | CER | lines/s | images/s |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for kind, a in r.get("accuracy", {}).items():
        lines.append(
            f"| {kind} | {a['images']} | {a['recall']:.3f} | {a['cer'] * 100:.1f} % | "
            f"{a['lines_per_s']:.1f} | {a['images_per_s']:.2f} |"
        )
    lines.append("")
    if "no_text" in r:
        n = r["no_text"]
        lines.append(
            f"Photos without text (3000x2000 JPEG, {n['threads']} threads): "
            f"{n['photos_per_s']:.1f} photos/s ({n['cpu_s_per_photo'] * 1000:.0f} ms of CPU each: "
            f"{n['photos_per_s_idle']:.1f}/s on idle cores); read+decode alone "
            f"{n['decode_only_per_s']:.1f}/s "
            f"(ratio {n['ratio_to_decode']:.2f}); text wrongly found in {n['false_text']} of "
            f"{n['photos']}"
        )
    if "long" in r:
        g = r["long"]
        lines.append(
            f"Long screenshot {g['size'][0]}x{g['size'][1]}: {g['seconds']:.1f} s, {g['lines']} "
            f"lines, recall {g['recall']:.3f}, CER {g['cer'] * 100:.1f} %"
        )
    if "index" in r:
        i = r["index"]
        lines.append(
            f"First index, {i['images']} images ({i['with_text']} with text): OCR off "
            f"{i['seconds_off']:.1f} s, on {i['seconds_on']:.1f} s, ratio {i['ratio']:.2f}; "
            f"CPU {i['cpu_s_off']:.1f} s and {i['cpu_s_on']:.1f} s, ratio {i['cpu_ratio']:.2f}"
        )
    if "find" in r:
        lines.append(find_line(r["find"]))
    return "\n".join(lines)


def find_line(f: dict) -> str:
    return (
        f"find text:WORD at {f['images']:,} images ({f['with_text']:,} with text, "
        f"{f['queries']} queries): p50 {f['p50_ms']:.1f} ms, p95 {f['p95_ms']:.1f} ms "
        f"(FTS refresh of the text {f['fts_refresh_s']:.0f} s)"
    )


if __name__ == "__main__":
    sys.exit(main())

"""Rating latency: from a key press to the next image on screen, at 1,000 and 100,000 images.

Usage (from the repository root; needs Debian's chromium, which `make test` installs):

    .venv/bin/python bench/rate_bench.py                    # 1,000 and 100,000 images
    .venv/bin/python bench/rate_bench.py --sizes 1000 --presses 30

For each size it bulk-loads a synthetic catalog whose files are hard links to a few real
3000x2000 photo-like JPEGs (so every preview is a real decode of a 6-megapixel file), starts
the app, opens the Rate tab in headless Chromium, and presses a score key PRESSES times,
each time timing, in the page, from the key event's timestamp until the next image's src
is on the page (bench/browser_timing.py). Presses come back to back, and
again with THINK seconds between them (the time a person looks at an image before scoring
it, during which the next previews are prepared). In the same run it times the core alone
(Rater.rate: commit, next-image query, preview) for the same catalog, so the browser figure
can be read against it. Target: key to next image <= 150 ms p50 at both sizes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from browser_timing import input_to_settled  # noqa: E402
from synthetic_catalog import bulk_load, content_ids, insert_images  # noqa: E402

from indexing.curate.rate_session import Rater  # noqa: E402
from indexing.library import Library  # noqa: E402
from indexing.query.rate_queue import QueueSpec  # noqa: E402
from indexing.settings import Settings  # noqa: E402
from tests.browser import free_port, open_page, serve  # noqa: E402
from tests.library_builder import smooth_image  # noqa: E402

DISTINCT_FILES = 40
TARGET_MS = 150.0


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def make_photos(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    photos = []
    for n in range(DISTINCT_FILES):
        photo = folder / f"source{n:02d}.jpg"
        if not photo.exists():
            smooth_image((3000, 2000), seed=n).save(photo, quality=90)
        photos.append(photo)
    return photos


def catalog_of(work: Path, count: int, photos: list[Path]) -> Path:
    """The data folder of a catalog of count images under work, built on first use."""
    data = work / f"data-{count}"
    if not (data / "catalog.sqlite3").exists():
        note(f"building a catalog of {count:,} images …")
        build(data, count, photos)
    return data


def build(data: Path, count: int, photos: list[Path]) -> None:
    """count catalogued images, each file a hard link to one of the real photos."""
    links = data.parent / f"links-{count}"
    links.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        link = links / f"f{n // 1000:03d}" / f"img{n:07d}.jpg"
        if not link.exists():
            link.parent.mkdir(exist_ok=True)
            os.link(photos[n % len(photos)], link)
        paths.append(str(link))
    with bulk_load(data / "catalog.sqlite3") as conn:
        insert_images(conn, content_ids(count), _row, lambda n: paths[n])


def _row(n: int, content_id: str) -> tuple:
    """A 3000x2000 JPEG, unrated, taken and added in index order."""
    return (content_id, 2_000_000, 3000, 2000, "JPEG", 1.6e9 + n, 1.7e9 + n, f"img{n:07d}.jpg",
            None, None)  # fmt: skip


def core_ms(settings: Settings, presses: int, think: float) -> list[float]:
    rater = Rater(Library(settings))
    session, _ = rater.start(QueueSpec("unrated", seed=11))
    times = []
    for _ in range(presses):
        time.sleep(think)  # looking at the image (benchmarks may pause; tests never do)
        started = time.perf_counter()
        rater.rate(session, 7)
        times.append((time.perf_counter() - started) * 1000)
    return times


def browser_ms(settings: Settings, presses: int, think: float) -> list[float]:
    from playwright.sync_api import expect

    times = []
    with serve(settings) as url, open_page(url) as page:
        page.get_by_role("tab", name="Rate").click()
        page.locator("#rate-start").click()
        expect(page.locator("#rate-image img")).to_have_count(1)
        for n in range(presses):
            page.wait_for_timeout(think * 1000)
            before = page.locator("#rate-image img").get_attribute("src")
            times.append(
                input_to_settled(
                    page,
                    lambda n=n: page.keyboard.press(str(n % 10)),
                    "b => { const i = document.querySelector('#rate-image img');"
                    " return i && i.getAttribute('src') !== b && i.complete; }",
                    before,
                )
            )
    return times


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(times):6.1f} ms, p95 {p95:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--think", type=float, default=0.4, help="seconds between presses")
    parser.add_argument("--work", help="keep the catalogs and files here (default: a temp dir)")
    args = parser.parse_args()
    os.environ.setdefault("PICTOR_CLIP_PRETRAINED", "random")
    work = Path(args.work or tempfile.mkdtemp(prefix="pictor-rate-bench-"))
    photos = make_photos(work / "photos")
    print(
        "| catalogued images | pause | core (Rater.rate) | browser: key to next image "
        f"| target {TARGET_MS:.0f} ms p50 |"
    )
    print("|---|---|---|---|---|")
    for count in args.sizes:
        data = catalog_of(work, count, photos)
        for think in (0.0, args.think):
            settings = Settings(data_dir=data, port=free_port(), threads=2)
            core = core_ms(settings, args.presses, think)
            browser = browser_ms(settings, args.presses, think)
            verdict = "met" if statistics.median(browser) <= TARGET_MS else "MISSED"
            print(
                f"| {count:,} | {think:.1f} s | {summary(core)} | {summary(browser)} | {verdict} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

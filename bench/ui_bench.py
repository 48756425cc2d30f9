"""The app in a browser: page load to the first gallery page, tab switches, opening the
viewer, and a key to the next image in the Rate tab, at 1,000 and 100,000 images.

Usage (from the repository root; needs Debian's chromium, which `make test` installs):

    .venv/bin/python bench/ui_bench.py                       # 1,000 and 100,000 images
    .venv/bin/python bench/ui_bench.py --sizes 1000 --repeats 5

The catalogs are bench/rate_bench.py's: bulk-loaded rows whose files are hard links to a few
real 3000x2000 photo-like JPEGs, so every preview is a real decode of a 6-megapixel file;
each image gets a real 320 px thumbnail (hard links too). In one headless Chromium per
size it times, from the action to what a person waits for:
- first page: a new page's load until the Library gallery's thumbnails on screen are decoded;
- tab switch: a tab's click until its content shows (Filters: until its gallery is listed);
- viewer open: a thumbnail's click until the viewer (laid over the page) has the large
  preview decoded and its details shown;
- key to next image: rate_bench.browser_ms (a score key until the next image is decoded);
- startup: `python launch.py` started until a browser shows its first gallery page (the
  process's imports, the catalog, the server; the CLIP model loads on first use, not here).
  A bare HTTP request polls until the server answers; then the browser opens the page.
All but startup are timed in the page (bench/browser_timing.py): from the input event's
timestamp (or the navigation's start) to the first animation frame that has what is
waited for, without the driver's own overhead.
Targets: first page <= 1.5 s, viewer open <= 300 ms, key to next image <= 150 ms p50,
startup <= 10 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, REPO / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from browser_timing import input_to_settled, settled_at  # noqa: E402
from rate_bench import browser_ms, catalog_of, make_photos  # noqa: E402
from synthetic_catalog import content_ids  # noqa: E402

from indexing.settings import Settings  # noqa: E402
from indexing.store.thumbnails import ThumbnailStore  # noqa: E402
from tests.browser import free_port, open_page, serve  # noqa: E402

TARGETS_MS = {
    "first page": 1500.0,
    "viewer open": 300.0,
    "key to next image": 150.0,
    "startup": 10_000.0,
}
TABS = {  # a tab, and the selector of what shows once it has rendered its content
    "Search": "#search-text",
    "Filters": "#filters-count strong",  # the count line, once the listing is back
    "Rate": "#rate-start",
    "Train": "#train-run",
    "Library": "#library-gallery",
}
# Every thumbnail on screen is decoded (the gallery loads the ones below the fold lazily).
DECODED = (
    "s => { const i = [...document.querySelectorAll(s)].filter("
    "x => x.getBoundingClientRect().top < innerHeight);"
    " return i.length > 0 && i.every(x => x.complete && x.naturalWidth > 0); }"
)


def thumbnails(data: Path, count: int, photos: list[Path]) -> None:
    """A real thumbnail for each image: one per distinct photo, hard-linked to the rest."""
    from PIL import Image

    store = ThumbnailStore(data / "thumbs", 320)
    made: dict[int, Path] = {}
    for n, cid in enumerate(content_ids(count)):
        target = store.path_for(cid)
        if target.exists():
            continue
        source = n % len(photos)
        if source not in made:
            with Image.open(photos[source]) as image:
                store.save(cid, image.convert("RGB"))
            made[source] = target
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(made[source], target)


SHOWN = "s => { const e = document.querySelector(s); return !!e && e.offsetParent !== null; }"


def browser_figures(settings: Settings, repeats: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"first page": [], "tab switch": [], "viewer open": []}
    with serve(settings) as url, open_page(url) as page:
        for _ in range(repeats):  # from the navigation's start, the new document's time 0
            page.goto(url)
            out["first page"].append(settled_at(page, DECODED, "#library-gallery img"))
        for _ in range(repeats):
            for tab, shown in TABS.items():
                button = page.get_by_role("tab", name=tab, exact=True)
                out["tab switch"].append(input_to_settled(page, button.click, SHOWN, shown))
        thumbs = page.locator("#library-gallery img")
        # Open: the viewer shown, with the clicked image's details, and its large preview
        # (named by its content id) decoded. The viewer keeps the last image's details while
        # closed, so the content id must be the new one.
        opened = (
            "ids => { const v = document.getElementById('viewer');"
            " const m = document.querySelector('#viewer-meta');"
            " const i = document.querySelector('#viewer-image img');"
            " if (!v || !v.getClientRects().length || !m || !i) return false;"
            " const id = (m.innerText.match(/Content id: ([0-9a-f]{32})/) || [])[1];"
            " return !!id && id === ids.want && i.src.includes(id)"
            " && i.complete && i.naturalWidth > 0; }"
        )
        for n in range(repeats * 2):
            want = Path(thumbs.nth(n).get_attribute("src").split("?")[0]).stem  # its cid
            out["viewer open"].append(
                input_to_settled(page, thumbs.nth(n).click, opened, {"want": want})
            )
            page.keyboard.press("Escape")  # the viewer lies over the gallery; not timed
            page.locator("#viewer").wait_for(state="hidden")
    return out


def startup_ms(data: Path, repeats: int) -> list[float]:
    """`launch.py` started until the first gallery page is on screen, repeats times (the
    browser is up before the clock starts)."""
    times = []
    with open_page("about:blank") as page:
        for _ in range(repeats):
            port = free_port()
            command = [sys.executable, str(REPO / "launch.py"), "--data-dir", str(data),
                       "--port", str(port)]  # fmt: skip
            started = time.perf_counter()
            server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_until_served(port, server)
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_function(DECODED, arg="#library-gallery img", timeout=60_000)
                times.append((time.perf_counter() - started) * 1000)
            finally:
                server.terminate()
                server.wait(30)
            page.goto("about:blank")
    return times


def wait_until_served(port: int, server: subprocess.Popen) -> None:
    """Poll with a bare HTTP request until the server answers (a benchmark may wait so).

    Not with the browser: 20 page loads a second of Chromium's error page took the CPU
    from the starting server on two cores, and startup measured 12-14 s instead of 8-10.
    """
    import urllib.request

    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).close()
            return
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("launch.py exited before serving") from None
            time.sleep(0.05)


def p50_p95(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(times), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--work", help="keep the catalogs and files here (default: a temp dir)")
    args = parser.parse_args()
    os.environ.setdefault("PICTOR_CLIP_PRETRAINED", "random")
    work = Path(args.work or tempfile.mkdtemp(prefix="pictor-ui-bench-"))
    photos = make_photos(work / "photos")
    print("| catalogued images | measure | p50 | p95 | target |")
    print("|---|---|---:|---:|---|")
    for count in args.sizes:
        data = catalog_of(work, count, photos)
        thumbnails(data, count, photos)
        settings = Settings(data_dir=data, port=free_port(), threads=2)
        figures = browser_figures(settings, args.repeats)
        figures["key to next image"] = browser_ms(
            Settings(data_dir=data, port=free_port(), threads=2), args.presses, 0.4
        )
        figures["startup"] = startup_ms(data, min(args.repeats, 3))
        for measure, times in figures.items():
            p50, p95 = p50_p95(times)
            target = TARGETS_MS.get(measure)
            verdict = (
                ""
                if target is None
                else f"≤ {target:.0f} ms: " + ("met" if p50 <= target else "MISSED")
            )
            print(
                f"| {count:,} | {measure} | {p50:.0f} ms | {p95:.0f} ms | {verdict} |", flush=True
            )


if __name__ == "__main__":
    main()

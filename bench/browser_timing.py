"""Latency as the page itself sees it, for the browser benchmarks (ui_bench, rate_bench).

Times are taken in the page: from the input event's own timestamp (when the browser got
the click or key) to the animation frame in which what the person waits for is there.
The driver's own work (Playwright finding the element, its round trips) is left out:
on two loaded cores it added 30-100 ms that no user waits for.
"""

from __future__ import annotations

ARM = """() => {
  window.__pictorInput = null;
  if (!window.__pictorArmed) {
    window.__pictorArmed = true;
    for (const type of ["click", "keydown"]) {
      document.addEventListener(type, (e) => {
        if (window.__pictorInput === null) window.__pictorInput = e.timeStamp;
      }, true);
    }
  }
}"""


def settled_at(page, predicate: str, arg) -> float:
    """performance.now() in the first animation frame where predicate(arg) holds."""
    page.wait_for_function(
        f"a => {{ const ok = ({predicate})(a);"
        " if (ok) window.__pictorDone = performance.now(); return ok; }",
        arg=arg,
    )
    return page.evaluate("window.__pictorDone")


def input_to_settled(page, action, predicate: str, arg) -> float:
    """ms from the input that action makes (a click or a key) to predicate(arg) holding."""
    page.evaluate(ARM)
    action()
    done = settled_at(page, predicate, arg)
    return done - page.evaluate("window.__pictorInput")

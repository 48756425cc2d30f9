"""Which components each event shows its progress on: those that can show it.

gradio's front end keeps a loading status for every component that has been a progress
target of an event that ran (by default, every output of the event), and for every input of
such an event too (gradio 6.31 sends each completion with the stream state `closed`, which
its status bookkeeping reads as a stream's inputs); on each status message of any event
(queued, started, finished: two to four per event) it updates every one of them, finding
each by a walk of the whole component tree (about a thousand components here). So the cost
of a click grows with every output and input of every event run before it in the page.
Many outputs cannot show a spinner at all: a `gr.State`, a layout block (a Column, Row,
Group or Accordion without `show_progress`), a button, an API endpoint's placeholder.

`narrow()` drops those from every event's progress targets, and an event that shows its
progress and updates a result (a gallery, an image, a table, a plot) shows it there, not
over every count, picker and message it also updates. An event left with no target gets one:
a component at the top of the page, found at once. An event whose progress is hidden keeps
the targets that can show a status, as before: giving each one target saved nothing
measurable (the inputs above fill the map), and a run with that rule once counted two of
three quick clicks on a gallery; a click was lost once without it too
(docs/testing.md), so the cause is not that rule, and not found.
"""

from __future__ import annotations

from typing import TypeGuard

import gradio as gr
from gradio.components import Component
from gradio.components.api_component import Api

# Components that draw no loading status: values only, buttons, API placeholders. (Layout
# blocks are no components: they draw one only with show_progress=True, which none has.)
SHOWS_NOTHING: tuple[type, ...] = (gr.State, gr.Button, Api)


# Where results appear: when an event has some among its outputs, its spinner goes there,
# not over every count, picker and message it also updates.
RESULTS: tuple[type, ...] = (
    gr.Gallery,
    gr.Image,
    gr.Video,
    gr.Dataframe,
    gr.LinePlot,
    gr.ScatterPlot,
    gr.BarPlot,
    gr.HTML,
    gr.File,
)


def shows_progress(block: object) -> TypeGuard[Component]:
    """True when the block draws a loading status (a spinner or a pending overlay)."""
    return isinstance(block, Component) and not isinstance(block, SHOWS_NOTHING)


def narrow(demo: gr.Blocks, anchor: Component) -> int:
    """Set the progress targets of every event of demo that did not choose its own (see the
    module's docstring); anchor: a component near the top of the page. Returns how many
    outputs were dropped from the targets."""
    dropped = 0
    for fn in demo.fns.values():
        if fn.show_progress_on is not None:
            continue
        outputs = list(fn.outputs)
        shown = [block for block in outputs if shows_progress(block)]
        if fn.show_progress != "hidden":
            shown = [block for block in shown if isinstance(block, RESULTS)] or shown
        fn.show_progress_on = shown or [anchor]
        dropped += len(outputs) - len(shown)
    return dropped

"""app/progress_targets.py: each event shows its progress on the outputs that can show it,
on its results where it has some and shows its progress; an event with none, on one
component."""

from __future__ import annotations

import gradio as gr

from app.progress_targets import narrow


def ids(blocks) -> list[int]:
    return [block._id for block in blocks]


def test_progress_goes_to_the_results_and_never_to_what_cannot_show_it() -> None:
    with gr.Blocks() as demo:
        title = gr.Markdown("# Title")
        state = gr.State()
        gallery = gr.Gallery()
        count = gr.Markdown()
        picker = gr.Dropdown(choices=["a", "b"])
        button = gr.Button("Go")
        with gr.Column() as column:
            note = gr.Markdown()
        button.click(lambda: None, None, [state, gallery, count, picker, button, column])
        button.click(lambda: None, None, [count, picker, state])
        button.click(lambda: None, None, [gallery, count], show_progress="hidden")
        button.click(lambda: None, None, [state, button, column])
        button.click(lambda: None, None, [gallery, note], show_progress_on=note)
    before = {dep: len(fn.outputs) for dep, fn in zip("rfqbc", demo.fns.values(), strict=True)}

    dropped = narrow(demo, title)

    events = ("results", "form", "quiet", "blind", "chosen")  # in the order they were made
    dependencies = demo.get_config_file()["dependencies"]
    targets = {
        name: dep["show_progress_on"] for name, dep in zip(events, dependencies, strict=True)
    }
    assert targets == {
        "results": ids([gallery]),  # not the count, the picker, the state, the button, the column
        "form": ids([count, picker]),  # no results: the outputs that can show a spinner
        "quiet": ids([gallery, count]),  # hidden: what can show it, as before
        "blind": ids([title]),  # nothing that can show it: one target, found at once
        "chosen": ids([note]),  # the event's own choice is kept
    }
    assert before == {"r": 6, "f": 3, "q": 2, "b": 3, "c": 2}
    assert dropped == (6 - 1) + (3 - 2) + 0 + 3

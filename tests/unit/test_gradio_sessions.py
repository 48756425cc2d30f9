"""New page sessions skip building every component's config, yet a deep link (the one
reader of those configs) still gets every component, with the values the session set."""

from __future__ import annotations

import gradio as gr
from gradio.state_holder import SessionState

from app import gradio_sessions


def _demo() -> gr.Blocks:
    with gr.Blocks() as demo:
        with gr.Row():
            name = gr.Textbox("first", label="Name")
            count = gr.Number(3, label="Count")
        gr.Markdown("Some *text*")
        gr.Gallery(label="Pictures")
        gr.State([])
        name.submit(lambda s: s, name, count)
    demo.name, demo.count = name, count
    return demo


def _sessions(demo: gr.Blocks) -> tuple[SessionState, SessionState]:
    assert gradio_sessions.install()
    lazy = SessionState(demo)
    eager = SessionState.__new__(SessionState)
    gradio_sessions.GRADIO_INIT(eager, demo)
    return lazy, eager


def test_a_new_session_builds_no_configs_until_a_deep_link_asks() -> None:
    demo = _demo()
    lazy, eager = _sessions(demo)
    assert lazy.config_values == {}  # what made each page load ~100 ms slower
    assert len(eager.config_values) >= 6
    assert list(lazy.components) == list(eager.components)


def test_a_deep_link_sees_the_values_a_session_changed_in_gradio_order() -> None:
    demo = _demo()
    lazy, eager = _sessions(demo)
    for state in (lazy, eager):
        state[demo.count._id] = gr.Number(42, label="Count")  # an event's update
        state._update_value_in_config(demo.name._id, "second")  # an input's value
    got, want = list(lazy.components), list(eager.components)
    assert got == want
    values = {c["id"]: c.get("props", {}).get("value") for c in got}
    assert values[demo.name._id] == "second"
    assert [c["id"] for c in got] == [c["id"] for c in want]

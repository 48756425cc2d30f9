"""Hidden key buttons: app/assets/keys.js puts the key pressed in `window.pictorKey` and
clicks one hidden button for a whole set of keys (the Rate tab's scores, its picks, a
viewer's moves). The button is its own event's first input: the click's `js` gives it the
key as its value.

One button and one event per set, not one per key: gradio's front end does work for every
(component, event) pair on each page load.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

READ_KEY = "(...values) => [window.pictorKey ?? '', ...values.slice(1)]"


@dataclass
class KeyButton:
    button: gr.Button

    def on_press(self, fn, inputs: list, outputs: list, **kwargs) -> gr.events.Dependency:
        """fn(key, *inputs' values) on each press, every press (none is dropped while one
        is answered)."""
        return self.button.click(
            fn, [self.button, *inputs], outputs, js=READ_KEY, trigger_mode="multiple", **kwargs
        )


def render(elem_id: str) -> KeyButton:
    return KeyButton(gr.Button("key", elem_id=elem_id, elem_classes=["pictor-hidden"]))

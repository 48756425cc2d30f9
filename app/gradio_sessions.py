"""A new browser session without gradio building every component's config up front.

On its first request from a new page, gradio makes a SessionState, which builds the
config of every block in the app (`config_for_block`, an `inspect.signature` per
component). Gradio keeps those only for deep links (`/gradio_api/deep_link`, the
session's current values); Pictor has none. With Pictor's 500-odd components that was
about 100 ms of the 190 ms the first Library page took on the server, on every page load.

`install()` makes that map lazy: it starts with the configs gradio writes as events
change values (which it already builds when needed), and `components` (what a deep link
reads) fills in the rest, in gradio's order, on first use, so a deep link still gets every
component. Nothing else reads the map. If a gradio release changes SessionState so that
this no longer fits, `install()` leaves gradio as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_INSTALLED = False
GRADIO_INIT = None  # gradio's own SessionState.__init__, once install() has replaced it


class _DefaultsOnly:
    """What SessionState.__init__ reads of the Blocks: its default config, and (to choose
    which configs to build) its blocks, here none."""

    def __init__(self, blocks: Any) -> None:
        self.default_config = blocks.default_config
        self.blocks: dict = {}


def install() -> bool:
    """Make new sessions cheap; True when the patch is in place (once per process)."""
    global _INSTALLED, GRADIO_INIT
    if _INSTALLED:
        return True
    try:
        from gradio.state_holder import SessionState
    except ImportError:
        return False
    # Patched in place (gradio's private class): typed as Any, since its methods are replaced.
    session_class: Any = SessionState
    components = getattr(session_class, "components", None)
    if not isinstance(components, property) or components.fget is None:
        return False
    build_all = session_class.__init__
    all_components = components.fget

    def __init__(self, blocks: Any) -> None:
        build_all(self, _DefaultsOnly(blocks))
        if not isinstance(getattr(self, "config_values", None), dict) or self.config_values:
            build_all(self, blocks)  # not the shape this was written for: gradio's own way
            return
        self._pictor_unbuilt = [k for k in self.blocks_config.blocks if k in blocks.blocks]

    def lazy_components(self) -> Iterator[dict]:
        unbuilt = self.__dict__.pop("_pictor_unbuilt", None)
        if unbuilt is not None:
            blocks, built = self.blocks_config.blocks, self.config_values
            ordered = {
                k: built[k] if k in built else self.blocks_config.config_for_block(k, [], blocks[k])
                for k in unbuilt
                if k in built or k in blocks
            }
            ordered.update((k, v) for k, v in built.items() if k not in ordered)
            self.config_values = ordered
        return all_components(self)

    GRADIO_INIT = build_all
    session_class.__init__ = __init__
    session_class.components = property(lazy_components)
    _INSTALLED = True
    return True

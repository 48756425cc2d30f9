"""The Rate tab's per-browser-tab state, kept on the server: each tab's rating session
(under a lock, so rapid key presses apply in order) and the Rater and Chooser over the app's
current Library."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import gradio as gr

from app.context import AppContext


class Sessions:
    """Each browser tab's rating session, kept here rather than in gr.State.

    A key pressed while the previous press is still on its way would hand a stale copy of
    a gr.State to the server; kept here, under a lock per tab, rapid presses apply in order
    to the latest session. Two tabs rating at once have two sessions.
    """

    def __init__(self, keep: int = 200):
        self.keep = keep
        self._items: OrderedDict[str, tuple[threading.Lock, Any]] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def use(self, request: gr.Request | None) -> Iterator[Slot]:
        key = getattr(request, "session_hash", None) or "local"
        with self._lock:
            lock, _ = self._items.setdefault(key, (threading.Lock(), None))
            self._items.move_to_end(key)
            while len(self._items) > self.keep:
                self._items.popitem(last=False)
        with lock:
            slot = Slot(self._items.get(key, (lock, None))[1])
            yield slot
            with self._lock:
                self._items[key] = (lock, slot.session)


@dataclass
class Slot:
    session: Any


class Lazy:
    """A Rater or Chooser over the app's current Library (a model switch replaces it)."""

    def __init__(self, ctx: AppContext, kind: type):
        self.ctx, self.kind = ctx, kind
        self._made: tuple[Any, Any] | None = None

    def __getattr__(self, name: str) -> Any:
        library = self.ctx.library
        if self._made is None or self._made[0] is not library:
            self._made = (library, self.kind(library))
        return getattr(self._made[1], name)

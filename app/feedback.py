"""Errors as short messages for the user, tracebacks in a rotating log file.

Every callback of the app is wrapped once it is built (`guard_all`): a PictorError (a
problem the user can fix) reaches them as its one sentence; any other exception as its type
and message, with the path of the log file that holds its traceback. Gradio then shows a
short error toast and prints nothing: the traceback is in the log, not on the console or the
page.
"""

from __future__ import annotations

import functools
import inspect
import logging
import logging.handlers
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from indexing.errors import PictorError

LOG_NAME = "pictor.log"
LOG_BYTES = 2_000_000
LOG_KEEP = 3  # pictor.log.1 .. .3
log = logging.getLogger("pictor")


def setup_log(data_dir: Path) -> Path:
    """Send the app's log (and the tracebacks of failed callbacks) to data_dir/pictor.log."""
    path = Path(data_dir) / LOG_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    for handler in list(log.handlers):
        if getattr(handler, "pictor", False):
            log.removeHandler(handler)
            handler.close()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=LOG_BYTES, backupCount=LOG_KEEP, encoding="utf-8"
    )
    handler.pictor = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return path


def guard_all(demo: gr.Blocks, log_path: Path) -> None:
    """Wrap every registered callback of demo (see the module docstring)."""
    for block_fn in demo.fns.values():
        if block_fn.fn is not None and not getattr(block_fn.fn, "pictor_guarded", False):
            block_fn.fn = guarded(block_fn.fn, log_path)


def as_message(exc: BaseException, where: str, log_path: Path) -> gr.Error:
    """The error toast for exc; unexpected ones are logged with their traceback."""
    if isinstance(exc, gr.Error):
        return exc
    if isinstance(exc, PictorError):
        return gr.Error(_short(str(exc)), print_exception=False)
    log.error("%s failed", where, exc_info=exc)
    return gr.Error(
        _short(f"Something went wrong ({type(exc).__name__}: {exc}).")
        + f" The details are in {log_path}.",
        print_exception=False,
    )


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def guarded(fn: Callable[..., Any], log_path: Path) -> Callable[..., Any]:
    """fn, of the same kind (plain, generator, async, async generator), with its exceptions
    turned into as_message."""
    where = getattr(fn, "__qualname__", repr(fn))
    if inspect.isasyncgenfunction(fn):

        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                async for item in fn(*args, **kwargs):
                    yield item
            except Exception as exc:
                raise as_message(exc, where, log_path) from None

    elif inspect.iscoroutinefunction(fn):

        async def wrapper(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            try:
                return await fn(*args, **kwargs)
            except Exception as exc:
                raise as_message(exc, where, log_path) from None

    elif inspect.isgeneratorfunction(fn):

        def wrapper(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:
                raise as_message(exc, where, log_path) from None

    else:

        def wrapper(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                raise as_message(exc, where, log_path) from None

    functools.update_wrapper(wrapper, fn)
    wrapper.pictor_guarded = True  # type: ignore[attr-defined]
    return wrapper

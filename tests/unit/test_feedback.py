"""The guard every callback gets: a fixable problem is its one sentence, anything else a
short message naming the log, whose file holds the traceback; results pass through."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import gradio as gr
import pytest

from app import feedback
from indexing.errors import PictorError


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return feedback.setup_log(tmp_path / "data")


def test_results_and_every_kind_of_callback_pass_through(log_path: Path) -> None:
    def plain(a, b=1):
        return a + b

    def steps(n):
        yield from range(n)

    async def waited(x):
        return x * 2

    assert feedback.guarded(plain, log_path)(1, b=2) == 3
    wrapped = feedback.guarded(steps, log_path)
    assert inspect.isgeneratorfunction(wrapped) and list(wrapped(3)) == [0, 1, 2]
    assert inspect.signature(feedback.guarded(plain, log_path)) == inspect.signature(plain)
    assert asyncio.run(feedback.guarded(waited, log_path)(4)) == 8


def test_a_fixable_problem_is_its_sentence_and_is_not_logged(log_path: Path) -> None:
    def refuse():
        raise PictorError("folder not found: /nowhere")

    with pytest.raises(gr.Error) as caught:
        feedback.guarded(refuse, log_path)()
    assert caught.value.message == "folder not found: /nowhere"
    assert caught.value.print_exception is False
    assert "Traceback" not in log_path.read_text(encoding="utf-8")


def test_a_bug_mid_generator_is_short_and_its_traceback_is_logged(log_path: Path) -> None:
    def progress():
        yield "half way"
        {}["missing key"]

    steps = feedback.guarded(progress, log_path)()
    assert next(steps) == "half way"
    with pytest.raises(gr.Error) as caught:
        next(steps)
    message = caught.value.message
    assert message == (
        f"Something went wrong (KeyError: 'missing key'). The details are in {log_path}."
    )
    logged = log_path.read_text(encoding="utf-8")
    assert "progress failed" in logged and "Traceback (most recent call last)" in logged
    assert "KeyError: 'missing key'" in logged


def test_a_long_message_is_cut_to_one_short_line(log_path: Path) -> None:
    def shout():
        raise PictorError("very\nlong " * 200)

    with pytest.raises(gr.Error) as caught:
        feedback.guarded(shout, log_path)()
    assert "\n" not in caught.value.message and len(caught.value.message) <= 300

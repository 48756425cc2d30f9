"""gradio's start-up check that the server answers, made patient (app/ui.py): gradio's own
gives up on the first request slower than 3 s and then refuses to start."""

from __future__ import annotations

import httpx
import pytest

from app import ui


class Answer:
    def __init__(self, status: int):
        self.status_code = status


def replies(monkeypatch, *outcomes) -> list[str]:
    """httpx.head answers with these, in turn (an exception is raised); the URLs asked."""
    asked: list[str] = []
    left = list(outcomes)

    def head(url, **kwargs):
        asked.append(url)
        outcome = left.pop(0) if len(left) > 1 else left[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(ui.httpx, "head", head)
    monkeypatch.setattr(ui.time, "sleep", lambda seconds: None)
    return asked


def test_a_slow_first_answer_is_waited_for(monkeypatch) -> None:
    slow = httpx.ReadTimeout("timed out")
    asked = replies(monkeypatch, slow, slow, Answer(200))
    assert ui._patient_url_ok("http://127.0.0.1:7860/") is True
    assert len(asked) == 3


@pytest.mark.parametrize("status, expected", [(200, True), (401, True), (302, True), (404, False)])
def test_the_answer_decides_at_once(monkeypatch, status: int, expected: bool) -> None:
    asked = replies(monkeypatch, Answer(status))
    assert ui._patient_url_ok("http://127.0.0.1:7860/") is expected
    assert len(asked) == 1


def test_a_server_that_never_answers_is_given_up_on(monkeypatch) -> None:
    clock = iter(range(0, 10_000, 5))  # five seconds pass per look at the clock
    monkeypatch.setattr(ui.time, "monotonic", lambda: next(clock))
    asked = replies(monkeypatch, httpx.ConnectError("refused"))
    assert ui._patient_url_ok("http://127.0.0.1:7860/") is False
    assert 2 <= len(asked) <= ui.STARTUP_CHECK_SECONDS / 5 + 2

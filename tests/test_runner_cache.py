"""The runner keeps the outputs of slow references (course_checks.runner)."""

from __future__ import annotations

import dataclasses
import time

from course_checks import get, run_check, runner


def _right_gd_step(w, dw, lr):
    return w - lr * dw


def _wrong_gd_step(w, dw, lr):
    return w + lr * dw


def test_a_slow_reference_is_run_once_per_case(monkeypatch):
    """The runner keeps the outputs of slow references by case content: a second check on
    the same cases does not run the reference again."""
    ex = get("gd_step")
    calls = []

    def slow_reference(w, dw, lr):
        calls.append(1)
        time.sleep(runner.SLOW_REFERENCE_SECONDS + 0.01)
        return w - lr * dw

    slow = dataclasses.replace(ex, reference=slow_reference)
    monkeypatch.setattr(runner, "_KEPT", {})
    monkeypatch.setattr(runner, "_SLOW", set())
    first = run_check(slow, _right_gd_step)
    n = len(calls)
    assert first.passed and n == slow.visible_cases
    second = run_check(slow, _right_gd_step)
    assert second.passed and len(calls) == n  # every case's output was kept
    wrong = run_check(slow, _wrong_gd_step)
    assert not wrong.passed and len(calls) == n

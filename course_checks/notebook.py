"""Helpers for the notebooks' demo cells."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import course_lib.plots  # noqa: F401  (the colour-blind-safe palette and figures' alt text)

from .registry import get

__all__ = ["yours_or_reference"]


def yours_or_reference(fn: Callable[..., Any] | None, exercise: str) -> Callable[..., Any]:
    """Your function, or the reference while yours still raises NotImplementedError.

    Demo cells use it so the rest of a notebook runs before every exercise is
    done: the first time the reference stands in, a note says so. The first time your
    function is used, it is also run on the exercise's visible checks; when it does
    not pass them, a note says that the demo runs your function anyway (its numbers
    may not be the ones the text describes). Any other error from your function is
    raised as usual. It earns nothing: exercises are graded on your function alone.
    """
    reference = get(exercise).reference
    if fn is None:
        return reference
    noted = False
    checked = False

    def check_once() -> None:
        nonlocal checked
        checked = True
        from .runner import run_check, wrap_text

        result = run_check(exercise, fn)
        if not result.passed and not result.not_implemented:
            what = result.headline().replace(" (hint below)", "")
            print(wrap_text(f"(note: your {exercise} does not pass its check yet — this demo "
                            "runs it anyway, so its results may differ from what the text "
                            f"describes. Its check cell says why: {what})"))

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal noted
        try:
            out = fn(*args, **kwargs)
        except NotImplementedError:
            if not noted:
                print(f"(note: {exercise} is not implemented yet — this demo uses the "
                      "course's reference instead)")
                noted = True
            return reference(*args, **kwargs)
        if not checked:
            check_once()
        return out

    return wrapper

"""The student self-check: run the visible checks of a notebook and print a table.

The last cell of every notebook calls :func:`report`, which prints one row per
exercise for the functions the notebook defined. This module is part of the light
runtime the notebooks import: the same table from a terminal (``python -m
course_checks NOTEBOOK``, which runs the answer and setup cells without a kernel) is
:mod:`course_checks.tools.selfcheck_cli`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .registry import Exercise, exercises_for
from .runner import run_check, wrap_text

__all__ = ["MARKER", "STATUSES", "check_row", "collect", "format_table", "report"]

MARKER = "__COURSE_SELFCHECK__"
STATUSES = {"passed": "✓", "failed": "✗", "error": "✗", "not implemented": "·", "missing": "?",
            "not run": "-"}
"""The status of a row and its mark. The terminal self-check
(:mod:`course_checks.tools.selfcheck_cli`) adds ``error`` (the answer cell raised, or its
run did not finish in time) and ``not run`` (the run stopped before this exercise)."""


def collect(namespace: Mapping[str, Any], notebook: str) -> list[dict[str, Any]]:
    """Visible-check results for every exercise of ``notebook`` found in ``namespace``."""
    return [check_row(ex, namespace.get(ex.name)) for ex in exercises_for(notebook)]


def check_row(ex: Exercise, fn: Any) -> dict[str, Any]:
    """One row of the table: the visible checks of ``ex`` on ``fn`` (None: not defined).

    Keys ``exercise``, ``points``, ``summary``, ``status`` (one of :data:`STATUSES`),
    ``detail`` and, for a failure, ``mistake`` (the catalogued mistake's name or None).
    """
    row: dict[str, Any] = {"exercise": ex.name, "points": ex.points, "summary": ex.summary}
    if fn is None:
        row.update(status="missing", detail=f"no function called {ex.name} was defined")
        return row
    result = run_check(ex, fn)
    if result.passed:
        row.update(status="passed", detail=result.summary())
    elif result.not_implemented:
        row.update(status="not implemented", detail="still raises NotImplementedError")
    else:
        row.update(status="failed", detail=result.message(),
                   mistake=result.mistake.name if result.mistake else None)
    return row


def format_table(rows: list[dict[str, Any]], notebook: str) -> str:
    """A plain-text table, one row per exercise, then each failure's explanation, its lines
    folded at spaces (:func:`~course_checks.runner.wrap_text`: never inside a word)."""
    if not rows:
        return f"{notebook}: no exercises."
    width = max(len("exercise"), *(len(r["exercise"]) for r in rows))
    lines = [f"Self-check of {notebook} (visible checks only)", ""]
    lines.append(f"  {'exercise':<{width}}  points  status")
    marks = STATUSES
    for r in rows:
        mark = marks[r["status"]]
        lines.append(f"{mark} {r['exercise']:<{width}}  {r['points']:>6}  {r['status']}")
    passed = sum(r["points"] for r in rows if r["status"] == "passed")
    total = sum(r["points"] for r in rows)
    lines += ["", f"{passed} of {total} points pass the visible checks. Hidden checks run at "
              "grading time on other inputs."]
    for r in rows:
        if r["status"] in ("failed", "error"):
            lines += ["", r["detail"]]
    return wrap_text("\n".join(lines))


def report(namespace: Mapping[str, Any], notebook: str) -> None:
    """Print the self-check table inside a notebook (never raises for a failed check)."""
    print(format_table(collect(namespace, notebook), notebook))

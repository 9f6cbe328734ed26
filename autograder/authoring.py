"""Build nbgrader source notebooks from Python, cell by cell.

Authors can write notebooks in JupyterLab with nbgrader's "Create Assignment"
toolbar, or build them with these constructors, which set the nbgrader metadata
the course uses:

* :func:`md` — read-only (locked) explanation cell;
* :func:`code` — a demo/experiment cell; ``locked=True`` makes it read-only;
* :func:`solution` — the student's answer cell (``### BEGIN SOLUTION`` … ``### END SOLUTION``);
* :func:`grade` — a locked, autograded test cell worth ``points``;
* :func:`check_cell` — an exercise's grade cell: the registry's visible check, with the
  hidden check between ``### BEGIN HIDDEN TESTS`` markers;
* :func:`notebook` — the notebook, tagged with its course id.

Every nbgrader cell's id is its ``grade_id``, so ids are stable and readable.
"""

from __future__ import annotations

import textwrap

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course_checks.outline import grade_cell_id

from .notebooks import normalize

__all__ = ["check_cell", "code", "grade", "md", "notebook", "solution"]


def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
          points: float | None = None) -> dict:
    m = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
         "solution": solution, "task": False}
    if points is not None:
        m["points"] = points
    return {"nbgrader": m}


def _src(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(text: str, grade_id: str | None = None) -> nbformat.NotebookNode:
    """A locked markdown cell (read-only for students) when ``grade_id`` is given."""
    cell = new_markdown_cell(_src(text))
    if grade_id:
        cell.metadata.update(_meta(grade_id, locked=True))
        cell["id"] = grade_id
    return cell


def code(src: str, grade_id: str | None = None, *, locked: bool = False) -> nbformat.NotebookNode:
    """A code cell; with ``locked=True`` (needs ``grade_id``) students cannot edit it."""
    cell = new_code_cell(_src(src))
    if locked:
        if not grade_id:
            raise ValueError("a locked cell needs a grade_id")
        cell.metadata.update(_meta(grade_id, locked=True))
    if grade_id:
        cell["id"] = grade_id
    return cell


def solution(src: str, grade_id: str) -> nbformat.NotebookNode:
    """The answer cell: solution code between BEGIN/END SOLUTION markers."""
    cell = new_code_cell(_src(src))
    if "### BEGIN SOLUTION" not in cell.source:
        raise ValueError(f"solution cell {grade_id} has no ### BEGIN SOLUTION marker")
    cell.metadata.update(_meta(grade_id, solution=True))
    cell["id"] = grade_id
    return cell


def grade(src: str, grade_id: str, points: float) -> nbformat.NotebookNode:
    """A locked autograded test cell worth ``points``."""
    cell = new_code_cell(_src(src))
    cell.metadata.update(_meta(grade_id, grade=True, locked=True, points=points))
    cell["id"] = grade_id
    return cell


def check_cell(exercise: str, points: float | None = None,
               grade_id: str | None = None) -> nbformat.NotebookNode:
    """The standard grade cell of an exercise registered in ``course_checks``.

    ``points`` defaults to the registry's (generation writes the registry's anyway).
    """
    if points is None:
        from course_checks.registry import get

        points = get(exercise).points
    return grade(
        f'''
        # Checks {exercise} on the visible cases ({points} point{"s" if points != 1 else ""} with
        # the hidden cases, which run at grading time on other inputs).
        from course_checks import check
        check("{exercise}", {exercise})
        ### BEGIN HIDDEN TESTS
        check("{exercise}", {exercise}, hidden=True)
        ### END HIDDEN TESTS
        ''',
        grade_id or grade_cell_id(exercise),
        points,
    )


def notebook(cells: list[nbformat.NotebookNode], course_id: str,
             title: str = "") -> nbformat.NotebookNode:
    """A normalized notebook whose metadata names its course notebook id."""
    nb = new_notebook(cells=cells)
    nb.metadata["course"] = {"notebook": course_id, "title": title}
    return normalize(nb)

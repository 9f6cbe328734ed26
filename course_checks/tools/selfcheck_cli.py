"""``python -m course_checks NOTEBOOK.ipynb [...]``: the student self-check from a terminal.

::

    python -m course_checks notebooks/01_practical_aspects.ipynb
    python -m autograder check notebooks/01_practical_aspects.ipynb      (the same)

runs, like the grader (:func:`autograder.grading.run_cells`), only the notebook's answer
cells and the locked setup cells they need, in notebook order — no demos, explorers or
extra cells, and not the last cell (``selfcheck``) — in a plain Python child process
(:mod:`course_checks.tools.selfcheck_worker`, no Jupyter kernel), then every exercise's
visible checks, and prints one row per exercise (the table the notebooks' last cell
prints, :mod:`course_checks.selfcheck`).

* An answer cell that raises, a syntax error included, is reported with its cell and line.
* The whole run of one notebook is limited to ``--timeout`` seconds (default 60): past it,
  the child is stopped and the message names the cell or the exercise that was running.
* What the student's code prints is not shown; nothing else is printed but the table.
* Exit status 0 when every check passes, 1 when anything fails, 2 when a file is missing,
  not a notebook of this course, or the Python that runs it lacks the course's packages
  (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..outline import SELFCHECK_CELL_ID, answer_cell_id
from ..registry import Exercise, exercises_for
from ..selfcheck import format_table

__all__ = ["DEFAULT_TIMEOUT", "SETUP_HINT", "CheckRun", "main", "notebook_id", "run_notebook",
           "selected_cells"]

DEFAULT_TIMEOUT = 60.0
"""Seconds one notebook's cells and checks may take, all together."""

SETUP_HINT = "run `python3 course.py setup` and use .venv/bin/python"

_ROOT = Path(__file__).resolve().parents[2]  # holds course_checks and course_lib
_CHILD = (f"import sys; sys.path.insert(1, {str(_ROOT)!r}); "
          "from course_checks.tools.selfcheck_worker import main; main()")


class NotebookProblem(Exception):
    """A file that cannot be self-checked (missing, unreadable, not of this course)."""


def notebook_id(nb: dict[str, Any], path: Path) -> str:
    """The course notebook a file belongs to: its metadata, else the file name."""
    meta = nb.get("metadata")
    course = meta.get("course") if isinstance(meta, dict) else None
    if isinstance(course, dict) and isinstance(course.get("notebook"), str):
        return course["notebook"]
    return path.stem.split(" ")[0]


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise NotebookProblem(f"{path}: no such file")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
    except (OSError, ValueError) as exc:
        raise NotebookProblem(f"{path}: not a readable notebook ({exc})"[:300]) from None
    return nb


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src if isinstance(src, str) else ""


def _nbgrader(cell: dict[str, Any]) -> dict[str, Any]:
    meta = cell.get("metadata")
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def _answer_index(ex: Exercise, cells: list[dict[str, Any]]) -> int | None:
    """The answer cell of ``ex``, found as the grader finds it: by id, by nbgrader
    ``grade_id``, else the code cell that defines the function."""
    code = [(i, c) for i, c in enumerate(cells) if c.get("cell_type") == "code"]
    for i, c in code:
        if c.get("id") == answer_cell_id(ex.name):
            return i
    for i, c in code:
        if _nbgrader(c).get("grade_id") == ex.name:
            return i
    for i, c in code:
        if f"def {ex.name}(" in _source(c):
            return i
    return None


def selected_cells(nb: dict[str, Any], exercises: list[Exercise]) -> list[dict[str, Any]]:
    """The cells the self-check runs, in notebook order: each exercise's answer cell, any
    other answer (nbgrader ``solution``) cell, and the locked cells that are neither grade
    cells nor the ``selfcheck`` cell — what the grader runs, without demos or extra cells.

    Each is ``{"id", "exercise" (None for a cell that is no exercise's answer), "source"}``.
    """
    cells = nb["cells"]
    answers = {}
    for ex in exercises:
        i = _answer_index(ex, cells)
        if i is not None:
            answers.setdefault(i, ex.name)
    picked = []
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        meta = _nbgrader(cell)
        cid = str(cell.get("id") or f"#{i + 1}")
        if i in answers:
            picked.append({"id": cid, "exercise": answers[i], "source": _source(cell)})
        elif meta.get("solution") or (meta.get("locked") and not meta.get("grade")
                                      and cid != SELFCHECK_CELL_ID):
            picked.append({"id": cid, "exercise": None, "source": _source(cell)})
    return picked


@dataclass
class CheckRun:
    """What the child reported for one notebook."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)  # of cells that are no answer
    missing_module: str | None = None
    problem: str | None = None  # a timeout or a crash, in words
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return (self.problem is None and not self.cell_errors
                and all(r["status"] == "passed" for r in self.rows))


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # Small matrices: one BLAS thread is faster and steadier on a shared machine.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    env["MPLBACKEND"] = "Agg"  # no figure is drawn; never a GUI or inline backend
    env.setdefault("COURSE_LIB_NO_PROGRESS", "1")
    env["PYTHONWARNINGS"] = "ignore"
    return env


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the child and anything it started
    except (ProcessLookupError, PermissionError):
        proc.kill()


def run_notebook(name: str, cells: list[dict[str, Any]], *, cwd: Path,
                 timeout: float = DEFAULT_TIMEOUT) -> CheckRun:
    """Run ``cells`` and the visible checks of notebook ``name`` in a child process."""
    exercises = exercises_for(name)
    job = json.dumps({"notebook": name, "cells": cells})
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                            env=_child_env(), start_new_session=True)
    timed_out = False
    try:
        out, err = proc.communicate(job.encode(), timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill(proc)
        out, err = proc.communicate()
    finally:
        if proc.poll() is None:
            _kill(proc)
            proc.wait()
    run = CheckRun(seconds=time.perf_counter() - t0)
    events = []
    for line in out.decode("utf-8", "replace").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    done = any(e.get("done") for e in events)
    where = None  # the last cell or check that started
    answer_of = {c["id"]: c["exercise"] for c in cells}
    for e in events:
        if "row" in e:
            run.rows.append(e["row"])
        elif "check" in e:
            where = ("check", e["check"])
        elif "cell" in e:
            where = ("cell", e["cell"])
            error = e.get("error")
            if error and answer_of.get(e["cell"]) is None:
                run.cell_errors.append(error)
                run.missing_module = run.missing_module or e.get("missing_module")
    if done:
        return run
    seen = {r["exercise"] for r in run.rows}
    stuck = None
    if where is not None and where[0] == "check":
        stuck = where[1]
        what = f"in the visible checks of {stuck}"
    elif where is not None:
        stuck = answer_of.get(where[1])
        what = f"in the answer cell `{where[1]}`" if stuck else f"in the cell `{where[1]}`"
    else:
        what = "before the first cell"
    if timed_out:
        run.problem = (f"stopped after {timeout:g} s {what}: does it loop forever? (on a slow "
                       "computer, allow more time with --timeout SECONDS)")
    else:
        last = err.decode("utf-8", "replace").strip().splitlines()
        why = f": {last[-1]}" if last else ""
        run.problem = (f"the Python process running it ended {what} (exit status "
                       f"{proc.returncode}){why}")
    by_name = {ex.name: ex for ex in exercises}
    for ex_name, ex in by_name.items():
        if ex_name in seen:
            continue
        status, detail = "not run", "not checked: the run stopped before"
        if ex_name == stuck:
            status, detail = "error", f"{ex_name}: {run.problem}"
        run.rows.append({"exercise": ex_name, "points": ex.points, "summary": ex.summary,
                         "status": status, "detail": detail})
    order = {ex.name: i for i, ex in enumerate(exercises)}
    run.rows.sort(key=lambda r: order.get(r["exercise"], len(order)))
    return run


def _check_one(path: Path, timeout: float) -> int:
    nb = _read(path)
    name = notebook_id(nb, path)
    exercises = exercises_for(name)
    if not exercises:
        raise NotebookProblem(f"{path}: not a notebook of this course ({name!r} has no "
                              "exercises)")
    cells = selected_cells(nb, exercises)
    run = run_notebook(name, cells, cwd=path.parent.resolve(), timeout=timeout)
    if run.missing_module:
        raise NotebookProblem(f"{path}: this Python ({sys.executable}) has no module "
                              f"{run.missing_module!r}, which the notebook imports: {SETUP_HINT}")
    lines = []
    if not any(c["exercise"] for c in cells):
        lines.append(f"{path}: none of the answer cells of {name} is in this file: is it the "
                     "notebook you worked in?\n")
    lines += [f"{name}: {e}\n" for e in run.cell_errors]
    if run.problem and not any(r["status"] == "error" for r in run.rows):
        lines.append(f"{name}: {run.problem}\n")
    lines.append(format_table(run.rows, name))
    print("\n".join(lines))
    print()
    return 0 if run.passed else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m course_checks NOTEBOOK.ipynb [...]``: exit 0 only when every check passes."""
    parser = argparse.ArgumentParser(prog="python -m course_checks",
                                     description=__doc__.split("\n\n")[0].strip("`: "))
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds per notebook (default {DEFAULT_TIMEOUT:g})")
    args = parser.parse_args([str(a) for a in argv] if argv is not None else None)
    if args.timeout <= 0:
        parser.error(f"--timeout {args.timeout:g} is not a positive number of seconds")
    status = 0
    for path in args.notebooks:
        try:
            status = max(status, _check_one(path, args.timeout))
        except NotebookProblem as exc:
            print(exc, file=sys.stderr)
            status = 2
        except KeyboardInterrupt:  # Ctrl-C: the child is already stopped (run_notebook)
            print(f"{path}: self-check interrupted", file=sys.stderr)
            return 130
    return status

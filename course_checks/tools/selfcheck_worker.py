"""The child process of the terminal self-check: run a notebook's cells, then its checks.

:mod:`course_checks.tools.selfcheck_cli` starts it as a plain ``python -c`` child (no
Jupyter kernel) and sends it, as JSON on stdin, the cells to run::

    {"notebook": "01_practical_aspects",
     "cells": [{"id": "setup", "exercise": null, "source": "import numpy as np ..."},
               {"id": "split_data", "exercise": "split_data", "source": "def split_data(..."}]}

It runs them in notebook order in one namespace, then every exercise's visible checks
(:func:`course_checks.selfcheck.check_row`), and reports on its original stdout, one
JSON object per line, flushed as it goes (so that the parent can say where a run that
it had to stop was)::

    {"cell": ID}                      about to run cell ID
    {"cell": ID, "error": TEXT, "missing_module": NAME}
                                      cell ID raised (TEXT names the cell and the line;
                                      NAME: the module of a ModuleNotFoundError, or null)
    {"check": NAME}                   about to run the visible checks of NAME
    {"row": {...}}                    one row of the self-check table
    {"done": true}                    finished

What the student's code prints on stdout (Python or C level) is discarded, and warnings
are ignored: the table is the output. The parent reads stderr only when the child dies.
Matplotlib's pyplot and ipywidgets, which setup cells import for the demos that the
self-check does not run, are imported only when first used. Every event also carries
``"t"``, the seconds since the child started (for measurements).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import linecache
import os
import sys
import time
import traceback
import types
from typing import Any, TextIO

__all__ = ["cell_filename", "describe_error", "main", "without_magics"]

LAZY_MODULES = ("matplotlib.pyplot", "ipywidgets")
"""Modules that setup cells import for demos only: a stand-in imports them on first use."""


class _LazyModule(types.ModuleType):
    """A module stand-in that imports the real module on first attribute access."""

    def __getattr__(self, attr: str) -> Any:
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
        real = importlib.import_module(name)
        self.__dict__["_real"] = real
        return getattr(real, attr)


def _install_lazy_modules() -> None:
    for name in LAZY_MODULES:
        if name in sys.modules:
            continue
        if importlib.util.find_spec(name.partition(".")[0]) is None:
            continue  # not installed: let the setup cell's import fail with its own message
        sys.modules[name] = _LazyModule(name)


def cell_filename(cell_id: str) -> str:
    """The file name tracebacks show for a cell: ``<cell ID>``."""
    return f"<cell {cell_id}>"


def describe_error(exc: BaseException, cell_id: str) -> str:
    """One line naming the cell and the line of an error raised by a cell, then the code.

    >>> describe_error(SyntaxError("invalid syntax", ("<cell f>", 2, 5, "def f(:\\n")), "f")
    'cell `f`, line 2: SyntaxError: invalid syntax\\n    def f(:\\n        ^'
    """
    filename = cell_filename(cell_id)
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        head = f"cell `{cell_id}`, line {exc.lineno}: {type(exc).__name__}: {exc.msg}"
        text = (exc.text or "").rstrip("\n")
        if not text.strip():
            return head
        caret = ""
        if exc.offset and exc.offset > 0:
            caret = "\n    " + " " * (exc.offset - 1 - (len(text) - len(text.lstrip()))) + "^"
        return f"{head}\n    {text.strip()}{caret}"
    frames = traceback.extract_tb(exc.__traceback__)
    lineno = next((f.lineno for f in reversed(frames) if f.filename == filename), None)
    where = f"cell `{cell_id}`" + (f", line {lineno}" if lineno else "")
    message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    head = f"{where}: {message}"
    if lineno:
        line = linecache.getline(filename, lineno).strip()
        if line:
            head += f"\n    {line}"
    return head


def without_magics(source: str) -> str:
    """``source`` with IPython's ``%magic`` and ``!shell`` lines made ``pass`` (a ``%%cell``
    magic's first line removed), line numbers kept: what a plain Python can compile.

    >>> without_magics("%timeit f()\\nx = 1\\n  !ls")
    'pass\\nx = 1\\n  pass'
    """
    lines = source.split("\n")
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if i == 0 and stripped.startswith("%%"):
            lines[i] = ""
        elif stripped.startswith(("%", "!")):
            lines[i] = line[: len(line) - len(stripped)] + "pass"
    return "\n".join(lines)


def _compile(source: str, filename: str) -> types.CodeType:
    """Compile a cell; a cell that is Python only without its IPython magics, without them."""
    try:
        return compile(source, filename, "exec")
    except SyntaxError:
        plain = without_magics(source)
        if plain == source:
            raise
        try:
            return compile(plain, filename, "exec")
        except SyntaxError:
            pass
        raise


def _run_cell(cell: dict[str, Any], namespace: dict[str, Any]) -> BaseException | None:
    """Run one cell in ``namespace``; the exception it raised, or None."""
    filename = cell_filename(cell["id"])
    source = cell["source"]
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    try:
        code = _compile(source, filename)
        exec(code, namespace)  # the student's own notebook, on their own machine
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit too: a cell must not end the self-check
        return exc
    return None


def _silence() -> TextIO:
    """Send fd 1 (and sys.stdout) to /dev/null; return a stream on the original stdout."""
    report = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # for the whole run
    return report


def main() -> None:
    """Read the job from stdin, run it, report on stdout (see the module docstring)."""
    t0 = time.perf_counter()
    job = json.loads(sys.stdin.read())
    report = _silence()

    def emit(**event: Any) -> None:
        report.write(json.dumps({**event, "t": round(time.perf_counter() - t0, 4)}) + "\n")
        report.flush()

    _install_lazy_modules()
    import warnings

    warnings.simplefilter("ignore")  # nothing the student can act on goes to the screen
    from course_checks.registry import exercises_for
    from course_checks.selfcheck import check_row

    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
    failed: dict[str, str] = {}
    for cell in job["cells"]:
        emit(cell=cell["id"])
        exc = _run_cell(cell, namespace)
        if exc is not None:
            error = describe_error(exc, cell["id"])
            missing = exc.name if isinstance(exc, ModuleNotFoundError) else None
            emit(cell=cell["id"], error=error, missing_module=missing)
            if cell.get("exercise"):
                failed[cell["exercise"]] = error
    for ex in exercises_for(job["notebook"]):
        emit(check=ex.name)
        if ex.name in failed:
            row = {"exercise": ex.name, "points": ex.points, "summary": ex.summary,
                   "status": "error",
                   "detail": f"{ex.name} could not be defined: {failed[ex.name]}"}
        else:
            row = check_row(ex, namespace.get(ex.name))
        emit(row=row)
    emit(done=True)
    report.close()
    # Threads or exit handlers that the student's code left behind must not keep the
    # parent waiting until its timeout: the report is complete.
    sys.stderr.flush()
    os._exit(0)

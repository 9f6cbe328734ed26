"""The student self-check: run the visible checks of a notebook and print a table.

From a terminal::

    python -m course_checks notebooks/01_practical_aspects.ipynb

runs the notebook in a fresh kernel, then every exercise's visible checks on the
functions the notebook defined, prints one row per exercise, and exits with
status 1 when anything is not passed (unlike ``nbgrader validate``, a failure
is visible to scripts). The last cell of every notebook calls :func:`report` to
print the same table inside the notebook.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .registry import exercises_for
from .runner import run_check

__all__ = ["collect", "main", "notebook_id", "report"]

MARKER = "__COURSE_SELFCHECK__"


def collect(namespace: Mapping[str, Any], notebook: str) -> list[dict[str, Any]]:
    """Visible-check results for every exercise of ``notebook`` found in ``namespace``."""
    rows = []
    for ex in exercises_for(notebook):
        fn = namespace.get(ex.name)
        row = {"exercise": ex.name, "points": ex.points, "summary": ex.summary}
        if fn is None:
            row.update(status="missing", detail=f"no function called {ex.name} was defined")
        else:
            result = run_check(ex, fn)
            if result.passed:
                row.update(status="passed", detail=result.summary())
            elif result.not_implemented:
                row.update(status="not implemented", detail="still raises NotImplementedError")
            else:
                msg = result.message()
                row.update(status="failed", detail=msg,
                           mistake=result.mistake.name if result.mistake else None)
        rows.append(row)
    return rows


def format_table(rows: list[dict[str, Any]], notebook: str) -> str:
    """A plain-text table, one row per exercise, then each failure's explanation."""
    if not rows:
        return f"{notebook}: no exercises."
    width = max(len(r["exercise"]) for r in rows)
    lines = [f"Self-check of {notebook} (visible checks only)", ""]
    lines.append(f"  {'exercise':<{width}}  points  status")
    marks = {"passed": "✓", "failed": "✗", "not implemented": "·", "missing": "?"}
    for r in rows:
        mark = marks[r["status"]]
        lines.append(f"{mark} {r['exercise']:<{width}}  {r['points']:>6}  {r['status']}")
    passed = sum(r["points"] for r in rows if r["status"] == "passed")
    total = sum(r["points"] for r in rows)
    lines += ["", f"{passed} of {total} points pass the visible checks. Hidden checks run at "
              "grading time on other inputs."]
    for r in rows:
        if r["status"] == "failed":
            lines += ["", r["detail"]]
    return "\n".join(lines)


def report(namespace: Mapping[str, Any], notebook: str) -> None:
    """Print the self-check table inside a notebook (never raises for a failed check)."""
    print(format_table(collect(namespace, notebook), notebook))


def notebook_id(nb: Any, path: Path) -> str:
    """The course notebook a file belongs to: its metadata, else the file name."""
    meta = nb.metadata.get("course", {}) if hasattr(nb, "metadata") else {}
    if meta.get("notebook"):
        return str(meta["notebook"])
    return path.stem.split(" ")[0]


def main(argv: list[str] | None = None) -> int:
    """``python -m course_checks NOTEBOOK.ipynb [...]``: exit 0 only when every check passes."""
    import argparse

    import nbformat

    from .execute import execute_notebook

    parser = argparse.ArgumentParser(prog="python -m course_checks", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        if not path.exists():
            print(f"{path}: no such file", file=sys.stderr)
            status = 2
            continue
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as exc:
            print(f"{path}: not a readable notebook ({exc})", file=sys.stderr)
            status = 2
            continue
        name = notebook_id(nb, path)
        if not exercises_for(name):
            print(f"{path}: not a notebook of this course ({name!r} has no exercises)",
                  file=sys.stderr)
            status = 2
            continue
        code = (
            "import json as _j\nfrom course_checks.selfcheck import collect as _c, MARKER as _M\n"
            f"print(_M + _j.dumps(_c(globals(), {name!r})))"
        )
        rep = execute_notebook(nb, cwd=path.parent, cell_timeout=args.timeout, append_code=code)
        rows = None
        for out in rep.nb.cells[-1].get("outputs", []):
            text = out.get("text", "")
            if out.get("output_type") == "stream" and MARKER in text:
                rows = json.loads(text.split(MARKER, 1)[1])
        if rows is None:
            print(f"{path}: the self-check could not run (the kernel died or timed out)",
                  file=sys.stderr)
            status = max(status, 1)
            continue
        print(format_table(rows, name))
        print()
        if any(r["status"] != "passed" for r in rows):
            status = max(status, 1)
    return status

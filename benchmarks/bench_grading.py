"""Grading throughput: the course's autograder against stock sequential nbgrader.

    python benchmarks/bench_grading.py [--submissions 50] [--jobs 2] [--markdown OUT]

Builds N simulated submissions cycling over every notebook of the course (a
third finished, a third blank, a third with catalogued mistakes), then, in the
same run and on the same files:

* grades them with ``autograder`` (sandbox on, ``--jobs`` parallel workers);
* grades them with stock ``nbgrader autograde``, one after the other, as
  ``nbgrader autograde`` does by default;

and reports submissions per minute for both, their ratio, and where the
autograder's time goes (worker start = sandbox + interpreter + imports, setup
and answer cells, exercise calls and comparison), plus nbgrader's kernel start.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder import NOTEBOOKS, SOLUTIONS  # noqa: E402
from autograder import course as C  # noqa: E402
from autograder.notebooks import _api, notebook_names  # noqa: E402
from autograder.sandbox import available  # noqa: E402
from course_checks import exercises_for, get  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from test_autograder import mistake_source  # noqa: E402  (the tests' portable mistakes)


def _mistake_answer(exercise: str) -> str | None:
    for m in get(exercise).mistakes:
        src = mistake_source(exercise, m.name)
        if src:
            return src
    return None


def make_class(course: Path, n: int) -> list[tuple[str, str]]:
    names = notebook_names(SOLUTIONS)
    subs = []
    for i in range(n):
        a = names[i % len(names)]
        kind = ("done", "blank", "mistakes")[(i // len(names)) % 3]
        nb = nbformat.read(NOTEBOOKS / f"{a}.ipynb", as_version=4)
        sol = {c.id: c.source for c in nbformat.read(SOLUTIONS / f"{a}.ipynb", as_version=4).cells}
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("solution") and kind != "blank":
                src = _mistake_answer(cell.id) if kind == "mistakes" else None
                cell.source = src or sol[cell.id]
        student = f"s{i:03d}"
        dest = course / "submitted" / student / a / f"{a}.ipynb"
        dest.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, dest)
        subs.append((student, a))
    return subs


def bench_autograder(course: Path, jobs: int) -> dict:
    t0 = time.perf_counter()
    new, _ = C.grade_all(course, jobs=jobs, progress=False, force=True)
    wall = time.perf_counter() - t0
    phases = {}
    for key in ("start", "cells", "exercises"):
        vals = [g.timings.get(key, 0.0) for g in new]
        phases[key] = statistics.mean(vals) if vals else 0.0
    per = statistics.mean(g.seconds for g in new)
    return {"n": len(new), "wall": wall, "per_notebook": per, "phases": phases,
            "total": sum(g.total for g in new)}


def bench_nbgrader(course: Path, subs: list[tuple[str, str]]) -> dict:
    from nbgrader.api import Gradebook

    api = _api(course)
    with Gradebook(api.coursedir.db_url) as gb:
        for student, _ in subs:
            gb.update_or_create_student(student)
    # kernel start alone: an empty notebook through nbclient
    from nbclient import NotebookClient

    t = time.perf_counter()
    NotebookClient(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]),
                   kernel_name="python3").execute()
    kernel_start = time.perf_counter() - t
    t0 = time.perf_counter()
    ok = 0
    total = 0.0
    for student, a in subs:
        res = api.autograde(a, student, force=True, create=True)
        ok += bool(res.get("success"))
    wall = time.perf_counter() - t0
    with Gradebook(api.coursedir.db_url) as gb:
        for student, a in subs:
            total += gb.find_submission(a, student).score
    return {"n": len(subs), "ok": ok, "wall": wall, "kernel_start": kernel_start,
            "total": total}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--submissions", type=int, default=50)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--markdown", type=Path)
    args = p.parse_args()
    ok, why = available()
    if not ok:
        print(f"sandbox unavailable: {why}")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        C.release(course)
        subs = make_class(course, args.submissions)
        ours = bench_autograder(course, args.jobs)
        stock = bench_nbgrader(course, subs)
    rate_ours = 60 * ours["n"] / ours["wall"]
    rate_stock = 60 * stock["n"] / stock["wall"]
    lines = [
        "| grader | submissions | wall time (s) | submissions/min |",
        "|---|---|---|---|",
        f"| autograder (sandbox, {args.jobs} workers) | {ours['n']} | {ours['wall']:.1f} | "
        f"{rate_ours:.1f} |",
        f"| stock `nbgrader autograde`, sequential | {stock['n']} | {stock['wall']:.1f} | "
        f"{rate_stock:.1f} |",
        "",
        f"Speed-up: **{rate_ours / rate_stock:.1f}×** "
        f"({len(notebook_names(SOLUTIONS))} notebooks, "
        f"{sum(len(exercises_for(a)) for a in notebook_names(SOLUTIONS))} exercises).",
        "",
        "Autograder, mean per notebook (one worker): "
        f"worker start (bubblewrap + Python + numpy/course_lib imports) "
        f"{ours['phases']['start']:.2f} s, setup and answer cells "
        f"{ours['phases']['cells']:.2f} s, exercise calls and comparison "
        f"{ours['phases']['exercises']:.2f} s; total {ours['per_notebook']:.2f} s.",
        f"nbgrader: kernel start {stock['kernel_start']:.2f} s of "
        f"{stock['wall'] / stock['n']:.2f} s per notebook (it runs every cell, demos included); "
        f"{stock['n'] - stock['ok']} of {stock['n']} autograde calls reported a failure.",
        f"Points awarded: autograder {ours['total']:g}, nbgrader {stock['total']:g} "
        "(nbgrader runs the hidden checks with random seeds; the autograder with "
        "per-student ones).",
    ]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

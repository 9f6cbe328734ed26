"""A Gradescope autograder for one notebook, built from the course's own checks.

``python -m autograder gradescope NB --out DIR`` writes ``DIR/NB_gradescope.zip`` in
Gradescope's layout (https://gradescope-autograders.readthedocs.io/en/latest/specs/):

* at the root of the zip, ``setup.sh`` (run once, as root, when Gradescope builds the
  image: a virtual environment at ``/autograder/venv`` with the exact versions of
  ``requirements.txt``, those of the machine that built the zip) and ``run_autograder``
  (run for every submission);
* the grader itself: ``autograder/``, ``course_checks/``, ``course_lib/``, the
  assignment's source notebook ``solutions/NB.ipynb`` and released notebook
  ``notebooks/NB.ipynb``, and ``gradescope.json`` (the assignment and test visibility).

For each submission ``run_autograder`` runs ``python -m autograder.gradescope run``,
which picks the notebook in ``/autograder/submission`` (``NB.ipynb``, else the one whose
metadata names NB, else the only notebook), grades it with
:func:`autograder.grading.grade_notebook` — the same registry, cases, comparisons and
messages as ``python -m autograder grade`` — and writes ``/autograder/results/results.json``:
one test per exercise (``name``, ``number``, ``score``, ``max_score``, ``status``,
``output`` — the check's message, naming a catalogued mistake when it recognizes one —
and ``visibility``), and at the top ``score``, ``execution_time`` and ``output`` (the
status the student sees). Instructor-only text (the flags and their reasons) goes to
``stdout``, which Gradescope shows to instructors only (``stdout_visibility: hidden``).
A submission with no notebook, or one that cannot be read, gets a results file that
says so (score 0), never a crash.

The root is ``$GRADESCOPE_ROOT`` (default ``/autograder``), so a test can run
``run_autograder`` in a simulated tree. ``$GRADESCOPE_PYTHON`` replaces the venv's
interpreter, ``$GRADESCOPE_SANDBOX`` is ``auto`` (default: bubblewrap when it works in
the container, else none), ``on`` or ``off``, and ``$GRADESCOPE_SECRET`` (hex) fixes the
seed of the hidden cases (default: a fresh random one per run, so nothing secret is
stored in the zip).

**Trust model.** Gradescope runs every submission in a fresh container, as root, and
usually without the user namespaces bubblewrap needs: student code then runs with the
grader's permissions in that container. Points still come only from comparisons made in
the grader's process, and the worker still imports the per-notebook stub ``course_lib``,
so ordinary uses of the reference earn nothing and are flagged; but nothing *prevents*
student code from reading ``/autograder/source`` (where the reference and the solution
notebook are: the audit hook flags such reads as ``filesystem``), from using the network,
or from leaving a process behind that tampers with ``results.json`` after the grader
wrote it. Use ``python -m autograder grade`` (sandboxed) when that matters; see
``docs/grading.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import sys
import time
import traceback
import zipfile
from pathlib import Path
from typing import Any

from . import NOTEBOOKS, ROOT, SOLUTIONS

__all__ = ["VISIBILITIES", "build", "find_notebook", "requirements", "results_for", "run"]

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
#: what grading imports, directly or in the notebooks' setup cells (their dependencies
#: are added from the installed distributions' metadata)
ROOTS = ("numpy", "matplotlib", "scikit-learn", "tqdm", "joblib", "nbformat", "ipywidgets",
         "packaging")
TORCH = ("torch",)
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
PACKAGES = ("autograder", "course_checks", "course_lib")

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
# It makes a virtual environment with the exact versions of requirements.txt.
set -euo pipefail
ROOT="${GRADESCOPE_ROOT:-/autograder}"
if ! command -v python3 >/dev/null || ! python3 -c 'import venv' 2>/dev/null; then
    apt-get update && apt-get install -y --no-install-recommends python3 python3-venv
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "this autograder needs Python 3.11 or newer: choose a newer base image" \
         "in Gradescope's autograder settings (Ubuntu 24.04 has Python 3.12)" >&2
    exit 1
fi
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --no-cache-dir --upgrade pip
"$ROOT/venv/bin/python" -m pip install --no-cache-dir -r "$ROOT/source/requirements.txt"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission (working directory /autograder).
ROOT="${GRADESCOPE_ROOT:-/autograder}"
PY="${GRADESCOPE_PYTHON:-$ROOT/venv/bin/python}"
mkdir -p "$ROOT/results"
cd "$ROOT/source" || exit 1
PYTHONPATH="$ROOT/source" "$PY" -m autograder.gradescope run --root "$ROOT"
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
    # the grader could not even start: still give the student a result that says so
    msg="The autograder failed before grading your notebook (not caused by your code);"
    msg="$msg your instructor has been told."
    printf '{"score": 0, "output": "%s", "stdout_visibility": "hidden", "tests": []}\n' \
        "$msg" > "$ROOT/results/results.json"
fi
exit $status
"""


# ---- building the zip ----------------------------------------------------------------


def requirements(assignment: str) -> list[str]:
    """``name==version`` of every distribution grading needs, with its dependencies, as
    installed here (so Gradescope grades with the versions the course was tested with)."""
    import importlib.metadata as md

    from .grading import TORCH_NOTEBOOKS
    from .sandbox import _requirements  # the same reading of a distribution's requirements

    todo = [*ROOTS, *(TORCH if assignment in TORCH_NOTEBOOKS else ())]
    seen: dict[str, str] = {}
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-").replace(".", "-")
        if key in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            raise RuntimeError(f"{name} is not installed here: install the course's "
                               "environment (python3 course.py setup) before building") from None
        seen[key] = f"{dist.metadata['Name']}=={dist.version}"
        todo += _requirements(dist)
    return sorted(seen.values(), key=str.lower)


def _add(zf: zipfile.ZipFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible
    info.external_attr = (0o100000 | mode) << 16  # a regular file with unix permissions
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build(assignment: str, out: Path, *, visibility: str = "visible") -> Path:
    """Write ``out/<assignment>_gradescope.zip``; returns its path.

    ``visibility`` is every test's Gradescope visibility (one of :data:`VISIBILITIES`).
    """
    from course_checks import exercises_for

    if not (SOLUTIONS / f"{assignment}.ipynb").exists() or not exercises_for(assignment):
        known = ", ".join(sorted(p.stem for p in SOLUTIONS.glob("*.ipynb")))
        raise ValueError(f"no notebook {assignment!r} with exercises; known: {known}")
    if not (NOTEBOOKS / f"{assignment}.ipynb").exists():
        raise ValueError(f"notebooks/{assignment}.ipynb is missing: run "
                         "`python -m autograder generate` first")
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
    reqs = requirements(assignment)
    from .grading import GRADER_VERSION, TORCH_NOTEBOOKS

    if assignment in TORCH_NOTEBOOKS:
        reqs = [f"--extra-index-url {TORCH_INDEX}", *reqs]
    config = {"assignment": assignment, "visibility": visibility,
              "grader_version": GRADER_VERSION}
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{assignment}_gradescope.zip"
    tmp = path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        _add(zf, "setup.sh", SETUP_SH.encode(), 0o755)
        _add(zf, "run_autograder", RUN_AUTOGRADER.encode(), 0o755)
        _add(zf, "requirements.txt", ("\n".join(reqs) + "\n").encode())
        _add(zf, "gradescope.json", (json.dumps(config, indent=1) + "\n").encode())
        for pkg in PACKAGES:
            for f in sorted((ROOT / pkg).rglob("*")):
                if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc":
                    _add(zf, f.relative_to(ROOT).as_posix(), f.read_bytes())
        for folder in (SOLUTIONS, NOTEBOOKS):
            f = folder / f"{assignment}.ipynb"
            _add(zf, f"{folder.name}/{f.name}", f.read_bytes())
    os.replace(tmp, path)
    return path


# ---- grading on Gradescope ------------------------------------------------------------


def find_notebook(submission: Path, assignment: str) -> tuple[Path | None, str]:
    """The submitted notebook to grade, and a note for the student ('' when obvious)."""
    found = sorted(p for p in submission.rglob("*.ipynb") if p.is_file() and not any(
        part.startswith(".") or part == "__MACOSX" for part in p.relative_to(submission).parts))
    if not found:
        others = sorted(p.name for p in submission.rglob("*") if p.is_file())[:10]
        listing = f" (found: {', '.join(others)})" if others else " (the submission is empty)"
        return None, (f"No Jupyter notebook in your submission{listing}: upload "
                      f"{assignment}.ipynb as saved by Jupyter.")
    named = [p for p in found if p.name == f"{assignment}.ipynb"]
    if named:
        return named[0], ""
    ours = []
    for p in found:
        try:
            meta = json.loads(p.read_text(encoding="utf-8")).get("metadata", {})
            if meta.get("course", {}).get("notebook") == assignment:
                ours.append(p)
        except (OSError, ValueError, AttributeError):
            continue
    pick = (ours or found)[0]
    if len(found) == 1 or len(ours) == 1:
        return pick, ""
    return pick, (f"Your submission has {len(found)} notebooks; graded {pick.name}. Upload "
                  f"only {assignment}.ipynb next time.")


def _student(root: Path) -> str:
    """The submitter's Gradescope id or email (for the record; 'gradescope' if unknown)."""
    try:
        meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
        user = meta["users"][0]
        return str(user.get("email") or user.get("id") or "gradescope")
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return "gradescope"


def _sandbox(mode: str) -> tuple[bool, str]:
    from .sandbox import available

    if mode == "off":
        return False, "no sandbox (GRADESCOPE_SANDBOX=off)"
    ok, why = available()
    if ok:
        return True, "bubblewrap sandbox"
    if mode == "on":
        raise RuntimeError(f"GRADESCOPE_SANDBOX=on but the sandbox does not work here: {why}")
    return False, f"no sandbox (bubblewrap unavailable in this container: {why})"


def results_for(g, visibility: str, note: str = "") -> dict[str, Any]:
    """Gradescope's results.json for one graded submission (a ``SubmissionGrade``).

    The student-facing text is the checks' messages and the neutral sentences of the
    feedback pages; the flags' own text is never in it.
    """
    from course_checks import exercises_for

    from .grading import student_notes

    summaries = {e.name: e.summary for e in exercises_for(g.assignment)}
    tests = []
    for i, e in enumerate(g.exercises, 1):
        summary = summaries.get(e.exercise, "")
        tests.append({
            "name": f"{e.exercise}" + (f" — {summary}" if summary else ""),
            "number": str(i),
            "score": e.points, "max_score": e.max_points,
            "status": "passed" if e.status == "passed" else "failed",
            "output": e.message or e.status,
            "visibility": visibility,
        })
    if g.status == "flagged":
        head = ("Graded; your instructor will look at this submission because: "
                + "; ".join(student_notes(g.flags)) + ".")
    elif g.status == "not gradable":
        head = (f"Your notebook could not be graded: {g.reason}. Upload {g.assignment}.ipynb "
                "as saved by Jupyter.")
        if g.reason.startswith("grader error"):
            head = ("The grader failed on this notebook (not caused by your code); your "
                    "instructor has been told.")
    else:
        head = "Graded."
    passed = sum(e.status == "passed" for e in g.exercises)
    output = (f"{head} {g.total:g} / {g.max_total:g} points; {passed} of "
              f"{len(g.exercises)} exercises passed.")
    return {"score": g.total, "execution_time": math.ceil(g.seconds),
            "output": f"{note}\n{output}" if note else output,
            "stdout_visibility": "hidden", "tests": tests}


def _empty_results(assignment: str, output: str, visibility: str,
                   seconds: float) -> dict[str, Any]:
    from course_checks import exercises_for

    tests = [{"name": ex.name, "number": str(i), "score": 0.0, "max_score": float(ex.points),
              "status": "failed", "output": "not graded", "visibility": visibility}
             for i, ex in enumerate(exercises_for(assignment), 1)]
    return {"score": 0.0, "execution_time": math.ceil(seconds), "output": output,
            "stdout_visibility": "hidden", "tests": tests}


def _write(results_dir: Path, data: dict[str, Any]) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "results.json"
    tmp = results_dir / ".results.json.tmp"
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def run(root: Path) -> dict[str, Any]:
    """Grade ``root/submission`` and write ``root/results/results.json``; returns it.

    Prints, for the instructor (Gradescope's stdout), what was graded and how, and the
    flags with their reasons.
    """
    from .grading import grade_notebook

    t0 = time.perf_counter()
    config = json.loads((ROOT / "gradescope.json").read_text(encoding="utf-8"))
    assignment, visibility = config["assignment"], config.get("visibility", "visible")
    path, note = find_notebook(root / "submission", assignment)
    if path is None:
        print(f"no notebook to grade: {note}")
        data = _empty_results(assignment, note, visibility, time.perf_counter() - t0)
        _write(root / "results", data)
        return data
    student = _student(root)
    sandbox, how = _sandbox(os.environ.get("GRADESCOPE_SANDBOX", "auto"))
    secret_hex = os.environ.get("GRADESCOPE_SECRET")
    secret = bytes.fromhex(secret_hex) if secret_hex else secrets.token_bytes(32)
    print(f"grading {path.relative_to(root)} as {assignment} for {student}: {how}; "
          f"grader in {ROOT}")
    try:
        g = grade_notebook(path, assignment, student, secret=secret, sandbox=sandbox,
                           source_dir=SOLUTIONS, release_dir=NOTEBOOKS)
    except Exception:  # grade_notebook should not raise; the student still gets a result
        print("grader error:\n" + traceback.format_exc())
        data = _empty_results(assignment, "The grader failed on this notebook (not caused by "
                              "your code); your instructor has been told.", visibility,
                              time.perf_counter() - t0)
        _write(root / "results", data)
        return data
    print(f"status: {g.status_text}")
    for f in g.flags:
        print(f"  flag: {f}")
    for e in g.exercises:
        print(f"  {e.exercise}: {e.points:g}/{e.max_points:g} {e.status}"
              + (f" ({e.mistake})" if e.mistake else ""))
    data = results_for(g, visibility, note)
    data["execution_time"] = math.ceil(time.perf_counter() - t0)
    _write(root / "results", data)
    return data


def main(argv: list[str] | None = None) -> int:
    """``python -m autograder.gradescope run [--root DIR]`` (what ``run_autograder`` calls)."""
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="grade /autograder/submission into /autograder/results")
    p.add_argument("--root", type=Path,
                   default=Path(os.environ.get("GRADESCOPE_ROOT", "/autograder")))
    args = parser.parse_args(argv)
    if not (ROOT / "gradescope.json").exists():
        print(f"no gradescope.json in {ROOT}: this runs inside an unpacked autograder zip "
              "(build one with `python -m autograder gradescope NOTEBOOK`)", file=sys.stderr)
        return 2
    data = run(args.root.resolve())
    print(f"score {data['score']:g}; results in {args.root / 'results' / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

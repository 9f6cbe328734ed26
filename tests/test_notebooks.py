"""Every notebook of the course, source and student version.

* ``notebooks/`` is exactly what ``python -m autograder generate`` makes from ``solutions/``;
* every source notebook runs top to bottom without an error and earns full marks
  (scored by nbgrader's own ``determine_grade``);
* every student notebook runs, its only errors are the unfinished exercises'
  ``NotImplementedYet``, and every graded cell scores 0;
* each run's wall time and kernel peak memory are measured and must stay within
  budget (30 s and 1 GiB; the capstone 90 s); the measurements are printed at the
  end of the session and written to ``artifacts/notebook_budget.json``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache

import nbformat
import pytest

from autograder import NOTEBOOKS, ROOT, SOLUTIONS
from autograder.notebooks import generate, notebook_names
from course_checks import exercises_for
from course_checks.execute import execute_notebook, grade_cells

NAMES = notebook_names(SOLUTIONS)
BUDGET_SECONDS = {"12_capstone": 90.0}
DEFAULT_SECONDS = 30.0
BUDGET_BYTES = 1 << 30
MEASURED: dict[str, dict] = {}
UNFINISHED = {"NotImplementedYet", "NotImplementedError"}


@cache
def run(kind: str, name: str):
    directory = SOLUTIONS if kind == "solution" else NOTEBOOKS
    report = execute_notebook(directory / f"{name}.ipynb")
    MEASURED[f"{kind}:{name}"] = {
        "seconds": round(report.seconds, 2),
        "kernel_seconds": round(report.kernel_seconds, 2),
        "peak_rss_mib": round((report.peak_rss_bytes or 0) / 2**20, 1),
    }
    return report


def test_there_are_notebooks():
    assert "00_welcome" in NAMES and "01_practical_aspects" in NAMES
    # notebooks/index.ipynb is the landing page (autograder/publish.py), not an assignment
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb") if p.stem != "index") == NAMES


def test_student_notebooks_are_in_sync_with_solutions(tmp_path):
    generate(NAMES, out_dir=tmp_path)
    for name in NAMES:
        want = (tmp_path / f"{name}.ipynb").read_text(encoding="utf-8")
        have = (NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8")
        assert have == want, (
            f"notebooks/{name}.ipynb is out of date: run `python -m autograder generate`"
        )


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs_and_with_stable_ids(name):
    for directory in (SOLUTIONS, NOTEBOOKS):
        nb = nbformat.read(directory / f"{name}.ipynb", as_version=4)
        ids = [c.id for c in nb.cells]
        assert len(set(ids)) == len(ids)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None
            meta = cell.metadata.get("nbgrader")
            if meta:
                assert cell.id == meta["grade_id"]
                if meta.get("grade"):
                    assert meta["locked"], f"graded cell {cell.id} must be locked"


@pytest.mark.parametrize("name", NAMES)
def test_every_exercise_has_an_answer_cell_and_a_grade_cell(name):
    nb = nbformat.read(SOLUTIONS / f"{name}.ipynb", as_version=4)
    sources = {c.id: c.source for c in nb.cells}
    for ex in exercises_for(name):
        assert ex.name in sources, f"no answer cell {ex.name}"
        cell = next(c for c in nb.cells if c.id == ex.name)
        if ex.provided:  # defined by the notebook from other answers: a locked cell
            assert "### BEGIN SOLUTION" not in cell.source
            assert cell.metadata["nbgrader"]["locked"]
            assert not cell.metadata["nbgrader"]["solution"]
            assert f"def {ex.name}(" in cell.source
            assert set(ex.depends_on) <= {e.name for e in exercises_for(name)}
        else:
            assert "### BEGIN SOLUTION" in sources[ex.name]
        grade_id = f"check_{ex.name}"
        assert grade_id in sources, f"no grade cell {grade_id}"
        assert f'check("{ex.name}", {ex.name}, hidden=True)' in sources[grade_id]
        cell = next(c for c in nb.cells if c.id == grade_id)
        assert cell.metadata["nbgrader"]["points"] == ex.points


@pytest.mark.parametrize("name", NAMES)
def test_source_notebook_runs_and_earns_full_marks(name):
    report = run("solution", name)
    assert not report.timed_out
    assert report.errors == [], [(e.cell_id, e.ename, e.evalue[:300]) for e in report.errors]
    scores = grade_cells(report.nb)
    assert scores, "the notebook has no graded cell"
    for grade_id, (score, max_score) in scores.items():
        assert score == max_score, f"{grade_id}: {score} of {max_score}"


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_runs_and_earns_zero(name):
    report = run("student", name)
    assert not report.timed_out
    unexpected = [(e.cell_id, e.ename, e.evalue[:300]) for e in report.errors
                  if e.ename not in UNFINISHED]
    assert unexpected == [], "errors other than unfinished exercises"
    scores = grade_cells(report.nb)
    for grade_id, (score, _) in scores.items():
        assert score == 0, f"{grade_id} gives points to an empty notebook"


@pytest.mark.parametrize("kind", ["solution", "student"])
@pytest.mark.parametrize("name", NAMES)
def test_time_and_memory_budget(name, kind):
    report = run(kind, name)
    limit = BUDGET_SECONDS.get(name, DEFAULT_SECONDS)
    # The budget is on the kernel's execution time: wall time also counts kernel start
    # and, rarely, a client-side wait on widget cells (nbclient issue 312), which we
    # bound separately so that a real hang still fails.
    assert report.kernel_seconds < limit, (
        f"{kind} {name} executed for {report.kernel_seconds:.1f} s (budget {limit} s)")
    assert report.seconds < limit + 240, f"{kind} {name} took {report.seconds:.1f} s wall time"
    if report.peak_rss_bytes is not None:
        assert report.peak_rss_bytes < BUDGET_BYTES, (
            f"{kind} {name} peaked at {report.peak_rss_bytes / 2**20:.0f} MiB"
        )


def test_selfcheck_cli_exit_status(tmp_path):
    """The self-check exits 1 on a blank notebook and 0 on a finished one."""
    blank = subprocess.run(
        [sys.executable, "-m", "course_checks", str(NOTEBOOKS / "00_welcome.ipynb")],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert blank.returncode == 1, blank.stderr
    assert "relu" in blank.stdout and "not implemented" in blank.stdout
    done = subprocess.run(
        [sys.executable, "-m", "course_checks", str(SOLUTIONS / "00_welcome.ipynb")],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 of 1 points pass" in done.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "course_checks", str(tmp_path / "nope.ipynb")],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_selfcheck_reports_a_wrong_answer_with_its_hint(tmp_path):
    nb = nbformat.read(NOTEBOOKS / "00_welcome.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.id == "relu")
    cell.source = "def relu(Z):\n    return np.abs(Z)\n"
    path = tmp_path / "00_welcome.ipynb"
    nbformat.write(nb, path)
    out = subprocess.run([sys.executable, "-m", "course_checks", str(path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 1
    assert "failed" in out.stdout and "absolute_value" in out.stdout


@pytest.mark.slow
def test_real_nbgrader_autograde_scores_solution_and_blank(tmp_path):
    """The generated assignment works with stock nbgrader autograde and its gradebook."""
    from autograder.notebooks import _api

    name = "00_welcome"
    generate([name], out_dir=tmp_path / "student", course_root=tmp_path / "course")
    course = tmp_path / "course"
    for student, src in (("alice", SOLUTIONS), ("bob", tmp_path / "student")):
        dest = course / "submitted" / student / name
        dest.mkdir(parents=True)
        (dest / f"{name}.ipynb").write_bytes((src / f"{name}.ipynb").read_bytes())
    api = _api(course)
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url) as gb:
        gb.update_or_create_student("alice")
        gb.update_or_create_student("bob")
    for student in ("alice", "bob"):
        result = api.autograde(name, student, force=True, create=True)
        assert result["success"], result.get("error", "") + result.get("log", "")
    with Gradebook(api.coursedir.db_url) as gb:
        assert gb.find_submission(name, "alice").score == 1.0
        assert gb.find_submission(name, "bob").score == 0.0


def teardown_module(module):
    if not MEASURED:
        return
    out = ROOT / "artifacts"
    out.mkdir(exist_ok=True)
    (out / "notebook_budget.json").write_text(json.dumps(MEASURED, indent=1, sort_keys=True))
    lines = ["", "notebook execution (kernel s, wall s, kernel peak MiB):"]
    for key in sorted(MEASURED):
        m = MEASURED[key]
        lines.append(f"  {key:<40} {m['kernel_seconds']:>7.2f} s {m['seconds']:>7.2f} s "
                     f"{m['peak_rss_mib']:>8.1f} MiB")
    print("\n".join(lines))

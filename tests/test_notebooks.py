"""Every notebook of the course, source and student version.

* ``notebooks/`` is exactly what ``python -m autograder generate`` makes from ``solutions/``
  (which cells each exercise has, and their ids and points, is tests/test_outline.py);
* every source notebook runs top to bottom without an error and earns full marks
  (scored by nbgrader's own ``determine_grade``);
* every student notebook runs, its only errors are the unfinished exercises'
  ``NotImplementedYet``, and every graded cell scores 0;
* each run's wall time and kernel peak memory are measured and must stay within
  budget (30 s and 1 GiB; the capstone 90 s); the measurements are printed at the
  end of the session and written to ``artifacts/notebook_budget.json``.

Each notebook is executed once per test process, by the ``executed_notebook`` fixture
(tests/conftest.py), and that one run serves all of its tests.
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from autograder import NOTEBOOKS, ROOT, SOLUTIONS
from autograder.notebooks import generate, notebook_differences, notebook_names
from course_checks.tools.execute import grade_cells

NAMES = notebook_names(SOLUTIONS)
BUDGET_SECONDS = {"12_capstone": 90.0}
DEFAULT_SECONDS = 30.0
BUDGET_BYTES = 1 << 30
UNFINISHED = {"NotImplementedYet", "NotImplementedError"}


def test_there_are_notebooks():
    assert "00_welcome" in NAMES and "01_practical_aspects" in NAMES
    # notebooks/index.ipynb is the landing page (autograder/publish.py), not an assignment
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb") if p.stem != "index") == NAMES


def test_student_notebooks_are_in_sync_with_solutions(tmp_path):
    # generate() first checks each source against the registry and raises OutlineError
    # naming every disagreement (tests/test_outline.py checks them all without nbgrader)
    generate(NAMES, out_dir=tmp_path)
    stale = {}
    for name in NAMES:
        want = (tmp_path / f"{name}.ipynb").read_text(encoding="utf-8")
        have = (NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8")
        if have != want:
            stale[f"notebooks/{name}.ipynb"] = notebook_differences(have, want)
    assert not stale, (
        "student notebooks out of date (run `python -m autograder generate`):\n"
        + "\n".join(f"  {path}: {'; '.join(why)}" for path, why in stale.items()))


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
def test_source_notebook_runs_and_earns_full_marks(name, executed_notebook):
    report = executed_notebook("solution", name)
    assert not report.timed_out
    assert report.errors == [], [(e.cell_id, e.ename, e.evalue[:300]) for e in report.errors]
    scores = grade_cells(report.nb)
    assert scores, "the notebook has no graded cell"
    for grade_id, (score, max_score) in scores.items():
        assert score == max_score, f"{grade_id}: {score} of {max_score}"


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_runs_and_earns_zero(name, executed_notebook):
    report = executed_notebook("student", name)
    assert not report.timed_out
    unexpected = [(e.cell_id, e.ename, e.evalue[:300]) for e in report.errors
                  if e.ename not in UNFINISHED]
    assert unexpected == [], "errors other than unfinished exercises"
    scores = grade_cells(report.nb)
    for grade_id, (score, _) in scores.items():
        assert score == 0, f"{grade_id} gives points to an empty notebook"


@pytest.mark.parametrize("kind", ["solution", "student"])
@pytest.mark.parametrize("name", NAMES)
def test_time_and_memory_budget(name, kind, executed_notebook):
    report = executed_notebook(kind, name)
    limit = BUDGET_SECONDS.get(name, DEFAULT_SECONDS)
    # The budget is on the work the cells do (ExecutionReport.work_seconds: the kernel's
    # execution time, or its CPU time when that is smaller, as it is on a machine busy
    # with other jobs). Wall time also counts kernel start and, rarely, a client-side
    # wait on widget cells (nbclient issue 312), which we bound separately so that a
    # real hang still fails.
    assert report.work_seconds < limit, (
        f"{kind} {name} executed for {report.kernel_seconds:.1f} s, CPU "
        f"{report.cpu_seconds} s (budget {limit} s)")
    assert report.seconds < limit + 240, f"{kind} {name} took {report.seconds:.1f} s wall time"
    if report.peak_rss_bytes is not None:
        assert report.peak_rss_bytes < BUDGET_BYTES, (
            f"{kind} {name} peaked at {report.peak_rss_bytes / 2**20:.0f} MiB"
        )


@pytest.mark.slow
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


@pytest.mark.slow
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


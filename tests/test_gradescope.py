"""The Gradescope autograder zip: its layout, and ``run_autograder`` in a simulated tree.

Each run extracts the zip into ``<tmp>/autograder/source`` as Gradescope does, copies
``run_autograder`` to ``<tmp>/autograder/run_autograder``, puts the submission in
``<tmp>/autograder/submission`` and runs the script with ``GRADESCOPE_ROOT`` pointing
there. The grader that runs is the copy inside the zip (its path is checked).

Gradescope's container has a fresh ``/tmp`` and no bubblewrap: the runs without the
sandbox (``GRADESCOPE_SANDBOX=off``) are made in a bubblewrap mount namespace that
gives them a fresh ``/tmp`` too (the worker counts the files of ``/tmp``: this
machine's own ``/tmp`` holds far more than its limit).
"""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder import NOTEBOOKS, SOLUTIONS
from autograder.__main__ import main
from autograder.gradescope import build, find_notebook, requirements
from autograder.sandbox import available
from course_checks import exercises_for

A = "01_practical_aspects"
SECRET = "ab" * 32
BWRAP = shutil.which("bwrap")
OK, WHY = available()


def answered(replacements: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The released notebook with the reference answers (markers removed), some replaced."""
    replacements = replacements or {}
    nb = nbformat.read(NOTEBOOKS / f"{A}.ipynb", as_version=4)
    sol = {c.id: c.source for c in nbformat.read(SOLUTIONS / f"{A}.ipynb", as_version=4).cells}
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("solution"):
            src = replacements.get(c.id, sol[c.id])
            c.source = "\n".join(ln for ln in src.splitlines() if "### " not in ln) + "\n"
    return nb


@pytest.fixture(scope="module")
def zip_path(tmp_path_factory) -> Path:
    return build(A, tmp_path_factory.mktemp("gs"))


def tree(tmp: Path, zip_path: Path) -> Path:
    root = tmp / "autograder"
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
        for info in zf.infolist():  # extractall drops the permission bits, Gradescope does not
            mode = info.external_attr >> 16 & 0o777
            if mode:
                os.chmod(root / "source" / info.filename, mode)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    return root


def run_autograder(root: Path, sandbox: str = "off") -> tuple[dict, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GRADESCOPE_ROOT": str(root),
           "GRADESCOPE_PYTHON": sys.executable, "GRADESCOPE_SANDBOX": sandbox,
           "GRADESCOPE_SECRET": SECRET}
    cmd = [str(root / "run_autograder")]
    if sandbox == "off":  # a fresh /tmp, as in Gradescope's container
        # (the Python running the tests stays visible when it lives under /tmp, as in a
        # checkout there: Gradescope's image has its own Python outside /tmp)
        keep = sorted({p for p in (sys.prefix, os.path.realpath(sys.prefix))
                       if Path(p).is_relative_to("/tmp")})
        cmd = [BWRAP, "--dev-bind", "/", "/", "--tmpfs", "/tmp",
               *[a for p in keep for a in ("--ro-bind", p, p)], "--bind", str(root),
               str(root), "--chdir", str(root), *cmd]
    proc = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((root / "results" / "results.json").read_text()), proc.stdout


def test_zip_has_gradescope_layout(zip_path):
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        reqs = zf.read("requirements.txt").decode().split()
        config = json.loads(zf.read("gradescope.json"))
        for script in ("setup.sh", "run_autograder"):  # both parse as bash
            subprocess.run(["bash", "-n"], input=zf.read(script), check=True)
    assert {"setup.sh", "run_autograder", "requirements.txt", "gradescope.json"} <= names
    assert stat.S_IMODE(modes["setup.sh"]) == 0o755 == stat.S_IMODE(modes["run_autograder"])
    assert stat.S_ISREG(modes["run_autograder"])
    assert {"autograder/grading.py", "autograder/harness/worker.py",
            "course_checks/registry.py", "course_lib/optimizers.py",
            f"solutions/{A}.ipynb", f"notebooks/{A}.ipynb"} <= names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert [n for n in names if n.startswith("solutions/")] == [f"solutions/{A}.ipynb"]
    assert not [n for n in names if n.endswith("secret")]  # hidden cases: a seed per run
    assert f"numpy=={md.version('numpy')}" in reqs and f"nbformat=={md.version('nbformat')}" in reqs
    assert all("==" in r for r in reqs) and reqs == requirements(A)
    assert config == {"assignment": A, "visibility": "visible", "grader_version": "1"}


def test_build_command_and_bad_input(tmp_path, capsys):
    assert main(["gradescope", A, "--out", str(tmp_path), "--visibility",
                 "after_published"]) == 0
    out = tmp_path / f"{A}_gradescope.zip"
    assert str(out) in capsys.readouterr().out
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("gradescope.json"))["visibility"] == "after_published"
    assert main(["gradescope", "99_nothing", "--out", str(tmp_path)]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "99_nothing" in err and A in err


def test_find_notebook(tmp_path):
    sub = tmp_path / "submission"
    sub.mkdir()
    assert find_notebook(sub, A)[0] is None and "empty" in find_notebook(sub, A)[1]
    (sub / "notes.txt").write_text("hi")
    assert "notes.txt" in find_notebook(sub, A)[1]
    nbformat.write(answered(), sub / "mine.ipynb")
    assert find_notebook(sub, A) == (sub / "mine.ipynb", "")
    (sub / "other.ipynb").write_text("{}")
    assert find_notebook(sub, A)[0] == sub / "mine.ipynb"  # its metadata names A
    nbformat.write(answered(), sub / f"{A}.ipynb")
    assert find_notebook(sub, A) == (sub / f"{A}.ipynb", "")


needs_bwrap = pytest.mark.skipif(BWRAP is None or not OK,
                                 reason=f"bubblewrap unavailable: {WHY}")


@needs_bwrap
def test_correct_submission_full_score(tmp_path, zip_path):
    root = tree(tmp_path, zip_path)
    nbformat.write(answered(), root / "submission" / "my_work.ipynb")
    (root / "submission_metadata.json").write_text(json.dumps(
        {"users": [{"email": "ann@example.edu", "id": 7, "name": "Ann"}]}))
    data, stdout = run_autograder(root)
    total = sum(e.points for e in exercises_for(A))
    assert data["score"] == total > 0
    assert [t["name"].split(" — ")[0] for t in data["tests"]] == [e.name for e in
                                                                 exercises_for(A)]
    for t, ex in zip(data["tests"], exercises_for(A)):
        assert (t["score"], t["max_score"], t["status"], t["visibility"]) == (
            ex.points, ex.points, "passed", "visible")
        assert "hidden cases passed" in t["output"]
    assert data["output"].startswith(f"Graded. {total:g} / {total:g} points")
    assert isinstance(data["execution_time"], int) and data["stdout_visibility"] == "hidden"
    assert f"grader in {root / 'source'}" in stdout  # the zip's copy graded it
    assert "for ann@example.edu" in stdout and "no sandbox" in stdout


@needs_bwrap
def test_wrong_submission_names_the_mistake(tmp_path, zip_path):
    root = tree(tmp_path, zip_path)
    wrong = "def standardize(X, mu, sigma):\n    return (X - mu) / sigma**2\n"
    nbformat.write(answered({"standardize": wrong}), root / "submission" / f"{A}.ipynb")
    data, stdout = run_autograder(root)
    assert data["score"] == sum(e.points for e in exercises_for(A)) - 1
    tests = {t["name"].split(" — ")[0]: t for t in data["tests"]}
    t = tests["standardize"]
    assert (t["score"], t["max_score"], t["status"]) == (0, 1, "failed")
    assert "Hint (divided_by_variance)" in t["output"]
    assert sum(t["status"] == "passed" for t in data["tests"]) == len(exercises_for(A)) - 1
    assert "standardize: 0/1 failed (divided_by_variance)" in stdout


@needs_bwrap
def test_broken_notebook_gets_a_clear_result(tmp_path, zip_path):
    root = tree(tmp_path, zip_path)
    (root / "submission" / f"{A}.ipynb").write_text('{"cells": [{"cell_type": "code", "sou')
    data, _ = run_autograder(root)
    assert data["score"] == 0
    assert "could not be graded: invalid notebook JSON" in data["output"]
    assert len(data["tests"]) == len(exercises_for(A))
    assert all(t["score"] == 0 and t["status"] == "failed" for t in data["tests"])


@needs_bwrap
def test_no_notebook_and_a_grader_that_cannot_start(tmp_path, zip_path):
    root = tree(tmp_path, zip_path)
    (root / "submission" / "answers.py").write_text("print(1)\n")
    data, _ = run_autograder(root)
    assert data["score"] == 0 and "No Jupyter notebook" in data["output"]
    assert "answers.py" in data["output"] and f"{A}.ipynb" in data["output"]
    (root / "source" / "autograder" / "grading.py").write_text("raise ImportError('x')\n")
    nbformat.write(answered(), root / "submission" / f"{A}.ipynb")
    (root / "results" / "results.json").unlink()
    env = {"PATH": os.environ["PATH"], "GRADESCOPE_ROOT": str(root),
           "GRADESCOPE_PYTHON": sys.executable, "GRADESCOPE_SANDBOX": "off"}
    subprocess.run([str(root / "run_autograder")], env=env, cwd=root, capture_output=True,
                   timeout=120)
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 0 and "autograder failed before grading" in data["output"]


@needs_bwrap
def test_in_the_sandbox_when_bubblewrap_works(tmp_path, zip_path):
    root = tree(tmp_path, zip_path)
    nbformat.write(answered(), root / "submission" / f"{A}.ipynb")
    data, stdout = run_autograder(root, sandbox="auto")
    assert data["score"] == sum(e.points for e in exercises_for(A)) and (
        "bubblewrap sandbox" in stdout)


def test_students_never_see_flag_text():
    from autograder.gradescope import results_for
    from autograder.grading import ExerciseGrade, SubmissionGrade

    flags = ["network: socket.connect to 10.1.2.3:80 in answer cell diagnose",
             "filesystem: read /autograder/source/solutions/01_practical_aspects.ipynb"]
    exs = [ExerciseGrade(e.name, float(e.points), float(e.points), "passed", "ok")
           for e in exercises_for(A)]
    g = SubmissionGrade("ann", A, "flagged", "; ".join(flags), exs, flags, seconds=3.2)
    data = results_for(g, "after_due_date")
    text = json.dumps(data)
    assert "10.1.2.3" not in text and "/autograder/source" not in text
    assert "some code tried to use the network" in data["output"]
    assert "outside its working folder" in data["output"]
    assert data["score"] == sum(e.points for e in exercises_for(A))
    assert data["execution_time"] == 4
    assert {t["visibility"] for t in data["tests"]} == {"after_due_date"}

"""``python -m autograder check`` / ``python -m course_checks``: the terminal self-check.

It runs, like the grader, only the answer cells and the locked setup cells, in a plain
Python child (no Jupyter kernel), then the visible checks; these tests pin what a
student sees: a table, exit status 0/1, a syntax error with its cell and line, a
timeout that names the cell, one line for a file it cannot check.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder import NOTEBOOKS, ROOT, SOLUTIONS
from course_checks.registry import exercises_for
from course_checks.tools.selfcheck_cli import SETUP_HINT, main, selected_cells


def _variant(tmp_path: Path, name: str, edits: dict[str, str], *, base: Path = SOLUTIONS,
             extra: list[str] = ()) -> Path:
    """A copy of ``base/name.ipynb`` with cells' sources replaced (``edits``: id -> source)
    and ``extra`` code cells (not answers, not locked) appended before the last cell."""
    nb = nbformat.read(base / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.get("id") in edits:
            cell.source = edits.pop(cell.id)
    assert not edits, f"no cells {sorted(edits)} in {name}"
    for i, src in enumerate(extra):
        nb.cells.insert(-1, nbformat.v4.new_code_cell(src, id=f"extra-{i}"))
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _check(capsys, *argv: object) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_cells_are_the_graders_answer_and_setup_cells_only():
    nb = nbformat.read(NOTEBOOKS / "12_capstone.ipynb", as_version=4)
    ids = [c["id"] for c in selected_cells(nb, exercises_for("12_capstone"))]
    quiz = [e.name for e in exercises_for("12_capstone") if e.name.startswith("quiz_")]
    assert ids == ["setup", "prepare_data", "network_spec", "train_model",
                   "capstone_pipeline", "choose_hyperparameters", *quiz]
    nb = nbformat.read(NOTEBOOKS / "04_gradient_checking.ipynb", as_version=4)
    ids = [c["id"] for c in selected_cells(nb, exercises_for("04_gradient_checking"))]
    assert "buggy-backward" in ids and "selfcheck" not in ids  # a locked setup cell, kept
    assert not any(i.endswith("-demo") or i.startswith("check_") for i in ids)


def test_a_correct_notebook_passes_fast_without_a_kernel(tmp_path):
    # Demo and extra cells are not run: one that raises and one that never ends change nothing.
    path = _variant(tmp_path, "07_optimizers", {}, extra=["raise RuntimeError('a demo ran')",
                                                          "while True:\n    pass\n"])
    code = ("import sys; from course_checks.tools.selfcheck_cli import main; "
            f"rc = main([{str(path)!r}]); "
            "assert not {'nbclient', 'jupyter_client'} & set(sys.modules), 'a kernel was used'; "
            "sys.exit(rc)")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    seconds = time.perf_counter() - t0
    assert out.returncode == 0, out.stdout + out.stderr
    total = sum(e.points for e in exercises_for("07_optimizers"))
    assert f"{total} of {total} points pass" in out.stdout and out.stderr == ""
    # About 1 s on a quiet 2-core machine; the bound leaves room for a loaded test machine
    # and still fails for the kernel path it replaced (8.5 s quiet, 20 s busy).
    assert seconds < 20, f"the self-check took {seconds:.1f} s"


def test_a_blank_notebook_fails_with_not_implemented(capsys):
    status, out, err = _check(capsys, NOTEBOOKS / "07_optimizers.ipynb")
    assert status == 1 and err == ""
    assert out.count("not implemented") == len(exercises_for("07_optimizers"))


def test_a_wrong_answer_is_a_named_failure(capsys, tmp_path):
    path = _variant(tmp_path, "00_welcome", {"relu": "def relu(Z):\n    return np.abs(Z)\n"})
    status, out, err = _check(capsys, path)
    assert status == 1 and err == ""
    assert "✗ relu" in out and "failed" in out
    assert "absolute_value" in out  # the catalogued mistake's name


def test_a_syntax_error_names_its_cell_and_line(capsys, tmp_path):
    src = "def gd_step(w, dw, lr):\n    out = w\n    for k in w\n        out = out\n    return out"
    path = _variant(tmp_path, "07_optimizers", {"gd_step": src})
    status, out, err = _check(capsys, path)
    assert status == 1 and err == ""
    assert "✗ gd_step" in out and "✓ momentum_step" in out  # the others are still checked
    flat = " ".join(out.split())
    assert "gd_step could not be defined: cell `gd_step`, line 3: SyntaxError" in flat
    assert "for k in w" in out
    assert "missing" not in out  # not "? gd_step missing"


def test_an_error_while_defining_names_its_line(capsys, tmp_path):
    src = "def relu(Z):\n    return np.maximum(Z, 0)\n\nrelu_check = relu(undefined_thing)\n"
    path = _variant(tmp_path, "00_welcome", {"relu": src})
    status, out, _ = _check(capsys, path)
    assert status == 1
    flat = " ".join(out.split())
    assert "cell `relu`, line 4: NameError: name 'undefined_thing' is not defined" in flat


@pytest.mark.parametrize("where, src, says", [
    ("cell", "while True:\n    pass\n", "in the answer cell `momentum_step`"),
    ("check", "def momentum_step(*args, **kwargs):\n    while True:\n        pass\n",
     "in the visible checks of momentum_step"),
], ids=["in-the-cell", "in-the-check"])
def test_an_infinite_loop_ends_in_a_timeout_naming_it(capsys, tmp_path, where, src, says):
    path = _variant(tmp_path, "07_optimizers", {"momentum_step": src})
    t0 = time.perf_counter()
    status, out, err = _check(capsys, path, "--timeout", 4)
    seconds = time.perf_counter() - t0
    assert status == 1 and err == ""
    assert seconds < 4 + 10  # the limit, and the time to stop the child and print
    flat = " ".join(out.split())
    assert f"stopped after 4 s {says}: does it loop forever?" in flat
    assert "✗ momentum_step" in out and "--timeout SECONDS" in flat
    assert "- nesterov_step" in out and "not run" in out  # after the loop: not checked
    assert ("✓ gd_step" in out) == (where == "check")  # checks run after all the cells


def test_ipython_magics_in_an_answer_cell_are_not_a_syntax_error(capsys, tmp_path):
    src = "%matplotlib inline\ndef relu(Z):\n    !echo hi\n    return np.maximum(Z, 0)\n"
    status, out, _ = _check(capsys, _variant(tmp_path, "00_welcome", {"relu": src}))
    assert status == 0, out


def test_a_notebook_with_no_answers(capsys, tmp_path):
    nb = nbformat.read(NOTEBOOKS / "07_optimizers.ipynb", as_version=4)
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("solution")]
    path = tmp_path / "07_optimizers.ipynb"
    nbformat.write(nb, path)
    status, out, err = _check(capsys, path)
    assert status == 1 and err == ""
    assert "none of the answer cells of 07_optimizers is in this file" in " ".join(out.split())
    assert out.count("missing") == len(exercises_for("07_optimizers"))


def test_what_the_students_code_prints_is_not_shown(capsys, tmp_path):
    src = ("import sys, os, warnings\nprint('noise on stdout')\nprint('noise', file=sys.stderr)\n"
           "os.write(1, b'fd noise')\nwarnings.warn('a warning')\n"
           "def relu(Z):\n    print('called')\n    return np.maximum(Z, 0)\n")
    status, out, err = _check(capsys, _variant(tmp_path, "00_welcome", {"relu": src}))
    assert status == 0, out
    assert "noise" not in out + err and "called" not in out and "warn" not in out + err
    assert out.startswith("Self-check of 00_welcome")


def test_a_missing_or_foreign_file_is_one_line(capsys, tmp_path):
    status, out, err = _check(capsys, tmp_path / "nope.ipynb")
    assert (status, out) == (2, "") and err.strip() == f"{tmp_path / 'nope.ipynb'}: no such file"
    (tmp_path / "notes.ipynb").write_text("{not json")
    status, out, err = _check(capsys, tmp_path / "notes.ipynb")
    assert status == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "not a readable notebook" in err


def test_outside_the_course_environment_is_one_line_with_the_fix(capsys, tmp_path):
    # What a Python without the course's packages meets: the setup cell's import fails.
    setup = "import numpy as np\nimport course_lib_is_not_installed_here\n"
    path = _variant(tmp_path, "00_welcome", {"setup": setup})
    status, out, err = _check(capsys, path)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "no module 'course_lib_is_not_installed_here'" in err and SETUP_HINT in err


def test_autograder_check_is_the_same_command(tmp_path):
    path = _variant(tmp_path, "00_welcome", {"relu": "def relu(Z):\n    return Z\n"})
    out = subprocess.run([sys.executable, "-m", "autograder", "check", str(path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 1 and "✗ relu" in out.stdout and out.stderr == ""

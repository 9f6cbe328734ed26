"""The autograder on a simulated class: solutions, blanks, catalogued mistakes, attacks.

Every submission below is graded in the bubblewrap sandbox (the tests skip when
bubblewrap is not available; `.ci/run` installs it). Each attack sits in one
exercise of ``01_practical_aspects`` while the other answers are correct, so each
case also shows that the rest of the notebook is still graded.
"""

from __future__ import annotations

import csv
import inspect
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import types
from pathlib import Path

import nbformat
import pytest

from autograder import NOTEBOOKS, ROOT, SOLUTIONS
from autograder import course as C
from autograder.grading import grade_notebook, reference_uses, tamper_flags
from autograder.sandbox import Limits, available
from course_checks import exercises_for, get
from course_checks.allowed import sandbox_plan

OK, WHY = available()
pytestmark = pytest.mark.skipif(not OK, reason=f"sandbox unavailable: {WHY}")
A = "01_practical_aspects"
FAST = Limits(cell_seconds=8, call_seconds=8, memory_bytes=1 << 30, cpu_seconds=120)
SECRET = b"test-secret"


def solution_nb(name: str = A) -> nbformat.NotebookNode:
    return nbformat.read(SOLUTIONS / f"{name}.ipynb", as_version=4)


def student_nb(name: str = A) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def answered(replacements: dict[str, str], name: str = A) -> nbformat.NotebookNode:
    """The student version with every answer filled in from the solution, then some replaced."""
    nb = student_nb(name)
    sol = {c.id: c.source for c in solution_nb(name).cells}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = replacements.get(cell.id, sol[cell.id])
    return nb


def _real_in_sandbox(module: str, name: str, notebook: str) -> bool:
    """Whether ``module.name`` is real code (not a stub) while ``notebook`` is graded."""
    plan = sandbox_plan(notebook)
    short = module.removeprefix("course_lib.")
    if not name:  # the whole module: real only when no name of it is a stub
        return short in plan and not plan[short]
    return short in plan and name not in plan[short]


def _self_contained(fn, name: str, seen: set | None = None,
                    forbidden: tuple[str, ...] = (), notebook: str = "") -> list[str] | None:
    """Source defining ``fn`` as ``name`` plus what it refers to, or None if impossible.

    Impossible: closures, lambdas, a reference to the exercise's own name (the
    renamed function would call itself), a use of the exercise's reference, or of
    a course_lib function that is a stub in the notebook's grading sandbox.
    """
    seen = set() if seen is None else seen
    if fn.__code__.co_freevars:
        return None
    parts: list[str] = []

    def names_of(code) -> set[str]:  # comprehensions are nested code objects
        out = set(code.co_names)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                out |= names_of(const)
        return out

    refs = {n: fn.__globals__[n] for n in names_of(fn.__code__) if n in fn.__globals__}
    if name in refs:
        return None
    for ref, value in refs.items():
        if ref in seen:
            continue
        seen.add(ref)
        if isinstance(value, types.ModuleType):
            if value.__name__.startswith("course_lib.") and not _real_in_sandbox(
                    value.__name__, "", notebook):
                return None
            parts.append(f"import {value.__name__} as {ref}")
        elif isinstance(value, bool | int | float | str | tuple | type(None)):
            parts.append(f"{ref} = {value!r}")
        elif getattr(value, "__module__", "").startswith("course_lib"):
            if f"{value.__module__}.{value.__name__}" in forbidden:
                return None
            if not _real_in_sandbox(value.__module__, value.__name__, notebook):
                return None  # a stub while grading: the copied mistake could not run
            parts.append(f"from {value.__module__} import {value.__name__} as {ref}")
        elif inspect.isfunction(value) and value.__module__ == fn.__module__:
            inner = _self_contained(value, ref, seen, forbidden, notebook)
            if inner is None:
                return None
            parts += inner
        else:
            return None
    try:
        src = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return None
    if not src.startswith("def ") or fn.__name__ == "<lambda>":
        return None
    _, _, body = src.partition("(")
    return [*parts, f"def {name}(" + body]


def mistake_source(exercise: str, mistake: str) -> str | None:
    ex = get(exercise)
    impl = next(m.impl for m in ex.mistakes if m.name == mistake)
    parts = _self_contained(impl, exercise, forbidden=ex.reference_names, notebook=ex.notebook)
    return None if parts is None else "\n".join(parts) + "\n"


def first_portable_mistake(exercise: str) -> tuple[str | None, str]:
    """A catalogued mistake as answer source; else a plainly wrong answer (returns None)."""
    for m in get(exercise).mistakes:
        src = mistake_source(exercise, m.name)
        if src is not None:
            return m.name, src
    return None, f"def {exercise}(*args, **kwargs):\n    return None\n"


def write(tmp: Path, name: str, nb) -> Path:
    path = tmp / name
    if isinstance(nb, bytes | str):
        path.write_bytes(nb if isinstance(nb, bytes) else nb.encode())
    else:
        nbformat.write(nb, path)
    return path


def grade(path: Path, assignment: str = A, student: str = "s"):
    return grade_notebook(path, assignment, student, secret=SECRET, limits=FAST)


def points(g) -> dict[str, float]:
    return {e.exercise: e.points for e in g.exercises}


FULL = {e.name: float(e.points) for e in exercises_for(A)}
TOTAL = sum(FULL.values())  # exercises and quiz questions


def minus(name: str) -> dict[str, float]:
    return {**FULL, name: 0.0}


def flagged(name: str, source: str) -> tuple[dict[str, str], dict[str, float], str]:
    """An attack in the answer to ``name``: ``source`` earns nothing there (the rest of
    the notebook keeps its points) and the notebook is flagged."""
    return {name: source}, minus(name), "flagged"


# ---- the basics ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.stem for p in SOLUTIONS.glob("*.ipynb")))
def test_solution_full_blank_zero_first_mistakes_zero(tmp_path, name):
    exs = exercises_for(name)
    full = grade(write(tmp_path, "sol.ipynb", answered({}, name)), name)
    assert full.status == "graded", full.status_text
    assert all(e.status == "passed" for e in full.exercises), [
        (e.exercise, e.status, e.message) for e in full.exercises]
    blank = grade(write(tmp_path, "blank.ipynb", student_nb(name)), name)
    assert blank.total == 0 and blank.status == "graded"
    assert {e.status for e in blank.exercises} == {"not implemented"}
    picks = {ex.name: first_portable_mistake(ex.name) for ex in exs if not ex.provided}
    wrong = answered({k: src for k, (_, src) in picks.items()}, name)
    g = grade(write(tmp_path, "wrong.ipynb", wrong), name)
    assert g.total == 0
    for e in g.exercises:
        if e.exercise in picks:
            assert e.status == "failed", (e.exercise, e.status, e.message)
            assert e.mistake == picks[e.exercise][0]
        else:  # provided by the notebook: it fails because the answers it combines do
            assert e.status in ("failed", "error"), (e.exercise, e.status, e.message)


@pytest.mark.parametrize(("exercise", "mistake"),
                         [(ex.name, m.name) for ex in exercises_for(A) for m in ex.mistakes])
def test_each_mistake_loses_only_its_exercise(tmp_path, exercise, mistake):
    nb = answered({exercise: mistake_source(exercise, mistake)})
    g = grade(write(tmp_path, "m.ipynb", nb))
    assert points(g) == minus(exercise)
    e = next(e for e in g.exercises if e.exercise == exercise)
    assert e.mistake == mistake and mistake in e.message


# ---- attacks -----------------------------------------------------------------------------

WRONG_DIAGNOSE = "def diagnose(train_error, dev_error, bayes_error=0.0):\n    return False, False\n"


class Server:
    """A TCP listener on the host's loopback that records connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
                self.hits += 1
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.sock.close()


ATTACKS = {
    "monkeypatched_numpy_and_asserts": flagged("diagnose",
        "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
        "np.array_equal = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n" + WRONG_DIAGNOSE),
    "ndarray_subclass_always_equal": (
        {"standardize": textwrap.dedent("""
            class Cheat(np.ndarray):
                def __eq__(self, other): return np.ones(np.broadcast(self, other).shape, bool)
                def __ne__(self, other): return np.zeros(np.broadcast(self, other).shape, bool)
            def standardize(X, mu, sigma):
                return np.zeros(X.shape).view(Cheat)
        """)},
        minus("standardize"), "graded"),
    "calls_the_reference": flagged("split_data",
        "from course_lib.data import train_dev_test_split\n"
        "def split_data(X, Y, fractions, rng):\n"
        "    return train_dev_test_split(X, Y, fractions, rng=rng)\n"),
    "calls_the_reference_obfuscated": flagged("fit_standardizer",
        "import importlib\n"
        "def fit_standardizer(X_train):\n"
        "    m = importlib.import_module('course_' + 'lib.data')\n"
        "    return getattr(m, 'fit_' + 'standardizer')(X_train)\n"),
    "imports_the_registry": flagged("diagnose",
        "def diagnose(train_error, dev_error, bayes_error=0.0):\n"
        "    from course_checks import get\n"
        "    return get('diagnose').reference(train_error, dev_error, bayes_error)\n"),
    "infinite_loop_in_answer_cell": flagged("diagnose",
        "def diagnose(train_error, dev_error, bayes_error=0.0):\n"
        "    return train_error - bayes_error > 0.02, dev_error - train_error > 0.02\n"
        "while True:\n    pass\n"),
    "infinite_loop_in_function": flagged("standardize",
        "def standardize(X, mu, sigma):\n    while True:\n        pass\n"),
    "memory_bomb": flagged("fit_standardizer",
        "def fit_standardizer(X_train):\n"
        "    hog = bytearray(8 * 2**30)\n    return hog\n"),
    "fork_bomb": flagged("diagnose",
        "import os\ndef diagnose(train_error, dev_error, bayes_error=0.0):\n"
        "    while True:\n        os.fork()\n"),
    "os_exit_in_answer_cell": flagged("standardize",
        "import os\ndef standardize(X, mu, sigma):\n"
        "    return (X - mu) / sigma\nos._exit(0)\n"),
    "sys_exit_in_function": flagged("diagnose",
        "import sys\ndef diagnose(train_error, dev_error, bayes_error=0.0):\n"
        "    sys.exit(0)\n"),
    "reads_the_source_notebooks": flagged("split_data",
        "import json\ndef split_data(X, Y, fractions, rng):\n"
        f"    json.load(open({str(SOLUTIONS / (A + '.ipynb'))!r}))\n"
        "    return None\n"),
    "correct_answer_warns_on_stderr": (
        {"standardize": "import sys, warnings\ndef standardize(X, mu, sigma):\n"
                        "    warnings.warn('careful')\n    print('noise', file=sys.stderr)\n"
                        "    return (X - mu) / sigma\n"},
        FULL, "graded"),
    "clears_the_tripwires_through_main": flagged("fit_standardizer",
        "import importlib\n"
        "try:\n    __import__('__main__').ARMED.clear()\n"
        "except AttributeError:\n    pass\n"
        "def fit_standardizer(X_train):\n"
        "    __import__('__main__').__dict__.get('ARMED', set()).clear()\n"
        "    m = importlib.import_module('course_' + 'lib.data')\n"
        "    return getattr(m, 'fit_' + 'standardizer')(X_train)\n"),
    "fifo_where_the_worker_writes": (
        {"standardize": "import os\n"
                        "for tag in ('visible', 'hidden'):\n"
                        "    os.mkfifo(f'/sandbox/out_standardize_{tag}_0_0.npy')\n"
                        "def standardize(X, mu, sigma):\n    return (X - mu) / sigma\n"},
        FULL, "graded"),
    "huge_output": (
        {"diagnose": "print('x' * (100 * 2**20))\n"
                     "def diagnose(train_error, dev_error, bayes_error=0.0):\n"
                     "    return (train_error - bayes_error > 0.02,\n"
                     "            dev_error - train_error > 0.02)\n"},
        FULL, "graded"),
}


def test_symlinks_where_the_grader_writes_reach_nothing(tmp_path):
    """The grader writes the cases into /sandbox/in, read-only inside: a symlink planted
    there cannot make it write outside the sandbox."""
    target = tmp_path / "PWNED"
    src = ("import os\n"
           "planted = []\n"
           "for tag in ('visible', 'hidden'):\n"
           "    for folder in ('/sandbox', '/sandbox/in'):  # where it writes, now and before\n"
           "        try:\n"
           f"            os.symlink({str(target)!r}, f'{{folder}}/standardize_{{tag}}.json')\n"
           "            planted.append(folder)\n"
           "        except OSError:\n"
           "            pass\n"
           "def standardize(X, mu, sigma):\n    return (X - mu) / sigma\n")
    g = grade(write(tmp_path, "symlink.ipynb", answered({"standardize": src})))
    assert points(g) == FULL and g.status == "graded", g.status_text
    assert not target.exists()


def test_a_grader_error_becomes_a_status_not_a_crash(tmp_path, monkeypatch):
    """grade_all turns an unexpected exception of the grader into a 'not gradable' row."""
    course = tmp_path / "course"
    path = course / "submitted" / "ann" / A / f"{A}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(answered({}), path)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(C, "grade_notebook", broken)
    grades, _ = C.grade_all(course, [A], jobs=1, sandbox=False, progress=False)
    assert [(g.student, g.status) for g in grades] == [("ann", "not gradable")]
    assert "grader error: RuntimeError: boom" in grades[0].reason


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack(tmp_path, attack):
    replacements, expected, status = ATTACKS[attack]
    t0 = time.perf_counter()
    g = grade(write(tmp_path, f"{attack}.ipynb", answered(replacements)))
    assert points(g) == expected, [(e.exercise, e.status, e.message[:200]) for e in g.exercises]
    assert g.status == status, g.status_text
    assert time.perf_counter() - t0 < 60


def test_network_is_unreachable(tmp_path):
    server = Server()
    try:
        src = ("import socket\ndef split_data(X, Y, fractions, rng):\n"
               f"    socket.create_connection(('127.0.0.1', {server.port}), timeout=2)\n"
               "    return None\n")
        g = grade(write(tmp_path, "net.ipynb", answered({"split_data": src})))
        assert points(g) == minus("split_data")
        assert "Network is unreachable" in g.exercises[0].message or "Errno" in (
            g.exercises[0].message)
    finally:
        server.close()
    assert server.hits == 0


def test_gradebook_and_other_students_are_out_of_reach(tmp_path):
    course = tmp_path / "course"
    other = course / "submitted" / "victim" / A / f"{A}.ipynb"
    other.parent.mkdir(parents=True)
    other.write_text("{}")
    db = course / "gradebook.db"
    db.write_bytes(b"original")
    src = ("def diagnose(train_error, dev_error, bayes_error=0.0):\n"
           f"    open({str(db)!r}, 'wb').write(b'pwned')\n"
           f"    open({str(other)!r}, 'w').write('pwned')\n"
           "    return train_error - bayes_error > 0.02, dev_error - train_error > 0.02\n")
    g = grade(write(tmp_path, "gb.ipynb", answered({"diagnose": src})))
    assert points(g) == minus("diagnose")
    assert db.read_bytes() == b"original" and other.read_text() == "{}"


def test_tampered_notebooks_gain_nothing_and_are_flagged(tmp_path):
    nb = answered({})
    nb.cells = [c for c in nb.cells if c.id != "check_diagnose"]
    g = grade(write(tmp_path, "deleted.ipynb", nb))
    assert points(g) == FULL and g.status == "flagged" and "deleted" in g.reason

    nb = answered({"diagnose": WRONG_DIAGNOSE})
    for c in nb.cells:
        if c.id == "check_diagnose":
            c.source = "pass"
            c.metadata["nbgrader"]["points"] = 100
    g = grade(write(tmp_path, "edited.ipynb", nb))
    assert points(g) == minus("diagnose") and g.total == TOTAL - 2
    assert "edited" in g.reason and "metadata" in g.reason

    nb = answered({})
    for c in nb.cells:
        if c.id == "split_data":
            c.metadata["nbgrader"].update(solution=False, grade=True, points=50, locked=True)
    g = grade(write(tmp_path, "meta.ipynb", nb))
    assert g.total == TOTAL and g.status == "flagged"


def test_unreadable_or_foreign_notebooks_are_not_gradable(tmp_path):
    g = grade(write(tmp_path, "bad.ipynb", b'{"cells": [ this is not json'))
    assert g.status == "not gradable" and "invalid notebook JSON" in g.reason and g.total == 0
    g = grade(write(tmp_path, "other.ipynb", answered({}, "00_welcome")))
    assert g.status == "not gradable" and "00_welcome" in g.reason
    g = grade(tmp_path / "missing.ipynb")
    assert g.status == "not gradable" and "cannot read" in g.reason


def test_huge_stored_output_is_graded(tmp_path):
    nb = answered({})
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                   text="y" * (100 * 2**20))]
    g = grade(write(tmp_path, "big.ipynb", nb))
    assert g.total == TOTAL and g.status == "graded"


def test_static_reference_detection():
    names = ("course_lib.data.standardize",)
    assert reference_uses("from course_lib.data import standardize as s", names)
    assert reference_uses("import course_lib.data as d\nx = d.standardize", names)
    assert reference_uses("import course_lib\ncourse_lib.data.standardize(1)", names)
    assert not reference_uses("from course_lib.data import one_hot", names)
    assert reference_uses("import course_checks", names) == ["course_checks"]


def test_tamper_flags_clean_for_untouched_notebooks():
    assert tamper_flags(student_nb(), answered({})) == []


# ---- a whole class: collect, parallel grading, resume, export, feedback, gradebook ----------


def _class_folder(tmp: Path, n: int) -> Path:
    """A flat LMS-style folder: n students, half correct, half with one mistake, plus junk."""
    flat = tmp / "lms"
    flat.mkdir()
    for i in range(n):
        nb = answered({} if i % 2 == 0 else {"diagnose": WRONG_DIAGNOSE})
        nbformat.write(nb, flat / f"student{i:02d}_{A}.ipynb")
    (flat / "notes.txt").write_text("not a notebook")
    nbformat.write(answered({}), flat / "mystery.ipynb")
    return flat


def test_collect_grade_export_feedback_gradebook(tmp_path):
    course = tmp_path / "course"
    C.release(course, [A])
    rep = C.collect(_class_folder(tmp_path, 4), course)
    assert len(rep.collected) == 4
    assert {r for r, _ in rep.unmatched} == {"notes.txt", "mystery.ipynb"}
    new, skipped = C.grade_all(course, [A], jobs=2, limits=FAST, progress=False)
    assert len(new) == 4 and skipped == 0
    again, skipped = C.grade_all(course, [A], jobs=2, limits=FAST, progress=False)
    assert again == [] and skipped == 4
    results = C.load_results(course)
    C.write_gradebook(course, results)
    out = C.export_csv(results, course / "grades.csv")
    rows = list(csv.DictReader(out.open()))  # one row per student and exercise
    assert len(rows) == 4 * len(FULL)
    totals = {}
    for r in rows:
        totals[r["student"]] = totals.get(r["student"], 0) + float(r["points"])
    full, less = TOTAL, TOTAL - 2  # student01 misses diagnose (2 points)
    assert totals == {"student00": full, "student01": less, "student02": full,
                      "student03": less}
    assert [r["points"] for r in rows if r["student"] == "student01"] == [
        f"{p:g}" for p in minus("diagnose").values()]
    assert all(r["submission_status"] == "graded" for r in rows)
    pages = C.write_feedback(course, results)
    text = pages[1].read_text()
    assert "diagnose" in text and "BEGIN HIDDEN" not in text and f"{less:g} / {full:g}" in text
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_submission(A, "student01").score == less
        assert gb.find_submission(A, "student00").score == full


def test_collect_nbgrader_layout_and_zip(tmp_path):
    import zipfile

    src = tmp_path / "export" / "submitted" / "ann" / A
    src.mkdir(parents=True)
    nbformat.write(answered({}), src / f"{A}.ipynb")
    z = tmp_path / "class.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(src / f"{A}.ipynb", f"submitted/ann/{A}/{A}.ipynb")
        zf.writestr(f"bob_{A}.ipynb", (src / f"{A}.ipynb").read_text())
        zf.writestr("../evil.ipynb", "{}")
    rep = C.collect(z, tmp_path / "course")
    assert sorted(s for s, _, _ in rep.collected) == ["ann", "bob"]
    assert any("unsafe" in why for _, why in rep.unmatched)


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_export(tmp_path):
    folder = _class_folder(tmp_path, 3)
    released = tmp_path / "released"
    C.release(released, [A])  # once: a course holds no absolute path, so it can be copied
    runs = {}
    for label in ("straight", "interrupted"):
        course = tmp_path / label
        shutil.copytree(released, course)
        C.collect(folder, course)
        cmd = [sys.executable, "-m", "autograder", "--course", str(course), "grade", A,
               "--jobs", "1", "--no-progress", "--cell-timeout", "8", "--call-timeout", "8"]
        if label == "interrupted":
            proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            results = course / "results" / A
            deadline = time.time() + 120
            while time.time() < deadline and not list(results.glob("*.json")):
                time.sleep(0.2)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            done = len(list(results.glob("*.json")))
            assert 1 <= done < 3, done  # killed between two submissions
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, timeout=600)
        subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), "export"],
                       cwd=ROOT, check=True, capture_output=True, timeout=120)
        runs[label] = (course / "export" / "grades.csv").read_text()
    assert runs["straight"] == runs["interrupted"]


def test_grade_refuses_without_sandbox(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on PATH
    (tmp_path / "c" / "release").mkdir(parents=True)  # a released (empty) course
    out = subprocess.run([sys.executable, "-m", "autograder", "--course", str(tmp_path / "c"),
                          "grade"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PATH": str(tmp_path)})
    assert out.returncode == 3 and "bubblewrap" in out.stderr
    assert "--unsafe-no-sandbox" in out.stderr


def test_results_are_plain_json(tmp_path):
    g = grade(write(tmp_path, "s.ipynb", answered({})))
    again = type(g).from_json(g.to_json())
    assert again == g
    data = json.loads(g.to_json())
    assert data["status"] == "graded" and len(data["exercises"]) == len(FULL)


def test_feedback_states_flags_in_neutral_words_only(tmp_path):
    """The instructor sees what was flagged and where; the student's page says, in neutral
    words, that the submission will be reviewed, and shows none of the flags' text."""
    src = ("def diagnose(train_error, dev_error, bayes_error=0.0):\n"
           "    try:\n        open('/etc/passwd').read()\n    except OSError:\n        pass\n"
           "    return train_error - bayes_error > 0.02, dev_error - train_error > 0.02\n")
    g = grade(write(tmp_path, "fs.ipynb", answered({"diagnose": src})))
    assert g.status == "flagged" and any(f.startswith("filesystem:") for f in g.flags), g.flags
    assert points(g) == FULL  # reading a file gains nothing and costs nothing by itself
    page = C.write_feedback(tmp_path / "course", [g])[0].read_text()
    assert "reviewed by your instructor" in page and "outside its working folder" in page
    assert "/etc/passwd" not in page and all(f not in page for f in g.flags)


def test_worker_and_grader_agree_on_their_shared_constants():
    """The worker (which cannot import the grader) repeats a few constants of grading.py."""
    import re

    from autograder import grading

    worker = (ROOT / "autograder" / "harness" / "worker.py").read_text()
    for name in ("REFUSED_EXIT", "MAX_FILES"):
        value = re.search(rf"^{name} = ([0-9_]+)", worker, re.M).group(1)
        assert int(value) == getattr(grading, name), name
    dtypes = re.search(r"^DTYPES = frozenset\(\{(.*?)\}\)", worker, re.M | re.S).group(1)
    assert set(re.findall(r'"([^"]+)"', dtypes)) == grading.DTYPES


def test_a_submission_has_a_total_time_budget(tmp_path):
    """Limits.submission_seconds bounds a submission whatever its cells and calls do:
    what is left when it runs out is not run, earns nothing and is flagged."""
    slow = ("import time\ntime.sleep(3)\n"
            "def {name}(*args, **kwargs):\n    return None\n")
    nb = answered({name: slow.format(name=name) for name in FULL})
    limits = Limits(cell_seconds=8, call_seconds=8, memory_bytes=1 << 30, cpu_seconds=120,
                    submission_seconds=7)
    t0 = time.perf_counter()
    g = grade_notebook(write(tmp_path, "slow.ipynb", nb), A, "s", secret=SECRET, limits=limits)
    assert time.perf_counter() - t0 < 7 + 8  # the budget, plus one worker start and reads
    assert g.total == 0 and any(e.status == "timeout" for e in g.exercises)
    assert any(f.startswith("timeout: the submission used up") for f in g.flags), g.flags


def test_the_sandbox_has_no_other_python_packages(tmp_path):
    """Only numpy, matplotlib, ipywidgets, tqdm and their dependencies are importable in the
    sandbox (PyTorch only for 13_frameworks); not SciPy or scikit-learn (either computes
    some answers), from the venv or from the system's Python."""
    from autograder.sandbox import build_command, worker_uid

    script = ("import importlib.util, os, sys, json\n"
              "sys.path += ['/usr/lib/python3/dist-packages']\n"
              "mods = ['numpy', 'matplotlib', 'ipywidgets', 'scipy', 'sklearn', 'torch',"
              " 'pandas', 'course_checks', 'autograder']\n"
              "found = {m: importlib.util.find_spec(m) is not None for m in mods}\n"
              "empty = not os.path.isdir('/usr/lib/python3/dist-packages') or "
              "os.listdir('/usr/lib/python3/dist-packages') == []\n"
              "print(json.dumps({'found': found, 'system_empty': empty}))\n")
    (tmp_path / "in").mkdir()
    out = {}
    for torch in (False, True):
        cmd = build_command([sys.executable, "-c", script], tmp_path, uid=worker_uid(0),
                            limits=Limits(), allow_torch=torch)
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                             env={"PATH": "/usr/bin:/bin"})
        assert res.returncode == 0, res.stderr[-2000:]
        out[torch] = json.loads(res.stdout.strip().splitlines()[-1])
    for got in out.values():
        assert got["found"]["numpy"] and got["found"]["matplotlib"] and got["found"]["ipywidgets"]
        assert not any(got["found"][m] for m in ("scipy", "sklearn", "pandas", "course_checks",
                                                   "autograder")), got
        assert got["system_empty"], got
    assert not out[False]["found"]["torch"]

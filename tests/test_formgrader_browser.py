"""Formgrader in a real browser: the graded class is listed, a manual score reaches the export.

A temporary course (``01_practical_aspects``; alice hands in the solutions, bob a wrong
``diagnose``) is collected from a Canvas-style download with a roster and graded;
a Jupyter server with nbgrader's formgrader serves it on localhost. Debian's
Chromium (``/usr/bin/chromium``, driven by Playwright) opens Manual Grading: both
submissions are listed under the roster's names with their scores; on bob's
submission it types a score and a comment for ``diagnose`` as an instructor would;
``export`` then carries them. Screenshots go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from autograder import NOTEBOOKS, ROOT, SOLUTIONS
from autograder import course as C
from autograder.export import export, number
from autograder.roster import read_roster, save_roster
from autograder.sandbox import Limits, available
from course_checks import exercises_for

CHROMIUM = shutil.which("chromium") or next(
    (p for p in ("/usr/bin/chromium", "/usr/lib/chromium/chromium") if Path(p).exists()), None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or importlib.util.find_spec("playwright") is None,
    reason="needs chromium (/usr/bin/chromium) and playwright (pip install -e '.[browser]')")
A = "01_practical_aspects"
TOTAL = sum(e.points for e in exercises_for(A))  # exercises and quiz questions
SHOTS = ROOT / "artifacts" / "screenshots"
ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,01 Practical Aspects (48213)
Points Possible,,,,,6
"Liddell, Alice",101,S101,alice,Sec A,
"Builder, Bob",102,S102,bob,Sec A,
"""
WRONG = "def diagnose(train_error, dev_error, bayes_error=0.0):\n    return False, False\n"


def answered(replacements: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / f"{A}.ipynb", as_version=4)
    sol = {c.id: c.source for c in nbformat.read(SOLUTIONS / f"{A}.ipynb", as_version=4).cells}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = replacements.get(cell.id, sol[cell.id])
    return nb


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    # same opening as test_instructor.py's canvas_class on purpose: each module releases
    # a course of its own (its roster, its submissions), in a few lines of the public API
    home = tmp_path_factory.mktemp("formgrader")
    course = home / "course"
    C.release(course, [A])
    (home / "roster.csv").write_text(ROSTER)
    save_roster(read_roster(home / "roster.csv"), course)
    download = home / "download"
    download.mkdir()
    nbformat.write(answered({}), download / f"liddellalice_101_5001_{A}.ipynb")
    nbformat.write(answered({"diagnose": WRONG}), download / f"builderbob_102_5002_{A}.ipynb")
    rep = C.collect(download, course, released_only=True)
    assert len(rep.collected) == 2, rep.unmatched
    sandbox, _ = available()
    C.grade_all(course, [A], jobs=2, sandbox=sandbox, progress=False,
                limits=Limits(cell_seconds=30, call_seconds=30, memory_bytes=1 << 30,
                              cpu_seconds=300))
    C.write_gradebook(course, C.load_results(course))
    return home, course


@pytest.fixture(scope="module")
def server(graded):
    """A Jupyter server (nbgrader's formgrader enabled by its install) rooted above the
    course, with nbgrader's course root set to it."""
    home, course = graded
    state = home / "state"
    config = state / "config"
    config.mkdir(parents=True)
    (home / "exchange").mkdir()
    (config / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'idnn'\n"
        f"c.Exchange.root = {str(home / 'exchange')!r}\n")
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config),
           "JUPYTER_RUNTIME_DIR": str(state / "runtime"), "JUPYTER_DATA_DIR": str(state / "data"),
           "JUPYTER_PLATFORM_DIRS": "1"}
    cmd = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (state / "server.log").open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=home,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            req = urllib.request.Request(f"{base}/api/status",
                                         headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(req, timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError((state / "server.log").read_text()[-3000:]) from None
            time.sleep(0.3)
    yield base, token
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def test_formgrader_lists_the_class_and_a_manual_score_reaches_the_export(graded, server):
    from playwright.sync_api import sync_playwright

    _, course = graded
    base, token = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900},  # every request
                                extra_http_headers={"Authorization": f"token {token}"})
        try:
            page.goto(f"{base}/formgrader/gradebook/{A}/{A}")
            table = page.locator("#main-table")
            table.locator("tr").nth(1).wait_for(timeout=60_000)
            page.locator("#toggle_names").click()  # formgrader hides names by default
            page.get_by_text("Builder, Bob").wait_for(timeout=10_000)
            listing = table.inner_text()
            page.screenshot(path=SHOTS / "formgrader-manual-grading-list.png")
            assert "Builder, Bob" in listing and "Liddell, Alice" in listing, listing
            assert f"{TOTAL - 2} / {TOTAL}" in listing and f"{TOTAL} / {TOTAL}" in listing, (
                listing)
            row = table.locator("tr", has_text="Builder, Bob")
            row.locator("a.name-shown").click()  # bob's notebook
            score = page.locator("input.score[id='check_diagnose']")
            score.wait_for(timeout=60_000)
            page.wait_for_function(  # the grades are loaded: the auto score is the placeholder
                "() => document.getElementById('check_diagnose').getAttribute('placeholder')"
                " === '0'", timeout=60_000)
            assert "failed: 0 / 2 points" in page.content()  # the grader's message
            score.fill("1.5")
            score.press("Tab")
            comment = page.locator("textarea#diagnose-comment")
            comment.fill("right idea, wrong threshold")
            comment.press("Tab")
            deadline = time.monotonic() + 30  # formgrader saves each field on change
            while time.monotonic() < deadline and C.manual_grades(course).get(
                    ("bob", A, "diagnose"), C.Manual(None)).points is None:
                page.wait_for_timeout(250)
            page.screenshot(path=SHOTS / "formgrader-manual-score.png")
        except Exception:
            page.screenshot(path=SHOTS / "formgrader-FAILED.png")
            (SHOTS / "formgrader-FAILED.html").write_text(page.content())
            raise
        finally:
            browser.close()
    manual = C.manual_grades(course)[("bob", A, "diagnose")]
    assert (manual.points, manual.comment, manual.source) == (
        1.5, "right idea, wrong threshold", "formgrader")
    C.grade_all(course, [A], students=["bob"], sandbox=available()[0], progress=False)
    C.write_gradebook(course, C.load_results(course))  # a regrade keeps the manual score
    rep = export(course, C.load_results(course))
    with (course / "export" / "canvas.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[2:] == [["Liddell, Alice", "101", "S101", "alice", "Sec A", number(TOTAL)],
                        ["Builder, Bob", "102", "S102", "bob", "Sec A", number(TOTAL - 0.5)]]
    assert any(r.exercise == "diagnose" and r.points == 1.5 and r.manual == "formgrader"
               for r in rep.exercises)

"""The instructor's night: roster and LMS download in, late policy, manual grades, exports.

A Canvas class of nine (resubmissions, a late student, a late student with an
extension, a copy handed in a few minutes after the deadline, a corrupted file, a
no-show, the instructor's source notebook, a file of someone not in the roster) is
collected, graded in the sandbox, given a manual score as formgrader gives one and an
``override``, regraded, and exported: every number of the exports is checked. A Moodle
download goes through collect and the Moodle import file. The guardrails are checked
through the command line.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import subprocess
import warnings
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import pytest

from autograder import NOTEBOOKS, ROOT, SOLUTIONS
from autograder import course as C
from autograder.export import export, number
from autograder.grading import ExerciseGrade, SubmissionGrade
from autograder.lms import parse_name
from autograder.policy import ConfigError, load_config
from autograder.roster import RosterError, read_roster
from autograder.sandbox import Limits, available
from course_checks import exercises_for

A = "01_practical_aspects"
KNOWN = C.assignments()
# The notebook's points (exercises and quiz questions); bob misses diagnose (2 points),
# mcurie loses 20 % of them, and the manual grades take 0.5 off.
TOTAL = sum(e.points for e in exercises_for(A))
OFF = round(TOTAL * 0.2, 2)
FULL_, BOB, CURIE, MANUAL = (number(TOTAL), number(TOTAL - 2), number(TOTAL - OFF),
                             number(TOTAL - 0.5))
FAST = Limits(cell_seconds=20, call_seconds=20, memory_bytes=1 << 30, cpu_seconds=120)
WRONG_DIAGNOSE = "def diagnose(train_error, dev_error, bayes_error=0.0):\n    return False, False\n"
sandboxed = pytest.mark.skipif(not available()[0], reason=f"sandbox: {available()[1]}")


def answered(replacements: dict[str, str] | None = None) -> str:
    """The released notebook with every answer from the solution, some replaced."""
    nb = nbformat.read(NOTEBOOKS / f"{A}.ipynb", as_version=4)
    sol = {c.id: c.source for c in nbformat.read(SOLUTIONS / f"{A}.ipynb", as_version=4).cells}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = (replacements or {}).get(cell.id, sol[cell.id])
    return nbformat.writes(nb)


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``python -m autograder ARGS`` run in this process (a new interpreter per command
    would cost seconds each); every warning raised is recorded and printed to stderr."""
    from autograder.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with (contextlib.redirect_stdout(out), contextlib.redirect_stderr(err),
              warnings.catch_warnings(record=True) as caught):
            warnings.simplefilter("always")
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse
                code = exc.code
    finally:
        os.chdir(here)
    for w in caught:
        err.write(f"{w.category.__name__}: {w.message}\n")
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


# ---- file names, rosters, the course config --------------------------------------------


def test_lms_names():
    p = parse_name(Path(f"liddellalice_101_5001_{A}.ipynb"), KNOWN)
    assert (p.layout, p.lms_id, p.token, p.notebook, p.lms_late, p.attempt) == (
        "canvas", "101", "liddellalice", A, False, 0)
    p = parse_name(Path(f"curiemarie_LATE_103_5004_{A}-2.ipynb"), KNOWN)
    assert (p.lms_id, p.lms_late, p.attempt, p.notebook) == ("103", True, 2, A)
    p = parse_name(Path(f"Ann Smith_4711_assignsubmission_file_/{A}.ipynb"), KNOWN)
    assert (p.layout, p.name, p.notebook) == ("moodle", "Ann Smith", A)
    p = parse_name(Path(f"Ann Smith_4711_assignsubmission_file_{A}.ipynb"), KNOWN)
    assert (p.layout, p.name, p.notebook) == ("moodle", "Ann Smith", A)
    p = parse_name(Path(f"submitted/ann/{A}/{A}.ipynb"), KNOWN)
    assert (p.layout, p.token, p.notebook) == ("nbgrader", "ann", A)
    p = parse_name(Path(f"bob_{A}.ipynb"), KNOWN)
    assert (p.layout, p.token, p.notebook) == ("flat", "bob", A)
    assert parse_name(Path("x/.hidden.ipynb"), KNOWN) == "hidden or system file"
    assert parse_name(Path("notes.txt"), KNOWN) == "not a notebook (.ipynb)"
    assert "onlinetext" in parse_name(
        Path("Ann Smith_4711_assignsubmission_onlinetext_/onlinetext.ipynb"), KNOWN)


CANVAS_ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,01 Practical Aspects (48213),\
Assignments Current Score,Current Score,Final Score
    Points Possible,,,,,6.00,(read only),(read only),(read only)
"Liddell, Alice",101,S101,alice,Sec A,,,,
"Builder, Bob",102,S102,bob,Sec A,,,,
"Curie, Marie",103,S103,mcurie,Sec A,,,,
"Doe, John",104,S104,jdoe,Sec A,,,,
"Erdős, Paul",105,S105,perdos,Sec B,,,,
"Fermat, Pierre",106,S106,pfermat,Sec B,,,,
"Gauss, Carl",107,S107,cgauss,Sec B,,,,
"Hopper, Grace",108,S108,ghopper,Sec B,,,,
"Student, Test",999,,,Sec B,,,,
"""

MOODLE_ROSTER = """First name,Last name,ID number,Institution,Department,Email address,\
Assignment: 01 Practical Aspects (Real),Course total (Real),Last downloaded from this course
Ann,Smith,,Uni,CS,ann.smith@uni.example,-,-,1764000000
José,García,12345,Uni,CS,jose@uni.example,-,-,1764000000
Li,Wei,,Uni,CS,li.wei@uni.example,-,-,1764000000
"""


def test_rosters(tmp_path):
    (tmp_path / "canvas.csv").write_text(CANVAS_ROSTER, encoding="utf-8")
    r = read_roster(tmp_path / "canvas.csv")
    assert r.lms == "canvas" and len(r.students) == 8  # no Points Possible, no test student
    alice = r.students[0]
    assert (alice.id, alice.first_name, alice.last_name, alice.lms_id, alice.sis_id,
            alice.section, alice.sortable_name) == (
        "alice", "Alice", "Liddell", "101", "S101", "Sec A", "Liddell, Alice")
    assert r.grade_columns == ["01 Practical Aspects (48213)"]
    assert r.match(lms_id="105").id == "perdos"
    assert r.match(token="erdospaul").id == "perdos"  # accents dropped, as Canvas squashes
    assert r.match(name="Paul Erdős").id == "perdos"
    assert "no roster student" in r.match(lms_id="110", token="zuseconrad")
    (tmp_path / "moodle.csv").write_text(MOODLE_ROSTER, encoding="utf-8")
    m = read_roster(tmp_path / "moodle.csv")
    assert m.lms == "moodle" and [s.id for s in m.students] == ["ann.smith", "12345", "li.wei"]
    assert m.grade_columns == ["Assignment: 01 Practical Aspects (Real)", "Course total (Real)"]
    assert m.match(name="Jose Garcia").id == "12345"
    (tmp_path / "plain.csv").write_text("student,first_name,last_name\nann,Ann,Smith\n")
    assert read_roster(tmp_path / "plain.csv").students[0].sortable_name == "Smith, Ann"
    (tmp_path / "bad.csv").write_text("name,mail\nx,y\n")
    with pytest.raises(RosterError, match="unknown roster format"):
        read_roster(tmp_path / "bad.csv")
    (tmp_path / "dup.csv").write_text("student\nann\nann\n")
    with pytest.raises(RosterError, match="two students have the id 'ann'"):
        read_roster(tmp_path / "dup.csv")
    with pytest.raises(RosterError, match="no roster file"):
        read_roster(tmp_path / "nothere.csv")


POLICY = f"""
[course]
timezone = "Europe/Berlin"
[late]
grace_minutes = 10
penalty_percent = 10
per = "day"
max_penalty_percent = 25
[deadlines]
{A} = 2026-11-05T23:59:00
[extensions]
jdoe = {{ {A} = 2 }}
ann = {{ {A} = 2026-11-06T12:00:00Z }}
"""


def test_late_policy(tmp_path):
    (tmp_path / "course.toml").write_text(POLICY)
    cfg = load_config(tmp_path, KNOWN)
    berlin = cfg.tz
    deadline = datetime(2026, 11, 5, 23, 59, tzinfo=berlin)
    assert cfg.deadline("bob", A) == deadline
    assert cfg.deadline("jdoe", A) == deadline + timedelta(days=2)
    assert cfg.deadline("ann", A) == datetime(2026, 11, 6, 12, 0, tzinfo=UTC)
    late = cfg.lateness
    assert late("bob", A, deadline + timedelta(minutes=10)).penalty_percent == 0  # grace
    assert late("bob", A, deadline + timedelta(minutes=11)).penalty_percent == 10
    assert late("bob", A, deadline + timedelta(hours=25)).penalty_percent == 20  # 2 days started
    assert late("bob", A, deadline + timedelta(days=9)).penalty_percent == 25  # the cap
    assert late("jdoe", A, deadline + timedelta(days=1)).penalty_percent == 0  # extended
    assert late("bob", "02_initialization", deadline + timedelta(days=9)).penalty_percent == 0
    (tmp_path / "course.toml").write_text(POLICY.replace("per = \"day\"", "per = \"hour\""))
    assert load_config(tmp_path, KNOWN).lateness(
        "bob", A, deadline + timedelta(hours=2, minutes=30)).penalty_percent == 25  # 3 h, capped


@pytest.mark.parametrize(("text", "message"), [
    ("[late]\npenalty = 5\n", "late.penalty: unknown key"),
    ("[lateness]\n", "lateness: unknown table or key"),
    ("[late]\nper = \"week\"\n", "late.per must be"),
    ("[late]\npenalty_percent = 150\n", "late.penalty_percent must be a number from 0 to 100"),
    ("[deadlines]\n99_nothing = 2026-01-01T00:00:00\n", "unknown notebook '99_nothing'"),
    ("[course]\ntimezone = \"Mars/Olympus\"\n", "unknown time zone"),
    (f"[extensions]\nbob = {{ {A} = 1 }}\n", "[deadlines] has no"),
    ("[deadlines\n", "is not valid TOML"),
])
def test_config_errors_name_the_key(tmp_path, text, message):
    (tmp_path / "course.toml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, KNOWN)
    assert message in str(err.value) and "\n" not in str(err.value)


# ---- a Canvas class, end to end -------------------------------------------------------

DEADLINE = datetime(2026, 11, 5, 23, 59)  # UTC (course.toml below)
CANVAS_TOML = f"""
[late]
grace_minutes = 10
penalty_percent = 10
max_penalty_percent = 50
[deadlines]
{A} = 2026-11-05T23:59:00Z
[extensions]
jdoe = {{ {A} = 2 }}
"""


def _canvas_download(tmp: Path) -> Path:
    full = answered()
    source = (SOLUTIONS / f"{A}.ipynb").read_text()
    files = [  # (name in the zip, when Canvas stamped it, content)
        (f"liddellalice_101_5001_{A}.ipynb", DEADLINE - timedelta(hours=4), full),
        (f"builderbob_102_5002_{A}.ipynb", DEADLINE - timedelta(days=1), full),
        (f"builderbob_102_5003_{A}-1.ipynb", DEADLINE - timedelta(hours=2),
         answered({"diagnose": WRONG_DIAGNOSE})),
        (f"curiemarie_LATE_103_5004_{A}.ipynb", DEADLINE + timedelta(hours=25), full),
        (f"doejohn_LATE_104_5005_{A}.ipynb", DEADLINE + timedelta(hours=30), full),
        (f"erdospaul_105_5006_Copy of {A}.ipynb", DEADLINE + timedelta(minutes=6), full),
        (f"fermatpierre_106_5007_{A}.ipynb", DEADLINE - timedelta(hours=1), '{"cells": [{"ce'),
        (f"hoppergrace_LATE_108_5008_{A}.ipynb", DEADLINE + timedelta(days=5), source),
        (f"zuseconrad_110_5009_{A}.ipynb", DEADLINE, full),
        ("readme.txt", DEADLINE, "Canvas download"),
    ]
    z = tmp / "submissions.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for name, when, text in files:
            zf.writestr(zipfile.ZipInfo(name, when.timetuple()[:6]), text)
    return z


@pytest.fixture(scope="module")
def canvas_class(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("canvas")
    course = tmp / "course"
    C.release(course, [A])
    (course / "course.toml").write_text(CANVAS_TOML)
    (tmp / "roster.csv").write_text(CANVAS_ROSTER, encoding="utf-8")
    (tmp / "times.csv").write_text(f"student,assignment,submitted_at\n"
                                   f"ghopper,{A},2026-11-05T12:00:00Z\n")
    out = cli("--course", str(course), "roster", str(tmp / "roster.csv"))
    assert out.returncode == 0, out.stderr
    out = cli("--course", str(course), "collect", str(_canvas_download(tmp)),
              "--times", str(tmp / "times.csv"))
    assert out.returncode == 0, out.stderr
    return {"tmp": tmp, "course": course, "collect": out.stdout}


def test_collect_matches_every_file(canvas_class):
    course, table = canvas_class["course"], canvas_class["collect"]
    got = sorted(p.parent.parent.name for p in (course / "submitted").glob(f"*/{A}/{A}.ipynb"))
    assert got == ["alice", "bob", "ghopper", "jdoe", "mcurie", "perdos", "pfermat"]
    lines = table.splitlines()

    def line(sid: str) -> str:
        return next(x for x in lines if x.startswith(sid + " "))

    assert "Liddell, Alice" in line("alice") and "collected 2026-11-05 19:59" in line("alice")
    assert "replaces 1 earlier file" in line("bob")
    assert f"replaced: builderbob_102_5002_{A}.ipynb (bob/{A})" in table
    assert "25.0 h late, 20 % off" in line("mcurie") and "[LMS: late]" in line("mcurie")
    assert "[LMS: late]" in line("jdoe") and "h late" not in line("jdoe")  # extension
    assert "MISSING" in line("cgauss")
    assert "collected 2026-11-05 12:00" in line("ghopper")  # the times CSV wins
    assert f"not collected: zuseconrad_110_5009_{A}.ipynb: no roster student matches" in table
    assert "not collected: readme.txt: not a notebook" in table
    assert "collected 7 submissions" in table and "1 missing" in table
    assert "Student, Test" not in table
    stamp = (course / "submitted" / "bob" / A / "timestamp.txt").read_text().strip()
    assert stamp == "2026-11-05 21:59:00.000000 UTC"
    # collecting the same download again changes nothing and replaces nothing
    out = cli("--course", str(course), "collect", str(canvas_class["tmp"] / "submissions.zip"),
              "--times", str(canvas_class["tmp"] / "times.csv"))
    assert "collected 0 submissions" in out.stdout and "(7 unchanged, 1 earlier" in out.stdout


@pytest.fixture(scope="module")
def graded_canvas_class(canvas_class):
    course = canvas_class["course"]
    new, skipped = C.grade_all(course, [A], jobs=2, limits=FAST, progress=False)
    assert len(new) == 7 and skipped == 0
    with warnings.catch_warnings(record=True) as caught:  # nbgrader's SAWarnings, fixed
        warnings.simplefilter("always")
        C.write_gradebook(course, C.load_results(course))
    assert [str(w.message) for w in caught] == []
    return canvas_class


def _summary(course: Path) -> dict[str, dict[str, str]]:
    return {r["student"]: r for r in csv_rows(course / "export" / "summary.csv")}


@sandboxed
def test_exports_every_number(graded_canvas_class):
    course = graded_canvas_class["course"]
    out = cli("--course", str(course), "export")
    assert out.returncode == 0, out.stderr
    assert "to review before importing: ghopper" in out.stdout
    s = _summary(course)
    expect = {  # status, raw, penalty %, penalty points, final, late hours, LMS late
        "alice": ("graded", FULL_, "0", "0", FULL_, "0", ""),
        "bob": ("graded", BOB, "0", "0", BOB, "0", ""),
        "mcurie": ("graded", FULL_, "20", number(OFF), CURIE, "25", "yes"),
        "jdoe": ("graded", FULL_, "0", "0", FULL_, "0", "yes"),
        "perdos": ("graded", FULL_, "0", "0", FULL_, "0", ""),  # 6 minutes: within the grace
        "pfermat": ("not gradable", "", "0", "0", "", "0", ""),
        "cgauss": ("missing", "", "0", "0", "", "0", ""),
        "ghopper": ("flagged", FULL_, "0", "0", FULL_, "0", "yes"),
    }
    assert set(s) == set(expect)
    for sid, want in expect.items():
        r = s[sid]
        got = (r["submission_status"], r["raw_points"], r["late_penalty_percent"],
               r["late_penalty_points"], r["final_points"], r["late_hours"],
               r["lms_marked_late"])
        assert got == want, (sid, got)
        assert r["max_points"] == FULL_
    assert s["ghopper"]["flagged"] == "review"
    assert s["ghopper"]["review"] == (
        f"source: instructor source notebook submitted (solutions/{A}.ipynb)")
    assert "invalid notebook JSON" in s["pfermat"]["reason"]
    assert s["mcurie"]["submitted_at"] == "2026-11-07T00:59+00:00"
    assert s["jdoe"]["deadline"] == "2026-11-07T23:59+00:00"
    # the tidy CSV: one row per student and exercise
    rows = csv_rows(course / "export" / "grades.csv")
    assert len(rows) == 8 * len(exercises_for(A))
    bob = {r["exercise"]: r for r in rows if r["student"] == "bob"}
    assert [bob[e]["points"] for e in ("split_data", "diagnose", "fit_standardizer",
                                       "standardize")] == ["2", "0", "1", "1"]
    assert bob["diagnose"]["status"] == "failed" and bob["diagnose"]["max_points"] == "2"
    assert all(r["points"] == "" and r["status"] == "missing"
               for r in rows if r["student"] == "cgauss")
    assert all(r["points"] == "" for r in rows if r["student"] == "pfermat")
    assert all(r["flagged"] == "review" for r in rows if r["student"] == "ghopper")
    assert all(r["late_penalty_percent"] == "20" for r in rows if r["student"] == "mcurie")
    assert not any(r["points"].endswith(".0") for r in rows)
    # Canvas's import file
    with (course / "export" / "canvas.csv").open(newline="", encoding="utf-8") as fh:
        canvas = list(csv.reader(fh))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                         "01 Practical Aspects (48213)"]
    assert canvas[1] == ["Points Possible", "", "", "", "", FULL_]
    assert canvas[2:] == [
        ["Liddell, Alice", "101", "S101", "alice", "Sec A", FULL_],
        ["Builder, Bob", "102", "S102", "bob", "Sec A", BOB],
        ["Curie, Marie", "103", "S103", "mcurie", "Sec A", CURIE],
        ["Doe, John", "104", "S104", "jdoe", "Sec A", FULL_],
        ["Erdős, Paul", "105", "S105", "perdos", "Sec B", FULL_],
        ["Fermat, Pierre", "106", "S106", "pfermat", "Sec B", ""],
        ["Gauss, Carl", "107", "S107", "cgauss", "Sec B", ""],
        ["Hopper, Grace", "108", "S108", "ghopper", "Sec B", FULL_],
    ]


@sandboxed
def test_formgrader_lists_every_submission_with_names_and_messages(graded_canvas_class):
    from nbconvert import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    from autograder.notebooks import _api

    course = graded_canvas_class["course"]
    subs = {s["student"]: s for s in _api(course).get_notebook_submissions(A, A)}
    assert sorted(subs) == ["alice", "bob", "ghopper", "jdoe", "mcurie", "perdos", "pfermat"]
    assert (subs["bob"]["last_name"], subs["bob"]["first_name"]) == ("Builder", "Bob")
    assert subs["bob"]["score"] == TOTAL - 2 and subs["bob"]["max_score"] == TOTAL
    assert subs["ghopper"]["flagged"] and subs["ghopper"]["needs_manual_grade"]
    assert not subs["alice"]["needs_manual_grade"] and not subs["alice"]["flagged"]
    config = Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    html, _ = HTMLExporter(config=config).from_filename(
        str(course / "autograded" / "bob" / A / f"{A}.ipynb"),
        resources={"assignment_id": A, "notebook_id": A, "submission_id": subs["bob"]["id"],
                   "index": 0, "total": 7, "base_url": "/", "student": "bob",
                   "last_name": "Builder", "first_name": "Bob", "notebook_path": "x"})
    assert "failed: 0 / 2 points" in html and "should be True, got False" in html
    nb = nbformat.read(course / "autograded" / "bob" / A / f"{A}.ipynb", as_version=4)
    cells = {c.id: c for c in nb.cells}
    assert cells["diagnose"].source == WRONG_DIAGNOSE  # the student's answer, graded
    assert cells["check_diagnose"].outputs[0].text.startswith("failed: 0 / 2 points")
    assert "diagnose" in html and "kc\">False</span>" in html


@sandboxed
def test_manual_grades_survive_a_regrade_and_reach_the_export(graded_canvas_class):
    from autograder.course import _gradebook

    course = graded_canvas_class["course"]
    with _gradebook(course) as gb:  # what formgrader's grade and comment API do
        grade = gb.find_grade("check_diagnose", A, A, "bob")
        grade.manual_score, grade.needs_manual_grade = 1.5, False
        gb.find_comment("diagnose", A, A, "bob").manual_comment = "right idea, wrong threshold"
        gb.db.commit()
    out = cli("--course", str(course), "override", "alice", A, "standardize", "0.5",
              "--reason", "used a Python loop", "--by", "prof")
    assert out.returncode == 0, out.stderr
    log = csv_rows(course / "overrides.csv")
    assert [(r["who"], r["student"], r["exercise"], r["points"], r["reason"]) for r in log] == [
        ("prof", "alice", "standardize", "0.5", "used a Python loop")]
    assert datetime.fromisoformat(log[0]["when"]) > datetime.now(UTC) - timedelta(minutes=5)
    bad = cli("--course", str(course), "override", "alice", A, "standardize", "3",
              "--reason", "x")
    assert bad.returncode == 2 and "out of range" in bad.stderr and len(
        bad.stderr.splitlines()) == 1
    # bob is graded again (his file did not change): the manual score stays; no warnings
    out = cli("--course", str(course), "grade", A, "--student", "bob", "--no-progress",
              "--cell-timeout", "20", "--call-timeout", "20")
    assert out.returncode == 0, out.stderr
    assert "graded 1 submissions" in out.stdout
    assert "Warning" not in out.stderr and "warn" not in out.stderr.lower(), out.stderr
    out = cli("--course", str(course), "export")
    assert out.returncode == 0, out.stderr
    s = _summary(course)
    assert (s["bob"]["raw_points"], s["bob"]["final_points"]) == (MANUAL, MANUAL)
    assert (s["alice"]["raw_points"], s["alice"]["final_points"]) == (MANUAL, MANUAL)
    rows = {(r["student"], r["exercise"]): r for r in csv_rows(course / "export" / "grades.csv")}
    d = rows[("bob", "diagnose")]
    assert (d["points"], d["auto_points"], d["manual"], d["comment"]) == (
        "1.5", "0", "formgrader", "right idea, wrong threshold")
    st = rows[("alice", "standardize")]
    assert (st["points"], st["auto_points"]) == ("0.5", "1")
    assert st["manual"].startswith("override by prof at ") and "used a Python loop" in st["manual"]
    canvas = (course / "export" / "canvas.csv").read_text(encoding="utf-8")
    assert f"alice,Sec A,{MANUAL}" in canvas and f"bob,Sec A,{MANUAL}" in canvas
    # feedback: the manual points and comment; never the flags' text
    C.write_feedback(course, C.load_results(course), C.manual_grades(course))
    bob_page = (course / "feedback" / "bob" / A / f"{A}.html").read_text()
    assert f"{MANUAL} / {FULL_}" in bob_page and "right idea, wrong threshold" in bob_page
    curie = (course / "feedback" / "mcurie" / A / f"{A}.html").read_text()
    assert "25.0 h after the deadline" in curie and f"20 % of the points off ({OFF:g})" in curie
    assert f"Final score: <b>{CURIE} / {FULL_}</b>" in curie
    assert "deadline" not in (course / "feedback" / "jdoe" / A / f"{A}.html").read_text()
    fermat = (course / "feedback" / "pfermat" / A / f"{A}.html").read_text()
    assert fermat.count("invalid notebook JSON") == 1  # the reason once, not per exercise
    hopper = (course / "feedback" / "ghopper" / A / f"{A}.html").read_text()
    assert "not the version released to students" in hopper
    assert "instructor source notebook" not in hopper and "solutions/" not in hopper
    # back to the grader's points
    out = cli("--course", str(course), "override", "alice", A, "standardize", "auto",
              "--reason", "loop is fine after all", "--by", "prof")
    assert out.returncode == 0, out.stderr
    cli("--course", str(course), "export")
    assert _summary(course)["alice"]["final_points"] == FULL_


# ---- Moodle ---------------------------------------------------------------------------


def test_moodle_download_and_import_file(tmp_path):
    course = tmp_path / "course"
    C.release(course, [A])
    (tmp_path / "roster.csv").write_text(MOODLE_ROSTER, encoding="utf-8")
    assert cli("--course", str(course), "roster", str(tmp_path / "roster.csv")).returncode == 0
    dl = tmp_path / "moodle"
    for folder, name, text in [
        ("Ann Smith_4711_assignsubmission_file_", f"{A}.ipynb", answered()),
        ("José García_4712_assignsubmission_file_", "my work.ipynb", answered()),
        ("José García_4712_assignsubmission_onlinetext_", "onlinetext.html", "<p>hi</p>"),
        ("Nobody Here_4799_assignsubmission_file_", f"{A}.ipynb", answered()),
    ]:
        (dl / folder).mkdir(parents=True, exist_ok=True)
        (dl / folder / name).write_text(text, encoding="utf-8")
    rep = C.collect(dl, course)
    assert sorted((s, a) for s, a, _ in rep.collected) == [("12345", A), ("ann.smith", A)]
    assert rep.missing == [("li.wei", A)]
    why = dict(rep.unmatched)
    assert "no roster student matches Nobody Here" in why[
        f"Nobody Here_4799_assignsubmission_file_/{A}.ipynb"]
    assert "not a notebook" in why[
        "José García_4712_assignsubmission_onlinetext_/onlinetext.html"]
    exs = [("split_data", 2), ("diagnose", 2), ("fit_standardizer", 1), ("standardize", 1)]
    results = [
        SubmissionGrade("ann.smith", A, "graded", exercises=[
            ExerciseGrade(n, 0.0 if n == "diagnose" else float(p), float(p),
                          "failed" if n == "diagnose" else "passed") for n, p in exs]),
        SubmissionGrade("12345", A, "graded", exercises=[
            ExerciseGrade(n, float(p), float(p), "passed") for n, p in exs]),
    ]
    for g in results:
        C._write_result(course, g)
    out = cli("--course", str(course), "export")
    assert out.returncode == 0, out.stderr
    with (course / "export" / "moodle.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows == [
        ["First name", "Last name", "ID number", "Institution", "Department", "Email address",
         "Assignment: 01 Practical Aspects (Real)"],
        ["Ann", "Smith", "", "", "", "ann.smith@uni.example", "4"],
        ["José", "García", "12345", "", "", "jose@uni.example", "6"],
        ["Li", "Wei", "", "", "", "li.wei@uni.example", ""],
    ]
    assert not (course / "export" / "canvas.csv").exists()


def test_numbers_are_written_as_people_write_them():
    assert [number(x) for x in (2.0, 1.5, 4.8, 1 / 3, 0.0, None)] == [
        "2", "1.5", "4.8", "0.33", "0", ""]


def test_export_without_roster_keeps_graded_students(tmp_path):
    g = SubmissionGrade("s1", A, "not gradable", "invalid notebook JSON", [
        ExerciseGrade("diagnose", 0.0, 2.0, "not graded")])
    rep = export(tmp_path, [g])
    assert [p.name for p in rep.paths] == ["grades.csv", "summary.csv"]
    row = csv_rows(tmp_path / "export" / "summary.csv")[0]
    assert (row["raw_points"], row["final_points"], row["submission_status"]) == (
        "", "", "not gradable")


# ---- guardrails ------------------------------------------------------------------------


def _one_line(out: subprocess.CompletedProcess, *words: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "Traceback" not in out.stderr
    for w in words:
        assert w in out.stderr, out.stderr


def test_commands_refuse_a_missing_or_unreleased_course(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    for command in (["grade"], ["export"], ["feedback"], ["collect", "x.zip"],
                    ["roster", "r.csv"], ["override", "a", A, "diagnose", "1", "--reason", "r"]):
        _one_line(cli(*command, cwd=work), "no course directory", "release")
    assert list(work.iterdir()) == []  # nothing created, no ./course
    course = tmp_path / "c"
    course.mkdir()
    _one_line(cli("--course", str(course), "collect", str(tmp_path)), "never released")
    (course / "release").mkdir()
    _one_line(cli("--course", str(course), "grade", A), f"{A} is not released", "release")
    (tmp_path / "dl").mkdir()
    (tmp_path / "dl" / f"bob_{A}.ipynb").write_text(answered())
    out = cli("--course", str(course), "collect", str(tmp_path / "dl"))
    assert out.returncode == 0 and "collected 0 submissions" in out.stdout
    assert f"bob_{A}.ipynb: notebook {A} is not released in this course: run release {A}" in (
        out.stdout)
    _one_line(cli("--course", str(course), "collect", str(tmp_path / "missing.zip")),
              "no file or folder", "missing.zip")
    _one_line(cli("--course", str(course), "roster", str(tmp_path / "missing.csv")),
              "no roster file")
    (course / "course.toml").write_text("[late]\npenalty = 1\n")
    _one_line(cli("--course", str(course), "export"), "late.penalty: unknown key")
    assert sorted(p.name for p in course.iterdir()) == ["course.toml", "release"]


def test_release_writes_only_into_the_course(tmp_path):
    """A student's work saved in the repository's notebooks/ survives a release."""
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
              for p in NOTEBOOKS.glob("*.ipynb")}
    mtimes = {p.name: p.stat().st_mtime_ns for p in NOTEBOOKS.glob("*.ipynb")}
    out = cli("--course", str(tmp_path / "course"), "release", A)
    assert out.returncode == 0, out.stderr
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in NOTEBOOKS.glob("*.ipynb")} == before
    assert {p.name: p.stat().st_mtime_ns for p in NOTEBOOKS.glob("*.ipynb")} == mtimes
    released = tmp_path / "course" / "release" / A / f"{A}.ipynb"
    assert released.read_text() == (NOTEBOOKS / f"{A}.ipynb").read_text()
    _one_line(cli("--course", str(tmp_path / "course"), "release", "99_nothing"),
              "unknown notebook '99_nothing'")

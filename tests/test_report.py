"""The class report: numbers from a small fake class, the page is self-contained."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest

from autograder import NOTEBOOKS
from autograder import course as C
from autograder.__main__ import main
from autograder.grading import ExerciseGrade, SubmissionGrade
from autograder.report import class_report, render_html, write_report
from course_checks import exercises_for, get

A = "07_optimizers"


def grade(student: str, mistakes: dict[str, str] | None = None, *, status: str = "graded",
          reason: str = "", flags: list[str] | None = None) -> SubmissionGrade:
    """A result of ``A``: every exercise passed except those given a mistake (failed)."""
    mistakes = mistakes or {}
    exercises = []
    for ex in exercises_for(A):
        p = float(ex.points)
        if status == "not gradable":
            exercises.append(ExerciseGrade(ex.name, 0.0, p, "not graded", reason))
        elif ex.name in mistakes:
            m = mistakes[ex.name]
            exercises.append(ExerciseGrade(ex.name, 0.0, p, "failed" if m else "error",
                                           "wrong", m or None))
        else:
            exercises.append(ExerciseGrade(ex.name, p, p, "passed", "ok"))
    return SubmissionGrade(student, A, status, reason, exercises, flags or [])


def fake_class() -> list[SubmissionGrade]:
    return [
        grade("ann", {"adam_step": "eps_inside_sqrt"}),
        grade("bob", {"adam_step": "eps_inside_sqrt", "gd_step": "wrong_sign"}),
        grade("cyd", {"adam_step": "no_bias_correction"}, status="flagged",
              reason="network: socket", flags=["network: socket.connect to 10.0.0.1"]),
        grade("dan", status="not gradable", reason="invalid notebook JSON (truncated)"),
    ]


def test_named_mistakes_with_counts_and_shares():
    data = class_report(fake_class())
    (nb,) = data["notebooks"]
    assert (nb["submissions"], nb["gradable"], nb["flagged"], nb["not_gradable"]) == (4, 3, 1, 1)
    total = sum(e.points for e in exercises_for(A))
    adam, gd = get("adam_step").points, get("gd_step").points
    assert nb["max_points"] == total
    assert nb["scores"] == sorted([total - adam, total - adam - gd, total - adam])
    assert nb["full_marks"] == 0
    ex = {e["exercise"]: e for e in nb["exercises"]}
    assert list(ex) == [e.name for e in exercises_for(A)]  # registry order
    assert (ex["adam_step"]["passed"], ex["adam_step"]["gradable"]) == (0, 3)
    assert ex["adam_step"]["mistakes"][0]["mistake"] == "eps_inside_sqrt"
    assert ex["adam_step"]["mistakes"][0]["count"] == 2
    assert ex["adam_step"]["mistakes"][0]["share"] == pytest.approx(2 / 3, abs=1e-4)
    hint = next(m.hint for m in get("adam_step").mistakes if m.name == "eps_inside_sqrt")
    assert ex["adam_step"]["mistakes"][0]["hint"] == hint
    assert [(m["mistake"], m["count"]) for m in ex["adam_step"]["mistakes"]] == [
        ("eps_inside_sqrt", 2), ("no_bias_correction", 1)]
    assert ex["gd_step"]["pass_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert ex["momentum_step"]["pass_rate"] == 1.0
    top = data["top_mistakes"][0]
    assert (top["exercise"], top["mistake"], top["count"]) == ("adam_step", "eps_inside_sqrt", 2)
    assert data["flagged"] == [{"student": "cyd", "notebook": A,
                                "flags": ["network: socket.connect to 10.0.0.1"]}]
    assert data["not_gradable"] == [{"student": "dan", "notebook": A,
                                     "reason": "invalid notebook JSON (truncated)"}]
    assert data["lateness"] is None
    dist = nb["distribution"]  # one bin per point, [k, k + 1); full marks alone at the top
    assert dist["edges"] == [float(k) for k in range(total + 2)]
    assert (dist["counts"][total - adam - gd], dist["counts"][total - adam]) == (1, 2)
    assert sum(dist["counts"]) == 3 and dist["counts"][total] == 0


def test_unnamed_wrong_answers_and_other_statuses_are_counted():
    gs = [grade("a", {"gd_step": ""}), grade("b")]
    gs[1].exercises[0] = dataclasses.replace(gs[1].exercises[0], points=0.0, status="timeout")
    ex = {e["exercise"]: e for e in class_report(gs)["notebooks"][0]["exercises"]}
    assert ex["gd_step"]["unnamed_wrong"] == 1
    assert ex["gd_step"]["statuses"] == {"error": 1, "timeout": 1}
    assert ex["gd_step"]["mistakes"] == []
    page = render_html(class_report(gs))
    assert "1 other wrong answers" in page and "1 timeout" in page


def test_html_is_self_contained_and_says_the_numbers():
    page = render_html(class_report(fake_class()))
    assert "eps_inside_sqrt</code> — 2 of 3 (67 %)" in page
    assert page.count("data:image/png;base64,") == 2  # histogram + pass rates
    # nothing is fetched: no URL, no script, no external stylesheet or font
    assert not re.search(r"(src|href)=[\"']?(https?:|//)", page)
    assert "<script" not in page and "@import" not in page and "<link" not in page
    assert "network: socket.connect to 10.0.0.1" in page  # instructor's page: flag text
    assert "invalid notebook JSON (truncated)" in page
    assert "no late policy" in page


@dataclasses.dataclass
class LateGrade(SubmissionGrade):
    """A result with the fields a late policy adds (read defensively by the report)."""

    late_hours: float = 0.0
    penalty: float = 0.0
    submitted_at: str = ""


def test_lateness_is_shown_when_results_carry_it():
    base = grade("eve")
    late = LateGrade(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)},
                     late_hours=26.5, penalty=1.5, submitted_at="2026-12-01T10:00:00")
    on_time = LateGrade(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)},
                        submitted_at="2026-11-30T10:00:00")
    on_time.student = "fay"
    data = class_report([late, on_time])
    assert data["lateness"]["late"] == 1
    assert data["lateness"]["columns"] == ["late_hours", "penalty", "submitted_at"]
    row = next(r for r in data["lateness"]["rows"] if r["student"] == "eve")
    assert (row["late"], row["late_hours"], row["penalty"]) == (True, 26.5, 1.5)
    page = render_html(data)
    assert "1 late submissions" in page and "26.5" in page


def released(course: Path) -> Path:
    """A course directory with ``A`` released (as ``release`` leaves it, minus nbgrader)."""
    (course / "release" / A).mkdir(parents=True)
    shutil.copy(NOTEBOOKS / f"{A}.ipynb", course / "release" / A / f"{A}.ipynb")
    return course


def test_report_command_writes_html_and_json(tmp_path, capsys):
    course = released(tmp_path / "course")
    for g in fake_class():
        C._write_result(course, g)
    out = tmp_path / "out"
    assert main(["--course", str(course), "report", "--out", str(out)]) == 0
    data = json.loads((out / "report.json").read_text())
    assert data["top_mistakes"][0]["count"] == 2
    assert "67 %" in (out / "report.html").read_text()
    assert str(out / "report.html") in capsys.readouterr().out
    # results are read, never changed
    assert len(C.load_results(course)) == 4


def test_report_command_shows_lateness_under_the_course_policy(tmp_path):
    course = released(tmp_path / "course")
    (course / "course.toml").write_text(
        '[late]\npenalty_percent = 10\nper = "day"\n\n[deadlines]\n'
        f'{A} = 2026-11-05T23:59:00\n')
    stamps = {"ann": "2026-11-07 02:29:00.000000 UTC",  # 26.5 h late: 2 started days
              "bob": "2026-11-05 20:00:00.000000 UTC"}  # on time
    for g in fake_class():
        C._write_result(course, g)
        if g.student in stamps:
            (course / "submitted" / g.student / A).mkdir(parents=True)
            (course / "submitted" / g.student / A / "timestamp.txt").write_text(
                stamps[g.student] + "\n")
    assert main(["--course", str(course), "report"]) == 0
    late = json.loads((course / "report" / "report.json").read_text())["lateness"]
    assert late["late"] == 1
    rows = {r["student"]: r for r in late["rows"]}
    assert set(rows) == {"ann", "bob", "cyd", "dan"}  # every submission has a deadline
    total = sum(e.points for e in exercises_for(A))
    assert (rows["ann"]["late"], rows["ann"]["late_hours"], rows["ann"]["penalty_percent"],
            rows["ann"]["penalty_points"]) == (True, 26.5, 20.0, round(total * 0.2, 2))
    assert (rows["bob"]["late"], rows["bob"]["late_hours"], rows["bob"]["penalty_points"]) == (
        False, 0.0, 0.0)
    assert rows["cyd"]["submitted_at"] is None and not rows["cyd"]["late"]
    page = (course / "report" / "report.html").read_text()
    assert "1 late submissions" in page and "26.5" in page


def test_report_command_errors_in_one_line(tmp_path, capsys):
    assert main(["--course", str(tmp_path / "nope"), "report"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nope" in err
    assert not (tmp_path / "nope").exists()
    released(tmp_path / "empty")
    assert main(["--course", str(tmp_path / "empty"), "report"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "grade" in err
    assert not (tmp_path / "empty" / "report").exists()


def test_write_report_does_not_mutate_results(tmp_path):
    gs = fake_class()
    before = [g.to_json() for g in gs]
    write_report(gs, tmp_path)
    assert [g.to_json() for g in gs] == before

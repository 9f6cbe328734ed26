"""The grades, out: a tidy CSV, a per-notebook summary, and files an LMS gradebook imports.

:func:`export` writes into ``COURSE/export/``:

``grades.csv``
    One row per student × exercise (tidy, long): ``student, name, assignment,
    exercise, points, max_points, auto_points, status, mistake, manual, comment,
    submission_status, flagged, review, late_penalty_percent``. ``points`` is the
    manual score when there is one, else the grader's; it is blank when the student
    submitted nothing (``missing``) or the file was not gradable.
``summary.csv``
    One row per student × notebook: ``raw_points`` (sum of the exercises' points),
    ``late_penalty_points``, ``final_points``, the submission time, the deadline,
    how late, and the status and review text.
``canvas.csv``
    Canvas's gradebook import: ``Student, ID, SIS User ID, SIS Login ID, Section``, a
    ``Points Possible`` row, and one column per notebook (the gradebook column's name
    from ``[columns]`` in course.toml, else the roster export's column whose name
    contains the notebook's, else the notebook's name: Canvas then creates the
    assignment). Written when the roster came from Canvas.
``moodle.csv``
    Moodle's CSV grade import (the same columns as its export: ``First name, Last name,
    ID number, Institution, Department, Email address``, one column per grade item).
    Map ``Email address`` to ``useremail`` in the import form. Written when the roster
    came from Moodle.

In the LMS files a missing or not-gradable submission is a blank cell (Canvas leaves
such a grade unchanged, Moodle imports it as "no grade"), never 0; points are the
final ones (after the late penalty), integers without ``.0``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from course_checks import exercises_for

from .grading import SubmissionGrade
from .policy import CourseConfig, Lateness, load_config
from .roster import CANVAS_HEADER, MOODLE_HEADER, Roster, load_roster, name_key

__all__ = [
    "ExerciseRow",
    "ExportReport",
    "SubmissionRow",
    "build",
    "export",
    "lms_column",
    "number",
    "write_canvas",
    "write_long",
    "write_moodle",
    "write_summary",
]


def number(x: float | None) -> str:
    """A number as a person writes it: ``2``, ``1.5``, ``0.33``; ``""`` for ``None``."""
    if x is None:
        return ""
    r = round(float(x), 2)
    return str(int(r)) if r == int(r) else f"{r:g}"


@dataclass
class ExerciseRow:
    student: str
    name: str
    assignment: str
    exercise: str
    points: float | None
    max_points: float
    auto_points: float | None
    status: str  # the exercise's: passed, failed, ..., or "missing"
    mistake: str
    manual: str  # where a manual score or comment comes from ("" if none)
    comment: str
    submission_status: str  # graded, flagged, not gradable, missing
    review: str  # the flags, for the instructor
    late_penalty_percent: float


@dataclass
class SubmissionRow:
    student: str
    name: str
    assignment: str
    submission_status: str
    raw_points: float | None
    max_points: float
    late_penalty_percent: float
    late_penalty_points: float
    final_points: float | None
    submitted_at: datetime | None
    deadline: datetime | None
    late_hours: float
    lms_late: bool
    review: str
    reason: str  # why not gradable


def build(results: list[SubmissionGrade], *, roster: Roster | None = None,
          config: CourseConfig | None = None, manual: dict | None = None,
          times: dict | None = None, lms_late: Iterable[tuple[str, str]] = (),
          assignments: Iterable[str] | None = None
          ) -> tuple[list[ExerciseRow], list[SubmissionRow]]:
    """The rows of the exports. ``manual``: manual grades by (student, assignment,
    exercise) (:func:`autograder.course.manual_grades`); ``times``: submission times by
    (student, assignment); with a ``roster``, its students without a result get
    ``missing`` rows for every assignment exported."""
    config = config or CourseConfig()
    manual = manual or {}
    times = times or {}
    late_marks = set(lms_late)
    by_key = {(g.student, g.assignment): g for g in results}
    wanted = sorted(set(assignments or ()) | {g.assignment for g in results})
    students = [s.id for s in roster.students] if roster else []
    students += sorted({g.student for g in results} - set(students))
    names = {s.id: s.sortable_name for s in roster.students} if roster else {}
    ex_rows: list[ExerciseRow] = []
    sub_rows: list[SubmissionRow] = []
    for a in wanted:
        exercises = exercises_for(a)
        max_total = float(sum(e.points for e in exercises))
        for sid in students:
            g = by_key.get((sid, a))
            name = names.get(sid, "")
            if g is None:
                if roster is None or roster.get(sid) is None:
                    continue
                for e in exercises:
                    ex_rows.append(ExerciseRow(sid, name, a, e.name, None, float(e.points), None,
                                               "missing", "", "", "", "missing", "", 0.0))
                sub_rows.append(SubmissionRow(sid, name, a, "missing", None, max_total, 0.0,
                                              0.0, None, None, config.deadline(sid, a), 0.0,
                                              False, "", ""))
                continue
            when = times.get((sid, a))
            lateness: Lateness = config.lateness(sid, a, when)
            review = "; ".join(g.flags) if g.status == "flagged" else ""
            raw, any_points = 0.0, False
            for e in g.exercises:
                m = manual.get((sid, a, e.exercise))
                auto = e.points if g.status != "not gradable" else None
                pts = m.points if m is not None and m.points is not None else auto
                if pts is not None:
                    raw += pts
                    any_points = True
                ex_rows.append(ExerciseRow(
                    sid, name, a, e.exercise, pts, e.max_points, auto, e.status,
                    e.mistake or "", m.source if m else "", m.comment if m else "",
                    g.status, review, lateness.penalty_percent))
            max_points = g.max_total or max_total
            if any_points:
                penalty = round(max_points * lateness.penalty_percent / 100, 2)
                final = max(0.0, round(raw - penalty, 2))
                raw_out: float | None = round(raw, 2)
            else:
                penalty, final, raw_out = 0.0, None, None
            sub_rows.append(SubmissionRow(
                sid, name, a, g.status, raw_out, max_points, lateness.penalty_percent, penalty,
                final, when, lateness.deadline, round(lateness.late_by.total_seconds() / 3600, 2),
                (sid, a) in late_marks, review, g.reason if g.status == "not gradable" else ""))
    return ex_rows, sub_rows


LONG_COLUMNS = ("student", "name", "assignment", "exercise", "points", "max_points",
                "auto_points", "status", "mistake", "manual", "comment", "submission_status",
                "flagged", "review", "late_penalty_percent")


def write_long(rows: list[ExerciseRow], path: Path) -> Path:
    """``grades.csv``: one row per student × exercise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(LONG_COLUMNS)
        for r in rows:
            w.writerow([r.student, r.name, r.assignment, r.exercise, number(r.points),
                        number(r.max_points), number(r.auto_points), r.status, r.mistake,
                        r.manual, r.comment, r.submission_status,
                        "review" if r.submission_status == "flagged" else "", r.review,
                        number(r.late_penalty_percent)])
    return path


SUMMARY_COLUMNS = ("student", "name", "assignment", "submission_status", "raw_points",
                   "max_points", "late_penalty_percent", "late_penalty_points", "final_points",
                   "submitted_at", "deadline", "late_hours", "lms_marked_late", "flagged",
                   "review", "reason")


def _iso(when: datetime | None, config: CourseConfig) -> str:
    return when.astimezone(config.tz).isoformat(timespec="minutes") if when else ""


def write_summary(rows: list[SubmissionRow], path: Path, config: CourseConfig) -> Path:
    """``summary.csv``: one row per student × notebook, raw points, penalty, final points."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(SUMMARY_COLUMNS)
        for r in rows:
            w.writerow([r.student, r.name, r.assignment, r.submission_status,
                        number(r.raw_points), number(r.max_points),
                        number(r.late_penalty_percent), number(r.late_penalty_points),
                        number(r.final_points), _iso(r.submitted_at, config),
                        _iso(r.deadline, config), number(r.late_hours),
                        "yes" if r.lms_late else "",
                        "review" if r.submission_status == "flagged" else "", r.review,
                        r.reason])
    return path


def lms_column(assignment: str, roster: Roster, config: CourseConfig, default: str) -> str:
    """The LMS gradebook column of ``assignment``: ``[columns]`` in course.toml, else the
    one roster column whose name contains the notebook's name (``07 Optimizers (48213)``
    for ``07_optimizers``), else ``default``."""
    if assignment in config.columns:
        return config.columns[assignment]
    key = name_key(assignment)
    hits = [c for c in roster.grade_columns if key and key in name_key(c)]
    return hits[0] if len(hits) == 1 else default


def write_canvas(rows: list[SubmissionRow], roster: Roster, config: CourseConfig,
                 path: Path) -> Path:
    """Canvas's gradebook import file (final points; blank: not graded)."""
    wanted = sorted({r.assignment for r in rows})
    cols = [lms_column(a, roster, config, a) for a in wanted]
    final = {(r.student, r.assignment): r.final_points for r in rows}
    top = {r.assignment: r.max_points for r in rows}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([*CANVAS_HEADER, *cols])
        w.writerow(["Points Possible", "", "", "", "", *[number(top[a]) for a in wanted]])
        for s in roster.students:
            w.writerow([s.sortable_name, s.lms_id, s.sis_id, s.login, s.section,
                        *[number(final.get((s.id, a))) for a in wanted]])
    return path


def write_moodle(rows: list[SubmissionRow], roster: Roster, config: CourseConfig,
                 path: Path) -> Path:
    """Moodle's CSV grade import file (final points; blank: no grade)."""
    wanted = sorted({r.assignment for r in rows})
    cols = [lms_column(a, roster, config, a) for a in wanted]
    final = {(r.student, r.assignment): r.final_points for r in rows}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([*MOODLE_HEADER, *cols])
        for s in roster.students:
            w.writerow([s.first_name, s.last_name, s.sis_id, "", "", s.email,
                        *[number(final.get((s.id, a))) for a in wanted]])
    return path


@dataclass
class ExportReport:
    paths: list[Path]
    exercises: list[ExerciseRow]
    submissions: list[SubmissionRow]
    not_in_roster: list[str]  # graded students the LMS files cannot hold


def export(course: Path, results: list[SubmissionGrade], out_dir: Path | None = None,
           assignments: Iterable[str] | None = None, lms: str | None = None) -> ExportReport:
    """Write ``grades.csv``, ``summary.csv`` and the LMS import file(s) of ``course``.

    ``lms``: ``"canvas"``, ``"moodle"`` or ``"none"``; default: the roster's LMS.
    Nothing is written outside ``out_dir`` (default ``COURSE/export``).
    """
    from .course import assignments as all_assignments
    from .course import manual_grades, submission_info, submission_time

    roster = load_roster(course)
    config = load_config(course, all_assignments())
    out_dir = out_dir or course / "export"
    keys = {(g.student, g.assignment) for g in results}
    times = {k: submission_time(course, *k) for k in keys}
    late = [k for k in keys if submission_info(course, *k).get("lms_late")]
    ex_rows, sub_rows = build(results, roster=roster, config=config,
                              manual=manual_grades(course), times=times, lms_late=late,
                              assignments=assignments)
    paths = [write_long(ex_rows, out_dir / "grades.csv"),
             write_summary(sub_rows, out_dir / "summary.csv", config)]
    lms = lms or (roster.lms if roster else "none")
    if lms not in ("canvas", "moodle", "none", "csv"):
        raise ValueError(f"unknown LMS {lms!r}: use canvas, moodle or none")
    not_in_roster = []
    if roster is not None:
        not_in_roster = sorted({r.student for r in sub_rows if roster.get(r.student) is None})
        if lms == "canvas":
            paths.append(write_canvas(sub_rows, roster, config, out_dir / "canvas.csv"))
        elif lms == "moodle":
            paths.append(write_moodle(sub_rows, roster, config, out_dir / "moodle.csv"))
    return ExportReport(paths, ex_rows, sub_rows, not_in_roster)

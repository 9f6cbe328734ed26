"""``python -m autograder COMMAND``: grade a class with the course's autograder.

Instructors (every command takes --course DIR, default ./course):
  release [NAME..]      write the nbgrader source, release and gradebook into --course
  roster FILE           import the class list from a Canvas or Moodle gradebook export
  collect SOURCE        import an LMS download (folder or zip): one table of who is in
  grade [ASSIGNMENT..]  grade new or changed submissions in parallel, in the sandbox
  override STUDENT ASSIGNMENT EXERCISE POINTS --reason TEXT
                        give points by hand (recorded with who, when and why)
  feedback              write per-student HTML feedback
  export                write grades.csv, summary.csv and the LMS import file
  report, similarity, gradescope
                        class report, near-identical pairs, a Gradescope autograder zip
Students:
  check NOTEBOOK        run the visible checks (exit status 1 when anything fails)
Authors:
  generate [NAME..]     regenerate notebooks/ from solutions/
  normalize [PATH..]    strip outputs and fix cell ids (default: solutions/*.ipynb)

Problems with the course directory or the input are one line on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import NOTEBOOKS, SOLUTIONS


def _course(args: argparse.Namespace) -> Path:
    return Path(args.course).resolve()


def _points(text: str) -> float | None:
    if text == "auto":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (or 'auto' to go back "
                                         "to the grader's points)") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course", default="course", help="course directory (default ./course)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="write the nbgrader source, release and gradebook")
    p.add_argument("names", nargs="*")
    p = sub.add_parser("roster", help="import the class list (Canvas or Moodle gradebook CSV)")
    p.add_argument("file", type=Path)
    p = sub.add_parser("collect", help="import submissions from an LMS download (folder or zip)")
    p.add_argument("source", type=Path)
    p.add_argument("--assignment", help="the notebook of files whose name does not say it")
    p.add_argument("--times", type=Path,
                   help="CSV student,assignment,submitted_at overriding submission times")
    p = sub.add_parser("grade", help="grade new or changed submissions")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--student", action="append", default=None,
                   help="grade this student's submissions again (repeatable)")
    p.add_argument("--jobs", "-j", type=int, default=None, help="parallel workers (default: cores)")
    p.add_argument("--scheduler", help="address of a Dask scheduler to grade on a cluster")
    p.add_argument("--memory", type=float, default=2.0, help="memory limit per worker, GiB")
    p.add_argument("--cell-timeout", type=float, default=60.0, help="seconds per cell")
    p.add_argument("--call-timeout", type=float, default=60.0,
                   help="seconds per exercise's set of cases")
    p.add_argument("--cpu", type=int, default=600, help="CPU seconds per notebook")
    p.add_argument("--force", action="store_true", help="regrade everything")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="grade without bubblewrap: student code runs with YOUR permissions")
    p = sub.add_parser("override", help="give an exercise's points by hand, with a reason")
    p.add_argument("student")
    p.add_argument("assignment")
    p.add_argument("exercise")
    p.add_argument("points", type=_points, help="points, or 'auto' for the grader's again")
    p.add_argument("--reason", required=True)
    p.add_argument("--by", help="who decides (default: your user name)")
    p = sub.add_parser("feedback", help="write HTML feedback per student and notebook")
    p.add_argument("assignments", nargs="*")
    p = sub.add_parser("export", help="write grades.csv, summary.csv and the LMS import file")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--out", type=Path, default=None, help="folder (default: COURSE/export)")
    p.add_argument("--lms", choices=("canvas", "moodle", "none"), default=None,
                   help="the LMS import file to write (default: the roster's LMS)")
    # ---- H5b: report / similarity / gradescope subcommands are added here ----
    p = sub.add_parser("report", help="class report (HTML + JSON): scores, pass rates, the "
                       "class's most common mistakes, lateness, flagged")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--out", type=Path, default=None, help="folder (default: COURSE/report)")
    p = sub.add_parser("similarity", help="near-identical submission pairs, for your review")
    p.add_argument("--assignment", dest="assignments", action="append", default=[],
                   help="only this notebook (repeatable; default: every submitted one)")
    p.add_argument("--threshold", type=float, default=0.8,
                   help="list pairs whose score is at least this (0-1, default 0.8)")
    p.add_argument("--out", type=Path, default=None, help="folder (default: COURSE/similarity)")
    p = sub.add_parser("gradescope", help="build a Gradescope autograder zip for one notebook")
    p.add_argument("notebook")
    p.add_argument("--out", type=Path, default=Path("."), help="folder (default: .)")
    p.add_argument("--visibility", default="visible",
                   choices=("visible", "hidden", "after_due_date", "after_published"),
                   help="Gradescope visibility of every test (default visible)")
    # ---- end of H5b's subcommands ----
    p = sub.add_parser("check", help="student self-check of one notebook")
    p.add_argument("notebooks", nargs="+")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds per notebook before the check stops (default 60)")
    p = sub.add_parser("generate", help="regenerate notebooks/ from solutions/")
    p.add_argument("names", nargs="*")
    p = sub.add_parser("normalize", help="strip outputs, stabilize cell ids")
    p.add_argument("paths", nargs="*", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in ("generate", "normalize"):
        from course_checks.outline import OutlineError

        try:
            _author(args)
        except OutlineError as exc:  # a source notebook disagrees with the registry
            for problem in exc.problems:
                print(f"{args.command}: {problem}", file=sys.stderr)
            return 2
        return 0
    if args.command == "check":
        try:
            from course_checks.tools.selfcheck_cli import main as selfcheck
        except ImportError as exc:  # run with a Python that is not the course's
            print(f"check: {exc.name or exc} is not installed for {sys.executable}: run "
                  "`python3 course.py setup` and use .venv/bin/python", file=sys.stderr)
            return 2
        timeout = ["--timeout", f"{args.timeout:g}"] if args.timeout is not None else []
        return selfcheck([*args.notebooks, *timeout])
    if args.command == "gradescope":  # H5b: built from the repository, needs no course
        from .gradescope import build

        try:
            print(f"wrote {build(args.notebook, args.out, visibility=args.visibility)}: upload "
                  "it as the assignment's autograder in Gradescope (base image Ubuntu 24.04)")
        except (ValueError, RuntimeError) as exc:
            print(f"gradescope: {exc}", file=sys.stderr)
            return 2
        return 0

    from . import course as C
    from .policy import ConfigError
    from .roster import RosterError

    try:
        return _instructor(args, _course(args))
    except (C.CourseError, ConfigError, RosterError) as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 2


def _author(args: argparse.Namespace) -> None:
    """``generate`` and ``normalize``: notebooks whose cells' metadata come from the registry."""
    if args.command == "generate":
        from .notebooks import generate

        for path in generate(args.names or None):
            print(f"wrote {path.relative_to(NOTEBOOKS.parent)}")
    else:
        from .notebooks import normalize_file

        for path in args.paths or sorted(SOLUTIONS.glob("*.ipynb")):
            if normalize_file(path):
                print(f"normalized {path}")


def _check_assignments(course: Path, names: list[str]) -> None:
    from . import course as C

    known, done = C.assignments(), C.released(course)
    for a in names:
        if a not in known:
            raise C.CourseError(f"unknown notebook {a!r}: the notebooks are {', '.join(known)}")
        if a not in done:
            raise C.CourseError(f"{a} is not released in {course}: run `python -m autograder "
                                f"--course {course} release {a}` first")


def _instructor(args: argparse.Namespace, course: Path) -> int:
    from . import course as C

    if args.command == "release":
        for path in C.release(course, args.names or None):
            print(f"released {path.relative_to(course)}")
        print(f"nbgrader course directory: {course} (students get release/<notebook>/)")
        return 0
    C.require_course(course)
    if args.command == "roster":
        from .roster import read_roster, save_roster

        roster = read_roster(args.file)
        path = save_roster(roster, course)
        print(f"{len(roster.students)} students ({roster.lms} roster) written to {path}")
        return 0
    if args.command == "collect":
        from .policy import load_config

        if args.assignment:
            _check_assignments(course, [args.assignment])
        rep = C.collect(args.source, course, assignment=args.assignment, times=args.times,
                        released_only=True)
        print(rep.table(load_config(course, C.assignments())))
        print(f"collected {len(rep.collected)} submissions into {course / 'submitted'} "
              f"({len(rep.unchanged)} unchanged, {len(rep.replaced)} earlier files replaced, "
              f"{len(rep.missing)} missing, {len(rep.unmatched)} files not collected)")
        return 0
    if args.command == "grade":
        return _grade(args, course)
    if args.command == "override":
        m = C.override(course, args.student, args.assignment, args.exercise, args.points,
                       args.reason, args.by)
        what = "the grader's points" if m.points is None else f"{m.points:g} points"
        print(f"{args.student}/{args.assignment}/{args.exercise}: {what} ({m.source})")
        return 0
    _check_assignments(course, args.assignments)
    results = C.load_results(course, args.assignments or None)
    if args.command == "feedback":
        paths = C.write_feedback(course, results, C.manual_grades(course))
        print(f"wrote {len(paths)} feedback pages under {course / 'feedback'}")
        return 0
    if args.command == "export":
        from .export import export

        rep = export(course, results, args.out, args.assignments or None, args.lms)
        for path in rep.paths:
            print(f"wrote {path}")
        flagged = [r for r in rep.submissions if r.submission_status == "flagged"]
        for r in flagged:
            print(f"  to review before importing: {r.student}/{r.assignment}: {r.review}")
        for sid in rep.not_in_roster:
            print(f"  not in the roster (left out of the LMS file): {sid}")
        return 0
    # ---- H5b: report / similarity / gradescope commands are dispatched here ----
    if args.command == "report":
        from .report import write_report

        if not results:
            raise C.CourseError(f"no results in {course / 'results'}: run `python -m autograder "
                                f"--course {course} grade` first")
        page, data = write_report(results, args.out or course / "report", course)
        print(f"wrote {page}\nwrote {data}")
        return 0
    if args.command == "similarity":
        from .similarity import similar_pairs, write_views

        if not 0 <= args.threshold <= 1:
            raise C.CourseError(f"--threshold {args.threshold:g} is not between 0 and 1 "
                                "(e.g. 0.8)")
        if not C.submissions(course, args.assignments or None):
            raise C.CourseError(f"no submissions in {course / 'submitted'}: run `python -m "
                                f"autograder --course {course} collect SOURCE` first")
        pairs, loaded, skipped = similar_pairs(course, args.assignments or None,
                                               threshold=args.threshold)
        index, pairs = write_views(pairs, loaded, args.out or course / "similarity")
        n = sum(len(v) for v in loaded.values())
        print(f"{len(pairs)} pairs at or above {args.threshold:g} among {n} submissions "
              "(a list to look at, not a verdict)")
        for i, q in enumerate(pairs, 1):
            print(f"{i:4d}. {q.score:4.0%}  {q.assignment}  {q.a} ~ {q.b}  ({q.a_in_b:.0%} / "
                  f"{q.b_in_a:.0%}, {q.shared} shared)  {q.view}")
        for why in skipped:
            print(f"  not compared: {why}")
        print(f"wrote {index}")
        return 0
    # ---- end of H5b's commands ----
    return 2  # pragma: no cover


def _grade(args: argparse.Namespace, course: Path) -> int:
    from . import course as C
    from .sandbox import Limits, available

    _check_assignments(course, args.assignments)
    if args.student:
        have = {s.student for s in C.submissions(course, args.assignments or None)}
        for name in args.student:
            if name not in have:
                raise C.CourseError(f"no submission by {name!r} in {course / 'submitted'}: "
                                    "use a folder name from there")
    sandbox = not args.unsafe_no_sandbox
    if sandbox:
        ok, why = available()
        if not ok:
            print(f"grade refuses to run student code without its sandbox: {why}",
                  file=sys.stderr)
            return 3
    limits = Limits(memory_bytes=int(args.memory * (1 << 30)), cpu_seconds=args.cpu,
                    cell_seconds=args.cell_timeout, call_seconds=args.call_timeout)
    try:
        new, skipped = C.grade_all(course, args.assignments or None, jobs=args.jobs,
                                   sandbox=sandbox, limits=limits, scheduler=args.scheduler,
                                   progress=not args.no_progress, force=args.force,
                                   students=args.student)
    except C.ClusterGradingError as exc:  # the others' results are written
        C.write_gradebook(course, C.load_results(course, args.assignments or None))
        print(f"grade: {exc}", file=sys.stderr)
        return 4
    C.write_gradebook(course, C.load_results(course, args.assignments or None))
    bad = [g for g in new if g.status != "graded"]
    print(f"graded {len(new)} submissions ({skipped} unchanged, skipped); "
          f"{len(bad)} not gradable or flagged")
    for g in bad:
        print(f"  {g.student}/{g.assignment}: {g.status_text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

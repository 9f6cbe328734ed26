"""``python -m autograder COMMAND``: grade a class with the course's autograder.

Instructors:
  release               generate notebooks/ and the nbgrader release + gradebook in --course
  collect SOURCE        import submissions from a folder or zip into --course
  grade [ASSIGNMENT..]  grade new or changed submissions in parallel, in the sandbox
  feedback              write per-student HTML feedback
  export [--out F]      write a CSV: one row per student and notebook
Students:
  check NOTEBOOK        run the visible checks (exit status 1 when anything fails)
Authors:
  generate [NAME..]     regenerate notebooks/ from solutions/
  normalize [PATH..]    strip outputs and fix cell ids (default: solutions/*.ipynb)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import NOTEBOOKS, SOLUTIONS


def _course(args: argparse.Namespace) -> Path:
    return Path(args.course).resolve()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course", default="course", help="course directory (default ./course)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="generate student notebooks and the nbgrader release")
    p.add_argument("names", nargs="*")
    p = sub.add_parser("collect", help="import submissions from a folder or zip")
    p.add_argument("source", type=Path)
    p = sub.add_parser("grade", help="grade new or changed submissions")
    p.add_argument("assignments", nargs="*")
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
    p = sub.add_parser("feedback", help="write HTML feedback per student and notebook")
    p.add_argument("assignments", nargs="*")
    p = sub.add_parser("export", help="write the grades as CSV")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--out", type=Path, default=None, help="default: COURSE/grades.csv")
    p = sub.add_parser("check", help="student self-check of one notebook")
    p.add_argument("notebooks", nargs="+")
    p = sub.add_parser("generate", help="regenerate notebooks/ from solutions/")
    p.add_argument("names", nargs="*")
    p = sub.add_parser("normalize", help="strip outputs, stabilize cell ids")
    p.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)

    if args.command == "generate":
        from .notebooks import generate

        for path in generate(args.names or None):
            print(f"wrote {path.relative_to(NOTEBOOKS.parent)}")
        return 0
    if args.command == "normalize":
        from .notebooks import normalize_file

        for path in args.paths or sorted(SOLUTIONS.glob("*.ipynb")):
            if normalize_file(path):
                print(f"normalized {path}")
        return 0
    if args.command == "check":
        from course_checks.selfcheck import main as selfcheck

        return selfcheck(args.notebooks)

    from . import course as C

    course = _course(args)
    if args.command == "release":
        for path in C.release(course, args.names or None):
            print(f"released {path.relative_to(NOTEBOOKS.parent)}")
        print(f"nbgrader course directory: {course}")
        return 0
    if args.command == "collect":
        rep = C.collect(args.source, course)
        print(f"collected {len(rep.collected)} submissions into {course / 'submitted'}")
        for rel, why in rep.unmatched:
            print(f"  not collected: {rel}: {why}")
        return 0
    if args.command == "grade":
        from .sandbox import Limits, available

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
                                       sandbox=sandbox, limits=limits,
                                       scheduler=args.scheduler,
                                       progress=not args.no_progress, force=args.force)
        except C.ClusterGradingError as exc:  # the others' results are written
            C.write_gradebook(course, C.load_results(course, args.assignments or None))
            print(f"grade: {exc}", file=sys.stderr)
            return 4
        results = C.load_results(course, args.assignments or None)
        C.write_gradebook(course, results)
        bad = [g for g in new if g.status != "graded"]
        print(f"graded {len(new)} submissions ({skipped} unchanged, skipped); "
              f"{len(bad)} not gradable or flagged")
        for g in bad:
            print(f"  {g.student}/{g.assignment}: {g.status_text}")
        return 0
    if args.command == "feedback":
        paths = C.write_feedback(course, C.load_results(course, args.assignments or None))
        print(f"wrote {len(paths)} feedback pages under {course / 'feedback'}")
        return 0
    if args.command == "export":
        out = C.export_csv(C.load_results(course, args.assignments or None),
                           args.out or course / "grades.csv")
        print(f"wrote {out}")
        return 0
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())

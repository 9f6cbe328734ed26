"""A class: the course directory, collecting submissions, grading them all, reporting.

The course directory (``--course``, default ``./course``) uses nbgrader's layout::

    course/
      course.toml                                    deadlines, late policy (you write it)
      roster.json                                    written by `roster`
      gradebook.db                                   nbgrader's gradebook
      source/<a>/<a>.ipynb, release/<a>/<a>.ipynb     written by `release`
      submitted/<student>/<a>/<a>.ipynb              written by `collect` (with nbgrader's
                                                     timestamp.txt and submission.json)
      results/<a>/<student>.json                     one file per graded submission
      autograded/<student>/<a>/<a>.ipynb             for formgrader's Manual Grading
      overrides.csv                                  written by `override`
      feedback/<student>/<a>/<a>.html                written by `feedback`
      export/                                        written by `export`
      secret                                         seeds the per-student hidden cases

Grading is resumable: a submission whose file and grading fingerprint (the grader's
code, the registry and course_lib, and the assignment's source and released
notebooks) are unchanged since its result was written is not graded again, and every
result is written (atomically) as soon as it is known, so an interrupted run loses
nothing.
"""

from __future__ import annotations

import copy
import csv
import functools
import getpass
import hashlib
import html
import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from course_checks import exercises_for
from course_checks.outline import grade_cell_id
from course_checks.runner import wrap_text

from . import NOTEBOOKS, ROOT, SOLUTIONS
from .export import number
from .grading import (
    GRADER_VERSION,
    ExerciseGrade,
    SubmissionGrade,
    grade_notebook,
    student_notes,
)
from .lms import Parsed, parse_name
from .notebooks import notebook_names
from .policy import CourseConfig, format_time, load_config, parse_time
from .roster import Roster, Student, load_roster, safe_id
from .sandbox import Limits

__all__ = [
    "ClusterGradingError",
    "CollectReport",
    "CourseError",
    "Manual",
    "Submission",
    "collect",
    "export_csv",
    "grade_all",
    "load_results",
    "manual_grades",
    "override",
    "release",
    "require_course",
    "student_status",
    "submissions",
    "write_autograded",
    "write_feedback",
    "write_gradebook",
]


def assignments() -> list[str]:
    """The course's assignments: one per source notebook."""
    return notebook_names(SOLUTIONS)


def secret_of(course: Path) -> bytes:
    """The course's grading secret (created on first use, readable by its owner only)."""
    path = course / "secret"
    if not path.exists():
        course.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never world-readable
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


_GRADING_CODE = ("course_lib", "course_checks", "autograder")
# Instructor tooling that reads results but decides no points: editing it does not
# make every stored result stale.
_NOT_GRADING = {f"autograder/{name}.py" for name in (
    "__main__", "export", "gradescope", "lms", "policy", "publish", "report", "roster",
    "similarity")}


@functools.cache
def _code_digest() -> str:
    """SHA-256 of every Python file that takes part in grading (read once per process)."""
    h = hashlib.sha256(GRADER_VERSION.encode())
    for top in _GRADING_CODE:
        for path in sorted((ROOT / top).rglob("*.py")):
            if path.relative_to(ROOT).as_posix() in _NOT_GRADING:
                continue
            h.update(str(path.relative_to(ROOT)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def grading_fingerprint(assignment: str, released_in: Path = NOTEBOOKS) -> str:
    """Changes whenever anything that decides an assignment's grades changes: the code of
    course_lib, course_checks (references, cases, mistakes) and the autograder, or the
    assignment's source and released notebooks (``released_in``: the folder of the
    released version). A stored result with another fingerprint is graded again."""
    h = hashlib.sha256(_code_digest().encode())
    for folder in (SOLUTIONS, released_in):
        path = folder / f"{assignment}.ipynb"
        h.update(path.read_bytes() if path.exists() else b"")
    return h.hexdigest()[:16]


# ---- release -----------------------------------------------------------------------


class CourseError(RuntimeError):
    """A problem with the course directory or a command's input; the message is one line
    that names the problem and the fix."""


def require_course(course: Path) -> None:
    """Raise :class:`CourseError` when ``course`` is not a released course directory."""
    if not course.is_dir():
        raise CourseError(f"no course directory {course}: create it with `python -m autograder "
                          f"--course {course} release`, or pass --course DIR")
    if not (course / "release").is_dir():
        raise CourseError(f"{course} was never released: run `python -m autograder --course "
                          f"{course} release` first")


def released(course: Path) -> list[str]:
    """The assignments released in ``course`` (``release/<a>/<a>.ipynb`` exists)."""
    return sorted(p.parent.name for p in (course / "release").glob("*/*.ipynb")
                  if p.stem == p.parent.name)


def release_dir(course: Path, assignment: str) -> Path:
    """Where the released version of ``assignment`` is: the course's release, or
    ``notebooks/`` for a course directory that was never released."""
    d = course / "release" / assignment
    return d if (d / f"{assignment}.ipynb").exists() else NOTEBOOKS


def release(course: Path, names: Iterable[str] | None = None) -> list[Path]:
    """Write the nbgrader source, release and gradebook of ``course`` (created when
    missing). Writes nothing outside ``course``: the repository's ``notebooks/`` (and any
    student work saved there) is never touched. Returns the released notebooks."""
    from .notebooks import generate

    known = assignments()
    names = list(names) if names else known
    unknown = [n for n in names if n not in known]
    if unknown:
        raise CourseError(f"unknown notebook {unknown[0]!r}: the notebooks are "
                          f"{', '.join(known)}")
    course.mkdir(parents=True, exist_ok=True)
    secret_of(course)
    out = []
    for name in names:  # the normalized student version replaces nbgrader's own release
        out += generate([name], out_dir=course / "release" / name, course_root=course)
    return out


# ---- collect -----------------------------------------------------------------------


@dataclass
class Candidate:
    """One file that may be a student's submission of an assignment."""

    rel: str  # path in the download ("(collected before)" for the course's own copy)
    path: Path
    student: str
    assignment: str
    submitted_at: datetime
    time_from: str  # "csv", "zip", "file" or "collected"
    parsed: Parsed | None = None

    def order(self) -> tuple:
        return (self.submitted_at, self.parsed.attempt if self.parsed else 0, self.rel)


@dataclass
class CollectReport:
    """What ``collect`` did: every file is collected, replaced or unmatched (with why)."""

    collected: list[tuple[str, str, Path]] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    replaced: list[tuple[str, str, str, str]] = field(default_factory=list)  # rel, s, a, by
    unchanged: list[tuple[str, str]] = field(default_factory=list)  # (student, a): same file
    missing: list[tuple[str, str]] = field(default_factory=list)  # roster students without one
    times: dict[tuple[str, str], datetime] = field(default_factory=dict)
    lms_late: set[tuple[str, str]] = field(default_factory=set)
    assignments: list[str] = field(default_factory=list)
    students: list[Student] = field(default_factory=list)

    def table(self, config: CourseConfig | None = None) -> str:
        """One line per student and assignment (matched, late, replaced, missing), then
        every unmatched file with its reason."""
        config = config or CourseConfig()
        got = {(s, a) for s, a, _ in self.collected} | set(self.unchanged)
        names = {st.id: st.sortable_name for st in self.students}
        ids = sorted({s for s, _ in got} | {s for s, _ in self.missing})
        width = max([len(i) for i in ids] + [7])
        nwidth = max([len(names.get(i, "")) for i in ids] + [4])
        awidth = max([len(a) for a in self.assignments] + [10])
        lines = [f"{'student':<{width}}  {'name':<{nwidth}}  {'assignment':<{awidth}}  status"]
        for sid in ids:
            for a in self.assignments:
                key = (sid, a)
                if key in got:
                    when = self.times.get(key)
                    what = "collected" if key not in self.unchanged else "unchanged"
                    if when is not None:
                        what += f" {when.astimezone(config.tz):%Y-%m-%d %H:%M}"
                        late = config.lateness(sid, a, when).describe()
                        what += f" ({late})" if late and late != "on time" else ""
                    if key in self.lms_late:
                        what += " [LMS: late]"
                    n = sum(1 for _, s, x, _ in self.replaced if (s, x) == key)
                    if n:
                        what += f", replaces {n} earlier file{'s' * (n > 1)}"
                elif key in self.missing:
                    what = "MISSING"
                else:
                    continue
                lines.append(f"{sid:<{width}}  {names.get(sid, ''):<{nwidth}}  {a:<{awidth}}  "
                             f"{what}")
        for rel, s, a, by in self.replaced:
            lines.append(f"  replaced: {rel} ({s}/{a}): {by}")
        for rel, why in self.unmatched:
            lines.append(f"  not collected: {rel}: {why}")
        return "\n".join(lines)


def _extract(source: Path, tmp: Path, tz, report: CollectReport) -> Path:
    """The folder to read: ``source`` itself, or the zip extracted into ``tmp`` with each
    file's time set from its zip entry (LMS zips stamp files with their submission time)."""
    if source.is_dir():
        return source
    if not source.exists():
        raise CourseError(f"no file or folder {source}: pass the LMS download (a zip or the "
                          "folder it was extracted to)")
    if not zipfile.is_zipfile(source):
        raise CourseError(f"{source} is neither a folder nor a zip file: pass the LMS "
                          "download (a zip or the folder it was extracted to)")
    with zipfile.ZipFile(source) as zf:
        for info in zf.infolist():
            target = (tmp / info.filename).resolve()
            if not str(target).startswith(str(tmp.resolve()) + os.sep):
                report.unmatched.append((info.filename, "unsafe path in the zip"))
                continue
            zf.extract(info, tmp)
            if not info.is_dir():
                stamp = datetime(*info.date_time, tzinfo=tz).timestamp()
                os.utime(target, (stamp, stamp))
    return tmp


def read_times(path: Path, roster: Roster | None, tz) -> dict[tuple[str, str], datetime]:
    """A CSV ``student,assignment,submitted_at`` of submission times (ISO 8601; without
    an offset, in the course's time zone). Students may be named by id, login or e-mail."""
    out = {}
    try:
        rows = list(csv.DictReader(Path(path).open(encoding="utf-8-sig")))
    except FileNotFoundError:
        raise CourseError(f"no times file {path}: pass a CSV with the columns "
                          "student,assignment,submitted_at") from None
    for i, row in enumerate(rows, start=2):
        try:
            student, a, when = row["student"], row["assignment"], row["submitted_at"]
        except KeyError:
            raise CourseError(f"{path}: the columns must be student,assignment,submitted_at"
                              ) from None
        if roster is not None:
            m = roster.match(token=student)
            if isinstance(m, str):
                raise CourseError(f"{path} line {i}: {m}")
            student = m.id
        try:
            out[(safe_id(student), a.strip())] = parse_time(when, tz)
        except ValueError:
            raise CourseError(f"{path} line {i}: {when!r} is not a date and time such as "
                              "2026-11-05T23:59:00") from None
    return out


def _notebook_in_metadata(path: Path) -> str:
    """The notebook name a file's metadata states (``metadata.course.notebook``), or ''."""
    try:
        meta = json.loads(path.read_bytes()[: 64 << 20]).get("metadata", {})
        name = meta.get("course", {}).get("notebook", "")
    except (ValueError, AttributeError, OSError):
        return ""
    return name if isinstance(name, str) else ""


def _submission_dir(course: Path, student: str, assignment: str) -> Path:
    return course / "submitted" / student / assignment


def submission_time(course: Path, student: str, assignment: str) -> datetime | None:
    """The time ``collect`` recorded for a submission (nbgrader's timestamp.txt)."""
    path = _submission_dir(course, student, assignment) / "timestamp.txt"
    try:
        return parse_time(path.read_text())
    except (OSError, ValueError):
        return None


def submission_info(course: Path, student: str, assignment: str) -> dict:
    """What ``collect`` recorded about a submission (submission.json), or {}."""
    path = _submission_dir(course, student, assignment) / "submission.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def collect(source: Path, course: Path, *, assignment: str | None = None,
            times: Path | None = None, roster: Roster | None = None,
            released_only: bool = False) -> CollectReport:
    """Import submissions from an LMS download (a folder or a zip) into ``course/submitted``.

    Reads Canvas bulk downloads, Moodle's per-student folders, nbgrader's
    ``submitted/<student>/<notebook>/`` layout and flat ``<student>_<notebook>.ipynb``
    folders (:mod:`autograder.lms`). With a roster (``roster``, else the course's
    ``roster.json``) every file must match a roster student (by Canvas id, id, login,
    e-mail or name); without one, the name in the file name is the student id.
    ``assignment`` names the notebook of files whose name does not say it (else the
    notebook's own metadata does). When a student has several files for a notebook
    (resubmissions, or a copy collected before), the latest is kept and the others are
    listed as replaced. Each kept file's time (``times`` CSV, else its zip entry's or
    file's time) goes to nbgrader's ``timestamp.txt``. Nothing is dropped silently:
    every file is collected, replaced or unmatched with its reason.
    """
    known = assignments()
    if assignment is not None and assignment not in known:
        raise CourseError(f"unknown notebook {assignment!r}: the notebooks are "
                          f"{', '.join(known)}")
    config = load_config(course, known)
    roster = roster if roster is not None else load_roster(course)
    override = read_times(times, roster, config.tz) if times else {}
    allowed = set(released(course)) if released_only else set(known)
    report = CollectReport(students=roster.students if roster else [])
    groups: dict[tuple[str, str], list[Candidate]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = _extract(Path(source), Path(tmp), config.tz, report)
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = str(path.relative_to(root))
            parsed = parse_name(path.relative_to(root), known)
            if isinstance(parsed, str):
                report.unmatched.append((rel, parsed))
                continue
            a = assignment or parsed.notebook or _notebook_in_metadata(path)
            if parsed.layout == "nbgrader":
                a = parsed.notebook
            if not a:
                report.unmatched.append((rel, "cannot tell the notebook: pass --assignment NAME"))
                continue
            if a not in allowed:
                report.unmatched.append((rel, f"notebook {a} is not released in this course: "
                                              f"run release {a} first"))
                continue
            if roster is not None:
                m = roster.match(lms_id=parsed.lms_id, token=parsed.token, name=parsed.name)
                if isinstance(m, str):
                    report.unmatched.append((rel, m))
                    continue
                student = m.id
            else:
                student = safe_id(parsed.token or parsed.name)
                if not student:
                    report.unmatched.append((rel, "cannot tell the student from the name"))
                    continue
            key = (student, a)
            if key in override:
                when, source_of_time = override[key], "csv"
            else:
                when = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                source_of_time = "zip" if root != Path(source) else "file"
            groups.setdefault(key, []).append(
                Candidate(rel, path, student, a, when, source_of_time, parsed))
        for (student, a), cands in sorted(groups.items()):
            dest_dir = _submission_dir(course, student, a)
            dest = dest_dir / f"{a}.ipynb"
            before = submission_time(course, student, a)
            if dest.exists() and before is not None:
                cands.append(Candidate("(collected before)", dest, student, a, before,
                                       "collected"))
            cands.sort(key=Candidate.order)
            best = cands[-1]
            for c in cands[:-1]:
                if c.rel != "(collected before)" or best.path.read_bytes() != c.path.read_bytes():
                    report.replaced.append((c.rel, student, a, f"{best.rel} is later"))
            report.times[(student, a)] = best.submitted_at
            if best.parsed and best.parsed.lms_late:
                report.lms_late.add((student, a))
            stamp = format_time(best.submitted_at) + "\n"
            if best.rel == "(collected before)" or (
                    dest.exists() and dest.read_bytes() == best.path.read_bytes()):
                report.unchanged.append((student, a))
                ts = dest_dir / "timestamp.txt"
                if not ts.exists() or ts.read_text() != stamp:  # a new time (CSV)
                    ts.write_text(stamp)
                continue
            dest_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(best.path, dest)
            (dest_dir / "timestamp.txt").write_text(stamp)
            info = {"file": best.rel, "layout": best.parsed.layout,
                    "time_from": best.time_from, "lms_late": best.parsed.lms_late,
                    "replaced": [c.rel for c in cands[:-1]]}
            (dest_dir / "submission.json").write_text(json.dumps(info, indent=1) + "\n")
            report.collected.append((student, a, dest))
    report.assignments = sorted({a for _, a in groups} | ({assignment} if assignment else set()))
    if roster is not None:
        for st in roster.students:
            for a in report.assignments:
                if not (_submission_dir(course, st.id, a) / f"{a}.ipynb").exists():
                    report.missing.append((st.id, a))
    return report


# ---- grade -------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str
    path: Path


def submissions(course: Path, only: Iterable[str] | None = None) -> list[Submission]:
    """Every submitted notebook, optionally of some assignments only."""
    wanted = set(only) if only else None
    out = []
    for adir in sorted((course / "submitted").glob("*/*")):
        if not adir.is_dir() or (wanted and adir.name not in wanted):
            continue
        nb = adir / f"{adir.name}.ipynb"
        if not nb.exists():
            found = sorted(adir.glob("*.ipynb"))
            nb = found[0] if found else nb
        out.append(Submission(adir.parent.name, adir.name, nb))
    return out


def _result_path(course: Path, s: Submission) -> Path:
    return course / "results" / s.assignment / f"{s.student}.json"


def _up_to_date(course: Path, s: Submission) -> bool:
    path = _result_path(course, s)
    if not path.exists():
        return False
    try:
        g = SubmissionGrade.from_json(path.read_text())
        digest = hashlib.sha256(s.path.read_bytes()).hexdigest() if s.path.exists() else ""
    except (OSError, ValueError, TypeError, KeyError):
        return False
    fingerprint = grading_fingerprint(s.assignment, release_dir(course, s.assignment))
    return g.sha256 == digest and g.fingerprint == fingerprint


def _write_result(course: Path, g: SubmissionGrade) -> None:
    path = course / "results" / g.assignment / f"{g.student}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(g.to_json())
    os.replace(tmp, path)


def _grade_job(s: Submission, secret: bytes, limits: Limits, sandbox: bool, slot: int,
               source_dir: Path, release_dir: Path) -> SubmissionGrade:
    """Grade one submission; a grader error becomes a status, never a crash of the batch."""
    try:
        g = grade_notebook(s.path, s.assignment, s.student, secret=secret, limits=limits,
                           sandbox=sandbox, slot=slot, source_dir=source_dir,
                           release_dir=release_dir)
    except Exception as exc:  # grade_notebook should not raise; if it does, keep going
        reason = f"grader error: {type(exc).__name__}: {exc}"[:300]
        g = SubmissionGrade(s.student, s.assignment, "not gradable", reason, [
            ExerciseGrade(e.name, 0.0, float(e.points), "not graded",
                          "not graded: the grader failed on this notebook (your instructor "
                          "is told)")
            for e in exercises_for(s.assignment)])
    g.fingerprint = grading_fingerprint(s.assignment, release_dir)
    return g


class ClusterGradingError(RuntimeError):
    """Some submissions could not be graded on the Dask cluster (every worker that tried
    died, or the task failed outside the grader). The results of the others are written;
    run ``grade`` again to grade only the missing ones."""

    def __init__(self, failed: list[tuple[Submission, BaseException]],
                 results: list[SubmissionGrade]) -> None:
        self.failed, self.results = failed, results
        names = ", ".join(f"{s.student}/{s.assignment}" for s, _ in failed[:10])
        more = f" and {len(failed) - 10} more" if len(failed) > 10 else ""
        first = f"{type(failed[0][1]).__name__}: {failed[0][1]}"[:300]
        super().__init__(f"{len(failed)} submissions were not graded on the cluster "
                         f"({names}{more}; first error: {first}); the other {len(results)} "
                         "results are written: run grade again to grade the missing ones")


def _clean_cluster_leftovers(client) -> int:
    """Remove the grade-* directories that killed workers left on the cluster's hosts."""
    from .tempdirs import clean_leftovers

    try:
        counts = client.run(clean_leftovers, on_error="return")
    except Exception:  # cleaning is a courtesy: never a reason not to grade
        return 0
    return sum(n for n in counts.values() if isinstance(n, int))


Outcome = Iterator[tuple[Submission, "SubmissionGrade | BaseException"]]


def _on_cluster(course: Path, todo: list[Submission], args: tuple, scheduler: str) -> Outcome:
    """Grade on a Dask cluster, yielding each outcome (a grade, or the exception of a task
    that failed for good) the moment it arrives.

    A worker that dies mid-task (killed, out of memory, its machine lost) makes the
    scheduler run the task again on another worker (up to
    ``distributed.scheduler.allowed-failures`` deaths, default 3); ``retries=2`` also
    reruns a task that raised outside the grader. Each future is released once its
    outcome is yielded, so no result is computed twice and the cluster does not keep
    the results of a large class in memory.
    """
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    with Client(scheduler) as client:
        removed = _clean_cluster_leftovers(client)
        if removed:
            logging.getLogger(__name__).info(
                "removed %d grade-* directories left by killed workers", removed)
        pending = {client.submit(_grade_job, s, *args, i % 500, SOLUTIONS,
                                 release_dir(course, s.assignment), pure=False, retries=2): s
                   for i, s in enumerate(todo)}
        for fut in dask_completed(list(pending)):
            s = pending.pop(fut)
            try:
                out = fut.result()
            except Exception as exc:  # KilledWorker after repeated deaths, a lost task, ...
                out = exc
            fut.release()
            yield s, out


def _on_threads(course: Path, todo: list[Submission], args: tuple, jobs: int) -> Outcome:
    """Grade with ``jobs`` threads (each runs its sandboxed worker), yielding each grade
    as it is known. Each thread holds a slot: the sandbox uid of its worker."""
    slots = list(range(jobs))
    lock = threading.Lock()

    def run(s: Submission) -> SubmissionGrade:
        with lock:
            slot = slots.pop()
        try:
            return _grade_job(s, *args, slot, SOLUTIONS, release_dir(course, s.assignment))
        finally:
            with lock:
                slots.append(slot)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run, s): s for s in todo}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()


def grade_all(
    course: Path,
    only: Iterable[str] | None = None,
    *,
    jobs: int | None = None,
    sandbox: bool = True,
    limits: Limits | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    force: bool = False,
    students: Iterable[str] | None = None,
) -> tuple[list[SubmissionGrade], int]:
    """Grade every new or changed submission in parallel. Returns (new grades, skipped).

    ``students``: grade (again, whatever changed) these students' submissions only.
    First removes the ``grade-*`` temporary directories that killed grading processes
    left behind (here, and on the workers of a Dask cluster); directories of grading
    runs still alive are never touched. Each result is written the moment it arrives;
    on a cluster, submissions whose tasks failed for good raise
    :class:`ClusterGradingError` after all the others are written.
    """
    from .tempdirs import clean_leftovers

    removed = clean_leftovers()
    if removed:
        logging.getLogger(__name__).info(
            "removed %d grade-* directories left by killed grading runs", removed)
    limits = limits or Limits()
    secret = secret_of(course)
    every = submissions(course, only)
    if students is not None:
        wanted = set(students)
        every = [s for s in every if s.student in wanted]
        force = True
    todo = [s for s in every if force or not _up_to_date(course, s)]
    skipped = len(every) - len(todo)
    results: list[SubmissionGrade] = []
    failed: list[tuple[Submission, BaseException]] = []
    if not todo:
        return results, skipped
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc="grading", unit="notebook")
    if not scheduler:  # each notebook's sandbox library, built once before the threads start
        from .libstub import build_sandbox_lib

        for a in sorted({s.assignment for s in todo}):
            build_sandbox_lib(a)
    args = (secret, limits, sandbox)
    outcomes = (_on_cluster(course, todo, args, scheduler) if scheduler
                else _on_threads(course, todo, args, jobs or os.cpu_count() or 1))
    for s, out in outcomes:  # one loop for both: write each result as it arrives
        if isinstance(out, BaseException):
            failed.append((s, out))
        else:
            _write_result(course, out)
            results.append(out)
        if bar:
            bar.update()
    if bar:
        bar.close()
    if failed:
        raise ClusterGradingError(failed, results)
    return results, skipped


def load_results(course: Path, only: Iterable[str] | None = None) -> list[SubmissionGrade]:
    """Every stored result, sorted by assignment then student."""
    wanted = set(only) if only else None
    out = []
    for path in sorted((course / "results").glob("*/*.json")):
        if wanted and path.parent.name not in wanted:
            continue
        out.append(SubmissionGrade.from_json(path.read_text()))
    return sorted(out, key=lambda g: (g.assignment, g.student))


# ---- gradebook, feedback, export ---------------------------------------------------


def _gradebook(course: Path):
    """nbgrader's gradebook of ``course`` (open it with ``with``)."""
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{course / 'gradebook.db'}")


def _names(student: str, roster: Roster | None) -> dict:
    """Gradebook fields of a student: from the roster, else the id as the last name (so
    formgrader shows "alice, " rather than ", alice")."""
    st = roster.get(student) if roster else None
    if st is None:
        return {"first_name": "", "last_name": student}
    return {"first_name": st.first_name, "last_name": st.last_name or st.id,
            "email": st.email or None}


def _check_text(e: ExerciseGrade) -> str:
    """What formgrader shows under an exercise's check cell, and its comment."""
    text = f"{e.status}: {e.points:g} / {e.max_points:g} points"
    if e.mistake:
        text += f" (recognized mistake: {e.mistake})"
    return text + (f"\n\n{e.message}" if e.message and e.status != "passed" else "")


def write_gradebook(course: Path, results: list[SubmissionGrade]) -> int:
    """Store the results in nbgrader's gradebook and write the ``autograded/`` notebooks,
    so that formgrader's Manual Grading lists every submission with its scores and the
    checks' messages. Returns the number of exercise grades written.

    Only the automatic side is written (``auto_score``, ``auto_comment``, flagged, the late
    penalty): a manual score or comment made in formgrader or with ``override`` is kept.
    The exercises of a flagged or not-gradable submission need a manual look
    (``needs_manual_grade``) until a manual score is given. Assignments that were not
    released are skipped.
    """
    from nbgrader.api import MissingEntry

    roster = load_roster(course)
    config = load_config(course)
    logged = _latest_overrides(course)
    n = 0
    with _gradebook(course) as gb:
        for g in results:
            try:
                gb.find_assignment(g.assignment)
            except MissingEntry:
                continue  # run `release` first to register the assignment
            gb.update_or_create_student(g.student, **_names(g.student, roster))
            when = submission_time(course, g.student, g.assignment)
            stamp = when.astimezone(UTC).replace(tzinfo=None) if when else None
            try:
                sub = gb.find_submission(g.assignment, g.student)
                created = False
            except MissingEntry:
                with gb.db.no_autoflush:  # nbgrader builds it before adding it (SAWarning)
                    sub = gb.add_submission(g.assignment, g.student)
                created = True
            sub.timestamp = stamp  # formgrader lists it when this equals timestamp.txt
            nb = gb.find_submission_notebook(g.assignment, g.assignment, g.student)
            by_ex = {e.exercise: e for e in g.exercises}
            nb.flagged = g.status == "flagged"
            penalty = config.lateness(g.student, g.assignment, when).penalty_percent
            nb.late_submission_penalty = (round(g.max_total * penalty / 100, 2)
                                          if penalty else None)
            for grade in nb.grades:
                e = by_ex.get(grade.name.removeprefix("check_"))
                if e is None:
                    continue
                grade.auto_score = e.points
                if created and (g.student, g.assignment, e.exercise) in logged:
                    grade.manual_score = logged[(g.student, g.assignment, e.exercise)].points
                grade.needs_manual_grade = g.status != "graded" and grade.manual_score is None
                n += 1
            for comment in nb.comments:
                e = by_ex.get(comment.name)
                if e is not None:
                    comment.auto_comment = _check_text(e)
            gb.db.commit()
            write_autograded(course, g)
    return n


def write_autograded(course: Path, g: SubmissionGrade) -> Path:
    """``autograded/<student>/<a>/<a>.ipynb``: the released notebook (its trusted cells and
    nbgrader metadata) with the student's answers in the answer cells and, under each
    check cell, what the grader found. Formgrader shows this file."""
    from .grading import _answer_source

    rel = release_dir(course, g.assignment) / f"{g.assignment}.ipynb"
    nb = copy.deepcopy(nbformat.read(rel, as_version=4))
    sub_dir = _submission_dir(course, g.student, g.assignment)
    found = sorted(sub_dir.glob("*.ipynb"))
    try:
        sub = nbformat.read(found[0], as_version=4) if found else None
    except Exception:  # not gradable: the answers are not readable
        sub = None
    by_ex = {e.exercise: e for e in g.exercises}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            src = _answer_source(cell.id, sub) if sub is not None else None
            cell.source = src if src is not None else (
                f"# no answer: {g.reason}" if g.status == "not gradable"
                else "# the answer cell is missing from the submission")
        elif meta.get("grade") and cell.cell_type == "code":
            e = by_ex.get(str(meta.get("grade_id", "")).removeprefix("check_"))
            if e is not None:
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                       text=_check_text(e) + "\n")]
    out = course / "autograded" / g.student / g.assignment / f"{g.assignment}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    stamp = sub_dir / "timestamp.txt"
    if stamp.exists():
        shutil.copyfile(stamp, out.parent / "timestamp.txt")
    return out


# ---- manual grades: formgrader and `override` --------------------------------------


@dataclass(frozen=True)
class Manual:
    """A manual grade of one exercise: its points (``None``: the automatic ones stand),
    the grader's comment, and where it comes from."""

    points: float | None
    comment: str = ""
    source: str = ""  # "formgrader" or "override by WHO at WHEN: REASON"


OVERRIDE_COLUMNS = ("when", "who", "student", "assignment", "exercise", "points", "reason")


def _latest_overrides(course: Path) -> dict[tuple[str, str, str], Manual]:
    """The latest ``override`` of each exercise (``overrides.csv``, oldest first)."""
    path = course / "overrides.csv"
    out: dict[tuple[str, str, str], Manual] = {}
    if not path.exists():
        return out
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            pts = None if row["points"] == "" else float(row["points"])
            out[(row["student"], row["assignment"], row["exercise"])] = Manual(
                pts, row["reason"], f"override by {row['who']} at {row['when']}: {row['reason']}")
    return out


def override(course: Path, student: str, assignment: str, exercise: str,
             points: float | None, reason: str, who: str | None = None) -> Manual:
    """Give ``student``'s ``exercise`` ``points`` by hand (``None``: back to the automatic
    points), for ``reason``. Appends who, when and why to ``COURSE/overrides.csv`` and
    sets the manual score and comment in the gradebook (as formgrader does), so it
    survives regrades and reaches the export."""
    from nbgrader.api import MissingEntry

    require_course(course)
    if not reason.strip():
        raise CourseError("an override needs a reason: pass --reason TEXT")
    exs = {e.name: e for e in exercises_for(assignment)}
    if not exs:
        raise CourseError(f"unknown notebook {assignment!r}: the notebooks are "
                          f"{', '.join(assignments())}")
    if exercise not in exs:
        raise CourseError(f"{assignment} has no exercise {exercise!r}: its exercises are "
                          f"{', '.join(exs)}")
    if not (course / "results" / assignment / f"{student}.json").exists():
        raise CourseError(f"no graded submission of {assignment} by {student!r}: collect and "
                          "grade it first (the student ids are the folders under submitted/)")
    top = float(exs[exercise].points)
    if points is not None and not 0 <= points <= top:
        raise CourseError(f"{points:g} points is out of range: {exercise} is worth 0 to {top:g}")
    who = who or getpass.getuser()
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = course / "overrides.csv"
    new = not path.exists()
    with path.open("a", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        if new:
            w.writerow(OVERRIDE_COLUMNS)
        w.writerow([when, who, student, assignment, exercise,
                    number(points), reason.strip()])
    with _gradebook(course) as gb:
        try:
            grade = gb.find_grade(grade_cell_id(exercise), assignment, assignment, student)
        except MissingEntry:
            pass  # not in the gradebook yet: write_gradebook applies it
        else:
            grade.manual_score = points
            grade.needs_manual_grade = False
            try:
                comment = gb.find_comment(exercise, assignment, assignment, student)
                comment.manual_comment = None if points is None else reason.strip()
            except MissingEntry:
                pass
            gb.db.commit()
    return Manual(points, reason, f"override by {who} at {when}: {reason.strip()}")


def manual_grades(course: Path) -> dict[tuple[str, str, str], Manual]:
    """Every manual grade or comment, by (student, assignment, exercise): the gradebook's
    (formgrader's and ``override``'s), else, for submissions not in a gradebook, the
    logged overrides."""
    logged = _latest_overrides(course)
    out = dict(logged)
    if not (course / "gradebook.db").exists():
        return out
    with _gradebook(course) as gb:
        for a in gb.assignments:
            for sub in a.submissions:
                for nb in sub.notebooks:
                    comments = {c.name: c.manual_comment or "" for c in nb.comments}
                    for grade in nb.grades:
                        ex = grade.name.removeprefix("check_")
                        key = (sub.student.id, a.name, ex)
                        comment = comments.get(ex, "")
                        if grade.manual_score is None and not comment:
                            out.pop(key, None)  # cleared in formgrader, or never set
                            continue
                        log = logged.get(key)
                        if log is not None and log.points == grade.manual_score:
                            out[key] = Manual(grade.manual_score, comment, log.source)
                        else:
                            out[key] = Manual(grade.manual_score, comment, "formgrader")
    return out


_FEEDBACK = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}}
pre{{background:#f6f6f6;padding:.6rem;overflow-x:auto;white-space:pre-wrap;
word-break:normal;overflow-wrap:normal}}
.passed{{color:#1a7f37}}.bad{{color:#b42318}}</style></head><body>
<h1>{title}</h1><p>Status: <b>{status}</b>. Score: <b>{total:g} / {max_total:g}</b>.</p>
{notes}
<table><tr><th>exercise</th><th>points</th><th>result</th></tr>{rows}</table>
{details}
<p><small>Hidden checks ran your functions on inputs generated for you; this page shows what
they found, not their code. Grader version {version}.</small></p></body></html>
"""


def student_status(g: SubmissionGrade) -> tuple[str, list[str]]:
    """The status a student sees, and one neutral sentence per kind of flag. The flags'
    own text (what exactly was seen, where) is for the instructor only."""
    if g.status == "flagged":
        return "graded, to be reviewed by your instructor", student_notes(g.flags)
    if g.status == "not gradable" and g.reason.startswith("grader error"):
        return "not graded: the grader failed on this notebook (your instructor is told)", []
    return g.status_text, []


def _late_html(config: CourseConfig, g: SubmissionGrade, total: float,
               when: datetime | None) -> str:
    """The late-penalty paragraph of a feedback page ('' when on time)."""
    late = config.lateness(g.student, g.assignment, when)
    if not late.late or g.status == "not gradable":
        return ""
    off = round(g.max_total * late.penalty_percent / 100, 2)
    final = max(0.0, round(total - off, 2))
    return (f"<p>Submitted {when.astimezone(config.tz):%Y-%m-%d %H:%M}, "
            f"{late.late_by.total_seconds() / 3600:.1f} h after the deadline "
            f"({late.deadline.astimezone(config.tz):%Y-%m-%d %H:%M}): {late.penalty_percent:g} % "
            f"of the points off ({off:g}). Final score: <b>{final:g} / {g.max_total:g}</b>.</p>")


def write_feedback(course: Path, results: list[SubmissionGrade],
                   manual: dict[tuple[str, str, str], Manual] | None = None) -> list[Path]:
    """One HTML page per student and notebook: scores and the checks' messages, with the
    instructor's manual points and comments (``manual``, from :func:`manual_grades`).
    Flags show as one neutral sentence per kind, never their text."""
    manual = manual or {}
    config = load_config(course)
    written = []
    for g in results:
        rows, details, total = [], [], 0.0
        for e in g.exercises:
            m = manual.get((g.student, g.assignment, e.exercise))
            pts = m.points if m is not None and m.points is not None else e.points
            total += pts
            result = e.status + (" (points set by your instructor)"
                                 if m is not None and m.points is not None else "")
            cls = "passed" if e.status == "passed" else "bad"
            rows.append(f"<tr><td>{html.escape(e.exercise)}</td><td>{pts:g} / "
                        f"{e.max_points:g}</td><td class='{cls}'>{html.escape(result)}</td></tr>")
            if e.status != "passed" and e.message and e.message != g.reason:  # said once
                details.append(f"<h2>{html.escape(e.exercise)}</h2><pre>"  # folded at spaces
                               f"{html.escape(wrap_text(e.message))}</pre>")
            if m is not None and m.comment:
                details.append(f"<h2>{html.escape(e.exercise)}: your instructor's comment</h2>"
                               f"<p>{html.escape(m.comment)}</p>")
        status, notes = student_status(g)
        notes_html = _late_html(config, g, total,
                                submission_time(course, g.student, g.assignment))
        if notes:
            items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
            notes_html += (f"<p>Your instructor will look at this submission because:</p>"
                           f"<ul>{items}</ul>")
        page = _FEEDBACK.format(
            title=html.escape(f"{g.assignment} — feedback for {g.student}"),
            status=html.escape(status), notes=notes_html, total=total,
            max_total=g.max_total, rows="".join(rows), details="".join(details),
            version=GRADER_VERSION,
        )
        path = course / "feedback" / g.student / g.assignment / f"{g.assignment}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written


def export_csv(results: list[SubmissionGrade], out: Path) -> Path:
    """The tidy CSV of ``results`` alone (one row per student × exercise; no roster,
    manual grades or late policy: :func:`autograder.export.export` has them)."""
    from .export import build, write_long

    return write_long(build(results)[0], out)

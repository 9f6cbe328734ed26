"""A class: the course directory, collecting submissions, grading them all, reporting.

The course directory (``--course``, default ``./course``) uses nbgrader's layout::

    course/
      gradebook.db                                   nbgrader's gradebook
      source/<a>/<a>.ipynb, release/<a>/<a>.ipynb     written by `release`
      submitted/<student>/<a>/<a>.ipynb              written by `collect`
      results/<a>/<student>.json                     one file per graded submission
      feedback/<student>/<a>/<a>.html                written by `feedback`
      secret                                         seeds the per-student hidden cases

Grading is resumable: a submission whose file and grading fingerprint (the grader's
code, the registry and course_lib, and the assignment's source and released
notebooks) are unchanged since its result was written is not graded again, and every
result is written (atomically) as soon as it is known, so an interrupted run loses
nothing.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import html
import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from course_checks import exercises_for

from . import NOTEBOOKS, ROOT, SOLUTIONS
from .grading import (
    GRADER_VERSION,
    ExerciseGrade,
    SubmissionGrade,
    grade_notebook,
    student_notes,
)
from .notebooks import notebook_names
from .sandbox import Limits

__all__ = [
    "ClusterGradingError",
    "CollectReport",
    "Submission",
    "collect",
    "export_csv",
    "grade_all",
    "load_results",
    "release",
    "student_status",
    "submissions",
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


@functools.cache
def _code_digest() -> str:
    """SHA-256 of every Python file that takes part in grading (read once per process)."""
    h = hashlib.sha256(GRADER_VERSION.encode())
    for top in _GRADING_CODE:
        for path in sorted((ROOT / top).rglob("*.py")):
            h.update(str(path.relative_to(ROOT)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def grading_fingerprint(assignment: str) -> str:
    """Changes whenever anything that decides an assignment's grades changes: the code of
    course_lib, course_checks (references, cases, mistakes) and the autograder, or the
    assignment's source and released notebooks. A stored result with another
    fingerprint is graded again."""
    h = hashlib.sha256(_code_digest().encode())
    for folder in (SOLUTIONS, NOTEBOOKS):
        path = folder / f"{assignment}.ipynb"
        h.update(path.read_bytes() if path.exists() else b"")
    return h.hexdigest()[:16]


# ---- release -----------------------------------------------------------------------


def release(course: Path, names: Iterable[str] | None = None) -> list[Path]:
    """Regenerate notebooks/ and the nbgrader source/release/gradebook of ``course``."""
    from .notebooks import generate

    course.mkdir(parents=True, exist_ok=True)
    secret_of(course)
    return generate(names, course_root=course)


# ---- collect -----------------------------------------------------------------------


@dataclass
class CollectReport:
    collected: list[tuple[str, str, Path]] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)


_SAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


def _match(rel: Path, known: list[str]) -> tuple[str, str] | str:
    """(student, assignment) of a submitted file's relative path, or why it does not match."""
    parts = rel.parts
    if rel.suffix != ".ipynb":
        return "not a notebook (.ipynb)"
    if any(p.startswith(".") for p in parts) or "__MACOSX" in parts:
        return "hidden or system file"
    if len(parts) >= 3 and parts[-2] in known:  # nbgrader: <student>/<assignment>/<file>.ipynb
        return _SAFE.sub("_", parts[-3]), parts[-2]
    stem = rel.stem
    for a in sorted(known, key=len, reverse=True):  # flat: <student>_<assignment>.ipynb
        i = stem.find(a)
        if i > 0:
            student = _SAFE.sub("_", stem[:i].rstrip("_- ."))
            if student:
                return student, a
    return "cannot tell the student and the notebook from the name"


def collect(source: Path, course: Path) -> CollectReport:
    """Import submissions from a folder or a zip into ``course/submitted``.

    Accepts nbgrader's ``submitted/<student>/<assignment>/<assignment>.ipynb`` layout
    (with or without the leading ``submitted/``) and flat folders of
    ``<student>_<assignment>.ipynb`` files as LMS downloads come. Files that match
    nothing are reported, never silently dropped.
    """
    known = assignments()
    report = CollectReport()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(source)
        if root.is_file() and zipfile.is_zipfile(root):
            with zipfile.ZipFile(root) as zf:
                for info in zf.infolist():
                    target = (Path(tmp) / info.filename).resolve()
                    if not str(target).startswith(str(Path(tmp).resolve())):
                        report.unmatched.append((info.filename, "unsafe path in the zip"))
                        continue
                    zf.extract(info, tmp)
            root = Path(tmp)
        elif not root.is_dir():
            raise FileNotFoundError(f"{source} is neither a folder nor a zip file")
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root)
            m = _match(rel, known)
            if isinstance(m, str):
                report.unmatched.append((str(rel), m))
                continue
            student, a = m
            dest = course / "submitted" / student / a / f"{a}.ipynb"
            if any(s == student and x == a for s, x, _ in report.collected):
                report.unmatched.append((str(rel), f"a second file for {student}/{a}"))
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
            report.collected.append((student, a, dest))
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
    return g.sha256 == digest and g.fingerprint == grading_fingerprint(s.assignment)


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
    g.fingerprint = grading_fingerprint(s.assignment)
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


def _grade_on_cluster(course: Path, todo: list[Submission], args: tuple, dirs: tuple,
                      scheduler: str, bar) -> list[SubmissionGrade]:
    """Grade on a Dask cluster; the client writes each result the moment it arrives.

    A worker that dies mid-task (killed, out of memory, its machine lost) makes the
    scheduler run the task again on another worker (up to
    ``distributed.scheduler.allowed-failures`` deaths, default 3); ``retries=2`` also
    reruns a task that raised outside the grader. Each future is released once its
    result is written, so no result is computed or written twice and the cluster
    does not keep the results of a large class in memory.
    """
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    results: list[SubmissionGrade] = []
    failed: list[tuple[Submission, BaseException]] = []
    with Client(scheduler) as client:
        removed = _clean_cluster_leftovers(client)
        if removed:
            logging.getLogger(__name__).info(
                "removed %d grade-* directories left by killed workers", removed)
        pending = {client.submit(_grade_job, s, *args, i % 500, *dirs, pure=False, retries=2): s
                   for i, s in enumerate(todo)}
        for fut in dask_completed(list(pending)):
            s = pending.pop(fut)
            try:
                g = fut.result()
            except Exception as exc:  # KilledWorker after repeated deaths, a lost task, ...
                failed.append((s, exc))
            else:
                _write_result(course, g)
                results.append(g)
            finally:
                fut.release()
            if bar:
                bar.update()
    if failed:
        raise ClusterGradingError(failed, results)
    return results


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
) -> tuple[list[SubmissionGrade], int]:
    """Grade every new or changed submission in parallel. Returns (new grades, skipped).

    First removes the ``grade-*`` temporary directories that killed grading processes
    left behind (here, and on the workers of a Dask cluster); directories of grading
    runs still alive are never touched.
    """
    from .tempdirs import clean_leftovers

    removed = clean_leftovers()
    if removed:
        logging.getLogger(__name__).info(
            "removed %d grade-* directories left by killed grading runs", removed)
    limits = limits or Limits()
    secret = secret_of(course)
    every = submissions(course, only)
    todo = [s for s in every if force or not _up_to_date(course, s)]
    skipped = len(every) - len(todo)
    results: list[SubmissionGrade] = []
    bar = None
    if progress and todo:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc="grading", unit="notebook")
    args = (secret, limits, sandbox)
    dirs = (SOLUTIONS, NOTEBOOKS)
    if scheduler:
        if todo:
            results = _grade_on_cluster(course, todo, args, dirs, scheduler, bar)
    else:
        jobs = jobs or os.cpu_count() or 1
        slots = list(range(jobs))
        lock = threading.Lock()

        def run(s: Submission) -> SubmissionGrade:
            with lock:
                slot = slots.pop()
            try:
                return _grade_job(s, *args, slot, *dirs)
            finally:
                with lock:
                    slots.append(slot)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run, s) for s in todo]
            for fut in as_completed(futures):
                g = fut.result()
                _write_result(course, g)
                results.append(g)
                if bar:
                    bar.update()
    if bar:
        bar.close()
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


def write_gradebook(course: Path, results: list[SubmissionGrade]) -> int:
    """Store the scores in nbgrader's gradebook (formgrader and manual grading keep working)."""
    from nbgrader.api import Gradebook, MissingEntry

    db = f"sqlite:///{course / 'gradebook.db'}"
    n = 0
    with Gradebook(db) as gb:
        for g in results:
            try:
                gb.find_assignment(g.assignment)
            except MissingEntry:
                continue  # run `release` first to register the assignment
            gb.update_or_create_student(g.student, first_name=g.student, last_name="")
            try:
                gb.find_submission(g.assignment, g.student)
            except MissingEntry:
                gb.add_submission(g.assignment, g.student)
            for e in g.exercises:
                try:
                    grade = gb.find_grade(f"check_{e.exercise}", g.assignment, g.assignment,
                                          g.student)
                except MissingEntry:
                    continue
                grade.auto_score = e.points
                n += 1
            gb.db.commit()
    return n


_FEEDBACK = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}}
pre{{background:#f6f6f6;padding:.6rem;overflow-x:auto;white-space:pre-wrap}}
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


def write_feedback(course: Path, results: list[SubmissionGrade]) -> list[Path]:
    """One HTML page per student and notebook: scores and the checks' messages."""
    written = []
    for g in results:
        rows, details = [], []
        for e in g.exercises:
            cls = "passed" if e.status == "passed" else "bad"
            rows.append(f"<tr><td>{html.escape(e.exercise)}</td><td>{e.points:g} / "
                        f"{e.max_points:g}</td><td class='{cls}'>{html.escape(e.status)}</td></tr>")
            if e.status != "passed":
                details.append(f"<h2>{html.escape(e.exercise)}</h2><pre>"
                               f"{html.escape(e.message)}</pre>")
        status, notes = student_status(g)
        notes_html = ""
        if notes:
            items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
            notes_html = (f"<p>Your instructor will look at this submission because:</p>"
                          f"<ul>{items}</ul>")
        page = _FEEDBACK.format(
            title=html.escape(f"{g.assignment} — feedback for {g.student}"),
            status=html.escape(status), notes=notes_html, total=g.total,
            max_total=g.max_total, rows="".join(rows), details="".join(details),
            version=GRADER_VERSION,
        )
        path = course / "feedback" / g.student / g.assignment / f"{g.assignment}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written


def export_csv(results: list[SubmissionGrade], out: Path) -> Path:
    """One row per student and notebook: per-exercise points, total, status."""
    columns: list[str] = []
    for a in sorted({g.assignment for g in results}):
        columns += [e.name for e in exercises_for(a) if e.name not in columns]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student", "notebook", *columns, "total", "max_total", "status"])
        for g in results:
            pts = {e.exercise: e.points for e in g.exercises}
            w.writerow([g.student, g.assignment, *[pts.get(c, "") for c in columns],
                        g.total, g.max_total, g.status_text])
    return out

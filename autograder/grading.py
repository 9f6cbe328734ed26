"""Grade one submitted notebook: sandboxed execution, comparison in the grader.

How a submission is graded:

1. The file is read and parsed; invalid JSON or a notebook of another assignment
   gives the status ``not gradable`` with the reason.
2. Locked cells are compared with the trusted source notebook; a deleted or
   edited grade/locked cell, or changed nbgrader metadata, is **flagged** (it gains
   nothing: grade cells are never run, points come from the registry).
3. A sandboxed worker runs, in notebook order, the source's locked setup cells
   (trusted copies) and the student's answer cells. Demo cells and the
   student's own extra cells are not run.
4. For every exercise the grader generates the visible cases and per-student
   hidden cases, the worker calls the student's function on them and returns the
   outputs as plain data, and the grader compares them with the reference here,
   with the same registry and messages as the notebooks' checks.
5. A timeout, crash, ``MemoryError``, ``sys.exit`` or ``os._exit`` costs the
   exercise in which it happens: the worker is restarted, the cells that worked
   are replayed, and grading goes on with the next exercise.
6. An answer that imports or calls the ``course_lib`` reference of its own
   exercise earns nothing for it and is flagged.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import os
import selectors
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import numpy as np

from course_checks import Exercise, exercises_for
from course_checks.cases import from_plain
from course_checks.runner import evaluate_outputs

from . import NOTEBOOKS, SOLUTIONS
from .sandbox import HARNESS_DIR, Limits, build_command, worker_uid

__all__ = [
    "GRADER_VERSION",
    "ExerciseGrade",
    "SubmissionGrade",
    "grade_notebook",
    "student_seed",
]

GRADER_VERSION = "1"
SKIPPED_LOCKED_CELLS = {"selfcheck"}
SUSPICIOUS = ("ctypes", "gc.get_objects", "__closure__", "sys.modules", "importlib.reload",
              "os.write", "/proc/", "__wrapped__", "sys.settrace", "setrecursionlimit",
              "__globals__")


@dataclass
class ExerciseGrade:
    """The grade of one exercise."""

    exercise: str
    points: float
    max_points: float
    status: str
    message: str = ""
    mistake: str | None = None


@dataclass
class SubmissionGrade:
    """The grade of one notebook of one student."""

    student: str
    assignment: str
    status: str
    reason: str = ""
    exercises: list[ExerciseGrade] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    sha256: str = ""
    seconds: float = 0.0
    grader_version: str = GRADER_VERSION
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    fingerprint: str = field(default="", compare=False)  # set by course.grade_all

    @property
    def total(self) -> float:
        return float(sum(e.points for e in self.exercises))

    @property
    def max_total(self) -> float:
        return float(sum(e.max_points for e in self.exercises))

    @property
    def status_text(self) -> str:
        """``graded``, ``not gradable: why`` or ``flagged: why``."""
        if self.status == "graded":
            return "graded"
        return f"{self.status}: {self.reason}"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SubmissionGrade:
        d = json.loads(text)
        d["exercises"] = [ExerciseGrade(**e) for e in d["exercises"]]
        return cls(**d)


def student_seed(secret: bytes, assignment: str, student: str, exercise: str) -> int:
    """The hidden-case seed of one student's exercise (secret: unguessable by students)."""
    digest = hmac.new(secret, f"{assignment}/{student}/{exercise}".encode(), hashlib.sha256)
    return int.from_bytes(digest.digest()[:4], "big") & 0x7FFFFFFF


# ---- the worker process -----------------------------------------------------------


class WorkerDied(RuntimeError):
    pass


class WorkerTimeout(RuntimeError):
    pass


class Worker:
    """One sandboxed worker process and its command/reply pipes."""

    def __init__(self, io_dir: Path, limits: Limits, *, sandbox: bool, slot: int) -> None:
        self.io_dir, self.limits, self.sandbox, self.slot = io_dir, limits, sandbox, slot
        self.proc: subprocess.Popen | None = None
        self.stderr_tail = b""

    def start(self, tripwires: dict[str, list[str]]) -> None:
        cmd_r, cmd_w = os.pipe()
        resp_r, resp_w = os.pipe()
        env = dict(os.environ)
        env.pop("COURSE_HIDDEN_SEED", None)
        env.update(GRADER_OUTPUT_CHARS=str(self.limits.output_chars))
        argv = [sys.executable, "/opt/harness/worker.py", str(cmd_r), str(resp_w)]
        if self.sandbox:
            cmd = build_command(argv, self.io_dir, uid=worker_uid(self.slot), limits=self.limits)
            if worker_uid(self.slot) is not None:
                os.chown(self.io_dir, worker_uid(self.slot), worker_uid(self.slot))
        else:
            cmd = [sys.executable, str(HARNESS_DIR / "worker.py"), str(cmd_r), str(resp_w)]
            env.update(GRADER_IO=str(self.io_dir),
                       GRADER_CASES_DIR=str(Path(__file__).resolve().parent.parent
                                            / "course_checks"),
                       OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg", COURSE_LIB_NO_PROGRESS="1")
        self.proc = subprocess.Popen(
            cmd, pass_fds=(cmd_r, resp_w), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, env=env, cwd=self.io_dir, start_new_session=True,
        )
        os.close(cmd_r)
        os.close(resp_w)
        self.cmd = os.fdopen(cmd_w, "w", encoding="utf-8")
        self.resp_fd = resp_r
        self.buffer = b""
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()
        self.send({"cmd": "init", "tripwires": tripwires}, timeout=60)

    def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for chunk in iter(lambda: self.proc.stderr.read(4096), b""):
            self.stderr_tail = (self.stderr_tail + chunk)[-4000:]

    def send(self, msg: dict, timeout: float) -> dict:
        try:
            self.cmd.write(json.dumps(msg) + "\n")
            self.cmd.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerDied(self._death_reason()) from exc
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.resp_fd, selectors.EVENT_READ)
        try:
            while b"\n" not in self.buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    raise WorkerTimeout(f"no answer within {timeout:g} s")
                if not sel.select(left):
                    continue
                chunk = os.read(self.resp_fd, 1 << 16)
                if not chunk:
                    self.kill()
                    raise WorkerDied(self._death_reason())
                self.buffer += chunk
                if len(self.buffer) > 16 << 20:
                    self.kill()
                    raise WorkerDied("the worker sent more than 16 MiB of replies")
        finally:
            sel.close()
        line, _, self.buffer = self.buffer.partition(b"\n")
        try:
            reply = json.loads(line)
        except Exception as exc:  # ValueError, RecursionError on absurd nesting, ...
            self.kill()
            raise WorkerDied("the worker sent an unreadable reply") from exc
        if not isinstance(reply, dict):
            self.kill()
            raise WorkerDied("the worker sent an unreadable reply")
        return reply

    def _death_reason(self) -> str:
        self.kill()  # a worker that closed its pipe may still be running: end it first
        code = self.proc.wait(timeout=10) if self.proc else None
        tail = self.stderr_tail.decode("utf-8", "replace").strip().splitlines()[-3:]
        why = "the Python process ended"
        if code is not None and code < 0:
            why = f"the Python process was killed by signal {-code}"
        elif code is not None:
            why = f"the Python process exited with status {code}"
        if "MemoryError" in " ".join(tail) or code == -9:
            why += " (memory limit?)"
        return why

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
            self.proc.wait(timeout=30)

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                self.cmd.write(json.dumps({"cmd": "quit"}) + "\n")
                self.cmd.flush()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
        try:
            if getattr(self, "cmd", None) is not None:
                self.cmd.close()
        except OSError:
            pass
        try:
            os.close(self.resp_fd)
        except (OSError, AttributeError):
            pass


# ---- static checks -------------------------------------------------------------------


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _import_aliases(source: str) -> dict[str, str]:
    aliases: dict[str, str] = {}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return aliases
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else (
                    a.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def reference_uses(source: str, names: tuple[str, ...], context: str = "") -> list[str]:
    """Reference names (``course_lib.module.function``) an answer imports or uses.

    ``context`` is the code that runs before the answer (the setup cells): names it
    imports count too. Also reports any import of ``course_checks`` (the registry
    holds the references).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    aliases: dict[str, str] = _import_aliases(context)
    hits: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    top = a.name.split(".")[0]
                    aliases[top] = top
                if a.name.startswith("course_checks"):
                    hits.add("course_checks")
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("course_checks"):
                hits.add("course_checks")
            for a in node.names:
                full = f"{node.module}.{a.name}"
                aliases[a.asname or a.name] = full
                if full in names:
                    hits.add(full)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name):
            dotted = _dotted(node)
            if not dotted:
                continue
            head, _, rest = dotted.partition(".")
            full = aliases.get(head, head) + (f".{rest}" if rest else "")
            if full in names:
                hits.add(full)
    return sorted(hits)


def suspicious_constructs(source: str) -> list[str]:
    """Constructs worth a human look (they gain nothing by themselves)."""
    return [s for s in SUSPICIOUS if s in source]


def _nbg(cell: Any) -> dict:
    """A cell's nbgrader metadata ({} when missing or not a dict, as in a damaged file)."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return dict(meta) if isinstance(meta, dict) else {}


def tamper_flags(source: nbformat.NotebookNode, sub: nbformat.NotebookNode) -> list[str]:
    """Deleted or edited locked cells and changed nbgrader metadata."""
    flags = []
    by_id = {c.get("id"): c for c in sub.cells}
    keys = ("grade", "solution", "locked", "points", "grade_id")
    for cell in source.cells:
        meta = _nbg(cell)
        if not meta:
            continue
        mine = by_id.get(cell.id)
        if mine is None:
            if meta.get("locked") or meta.get("grade") or meta.get("solution"):
                flags.append(f"cell {cell.id} was deleted")
            continue
        if meta.get("locked") and not meta.get("solution") and mine.source != cell.source:
            flags.append(f"locked cell {cell.id} was edited")
        theirs = _nbg(mine)
        if any(theirs.get(k) != meta.get(k) for k in keys):
            flags.append(f"nbgrader metadata of cell {cell.id} was changed")
    return flags


# ---- grading one notebook ---------------------------------------------------------


def _answer_source(ex_name: str, sub: nbformat.NotebookNode) -> str | None:
    for cell in sub.cells:
        if cell.get("cell_type") == "code" and cell.get("id") == ex_name:
            return cell.source
    for cell in sub.cells:
        if cell.get("cell_type") == "code" and _nbg(cell).get("grade_id") == ex_name:
            return cell.source
    for cell in sub.cells:  # the answer cell was recreated: find the definition
        if cell.get("cell_type") == "code" and f"def {ex_name}(" in cell.get("source", ""):
            return cell.source
    return None


def _not_gradable(student: str, assignment: str, reason: str, sha: str,
                  exercises: list[Exercise]) -> SubmissionGrade:
    return SubmissionGrade(
        student, assignment, "not gradable", reason,
        [ExerciseGrade(e.name, 0.0, float(e.points), "not graded", reason) for e in exercises],
        sha256=sha,
    )


def _write_cases(io_dir: Path, tag: str, cases: list) -> None:
    """Write the cases into ``io_dir/in``, which the sandbox sees read-only."""
    stored = []
    for i, case in enumerate(cases):
        plain, arrays = case.to_plain()
        for k, arr in enumerate(arrays):
            np.save(io_dir / "in" / f"{tag}_{i}_{k}.npy", np.ascontiguousarray(arr),
                    allow_pickle=False)
        stored.append({"plain": plain, "n_arrays": len(arrays)})
    (io_dir / "in" / f"{tag}.json").write_text(json.dumps(stored))


MAX_OUTPUT_FILE = 80 << 20  # the worker refuses outputs over 64 MiB of arrays


def _load_output(path: Path) -> np.ndarray:
    """``np.load`` of a file the sandbox wrote, refusing symlinks, FIFOs and huge files."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("the output is not a regular file")
        if st.st_size > MAX_OUTPUT_FILE:
            raise ValueError(f"the output file is larger than {MAX_OUTPUT_FILE >> 20} MiB")
        return np.load(fh, allow_pickle=False)


def _read_outputs(io_dir: Path, tag: str, results: list[dict]) -> tuple[list, list, list]:
    outputs, errors, mutated = [], [], []
    for i, r in enumerate(results):
        if not r.get("ok"):
            outputs.append(None)
            errors.append(str(r.get("error", "error")))
            mutated.append(())
            continue
        try:
            arrays = []
            for k in range(int(r["n_arrays"])):
                arr = _load_output(io_dir / f"out_{tag}_{i}_{k}.npy")
                if type(arr) is not np.ndarray or arr.dtype.kind not in "biuf":
                    raise ValueError(f"unexpected array type {type(arr)} {arr.dtype}")
                arrays.append(arr)
            outputs.append(from_plain(r["plain"], arrays))
            errors.append(None)
            mutated.append(tuple(str(m) for m in r.get("mutated", ())))
        except Exception as exc:  # a malformed reply is the student's loss, not a crash
            outputs.append(None)
            errors.append(f"the output could not be read: {exc}")
            mutated.append(())
    return outputs, errors, mutated


class _Session:
    """A worker plus the cells that ran, replayed after a restart."""

    def __init__(self, io_dir: Path, limits: Limits, sandbox: bool, slot: int,
                 tripwires: dict[str, list[str]]) -> None:
        self.args = (io_dir, limits)
        self.sandbox, self.slot, self.tripwires = sandbox, slot, tripwires
        self.replay: list[tuple[str, str]] = []
        self.worker = self._start()

    def _start(self) -> Worker:
        w = Worker(*self.args, sandbox=self.sandbox, slot=self.slot)
        w.start(self.tripwires)
        return w

    def restart(self) -> None:
        """A fresh worker with the cells that ran replayed. A cell that now kills or hangs
        the worker is dropped and the replay starts over, so every cell kept has run in
        the worker that is left (each round drops one cell: this ends)."""
        self.worker.close()
        cells = list(self.replay)
        while True:
            self.worker = self._start()
            for n, (cid, src) in enumerate(cells):
                try:
                    self.worker.send({"cmd": "cell", "id": cid, "source": src},
                                     timeout=self.args[1].setup_seconds)
                except (WorkerDied, WorkerTimeout):
                    self.worker.close()
                    cells = cells[:n] + cells[n + 1:]
                    break
            else:
                self.replay = cells
                return

    def run_cell(self, cid: str, src: str, *, trusted: bool = False) -> tuple[str, str]:
        limits = self.args[1]
        limit = limits.setup_seconds if trusted else limits.cell_seconds
        try:
            r = self.worker.send({"cmd": "cell", "id": cid, "source": src}, timeout=limit)
        except WorkerTimeout as exc:
            self.restart()
            return "timeout", f"the cell did not finish within {limit:g} s ({exc})"
        except WorkerDied as exc:
            self.restart()
            return "crashed", f"the cell stopped the Python process: {exc}"
        self.replay.append((cid, src))
        return ("ok", "") if r.get("ok") else ("error", str(r.get("error", "")))


def grade_notebook(
    path: Path,
    assignment: str,
    student: str,
    *,
    secret: bytes,
    limits: Limits | None = None,
    sandbox: bool = True,
    slot: int = 0,
    source_dir: Path = SOLUTIONS,
    release_dir: Path = NOTEBOOKS,
) -> SubmissionGrade:
    """Grade one submission; never raises for anything the submission contains."""
    t0 = time.perf_counter()
    limits = limits or Limits()
    exercises = exercises_for(assignment)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return _not_gradable(student, assignment, f"cannot read the file: {exc}", "", exercises)
    sha = hashlib.sha256(data).hexdigest()
    if not exercises:
        return _not_gradable(student, assignment, f"unknown assignment {assignment!r}", sha, [])
    if len(data) > 512 << 20:
        return _not_gradable(student, assignment, "the notebook file is larger than 512 MiB",
                             sha, exercises)
    try:
        sub = nbformat.reads(data.decode("utf-8"), as_version=4)
        if not isinstance(sub.get("cells"), list):
            raise ValueError("no list of cells")
    except Exception as exc:
        return _not_gradable(student, assignment, f"invalid notebook JSON ({exc})"[:300],
                             sha, exercises)
    source = nbformat.read(source_dir / f"{assignment}.ipynb", as_version=4)
    meta = sub.get("metadata")
    course = meta.get("course") if isinstance(meta, dict) else None
    other = course.get("notebook") if isinstance(course, dict) else None
    if other is not None and not isinstance(other, str):
        other = repr(other)[:60]
    if other and other != assignment:
        return _not_gradable(student, assignment, f"this is notebook {other}, not {assignment}",
                             sha, exercises)
    answers = {ex.name: _answer_source(ex.name, sub) for ex in exercises}
    if not other and all(a is None for a in answers.values()):
        return _not_gradable(student, assignment,
                             f"not a notebook of {assignment} (none of its answer cells)",
                             sha, exercises)
    release = nbformat.read(release_dir / f"{assignment}.ipynb", as_version=4)
    flags = tamper_flags(release, sub)
    setup_code = "\n".join(
        c.source for c in source.cells
        if c.cell_type == "code" and _nbg(c).get("locked") and not _nbg(c).get("grade")
    )
    static_ref = {}
    for ex in exercises:
        src = answers.get(ex.name) or ""
        static_ref[ex.name] = reference_uses(src, ex.reference_names, setup_code)
        flags += [f"review: {ex.name} uses {s}" for s in suspicious_constructs(src)]
    tripwires = {ex.name: list(ex.reference_names) for ex in exercises}

    io_dir = Path(tempfile.mkdtemp(prefix="grade-"))
    os.chmod(io_dir, 0o777)
    (io_dir / "in").mkdir(mode=0o755)
    grades: dict[str, ExerciseGrade] = {}
    cell_status: dict[str, tuple[str, str]] = {}
    session = None
    timings: dict[str, float] = {"read": time.perf_counter() - t0}
    try:
        t1 = time.perf_counter()
        session = _Session(io_dir, limits, sandbox, slot, tripwires)
        timings["start"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        solution_ids = {c.id for c in source.cells if _nbg(c).get("solution")}
        for cell in source.cells:
            meta = _nbg(cell)
            if cell.cell_type != "code" or (meta.get("grade") and not meta.get("solution")):
                continue
            if cell.id in solution_ids:
                src = answers.get(cell.id)
                if src is None:
                    sub_cell = next((c for c in sub.cells if c.get("id") == cell.id), None)
                    src = sub_cell.source if sub_cell is not None else None
                if src is None:
                    cell_status[cell.id] = ("missing", "the answer cell is missing")
                    continue
                cell_status[cell.id] = session.run_cell(cell.id, src)
            elif meta.get("locked") and cell.id not in SKIPPED_LOCKED_CELLS:
                cell_status[cell.id] = session.run_cell(cell.id, cell.source, trusted=True)
        timings["cells"] = time.perf_counter() - t1
        for cid, (state, detail) in cell_status.items():
            if cid not in answers and state != "ok":
                last = detail.strip().splitlines()[-1] if detail.strip() else state
                flags.append(f"grader: setup cell {cid} failed in the sandbox ({last})")
        t1 = time.perf_counter()
        for ex in exercises:
            grades[ex.name] = _grade_exercise(ex, session, io_dir, limits, secret, assignment,
                                              student, cell_status.get(ex.name), static_ref)
        timings["exercises"] = time.perf_counter() - t1
    finally:
        if session is not None:
            session.worker.close()
        shutil.rmtree(io_dir, ignore_errors=True)
    used = [g.exercise for g in grades.values() if g.status == "reference used"]
    flags += [f"{name} uses the course_lib reference" for name in used]
    status, reason = ("flagged", "; ".join(flags)) if flags else ("graded", "")
    return SubmissionGrade(student, assignment, status, reason,
                           [grades[ex.name] for ex in exercises], flags, sha,
                           round(time.perf_counter() - t0, 3),
                           timings={k: round(v, 4) for k, v in timings.items()})


def _grade_exercise(ex: Exercise, session: _Session, io_dir: Path, limits: Limits,
                    secret: bytes, assignment: str, student: str,
                    cell: tuple[str, str] | None, static_ref: dict) -> ExerciseGrade:
    pts = float(ex.points)
    if static_ref.get(ex.name):
        return ExerciseGrade(ex.name, 0.0, pts, "reference used",
                             f"the answer uses {', '.join(static_ref[ex.name])}, the reference "
                             "of this exercise: it earns nothing")
    if cell and cell[0] in ("timeout", "crashed", "missing"):
        return ExerciseGrade(ex.name, 0.0, pts, cell[0], f"answer cell: {cell[1]}")
    plans = (("visible", ex.visible_seed, ex.visible_cases, False),
             ("hidden", student_seed(secret, assignment, student, ex.name), ex.hidden_cases, True))
    for kind, seed, n, hidden in plans:
        tag = f"{ex.name}_{kind}"
        _write_cases(io_dir, tag, ex.cases(seed, n))
        try:
            r = session.worker.send({"cmd": "call", "exercise": ex.name, "function": ex.name,
                                     "cases": tag}, timeout=limits.call_seconds)
        except WorkerTimeout:
            session.restart()
            return ExerciseGrade(ex.name, 0.0, pts, "timeout",
                                 f"{ex.name} did not return within {limits.call_seconds:g} s "
                                 f"on the {kind} cases (an infinite loop?)")
        except WorkerDied as exc:
            session.restart()
            return ExerciseGrade(ex.name, 0.0, pts, "crashed",
                                 f"calling {ex.name} on the {kind} cases stopped Python: {exc}")
        if r.get("reference_used"):
            return ExerciseGrade(ex.name, 0.0, pts, "reference used",
                                 f"{ex.name} calls the course_lib reference of this exercise: "
                                 "it earns nothing")
        outputs, errors, mutated = _read_outputs(io_dir, tag, r.get("results", []))
        result = evaluate_outputs(ex, seed, n, outputs, errors, mutated, hidden=hidden)
        if not result.passed:
            if result.not_implemented:
                return ExerciseGrade(ex.name, 0.0, pts, "not implemented",
                                     f"{ex.name} still raises NotImplementedError")
            f = result.first_failure
            status = "error" if f is not None and f.error else "failed"
            prefix = ""
            if cell and cell[0] == "error":
                prefix = f"(your answer cell raised an error: {cell[1].strip().splitlines()[-1]})\n"
            return ExerciseGrade(ex.name, 0.0, pts, status, prefix + result.message(),
                                 result.mistake.name if result.mistake else None)
    return ExerciseGrade(ex.name, pts, pts, "passed",
                         f"{ex.name}: all {ex.visible_cases} visible and {ex.hidden_cases} "
                         "hidden cases passed")

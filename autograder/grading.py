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
5. A timeout, crash, memory or CPU exhaustion, ``sys.exit`` or ``os._exit`` costs the
   exercise in which it happens, and flags the submission: the worker is restarted,
   the cells that worked are replayed, and grading goes on with the next exercise.
6. An answer that imports or calls the ``course_lib`` reference of its own exercise
   earns nothing for it and is flagged. The sandbox holds no code that computes an
   answer (its ``course_lib`` is the per-notebook library of :mod:`autograder.libstub`),
   and everything the worker reports (network, processes, files, refused operations,
   replaced functions) becomes a flag with its reason, for the instructor only.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import os
import secrets
import select
import selectors
import signal
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
from course_checks.cases import Case, argument_pairs, same_value
from course_checks.outline import SELFCHECK_CELL_ID, answer_cell_id
from course_checks.runner import evaluate_outputs

from . import NOTEBOOKS, ROOT, SOLUTIONS
from .libstub import build_sandbox_lib
from .sandbox import (
    CASES_MODULE,
    HARNESS_DIR,
    SANDBOX_SETTINGS,
    Limits,
    build_command,
    worker_uid,
)
from .tempdirs import grading_dir

__all__ = [
    "GRADER_VERSION",
    "ExerciseGrade",
    "SubmissionGrade",
    "grade_notebook",
    "student_seed",
]

GRADER_VERSION = "1"
SKIPPED_LOCKED_CELLS = {SELFCHECK_CELL_ID}
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
    """The worker process ended; ``.kind`` says how (``exit``, ``memory``, ``cpu``, ``crash``)."""

    def __init__(self, why: str, kind: str = "crash") -> None:
        super().__init__(why)
        self.kind = kind


class WorkerTimeout(RuntimeError):
    """The worker did not answer a command in time (it has been killed)."""


MAX_REPLY_LINE = 16 << 20
REFUSED_EXIT = 86  # the worker's status after the sandbox refused gc, ctypes, ... (worker.py)
MAX_FILES = 2_000  # files the sandbox's code may create (worker.py counts them)
MAX_BLOB = 80 << 20  # the worker refuses outputs over 64 MiB of arrays

# The only environment the sandbox (and bubblewrap itself) starts with: nothing of the
# grading process's environment reaches student code.
SANDBOX_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


class Worker:
    """One sandboxed worker process: a command pipe, a reply pipe and an event pipe.

    Every command carries a fresh random nonce. The worker echoes it in its reply and
    writes it, as the end marker ``["end", nonce]``, on the event pipe after the
    command's events; a reply without the right nonce, bytes on the reply pipe that
    no command asked for, or a missing end marker mean that something other than the
    worker's main thread wrote there: the worker is killed and the submission flagged.
    """

    def __init__(self, io_dir: Path, limits: Limits, *, sandbox: bool, slot: int,
                 lib_dir: Path | None = None, allow_torch: bool = False) -> None:
        self.io_dir, self.limits, self.sandbox, self.slot = io_dir, limits, sandbox, slot
        self.lib_dir, self.allow_torch = lib_dir, allow_torch
        self.proc: subprocess.Popen | None = None
        self.stderr_tail = b""
        self.events: list = []  # parsed lines of the event pipe, not yet claimed
        self.events_dropped = 0
        self.events_lock = threading.Lock()
        self.tampered = ""  # why the event channel was found tampered with (then killed)

    def start(self) -> None:
        """Start the worker in its sandbox and wait for its "ready" (60 s at most)."""
        cmd_r, cmd_w = os.pipe()
        resp_r, resp_w = os.pipe()
        ev_r, ev_w = os.pipe()
        fds = [str(cmd_r), str(resp_w), str(ev_w), str(self.limits.output_chars)]
        if self.sandbox:
            argv = [sys.executable, "/opt/harness/worker.py", *fds]
            cmd = build_command(argv, self.io_dir, uid=worker_uid(self.slot), limits=self.limits,
                                lib_dir=self.lib_dir, allow_torch=self.allow_torch)
            env = dict(SANDBOX_ENV)
        else:  # --unsafe-no-sandbox: same worker and library, no isolation
            cmd = [sys.executable, str(HARNESS_DIR / "worker.py"), *fds]
            env = {**SANDBOX_ENV, **SANDBOX_SETTINGS, "GRADER_IO": str(self.io_dir),
                   "GRADER_CASES_DIR": str(CASES_MODULE.parent), "HOME": str(self.io_dir),
                   "PYTHONPATH": str(self.lib_dir or "")}
        self.proc = subprocess.Popen(
            cmd, pass_fds=(cmd_r, resp_w, ev_w), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=self.io_dir,
            start_new_session=True,
        )
        for fd in (cmd_r, resp_w, ev_w):
            os.close(fd)
        self.cmd = os.fdopen(cmd_w, "w", encoding="utf-8")
        self.resp_fd = resp_r
        self.buffer = b""
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()
        self._events_thread = threading.Thread(target=self._read_events, args=(ev_r,),
                                               daemon=True)
        self._events_thread.start()
        self._receive(timeout=60, nonce="ready")

    def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for chunk in iter(lambda: self.proc.stderr.read(4096), b""):
            self.stderr_tail = (self.stderr_tail + chunk)[-4000:]

    def _read_events(self, fd: int) -> None:
        """Collect the event lines (bounded: a line over 2,000 bytes, or junk, ends the
        worker, since only student code writes such things on this channel)."""
        pending = b""
        try:
            while True:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return
                pending += chunk
                *lines, pending = pending.split(b"\n")
                if len(pending) > 2000:
                    self._tampered("an over-long line on the event channel")
                    return
                for line in lines:
                    try:
                        item = json.loads(line)
                    except Exception:
                        item = None
                    if not (isinstance(item, list) and len(item) == 2
                            and all(isinstance(x, str) for x in item)):
                        self._tampered("an unreadable line on the event channel")
                        return
                    with self.events_lock:
                        if len(self.events) < 2000:
                            self.events.append((item[0], item[1][:300]))
                        else:
                            self.events_dropped += 1
        finally:
            os.close(fd)

    def _tampered(self, why: str) -> None:
        with self.events_lock:
            self.events.append(("harness", why))
        self.tampered = why
        self.kill()

    def claim_events(self, nonce: str, timeout: float = 5.0) -> list[tuple[str, str]]:
        """The events written before the end marker of the command with ``nonce``."""
        deadline = time.monotonic() + timeout
        while True:
            with self.events_lock:
                for i, (kind, detail) in enumerate(self.events):
                    if kind == "end" and detail == nonce:
                        mine, self.events = self.events[:i], self.events[i + 1:]
                        return [e for e in mine if e[0] != "end"]
            if time.monotonic() > deadline or self.tampered:
                self.kill()
                raise WorkerDied("the worker's event channel was closed or tampered with",
                                 "harness")
            time.sleep(0.002)

    def leftover_events(self) -> list[tuple[str, str]]:
        """After the worker died or was killed: every event it wrote that no end marker
        claimed (they belong to the command it died in)."""
        self._events_thread.join(timeout=2)
        with self.events_lock:
            mine, self.events = self.events, []
        return [e for e in mine if e[0] != "end"]

    def send(self, msg: dict, timeout: float) -> tuple[dict, bytes, list[tuple[str, str]]]:
        """Send one command; returns the reply, the bytes of its output arrays and the
        events (kind, detail) the command caused."""
        self._check_quiet()
        nonce = secrets.token_hex(16)
        try:
            self.cmd.write(json.dumps({**msg, "nonce": nonce}) + "\n")
            self.cmd.flush()
        except (BrokenPipeError, OSError) as exc:
            raise self._died() from exc
        reply, blob = self._receive(timeout, nonce)
        return reply, blob, self.claim_events(nonce)

    def _check_quiet(self) -> None:
        """Between commands the reply pipe is silent; anything there was forged."""
        if self.buffer or (self.proc and self.proc.poll() is None and select.select(
                [self.resp_fd], [], [], 0)[0] and os.read(self.resp_fd, 1 << 16)):
            self.kill()
            raise WorkerDied("bytes on the reply channel that no command asked for", "harness")

    def _fill(self, deadline: float, done) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self.resp_fd, selectors.EVENT_READ)
        try:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    raise WorkerTimeout(f"no answer within {self._timeout:g} s")
                if not sel.select(left):
                    continue
                chunk = os.read(self.resp_fd, 1 << 20)
                if not chunk:
                    raise self._died()
                self.buffer += chunk
                if len(self.buffer) > MAX_REPLY_LINE + MAX_BLOB:
                    self.kill()
                    raise WorkerDied("the worker sent more than the largest reply")
        finally:
            sel.close()

    def _receive(self, timeout: float, nonce: str) -> tuple[dict, bytes]:
        self._timeout = timeout
        deadline = time.monotonic() + timeout

        def line_done() -> bool:
            if b"\n" in self.buffer:
                return True
            if len(self.buffer) > MAX_REPLY_LINE:
                self.kill()
                raise WorkerDied("the worker sent a reply line over 16 MiB")
            return False

        self._fill(deadline, line_done)
        line, _, self.buffer = self.buffer.partition(b"\n")
        try:
            reply = json.loads(line)
        except Exception as exc:  # ValueError, RecursionError on absurd nesting, ...
            self.kill()
            raise WorkerDied("the worker sent an unreadable reply", "harness") from exc
        if not isinstance(reply, dict) or reply.get("nonce") != nonce:
            self.kill()
            raise WorkerDied("a reply that did not come from the worker", "harness")
        blob_size = reply.get("blob", 0)
        if not isinstance(blob_size, int) or not 0 <= blob_size <= MAX_BLOB:
            self.kill()
            raise WorkerDied("the worker sent an unreadable reply", "harness")
        self._fill(deadline, lambda: len(self.buffer) >= blob_size)
        blob, self.buffer = self.buffer[:blob_size], self.buffer[blob_size:]
        return reply, blob

    def _died(self) -> WorkerDied:
        """How the worker ended (read before anything is killed)."""
        if self.tampered:
            self.kill()
            return WorkerDied(f"the worker was stopped: {self.tampered}", "harness")
        code = None
        if self.proc:
            try:
                code = self.proc.wait(timeout=3)  # it closed its pipe: it is ending
            except subprocess.TimeoutExpired:
                pass
        self.kill()
        if code is None:  # alive, with its reply channel closed: not the worker's own doing
            return WorkerDied("the worker's reply channel was closed while it ran", "harness")
        self._drain.join(timeout=2)
        tail = self.stderr_tail.decode("utf-8", "replace").strip().splitlines()[-5:]
        if code > 128:  # bubblewrap reports a child killed by signal N as 128+N
            code = -(code - 128)
        kind, why = "crash", "the Python process ended"
        if code < 0:
            why = f"the Python process was killed by signal {-code}"
            if -code == signal.SIGXCPU:
                kind, why = "cpu", why + " (the CPU time limit)"
            elif -code == signal.SIGKILL:
                kind, why = "memory", why + " (memory or CPU limit?)"
        elif code == REFUSED_EXIT:
            what = next((ln.split(" ", 1)[1] for ln in reversed(tail)
                         if ln.startswith("GRADER-REFUSED ")), "an operation")
            kind, why = "harness", f"the sandbox refused {what[:80]} and ended the process"
        elif code == REFUSED_EXIT + 1:
            kind, why = "disk", (f"the code created more than {MAX_FILES} files; the "
                                 "sandbox ended the process")
        else:
            kind, why = "exit", f"the Python process exited with status {code}"
        if any("MemoryError" in ln for ln in tail):
            kind, why = "memory", why + " (out of memory)"
        return WorkerDied(why, kind)

    def kill(self) -> None:
        """End the worker and everything it started (its process group)."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 9)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
            self.proc.wait(timeout=30)

    def close(self) -> None:
        """Ask the worker to quit, kill it if it does not, close the pipes."""
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
        drain = getattr(self, "_drain", None)
        if self.proc is not None and self.proc.stderr is not None and drain is not None:
            drain.join(timeout=5)  # the worker is dead: its stderr ends
            if not drain.is_alive():
                self.proc.stderr.close()  # else a ResourceWarning when it is collected


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


_AST_LOCK = threading.Lock()


def parse_source(source: str) -> ast.Module:
    """``ast.parse``, one thread at a time: in some CPython releases (3.11.7 here) the
    converter's recursion counter is shared between threads, and two submissions parsed
    at once can raise "SystemError: AST constructor recursion depth mismatch"
    (CPython gh-106905)."""
    with _AST_LOCK:
        return ast.parse(source)


def _import_aliases(source: str) -> dict[str, str]:
    aliases: dict[str, str] = {}
    try:
        tree = parse_source(source)
    except Exception:
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


def _is_reference(full: str, names: tuple[str, ...], private_of: tuple[str, ...]) -> bool:
    """``full`` is a reference name, or a private name (``_x``) of a module in ``private_of``."""
    return full in names or any(full.startswith(f"{m}._") for m in private_of)


def reference_uses(source: str, names: tuple[str, ...], context: str = "",
                   private_of: tuple[str, ...] = ()) -> list[str]:
    """Reference names (``course_lib.module.function``) an answer imports or uses.

    ``context`` is the code that runs before the answer (the setup cells): names it
    imports count too. ``private_of`` are the modules of the references
    (``Exercise.reference_modules``): their private helpers (``course_lib.batchnorm._x``)
    count as references too. Also reports any import of ``course_checks`` (the registry
    holds the references).
    """
    try:
        tree = parse_source(source)
    except Exception:  # SyntaxError, ValueError (NUL bytes), UnicodeEncodeError, ...
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
                if _is_reference(full, names, private_of):
                    hits.add(full)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name):
            dotted = _dotted(node)
            if not dotted:
                continue
            head, _, rest = dotted.partition(".")
            full = aliases.get(head, head) + (f".{rest}" if rest else "")
            if _is_reference(full, names, private_of):
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


def is_source_notebook(source: nbformat.NotebookNode, release: nbformat.NotebookNode,
                       sub: nbformat.NotebookNode) -> bool:
    """Whether ``sub`` is the instructor's source notebook (``solutions/``) rather than the
    released one: every locked cell that the release changed (its hidden tests removed)
    is as in the source."""
    released = {c.get("id"): c for c in release.cells}
    mine = {c.get("id"): c for c in sub.cells}
    changed = [c for c in source.cells if _nbg(c).get("locked") and c.get("id") in released
               and released[c.id].get("source") != c.get("source")]
    return bool(changed) and all(c.id in mine and mine[c.id].get("source") == c.get("source")
                                 for c in changed)


# ---- grading one notebook ---------------------------------------------------------


def _answer_source(ex_name: str, sub: nbformat.NotebookNode) -> str | None:
    src = _find_answer(ex_name, sub)
    return src if isinstance(src, str) or src is None else ""  # a damaged cell: no answer


def _find_answer(ex_name: str, sub: nbformat.NotebookNode) -> Any:
    for cell in sub.cells:
        if cell.get("cell_type") == "code" and cell.get("id") == answer_cell_id(ex_name):
            return cell.source
    for cell in sub.cells:
        if cell.get("cell_type") == "code" and _nbg(cell).get("grade_id") == ex_name:
            return cell.source
    for cell in sub.cells:  # the answer cell was recreated: find the definition
        src = cell.get("source", "")
        if cell.get("cell_type") == "code" and isinstance(src, str) and f"def {ex_name}(" in src:
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


DTYPES = frozenset({"|b1", "|i1", "|u1", "<i2", "<i4", "<i8", "<u2", "<u4", "<u8",
                    "<f2", "<f4", "<f8"})


def _decode(value: Any, arrays: list[np.ndarray], depth: int = 0, unsent: Any = None) -> Any:
    """Plain data from the worker back into Python values: builtins and exact arrays only
    (no specs, nothing that builds an object). ``{"__unsent__": 1}`` (a part the worker
    could not send) becomes ``unsent`` when given, else is refused."""
    if depth > 40:
        raise ValueError("nested too deeply")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is list:
        return [_decode(v, arrays, depth + 1, unsent) for v in value]
    if type(value) is dict and len(value) == 1:
        (key, inner), = value.items()
        if key == "__array__" and type(inner) is int and 0 <= inner < len(arrays):
            return arrays[inner]
        if key == "__tuple__" and type(inner) is list:
            return tuple(_decode(v, arrays, depth + 1, unsent) for v in inner)
        if key == "__dict__" and type(inner) is dict:
            return {str(k): _decode(v, arrays, depth + 1, unsent) for k, v in inner.items()}
        if key == "__unsent__" and unsent is not None:
            return unsent
    raise ValueError("unexpected data in the reply")


def _arrays_of(specs: Any, blob: bytes) -> list[np.ndarray]:
    """The output arrays of one result, rebuilt from the reply's bytes."""
    if type(specs) is not list:
        raise ValueError("no array list")
    out = []
    for spec in specs:
        code, shape, offset, nbytes = spec
        if code not in DTYPES or type(shape) is not list or not all(
                type(n) is int and n >= 0 for n in shape):
            raise ValueError(f"unexpected array type {code!r}")
        dtype = np.dtype(code)
        count = int(np.prod(shape, dtype=np.int64))
        if count * dtype.itemsize != nbytes or not 0 <= offset <= len(blob) - nbytes:
            raise ValueError("array sizes do not add up")
        arr = np.frombuffer(blob, dtype=dtype, count=count, offset=offset).reshape(shape).copy()
        out.append(arr)
    return out


_UNSENT = object()  # an argument that was not plain data after the call


def _is_plain(v: Any) -> bool:
    """Plain data the in-place check compares: arrays, numbers, strings, containers."""
    if v is None or type(v) in (bool, int, float, str) or type(v) is np.ndarray:
        return True
    if type(v) in (list, tuple):
        return all(_is_plain(x) for x in v)
    if type(v) is dict:
        return all(type(k) is str and _is_plain(x) for k, x in v.items())
    return False


def changed_arguments(case: Case, post: Any, arrays: list[np.ndarray]) -> tuple[str, ...]:
    """Names of the arguments a call changed in place, decided here: the grader's own
    fresh copies of the case's plain-data arguments against their state after the call,
    as the worker sent it back. Arguments that are not plain data (random generators,
    schedules) are not compared."""
    if not isinstance(post, dict):
        return ()
    after_args = post.get("args") if isinstance(post.get("args"), list) else []
    after_kwargs = post.get("kwargs") if isinstance(post.get("kwargs"), dict) else {}
    names = []
    for name, fresh, after in argument_pairs(case, after_args, after_kwargs):
        if not _is_plain(fresh):
            continue
        try:
            value = _decode(after, arrays, unsent=_UNSENT)
        except ValueError:
            value = _UNSENT
        if value is _UNSENT or not same_value(fresh, value):
            names.append(name)
    return tuple(names)


def _read_outputs(reply: dict, blob: bytes, cases: list[Case]) -> tuple[list, list, list,
                                                                       list[str]]:
    """Outputs, error texts, changed arguments and error kinds of the cases of a call."""
    outputs, errors, mutated, kinds = [], [], [], []
    results = reply.get("results")
    results = results if isinstance(results, list) else []
    for i, case in enumerate(cases):
        r = results[i] if i < len(results) and isinstance(results[i], dict) else {}
        if not r.get("ok"):
            outputs.append(None)
            errors.append(scrub(str(r.get("error", "no output was returned for this case"))))
            mutated.append(())
            kinds.append(str(r.get("kind", "error")))
            continue
        try:
            arrays = _arrays_of(r.get("arrays", []), blob)
            outputs.append(_decode(r.get("plain"), arrays))
            errors.append(None)
            mutated.append(changed_arguments(case, r.get("args"), arrays))
            kinds.append("ok")
        except Exception as exc:  # a malformed reply is the student's loss, not a crash
            outputs.append(None)
            errors.append(f"the output could not be read: {exc}")
            mutated.append(())
            kinds.append("error")
    return outputs, errors, mutated, kinds


# ---- what student code did: scrubbing and flags ---------------------------------------


MESSAGE_CHARS = 4000


def _secrets_of_this_process() -> list[str]:
    """Strings student code could not know: values of the grader's environment, its paths."""
    values = {v for v in os.environ.values() if len(v) >= 8}
    values |= {str(ROOT), str(Path(tempfile.gettempdir()).resolve()) + "/"}
    return sorted(values, key=len, reverse=True)


def scrub(text: str, extra: tuple[str, ...] = ()) -> str:
    """Text from the sandbox, fit for results and feedback: capped, and with every value of
    the grader's environment and its paths replaced (the sandbox never had them; if one
    shows up, it must not reach a student)."""
    # No lone surrogates (they make writing a page or a CSV fail), no NUL bytes.
    text = text[: MESSAGE_CHARS * 2].encode("utf-8", "replace").decode("utf-8")
    text = text.replace("\x00", "\\x00")
    for secret in (*extra, *_secrets_of_this_process()):
        if secret and secret in text:
            text = text.replace(secret, "<hidden>")
    if len(text) > MESSAGE_CHARS:
        text = text[:MESSAGE_CHARS] + f"\n[... {len(text) - MESSAGE_CHARS} more characters]"
    return text


# The flag kinds, each with what the student's feedback says about it (neutral words;
# the instructor sees the flag's full text).
FLAG_KINDS = {
    "tampering": "locked or graded cells, or their metadata, were changed",
    "reference": "an answer used the course's reference implementation",
    "library": "an answer called a course_lib function that is withheld while grading",
    "timeout": "some code did not finish within the time limit",
    "crash": "some code stopped the Python process",
    "memory": "some code ran out of memory",
    "cpu": "some code used up the CPU time limit",
    "exit": "some code ended the Python process (sys.exit, os._exit, ...)",
    "process": "some code tried to start processes or send signals",
    "network": "some code tried to use the network",
    "filesystem": "some code tried to read or change files outside its working folder",
    "harness": "some code tried to inspect the grader itself",
    "monkeypatch": "some code replaced functions of numpy or of the grader",
    "disk": "some code wrote more than the disk limit allows",
    "review": "some code uses constructs the instructor looks at by hand",
    "grader": "the grader had a problem with this notebook (not caused by your code)",
    "source": "the notebook handed in is not the version released to students",
}


def flag_kind(flag: str) -> str:
    """The kind of a flag (its text up to the first colon)."""
    kind = flag.partition(":")[0]
    return kind if kind in FLAG_KINDS else "review"


def student_notes(flags: list[str]) -> list[str]:
    """What the student's feedback says about the flags: one neutral sentence per kind."""
    return sorted({FLAG_KINDS[flag_kind(f)] for f in flags})


@dataclass(frozen=True)
class CellStatus:
    """How one cell ran in the worker."""

    state: str  # "ok", "error", "exit", "memory", "disk", "process limit", "timeout",
    #             "crashed" or "missing" (no such cell in the submission)
    detail: str = ""
    flag: str = ""  # the flag kind when it is not the state's own (a crash that was "cpu")

    @property
    def ok(self) -> bool:
        return self.state == "ok"

    @property
    def costs_the_exercise(self) -> bool:
        """The cell's exercise earns nothing, whatever its function returns."""
        return self.state in ("exit", "memory", "timeout", "crashed", "missing")


_PROBLEM_FLAGS = {"exit": "exit", "memory": "memory", "disk": "disk",
                  "process limit": "process", "timeout": "timeout", "crashed": "crash",
                  "cpu": "cpu", "crash": "crash"}


class _Session:
    """A worker plus the cells that ran (replayed after a restart), and what it reported."""

    def __init__(self, io_dir: Path, limits: Limits, sandbox: bool, slot: int,
                 lib_dir: Path | None, allow_torch: bool) -> None:
        self.io_dir, self.limits = io_dir, limits
        self.options = {"sandbox": sandbox, "slot": slot, "lib_dir": lib_dir,
                        "allow_torch": allow_torch}
        self.replay: list[tuple[str, str, bool]] = []
        self.events: list[tuple[str, str, str, str]] = []  # kind, detail, phase, where
        self.flags: list[str] = []
        self.deadline = time.monotonic() + limits.submission_seconds
        self.worker = self._start()

    def remaining(self) -> float:
        """Seconds left of the submission's wall-time budget (``Limits.submission_seconds``),
        which bounds everything: cells, calls, restarts and replays."""
        return self.deadline - time.monotonic()

    def out_of_time(self) -> str:
        """The message of a cell or exercise not run because the budget is used up."""
        if not any(f.startswith("timeout: the submission") for f in self.flags):
            self.flags.append(f"timeout: the submission used up its "
                              f"{self.limits.submission_seconds:g} s of grading time")
        return (f"not run: the submission used up its {self.limits.submission_seconds:g} s "
                "of grading time")

    def _start(self) -> Worker:
        """A started worker. One that dies before it says it is ready has run nothing of
        the submission (a harness failure, seen once in a full test run on a loaded
        machine): it is started once more before the failure is reported."""
        for attempt in (1, 2):
            w = Worker(self.io_dir, self.limits, **self.options)
            try:
                w.start()
            except WorkerDied:
                if attempt == 2:
                    raise
                continue
            return w
        raise AssertionError("unreachable")  # pragma: no cover

    def note(self, events: list[tuple[str, str]], where: str, trusted: bool) -> None:
        phase = "trusted" if trusted else "student"
        for kind, detail in events[:500]:
            self.events.append((kind, scrub(detail)[:300], phase, where))

    def restart(self) -> None:
        """A fresh worker with the cells that ran replayed. A cell that now kills or hangs
        the worker is dropped and the replay starts over, so every cell kept has run in
        the worker that is left (each round drops one cell: this ends)."""
        self.worker.close()
        cells = list(self.replay)
        while True:
            self.worker = self._start()
            for n, (cid, src, trusted) in enumerate(cells):
                limit = self.limits.setup_seconds if trusted else self.limits.cell_seconds
                limit = min(limit, self.remaining())
                if limit <= 0:  # out of time: the cells not replayed are dropped
                    self.replay = cells[:n]
                    return
                try:
                    self.worker.send({"cmd": "cell", "id": cid, "source": src,
                                      "trusted": trusted}, timeout=limit)
                except (WorkerDied, WorkerTimeout):
                    self.worker.close()
                    cells = cells[:n] + cells[n + 1:]
                    break
            else:
                self.replay = cells
                return

    def run_cell(self, cid: str, src: str, *, trusted: bool = False) -> CellStatus:
        limit = self.limits.setup_seconds if trusted else self.limits.cell_seconds
        limit = min(limit, self.remaining())
        if limit <= 0:
            return CellStatus("timeout", self.out_of_time())
        try:
            r, _, events = self.worker.send({"cmd": "cell", "id": cid, "source": src,
                                             "trusted": trusted}, timeout=limit)
        except WorkerTimeout:
            self.note(self.worker.leftover_events(), f"cell {cid}", trusted)
            self.restart()
            return CellStatus("timeout", f"the cell did not finish within {limit:.3g} s")
        except WorkerDied as exc:
            self.note(self.worker.leftover_events(), f"cell {cid}", trusted)
            self.restart()
            state = "crashed" if exc.kind != "exit" else "exit"
            return CellStatus(state, f"the cell stopped the Python process: {exc}", exc.kind)
        self.note(events, f"cell {cid}", trusted)
        self.replay.append((cid, src, trusted))
        if r.get("ok"):
            return CellStatus("ok")
        kind = str(r.get("kind", "error"))
        state = kind if kind in ("exit", "memory", "disk", "process limit") else "error"
        return CellStatus(state, scrub(str(r.get("error", ""))))


@dataclass
class _Loaded:
    """A submission read and checked statically, ready to run."""

    sub: nbformat.NotebookNode
    source: nbformat.NotebookNode
    answers: dict[str, str | None]
    flags: list[str]
    static_ref: dict[str, list[str]]
    sha: str


def load_submission(path: Path, assignment: str, student: str, exercises: list[Exercise],
                    source_dir: Path, release_dir: Path) -> _Loaded | SubmissionGrade:
    """Read and parse a submission and check it statically; a ``SubmissionGrade`` (``not
    gradable``) when it cannot be graded."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return _not_gradable(student, assignment,
                             f"cannot read the file ({exc.strerror or type(exc).__name__})", "",
                             exercises)
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
    flags = [f"tampering: {f}" for f in tamper_flags(release, sub)]
    if is_source_notebook(source, release, sub):  # one flag, not one per edited cell
        flags = [f"source: instructor source notebook submitted (solutions/{assignment}.ipynb)"]
    setup_code = "\n".join(
        c.source for c in source.cells
        if c.cell_type == "code" and _nbg(c).get("locked") and not _nbg(c).get("grade")
    )
    static_ref = {}
    for ex in exercises:
        src = answers.get(ex.name) or ""
        static_ref[ex.name] = reference_uses(src, ex.reference_names, setup_code,
                                             ex.reference_modules)
        flags += [f"review: {ex.name} uses {s}" for s in suspicious_constructs(src)]
    return _Loaded(sub, source, answers, flags, static_ref, sha)


def run_cells(session: _Session, loaded: _Loaded) -> dict[str, CellStatus]:
    """Run, in notebook order, the source's locked setup cells (trusted copies) and the
    student's answer cells. Demo cells and the student's own extra cells are not run."""
    status: dict[str, CellStatus] = {}
    source, answers = loaded.source, loaded.answers
    solution_ids = {c.id for c in source.cells if _nbg(c).get("solution")}
    for cell in source.cells:
        meta = _nbg(cell)
        if cell.cell_type != "code" or (meta.get("grade") and not meta.get("solution")):
            continue
        if cell.id in solution_ids:
            src = answers.get(cell.id)
            if src is None:
                sub_cell = next((c for c in loaded.sub.cells if c.get("id") == cell.id), None)
                src = sub_cell.get("source") if sub_cell is not None else None
                src = src if isinstance(src, str) or src is None else ""
            if src is None:
                status[cell.id] = CellStatus("missing", "the answer cell is missing")
                continue
            status[cell.id] = session.run_cell(cell.id, src)
        elif meta.get("locked") and cell.id not in SKIPPED_LOCKED_CELLS:
            status[cell.id] = session.run_cell(cell.id, cell.source, trusted=True)
    return status


TORCH_NOTEBOOKS = frozenset({"13_frameworks"})  # the only notebook whose sandbox has PyTorch


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
    """Grade one submission; never raises for anything the submission contains.

    Three steps: :func:`load_submission` (parse, static checks), :func:`run_cells` (the
    notebook's cells in a sandboxed worker), :func:`grade_exercises` (the calls, and the
    comparisons here, in the grader's process).
    """
    t0 = time.perf_counter()
    limits = limits or Limits()
    exercises = exercises_for(assignment)
    loaded = load_submission(path, assignment, student, exercises, source_dir, release_dir)
    if isinstance(loaded, SubmissionGrade):
        return loaded
    flags = list(loaded.flags)
    timings: dict[str, float] = {"read": time.perf_counter() - t0}
    lib_dir = build_sandbox_lib(assignment)
    grades: dict[str, ExerciseGrade] = {}
    session = None
    with grading_dir() as io_dir:
        (io_dir / "in").mkdir(mode=0o755)
        plans, cases = _write_all_cases(io_dir, exercises, secret, assignment, student)
        try:
            t1 = time.perf_counter()
            session = _Session(io_dir, limits, sandbox, slot, lib_dir,
                               allow_torch=assignment in TORCH_NOTEBOOKS)
            timings["start"] = time.perf_counter() - t1
            t1 = time.perf_counter()
            cells = run_cells(session, loaded)
            timings["cells"] = time.perf_counter() - t1
            t1 = time.perf_counter()
            grades = grade_exercises(session, exercises, cells, plans, cases,
                                     loaded.static_ref, limits)
            timings["exercises"] = time.perf_counter() - t1
        finally:
            if session is not None:
                session.worker.close()
    flags += _cell_flags(cells, loaded.answers)
    flags += session.flags
    flags += _event_flags(session.events, exercises)
    flags += [f"reference: {g.exercise} uses the course_lib reference"
              for g in grades.values() if g.status == "reference used"
              and not any(f.startswith(f"reference: {g.exercise} ") for f in flags)]
    flags = list(dict.fromkeys(scrub(f)[:500] for f in flags))  # once each, in order
    status, reason = ("flagged", "; ".join(flags)) if flags else ("graded", "")
    return SubmissionGrade(student, assignment, status, reason,
                           [grades[ex.name] for ex in exercises], flags, loaded.sha,
                           round(time.perf_counter() - t0, 3),
                           timings={k: round(v, 4) for k, v in timings.items()})


def _cell_flags(cells: dict[str, CellStatus], answers: dict[str, str | None]) -> list[str]:
    flags = []
    for cid, st in cells.items():
        if cid not in answers and not st.ok:  # a trusted setup cell
            last = st.detail.strip().splitlines()[-1] if st.detail.strip() else st.state
            flags.append(f"grader: setup cell {cid} failed in the sandbox ({last})")
        elif st.state in _PROBLEM_FLAGS and not st.detail.startswith("not run:"):
            last = st.detail.strip().splitlines()[-1] if st.detail.strip() else st.state
            kind = _PROBLEM_FLAGS.get(st.flag, st.flag) or _PROBLEM_FLAGS[st.state]
            flags.append(f"{kind}: answer cell {cid}: {last}")
    return flags


def _calls_reference(stub: str, ex: Exercise) -> bool:
    """Whether the stubbed call ``stub`` (a qualified name) used ``ex``'s reference: one of
    its reference names, a private helper of their modules, or anything of course_checks."""
    return (stub.startswith("course_checks.")
            or _is_reference(stub, ex.reference_names, ex.reference_modules))


def _event_flags(events: list[tuple[str, str, str, str]], exercises: list[Exercise]) -> list[str]:
    flags = []
    for kind, detail, phase, where in events:
        if phase == "trusted":
            if kind == "stub":
                flags.append(f"grader: {where} called {detail}, which the sandbox does not "
                             "have (course_checks/allowed.py)")
            continue
        if kind == "stub":  # a withheld course_lib function: the reference, or another
            # implementation of some answer (a fast kernel); the call raised either way
            if any(_calls_reference(detail, ex) for ex in exercises):
                flags.append(f"reference: {where} called {detail}")
            else:
                flags.append(f"library: {where} called {detail}, which is withheld while "
                             "this notebook is graded (the call raised)")
            continue
        flags.append(f"{kind if kind in FLAG_KINDS else 'review'}: {where}: {detail}")
    return flags


def _write_all_cases(io_dir: Path, exercises: list[Exercise], secret: bytes, assignment: str,
                     student: str) -> tuple[dict[str, list[tuple[str, int, int, bool]]],
                                            dict[str, list[Case]]]:
    """Every call's cases, written before the worker starts (it reads them before any
    student code runs). Returns, per exercise, its calls: (tag, seed, n, hidden), and the
    cases of each tag."""
    plans, cases = {}, {}
    for ex in exercises:
        plans[ex.name] = [
            (f"{ex.name}_visible", ex.visible_seed, ex.visible_cases, False),
            (f"{ex.name}_hidden", student_seed(secret, assignment, student, ex.name),
             ex.hidden_cases, True)]
        for tag, seed, n, _ in plans[ex.name]:
            cases[tag] = ex.cases(seed, n)
            _write_cases(io_dir, tag, cases[tag])
    return plans, cases


def grade_exercises(session: _Session, exercises: list[Exercise],
                    cells: dict[str, CellStatus], plans: dict, cases: dict[str, list[Case]],
                    static_ref: dict, limits: Limits) -> dict[str, ExerciseGrade]:
    """Call every exercise's function on its cases in the worker; compare here."""
    return {ex.name: _grade_exercise(ex, session, limits, cells.get(ex.name), plans[ex.name],
                                     cases, static_ref.get(ex.name, []))
            for ex in exercises}


# Error kinds of a call that also flag the submission (the exercise fails either way).
_FLAGGED_KINDS = ("exit", "memory", "disk", "process limit")


def _grade_exercise(ex: Exercise, session: _Session, limits: Limits, cell: CellStatus | None,
                    plans: list, cases: dict[str, list[Case]],
                    static_ref: list[str]) -> ExerciseGrade:
    pts = float(ex.points)
    if static_ref:
        return ExerciseGrade(ex.name, 0.0, pts, "reference used",
                             f"the answer uses {', '.join(static_ref)}, the reference "
                             "of this exercise: it earns nothing")
    if cell and cell.costs_the_exercise:
        return ExerciseGrade(ex.name, 0.0, pts, cell.state, f"answer cell: {cell.detail}")
    for tag, seed, n, hidden in plans:
        kind = "hidden" if hidden else "visible"
        limit = min(limits.call_seconds, session.remaining())
        if limit <= 0:
            return ExerciseGrade(ex.name, 0.0, pts, "timeout", session.out_of_time())
        try:
            r, blob, events = session.worker.send({"cmd": "call", "exercise": ex.name,
                                                   "function": ex.name, "cases": tag},
                                                  timeout=limit)
        except WorkerTimeout:
            session.note(session.worker.leftover_events(), ex.name, False)
            session.restart()
            session.flags.append(f"timeout: {ex.name} did not return within "
                                 f"{limit:.3g} s on the {kind} cases")
            return ExerciseGrade(ex.name, 0.0, pts, "timeout",
                                 f"{ex.name} did not return within {limit:.3g} s "
                                 f"on the {kind} cases (an infinite loop?)")
        except WorkerDied as exc:
            session.note(session.worker.leftover_events(), ex.name, False)
            session.restart()
            session.flags.append(f"{_PROBLEM_FLAGS.get(exc.kind, exc.kind)}: calling {ex.name} "
                                 f"on the {kind} cases: {exc}")
            status = "exit" if exc.kind == "exit" else "crashed"
            return ExerciseGrade(ex.name, 0.0, pts, status,
                                 f"calling {ex.name} on the {kind} cases stopped Python: {exc}")
        session.note(events, ex.name, False)
        stubs = [d for k, d, p, w in session.events if w == ex.name and k == "stub"]
        if any(_calls_reference(d, ex) for d in stubs):
            return ExerciseGrade(ex.name, 0.0, pts, "reference used",
                                 f"{ex.name} calls the course_lib reference of this exercise: "
                                 "it earns nothing")
        outputs, errors, mutated, kinds = _read_outputs(r, blob, cases[tag])
        problems = [k for k in kinds if k in _FLAGGED_KINDS]
        for k in dict.fromkeys(problems):
            session.flags.append(f"{_PROBLEM_FLAGS[k]}: {ex.name} on the {kind} cases")
        if "exit" in problems:
            return ExerciseGrade(ex.name, 0.0, pts, "exit",
                                 f"{ex.name} called sys.exit (or raised SystemExit): "
                                 "it earns nothing")
        result = evaluate_outputs(ex, seed, n, outputs, errors, mutated, hidden=hidden)
        if not result.passed:
            if result.not_implemented:
                return ExerciseGrade(ex.name, 0.0, pts, "not implemented",
                                     f"{ex.name} still raises NotImplementedError")
            f = result.first_failure
            status = "error" if f is not None and f.error else "failed"
            prefix = ""
            if cell and not cell.ok:
                last = cell.detail.strip().splitlines()[-1] if cell.detail.strip() else cell.state
                prefix = f"(your answer cell raised an error: {last})\n"
            return ExerciseGrade(ex.name, 0.0, pts, status, scrub(prefix + result.message()),
                                 result.mistake.name if result.mistake else None)
    return ExerciseGrade(ex.name, pts, pts, "passed",
                         f"{ex.name}: all {ex.visible_cases} visible and {ex.hidden_cases} "
                         "hidden cases passed")

"""The grading worker: runs inside the sandbox, executes student code on request.

It never decides a grade. The grader (outside the sandbox) sends it commands
as JSON lines on one file descriptor and reads JSON-line replies on another:

* ``init``: install tripwires on the course_lib reference functions;
* ``cell``: execute one cell's source in the notebook namespace;
* ``call``: call a function of the namespace on the cases stored in
  ``/sandbox/in/<name>.json`` (+ ``.npy`` arrays; read-only here), and write each
  output to ``/sandbox`` as plain JSON plus ``.npy`` arrays (saved with
  ``allow_pickle=False``).

Student output to stdout/stderr is captured and capped; anything the student
code raises, including ``SystemExit``, is reported as that command's error.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sys
import time
import traceback
import types
import warnings

IO = os.environ.get("GRADER_IO", "/sandbox")
sys.path.insert(0, os.environ.get("GRADER_CASES_DIR", "/opt/cases"))
# stand-ins for course_checks' notebook helpers (the real package is not mounted)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "stubs"))

import numpy as np  # noqa: E402
from cases import Case, mutated_args, to_plain  # noqa: E402

OUTPUT_CHARS = int(os.environ.get("GRADER_OUTPUT_CHARS", "20000"))
MAX_ARRAY_BYTES = 64 << 20
ARMED: set[str] = set()
USED: set[str] = set()


class ReferenceUsed(Exception):
    """Raised by a tripwire: the exercise called the reference it must implement."""


class CappedWriter(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0
        self.limit = limit

    def write(self, s: str) -> int:
        s = str(s)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def text(self) -> str:
        out = "".join(self.parts)
        if self.dropped:
            out += f"\n[... {self.dropped} more characters of output dropped]"
        return out


TRAMPOLINES: dict[int, tuple[set[str], object]] = {}


def _dispatch(key: int, args: tuple, kwargs: dict):
    exercises, original = TRAMPOLINES[key]
    armed = exercises & ARMED
    if armed:
        USED.update(armed)
        raise ReferenceUsed(
            f"{', '.join(sorted(armed))} calls the course_lib reference it is asked to implement"
        )
    return original(*args, **kwargs)


def _resolve(target: str):
    parts = target.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(target)


def install_tripwires(names: dict[str, list[str]]) -> None:
    """Swap each reference function's code for a trampoline that checks ARMED.

    Swapping ``__code__`` (rather than a module attribute) catches every way of
    reaching the function: ``from module import f``, another course_lib function
    that calls it, a method that calls it. While its exercise is being called
    the trampoline raises; otherwise it calls a copy of the original.
    """
    by_id: dict[int, int] = {}
    for exercise, targets in names.items():
        for target in targets:
            try:
                fn = _resolve(target)
            except (ImportError, AttributeError):
                continue
            fn = getattr(fn, "__func__", fn)
            if not isinstance(fn, types.FunctionType) or fn.__closure__:
                continue
            if id(fn) in by_id:
                TRAMPOLINES[by_id[id(fn)]][0].add(exercise)
                continue
            original = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__,
                                          fn.__defaults__, fn.__closure__)
            original.__kwdefaults__ = fn.__kwdefaults__
            key = len(TRAMPOLINES)
            TRAMPOLINES[key] = ({exercise}, original)
            by_id[id(fn)] = key
            fn.__globals__["__grader_dispatch__"] = _dispatch
            scope: dict = {}
            exec(f"def _t(*args, **kwargs):\n    return __grader_dispatch__({key}, args, kwargs)\n",
                 scope)
            fn.__code__ = scope["_t"].__code__


def _error_text(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in tb if f.filename.startswith("<cell")]
    text = "".join(traceback.format_list(frames[-3:]))
    return text + "".join(traceback.format_exception_only(type(exc), exc))


def run_cell(ns: dict, cell_id: str, source: str) -> dict:
    out = CappedWriter(OUTPUT_CHARS)
    old = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    try:
        code = compile(source, f"<cell {cell_id}>", "exec")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(code, ns)
        return {"ok": True, "output": out.text()}
    except BaseException as exc:
        return {"ok": False, "error": _error_text(exc), "output": out.text()}
    finally:
        sys.stdout, sys.stderr = old


def _save_output(value, prefix: str) -> dict:
    plain, arrays = to_plain(value)
    total = 0
    for k, arr in enumerate(arrays):
        arr = np.asarray(arr)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"output array has dtype {arr.dtype}; only numbers can be graded")
        total += arr.nbytes
        if total > MAX_ARRAY_BYTES:
            raise ValueError("output arrays are larger than 64 MiB")
        path = f"{prefix}_{k}.npy"
        if os.path.lexists(path):  # whatever student code left there (a FIFO, a symlink)
            os.unlink(path)
        np.save(path, np.ascontiguousarray(arr), allow_pickle=False)
    return {"plain": plain, "n_arrays": len(arrays)}


def call(ns: dict, msg: dict) -> dict:
    fname, exercise = msg["function"], msg["exercise"]
    with open(f"{IO}/in/{msg['cases']}.json") as fh:
        stored = json.load(fh)
    results = []
    fn = ns.get(fname)
    for i, item in enumerate(stored):
        arrays = [np.load(f"{IO}/in/{msg['cases']}_{i}_{k}.npy", allow_pickle=False)
                  for k in range(item["n_arrays"])]
        case = Case.from_plain(item["plain"], arrays)
        if not callable(fn):
            results.append({"ok": False, "error": f"NameError: no function called {fname!r} "
                            "was defined by your answer cell"})
            continue
        args, kwargs = case.build()
        out = CappedWriter(OUTPUT_CHARS)
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        ARMED.add(exercise)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = fn(*args, **kwargs)
            error = None
        except BaseException as exc:
            value, error = None, _error_text(exc)
        finally:
            ARMED.discard(exercise)
            sys.stdout, sys.stderr = old
        if error is not None:
            results.append({"ok": False, "error": error})
            continue
        try:
            saved = _save_output(value, f"{IO}/out_{msg['cases']}_{i}")
        except Exception as exc:
            results.append({"ok": False, "error": f"the output cannot be graded: {exc}"})
            continue
        results.append({"ok": True, "mutated": list(mutated_args(case, args, kwargs)), **saved})
    return {"results": results, "reference_used": exercise in USED}


def _protect(cmd_fd: int, resp_fd: int) -> None:
    """Keep student code away from the grader's pipes.

    A child forked by student code closes them at once (it cannot answer in the
    worker's name), and the worker is made non-dumpable, so other processes of the
    same uid cannot open its descriptors through /proc.
    """

    def close_in_child() -> None:
        for fd in (cmd_fd, resp_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    os.register_at_fork(after_in_child=close_in_child)
    try:
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
    except (OSError, AttributeError):
        pass


def main() -> None:
    cmd_fd, resp_fd = int(sys.argv[1]), int(sys.argv[2])
    _protect(cmd_fd, resp_fd)
    commands = os.fdopen(cmd_fd, "r", encoding="utf-8")
    replies = os.fdopen(resp_fd, "w", encoding="utf-8")
    # Student code gets a __main__ module of its own, as in a Jupyter kernel, so that
    # `import __main__` reaches the notebook's namespace, not this harness's globals.
    student_main = types.ModuleType("__main__")
    student_main.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = student_main
    ns: dict = student_main.__dict__
    for line in commands:
        msg = json.loads(line)
        t0 = time.perf_counter()
        if msg["cmd"] == "init":
            install_tripwires(msg.get("tripwires", {}))
            reply = {"ok": True}
        elif msg["cmd"] == "cell":
            reply = run_cell(ns, msg["id"], msg["source"])
        elif msg["cmd"] == "call":
            reply = call(ns, msg)
        elif msg["cmd"] == "quit":
            break
        else:
            reply = {"ok": False, "error": f"unknown command {msg['cmd']}"}
        reply["seconds"] = time.perf_counter() - t0
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()

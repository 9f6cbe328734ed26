"""The grading worker: runs inside the sandbox, executes student code on request.

It never decides a grade and holds nothing that can compute one (the ``course_lib``
it imports is the per-notebook sandbox library, in which every module that could
compute an answer of this notebook is a stub). The grader (outside the sandbox)
sends commands as JSON lines on one file descriptor and reads replies on another:

* ``cell``: execute one cell's source in the notebook namespace;
* ``call``: call a function of the namespace on the cases stored in
  ``/sandbox/in/<name>.json`` (+ ``.npy`` arrays; read-only here).

A reply is one JSON line, followed, for ``call``, by ``blob`` bytes: the raw
C-order bytes of every output array, described (dtype, shape) in the JSON. Outputs
are converted to plain data by exact type (``dict``, ``list``, ``tuple``, ``str``,
``int``, ``float``, ``bool``, ``None``, numpy scalars and exact ``np.ndarray`` of
numbers); anything else, a subclass included, is refused without running any of
its methods.

Isolation inside this process (defence in depth; the guarantees are outside it):

* student code runs in a thread of its own whose frames hold nothing of the
  harness (the runner is compiled into a fresh namespace), and the two threads
  talk through C-level locks and lists, so walking frames from student code
  reaches no harness state;
* an audit hook (which cannot be removed) records what the grader flags: network,
  processes, reads outside the sandbox, access to other threads' frames, ``gc``
  and ``ctypes`` (these three are refused), calls of stubbed ``course_lib``
  functions, too many files; after each command the harness checks whether
  numpy's or the harness's functions were replaced;
* every value the harness uses after student code has run (``os.write``,
  ``json``'s string escaping, builtins, numpy's comparison functions) was bound
  before student code ran.
"""

from __future__ import annotations

import builtins
import gc
import json
import os
import signal
import sys
import threading
import time
import traceback
import types

# ``cases`` is course_checks/cases.py, mounted alone (course_checks itself, which holds
# the references, is not in the sandbox): it rebuilds the cases from their plain form and
# says which arguments a call changed. It imports only numpy and the standard library.
_CASES_DIR = os.environ.get("GRADER_CASES_DIR", "/opt/cases")
if _CASES_DIR not in sys.path:
    sys.path.insert(0, _CASES_DIR)
# stand-ins for course_checks' notebook helpers (the real package is not mounted)
_STUBS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stubs")
if _STUBS not in sys.path:
    sys.path.insert(0, _STUBS)

import cases  # noqa: E402
import numpy as np  # noqa: E402

IO = os.environ.get("GRADER_IO", "/sandbox")
# The folders whose files count against MAX_FILES: the work folder, and /tmp when it is
# the sandbox's own tmpfs (without bubblewrap, /tmp is the host's and not the student's).
COUNTED_DIRS = (IO, "/tmp") if IO == "/sandbox" else (IO,)
MAX_ARRAY_BYTES = 64 << 20
MAX_NODES = 100_000
MAX_DEPTH = 32
MAX_FILES = 2_000
DTYPES = frozenset({"|b1", "|i1", "|u1", "<i2", "<i4", "<i8", "<u2", "<u4", "<u8",
                    "<f2", "<f4", "<f8"})
NUMPY_SCALARS = frozenset(id(t) for t in (
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
    np.uint64, np.float16, np.float32, np.float64))

# Bound before any student code runs: what the main thread uses afterwards. Student code
# can replace names in the builtins module; this module's code finds these first.
(dict, list, tuple, str, int, float, bool, bytes, len, type, id, isinstance, issubclass,
 callable, compile, exec, sum, any, all, sorted, range, enumerate, memoryview, object,
 getattr, setattr, hasattr, iter, next, repr, print, min, max, abs, zip) = (
    dict, list, tuple, str, int, float, bool, bytes, len, type, id, isinstance, issubclass,
    callable, compile, exec, sum, any, all, sorted, range, enumerate, memoryview, object,
    getattr, setattr, hasattr, iter, next, repr, print, min, max, abs, zip)
_type, _len, _id, _str = type, len, id, str
_callable, _compile, _sum = callable, compile, sum
_memoryview, _object_new = memoryview, object.__new__
_dict_get = dict.get
_sys_modules = sys.modules
_gc_isenabled, _gc_disable, _gc_freeze = gc.isenabled, gc.disable, gc.freeze
_scandir, _stat = os.scandir, os.stat
_scan_json = json.scanner.make_scanner(json.JSONDecoder())
_INF = float("inf")
_int_bits = int.bit_length
_float_repr, _int_repr = float.__repr__, int.__repr__
_list_append, _dict_items = list.append, dict.items
_os_write = os.write
_json_string = json.encoder.encode_basestring_ascii
_perf = time.perf_counter
_ndarray, _str_t, _int_t, _float_t, _bool_t = np.ndarray, str, int, float, bool
_tobytes = np.ndarray.tobytes
_scalar_item = np.generic.item


class PlainDataError(ValueError):
    """An output that cannot be sent as plain data."""


# ---- the student thread ------------------------------------------------------------------

# Compiled into a fresh namespace: the frames and globals that student code can reach
# from its own frames (f_back, __globals__) hold only this loop, the mailboxes and the
# job it is running.
_RUNNER = '''
import gc
import traceback


def describe(exc):
    """The traceback of student code, its cells' frames only."""
    try:
        tb = traceback.extract_tb(exc.__traceback__)
        frames = [f for f in tb if f.filename.startswith("<cell")]
        text = "".join(traceback.format_list(frames[-3:]))
        return str(text + "".join(traceback.format_exception_only(type(exc), exc)))
    except BaseException:
        return "an exception whose message could not be shown"


def runner(jobs, job_ready, results, result_ready):
    held = None
    while True:
        job_ready.acquire()
        job = jobs.pop()
        held = None  # the previous job's values are released here, in this thread
        gc.collect()  # and cyclic garbage (the collector is off: it never runs elsewhere)
        kind = job[0]
        if kind == "quit":
            return
        try:
            if kind == "cell":
                exec(job[1], job[2])
                out = ("ok", None, None, ())
            else:
                fn, case = job[1], job[2]
                args, kwargs = case.build()
                value = fn(*args, **kwargs)
                held = value
                out = ("ok", value, None, (args, kwargs))  # the grader checks them
        except BaseException as exc:
            held = exc
            try:
                out = ("raised", exc, describe(exc), ())
            except BaseException:
                out = ("raised", exc, "an exception whose message could not be shown", ())
        results.append(out)
        result_ready.release()
'''
_runner_code = compile(_RUNNER, "<grader>", "exec")
_issubclass = issubclass
_errno_of = OSError.__dict__["errno"].__get__


def _isinstance_exc(v) -> bool:
    return _issubclass(_type(v), BaseException)


def error_kind(exc: BaseException) -> str:
    """What an exception of student code means for the grader, decided in the main thread
    without running any of its code (``issubclass`` on a builtin base class walks the
    type's C-level MRO; ``errno`` is read through OSError's own descriptor)."""
    t = _type(exc)
    if _issubclass(t, SystemExit):
        return "exit"
    if _issubclass(t, MemoryError):
        return "memory"
    if _issubclass(t, BlockingIOError):
        return "process limit"
    if _issubclass(t, OSError) and _errno_of(exc) in (27, 28, 122):  # EFBIG, ENOSPC, EDQUOT
        return "disk"
    return "error"


def describe_error(exc: BaseException) -> str:
    """A syntax error's text (the main thread formats only errors of ``compile``)."""
    return "".join(traceback.format_exception_only(type(exc), exc))


class StudentThread:
    """The thread that runs every cell and call of student code, and its mailboxes."""

    def __init__(self) -> None:
        scope: dict = {"__builtins__": builtins}
        exec(_runner_code, scope)
        self.jobs: list = []
        self.results: list = []
        self.job_ready = threading.Lock()
        self.job_ready.acquire()
        self.result_ready = threading.Lock()
        self.result_ready.acquire()
        self._acquire = _type(self.result_ready).acquire
        self._release = _type(self.job_ready).release
        self.gc_enabled = False  # student code turned the cyclic collector back on
        self.verify = lambda: None  # set by the Worker (make_verifier)
        threading.stack_size(64 << 20)  # deep student recursion: more room than the default
        self.thread = threading.Thread(
            target=scope["runner"], name="student",
            args=(self.jobs, self.job_ready, self.results, self.result_ready),
            daemon=True)
        self.thread.start()

    def run(self, job: tuple) -> tuple[str, object, str, tuple]:
        """Hand one job to the student thread and wait for its outcome:
        ``(kind, value, error text, (args, kwargs) after the call)``, kind "ok" or an
        error kind."""
        _list_append(self.jobs, job)
        self._release(self.job_ready)
        self._acquire(self.result_ready)
        self.verify()  # first: the harness's own code, as it was before student code ran
        gc_back_on = _gc_isenabled()
        _gc_disable()  # at once: cyclic garbage of student code is never freed here
        out = self.results.pop() if self.results else None
        if _type(out) is not tuple or _len(out) != 4 or _type(out[0]) is not _str_t:
            return ("error", None, "the student thread returned something unexpected", ())
        if gc_back_on:
            self.gc_enabled = True
        status, value, text, mutated = out
        if status == "ok":
            return ("ok", value, "", mutated)
        text = text if _type(text) is _str_t else "an error whose message could not be shown"
        return (error_kind(value) if _isinstance_exc(value) else "error", None, text, ())


# ---- output capture ----------------------------------------------------------------------

_WRITER = '''
class Capped:
    """sys.stdout / sys.stderr while student code runs: keeps the first `limit` characters."""

    def __init__(self, limit):
        self.parts = []
        self.size = 0
        self.dropped = 0
        self.limit = limit

    def write(self, s):
        s = str(s)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return False
'''
_writer_code = compile(_WRITER, "<grader-output>", "exec")
_object_dict = object.__getattribute__


def new_writer(limit: int):
    """A capped writer of a class made for this command alone: student code that changes
    the class (say, gives it a ``__del__``) changes nothing the main thread runs."""
    scope: dict = {"__builtins__": builtins}
    exec(_writer_code, scope)
    writer = _object_new(scope["Capped"])
    _object_dict(writer, "__dict__").update(parts=[], size=0, dropped=0, limit=limit)
    return writer


def captured_text(writer, limit: int) -> str:
    """What student code printed, read without running any of its code."""
    try:
        d = _object_dict(writer, "__dict__")
    except AttributeError:
        return ""
    if _type(d) is not dict:  # student code replaced it with something of its own
        return ""
    parts, dropped = _dict_get(d, "parts"), _dict_get(d, "dropped")
    if _type(parts) is not list:
        return ""
    out, size = [], 0
    for p in parts:
        if _type(p) is _str_t and size < limit:
            _list_append(out, p[: limit - size])
            size += _len(p)
    text = "".join(out)
    if _type(dropped) is _int_t and dropped:
        text += f"\n[... {dropped} more characters of output dropped]"
    return text


# ---- plain data, by exact type -----------------------------------------------------------


class Plain:
    """Converts one output to plain data and a list of (dtype, shape, bytes)."""

    def __init__(self) -> None:
        self.arrays: list[tuple[str, list[int], bytes]] = []
        self.nodes = 0
        self.nbytes = 0

    def convert(self, v, depth: int = 0):
        """``v`` as JSON-ready data, its arrays set aside in ``self.arrays``; only exact
        types pass, checked before anything of ``v`` is used."""
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            raise PlainDataError("the output is nested too deeply or has too many parts")
        t = _type(v)
        if v is None or t is _bool_t or t is _str_t:
            return v
        if t is _int_t:
            if _int_bits(v) > 64:
                raise PlainDataError("an output integer does not fit in 64 bits")
            return v
        if t is _float_t:
            return v
        if _id(t) in NUMPY_SCALARS:  # by identity: no metaclass __eq__ runs
            return _scalar_item(v)
        if t is _ndarray:
            dt = v.dtype
            code = dt.str if _type(dt.str) is _str_t else ""
            if code not in DTYPES:
                raise PlainDataError(f"an output array has dtype {code or '?'}; only arrays of "
                                     "numbers (bool, int, float) can be graded")
            self.nbytes += v.size * dt.itemsize  # before any copy: a broadcast view is huge
            if self.nbytes > MAX_ARRAY_BYTES:
                raise PlainDataError("the output arrays are larger than 64 MiB")
            data = _tobytes(v, "C")
            _list_append(self.arrays, (code, [_int_t(n) for n in v.shape], data))
            return {"__array__": _len(self.arrays) - 1}
        if t is tuple:
            return {"__tuple__": [self.convert(x, depth + 1) for x in v]}
        if t is list:
            return [self.convert(x, depth + 1) for x in v]
        if t is dict:
            out = {}
            for k, x in _dict_items(v):
                if _type(k) is not _str_t:
                    raise PlainDataError("an output dict has a key that is not a str")
                out[k] = self.convert(x, depth + 1)
            return {"__dict__": out}
        raise PlainDataError(
            "the output contains an object of a type that cannot be graded (return numbers, "
            "numpy arrays, or tuples, lists and dicts of them; no subclasses)")

    def arguments(self, args_kwargs) -> dict:
        """The arguments as they are after the call, for the grader's in-place check: each
        one converted like an output, or ``{"__unsent__": 1}`` when it is not plain data (a
        generator, a schedule, or whatever student code put in its place)."""
        if _type(args_kwargs) is not tuple or _len(args_kwargs) != 2:
            return {"args": [], "kwargs": {}}
        args, kwargs = args_kwargs
        out_args = [self.optional(a) for a in args] if _type(args) is tuple else []
        out_kwargs = {}
        if _type(kwargs) is dict:
            for k, v in _dict_items(kwargs):
                if _type(k) is _str_t:
                    out_kwargs[k] = self.optional(v)
        return {"args": out_args, "kwargs": out_kwargs}


    def optional(self, v):
        """``convert(v)``, or the marker ``{"__unsent__": 1}`` with nothing of v kept."""
        n_arrays, nbytes, nodes = _len(self.arrays), self.nbytes, self.nodes
        try:
            return self.convert(v)
        except PlainDataError:
            del self.arrays[n_arrays:]
            self.nbytes, self.nodes = nbytes, nodes
            return {"__unsent__": 1}


def dumps(v) -> str:
    """JSON text of plain data built by the harness (exact types), with no library code
    that student code could have replaced."""
    t = _type(v)
    if v is None:
        return "null"
    if t is _bool_t:
        return "true" if v else "false"
    if t is _int_t:
        return _int_repr(v)
    if t is _float_t:
        if v != v:
            return "NaN"
        if v == _INF or v == -_INF:
            return "Infinity" if v > 0 else "-Infinity"
        return _float_repr(v)
    if t is _str_t:
        return _json_string(v)
    if t is list or t is tuple:
        return "[" + ",".join([dumps(x) for x in v]) + "]"
    if t is dict:
        return "{" + ",".join([_json_string(_str(k)) + ":" + dumps(x)
                               for k, x in _dict_items(v)]) + "}"
    raise TypeError(f"cannot encode {t}")


# ---- the audit hook ----------------------------------------------------------------------

ALLOWED_READ = ("/sandbox", "/tmp", "/dev/null", "/dev/zero", "/dev/urandom", "/dev/random",
                "/usr/", "/opt/", "/etc/localtime", "/etc/ld.so.cache",
                "/sys/devices/system/cpu")
MAX_EVENTS = 200  # per command; one more event says the budget ran out
WRITABLE = ("/sandbox", "/tmp")
NETWORK = ("socket.", "urllib.", "http.", "ftplib.", "smtplib.", "poplib.", "imaplib.",
           "telnetlib.", "nntplib.")
PROCESS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
           "os.fork", "os.forkpty", "pty.spawn", "os.kill", "os.killpg", "signal.pthread_kill",
           "os.startfile")
BLOCKED = ("sys._current_frames", "gc.get_objects", "gc.get_referrers", "gc.get_referents",
           "ctypes.")
FS_CHANGE = ("os.remove", "os.rename", "os.rmdir", "shutil.rmtree", "os.chmod", "os.chown",
             "os.symlink", "os.link", "os.mkdir", "os.truncate", "os.utime", "shutil.move")
LISTING = ("os.listdir", "os.scandir", "glob.glob", "os.chdir")
REFUSED_EXIT = 86  # the worker's exit status after a refused operation (see the hook)


def _normalize(p: str) -> str:
    """An absolute, ``..``-free form of a path, computed with str and list methods only
    (no library code that student code could have replaced runs inside the hook)."""
    if not p.startswith("/"):
        p = "/sandbox/" + p
    parts: list[str] = []
    for part in p.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part and part != ".":
            parts.append(part)
    return "/" + "/".join(parts)


def install_audit_hook(prefixes: tuple[str, ...], events_fd: int):
    """Install the audit hook; returns ``set_phase`` for the main thread.

    ``prefixes``: directories whose files may be read (the Python installation).
    ``events_fd``: the pipe on which every event goes to the grader the moment it
    happens, one JSON line ``[kind, detail]`` each: nothing in this process can take
    an event back.

    The hook never raises (an exception would put its frame in a traceback student
    code can read) and never runs student code (it looks at exact ``str``/``bytes``/
    ``int`` arguments only). The ways to reach harness state (``gc``, ``ctypes``, other
    threads' frames) end the worker at once with status ``REFUSED_EXIT`` and the
    reason on stderr; during trusted setup cells they are only reported.
    """
    phase = ["harness"]  # "trusted" (setup cells), "student" or "harness"
    counts = {"events": 0}
    readable = tuple(ALLOWED_READ) + tuple(prefixes)
    # Folders of the host's that the sandbox shows only part of, because a mounted prefix
    # lies in them (a checkout under /tmp: /tmp/course for /tmp/course/.venv): reading
    # there outside the prefixes is reaching for the host's files.
    host_dirs = tuple(sorted({
        "/".join(p.split("/")[:k]) + "/" for p in prefixes
        if p.startswith(("/tmp/", "/sandbox/")) for k in range(3, p.count("/") + 1)}))
    startswith, any_, str_t, bytes_t, int_t = str.startswith, any, str, bytes, int
    fsdecode, len_, type_, write, exit_ = os.fsdecode, len, type, os.write, os._exit
    normalize, quote = _normalize, _json_string

    def path_of(arg) -> str | None:
        if type_(arg) is str_t:
            return normalize(arg)
        if type_(arg) is bytes_t:
            return normalize(fsdecode(arg))
        return None

    def record(kind: str, detail) -> None:
        if type_(detail) is not str_t:
            detail = "?"
        counts["events"] += 1
        if counts["events"] > MAX_EVENTS:
            if counts["events"] != MAX_EVENTS + 1:
                return
            kind, detail = "harness", f"more than {MAX_EVENTS} events in one command"
        try:
            write(events_fd, ("[" + quote(kind) + "," + quote(detail[:300]) + "]\n").encode())
        except OSError:
            pass  # the grader notices a closed channel: the command's end marker is lost

    def refuse(what: str) -> None:
        write(2, f"\nGRADER-REFUSED {what}\n".encode())
        exit_(REFUSED_EXIT)

    def hook(event: str, args: tuple) -> None:
        if event == "course_lib.unavailable":
            record("stub", args[0] if args and type_(args[0]) is str_t else "?")
        elif event == "sys.addaudithook" or (
                event == "object.__setattr__" and len_(args) > 1 and args[1] == "__code__"):
            record("harness", f"{event} (refused)")
            if phase[0] != "trusted":
                refuse(event)
        elif startswith(event, BLOCKED):
            record("harness", f"{event} (refused)")
            if phase[0] != "trusted":
                refuse(event)
        elif startswith(event, NETWORK):
            record("network", event)
        elif startswith(event, PROCESS):
            record("process", event)
        elif event == "open" and args:
            p = path_of(args[0])
            if p is None:
                return
            mode = args[1] if len_(args) > 1 and type_(args[1]) is str_t else "r"
            flags = args[2] if len_(args) > 2 and type_(args[2]) is int_t else 0
            writing = any_(c in mode for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR)
            if writing:
                if not startswith(p, WRITABLE) or startswith(p, "/sandbox/in"):
                    record("filesystem", f"opened {p} for writing")
            elif not startswith(p, readable) or (startswith(p, host_dirs)
                                                  and not startswith(p, prefixes)):
                record("filesystem", f"read {p}")
        elif startswith(event, LISTING) and args:
            if event == "glob.glob":
                p = args[0] if type_(args[0]) is str_t else None
                if p is not None and not startswith(p, ("/sandbox", "/tmp")) and (
                        startswith(p, "/") or startswith(p, "..")):
                    record("filesystem", f"{event} {p}")
                return
            p = path_of(args[0])
            if p is not None and not startswith(p, ("/sandbox", "/tmp")) and not startswith(
                    p, prefixes):
                record("filesystem", f"{event} {p}")
        elif startswith(event, FS_CHANGE) and args:
            p = path_of(args[0])
            if p is not None and (not startswith(p, WRITABLE) or startswith(p, "/sandbox/in")):
                record("filesystem", f"{event} {p}")

    def set_phase(name: str) -> None:
        if name != "harness":
            counts["events"] = 0  # a budget per command
        phase[0] = name

    sys.addaudithook(hook)
    return set_phase


# ---- replaced functions ------------------------------------------------------------------

WATCHED = ("numpy", "numpy.testing", "builtins", "json", "cases", "types", "os")


def snapshot() -> dict[str, tuple[object, dict]]:
    """Each watched module with a copy of its namespace, taken before student code runs."""
    import numpy.testing  # noqa: F401  (loaded, so that it can be watched)

    return {name: (sys.modules[name], dict(sys.modules[name].__dict__)) for name in WATCHED}


def replaced(snap: dict[str, tuple[object, dict]], trusted: bool) -> list[str]:
    """What student code replaced, added or removed in the watched modules, put back
    (checked by identity, without calling anything). After a trusted setup cell the
    snapshot is renewed instead."""
    out: list[str] = []
    for name, (module, before) in snap.items():
        if _type(module) is not types.ModuleType:  # its class was swapped: touch nothing
            out.append(f"the class of module {name}")
            continue
        if _sys_modules.get(name) is not module:
            out.append(f"sys.modules[{name!r}]")
            _sys_modules[name] = module
        now = _object_dict(module, "__dict__")
        if trusted:
            snap[name] = (module, dict(now))
            continue
        for key, value in _dict_items(before):
            if now.get(key, _MISSING) is not value:
                out.append(f"{name}.{key}")
                now[key] = value
        for key in [k for k in now if k not in before]:
            if _type(now[key]) is not types.ModuleType:  # a submodule imported is fine
                out.append(f"{name}.{key} (added)")
                del now[key]
    return out


_MISSING = object()


def count_files(root: str, limit: int) -> int:
    """Files and folders on ``root``'s own file system (a tmpfs of the sandbox: read-only
    bind mounts inside it are not counted), up to ``limit + 1``; no symlink followed."""
    try:
        dev = _stat(root).st_dev
    except OSError:
        return 0
    n, todo = 0, [root]
    while todo and n <= limit:
        try:
            with _scandir(todo.pop()) as it:
                for entry in it:
                    n += 1
                    if entry.is_dir(follow_symlinks=False) and entry.stat(
                            follow_symlinks=False).st_dev == dev:
                        todo.append(entry.path)
                    if n > limit:
                        break
        except OSError:
            pass
    return n


# ---- commands ----------------------------------------------------------------------------


def load_cases(folder: str) -> dict[str, list]:
    """Every call's cases, from the read-only ``<folder>``, read before student code runs."""
    out: dict[str, list] = {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        tag = name[:-5]
        with open(f"{folder}/{name}") as fh:
            stored = json.load(fh)
        out[tag] = [
            cases.Case.from_plain(item["plain"], [
                np.load(f"{folder}/{tag}_{i}_{k}.npy", allow_pickle=False)
                for k in range(item["n_arrays"])])
            for i, item in enumerate(stored)]
    return out


def make_verifier(classes: tuple[type, ...], namespace: dict, graveyard: list):
    """``(verify, changed)``: ``verify()`` puts back the harness's classes and this module's
    globals as they are now, if student code changed them (they are reachable from student
    code, e.g. through ``object.__subclasses__()``); ``changed()`` lists what it put back.

    ``verify`` uses only what this closure holds, never a global or a class attribute,
    and runs no student code: keys are checked to be exact ``str`` before any lookup
    (a key of another type could run its ``__eq__``), and what it removes is kept in
    ``graveyard``, never freed (a ``__del__`` would run here).
    """
    get_dict = type.__dict__["__dict__"].__get__
    snap_classes = [(cls, dict(get_dict(cls))) for cls in classes]
    snap_globals = dict(namespace)
    type_setattr, type_delattr, items, keys = (type.__setattr__, type.__delattr__,
                                               dict.items, dict.keys)
    type_, str_t, len_, append, get = type, str, len, list.append, dict.get
    clear, update, copy = dict.clear, dict.update, dict.copy
    missing = object()
    log: list[str] = []

    def verify() -> None:
        for cls, before in snap_classes:
            now = get_dict(cls)
            for key, value in items(before):
                if now.get(key, missing) is not value:
                    type_setattr(cls, key, value)
                    append(log, f"{cls.__name__}.{key}")
            extra = [k for k in now if k not in before]
            for key in extra:
                append(graveyard, now[key])
                type_delattr(cls, key)
                append(log, f"{cls.__name__}.{key} (added)")
        safe = all(type_(k) is str_t for k in keys(namespace))
        if safe and len_(namespace) == len_(snap_globals) and all(
                get(namespace, k, missing) is v for k, v in items(snap_globals)):
            return
        append(graveyard, copy(namespace))
        clear(namespace)
        update(namespace, snap_globals)
        append(log, "the harness's module globals")

    def changed() -> list[str]:
        out = log[:]
        del log[:]
        return out

    return verify, changed


class Worker:
    """The harness's main thread: commands in, replies out."""

    def __init__(self, resp_fd: int, events_fd: int, output_chars: int,
                 prefixes: tuple[str, ...]) -> None:
        self.resp_fd, self.events_fd = resp_fd, events_fd
        self.output_chars = output_chars
        student_main = types.ModuleType("__main__")
        student_main.__dict__["__builtins__"] = builtins
        self.ns: dict = student_main.__dict__
        self.main = student_main
        self.cases = load_cases(f"{IO}/in") if os.path.isdir(f"{IO}/in") else {}
        self.graveyard: list = []  # writers and values never freed by this thread
        self.snapshot = snapshot()
        gc.disable()  # cyclic garbage is collected by the student thread, between jobs
        gc.freeze()  # what is loaded now is never scanned again: those collections are cheap
        self.set_phase = install_audit_hook(prefixes, events_fd)
        self.student = StudentThread()
        self.verify, self.changed = make_verifier(
            (Worker, StudentThread, Plain, PlainDataError), globals(), self.graveyard)
        self.student.verify = self.verify
        # Student code gets a __main__ module of its own, as in a Jupyter kernel.
        sys.modules["__main__"] = student_main

    def _run(self, job: tuple, trusted: bool) -> tuple[tuple, str]:
        out = new_writer(self.output_chars)
        _list_append(self.graveyard, out)
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        self.set_phase("trusted" if trusted else "student")
        try:
            result = self.student.run(job)
        finally:
            self.set_phase("harness")
            sys.stdout, sys.stderr = old
        _list_append(self.graveyard, result)
        return result, captured_text(out, self.output_chars)

    def after(self, trusted: bool) -> None:
        """Checks after every command: replaced functions, the collector, the disk."""
        for name in self.changed():
            self.event("harness", f"the grader's own code was changed: {name} (put back)")
        if trusted:
            _gc_freeze()  # the setup cells' imports, like the harness's, are kept for good
        for name in replaced(self.snapshot, trusted):
            self.event("monkeypatch", f"{name} was replaced")
        if self.student.gc_enabled:
            self.student.gc_enabled = False
            self.event("monkeypatch", "the cyclic garbage collector was turned back on")
        if sum(count_files(root, MAX_FILES) for root in COUNTED_DIRS) > MAX_FILES:
            _os_write(2, f"\nGRADER-DISK more than {MAX_FILES} files\n".encode())
            os._exit(REFUSED_EXIT + 1)

    def event(self, kind: str, detail: str) -> None:
        try:
            _os_write(self.events_fd, (dumps([kind, detail[:300]]) + "\n").encode())
        except OSError:
            pass

    def cell(self, msg: dict) -> dict:
        """Run one cell's source in the student's namespace (its thread)."""
        try:
            code = _compile(msg["source"], f"<cell {msg['id']}>", "exec")
        except BaseException as exc:  # a SyntaxError, or source too deeply nested
            return {"ok": False, "kind": "error", "error": describe_error(exc), "output": ""}
        trusted = msg.get("trusted") is True
        (kind, _, text, _), output = self._run(("cell", code, self.ns), trusted)
        self.after(trusted)
        if kind == "ok":
            return {"ok": True, "output": output}
        return {"ok": False, "kind": kind, "error": text, "output": output}

    def call(self, msg: dict) -> tuple[dict, list[bytes]]:
        """Call the student's function on every case of one tag; the outputs and the
        arguments after each call, as plain data, and the bytes of their arrays."""
        fname = msg["function"]
        stored = self.cases.get(msg["cases"], [])
        fn = self.ns.get(fname)
        results, blobs, offset = [], [], 0
        for case in stored:
            if not _callable(fn):
                results.append({"ok": False, "kind": "error",
                                "error": f"NameError: no function called {fname!r} was "
                                         "defined by your answer cell"})
                continue
            (kind, value, text, mutated), _ = self._run(("call", fn, case), False)
            if kind != "ok":
                results.append({"ok": False, "kind": kind, "error": text})
                continue
            plain = Plain()
            try:
                data = plain.convert(value)
                post = plain.arguments(mutated)
            except PlainDataError as exc:
                results.append({"ok": False, "kind": "error",
                                "error": f"the output cannot be graded: {exc}"})
                continue
            except BaseException:  # MemoryError, RecursionError: refuse, never fall over
                results.append({"ok": False, "kind": "error",
                                "error": "the output cannot be graded: it is too large"})
                continue
            finally:
                value = None
            arrays = []
            for code, shape, raw in plain.arrays:
                arrays.append([code, shape, offset, _len(raw)])
                blobs.append(raw)
                offset += _len(raw)
            results.append({"ok": True, "plain": data, "arrays": arrays, "args": post})
        self.after(False)
        return {"results": results}, blobs

    def reply(self, reply: dict, blobs: list[bytes], t0: float, nonce: str) -> None:
        """The reply, after the end marker of the command's events (same nonce)."""
        reply["nonce"] = nonce
        reply["seconds"] = _perf() - t0
        reply["blob"] = _sum([_len(b) for b in blobs])
        try:
            data = (dumps(reply) + "\n").encode()
        except BaseException:
            reply = {"ok": False, "kind": "error", "nonce": nonce, "blob": 0,
                     "error": "the reply could not be encoded", "results": []}
            data, blobs = (dumps(reply) + "\n").encode(), []
        self.event("end", nonce)
        for chunk in [data, *blobs]:
            view = _memoryview(chunk)
            while view:
                n = _os_write(self.resp_fd, view)
                view = view[n:]


def _protect(fds: tuple[int, ...]) -> None:
    """Keep student code away from the grader's pipes.

    A child forked by student code closes them at once (it cannot answer in the
    worker's name), and the worker is made non-dumpable, so other processes of the
    same uid cannot open its descriptors through /proc.
    """

    def close_in_child() -> None:
        for fd in fds:
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
    """``worker.py CMD_FD REPLY_FD EVENTS_FD [OUTPUT_CHARS]``: serve the grader's commands."""
    cmd_fd, resp_fd, events_fd = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    output_chars = int(sys.argv[4]) if len(sys.argv) > 4 else 20_000
    sys.argv[:] = [sys.argv[0]]  # the descriptors' numbers are not left lying around
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # no KeyboardInterrupt in the harness
    _protect((cmd_fd, resp_fd, events_fd))
    commands = os.fdopen(cmd_fd, "r", encoding="utf-8")
    prefixes = tuple(sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix)}
                            | {p for p in sys.path if p.startswith("/")}))
    worker = Worker(resp_fd, events_fd, output_chars, prefixes)
    worker.reply({"ok": True, "ready": True}, [], _perf(), "ready")
    verify = worker.verify
    for line in commands:
        verify()  # a background thread of student code may have changed the harness
        t0 = _perf()
        msg = _scan_json(line, 0)[0]
        blobs: list[bytes] = []
        nonce = msg.get("nonce", "")
        if msg["cmd"] == "cell":
            reply = worker.cell(msg)
        elif msg["cmd"] == "call":
            reply, blobs = worker.call(msg)
        elif msg["cmd"] == "quit":
            break
        else:
            reply = {"ok": False, "error": f"unknown command {msg['cmd']}"}
        worker.reply(reply, blobs, t0, nonce)
    os._exit(0)  # no finalizers: objects of student code are never run by this thread


if __name__ == "__main__":
    main()

"""Proofs that the grading sandbox's ``course_lib`` holds no answer (autograder/libstub.py).

For every notebook with exercises, the sandbox gets a ``course_lib`` in which only the
modules of ``course_checks/allowed.py`` are real. These tests show, each in a fresh
interpreter that imports that library and nothing of the real one:

* the sweep: no callable of the sandbox ``course_lib`` (every module-level function and
  class, and the methods of an instance built with default arguments), called with an
  exercise's visible-case arguments, returns an output the exercise accepts; every
  ``reference_names`` entry is a stub;
* the allowed modules suffice: the solution notebook's locked setup cells and answer
  cells, run against the sandbox library, pass their visible cases without touching a
  stub;
* stub behaviour: every module imports with the real module's names; calling a stub
  raises ``NotAvailableWhileGrading`` with its qualified name on one line and fires the
  ``course_lib.unavailable`` audit event;
* inside the real bubblewrap sandbox, no readable file holds the source (or a compiled
  ``.pyc``) of a stubbed module.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder import sandbox
from autograder.grading import SKIPPED_LOCKED_CELLS
from autograder.libstub import REAL_LIB, build_sandbox_lib, real_modules
from course_checks import exercises_for
from course_checks.allowed import SANDBOX_MODULES, sandbox_plan

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb"))
GRADED = [nb for nb in NOTEBOOKS if exercises_for(nb)]
HARNESS_STUBS = ROOT / "autograder" / "harness" / "stubs"
CASES_FILE = ROOT / "course_checks" / "cases.py"
CALL_SECONDS = 2.0  # a swept callable slower than this on one call is skipped afterwards

# Runs in a fresh interpreter: imports the sandbox course_lib from argv[1] (first on
# sys.path, the editable install's finder removed, so nothing can fall back to the real
# package), does the job in the pickled payload argv[2] and pickles its report to argv[3].
CHILD = r'''
import importlib, importlib.util, inspect, pickle, signal, sys, types, warnings
lib, payload_file, report_file = sys.argv[1:4]
sys.meta_path[:] = [f for f in sys.meta_path if "Editable" not in getattr(f, "__name__", "")]
sys.path[:0] = [lib, *PAYLOAD_EXTRA_PATH]
with open(payload_file, "rb") as fh:
    job = pickle.load(fh)
EVENTS = []
sys.addaudithook(lambda event, args: EVENTS.append(args[0]) if event == "course_lib.unavailable"
                 else None)
spec = importlib.util.spec_from_file_location("cases", job["cases_file"])
cases = sys.modules["cases"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cases)
import numpy as np  # noqa: E402
import course_lib  # noqa: E402
MODULES = {m: importlib.import_module(f"course_lib.{m}") for m in job["modules"]}
for mod in [course_lib, *MODULES.values()]:
    assert mod.__file__.startswith(lib), (mod.__name__, mod.__file__)
from course_lib._unavailable import NotAvailableWhileGrading  # noqa: E402
from course_lib._unavailable import placeholder as stand_in  # noqa: E402


class Slow(Exception):
    pass


def _alarm(signum, frame):
    raise Slow()


signal.signal(signal.SIGALRM, _alarm)


def timed(fn, args, kwargs, seconds):
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def outcome(fn, args=(), kwargs=None, seconds=2.0):
    """("ok", value) | ("raised", type name, message, audited names) | ("slow",)."""
    del EVENTS[:]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = timed(fn, args, kwargs or {}, seconds)
    except Slow:
        return ("slow",)
    except BaseException as exc:  # noqa: BLE001 - everything a swept call raises is data
        if isinstance(exc, KeyboardInterrupt):
            raise
        return ("raised", type(exc).__name__, str(exc), list(EVENTS))
    return ("ok", value)


def targets():
    """Every callable reachable in the sandbox course_lib, once each: (label, fn, cls)."""
    seen, out = set(), []
    for m, mod in MODULES.items():
        for name, obj in vars(mod).items():
            if name.startswith("__") or not callable(obj) or id(obj) in seen:
                continue
            home = getattr(obj, "__module__", "") or ""
            if not home.startswith("course_lib"):
                continue  # numpy, typing, ... imported by the module
            if home == "course_lib._unavailable" and not isinstance(obj, stand_in):
                continue  # the stubs' own machinery (placeholder objects are swept)
            seen.add(id(obj))
            out.append((f"{m}.{name}", obj, None))
            if inspect.isclass(obj):
                own = {a for k in obj.__mro__ if k.__module__.startswith("course_lib")
                       for a in vars(k)}
                for attr in sorted(own):
                    if not attr.startswith("_"):
                        out.append((f"{m}.{name}.{attr}", attr, obj))
    return out


def resolve(label, target, cls):
    """The callable to call: a method of a fresh default instance, else the class attribute."""
    if cls is None:
        return target
    made = outcome(cls, seconds=1.0)
    holder = made[1] if made[0] == "ok" else cls
    try:
        fn = getattr(holder, target)
    except BaseException:  # noqa: BLE001 - a property of a stub raises
        return None
    return fn if callable(fn) else None


def sweep():
    report = {"callables": [], "real": [], "calls": 0, "outputs": [], "slow": [],
              "unpicklable": 0}
    found = targets()
    report["callables"] = [label for label, _, _ in found]
    slow = set()
    for ex in job["exercises"]:
        for i, (plain, arrays) in enumerate(ex["cases"]):
            case = cases.Case.from_plain(plain, arrays)
            for label, target, cls in found:
                if label in slow:
                    continue
                variants = [True, False] if case.kwargs else [True]
                for with_kwargs in variants:
                    args, kwargs = case.build()
                    fn = resolve(label, target, cls)
                    if fn is None:
                        break
                    report["calls"] += 1
                    res = outcome(fn, args, kwargs if with_kwargs else {}, job["seconds"])
                    if res[0] == "slow":
                        slow.add(label)
                        report["slow"].append(label)
                        break
                    if res[0] == "raised":
                        if res[1] != "NotAvailableWhileGrading":
                            report["real"].append(label)
                        continue
                    report["real"].append(label)
                    try:
                        blob = pickle.dumps(res[1])
                    except Exception:  # noqa: BLE001 - a generator, a lock: cannot be an answer
                        report["unpicklable"] += 1
                        continue
                    report["outputs"].append((ex["name"], i, label, with_kwargs, blob))
    report["real"] = sorted(set(report["real"]))
    return report


def reference_names():
    out = {}
    for name in job["reference_names"]:
        parts, obj, parent = name.split("."), None, None
        for k in range(len(parts) - 1, 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:k]))
            except ImportError:
                continue
            for attr in parts[k:]:
                parent, obj = obj, getattr(obj, attr)
            break
        method = inspect.isclass(parent) and inspect.isfunction(obj)  # Adam.init: self=None
        res = outcome(obj, (None,) if method else ()) if obj is not None else ("missing",)
        out[name] = res if res[0] != "ok" else ("ok",)
    return out


def stubs():
    """Call every stub function, class and method with no arguments."""
    out = {}
    for m, mod in MODULES.items():
        if m not in job["stubbed"]:
            continue  # a real module
        stubbed = job["stubbed"][m]  # None: the whole module
        for name, obj in vars(mod).items():
            if getattr(obj, "__module__", None) != mod.__name__ or not callable(obj):
                continue
            if stubbed is not None and name not in stubbed:
                continue
            out[f"course_lib.{m}.{name}"] = outcome(obj)
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if inspect.isfunction(member) and not attr.startswith("__"):
                        out[f"course_lib.{m}.{name}.{attr}"] = outcome(member, (None,))
    return out


def notebook():
    ns = types.ModuleType("__main__").__dict__
    failed = []
    for cell_id, source in job["cells"]:
        res = outcome(lambda: exec(compile(source, f"<cell {cell_id}>", "exec"), ns),
                      seconds=120.0)
        if res[0] != "ok":
            failed.append((cell_id, res))
    outputs = []
    for ex in job["exercises"]:
        for i, (plain, arrays) in enumerate(ex["cases"]):
            args, kwargs = cases.Case.from_plain(plain, arrays).build()
            res = outcome(ns[ex["name"]], args, kwargs, 120.0)
            blob = pickle.dumps(res[1]) if res[0] == "ok" else None
            outputs.append((ex["name"], i, res if blob is None else ("ok",), blob))
    return {"failed_cells": failed, "outputs": outputs, "events": sorted(set(EVENTS))}


def route():
    """Call the job's ``answer`` (an answer written with the sandbox course_lib) on the cases."""
    ns = {}
    exec(job["code"], ns)
    out = []
    for i, (plain, arrays) in enumerate(job["cases"]):
        args, kwargs = cases.Case.from_plain(plain, arrays).build()
        res = outcome(ns["answer"], args, kwargs, 60.0)
        out.append((i, res if res[0] != "ok" else ("ok",),
                    pickle.dumps(res[1]) if res[0] == "ok" else None))
    return out


report = {}
if job["task"] == "route":
    report["route"] = route()
elif job["task"] == "sweep":
    report["names"] = {m: sorted(vars(mod)) for m, mod in MODULES.items()}
    report["stubs"] = stubs()
    report["reference_names"] = reference_names()
    report["sweep"] = sweep()
else:
    report["notebook"] = notebook()
with open(report_file, "wb") as fh:
    pickle.dump(report, fh)
'''


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg", COURSE_LIB_NO_PROGRESS="1",
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def _run_child(lib: Path, job: dict, extra_path: list[str], workdir: Path) -> dict:
    """Run CHILD on ``job`` with ``lib`` first on sys.path; its pickled report."""
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / "child.py"
    script.write_text(CHILD.replace("PAYLOAD_EXTRA_PATH", repr(extra_path)))
    payload, report = workdir / "payload.pickle", workdir / "report.pickle"
    payload.write_bytes(pickle.dumps(job))
    res = subprocess.run([sys.executable, "-B", str(script), str(lib), str(payload), str(report)],
                         cwd=workdir, env=_child_env(), capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, f"the child process failed:\n{res.stderr[-3000:]}"
    return pickle.loads(report.read_bytes())


def _plain_cases(ex) -> list:
    return [case.to_plain() for case in ex.cases(ex.visible_seed, ex.visible_cases)]


@functools.cache
def _sweep_report(notebook: str, workdir: str) -> dict:
    exercises = exercises_for(notebook)
    job = {
        "task": "sweep",
        "cases_file": str(CASES_FILE),
        "modules": real_modules(),
        "stubbed": {m: None for m in real_modules() if m not in sandbox_plan(notebook)}
        | {m: list(names) for m, names in sandbox_plan(notebook).items() if names},
        "seconds": CALL_SECONDS,
        "reference_names": sorted({n for ex in exercises for n in ex.reference_names}),
        "exercises": [{"name": ex.name, "cases": _plain_cases(ex)} for ex in exercises],
    }
    t0 = time.perf_counter()
    report = _run_child(build_sandbox_lib(notebook), job, [], Path(workdir) / notebook)
    report["seconds"] = time.perf_counter() - t0
    return report


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """``sweep(notebook)``: the sweep child's report for that notebook (run once each)."""
    base = tmp_path_factory.mktemp("sweep")
    return lambda notebook: _sweep_report(notebook, str(base))


def _accepted(ex, expected, got, case) -> bool:
    try:
        return ex.outputs_match(expected, got, case) is None
    except Exception:  # a comparator that chokes on a foreign output does not accept it
        return False


# ---- a. the sweep ---------------------------------------------------------------------


@pytest.mark.parametrize("notebook", GRADED)
def test_no_sandbox_callable_computes_an_answer(notebook, sweep):
    report = sweep(notebook)["sweep"]
    assert len(report["callables"]) >= 200, "the sweep found too few callables to mean much"
    by_name = {ex.name: ex for ex in exercises_for(notebook)}
    expected: dict[tuple[str, int], object] = {}
    hits = []
    for name, i, label, with_kwargs, blob in report["outputs"]:
        ex = by_name[name]
        case = ex.cases(ex.visible_seed, ex.visible_cases)[i]
        if (name, i) not in expected:
            args, kwargs = case.build()
            expected[name, i] = ex.reference(*args, **kwargs)
        if _accepted(ex, expected[name, i], pickle.loads(blob), case):
            hits.append(f"course_lib.{label}({'args, kwargs' if with_kwargs else 'args'}) "
                        f"passes {name} case {i}")
    assert not hits, f"the sandbox course_lib of {notebook} computes answers:\n" + "\n".join(hits)


@pytest.mark.parametrize("notebook", GRADED)
def test_reference_names_are_stubs(notebook, sweep):
    report = sweep(notebook)["reference_names"]
    wanted = {n for ex in exercises_for(notebook) for n in ex.reference_names}
    assert set(report) == wanted
    wrong = {n: r for n, r in report.items() if r[:2] != ("raised", "NotAvailableWhileGrading")}
    assert not wrong, f"reference names of {notebook} that are not stubs there: {wrong}"


def test_sweep_is_not_vacuous(sweep, capsys):
    """The sweep calls hundreds of callables, real ones included, on every exercise."""
    seconds = sum(sweep(nb)["seconds"] for nb in GRADED)
    reports = {nb: sweep(nb)["sweep"] for nb in GRADED}
    n_exercises = sum(len(exercises_for(nb)) for nb in GRADED)
    n_cases = sum(len(ex.cases(ex.visible_seed, ex.visible_cases))
                  for nb in GRADED for ex in exercises_for(nb))
    calls = sum(r["calls"] for r in reports.values())
    real = {nb: len(r["real"]) for nb, r in reports.items()}
    with capsys.disabled():
        print(f"\nsandbox-lib sweep: {len(GRADED)} notebooks, {n_exercises} exercises, "
              f"{n_cases} visible cases, {calls} calls in {seconds:.1f} s "
              "(one child process per notebook)")
        for nb, r in reports.items():
            print(f"  {nb}: {len(r['callables'])} callables ({real[nb]} real), "
                  f"{r['calls']} calls, {len(r['outputs'])} outputs compared, "
                  f"slow: {sorted(set(r['slow'])) or 'none'}")
    assert calls >= 30_000
    assert all(len(r["callables"]) >= 300 for r in reports.values())
    for nb in GRADED:  # each real module is actually exercised, not only stubs
        if SANDBOX_MODULES.get(nb):
            assert real[nb] >= 20, (nb, real[nb])
            assert reports[nb]["outputs"], nb


# Answers that compose course_lib calls instead of calling one reference (the sweep calls
# one callable at a time): each must fail in its notebook's sandbox, where a stub raises.
_TRUE_GRADS = """
import numpy as np
from course_lib.network import Network, backward, forward

def true_grads(params, X, Y, layer_dims):
    net = Network(layer_dims)
    ZL, caches, _ = forward(net, params, X)
    return backward(net, params, ZL, Y, caches)

def rel(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))
"""
ROUTES = {
    ("04_gradient_checking", "find_bugged_parameter"): _TRUE_GRADS + """
def answer(params, grads, X, Y, layer_dims, eps=1e-7):
    true = true_grads(params, X, Y, layer_dims)
    return max(params, key=lambda k: rel(grads[k], true[k]))
""",
    ("04_gradient_checking", "gradient_check_nd"): _TRUE_GRADS + """
def answer(params, grads, X, Y, layer_dims, eps=1e-7):
    true = true_grads(params, X, Y, layer_dims)
    flat = lambda g: np.concatenate([np.ravel(g[k]) for k in params])
    return float(rel(flat(grads), flat(true)))
""",
    ("08_learning_rate_decay", "inverse_time_decay"): """
from course_lib.schedules import make_schedule

def answer(lr0, epoch_num, decay_rate):
    return make_schedule("inverse_time", lr0, decay_rate=decay_rate)(epoch_num)
""",
    ("08_learning_rate_decay", "step_decay"): """
from course_lib.schedules import make_schedule

def answer(lr0, epoch_num, *args, **kwargs):
    names = ("drop", "epochs_drop")
    return make_schedule("step", lr0, **dict(zip(names, args)), **kwargs)(epoch_num)
""",
}


@pytest.mark.parametrize("route", [pytest.param(key, id=key[1]) for key in ROUTES])
def test_composed_answers_fail_in_the_sandbox(route, tmp_path):
    notebook, name = route
    ex = next(e for e in exercises_for(notebook) if e.name == name)
    job = {"task": "route", "cases_file": str(CASES_FILE), "modules": real_modules(),
           "code": ROUTES[route], "cases": _plain_cases(ex)}
    report = _run_child(build_sandbox_lib(notebook), job, [], tmp_path)["route"]
    passed = []
    for i, _, blob in report:
        case = ex.cases(ex.visible_seed, ex.visible_cases)[i]
        args, kwargs = case.build()
        if blob is not None and _accepted(ex, ex.reference(*args, **kwargs),
                                          pickle.loads(blob), case):
            passed.append(i)
    assert not passed, f"{name} answered through course_lib on cases {passed}"
    assert all(res[:2] == ("raised", "NotAvailableWhileGrading") for _, res, _ in report), report


# ---- the allowed modules suffice --------------------------------------------------------


def _grading_cells(notebook: str) -> list[tuple[str, str]]:
    """The cells the grader runs: locked setup cells and answer cells, in notebook order."""
    nb = nbformat.read(ROOT / "solutions" / f"{notebook}.ipynb", as_version=4)
    out = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or (meta.get("grade") and not meta.get("solution")):
            continue
        if meta.get("solution") or (meta.get("locked") and cell.id not in SKIPPED_LOCKED_CELLS):
            out.append((cell.id, cell.source))
    return out


@pytest.mark.parametrize("notebook", GRADED)
def test_solutions_pass_with_the_sandbox_lib(notebook, tmp_path):
    """Nothing grading needs is missing: the solution passes, and touches no stub."""
    exercises = exercises_for(notebook)
    job = {"task": "notebook", "cases_file": str(CASES_FILE), "modules": real_modules(),
           "cells": _grading_cells(notebook),
           "exercises": [{"name": ex.name, "cases": _plain_cases(ex)} for ex in exercises]}
    report = _run_child(build_sandbox_lib(notebook), job, [str(HARNESS_STUBS)], tmp_path)
    report = report["notebook"]
    assert not report["failed_cells"], report["failed_cells"]
    assert not report["events"], f"grading {notebook} called stubs: {report['events']}"
    by_name = {ex.name: ex for ex in exercises}
    for name, i, res, blob in report["outputs"]:
        ex = by_name[name]
        assert blob is not None, f"{name} case {i}: {res}"
        case = ex.cases(ex.visible_seed, ex.visible_cases)[i]
        args, kwargs = case.build()
        mismatch = ex.outputs_match(ex.reference(*args, **kwargs), pickle.loads(blob), case)
        assert mismatch is None, f"{name} case {i}: {mismatch}"


# ---- b. stub behaviour ------------------------------------------------------------------


@pytest.mark.parametrize("notebook", GRADED)
def test_every_module_imports_with_the_real_names(notebook, sweep):
    names = sweep(notebook)["names"]
    for module in real_modules():
        real = {n for n in vars(importlib.import_module(f"course_lib.{module}"))
                if not n.startswith("__") or n == "__all__"}
        got = set(names[module])
        assert {n for n in real if not n.startswith("_")} == {
            n for n in got if not n.startswith("_")}, module
        assert real <= got, (module, sorted(real - got))


@pytest.mark.parametrize("notebook", GRADED)
def test_stubs_raise_one_clear_line_and_are_audited(notebook, sweep):
    report = sweep(notebook)["stubs"]
    plan = sandbox_plan(notebook)
    assert len(report) >= 100 or plan, len(report)
    for qualname, res in report.items():
        assert res[0] == "raised" and res[1] == "NotAvailableWhileGrading", (qualname, res)
        message = res[2]
        assert message == (f"{qualname} is not available while {notebook} is graded: "
                           "answers must compute this themselves"), message
        assert "\n" not in message
        assert res[3] == [qualname], (qualname, res[3])
    for module, names in plan.items():  # a partly real module: its listed names are stubs
        for name in names:
            assert report[f"course_lib.{module}.{name}"][0] == "raised"


def test_allowed_modules_are_byte_copies_and_stubs_hold_no_source():
    for notebook in NOTEBOOKS:
        lib = build_sandbox_lib(notebook) / "course_lib"
        plan = sandbox_plan(notebook)
        assert (lib / "__init__.py").read_bytes() == (REAL_LIB / "__init__.py").read_bytes()
        for module in real_modules():
            text = (lib / f"{module}.py").read_bytes()
            real = (REAL_LIB / f"{module}.py").read_bytes()
            if module in plan and not plan[module]:
                assert text == real, (notebook, module)
            elif module not in plan:
                assert _chunks(real) and not any(c in text for c in _chunks(real)), module
            else:  # partly real: the stubbed definitions are cut out, the rest is kept
                mod = importlib.import_module(f"course_lib.{module}")
                for name, obj in vars(mod).items():
                    if inspect.isfunction(obj) and obj.__module__ == mod.__name__:
                        kept = inspect.getsource(obj).encode() in text
                        assert kept == (name not in plan[module]), (notebook, module, name)
        for path in lib.rglob("*"):
            mode = path.stat().st_mode & 0o777
            assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))
        assert not list(lib.rglob("*.pyc"))


def test_build_is_cached_and_content_addressed(tmp_path):
    first = build_sandbox_lib("07_optimizers", tmp_path)
    assert build_sandbox_lib("07_optimizers", tmp_path) == first
    assert build_sandbox_lib("08_learning_rate_decay", tmp_path) != first
    assert first.parent == tmp_path and len(first.name) == 64
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no build left over


# ---- c. no stubbed source readable inside the sandbox --------------------------------------


def _chunks(source: bytes, n: int = 3) -> list[bytes]:
    """Up to ``n`` distinctive 200-byte chunks of ``source``, each starting with a long line.

    The line (stripped) opens the chunk, so any file holding the chunk holds the line:
    ``grep -F`` on the lines finds every candidate, then the chunks are checked exactly.
    """
    others = [p.read_bytes() for p in REAL_LIB.glob("*.py") if p.read_bytes() != source]
    starts = []
    pos = 0
    for line in source.splitlines(keepends=True):
        text = line.strip()
        if 60 <= len(text) <= 150 and not text.startswith((b"def ", b"class ", b'"', b"'",
                                                           b"from ", b"import ")):
            start = pos + line.index(text)
            chunk = source[start:start + 200]
            if len(chunk) == 200 and not any(chunk in o for o in others):
                starts.append(start)
        pos += len(line)
    picked = [starts[round(k * (len(starts) - 1) / max(n - 1, 1))] for k in range(n)] \
        if starts else []
    return [source[s:s + 200] for s in sorted(set(picked))]


WALK = r"""
import json, os, stat, subprocess, sys
spec = json.load(open("/sandbox/in/spec.json"))
# Not searched for source text: compressed or binary formats that cannot hold it as is.
# Compiled .pyc files are searched for the source path they were compiled from.
OPAQUE = (".gz", ".xz", ".bz2", ".zip", ".whl", ".jar", ".png", ".jpg", ".ttf", ".mo")
files, pycs, large, pyc = [], [], 0, []
for root in spec["roots"]:
    for top, dirs, names in os.walk(root, followlinks=False):
        if top == "/":
            dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
        for name in names:
            path = os.path.join(top, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            if name.endswith(".pyc"):
                pycs.append(path)
                if top.endswith("course_lib/__pycache__") and name.split(".")[0] in spec["stubbed"]:
                    pyc.append(path)
            elif st.st_size > spec["max_bytes"] or name.endswith(OPAQUE):
                large += 1
            else:
                files.append(path)


def grep(pattern_file, paths):
    # the files holding one of the patterns; two grep processes at a time (two cores)
    found, running = set(), []
    batches = [paths[k:k + 2000] for k in range(0, len(paths), 2000)]
    for batch in batches + [None, None]:
        if batch is not None:
            running.append(subprocess.Popen(["grep", "-l", "-s", "-F", "-f", pattern_file,
                                             "--", *batch], stdout=subprocess.PIPE,
                                            env={"LC_ALL": "C"}))
        if running and (len(running) == 2 or batch is None):
            found.update(os.fsdecode(p) for p in running.pop(0).communicate()[0].splitlines())
    return found


def read(path):
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return b""


# a chunk's first line finds the candidates, then the chunks themselves are looked for
matches = []
for path in sorted(grep("/sandbox/in/patterns.txt", files)):
    data = read(path)
    for module, chunks in spec["chunks"].items():
        if any(bytes.fromhex(c) in data for c in chunks):
            matches.append([module, path])
for path in sorted(grep("/sandbox/in/pyc_patterns.txt", pycs)):
    data = read(path)
    if any(f"course_lib/{m}.py".encode() in data for m in spec["stubbed"]):
        pyc.append(path)
out = {"files": len(files) + len(pycs), "large": large, "pyc": pyc, "matches": matches,
       "opt_lib": sorted(os.listdir("/opt/lib/course_lib"))}
import importlib
import course_lib
out["course_lib_file"] = course_lib.__file__
for name in ("course_checks.registry", "course_checks", "autograder"):
    try:
        importlib.import_module(name)
        out[name] = "imported"
    except ImportError as exc:
        out[name] = f"ImportError: {exc}"
print(json.dumps(out))
"""


def _sandbox_or_skip() -> None:
    ok, why = sandbox.available()
    if not ok:
        pytest.skip(f"sandbox unavailable: {why}")
    if "lib_dir" not in inspect.signature(sandbox.build_command).parameters:
        pytest.skip("autograder.sandbox.build_command does not take lib_dir yet")


def _walk_in_sandbox(notebook: str, roots: list[str], tmp_path: Path) -> dict:
    """Run WALK over ``roots`` in the sandbox that grades ``notebook``; its report."""
    lib = build_sandbox_lib(notebook)
    plan = sandbox_plan(notebook)
    chunks = {m: _chunks((REAL_LIB / f"{m}.py").read_bytes(), 2) for m in real_modules()}
    canary = os.urandom(16).hex().encode() + b" canary line of the sandbox walk " * 6
    chunks_hex = {m: [c.hex() for c in cs] for m, cs in chunks.items()}
    chunks_hex["canary"] = [canary[:200].hex()]
    patterns = {c.split(b"\n", 1)[0].strip() for cs in chunks.values() for c in cs}
    patterns.add(canary[:100])
    work = tmp_path / "io"
    (work / "in").mkdir(parents=True)  # the sandbox sees it, read-only, as /sandbox/in
    (work / "in" / "spec.json").write_text(json.dumps({
        "roots": roots, "max_bytes": 2 << 20, "chunks": chunks_hex,
        "stubbed": [m for m in real_modules() if m not in plan]}))
    (work / "in" / "patterns.txt").write_bytes(b"\n".join(sorted(patterns)) + b"\n")
    (work / "in" / "pyc_patterns.txt").write_bytes(b"course_lib/\n")
    (work / "in" / "canary.txt").write_bytes(canary)
    for path in (tmp_path, work, *work.rglob("*")):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    cmd = sandbox.build_command([sys.executable, "-c", WALK], work, uid=sandbox.worker_uid(0),
                                limits=sandbox.Limits(), lib_dir=lib)
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                         env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def _check_walk(notebook: str, out: dict) -> None:
    plan = sandbox_plan(notebook)
    stubbed = [m for m in real_modules() if m not in plan]
    assert ["canary", "/sandbox/in/canary.txt"] in out["matches"], "the search finds nothing"
    leaks = [(m, p) for m, p in out["matches"] if m in stubbed]
    assert not leaks, f"source of stubbed modules readable in the sandbox: {leaks}"
    assert not out["pyc"], f"compiled stubbed modules readable in the sandbox: {out['pyc']}"
    for module, names in plan.items():  # positive control: the real ones, at /opt/lib only
        where = sorted(p for m, p in out["matches"] if m == module)
        assert where == ([f"/opt/lib/course_lib/{module}.py"] if not names else []) or (
            names and where in ([], [f"/opt/lib/course_lib/{module}.py"])), (module, where)
    lib = build_sandbox_lib(notebook) / "course_lib"
    assert out["opt_lib"] == sorted(p.name for p in lib.iterdir())
    assert out["course_lib_file"] == "/opt/lib/course_lib/__init__.py", out["course_lib_file"]
    for name in ("course_checks.registry", "course_checks", "autograder"):
        assert out[name].startswith("ImportError"), (name, out[name])


def test_no_stubbed_source_is_readable_in_the_sandbox(tmp_path, capsys):
    """A walk of the whole sandbox filesystem finds no source or .pyc of a stubbed module.

    The capstone's sandbox has the most real modules: their copies at /opt/lib are the
    positive control that the search finds what it looks for, with a canary file in
    /sandbox/in. Files over 2 MiB (shared libraries, binaries) and compressed formats are
    not searched for source text; compiled .pyc files for the source path they name.
    """
    _sandbox_or_skip()
    t0 = time.perf_counter()
    out = _walk_in_sandbox("12_capstone", ["/"], tmp_path)
    with capsys.disabled():
        print(f"\nsandbox walk: {out['files']} files searched, {out['large']} larger ones "
              f"not, {len(out['matches'])} matches, {time.perf_counter() - t0:.1f} s")
    assert out["files"] > 10_000, f"the walk saw only {out['files']} files"
    _check_walk("12_capstone", out)


@pytest.mark.parametrize("notebook", [nb for nb in GRADED if nb != "12_capstone"])
def test_each_notebooks_sandbox_shows_only_its_lib(notebook, tmp_path):
    """Per notebook, what differs between sandboxes (/opt, /sandbox) holds no stubbed source."""
    _sandbox_or_skip()
    out = _walk_in_sandbox(notebook, ["/opt", "/sandbox"], tmp_path)
    assert out["files"] > len(real_modules()), out["files"]
    _check_walk(notebook, out)


def test_sandbox_works_through_a_symlinked_venv(tmp_path):
    """A course checkout whose .venv is a symlink (to a shared environment): the sandboxed
    Python finds numpy where it looks for it (the site-packages under sys.prefix as the
    interpreter sees it, not under the symlink's target)."""
    _sandbox_or_skip()
    if sys.prefix == sys.base_prefix:
        pytest.skip("not running in a virtual environment")
    link = tmp_path / "checkout" / ".venv"
    link.parent.mkdir()
    link.symlink_to(Path(sys.prefix).resolve(), target_is_directory=True)
    for path in (tmp_path, link.parent):
        os.chmod(path, 0o755)
    python = link / "bin" / "python"
    probe = ("import sys, json\nfrom pathlib import Path\nfrom autograder import sandbox\n"
             "work = Path(sys.argv[1])\n"
             "code = 'import numpy; print(numpy.ones(2).sum())'\n"
             "cmd = sandbox.build_command([sys.executable, '-c', code],"
             " work, uid=sandbox.worker_uid(0), limits=sandbox.Limits(), lib_dir=None)\n"
             "import subprocess\n"
             "r = subprocess.run(cmd, capture_output=True, text=True, timeout=120,"
             " env={'PATH': '/usr/bin:/bin'})\n"
             "print(json.dumps([sys.prefix, r.returncode, r.stdout, r.stderr[-2000:]]))\n")
    work = tmp_path / "io"
    work.mkdir(mode=0o755)
    out = subprocess.run([str(python), "-c", probe, str(work)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    prefix, code, stdout, stderr = json.loads(out.stdout.strip().splitlines()[-1])
    assert prefix == str(link), "the interpreter did not run through the symlink"
    assert code == 0 and stdout.strip() == "2.0", stderr

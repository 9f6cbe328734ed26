"""Shared test helpers, shared notebook runs, and how the suite is split and scheduled.

Helpers (fixtures):

* ``num_grad`` / ``rel_diff``: a centered-difference gradient and the relative
  difference, local on purpose (independent of ``course_lib.gradcheck``);
* ``executed_notebook(kind, name)``: the :class:`ExecutionReport` of running
  ``solutions/<name>.ipynb`` (kind ``"solution"``) or ``notebooks/<name>.ipynb``
  (kind ``"student"``) top to bottom in a fresh kernel. Each notebook is executed once
  per test process and the report is shared by every test that asks for it (so never
  modify ``report.nb``). Each run's wall time, kernel time and kernel peak memory are
  written to ``artifacts/notebook_budget.json`` and printed at the end of the session.

Markers (``pytest --markers``): ``slow`` is everything outside the quick subset
(``python3 course.py test --quick`` runs ``-m "not slow"``); ``notebooks``, ``browser``
and ``sandbox`` say what a slow test needs. The modules of :data:`HEAVY_MODULES` get
their markers here; a slow test anywhere else is marked where it is defined.

In parallel (``python3 course.py test`` runs ``pytest -n 2 --dist loadgroup
--no-loadscope-reorder`` on a 2-core machine, with pytest-xdist), :func:`xdist_group`
keeps in one worker the tests that share an expensive per-process state: the browser
session, the red team's graded groups, each notebook's two runs, the sandbox-lib
sweep, and each light module (its module fixtures are set up once); the controller
schedules these groups itself (see "the scheduler" below). The slowest modules are sent
to the workers first (:data:`ORDER`). Nothing else needs care: every
test gets its own ``tmp_path``, servers take free ports, and the sandbox-lib cache and
the grading directories are safe to share between processes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
BUDGET_FILE = ROOT / "artifacts" / "notebook_budget.json"


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6):
    """Centered differences (f(x + h e_i) - f(x - h e_i)) / 2h on a float64 copy of ``x``."""
    x = np.array(x, dtype=np.float64, copy=True)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        fp = float(f(x))
        x[i] = old - h
        fm = float(f(x))
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


def relative_difference(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||), 0 when both are 0."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


@pytest.fixture
def num_grad():
    return numerical_gradient


@pytest.fixture
def rel_diff():
    return relative_difference


# ---- notebooks, each executed once per test process -------------------------------------

NOTEBOOK_KINDS = ("solution", "student")
_RUNS: dict[tuple[str, str], object] = {}
MEASURED: dict[str, dict] = {}


def _execute(kind: str, name: str):
    from autograder import NOTEBOOKS, SOLUTIONS
    from course_checks.tools.execute import execute_notebook

    if kind not in NOTEBOOK_KINDS:
        raise ValueError(f"kind must be one of {NOTEBOOK_KINDS}, not {kind!r}")
    directory = SOLUTIONS if kind == "solution" else NOTEBOOKS
    # every explorer of the solution's run moves its controls and reports its redraws
    # (course_checks/explorer.py; read by tests/test_explorers.py)
    report = execute_notebook(
        directory / f"{name}.ipynb",
        extra_env={"COURSE_EXPLORER_PROBE": "1"} if kind == "solution" else None)
    MEASURED[f"{kind}:{name}"] = {
        "seconds": round(report.seconds, 2),
        "kernel_seconds": round(report.kernel_seconds, 2),
        "peak_rss_mib": round((report.peak_rss_bytes or 0) / 2**20, 1),
    }
    return report


@pytest.fixture(scope="session")
def executed_notebook():
    """``executed_notebook(kind, name)``: the shared ExecutionReport of one notebook run
    (kind ``"solution"`` or ``"student"``), executed on first use."""

    def run(kind: str, name: str):
        key = (kind, name)
        if key not in _RUNS:
            _RUNS[key] = _execute(kind, name)
        return _RUNS[key]

    return run


def _budget_lines(measured: dict[str, dict]) -> list[str]:
    lines = ["notebook execution (kernel s, wall s, kernel peak MiB):"]
    for key in sorted(measured):
        m = measured[key]
        lines.append(f"  {key:<45} {m['kernel_seconds']:>7.2f} s {m['seconds']:>7.2f} s "
                     f"{m['peak_rss_mib']:>8.1f} MiB")
    return lines


def pytest_sessionfinish(session):
    """A worker hands its measurements to the controller; the controller (or a run
    without workers) writes ``artifacts/notebook_budget.json``."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker
        workeroutput["notebook_budget"] = json.dumps(MEASURED)
        return
    if MEASURED:
        BUDGET_FILE.parent.mkdir(exist_ok=True)
        BUDGET_FILE.write_text(json.dumps(MEASURED, indent=1, sort_keys=True))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """xdist: a worker is done; keep its notebook measurements."""
    MEASURED.update(json.loads(getattr(node, "workeroutput", {}).get("notebook_budget", "{}")))


def pytest_terminal_summary(terminalreporter):
    if MEASURED and getattr(terminalreporter.config, "workeroutput", None) is None:
        terminalreporter.write_sep("-", "notebook budget (artifacts/notebook_budget.json)")
        for line in _budget_lines(MEASURED):
            terminalreporter.write_line(line)


# ---- markers, groups and order ----------------------------------------------------------

# Modules whose every test is slow (sandboxed grading, a dask cluster, ...), with the
# markers they get. A slow test in another module carries its own @pytest.mark.slow.
HEAVY_MODULES: dict[str, tuple[str, ...]] = {
    "test_autograder.py": ("slow", "sandbox"),
    "test_cluster.py": ("slow", "sandbox"),
    "test_formgrader_browser.py": ("slow", "browser", "sandbox"),
    "test_gradescope.py": ("slow", "sandbox"),
    "test_instructor.py": ("slow", "sandbox"),
    "test_redteam.py": ("slow", "sandbox"),
    "test_sandbox_lib.py": ("slow", "sandbox"),
}
# Exercises whose checks train a model for every case (~10 s a test): a test is slow
# when its ``name`` parameter is one of them, or its own name mentions one.
SLOW_EXERCISES = ("capstone_pipeline",)
# Markers a test gets from the fixtures it uses.
FIXTURE_MARKS: dict[str, tuple[str, ...]] = {
    "executed_notebook": ("slow", "notebooks"),
    "browser": ("slow", "browser"),
    "lab": ("slow", "browser"),
    "runs": ("slow", "browser"),
}
# Modules sent to the workers first, the longest work units first (the browser session
# is one unit of 3-5 min, the red team one of a few minutes); the others follow in their
# collection order, so the last units of a run are short ones.
ORDER = ("test_browser.py", "test_redteam.py", "test_lab.py", "test_claims.py",
         "test_sandbox_lib.py", "test_notebooks.py",
         "test_cluster.py", "test_autograder.py", "test_instructor.py", "test_gradescope.py")
# Modules whose tests share a per-process state and so run in one worker: the browser
# session (one JupyterLab, one Chromium; test_lab.py: one git copy and one Chromium),
# the red team's graded groups. The lesson claims (test_claims.py) share cached training
# runs within a notebook only: one group per notebook.
ONE_WORKER = ("test_browser.py", "test_redteam.py", "test_lab.py")
# Heavy modules whose tests are each slow and independent (no module fixture): each
# test is a work unit of its own. Other heavy modules are one unit each.
PER_TEST = ("test_autograder.py", "test_cluster.py", "test_sandbox_lib.py")


def xdist_group(item: pytest.Item) -> str | None:
    """The xdist group of a test (None: a work unit of its own)."""
    module = item.path.name
    if module == "test_claims.py":  # its caches are per notebook (_nb03_fit, ...)
        m = re.match(r"test_(\d\d)_", item.name)
        return f"{module}:{m.group(1)}" if m else module
    if module in ONE_WORKER:
        return module
    name = getattr(item, "callspec", None) and item.callspec.params.get("name")
    if "executed_notebook" in item.fixturenames and name:  # a notebook's runs and its tests
        return f"notebook-{name}"
    if "sweep" in item.fixturenames and module == "test_sandbox_lib.py":
        return "sandbox-lib-sweep"  # one child per notebook, shared by the sweep's tests
    if module in PER_TEST:
        return None
    if module not in HEAVY_MODULES and item.get_closest_marker("slow"):
        return None  # a slow test of a light module: a unit of its own, sent early
    return module  # module fixtures are set up once


def _slow_exercise(item: pytest.Item) -> bool:
    params = getattr(item, "callspec", None) and item.callspec.params
    name = params.get("name") if params else None
    return any(ex == name or ex in item.originalname for ex in SLOW_EXERCISES)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    for item in items:
        marks = set(HEAVY_MODULES.get(item.path.name, ()))
        if _slow_exercise(item):
            marks.add("slow")
        for fixture, fixture_marks in FIXTURE_MARKS.items():
            if fixture in item.fixturenames:
                marks.update(fixture_marks)
        for mark in sorted(marks - {m.name for m in item.iter_markers()}):
            item.add_marker(mark)
        if config.pluginmanager.hasplugin("xdist") and not any(
                item.iter_markers("xdist_group")):
            group = xdist_group(item)
            if group is not None:
                item.add_marker(pytest.mark.xdist_group(group))
    if config.getoption("dist", "no") != "no":  # longest units first; stable otherwise
        rank = {name: i for i, name in enumerate(ORDER)}
        items[:] = sorted(items, key=lambda it: rank.get(
            it.path.name, len(ORDER) + (0 if it.get_closest_marker("slow") else 1)))
    groups_file = getattr(config, "workerinput", {}).get("course_groups_file")
    if groups_file:  # an xdist worker: tell the controller's scheduler the groups
        groups = {it.nodeid: g for it in items if (g := xdist_group(it)) is not None}
        tmp = Path(f"{groups_file}.{os.getpid()}")
        tmp.write_text(json.dumps(groups))
        tmp.replace(groups_file)


# ---- the scheduler ----------------------------------------------------------------------
# pytest-xdist's own ``--dist loadgroup`` groups tests by renaming them ("nodeid@group"),
# which pytest 9.2 no longer lets a plugin do: the marks are set but every test goes its
# own way. So the controller schedules with the groups the workers computed
# (:func:`xdist_group`, written to a file at collection), with xdist's load-scope
# scheduler; a "nodeid@group" (an xdist that can rename again) is understood too.


def pytest_configure(config):
    if getattr(config, "workerinput", None) is None and config.getoption("dist", "no") != "no":
        config._course_groups_dir = tempfile.mkdtemp(prefix="course-xdist-groups-")


def pytest_unconfigure(config):
    if getattr(config, "_course_groups_dir", None):
        shutil.rmtree(config._course_groups_dir, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """xdist controller: where the worker writes the groups."""
    node.workerinput["course_groups_file"] = os.path.join(
        node.config._course_groups_dir, "groups.json")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist", "no") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    groups_file = Path(config._course_groups_dir) / "groups.json"

    class GroupScheduling(LoadScopeScheduling):
        """Load-scope scheduling whose scopes are the groups of tests/conftest.py."""

        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if nodeid.rfind("@") > nodeid.rfind("]"):
                return nodeid.rsplit("@", 1)[-1]
            if self.groups is None:  # read once, after every worker has collected
                self.groups = (json.loads(groups_file.read_text())
                               if groups_file.exists() else {})
            return self.groups.get(nodeid, nodeid)

    return GroupScheduling(config, log)



@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per test process (tests/test_browser.py's ``Browser``), shared
    by the browser and lab tests; they skip with the reason when it is not available."""
    from test_browser import NO_BROWSER, Browser

    if NO_BROWSER:
        pytest.skip(NO_BROWSER)
    b = Browser()
    yield b
    b.close()

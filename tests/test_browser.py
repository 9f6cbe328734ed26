"""The course as a person uses it: JupyterLab 4 in a real (headless) Chromium.

One JupyterLab server per test session, started from this environment on a free
localhost port with a token, serving a temporary *copy* of ``notebooks/`` and
``solutions/`` (saving in the browser never touches the repository). Playwright
drives Debian's Chromium (``/usr/bin/chromium``; never a downloaded browser).

* every student notebook is opened and all its cells are run in order, one after
  the other as a student pressing Shift+Enter would (JupyterLab's "Run All" stops
  at the first unfinished check, see docs/ux.md); once the kernel is idle the
  only error outputs allowed are the unfinished exercises' ``NotImplementedYet``
  ("... is not implemented yet"); every Markdown formula is typeset by MathJax
  without a MathJax error;
* every ipywidgets explorer (a cell whose output holds a slider or a dropdown) has
  its first slider moved with the keyboard (or its dropdown changed), and the
  figure (or the text, for an explorer that draws none) must change: both the
  image data and a screenshot of the output area. The time from the key press to
  the changed figure on the page is measured (the browser round trip), and the
  explorer's own record of the redraw is read from the page (the hidden
  ``.course-explorer-info`` element that ``course_checks.explorer`` writes: the
  kernel's wall and CPU seconds, cached or not, the figure check's problems): the
  redraw must take under :data:`REDRAW_CPU_SECONDS` of kernel CPU time, the round
  trip under :func:`round_trip_limit`, and the figure check must find nothing
  (legends inside their axes and off the data, by bounding boxes);
* with ``COURSE_BROWSER_SOLUTIONS=1``, every solution notebook too, without any
  error output. Off by default: it doubles the time (6 min instead of 3 on this
  2-core machine, docs/ux.md), tests/test_notebooks.py runs every solution headless
  without an error, and their explorers are the cells the student notebooks run;
* nbgrader in JupyterLab: the Validate button and the assignment list for a
  student, the formgrader's assignments and a graded class for an instructor;
* the landing page shows its course map, and its links open the notebooks.

The notebook runs start first and go on in the background while the other tests
run; each notebook test then waits for its own run.

Screenshots go to ``artifacts/screenshots/`` (kept as CI artifacts): each notebook
after its run, each explorer before and after the move, the nbgrader pages, plus
``timings.json`` and ``browser_report.json`` (every cell's errors, stderr and time).

Without a browser (also run when Playwright or Chromium is missing):

* ``notebooks/index.ipynb``, the landing page ``python3 course.py lab`` opens, links
  every notebook in order with one line on what it teaches, shows the course map
  ``docs/course_map.png``, and is what ``python -m autograder.publish landing`` makes;
* no notebook fetches anything from the network (and in the browser the kernels
  have no network at all: their HTTP proxy is a closed port);
* ``python3 course.py html`` (``autograder/publish.py``) exports executed solution
  notebooks as HTML with the LaTeX for MathJax and the figures embedded as PNG.

The browser tests skip, with the reason, when Playwright or Chromium is missing
(``python3 course.py test`` installs both when it runs as root).
``COURSE_BROWSER_PAGES`` sets how many notebooks run at once (default 2).

In a pytest-xdist worker (``python3 course.py test``), JupyterLab with its kernels, and
Playwright's driver with the Chromium it starts, run at a lower CPU priority (``nice``
5; ``COURSE_BROWSER_NICE`` sets it, 0 turns it off; Chromium run as root raises some
of its own threads again): the other worker's notebook runs and sandboxed grading have
time budgets, and must not lose their core to the notebooks running in the browser
(which still get about a quarter of a core each when both cores are busy).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

from autograder import NOTEBOOKS, ROOT, SOLUTIONS
from autograder.notebooks import notebook_names

CHROMIUM = shutil.which("chromium") or next(
    (p for p in ("/usr/bin/chromium", "/usr/lib/chromium/chromium") if Path(p).exists()), None)
NO_BROWSER = (
    "playwright is not installed (pip install -e '.[browser]')"
    if importlib.util.find_spec("playwright") is None else
    "chromium is not installed (apt-get install chromium; `python3 course.py test` "
    "does it when run as root)" if CHROMIUM is None else "")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STUDENT_NAMES = notebook_names(NOTEBOOKS)
SOLUTION_NAMES = notebook_names(SOLUTIONS)
STUDENTS = [n for n in STUDENT_NAMES if n != "index"]
RUN_SOLUTIONS = os.environ.get("COURSE_BROWSER_SOLUTIONS", "0") == "1"
PAGES = max(1, int(os.environ.get("COURSE_BROWSER_PAGES", "2")))
NICE = max(0, int(os.environ.get("COURSE_BROWSER_NICE",
                                  "5" if os.environ.get("PYTEST_XDIST_WORKER") else "0")))
SHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
NOTEBOOK_SECONDS = 600
TIMINGS: dict[str, float] = {}
REPORT: dict[str, dict] = {}
T_SESSION = time.perf_counter()


# ---- a JupyterLab server ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server on localhost with its own config, settings and runtime dirs."""

    def __init__(self, root_dir: Path, state: Path, nbgrader_config: str = "") -> None:
        self.root_dir, self.state = root_dir, state
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        config = state / "config"
        settings = state / "settings" / "@jupyterlab" / "apputils-extension"
        for d in (config, settings, state / "runtime", state / "data", state / "workspaces"):
            d.mkdir(parents=True, exist_ok=True)
        # No "would you like news?" toast and no update check: the machine is offline.
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        (config / "nbgrader_config.py").write_text(
            "c = get_config()  # noqa\n" + nbgrader_config)
        # (not the explorers' probe of tests/test_explorers.py: a person moves them here)
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("COURSE_LIB_NO_PROGRESS", "COURSE_EXPLORER_PROBE")}
        self.env.update(
            JUPYTER_CONFIG_DIR=str(config), JUPYTER_RUNTIME_DIR=str(state / "runtime"),
            JUPYTER_DATA_DIR=str(state / "data"), JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"), IPYTHONDIR=str(state / "ipython"),
            JUPYTER_PLATFORM_DIRS="1",
            # Kernels share the cores with the other pages' kernels: one BLAS thread pool
            # each, sized to its share (oversubscribed OpenBLAS threads spin, see docs/ux.md).
            **dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"),
                            str(max(1, (os.cpu_count() or 1) // PAGES))),
            # No network for the kernels: anything that tries to download fails at once.
            http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
            HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
            no_proxy="127.0.0.1,localhost", NO_PROXY="127.0.0.1,localhost",
        )
        self.log_path = state / "jupyterlab.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> Lab:
        cmd = [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
            f"--port={self.port}", f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}", "--LabApp.expose_app_in_browser=True",
            f"--LabApp.user_settings_dir={self.state / 'settings'}",
            f"--LabApp.workspaces_dir={self.state / 'workspaces'}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # CI runs as root
        if NICE and shutil.which("nice"):  # the server and the kernels it starts
            cmd = ["nice", "-n", str(NICE), *cmd]
        log = self.log_path.open("w")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                     cwd=self.root_dir, start_new_session=True)
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                req = urllib.request.Request(f"{self.base}/api/status",
                                             headers={"Authorization": f"token {self.token}"})
                with urllib.request.urlopen(req, timeout=2):
                    return self
            except OSError:
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"JupyterLab did not start in {timeout} s:\n"
                           f"{self.log_path.read_text()[-3000:]}")

    def url(self, path: str = "lab") -> str:
        return f"{self.base}/{path}?token={self.token}"

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # jupyter server shuts its kernels down on SIGTERM
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        try:  # kernels the server started, in the server's own process group
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# ---- one browser, driven from a background event loop ----------------------------------


class Browser:
    """Chromium through Playwright's async API, on an event loop in its own thread.

    Tests submit coroutines to it; notebooks then run on several pages at once while
    pytest goes through the tests in order.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.call(self._launch(), 120)

    async def _launch(self) -> None:
        from playwright.async_api import async_playwright

        if NICE and hasattr(os, "setpriority"):
            # Linux: a thread's nice value passes to the processes it starts, here
            # Playwright's driver and so Chromium (this thread only runs the event loop).
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
        self.pw = await async_playwright().start()
        # Playwright gives every launch a fresh, temporary user-data-dir.
        self.browser = await self.pw.chromium.launch(executable_path=CHROMIUM,
                                                     args=CHROMIUM_ARGS, headless=True)

    def submit(self, coro) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, coro, timeout: float = 300):
        return self.submit(coro).result(timeout)

    async def lab_page(self, lab: Lab, path: str = "lab"):
        """A page of ``lab`` at ``path`` (pages at once: each its own ``lab/workspaces/<name>``),
        with JupyterLab loaded."""
        context = await self.browser.new_context(viewport=VIEWPORT)
        page = await context.new_page()
        page.console_errors = []  # type: ignore[attr-defined]
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        sep = "&" if "?" in path else "?"
        await page.goto(f"{lab.base}/{path}{sep}token={lab.token}")
        if path.startswith("lab"):
            await page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell",
                                         timeout=120_000)
            await page.evaluate("() => window.jupyterapp.restored")
        return page

    async def _close(self) -> None:
        await self.browser.close()
        await self.pw.stop()

    def close(self) -> None:
        try:
            self.call(self._close(), 60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)


# ---- running a notebook in JupyterLab ---------------------------------------------------

# Opens a notebook in JupyterLab and waits for its kernel (the start of JS_RUN and JS_OPEN).
JS_OPEN_PANEL = r"""
  const app = window.jupyterapp;
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await panel.context.ready;
  await panel.sessionContext.ready;
  app.shell.activateById(panel.id);
"""

JS_RUN = r"""
async (path) => {
""" + JS_OPEN_PANEL + r"""
  const nb = panel.content;
  const started = performance.now();
  const times = {};
  for (let i = 0; i < nb.widgets.length; i++) {
    const cell = nb.widgets[i];
    if (cell.model.type !== 'code') continue;
    app.shell.activateById(panel.id);
    nb.activeCellIndex = i;
    nb.deselectAll();
    const t0 = performance.now();
    // widgetId: run this panel's active cell even if another tab is the current one
    await app.commands.execute('notebook:run-cell', {widgetId: panel.id});
    times[cell.model.id] = (performance.now() - t0) / 1000;
  }
  const kernel = panel.sessionContext.session.kernel;
  for (let k = 0; k < 1200 && kernel.status !== 'idle'; k++) {
    await new Promise(r => setTimeout(r, 100));
  }
  const text = t => Array.isArray(t) ? t.join('') : String(t || '');
  const cells = nb.widgets.map((cell, index) => {
    const m = cell.model;
    const info = {index, id: m.id, type: m.type};
    if (m.type === 'code') {
      const outs = m.outputs.toJSON();
      info.count = m.executionCount;
      info.seconds = times[m.id] || 0;
      info.errors = outs.filter(o => o.output_type === 'error')
        .map(o => ({ename: o.ename, evalue: text(o.evalue).slice(0, 500)}));
      info.stderr = outs.filter(o => o.output_type === 'stream' && o.name === 'stderr')
        .map(o => text(o.text).slice(0, 300));
      info.widget = outs.some(o => o.data && o.data['application/vnd.jupyter.widget-view+json']);
      info.grade = Boolean((m.getMetadata('nbgrader') || {}).grade);
      info.images = outs.filter(o => o.data && o.data['image/png']).length;
    } else if (m.type === 'markdown') {
      info.math = /\$[^$\n]+\$|\$\$|\\\[|\\begin\{/.test(m.sharedModel.getSource());
    }
    return info;
  });
  return {cells, kernel: kernel.status, seconds: (performance.now() - started) / 1000};
}
"""

JS_MATH = r"""
async () => {
  // Every Markdown cell with a formula: typeset by MathJax (mjx-container), no mjx-merror.
  const nb = window.jupyterapp.shell.currentWidget.content;
  const bad = [];
  let typeset = 0;
  for (let i = 0; i < nb.widgets.length; i++) {
    const cell = nb.widgets[i];
    if (cell.model.type !== 'markdown') continue;
    const src = cell.model.sharedModel.getSource();
    if (!/\$[^$\n]+\$|\$\$|\\\[|\\begin\{/.test(src)) continue;
    let ok = false;
    for (let k = 0; k < 100 && !ok; k++) {
      ok = cell.node.querySelector('mjx-container') !== null;
      if (!ok) {
        if (k === 10) await nb.scrollToItem(i);
        await new Promise(r => setTimeout(r, 100));
      }
    }
    const merror = cell.node.querySelector('mjx-merror');
    if (!ok || merror) {
      const why = merror ? (merror.getAttribute('data-mjx-error') || merror.textContent) : '';
      bad.push({index: i, id: cell.model.id, typeset: ok, error: why});
    } else {
      typeset += 1;
    }
  }
  return {typeset, bad};
}
"""

JS_MARK_CELL = r"""
async (i) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const cell = nb.widgets[i];
  await nb.scrollToItem(i, 'start');
  cell.node.setAttribute('data-course-test', 'cell-' + i);
  return cell.model.id;
}
"""

JS_IDLE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return k && k.status === 'idle';
}"""

JS_CLOSE = r"""
async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.sessionContext) return;
  await panel.sessionContext.shutdown();
  panel.dispose();
}
"""

CONTROLS = ".noUi-handle, .widget-dropdown select"
INFO = ".course-explorer-info"
REDRAW_CPU_SECONDS = 0.5  # the kernel's CPU time for one redraw (tests/test_explorers.py)


def round_trip_limit() -> float:
    """Key press to changed figure on the page: the kernel's redraw (0.5 s), the PNG
    sent and shown (about 0.2 s measured), and polling, on a machine whose cores the
    other notebook pages, JupyterLab and Chromium share: 1.5 s, stretched by the
    runnable jobs per core (the load average)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return 1.5 * max(1.0, load / (os.cpu_count() or 1))


JS_INFO = r"""
els => {
  // the explorer's record of its last drawing: data-* attributes, or the JSON title
  const el = els[els.length - 1];
  if (!el) return null;
  let info = {};
  try { info = JSON.parse(el.getAttribute('title') || '{}'); } catch (e) {}
  if (el.dataset.draw) {
    info.draw = Number(el.dataset.draw);
    info.seconds = Number(el.dataset.seconds);
    info.cpu_seconds = Number(el.dataset.cpuSeconds);
    info.cached = el.dataset.cached === 'true';
    info.problems = el.dataset.problems ? el.dataset.problems.split(' | ') : [];
  }
  return info;
}
"""


def shot_name(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(parts))


async def wait_idle(page, timeout: float = 120) -> None:
    await page.wait_for_function(JS_IDLE, timeout=timeout * 1000, polling=100)


async def explorer_output(area) -> list[str]:
    """What an explorer shows: its figures' image data, or its text when it draws none."""
    return await area.locator(".widget-output").evaluate_all(
        """els => els.flatMap(e => {
             const imgs = [...e.querySelectorAll('img')].map(i => i.getAttribute('src') || '');
             return imgs.length ? imgs : [e.innerText.trim()];
           }).filter(x => x)""")


async def move_control(page, area) -> tuple[str, float]:
    """Move the explorer's first slider one step with the keyboard (or change its
    dropdown). Returns what was done and the time (``time.monotonic``) of the move."""
    handles = area.locator(".noUi-handle")
    if await handles.count():
        handle = handles.first
        readout = area.locator(".widget-readout").first
        before = await readout.text_content() if await readout.count() else None
        maximum = await handle.get_attribute("aria-valuemax")
        now = await handle.get_attribute("aria-valuenow")
        await handle.focus()
        key = "ArrowLeft" if maximum is not None and now == maximum else "ArrowRight"
        t_move = time.monotonic()
        await handle.press(key)
        after = await readout.text_content() if await readout.count() else None
        return f"slider {before} -> {after}", t_move
    select = area.locator(".widget-dropdown select").first
    options = await select.locator("option").evaluate_all("os => os.map(o => o.value)")
    current = await select.input_value()
    other = next(o for o in options if o != current)
    t_move = time.monotonic()
    await select.select_option(other)
    return f"dropdown {current} -> {other}", t_move


async def check_explorer(page, index: int, prefix: str) -> dict:
    """Move an explorer's control and see its figure change. Returns what happened."""
    cell_id = await page.evaluate(JS_MARK_CELL, index)
    area = page.locator(f'[data-course-test="cell-{index}"] .jp-Cell-outputArea')
    info: dict = {"cell": cell_id, "index": index}
    try:
        await area.locator(".jupyter-widgets").first.wait_for(timeout=30_000)
    except Exception:
        info["error"] = "the widget did not render"
        return info
    if not await area.locator(CONTROLS).count():
        info["skipped"] = "no slider or dropdown (a progress bar)"
        return info
    try:
        await area.locator(".widget-output .jp-OutputArea-output").first.wait_for(timeout=120_000)
        await wait_idle(page)
    except Exception:
        info["error"] = "the explorer shows nothing"
        return info
    shown_before = await explorer_output(area)
    info["shows"] = "figure" if any(x.startswith("data:image") for x in shown_before) else "text"
    info_before = await area.locator(INFO).evaluate_all(JS_INFO)
    before = await area.screenshot(path=SHOTS / f"{prefix}-{cell_id}-before.png")
    info["control"], t0 = await move_control(page, area)
    shown_after = shown_before
    round_trip = None
    while time.monotonic() - t0 < 120:  # poll often: this is the time a person waits
        shown_after = await explorer_output(area)
        if shown_after and shown_after != shown_before:
            round_trip = time.monotonic() - t0
            break
        await page.wait_for_timeout(40)
    await wait_idle(page)
    await page.wait_for_timeout(300)
    shown_after = await explorer_output(area)
    after = await area.screenshot(path=SHOTS / f"{prefix}-{cell_id}-after.png")
    info["output_changed"] = bool(shown_after) and shown_after != shown_before
    info["screenshot_changed"] = before != after
    info["round_trip_seconds"] = round(round_trip, 3) if round_trip is not None else None
    helper = await area.locator(INFO).evaluate_all(JS_INFO)
    if helper is not None:  # an explorer made with course_checks.explorer
        info["kernel"] = helper
        info["helper_redrew"] = info_before is None or helper.get("draw") != info_before.get("draw")
    return info


async def run_in_lab(pages: asyncio.Queue, kind: str, name: str) -> dict:
    """Open a notebook on a free page, run every cell, check math and explorers, close it."""
    page = await pages.get()
    t0 = time.perf_counter()
    phases: dict[str, float] = {}

    def phase(label: str, since: list[float] = [t0]) -> None:  # noqa: B006 (a clock)
        now = time.perf_counter()
        phases[label] = round(now - since[0], 2)
        since[0] = now

    try:
        folder = "solutions" if kind == "solution" else "notebooks"
        result = await asyncio.wait_for(page.evaluate(JS_RUN, f"{folder}/{name}.ipynb"),
                                        NOTEBOOK_SECONDS)
        phase("open_and_run")
        prefix = shot_name(kind, name)
        result["math"] = await page.evaluate(JS_MATH)
        await page.screenshot(path=SHOTS / f"{prefix}.png")
        phase("math_and_screenshot")
        result["explorers"] = []
        for cell in result["cells"]:
            if cell.get("widget"):
                info = await asyncio.wait_for(check_explorer(page, cell["index"], prefix), 300)
                if "skipped" not in info:
                    result["explorers"].append(info)
        phase("explorers")
        result["console_errors"] = list(page.console_errors)
        page.console_errors.clear()
        await page.evaluate(JS_CLOSE)
        phase("close")
        result["phases"] = phases
        return result
    finally:
        TIMINGS[f"{kind}:{name}"] = round(time.perf_counter() - t0, 2)
        pages.put_nowait(page)


# ---- fixtures --------------------------------------------------------------------------


# ``browser`` (one Chromium per test process, shared with tests/test_lab.py): conftest.py


@pytest.fixture(scope="session")
def lab(tmp_path_factory, exchange):
    """JupyterLab on a copy of the notebooks of notebooks/ and solutions/;
    nbgrader's exchange (for the students' assignment list) is ``exchange``."""
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "course"
    root.mkdir()
    # tour/: another copy of notebooks/, for the landing-page and Validate tests (a notebook
    # path has one kernel session, and the notebook runs must not share theirs)
    for sub, src in (("notebooks", NOTEBOOKS), ("solutions", SOLUTIONS), ("tour", NOTEBOOKS)):
        (root / sub).mkdir()
        for path in src.glob("*.ipynb"):
            shutil.copyfile(path, root / sub / path.name)
    config = f"c.Exchange.root = {str(exchange)!r}\n"
    server = Lab(root, tmp / "state", nbgrader_config=config).start()
    yield server
    server.stop()


def selected_jobs(session) -> list[tuple[str, str]]:
    """(kind, name) of the notebook tests pytest will run, in their order."""
    kinds = {"test_student_notebook_in_jupyterlab": "student",
             "test_solution_notebook_in_jupyterlab": "solution"}
    jobs = []
    for item in session.items:
        kind = kinds.get(getattr(item, "originalname", ""))
        if kind and (kind == "student" or RUN_SOLUTIONS):
            jobs.append((kind, item.callspec.params["name"]))
    return jobs


@pytest.fixture(scope="session")
def runs(request, browser, lab):
    """The selected notebook runs, all scheduled at once on ``PAGES`` pages: (kind, name) ->
    Future; pytest then goes through the tests in order while the pages work."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    async def make_pages() -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue()
        pages = await asyncio.gather(*[browser.lab_page(lab, f"lab/workspaces/run{i}")
                                       for i in range(PAGES)])
        for p in pages:
            queue.put_nowait(p)
        return queue

    t0 = time.perf_counter()
    queue = browser.call(make_pages(), 180)
    TIMINGS["jupyterlab_pages_loaded"] = round(time.perf_counter() - t0, 2)
    return {job: browser.submit(run_in_lab(queue, *job))
            for job in selected_jobs(request.session)}


def result_of(runs, kind: str, name: str) -> dict:
    result = runs[(kind, name)].result(timeout=NOTEBOOK_SECONDS + 600)
    REPORT[f"{kind}:{name}"] = result
    return result


def unfinished_stub(cell: dict, error: dict) -> bool:
    """An unfinished exercise's check: ``NotImplementedYet`` ("... is not implemented yet").

    A grade cell that raises a bare ``NotImplementedError`` of its own (a check of a
    whole pipeline) passes too, with a warning: it should raise ``NotImplementedYet``.
    """
    if error["ename"] == "NotImplementedYet" and "is not implemented yet" in error["evalue"]:
        return True
    if error["ename"] == "NotImplementedError" and cell.get("grade"):
        warnings.warn(f"grade cell {cell['id']} raises a bare NotImplementedError "
                      f"({error['evalue'][:120]!r}) instead of NotImplementedYet", stacklevel=2)
        return True
    return False


SILENT_SECONDS = 30.0  # a cell may run this long with no progress bar (loaded CI machine)


def common_checks(result: dict, kind: str, name: str) -> None:
    assert result["kernel"] == "idle"
    silent = [(c["id"], round(c["seconds"], 1)) for c in result["cells"]
              if c["type"] == "code" and c["seconds"] > SILENT_SECONDS and not c.get("widget")]
    assert silent == [], f"cells that ran over {SILENT_SECONDS:g} s with no progress bar: {silent}"
    not_run = [c["id"] for c in result["cells"] if c["type"] == "code" and c["count"] is None]
    assert not_run == [], f"cells that did not run: {not_run}"
    assert result["math"]["bad"] == [], f"formulas MathJax did not typeset: {result['math']['bad']}"
    for e in result["explorers"]:
        assert "error" not in e, f"{kind} {name}, explorer {e['cell']}: {e['error']}"
        assert e["output_changed"] and e["screenshot_changed"], (
            f"{kind} {name}, explorer {e['cell']}: its {e['shows']} did not change after "
            f"{e.get('control')} (screenshots in {SHOTS})")
        limit = round_trip_limit()
        assert e["round_trip_seconds"] is not None and e["round_trip_seconds"] < limit, (
            f"{kind} {name}, explorer {e['cell']}: {e['round_trip_seconds']} s from "
            f"{e.get('control')} to the new figure on the page (limit {limit:.2f} s)")
        kernel = e.get("kernel")
        if kernel is None:  # not made with course_checks.explorer (yet): 03, 04, 12
            warnings.warn(f"{kind} {name}, explorer {e['cell']} reports no redraw record "
                          "(not made with course_checks.explorer)", stacklevel=2)
            continue
        assert e["helper_redrew"], f"{kind} {name}, explorer {e['cell']}: no new drawing"
        assert kernel["cpu_seconds"] < REDRAW_CPU_SECONDS, (
            f"{kind} {name}, explorer {e['cell']}: the redraw took {kernel['cpu_seconds']} s "
            f"of kernel CPU time ({kernel['seconds']} s wall) after {e.get('control')}")
        assert kernel["problems"] == [], (
            f"{kind} {name}, explorer {e['cell']}: {kernel['problems']}")


# ---- first: start the notebook runs, so the pages work while the other tests run --------


def test_notebook_runs_start(runs):
    """Every student notebook has its solution; the selected runs are under way."""
    assert "00_welcome" in STUDENTS and set(STUDENTS) == set(SOLUTION_NAMES)


# ---- nbgrader in JupyterLab --------------------------------------------------------------

CLASS = ("00_welcome", "06_exponentially_weighted_averages")
STUDENTS_OF_CLASS = ("alice", "bob")  # alice hands in the solutions, bob blank notebooks


@pytest.fixture(scope="session")
def exchange(tmp_path_factory):
    """nbgrader's exchange directory, shared by the instructor's and the students' servers."""
    path = tmp_path_factory.mktemp("exchange")
    path.chmod(0o777)
    return path


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory, exchange):
    """An nbgrader course with two assignments released to the exchange and a graded class."""
    import nbformat
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    from autograder import course as C
    from autograder.notebooks import _api, generate
    from autograder.sandbox import Limits, available

    home = tmp_path_factory.mktemp("instructor")
    course = home / "course"
    released = home / "released"
    t0 = time.perf_counter()
    generate(CLASS, out_dir=released, course_root=course)  # C.release without touching notebooks/
    C.secret_of(course)
    config = Config(_api(course).config)  # the course's nbgrader config, rooted at course/
    config.Exchange.root = str(exchange)
    api = NbGraderAPI(config=config)
    for name in CLASS:
        result = api.release_assignment(name)
        assert result["success"], result.get("error", "") + result.get("log", "")
    inbox = home / "lms"
    inbox.mkdir()
    for name in CLASS:
        student = nbformat.read(released / f"{name}.ipynb", as_version=4)
        solution = {c.id: c.source for c in nbformat.read(SOLUTIONS / f"{name}.ipynb",
                                                          as_version=4).cells}
        nbformat.write(student, inbox / f"bob_{name}.ipynb")
        for cell in student.cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                cell.source = solution[cell.id]
        nbformat.write(student, inbox / f"alice_{name}.ipynb")
    report = C.collect(inbox, course)
    assert len(report.collected) == len(CLASS) * len(STUDENTS_OF_CLASS), report.unmatched
    sandbox, _ = available()
    grades, _ = C.grade_all(course, CLASS, jobs=2, sandbox=sandbox, progress=False,
                            limits=Limits(cell_seconds=30, call_seconds=30,
                                          memory_bytes=1 << 30, cpu_seconds=300))
    assert len(grades) == len(CLASS) * len(STUDENTS_OF_CLASS)
    C.write_gradebook(course, C.load_results(course))
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {(a, s): gb.find_submission(a, s).score
                  for a in CLASS for s in STUDENTS_OF_CLASS}
    TIMINGS["graded_class_built"] = round(time.perf_counter() - t0, 2)
    return {"home": home, "course": course, "scores": scores}


@pytest.fixture(scope="session")
def instructor_lab(tmp_path_factory, graded_class, exchange):
    """JupyterLab for the instructor: nbgrader's course root is the graded class."""
    config = (f"c.CourseDirectory.root = {str(graded_class['course'])!r}\n"
              f"c.CourseDirectory.course_id = 'idnn'\n"
              f"c.Exchange.root = {str(exchange)!r}\n")
    server = Lab(graded_class["home"], tmp_path_factory.mktemp("instructor-state"),
                 nbgrader_config=config).start()
    yield server
    server.stop()


JS_OPEN = r"""
async (path) => {
""" + JS_OPEN_PANEL + r"""
  return panel.id;
}
"""


def test_nbgrader_for_students(browser, lab, graded_class):
    """A student has the Validate button (it lists the unfinished checks) and the
    assignment list shows the assignments the instructor released."""

    async def go() -> dict:
        page = await browser.lab_page(lab, "lab/workspaces/student")
        try:
            panel_id = await page.evaluate(JS_OPEN, "tour/00_welcome.ipynb")
            button = page.locator(f'[id="{panel_id}"] .validate-button')
            await button.wait_for(timeout=30_000)
            await button.click()
            dialog = page.locator(".jp-Dialog")
            await dialog.wait_for(timeout=180_000)
            await page.wait_for_function(
                "() => !document.querySelector('.jp-Dialog').innerText.includes('Validating')",
                timeout=180_000)
            validate = await dialog.inner_text()
            await page.screenshot(path=SHOTS / "nbgrader-student-validate.png")
            await page.keyboard.press("Escape")
            await page.evaluate(JS_CLOSE)
            await page.evaluate(
                "() => window.jupyterapp.commands.execute('nbgrader:open-assignment-list')")
            listing = page.locator("#released_assignments_list")
            for name in CLASS:
                await listing.get_by_text(name).first.wait_for(timeout=60_000)
            released = await listing.inner_text()
            await page.screenshot(path=SHOTS / "nbgrader-student-assignment-list.png")
            return {"validate": validate, "released": released}
        except Exception:
            await page.screenshot(path=SHOTS / "nbgrader-student-FAILED.png")
            raise
        finally:
            await page.context.close()

    seen = browser.call(go(), 600)
    assert "relu" in seen["validate"], seen["validate"]
    assert "not implemented yet" in seen["validate"], seen["validate"]
    for name in CLASS:
        assert name in seen["released"]


def test_nbgrader_formgrader_for_instructors(browser, instructor_lab, graded_class):
    """The instructor's formgrader (opened from JupyterLab's Nbgrader menu) lists the
    assignments with their submissions, and the graded class with each student's score."""
    scores = graded_class["scores"]
    assert scores[("00_welcome", "alice")] == 1 and scores[("00_welcome", "bob")] == 0

    async def go() -> dict:
        page = await browser.lab_page(instructor_lab, "lab/workspaces/instructor")
        try:
            await page.evaluate(
                "() => window.jupyterapp.commands.execute('nbgrader:open-formgrader')")
            frame = page.frame_locator("iframe[src*='formgrader']")
            table = frame.locator("#main-table")
            for name in CLASS:
                await table.get_by_text(name).first.wait_for(timeout=60_000)
            assignments = await table.inner_text()
            await page.screenshot(path=SHOTS / "nbgrader-formgrader-assignments.png")
            await frame.get_by_role("link", name="Manage Students").click()
            students = frame.locator("#main-table")
            for student in STUDENTS_OF_CLASS:
                await students.get_by_text(student).first.wait_for(timeout=60_000)
            await page.wait_for_timeout(500)
            roster = await students.inner_text()
            await page.screenshot(path=SHOTS / "nbgrader-formgrader-students.png")
            await frame.locator("#main-table tr", has_text="alice").locator("a").first.click()
            await frame.locator("#main-table").get_by_text(CLASS[-1]).first.wait_for(
                timeout=60_000)
            alice = await frame.locator("#main-table").inner_text()
            await page.screenshot(path=SHOTS / "nbgrader-formgrader-alice.png")
            return {"assignments": assignments, "roster": roster, "alice": alice}
        except Exception:
            await page.screenshot(path=SHOTS / "nbgrader-formgrader-FAILED.png")
            raise
        finally:
            await page.context.close()

    seen = browser.call(go(), 600)
    for name in CLASS:
        assert name in seen["assignments"] and name in seen["alice"]
    full = sum(scores[(a, "alice")] for a in CLASS)
    assert re.search(rf"\balice\b.*\b{full:g} / {full:g}\b", seen["roster"]), seen["roster"]
    assert re.search(rf"\bbob\b.*\b0 / {full:g}\b", seen["roster"]), seen["roster"]


# ---- the landing page in JupyterLab -----------------------------------------------------


def test_landing_page_in_jupyterlab(browser, lab):
    """``jupyter lab notebooks/index.ipynb`` (what ``course.py lab`` runs) shows the course
    map and the notebooks' links; a link opens its notebook."""

    async def go() -> dict:
        page = await browser.lab_page(lab, "lab/tree/tour/index.ipynb")
        try:
            img = page.locator(".jp-MarkdownOutput img[alt^='Course map']")
            await img.wait_for(timeout=60_000)
            await page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-MarkdownOutput img')]"
                ".some(i => i.complete && i.naturalWidth > 800)", timeout=30_000)
            await page.screenshot(path=SHOTS / "landing-page.png")
            # JupyterLab resolves relative links to /files/...; a click opens them in the app
            links = await page.locator(".jp-MarkdownOutput a[href*='.ipynb']").evaluate_all(
                "as => as.map(a => a.getAttribute('href'))")
            await page.locator(".jp-MarkdownOutput a[href*='/01_practical_aspects.ipynb']").click()
            await page.wait_for_function(
                "() => { const w = window.jupyterapp.shell.currentWidget;"
                " return w && w.context && w.context.path.endsWith('01_practical_aspects.ipynb')"
                " && w.context.isReady; }", timeout=60_000)
            await page.wait_for_timeout(1000)
            await page.screenshot(path=SHOTS / "landing-page-clicked-01.png")
            await page.evaluate(JS_CLOSE)
            return {"links": links}
        except Exception:
            await page.screenshot(path=SHOTS / "landing-page-FAILED.png")
            raise
        finally:
            await page.context.close()

    seen = browser.call(go(), 300)
    stems = [m.group(1) for h in seen["links"]
             if (m := re.search(r"/files/tour/([^/?#]+)\.ipynb", h))]
    assert stems == SOLUTION_NAMES, seen["links"]


# ---- without a browser: the landing page, the network, static HTML ----------------------


def landing_cells():
    import nbformat

    return nbformat.read(NOTEBOOKS / "index.ipynb", as_version=4).cells


def test_landing_page_links_every_notebook_in_order_with_one_line():
    from autograder.publish import landing_is_current

    text = "\n".join(c.source for c in landing_cells() if c.cell_type == "markdown")
    items = re.findall(r"^\d+\. \[([^\]]+)\]\((\d\d_[A-Za-z0-9_]+)\.ipynb\)(.*)$", text, re.M)
    assert [stem for _, stem, _ in items] == SOLUTION_NAMES
    for title, stem, line in items:
        assert title.startswith(stem[:2]), (stem, title)
        assert line.startswith(" — ") and len(line) > 30, f"{stem}: no line on what it teaches"
    assert all(c.cell_type == "markdown" for c in landing_cells())
    assert landing_is_current(), (
        "notebooks/index.ipynb is out of date (a notebook was added or renamed?): "
        "give it its line in COURSE (autograder/publish.py), run "
        "`python -m autograder.publish landing` and commit index.ipynb and the map")


def test_landing_page_shows_the_course_map(tmp_path):
    import base64

    from autograder.publish import COURSE, draw_course_map

    committed = (ROOT / "docs" / "course_map.png").read_bytes()
    assert committed[:8] == b"\x89PNG\r\n\x1a\n"
    cell = next(c for c in landing_cells() if "attachment:course_map.png" in c.source)
    embedded = base64.b64decode(cell.attachments["course_map.png"]["image/png"])
    assert embedded == committed, "run `python -m autograder.publish landing`"
    assert [e.stem for e in COURSE] == SOLUTION_NAMES, (
        "the map and the landing page need a line for every notebook: edit COURSE in "
        "autograder/publish.py, then run `python -m autograder.publish landing`")
    drawn = draw_course_map(tmp_path / "map.png").read_bytes()
    assert drawn[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(drawn[16:20], "big"), int.from_bytes(drawn[20:24], "big")
    assert width > 1200 and height > 500


NETWORK = re.compile(
    r"https?://|urlretrieve|urlopen|\burllib\b|\brequests\b|\bhttpx\b|\bsocket\b|"
    r"\bfetch_[a-z0-9_]+\s*\(|load_dataset\s*\(|hf_hub|\bwget\b|\bcurl\b|!pip|%pip")


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
def test_no_notebook_needs_the_network(folder):
    """No code cell downloads anything (the browser runs also cut the kernels' network)."""
    import nbformat

    found = []
    for path in sorted((ROOT / folder).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and (m := NETWORK.search(cell.source)):
                found.append((path.name, cell.get("id"), m.group(0)))
    assert found == []


def test_html_export_of_an_executed_solution_notebook(tmp_path, browser):
    from autograder.publish import build_html

    name = "06_exponentially_weighted_averages"
    paths = build_html(tmp_path, [name], log=lambda _: None)
    assert paths == [tmp_path / "index.html", tmp_path / f"{name}.html"]
    page = (tmp_path / f"{name}.html").read_text(encoding="utf-8")
    assert re.search(r"<script[^>]+mathjax", page, re.I), "no MathJax script"
    assert 'src="mathjax/MathJax.js?config=' in page, "MathJax is not the bundled copy"
    assert (tmp_path / "mathjax" / "MathJax.js").exists()
    typeset = browser.call(_typeset_offline(browser, tmp_path / f"{name}.html"), 180)
    assert typeset["formulas"] >= 10 and typeset["errors"] == 0, typeset
    # the page may ask a CDN for require.js (widgets); MathJax must not need the network
    mathjax_online = [u for u in typeset["blocked"] if "mathjax" in u.lower()]
    assert mathjax_online == [], f"MathJax asked for the network: {mathjax_online}"
    assert "text/x-mathjax-config" in page
    assert r"v_t = \beta v_{t-1} + (1-\beta)\theta_t" in page, "the LaTeX source is not kept"
    assert page.count("data:image/png;base64,") >= 4, "figures are not embedded as PNG"
    assert "Traceback" not in page
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert f'href="{name}.html"' in index and 'href="00_welcome.html"' in index
    assert ".ipynb\"" not in index
    assert "data:image/png;base64," in index, "the course map is not embedded"


async def _typeset_offline(browser: Browser, path: Path) -> dict:
    """Open an exported page from disk with every network request refused; count the
    formulas MathJax typeset and the requests that were refused."""
    context = await browser.browser.new_context(viewport=VIEWPORT)
    page = await context.new_page()
    blocked: list[str] = []

    async def refuse(route):
        blocked.append(route.request.url)
        await route.abort()

    await page.route(re.compile(r"^https?://"), refuse)
    try:
        await page.goto(path.as_uri())
        await page.wait_for_function(
            "() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 "
            "&& document.querySelectorAll('.MathJax').length > 0", timeout=120_000)
        counts = await page.evaluate(
            "() => ({formulas: document.querySelectorAll('.MathJax').length, "
            "errors: document.querySelectorAll('.MathJax_Error, .merror, .noError').length})")
        await page.locator(".MathJax_Display").first.screenshot(
            path=SHOTS / "html-export-offline-mathjax.png")
    finally:
        await context.close()
    return {**counts, "blocked": blocked}


@pytest.mark.slow  # executes a notebook
def test_html_command_line(tmp_path):
    """``python -m autograder.publish html OUTDIR NAME`` (what ``course.py html`` runs)."""
    out = subprocess.run(
        [sys.executable, "-m", "autograder.publish", "html", str(tmp_path), "00_welcome"],
        capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / "00_welcome.html").exists() and (tmp_path / "index.html").exists()
    assert "open " in out.stdout


# ---- the notebooks ----------------------------------------------------------------------


@pytest.mark.parametrize("name", STUDENTS)
def test_student_notebook_in_jupyterlab(runs, name):
    """Runs in the browser; the only errors are the unfinished exercises' checks."""
    result = result_of(runs, "student", name)
    unexpected = [(c["id"], e["ename"], e["evalue"][:300]) for c in result["cells"]
                  if c["type"] == "code" for e in c["errors"] if not unfinished_stub(c, e)]
    assert unexpected == [], "errors other than unfinished exercises"
    stubs = [c["id"] for c in result["cells"] if c["type"] == "code" and c["errors"]]
    assert stubs, "a blank student notebook shows no unfinished exercise"
    common_checks(result, "student", name)


@pytest.mark.skipif(not RUN_SOLUTIONS, reason="COURSE_BROWSER_SOLUTIONS=0: "
                    "solutions are run headless in tests/test_notebooks.py")
@pytest.mark.parametrize("name", SOLUTION_NAMES)
def test_solution_notebook_in_jupyterlab(runs, name):
    """Runs in the browser without any error output."""
    result = result_of(runs, "solution", name)
    errors = [(c["id"], e["ename"], e["evalue"][:300]) for c in result["cells"]
              if c["type"] == "code" for e in c["errors"]]
    assert errors == []
    common_checks(result, "solution", name)


def teardown_module(module):
    TIMINGS["session_total"] = round(time.perf_counter() - T_SESSION, 2)
    if not SHOTS.exists():
        return
    (SHOTS / "timings.json").write_text(json.dumps(TIMINGS, indent=1, sort_keys=True))
    (SHOTS / "browser_report.json").write_text(json.dumps(REPORT, indent=1, sort_keys=True))
    lines = ["", "browser (wall s; a notebook from when it gets a page):"]
    lines += [f"  {k:<45} {v:>8.2f}" for k, v in sorted(TIMINGS.items())]
    slow = [(key, c["id"], c["seconds"]) for key, r in REPORT.items() for c in r["cells"]
            if c["type"] == "code" and c["seconds"] > 10 and not c.get("widget")]
    if slow:  # a student waits on these with no progress bar
        lines.append("cells over 10 s without a progress bar:")
        lines += [f"  {key} {cell}: {sec:.1f} s" for key, cell, sec in slow]
    moved = [(key, e) for key, r in REPORT.items() for e in r.get("explorers", [])]
    if moved:
        lines.append("explorers: key press to new figure (s); kernel redraw wall / CPU (s)")
        for key, e in moved:
            k = e.get("kernel") or {}
            lines.append(f"  {key} {e['cell']:<16} {e.get('round_trip_seconds')!s:>7}   "
                         f"{k.get('seconds', '-')!s:>7} / {k.get('cpu_seconds', '-')!s:<7}"
                         f"{' (cached)' if k.get('cached') else ''}")
    print("\n".join(lines))

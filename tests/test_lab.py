"""The lab a student gets from ``python3 course.py lab``, in a real browser.

``course.py lab --no-browser`` is started as ``course.py`` builds it (:func:`lab_command`)
on a *git copy* of the course in a temporary directory (``course.py``, ``.gitignore``,
``jupyter/``, ``notebooks/``, committed), with empty user config, settings and
workspace dirs (a first start). Debian's Chromium,
driven by Playwright through tests/test_browser.py's :class:`Browser`:

* the URL the server prints opens the landing page ``index.ipynb`` (not the Launcher);
* JupyterLab's "Would you like to receive official Jupyter news?" pop-up never shows
  (its plugin is off in ``jupyter/lab``);
* the student sees nbgrader's Validate button and Assignments, not the formgrader,
  the Courses list or Create Assignment (lab and server extensions off in
  ``jupyter/student``); ``course.py lab --instructor`` has them all;
* opening and running the landing page and notebook 00, then saving them (what
  JupyterLab's autosave does), leaves ``git status --porcelain notebooks/`` empty,
  (the server's pre-save hook in ``jupyter/lab`` leaves out what a run adds: outputs,
  execution counts, the kernel's language_info); an edit by the student does show.

Screenshots go to ``artifacts/screenshots/lab-*.png``. Without a browser: saving a
committed notebook writes it unchanged, and leaves out what a run adds.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from test_browser import JS_CLOSE, JS_RUN, SHOTS, Browser, free_port

from autograder import NOTEBOOKS, ROOT

GIT = shutil.which("git")
NEWS = "official Jupyter news"
_spec = importlib.util.spec_from_file_location("course_py", ROOT / "course.py")
course = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course)


# ---- without a browser ------------------------------------------------------------------


def save_hook():
    """The pre-save hook of jupyter/lab/jupyter_server_config.py, loaded as Jupyter does."""
    from traitlets.config import Config

    config = Config()
    runpy.run_path(str(ROOT / "jupyter" / "lab" / "jupyter_server_config.py"),
                   init_globals={"get_config": lambda: config})
    return config.ContentsManager.pre_save_hook


class _Contents:
    """The one method of Jupyter's contents manager the hook uses: where a path lives."""

    def __init__(self, on_disk: Path | None):
        self.on_disk = on_disk

    def _get_os_path(self, path: str) -> str:
        return str(self.on_disk) if self.on_disk else "/nonexistent/" + path


def saved(nb: dict, path: str, on_disk: Path | None = None) -> str:
    """What the server writes for ``nb`` at ``path`` (the hook, then nbformat.write), the
    file being ``on_disk`` before the save (default: no contents manager at all)."""
    import nbformat

    model = {"type": "notebook", "content": nbformat.from_dict(copy.deepcopy(nb))}
    save_hook()(model=model, path=path,
                contents_manager=_Contents(on_disk) if on_disk else None)
    return nbformat.writes(model["content"]) + "\n"


@pytest.mark.parametrize("folder", ["notebooks", "solutions"])
def test_saving_a_committed_notebook_writes_it_unchanged(folder):
    """Saved as it is, every committed notebook is byte for byte the committed file."""
    changed = [p.name for p in sorted((ROOT / folder).glob("*.ipynb"))
               if saved(json.loads(p.read_text(encoding="utf-8")), f"x/{p.name}")
               != p.read_text(encoding="utf-8")]
    assert changed == []


def test_saving_leaves_out_a_run_and_keeps_an_edit():
    committed = (NOTEBOOKS / "00_welcome.ipynb").read_text(encoding="utf-8")
    nb = json.loads(committed)
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}]
    code["execution_count"] = 3
    code["metadata"]["execution"] = {"iopub.status.idle": "2026-12-07T12:00:00Z"}
    nb["metadata"]["language_info"] = {"name": "python", "version": "3.11.2",
                                       "mimetype": "text/x-python"}
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    on_disk = NOTEBOOKS / "00_welcome.ipynb"
    assert saved(nb, "00_welcome.ipynb", on_disk) == committed
    assert '"hi' in saved(nb, "my_own_notebook.ipynb")  # not a course notebook: as it is
    code["source"] = ["x = 1  # the student's edit\n"]
    edited = saved(nb, "00_welcome.ipynb", on_disk)  # the student's work: outputs kept
    assert "the student's edit" in edited and '"hi' in edited


def test_a_notebook_once_saved_with_outputs_keeps_them(tmp_path):
    """After an edit was saved (with its outputs), later saves keep outputs even where the
    cells equal the file's: the notebook is the student's work."""
    nb = json.loads((NOTEBOOKS / "00_welcome.ipynb").read_text(encoding="utf-8"))
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}]
    code["execution_count"] = 1
    disk = tmp_path / "00_welcome.ipynb"
    disk.write_text(json.dumps(nb), encoding="utf-8")
    assert '"hi' in saved(nb, "00_welcome.ipynb", disk)


def test_lab_command_for_students_and_instructors():
    cmd, env = course.lab_command(["--no-browser"], environ={"JUPYTER_CONFIG_PATH": "/x"})
    assert f"--ServerApp.root_dir={ROOT / 'notebooks'}" in cmd
    assert "--LabApp.default_url=/lab/tree/index.ipynb" in cmd and "--no-browser" in cmd
    assert env["JUPYTER_CONFIG_PATH"].split(":") == [
        str(ROOT / "jupyter" / "student"), str(ROOT / "jupyter" / "lab"), "/x"]
    cmd, env = course.lab_command(["--instructor"], environ={})
    assert "--instructor" not in cmd and f"--ServerApp.root_dir={ROOT}" in cmd
    assert "--LabApp.default_url=/lab/tree/notebooks/index.ipynb" in cmd
    assert env["JUPYTER_CONFIG_PATH"] == str(ROOT / "jupyter" / "lab")


# ---- a git copy of the course, and course.py lab on it ----------------------------------


def git(root: Path, *args: str) -> str:
    return subprocess.run([GIT, *args], cwd=root, capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """course.py, .gitignore, jupyter/ and notebooks/ committed in a fresh repository."""
    if GIT is None:
        pytest.skip("git is not installed")
    root = tmp_path_factory.mktemp("clone")
    for name in ("course.py", ".gitignore"):
        shutil.copy2(ROOT / name, root / name)
    shutil.copytree(ROOT / "jupyter", root / "jupyter")
    shutil.copytree(ROOT / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    git(root, "init", "-q")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "course")
    assert git(root, "status", "--porcelain") == ""
    return root


class CourseLab:
    """``course.py lab --no-browser [--instructor]`` on ``root``, with empty user dirs."""

    def __init__(self, root: Path, state: Path, *extra: str) -> None:
        self.port = free_port()
        for d in ("config", "runtime", "data", "settings", "workspaces", "ipython"):
            (state / d).mkdir(parents=True, exist_ok=True)
        environ = {k: v for k, v in os.environ.items()
                   if not k.startswith(("JUPYTER", "JUPYTERLAB"))}
        environ.update(
            JUPYTER_CONFIG_DIR=str(state / "config"), JUPYTER_RUNTIME_DIR=str(state / "runtime"),
            JUPYTER_DATA_DIR=str(state / "data"), JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"), IPYTHONDIR=str(state / "ipython"),
            JUPYTER_PLATFORM_DIRS="1", http_proxy="http://127.0.0.1:9",
            https_proxy="http://127.0.0.1:9", no_proxy="127.0.0.1,localhost")
        cmd, env = course.lab_command(
            ["--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
             "--LabApp.expose_app_in_browser=True", *extra],  # window.jupyterapp for the test
            root=root, python=sys.executable, environ=environ)
        self.log: list[str] = []
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env, cwd=root, start_new_session=True)
        threading.Thread(target=lambda: self.log.extend(self.proc.stdout), daemon=True).start()

    def printed_url(self, timeout: float = 120) -> str:
        """The URL with its token that the server prints for the user."""
        pattern = re.compile(rf"http://127\.0\.0\.1:{self.port}/\S*\?token=[0-9a-f]+")
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            for line in list(self.log):
                if m := pattern.search(line):
                    return m.group(0)
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("no URL printed:\n" + "".join(self.log)[-3000:])

    def get(self, path: str, token: str) -> int:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/{path}",
                                     headers={"Authorization": f"token {token}"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture(scope="module")
def chromium(browser):
    """The test process's Chromium (``browser`` in tests/conftest.py)."""
    return browser


def course_lab(root: Path, state: Path, *extra: str):
    lab = CourseLab(root, state, *extra)
    try:
        url = lab.printed_url()
    except Exception:
        lab.stop()
        raise
    return lab, url


# The documents open in the main area, once loaded (the page opened by the URL).
JS_OPENED = """() => {
  const docs = [...window.jupyterapp.shell.widgets('main')].filter(w => w.context);
  return docs.length > 0 && docs.every(w => w.context.isReady)
    && docs.map(w => w.context.path);
}"""

# What the student's view has of nbgrader and of the news, seen from JupyterLab's app.
JS_VIEW = r"""
async () => {
  const app = window.jupyterapp;
  const has = c => app.commands.hasCommand(c);
  const menu = [...document.querySelectorAll('.lm-MenuBar-itemLabel')].map(e => e.textContent);
  return {
    opened: [...app.shell.widgets('main')].filter(w => w.context).map(w => w.context.path),
    menubar: menu,
    assignments: has('nbgrader:open-assignment-list'),
    formgrader: has('nbgrader:open-formgrader'),
    courses: has('nbgrader:open-course-list'),
    create: has('nbgrader:open-create-assignment'),
    create_panel: app.hasPlugin('@jupyter/nbgrader:create-assignment'),
    announcements: app.hasPlugin('@jupyterlab/apputils-extension:announcements'),
    news_toast: document.body.innerText.includes('official Jupyter news'),
  };
}
"""


async def open_menu(page, label: str) -> str:
    """Click a menu of the menu bar; the text of its open menu."""
    await page.locator(".lm-MenuBar-itemLabel", has_text=label).first.click()
    menu = page.locator(".lm-Menu").last
    await menu.wait_for(timeout=10_000)
    await page.wait_for_timeout(300)
    return await menu.inner_text()


async def open_lab(browser: Browser, url: str):
    """A new browser context and page on ``url``, once JupyterLab has restored its layout."""
    context = await browser.browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        await page.goto(url)
        await page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell",
                                     timeout=120_000)
        await page.evaluate("() => window.jupyterapp.restored")
    except Exception:
        await context.close()
        raise
    return context, page


async def view_of(browser: Browser, url: str, shot: str, notebook: str) -> dict:
    """Open the printed URL as a student would; what the view shows."""
    context, page = await open_lab(browser, url)
    try:
        await page.wait_for_function(JS_OPENED, timeout=60_000)
        await page.wait_for_timeout(4000)  # the news toast comes a moment after the start
        seen = await page.evaluate(JS_VIEW)
        await page.screenshot(path=SHOTS / f"lab-{shot}-start.png")
        seen["nbgrader_menu"] = (await open_menu(page, "Nbgrader")
                                 if "Nbgrader" in seen["menubar"] else "")
        await page.screenshot(path=SHOTS / f"lab-{shot}-nbgrader-menu.png")
        await page.keyboard.press("Escape")
        await page.evaluate(JS_RUN, notebook)  # open and run a notebook: its toolbar
        visible = page.locator(".validate-button >> visible=true")  # the run notebook's
        await visible.first.wait_for(timeout=30_000)
        seen["validate"] = await visible.count()
        await page.wait_for_timeout(500)
        await page.screenshot(path=SHOTS / f"lab-{shot}-notebook.png")
        seen["news_toast"] = seen["news_toast"] or NEWS in await page.inner_text("body")
        await page.evaluate(JS_CLOSE)
        return seen
    except Exception:
        await page.screenshot(path=SHOTS / f"lab-{shot}-FAILED.png")
        raise
    finally:
        await context.close()


@pytest.mark.slow
@pytest.mark.browser
def test_student_lab(chromium, clone, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    lab, url = course_lab(clone, tmp_path / "state")
    try:
        assert re.search(r"/lab/tree/index\.ipynb\?token=", url), url
        token = url.rsplit("token=", 1)[1]
        seen = chromium.call(view_of(chromium, url, "student", "00_welcome.ipynb"), 300)
        formgrader_http = lab.get("formgrader", token)
        assignments_http = lab.get("assignments", token)
    finally:
        lab.stop()
    assert seen["opened"] == ["index.ipynb"], seen  # the landing page, not the Launcher
    assert not seen["news_toast"] and not seen["announcements"], seen
    assert seen["validate"] >= 1 and seen["assignments"], seen
    assert "Assignment List" in seen["nbgrader_menu"], seen
    assert not (seen["formgrader"] or seen["courses"] or seen["create"]
                or seen["create_panel"]), seen
    assert "Formgrader" not in seen["nbgrader_menu"] and "Course" not in seen["nbgrader_menu"]
    assert formgrader_http == 404 and assignments_http != 404  # (400: no course configured)


@pytest.mark.slow
@pytest.mark.browser
def test_instructor_lab(chromium, clone, tmp_path):
    lab, url = course_lab(clone, tmp_path / "state", "--instructor")
    try:
        assert re.search(r"/lab/tree/notebooks/index\.ipynb\?token=", url), url
        token = url.rsplit("token=", 1)[1]
        seen = chromium.call(view_of(chromium, url, "instructor",
                                     "notebooks/00_welcome.ipynb"), 300)
        formgrader_http = lab.get("formgrader", token)
    finally:
        lab.stop()
    assert seen["opened"] == ["notebooks/index.ipynb"], seen
    assert not seen["news_toast"] and not seen["announcements"], seen
    assert seen["formgrader"] and seen["create"] and seen["create_panel"], seen
    assert "Formgrader" in seen["nbgrader_menu"], seen
    assert formgrader_http in (200, 302), formgrader_http
    # the instructor's run of a notebook is not a change either
    assert git(clone, "status", "--porcelain", "notebooks/") == ""


# Open and run a notebook, then save it as JupyterLab's autosave would (even if clean).
JS_RUN_SAVE = r"""
async (path) => {
  const app = window.jupyterapp;
  const run = """ + JS_RUN.strip() + r""";
  const result = await run(path);
  // the panel run() used (docmanager:open returns the open one)
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  const dirty = panel.context.model.dirty;
  const outputs = panel.content.widgets
    .filter(c => c.model.type === 'code').reduce((n, c) => n + c.model.outputs.length, 0);
  await panel.context.save();
  return {dirty, outputs, executed: result.cells.filter(c => c.type === 'code'
                                                         && c.count !== null).length};
}
"""

JS_EDIT_SAVE = r"""
async () => {
  const panel = await window.jupyterapp.commands.execute(
    'docmanager:open', {path: '00_welcome.ipynb', factory: 'Notebook'});
  const cell = panel.content.widgets.find(c => c.model.type === 'code');
  cell.model.sharedModel.setSource(cell.model.sharedModel.getSource() + '\n# my note');
  await panel.context.save();
}
"""


@pytest.mark.slow
@pytest.mark.browser
def test_running_a_notebook_leaves_git_clean(chromium, clone, tmp_path):
    notebooks = clone / "notebooks"
    before = {p.name: p.stat().st_mtime_ns for p in notebooks.glob("*.ipynb")}
    lab, url = course_lab(clone, tmp_path / "state")

    async def go() -> dict:
        context, page = await open_lab(chromium, url)
        try:
            ran = {p: await page.evaluate(JS_RUN_SAVE, p)
                   for p in ("index.ipynb", "00_welcome.ipynb")}
            await page.screenshot(path=SHOTS / "lab-student-00-run-saved.png")
            status = git(clone, "status", "--porcelain", "notebooks/")
            await page.evaluate(JS_EDIT_SAVE)
            return {"ran": ran, "status": status}
        except Exception:
            await page.screenshot(path=SHOTS / "lab-student-run-FAILED.png")
            raise
        finally:
            await context.close()

    try:
        seen = chromium.call(go(), 300)
    finally:
        lab.stop()
    ran = seen["ran"]
    # the landing page is modified for JupyterLab by opening it (the kernel's language_info)
    assert ran["index.ipynb"]["dirty"] and ran["00_welcome.ipynb"]["dirty"], ran
    assert ran["00_welcome.ipynb"]["executed"] >= 3 and ran["00_welcome.ipynb"]["outputs"], ran
    rewritten = {p.name for p in notebooks.glob("*.ipynb")
                 if p.stat().st_mtime_ns != before[p.name]}
    assert {"index.ipynb", "00_welcome.ipynb"} <= rewritten, "not saved: nothing measured"
    assert seen["status"] == "", f"running marked notebooks modified:\n{seen['status']}"
    edited = git(clone, "status", "--porcelain", "notebooks/")
    assert edited.split() == ["M", "notebooks/00_welcome.ipynb"], edited

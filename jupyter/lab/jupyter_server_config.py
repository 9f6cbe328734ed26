"""Jupyter server configuration of ``python3 course.py lab`` (students and instructors).

A course notebook (``NN_name.ipynb``, the landing page ``index.ipynb``) that was only
opened or run, not edited, is saved without what opening or running it adds:
outputs, execution counts, the kernel's ``language_info``, widget state and view
metadata. The committed notebooks are in this form already
(``autograder.notebooks.normalize``), so such a save is byte for byte the committed
file and git does not list it as modified. Once the student edits a cell (its source
differs from the file on disk, or the file on disk already holds outputs), the
notebook is saved as JupyterLab sends it, outputs included: it is the student's
work now. (A git clean filter would not do: git reports a file whose size changed as
modified without asking the filter.)
"""

import json
import os
import re

COURSE_NOTEBOOK = re.compile(r"(^|/)(\d\d_[A-Za-z0-9_]+|index)\.ipynb$")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
VOLATILE_NOTEBOOK_METADATA = ("widgets", "toc", "celltoolbar", "varInspector")
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime", "jupyter")


def clean_notebook(nb: dict) -> dict:
    """Leave out (in place) what a kernel and JupyterLab add to a notebook; returns it."""
    meta = nb.setdefault("metadata", {})
    meta["kernelspec"] = dict(KERNELSPEC)
    meta["language_info"] = {"name": "python"}
    for key in VOLATILE_NOTEBOOK_METADATA:
        meta.pop(key, None)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for key in VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
    return nb


def _sources(nb: dict) -> list[tuple[str, str]]:
    def text(src) -> str:
        return "".join(src) if isinstance(src, list) else str(src or "")

    return [(c.get("cell_type", ""), text(c.get("source"))) for c in nb.get("cells", [])]


def unedited(nb: dict, os_path: str | None) -> bool:
    """Whether ``nb`` has the cells of the file at ``os_path`` and that file holds no
    outputs (a notebook only opened or run since it was committed)."""
    if not os_path:
        return True
    try:
        with open(os_path, encoding="utf-8") as f:
            on_disk = json.load(f)
    except (OSError, ValueError):
        return False  # a new file, or one that is not a notebook: not ours to clean
    if any(c.get("outputs") for c in on_disk.get("cells", [])):
        return False
    return _sources(on_disk) == _sources(nb)


def save_course_notebook_clean(model, path, contents_manager=None, **kwargs):
    """The contents manager's pre-save hook: clean a course notebook that was only opened
    or run before it is written."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict) \
            or not COURSE_NOTEBOOK.search(path or ""):
        return
    get_os_path = getattr(contents_manager, "_get_os_path", None)
    os_path = get_os_path(path) if get_os_path else None
    if os_path is None or (os.path.exists(os_path) and unedited(model["content"], os_path)):
        clean_notebook(model["content"])


c = get_config()  # noqa: F821 (given by traitlets when it loads this file)
c.ContentsManager.pre_save_hook = save_course_notebook_clean

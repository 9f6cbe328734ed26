"""Jupyter server configuration of ``python3 course.py lab`` (students and instructors).

The course's notebooks (``NN_name.ipynb`` and the landing page ``index.ipynb``) are
saved without what opening or running them adds: outputs, execution counts, the
kernel's ``language_info``, widget state and view metadata (collapsed or scrolled
outputs). What a student writes is saved as usual. The committed notebooks are in
this form already (``autograder.notebooks.normalize``), so a notebook that was only
opened or run, even autosaved, is byte for byte the committed file and git does not
list it as modified; an edit does show. (A git clean filter would not do: git
reports a file whose size changed as modified without asking the filter.)
The price: outputs are not kept when a notebook is closed; run it again.
"""

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


def save_course_notebook_clean(model, path, contents_manager=None, **kwargs):
    """The contents manager's pre-save hook: clean a course notebook before it is written."""
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict) \
            and COURSE_NOTEBOOK.search(path or ""):
        clean_notebook(model["content"])


c = get_config()  # noqa: F821 (given by traitlets when it loads this file)
c.ContentsManager.pre_save_hook = save_course_notebook_clean

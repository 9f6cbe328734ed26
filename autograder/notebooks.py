"""Source notebooks (``solutions/``) → student notebooks (``notebooks/``).

* :func:`normalize` gives a notebook the committed form: no outputs, no execution
  counts, no volatile metadata, stable cell ids (an nbgrader cell's id is its
  ``grade_id``), so diffs stay readable and regeneration is byte-for-byte stable.
* :func:`generate` runs nbgrader's own ``generate_assignment`` on the sources in a
  scratch nbgrader course directory and writes the normalized student versions.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import nbformat

from . import NBGRADER_CONFIG, NOTEBOOKS, SOLUTIONS

__all__ = ["generate", "normalize", "normalize_file", "notebook_names", "write_notebook"]

_ID_OK = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime", "jupyter")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def notebook_names(directory: Path = SOLUTIONS) -> list[str]:
    """Names (file stems) of the notebooks in ``directory``, sorted."""
    return sorted(p.stem for p in directory.glob("*.ipynb"))


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip outputs and volatile metadata and give every cell a stable, unique id."""
    nb.nbformat, nb.nbformat_minor = 4, 5
    meta = nb.setdefault("metadata", {})
    meta["kernelspec"] = dict(KERNELSPEC)
    meta["language_info"] = {"name": "python"}
    for key in ("widgets", "toc", "celltoolbar", "varInspector"):
        meta.pop(key, None)
    seen: set[str] = set()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            if cell.cell_type == "markdown" and not cell.get("attachments"):
                cell.pop("attachments", None)
        for key in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        nbg = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and nbg.get("grade") and not nbg.get("solution"):
            # "Run All" goes on past a check that fails (JupyterLab honours this tag)
            tags = cell.metadata.setdefault("tags", [])
            if "raises-exception" not in tags:
                tags.append("raises-exception")
        grade_id = nbg.get("grade_id")
        cid = grade_id if grade_id and _ID_OK.match(grade_id) else cell.get("id")
        if not cid or not _ID_OK.match(cid) or cid in seen:
            cid = f"cell-{i:03d}"
            while cid in seen:
                cid += "x"
        cell["id"] = cid
        seen.add(cid)
    return nb


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """The committed form of a notebook: nbformat's JSON layout with a trailing newline."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write in the committed form (:func:`notebook_text`)."""
    path.write_text(notebook_text(nb), encoding="utf-8")


def normalize_file(path: Path) -> bool:
    """Normalize a notebook file in place; returns whether it changed."""
    before = path.read_text(encoding="utf-8")
    nb = normalize(nbformat.reads(before, as_version=4))
    write_notebook(nb, path)
    return path.read_text(encoding="utf-8") != before


def _api(course_root: Path):
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(NBGRADER_CONFIG.name, str(NBGRADER_CONFIG.parent)).load_config()
    extra = Config()
    extra.CourseDirectory.root = str(course_root)
    extra.CourseDirectory.db_url = f"sqlite:///{course_root / 'gradebook.db'}"
    config.merge(extra)
    api = NbGraderAPI(config=config)
    api.log.setLevel(logging.ERROR)
    return api


def generate(
    names: Iterable[str] | None = None,
    source_dir: Path = SOLUTIONS,
    out_dir: Path = NOTEBOOKS,
    course_root: Path | None = None,
) -> list[Path]:
    """Generate student notebooks with ``nbgrader generate_assignment``.

    Each ``source_dir/<name>.ipynb`` becomes assignment ``<name>`` of a scratch
    nbgrader course (or of ``course_root`` when given, which then keeps its
    ``source/``, ``release/`` and gradebook), and its release is normalized and
    written to ``out_dir/<name>.ipynb``. Raises ``RuntimeError`` with nbgrader's log
    when generation fails (for example, a locked cell without a grade id).
    """
    names = list(names) if names is not None else notebook_names(source_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="idnn-nbgrader-") as tmp:
        root = Path(course_root) if course_root else Path(tmp)
        api = _api(root)
        for name in names:
            src = source_dir / f"{name}.ipynb"
            if not src.exists():
                raise FileNotFoundError(f"no source notebook {src}")
            dest = root / "source" / name
            dest.mkdir(parents=True, exist_ok=True)
            nb = normalize(nbformat.read(src, as_version=4))
            write_notebook(nb, dest / f"{name}.ipynb")
            result = api.generate_assignment(name, force=True, create=True)
            if not result.get("success"):
                raise RuntimeError(
                    f"nbgrader generate_assignment failed for {name}:\n"
                    f"{result.get('error', '')}\n{result.get('log', '')}"
                )
            released = root / "release" / name / f"{name}.ipynb"
            student = normalize(nbformat.read(released, as_version=4))
            out = out_dir / f"{name}.ipynb"
            write_notebook(student, out)
            written.append(out)
        if course_root is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return written

"""Source notebooks (``solutions/``) → student notebooks (``notebooks/``).

* :func:`normalize` gives a notebook the committed form: no outputs, no execution
  counts, no volatile metadata, stable cell ids (an nbgrader cell's id is its
  ``grade_id``), so diffs stay readable and regeneration is byte-for-byte stable.
* :func:`normalize_file` also writes each exercise's cell ids, grade ids and points
  from the registry (``course_checks.outline.stamp_grade_cells``).
* :func:`generate` checks each source notebook against the registry (one sentence
  per disagreement, ``course_checks.outline.notebook_problems``), stamps its
  exercise cells, runs nbgrader's own ``generate_assignment`` on it in a scratch
  nbgrader course directory and writes the normalized student version.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import nbformat

from course_checks.outline import (
    OutlineError,
    notebook_problems,
    stamp_grade_cells,
)
from course_checks.registry import exercises_for

from . import NBGRADER_CONFIG, NOTEBOOKS, ROOT, SOLUTIONS

__all__ = [
    "generate",
    "normalize",
    "normalize_file",
    "notebook_differences",
    "notebook_names",
    "source_notebook",
    "write_notebook",
]

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


def _course_notebook(nb: nbformat.NotebookNode, path: Path) -> str:
    """The course notebook a file is: its metadata's ``course.notebook``, else its stem."""
    meta = nb.metadata.get("course", {})
    return str(meta.get("notebook") or path.stem) if isinstance(meta, dict) else path.stem


def _shown(path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def normalize_file(path: Path) -> bool:
    """Normalize a notebook file in place and stamp its exercise cells from the registry.

    Returns whether the file changed. Disagreements the registry cannot settle (a
    missing grade cell, ...) are left for :func:`generate` and the tests to report.
    """
    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    name = _course_notebook(nb, path)
    if exercises_for(name):
        stamp_grade_cells(nb, name)
    write_notebook(normalize(nb), path)
    return path.read_text(encoding="utf-8") != before


def source_notebook(path: Path, name: str | None = None) -> nbformat.NotebookNode:
    """A source notebook, stamped from the registry and normalized, ready for nbgrader.

    Raises :class:`course_checks.outline.OutlineError` listing, one sentence each,
    every way it disagrees with the registry (``name`` defaults to the file's stem).
    """
    name = name or Path(path).stem
    nb = normalize(stamp_grade_cells(nbformat.read(path, as_version=4), name))
    problems = notebook_problems(nb, name, _shown(path))
    if problems:
        raise OutlineError(problems)
    return nb


def notebook_differences(have: str, want: str) -> list[str]:
    """How notebook text ``have`` differs from ``want``, cell by cell, one line each."""
    a, b = nbformat.reads(have, as_version=4), nbformat.reads(want, as_version=4)
    mine = {c.get("id"): c for c in a.cells}
    theirs = {c.get("id"): c for c in b.cells}
    out = [f"cell {i!r} is missing" for i in theirs if i not in mine]
    out += [f"cell {i!r} should not be there" for i in mine if i not in theirs]
    for i, cell in theirs.items():
        if i not in mine:
            continue
        for key in ("cell_type", "source", "metadata", "attachments"):
            if mine[i].get(key) != cell.get(key):
                out.append(f"cell {i!r}: its {key} differs")
    if not out and [c.get("id") for c in a.cells] != [c.get("id") for c in b.cells]:
        out.append("the cells are in another order")
    if not out and a.metadata != b.metadata:
        out.append("the notebook's metadata differs")
    if not out and have != want:
        out.append("the JSON text differs (formatting)")
    return out


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
    written to ``out_dir/<name>.ipynb``. Before nbgrader sees it, the source is
    stamped from the registry (grade ids, points, locks: :func:`source_notebook`);
    raises :class:`course_checks.outline.OutlineError` when it disagrees with the
    registry, and ``RuntimeError`` with nbgrader's log when generation fails.
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
            write_notebook(source_notebook(src, name), dest / f"{name}.ipynb")
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

"""The course's structure in one place: its notebooks in order, and the cells of each exercise.

The registry (``course_checks/exercises/nbNN_<name>.py``) says which exercises a
notebook has, in which order, and what each is worth. This module holds the rest
of the course's structure and ties the three together:

* :data:`COURSE` and :data:`PARTS` — the table of contents: every notebook in
  order, its part, and what it teaches (the course map and the landing page read
  them, ``autograder/publish.py``);
* :func:`answer_cell_id` and :func:`grade_cell_id` — the cells of an exercise in its
  source notebook (``adam_step`` and ``check_adam_step``);
* :func:`stamp_grade_cells` — writes every exercise cell's nbgrader metadata (grade
  id, points, locks) from the registry, so that an author writes the cells and the
  registry entry and nothing else (notebook generation stamps every notebook);
* :func:`notebook_problems` and :func:`course_problems` — every disagreement
  between the outline, the registry and the source notebooks, one sentence each;
* the line ``Exercise `adam_step`, notebook 07_optimizers.`` in the docstring of
  each ``course_lib`` function an exercise re-implements is :mod:`course_checks.doclinks`;
* :func:`describe` — where everything about one exercise lives.

Command line::

    python -m course_checks.outline check               # exit 1 listing every disagreement
    python -m course_checks.outline where adam_step     # registry, reference, cells, links
    python -m course_checks.outline docstrings          # exit 1 when a docstring link is stale
    python -m course_checks.outline docstrings --write [--lib DIR]   # insert/update them

The notebooks never import this module; it imports nbformat only where it reads
notebooks.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .doclinks import (
    COURSE_LIB,
    ROOT,
    _relative,
    docstring_edits,
    docstring_problems,
    innermost,
    link_line,
    reimplemented,
    write_docstrings,
)
from .registry import Exercise, all_exercises, exercises_for, get

__all__ = [
    "COURSE",
    "PARTS",
    "SELFCHECK_CELL_ID",
    "Entry",
    "OutlineError",
    "answer_cell_id",
    "course_problems",
    "describe",
    "entry",
    "grade_cell_id",
    "notebook_problems",
    "registry_module",
    "stamp_grade_cells",
]

SOLUTIONS = ROOT / "solutions"

# ---- the table of contents ----------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One notebook of the course: where it sits on the map and what it teaches."""

    stem: str
    part: int
    short: str  # the title on the map
    topics: str  # the topics on the map, one short line
    line: str  # what it teaches, one line on the landing page


PARTS = (
    ("Start", "#6b7280"),
    ("Setting up and regularizing", "#2563eb"),
    ("Optimization", "#d97706"),
    ("Tuning, batch norm, softmax", "#059669"),
    ("Putting it together", "#7c3aed"),
)

# One Entry per notebook, in course order: the rows line up on purpose (a table of
# contents reads best as a table; `duplicates` lists its rows as same-shape runs).
COURSE = (
    Entry("00_welcome", 0, "Welcome", "notebooks · checks · notation",
          "how the notebooks, the exercises, their checks and the explorers work; the notation"),
    Entry("01_practical_aspects", 1, "Practical aspects", "splits · bias/variance · normalizing",
          "train/dev/test splits, diagnosing bias and variance, normalizing the inputs"),
    Entry("02_initialization", 1, "Initialization", "symmetry · Xavier/He · vanishing",
          "why not zeros, how large random weights should be (Xavier, He), "
          "vanishing and exploding gradients"),
    Entry("03_regularization", 1, "Regularization", "L2 · dropout · L1 · early stopping",
          "L2 (weight decay) and inverted dropout, then both inside a whole network's "
          "forward and backward pass; L1, early stopping and data augmentation against "
          "overfitting"),
    Entry("04_gradient_checking", 1, "Gradient checking", "centered differences · bug hunt",
          "centered differences and the relative difference: proving a backward pass right, "
          "and finding the bug when it is not"),
    Entry("05_minibatch_gradient_descent", 2, "Mini-batches", "batch · SGD · mini-batch",
          "batch, stochastic and mini-batch gradient descent: shuffling, partitioning, "
          "batch size against noise and speed"),
    Entry("06_exponentially_weighted_averages", 2, "Weighted averages",
          "EWMA · its window · bias correction",
          "the recursion, its 1/(1-β) window, its lag and bias correction: the idea under "
          "momentum, Adam and batch norm"),
    Entry("07_optimizers", 2, "Optimizers", "momentum · RMSprop · Adam",
          "momentum, Nesterov, AdaGrad, RMSprop and Adam, step by step, on a valley, "
          "moons and digits"),
    Entry("08_learning_rate_decay", 2, "Learning-rate decay", "decay · warm-up · cosine",
          "why a constant learning rate keeps bouncing near the minimum, five decay "
          "schedules that let it settle, warm-up for Adam's first steps, cosine annealing"),
    Entry("09_hyperparameter_tuning", 3, "Hyperparameter tuning", "random search · log scale",
          "what to tune first, random points instead of a grid, sampling on a log scale, "
          "coarse to fine"),
    Entry("10_batch_normalization", 3, "Batch normalization", "normalize · γ, β · running stats",
          "normalizing inside the network: forward and backward, γ and β, running "
          "statistics at test time"),
    Entry("11_softmax_regression", 3, "Softmax regression", "softmax · cross-entropy · C classes",
          "softmax and hardmax, a stable cross-entropy from logits, dZ = Ŷ - Y, a digits "
          "classifier"),
    Entry("12_capstone", 4, "Capstone: digits", "your design, within a budget",
          "the data pipeline, your own network designed within a compute budget (96 % "
          "dev), a parallel random search on dev, test accuracy measured once, the "
          "errors it makes"),
    Entry("13_frameworks", 4, "To a framework", "numpy ↔ PyTorch conventions",
          "the same network in PyTorch: layouts, autograd, and how the course's "
          "hyperparameters translate"),
)


def entry(stem: str) -> Entry:
    """The outline's entry of notebook ``stem``; a clear error lists the known ones."""
    for e in COURSE:
        if e.stem == stem:
            return e
    raise KeyError(f"notebook {stem!r} is not in the course outline (COURSE in "
                   f"course_checks/outline.py); known: {[e.stem for e in COURSE]}")


# ---- the cells of an exercise -------------------------------------------------------

SELFCHECK_CELL_ID = "selfcheck"
"""The id of every notebook's last cell, ``report(globals(), "<notebook>")`` (not graded)."""


def answer_cell_id(exercise: str) -> str:
    """The id (and nbgrader ``grade_id``) of an exercise's answer cell: its name."""
    return exercise


def grade_cell_id(exercise: str) -> str:
    """The id (and nbgrader ``grade_id``) of an exercise's grade cell: ``check_<name>``."""
    return f"check_{exercise}"


def registry_module(ex: Exercise) -> str:
    """The file that registers ``ex``, relative to the repository root."""
    module = getattr(ex, "module", None) or getattr(ex.make_case, "__module__", "")
    for suffix in (".py", ".toml"):  # a quiz is a data file (course_checks/quizzes/*.toml)
        path = Path(*str(module).split(".")).with_suffix(suffix)
        if (ROOT / path).exists():
            return path.as_posix()
    return str(module)


def _nbgrader(grade_id: str, *, grade: bool = False, solution: bool = False,
              locked: bool = False, points: float | None = None) -> dict[str, Any]:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def _defines(source: str, name: str) -> bool:
    return re.search(rf"^def {re.escape(name)}\(", source, re.MULTILINE) is not None


_CHECK_CALL = re.compile(r"""^\s*check\(\s*["'](?P<name>\w+)["']\s*,""", re.MULTILINE)
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS(?P<body>.*?)### END HIDDEN TESTS", re.DOTALL)
_POINTS_COMMENT = re.compile(r"\((?P<points>\d+(?:\.\d+)?) points? with")


def _checked(source: str) -> str | None:
    """The exercise a grade cell checks: the first visible ``check("name", fn)`` call."""
    visible = _HIDDEN.sub("", source)
    match = _CHECK_CALL.search(visible)
    return match["name"] if match else None


def _code_cells(nb: Any) -> list[tuple[int, Any]]:
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def _find_answer(nb: Any, name: str) -> int | None:
    """The index of the answer cell of exercise ``name``: by id, else the cell defining it."""
    cells = _code_cells(nb)
    for i, cell in cells:
        if cell.get("id") == answer_cell_id(name):
            return i
    for i, cell in cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == answer_cell_id(name):
            return i
    for i, cell in cells:
        if _defines(cell.source, name) and _checked(cell.source) is None:
            return i
    return None


def _find_grade(nb: Any, name: str) -> int | None:
    """The index of the grade cell of exercise ``name``: the cell calling ``check("name", ...)``."""
    for i, cell in _code_cells(nb):
        if _checked(cell.source) == name:
            return i
    return None


def stamp_grade_cells(nb: Any, notebook: str) -> Any:
    """Write, into ``nb``, the ids and nbgrader metadata of every exercise's cells.

    From the registry: the answer cell becomes ``answer_cell_id(name)`` (a solution
    cell; a provided exercise's cell is locked instead), the grade cell (the one
    calling ``check("name", name)``) becomes ``grade_cell_id(name)``, locked, worth the
    registry's points; the last cell, when it calls ``report(globals(), ...)``, is the
    locked self-check cell. Cells it cannot find are left to
    :func:`notebook_problems` to report. Returns ``nb``.
    """
    for ex in exercises_for(notebook):
        a = _find_answer(nb, ex.name)
        if a is not None:
            cell = nb.cells[a]
            cell["id"] = answer_cell_id(ex.name)
            cell.metadata["nbgrader"] = _nbgrader(
                answer_cell_id(ex.name), solution=not ex.provided, locked=bool(ex.provided))
        g = _find_grade(nb, ex.name)
        if g is not None:
            cell = nb.cells[g]
            cell["id"] = grade_cell_id(ex.name)
            cell.metadata["nbgrader"] = _nbgrader(grade_cell_id(ex.name), grade=True,
                                                  locked=True, points=ex.points)
    if nb.cells and nb.cells[-1].cell_type == "code" and "report(globals()" in nb.cells[-1].source:
        nb.cells[-1]["id"] = SELFCHECK_CELL_ID
        nb.cells[-1].metadata["nbgrader"] = _nbgrader(SELFCHECK_CELL_ID, locked=True)
    return nb


def _plural(n: float, word: str) -> str:
    return f"{n:g} {word}" + ("" if n == 1 else "s")


def notebook_problems(nb: Any, notebook: str, where: str | None = None) -> list[str]:
    """Every way the source notebook ``nb`` disagrees with the registry, one sentence each.

    ``where`` names the file in the messages (default ``solutions/<notebook>.ipynb``).
    """
    where = where or f"solutions/{notebook}.ipynb"
    exercises = exercises_for(notebook)
    known = {e.name: e for e in exercises}
    problems: list[str] = []
    meta = nb.metadata.get("course", {}) if hasattr(nb, "metadata") else {}
    if meta.get("notebook") != notebook:
        problems.append(f"{where}: its metadata says course notebook "
                        f"{meta.get('notebook')!r}, its file name {notebook!r}: set "
                        f'metadata["course"]["notebook"] = {notebook!r}')
    order: list[tuple[int, str]] = []
    for ex in exercises:
        home = f"registered in {registry_module(ex)}"
        a, g = _find_answer(nb, ex.name), _find_grade(nb, ex.name)
        if a is None:
            what = ("a locked code cell defining" if ex.provided
                    else "a code cell with ### BEGIN SOLUTION that defines")
            problems.append(f"{where} has no answer cell for exercise {ex.name!r} ({home}): "
                            f"add {what} `def {ex.name}(`")
        else:
            cell = nb.cells[a]
            order.append((a, ex.name))
            has_solution = "### BEGIN SOLUTION" in cell.source
            if ex.provided and has_solution:
                problems.append(f"{where}: answer cell {ex.name!r} has a ### BEGIN SOLUTION "
                                f"region, but exercise {ex.name!r} is provided ({home}): its "
                                "function is defined in a locked cell, without a solution")
            if not ex.provided and not has_solution:
                problems.append(f"{where}: answer cell {ex.name!r} has no ### BEGIN SOLUTION "
                                f"... ### END SOLUTION region ({home})")
            if not _defines(cell.source, ex.name):
                problems.append(f"{where}: answer cell {ex.name!r} does not define "
                                f"`def {ex.name}(`")
            want = _nbgrader(answer_cell_id(ex.name), solution=not ex.provided,
                             locked=bool(ex.provided))
            if cell.get("id") != answer_cell_id(ex.name) or cell.metadata.get("nbgrader") != want:
                problems.append(f"{where}: the answer cell of {ex.name!r} has id "
                                f"{cell.get('id')!r} and nbgrader metadata "
                                f"{cell.metadata.get('nbgrader')}, not {want}: run "
                                "`python -m autograder normalize`")
        unknown = sorted(set(ex.depends_on) - set(known))
        if unknown:
            problems.append(f"{where}: exercise {ex.name!r} depends on {unknown}, which are "
                            f"not exercises of {notebook} ({home})")
        if g is None:
            problems.append(
                f"{where} has no grade cell for exercise {ex.name!r} ({home}): add a cell "
                f'calling check("{ex.name}", {ex.name}) and, between ### BEGIN HIDDEN TESTS '
                f'and ### END HIDDEN TESTS, check("{ex.name}", {ex.name}, hidden=True) '
                "(autograder.authoring.check_cell writes it)")
            continue
        cell = nb.cells[g]
        gid = grade_cell_id(ex.name)
        if a is not None and g < a:
            problems.append(f"{where}: grade cell {gid!r} comes before answer cell "
                            f"{ex.name!r}: move it after")
        hidden = _HIDDEN.search(cell.source)
        if not hidden or f'check("{ex.name}", {ex.name}, hidden=True)' not in hidden["body"]:
            problems.append(f"{where}: grade cell {gid!r} has no hidden check: add "
                            f'check("{ex.name}", {ex.name}, hidden=True) between '
                            "### BEGIN HIDDEN TESTS and ### END HIDDEN TESTS")
        nbg = cell.metadata.get("nbgrader", {})
        if cell.get("id") != gid or nbg.get("grade_id") != gid:
            problems.append(f"{where}: the grade cell of {ex.name!r} has id "
                            f"{cell.get('id')!r} (grade_id {nbg.get('grade_id')!r}), "
                            f"not {gid!r}: run `python -m autograder normalize`")
        if nbg.get("points") != ex.points:
            problems.append(f"{where}: grade cell {gid!r} is worth {nbg.get('points')!r} "
                            f"points, but exercise {ex.name!r} is worth "
                            f"{_plural(ex.points, 'point')} ({home}): run "
                            "`python -m autograder normalize`")
        said = _POINTS_COMMENT.search(cell.source)
        if said and float(said["points"]) != ex.points:
            problems.append(f"{where}: grade cell {gid!r} says {said['points']} points in "
                            f"its comment, exercise {ex.name!r} is worth "
                            f"{_plural(ex.points, 'point')} ({home}): edit the comment")
        if not (nbg.get("grade") and nbg.get("locked")) or nbg.get("solution"):
            problems.append(f"{where}: grade cell {gid!r} is not a locked, graded cell: run "
                            "`python -m autograder normalize`")
    cells_order = [name for _, name in sorted(order)]
    registry_order = [name for _, name in order]
    if cells_order != registry_order:
        home = registry_module(exercises[0])
        problems.append(f"{where}: the answer cells come in the order {cells_order}, the "
                        f"registry's order is {registry_order} ({home}): reorder the "
                        "cells or the register() calls")
    graders: dict[str, list[str]] = {}
    for _, cell in _code_cells(nb):
        name = _checked(cell.source)
        nbg = cell.metadata.get("nbgrader", {})
        if name is not None:
            graders.setdefault(name, []).append(str(cell.get("id")))
        if name is not None and name not in known:
            problems.append(f"{where}: grade cell {cell.get('id')!r} checks {name!r}, which "
                            f"has no exercise in the registry for {notebook} "
                            f"{_registered_elsewhere(name)}")
        elif nbg.get("grade") and name is None:
            problems.append(f"{where}: grade cell {cell.get('id')!r} has no exercise in the "
                            f"registry (it calls no check(\"<name>\", <name>))")
        elif nbg.get("solution") and cell.get("id") not in known:
            problems.append(f"{where}: answer cell {cell.get('id')!r} has no exercise in the "
                            f"registry for {notebook}: register it in "
                            f"course_checks/exercises/nb{notebook[:2]}_*.py or remove the cell")
    for name, ids in graders.items():
        if len(ids) > 1:
            problems.append(f"{where}: cells {ids} all check {name!r}: keep one grade cell "
                            "per exercise")
    last = nb.cells[-1] if nb.cells else None
    want = f'report(globals(), "{notebook}")'
    if last is None or last.cell_type != "code" or want not in last.source:
        problems.append(f"{where}: the last cell is not the self-check: end the notebook "
                        f"with `from course_checks.selfcheck import report` and `{want}`")
    elif (last.get("id") != SELFCHECK_CELL_ID
          or last.metadata.get("nbgrader") != _nbgrader(SELFCHECK_CELL_ID, locked=True)):
        problems.append(f"{where}: the self-check cell is not the locked cell "
                        f"{SELFCHECK_CELL_ID!r}: run `python -m autograder normalize`")
    return problems


def _registered_elsewhere(name: str) -> str:
    try:
        ex = get(name)
    except KeyError:
        return "(register it, or remove the cell)"
    return f"(it is registered for notebook {ex.notebook} in {registry_module(ex)})"


def _read(path: Path) -> Any:
    import nbformat

    return nbformat.read(path, as_version=4)


def course_problems(source_dir: Path = SOLUTIONS,
                    outline: Iterable[Entry] = COURSE) -> list[str]:
    """Every disagreement between the outline, the registry and the source notebooks."""
    outline = list(outline)
    stems = [e.stem for e in outline]
    files = sorted(p.stem for p in Path(source_dir).glob("*.ipynb"))
    rel = _relative(Path(source_dir))
    problems = []
    for stem in files:
        if stem not in stems:
            problems.append(f"{rel}/{stem}.ipynb is not in the course outline: give it its "
                            "Entry in COURSE (course_checks/outline.py)")
    for stem in stems:
        if stem not in files:
            problems.append(f"the course outline lists {stem!r}, but there is no "
                            f"{rel}/{stem}.ipynb")
    if stems != sorted(stems):
        problems.append(f"the course outline is not in notebook order: {stems}")
    for e in outline:
        if not 0 <= e.part < len(PARTS):
            problems.append(f"outline entry {e.stem!r} is in part {e.part}; the parts are "
                            f"0..{len(PARTS) - 1} (PARTS)")
    for ex in all_exercises():
        if ex.notebook not in stems:
            problems.append(f"exercise {ex.name!r} ({registry_module(ex)}) is registered for "
                            f"notebook {ex.notebook!r}, which is not in the course outline")
    for stem in files:
        nb = _read(Path(source_dir) / f"{stem}.ipynb")
        problems += notebook_problems(nb, stem, f"{rel}/{stem}.ipynb")
    return problems


class OutlineError(ValueError):
    """A source notebook disagrees with the registry; ``problems`` lists how, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# ---- one exercise, everywhere -------------------------------------------------------


def _line_of(path: Path, pattern: str) -> str:
    try:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(pattern, line):
                return f"{_relative(path)}:{n}"
    except OSError:
        pass
    return _relative(path)


def _source_of(obj: Any) -> str:
    obj = innermost(obj)
    try:
        path = Path(inspect.getsourcefile(obj) or "")
        line = inspect.getsourcelines(obj)[1]
    except (TypeError, OSError):
        return "?"
    return f"{_relative(path)}:{line}"


def describe(name: str) -> str:
    """Where everything about exercise ``name`` lives, one line each."""
    ex = get(name)
    module = registry_module(ex)
    ref = innermost(ex.reference)
    ref_name = f"{getattr(ref, '__module__', '?')}.{getattr(ref, '__qualname__', '?')}"
    registered = _line_of(ROOT / module, rf"""(name=|register\(|^)\s*["']{re.escape(name)}["'],""")
    lines = [
        f"exercise {ex.name}: {ex.summary}" if ex.summary else f"exercise {ex.name}",
        f"  registry   {registered}",
        f"  reference  {ref_name}  ({_source_of(ref)})",
        f"  check      cases {getattr(ex.make_case, '__qualname__', '?')} "
        f"({_source_of(ex.make_case)}); {ex.visible_cases} visible, {ex.hidden_cases} hidden; "
        f"{_plural(ex.points, 'point')}",
        "  mistakes   " + ", ".join(m.name for m in ex.mistakes),
    ]
    for kind in ("solutions", "notebooks"):
        path = ROOT / kind / f"{ex.notebook}.ipynb"
        lines.append(f"  {kind:<10} {_relative(path)}  cells {answer_cell_id(name)!r}, "
                     f"{grade_cell_id(name)!r}")
    targets = reimplemented(ex)
    lines.append("  docstring  " + (", ".join(f"{m}.{q}" for m, q in targets) or
                                   "(no course_lib function)") + f"  «{link_line(ex)}»")
    if getattr(ex, "reference_names", ()):
        lines.append("  forbidden  " + ", ".join(ex.reference_names))
    return "\n".join(lines)


# ---- command line -------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m course_checks.outline",
                                description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="exit 1 listing every disagreement between the outline, "
                                     "the registry and the source notebooks")
    c.add_argument("--solutions", type=Path, default=SOLUTIONS)
    w = sub.add_parser("where", help="where everything about an exercise lives")
    w.add_argument("names", nargs="+")
    d = sub.add_parser("docstrings", help="check (or --write) the exercise links in the "
                                          "docstrings of course_lib")
    d.add_argument("--lib", type=Path, default=COURSE_LIB,
                   help="the course_lib directory to check or write (default: the course's)")
    d.add_argument("--write", action="store_true", help="insert or update the links")
    args = p.parse_args(argv)
    if args.command == "check":
        problems = course_problems(args.solutions)
        for line in problems:
            print(line, file=sys.stderr)
        return 1 if problems else 0
    if args.command == "where":
        try:
            print("\n\n".join(describe(n) for n in args.names))
        except KeyError as exc:
            print(exc.args[0], file=sys.stderr)
            return 2
        return 0
    try:
        if args.write:
            for path in write_docstrings(args.lib):
                print(f"linked {path}")
            problems = docstring_edits(args.lib)[1]
        else:
            problems = docstring_problems(args.lib)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

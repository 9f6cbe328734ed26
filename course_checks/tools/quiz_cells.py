"""Write a notebook's Quiz section from its questions in the registry.

The questions (``course_checks/quizzes/nbNN_<name>.toml``) are the single source of
truth; this writes them into the source notebook, just before its References::

    python -m course_checks.tools.quiz_cells 06_exponentially_weighted_averages
    python -m course_checks.tools.quiz_cells --check            # every notebook; exit 1 if stale

then ``python -m autograder normalize solutions/NN_x.ipynb`` and ``python -m autograder
generate NN_x`` as after any edit. Writing is idempotent: the old Quiz section (cells
``quiz``, ``quiz_NN_k_text``, ``quiz_NN_k``, ``check_quiz_NN_k``) is removed and the new
one inserted before the cell ``references`` (else before the last cell).
``tests/test_quizzes.py`` fails, naming this command, when a notebook's section is not
what it writes.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

from ..doclinks import ROOT
from ..outline import grade_cell_id
from ..quiz import Question, answer_literal, questions_for

__all__ = ["QUIZ_CELL", "is_quiz_cell", "quiz_cells", "quiz_problems", "write_quiz"]

SOLUTIONS = ROOT / "solutions"
QUIZ_CELL = "quiz"  # the id of the section's heading cell
_QUIZ_ID = re.compile(r"^(check_)?quiz_\d\d_\d+(_text)?$")


def is_quiz_cell(cell: Any) -> bool:
    """Whether a cell belongs to a Quiz section (by its id)."""
    cid = cell.get("id", "")
    return cid == QUIZ_CELL or bool(_QUIZ_ID.match(cid))


def _locked_md(text: str, cid: str) -> Any:
    cell = new_markdown_cell(text)
    cell["id"] = cid
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": cid, "locked": True,
                                 "schema_version": 3, "solution": False, "task": False}
    return cell


def _heading(questions: list[Question]) -> str:
    n = len(questions)
    pts = sum(q.exercise.points for q in questions)
    return (
        "## Quiz\n\n"
        f"{n} questions on the ideas of this notebook ({pts} points). Answer each one in the "
        "cell under it: return the letter of your choice (`return \"B\"`), or the number it "
        "asks for. Its check tells you at once whether you are right and, when you are not, "
        "why that choice is wrong; change your answer as often as you like. The self-check "
        "at the end and the grader check your answers like the exercises'."
    )


def _question_md(q: Question) -> str:
    lines = [f"**Question {q.number}.** {q.text.strip()}", ""]
    if q.numeric:
        lines.append("*Answer with a number.*")
    else:
        lines += [f"- **{letter}.** {text.strip()}" for letter, text in q.choices]
    return "\n".join(lines)


def _answer_src(q: Question) -> str:
    if q.numeric:
        what = "your answer, a number"
    else:
        letters = [f'"{x}"' for x in q.letters]
        what = f"the letter of your answer, {', '.join(letters[:-1])} or {letters[-1]}"
    return (f"def {q.name}():\n"
            f'    """Question {q.number}: {what}."""\n'
            "    ### BEGIN SOLUTION\n"
            f"    return {answer_literal(q.answer)}\n"
            "    ### END SOLUTION")


def _grade_src(q: Question) -> str:
    pts = q.exercise.points
    return (f"# Checks your answer to question {q.number} ({pts} point"
            f"{'' if pts == 1 else 's'} with the same check at grading time).\n"
            "from course_checks import check\n"
            f'check("{q.name}", {q.name})\n'
            "### BEGIN HIDDEN TESTS\n"
            f'check("{q.name}", {q.name}, hidden=True)\n'
            "### END HIDDEN TESTS")


def quiz_cells(notebook: str) -> list[Any]:
    """The Quiz section of ``notebook``: a heading, then per question its text and
    choices (locked), its answer cell and its grade cell. Empty when it has no quiz."""
    questions = questions_for(notebook)
    if not questions:
        return []
    cells = [_locked_md(_heading(questions), QUIZ_CELL)]
    for q in questions:
        cells.append(_locked_md(_question_md(q), f"{q.name}_text"))
        answer = new_code_cell(_answer_src(q))
        answer["id"] = q.name
        cells.append(answer)
        grade = new_code_cell(_grade_src(q))
        grade["id"] = grade_cell_id(q.name)
        cells.append(grade)
    return cells


def write_quiz(nb: Any, notebook: str) -> Any:
    """``nb`` with its Quiz section replaced by :func:`quiz_cells` (inserted before the
    cell ``references``, else before the last cell). Returns ``nb``."""
    nb.cells = [c for c in nb.cells if not is_quiz_cell(c)]
    at = next((i for i, c in enumerate(nb.cells) if c.get("id") == "references"),
              max(len(nb.cells) - 1, 0))
    nb.cells[at:at] = quiz_cells(notebook)
    return nb


def quiz_problems(nb: Any, notebook: str) -> list[str]:
    """How the Quiz section of ``nb`` differs from what :func:`write_quiz` writes (sources
    and order; metadata is stamped by ``normalize``), one sentence each."""
    fix = (f"run `python -m course_checks.tools.quiz_cells {notebook}`, then normalize "
           "and generate it")
    want = quiz_cells(notebook)
    have = [c for c in nb.cells if is_quiz_cell(c)]
    ids_want, ids_have = [c["id"] for c in want], [c.get("id") for c in have]
    if ids_want != ids_have:
        return [f"solutions/{notebook}.ipynb: its quiz cells are {ids_have}, the registry's "
                f"{ids_want}: {fix}"]
    problems = []
    if have:
        first = next(i for i, c in enumerate(nb.cells) if is_quiz_cell(c))
        if [c.get("id") for c in nb.cells[first:first + len(have)]] != ids_have:
            problems.append(f"solutions/{notebook}.ipynb: its quiz cells are not together: {fix}")
    for w, h in zip(want, have):
        if w.source != h.get("source") or w.cell_type != h.get("cell_type"):
            problems.append(f"solutions/{notebook}.ipynb: cell {w['id']} is not the "
                            f"registry's text: {fix}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_checks.tools.quiz_cells",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="NN_name (default: every notebook)")
    parser.add_argument("--check", action="store_true", help="only report stale sections")
    args = parser.parse_args(argv)
    names = args.notebooks or sorted(p.stem for p in SOLUTIONS.glob("*.ipynb"))
    status = 0
    for name in names:
        name = name.removesuffix(".ipynb").rsplit("/", 1)[-1]
        path = SOLUTIONS / f"{name}.ipynb"
        nb = nbformat.read(path, as_version=4)
        if args.check:
            for line in quiz_problems(nb, name):
                print(line)
                status = 1
            continue
        nbformat.write(write_quiz(nb, name), path)
        print(f"{path.relative_to(ROOT)}: {len(questions_for(name))} quiz questions written")
    return status


if __name__ == "__main__":
    sys.exit(main())

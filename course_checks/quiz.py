"""Quiz questions: conceptual questions graded like any exercise.

A quiz question is an exercise of the registry whose answer is a constant: the
student's answer cell defines ``def quiz_03_1():`` and returns a letter (``return
"B"``) or, for a numeric question, a number. Everything downstream is the
exercises' machinery, unchanged: the grade cell calls ``check("quiz_03_1",
quiz_03_1)``, the self-check lists it, the sandboxed grader calls the function like
any other (no input; the output is a ``str`` or a number, plain data) and compares
it here, in its own process; each wrong choice is a catalogued :class:`Mistake`
(``choice_C``) whose hint is the explanation of that choice, so the feedback, the
class report's most common mistakes and the export name it like any mistake.

The questions are data: ``course_checks/quizzes/nbNN_<name>.toml``, one file per
notebook, read with the standard library's ``tomllib`` by :func:`load_quiz`, which
registers them in order (``quiz_NN_1``, ``quiz_NN_2``, ...) through :func:`quizzer`::

    notebook = "06_exponentially_weighted_averages"

    [[question]]                        # a multiple-choice question
    text = "As β gets closer to 1, the window of the average ..."
    answer = "B"
    [question.choices]
    A = "shrinks"
    B = "grows, like 1/(1 - β)"
    C = "stays 10 values"
    D = "halves"
    [question.why]                      # every wrong choice, explained (three at least)
    A = "..."
    C = "..."
    D = "..."

    [[question]]                        # a numeric question: no choices, traps instead
    text = "With β = 0.98, about how many days does the average span?"
    answer = 50
    rtol = 0.02                         # optional (default 0.02); points = 1 likewise
    [[question.trap]]                   # at least three wrong numbers students reach
    value = 2
    why = "..."

They are the single source of truth of the quiz: the notebook's Quiz section (a
heading, then per question a locked markdown cell with the text and choices, the
answer cell and the grade cell) is written from them by
``python -m course_checks.tools.quiz_cells NN_<name>`` (see ``docs/authoring.md``),
and ``tests/test_quizzes.py`` fails when the cells and the registry disagree.

Like the registry's references, the answer key is in ``course_checks``, which the
grading sandbox does not hold: an answer can neither import nor read it there.
"""

from __future__ import annotations

import linecache
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cases import Case
from .compare import Mismatch
from .registry import Exercise, Mistake, get, registrar

__all__ = [
    "Question",
    "answer_literal",
    "is_question",
    "load_quiz",
    "question",
    "questions_for",
    "quizzer",
]

# Where every question's text lives (by exercise name), in registration order.
_QUESTIONS: dict[str, Question] = {}


@dataclass(frozen=True)
class Question:
    """The text of one quiz question, what the notebook shows.

    ``choices`` maps letters to their text (empty for a numeric question); ``answer``
    is the right letter, or the right number; ``why`` maps every wrong letter (every
    catalogued wrong number, for a numeric question) to its explanation; ``rtol`` is
    how close a number must be to count as the answer.
    """

    name: str
    notebook: str
    number: int
    text: str
    choices: tuple[tuple[str, str], ...]
    answer: Any
    why: tuple[tuple[Any, str], ...]
    rtol: float = 0.0

    @property
    def numeric(self) -> bool:
        return not self.choices

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(letter for letter, _ in self.choices)

    @property
    def exercise(self) -> Exercise:
        return get(self.name)


def is_question(ex: Exercise) -> bool:
    """Whether ``ex`` is a quiz question (its answer is a constant, not a computation)."""
    return ex.name in _QUESTIONS


def question(name: str) -> Question:
    """The question registered as exercise ``name``."""
    from . import quizzes  # noqa: F401

    return _QUESTIONS[name]


def questions_for(notebook: str) -> list[Question]:
    """The quiz questions of one notebook, in order."""
    from . import quizzes  # noqa: F401  (registers every question, as the registry's loading does)

    return [q for q in _QUESTIONS.values() if q.notebook == notebook]


def answer_literal(value: Any) -> str:
    """``value`` as the answer cell writes it: ``"B"`` (double quotes), ``50``, ``0.02``."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _constant(qname: str, fname: str, value: Any, doc: str) -> Callable[[], Any]:
    """A function ``fname()`` returning ``value``, with real source (``inspect.getsource``
    finds it): a wrong choice written as a student would write it."""
    src = f'def {fname}():\n    """{doc}"""\n    return {answer_literal(value)}\n'
    filename = f"<quiz {qname} {fname}>"
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": __name__}
    exec(compile(src, filename, "exec"), namespace)
    return namespace[fname]


def _no_input_for(module: str) -> Callable[[Any, int], Case]:
    """The ``make_case`` of a quiz question: no input. It is named after the quiz module
    (``registry_module`` of an exercise reads it, and messages name that file)."""
    def make_case(rng: Any, index: int) -> Case:
        return Case()

    make_case.__module__ = module
    return make_case


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _letter_of(got: Any, letters: tuple[str, ...]) -> str | None:
    """The letter a student's answer names (``"b"``, ``" B "`` and ``"B)"`` name B)."""
    if type(got) is not str:
        return None
    text = got.strip().rstrip(").").strip().upper()
    return text if text in letters else None


def _compare_choice(name: str, letters: tuple[str, ...]):
    def compare(expected: str, got: Any, case: Case) -> Mismatch | None:
        picked = _letter_of(got, letters)
        if picked is None:
            return Mismatch("output", "type",
                            f"{name} should return one of the letters "
                            f"{', '.join(repr(x) for x in letters)} (a str: return \"A\"), "
                            f"not {_shown(got)}")
        if picked == expected:
            return None
        return Mismatch("output", "values", f"{name}: {picked} is not the right answer")
    return compare


def _number_of(got: Any) -> float | None:
    if type(got) in (int, float) or (hasattr(got, "dtype") and getattr(got, "shape", None) == ()):
        try:
            value = float(got)
        except (TypeError, ValueError):
            return None
        return value if math.isfinite(value) else None
    return None


def _compare_number(name: str, rtol: float):
    def compare(expected: float, got: Any, case: Case) -> Mismatch | None:
        value = _number_of(got)
        if value is None:
            return Mismatch("output", "type",
                            f"{name} should return a number (return 12.5), not {_shown(got)}")
        if abs(value - expected) <= rtol * abs(expected) + 1e-12:
            return None
        return Mismatch("output", "values", f"{name}: {value:g} is not the right answer")
    return compare


def _notebook_number(notebook: str) -> str:
    return notebook[:2]


class _Quizzer:
    """The ``ask`` of one notebook's quiz module (see :func:`quizzer`)."""

    def __init__(self, notebook: str) -> None:
        self.notebook = notebook
        self.register = registrar(notebook)
        self.make_case = _no_input_for(f"course_checks.quizzes.nb{notebook}")
        self.count = 0

    def _next_name(self) -> tuple[str, int]:
        self.count += 1
        return f"quiz_{_notebook_number(self.notebook)}_{self.count}", self.count

    def __call__(self, text: str, choices: Mapping[str, str], *, answer: str,
                 why: Mapping[str, str], points: int = 1) -> Exercise:
        """A multiple-choice question: ``choices`` letter -> text, ``answer`` the right
        letter, ``why`` an explanation for every wrong letter."""
        name, number = self._next_name()
        letters = tuple(choices)
        if len(letters) < 3 or any(len(x) != 1 or not x.isupper() for x in letters):
            raise ValueError(f"{name}: give at least three choices, lettered 'A', 'B', ...")
        if answer not in choices:
            raise ValueError(f"{name}: the answer {answer!r} is not one of {letters}")
        wrong = [x for x in letters if x != answer]
        if sorted(why) != sorted(wrong):
            raise ValueError(f"{name}: explain every wrong choice {wrong} (and only those) "
                             f"in why=, got {sorted(why)}")
        mistakes = tuple(
            Mistake(f"choice_{x}", why[x],
                    _constant(name, f"choice_{x}", x, f"Choice {x} of {name}, a wrong one."))
            for x in wrong)
        return self._register(Question(name, self.notebook, number, text,
                                       tuple(choices.items()), answer,
                                       tuple((x, why[x]) for x in wrong)),
                              answer, mistakes, _compare_choice(name, letters), points)

    def number(self, text: str, *, answer: float, traps: Mapping[float, str],
               rtol: float = 0.02, points: int = 1) -> Exercise:
        """A numeric question: ``answer`` within ``rtol``; ``traps`` the wrong numbers
        students reach (at least three), each with its explanation."""
        name, number = self._next_name()
        if len(traps) < 3:
            raise ValueError(f"{name}: catalogue at least three wrong numbers in traps=")
        near = [t for t in traps if abs(t - answer) <= rtol * abs(answer) + 1e-12]
        if near:
            raise ValueError(f"{name}: traps {near} are within rtol of the answer")
        mistakes = tuple(
            Mistake(f"answer_{k}", hint,
                    _constant(name, f"answer_{k}", value, f"A wrong answer to {name}: {value}."))
            for k, (value, hint) in enumerate(traps.items(), 1))
        return self._register(Question(name, self.notebook, number, text, (), answer,
                                       tuple(traps.items()), rtol),
                              answer, mistakes, _compare_number(name, rtol), points)

    def _register(self, q: Question, answer: Any, mistakes: tuple[Mistake, ...],
                  compare: Callable[..., Mismatch | None], points: int) -> Exercise:
        reference = _constant(q.name, q.name, answer,
                              f"The answer key of question {q.number} of the quiz of "
                              f"{q.notebook} (course_checks/quizzes/nb{q.notebook}.toml).")
        first = " ".join(q.text.split())
        summary = f"Quiz {q.number}: " + (first if len(first) <= 60 else first[:57] + "...")
        ex = self.register(q.name, reference, self.make_case, mistakes=mistakes, points=points,
                           compare=compare, visible_cases=1, hidden_cases=1, summary=summary)
        _QUESTIONS[q.name] = q
        return ex


def quizzer(notebook: str) -> _Quizzer:
    """The ``ask`` of one notebook's quiz module: ``ask(text, choices, answer=, why=)``
    and ``ask.number(text, answer=, traps=)`` register questions ``quiz_NN_1``,
    ``quiz_NN_2``, ... of ``notebook`` in that order, 1 point each by default."""
    return _Quizzer(notebook)


_QUESTION_KEYS = {"text", "answer", "choices", "why", "trap", "rtol", "points"}


def load_quiz(path: Path) -> list[Exercise]:
    """Register the questions of one quiz file (``course_checks/quizzes/nbNN_<name>.toml``,
    format in the module doc), in the file's order; a one-line error names the file, the
    question and what is wrong."""
    with open(path, "rb") as f:
        try:
            data = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML ({exc})") from None
    notebook = data.get("notebook")
    if path.stem != f"nb{notebook}":
        raise ValueError(f"{path}: notebook = {notebook!r} does not match the file name; "
                         f"name the file nb<notebook>.toml")
    questions = data.get("question")
    if set(data) != {"notebook", "question"} or not isinstance(questions, list):
        raise ValueError(f"{path}: a quiz file holds notebook = \"...\" and [[question]] "
                         f"tables only, got keys {sorted(data)}")
    ask = quizzer(notebook)
    registered = []
    for k, q in enumerate(questions, 1):
        where = f"{path}, question {k}"
        if not {"text", "answer"} <= set(q) <= _QUESTION_KEYS:
            raise ValueError(f"{where}: give text and answer, and only the keys "
                             f"{sorted(_QUESTION_KEYS)}; got {sorted(q)}")
        points = q.get("points", 1)
        if "choices" in q:
            if "trap" in q or "rtol" in q:
                raise ValueError(f"{where}: a multiple-choice question has choices and why, "
                                 f"no trap or rtol (those are for numeric questions)")
            registered.append(ask(q["text"], q["choices"], answer=q["answer"],
                                  why=q.get("why", {}), points=points))
        else:
            if "why" in q:
                raise ValueError(f"{where}: a numeric question explains its wrong numbers "
                                 f"in [[question.trap]] tables (value, why), not in why")
            trap = q.get("trap", [])
            if any(set(t) != {"value", "why"} for t in trap):
                raise ValueError(f"{where}: every [[question.trap]] holds value and why")
            tolerance = {"rtol": q["rtol"]} if "rtol" in q else {}  # else number()'s default
            registered.append(ask.number(q["text"], answer=q["answer"],
                                         traps={t["value"]: t["why"] for t in trap},
                                         points=points, **tolerance))
    return registered

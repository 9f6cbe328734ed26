"""The quizzes: conceptual questions, one data file per notebook (``nbNN_<name>.toml``,
format in ``course_checks/quiz.py``; ``docs/authoring.md``, section 7).

Importing this package registers every question (``course_checks.quiz.load_quiz``), after
the exercises (``registry._load`` imports ``exercises`` first): a notebook's questions
come after its exercises, as their cells do, in its Quiz section.
"""

from pathlib import Path

from .. import exercises  # noqa: F401  (the exercises first, whoever imports this package)
from ..quiz import load_quiz

_HERE = Path(__file__).resolve().parent

for _path in sorted(_HERE.glob("nb*.toml")):
    load_quiz(_path)

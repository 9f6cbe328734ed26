"""The quizzes: conceptual questions, one module per notebook (``nbNN_<name>.py``).

Importing this package registers every question (``course_checks.quiz.quizzer``), after
the exercises (``registry._load`` imports ``exercises`` first): a notebook's questions
come after its exercises, as their cells do, in its Quiz section.
"""

import importlib
import pkgutil

from .. import exercises  # noqa: F401  (the exercises first, whoever imports this package)

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _info.name.startswith("nb"):
        importlib.import_module(f"{__name__}.{_info.name}")

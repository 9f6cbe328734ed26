"""course_checks: the shared registry of exercises and the checks built on it.

In a notebook::

    from course_checks import check
    check("relu", relu)          # visible cases; raises CheckFailed with a hint when wrong

The same registry drives pytest, the student self-check (``python -m course_checks``)
and the autograder. The notebooks import only this package, ``course_checks.notebook``
and ``course_checks.selfcheck`` (no nbclient, nbformat or jupyter_client);
``course_checks.outline`` holds the course's structure (its notebooks in order, the
cells of each exercise) and ``course_checks.tools`` the code that runs notebooks in a
kernel.
"""

from .cases import Case, Named, Rng
from .compare import Mismatch, Tolerance, compare
from .registry import Exercise, Mistake, all_exercises, exercises_for, get, register
from .runner import CheckFailed, CheckResult, check, evaluate_outputs, run_check

__all__ = [
    "Case",
    "CheckFailed",
    "CheckResult",
    "Exercise",
    "Mismatch",
    "Mistake",
    "Named",
    "Rng",
    "Tolerance",
    "all_exercises",
    "check",
    "compare",
    "evaluate_outputs",
    "exercises_for",
    "get",
    "register",
    "run_check",
]

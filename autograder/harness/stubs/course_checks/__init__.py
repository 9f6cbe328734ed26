"""Grading-time stand-in for course_checks: no registry, no references.

The notebooks' trusted setup cells import helpers from course_checks; inside
the grading sandbox these stubs take their place. Grade cells are never run
there (the grader checks outputs itself), so ``check`` does nothing. The one real
piece of course_checks in the sandbox is ``course_checks/cases.py``, mounted alone as
the top-level module ``cases`` for the worker (see that module's doc).
"""


import sys


def check(*args, **kwargs):
    return None


def __getattr__(name):
    """Any other course_checks name: a placeholder that refuses to run while grading."""

    def unavailable(*args, **kwargs):
        sys.audit("course_lib.unavailable", f"course_checks.{name}")  # the registry: flagged
        raise RuntimeError(f"course_checks.{name} is not available while grading")

    unavailable.__name__ = name
    return unavailable

"""The registry of exercises: one entry per exercise of the course.

An :class:`Exercise` holds everything needed to check one student function:

* ``reference`` — the correct implementation (from ``course_lib``);
* ``make_case(rng, index) -> Case`` — random inputs, with edge cases at fixed
  indices (a last mini-batch smaller than B, huge logits, ...);
* ``tolerance`` or a custom ``compare`` — how outputs are compared;
* ``mistakes`` — a catalogue of wrong implementations students really write,
  each with the hint a teacher would give. When a student's output matches a
  catalogued mistake's output, the check names that mistake.

pytest, the notebooks' grade cells, the student self-check and the autograder
all read this one registry.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .cases import Case
from .compare import Mismatch, Tolerance, compare

__all__ = [
    "Exercise",
    "Mistake",
    "all_exercises",
    "exercises_for",
    "get",
    "register",
]


@dataclass(frozen=True)
class Mistake:
    """A wrong implementation students really write, and what to tell them.

    ``impl`` has the exercise's signature. ``hint`` is addressed to the student
    ("You put ε inside the square root: ...").
    """

    name: str
    hint: str
    impl: Callable[..., Any]


@dataclass(frozen=True)
class Exercise:
    """One exercise: the function a student writes and how to check it.

    Args:
        name: unique id, also the function's name in the notebook (``adam_step``).
        notebook: the notebook it belongs to (``07_optimizers``).
        reference: the correct implementation.
        make_case: ``(rng, index) -> Case``; index 0, 1, … lets it place edge cases.
        mistakes: the catalogue of known wrong implementations (at least three).
        points: what the exercise is worth.
        tolerance: used by the default comparison.
        compare: custom ``(expected, got, case) -> Mismatch | None`` (default: structural).
        visible_cases / hidden_cases: how many cases each kind of check runs.
        depends_on: exercises whose functions this one's notebook code calls.
        summary: one line for tables ("Adam update of one parameter array").
        reference_names: course_lib names that implement this exercise; calling or
            importing them in the student's answer earns nothing.
        provided: the notebook itself defines the function, in a locked cell, from the
            student's answers to other exercises (``capstone_pipeline``); there is no
            answer cell, and the check grades those answers working together.
    """

    name: str
    notebook: str
    reference: Callable[..., Any]
    make_case: Callable[[np.random.Generator, int], Case]
    mistakes: tuple[Mistake, ...]
    points: int = 1
    tolerance: Tolerance = field(default_factory=Tolerance)
    compare: Callable[[Any, Any, Case], Mismatch | None] | None = None
    visible_cases: int = 3
    hidden_cases: int = 10
    depends_on: tuple[str, ...] = ()
    summary: str = ""
    reference_names: tuple[str, ...] = field(default_factory=tuple)
    provided: bool = False

    @property
    def visible_seed(self) -> int:
        """The fixed seed of the visible checks (stable across runs and machines)."""
        return zlib.crc32(f"visible:{self.name}".encode())

    def cases(self, seed: int, n: int) -> list[Case]:
        """``n`` cases from ``seed``; case i is made with its own generator."""
        root = np.random.SeedSequence(seed)
        return [
            self.make_case(np.random.default_rng(child), i)
            for i, child in enumerate(root.spawn(n))
        ]

    def outputs_match(self, expected: Any, got: Any, case: Case) -> Mismatch | None:
        """The exercise's comparison: custom if given, else structural with ``tolerance``."""
        if self.compare is not None:
            return self.compare(expected, got, case)
        return compare(expected, got, self.tolerance)


_REGISTRY: dict[str, Exercise] = {}


def register(ex: Exercise) -> Exercise:
    """Add ``ex`` to the registry (names are unique; at least three mistakes)."""
    if ex.name in _REGISTRY and _REGISTRY[ex.name] is not ex:
        raise ValueError(f"exercise {ex.name!r} is registered twice")
    if len(ex.mistakes) < 3:
        raise ValueError(f"exercise {ex.name!r} needs at least 3 catalogued mistakes")
    names = [m.name for m in ex.mistakes]
    if len(set(names)) != len(names):
        raise ValueError(f"exercise {ex.name!r} has duplicate mistake names {names}")
    _REGISTRY[ex.name] = ex
    return ex


def _load() -> None:
    from . import exercises  # noqa: F401  (importing registers every exercise)


def get(name: str) -> Exercise:
    """The exercise called ``name``; a clear error lists the known names otherwise."""
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(
            f"no exercise called {name!r}; known exercises: {sorted(_REGISTRY)}"
        ) from None


def all_exercises() -> list[Exercise]:
    """Every registered exercise, in notebook order then registration order."""
    _load()
    return sorted(_REGISTRY.values(), key=lambda e: e.notebook)


def exercises_for(notebook: str) -> list[Exercise]:
    """The exercises of one notebook, in registration order."""
    _load()
    return [e for e in _REGISTRY.values() if e.notebook == notebook]

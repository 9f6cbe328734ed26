"""The registry of exercises: one entry per exercise of the course.

An :class:`Exercise` holds everything needed to check one student function:

* ``reference`` — the correct implementation: a ``course_lib`` function when the
  notebook's signature is the library's, else a short adapter defined next to the
  entry (its docstring says what it adapts and why);
* ``implements`` — the public ``course_lib`` callables that compute the answer (what
  the reference wraps, and others that would give the answer away); with the
  reference they make :attr:`Exercise.reference_names`, which the autograder flags
  in a student's answer;
* ``make_case(rng, index) -> Case`` — random inputs, with edge cases at fixed
  indices (a last mini-batch smaller than B, huge logits, ...);
* ``tolerance`` or a custom ``compare`` — how outputs are compared;
* ``mistakes`` — a catalogue of wrong implementations students really write,
  each with the hint a teacher would give. When a student's output matches a
  catalogued mistake's output (as a whole, or in the parts it is wrong in: one
  element of a tuple, one key of a dict), the check names that mistake; when none
  matches, ``course_checks.diagnose`` names the *kind* of error it can explain
  (a flipped sign, a factor 1/m, t off by one, ...), with any ``explanations`` the
  entry declares. Modifying an input in
  place is recognized by the runner for every exercise (``runner.MODIFIED_INPUT``):
  it is not catalogued, and does not count towards the three mistakes an entry needs.

Each notebook module registers its entries through its own :func:`registrar`::

    register = registrar("07_optimizers")
    register("gd_step", gd_step, _gd_case, summary="...", mistakes=(...))

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
    "RESERVED_MISTAKES",
    "Exercise",
    "Explanation",
    "Method",
    "Mistake",
    "all_exercises",
    "exercises_for",
    "get",
    "register",
    "registrar",
]

# Mistakes the runner recognizes by behaviour for every exercise (see runner.py).
RESERVED_MISTAKES = frozenset({"modified_input"})


@dataclass(frozen=True)
class Mistake:
    """A wrong implementation students really write, and what to tell them.

    ``impl`` has the exercise's signature. ``hint`` is addressed to the student
    ("You put ε inside the square root: ..."). The runner's own mistakes
    (``runner.MODIFIED_INPUT``) are recognized by behaviour and have no ``impl``.
    """

    name: str
    hint: str
    impl: Callable[..., Any] | None


@dataclass(frozen=True)
class Explanation:
    """A kind of error the diagnosis of this exercise also tries (``course_checks.diagnose``).

    ``fn(reference, expected, *args, **kwargs)`` gets the exercise's reference, its output
    on the case, and fresh copies of the case's inputs, and returns the output this kind
    of error gives (it may call ``reference`` on modified inputs; it never sees the
    student's code). When that output reproduces the student's (as a whole or in one
    part), the check says "it looks like {text}" and records ``kind:{name}``. ``text``
    reads after "it looks like": ``"the step used v from before its update"``.
    """

    name: str
    text: str
    fn: Callable[..., Any]


@dataclass(frozen=True)
class Method:
    """A method as reached through a class: ``Method(Adam, "init")`` is named
    ``course_lib.optimizers.Adam.init`` even when ``init`` is inherited (the name the
    grading sandbox's stubs report, and the one a student's code spells)."""

    cls: type
    name: str

    def __post_init__(self) -> None:
        if not callable(getattr(self.cls, self.name, None)):
            raise ValueError(f"{self.cls.__qualname__} has no method {self.name!r}")


def _module_of(obj: Any) -> str:
    return str(getattr(obj.cls if isinstance(obj, Method) else obj, "__module__", ""))


def qualified_name(obj: Any) -> str:
    """``module.qualname`` of a function, class or :class:`Method`
    (``course_lib.optimizers.adam_step``, ``course_lib.optimizers.Adam.init``)."""
    if isinstance(obj, Method):
        return f"{qualified_name(obj.cls)}.{obj.name}"
    return f"{obj.__module__}.{obj.__qualname__}"


def _is_course_lib(obj: Any) -> bool:
    return _module_of(obj).startswith("course_lib")


@dataclass(frozen=True)
class Exercise:
    """One exercise: the function a student writes and how to check it.

    Args:
        name: unique id, also the function's name in the notebook (``adam_step``).
        notebook: the notebook it belongs to (``07_optimizers``).
        reference: the correct implementation (a ``course_lib`` function, or an adapter
            whose docstring says what it adapts).
        make_case: ``(rng, index) -> Case``; index 0, 1, … lets it place edge cases.
        mistakes: the catalogue of known wrong implementations (at least three, not
            counting the runner's ``modified_input``).
        points: what the exercise is worth.
        tolerance: used by the default comparison.
        compare: custom ``(expected, got, case) -> Mismatch | None`` (default: structural).
        visible_cases / hidden_cases: how many cases each kind of check runs.
        depends_on: exercises whose functions this one's notebook code calls.
        summary: one line for tables ("Adam update of one parameter array").
        implements: public ``course_lib`` functions, classes or methods (as
            :class:`Method`) that compute this exercise's answer besides the reference
            itself (what an adapter wraps); see :attr:`reference_names`.
        provided: the notebook itself defines the function, in a locked cell, from the
            student's answers to other exercises (``capstone_pipeline``); there is no
            answer cell, and the check grades those answers working together.
        explanations: kinds of error of this exercise the diagnosis tries besides its
            own (:class:`Explanation`), for uncatalogued answers.
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
    implements: tuple[Callable[..., Any] | Method, ...] = ()
    provided: bool = False
    explanations: tuple[Explanation, ...] = ()

    @property
    def reference_names(self) -> tuple[str, ...]:
        """Qualified names (``course_lib.optimizers.adam_step``) of the ``course_lib``
        callables that compute this exercise's answer: the reference when it is one,
        then ``implements``. Calling or importing one in an answer earns nothing (the
        autograder also counts the private helpers of their modules, see
        :attr:`reference_modules`)."""
        objs = ((self.reference,) if _is_course_lib(self.reference) else ()) + self.implements
        return tuple(dict.fromkeys(qualified_name(o) for o in objs))

    @property
    def reference_modules(self) -> tuple[str, ...]:
        """The ``course_lib`` modules that define :attr:`reference_names`."""
        objs = ((self.reference,) if _is_course_lib(self.reference) else ()) + self.implements
        return tuple(dict.fromkeys(_module_of(o) for o in objs))

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
    """Add ``ex`` to the registry (names are unique; at least three catalogued mistakes,
    none named like a mistake the runner recognizes itself; ``implements`` are
    ``course_lib`` callables)."""
    if ex.name in _REGISTRY and _REGISTRY[ex.name] is not ex:
        raise ValueError(f"exercise {ex.name!r} is registered twice")
    if len(ex.mistakes) < 3:
        raise ValueError(f"exercise {ex.name!r} needs at least 3 catalogued mistakes "
                         "(modifying an input is recognized by the runner and does not count)")
    names = [m.name for m in ex.mistakes]
    if len(set(names)) != len(names):
        raise ValueError(f"exercise {ex.name!r} has duplicate mistake names {names}")
    reserved = sorted(RESERVED_MISTAKES.intersection(names))
    if reserved:
        raise ValueError(f"exercise {ex.name!r} catalogues {reserved}, which the runner "
                         "recognizes for every exercise: remove it from the catalogue")
    if any(m.impl is None for m in ex.mistakes):
        raise ValueError(f"exercise {ex.name!r}: every catalogued mistake needs an impl")
    expl = [e.name for e in ex.explanations]
    if len(set(expl)) != len(expl) or not all(callable(e.fn) for e in ex.explanations):
        raise ValueError(f"exercise {ex.name!r}: explanations need distinct names and a "
                         f"callable fn, got {expl}")
    foreign = [repr(o) for o in ex.implements if not _is_course_lib(o)]
    if foreign:
        raise ValueError(f"exercise {ex.name!r}: implements= lists course_lib callables "
                         f"only, got {foreign}")
    _REGISTRY[ex.name] = ex
    return ex


def registrar(notebook: str) -> Callable[..., Exercise]:
    """The ``register`` function of one notebook's module: ``register(name, reference,
    make_case, **fields)`` builds the :class:`Exercise` of ``notebook`` and registers it.

    ``notebook`` is the notebook's name without extension (``"07_optimizers"``).
    """
    if not (isinstance(notebook, str) and notebook[:2].isdigit() and notebook[2:3] == "_"):
        raise ValueError(f"notebook should be named like '07_optimizers', got {notebook!r}")

    def register_exercise(name: str, reference: Callable[..., Any],
                          make_case: Callable[[np.random.Generator, int], Case],
                          **fields: Any) -> Exercise:
        fields["mistakes"] = tuple(fields.get("mistakes", ()))
        fields["implements"] = tuple(fields.get("implements", ()))
        fields["explanations"] = tuple(fields.get("explanations", ()))
        return register(Exercise(name=name, notebook=notebook, reference=reference,
                                 make_case=make_case, **fields))

    register_exercise.__doc__ = f"Register an exercise of {notebook} (see registry.registrar)."
    return register_exercise


def _load() -> None:
    # Importing registers every exercise, then every quiz question (course_checks/quiz.py).
    from . import exercises, quizzes  # noqa: F401


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

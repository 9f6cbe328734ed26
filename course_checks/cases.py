"""Test cases: the inputs one check calls a function with.

A :class:`Case` holds plain data (numpy arrays, numbers, strings, tuples, lists,
dicts) plus *specs*: small records that are turned into live objects each time
the case is used. :class:`Rng` is the main one: every function called on a case
(the reference, the student's function, each catalogued mistake) gets its own
fresh ``np.random.Generator`` from the same seed, so all of them see the same
random numbers, and a function that consumes randomness differently is caught.

:func:`materialize` returns fresh deep copies every call, so no function ever
sees an array another function may have modified.

Cases must be describable as plain data so the autograder can send them to a
sandboxed kernel: :func:`to_plain` / :func:`from_plain` convert a case to and
from JSON-compatible structures with arrays kept separately (never pickle).

This file is also used alone, as a top-level module named ``cases``: the grading
sandbox holds no ``course_checks`` (the registry holds the references), so
``autograder/sandbox.py`` mounts this one file at ``/opt/cases/cases.py`` and the
worker (``autograder/harness/worker.py``) does ``import cases`` to rebuild the cases
it calls the student's function on and to see which arguments a call changed. Hence
the rules ``tests/test_registry.py`` checks: this module imports only the standard
library and numpy (no relative import, nothing of ``course_checks``; ``Named`` imports
its ``course_lib`` target when it is built), and holds no code that computes a
graded answer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Case",
    "Rng",
    "ScheduleTable",
    "Spec",
    "Table",
    "describe_value",
    "mutated_args",
    "same_value",
    "from_plain",
    "materialize",
    "to_plain",
]


class Spec:
    """A placeholder built into a live object for each call (see :func:`materialize`)."""

    kind: str = ""

    def build(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_plain(self) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class Rng(Spec):
    """A ``np.random.default_rng(seed)`` made fresh for every function call."""

    seed: int
    kind: str = "rng"

    def build(self) -> np.random.Generator:
        return np.random.default_rng(self.seed)

    def to_plain(self) -> dict:
        return {"__spec__": "rng", "seed": int(self.seed)}

    def describe(self) -> str:
        return f"np.random.default_rng({self.seed})"


@dataclass(frozen=True)
class Named(Spec):
    """A course_lib object named by import path and built from plain arguments.

    Used for inputs that are objects rather than data, e.g. an optimizer or a
    learning-rate schedule passed to a training loop. ``target`` must live in
    ``course_lib`` and must not be the piece being graded.
    """

    target: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "named"

    def build(self) -> Any:
        module_name, _, attr = self.target.rpartition(".")
        if not module_name.startswith("course_lib"):
            raise ValueError(f"Named specs may only build course_lib objects, got {self.target}")
        import importlib

        obj = getattr(importlib.import_module(module_name), attr)
        return obj(**materialize(dict(self.kwargs)))

    def to_plain(self) -> dict:
        return {"__spec__": "named", "target": self.target, "kwargs": _plain(dict(self.kwargs))}

    def describe(self) -> str:
        args = ", ".join(f"{k}={describe_value(v)}" for k, v in self.kwargs.items())
        return f"{self.target.rsplit('.', 1)[-1]}({args})"


class ScheduleTable:
    """A learning-rate schedule given by its values: ``schedule(t) == values[t]``.

    What the checks pass as ``schedule``: a plain function of the epoch (or iteration)
    count, with the numbers of a ``course_lib`` schedule computed by the grader, so
    that the grading sandbox needs no code that computes a decay (those are exercises).
    """

    __slots__ = ("label", "values")

    def __init__(self, values: tuple[float, ...], label: str = "") -> None:
        self.values = tuple(float(v) for v in values)
        self.label = label

    def __call__(self, epoch_num: int) -> float:
        """The rate at ``epoch_num`` (the name of ``course_lib``'s ``Schedule.__call__``)."""
        i = int(epoch_num)
        if i != epoch_num or not 0 <= i < len(self.values):
            raise IndexError(f"this schedule is defined for epoch_num = 0, 1, ..., "
                             f"{len(self.values) - 1}, not for {epoch_num!r}")
        return self.values[i]

    def __eq__(self, other: object) -> bool:
        return (type(other) is ScheduleTable and self.values == other.values
                and self.label == other.label)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return self.label or f"ScheduleTable({list(self.values[:3])}...)"


@dataclass(frozen=True)
class Table(Spec):
    """A :class:`ScheduleTable` made fresh for every call (plain data: its values)."""

    values: tuple[float, ...]
    label: str = ""
    kind: str = "table"

    def build(self) -> ScheduleTable:
        return ScheduleTable(self.values, self.label)

    def to_plain(self) -> dict:
        return {"__spec__": "table", "values": [float(v) for v in self.values],
                "label": str(self.label)}

    def describe(self) -> str:
        return self.label or f"a schedule with values {list(self.values[:3])}..."


@dataclass(frozen=True)
class Case:
    """The arguments of one call: ``fn(*args, **kwargs)``.

    ``names`` labels the positional arguments in messages (e.g. ``("w", "dw")``);
    ``note`` says what is special about the case ("last mini-batch smaller").
    """

    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    names: tuple[str, ...] = ()
    note: str = ""

    def build(self) -> tuple[tuple, dict]:
        """Fresh live arguments: deep copies, specs built."""
        return tuple(materialize(a) for a in self.args), {
            k: materialize(v) for k, v in self.kwargs.items()
        }

    def to_plain(self) -> tuple[dict, list[np.ndarray]]:
        """JSON-compatible form plus its arrays (see :func:`to_plain`)."""
        return to_plain({"args": tuple(self.args), "kwargs": dict(self.kwargs),
                         "names": tuple(self.names), "note": self.note})

    @classmethod
    def from_plain(cls, plain: dict, arrays: list[np.ndarray]) -> Case:
        """Inverse of :meth:`to_plain`."""
        d = from_plain(plain, arrays)
        return cls(tuple(d["args"]), dict(d["kwargs"]), tuple(d["names"]), d["note"])

    def describe(self) -> str:
        parts = []
        for i, a in enumerate(self.args):
            name = self.names[i] if i < len(self.names) else f"arg{i}"
            parts.append(f"{name}={describe_value(a)}")
        parts += [f"{k}={describe_value(v)}" for k, v in self.kwargs.items()]
        text = ", ".join(parts)
        return f"{text}  ({self.note})" if self.note else text


def materialize(value: Any) -> Any:
    """A fresh live copy of ``value``: arrays copied, specs built, containers rebuilt."""
    if isinstance(value, Spec):
        return value.build()
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(materialize(v) for v in value)
    if isinstance(value, list):
        return [materialize(v) for v in value]
    if isinstance(value, dict):
        return {k: materialize(v) for k, v in value.items()}
    return copy.deepcopy(value)


def same_value(a: Any, b: Any) -> bool:
    """Exact equality of two materialized inputs (to detect in-place modification)."""
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.shape == b.shape
                and bool(np.array_equal(a, b, equal_nan=True)))
    if isinstance(a, tuple | list):
        return (isinstance(b, tuple | list) and len(a) == len(b)
                and all(same_value(x, y) for x, y in zip(a, b)))
    if isinstance(a, dict):
        return (isinstance(b, dict) and a.keys() == b.keys()
                and all(same_value(a[k], b[k]) for k in a))
    if isinstance(a, np.random.Generator):
        return True
    try:
        return bool(a == b)
    except Exception:
        return True


def argument_pairs(case: Case, args: Sequence, kwargs: Mapping) -> list[tuple[str, Any, Any]]:
    """``(name, fresh copy, value after the call)`` for every argument of ``case``:
    positional ones named by ``case.names`` (else "argument i"), then keyword ones.
    A value missing from ``args``/``kwargs`` is None."""
    fresh_args, fresh_kwargs = case.build()
    pairs = [(case.names[i] if i < len(case.names) else f"argument {i + 1}", fresh,
              args[i] if i < len(args) else None) for i, fresh in enumerate(fresh_args)]
    return pairs + [(k, fresh, kwargs.get(k)) for k, fresh in fresh_kwargs.items()]


def mutated_args(case: Case, args: tuple, kwargs: dict) -> tuple[str, ...]:
    """Names of the arguments a call changed in place (compared with fresh copies)."""
    return tuple(name for name, before, after in argument_pairs(case, args, kwargs)
                 if not same_value(before, after))


def describe_value(value: Any) -> str:
    """Short description for messages: shapes and dtypes of arrays, values of scalars."""
    if isinstance(value, Spec):
        return value.describe()
    if isinstance(value, np.ndarray):
        if value.size <= 4 and value.ndim <= 1:
            return f"array({np.array2string(value, precision=4, separator=', ')})"
        return f"array of shape {value.shape} {value.dtype}"
    if isinstance(value, dict):
        inner = ", ".join(f"{k!r}: {describe_value(v)}" for k, v in list(value.items())[:6])
        more = ", …" if len(value) > 6 else ""
        return "{" + inner + more + "}"
    if isinstance(value, tuple | list):
        inner = ", ".join(describe_value(v) for v in list(value)[:6])
        more = ", …" if len(value) > 6 else ""
        left, right = ("(", ")") if isinstance(value, tuple) else ("[", "]")
        return left + inner + more + right
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, Callable):
        return getattr(value, "__name__", "a function")
    return repr(value)


# ---- plain-data form (for the sandboxed autograder) ---------------------------


def _plain(value: Any, arrays: list[np.ndarray] | None = None) -> Any:
    if isinstance(value, Spec):
        return value.to_plain()
    if isinstance(value, np.ndarray):
        if arrays is None:
            raise ValueError("arrays must be collected separately")
        arrays.append(value)
        return {"__array__": len(arrays) - 1}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [_plain(v, arrays) for v in value]}
    if isinstance(value, list):
        return [_plain(v, arrays) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ValueError("only dicts with string keys can be sent")
        return {"__dict__": {k: _plain(v, arrays) for k, v in value.items()}}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ValueError(f"cannot send a {type(value).__name__} as plain data")


def to_plain(value: Any) -> tuple[Any, list[np.ndarray]]:
    """JSON-compatible structure plus the list of arrays it refers to by index."""
    arrays: list[np.ndarray] = []
    return _plain(value, arrays), arrays


def from_plain(value: Any, arrays: list[np.ndarray]) -> Any:
    """Inverse of :func:`to_plain`; specs come back as spec objects (not built)."""
    if isinstance(value, list):
        return [from_plain(v, arrays) for v in value]
    if isinstance(value, dict):
        if "__array__" in value:
            return arrays[value["__array__"]]
        if "__tuple__" in value:
            return tuple(from_plain(v, arrays) for v in value["__tuple__"])
        if "__dict__" in value:
            return {k: from_plain(v, arrays) for k, v in value["__dict__"].items()}
        spec = value.get("__spec__")
        if spec == "rng":
            return Rng(int(value["seed"]))
        if spec == "named":
            return Named(value["target"], from_plain(value["kwargs"], arrays))
        if spec == "table":
            return Table(tuple(float(v) for v in value["values"]), str(value.get("label", "")))
        raise ValueError(f"unknown plain-data record {sorted(value)}")
    return value

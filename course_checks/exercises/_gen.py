"""Helpers shared by the exercise modules: input generators and mistake builders.

Every generator draws from the ``rng`` it is given, in a fixed order, so a case is a
function of its seed alone. Changing what a helper draws, or in which order, changes
the cases of every exercise that uses it, and with them the visible cases students
see in their notebooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["beta", "dims", "labels", "learning_rate", "one_hot", "params_dict", "randn",
           "seed", "uniform", "variant", "w_dw"]


def dims(rng: np.random.Generator, low: int = 2, high: int = 7) -> int:
    """A random size in [low, high]."""
    return int(rng.integers(low, high + 1))


def uniform(rng: np.random.Generator, low: float, high: float, digits: int | None = None) -> float:
    """A float uniform in [low, high), rounded to ``digits`` decimals when given (readable
    numbers in the checks' messages)."""
    x = float(rng.uniform(low, high))
    return x if digits is None else round(x, digits)


def randn(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    """Standard normal float64 array of the given shape, times ``scale``."""
    return rng.standard_normal(shape) * scale


def labels(rng: np.random.Generator, m: int, classes: int = 2) -> np.ndarray:
    """Integer labels ``(1, m)`` in [0, classes)."""
    return rng.integers(0, classes, size=(1, m)).astype(np.int64)


def one_hot(rng: np.random.Generator, classes: int, m: int) -> np.ndarray:
    """A random one-hot matrix ``(classes, m)``."""
    Y = np.zeros((classes, m))
    Y[rng.integers(0, classes, m), np.arange(m)] = 1.0
    return Y


def seed(rng: np.random.Generator) -> int:
    """A seed for an :class:`~course_checks.cases.Rng` spec."""
    return int(rng.integers(0, 2**31 - 1))


def params_dict(rng: np.random.Generator, L: int, low: int = 2, high: int = 6,
                bias_scale: float = 1.0) -> dict[str, np.ndarray]:
    """``{W1, b1, ..., WL, bL}`` of a network with L layers of random sizes in [low, high]:
    ``W[l]`` standard normal ``(n[l], n[l-1])``, ``b[l]`` normal ``(n[l], 1)`` times
    ``bias_scale`` (non-zero, as after training, unless the scale is 0)."""
    sizes = [dims(rng, low, high) for _ in range(L + 1)]
    params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = randn(rng, sizes[l], sizes[l - 1])
        params[f"b{l}"] = randn(rng, sizes[l], 1, scale=bias_scale)
    return params


def w_dw(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A parameter array and its gradient; one gradient entry is tiny (≈1e-6), so that
    where ε goes (inside or after a square root) changes an optimizer's step."""
    n, k = dims(rng, 2, 5), dims(rng, 1, 4)
    w, dw = randn(rng, n, k), randn(rng, n, k)
    dw[0, 0] = 1e-6 * (1 if rng.random() < 0.5 else -1)
    return w, dw


def learning_rate(rng: np.random.Generator) -> float:
    """A learning rate in [0.01, 0.5), 4 decimals."""
    return uniform(rng, 0.01, 0.5, 4)


def beta(rng: np.random.Generator, i: int) -> float:
    """An averaging factor: the default 0.9 in cases 0, 3, 6, ... (a hard-coded 0.9 then
    passes only those), else uniform in [0.5, 0.99), 3 decimals."""
    return 0.9 if i % 3 == 0 else uniform(rng, 0.5, 0.99, 3)


def variant(generic: Callable[..., Any], **flags: Any) -> Callable[..., Any]:
    """A catalogued mistake built from a parametrized wrong implementation: it calls
    ``generic(*args, **kwargs, **flags)`` with the exercise's arguments."""

    def mistake(*args: Any, **kwargs: Any) -> Any:
        return generic(*args, **kwargs, **flags)

    mistake.__name__ = f"{generic.__name__}({', '.join(f'{k}={v!r}' for k, v in flags.items())})"
    return mistake

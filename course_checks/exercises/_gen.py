"""Small helpers shared by the exercise input generators."""

from __future__ import annotations

import numpy as np


def dims(rng: np.random.Generator, low: int = 2, high: int = 7) -> int:
    """A random size in [low, high]."""
    return int(rng.integers(low, high + 1))


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

"""Shared test helpers: a centered-difference gradient and the relative difference.

Local on purpose (independent of ``course_lib.gradcheck``). Use them through the
fixtures ``num_grad`` and ``rel_diff``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6):
    """Centered differences (f(x + h e_i) - f(x - h e_i)) / 2h on a float64 copy of ``x``."""
    x = np.array(x, dtype=np.float64, copy=True)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        fp = float(f(x))
        x[i] = old - h
        fm = float(f(x))
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


def relative_difference(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||), 0 when both are 0."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


@pytest.fixture
def num_grad():
    return numerical_gradient


@pytest.fixture
def rel_diff():
    return relative_difference

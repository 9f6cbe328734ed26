"""The elongated bowl ``f(x, y) = x²/20 + y²`` and optimizer paths on it.

Notebook 07 runs every optimizer on this bowl: its curvature is 20 times larger along
``y`` than along ``x``, so gradient descent zig-zags across the valley while it crawls
along it, which is what momentum, RMSprop and Adam fix. :func:`optimizer_path` runs any
step function from a start point and returns the points visited;
:func:`course_lib.plots.plot_optimizer_paths` draws them on the bowl's contours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .validation import check_array, check_int, check_shape

__all__ = ["f_bowl", "grad_bowl", "optimizer_path"]


def f_bowl(x: Any, y: Any) -> Any:
    """The elongated bowl ``f(x, y) = x²/20 + y²`` (minimum 0 at (0, 0))."""
    return np.asarray(x) ** 2 / 20.0 + np.asarray(y) ** 2


def grad_bowl(x: Any, y: Any) -> tuple[Any, Any]:
    """Gradient of :func:`f_bowl`: ``(∂f/∂x, ∂f/∂y) = (x/10, 2y)``."""
    return np.asarray(x) / 10.0, 2.0 * np.asarray(y)


def _check_start(start: Sequence[float]) -> np.ndarray:
    p = check_array("start", np.asarray(start, dtype=np.float64), 1)
    check_shape("start", p, (2,))
    return p.copy()


def optimizer_path(
    step_fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
    start: Sequence[float] = (-7.0, 2.0),
    steps: int = 30,
) -> np.ndarray:
    """Run ``steps`` updates on :func:`f_bowl` from ``start``; return the ``(steps + 1, 2)`` path.

    ``step_fn(p, g) -> p_new`` takes the current point ``p = (x, y)`` and the gradient
    ``g = (x/10, 2y)`` there (both ``(2,)``) and returns the next point; a stateful
    method (momentum, Adam) keeps its state in a closure. Row 0 is ``start``.
    Example, gradient descent: ``optimizer_path(lambda p, g: p - 0.1 * g)``.
    """
    steps = check_int("steps", steps, minimum=0)
    p = _check_start(start)
    path = np.empty((steps + 1, 2))
    path[0] = p
    for t in range(1, steps + 1):
        g = np.array(grad_bowl(p[0], p[1]), dtype=np.float64)
        p = np.asarray(step_fn(p.copy(), g), dtype=np.float64)
        if p.shape != (2,):
            raise ValueError(f"step_fn must return a point of shape (2,), got {p.shape}")
        path[t] = p
    return path

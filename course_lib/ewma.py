"""Exponentially weighted moving averages (EWMA), the idea behind momentum, RMSprop and Adam.

The recursion, with ``v_0 = 0``::

    v_t = beta * v_{t-1} + (1 - beta) * theta_t,        t = 1, ..., T

Unrolled, ``v_t = (1 - beta) * sum_{k=1..t} beta**(t-k) * theta_k``: older values get
geometrically smaller weights, and the weight falls to about ``1/e`` after
``1 / (1 - beta)`` steps, so ``v_t`` averages roughly the last ``1 / (1 - beta)`` values.

Because ``v_0 = 0`` the first values are too small (the weights only sum to
``1 - beta**t``); bias correction divides by that sum: ``v_t / (1 - beta**t)``.
"""

from __future__ import annotations

import numpy as np

from course_lib.validation import check_array, check_in_range

__all__ = ["ewma", "ewma_step"]


def _check_beta(beta: float) -> float:
    return check_in_range("beta", beta, 0.0, 1.0, high_open=True)


def ewma(series: np.ndarray, beta: float, bias_correction: bool = False) -> np.ndarray:
    """EWMA of a 1-D series.

    Shapes: ``series (T,)`` -> ``(T,)`` float64 holding ``v_1, ..., v_T`` where
    ``v_0 = 0`` and ``v_t = beta * v_{t-1} + (1 - beta) * theta_t``.
    With ``bias_correction=True`` returns ``v_t / (1 - beta**t)`` instead.
    ``beta`` in ``[0, 1)``; ``beta = 0`` returns the series itself.

    Exercise `ewma`, notebook 06_exponentially_weighted_averages.
    Exercise `ewma_bias_corrected`, notebook 06_exponentially_weighted_averages.
    """
    theta = check_array("series", series, ndim=1)
    beta = _check_beta(beta)
    out = np.empty(theta.shape[0], dtype=np.float64)
    v = 0.0
    # A plain loop over Python floats: it reads like the formula and handles a
    # year of daily values in well under a millisecond.
    for t, theta_t in enumerate(theta.tolist()):
        v = beta * v + (1.0 - beta) * theta_t
        out[t] = v
    if bias_correction:
        steps = np.arange(1, theta.shape[0] + 1)
        out = out / (1.0 - beta**steps)
    return out


def ewma_step(v: np.ndarray | float, theta: np.ndarray | float, beta: float) -> np.ndarray | float:
    """One EWMA update: ``v_new = beta * v + (1 - beta) * theta``.

    ``v`` and ``theta`` are numbers or arrays of the same shape (``v`` may also be the
    scalar 0 for the first step). Returns a new value; nothing is updated in place.
    """
    beta = _check_beta(beta)
    if np.ndim(v) != 0 and np.shape(v) != np.shape(theta):
        raise ValueError(
            f"v and theta must have the same shape, got {np.shape(v)} and {np.shape(theta)}"
        )
    return beta * v + (1.0 - beta) * theta

"""The linear (fully connected) layer.

Notation of the course: examples are columns.

* ``A_prev`` is ``(n[l-1], m)``, ``W`` is ``(n[l], n[l-1])``, ``b`` is ``(n[l], 1)``.
* Forward: ``Z = W A_prev + b`` (``b`` broadcasts over the m columns).
* Backward, given ``dZ`` (``(n[l], m)``, the derivative of each example's loss with
  respect to its own column of Z):

  - ``dW = (1/m) dZ A_prev^T``     — the gradient of the cost J = (1/m) Σ_i L_i
  - ``db = (1/m) Σ_i dZ[:, i]``    — shape ``(n[l], 1)``
  - ``dA_prev = W^T dZ``           — per example again, passed to the layer below.

So ``dZ``/``dA`` arrays are per-example derivatives and the 1/m of the cost enters
where a parameter gradient sums over the examples.
"""

from __future__ import annotations

import numpy as np

from .validation import check_array, check_shape

__all__ = ["linear_backward", "linear_forward"]


def linear_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray | None
) -> tuple[np.ndarray, tuple]:
    """Z = W A_prev + b.

    Args:
        A_prev: ``(n[l-1], m)`` activations of the previous layer (or X).
        W: ``(n[l], n[l-1])`` weights.
        b: ``(n[l], 1)`` biases, or ``None`` for a layer followed by batch norm.

    Returns:
        ``(Z, cache)`` with Z ``(n[l], m)`` and cache ``(A_prev, W, has_bias)``.
    """
    A_prev = check_array("A_prev", A_prev, 2)
    W = check_array("W", W, 2)
    if W.shape[1] != A_prev.shape[0]:
        raise ValueError(
            f"W has shape {W.shape} but A_prev has shape {A_prev.shape}: "
            f"W must be (n[l], n[l-1]) = (*, {A_prev.shape[0]})"
        )
    if b is not None:
        b = check_array("b", b, 2)
        check_shape("b", b, (W.shape[0], 1))
    return _linear_forward(A_prev, W, b)


def _linear_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray | None) -> tuple:
    """:func:`linear_forward` without input checks."""
    Z = W @ A_prev
    if b is not None:
        Z += b
    return Z, (A_prev, W, b is not None)


def linear_backward(
    dZ: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Backward pass of ``Z = W A_prev + b``.

    Args:
        dZ: ``(n[l], m)`` per-example derivative of the loss with respect to Z.
        cache: from :func:`linear_forward`.

    Returns:
        ``(dA_prev, dW, db)``: ``W^T dZ`` ``(n[l-1], m)``, ``(1/m) dZ A_prev^T``
        ``(n[l], n[l-1])``, ``(1/m) Σ dZ`` ``(n[l], 1)`` (``None`` when the layer has no b).
    """
    A_prev, W, _ = cache
    dZ = check_array("dZ", dZ, 2)
    check_shape("dZ", dZ, (W.shape[0], A_prev.shape[1]))
    return _linear_backward(dZ, cache)


def _linear_backward(dZ: np.ndarray, cache: tuple) -> tuple:
    """:func:`linear_backward` without input checks."""
    A_prev, W, has_bias = cache
    m = A_prev.shape[1]
    dW = (dZ @ A_prev.T) / m
    db = dZ.sum(axis=1, keepdims=True) / m if has_bias else None
    dA_prev = W.T @ dZ
    return dA_prev, dW, db

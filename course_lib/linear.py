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
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray | None, *, check: bool = True
) -> tuple[np.ndarray, tuple]:
    """Z = W A_prev + b.

    Args:
        A_prev: ``(n[l-1], m)`` activations of the previous layer (or X).
        W: ``(n[l], n[l-1])`` weights.
        b: ``(n[l], 1)`` biases, or ``None`` for a layer followed by batch norm.
        check: validate the arrays (a network validates once and passes False).

    Returns:
        ``(Z, cache)`` with Z ``(n[l], m)`` and cache ``(A_prev, W, has_bias)``.
    """
    if check:
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
    Z = W @ A_prev
    if b is not None:
        Z += b
    return Z, (A_prev, W, b is not None)


def linear_backward(
    dZ: np.ndarray, cache: tuple, *, check: bool = True, need_dA_prev: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray | None]:
    """Backward pass of ``Z = W A_prev + b``.

    Args:
        dZ: ``(n[l], m)`` per-example derivative of the loss with respect to Z.
        cache: from :func:`linear_forward`.
        check: validate ``dZ`` (a network validates once and passes False).
        need_dA_prev: False skips ``dA_prev`` (returned as ``None``): the first layer's
            input is X, whose gradient nobody needs, and it costs a matrix product.

    Returns:
        ``(dA_prev, dW, db)``: ``W^T dZ`` ``(n[l-1], m)``, ``(1/m) dZ A_prev^T``
        ``(n[l], n[l-1])``, ``(1/m) Σ dZ`` ``(n[l], 1)`` (``None`` when the layer has no b).
    """
    A_prev, W, has_bias = cache
    if check:
        dZ = check_array("dZ", dZ, 2)
        check_shape("dZ", dZ, (W.shape[0], A_prev.shape[1]))
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T
    dW /= m
    db = dZ.sum(axis=1, keepdims=True) / m if has_bias else None
    dA_prev = W.T @ dZ if need_dA_prev else None
    return dA_prev, dW, db

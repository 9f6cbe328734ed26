"""Cost functions and regularization penalties.

Shapes: logits ``Z`` and labels ``Y`` are ``(1, m)`` for binary problems and
``(C, m)`` (one-hot ``Y``) for C classes. Costs are averages over the m examples,
``J = (1/m) Σ_i L(ŷ(i), y(i))``. Gradients returned "with respect to Z" are per
example (``dZ = Ŷ - Y``, no 1/m), matching :mod:`course_lib.linear`, which
applies the 1/m when it forms ``dW`` and ``db``.

Regularization acts on the weights only, never on biases or batch-norm γ/β:

* L2:  ``(λ / 2m) Σ_l ‖W[l]‖²_F``      gradient ``(λ/m) W[l]`` (weight decay)
* L1:  ``(λ / 2m) Σ_l Σ_ij |W[l]_ij|``  subgradient ``(λ/2m) sign(W[l])`` (0 at 0)

(The L1 term keeps the same λ/2m factor as L2, as in the course notes.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .activations import sigmoid, softmax
from .validation import check_array, check_int, check_positive, check_same_shape

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_from_logits",
    "binary_cross_entropy_grad_from_logits",
    "cross_entropy",
    "cross_entropy_and_grad_inplace",
    "l1_penalty",
    "l1_penalty_grad",
    "l2_penalty",
    "l2_penalty_grad",
    "log_softmax",
    "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
]


def _check_pair(name_a: str, a, name_b: str, b) -> tuple[np.ndarray, np.ndarray]:
    a = check_array(name_a, a, 2)
    b = check_array(name_b, b, 2)
    check_same_shape(name_a, a, name_b, b)
    if a.shape[1] < 1:
        raise ValueError(f"{name_a} has no examples (shape {a.shape})")
    return a, b


def _check_probabilities(name: str, A: np.ndarray) -> None:
    if ((A < 0) | (A > 1)).any():
        raise ValueError(f"{name} must hold probabilities in [0, 1], got values from "
                         f"{A.min():.6g} to {A.max():.6g} (logits? use the *_from_logits loss)")


def binary_cross_entropy(A: np.ndarray, Y: np.ndarray) -> float:
    """J = -(1/m) Σ [y log a + (1-y) log(1-a)] from probabilities ``A`` ``(1, m)``.

    Probabilities of exactly 0 or 1 give an infinite loss; prefer
    :func:`binary_cross_entropy_from_logits`, which never does.
    """
    A, Y = _check_pair("A", A, "Y", Y)
    _check_probabilities("A", A)
    m = A.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        losses = -(np.where(Y > 0, Y * np.log(A), 0) + np.where(Y < 1, (1 - Y) * np.log1p(-A), 0))
    return float(losses.sum() / m)


def binary_cross_entropy_from_logits(
    Z: np.ndarray, Y: np.ndarray, *, check: bool = True
) -> float:
    """J = -(1/m) Σ [y log σ(z) + (1-y) log(1-σ(z))], computed stably from logits.

    Uses the identity  L(z, y) = max(z, 0) - z·y + log(1 + e^{-|z|}),
    which is exact and never evaluates log(0) or overflows, even in float32.
    ``check=False`` skips the validation (a network validates once).
    """
    if check:
        Z, Y = _check_pair("Z", Z, "Y", Y)
    m = Z.shape[1]
    losses = np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))
    return float(losses.sum() / m)


def binary_cross_entropy_grad_from_logits(
    Z: np.ndarray, Y: np.ndarray, *, check: bool = True
) -> np.ndarray:
    """dZ = σ(Z) - Y, per example, shape ``(1, m)``."""
    if check:
        Z, Y = _check_pair("Z", Z, "Y", Y)
    return sigmoid(Z) - Y


def log_softmax(Z: np.ndarray, *, check: bool = True) -> np.ndarray:
    """log softmax over the class axis: ``Z - max - log Σ exp(Z - max)``, column by column."""
    if check:
        Z = check_array("Z", Z, 2)
    shifted = Z - Z.max(axis=0, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))


def cross_entropy(A: np.ndarray, Y: np.ndarray) -> float:
    """J = -(1/m) Σ_i Σ_j y_j(i) log a_j(i) from probabilities ``A`` ``(C, m)``."""
    A, Y = _check_pair("A", A, "Y", Y)
    _check_probabilities("A", A)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(Y != 0, Y * np.log(A), 0.0)
    return float(-terms.sum() / A.shape[1])


def softmax_cross_entropy(Z: np.ndarray, Y: np.ndarray, *, check: bool = True) -> float:
    """Softmax cross-entropy from logits: J = -(1/m) Σ_i Σ_j y_j(i) log softmax(z(i))_j.

    ``Z`` and one-hot ``Y`` are ``(C, m)``. Computed with :func:`log_softmax`, so
    large logits neither overflow nor give log(0). ``check=False`` skips the
    validation (a network validates once).

    Exercise `softmax_cross_entropy_cost`, notebook 11_softmax_regression.
    """
    if check:
        Z, Y = _check_pair("Z", Z, "Y", Y)
    return float(-(Y * log_softmax(Z, check=False)).sum() / Z.shape[1])


def softmax_cross_entropy_grad(
    Z: np.ndarray, Y: np.ndarray, *, check: bool = True
) -> np.ndarray:
    """dZ = Ŷ - Y with Ŷ = softmax(Z), per example, shape ``(C, m)``.

    Exercise `softmax_cross_entropy_grad`, notebook 11_softmax_regression.
    """
    if check:
        Z, Y = _check_pair("Z", Z, "Y", Y)
    return softmax(Z) - Y


def _check_weights(weights: Sequence[np.ndarray], lambd: float, m: int) -> list[np.ndarray]:
    check_positive("lambd", lambd, allow_zero=True)
    check_int("m", m, minimum=1)
    if isinstance(weights, np.ndarray):
        weights = [weights]
    return [check_array(f"weights[{i}]", W) for i, W in enumerate(weights)]


def _penalty(weights: Sequence[np.ndarray], lambd: float, m: int,
             size: Callable[[np.ndarray], Any], *, check: bool) -> float:
    """(λ / 2m) Σ_l size(W[l]): the L2 and L1 penalties, with ``size`` ‖W‖²_F or Σ|W_ij|."""
    if check:
        weights = _check_weights(weights, lambd, m)
    return float(lambd / (2 * m) * sum(float(size(W)) for W in weights))


def l2_penalty(
    weights: Sequence[np.ndarray], lambd: float, m: int, *, check: bool = True
) -> float:
    """(λ / 2m) Σ_l ‖W[l]‖²_F over the weight matrices given (never biases).

    ``check=False`` skips the validation (a network validates once).

    Exercise `compute_cost_with_l2`, notebook 03_regularization.
    """
    return _penalty(weights, lambd, m, lambda W: np.vdot(W, W), check=check)


def l2_penalty_grad(W: np.ndarray, lambd: float, m: int, *, check: bool = True) -> np.ndarray:
    """Gradient of the L2 term with respect to one weight matrix: (λ/m) W.

    Exercise `add_l2_gradient`, notebook 03_regularization.
    """
    if check:
        (W,) = _check_weights([W], lambd, m)
    return (lambd / m) * W


def l1_penalty(
    weights: Sequence[np.ndarray], lambd: float, m: int, *, check: bool = True
) -> float:
    """(λ / 2m) Σ_l Σ_ij |W[l]_ij| over the weight matrices given (never biases).

    ``check=False`` skips the validation (a network validates once).

    Exercise `l1_penalty_and_grad`, notebook 03_regularization.
    """
    return _penalty(weights, lambd, m, lambda W: np.abs(W).sum(), check=check)


def l1_penalty_grad(W: np.ndarray, lambd: float, m: int, *, check: bool = True) -> np.ndarray:
    """A subgradient of the L1 term: (λ/2m) sign(W), taking 0 where W = 0.

    Exercise `l1_penalty_and_grad`, notebook 03_regularization.
    """
    if check:
        (W,) = _check_weights([W], lambd, m)
    return (lambd / (2 * m)) * np.sign(W)


# ---- the cost and dZ[L] in one pass, for the training engine (network_fast) ---------


def cross_entropy_and_grad_inplace(
    Z: np.ndarray, Y: np.ndarray, output: str, dZ: np.ndarray
) -> float:
    """The cross-entropy from logits and ``dZ = (Ŷ - Y)/m``, sharing the exponentials.

    The same numbers as :func:`binary_cross_entropy_from_logits` (``output="sigmoid"``)
    or :func:`softmax_cross_entropy` (``"softmax"``) and, divided by m, their ``*_grad``
    functions (``tests/test_fast_paths.py`` checks it). ``Z`` is **overwritten**; ``dZ``
    (Z's shape) receives the gradient; no checks. Returns the cost.

    Softmax: with ``S = Z - max`` (per column) and ``s = Σ_j e^S``,
    ``J = (1/m) Σ_i [log s(i) Σ_j y_j(i) - Σ_j y_j(i) S_j(i)]`` (two sums of
    non-negative terms, no cancellation) and ``Ŷ = e^S / s``.
    Sigmoid: ``L = max(z, 0) - z·y + log(1 + e^{-|z|})`` and
    ``σ(z) = 1/(1 + e^{-|z|})`` (z >= 0) or ``e^{-|z|}/(1 + e^{-|z|})`` (z < 0),
    sharing the exponential.
    """
    m = Z.shape[1]
    if output == "softmax":
        Z -= Z.max(axis=0, keepdims=True)  # S
        E = np.exp(Z, out=dZ)
        s = E.sum(axis=0, keepdims=True)
        cost = (float(np.log(s).ravel() @ Y.sum(axis=0)) - float(np.vdot(Y, Z))) / m
        E *= 1.0 / s  # Ŷ
    elif output == "sigmoid":
        e = np.abs(Z)
        np.negative(e, out=e)
        np.exp(e, out=e)  # e^{-|z|}
        losses = np.maximum(Z, 0)
        losses -= Z * Y
        losses += np.log1p(e)
        cost = float(losses.sum()) / m
        np.add(e, 1, out=dZ)
        np.divide(1, dZ, out=dZ)  # 1/(1 + e^{-|z|})
        e *= dZ
        np.copyto(dZ, e, where=Z < 0)  # σ(z)
    else:
        raise ValueError(f"output must be 'sigmoid' or 'softmax', got {output!r}")
    dZ -= Y
    dZ *= 1.0 / m
    return cost

"""Activation functions and their backward passes.

Shapes: ``Z`` is ``(n[l], m)``, one column per example. Each activation has

* a plain function ``g(Z) -> A``;
* a ``*_forward(Z) -> (A, cache)`` / ``*_backward(dA, cache) -> dZ`` pair, where
  ``dZ = dA * g'(Z)`` elementwise (the chain rule through an elementwise function).

The softmax works over the class axis (axis 0) and shifts each column by its
maximum first, so ``exp`` never overflows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .validation import check_array, check_positive, check_same_shape

__all__ = [
    "ACTIVATIONS",
    "hardmax",
    "identity_backward",
    "identity_forward",
    "leaky_relu",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "predict_binary",
    "predict_classes",
    "relu",
    "relu_backward",
    "relu_forward",
    "sigmoid",
    "sigmoid_backward",
    "sigmoid_forward",
    "softmax",
    "tanh",
    "tanh_backward",
    "tanh_forward",
]


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^{-z}), computed without overflow for any |z|.

    For z >= 0 we use 1/(1+e^{-z}); for z < 0 the equal form e^{z}/(1+e^{z}),
    so ``exp`` only ever sees non-positive arguments and no warning is raised.
    """
    Z = np.asarray(Z)
    e = np.exp(-np.abs(Z))  # in (0, 1]
    return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(
        np.result_type(Z, np.float32), copy=False
    )


def tanh(Z: np.ndarray) -> np.ndarray:
    """tanh(z) = (e^z - e^{-z}) / (e^z + e^{-z})."""
    return np.tanh(Z)


def relu(Z: np.ndarray) -> np.ndarray:
    """ReLU(z) = max(0, z).

    Exercise `relu`, notebook 00_welcome.
    """
    return np.maximum(Z, 0)


def leaky_relu(Z: np.ndarray, slope: float = 0.01) -> np.ndarray:
    """Leaky ReLU: z for z > 0, ``slope``·z otherwise."""
    return np.where(Z > 0, Z, slope * Z)


def softmax(Z: np.ndarray) -> np.ndarray:
    """Softmax over the class axis: a_j = e^{z_j} / Σ_k e^{z_k}, column by column.

    ``Z`` is ``(C, m)``. Each column is shifted by its maximum first: softmax is
    unchanged by adding a constant to a column, and ``exp`` then never overflows.
    Every column of the result sums to 1.

    Exercise `softmax`, notebook 11_softmax_regression.
    """
    Z = check_array("Z", Z)
    if Z.ndim == 1:
        Z = Z[:, None]
        return softmax(Z)[:, 0]
    shifted = Z - Z.max(axis=0, keepdims=True)
    E = np.exp(shifted)
    E /= E.sum(axis=0, keepdims=True)
    return E


def hardmax(Z: np.ndarray) -> np.ndarray:
    """One-hot of the largest entry of each column (ties: the first)."""
    Z = np.asarray(Z)
    out = np.zeros_like(Z, dtype=np.float64)
    out[np.argmax(Z, axis=0), np.arange(Z.shape[1])] = 1.0
    return out


def predict_binary(A: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Class 1 where the probability ``A`` (``(1, m)``) is above ``threshold``; int64."""
    return (np.asarray(A) > threshold).astype(np.int64)


def predict_classes(A: np.ndarray) -> np.ndarray:
    """Index of the most probable class of each column of ``A`` (``(C, m)``) as ``(1, m)``.

    Exercise `accuracy`, notebook 11_softmax_regression.
    """
    return np.argmax(np.asarray(A), axis=0).reshape(1, -1).astype(np.int64)


# ---- forward / backward pairs ------------------------------------------------
#
# ``check=True`` validates the arrays (a network validates once and passes False).
# ``out`` is an array to write the result into, as in numpy (``out=Z`` computes in
# place: the network's training engine does). Every cache works whether or not Z was
# overwritten: it is A, or (leaky ReLU) an array with the sign of Z.


def _check_forward(Z: np.ndarray) -> np.ndarray:
    return check_array("Z", Z)


def _check_backward(dA: np.ndarray, cache: np.ndarray) -> np.ndarray:
    dA = check_array("dA", dA)
    check_same_shape("dA", dA, "cache", cache)
    return dA


def sigmoid_forward(
    Z: np.ndarray, *, out: np.ndarray | None = None, check: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """A = σ(Z); the cache is A itself, since σ'(z) = σ(z)(1 - σ(z))."""
    if check:
        Z = _check_forward(Z)
    A = sigmoid(Z)
    if out is not None:
        np.copyto(out, A)
        A = out
    return A, A


def sigmoid_backward(
    dA: np.ndarray, cache: np.ndarray, *, out: np.ndarray | None = None, check: bool = True
) -> np.ndarray:
    """dZ = dA · A(1 - A), with ``cache`` = A from the forward pass."""
    if check:
        dA = _check_backward(dA, cache)
    return np.multiply(dA, cache * (1 - cache), out=out)


# Same shape as sigmoid_forward/sigmoid_backward on purpose: every pair has the
# signatures ACTIVATIONS needs (interchangeable in a network); only the formula differs.
def tanh_forward(
    Z: np.ndarray, *, out: np.ndarray | None = None, check: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """A = tanh(Z); the cache is A, since tanh'(z) = 1 - tanh²(z)."""
    if check:
        Z = _check_forward(Z)
    A = np.tanh(Z, out=out)
    return A, A


def tanh_backward(
    dA: np.ndarray, cache: np.ndarray, *, out: np.ndarray | None = None, check: bool = True
) -> np.ndarray:
    """dZ = dA · (1 - A²)."""
    if check:
        dA = _check_backward(dA, cache)
    g = np.multiply(cache, cache)  # A², then 1 - A² in the same array
    np.subtract(1, g, out=g)
    return np.multiply(dA, g, out=out)


def relu_forward(
    Z: np.ndarray, *, out: np.ndarray | None = None, check: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """A = max(0, Z); the cache is A (A > 0 exactly where Z > 0)."""
    if check:
        Z = _check_forward(Z)
    A = np.maximum(Z, 0, out=out)
    return A, A


def relu_backward(
    dA: np.ndarray, cache: np.ndarray, *, out: np.ndarray | None = None, check: bool = True
) -> np.ndarray:
    """dZ = dA where Z > 0, else 0 (the derivative at exactly 0 is taken as 0)."""
    if check:
        dA = _check_backward(dA, cache)
    return np.multiply(dA, cache > 0, out=out)


def leaky_relu_forward(
    Z: np.ndarray, slope: float = 0.01, *, out: np.ndarray | None = None, check: bool = True
) -> tuple[np.ndarray, tuple]:
    """A = leaky_relu(Z); the cache is (A, slope) (A > 0 exactly where Z > 0, slope > 0)."""
    if check:
        Z = _check_forward(Z)
        slope = check_positive("slope", slope, allow_zero=True)
    A = leaky_relu(Z, slope)
    if out is not None:
        np.copyto(out, A)
        A = out
    return A, (A, slope)


def leaky_relu_backward(
    dA: np.ndarray, cache: tuple, *, out: np.ndarray | None = None, check: bool = True
) -> np.ndarray:
    """dZ = dA where Z > 0, else slope·dA."""
    A, slope = cache
    if check:
        dA = _check_backward(dA, A)
    dZ = np.where(A > 0, dA, slope * dA)
    if out is not None:
        np.copyto(out, dZ)
        dZ = out
    return dZ


def identity_forward(
    Z: np.ndarray, *, out: np.ndarray | None = None, check: bool = True
) -> tuple[np.ndarray, None]:
    """A = Z (a linear layer with no activation)."""
    if check:
        Z = _check_forward(Z)
    if out is not None and out is not Z:
        np.copyto(out, Z)
        Z = out
    return Z, None


def identity_backward(
    dA: np.ndarray, cache: None, *, out: np.ndarray | None = None, check: bool = True
) -> np.ndarray:
    """dZ = dA."""
    if check:
        dA = check_array("dA", dA)
    if out is not None and out is not dA:
        np.copyto(out, dA)
        dA = out
    return dA


ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "identity": (identity_forward, identity_backward),
}
"""Name → (forward, backward) for the hidden-layer activations of a network."""

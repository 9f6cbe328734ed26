"""Batch normalization of a layer's pre-activations Z.

Shapes: ``Z`` is ``(n, m)`` (one column per example), ``gamma`` and ``beta`` are
``(n, 1)``. Statistics are taken over the m examples of the mini-batch (axis 1).

Training mode::

    μ    = (1/m) Σ_i z(i)
    σ²   = (1/m) Σ_i (z(i) - μ)²          biased variance (divide by m, not m-1)
    ẑ(i) = (z(i) - μ) / √(σ² + ε)         ε inside the square root
    z̃(i) = γ ẑ(i) + β

A layer followed by batch norm has no bias b: subtracting μ would cancel it.

Evaluation mode uses running estimates of μ and σ² kept during training as an
exponentially weighted moving average (EWMA)::

    running_mean ← β_bn · running_mean + (1 - β_bn) · μ
    running_var  ← β_bn · running_var  + (1 - β_bn) · σ²

with ``β_bn = 0.9`` by default, starting from running_mean = 0, running_var = 1.
PyTorch's ``BatchNorm1d(momentum=p)`` is reproduced with ``β_bn = 1 - p`` and
``unbiased=True`` (PyTorch stores the *unbiased* batch variance σ²·m/(m-1) in its
running variance while normalizing with the biased one).

Backward, in the course's convention that ``dout`` holds each example's own
derivative (the 1/m of the cost is applied to parameter gradients)::

    dβ = (1/m) Σ_i dout(i)
    dγ = (1/m) Σ_i dout(i) ẑ(i)
    dẑ = γ dout
    dZ = (1/√(σ²+ε)) · (dẑ - mean_i(dẑ) - ẑ · mean_i(dẑ ẑ))

:func:`batchnorm_backward_graph` derives the same dZ node by node through the
computation graph; the tests check that both agree.
"""

from __future__ import annotations

import numpy as np

from .validation import check_array, check_in_range, check_int, check_positive, check_shape

__all__ = [
    "BN_BETA",
    "BN_EPS",
    "batchnorm_backward",
    "batchnorm_backward_graph",
    "batchnorm_backward_inplace",
    "batchnorm_forward",
    "batchnorm_forward_eval",
    "batchnorm_forward_inplace",
    "update_running_stats",
]

BN_EPS = 1e-5
"""Default ε added to the variance inside the square root (PyTorch's default too)."""

BN_BETA = 0.9
"""Default EWMA coefficient of the running statistics (PyTorch momentum 0.1)."""


def _check_bn_inputs(Z: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> tuple:
    Z = check_array("Z", Z, 2)
    gamma = check_array("gamma", gamma, 2)
    beta = check_array("beta", beta, 2)
    check_shape("gamma", gamma, (Z.shape[0], 1))
    check_shape("beta", beta, (Z.shape[0], 1))
    return Z, gamma, beta


def batchnorm_forward(
    Z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = BN_EPS, *,
    check: bool = True,
) -> tuple[np.ndarray, tuple]:
    """Training-mode batch norm: normalize with the mini-batch's own μ and σ².

    Args:
        Z: ``(n, m)`` pre-activations, m >= 1.
        gamma, beta: ``(n, 1)`` learnable scale and shift.
        eps: ε inside √(σ² + ε).
        check: validate the arguments (a network validates once and passes False).

    Returns:
        ``(Z_tilde, cache)``; ``cache = (Z_hat, gamma, inv_std, mu, var)`` where
        ``mu`` and ``var`` (``(n, 1)``, biased) feed :func:`update_running_stats`.

    Exercise `batchnorm_forward`, notebook 10_batch_normalization.
    """
    if check:
        Z, gamma, beta = _check_bn_inputs(Z, gamma, beta)
        check_positive("eps", eps)
    mu = Z.mean(axis=1, keepdims=True)
    Zc = Z - mu
    var = np.mean(Zc * Zc, axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    Z_hat = Zc * inv_std
    out = gamma * Z_hat + beta
    return out, (Z_hat, gamma, inv_std, mu, var)


def batchnorm_forward_eval(
    Z: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    eps: float = BN_EPS,
    *,
    check: bool = True,
) -> np.ndarray:
    """Evaluation-mode batch norm: ``γ (Z - running_mean)/√(running_var + ε) + β``.

    Works for any m, even a single example; the running statistics are not changed.
    ``check=False`` skips the validation of the arguments.

    Exercise `batchnorm_forward_eval`, notebook 10_batch_normalization.
    """
    if check:
        Z, gamma, beta = _check_bn_inputs(Z, gamma, beta)
        eps = check_positive("eps", eps)
        running_mean = check_array("running_mean", running_mean, 2)
        running_var = check_array("running_var", running_var, 2)
        check_shape("running_mean", running_mean, (Z.shape[0], 1))
        check_shape("running_var", running_var, (Z.shape[0], 1))
        if (running_var < 0).any():
            raise ValueError("running_var must be >= 0")
    scale = gamma / np.sqrt(running_var + eps)
    return Z * scale + (beta - running_mean * scale)


def update_running_stats(
    running_mean: np.ndarray,
    running_var: np.ndarray,
    mu: np.ndarray,
    var: np.ndarray,
    beta: float = BN_BETA,
    *,
    m: int | None = None,
    unbiased: bool = False,
    check: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """One EWMA step of the running statistics; returns new arrays.

    ``running ← beta · running + (1 - beta) · batch``. With ``unbiased=True`` the
    batch variance is first rescaled by m/(m-1) (needs ``m`` >= 2), which together
    with ``beta = 1 - momentum`` reproduces PyTorch's ``BatchNorm1d``.
    ``check=False`` skips the validation of the arguments.

    Exercise `update_running_stats`, notebook 10_batch_normalization.
    """
    if check:
        beta = check_in_range("beta", beta, 0.0, 1.0, high_open=True)
        running_mean = check_array("running_mean", running_mean, 2)
        running_var = check_array("running_var", running_var, 2)
        mu = check_array("mu", mu, 2)
        var = check_array("var", var, 2)
        for name, arr in (("running_var", running_var), ("mu", mu), ("var", var)):
            check_shape(name, arr, running_mean.shape)
        if unbiased:
            if m is None:
                raise ValueError("unbiased=True needs the mini-batch size m")
            m = check_int("m", m, minimum=2)
    if unbiased:
        var = var * (m / (m - 1))
    new_mean = beta * running_mean + (1 - beta) * mu
    new_var = beta * running_var + (1 - beta) * var
    return new_mean, new_var


def batchnorm_backward(
    dout: np.ndarray, cache: tuple, *, check: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of training-mode batch norm (the simplified formula).

    Args:
        dout: ``(n, m)`` per-example derivative with respect to Z̃.
        cache: from :func:`batchnorm_forward`.
        check: validate ``dout`` (a network validates once and passes False).

    Returns:
        ``(dZ, dgamma, dbeta)`` with dZ ``(n, m)`` (per example) and dgamma,
        dbeta ``(n, 1)`` (gradients of the cost, hence the 1/m).

    Exercise `batchnorm_backward`, notebook 10_batch_normalization.
    """
    Z_hat, gamma, inv_std, _, _ = cache
    if check:
        dout = check_array("dout", dout, 2)
        check_shape("dout", dout, Z_hat.shape)
    dbeta = dout.mean(axis=1, keepdims=True)
    dgamma = np.mean(dout * Z_hat, axis=1, keepdims=True)
    # With dẑ = γ·dout: mean(dẑ) = γ·dβ and mean(dẑ ẑ) = γ·dγ.
    dZ = (gamma * inv_std) * (dout - dbeta - Z_hat * dgamma)
    return dZ, dgamma, dbeta


# ---- the same formulas for the training engine (course_lib.network_fast) -------------
# Fewer passes over the (n, m) arrays and no new (n, m) arrays: the caller hands over
# buffers it owns, and the 1/m of the cost is already folded into the gradients.
# tests/test_fast_paths.py checks them against the functions above and against
# batchnorm_backward_graph.


def _row_dots(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``Σ_i A[:, i]·B[:, i]`` for every row, as ``(n,)``, without an (n, m) temporary."""
    return np.einsum("ij,ij->i", A, B)


def batchnorm_forward_inplace(
    Z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float, out: np.ndarray,
    ones: np.ndarray,
) -> tuple[np.ndarray, tuple]:
    """:func:`batchnorm_forward` (no checks) that overwrites ``Z`` with ẑ and writes z̃ to ``out``.

    Returns the same ``(Z_tilde, cache)`` as :func:`batchnorm_forward`: ``Z_tilde``
    is ``out`` and the ẑ in the cache is ``Z`` itself. ``ones`` is a vector of m
    ones: the sums over the examples are the matrix-vector products ``Z @ ones``.
    """
    m = Z.shape[1]
    mu = (Z @ ones)[:, None] / m
    Z -= mu  # Zc
    var = (_row_dots(Z, Z) / m)[:, None]  # mean(Zc²)
    inv_std = 1.0 / np.sqrt(var + eps)
    Z *= inv_std  # ẑ
    np.multiply(gamma, Z, out=out)  # γ ẑ + β
    out += beta
    return out, (Z, gamma, inv_std, mu, var)


def batchnorm_backward_inplace(
    dout: np.ndarray, cache: tuple, m: int, dgamma: np.ndarray, dbeta: np.ndarray,
    tmp: np.ndarray, ones: np.ndarray,
) -> np.ndarray:
    """:func:`batchnorm_backward` with the cost's 1/m already applied to ``dout``.

    ``dout`` holds ``(1/m)·dout`` and is overwritten with ``(1/m)·dZ`` (the engine
    folds the 1/m of the cost into dZ[L] once, instead of into every dW and db).
    The sums over the examples of the scaled dout are then exactly dβ and dγ, which
    are written into ``dgamma`` and ``dbeta`` (``(n, 1)``); ``tmp`` is an (n, m) buffer
    and ``ones`` a vector of m ones. Returns ``dout``.
    """
    Z_hat, gamma, inv_std, _, _ = cache
    np.matmul(dout, ones, out=dbeta.reshape(-1))  # dβ = (1/m) Σ dout
    dgamma[:, 0] = _row_dots(dout, Z_hat)  # dγ = (1/m) Σ dout ẑ
    # (1/m)·dZ = γ/√(σ²+ε) · ((1/m)dout - (1/m)dβ - ẑ (1/m)dγ)
    np.multiply(Z_hat, dgamma * (1.0 / m), out=tmp)
    dout -= dbeta * (1.0 / m)
    dout -= tmp
    dout *= gamma * inv_std
    return dout


def batchnorm_backward_graph(
    dout: np.ndarray, Z: np.ndarray, gamma: np.ndarray, eps: float = BN_EPS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same backward pass, node by node through the computation graph.

    Forward graph: μ = mean(Z); Zc = Z - μ; σ² = mean(Zc²); s = √(σ²+ε);
    ẑ = Zc / s; z̃ = γ ẑ + β. Each line below is the chain rule at one node, in
    reverse order. Slower than :func:`batchnorm_backward`; it is here to teach
    where the simplified formula comes from.
    """
    Z = check_array("Z", Z, 2)
    dout = check_array("dout", dout, 2)
    check_shape("dout", dout, Z.shape)
    gamma = check_array("gamma", gamma, 2)
    check_shape("gamma", gamma, (Z.shape[0], 1))
    check_positive("eps", eps)
    m = Z.shape[1]
    mu = Z.mean(axis=1, keepdims=True)
    Zc = Z - mu
    var = np.mean(Zc**2, axis=1, keepdims=True)
    s = np.sqrt(var + eps)
    Z_hat = Zc / s
    # z̃ = γ ẑ + β   (dβ, dγ are cost gradients: mean over the examples)
    dbeta = dout.sum(axis=1, keepdims=True) / m
    dgamma = (dout * Z_hat).sum(axis=1, keepdims=True) / m
    dZ_hat = gamma * dout
    # ẑ = Zc · (1/s)
    dZc = dZ_hat / s
    ds = -(dZ_hat * Zc).sum(axis=1, keepdims=True) / s**2
    # s = √(σ² + ε)
    dvar = ds / (2 * s)
    # σ² = (1/m) Σ Zc²
    dZc = dZc + (2.0 / m) * Zc * dvar
    # Zc = Z - μ
    dmu = -dZc.sum(axis=1, keepdims=True)
    dZ = dZc.copy()
    # μ = (1/m) Σ Z
    dZ += dmu / m
    return dZ, dgamma, dbeta

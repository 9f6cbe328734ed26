"""Layer normalization of a layer's pre-activations Z (Ba, Kiros & Hinton, 2016).

Shapes: ``Z`` is ``(n, m)`` (one column per example), ``gamma`` and ``beta`` are
``(n, 1)``, as in batch norm. The difference is the axis of the statistics: layer
norm standardizes **each example (column) over its n units** (axis 0), so ``μ`` and
``σ²`` have shape ``(1, m)``, one pair per example, where batch norm
(:mod:`course_lib.batchnorm`) standardizes each unit over the m examples (axis 1)::

    μ(i)    = (1/n) Σ_j z_j(i)
    σ²(i)   = (1/n) Σ_j (z_j(i) - μ(i))²       biased variance (divide by n, not n-1)
    ẑ_j(i)  = (z_j(i) - μ(i)) / √(σ²(i) + ε)    ε inside the square root
    z̃_j(i)  = γ_j ẑ_j(i) + β_j                  γ, β per unit, shared by the examples

No example's output depends on the other examples of the mini-batch: a batch of one
is normalized exactly as it would be in a batch of 64, and there are **no running
statistics** — layer norm computes the same thing in training and in evaluation.
(Batch norm over a batch of one gives Z - μ = 0 for every unit, so every output is
β.) With a single unit (n = 1) it is layer norm's turn to give ẑ = 0.

Backward, in the course's convention that ``dout`` holds each example's own
derivative (the 1/m of the cost is applied to the parameter gradients)::

    dβ = (1/m) Σ_i dout(i)                      (n, 1), mean over the examples
    dγ = (1/m) Σ_i dout(i) ẑ(i)                 (n, 1)
    dẑ = γ dout                                 (n, m)
    dZ = (1/√(σ²+ε)) · (dẑ - mean_j(dẑ) - ẑ · mean_j(dẑ ẑ))   means over the units

The last line is batch norm's simplified formula with the means taken over the
units of each example (axis 0) instead of over the examples. Batch norm's shortcut
mean(dẑ) = γ·dβ does not carry over: there γ is constant along the mean, here γ_j
changes from unit to unit.

PyTorch: ``torch.nn.functional.layer_norm(Z.T, (n,), weight=gamma.ravel(),
bias=beta.ravel(), eps=eps)`` (examples are rows in PyTorch: transpose) equals
``layernorm_forward(Z, gamma, beta, eps)[0].T``; it too uses the biased variance
with ε inside the square root (``torch.nn.LayerNorm(n, eps=eps)`` is the module).
With ``L = sum(out * dout.T)`` in PyTorch, the input's gradient is ``dZ.T`` and
the weight's and bias's gradients are ``m · dgamma`` and ``m · dbeta``.
"""

from __future__ import annotations

import numpy as np

from .validation import check_array, check_positive, check_shape

__all__ = ["LN_EPS", "layernorm_backward", "layernorm_forward"]

LN_EPS = 1e-5
"""Default ε added to the variance inside the square root (PyTorch's default too)."""


def _check_ln_inputs(Z: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> tuple:
    Z = check_array("Z", Z, 2)
    if Z.shape[0] == 0:
        raise ValueError(f"Z must have at least one unit (row) to normalize over, "
                         f"got shape {Z.shape}")
    gamma = check_array("gamma", gamma, 2)
    beta = check_array("beta", beta, 2)
    # gamma and beta are per unit, like b: (n, 1), never (1, m).
    check_shape("gamma", gamma, (Z.shape[0], 1))
    check_shape("beta", beta, (Z.shape[0], 1))
    return Z, gamma, beta


def layernorm_forward(
    Z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = LN_EPS, *,
    check: bool = True,
) -> tuple[np.ndarray, tuple]:
    """Layer norm: normalize each example (column) of ``Z`` over its units.

    The same function serves training and evaluation (no running statistics).

    Args:
        Z: ``(n, m)`` pre-activations, n >= 1 units, m >= 1 examples (one is fine).
        gamma, beta: ``(n, 1)`` learnable scale and shift, one entry per unit.
        eps: ε inside √(σ² + ε), > 0.
        check: validate the arguments (a caller that validated once passes False).

    Returns:
        ``(Z_tilde, cache)``: ``Z_tilde`` is ``(n, m)``; ``cache = (Z_hat, gamma,
        inv_std, mu, var)`` with ``Z_hat`` ``(n, m)`` and ``inv_std = 1/√(var + ε)``,
        ``mu`` and ``var`` (biased) of shape ``(1, m)``, one value per example.

    Exercise `layernorm_forward`, notebook 10_batch_normalization.
    """
    if check:
        Z, gamma, beta = _check_ln_inputs(Z, gamma, beta)
        check_positive("eps", eps)
    # batchnorm_forward line for line, with axis=0 where it has axis=1 (deliberate: each
    # module reads on its own next to the notebook's formulas; one shared function with an
    # axis argument would hide the one difference the extension is about).
    mu = Z.mean(axis=0, keepdims=True)
    Zc = Z - mu
    var = np.mean(Zc * Zc, axis=0, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    Z_hat = Zc * inv_std
    out = gamma * Z_hat + beta
    return out, (Z_hat, gamma, inv_std, mu, var)


def layernorm_backward(
    dout: np.ndarray, cache: tuple, *, check: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of layer norm.

    Args:
        dout: ``(n, m)`` per-example derivative with respect to Z̃.
        cache: from :func:`layernorm_forward`.
        check: validate ``dout`` (a caller that validated once passes False).

    Returns:
        ``(dZ, dgamma, dbeta)`` with dZ ``(n, m)`` (per example: column i depends on
        example i alone) and dgamma, dbeta ``(n, 1)`` (gradients of the cost, hence
        the mean over the examples).

    Exercise `layernorm_backward`, notebook 10_batch_normalization.
    """
    Z_hat, gamma, inv_std, _, _ = cache
    if check:
        dout = check_array("dout", dout, 2)
        check_shape("dout", dout, Z_hat.shape)
    # The parameter gradients are batch norm's (gamma, beta are per unit in both); dZ is
    # not: its means run over the units (axis 0), without batch norm's γ·dβ shortcut.
    dbeta = dout.mean(axis=1, keepdims=True)
    dgamma = np.mean(dout * Z_hat, axis=1, keepdims=True)
    dZ_hat = gamma * dout
    dZ = inv_std * (dZ_hat - dZ_hat.mean(axis=0, keepdims=True)
                    - Z_hat * np.mean(dZ_hat * Z_hat, axis=0, keepdims=True))
    return dZ, dgamma, dbeta

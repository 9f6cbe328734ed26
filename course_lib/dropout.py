"""Inverted dropout.

Convention: ``keep_prob`` is the probability of KEEPING a unit (PyTorch's
``nn.Dropout(p)`` takes the drop probability: ``p = 1 - keep_prob``).

Training, for activations ``A`` of shape ``(n[l], m)``:

* ``D = rng.random(A.shape) < keep_prob`` — one independent mask entry per unit
  and per example (uniform numbers, not ``randn``);
* ``A_out = A * D / keep_prob`` — dividing by keep_prob keeps the expected value
  of every unit unchanged, so nothing needs rescaling at test time.

Backward uses the same mask: ``dA = dA_out * D / keep_prob``. At test time dropout
is switched off entirely (identity).
"""

from __future__ import annotations

import numpy as np

from .validation import check_array, check_probability, check_rng, check_same_shape

__all__ = ["dropout_backward", "dropout_forward", "dropout_mask"]


def dropout_mask(shape: tuple[int, ...], keep_prob: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask, True with probability ``keep_prob``: ``rng.random(shape) < keep_prob``."""
    keep_prob = check_probability("keep_prob", keep_prob)
    check_rng("rng", rng)
    return rng.random(shape) < keep_prob


def dropout_forward(
    A: np.ndarray,
    keep_prob: float,
    rng: np.random.Generator | None = None,
    *,
    mask: np.ndarray | None = None,
    check: bool = True,
) -> tuple[np.ndarray, tuple[np.ndarray, float]]:
    """Inverted dropout: ``A_out = A * D / keep_prob``.

    Args:
        A: ``(n[l], m)`` activations.
        keep_prob: probability of keeping a unit, in (0, 1].
        rng: draws the mask ``D = rng.random(A.shape) < keep_prob``.
        mask: a given boolean mask of A's shape instead of drawing one (tests).
        check: validate the arguments (a network validates once and passes False).

    Returns:
        ``(A_out, cache)`` with cache ``(D, keep_prob)``.

    Exercise `dropout_forward`, notebook 03_regularization.
    """
    if check:
        A = check_array("A", A)
        keep_prob = check_probability("keep_prob", keep_prob)
    if mask is None:
        if rng is None:
            raise ValueError("dropout_forward needs rng (or an explicit mask)")
        mask = dropout_mask(A.shape, keep_prob, rng)
    elif check:
        mask = np.asarray(mask, dtype=bool)
        check_same_shape("mask", mask, "A", A)
    A_out = A * mask / np.asarray(keep_prob, dtype=A.dtype)
    return A_out, (mask, keep_prob)


def dropout_backward(
    dA_out: np.ndarray, cache: tuple[np.ndarray, float], *, check: bool = True
) -> np.ndarray:
    """``dA = dA_out * D / keep_prob`` with the forward pass's mask D.

    ``check=False`` skips the validation (a network validates once).

    Exercise `dropout_backward`, notebook 03_regularization.
    """
    mask, keep_prob = cache
    if check:
        dA_out = check_array("dA_out", dA_out)
        check_same_shape("dA_out", dA_out, "mask", mask)
    return dA_out * mask / np.asarray(keep_prob, dtype=dA_out.dtype)

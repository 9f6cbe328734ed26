"""Data plumbing: shuffling, mini-batches, train/dev/test splits, standardization, labels.

Convention: examples are **columns**. ``X`` has shape ``(n_x, m)`` and ``Y`` has shape
``(1, m)`` (labels) or ``(C, m)`` (one-hot). Every function that reorders examples moves
whole columns of ``X`` and ``Y`` together, so example ``i`` keeps its label.

Randomness comes in as ``rng: np.random.Generator``; nothing here touches the global
``np.random`` state. Inputs are never modified; dtypes of ``X`` and ``Y`` are kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from course_lib.validation import (
    check_array,
    check_int,
    check_positive,
    check_rng,
    check_shape,
)

__all__ = [
    "shuffle",
    "partition",
    "random_mini_batches",
    "train_dev_test_split",
    "fit_standardizer",
    "standardize",
    "one_hot",
    "as_labels",
]


def _check_xy(X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate a data pair (both 2-D, finite, same number of columns), keeping dtypes."""
    X = np.asarray(X)
    Y = np.asarray(Y)
    check_array("X", X, ndim=2)
    check_array("Y", Y, ndim=2)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            "X and Y must have the same number of columns (examples), "
            f"got X shape {X.shape} and Y shape {Y.shape}"
        )
    return X, Y


def shuffle(
    X: np.ndarray, Y: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle the examples (columns) of ``X`` and ``Y`` with one shared permutation.

    Shapes: ``X (n_x, m)``, ``Y (n_y, m)`` -> same shapes.
    Draws exactly one ``rng.permutation(m)``; column ``j`` of the result is column
    ``perm[j]`` of the input, for both arrays. Returns new arrays.
    """
    X, Y = _check_xy(X, Y)
    rng = check_rng("rng", rng)
    perm = rng.permutation(X.shape[1])
    return X[:, perm], Y[:, perm]


def partition(
    X: np.ndarray, Y: np.ndarray, batch_size: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cut the columns into consecutive mini-batches of ``batch_size`` examples.

    Shapes: ``X (n_x, m)``, ``Y (n_y, m)`` -> list of ``(X_t (n_x, B_t), Y_t (n_y, B_t))``.
    There are ``ceil(m / batch_size)`` batches; batch ``t`` holds columns
    ``t*batch_size .. (t+1)*batch_size - 1``, so every batch has ``batch_size`` columns
    except the last, which has ``m % batch_size`` when that is not 0.
    No shuffling here (see ``random_mini_batches``). The batches are views of the inputs
    (no copy); copy one before modifying it in place.

    Exercise `partition`, notebook 05_minibatch_gradient_descent.
    """
    X, Y = _check_xy(X, Y)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    m = X.shape[1]
    return [
        (X[:, start : start + batch_size], Y[:, start : start + batch_size])
        for start in range(0, m, batch_size)
    ]


def random_mini_batches(
    X: np.ndarray, Y: np.ndarray, batch_size: int, rng: np.random.Generator
) -> list[tuple[np.ndarray, np.ndarray]]:
    """One epoch of mini-batches: ``partition(*shuffle(X, Y, rng), batch_size)``.

    Shapes: ``X (n_x, m)``, ``Y (n_y, m)`` -> list of ``(X_t (n_x, B_t), Y_t (n_y, B_t))``
    with ``B_t = batch_size`` except possibly the last (``m % batch_size``).
    Each call draws one permutation from ``rng``, so calling it once per epoch with the
    same generator gives a new order every epoch and a reproducible run for a fixed seed.
    Every example appears in exactly one batch, paired with its own label.

    Exercise `random_mini_batches`, notebook 05_minibatch_gradient_descent.
    """
    batch_size = check_int("batch_size", batch_size, minimum=1)
    X_shuffled, Y_shuffled = shuffle(X, Y, rng)
    return partition(X_shuffled, Y_shuffled, batch_size)


def _check_fractions(fractions: Sequence[float]) -> tuple[float, float, float]:
    try:
        fr = tuple(float(f) for f in fractions)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"fractions must be 3 numbers (train, dev, test), got {fractions!r}"
        ) from exc
    if len(fr) != 3:
        raise ValueError(f"fractions must be 3 numbers (train, dev, test), got {fractions!r}")
    if not all(math.isfinite(f) and f >= 0 for f in fr):
        raise ValueError(f"fractions must be finite and >= 0, got {fractions!r}")
    if abs(sum(fr) - 1.0) > 1e-9:
        raise ValueError(f"fractions must sum to 1, got {fractions!r} (sum {sum(fr)})")
    if fr[0] <= 0:
        raise ValueError(f"fractions[0] (train) must be > 0, got {fractions!r}")
    return fr


def train_dev_test_split(
    X: np.ndarray,
    Y: np.ndarray,
    fractions: Sequence[float] = (0.6, 0.2, 0.2),
    *,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle once, then split the examples into train, dev and test sets.

    Shapes: ``X (n_x, m)``, ``Y (n_y, m)`` -> ``X_train (n_x, m_train)``, ``Y_train``,
    ``X_dev (n_x, m_dev)``, ``Y_dev``, ``X_test (n_x, m_test)``, ``Y_test``.

    ``fractions = (f_train, f_dev, f_test)``: non-negative, summing to 1, ``f_train > 0``.
    Counts: ``m_dev = round(m * f_dev)``, ``m_test = round(m * f_test)`` (Python's
    ``round``: halves go to the even integer) and ``m_train = m - m_dev - m_test``.
    After one ``rng.permutation(m)``, the first ``m_train`` columns are train, the next
    ``m_dev`` dev, the last ``m_test`` test: the three sets are disjoint and cover all.

    Exercise `split_data`, notebook 01_practical_aspects.
    Exercise `prepare_data`, notebook 12_capstone.
    """
    X, Y = _check_xy(X, Y)
    _, f_dev, f_test = _check_fractions(fractions)
    rng = check_rng("rng", rng)
    m = X.shape[1]
    n_dev = round(m * f_dev)
    n_test = round(m * f_test)
    n_train = m - n_dev - n_test
    if n_train < 1:
        raise ValueError(
            f"fractions {tuple(fractions)!r} leave no training example for m={m} "
            f"(X shape {X.shape}): dev gets {n_dev}, test gets {n_test}"
        )
    perm = rng.permutation(m)
    i_train = perm[:n_train]
    i_dev = perm[n_train : n_train + n_dev]
    i_test = perm[n_train + n_dev :]
    return (
        X[:, i_train], Y[:, i_train],
        X[:, i_dev], Y[:, i_dev],
        X[:, i_test], Y[:, i_test],
    )


def fit_standardizer(X: np.ndarray, eps: float = 1e-8) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and scale of the training set, for ``standardize``.

    Shapes: ``X (n_x, m)`` -> ``mu (n_x, 1)``, ``sigma (n_x, 1)``.
    ``mu = mean(X, axis=1)`` and ``sigma = std(X, axis=1)`` (biased, ``ddof=0``:
    ``sigma_j**2 = (1/m) * sum_i (X[j, i] - mu_j)**2``).

    Constant features (``sigma_j <= eps``, e.g. a pixel that is blank in every image)
    get ``sigma_j = 1`` instead of ~0, so they are centred but not divided by ~0
    and standardization never produces inf or NaN. Fit on the training set only,
    then apply the same ``(mu, sigma)`` to the dev and test sets.

    Exercise `fit_standardizer`, notebook 01_practical_aspects.
    Exercise `prepare_data`, notebook 12_capstone.
    """
    X = check_array("X", X, ndim=2)
    eps = check_positive("eps", eps, allow_zero=True)
    if X.shape[1] < 1:
        raise ValueError(f"X needs at least one example (column), got shape {X.shape}")
    mu = X.mean(axis=1, keepdims=True)
    sigma = X.std(axis=1, keepdims=True)
    sigma = np.where(sigma > eps, sigma, 1.0)
    return mu, sigma


def standardize(
    X: np.ndarray, mu: np.ndarray, sigma: np.ndarray, eps: float = 1e-8
) -> np.ndarray:
    """Centre and scale each feature: ``(X - mu) / sigma``.

    Shapes: ``X (n_x, m)``, ``mu (n_x, 1)``, ``sigma (n_x, 1)`` -> ``(n_x, m)``.
    Where ``sigma_j <= eps`` (a constant feature) the division is by 1 instead, so the
    feature is only centred (it becomes 0) rather than blowing up to inf or NaN.
    ``sigma`` from ``fit_standardizer`` already has this applied; the guard here makes
    a hand-made ``sigma`` safe too. Returns a new float array.

    Exercise `standardize`, notebook 01_practical_aspects.
    Exercise `prepare_data`, notebook 12_capstone.
    """
    X = check_array("X", X, ndim=2)
    mu = check_array("mu", mu)
    sigma = check_array("sigma", sigma)
    eps = check_positive("eps", eps, allow_zero=True)
    n_x = X.shape[0]
    check_shape(f"mu (for X of shape {X.shape})", mu, (n_x, 1))
    check_shape(f"sigma (for X of shape {X.shape})", sigma, (n_x, 1))
    if (sigma < 0).any():
        raise ValueError(f"sigma must be >= 0, got min {sigma.min()} (shape {sigma.shape})")
    scale = np.where(sigma > eps, sigma, 1.0)
    return (X - mu) / scale


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Integer labels -> one-hot columns.

    Shapes: ``labels (m,)`` or ``(1, m)`` with values in ``{0, ..., C-1}`` ->
    ``(C, m)`` float64 with ``Y[c, i] = 1`` if ``labels[i] == c`` else 0.
    Float labels are accepted when they hold whole numbers (e.g. ``2.0``).

    Exercise `one_hot`, notebook 11_softmax_regression.
    """
    C = check_int("num_classes", num_classes, minimum=1)
    arr = np.asarray(labels)
    if arr.ndim == 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 1:
        raise ValueError(f"labels must have shape (m,) or (1, m), got {np.shape(labels)}")
    if arr.dtype.kind == "f":
        check_array("labels", arr)
        if not np.all(arr == np.round(arr)):
            bad = arr[arr != np.round(arr)][0]
            raise ValueError(f"labels must be whole numbers, got {bad} (shape {arr.shape})")
    elif arr.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers, got dtype {arr.dtype} (shape {arr.shape})")
    idx = arr.astype(np.int64)
    out_of_range = (idx < 0) | (idx >= C)
    if out_of_range.any():
        i = int(np.argmax(out_of_range))
        raise ValueError(
            f"labels must be in [0, {C}) for num_classes={C}, got {arr[i]} at index {i} "
            f"(labels shape {np.shape(labels)})"
        )
    m = idx.shape[0]
    Y = np.zeros((C, m), dtype=np.float64)
    Y[idx, np.arange(m)] = 1.0
    return Y


def as_labels(Y: Any, name: str = "labels") -> np.ndarray:
    """Integer labels ``(m,)`` int64 from labels ``(m,)`` or ``(1, m)``, or one-hot ``(C, m)``.

    One-hot (or probability) columns give their argmax (the first maximum on ties);
    labels must hold whole numbers. ``name`` is the argument named in error messages.
    """
    arr = np.asarray(Y)
    if arr.ndim == 2 and arr.shape[0] > 1:
        check_array(name, arr, 2)
        return np.argmax(arr, axis=0).astype(np.int64)
    if arr.ndim == 2:
        arr = arr[0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must have shape (m,), (1, m) or (C, m), got {np.shape(Y)}")
    check_array(name, arr, 1)
    if not np.all(arr == np.round(arr)):
        raise ValueError(f"{name} must hold integer labels (shape {np.shape(Y)})")
    return arr.astype(np.int64)

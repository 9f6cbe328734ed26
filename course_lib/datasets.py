"""Small offline datasets for the course, in the column convention.

Every generator takes ``m`` (number of examples) and ``rng: np.random.Generator`` and
returns ``(X, Y)`` with ``X`` of shape ``(2, m)`` (float64, one example per column) and
``Y`` of shape ``(1, m)`` (int64 labels ``0 .. C-1``). Classes are balanced (class sizes
differ by at most one) and the columns come in random order, so the result can go
straight into mini-batch training. The output depends only on the arguments and the
state of ``rng``.

The two loaders wrap the datasets bundled with scikit-learn (no download needed).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np

from course_lib.validation import check_in_range, check_int, check_positive, check_rng

__all__ = [
    "make_moons",
    "make_circles",
    "make_blobs",
    "make_football",
    "load_digits",
    "load_breast_cancer",
]


def _balanced_labels(m: int, classes: int, rng: np.random.Generator) -> np.ndarray:
    """``(m,)`` int64 labels, ``m // classes`` or one more of each class, in random order."""
    return rng.permutation(np.arange(m, dtype=np.int64) % classes)


def _check_m(m: int, minimum: int = 2) -> int:
    return check_int("m", m, minimum=minimum)


def make_moons(
    m: int, rng: np.random.Generator, noise: float = 0.2
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half-moons.

    Class 0: ``(cos t, sin t)``; class 1: ``(1 - cos t, 0.5 - sin t)``, with
    ``t ~ Uniform[0, pi]``; then Gaussian noise of standard deviation ``noise`` is added
    to both coordinates. Returns ``X (2, m)`` float64, ``Y (1, m)`` int64 in ``{0, 1}``.
    """
    m = _check_m(m)
    rng = check_rng("rng", rng)
    noise = check_positive("noise", noise, allow_zero=True)
    y = _balanced_labels(m, 2, rng)
    t = rng.uniform(0.0, np.pi, size=m)
    x1 = np.where(y == 0, np.cos(t), 1.0 - np.cos(t))
    x2 = np.where(y == 0, np.sin(t), 0.5 - np.sin(t))
    X = np.vstack([x1, x2]) + noise * rng.standard_normal((2, m))
    return X, y.reshape(1, m)


def make_circles(
    m: int, rng: np.random.Generator, noise: float = 0.1, factor: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor``.

    Points at angle ``t ~ Uniform[0, 2 pi)`` on their circle, plus Gaussian noise of
    standard deviation ``noise``. ``factor`` in ``(0, 1)``.
    Returns ``X (2, m)`` float64, ``Y (1, m)`` int64 in ``{0, 1}``.
    """
    m = _check_m(m)
    rng = check_rng("rng", rng)
    noise = check_positive("noise", noise, allow_zero=True)
    factor = check_in_range("factor", factor, 0.0, 1.0, low_open=True, high_open=True)
    y = _balanced_labels(m, 2, rng)
    t = rng.uniform(0.0, 2 * np.pi, size=m)
    radius = np.where(y == 0, 1.0, factor)
    X = radius * np.vstack([np.cos(t), np.sin(t)]) + noise * rng.standard_normal((2, m))
    return X, y.reshape(1, m)


def make_blobs(
    m: int, rng: np.random.Generator, centers: int = 3, std: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian blobs, one per class.

    The ``centers`` class means sit evenly on a circle of radius 5 around the origin
    (class ``c`` at angle ``2 pi c / centers``); each example is its class mean plus
    ``std * N(0, I_2)``. Returns ``X (2, m)`` float64, ``Y (1, m)`` int64 in
    ``{0, ..., centers-1}``.
    """
    centers = check_int("centers", centers, minimum=1)
    m = _check_m(m, minimum=max(2, centers))
    rng = check_rng("rng", rng)
    std = check_positive("std", std, allow_zero=True)
    y = _balanced_labels(m, centers, rng)
    angles = 2 * np.pi * np.arange(centers) / centers
    means = 5.0 * np.vstack([np.cos(angles), np.sin(angles)])  # (2, centers)
    X = means[:, y] + std * rng.standard_normal((2, m))
    return X, y.reshape(1, m)


def _football_boundary(x1: np.ndarray) -> np.ndarray:
    """The true (noise-free) frontier between the two teams: a wave across the field."""
    return 0.45 * np.sin(2.5 * np.pi * x1) + 0.15 * x1


def make_football(
    m: int, rng: np.random.Generator, noise: float = 0.12
) -> tuple[np.ndarray, np.ndarray]:
    """Where the goalkeeper's kicks landed, and which team headed the ball.

    A noisy two-class set for showing overfitting and regularization. Positions on the
    field are uniform on ``[-1, 1]^2``. The true label is 1 (blue team) above the wavy
    frontier ``x2 = 0.45 sin(2.5 pi x1) + 0.15 x1`` and 0 (red team) below, giving
    interleaved regions. Then ``round(noise * m)`` labels are flipped, chosen without
    replacement with probability proportional to ``exp(-d / 0.1)``, where ``d`` is the
    vertical distance to the frontier: the flipped points are mostly close to the
    frontier, as contested balls would be. A network that fits the training set
    perfectly has to carve small pockets around those flipped points: it overfits.

    ``noise`` in ``[0, 0.5)`` is the fraction of flipped labels; ``noise=0`` gives the
    true labels, for a clean evaluation set (notebook 03 trains on noisy labels and
    measures on clean ones, so that its dev accuracy shows how well the true frontier was
    learned; noisy evaluation labels would cap it near ``1 - noise``).
    Returns ``X (2, m)`` float64, ``Y (1, m)`` int64 in ``{0, 1}``.
    """
    m = _check_m(m)
    rng = check_rng("rng", rng)
    noise = check_in_range("noise", noise, 0.0, 0.5, high_open=True)
    X = rng.uniform(-1.0, 1.0, size=(2, m))
    gap = X[1] - _football_boundary(X[0])
    y = (gap > 0).astype(np.int64)
    n_flip = round(noise * m)
    if n_flip > 0:
        weights = np.exp(-np.abs(gap) / 0.1)
        flip = rng.choice(m, size=n_flip, replace=False, p=weights / weights.sum())
        y[flip] = 1 - y[flip]
    return X, y.reshape(1, m)


def load_digits(flatten: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 handwritten digits (1797 images, offline).

    Pixel values (0..16) are divided by 16, so ``X`` lies in ``[0, 1]``.
    Returns ``X (64, 1797)`` float64 with ``flatten=True`` (pixel ``8*row + col`` in
    row ``8*row + col``), or ``X (8, 8, 1797)`` with ``flatten=False`` (examples still on
    the last axis), and ``Y (1, 1797)`` int64 digit labels ``0..9``.
    """
    table = _digits_table()
    m = table.shape[0]
    images = table[:, :64].reshape(m, 8, 8) / 16.0  # (m, 8, 8)
    if flatten:
        X = images.reshape(m, 64).T.copy()
    else:
        X = np.moveaxis(images, 0, -1).copy()
    Y = table[:, 64].astype(np.int64).reshape(1, m)
    return X, Y


@functools.cache
def _digits_table() -> np.ndarray:
    """The ``(1797, 65)`` table of scikit-learn's ``digits.csv.gz``: 64 pixels, then the label.

    Read straight from the file scikit-learn ships, without importing scikit-learn
    (whose import, through SciPy, takes longer than the whole self-check of a notebook).
    The file is read once per process; callers get copies.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "load_digits needs scikit-learn's bundled data: run `python3 course.py setup`",
            name="sklearn")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    table = np.loadtxt(path, delimiter=",")
    table.flags.writeable = False
    return table


def load_breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled Wisconsin breast-cancer set (569 examples, offline).

    Returns ``X (30, 569)`` float64, raw features (not standardized: fit a standardizer
    on the training split), and ``Y (1, 569)`` int64 with scikit-learn's coding
    (0 = malignant, 1 = benign).
    """
    from sklearn.datasets import load_breast_cancer as _sk_load_breast_cancer

    bunch = _sk_load_breast_cancer()
    X = np.asarray(bunch.data, dtype=np.float64).T.copy()
    Y = np.asarray(bunch.target, dtype=np.int64).reshape(1, -1)
    return X, Y

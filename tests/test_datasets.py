import numpy as np
import pytest

from course_lib.datasets import (
    load_breast_cancer,
    load_digits,
    make_blobs,
    make_circles,
    make_football,
    make_moons,
)

GENERATORS = {
    "moons": (make_moons, {}, 2),
    "circles": (make_circles, {}, 2),
    "blobs": (make_blobs, {}, 3),
    "blobs5": (make_blobs, {"centers": 5}, 5),
    "football": (make_football, {}, 2),
}


@pytest.mark.parametrize(
    ("name", "m"),
    [(name, m) for name in sorted(GENERATORS) for m in (2, 7, 301) if m >= GENERATORS[name][2]],
)
def test_shapes_dtypes_labels(name, m):
    make, kwargs, C = GENERATORS[name]
    X, Y = make(m, np.random.default_rng(0), **kwargs)
    assert X.shape == (2, m) and X.dtype == np.float64
    assert Y.shape == (1, m) and Y.dtype == np.int64
    assert np.isfinite(X).all()
    assert set(np.unique(Y).tolist()) <= set(range(C))
    if m >= 7 * C and name != "football":
        counts = np.bincount(Y[0], minlength=C)
        assert counts.max() - counts.min() <= 1  # balanced classes
        assert set(np.unique(Y).tolist()) == set(range(C))


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_deterministic_for_a_seed(name):
    make, kwargs, _ = GENERATORS[name]
    X1, Y1 = make(100, np.random.default_rng(123), **kwargs)
    X2, Y2 = make(100, np.random.default_rng(123), **kwargs)
    X3, _ = make(100, np.random.default_rng(124), **kwargs)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_bad_m_and_rng(name):
    make, kwargs, _ = GENERATORS[name]
    for bad in (1, 0, 10.0):
        with pytest.raises(ValueError, match=r"^m must"):
            make(bad, np.random.default_rng(0), **kwargs)
    with pytest.raises(ValueError, match="rng"):
        make(10, 0, **kwargs)


def test_noise_free_geometry():
    X, Y = make_circles(200, np.random.default_rng(0), noise=0.0, factor=0.3)
    r = np.hypot(*X)
    np.testing.assert_allclose(r[Y[0] == 0], 1.0)
    np.testing.assert_allclose(r[Y[0] == 1], 0.3)
    X, Y = make_blobs(90, np.random.default_rng(0), centers=3, std=0.0)
    assert len(np.unique(X.round(9), axis=1)[0]) == 3


def test_bad_hyperparameters():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="factor"):
        make_circles(10, rng, factor=1.0)
    with pytest.raises(ValueError, match="noise"):
        make_moons(10, rng, noise=-0.1)
    with pytest.raises(ValueError, match=r"^m must be >= 4"):
        make_blobs(3, rng, centers=4)
    with pytest.raises(ValueError, match="noise"):
        make_football(10, rng, noise=0.5)


def logistic_regression_train_accuracy(X, Y, iters=25, l2=1e-3):
    """Fit w, b of sigmoid(w.x + b) by Newton's method; return the training accuracy."""
    A = np.vstack([X, np.ones((1, X.shape[1]))])  # (n_x + 1, m)
    y = Y[0].astype(float)
    w = np.zeros(A.shape[0])
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(w @ A)))
        grad = A @ (p - y) + l2 * w
        hess = (A * (p * (1 - p))) @ A.T + l2 * np.eye(A.shape[0])
        w = w - np.linalg.solve(hess, grad)
    return float(np.mean(((w @ A) > 0) == (y == 1)))


def test_logistic_regression_helper_can_separate_blobs():
    X, Y = make_blobs(300, np.random.default_rng(0), centers=2, std=0.5)
    assert logistic_regression_train_accuracy(X, Y) == 1.0


def test_football_is_noisy_and_not_linearly_separable():
    X, Y = make_football(400, np.random.default_rng(0), noise=0.12)
    assert 0.3 < Y.mean() < 0.7
    assert logistic_regression_train_accuracy(X, Y) < 0.95
    # the flipped labels: exactly round(noise * m) differ from the noise-free set
    X0, Y0 = make_football(400, np.random.default_rng(0), noise=0.0)
    np.testing.assert_array_equal(X, X0)
    assert int((Y != Y0).sum()) == 48
    # noise=0: the labels are the true side of the wavy frontier, x2 above it is class 1
    frontier = 0.45 * np.sin(2.5 * np.pi * X0[0]) + 0.15 * X0[0]
    np.testing.assert_array_equal(Y0[0], (X0[1] > frontier).astype(np.int64))


def test_load_digits():
    X, Y = load_digits()
    assert X.shape == (64, 1797) and X.dtype == np.float64
    assert Y.shape == (1, 1797) and Y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(Y).tolist()) == set(range(10))
    images, Y2 = load_digits(flatten=False)
    assert images.shape == (8, 8, 1797)
    np.testing.assert_array_equal(images[:, :, 5].reshape(64), X[:, 5])
    np.testing.assert_array_equal(Y, Y2)
    # some pixels are blank in every image (constant features)
    assert (X.std(axis=1) == 0).any()


def test_load_breast_cancer():
    X, Y = load_breast_cancer()
    assert X.shape == (30, 569) and X.dtype == np.float64
    assert Y.shape == (1, 569) and Y.dtype == np.int64
    assert set(np.unique(Y).tolist()) == {0, 1}
    assert np.isfinite(X).all() and X.min() >= 0.0
    assert X.max() > 100  # raw, not standardized

"""Tests for course_lib.losses: cost values, per-example gradients vs numerical
gradients of m·J, stability, and the L2/L1 penalties (weights only)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from course_lib import losses
from course_lib.activations import sigmoid, softmax

TOL = 1e-7


def _one_hot(labels, C):
    Y = np.zeros((C, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


def _multiclass(seed, C, m):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((C, m)) * 2
    Y = _one_hot(rng.integers(0, C, m), C)
    return Z, Y


def _binary(seed, m):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((1, m)) * 2
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    return Z, Y


# ---- values ----------------------------------------------------------------------


def test_softmax_cross_entropy_value():
    Z, Y = _multiclass(0, 4, 6)
    naive = -np.sum(Y * np.log(np.exp(Z) / np.exp(Z).sum(axis=0))) / 6
    assert losses.softmax_cross_entropy(Z, Y) == pytest.approx(naive, rel=1e-12)
    assert losses.cross_entropy(softmax(Z), Y) == pytest.approx(naive, rel=1e-12)
    np.testing.assert_allclose(
        losses.log_softmax(Z), np.log(np.exp(Z) / np.exp(Z).sum(axis=0)), rtol=1e-12
    )


def test_binary_cross_entropy_value():
    Z, Y = _binary(1, 7)
    A = 1 / (1 + np.exp(-Z))
    naive = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    assert losses.binary_cross_entropy(A, Y) == pytest.approx(naive, rel=1e-12)
    assert losses.binary_cross_entropy_from_logits(Z, Y) == pytest.approx(naive, rel=1e-12)


def test_cross_entropy_perfect_prediction_is_zero():
    Y = _one_hot(np.array([0, 2, 1]), 3)
    assert losses.cross_entropy(Y.copy(), Y) == 0.0
    assert losses.binary_cross_entropy(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]])) == 0.0


def test_binary_cross_entropy_soft_labels():
    # the logit form is correct for any y in [0, 1], not only 0/1
    Z = np.array([[0.3, -1.2, 2.0]])
    Y = np.array([[0.2, 0.5, 0.9]])
    A = sigmoid(Z)
    naive = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    assert losses.binary_cross_entropy_from_logits(Z, Y) == pytest.approx(naive, rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_saturated_logits_are_stable(dtype):
    Z = np.array([[100.0, -100.0, 100.0, -100.0, 1e4, -1e4]], dtype=dtype)
    Y = np.array([[1.0, 0.0, 0.0, 1.0, 1.0, 0.0]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        J = losses.binary_cross_entropy_from_logits(Z, Y)
        dZ = losses.binary_cross_entropy_grad_from_logits(Z, Y)
        Zs = np.array([[1000.0, -1000.0], [0.0, 1000.0]], dtype=dtype)
        Ys = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
        Js = losses.softmax_cross_entropy(Zs, Ys)
        dZs = losses.softmax_cross_entropy_grad(Zs, Ys)
    # two wrong predictions with margin 100, others right: (100 + 100) / 6
    assert np.isfinite(J) and J == pytest.approx(200 / 6, rel=1e-6)
    assert np.all(np.isfinite(dZ))
    np.testing.assert_allclose(dZ, [[0, 0, 1, -1, 0, 0]], atol=1e-6)
    assert np.isfinite(Js) and Js == pytest.approx(0.0, abs=1e-6)
    assert np.all(np.isfinite(dZs))


# ---- gradients -------------------------------------------------------------------


@pytest.mark.parametrize("seed, C, m", [(0, 2, 1), (1, 3, 5), (2, 5, 4)])
def test_softmax_cross_entropy_grad_numerical(seed, C, m, num_grad, rel_diff):
    """dZ = Ŷ - Y is per example: the gradient of m·J, not of J."""
    Z, Y = _multiclass(seed, C, m)
    dZ = losses.softmax_cross_entropy_grad(Z, Y)
    num = num_grad(lambda z: m * losses.softmax_cross_entropy(z, Y), Z)
    assert rel_diff(dZ, num) < TOL
    np.testing.assert_allclose(dZ.sum(axis=0), 0, atol=1e-14)


@pytest.mark.parametrize("seed, m", [(0, 1), (1, 6), (2, 9)])
def test_binary_cross_entropy_grad_numerical(seed, m, num_grad, rel_diff):
    Z, Y = _binary(seed, m)
    dZ = losses.binary_cross_entropy_grad_from_logits(Z, Y)
    num = num_grad(lambda z: m * losses.binary_cross_entropy_from_logits(z, Y), Z)
    assert rel_diff(dZ, num) < TOL


# ---- regularization ----------------------------------------------------------------


def test_penalty_values():
    W1 = np.array([[1.0, -2.0], [3.0, 0.0]])
    W2 = np.array([[0.5, -0.5, 1.0]])
    lambd, m = 0.7, 4
    sq = 1 + 4 + 9 + 0.25 + 0.25 + 1
    ab = 1 + 2 + 3 + 0.5 + 0.5 + 1
    assert losses.l2_penalty([W1, W2], lambd, m) == pytest.approx(lambd / (2 * m) * sq, rel=1e-15)
    assert losses.l1_penalty([W1, W2], lambd, m) == pytest.approx(lambd / (2 * m) * ab, rel=1e-15)
    # a single array is accepted as one weight matrix
    assert losses.l2_penalty(W1, lambd, m) == pytest.approx(lambd / (2 * m) * 14, rel=1e-15)
    assert losses.l2_penalty([W1, W2], 0.0, m) == 0.0
    np.testing.assert_allclose(losses.l1_penalty_grad(W1, lambd, m)[1, 1], 0.0)


@pytest.mark.parametrize("seed, shape, lambd, m", [(0, (3, 4), 0.7, 5), (1, (1, 6), 2.0, 1)])
def test_l2_grad_numerical(seed, shape, lambd, m, num_grad, rel_diff):
    W = np.random.default_rng(seed).standard_normal(shape)
    g = losses.l2_penalty_grad(W, lambd, m)
    np.testing.assert_allclose(g, lambd / m * W, rtol=1e-15)
    assert rel_diff(g, num_grad(lambda w: losses.l2_penalty([w], lambd, m), W)) < TOL


@pytest.mark.parametrize("seed, shape, lambd, m", [(0, (3, 4), 0.7, 5), (1, (1, 6), 2.0, 1)])
def test_l1_grad_numerical(seed, shape, lambd, m, num_grad, rel_diff):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal(shape)
    W = np.where(W >= 0, W + 0.1, W - 0.1)  # away from the kink at 0
    g = losses.l1_penalty_grad(W, lambd, m)
    np.testing.assert_allclose(g, lambd / (2 * m) * np.sign(W), rtol=1e-15)
    assert rel_diff(g, num_grad(lambda w: losses.l1_penalty([w], lambd, m), W)) < TOL


def test_losses_are_pure():
    Z, Y = _multiclass(3, 3, 4)
    Z0, Y0 = Z.copy(), Y.copy()
    losses.softmax_cross_entropy(Z, Y)
    losses.softmax_cross_entropy_grad(Z, Y)
    losses.log_softmax(Z)
    losses.l2_penalty_grad(Z, 1.0, 4)
    losses.l1_penalty_grad(Z, 1.0, 4)
    np.testing.assert_array_equal(Z, Z0)
    np.testing.assert_array_equal(Y, Y0)


@pytest.mark.parametrize("fn", [losses.binary_cross_entropy, losses.cross_entropy])
def test_probability_losses_refuse_values_outside_0_1(fn):
    Y = np.array([[1.0, 0.0]])
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        fn(np.array([[1.5, 0.2]]), Y)
    assert np.isfinite(fn(np.array([[0.9, 0.2]]), Y))

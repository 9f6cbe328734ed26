"""Tests for the linear, dropout and batch-norm layers: gradients vs centered
differences, purity, and the forward-pass formulas.

Convention (per-example upstream derivatives): with upstream ``dZ``, the layer's
input gradient (dA_prev, dZ of batch norm, dA of dropout) is the gradient of
``sum(out * dout)``, and parameter gradients (dW, db, dgamma, dbeta) are gradients
of the cost ``(1/m) sum(out * dout)``.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.batchnorm import (
    BN_BETA,
    BN_EPS,
    batchnorm_backward,
    batchnorm_backward_graph,
    batchnorm_forward,
    batchnorm_forward_eval,
    update_running_stats,
)
from course_lib.dropout import dropout_backward, dropout_forward, dropout_mask
from course_lib.linear import linear_backward, linear_forward

TOL = 1e-7
SHAPES = [(0, 1, 1, 1), (1, 3, 4, 5), (2, 5, 2, 7), (3, 2, 6, 3)]  # seed, n_prev, n, m


def assert_backward_matches(forward, inputs, dout, grads, num_grad, rel_diff):
    """``grads`` (of the input, then of the parameters) against centered differences of
    ``sum(forward(*inputs)[0] * dout)``: per example for the input, divided by m for the
    parameters (the convention above)."""
    m = dout.shape[1]
    for k, (x, grad) in enumerate(zip(inputs, grads, strict=True)):
        assert grad.shape == x.shape

        def f(v, k=k):
            args = [*inputs[:k], v, *inputs[k + 1:]]
            return float(np.sum(forward(*args)[0] * dout)) / (1 if k == 0 else m)

        assert rel_diff(grad, num_grad(f, x)) < TOL


# ---- linear ----------------------------------------------------------------------


def test_linear_forward_value():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = np.array([[1.0, -1.0], [0.5, 2.0], [0.0, 1.0]])
    b = np.array([[1.0], [0.0], [-1.0]])
    Z, _ = linear_forward(A, W, b)
    np.testing.assert_allclose(Z, [[-1.0, -1.0], [6.5, 9.0], [2.0, 3.0]])
    Z0, _ = linear_forward(A, W, None)
    np.testing.assert_allclose(Z0, W @ A)


@pytest.mark.parametrize("seed, n_prev, n, m", SHAPES)
def test_linear_backward_numerical(seed, n_prev, n, m, num_grad, rel_diff):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n_prev, m))
    W = rng.standard_normal((n, n_prev))
    b = rng.standard_normal((n, 1))
    dZ = rng.standard_normal((n, m))
    _, cache = linear_forward(A, W, b)
    assert_backward_matches(linear_forward, (A, W, b), dZ, linear_backward(dZ, cache),
                            num_grad, rel_diff)


def test_linear_backward_without_bias():
    rng = np.random.default_rng(5)
    A, W = rng.standard_normal((3, 4)), rng.standard_normal((2, 3))
    _, cache = linear_forward(A, W, None)
    dA, dW, db = linear_backward(rng.standard_normal((2, 4)), cache)
    assert db is None
    assert dA.shape == (3, 4) and dW.shape == (2, 3)


def test_linear_backward_can_skip_dA_prev():
    """The first layer of a network needs dW and db only (its input is X)."""
    rng = np.random.default_rng(7)
    A, W, b = rng.standard_normal((3, 4)), rng.standard_normal((2, 3)), rng.standard_normal((2, 1))
    dZ = rng.standard_normal((2, 4))
    _, cache = linear_forward(A, W, b)
    dA, dW, db = linear_backward(dZ, cache)
    none, dW1, db1 = linear_backward(dZ, cache, need_dA_prev=False)
    assert none is None and dA is not None
    np.testing.assert_array_equal(dW1, dW)
    np.testing.assert_array_equal(db1, db)


def test_linear_is_pure():
    rng = np.random.default_rng(6)
    A, W, b = rng.standard_normal((3, 4)), rng.standard_normal((2, 3)), rng.standard_normal((2, 1))
    dZ = rng.standard_normal((2, 4))
    copies = [x.copy() for x in (A, W, b, dZ)]
    Z, cache = linear_forward(A, W, b)
    Z_copy = Z.copy()
    linear_backward(dZ, cache)
    for x, c in zip((A, W, b, dZ), copies):
        np.testing.assert_array_equal(x, c)
    np.testing.assert_array_equal(Z, Z_copy)


# ---- dropout ---------------------------------------------------------------------


@pytest.mark.parametrize("keep_prob", [0.5, 0.8, 1.0])
def test_dropout_forward_with_mask(keep_prob):
    rng = np.random.default_rng(7)
    A = rng.standard_normal((4, 6))
    D = rng.random((4, 6)) < 0.6
    out, cache = dropout_forward(A, keep_prob, mask=D)
    np.testing.assert_allclose(out, A * D / keep_prob, rtol=1e-15)
    np.testing.assert_array_equal(cache[0], D)
    assert cache[1] == keep_prob


@pytest.mark.parametrize(
    "seed, shape, keep_prob", [(0, (1, 1), 0.7), (1, (3, 5), 0.5), (2, (4, 2), 0.9)]
)
def test_dropout_backward_numerical(seed, shape, keep_prob, num_grad, rel_diff):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal(shape)
    D = rng.random(shape) < keep_prob
    D.flat[0] = True  # at least one kept unit, so the gradient is not identically 0
    dout = rng.standard_normal(shape)
    _, cache = dropout_forward(A, keep_prob, mask=D)
    dA = dropout_backward(dout, cache)
    num = num_grad(lambda a: float(np.sum(dropout_forward(a, keep_prob, mask=D)[0] * dout)), A)
    assert np.linalg.norm(dA) > 0
    assert rel_diff(dA, num) < TOL
    np.testing.assert_array_equal(dA[~D], 0.0)


def test_dropout_mask_draws_from_rng():
    shape = (50, 40)
    D1 = dropout_mask(shape, 0.7, np.random.default_rng(0))
    D2 = dropout_mask(shape, 0.7, np.random.default_rng(0))
    D3 = dropout_mask(shape, 0.7, np.random.default_rng(1))
    assert D1.dtype == bool and D1.shape == shape
    np.testing.assert_array_equal(D1, D2)
    assert not np.array_equal(D1, D3)
    # uniform draws compared with keep_prob: same mask as rng.random(shape) < keep_prob
    np.testing.assert_array_equal(D1, np.random.default_rng(0).random(shape) < 0.7)
    assert abs(D1.mean() - 0.7) < 0.05


def test_dropout_forward_rng_and_expectation():
    rng = np.random.default_rng(8)
    A = np.ones((200, 100))
    out, (D, kp) = dropout_forward(A, 0.8, rng)
    assert kp == 0.8
    kept = out != 0
    np.testing.assert_array_equal(kept, D)
    np.testing.assert_allclose(out[kept], 1 / 0.8, rtol=1e-15)
    assert abs(out.mean() - 1.0) < 0.02  # inverted dropout keeps the expected value
    out1, _ = dropout_forward(A, 1.0, rng)
    np.testing.assert_array_equal(out1, A)


def test_dropout_float32_stays_float32():
    A = np.ones((3, 4), dtype=np.float32)
    out, cache = dropout_forward(A, 0.5, np.random.default_rng(0))
    assert out.dtype == np.float32
    assert dropout_backward(np.ones_like(A), cache).dtype == np.float32


def test_dropout_is_pure():
    rng = np.random.default_rng(9)
    A = rng.standard_normal((3, 4))
    D = rng.random((3, 4)) < 0.5
    dout = rng.standard_normal((3, 4))
    A0, D0, dout0 = A.copy(), D.copy(), dout.copy()
    _, cache = dropout_forward(A, 0.5, mask=D)
    dropout_backward(dout, cache)
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(D, D0)
    np.testing.assert_array_equal(dout, dout0)


# ---- batch norm ------------------------------------------------------------------


def _bn_inputs(seed, n, m):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, m)) * 3 + rng.standard_normal((n, 1))
    gamma = rng.standard_normal((n, 1)) + 1.5
    beta = rng.standard_normal((n, 1))
    dout = rng.standard_normal((n, m))
    return Z, gamma, beta, dout


def test_batchnorm_forward_statistics():
    Z, gamma, beta, _ = _bn_inputs(0, 4, 50)
    out, cache = batchnorm_forward(Z, np.ones_like(gamma), np.zeros_like(beta))
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    # biased variance, eps inside the sqrt
    var = Z.var(axis=1, keepdims=True)
    np.testing.assert_allclose(out.var(axis=1, keepdims=True), var / (var + BN_EPS), rtol=1e-12)
    Z_hat, g, inv_std, mu, v = cache
    np.testing.assert_allclose(Z_hat, (Z - mu) * inv_std, rtol=1e-12)
    np.testing.assert_array_equal(g, 1.0)
    np.testing.assert_allclose(mu, Z.mean(axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(v, var, rtol=1e-12)
    np.testing.assert_allclose(inv_std, 1 / np.sqrt(var + BN_EPS), rtol=1e-12)
    out2, _ = batchnorm_forward(Z, gamma, beta, eps=1e-3)
    expected = gamma * (Z - Z.mean(axis=1, keepdims=True)) / np.sqrt(var + 1e-3) + beta
    np.testing.assert_allclose(out2, expected, rtol=1e-12, atol=1e-12)


# m >= 3: with m = 2 the normalized outputs are +-1 up to eps, the gradient is ~1e-4
# and centered differences lose the relative accuracy (not a bug of the layer).
@pytest.mark.parametrize("seed, n, m", [(0, 1, 3), (1, 3, 4), (2, 4, 7), (3, 2, 16)])
def test_batchnorm_backward_numerical(seed, n, m, num_grad, rel_diff):
    Z, gamma, beta, dout = _bn_inputs(seed, n, m)
    _, cache = batchnorm_forward(Z, gamma, beta)
    assert_backward_matches(batchnorm_forward, (Z, gamma, beta), dout,
                            batchnorm_backward(dout, cache), num_grad, rel_diff)


@pytest.mark.parametrize("seed, n, m", [(0, 1, 2), (1, 3, 4), (2, 5, 9), (3, 2, 33)])
@pytest.mark.parametrize("eps", [BN_EPS, 1e-2])
def test_batchnorm_backward_graph_agrees(seed, n, m, eps):
    Z, gamma, beta, dout = _bn_inputs(seed, n, m)
    _, cache = batchnorm_forward(Z, gamma, beta, eps)
    fast = batchnorm_backward(dout, cache)
    graph = batchnorm_backward_graph(dout, Z, gamma, eps)
    for a, b in zip(fast, graph):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# dZ sums to 0 along each row: tests/test_layernorm.py, next to layer norm's columns.


def test_batchnorm_eval_formula_and_single_example():
    rng = np.random.default_rng(10)
    n = 3
    gamma, beta = rng.standard_normal((n, 1)), rng.standard_normal((n, 1))
    rm, rv = rng.standard_normal((n, 1)), rng.random((n, 1)) + 0.5
    Z = rng.standard_normal((n, 1))
    out = batchnorm_forward_eval(Z, gamma, beta, rm, rv)
    np.testing.assert_allclose(out, gamma * (Z - rm) / np.sqrt(rv + BN_EPS) + beta, rtol=1e-12)
    # per-example: a batch gives the same column as each example alone
    Zb = rng.standard_normal((n, 5))
    outb = batchnorm_forward_eval(Zb, gamma, beta, rm, rv)
    for i in range(5):
        np.testing.assert_allclose(
            outb[:, [i]], batchnorm_forward_eval(Zb[:, [i]], gamma, beta, rm, rv), rtol=1e-14
        )


def test_update_running_stats():
    rng = np.random.default_rng(11)
    rm, rv = np.zeros((3, 1)), np.ones((3, 1))
    mu, var = rng.standard_normal((3, 1)), rng.random((3, 1))
    new_m, new_v = update_running_stats(rm, rv, mu, var)
    np.testing.assert_allclose(new_m, BN_BETA * rm + (1 - BN_BETA) * mu, rtol=1e-15)
    np.testing.assert_allclose(new_v, BN_BETA * rv + (1 - BN_BETA) * var, rtol=1e-15)
    new_m, new_v = update_running_stats(rm, rv, mu, var, 0.7, m=5, unbiased=True)
    np.testing.assert_allclose(new_m, 0.7 * rm + 0.3 * mu, rtol=1e-15)
    np.testing.assert_allclose(new_v, 0.7 * rv + 0.3 * var * 5 / 4, rtol=1e-15)
    # inputs untouched
    np.testing.assert_array_equal(rm, 0)
    np.testing.assert_array_equal(rv, 1)


def test_batchnorm_is_pure():
    Z, gamma, beta, dout = _bn_inputs(12, 3, 6)
    copies = [x.copy() for x in (Z, gamma, beta, dout)]
    rm, rv = np.zeros((3, 1)), np.ones((3, 1))
    out, cache = batchnorm_forward(Z, gamma, beta)
    out0 = out.copy()
    cache0 = [c.copy() for c in cache]
    batchnorm_backward(dout, cache)
    batchnorm_backward_graph(dout, Z, gamma)
    batchnorm_forward_eval(Z, gamma, beta, rm, rv)
    update_running_stats(rm, rv, cache[3], cache[4])
    for x, c in zip((Z, gamma, beta, dout), copies):
        np.testing.assert_array_equal(x, c)
    np.testing.assert_array_equal(out, out0)
    for c, c0 in zip(cache, cache0):
        np.testing.assert_array_equal(c, c0)
    np.testing.assert_array_equal(rm, 0)
    np.testing.assert_array_equal(rv, 1)


def test_batchnorm_eval_refuses_a_non_positive_eps():
    Z, g, b = np.ones((2, 3)), np.ones((2, 1)), np.zeros((2, 1))
    for eps in (0.0, -1e-5):
        with pytest.raises(ValueError, match="eps"):
            batchnorm_forward_eval(Z, g, b, np.zeros((2, 1)), np.zeros((2, 1)), eps=eps)

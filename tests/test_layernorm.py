"""Tests for course_lib.layernorm: the forward formula, the backward pass against
centered differences (course_lib.gradcheck) and PyTorch, independence from the
mini-batch (batch size 1 next to batch norm), purity and the errors on bad input.

Convention (as in tests/test_layers.py): with upstream ``dout`` (per example), dZ is
the gradient of ``sum(out * dout)``, and dgamma, dbeta are gradients of the cost
``(1/m) sum(out * dout)``.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.batchnorm import batchnorm_backward, batchnorm_forward
from course_lib.gradcheck import numerical_gradient, relative_difference
from course_lib.layernorm import LN_EPS, layernorm_backward, layernorm_forward


def _ln_inputs(seed, n, m):
    """Columns with very different means and scales (the point of normalizing each one)."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, m)) * rng.uniform(0.5, 5.0, (1, m)) + rng.normal(0, 3, (1, m))
    gamma = rng.standard_normal((n, 1)) + 1.5
    beta = rng.standard_normal((n, 1))
    dout = rng.standard_normal((n, m))
    return Z, gamma, beta, dout


# ---- forward ---------------------------------------------------------------------


@pytest.mark.parametrize("n, m", [(1, 1), (4, 1), (1, 6), (5, 7), (64, 3)])
def test_shapes(n, m):
    Z, gamma, beta, dout = _ln_inputs(0, n, m)
    out, cache = layernorm_forward(Z, gamma, beta)
    assert out.shape == (n, m)
    Z_hat, g, inv_std, mu, var = cache
    assert Z_hat.shape == (n, m) and g.shape == (n, 1)
    assert inv_std.shape == mu.shape == var.shape == (1, m)  # one statistic per example
    dZ, dgamma, dbeta = layernorm_backward(dout, cache)
    assert dZ.shape == (n, m) and dgamma.shape == dbeta.shape == (n, 1)


def test_each_column_is_standardized():
    Z, gamma, beta, _ = _ln_inputs(1, 6, 40)
    out, (Z_hat, g, inv_std, mu, var) = layernorm_forward(Z, np.ones_like(gamma),
                                                          np.zeros_like(beta))
    # mean 0 and (biased) variance var/(var + eps) ≈ 1 down each column
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    v = Z.var(axis=0, keepdims=True)
    np.testing.assert_allclose(out.var(axis=0, keepdims=True), v / (v + LN_EPS), rtol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1, rtol=1e-3)
    # the statistics are the columns' own, biased, eps inside the sqrt
    np.testing.assert_allclose(mu, Z.mean(axis=0, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(var, v, rtol=1e-12)
    np.testing.assert_allclose(inv_std, 1 / np.sqrt(v + LN_EPS), rtol=1e-12)
    np.testing.assert_allclose(Z_hat, out, rtol=1e-15)
    np.testing.assert_array_equal(g, 1.0)
    # the rows (units) are NOT standardized over the examples: that would be batch norm
    assert np.abs(out.mean(axis=1)).max() > 0.1


def test_scale_and_shift_per_unit():
    Z, gamma, beta, _ = _ln_inputs(2, 5, 30)
    eps = 1e-3
    out, _ = layernorm_forward(Z, gamma, beta, eps=eps)
    mu, v = Z.mean(axis=0, keepdims=True), Z.var(axis=0, keepdims=True)
    np.testing.assert_allclose(out, gamma * (Z - mu) / np.sqrt(v + eps) + beta,
                               rtol=1e-12, atol=1e-12)
    # with gamma = 1, each column's mean is mean(beta), its variance var(beta) + ~1
    out1, _ = layernorm_forward(Z, np.ones_like(gamma), beta)
    np.testing.assert_allclose(out1.mean(axis=0), beta.mean(), atol=1e-12)


def test_float32_stays_float32():
    Z, gamma, beta, dout = (x.astype(np.float32) for x in _ln_inputs(3, 4, 5))
    out, cache = layernorm_forward(Z, gamma, beta)
    grads = layernorm_backward(dout, cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


# ---- backward --------------------------------------------------------------------


# n >= 3: with n = 2 every normalized column is ±1 up to eps and its gradient is ~1e-4,
# where centered differences lose the relative accuracy (not a bug of the layer).
@pytest.mark.parametrize("seed, n, m", [(0, 3, 1), (1, 4, 3), (2, 7, 5), (3, 3, 8)])
def test_backward_matches_numerical_gradients(seed, n, m):
    Z, gamma, beta, dout = _ln_inputs(seed, n, m)
    _, cache = layernorm_forward(Z, gamma, beta)
    dZ, dgamma, dbeta = layernorm_backward(dout, cache)

    def cost(Z_, gamma_, beta_):
        """J = (1/m) Σ out·dout: dJ/dZ = dZ/m, dJ/dgamma = dgamma, dJ/dbeta = dbeta."""
        return float(np.sum(layernorm_forward(Z_, gamma_, beta_)[0] * dout)) / m

    num = {
        "Z": numerical_gradient(lambda v: cost(v, gamma, beta), Z, eps=1e-6),
        "gamma": numerical_gradient(lambda v: cost(Z, v, beta), gamma, eps=1e-6),
        "beta": numerical_gradient(lambda v: cost(Z, gamma, v), beta, eps=1e-6),
    }
    for key, analytic in (("Z", dZ / m), ("gamma", dgamma), ("beta", dbeta)):
        assert relative_difference(analytic, num[key]) < 1e-7, key


def test_the_gradient_check_catches_a_missing_mean_term():
    """The check above has teeth: dZ without the -mean_j(dẑ) term fails it by far."""
    Z, gamma, beta, dout = _ln_inputs(4, 5, 4)
    m = Z.shape[1]
    _, (Z_hat, g, inv_std, _, _) = layernorm_forward(Z, gamma, beta)
    dZ_hat = g * dout
    wrong = inv_std * (dZ_hat - Z_hat * np.mean(dZ_hat * Z_hat, axis=0, keepdims=True))
    num = numerical_gradient(
        lambda v: float(np.sum(layernorm_forward(v, gamma, beta)[0] * dout)) / m, Z, eps=1e-6)
    assert relative_difference(wrong / m, num) > 1e-3


@pytest.mark.parametrize("forward, backward, axis", [
    (layernorm_forward, layernorm_backward, 0),
    (batchnorm_forward, batchnorm_backward, 1),
], ids=["layer_norm_columns", "batch_norm_rows"])
def test_dZ_sums_to_zero_along_the_normalized_axis(forward, backward, axis):
    # adding a constant to a column (layer norm) or a row (batch norm) of Z leaves the
    # output unchanged, so dZ sums to 0 along that axis
    Z, gamma, beta, dout = _ln_inputs(5, 6, 9)
    _, cache = forward(Z, gamma, beta)
    dZ, _, _ = backward(dout, cache)
    np.testing.assert_allclose(dZ.sum(axis=axis), 0, atol=1e-12)


# ---- batch size 1: independent of the mini-batch, unlike batch norm ---------------


def test_each_example_is_normalized_as_if_it_were_alone():
    Z, gamma, beta, dout = _ln_inputs(6, 8, 64)
    out, cache = layernorm_forward(Z, gamma, beta)
    dZ, _, _ = layernorm_backward(dout, cache)
    for i in (0, 17, 63):
        out_i, cache_i = layernorm_forward(Z[:, [i]], gamma, beta)
        np.testing.assert_allclose(out[:, [i]], out_i, rtol=1e-14, atol=1e-14)
        dZ_i, _, _ = layernorm_backward(dout[:, [i]], cache_i)
        np.testing.assert_allclose(dZ[:, [i]], dZ_i, rtol=1e-13, atol=1e-14)
    # the same examples in another order give the same columns, reordered
    perm = np.random.default_rng(0).permutation(64)
    np.testing.assert_allclose(layernorm_forward(Z[:, perm], gamma, beta)[0], out[:, perm],
                               rtol=1e-14, atol=1e-14)


def test_batch_of_one_collapses_batch_norm_but_not_layer_norm():
    rng = np.random.default_rng(7)
    n = 6
    gamma, beta = np.ones((n, 1)), np.zeros((n, 1))
    z1, z2 = rng.standard_normal((n, 1)) * 3 + 1, rng.standard_normal((n, 1)) * 3 + 1
    dout = rng.standard_normal((n, 1))
    for z in (z1, z2):
        # batch norm over a batch of one: Z - μ = 0 for every unit, output β = 0, no gradient
        bn_out, bn_cache = batchnorm_forward(z, gamma, beta)
        np.testing.assert_array_equal(bn_out, 0.0)
        np.testing.assert_array_equal(batchnorm_backward(dout, bn_cache)[0], 0.0)
        # layer norm: the example standardized over its own units, a non-zero gradient
        ln_out, ln_cache = layernorm_forward(z, gamma, beta)
        np.testing.assert_allclose(ln_out, (z - z.mean()) / np.sqrt(z.var() + LN_EPS),
                                   rtol=1e-12)
        assert abs(ln_out.var() - 1) < 1e-4
        assert np.abs(layernorm_backward(dout, ln_cache)[0]).max() > 0.01
    # two different examples: batch norm cannot tell them apart, layer norm can
    np.testing.assert_array_equal(batchnorm_forward(z1, gamma, beta)[0],
                                  batchnorm_forward(z2, gamma, beta)[0])
    assert np.abs(layernorm_forward(z1, gamma, beta)[0]
                  - layernorm_forward(z2, gamma, beta)[0]).max() > 0.1


def test_one_unit_is_layer_norms_degenerate_case():
    """With n = 1, z - μ = 0 in every column: every output is β (the mirror of batch norm
    at m = 1)."""
    Z, gamma, beta, _ = _ln_inputs(8, 1, 5)
    out, _ = layernorm_forward(Z, gamma, beta)
    np.testing.assert_allclose(out, np.broadcast_to(beta, Z.shape), atol=1e-12)


def test_layernorm_is_pure():
    Z, gamma, beta, dout = _ln_inputs(9, 4, 6)
    copies = [x.copy() for x in (Z, gamma, beta, dout)]
    out, cache = layernorm_forward(Z, gamma, beta)
    out0, cache0 = out.copy(), [c.copy() for c in cache]
    layernorm_backward(dout, cache)
    for x, c in zip((Z, gamma, beta, dout), copies):
        np.testing.assert_array_equal(x, c)
    np.testing.assert_array_equal(out, out0)
    for c, c0 in zip(cache, cache0):
        np.testing.assert_array_equal(c, c0)


# ---- PyTorch as an oracle --------------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.mark.torch
@pytest.mark.parametrize("n, m, eps", [(5, 7, 1e-5), (4, 1, 1e-5), (10, 3, 1e-2), (1, 4, 1e-5)])
def test_forward_and_backward_match_torch(torch, n, m, eps):
    """F.layer_norm takes (m, n): transpose, normalized_shape=(n,). With L = sum(out * G)
    in torch, x.grad == our dZ for dout = G (per example); our dgamma, dbeta are torch's / m."""
    Z, gamma, beta, dout = _ln_inputs(10 + n + m, n, m)
    out, cache = layernorm_forward(Z, gamma, beta, eps)
    dZ, dgamma, dbeta = layernorm_backward(dout, cache)

    def t(a, grad=False):
        return torch.tensor(np.array(a, copy=True), dtype=torch.float64, requires_grad=grad)

    x, w, b = t(Z.T, True), t(gamma.ravel(), True), t(beta.ravel(), True)
    tout = torch.nn.functional.layer_norm(x, (n,), weight=w, bias=b, eps=eps)
    (tout * t(dout.T)).sum().backward()
    np.testing.assert_allclose(out, tout.detach().numpy().T, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dZ, x.grad.numpy().T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dgamma.ravel(), w.grad.numpy() / m, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dbeta.ravel(), b.grad.numpy() / m, rtol=1e-12, atol=1e-12)


@pytest.mark.torch
def test_the_same_in_training_and_evaluation_as_torch_layernorm(torch):
    """nn.LayerNorm keeps no running statistics: train() and eval() give the same output,
    which is ours."""
    n, m = 6, 5
    Z, gamma, beta, _ = _ln_inputs(11, n, m)
    ln = torch.nn.LayerNorm(n, eps=LN_EPS, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(torch.from_numpy(gamma.ravel().copy()))
        ln.bias.copy_(torch.from_numpy(beta.ravel().copy()))
        x = torch.from_numpy(Z.T.copy())
        train_out = ln.train()(x).numpy()
        eval_out = ln.eval()(x).numpy()
    assert not list(ln.buffers())
    np.testing.assert_array_equal(train_out, eval_out)
    np.testing.assert_allclose(layernorm_forward(Z, gamma, beta)[0], train_out.T,
                               rtol=1e-12, atol=1e-13)


# ---- bad input -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gamma", "beta"])
@pytest.mark.parametrize("shape", [(1, 5), (4, 1), (3, 5)])
def test_parameter_of_the_wrong_shape(name, shape):
    """gamma, beta are per unit (n, 1) — a (1, m) pair per example is the usual slip."""
    Z = np.ones((3, 5))
    args = {"gamma": np.ones((3, 1)), "beta": np.zeros((3, 1))}
    args[name] = np.ones(shape)
    expected = rf"^{name} must have shape \(3, 1\), got \({shape[0]}, {shape[1]}\)$"
    with pytest.raises(ValueError, match=expected):
        layernorm_forward(Z, args["gamma"], args["beta"])


def test_other_bad_input():
    Z, g, b = np.arange(12.0).reshape(3, 4), np.ones((3, 1)), np.zeros((3, 1))
    with pytest.raises(ValueError, match=r"^gamma must be a 2-D array, got shape \(3,\) \(1-D\)$"):
        layernorm_forward(Z, np.ones(3), b)
    with pytest.raises(ValueError, match=r"^Z must be a 2-D array, got shape \(4,\) \(1-D\)$"):
        layernorm_forward(np.ones(4), g, b)
    with pytest.raises(ValueError, match=r"^Z must have at least one unit \(row\)"):
        layernorm_forward(np.ones((0, 4)), np.ones((0, 1)), np.ones((0, 1)))
    with pytest.raises(ValueError, match=r"^Z contains NaN or inf \(first at index \(1, 2\)"):
        bad = Z.copy()
        bad[1, 2] = np.nan
        layernorm_forward(bad, g, b)
    for eps in (0.0, -1e-5, np.inf):
        with pytest.raises(ValueError, match=r"^eps must be finite and > 0"):
            layernorm_forward(Z, g, b, eps=eps)
    _, cache = layernorm_forward(Z, g, b)
    with pytest.raises(ValueError, match=r"^dout must have shape \(3, 4\), got \(4, 3\)$"):
        layernorm_backward(np.zeros((4, 3)), cache)
    with pytest.raises(ValueError, match=r"^dout contains NaN or inf"):
        layernorm_backward(np.full((3, 4), np.inf), cache)

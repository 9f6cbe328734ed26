"""Tests for course_lib.initialization: shapes, biases, batch-norm parameters,
reproducibility, dtype and the empirical std of every method."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import initialization as init

DIMS = [500, 400, 300]


def _expected_std(method, n_in, n_out, scale):
    return {
        "zeros": 0.0,
        "random": scale,
        "xavier": np.sqrt(1 / n_in),
        "glorot": np.sqrt(2 / (n_in + n_out)),
        "he": np.sqrt(2 / n_in),
    }[method]


@pytest.mark.parametrize(
    "method, scale", [("random", 0.01), ("random", 0.5), ("xavier", 0.01), ("glorot", 0.01),
                      ("he", 0.01)]
)
def test_weight_statistics(method, scale):
    params = init.initialize_parameters(DIMS, method, np.random.default_rng(0), scale=scale)
    assert set(params) == {"W1", "b1", "W2", "b2"}
    for l in (1, 2):
        W = params[f"W{l}"]
        n_in, n_out = DIMS[l - 1], DIMS[l]
        assert W.shape == (n_out, n_in)
        assert W.dtype == np.float64
        std = _expected_std(method, n_in, n_out, scale)
        assert init.init_std(method, n_in, n_out, scale) == pytest.approx(std, rel=1e-12)
        assert W.std() == pytest.approx(std, rel=0.03)
        assert abs(W.mean()) < 0.02 * std
        b = params[f"b{l}"]
        assert b.shape == (n_out, 1)
        np.testing.assert_array_equal(b, 0.0)


def test_methods_differ_as_documented():
    # xavier (notes) and he differ by exactly sqrt(2) for the same draws
    Px = init.initialize_parameters([20, 10, 5], "xavier", np.random.default_rng(3))
    Ph = init.initialize_parameters([20, 10, 5], "he", np.random.default_rng(3))
    for l in (1, 2):
        np.testing.assert_allclose(Ph[f"W{l}"], np.sqrt(2) * Px[f"W{l}"], rtol=1e-14)


def test_zeros():
    params = init.initialize_parameters(DIMS, "zeros")
    for l in (1, 2):
        assert params[f"W{l}"].shape == (DIMS[l], DIMS[l - 1])
        np.testing.assert_array_equal(params[f"W{l}"], 0.0)
        np.testing.assert_array_equal(params[f"b{l}"], 0.0)
    z = init.initialize_zeros([3, 2, 1])
    assert z["W1"].shape == (2, 3) and z["b2"].shape == (1, 1)


def test_draw_order_is_layer_by_layer():
    dims = [4, 3, 2]
    params = init.initialize_parameters(dims, "random", np.random.default_rng(5), scale=0.1)
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(params["W1"], rng.standard_normal((3, 4)) * 0.1)
    np.testing.assert_array_equal(params["W2"], rng.standard_normal((2, 3)) * 0.1)


@pytest.mark.parametrize("method", ["random", "xavier", "glorot", "he"])
def test_same_seed_same_params_and_wrappers(method):
    dims = [6, 5, 4, 1]
    a = init.initialize_parameters(dims, method, np.random.default_rng(42))
    b = init.initialize_parameters(dims, method, np.random.default_rng(42))
    c = init.initialize_parameters(dims, method, np.random.default_rng(43))
    assert list(a) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.array_equal(a["W1"], c["W1"])
    wrapper = {
        "random": lambda r: init.initialize_random(dims, r),
        "xavier": lambda r: init.initialize_xavier(dims, r),
        "glorot": lambda r: init.initialize_glorot(dims, r),
        "he": lambda r: init.initialize_he(dims, r),
    }[method]
    w = wrapper(np.random.default_rng(42))
    for k in a:
        np.testing.assert_array_equal(w[k], a[k])


def test_batch_norm_parameters():
    dims = [5, 4, 3, 2]
    params = init.initialize_parameters(dims, "he", np.random.default_rng(0), batch_norm=True)
    assert set(params) == {"W1", "gamma1", "beta1", "W2", "gamma2", "beta2", "W3", "b3"}
    for l in (1, 2):
        assert params[f"gamma{l}"].shape == (dims[l], 1)
        assert params[f"beta{l}"].shape == (dims[l], 1)
        np.testing.assert_array_equal(params[f"gamma{l}"], 1.0)
        np.testing.assert_array_equal(params[f"beta{l}"], 0.0)
    assert params["b3"].shape == (2, 1)
    np.testing.assert_array_equal(params["b3"], 0.0)


@pytest.mark.parametrize("method", ["zeros", "random", "he"])
@pytest.mark.parametrize("batch_norm", [False, True])
def test_dtype_float32(method, batch_norm):
    params = init.initialize_parameters(
        [4, 3, 2], method, np.random.default_rng(0), batch_norm=batch_norm, dtype=np.float32
    )
    for k, v in params.items():
        assert v.dtype == np.float32, k
    ref = init.initialize_parameters([4, 3, 2], method, np.random.default_rng(0))
    np.testing.assert_allclose(params["W1"], ref["W1"], rtol=1e-6)


# ---- the experiment: activations of a deep random network -----------------------------


def xavier(n):
    return np.sqrt(1.0 / n)


def saturated_fraction(A):
    return float(np.mean((A < 0.1) | (A > 0.9)))


def test_hidden_activations_shapes_and_saturation():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 1000))
    acts = init.hidden_activations(X, [100] * 5, "sigmoid", 1.0, np.random.default_rng(1))
    assert len(acts) == 5 and all(a.shape == (100, 1000) for a in acts)
    assert all(saturated_fraction(a) > 0.5 for a in acts)
    acts = init.hidden_activations(X, [100] * 5, "sigmoid", xavier, np.random.default_rng(1))
    assert all(saturated_fraction(a) < 0.2 for a in acts)
    # small weights with tanh: activations shrink towards 0 layer after layer
    acts = init.hidden_activations(X, [100] * 5, "tanh", 0.01, np.random.default_rng(1))
    assert np.std(acts[-1]) < np.std(acts[0]) < 0.2
    acts = init.hidden_activations(X, [50, 20], "relu", xavier, np.random.default_rng(1))
    assert [a.shape for a in acts] == [(50, 1000), (20, 1000)] and acts[1].min() >= 0


def test_hidden_activations_reproducible_and_bad_input():
    X = np.random.default_rng(0).standard_normal((10, 20))
    a = init.hidden_activations(X, [5, 5], "tanh", 1.0, np.random.default_rng(3))
    b = init.hidden_activations(X, [5, 5], "tanh", 1.0, np.random.default_rng(3))
    np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="activation"):
        init.hidden_activations(X, [5], "softplus", 1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="rng"):
        init.hidden_activations(X, [5], "tanh", 1.0, 0)
    with pytest.raises(ValueError, match="layer_sizes"):
        init.hidden_activations(X, [0], "tanh", 1.0, np.random.default_rng(0))

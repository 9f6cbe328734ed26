"""Tests for course_lib.activations: backward passes vs numerical gradients, softmax
and sigmoid properties and numerical stability."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from course_lib import activations as act

TOL = 1e-7


def _away_from_zero(rng, shape, margin=0.1):
    """Standard normals pushed at least ``margin`` away from 0 (no ReLU kink)."""
    Z = rng.standard_normal(shape)
    return np.where(Z >= 0, Z + margin, Z - margin)


BACKWARD_CASES = {
    "sigmoid": (act.sigmoid_forward, act.sigmoid_backward, False),
    "tanh": (act.tanh_forward, act.tanh_backward, False),
    "relu": (act.relu_forward, act.relu_backward, True),
    "leaky_relu": (act.leaky_relu_forward, act.leaky_relu_backward, True),
    "identity": (act.identity_forward, act.identity_backward, False),
}


@pytest.mark.parametrize("name", sorted(BACKWARD_CASES))
@pytest.mark.parametrize("seed, shape", [(0, (1, 1)), (1, (3, 5)), (2, (4, 2))])
def test_backward_matches_numerical_gradient(name, seed, shape, num_grad, rel_diff):
    """dZ = backward(dA, cache) is the gradient of f(Z) = sum(g(Z) * dA)."""
    forward, backward, kink = BACKWARD_CASES[name]
    rng = np.random.default_rng(seed)
    Z = _away_from_zero(rng, shape) if kink else rng.standard_normal(shape) * 2
    dA = rng.standard_normal(shape)
    _, cache = forward(Z)
    dZ = backward(dA, cache)
    num = num_grad(lambda z: float(np.sum(forward(z)[0] * dA)), Z)
    assert dZ.shape == Z.shape
    assert rel_diff(dZ, num) < TOL


def test_forward_values():
    Z = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    np.testing.assert_allclose(act.sigmoid(Z), 1 / (1 + np.exp(-Z)), rtol=1e-15)
    np.testing.assert_allclose(act.tanh(Z), np.tanh(Z), rtol=1e-15)
    np.testing.assert_array_equal(act.relu(Z), [[0, 0, 0, 0.5, 3.0]])
    np.testing.assert_allclose(act.leaky_relu(Z), [[-0.02, -0.005, 0, 0.5, 3.0]], rtol=1e-15)
    np.testing.assert_allclose(act.leaky_relu(Z, slope=0.2), [[-0.4, -0.1, 0, 0.5, 3.0]])
    A, _ = act.identity_forward(Z)
    np.testing.assert_array_equal(A, Z)


def test_relu_derivative_at_zero_is_zero():
    Z = np.array([[0.0, 1.0, -1.0]])
    _, cache = act.relu_forward(Z)
    np.testing.assert_array_equal(act.relu_backward(np.ones_like(Z), cache), [[0.0, 1.0, 0.0]])
    _, cache = act.leaky_relu_forward(Z, slope=0.1)
    np.testing.assert_allclose(
        act.leaky_relu_backward(np.ones_like(Z), cache), [[0.1, 1.0, 0.1]]
    )


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu"])
def test_backward_does_not_mutate(name):
    forward, backward, _ = BACKWARD_CASES[name]
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((3, 4))
    dA = rng.standard_normal((3, 4))
    Z0, dA0 = Z.copy(), dA.copy()
    _, cache = forward(Z)
    backward(dA, cache)
    np.testing.assert_array_equal(Z, Z0)
    np.testing.assert_array_equal(dA, dA0)


def test_activation_registry():
    assert set(act.ACTIVATIONS) == {"sigmoid", "tanh", "relu", "leaky_relu", "identity"}
    Z = np.random.default_rng(0).standard_normal((2, 3))
    for name, (fwd, _) in act.ACTIVATIONS.items():
        A, _ = fwd(Z)
        assert A.shape == Z.shape, name


# ---- softmax -------------------------------------------------------------------

_logits = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
    elements=st.floats(-50, 50, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=50, deadline=None)
@given(Z=_logits, shift=st.floats(-1e3, 1e3, allow_nan=False))
def test_softmax_columns_sum_to_one_and_shift_invariant(Z, shift):
    S = act.softmax(Z)
    assert S.shape == Z.shape
    assert np.all(S >= 0) and np.all(S <= 1)
    np.testing.assert_allclose(S.sum(axis=0), 1.0, rtol=1e-12)
    # a different constant for every column
    c = shift * np.linspace(-1, 1, Z.shape[1])[None, :]
    np.testing.assert_allclose(act.softmax(Z + c), S, rtol=1e-9, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(z=hnp.arrays(np.float64, (2, 5), elements=st.floats(-30, 30)))
def test_two_class_softmax_is_sigmoid_of_difference(z):
    S = act.softmax(z)
    np.testing.assert_allclose(S[0], act.sigmoid(z[0] - z[1]), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(S[1], act.sigmoid(z[1] - z[0]), rtol=1e-12, atol=1e-15)


def test_softmax_large_logits_no_overflow():
    Z = np.array([[1000.0, -1000.0], [999.0, -1000.0], [0.0, -1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        S = act.softmax(Z)
    assert np.all(np.isfinite(S))
    np.testing.assert_allclose(S[:, 0], [1 / (1 + np.exp(-1)), 1 / (1 + np.e), 0.0], atol=1e-15)
    np.testing.assert_allclose(S[:, 1], [1 / 3, 1 / 3, 1 / 3])


def test_softmax_1d_is_column():
    z = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(act.softmax(z), act.softmax(z[:, None])[:, 0])


# ---- sigmoid stability -----------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    Z=hnp.arrays(
        st.sampled_from([np.float64, np.float32]),
        hnp.array_shapes(min_dims=1, max_dims=2, max_side=5),
        elements=st.floats(-1e4, 1e4, allow_nan=False, width=32),
    )
)
def test_sigmoid_no_overflow_warnings(Z):
    # Underflow of exp(-|z|) to 0 is harmless (the result is the correctly rounded 0 or 1);
    # overflow, invalid operations and division by zero must not happen.
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        A = act.sigmoid(Z)
    assert A.dtype == Z.dtype
    assert np.all(np.isfinite(A))
    assert np.all((A >= 0) & (A <= 1))
    # monotone and correct against a float64 reference
    ref = 1 / (1 + np.exp(-np.clip(Z.astype(np.float64), -700, 700)))
    tol = 1e-6 if Z.dtype == np.float32 else 1e-14
    np.testing.assert_allclose(A, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_extremes(dtype):
    Z = np.array([[-1e4, -100.0, 0.0, 100.0, 1e4]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        A = act.sigmoid(Z)
    assert A.dtype == dtype
    np.testing.assert_array_equal(A[0, [0, 2, 4]], [0.0, 0.5, 1.0])
    assert 0 < A[0, 1] < 1e-40 or (dtype == np.float32 and A[0, 1] == 0.0)
    assert A[0, 3] == 1.0


# ---- predictions ----------------------------------------------------------------


def test_hardmax_and_predictions():
    A = np.array([[0.1, 0.5, 0.3], [0.7, 0.2, 0.3], [0.2, 0.3, 0.4]])
    np.testing.assert_array_equal(act.hardmax(A), [[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(act.predict_classes(A), [[1, 0, 2]])
    assert act.predict_classes(A).shape == (1, 3)
    P = np.array([[0.2, 0.5, 0.51, 0.9]])
    np.testing.assert_array_equal(act.predict_binary(P), [[0, 0, 1, 1]])
    np.testing.assert_array_equal(act.predict_binary(P, threshold=0.85), [[0, 0, 0, 1]])


def test_hardmax_ties_pick_first():
    np.testing.assert_array_equal(act.hardmax(np.array([[1.0], [1.0]])), [[1.0], [0.0]])

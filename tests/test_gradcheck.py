"""Tests for course_lib.gradcheck."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from course_lib.gradcheck import (
    GradCheckReport,
    ParamSlot,
    dict_to_vector,
    gradient_check,
    gradient_check_1d,
    numerical_gradient,
    numerical_gradient_dict,
    relative_difference,
    vector_to_dict,
    verdict_for,
)

# ---------------------------------------------------------------------------
# A small 2-layer network (tanh hidden layer, sigmoid output, cross-entropy),
# written here so the test does not depend on other course_lib modules.
# ---------------------------------------------------------------------------


def _make_problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    n_x, n_h, m = 3, 4, 5
    params = {
        "W1": rng.standard_normal((n_h, n_x)) * 0.5,
        "b1": rng.standard_normal((n_h, 1)) * 0.1,
        "W2": rng.standard_normal((1, n_h)) * 0.5,
        "b2": rng.standard_normal((1, 1)) * 0.1,
    }
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(np.float64)
    return params, X, Y


def _forward(params, X):
    A1 = np.tanh(params["W1"] @ X + params["b1"])
    A2 = 1.0 / (1.0 + np.exp(-(params["W2"] @ A1 + params["b2"])))
    return A1, A2


def _cost(params, X, Y):
    _, A2 = _forward(params, X)
    m = X.shape[1]
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)


def _grads(params, X, Y):
    A1, A2 = _forward(params, X)
    m = X.shape[1]
    dZ2 = (A2 - Y) / m
    dW2 = dZ2 @ A1.T
    db2 = np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (params["W2"].T @ dZ2) * (1 - A1**2)
    dW1 = dZ1 @ X.T
    db1 = np.sum(dZ1, axis=1, keepdims=True)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def _snapshot(params):
    return {k: np.array(v, copy=True) for k, v in params.items()}


def _assert_unchanged(params, snapshot, ids):
    assert list(params) == list(snapshot)
    for k in snapshot:
        assert id(params[k]) == ids[k]
        np.testing.assert_array_equal(params[k], snapshot[k])


# ---------------------------------------------------------------------------
# numerical_gradient
# ---------------------------------------------------------------------------


def test_numerical_gradient_sum_of_squares():
    x = np.random.default_rng(1).standard_normal((4, 3))
    grad = numerical_gradient(lambda z: float(np.sum(z**2)), x)
    assert grad.shape == x.shape
    assert relative_difference(grad, 2 * x) < 1e-7


def test_numerical_gradient_quadratic_form():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((5, 5))
    x = rng.standard_normal((5, 1))
    grad = numerical_gradient(lambda z: (z.T @ A @ z).item(), x)
    assert relative_difference(grad, (A + A.T) @ x) < 1e-7


def test_numerical_gradient_sin():
    x = np.random.default_rng(3).uniform(-3, 3, size=(2, 3, 2))
    grad = numerical_gradient(lambda z: float(np.sum(np.sin(z))), x)
    assert grad.shape == (2, 3, 2)
    assert relative_difference(grad, np.cos(x)) < 1e-7


def test_numerical_gradient_does_not_touch_input():
    x = np.random.default_rng(4).standard_normal((3, 2))
    before = x.copy()
    seen = []

    def f(z):
        seen.append(z)
        return float(np.sum(z**3))

    numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)
    assert all(z is not x for z in seen)
    # the working copy is restored exactly after each element
    np.testing.assert_array_equal(seen[-1], before)


def test_numerical_gradient_accepts_integer_input():
    x = np.array([[1, 2], [3, 4]])
    grad = numerical_gradient(lambda z: float(np.sum(z**2)), x)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-6)
    np.testing.assert_array_equal(x, [[1, 2], [3, 4]])


def test_centered_difference_error_is_order_eps_squared():
    """Shrinking eps 10x shrinks the centered error ~100x but the one-sided error only ~10x."""
    x = np.array([1.0, 0.5])
    exact = np.exp(x)

    def f(z):
        return float(np.sum(np.exp(z)))

    def one_sided(eps):
        g = np.zeros_like(x)
        for i in range(x.size):
            xp = x.copy()
            xp[i] += eps
            g[i] = (f(xp) - f(x)) / eps
        return g

    e_c1 = np.linalg.norm(numerical_gradient(f, x, eps=1e-2) - exact)
    e_c2 = np.linalg.norm(numerical_gradient(f, x, eps=1e-3) - exact)
    e_f1 = np.linalg.norm(one_sided(1e-2) - exact)
    e_f2 = np.linalg.norm(one_sided(1e-3) - exact)
    assert 80 < e_c1 / e_c2 < 120
    assert 8 < e_f1 / e_f2 < 12
    assert e_c2 < e_f2 / 100


# ---------------------------------------------------------------------------
# dict <-> vector
# ---------------------------------------------------------------------------


def test_dict_vector_round_trip_mixed_shapes():
    rng = np.random.default_rng(5)
    params = {
        "W1": rng.standard_normal((3, 4)),
        "b1": rng.standard_normal((3, 1)),
        "gamma1": rng.standard_normal((3, 1)),
        "v": rng.standard_normal(5),
        "s": np.array(2.5),
        "T": rng.standard_normal((2, 3, 2)),
    }
    vec, layout = dict_to_vector(params)
    assert vec.shape == (12 + 3 + 3 + 5 + 1 + 12,)
    assert [slot.key for slot in layout] == list(params)
    assert layout[0] == ParamSlot("W1", (3, 4))
    assert layout[4].shape == ()
    np.testing.assert_array_equal(vec[:12], params["W1"].ravel())
    back = vector_to_dict(vec, layout)
    assert list(back) == list(params)
    for k in params:
        assert back[k].shape == params[k].shape
        np.testing.assert_array_equal(back[k], params[k])


def test_dict_to_vector_key_order_and_selection():
    params = {"a": np.array([1.0, 2.0]), "b": np.array([[3.0]]), "c": np.array([4.0])}
    vec, layout = dict_to_vector(params, keys=["c", "a"])
    np.testing.assert_array_equal(vec, [4.0, 1.0, 2.0])
    assert [s.key for s in layout] == ["c", "a"]


def test_vector_to_dict_returns_copies():
    vec = np.arange(4.0)
    out = vector_to_dict(vec, [ParamSlot("W", (2, 2))])
    out["W"][0, 0] = 99.0
    assert vec[0] == 0.0


@settings(max_examples=30, deadline=None)
@given(
    st.lists(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), min_size=1, max_size=4),
    st.integers(0, 2**32 - 1),
)
def test_dict_vector_round_trip_property(shapes, seed):
    rng = np.random.default_rng(seed)
    params = {f"p{i}": rng.standard_normal(shape) for i, shape in enumerate(shapes)}
    vec, layout = dict_to_vector(params)
    assert vec.size == sum(p.size for p in params.values())
    back = vector_to_dict(vec, layout)
    for k in params:
        np.testing.assert_array_equal(back[k], params[k])


# ---------------------------------------------------------------------------
# numerical_gradient_dict
# ---------------------------------------------------------------------------


def test_numerical_gradient_dict_matches_backprop_and_keeps_params():
    params, X, Y = _make_problem()
    snap = _snapshot(params)
    ids = {k: id(v) for k, v in params.items()}
    num = numerical_gradient_dict(lambda p: _cost(p, X, Y), params)
    _assert_unchanged(params, snap, ids)
    assert list(num) == list(params)
    exact = _grads(params, X, Y)
    for k in params:
        assert num[k].shape == params[k].shape
        assert relative_difference(num[k], exact[k]) < 1e-7


def test_numerical_gradient_dict_subset_of_keys():
    params, X, Y = _make_problem()
    num = numerical_gradient_dict(lambda p: _cost(p, X, Y), params, keys=["b2", "W2"])
    assert list(num) == ["b2", "W2"]


# ---------------------------------------------------------------------------
# relative_difference
# ---------------------------------------------------------------------------


def test_relative_difference_properties():
    rng = np.random.default_rng(6)
    a = rng.standard_normal((3, 4))
    b = rng.standard_normal((3, 4))
    assert relative_difference(a, a.copy()) == 0.0
    assert relative_difference(a, b) == pytest.approx(relative_difference(b, a), rel=1e-15)
    assert relative_difference(a, -a) == pytest.approx(1.0)
    assert relative_difference(np.zeros(3), np.zeros(3)) == 0.0
    assert 0.0 <= relative_difference(a, b) <= 1.0
    expected = np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))
    assert relative_difference(a, b) == pytest.approx(expected)


def test_relative_difference_dicts_compare_concatenated_vectors():
    a = {"W": np.array([[1.0, 2.0]]), "b": np.array([3.0])}
    b = {"b": np.array([3.5]), "W": np.array([[1.0, 2.5]])}
    va = np.array([1.0, 2.0, 3.0])
    vb = np.array([1.0, 2.5, 3.5])
    assert relative_difference(a, b) == pytest.approx(relative_difference(va, vb))


def test_relative_difference_bad_inputs():
    with pytest.raises(ValueError, match=r"a and b.*\(3,\).*\(4,\)"):
        relative_difference(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="same keys"):
        relative_difference({"W": np.zeros(2)}, {"V": np.zeros(2)})
    with pytest.raises(ValueError, match=r"a\['W'\].*\(2,\).*\(3,\)"):
        relative_difference({"W": np.zeros(2)}, {"W": np.zeros(3)})
    with pytest.raises(ValueError, match="both be arrays or both be dicts"):
        relative_difference({"W": np.zeros(2)}, np.zeros(2))


# ---------------------------------------------------------------------------
# gradient_check
# ---------------------------------------------------------------------------


def test_gradient_check_correct_gradient_is_ok():
    params, X, Y = _make_problem()
    snap = _snapshot(params)
    ids = {k: id(v) for k, v in params.items()}
    report = gradient_check(lambda p: _cost(p, X, Y), lambda p: _grads(p, X, Y), params)
    _assert_unchanged(params, snap, ids)
    assert isinstance(report, GradCheckReport)
    assert report.verdict == "ok"
    assert report.ok
    assert report.difference < 1e-7
    assert set(report.per_key) == set(params)
    assert all(d < 1e-7 for d in report.per_key.values())
    assert report.failing_keys() == []
    text = str(report)
    for k in params:
        assert k in text
    assert "ok" in text


@pytest.mark.parametrize("bad_key", ["W1", "b1", "W2", "b2"])
def test_gradient_check_finds_planted_bug(bad_key):
    params, X, Y = _make_problem()

    def buggy_grads(p):
        g = _grads(p, X, Y)
        g[bad_key] = g[bad_key] * 1.5
        return g

    report = gradient_check(lambda p: _cost(p, X, Y), buggy_grads, params)
    assert report.verdict == "wrong"
    assert report.worst_key == bad_key
    assert report.per_key[bad_key] == pytest.approx(0.5 / 2.5, rel=1e-5)
    assert report.failing_keys() == [bad_key]
    assert f"worst parameter: {bad_key}" in str(report)


def test_gradient_check_realistic_bug_in_db2():
    """Forgetting the 1/m in db2 is caught and located."""
    params, X, Y = _make_problem()

    def buggy_grads(p):
        g = _grads(p, X, Y)
        _, A2 = _forward(p, X)
        g["b2"] = np.sum(A2 - Y, axis=1, keepdims=True)
        return g

    report = gradient_check(lambda p: _cost(p, X, Y), buggy_grads, params)
    assert report.verdict == "wrong"
    assert report.worst_key == "b2"


def test_gradient_check_grad_fn_cannot_mutate_caller_params():
    params, X, Y = _make_problem()
    snap = _snapshot(params)

    def rude_grads(p):
        g = _grads(p, X, Y)
        p["W1"] += 1.0  # mutates what it was given: must be a copy
        return g

    gradient_check(lambda p: _cost(p, X, Y), rude_grads, params)
    np.testing.assert_array_equal(params["W1"], snap["W1"])


def test_verdict_thresholds():
    assert verdict_for(0.0) == "ok"
    assert verdict_for(9.9e-8) == "ok"
    assert verdict_for(1e-7) == "suspicious"
    assert verdict_for(9.9e-4) == "suspicious"
    assert verdict_for(1e-3) == "wrong"
    assert verdict_for(float("nan")) == "wrong"


def test_gradient_check_bad_inputs():
    params, X, Y = _make_problem()

    def cost(p):
        return _cost(p, X, Y)

    def missing(p):
        g = _grads(p, X, Y)
        return {"d" + k: v for k, v in g.items()}

    with pytest.raises(ValueError, match=r"grad_fn.*missing.*same keys as params"):
        gradient_check(cost, missing, params)

    def wrong_shape(p):
        g = _grads(p, X, Y)
        g["W1"] = g["W1"].T
        return g

    with pytest.raises(ValueError, match=r"grads\['W1'\].*\(3, 4\).*\(4, 3\)"):
        gradient_check(cost, wrong_shape, params)
    with pytest.raises(ValueError, match="eps"):
        gradient_check(cost, lambda p: _grads(p, X, Y), params, eps=0.0)
    with pytest.raises(ValueError, match="keys"):
        gradient_check(cost, lambda p: _grads(p, X, Y), params, keys=["W3"])


# ---------------------------------------------------------------------------
# gradient_check_1d and bad inputs
# ---------------------------------------------------------------------------


def test_gradient_check_1d_linear():
    x = 3.0

    def J(theta):
        return theta * x

    assert gradient_check_1d(J, lambda theta: x, theta=4.0) < 1e-7
    assert gradient_check_1d(J, lambda theta: x + 1.0, theta=4.0) > 1e-3
    with pytest.raises(ValueError, match="theta"):
        gradient_check_1d(J, lambda theta: x, theta=np.array([1.0, 2.0]))


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(lambda z: 0.0, np.zeros(2), eps=-1e-7)
    with pytest.raises(ValueError, match="x contains NaN"):
        numerical_gradient(lambda z: 0.0, np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match=r"f must return a scalar.*\(2,\)"):
        numerical_gradient(lambda z: z * 2, np.zeros(2))
    with pytest.raises(ValueError, match="params must be a dict"):
        dict_to_vector([np.zeros(2)])
    with pytest.raises(ValueError, match="keys"):
        dict_to_vector({"W1": np.zeros(2)}, keys=["W2"])
    with pytest.raises(ValueError, match=r"vector has shape \(5,\).*4 elements"):
        vector_to_dict(np.zeros(5), [ParamSlot("W", (2, 2))])
    with pytest.raises(ValueError, match="vector must be a 1-D array"):
        vector_to_dict(np.zeros((2, 2)), [ParamSlot("W", (2, 2))])
    with pytest.raises(ValueError, match=r"params\['W1'\] contains NaN"):
        numerical_gradient_dict(lambda p: 0.0, {"W1": np.array([np.nan])})

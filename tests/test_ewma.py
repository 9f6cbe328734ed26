import math

import numpy as np
import pytest

from course_lib.ewma import ewma, ewma_step


def weighted_sum(theta, beta):
    """v_t = (1 - beta) * sum_{k=1..t} beta**(t-k) * theta_k, written out directly."""
    T = len(theta)
    return np.array(
        [(1 - beta) * sum(beta ** (t - k) * theta[k - 1] for k in range(1, t + 1))
         for t in range(1, T + 1)]
    )


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.98])
def test_matches_weighted_sum(beta):
    theta = np.random.default_rng(0).normal(10, 5, size=60)
    np.testing.assert_allclose(ewma(theta, beta), weighted_sum(theta, beta), rtol=1e-12)


def test_first_values_by_hand():
    v = ewma(np.array([10.0, 20.0, 30.0]), 0.9)
    np.testing.assert_allclose(v, [1.0, 0.9 * 1.0 + 2.0, 0.9 * 2.9 + 3.0])
    vc = ewma(np.array([10.0, 20.0, 30.0]), 0.9, bias_correction=True)
    np.testing.assert_allclose(vc, v / (1 - 0.9 ** np.arange(1, 4)))
    assert vc[0] == pytest.approx(10.0)


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.98, 0.999])
@pytest.mark.parametrize("c", [7.0, -2.5, 1e3])
def test_bias_corrected_constant_series_is_exact(beta, c):
    series = np.full(365, c)
    vc = ewma(series, beta, bias_correction=True)
    np.testing.assert_allclose(vc, c, rtol=1e-12, atol=0)
    # without the correction the early values are far too small
    v = ewma(series, beta)
    assert abs(v[0]) < abs(c) * 0.51


def test_beta_zero_returns_series():
    theta = np.random.default_rng(1).normal(size=20)
    np.testing.assert_allclose(ewma(theta, 0.0), theta, rtol=0, atol=0)
    np.testing.assert_allclose(ewma(theta, 0.0, bias_correction=True), theta, rtol=0, atol=0)


def test_output_shape_dtype_and_no_mutation():
    theta = np.arange(5)  # integers are accepted
    theta0 = theta.copy()
    v = ewma(theta, 0.5)
    assert v.shape == (5,) and v.dtype == np.float64
    np.testing.assert_array_equal(theta, theta0)
    assert ewma(np.array([]), 0.9).shape == (0,)


def test_step_matches_series_and_works_on_arrays():
    theta = np.random.default_rng(2).normal(size=(30, 3, 2))
    v = np.zeros((3, 2))
    for t in range(30):
        v_prev = v
        v = ewma_step(v, theta[t], 0.8)
        assert v is not v_prev
    np.testing.assert_allclose(v[1, 0], ewma(theta[:, 1, 0], 0.8)[-1], rtol=1e-12)
    assert ewma_step(0.0, 10.0, 0.9) == pytest.approx(1.0)
    np.testing.assert_allclose(ewma_step(0, np.ones(3), 0.9), 0.1 * np.ones(3))
    with pytest.raises(ValueError, match="theta"):
        ewma_step(np.zeros(3), np.zeros(4), 0.9)


@pytest.mark.parametrize("beta", [0.9, 0.95, 0.98, 0.99, 0.999])
def test_weight_after_one_over_one_minus_beta_steps_is_about_one_over_e(beta):
    """The module's claim: an EWMA averages roughly the last 1/(1-beta) values."""
    # beta**(1/(1-beta)) -> 1/e as beta -> 1; the relative gap is about (1-beta)/2
    # (5.2% at beta=0.9, 2.6% at 0.95, 0.05% at 0.999)
    window = 1 / (1 - beta)
    w = beta**window
    rel_gap = abs(w - 1 / math.e) / (1 / math.e)
    assert rel_gap < 0.6 * (1 - beta)
    if beta >= 0.95:
        assert rel_gap < 0.05
    # the same from the averaging itself: response to a unit impulse at t=1
    n = round(window)
    impulse = np.zeros(n + 1)
    impulse[0] = 1.0
    v = ewma(impulse, beta)
    assert v[n] / v[0] == pytest.approx(beta**n)


@pytest.mark.parametrize("beta", [1.0, -0.1, 1.5, float("nan")])
def test_bad_beta_raises(beta):
    with pytest.raises(ValueError, match="beta"):
        ewma(np.ones(3), beta)
    with pytest.raises(ValueError, match="beta"):
        ewma_step(0.0, 1.0, beta)


def test_bad_series_raises():
    with pytest.raises(ValueError, match="series"):
        ewma(np.ones((3, 2)), 0.9)
    with pytest.raises(ValueError, match="series"):
        ewma(np.array([1.0, np.nan]), 0.9)

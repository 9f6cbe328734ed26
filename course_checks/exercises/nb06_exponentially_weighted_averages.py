"""Exercises of 06_exponentially_weighted_averages: the EWMA and its bias correction."""

from __future__ import annotations

import numpy as np

from course_lib.ewma import ewma, ewma_step

from ..cases import Case
from ..registry import Mistake, registrar
from ._gen import uniform, variant

register = registrar("06_exponentially_weighted_averages")

# Case i % 3: 0 -> beta = 0.9, 1 -> beta = 0.98 (bias matters for long), 2 -> random beta.
# Never beta = 0.5: there, beta and 1 - beta are equal and swapped weights go unnoticed.


def _series_case(rng: np.random.Generator, i: int) -> Case:
    T = int(rng.integers(6, 25))
    beta = [0.9, 0.98, uniform(rng, 0.6, 0.97, 3)][i % 3]
    # something like daily temperatures: an offset far from 0, a trend and noise
    theta = (rng.uniform(5, 25) + rng.uniform(-0.5, 0.5) * np.arange(T)
             + rng.standard_normal(T) * rng.uniform(0.5, 3))
    return Case((theta, beta), names=("theta", "beta"), note=f"T = {T} values")


# ---- ewma ----------------------------------------------------------------------------


def _ewma_swapped(theta, beta):
    v, out = 0.0, []
    for x in theta:
        v = beta * x + (1 - beta) * v
        out.append(v)
    return np.array(out)


def _ewma_start_at_first(theta, beta):
    v, out = theta[0], []
    for x in theta:
        v = beta * v + (1 - beta) * x
        out.append(v)
    return np.array(out)


def _ewma_shifted(theta, beta):
    v, out = 0.0, []
    for x in theta:
        out.append(v)
        v = beta * v + (1 - beta) * x
    return np.array(out)


def _ewma_last_only(theta, beta):
    v = 0.0
    for x in theta:
        v = beta * v + (1 - beta) * x
    return v


def _ewma_corrected(theta, beta):
    return ewma(theta, beta, bias_correction=True)


register("ewma", ewma, _series_case, points=2, implements=(ewma_step,),
         summary="exponentially weighted moving average v_t = βv_{t-1} + (1-β)θ_t, v_0 = 0",
         mistakes=(
    Mistake("swapped_weights", "The weights are swapped: the old average gets β and the new value "
            "gets 1 - β, v_t = β·v_{t-1} + (1 - β)·θ_t. With β = 0.9 the new value should count "
            "for only 10 %.", _ewma_swapped),
    Mistake("started_at_first_value", "The average starts from v_0 = 0, not from the first value "
            "θ_1: the course's EWMA (and momentum, RMSprop, Adam, which reuse it) starts at 0, "
            "which is why bias correction exists.", _ewma_start_at_first),
    Mistake("off_by_one", "The output is shifted by one step: it holds v_0 (= 0) to v_{T-1}. "
            "Update v with θ_t first, then store it: the output's entry t-1 is v_t.",
            _ewma_shifted),
    Mistake("returned_only_the_last_average", "Return the whole sequence v_1, ..., v_T (an array "
            "of length T): store each v_t as you go, not only the final one.", _ewma_last_only),
    Mistake("bias_corrected", "This exercise asks for the plain average v_t; the bias "
            "correction v_t / (1 - β^t) is the next exercise.", _ewma_corrected),
))

# ---- ewma_bias_corrected ------------------------------------------------------------------


def ewma_bias_corrected(theta, beta):
    """Reference: v_t / (1 - beta**t), t = 1..T (course_lib's ewma with bias_correction=True)."""
    return ewma(theta, beta, bias_correction=True)


def _bc_exponent_from_zero(theta, beta):
    v, out = 0.0, []
    for t, x in enumerate(theta):  # t = 0, 1, ...: one step behind
        v = beta * v + (1 - beta) * x
        out.append(v / (1 - np.float64(beta) ** t))
    return np.array(out)


def _bc_one_minus_beta_power(theta, beta):
    v, out = 0.0, []
    for t, x in enumerate(theta, start=1):
        v = beta * v + (1 - beta) * x
        out.append(v / (1 - beta) ** t)
    return np.array(out)


def _bc_fed_back(theta, beta):
    v, out = 0.0, []
    for t, x in enumerate(theta, start=1):
        v = beta * v + (1 - beta) * x
        v = v / (1 - beta**t)
        out.append(v)
    return np.array(out)


def _bc_not_corrected(theta, beta):
    return ewma(theta, beta)


def _bc_generic(theta, beta, *, start=1, guard=False, multiply=False):
    v, out = 0.0, []
    for t, x in enumerate(theta, start=start):
        v = beta * v + (1 - beta) * x
        c = 1 - np.float64(beta) ** t
        if guard and c == 0:
            out.append(v)
        else:
            out.append(v * c if multiply else v / c)
    return np.array(out)


register("ewma_bias_corrected", ewma_bias_corrected, _series_case, points=2, depends_on=("ewma",),
         implements=(ewma,), summary="bias-corrected EWMA v_t / (1 - β^t)", mistakes=(
    Mistake("exponent_from_zero", "The correction used β^(t-1): with Python's 0-based indices the "
            "first value has t = 0, and 1 - β^0 = 0 divides by zero. Time counts from 1 here: the "
            "first output is v_1 / (1 - β^1).", _bc_exponent_from_zero),
    Mistake("one_minus_beta_power", "The correction factor is 1 - β^t (one minus a power of β), "
            "not (1 - β)^t, which shrinks to 0 and blows the values up.", _bc_one_minus_beta_power),
    Mistake("corrected_value_fed_back", "The corrected value went back into the recursion. Keep "
            "updating the plain v_t = β·v_{t-1} + (1 - β)·θ_t and only divide the value you "
            "output by 1 - β^t.", _bc_fed_back),
    Mistake("no_correction", "These are the plain averages: divide each v_t by 1 - β^t.",
            _bc_not_corrected),
    Mistake("exponent_from_zero_with_a_guard", "The correction used β^(t-1), with t = 0 for the "
            "first value and a guard against dividing by 1 - β^0 = 0. Time counts from 1 here, so "
            "no guard is needed: enumerate(theta, start=1), output v_t / (1 - β^t).",
            variant(_bc_generic, start=0, guard=True)),
    Mistake("multiplied_by_the_correction", "Divide by 1 - β^t, do not multiply: the early "
            "averages are too SMALL (they start from 0), and dividing by a number below 1 scales "
            "them up.", variant(_bc_generic, multiply=True)),
))

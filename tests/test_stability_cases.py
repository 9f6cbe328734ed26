"""Every numerically stabilized exercise meets an input that breaks the naive formula.

A reference that shifts logits by their maximum, or computes log-probabilities from
logits, is only tested when some case makes the unshifted formula overflow (``np.exp``
of more than about 709 is ``inf`` in float64) or the log of a probability underflow
(``e^-800`` is 0). Otherwise a student's naive formula passes every check. Each naive
formula below is written as a student would write it, without the stabilization (or
with a shift that does not stabilize), and must fail the visible and the hidden checks.

They repeat, on purpose, some of the catalogued mistakes of
``course_checks/exercises/nb11_softmax_regression.py`` (``duplicates`` pairs the two
files): a test of the cases written from the catalogue would prove nothing about them.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_checks import get, run_check


def _naive_softmax(Z):
    E = np.exp(Z)
    return E / E.sum(axis=0, keepdims=True)


def _min_shift_softmax(Z):
    """Shifted, but by the column's minimum: the largest exponent can still overflow."""
    E = np.exp(Z - Z.min(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def _mean_shift_softmax(Z):
    E = np.exp(Z - Z.mean(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def _naive_cost(Z, Y):
    return float(-(Y * np.log(_naive_softmax(Z))).sum() / Z.shape[1])


def _stable_softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def _log_of_stable_softmax_cost(Z, Y):
    """The max shift but not the log-softmax: log(0) for a probability that underflows."""
    return float(-(Y * np.log(_stable_softmax(Z))).sum() / Z.shape[1])


def _naive_grad(Z, Y):
    return _naive_softmax(Z) - Y


def _naive_training(X, Y, lr, epochs):
    n, m = X.shape
    W, b = np.zeros((Y.shape[0], n)), np.zeros((Y.shape[0], 1))
    for _ in range(epochs):
        dZ = _naive_softmax(W @ X + b) - Y
        W = W - lr * (dZ @ X.T) / m
        b = b - lr * dZ.sum(axis=1, keepdims=True) / m
    return W, b


# (exercise, naive formula): every exercise whose reference is stabilized, with each
# naive formula a student plausibly writes for it
NAIVE = [
    ("softmax", _naive_softmax),
    ("softmax", _min_shift_softmax),
    ("softmax", _mean_shift_softmax),
    ("softmax_cross_entropy_cost", _naive_cost),
    ("softmax_cross_entropy_cost", _log_of_stable_softmax_cost),
    ("softmax_cross_entropy_grad", _naive_grad),
    ("train_softmax_regression", _naive_training),
]


@pytest.mark.parametrize(("name", "naive"), NAIVE, ids=[f"{n}-{f.__name__}" for n, f in NAIVE])
def test_the_naive_formula_fails_visible_and_hidden_checks(name, naive):
    ex = get(name)
    with np.errstate(all="ignore"):
        assert not run_check(ex, naive).passed, f"{name}: the naive formula passes visible cases"
        for seed in (101, 202, 303):
            assert not run_check(ex, naive, hidden=True, seed=seed).passed, (
                f"{name}: the naive formula passes the hidden check with seed {seed}")


@pytest.mark.parametrize("name", sorted({n for n, _ in NAIVE}))
def test_the_reference_is_stable_on_the_same_cases(name):
    """The cases that break the naive formula are ones the stable reference gets right
    (finite outputs), so they test stability rather than something else."""
    ex = get(name)
    for case in ex.cases(ex.visible_seed, ex.visible_cases):
        out = ex.reference(*case.build()[0])
        arrays = out if isinstance(out, tuple) else (out,)
        assert all(np.all(np.isfinite(a)) for a in arrays), name

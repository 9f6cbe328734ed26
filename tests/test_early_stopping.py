"""Early stopping as a pure function of the dev costs (course_lib.early_stopping)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import datasets
from course_lib.early_stopping import EarlyStopping, early_stopping
from course_lib.network import Network
from course_lib.optimizers import Adam
from course_lib.training import train


def test_stops_after_patience_epochs_without_improvement():
    costs = [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9, 0.6]
    # best 0.7 at epoch 2; epochs 3, 4, 5 do not improve -> stop after epoch 5
    assert early_stopping(costs, patience=3) == (5, 2)
    assert early_stopping(costs, patience=4) == (6, 2)
    assert early_stopping(costs, patience=5) == (7, 7)  # never runs out: the last epoch


def test_patience_one_stops_at_the_first_bad_epoch():
    assert early_stopping([3.0, 2.0, 2.5, 1.0], patience=1) == (2, 1)


def test_never_stopping_returns_the_last_epoch_and_the_best():
    assert early_stopping([5.0, 4.0, 3.0, 2.0], patience=2) == (3, 3)
    assert early_stopping([1.0], patience=1) == (0, 0)
    assert early_stopping(np.array([2.0, 1.0, 1.5]), patience=3) == (2, 1)


def test_equal_cost_is_not_an_improvement():
    assert early_stopping([1.0, 1.0, 1.0], patience=2) == (2, 0)


def test_min_delta_requires_a_large_enough_decrease():
    costs = [1.0, 0.995, 0.99, 0.985, 0.5]
    assert early_stopping(costs, patience=3, min_delta=0.0) == (4, 4)
    assert early_stopping(costs, patience=3, min_delta=0.02) == (3, 0)
    # 0.5 is an improvement by more than min_delta, but patience ran out before it
    assert early_stopping(costs, patience=4, min_delta=0.02) == (4, 4)


def test_nan_never_improves():
    assert early_stopping([1.0, math.nan, math.nan], patience=2) == (2, 0)
    assert early_stopping([math.nan, math.nan], patience=5) == (1, None)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([], 2), "non-empty"),
        (([[1.0, 2.0]], 2), "1-D"),
        (([1.0], 0), "patience"),
        (([1.0], 1.5), "patience"),
        (([1.0], 2, -0.1), "min_delta"),
    ],
)
def test_bad_inputs(args, match):
    with pytest.raises(ValueError, match=match):
        early_stopping(*args)


def test_does_not_modify_its_input():
    costs = np.array([1.0, 0.5, 0.7])
    early_stopping(costs, patience=1)
    np.testing.assert_array_equal(costs, [1.0, 0.5, 0.7])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.0, 2.0), min_size=1, max_size=30),
    st.integers(1, 6),
    st.sampled_from([0.0, 0.01, 0.1]),
)
def test_properties(costs, patience, min_delta):
    stop, best = early_stopping(costs, patience, min_delta)
    assert 0 <= best <= stop < len(costs)
    assert costs[best] == min(costs[: best + 1])
    if stop < len(costs) - 1:  # stopped early: exactly `patience` epochs after the last improvement
        assert stop - best >= patience


@pytest.mark.parametrize(("patience", "min_delta"), [(5, 0.0), (20, 0.0), (10, 1e-3)])
def test_agrees_with_the_training_loop(patience, min_delta):
    """train(patience=...) stops at the same epoch and keeps the same best epoch."""
    X, Y = datasets.make_football(120, np.random.default_rng(0))
    Xd, Yd = datasets.make_football(200, np.random.default_rng(1))
    net = Network((2, 30, 30, 1))
    params = net.init_params(np.random.default_rng(2), "he")
    kw = dict(optimizer=Adam(lr=0.02), batch_size=120, X_dev=Xd, Y_dev=Yd, progress=False)
    full = train(net, params, X, Y, epochs=400, rng=np.random.default_rng(3), **kw)
    stopped = train(net, params, X, Y, epochs=400, rng=np.random.default_rng(3),
                    patience=patience, min_delta=min_delta, **kw)
    assert stopped.history.stopped_early  # the setting overfits, so patience runs out
    stop, best = early_stopping(full.history.dev_cost, patience, min_delta)
    assert stop == stopped.history.epochs_run - 1
    assert best == stopped.history.best_epoch


def test_the_rule_one_cost_at_a_time():
    rule = EarlyStopping(patience=2, min_delta=0.1)
    assert rule.best_epoch is None
    assert rule.update(0, 1.0) is False and rule.improved and rule.best_epoch == 0
    assert rule.update(1, 0.95) is False and not rule.improved  # not by more than 0.1
    assert rule.update(2, 0.5) is False and rule.improved and rule.best_epoch == 2
    assert rule.update(3, math.nan) is False and not rule.improved
    assert rule.update(4, 0.45) is True and rule.best_epoch == 2 and rule.best == 0.5
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(0)
    with pytest.raises(ValueError, match="min_delta"):
        EarlyStopping(1, -1.0)

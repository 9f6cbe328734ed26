import math
import warnings

import numpy as np
import pytest

from course_lib.data import one_hot
from course_lib.datasets import make_blobs, make_moons
from course_lib.network import Network, compute_cost, forward
from course_lib.optimizers import Adam, GradientDescent
from course_lib.schedules import make_schedule
from course_lib.training import History, TrainResult, evaluate, train


@pytest.fixture(autouse=True)
def _no_progress_env(monkeypatch):
    monkeypatch.delenv("COURSE_LIB_NO_PROGRESS", raising=False)


def moons(m=300, seed=0, noise=0.2):
    return make_moons(m, np.random.default_rng(seed), noise=noise)


def small_setup(seed=1):
    net = Network((2, 8, 1))
    params = net.init_params(np.random.default_rng(seed))
    return net, params


def run(net, params, X, Y, seed=2, **kw):
    kw.setdefault("optimizer", Adam(lr=0.01))
    kw.setdefault("epochs", 30)
    kw.setdefault("batch_size", 64)
    kw.setdefault("progress", False)
    return train(net, params, X, Y, rng=np.random.default_rng(seed), **kw)


def dev_cost_of(net, params, X, Y, state=None):
    ZL, _, _ = forward(net, params, X, training=False, state=state)
    return compute_cost(net, params, ZL, Y)


def test_moons_learns_and_is_fast():
    X, Y = moons()
    net, params = small_setup()
    res = run(net, params, X, Y, epochs=300)
    h = res.history
    assert isinstance(res, TrainResult) and isinstance(h, History)
    assert len(h.cost) == len(h.lr) == len(h.train_accuracy) == 300
    assert len(h.batch_cost) == 300 * math.ceil(300 / 64)
    assert h.cost[-1] < 0.5 * h.cost[0]
    assert h.train_accuracy[-1] > 0.9
    assert h.dev_cost == [] and h.dev_accuracy == []
    assert h.seconds < 5.0
    assert not h.stopped_early and not h.diverged
    assert h.best_epoch == 299
    assert evaluate(net, res.params, X, Y)["accuracy"] == pytest.approx(h.train_accuracy[-1])


def test_epoch_cost_is_batch_size_weighted_mean():
    X, Y = moons(100)
    net, params = small_setup()
    res = run(net, params, X, Y, epochs=3, batch_size=32)  # batches 32, 32, 32, 4
    sizes = np.array([32, 32, 32, 4])
    for e in range(3):
        bc = np.array(res.history.batch_cost[4 * e : 4 * e + 4])
        assert res.history.cost[e] == pytest.approx((bc * sizes).sum() / 100)


def test_caller_params_and_state_unchanged():
    X, Y = moons(200)
    net = Network((2, 6, 1), batch_norm=True)
    params = net.init_params(np.random.default_rng(0))
    state = net.init_state()
    before = {k: v.copy() for k, v in params.items()}
    state_before = {k: v.copy() for k, v in state.items()}
    res = run(net, params, X, Y, epochs=5, state=state)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        assert res.params[k] is not params[k]
        assert not np.array_equal(res.params[k], before[k])
    for k in state:
        np.testing.assert_array_equal(state[k], state_before[k])


def test_same_seed_same_history():
    X, Y = moons(200)
    net = Network((2, 8, 1), keep_probs=0.8)
    params = net.init_params(np.random.default_rng(0))
    a = run(net, params, X, Y, epochs=10, seed=5)
    b = run(net, params, X, Y, epochs=10, seed=5)
    c = run(net, params, X, Y, epochs=10, seed=6)
    assert a.history.batch_cost == b.history.batch_cost
    assert a.history.cost == b.history.cost
    assert a.history.train_accuracy == b.history.train_accuracy
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert a.history.batch_cost != c.history.batch_cost


def test_progress_false_prints_nothing(capsys):
    X, Y = moons(100)
    net, params = small_setup()
    run(net, params, X, Y, epochs=5, progress=False)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_env_var_disables_progress(capsys, monkeypatch):
    X, Y = moons(100)
    net, params = small_setup()
    monkeypatch.setenv("COURSE_LIB_NO_PROGRESS", "1")
    run(net, params, X, Y, epochs=5, progress=True)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_progress_true_shows_bar(capsys):
    X, Y = moons(100)
    net, params = small_setup()
    run(net, params, X, Y, epochs=3, progress=True)
    out = capsys.readouterr()
    assert "3/3" in out.out + out.err


def test_early_stopping_keeps_best_params():
    # few noisy examples and a big network: the dev cost soon rises (overfitting)
    X, Y = moons(40, seed=3, noise=0.45)
    X_dev, Y_dev = moons(200, seed=4, noise=0.45)
    net = Network((2, 64, 64, 1))
    params = net.init_params(np.random.default_rng(0))
    res = run(net, params, X, Y, optimizer=Adam(lr=0.02), epochs=500, batch_size=8,
              X_dev=X_dev, Y_dev=Y_dev, patience=3)
    h = res.history
    assert h.stopped_early and h.stop_reason == "early_stopping"
    assert len(h.cost) < 500
    assert len(h.dev_cost) == len(h.dev_accuracy) == len(h.cost)
    best = h.best_epoch
    assert best == int(np.argmin(h.dev_cost))
    assert len(h.cost) == best + 1 + 3
    assert dev_cost_of(net, res.best_params, X_dev, Y_dev) == pytest.approx(h.dev_cost[best])
    assert dev_cost_of(net, res.params, X_dev, Y_dev) == pytest.approx(h.dev_cost[-1])
    assert h.dev_cost[-1] >= h.dev_cost[best]


def test_min_delta_counts_small_improvements_as_none():
    X, Y = moons(200)
    X_dev, Y_dev = moons(100, seed=9)
    net, params = small_setup()
    res = run(net, params, X, Y, epochs=200, X_dev=X_dev, Y_dev=Y_dev, patience=2,
              min_delta=10.0)
    # no decrease can exceed 10: the first epoch is the best, stop after 1 + 2 epochs
    assert res.history.best_epoch == 0
    assert len(res.history.cost) == 3


def test_dev_metrics_without_early_stopping():
    X, Y = moons(200)
    X_dev, Y_dev = moons(100, seed=9)
    net, params = small_setup()
    res = run(net, params, X, Y, epochs=20, X_dev=X_dev, Y_dev=Y_dev)
    h = res.history
    assert len(h.dev_cost) == 20 and not h.stopped_early
    ev = evaluate(net, res.params, X_dev, Y_dev)
    assert ev["cost"] == pytest.approx(h.dev_cost[-1])
    assert ev["accuracy"] == pytest.approx(h.dev_accuracy[-1])
    assert res.best_params is res.params


def test_check_every():
    X, Y = moons(100)
    X_dev, Y_dev = moons(50, seed=9)
    net, params = small_setup()
    res = run(net, params, X, Y, epochs=12, check_every=5, X_dev=X_dev, Y_dev=Y_dev)
    h = res.history
    assert h.eval_epochs == [4, 9, 11]
    assert len(h.train_accuracy) == len(h.dev_cost) == 3 and len(h.cost) == 12


def test_schedule_used_per_epoch():
    X, Y = moons(100)
    net, params = small_setup()
    sched = make_schedule("inverse_time", 0.05, decay_rate=0.5)
    res = run(net, params, X, Y, epochs=8, optimizer=GradientDescent(lr=1.0), schedule=sched)
    assert res.history.lr == pytest.approx([sched(e) for e in range(8)])
    res2 = run(net, params, X, Y, epochs=3, optimizer=GradientDescent(lr=0.3))
    assert res2.history.lr == [0.3, 0.3, 0.3]


def test_schedule_changes_the_updates():
    # an epoch with learning rate 0 leaves the parameters unchanged
    X, Y = moons(100)
    net, params = small_setup()
    res = run(net, params, X, Y, epochs=2, optimizer=GradientDescent(lr=0.5),
              schedule=lambda e: 0.0)
    for k in params:
        np.testing.assert_array_equal(res.params[k], params[k])


def test_callback_can_stop():
    X, Y = moons(100)
    net, params = small_setup()
    seen = []

    def cb(epoch, history):
        seen.append((epoch, len(history.cost)))
        return epoch == 3

    res = run(net, params, X, Y, epochs=50, callback=cb)
    assert seen == [(e, e + 1) for e in range(4)]
    assert len(res.history.cost) == 4 and res.history.stop_reason == "callback"


def test_divergence_warns_and_does_not_raise():
    X, Y = moons(100)
    X_dev, Y_dev = moons(50, seed=9)
    net = Network((2, 16, 16, 16, 1), hidden_activation="leaky_relu")
    params = net.init_params(np.random.default_rng(0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = run(net, params, X, Y, epochs=100, optimizer=GradientDescent(lr=1e3),
                  X_dev=X_dev, Y_dev=Y_dev, patience=5)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and "diverged" in messages[0]  # one clear message only
    assert caught[0].category is RuntimeWarning
    h = res.history
    assert h.diverged and h.stop_reason == "diverged" and not h.stopped_early
    assert len(h.cost) < 100
    assert not math.isfinite(h.cost[-1])
    assert not math.isfinite(h.batch_cost[-1])


def test_softmax_labels_and_one_hot_identical():
    X, y = make_blobs(150, np.random.default_rng(0), centers=3)
    net = Network((2, 8, 3), output="softmax")
    params = net.init_params(np.random.default_rng(1))
    a = run(net, params, X, y, epochs=10, X_dev=X, Y_dev=y)
    b = run(net, params, X, one_hot(y, 3), epochs=10, X_dev=X, Y_dev=one_hot(y, 3))
    assert a.history.batch_cost == b.history.batch_cost
    assert a.history.dev_accuracy == b.history.dev_accuracy
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert a.history.train_accuracy[-1] > 0.8


def test_batch_norm_returns_running_state():
    X, Y = moons(200)
    X_dev, Y_dev = moons(100, seed=9)
    net = Network((2, 8, 8, 1), batch_norm=True)
    params = net.init_params(np.random.default_rng(0))
    res = run(net, params, X, Y, epochs=10, X_dev=X_dev, Y_dev=Y_dev, patience=50)
    assert set(res.state) == {"running_mean1", "running_var1", "running_mean2", "running_var2"}
    assert not np.allclose(res.state["running_mean1"], 0.0)
    assert set(res.best_state) == set(res.state)
    ev = evaluate(net, res.params, X_dev, Y_dev, state=res.state)
    assert ev["cost"] == pytest.approx(res.history.dev_cost[-1])
    with pytest.raises(ValueError, match="state"):
        evaluate(net, res.params, X_dev, Y_dev)


def test_float32_params_train_in_float32():
    X, Y = moons(100)
    net = Network((2, 8, 1))
    params = net.init_params(np.random.default_rng(0), dtype=np.float32)
    res = run(net, params, X, Y, epochs=3)
    assert all(v.dtype == np.float32 for v in res.params.values())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"X": np.zeros((3, 10))}, "X"),
        ({"Y": np.zeros((1, 9))}, "Y"),
        ({"Y": np.full((1, 10), 2.0)}, "Y"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 2.5}, "batch_size"),
        ({"epochs": 0}, "epochs"),
        ({"patience": 3}, "patience"),
        ({"X_dev": np.zeros((2, 5))}, "Y_dev"),
        ({"X_dev": np.zeros((3, 5)), "Y_dev": np.zeros((1, 5))}, "X_dev"),
        ({"rng": 0}, "rng"),
        ({"check_every": 0}, "check_every"),
        ({"min_delta": -1.0}, "min_delta"),
        ({"X": np.full((2, 10), np.nan)}, "X"),
    ],
)
def test_bad_inputs_raise(kwargs, match):
    net, params = small_setup()
    args = {
        "X": np.zeros((2, 10)), "Y": np.zeros((1, 10)), "optimizer": Adam(),
        "epochs": 2, "batch_size": 4, "rng": np.random.default_rng(0), "progress": False,
    }
    args.update(kwargs)
    X, Y = args.pop("X"), args.pop("Y")
    with pytest.raises(ValueError, match=match):
        train(net, params, X, Y, **args)


def test_bad_params_raise():
    net, params = small_setup()
    params = dict(params)
    params["W1"] = np.zeros((8, 3))
    with pytest.raises(ValueError, match="W1"):
        train(net, params, np.zeros((2, 4)), np.zeros((1, 4)), optimizer=Adam(), epochs=1,
              batch_size=2, rng=np.random.default_rng(0), progress=False)


def test_softmax_bad_labels_raise():
    net = Network((2, 4, 3), output="softmax")
    params = net.init_params(np.random.default_rng(0))
    with pytest.raises(ValueError, match="Y"):
        train(net, params, np.zeros((2, 4)), np.array([[0, 1, 3, 1]]), optimizer=Adam(),
              epochs=1, batch_size=2, rng=np.random.default_rng(0), progress=False)


def test_no_warnings_in_normal_training():
    X, Y = moons(100)
    net, params = small_setup()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run(net, params, X, Y, epochs=5)


def test_train_equals_the_readable_loop():
    """train runs the fused network.train_step; the result is the textbook loop's."""
    from course_lib.data import random_mini_batches
    from course_lib.network import backward

    X, y = make_blobs(130, np.random.default_rng(4), centers=3)
    net = Network((2, 9, 7, 3), output="softmax", batch_norm=True, keep_probs=(0.8, 0.9),
                  regularization="l2", lambd=0.2)
    params = net.init_params(np.random.default_rng(5), "he")
    sched = make_schedule("inverse_time", 0.01, decay_rate=0.3)
    res = train(net, params, X, y, optimizer=Adam(lr=0.01), epochs=6, batch_size=32,
                rng=np.random.default_rng(6), schedule=sched, progress=False)

    p = {k: v.copy() for k, v in params.items()}
    optimizer = Adam(lr=0.01)
    opt_state, state, rng = optimizer.init(p), None, np.random.default_rng(6)
    Y = one_hot(y, 3)
    costs = []
    for epoch in range(6):
        for Xb, Yb in random_mini_batches(X, Y, 32, rng):
            ZL, caches, state = forward(net, p, Xb, training=True, rng=rng, state=state)
            costs.append(compute_cost(net, p, ZL, Yb))
            grads = backward(net, p, ZL, Yb, caches)
            optimizer.update_inplace(p, grads, opt_state, lr=sched(epoch))
    for k in p:
        np.testing.assert_allclose(res.params[k], p[k], rtol=1e-10, atol=1e-12)
    for k in state:
        np.testing.assert_allclose(res.state[k], state[k], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.history.batch_cost, costs, rtol=1e-10)


def test_divergence_keeps_the_last_finite_parameters():
    X, Y = moons(100)
    net = Network((2, 16, 16, 16, 1), hidden_activation="leaky_relu")
    params = net.init_params(np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run(net, params, X, Y, epochs=100, optimizer=GradientDescent(lr=1e3))
    assert res.history.diverged
    assert all(np.isfinite(v).all() for v in res.params.values())


def test_stopping_decisions_come_from_the_early_stopping_rule(monkeypatch):
    """train asks course_lib.early_stopping.EarlyStopping, and only it, when to stop and
    which parameters to keep: a rule that says "stop after epoch 4, best epoch 1" is obeyed."""
    from course_lib import training
    from course_lib.early_stopping import EarlyStopping

    calls = []

    class Rule(EarlyStopping):
        def update(self, epoch, cost):
            calls.append((epoch, cost))
            super().update(epoch, cost)
            self.improved = epoch == 1
            return epoch == 4

    monkeypatch.setattr(training, "EarlyStopping", Rule)
    X, Y = moons(200)
    X_dev, Y_dev = moons(100, seed=9)
    net, params = small_setup()
    res = run(net, params, X, Y, epochs=50, X_dev=X_dev, Y_dev=Y_dev, patience=40)
    h = res.history
    assert calls == list(enumerate(h.dev_cost))
    assert h.epochs_run == 5 and h.stop_reason == "early_stopping" and h.stopped_early
    assert h.best_epoch == 1
    assert dev_cost_of(net, res.best_params, X_dev, Y_dev) == pytest.approx(h.dev_cost[1])

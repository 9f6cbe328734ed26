"""The lesson claims of notebook 08 (learning-rate decay), measured on its own data.

Each test restates one sentence of ``solutions/08_learning_rate_decay.ipynb`` and checks
it with the notebook's data, settings and seeds (the averages the notebook prints), with
a margin. ``test_settings_are_the_notebooks`` fails when a demo's settings change, so
that these tests are revisited with them. The runs use ``course_lib``'s schedules, equal
to the notebook's solutions; the margins were chosen against 10 seeds, not only the
notebook's.
"""

from __future__ import annotations

import math
import warnings

import nbformat
import numpy as np
import pytest

from autograder import SOLUTIONS
from course_checks.exercises.nb08_learning_rate_decay import train_with_decay
from course_lib import datasets, schedules
from course_lib.activations import sigmoid
from course_lib.data import random_mini_batches
from course_lib.network import Network, compute_cost, forward, train_step
from course_lib.optimizers import Adam

NOTEBOOK = SOLUTIONS / "08_learning_rate_decay.ipynb"


def _cells() -> dict[str, str]:
    return {c.id: c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells}


def test_settings_are_the_notebooks():
    """The settings below are the notebook's, word for word."""
    cells = _cells()
    expected = {
        "why-demo": [
            "rng = np.random.default_rng(0)", "X_lin = rng.standard_normal((2, 200))",
            "y_lin = np.array([[2.0, -1.0]]) @ X_lin + rng.standard_normal((1, 200))",
            "def sgd_linear(schedule, epochs=20, batch_size=4, rng=None, record=False):",
            "w = np.array([[-1.0], [2.0]])", "constant = lambda epoch: 0.2",
            "decayed = lambda epoch: 0.2 / (1 + 0.3 * epoch)",
            "rng=np.random.default_rng(seed)) for seed in range(20)]"],
        "explorer-text": ["$\\alpha_0 = 0.02$, exponential with $r = 0.5$"],
        "explorer-demo": ["for seed in range(6)]"],
        "real-demo": [
            "datasets.make_football(300, np.random.default_rng(0))",
            "for _ in range(3000):", "2.0 * dZ @ X_fb.T / X_fb.shape[1]",
            'make_schedule("constant", 2.0)',
            'make_schedule("inverse_time", 2.0, decay_rate=0.2)',
            'make_schedule("step", 2.0, drop=0.5, epochs_drop=5)',
            'make_schedule("exponential", 2.0, r=0.85)',
            "my_train(X_fb, Y_fb, sched, 30, 8, np.random.default_rng(seed)) for seed in range(5)"],
        "plot-schedules": [
            "lr0 = 0.1", "inv(lr0, e, 0.2)", "stair(lr0, e, 0.5, 10)", "expo(lr0, e, 0.95)",
            "sqr(lr0, e, 1.0)", "step(lr0, e, 0.5, 10)", "schedules, 50, ax=ax1"],
        "combined-demo": [
            "ALPHA, STEPS, WARMUP = 0.3, 300, 30", "Network((2, 32, 32, 1))",
            'net_fb.init_params(np.random.default_rng(seed), "he")',
            "lr=schedule(t))[0]", "for seed in range(3)]",
            "cosine(ALPHA, t - WARMUP, STEPS - WARMUP)", "cosine(ALPHA, t, STEPS)",
            "warmup(ALPHA, t, WARMUP)",
            "np.all(params[\"W1\"] @ X_fb + params[\"b1\"] <= 0, axis=1)"],
    }
    for cell_id, fragments in expected.items():
        for fragment in fragments:
            assert fragment in cells[cell_id], f"{cell_id} no longer has {fragment!r}"


# ---- section 1: iterates that never settle --------------------------------------------------

_rng = np.random.default_rng(0)
X_LIN = _rng.standard_normal((2, 200))
Y_LIN = np.array([[2.0, -1.0]]) @ X_LIN + _rng.standard_normal((1, 200))
W_STAR = np.linalg.lstsq(X_LIN.T, Y_LIN.T, rcond=None)[0]


def _cost_lin(w: np.ndarray) -> float:
    return float(np.mean((w.T @ X_LIN - Y_LIN) ** 2) / 2)


def _sgd_linear(schedule, seed: int, epochs: int = 20, batch_size: int = 4):
    """The notebook's ``sgd_linear``: final w and the distance to w* after each epoch."""
    rng = np.random.default_rng(seed)
    w = np.array([[-1.0], [2.0]])
    dist = []
    for epoch in range(epochs):
        lr = schedule(epoch)
        for X_t, y_t in random_mini_batches(X_LIN, Y_LIN, batch_size, rng):
            w = w - lr * X_t @ (w.T @ X_t - y_t).T / X_t.shape[1]
        dist.append(float(np.linalg.norm(w - W_STAR)))
    return w, np.array(dist)


@pytest.fixture(scope="module")
def section1():
    runs = {}
    for name, schedule in [("constant", lambda e: 0.2), ("decayed", lambda e: 0.2 / (1 + 0.3 * e))]:
        results = [_sgd_linear(schedule, seed) for seed in range(20)]
        runs[name] = (np.array([d for _, d in results]),
                      np.mean([_cost_lin(w) for w, _ in results]))
    return runs


def test_decay_settles_much_closer_to_the_minimum(section1):
    """"with decay the jumps shrink and the iterates settle much closer to w*"
    (measured: mean final distance 0.029 against 0.21; cost above the minimum 5e-4
    against 2.8e-2)."""
    dist_c, cost_c = section1["constant"]
    dist_d, cost_d = section1["decayed"]
    assert dist_d[:, -1].mean() < 0.3 * dist_c[:, -1].mean()
    j_star = _cost_lin(W_STAR)
    assert cost_d - j_star < 0.1 * (cost_c - j_star)


def test_the_constant_rate_cloud_keeps_its_size(section1):
    """"the constant-rate iterates keep jumping around w* in a cloud whose size stays
    the same epoch after epoch; with decay the jumps shrink"."""
    dist_c = section1["constant"][0].mean(axis=0)
    dist_d = section1["decayed"][0].mean(axis=0)
    late, later = dist_c[5:10].mean(), dist_c[15:20].mean()
    assert 0.6 < later / late < 1.6
    assert dist_d[15:20].mean() < 0.7 * dist_d[5:10].mean()  # measured: 0.50


def test_a_decay_too_fast_freezes_before_the_minimum():
    """The explorer's "a decay so fast that the iterates freeze before they reach the
    minimum (α0 = 0.02, exponential with r = 0.5)", against a constant α0 = 0.02, over the
    explorer's 6 seeds (mean final distance 0.515 against 0.013, from a start 4.2 away)."""
    frozen = np.mean([_sgd_linear(lambda e: schedules.exponential_decay(0.02, e, 0.5), s)[1][-1]
                      for s in range(6)])
    constant = np.mean([_sgd_linear(lambda e: 0.02, s)[1][-1] for s in range(6)])
    assert frozen > 0.3 and frozen > 10 * constant


# ---- section 3: the schedules on a log scale ---------------------------------------------


def test_the_geometric_schedules_go_lowest():
    """"the exponential one is a straight line (a constant factor, 0.95, per epoch), and
    step decay follows a straight line too, in stairs (... about 0.933 per epoch on
    average); inverse time and square root flatten out ..., so in the long run the two
    geometric schedules go lowest" (the plot: α0 = 0.1, 50 epochs)."""
    e = np.arange(50)
    expo = np.array([schedules.exponential_decay(0.1, int(k), 0.95) for k in e])
    step = np.array([schedules.step_decay(0.1, int(k), 0.5, 10) for k in e])
    others = [np.array([f(0.1, int(k), *a) for k in e]) for f, a in
              [(schedules.inverse_time_decay, (0.2,)), (schedules.sqrt_decay, (1.0,)),
               (schedules.staircase_decay, (0.5, 10))]]
    assert np.diff(np.log(expo)) == pytest.approx(np.full(49, math.log(0.95)))
    assert step[::10] == pytest.approx(0.1 * 0.5 ** np.arange(5))  # 0.5 ** (1/10) ≈ 0.933 per epoch
    for other in others:
        assert max(expo[-1], step[-1]) < other[-1]
        # log-slope over the last 20 epochs: the geometric ones keep theirs, the others flatten
        assert (np.log(other[-1]) - np.log(other[-21])) > 0.6 * math.log(0.95) * 20


# ---- section 4: with and without decay, on the football data ---------------------------


def test_decay_ends_far_closer_to_the_minimum_on_real_data():
    """"with decay, all runs end much closer to the minimum. Here the faster schedules
    win" (measured: cost above the minimum 2.5e-2 constant, 4.5e-4 inverse time, 1.9e-5
    step, 6.2e-6 exponential; mean of 5 shuffles)."""
    X, Y = datasets.make_football(300, np.random.default_rng(0))
    net = Network((2, 1))

    def cost(W, b):
        params = {"W1": W, "b1": b}
        ZL, _, _ = forward(net, params, X, training=False)
        return compute_cost(net, params, ZL, Y)

    W_opt, b_opt = np.zeros((1, 2)), np.zeros((1, 1))
    for _ in range(3000):
        dZ = sigmoid(W_opt @ X + b_opt) - Y
        W_opt = W_opt - 2.0 * dZ @ X.T / X.shape[1]
        b_opt = b_opt - 2.0 * dZ.mean(keepdims=True)
    j_opt = cost(W_opt, b_opt)
    excess = {}
    for name, kwargs in [("constant", {}), ("inverse_time", {"decay_rate": 0.2}),
                         ("step", {"drop": 0.5, "epochs_drop": 5}),
                         ("exponential", {"r": 0.85})]:
        schedule = schedules.make_schedule(name, 2.0, **kwargs)
        finals = [train_with_decay(X, Y, schedule, 30, 8, np.random.default_rng(seed))
                  for seed in range(5)]
        excess[name] = np.mean([cost(W, b) - j_opt for W, b, _ in finals])
    assert min(excess.values()) > -1e-9  # the long full-batch run did reach the minimum
    for name in ("inverse_time", "step", "exponential"):
        assert excess[name] < 0.1 * excess["constant"], excess
    assert max(excess["step"], excess["exponential"]) < 0.2 * excess["inverse_time"], excess


# ---- section 5: warm-up and cosine annealing with Adam ------------------------------------

ALPHA, STEPS, WARMUP = 0.3, 300, 30
SEEDS = range(3)
SCHEDULES = {
    "constant": lambda t: ALPHA,
    "warm-up": lambda t: schedules.linear_warmup(ALPHA, t, WARMUP),
    "cosine": lambda t: schedules.cosine_annealing(ALPHA, t, STEPS),
    "warm-up + cosine": lambda t: schedules.warmup_cosine(ALPHA, t, WARMUP, STEPS),
}


@pytest.fixture(scope="module")
def football():
    return datasets.make_football(300, np.random.default_rng(0))


@pytest.fixture(scope="module")
def adam_runs(football):
    """Per schedule, per seed: (cost before each step, final cost, dead share)."""
    X, Y = football
    net = Network((2, 32, 32, 1))
    runs = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, schedule in SCHEDULES.items():
            runs[name] = []
            for seed in SEEDS:
                params = net.init_params(np.random.default_rng(seed), "he")
                adam = Adam()
                state = adam.init(params)
                costs = np.array([train_step(net, params, adam, state, X, Y, lr=schedule(t))[0]
                                  for t in range(STEPS)])
                ZL, _, _ = forward(net, params, X, training=False)
                dead = np.mean(np.all(params["W1"] @ X + params["b1"] <= 0, axis=1))
                runs[name].append((costs, compute_cost(net, params, ZL, Y), dead))
    return runs


def _mean(runs, name, what):
    index = {"final": 1, "dead": 2}[what]
    return float(np.mean([r[index] for r in runs[name]]))


def _jump(runs, name):
    return float(np.mean([costs[:WARMUP].max() / costs[0] for costs, _, _ in runs[name]]))


def test_adams_first_step_moves_every_weight_by_about_alpha(football):
    """"its first update is α dW/(|dW| + ε) ≈ ±α for every weight" (the line the demo prints)."""
    X, Y = football
    net = Network((2, 32, 32, 1))
    for seed in SEEDS:
        params0 = net.init_params(np.random.default_rng(seed), "he")
        params1 = {k: w.copy() for k, w in params0.items()}
        train_step(net, params1, Adam(), Adam().init(params1), X, Y, lr=ALPHA)
        moves = np.concatenate([np.abs(params1[k] - params0[k]).ravel() for k in params0])
        assert np.median(moves) == pytest.approx(ALPHA, rel=1e-3)
        assert np.mean(moves > 0.9 * ALPHA) > 0.8
        assert np.mean(moves <= ALPHA * (1 + 1e-6)) == 1.0


def test_he_scale_of_the_second_layer_is_below_alpha():
    """"more than the typical size of a second-layer weight at initialization (He's
    standard deviation √(2/32) = 0.25)"."""
    W2 = Network((2, 32, 32, 1)).init_params(np.random.default_rng(0), "he")["W2"]
    assert math.sqrt(2 / 32) == 0.25 and W2.std() == pytest.approx(0.25, rel=0.1)
    assert np.mean(np.abs(W2)) < ALPHA


def test_without_warmup_the_cost_jumps_in_the_first_steps(adam_runs):
    """"The cost jumps to several times its initial value within the first steps ...
    With the warm-up ... the cost does not rise above its initial value" (measured: 6.8
    times without, 1.0 with)."""
    for name in ("constant", "cosine"):
        assert _jump(adam_runs, name) > 3.0
    for name in ("warm-up", "warm-up + cosine"):
        assert _jump(adam_runs, name) < 1.05


def test_without_warmup_more_than_half_the_units_die(adam_runs):
    """"more than half of the first layer's units die ... With the warm-up ... about
    half as many units die" (measured: 56 % and 29 %)."""
    assert _mean(adam_runs, "constant", "dead") > 0.5
    assert _mean(adam_runs, "cosine", "dead") > 0.5
    for name in ("warm-up", "warm-up + cosine"):
        assert _mean(adam_runs, name, "dead") < 0.65 * _mean(adam_runs, "constant", "dead")


def test_a_constant_rate_still_bounces_at_the_end_after_a_warmup(adam_runs):
    """"at a constant α = 0.3 the cost still jumps by several percent from one step to
    the next at the end of training" (after the cosine it hardly moves)."""
    def bounce(name):
        return np.mean([np.mean(np.abs(np.diff(costs[-50:]))) / np.mean(costs[-50:])
                        for costs, _, _ in adam_runs[name]])

    assert bounce("warm-up") > 0.03
    assert bounce("warm-up + cosine") < 0.05 * bounce("warm-up")


def test_warmup_then_cosine_ends_lowest_and_cosine_alone_does_not_rescue(adam_runs):
    """"Cosine annealing alone does not rescue the start ... Together they end lowest of
    the four" (measured final costs: 0.188 constant, 0.119 warm-up, 0.220 cosine, 0.093
    both)."""
    both = _mean(adam_runs, "warm-up + cosine", "final")
    for name in ("constant", "warm-up", "cosine"):
        assert both < 0.9 * _mean(adam_runs, name, "final"), name
    assert _mean(adam_runs, "cosine", "final") > 1.5 * both
    assert _mean(adam_runs, "cosine", "final") > 0.8 * _mean(adam_runs, "constant", "final")

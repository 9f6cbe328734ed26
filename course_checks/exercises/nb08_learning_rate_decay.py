"""Exercises of 08_learning_rate_decay: the schedules, and a training loop that uses one."""

from __future__ import annotations

import math

import numpy as np

from course_lib import schedules
from course_lib.activations import sigmoid
from course_lib.data import random_mini_batches
from course_lib.training import train

from ..cases import Case, Rng, Table
from ..registry import Mistake, registrar
from ._gen import dims, seed, uniform

register = registrar("08_learning_rate_decay")

# Epochs count from 0. The cases put epoch 0 last (index 2 of every 3), so that a
# formula that fails only there (k / sqrt(0)) is explained by an earlier case too.


def _lr0(rng: np.random.Generator) -> float:
    return uniform(rng, 0.05, 1.0, 3)


def _epoch(rng: np.random.Generator, i: int) -> int:
    return [int(rng.integers(3, 30)), int(rng.integers(1, 60)), 0][i % 3]


def _nonint_rate(rng: np.random.Generator) -> float:
    return float(rng.choice([0.3, 0.5, 0.75, 1.5, 2.5]))


def _stair_epoch(rng: np.random.Generator, i: int, interval: int) -> int:
    """Case 0: remainder above interval/2 (so rounding epoch/interval, instead of the
    floor, goes up: round() sends exact halves to even); case 1: remainder interval - 1;
    case 2: epoch 0 or any."""
    q = int(rng.integers(0, 5))
    if i % 3 == 0:
        return q * interval + int(rng.integers(interval // 2 + 1, interval))
    if i % 3 == 1:
        return q * interval + interval - 1
    return 0 if i % 2 == 0 else int(rng.integers(0, 40))


# ---- inverse_time_decay ---------------------------------------------------------------


def _inv_case(rng: np.random.Generator, i: int) -> Case:
    return Case((_lr0(rng), _epoch(rng, i), uniform(rng, 0.1, 2.0, 2)),
                names=("lr0", "epoch_num", "decay_rate"))


def _inv_from_one(lr0, epoch_num, decay_rate):
    return lr0 / (1 + decay_rate * (epoch_num + 1))


def _inv_multiplied(lr0, epoch_num, decay_rate):
    return lr0 * (1 + decay_rate * epoch_num)


def _inv_precedence(lr0, epoch_num, decay_rate):
    return lr0 / 1 + decay_rate * epoch_num


register("inverse_time_decay", schedules.inverse_time_decay, _inv_case,
         summary="α0 / (1 + decay_rate · epoch)", mistakes=(
    Mistake("epoch_from_one", "Epochs count from 0 in this course: the first epoch (epoch_num = "
            "0) uses lr0 itself. Use epoch_num as given, without + 1.", _inv_from_one),
    Mistake("multiplied", "The rate must DEcrease: divide lr0 by (1 + decay_rate · epoch_num), do "
            "not multiply.", _inv_multiplied),
    Mistake("missing_parentheses", "lr0 / 1 + decay_rate * epoch_num divides by 1 only: the "
            "denominator needs parentheses, lr0 / (1 + decay_rate * epoch_num).", _inv_precedence),
))

# ---- staircase_decay --------------------------------------------------------------------


def _stair_case(rng: np.random.Generator, i: int) -> Case:
    interval = int(rng.integers(4, 9))
    return Case((_lr0(rng), _stair_epoch(rng, i, interval), _nonint_rate(rng), interval),
                names=("lr0", "epoch_num", "decay_rate", "interval"))


def _stair_no_floor(lr0, epoch_num, decay_rate, interval):
    return lr0 / (1 + decay_rate * epoch_num / interval)


def _stair_precedence(lr0, epoch_num, decay_rate, interval):
    return lr0 / (1 + decay_rate * epoch_num // interval)


def _stair_from_one(lr0, epoch_num, decay_rate, interval):
    return lr0 / (1 + decay_rate * ((epoch_num + 1) // interval))


def _stair_round(lr0, epoch_num, decay_rate, interval):
    return lr0 / (1 + decay_rate * round(epoch_num / interval))


register("staircase_decay", schedules.staircase_decay, _stair_case,
         summary="α0 / (1 + decay_rate · ⌊epoch / interval⌋)", mistakes=(
    Mistake("no_floor", "Without the floor the rate changes every epoch. A staircase keeps it "
            "constant within each interval: use epoch_num // interval.", _stair_no_floor),
    Mistake("operator_precedence", "decay_rate * epoch_num // interval computes (decay_rate * "
            "epoch_num) // interval. Floor the epoch count first: decay_rate * (epoch_num // "
            "interval).", _stair_precedence),
    Mistake("epoch_from_one", "Epochs count from 0: the first interval holds epochs 0 .. interval "
            "- 1. Use epoch_num as given, without + 1.", _stair_from_one),
    Mistake("rounded", "round() jumps to the next step halfway through an interval; the staircase "
            "uses the floor, epoch_num // interval.", _stair_round),
))

# ---- exponential_decay -------------------------------------------------------------------


def _exp_case(rng: np.random.Generator, i: int) -> Case:
    return Case((_lr0(rng), _epoch(rng, i), uniform(rng, 0.8, 0.99, 3)),
                names=("lr0", "epoch_num", "r"))


def _exp_times(lr0, epoch_num, r):
    return r * epoch_num * lr0


def _exp_from_one(lr0, epoch_num, r):
    return r ** (epoch_num + 1) * lr0


def _exp_one_minus(lr0, epoch_num, r):
    return (1 - r) ** epoch_num * lr0


def _exp_no_lr0(lr0, epoch_num, r):
    return r**epoch_num


# Same layout as inverse_time_decay's entry on purpose: the one format of a registry
# entry, register(name, reference, cases, ..., mistakes=(Mistake(name, hint, impl),
# ...)) (see exercises/__init__.py).
register("exponential_decay", schedules.exponential_decay, _exp_case,
         summary="r^epoch · α0", mistakes=(
    Mistake("multiplied_not_power", "Exponential decay raises r to the power epoch_num (r ** "
            "epoch_num), it does not multiply r by epoch_num.", _exp_times),
    Mistake("epoch_from_one", "Epochs count from 0: at epoch_num = 0 the rate is lr0 (r ** 0 = "
            "1). Use epoch_num as given.", _exp_from_one),
    Mistake("one_minus_r", "r is the factor KEPT each epoch (e.g. 0.95): the rate is r ** "
            "epoch_num * lr0, not (1 - r) ** epoch_num * lr0.", _exp_one_minus),
    Mistake("forgot_lr0", "r ** epoch_num is the decay FACTOR; multiply it by lr0.", _exp_no_lr0),
))

# ---- sqrt_decay --------------------------------------------------------------------------


def _sqrt_case(rng: np.random.Generator, i: int) -> Case:
    return Case((_lr0(rng), _epoch(rng, i), float(rng.choice([0.5, 0.8, 1.5, 2.0]))),
                names=("lr0", "epoch_num", "k"))


def _sqrt_no_plus_one(lr0, epoch_num, k):
    return k / np.sqrt(np.float64(epoch_num)) * lr0


def _sqrt_missing_sqrt(lr0, epoch_num, k):
    return k / (epoch_num + 1) * lr0


def _sqrt_missing_k(lr0, epoch_num, k):
    return lr0 / math.sqrt(epoch_num + 1)


register("sqrt_decay", schedules.sqrt_decay, _sqrt_case,
         summary="k / √(epoch + 1) · α0 (epochs from 0)", mistakes=(
    Mistake("no_plus_one", "The common form k / √epoch counts epochs from 1. Here epochs count "
            "from 0, so use √(epoch_num + 1) (otherwise the first epoch divides by √0).",
            _sqrt_no_plus_one),
    Mistake("missing_sqrt", "Divide by the SQUARE ROOT of (epoch_num + 1): math.sqrt(epoch_num + "
            "1).", _sqrt_missing_sqrt),
    Mistake("missing_k", "The constant k multiplies the rate: k / √(epoch_num + 1) · lr0.",
            _sqrt_missing_k),
))

# ---- step_decay ----------------------------------------------------------------------------


def _step_case(rng: np.random.Generator, i: int) -> Case:
    epochs_drop = int(rng.integers(4, 11))
    return Case((_lr0(rng), _stair_epoch(rng, i, epochs_drop),
                 float(rng.choice([0.1, 0.25, 0.5, 0.7])), epochs_drop),
                names=("lr0", "epoch_num", "drop", "epochs_drop"))


def _step_no_floor(lr0, epoch_num, drop=0.5, epochs_drop=10):
    return lr0 * drop ** (epoch_num / epochs_drop)


def _step_times(lr0, epoch_num, drop=0.5, epochs_drop=10):
    return lr0 * drop * (epoch_num // epochs_drop)


def _step_from_one(lr0, epoch_num, drop=0.5, epochs_drop=10):
    return lr0 * drop ** ((epoch_num + 1) // epochs_drop)


def _step_round(lr0, epoch_num, drop=0.5, epochs_drop=10):
    return lr0 * drop ** round(epoch_num / epochs_drop)


register("step_decay", schedules.step_decay, _step_case,
         summary="α0 · drop^⌊epoch / epochs_drop⌋", mistakes=(
    Mistake("no_floor", "Without the floor the rate shrinks a little every epoch. Step decay "
            "keeps it constant for epochs_drop epochs: drop ** (epoch_num // epochs_drop).",
            _step_no_floor),
    Mistake("multiplied_not_power", "The rate is multiplied by drop once per completed interval: "
            "drop ** (epoch_num // epochs_drop), a power, not a product.", _step_times),
    Mistake("epoch_from_one", "Epochs count from 0: the first drop happens at epoch_num = "
            "epochs_drop. Use epoch_num as given, without + 1.", _step_from_one),
    Mistake("rounded", "round() drops the rate halfway through an interval; use the floor, "
            "epoch_num // epochs_drop.", _step_round),
))

# ---- train_with_decay ----------------------------------------------------------------------


_SCHEDULE_SPECS = [
    ("inverse_time", lambda r: {"decay_rate": uniform(r, 0.5, 2.0, 2)}),
    ("step", lambda r: {"drop": 0.5, "epochs_drop": int(r.integers(1, 3))}),
    ("exponential", lambda r: {"r": uniform(r, 0.5, 0.9, 2)}),
    ("staircase", lambda r: {"decay_rate": 1.0, "interval": 2}),
    ("sqrt", lambda r: {"k": uniform(r, 0.5, 1.5, 2)}),
]


def _train_case(rng: np.random.Generator, i: int) -> Case:
    n = dims(rng, 2, 4)
    m = int(rng.integers(20, 45))
    X = rng.standard_normal((n, m))
    w_true = rng.standard_normal((1, n)) * 2
    Y = ((w_true @ X + 0.5 * rng.standard_normal((1, m))) > 0).astype(np.int64)
    name, make_kwargs = _SCHEDULE_SPECS[i % len(_SCHEDULE_SPECS)]
    lr0 = uniform(rng, 0.2, 1.0, 2)
    kwargs = make_kwargs(rng)
    epochs = int(rng.integers(3, 6))
    B = int(rng.integers(4, 9))
    if m % B == 0:
        m_extra = 1  # keep a smaller last batch
        X = np.hstack([X, rng.standard_normal((n, m_extra))])
        Y = np.hstack([Y, np.ones((1, m_extra), dtype=np.int64)])
    # The schedule goes in as its values (enough for a schedule stepped per mini-batch
    # too, as a mistake does): the grading sandbox then needs no decay code at all.
    length = epochs * -(-X.shape[1] // B) + 2
    schedule = schedules.make_schedule(name, lr0, **kwargs)
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    spec = Table(tuple(float(schedule(t)) for t in range(length)),
                 f"make_schedule({name!r}, {lr0!r}, {args})")
    return Case((X, Y, spec, epochs, B, Rng(seed(rng))),
                names=("X", "Y", "schedule", "epochs", "batch_size", "rng"))


def _loop(X, Y, schedule, epochs, batch_size, rng, *, lr_at=None, once=False,
          full_m=False):
    n, m = X.shape
    W, b = np.zeros((1, n)), np.zeros((1, 1))
    lrs = []
    iteration = 0
    fixed_batches = random_mini_batches(X, Y, batch_size, rng) if once else None
    for epoch in range(epochs):
        batches = fixed_batches if once else random_mini_batches(X, Y, batch_size, rng)
        for k, (X_t, Y_t) in enumerate(batches):
            lr = schedule(epoch) if lr_at is None else lr_at(epoch, iteration)
            if k == 0:
                lrs.append(float(lr))
            dZ = sigmoid(W @ X_t + b) - Y_t
            denom = m if full_m else X_t.shape[1]
            W = W - lr * (dZ @ X_t.T) / denom
            b = b - lr * dZ.sum(axis=1, keepdims=True) / denom
            iteration += 1
    return W, b, lrs


def train_with_decay(X, Y, schedule, epochs, batch_size, rng):
    """Reference: logistic regression by mini-batch GD with lr = schedule(epoch).

    W (1, n_x) and b (1, 1) start at zero; returns (W, b, lrs) with lrs the rate of
    each epoch. These are the numbers of ``course_lib.training.train`` on
    ``Network((n_x, 1))`` from zero parameters with ``GradientDescent`` and
    ``schedule=schedule`` (they agree to 1e-12), written out with ``course_lib``'s
    ``random_mini_batches`` and ``sigmoid`` because the general loop is about three
    times slower on problems this small, and the student notebook's demo runs it.
    """
    return _loop(X, Y, schedule, epochs, batch_size, rng)


def _twd_per_iteration(X, Y, schedule, epochs, batch_size, rng):
    return _loop(X, Y, schedule, epochs, batch_size, rng, lr_at=lambda e, it: schedule(it))


def _twd_from_one(X, Y, schedule, epochs, batch_size, rng):
    return _loop(X, Y, schedule, epochs, batch_size, rng, lr_at=lambda e, it: schedule(e + 1))


def _twd_constant(X, Y, schedule, epochs, batch_size, rng):
    return _loop(X, Y, schedule, epochs, batch_size, rng, lr_at=lambda e, it: schedule(0))


def _twd_shuffled_once(X, Y, schedule, epochs, batch_size, rng):
    return _loop(X, Y, schedule, epochs, batch_size, rng, once=True)


def _twd_full_m(X, Y, schedule, epochs, batch_size, rng):
    return _loop(X, Y, schedule, epochs, batch_size, rng, full_m=True)


register("train_with_decay", train_with_decay, _train_case, points=3, visible_cases=5,
         hidden_cases=12, implements=(train,),
         summary="mini-batch logistic regression with the learning rate set per epoch", mistakes=(
    Mistake("decayed_per_iteration", "The schedule was called with the iteration (mini-batch) "
            "count, so the rate decays after every mini-batch. It changes once per EPOCH: lr = "
            "schedule(epoch) before the loop over mini-batches.", _twd_per_iteration),
    Mistake("epoch_from_one", "The first epoch is epoch 0: call schedule(0), schedule(1), ... "
            "(for epoch in range(epochs)).", _twd_from_one),
    Mistake("never_decayed", "The rate never changes: call schedule(epoch) at the start of EVERY "
            "epoch, not once before training.", _twd_constant),
    Mistake("shuffled_once", "The mini-batches were made once and reused: call "
            "random_mini_batches(X, Y, batch_size, rng) at the start of every epoch, so each "
            "epoch gets a new shuffle.", _twd_shuffled_once),
    Mistake("divided_by_m", "The gradient of a mini-batch's cost is an average over that "
            "mini-batch: divide by its size X_t.shape[1], not by the total m.", _twd_full_m),
))

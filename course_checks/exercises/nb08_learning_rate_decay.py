"""Exercises of 08_learning_rate_decay: the decay schedules, warm-up and cosine annealing,
and a training loop that uses a schedule."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from course_lib import schedules
from course_lib.activations import sigmoid
from course_lib.data import random_mini_batches
from course_lib.training import train

from ..cases import Case, Rng, Table
from ..registry import Mistake, registrar
from ._gen import dims, seed, uniform, variant

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


# ---- mistakes several schedules share ---------------------------------------------------
# Counting epochs from 1 and leaving out lr0 are the same mistake in every closed-form
# schedule: the reference evaluated one epoch later, or with lr0 = 1. They are built
# once here from each exercise's reference; the hint names the exercise's first rate.


def _epoch_from_one(reference: Callable[..., float], first: str) -> Mistake:
    def from_one(lr0, epoch_num, *args):
        return reference(lr0, epoch_num + 1, *args)

    return Mistake("epoch_from_one", f"Epochs count from 0 in this course: {first} Use "
                   "epoch_num as given, without + 1.", from_one)


def _forgot_lr0(reference: Callable[..., float], factor: str) -> Mistake:
    def without_lr0(lr0, epoch_num, *args):
        return reference(1.0, epoch_num, *args)

    return Mistake("forgot_lr0", f"{factor} is the decay FACTOR: multiply it by lr0 to get the "
                   "learning rate.", without_lr0)


# The number of completed intervals, ⌊epoch_num / n⌋, of staircase and step decay,
# written three wrong ways: (name, the count, the hint with {n} the interval's argument).
_WRONG_COUNTS: tuple[tuple[str, Callable[[int, int], float], str], ...] = (
    ("no_floor", lambda e, n: e / n, "Without the floor the rate changes every epoch. {what} "
     "for {n} epochs: use epoch_num // {n}."),
    ("rounded", lambda e, n: round(e / n), "round() moves to the next step halfway through an "
     "interval; use the floor, epoch_num // {n}."),
    ("modulo", lambda e, n: e % n, "epoch_num % {n} is the position INSIDE the current interval "
     "(back to 0 at every step down). The number of completed intervals is epoch_num // {n}."),
)


def _wrong_counts(generic: Callable[..., float], n: str, what: str,
                  names: tuple[str, ...]) -> tuple[Mistake, ...]:
    """The :data:`_WRONG_COUNTS` mistakes ``names`` of a schedule written as ``generic(...,
    count=...)``; ``n`` names its interval argument, ``what`` says what it keeps constant.

    Order matters where two mistakes give the same number on a case: at epoch_num =
    interval - 1, counting epochs from 1 and rounding both count one interval, so
    ``epoch_from_one`` is listed before ``rounded`` (whose own first failing case is
    the one with a remainder above interval / 2)."""
    return tuple(Mistake(name, hint.format(n=n, what=what), variant(generic, count=count))
                 for name, count, hint in _WRONG_COUNTS if name in names)


# ---- inverse_time_decay ---------------------------------------------------------------


def _inv_case(rng: np.random.Generator, i: int) -> Case:
    return Case((_lr0(rng), _epoch(rng, i), uniform(rng, 0.1, 2.0, 2)),
                names=("lr0", "epoch_num", "decay_rate"))


def _inv_multiplied(lr0, epoch_num, decay_rate):
    return lr0 * (1 + decay_rate * epoch_num)


def _inv_precedence(lr0, epoch_num, decay_rate):
    return lr0 / 1 + decay_rate * epoch_num


def _inv_power(lr0, epoch_num, decay_rate):
    return lr0 / (1 + decay_rate) ** epoch_num


register("inverse_time_decay", schedules.inverse_time_decay, _inv_case,
         summary="α0 / (1 + decay_rate · epoch)", mistakes=(
    _epoch_from_one(schedules.inverse_time_decay, "the first epoch (epoch_num = 0) uses lr0 "
                    "itself."),
    Mistake("multiplied", "The rate must DEcrease: divide lr0 by (1 + decay_rate · epoch_num), do "
            "not multiply.", _inv_multiplied),
    Mistake("missing_parentheses", "lr0 / 1 + decay_rate * epoch_num divides by 1 only: the "
            "denominator needs parentheses, lr0 / (1 + decay_rate * epoch_num).", _inv_precedence),
    _forgot_lr0(schedules.inverse_time_decay, "1 / (1 + decay_rate · epoch_num)"),
    Mistake("power_not_product", "Inverse time decay divides by (1 + decay_rate · epoch_num), a "
            "product; (1 + decay_rate) ** epoch_num is an exponential decay.", _inv_power),
))

# ---- staircase_decay --------------------------------------------------------------------


def _stair_case(rng: np.random.Generator, i: int) -> Case:
    interval = int(rng.integers(4, 9))
    return Case((_lr0(rng), _stair_epoch(rng, i, interval), _nonint_rate(rng), interval),
                names=("lr0", "epoch_num", "decay_rate", "interval"))


def _stair_generic(lr0, epoch_num, decay_rate, interval, *, count):
    """Staircase decay with the count of completed intervals computed by ``count``."""
    return lr0 / (1 + decay_rate * count(epoch_num, interval))


def _stair_precedence(lr0, epoch_num, decay_rate, interval):
    return lr0 / (1 + decay_rate * epoch_num // interval)


register("staircase_decay", schedules.staircase_decay, _stair_case,
         summary="α0 / (1 + decay_rate · ⌊epoch / interval⌋)", mistakes=(
    *_wrong_counts(_stair_generic, "interval", "A staircase keeps the rate constant",
                   ("no_floor",)),
    Mistake("operator_precedence", "decay_rate * epoch_num // interval computes (decay_rate * "
            "epoch_num) // interval. Floor the epoch count first: decay_rate * (epoch_num // "
            "interval).", _stair_precedence),
    _epoch_from_one(schedules.staircase_decay, "the first interval holds epochs 0 .. interval "
                    "- 1."),
    *_wrong_counts(_stair_generic, "interval", "", ("rounded", "modulo")),
    _forgot_lr0(schedules.staircase_decay, "1 / (1 + decay_rate · ⌊epoch_num / interval⌋)"),
))

# ---- exponential_decay -------------------------------------------------------------------


def _exp_case(rng: np.random.Generator, i: int) -> Case:
    return Case((_lr0(rng), _epoch(rng, i), uniform(rng, 0.8, 0.99, 3)),
                names=("lr0", "epoch_num", "r"))


def _exp_times(lr0, epoch_num, r):
    return r * epoch_num * lr0


def _exp_one_minus(lr0, epoch_num, r):
    return (1 - r) ** epoch_num * lr0


def _exp_e_form(lr0, epoch_num, r):
    return lr0 * math.exp(-r * epoch_num)


def _exp_divided(lr0, epoch_num, r):
    return lr0 / r**epoch_num


register("exponential_decay", schedules.exponential_decay, _exp_case,
         summary="r^epoch · α0", mistakes=(
    Mistake("multiplied_not_power", "Exponential decay raises r to the power epoch_num (r ** "
            "epoch_num), it does not multiply r by epoch_num.", _exp_times),
    _epoch_from_one(schedules.exponential_decay, "at epoch_num = 0 the rate is lr0 (r ** 0 = 1)."),
    Mistake("one_minus_r", "r is the factor KEPT each epoch (e.g. 0.95): the rate is r ** "
            "epoch_num * lr0, not (1 - r) ** epoch_num * lr0.", _exp_one_minus),
    _forgot_lr0(schedules.exponential_decay, "r ** epoch_num"),
    Mistake("exp_of_minus_r", "lr0 · exp(-r · epoch_num) is another schedule (r would be a decay "
            "RATE there). Here r is the factor kept each epoch: r ** epoch_num * lr0.",
            _exp_e_form),
    Mistake("divided_by_power", "Dividing by r ** epoch_num makes the rate GROW, since r < 1: "
            "multiply, r ** epoch_num * lr0.", _exp_divided),
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


def _sqrt_k_divides(lr0, epoch_num, k):
    return lr0 / (k * math.sqrt(epoch_num + 1))


def _sqrt_plus_one_outside(lr0, epoch_num, k):
    return k / (math.sqrt(epoch_num) + 1) * lr0


def _sqrt_power_precedence(lr0, epoch_num, k):
    return k / (epoch_num + 1) ** 1 / 2 * lr0


register("sqrt_decay", schedules.sqrt_decay, _sqrt_case,
         summary="k / √(epoch + 1) · α0 (epochs from 0)", mistakes=(
    Mistake("no_plus_one", "The common form k / √epoch counts epochs from 1. Here epochs count "
            "from 0, so use √(epoch_num + 1) (otherwise the first epoch divides by √0).",
            _sqrt_no_plus_one),
    Mistake("missing_sqrt", "Divide by the SQUARE ROOT of (epoch_num + 1): math.sqrt(epoch_num + "
            "1).", _sqrt_missing_sqrt),
    Mistake("missing_k", "The constant k multiplies the rate: k / √(epoch_num + 1) · lr0.",
            _sqrt_missing_k),
    Mistake("k_divides", "k multiplies the rate, it is not in the denominator: k / "
            "math.sqrt(epoch_num + 1) * lr0.", _sqrt_k_divides),
    Mistake("plus_one_outside_sqrt", "The + 1 goes INSIDE the square root: √(epoch_num + 1), not "
            "√epoch_num + 1.", _sqrt_plus_one_outside),
    Mistake("power_precedence", "(epoch_num + 1) ** 1 / 2 is (epoch_num + 1) / 2: ** binds "
            "before /. Write (epoch_num + 1) ** 0.5, or math.sqrt(epoch_num + 1).",
            _sqrt_power_precedence),
))

# ---- step_decay ----------------------------------------------------------------------------


def _step_case(rng: np.random.Generator, i: int) -> Case:
    epochs_drop = int(rng.integers(4, 11))
    return Case((_lr0(rng), _stair_epoch(rng, i, epochs_drop),
                 float(rng.choice([0.1, 0.25, 0.5, 0.7])), epochs_drop),
                names=("lr0", "epoch_num", "drop", "epochs_drop"))


def _step_generic(lr0, epoch_num, drop=0.5, epochs_drop=10, *, count):
    """Step decay with the count of completed intervals computed by ``count``."""
    return lr0 * drop ** count(epoch_num, epochs_drop)


def _step_times(lr0, epoch_num, drop=0.5, epochs_drop=10):
    return lr0 * drop * (epoch_num // epochs_drop)


register("step_decay", schedules.step_decay, _step_case,
         summary="α0 · drop^⌊epoch / epochs_drop⌋", mistakes=(
    *_wrong_counts(_step_generic, "epochs_drop", "Step decay keeps the rate constant",
                   ("no_floor",)),
    Mistake("multiplied_not_power", "The rate is multiplied by drop once per completed interval: "
            "drop ** (epoch_num // epochs_drop), a power, not a product.", _step_times),
    _epoch_from_one(schedules.step_decay, "the first drop happens at epoch_num = epochs_drop."),
    *_wrong_counts(_step_generic, "epochs_drop", "", ("rounded", "modulo")),
    _forgot_lr0(schedules.step_decay, "drop ** (epoch_num // epochs_drop)"),
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

# ---- linear_warmup -------------------------------------------------------------------------
# t counts optimizer steps from 0; the ramp uses lr0 · (t + 1) / W at steps 0 .. W - 1.
# Case layout (i % 4): 0 past the warm-up (t > W), 1 inside the ramp (1 <= t <= W - 2),
# 2 its end (t = W, or t = W - 1 every other time), 3 the first step t = 0. Each mistake
# first fails on a case where no mistake listed before it gives the same number (hence
# boundary_off_by_one, wrong only at t = W, before no_cap, wrong at every t >= W).


def _peak_lr(rng: np.random.Generator) -> float:
    return uniform(rng, 0.01, 0.9, 3)


def _warmup_case(rng: np.random.Generator, i: int) -> Case:
    W = int(rng.integers(4, 13))
    lr0 = _peak_lr(rng)
    t = [int(rng.integers(W + 1, 3 * W + 1)), int(rng.integers(1, W - 1)),
         W if (i // 4) % 2 == 0 else W - 1, 0][i % 4]
    return Case((lr0, t, W), names=("lr0", "t", "warmup_steps"))


def _warm_from_zero(lr0, t, warmup_steps):
    return lr0 * min(1, t / warmup_steps)


def _warm_linspace(lr0, t, warmup_steps):
    if t < warmup_steps:
        return np.linspace(0, lr0, warmup_steps)[t]
    return lr0


def _warm_boundary(lr0, t, warmup_steps):
    if t <= warmup_steps:
        return lr0 * (t + 1) / warmup_steps
    return lr0


def _warm_no_cap(lr0, t, warmup_steps):
    return lr0 * (t + 1) / warmup_steps


def _warm_floor_division(lr0, t, warmup_steps):
    return lr0 * min(1, (t + 1) // warmup_steps)


def _warm_no_lr0(lr0, t, warmup_steps):
    return min(1, (t + 1) / warmup_steps)


register("linear_warmup", schedules.linear_warmup, _warmup_case, visible_cases=4,
         summary="lr0 · min(1, (t + 1) / warmup_steps), t from 0", mistakes=(
    Mistake("starts_at_zero", "Your warm-up starts at 0: step t = 0 then changes nothing. Here "
            "the first step already moves, at lr0 / warmup_steps: use (t + 1) / warmup_steps.",
            _warm_from_zero),
    Mistake("linspace_from_zero", "np.linspace(0, lr0, warmup_steps) starts at 0 and takes "
            "steps of lr0 / (warmup_steps - 1). The ramp here is lr0 · (t + 1) / warmup_steps: "
            "lr0 / warmup_steps, 2 lr0 / warmup_steps, ..., lr0.", _warm_linspace),
    Mistake("boundary_off_by_one", "At t = warmup_steps your rate is above lr0: the ramp covers "
            "steps 0 .. warmup_steps - 1, so the test is t < warmup_steps (not <=).",
            _warm_boundary),
    Mistake("no_cap", "After the warm-up the rate keeps growing past lr0. It stops at lr0: "
            "lr0 * min(1, (t + 1) / warmup_steps).", _warm_no_cap),
    Mistake("floor_division", "(t + 1) // warmup_steps is a floor division: 0 during the whole "
            "warm-up. Use the true division /.", _warm_floor_division),
    Mistake("forgot_lr0", "min(1, (t + 1) / warmup_steps) is the warm-up FACTOR, between 0 and 1: "
            "multiply it by lr0.", _warm_no_lr0),
))

# ---- cosine_annealing ----------------------------------------------------------------------
# Case layout (i % 4): 0 early in the cosine (2 <= t < T / 2, lr_min > 0), 1 past the
# horizon (T < t < 2T), 2 the ends t = 0 (every other time t = T), 3 early with
# lr_min = 0. Keeping 2t < T and t >= 2 in case 0 keeps every mistake's number
# distinct there: a full period (2πt/T) would equal the right answer at t = 2T/3, and
# the missing + 1 at t = T/2; counting from 1 would equal the full period at t = 1.


def _cosine_case(rng: np.random.Generator, i: int) -> Case:
    T = int(rng.integers(8, 41))
    lr0 = _peak_lr(rng)
    lr_min = 0.0 if i % 4 == 3 else round(lr0 * uniform(rng, 0.02, 0.3), 5)
    t = [int(rng.integers(2, (T + 1) // 2)), int(rng.integers(T + 1, 2 * T)),
         0 if (i // 4) % 2 == 0 else T, int(rng.integers(2, (T + 1) // 2))][i % 4]
    return Case((lr0, t, T, lr_min), names=("lr0", "t", "T", "lr_min"))


def _cosine_generic(lr0, t, T, lr_min=0.0, *, half=0.5, plus=1.0, angle=math.pi, shift=0,
                    horizon=0, clamp=True, base="min"):
    """Cosine annealing written with one slip: ``half`` and ``plus`` the 1/2 and the 1 of
    (1 + cos)/2, ``angle`` what t / T is multiplied by (π), ``shift`` added to t,
    ``horizon`` to T, ``clamp`` whether t stops at the horizon, ``base`` what the
    cosine is added to and scaled by ("min": lr_min and lr0 - lr_min; "zero": 0 and
    lr0; "unsubtracted": lr_min and lr0)."""
    T_used = T + horizon
    step = min(t + shift, T_used) if clamp else t + shift
    factor = half * (plus + math.cos(angle * step / T_used))
    low, span = {"min": (lr_min, lr0 - lr_min), "zero": (0.0, lr0),
                 "unsubtracted": (lr_min, lr0)}[base]
    return low + span * factor


def _cos_missing_half(lr0, t, T, lr_min=0.0):
    if t >= T:
        return lr_min
    return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * t / T))


# (name, the slip as options of _cosine_generic, the hint)
_COSINE_SLIPS: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("missing_plus_one", {"plus": 0.0}, "cos(π t / T) / 2 goes from 1/2 to -1/2: the rate would "
     "start at half of lr0 and end below lr_min. Add 1 before halving: (1 + cos(π t / T)) / 2."),
    ("degrees", {"angle": 180.0}, "math.cos and np.cos take RADIANS: half a turn is π, not 180. "
     "Use math.cos(math.pi * t / T)."),
    ("full_period", {"angle": 2 * math.pi}, "cos(2π t / T) goes down AND back up to lr0 by "
     "t = T. Annealing uses half a period, cos(π t / T), which ends at its minimum at t = T."),
    ("ignores_lr_min", {"base": "zero"}, "Your rate anneals to 0, not to lr_min: the formula is "
     "lr_min + (lr0 - lr_min) · (1 + cos(π t / T)) / 2."),
    ("lr_min_not_subtracted", {"base": "unsubtracted"}, "lr_min + lr0 · (...) starts at lr0 + "
     "lr_min: scale the cosine by the distance it travels, (lr0 - lr_min)."),
    ("counts_from_one", {"shift": 1}, "Step t = 0 must use lr0 (cos 0 = 1); your cosine is one "
     "step ahead. Use t as given, without + 1."),
    ("horizon_minus_one", {"horizon": -1}, "Your rate reaches lr_min at t = T - 1, one step "
     "early: the cosine spans T steps, cos(π t / T), and reaches lr_min exactly at t = T."),
    ("no_clamp_past_horizon", {"clamp": False}, "Past t = T your rate climbs back up (the cosine "
     "is periodic). Annealing ends at T: return lr_min for t >= T (or use min(t, T))."),
)

register("cosine_annealing", schedules.cosine_annealing, _cosine_case,
         summary="lr_min + (lr0 − lr_min) · (1 + cos(π t / T)) / 2, lr_min after T",
         mistakes=(
    Mistake("missing_half", "Without the 1/2, (1 + cos) goes from 2 to 0: the rate starts at "
            "twice lr0. The factor is (1 + cos(π t / T)) / 2, from 1 down to 0.",
            _cos_missing_half),
    *(Mistake(name, hint, variant(_cosine_generic, **slip)) for name, slip, hint in _COSINE_SLIPS),
))

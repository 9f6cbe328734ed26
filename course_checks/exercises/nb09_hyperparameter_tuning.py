"""Exercises of 09_hyperparameter_tuning: sampling scales, random trials, coarse to fine."""

from __future__ import annotations

import math

import numpy as np

from course_lib.hyperparams import (
    Choice,
    IntUniform,
    LogUniform,
    OneMinusLogUniform,
    Uniform,
    narrow_space,
    random_search,
    sample_log_uniform,
    sample_one_minus_log_uniform,
)

from ..cases import Case, Rng
from ..compare import Tolerance, compare
from ..registry import Mistake, registrar
from ._gen import seed, variant

register = registrar("09_hyperparameter_tuning")

# ---- sample_log_uniform -------------------------------------------------------------

# (low, high) pairs: the usual learning-rate range [1e-4, 1] first, then others spanning decades.
_LOG_RANGES = [(1e-4, 1.0), (1e-6, 1e-2), (0.5, 500.0), (1e-3, 10.0), (2e-5, 3e-1)]


def _sampling_case(ranges, random_range):
    """The case maker of a sampling exercise ``(rng, low, high, size)``: the bounds of
    ``ranges`` first, then ``random_range(rng)``; ``size`` None (a number) in cases 3, 7, ...,
    else a random length."""

    def make_case(rng: np.random.Generator, i: int) -> Case:
        low, high = ranges[i] if i < len(ranges) else random_range(rng)
        spec = Rng(seed(rng))
        size = None if i % 4 == 3 else int(rng.integers(5, 40))
        return Case((spec, low, high, size), names=("rng", "low", "high", "size"))

    make_case.__qualname__ = f"_sampling_case({random_range.__name__})"
    return make_case


def _random_log_range(rng: np.random.Generator) -> tuple[float, float]:
    a = float(rng.uniform(-7, 0))
    b = a + float(rng.uniform(1.5, 5))
    return float(10**a), float(10**b)


_TOL = Tolerance(rtol=1e-9, atol=1e-12)


def _close(expected, got):
    return compare(expected, got, _TOL)


def _reversed_bounds_ok(reference_with_reversed_bounds):
    """A comparator that also accepts the sample drawn with the two bounds of r swapped.

    ``rng.uniform(a, b)`` and ``rng.uniform(b, a)`` have the same distribution (the
    notes write ``r = -4 * np.random.rand()``, i.e. r from 0 down to -4), but give
    different numbers from the same generator; both are correct.
    """

    def cmp(expected, got, case):
        mm = _close(expected, got)
        if mm is None:
            return None
        args, kwargs = case.build()
        alt = reference_with_reversed_bounds(*args, **kwargs)
        if _close(alt, got) is None:
            return None
        return mm

    return cmp


def _sampling(ranges, random_range, reference_with_reversed_bounds) -> dict:
    """The case maker and options of a sampling exercise: :func:`_sampling_case`, the
    comparator that also accepts the draw with the bounds of r swapped, and 4 visible cases
    (the last one with size=None: a number)."""
    return {"make_case": _sampling_case(ranges, random_range),
            "compare": _reversed_bounds_ok(reference_with_reversed_bounds),
            "visible_cases": 4, "hidden_cases": 10}


def _from_top(rng, a, b, size):
    """r uniform between a and b, drawn downwards from b: b - (b - a) * U."""
    return b - (b - a) * rng.random(size)


def _log_reversed(rng, low, high, size=None):
    return 10.0 ** _from_top(rng, math.log10(low), math.log10(high), size)


def _log_uniform_then_log(rng, low, high, size=None):
    return np.log10(rng.uniform(low, high, size))


def _log_r_over_raw_bounds(rng, low, high, size=None):
    return 10.0 ** rng.uniform(low, high, size)


def _plain_uniform(rng, low, high, size=None):
    """Both samplers' uniform draw on a linear scale."""
    return rng.uniform(low, high, size)


def _log_base_mixup(rng, low, high, size=None):
    return 10.0 ** rng.uniform(np.log(low), np.log(high), size)


def _log_exp_of_log10(rng, low, high, size=None):
    return np.exp(rng.uniform(np.log10(low), np.log10(high), size))


register("sample_log_uniform", sample_log_uniform,
         **_sampling(_LOG_RANGES, _random_log_range, _log_reversed),
         summary="10**r with r uniform in [log10 low, log10 high]", mistakes=(
    Mistake("uniform_then_log", "You drew the value uniformly and then took its logarithm. It is "
            "the other way round: draw the EXPONENT r uniformly between log10(low) and "
            "log10(high), then return 10**r.", _log_uniform_then_log),
    Mistake("exponent_over_raw_bounds", "r must be drawn between log10(low) and log10(high) (-4 "
            "and 0 for [1e-4, 1]), not between low and high themselves.", _log_r_over_raw_bounds),
    Mistake("linear_scale", "This samples uniformly on a linear scale: 90 % of the samples of "
            "[1e-4, 1] land in [0.1, 1]. Draw r uniformly in [log10 low, log10 high] and return "
            "10**r.", _plain_uniform),
    Mistake("log_base_mixup", "You took natural logarithms (np.log) of the bounds but raised 10 "
            "to the power r. Use the same base both ways: np.log10 with 10**r (or np.log with "
            "np.exp).", _log_base_mixup),
    Mistake("exp_of_log10_exponent", "r was drawn between log10(low) and log10(high), but np.exp "
            "raises e, not 10, to the power r. Use the same base both ways: 10**r (or np.log with "
            "np.exp).", _log_exp_of_log10),
))

# ---- sample_beta --------------------------------------------------------------------

_BETA_RANGES = [(0.9, 0.999), (0.99, 0.9999), (0.0, 0.9), (0.9, 0.9995), (0.5, 0.99)]


def _random_beta_range(rng: np.random.Generator) -> tuple[float, float]:
    a = float(rng.uniform(-1.5, -0.3))        # log10(1 - low)
    b = a - float(rng.uniform(1.0, 3.0))       # log10(1 - high)
    return 1.0 - 10**a, 1.0 - 10**b


def _beta_reversed(rng, low, high, size=None):
    return 1.0 - 10.0 ** _from_top(rng, math.log10(1 - high), math.log10(1 - low), size)


def _beta_forgot_one_minus(rng, low, high, size=None):
    return 10.0 ** rng.uniform(math.log10(1 - high), math.log10(1 - low), size)


def _beta_log_of_beta(rng, low, high, size=None):
    return 1.0 - 10.0 ** rng.uniform(np.log10(max(low, 1e-12)), np.log10(high), size)


def _beta_log_uniform_beta(rng, low, high, size=None):
    return 10.0 ** rng.uniform(np.log10(max(low, 1e-12)), np.log10(high), size)


def _beta_base_mixup(rng, low, high, size=None):
    return 1.0 - 10.0 ** rng.uniform(np.log(1 - high), np.log(1 - low), size)


register("sample_beta", sample_one_minus_log_uniform,
         **_sampling(_BETA_RANGES, _random_beta_range, _beta_reversed),
         summary="beta = 1 - 10**r, so that 1 - beta is log-uniform", mistakes=(
    Mistake("uniform_beta", "β was sampled uniformly in [low, high]. Near 1 a tiny change of β "
            "changes the averaging window 1/(1-β) a lot, so sample 1 - β on a log scale: r "
            "uniform in [log10(1-high), log10(1-low)], β = 1 - 10**r.", _plain_uniform),
    Mistake("forgot_one_minus", "You returned 10**r, which is 1 - β, not β. Return 1 - 10**r.",
            _beta_forgot_one_minus),
    Mistake("bounds_from_beta", "The exponent's bounds come from 1 - β, not from β: for β in "
            "[0.9, 0.999], 1 - β is in [0.001, 0.1], so r is in [-3, -1] (log10(1 - high), "
            "log10(1 - low)).", _beta_log_of_beta),
    Mistake("log_uniform_beta", "This samples β itself log-uniformly, which is almost uniform on "
            "[0.9, 0.999]. It is 1 - β that must be log-uniform: β = 1 - 10**r.",
            _beta_log_uniform_beta),
    Mistake("log_base_mixup", "You took natural logarithms (np.log) of 1 - high and 1 - low but "
            "raised 10 to the power r. Use the same base both ways: np.log10 with 10**r.",
            _beta_base_mixup),
))

# ---- random_trials ------------------------------------------------------------------


def _dimension(spec):
    kind, *args = spec
    if kind == "uniform":
        return Uniform(*args)
    if kind == "log":
        return LogUniform(*args)
    if kind == "beta":
        return OneMinusLogUniform(*args)
    if kind == "int":
        return IntUniform(*args)
    if kind == "choice":
        return Choice(tuple(args[0]))
    raise ValueError(f"unknown kind {kind!r}")


def random_trials(space, n_trials, rng):
    """Reference: n_trials dicts; trial by trial, one draw per hyperparameter in space order
    (random_search's sampling, with the space given as plain data)."""
    dims = {name: _dimension(spec) for name, spec in space.items()}
    return [{name: dim.sample(rng) for name, dim in dims.items()} for _ in range(n_trials)]


_SPACES = [
    {"learning_rate": ("log", 1e-4, 1.0), "beta": ("beta", 0.9, 0.999),
     "hidden_units": ("int", 16, 128), "optimizer": ("choice", ["momentum", "adam"])},
    {"keep_prob": ("uniform", 0.5, 1.0), "learning_rate": ("log", 1e-5, 1e-1),
     "batch_size": ("choice", [32, 64, 128, 256]), "num_layers": ("int", 1, 2)},
    {"beta2": ("beta", 0.99, 0.9999), "lambd": ("log", 1e-3, 10.0),
     "hidden_units": ("int", 3, 5), "decay_rate": ("uniform", 0.0, 1.0)},
]


def _trials_case(rng: np.random.Generator, i: int) -> Case:
    if i < len(_SPACES):
        space = _SPACES[i]
        n = [6, 8, 10][i]
    else:
        names = ["learning_rate", "beta", "hidden_units", "keep_prob", "batch_size"]
        a = float(rng.uniform(-6, -2))
        space = {
            "learning_rate": ("log", float(10**a), float(10 ** (a + rng.uniform(1, 4)))),
            "beta": ("beta", 0.8, float(1 - 10 ** rng.uniform(-4, -2))),
            "hidden_units": ("int", int(rng.integers(1, 10)), int(rng.integers(10, 20))),
            "keep_prob": ("uniform", float(rng.uniform(0.3, 0.6)), 1.0),
            "batch_size": ("choice", [16, 32, 64]),
        }
        order = rng.permutation(len(names))
        space = {names[k]: space[names[k]] for k in order}
        n = int(rng.integers(4, 12))
    return Case((space, n, Rng(seed(rng))), names=("space", "n_trials", "rng"))


def _sample_value(kind, args, rng, *, int_exclusive=False, log_as_uniform=False,
                  beta_as_power=False):
    if kind == "uniform" or (kind == "log" and log_as_uniform):
        return float(rng.uniform(args[0], args[1]))
    if kind == "log":
        return float(10 ** rng.uniform(math.log10(args[0]), math.log10(args[1])))
    if kind == "beta":
        r = rng.uniform(math.log10(1 - args[1]), math.log10(1 - args[0]))
        return float(10**r if beta_as_power else 1 - 10**r)
    if kind == "int":
        return int(rng.integers(args[0], args[1] if int_exclusive else args[1] + 1))
    if kind == "choice":
        return args[0][int(rng.integers(len(args[0])))]
    raise ValueError(kind)


def _trials_generic(space, n_trials, rng, **flags):
    return [{name: _sample_value(spec[0], spec[1:], rng, **flags)
             for name, spec in space.items()} for _ in range(n_trials)]


def _trials_param_major(space, n_trials, rng):
    columns = {name: [_sample_value(spec[0], spec[1:], rng) for _ in range(n_trials)]
               for name, spec in space.items()}
    return [{name: columns[name][t] for name in space} for t in range(n_trials)]


def _trials_one_draw(space, n_trials, rng):
    trial = {name: _sample_value(spec[0], spec[1:], rng) for name, spec in space.items()}
    return [dict(trial) for _ in range(n_trials)]


register("random_trials", random_trials, _trials_case, points=2, tolerance=_TOL,
         implements=(random_search,),
         summary="the hyperparameters of n random-search trials, each on its own scale", mistakes=(
    Mistake("int_high_excluded", "rng.integers(low, high) never returns high: the upper bound is "
            "exclusive. Use rng.integers(low, high + 1) so both ends can be drawn.",
            variant(_trials_generic, int_exclusive=True)),
    Mistake("log_kind_sampled_uniformly", "A 'log' hyperparameter (a learning rate, λ) must be "
            "sampled on a log scale: 10**r with r uniform in [log10 low, log10 high].",
            variant(_trials_generic, log_as_uniform=True)),
    Mistake("beta_kind_forgot_one_minus", "For a 'beta' hyperparameter 10**r is 1 - β; the value "
            "to return is 1 - 10**r.", variant(_trials_generic, beta_as_power=True)),
    Mistake("parameter_by_parameter", "You drew all the values of one hyperparameter, then all "
            "the values of the next. Draw trial by trial: for each trial, one value of each "
            "hyperparameter in the order of space (so adding a trial never changes the earlier "
            "ones).", _trials_param_major),
    Mistake("one_draw_repeated", "Every trial holds the same values: the hyperparameters were "
            "drawn once, outside the loop. Draw new values for each trial, inside the loop over "
            "range(n_trials).", _trials_one_draw),
))

# ---- narrow_range -------------------------------------------------------------------


def narrow_range(values, scores, low, high, top_k, log_scale, margin=0.1):
    """Reference: the range covering the top_k best values, padded by margin on the scale
    (narrow_space's rule for one dimension, with plain data instead of Trial objects)."""
    vals = np.asarray(values, dtype=float)
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    best = vals[order[:top_k]]
    dim = LogUniform(low, high) if log_scale else Uniform(low, high)
    new = dim.narrow(best, margin)
    return float(new.low), float(new.high)


def _narrow_case(rng: np.random.Generator, i: int) -> Case:
    n = int(rng.integers(10, 25))
    log_scale = i % 3 != 1
    if log_scale:
        a = float(rng.uniform(-6, -3))
        low, high = float(10**a), float(10 ** (a + rng.uniform(3, 5)))
        t = rng.uniform(np.log10(low), np.log10(high), n)
        values = 10.0**t
        center = float(rng.uniform(np.log10(low) + 0.5, np.log10(high) - 0.5))
        if i % 3 == 2:
            center = float(np.log10(high))   # the best values sit at the top of the range
        scores = -np.abs(t - center) + 0.05 * rng.standard_normal(n)
    else:
        low, high = float(rng.uniform(0, 0.5)), float(rng.uniform(1, 3))
        values = rng.uniform(low, high, n)
        center = float(rng.uniform(low, high))
        scores = -np.abs(values - center) + 0.02 * rng.standard_normal(n)
    top_k = int(rng.integers(2, 5))
    margin = [0.1, 0.2, 0.1][i % 3]
    return Case((values, scores, low, high, top_k, log_scale, margin),
                names=("values", "scores", "low", "high", "top_k", "log_scale", "margin"))


def _narrow_generic(values, scores, low, high, top_k, log_scale, margin=0.1, *,
                    worst=False, linear=False, no_clip=False, pad_from_top=False,
                    no_margin=False):
    vals = np.asarray(values, dtype=float)
    s = np.asarray(scores, dtype=float)
    order = np.argsort(s if worst else -s, kind="stable")
    best = vals[order[:top_k]]
    to = (lambda x: x) if (linear or not log_scale) else np.log10
    back = (lambda t: t) if (linear or not log_scale) else (lambda t: 10.0**t)
    t_lo, t_hi = to(low), to(high)
    tb = to(best)
    width = (tb.max() - tb.min()) if pad_from_top else (t_hi - t_lo)
    pad = 0.0 if no_margin else margin * width
    lo_t, hi_t = tb.min() - pad, tb.max() + pad
    if not no_clip:
        lo_t, hi_t = max(t_lo, lo_t), min(t_hi, hi_t)
    return float(back(lo_t)), float(back(hi_t))


# Same layout as random_trials, nb03's regularized_backward, nb10's bn_network_forward and
# nb12's prepare_data (deliberate: the registry's format, see __init__.py).
register("narrow_range", narrow_range, _narrow_case, points=2, tolerance=_TOL,
         implements=(narrow_space,),
         summary="coarse to fine: the new range around the best trials, on the right scale",
         mistakes=(
    Mistake("around_the_worst", "You kept the trials with the LOWEST scores. Higher scores are "
            "better here (dev accuracy): sort by -scores, or take the last top_k of "
            "np.argsort(scores).", variant(_narrow_generic, worst=True)),
    Mistake("linear_padding_on_log_scale", "For a log-scale hyperparameter the padding must be "
            "computed on log10 of the values (pad = margin · (log10 high - log10 low)), then "
            "converted back with 10**t.", variant(_narrow_generic, linear=True)),
    Mistake("not_cut_to_the_old_range", "The new range must stay inside the old one: cut the "
            "padded ends back to [low, high] (max with low, min with high).",
            variant(_narrow_generic, no_clip=True)),
    Mistake("padding_from_the_best_values", "The padding is a fraction of the OLD range's width "
            "(on the scale), margin · (t(high) - t(low)), not of the spread of the best values.",
            variant(_narrow_generic, pad_from_top=True)),
    Mistake("no_padding", "The new range must be a little WIDER than the span of the best values: "
            "pad each end by margin times the old range's width (on the log scale for a "
            "log-scale hyperparameter), so the best value is not on the new range's edge.",
            variant(_narrow_generic, no_margin=True)),
))

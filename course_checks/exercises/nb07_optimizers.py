"""Exercises of 07_optimizers: per-array update steps and Adam on a dict of parameters."""

from __future__ import annotations

import numpy as np

from course_lib.optimizers import (
    Adam,
    adagrad_step,
    adam_step,
    gd_step,
    momentum_step,
    nesterov_step,
    rmsprop_step,
)

from ..cases import Case
from ..registry import Explanation, Method, Mistake, registrar
from ._gen import beta, learning_rate, params_dict, randn, uniform, w_dw

register = registrar("07_optimizers")

# ---- shared input generators -------------------------------------------------------------


def _velocity(rng: np.random.Generator, i: int, shape: tuple[int, int]) -> np.ndarray:
    """Zero (a fresh state) in case 0, then a state left by earlier steps."""
    if i % 3 == 0:
        return np.zeros(shape)
    return randn(rng, *shape, scale=0.3)


def _square_avg(rng: np.random.Generator, i: int, shape: tuple[int, int]) -> np.ndarray:
    """A non-negative running average of squared gradients (0 in case 0 and at [0, 0])."""
    if i % 3 == 0:
        return np.zeros(shape)
    s = np.abs(randn(rng, *shape)) * 0.5
    s[0, 0] = 0.0
    return s


# ---- gd_step ----------------------------------------------------------------


def _gd_case(rng: np.random.Generator, i: int) -> Case:
    w, dw = w_dw(rng)
    return Case((w, dw, learning_rate(rng)), names=("w", "dw", "lr"))


def _gd_plus(w, dw, lr):
    return w + lr * dw


def _gd_no_lr(w, dw, lr):
    return w - dw


def _gd_step_only(w, dw, lr):
    return -lr * dw


def _gd_over_lr(w, dw, lr):
    return w - dw / lr


def _gd_swapped(w, dw, lr):
    return dw - lr * w


register("gd_step", gd_step, _gd_case, summary="gradient descent step w - α·dw", mistakes=(
    Mistake("wrong_sign", "Gradient descent goes DOWNHILL: subtract the step, w - lr * dw. Adding "
            "it climbs the cost.", _gd_plus),
    Mistake("missing_learning_rate", "The step is lr * dw: the gradient alone is usually far too "
            "large a step.", _gd_no_lr),
    Mistake("returned_the_step", "Return the updated parameters w - lr * dw, not the step -lr * "
            "dw alone: the caller replaces w with what you return.", _gd_step_only),
    Mistake("divided_by_learning_rate", "Multiply the gradient by the learning rate, w - lr * dw: "
            "dividing by a small lr makes the step huge.", _gd_over_lr),
    Mistake("swapped_w_and_dw", "The roles of w and dw are swapped: the parameters w move by the "
            "gradient dw times lr, w - lr * dw (not dw - lr * w).", _gd_swapped),
))

# ---- momentum_step ----------------------------------------------------------------


def _mom_case(rng: np.random.Generator, i: int) -> Case:
    w, dw = w_dw(rng)
    v = _velocity(rng, i, w.shape)
    return Case((w, dw, v, learning_rate(rng), beta(rng, i)), names=("w", "dw", "v", "lr", "beta"),
                note="v = 0: the first step" if i % 3 == 0 else "")


def _mom_heavy_ball(w, dw, v, lr, beta=0.9):
    v = beta * v + dw
    return w - lr * v, v


def _mom_swapped(w, dw, v, lr, beta=0.9):
    v = (1 - beta) * v + beta * dw
    return w - lr * v, v


def _mom_steps_with_gradient(w, dw, v, lr, beta=0.9):
    v = beta * v + (1 - beta) * dw
    return w - lr * dw, v


def _mom_old_velocity(w, dw, v, lr, beta=0.9):
    w_new = w - lr * v
    return w_new, beta * v + (1 - beta) * dw


def _mom_returns_old_v(w, dw, v, lr, beta=0.9):
    v_new = beta * v + (1 - beta) * dw
    return w - lr * v_new, v


def _mom_lr_inside(w, dw, v, lr, beta=0.9):
    v = beta * v + lr * dw
    return w - v, v


register("momentum_step", momentum_step, _mom_case,
         summary="momentum (EMA form): v = βv + (1-β)dw, w - α·v", mistakes=(
    Mistake("heavy_ball_form", "This is the heavy-ball form v = βv + dw. The exercise asks for "
            "the EMA form v = βv + (1 - β)·dw (same algorithm, but the learning rate means "
            "something else).", _mom_heavy_ball),
    Mistake("swapped_weights", "The weights are swapped: the old velocity gets β and the new "
            "gradient 1 - β, v = β·v + (1 - β)·dw.", _mom_swapped),
    Mistake("stepped_with_gradient", "The velocity was computed but not used: the update is w - "
            "lr * v_new, not w - lr * dw.", _mom_steps_with_gradient),
    Mistake("stepped_with_old_velocity", "The step used the velocity from before this update. "
            "Update v first, then w - lr * v with the new v.", _mom_old_velocity),
    Mistake("returned_old_velocity", "The step is right, but the velocity you return is the old "
            "one: return the updated v = β·v + (1 - β)·dw, the next step needs it.",
            _mom_returns_old_v),
    Mistake("learning_rate_inside_velocity", "This is the form v = β·v + lr·dw, w - v (the "
            "learning rate inside the velocity). The exercise's EMA form is v = β·v + (1 - β)·dw, "
            "then w - lr·v.", _mom_lr_inside),
))

# ---- nesterov_step ----------------------------------------------------------------


def _nes_plain_momentum(w, dw, v, lr, beta=0.9):
    v = beta * v + (1 - beta) * dw
    return w - lr * v, v


def _nes_heavy_ball(w, dw, v, lr, beta=0.9):
    v = beta * v + dw
    return w - lr * (beta * v + dw), v


def _nes_undamped_gradient(w, dw, v, lr, beta=0.9):
    v = beta * v + (1 - beta) * dw
    return w - lr * (beta * v + dw), v


def _nes_returns_old_v(w, dw, v, lr, beta=0.9):
    v_new = beta * v + (1 - beta) * dw
    return w - lr * (beta * v_new + (1 - beta) * dw), v


def _nes_stores_look_ahead(w, dw, v, lr, beta=0.9):
    v_new = beta * v + (1 - beta) * dw
    look_ahead = beta * v_new + (1 - beta) * dw
    return w - lr * look_ahead, look_ahead


def _nes_expl_no_gradient_term(reference, expected, w, dw, v, lr, beta=0.9):
    _, v_new = expected
    return w - lr * beta * v_new, v_new


def _nes_expl_old_velocity_look_ahead(reference, expected, w, dw, v, lr, beta=0.9):
    _, v_new = expected
    return w - lr * (beta * v + (1 - beta) * dw), v_new


register("nesterov_step", nesterov_step, _mom_case, points=2,
         summary="Nesterov momentum (EMA form): w - α·(βv_new + (1-β)dw)", mistakes=(
    Mistake("plain_momentum", "This is plain momentum (w - lr * v_new). Nesterov steps with the "
            "look-ahead β·v_new + (1 - β)·dw: the velocity once more, plus this step's gradient.",
            _nes_plain_momentum),
    Mistake("heavy_ball_form", "This is the heavy-ball form (v = βv + dw). Use the EMA form: g = "
            "(1 - β)·dw, v_new = β·v + g, w - lr·(β·v_new + g).", _nes_heavy_ball),
    Mistake("undamped_gradient", "The gradient term of the look-ahead must be (1 - β)·dw, the "
            "same damped gradient that went into v: w - lr·(β·v_new + (1 - β)·dw).",
            _nes_undamped_gradient),
    Mistake("returned_old_velocity", "The step is right, but return the UPDATED velocity v_new = "
            "β·v + (1 - β)·dw, not the one you were given.", _nes_returns_old_v),
    Mistake("stored_the_look_ahead", "The step is right, but the state to return is the velocity "
            "v_new = β·v + (1 - β)·dw, not the look-ahead β·v_new + (1 - β)·dw you stepped with.",
            _nes_stores_look_ahead),
), explanations=(
    Explanation("look_ahead_without_gradient", "the look-ahead without its gradient term: w − "
                "lr·β·v_new, where the step is w − lr·(β·v_new + (1 − β)·dw)",
                _nes_expl_no_gradient_term),
    Explanation("look_ahead_with_old_velocity", "the look-ahead took the velocity from before "
                "its update (β·v instead of β·v_new)", _nes_expl_old_velocity_look_ahead),
))

# ---- adagrad_step ----------------------------------------------------------------


def _ada_case(rng: np.random.Generator, i: int) -> Case:
    w, dw = w_dw(rng)
    h = _square_avg(rng, i, w.shape) * (1 + 4 * (i % 3))  # sums grow
    eps = 1e-8 if i % 2 == 0 else 1e-7
    return Case((w, dw, h, learning_rate(rng), eps), names=("w", "dw", "h", "lr", "eps"),
                note="h = 0: the first step" if i % 3 == 0 else "")


def _ada_no_accumulation(w, dw, h, lr, eps=1e-8):
    h = dw * dw
    return w - lr * dw / (np.sqrt(h) + eps), h


def _ada_eps_inside(w, dw, h, lr, eps=1e-8):
    h = h + dw * dw
    return w - lr * dw / np.sqrt(h + eps), h


def _ada_no_sqrt(w, dw, h, lr, eps=1e-8):
    h = h + dw * dw
    return w - lr * dw / (h + eps), h


def _ada_returns_old_h(w, dw, h, lr, eps=1e-8):
    h_new = h + dw * dw
    return w - lr * dw / (np.sqrt(h_new) + eps), h


def _ada_old_h_in_step(w, dw, h, lr, eps=1e-8):
    return w - lr * dw / (np.sqrt(h) + eps), h + dw * dw


def _ada_expl_unsquared(reference, expected, w, dw, h, lr, eps=1e-8):
    h_new = h + dw
    return w - lr * dw / (np.sqrt(h_new) + eps), h_new


def _ada_expl_stored_root(reference, expected, w, dw, h, lr, eps=1e-8):
    w_new, h_new = expected
    return w_new, np.sqrt(h_new)


register("adagrad_step", adagrad_step, _ada_case, summary="AdaGrad: h = h + dw², w - α·dw/(√h + ε)",
         mistakes=(
    Mistake("no_accumulation", "h must ADD UP all squared gradients, h = h + dw², not just hold "
            "the last one: that sum is what makes AdaGrad's steps shrink.", _ada_no_accumulation),
    Mistake("eps_inside_sqrt", "ε goes after the square root: dw / (√h + ε). Inside, √(h + ε), it "
            "changes the step wherever gradients are tiny.", _ada_eps_inside),
    Mistake("no_square_root", "Divide by the square root of h, √h + ε, not by h itself.",
            _ada_no_sqrt),
    Mistake("returned_old_accumulator", "The step is right, but return the UPDATED sum h + dw²: "
            "the next step must see this gradient too.", _ada_returns_old_h),
    Mistake("stepped_with_old_accumulator", "The step divided by the sum from BEFORE this "
            "gradient. Add dw² to h first, then divide by √h_new + ε (with h = 0 at the first "
            "step, the old sum divides by ε alone).", _ada_old_h_in_step),
), explanations=(
    Explanation("accumulated_unsquared_gradient", "dw added to h instead of its square dw²",
                _ada_expl_unsquared),
    Explanation("stored_the_root", "the square root √h returned as the state instead of the sum "
                "h itself (take the root in the step only)", _ada_expl_stored_root),
))

# ---- rmsprop_step ----------------------------------------------------------------
# Its mistakes and explanations mirror AdaGrad's above on purpose (the same state and
# step, with an EWMA of dw² where AdaGrad keeps a sum): a student makes the same slips in
# both, and each hint is worded for its own formula.


def _rms_case(rng: np.random.Generator, i: int) -> Case:
    w, dw = w_dw(rng)
    s = _square_avg(rng, i, w.shape)
    eps = 1e-8 if i % 2 == 0 else 1e-7
    return Case((w, dw, s, learning_rate(rng), beta(rng, i), eps),
                names=("w", "dw", "s", "lr", "beta", "eps"),
                note="s = 0: the first step" if i % 3 == 0 else "")


def _rms_swapped(w, dw, s, lr, beta=0.9, eps=1e-8):
    s = (1 - beta) * s + beta * dw * dw
    return w - lr * dw / (np.sqrt(s) + eps), s


def _rms_eps_inside(w, dw, s, lr, beta=0.9, eps=1e-8):
    s = beta * s + (1 - beta) * dw * dw
    return w - lr * dw / np.sqrt(s + eps), s


def _rms_no_sqrt(w, dw, s, lr, beta=0.9, eps=1e-8):
    s = beta * s + (1 - beta) * dw * dw
    return w - lr * dw / (s + eps), s


def _rms_old_s(w, dw, s, lr, beta=0.9, eps=1e-8):
    w_new = w - lr * dw / (np.sqrt(s) + eps)
    return w_new, beta * s + (1 - beta) * dw * dw


def _rms_returns_old_s(w, dw, s, lr, beta=0.9, eps=1e-8):
    s_new = beta * s + (1 - beta) * dw * dw
    return w - lr * dw / (np.sqrt(s_new) + eps), s


def _rms_expl_unsquared(reference, expected, w, dw, s, lr, beta=0.9, eps=1e-8):
    s_new = beta * s + (1 - beta) * dw
    return w - lr * dw / (np.sqrt(s_new) + eps), s_new


def _rms_expl_stored_root(reference, expected, w, dw, s, lr, beta=0.9, eps=1e-8):
    w_new, s_new = expected
    return w_new, np.sqrt(s_new)


def _rms_expl_old_state(reference, expected, w, dw, s, lr, beta=0.9, eps=1e-8):
    return w - lr * dw / (np.sqrt(s) + eps), s


# Same layout as gd_step's entry and what follows it (deliberate, see __init__.py).
register("rmsprop_step", rmsprop_step, _rms_case,
         summary="RMSprop: s = βs + (1-β)dw², w - α·dw/(√s + ε)", mistakes=(
    Mistake("swapped_weights", "The weights are swapped: the old average gets β and the new "
            "squared gradient 1 - β, s = β·s + (1 - β)·dw².", _rms_swapped),
    Mistake("eps_inside_sqrt", "ε goes after the square root: dw / (√s + ε), not dw / √(s + ε) "
            "(some sources write both; this course, like PyTorch, puts it after).",
            _rms_eps_inside),
    Mistake("no_square_root", "Divide by the ROOT mean square, √s + ε, not by s.", _rms_no_sqrt),
    Mistake("used_old_average", "The step used s from before this update. Update s with this "
            "gradient first, then divide by √s_new + ε.", _rms_old_s),
    Mistake("returned_old_average", "The step is right, but return the UPDATED average s_new = "
            "β·s + (1 - β)·dw², not the s you were given.", _rms_returns_old_s),
), explanations=(
    Explanation("stepped_and_returned_old_average", "s never updated: the step divided by the s "
                "you were given, and that s was returned", _rms_expl_old_state),
    Explanation("averaged_unsquared_gradient", "dw averaged into s instead of its square dw²",
                _rms_expl_unsquared),
    Explanation("stored_the_root", "the root √s returned as the state instead of the average "
                "s itself (take the root in the step only)", _rms_expl_stored_root),
))

# ---- adam_step ----------------------------------------------------------------


def _adam_case(rng: np.random.Generator, i: int) -> Case:
    w, dw = w_dw(rng)
    kind = i % 3
    if kind == 0:
        v, s, t = np.zeros(w.shape), np.zeros(w.shape), 1
    else:
        v = randn(rng, *w.shape, scale=0.3)
        s = np.abs(randn(rng, *w.shape)) * 0.5
        v[0, 0], s[0, 0] = 0.0, 0.0
        t = int(rng.integers(2, 6)) if kind == 1 else int(rng.integers(10, 200))
    beta1 = 0.9 if kind == 0 else uniform(rng, 0.8, 0.95, 3)
    beta2 = 0.999 if kind == 0 else uniform(rng, 0.95, 0.999, 4)
    eps = 1e-8 if kind == 0 else 1e-7
    return Case((w, dw, v, s, t, learning_rate(rng) / 5, beta1, beta2, eps),
                names=("w", "dw", "v", "s", "t", "lr", "beta1", "beta2", "eps"),
                note="t = 1: the first step" if kind == 0 else "")


def _adam_eps_inside(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    v = beta1 * v + (1 - beta1) * dw
    s = beta2 * s + (1 - beta2) * dw * dw
    v_hat, s_hat = v / (1 - beta1**t), s / (1 - beta2**t)
    return w - lr * v_hat / np.sqrt(s_hat + eps), v, s


def _adam_no_correction(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    v = beta1 * v + (1 - beta1) * dw
    s = beta2 * s + (1 - beta2) * dw * dw
    return w - lr * v / (np.sqrt(s) + eps), v, s


def _adam_one_minus_beta_power(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    v = beta1 * v + (1 - beta1) * dw
    s = beta2 * s + (1 - beta2) * dw * dw
    v_hat, s_hat = v / (1 - beta1) ** t, s / (1 - beta2) ** t
    return w - lr * v_hat / (np.sqrt(s_hat) + eps), v, s


def _adam_t_minus_one(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    v = beta1 * v + (1 - beta1) * dw
    s = beta2 * s + (1 - beta2) * dw * dw
    v_hat = v / (1 - np.float64(beta1) ** (t - 1))
    s_hat = s / (1 - np.float64(beta2) ** (t - 1))
    return w - lr * v_hat / (np.sqrt(s_hat) + eps), v, s


def _adam_stores_corrected(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    v = beta1 * v + (1 - beta1) * dw
    s = beta2 * s + (1 - beta2) * dw * dw
    v, s = v / (1 - beta1**t), s / (1 - beta2**t)
    return w - lr * v / (np.sqrt(s) + eps), v, s


def _adam_order(w, dw, v, s, t, lr, beta1, beta2, eps, *, old_v=False, old_s=False,
                correct_v=True, correct_s=True):
    """One Adam step in which the step may use the moments from before their update
    (``old_v``, ``old_s``) or skip one bias correction; returns (w_new, v_new, s_new)."""
    v_new = beta1 * v + (1 - beta1) * dw
    s_new = beta2 * s + (1 - beta2) * dw * dw
    v_used, s_used = (v if old_v else v_new), (s if old_s else s_new)
    if correct_v:
        v_used = v_used / (1 - np.float64(beta1) ** t)
    if correct_s:
        s_used = s_used / (1 - np.float64(beta2) ** t)
    return w - lr * v_used / (np.sqrt(s_used) + eps), v_new, s_new


def _adam_expl(**flags):
    def explain(reference, expected, w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        return _adam_order(w, dw, v, s, t, lr, beta1, beta2, eps, **flags)
    return explain


def _adam_expl_old_state(reference, expected, w, dw, v, s, t, lr, beta1=0.9, beta2=0.999,
                         eps=1e-8):
    w_new, _, _ = _adam_order(w, dw, v, s, t, lr, beta1, beta2, eps, old_v=True, old_s=True)
    return w_new, v, s


#: Kinds of error of an Adam step whose parts are computed in the wrong order (or one
#: correction skipped), shared by adam_step and update_parameters_with_adam.
_ADAM_ORDER = (
    ("stepped_before_moments", "the parameters updated before the moments: the step used v "
     "and s from before this gradient", {"old_v": True, "old_s": True}),
    ("stepped_with_old_first_moment", "the step used v from before its update (s was "
     "updated first)", {"old_v": True}),
    ("stepped_with_old_second_moment", "the step used s from before its update (v was "
     "updated first)", {"old_s": True}),
    ("first_moment_only_corrected", "only v bias-corrected: ŝ = s / (1 − β2^t) is missing "
     "from the step", {"correct_s": False}),
    ("second_moment_only_corrected", "only s bias-corrected: v̂ = v / (1 − β1^t) is missing "
     "from the step", {"correct_v": False}),
)


register("adam_step", adam_step, _adam_case, points=2,
         summary="Adam update of one parameter array (bias correction, t from 1, ε after √)",
         mistakes=(
    Mistake("eps_inside_sqrt", "ε goes after the square root: v̂ / (√ŝ + ε), not v̂ / √(ŝ + ε).",
            _adam_eps_inside),
    Mistake("no_bias_correction", "The bias correction is missing: divide v by 1 - β1^t and s by "
            "1 - β2^t before the step (it matters most for small t).", _adam_no_correction),
    Mistake("one_minus_beta_power", "The correction factors are 1 - β1^t and 1 - β2^t (one minus "
            "a power of β), not (1 - β1)^t and (1 - β2)^t (a common typo).",
            _adam_one_minus_beta_power),
    Mistake("t_minus_one", "The correction used t - 1. t is this update's number and counts from "
            "1: the first update divides by 1 - β^1.", _adam_t_minus_one),
    Mistake("stored_corrected_averages", "The returned state holds the bias-corrected v̂ and ŝ. "
            "Return the plain v and s: the correction is applied to the values used in the step "
            "only, never fed back.", _adam_stores_corrected),
), explanations=(
    *(Explanation(name, text, _adam_expl(**flags)) for name, text, flags in _ADAM_ORDER),
    Explanation("moments_never_updated", "v and s never updated: the step used the moments "
                "you were given, and they were returned unchanged", _adam_expl_old_state),
))

# ---- initialize_adam_state ----------------------------------------------------------------


def _params(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """W1, b1, ..., WL, bL for 1 to 3 layers of 2 to 5 units; small non-zero biases."""
    return params_dict(rng, int(rng.integers(1, 4)), 2, 5, bias_scale=0.1)


def initialize_adam_state(params):
    """Reference: Adam's fresh state {"v": zeros, "s": zeros, "t": 0} (the function form of
    Adam().init)."""
    return Adam().init(params)


def _init_case(rng: np.random.Generator, i: int) -> Case:
    return Case((_params(rng),), names=("params",))


def _init_t_one(params):
    return {"v": {k: np.zeros_like(w) for k, w in params.items()},
            "s": {k: np.zeros_like(w) for k, w in params.items()}, "t": 1}


def _init_copies_params(params):
    return {"v": dict(params), "s": dict(params), "t": 0}


def _init_weights_only(params):
    return {"v": {k: np.zeros_like(w) for k, w in params.items() if k.startswith("W")},
            "s": {k: np.zeros_like(w) for k, w in params.items() if k.startswith("W")}, "t": 0}


def _init_scalars(params):
    return {"v": {k: 0 for k in params}, "s": {k: 0 for k in params}, "t": 0}


def _init_gradient_keys(params):
    return {"v": {"d" + k: np.zeros_like(w) for k, w in params.items()},
            "s": {"d" + k: np.zeros_like(w) for k, w in params.items()}, "t": 0}


register("initialize_adam_state", initialize_adam_state, _init_case,
         implements=(Adam, Method(Adam, "init")),
         summary='Adam\'s initial state {"v": zeros, "s": zeros, "t": 0}', mistakes=(
    Mistake("t_starts_at_one", "The counter starts at t = 0 (no update done yet); the update "
            "increments it first, so the first update uses t = 1.", _init_t_one),
    Mistake("copied_parameters", "v and s must start at ZERO, with the shapes of the parameters: "
            "np.zeros_like(params[k]), not the parameters themselves.", _init_copies_params),
    Mistake("weights_only", "Every parameter gets its own averages: the biases b too, not only "
            "the weights W. Loop over all keys of params.", _init_weights_only),
    Mistake("scalar_zeros", "Each average is an ARRAY of zeros shaped like its parameter "
            "(np.zeros_like(params[k])), not the number 0.", _init_scalars),
    Mistake("gradient_key_names", "Key v and s like the parameters (W1, b1, ...), not like the "
            "gradients (dW1, db1, ...): update_parameters_with_adam looks them up with the keys of "
            "params.", _init_gradient_keys),
))

# ---- update_parameters_with_adam ----------------------------------------------------------------


def update_parameters_with_adam(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """Reference: Adam(lr, beta1, beta2, eps).update(params, grads, state) (the function form
    of the method)."""
    return Adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps).update(params, grads, state)


def _update_case(rng: np.random.Generator, i: int) -> Case:
    params = _params(rng)
    grads = {k: randn(rng, *w.shape) for k, w in params.items()}
    grads["W1"][0, 0] = 1e-6  # a tiny gradient: where ε goes matters there
    kind = i % 3
    if kind == 0:
        state = {"v": {k: np.zeros_like(w) for k, w in params.items()},
                 "s": {k: np.zeros_like(w) for k, w in params.items()}, "t": 0}
        beta1, beta2, eps = 0.9, 0.999, 1e-8
    else:
        v = {k: randn(rng, *w.shape, scale=0.3) for k, w in params.items()}
        s = {k: np.abs(randn(rng, *w.shape)) * 0.5 for k, w in params.items()}
        v["W1"][0, 0], s["W1"][0, 0] = 0.0, 0.0
        t = int(rng.integers(1, 5)) if kind == 1 else int(rng.integers(10, 100))
        state = {"v": v, "s": s, "t": t}
        beta1 = uniform(rng, 0.8, 0.95, 3)
        beta2 = uniform(rng, 0.95, 0.999, 4)
        eps = 1e-7
    lr = uniform(rng, 0.001, 0.1, 4)
    return Case((params, grads, state, lr, beta1, beta2, eps),
                names=("params", "grads", "state", "lr", "beta1", "beta2", "eps"),
                note="a fresh state (t = 0)" if kind == 0 else f"state after {state['t']} updates")


def _adam_dict(params, grads, state, lr, beta1, beta2, eps, *, t_used=None, t_stored=None,
               eps_inside=False, correct=True, store_corrected=False):
    t = state["t"] + 1
    tu = t if t_used is None else t_used
    new_p, new_v, new_s = {}, {}, {}
    for k, w in params.items():
        v = beta1 * state["v"][k] + (1 - beta1) * grads[k]
        s = beta2 * state["s"][k] + (1 - beta2) * grads[k] ** 2
        v_hat = v / (1 - np.float64(beta1) ** tu) if correct else v
        s_hat = s / (1 - np.float64(beta2) ** tu) if correct else s
        den = np.sqrt(s_hat + eps) if eps_inside else np.sqrt(s_hat) + eps
        new_p[k] = w - lr * v_hat / den
        new_v[k], new_s[k] = (v_hat, s_hat) if store_corrected else (v, s)
    return new_p, {"v": new_v, "s": new_s, "t": t if t_stored is None else t_stored}


def _upd_t_not_stored(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam_dict(params, grads, state, lr, beta1, beta2, eps, t_stored=state["t"])


def _upd_old_t(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam_dict(params, grads, state, lr, beta1, beta2, eps, t_used=state["t"])


def _upd_eps_inside(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam_dict(params, grads, state, lr, beta1, beta2, eps, eps_inside=True)


def _upd_no_correction(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam_dict(params, grads, state, lr, beta1, beta2, eps, correct=False)


def _upd_store_corrected(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam_dict(params, grads, state, lr, beta1, beta2, eps, store_corrected=True)


def _upd_expl(**flags):
    def explain(reference, expected, params, grads, state, lr, beta1=0.9, beta2=0.999,
                eps=1e-8):
        t = state["t"] + 1
        new_p, new_v, new_s = {}, {}, {}
        for k, w in params.items():
            new_p[k], new_v[k], new_s[k] = _adam_order(
                w, grads[k], state["v"][k], state["s"][k], t, lr, beta1, beta2, eps, **flags)
        return new_p, {"v": new_v, "s": new_s, "t": t}
    return explain


register("update_parameters_with_adam", update_parameters_with_adam, _update_case, points=3,
         depends_on=("adam_step",), implements=(Adam, Method(Adam, "update"), adam_step),
         summary="one Adam step on every parameter: returns (new_params, new_state)", mistakes=(
    Mistake("t_not_stored", "The returned state still holds the old t: increment the counter and "
            "store it, new_state['t'] = state['t'] + 1, or every later step repeats the first "
            "one's bias correction.", _upd_t_not_stored),
    Mistake("t_incremented_after_use", "The bias correction used the OLD counter. Increment t "
            "first: the first update (state['t'] == 0) must use t = 1, otherwise 1 - β^0 = 0 "
            "divides by zero.", _upd_old_t),
    Mistake("eps_inside_sqrt", "ε goes after the square root: v̂ / (√ŝ + ε).", _upd_eps_inside),
    Mistake("no_bias_correction", "The bias correction is missing: v̂ = v / (1 - β1^t), ŝ = s / "
            "(1 - β2^t).", _upd_no_correction),
    Mistake("stored_corrected_averages", "The new state holds the bias-corrected v̂ and ŝ. Store "
            "the plain averages v and s; correct only the values used in the step.",
            _upd_store_corrected),
), explanations=tuple(Explanation(name, text, _upd_expl(**flags))
                      for name, text, flags in _ADAM_ORDER))

"""Exercises of 03_regularization: L2, inverted dropout, L1, early stopping."""

from __future__ import annotations

import numpy as np

from course_lib.dropout import dropout_backward as _lib_dropout_backward
from course_lib.dropout import dropout_forward as _lib_dropout_forward
from course_lib.dropout import dropout_mask
from course_lib.early_stopping import early_stopping
from course_lib.losses import l1_penalty, l1_penalty_grad, l2_penalty, l2_penalty_grad
from course_lib.network import backward, compute_cost
from course_lib.training import train

from ..cases import Case, Rng
from ..registry import Mistake, registrar
from ._gen import dims, params_dict, randn, seed, uniform

register = registrar("03_regularization")


def _is_weight(key: str) -> bool:
    return key.startswith("W")


# ---- compute_cost_with_l2 -----------------------------------------------------------


def compute_cost_with_l2(cross_entropy_cost, params, lambd, m):
    """Reference: J = cross-entropy + (λ/2m) Σ_l ‖W[l]‖²_F over the weights only (adapts
    l2_penalty, which takes the list of weight arrays)."""
    weights = [v for k, v in params.items() if _is_weight(k)]
    return cross_entropy_cost + l2_penalty(weights, lambd, m)


def _cost_case(rng: np.random.Generator, i: int) -> Case:
    L = [1, 3, 2][i % 3] if i < 3 else dims(rng, 1, 4)
    m = int(rng.integers(5, 200))
    lambd = [0.7, 0.1, 2.5][i % 3]
    ce = uniform(rng, 0.1, 1.0)
    return Case((ce, params_dict(rng, L), lambd, m),
                names=("cross_entropy_cost", "params", "lambd", "m"))


def _cost_lambda_over_m(cross_entropy_cost, params, lambd, m):
    return cross_entropy_cost + lambd / m * sum(
        np.sum(v ** 2) for k, v in params.items() if _is_weight(k))


def _cost_no_m(cross_entropy_cost, params, lambd, m):
    return cross_entropy_cost + lambd / 2 * sum(
        np.sum(v ** 2) for k, v in params.items() if _is_weight(k))


def _cost_with_biases(cross_entropy_cost, params, lambd, m):
    return cross_entropy_cost + lambd / (2 * m) * sum(np.sum(v ** 2) for v in params.values())


def _cost_norm_not_squared(cross_entropy_cost, params, lambd, m):
    return cross_entropy_cost + lambd / (2 * m) * sum(
        np.linalg.norm(v) for k, v in params.items() if _is_weight(k))


def _cost_penalty_only(cross_entropy_cost, params, lambd, m):
    return lambd / (2 * m) * sum(np.sum(v ** 2) for k, v in params.items() if _is_weight(k))


def _cost_sum_not_squares(cross_entropy_cost, params, lambd, m):
    return cross_entropy_cost + lambd / (2 * m) * sum(
        np.sum(v) for k, v in params.items() if _is_weight(k))


register("compute_cost_with_l2", compute_cost_with_l2, _cost_case,
         implements=(l2_penalty, compute_cost),
         summary="cross-entropy cost plus the L2 penalty (λ/2m) Σ ‖W[l]‖²_F", mistakes=(
    Mistake("lambda_over_m", "The penalty is (λ/2m) Σ‖W‖²: you used λ/m. The 2 is there so that "
            "the derivative of W² (2W) gives the simple gradient (λ/m) W.", _cost_lambda_over_m),
    Mistake("forgot_one_over_m", "The penalty is divided by m like the cross-entropy average: (λ "
            "/ (2 m)) Σ‖W‖², not (λ/2) Σ‖W‖².", _cost_no_m),
    Mistake("penalized_biases", "L2 regularization acts on the weights W1..WL only: skip the "
            "biases (keys starting with 'b'). A bias is one number per unit and hardly adds to "
            "the model's flexibility.", _cost_with_biases),
    Mistake("norm_not_squared", "‖W‖²_F is the SQUARED Frobenius norm, the sum of the squares of "
            "the entries: np.sum(np.square(W)), not np.linalg.norm(W).", _cost_norm_not_squared),
    Mistake("forgot_the_cross_entropy", "Return the whole cost: the cross-entropy PLUS the "
            "penalty, not the penalty alone.", _cost_penalty_only),
    Mistake("summed_weights_not_squares", "Sum the SQUARES of the weights, np.sum(np.square(W)): "
            "np.sum(W) lets positive and negative weights cancel, and is not a norm.",
            _cost_sum_not_squares),
))

# ---- add_l2_gradient ------------------------------------------------------------------


def add_l2_gradient(grads, params, lambd, m):
    """Reference: a new dict with dW[l] + (λ/m) W[l]; bias gradients unchanged (adapts
    l2_penalty_grad, which takes one weight array)."""
    return {k: g + l2_penalty_grad(params[k], lambd, m) if _is_weight(k) else g.copy()
            for k, g in grads.items()}


def _grad_case(rng: np.random.Generator, i: int) -> Case:
    L = [2, 1, 3][i % 3] if i < 3 else dims(rng, 1, 3)
    params = params_dict(rng, L)
    grads = {k: randn(rng, *v.shape, scale=0.1) for k, v in params.items()}
    m = int(rng.integers(5, 100))
    lambd = [0.7, 2.0, 0.05][i % 3]
    return Case((grads, params, lambd, m), names=("grads", "params", "lambd", "m"))


def _grad_with_biases(grads, params, lambd, m):
    return {k: g + lambd / m * params[k] for k, g in grads.items()}


def _grad_half(grads, params, lambd, m):
    return {k: g + lambd / (2 * m) * params[k] if _is_weight(k) else g.copy()
            for k, g in grads.items()}


def _grad_no_m(grads, params, lambd, m):
    return {k: g + lambd * params[k] if _is_weight(k) else g.copy() for k, g in grads.items()}


def _grad_subtracted(grads, params, lambd, m):
    return {k: g - lambd / m * params[k] if _is_weight(k) else g.copy()
            for k, g in grads.items()}


def _grad_dropped_biases(grads, params, lambd, m):
    return {k: g + lambd / m * params[k] for k, g in grads.items() if _is_weight(k)}


register("add_l2_gradient", add_l2_gradient, _grad_case, points=2,
         implements=(l2_penalty_grad, backward),
         summary="add the L2 term (λ/m) W[l] to every weight gradient (biases unchanged)",
         mistakes=(
    Mistake("regularized_biases", "Only the weights are regularized, so only dW gets the extra "
            "(λ/m) W; the bias gradients db stay as they are.", _grad_with_biases),
    Mistake("half_the_gradient", "The derivative of (λ/2m) W² is (λ/m) W: the 2 of the square "
            "cancels the 1/2. You added (λ/2m) W.", _grad_half),
    Mistake("forgot_one_over_m", "The penalty is (λ/2m) Σ‖W‖², so its gradient is (λ/m) W — with "
            "the 1/m.", _grad_no_m),
    Mistake("wrong_sign", "The penalty INCREASES with |W|, so its gradient (λ/m) W is added to "
            "dW; gradient descent then shrinks W (weight decay).", _grad_subtracted),
    Mistake("dropped_bias_gradients", "The result must keep every key of grads: the bias "
            "gradients are returned unchanged, not left out.", _grad_dropped_biases),
))

# ---- dropout_forward ------------------------------------------------------------------


def dropout_forward(A, keep_prob, rng):
    """Reference: (A * D / keep_prob, D) with D = rng.random(A.shape) < keep_prob (adapts
    course_lib's dropout_forward, whose cache is the pair (D, keep_prob))."""
    A_out, (D, _) = _lib_dropout_forward(A, keep_prob, rng)
    return A_out, D


_KEEP_PROBS = (0.8, 0.5, 0.9)


def _drop_fwd_case(rng: np.random.Generator, i: int) -> Case:
    n, m = dims(rng, 3, 8), dims(rng, 4, 12)
    A = np.abs(randn(rng, n, m)) + 0.1  # activations of a ReLU layer (positive)
    kp = _KEEP_PROBS[i % 3] if i < 3 else float(rng.choice([0.5, 0.6, 0.7, 0.8, 0.9]))
    return Case((A, kp, Rng(seed(rng))), names=("A", "keep_prob", "rng"))


def _drop_greater(A, keep_prob, rng):
    D = rng.random(A.shape) > keep_prob
    return A * D / keep_prob, D


def _drop_no_scaling(A, keep_prob, rng):
    D = rng.random(A.shape) < keep_prob
    return A * D, D


def _drop_times_kp(A, keep_prob, rng):
    D = rng.random(A.shape) < keep_prob
    return A * D * keep_prob, D


def _drop_randn(A, keep_prob, rng):
    D = rng.standard_normal(A.shape) < keep_prob
    return A * D / keep_prob, D


def _drop_per_unit(A, keep_prob, rng):
    D = rng.random((A.shape[0], 1)) < keep_prob
    return A * D / keep_prob, D


def _drop_drop_prob(A, keep_prob, rng):
    D = rng.random(A.shape) < 1 - keep_prob
    return A * D / keep_prob, D


register("dropout_forward", dropout_forward, _drop_fwd_case, points=2,
         implements=(_lib_dropout_forward, dropout_mask),
         summary="inverted dropout: mask D = rng.random(A.shape) < keep_prob, A·D/keep_prob",
         mistakes=(
    Mistake("mask_keeps_wrong_units", "rng.random(A.shape) > keep_prob keeps a unit with "
            "probability 1 - keep_prob. Keep it when the uniform number is BELOW keep_prob: D = "
            "rng.random(A.shape) < keep_prob.", _drop_greater),
    Mistake("no_rescaling", "Inverted dropout divides the kept activations by keep_prob, so that "
            "the expected value of every unit is unchanged (and nothing has to be rescaled at "
            "test time).", _drop_no_scaling),
    Mistake("multiplied_by_keep_prob", "Divide by keep_prob, do not multiply: the mask already "
            "scaled the expected value down by keep_prob, and the division restores it.",
            _drop_times_kp),
    Mistake("normal_instead_of_uniform", "The mask needs UNIFORM numbers in [0, 1): "
            "rng.random(A.shape). With rng.standard_normal, P(N(0,1) < keep_prob) is not "
            "keep_prob (it is about 0.79 for keep_prob = 0.8).", _drop_randn),
    Mistake("one_mask_per_unit", "Draw one mask entry per unit AND per example, "
            "rng.random(A.shape): each example sees a different thinned network. A mask of shape "
            "(n, 1) drops the same units for the whole batch.", _drop_per_unit),
    Mistake("mask_with_drop_probability", "rng.random(A.shape) < 1 - keep_prob keeps each unit "
            "with probability 1 - keep_prob, the probability of DROPPING it. Keep a unit when its "
            "uniform number is below keep_prob: D = rng.random(A.shape) < keep_prob.",
            _drop_drop_prob),
))

# ---- dropout_backward -----------------------------------------------------------------


def dropout_backward(dA, D, keep_prob):
    """Reference: dA * D / keep_prob with the forward pass's mask (course_lib's, whose
    cache is the pair (D, keep_prob))."""
    return _lib_dropout_backward(dA, (D, keep_prob))


def _drop_bwd_case(rng: np.random.Generator, i: int) -> Case:
    n, m = dims(rng, 3, 8), dims(rng, 4, 12)
    kp = _KEEP_PROBS[i % 3] if i < 3 else float(rng.choice([0.5, 0.6, 0.7, 0.8, 0.9]))
    D = rng.random((n, m)) < kp
    D[0, 0], D[-1, -1] = True, False  # at least one kept and one dropped unit
    return Case((randn(rng, n, m), D, kp), names=("dA", "D", "keep_prob"))


def _bwd_no_scaling(dA, D, keep_prob):
    return dA * D


def _bwd_times_kp(dA, D, keep_prob):
    return dA * D * keep_prob


def _bwd_no_mask(dA, D, keep_prob):
    return dA / keep_prob


def _bwd_inverted_mask(dA, D, keep_prob):
    return dA * (1 - D) / keep_prob


def _bwd_drop_prob(dA, D, keep_prob):
    return dA * D / (1 - keep_prob)


register("dropout_backward", dropout_backward, _drop_bwd_case, implements=(_lib_dropout_backward,),
         summary="backward through inverted dropout: dA·D/keep_prob with the forward mask",
         mistakes=(
    Mistake("no_rescaling", "The forward pass computed A·D/keep_prob, so the derivative also "
            "carries the factor 1/keep_prob: dA·D/keep_prob.", _bwd_no_scaling),
    Mistake("multiplied_by_keep_prob", "Divide by keep_prob as in the forward pass, do not "
            "multiply.", _bwd_times_kp),
    Mistake("forgot_the_mask", "A dropped unit did not contribute to the output, so its gradient "
            "is 0: multiply by the SAME mask D as in the forward pass.", _bwd_no_mask),
    Mistake("inverted_mask", "D is True for the units that were KEPT: multiply by D, not by 1 - D.",
            _bwd_inverted_mask),
    Mistake("divided_by_drop_probability", "Divide by keep_prob, the probability of KEEPING a "
            "unit (as in the forward pass), not by 1 - keep_prob.", _bwd_drop_prob),
))

# ---- l1_penalty_and_grad --------------------------------------------------------------


def l1_penalty_and_grad(W, lambd, m):
    """Reference: ((λ/2m) Σ|W|, (λ/2m) sign(W)) with sign(0) = 0 (course_lib computes the
    two separately)."""
    return l1_penalty([W], lambd, m), l1_penalty_grad(W, lambd, m)


def _l1_case(rng: np.random.Generator, i: int) -> Case:
    n, k = dims(rng, 2, 6), dims(rng, 3, 7)
    W = randn(rng, n, k)
    W[0, 0] = 0.0  # L1 drives weights to exactly 0: the subgradient there must be 0
    W[-1, -1] = -abs(W[-1, -1]) - 0.1
    m = int(rng.integers(5, 100))
    lambd = [0.7, 3.0, 0.2][i % 3]
    return Case((W, lambd, m), names=("W", "lambd", "m"))


def _l1_lambda_over_m(W, lambd, m):
    return lambd / m * np.abs(W).sum(), lambd / m * np.sign(W)


def _l1_grad_lambda_over_m(W, lambd, m):
    return lambd / (2 * m) * np.abs(W).sum(), lambd / m * np.sign(W)


def _l1_sign_zero_plus(W, lambd, m):
    return lambd / (2 * m) * np.abs(W).sum(), lambd / (2 * m) * np.where(W >= 0, 1.0, -1.0)


def _l1_divide_by_abs(W, lambd, m):
    with np.errstate(invalid="ignore", divide="ignore"):
        return lambd / (2 * m) * np.abs(W).sum(), lambd / (2 * m) * (W / np.abs(W))


def _l1_l2_gradient(W, lambd, m):
    return lambd / (2 * m) * np.abs(W).sum(), lambd / m * W


# Same layout as compute_cost_with_l2's entry (deliberate, see __init__.py).
register("l1_penalty_and_grad", l1_penalty_and_grad, _l1_case, points=2,
         implements=(l1_penalty, l1_penalty_grad),
         summary="L1 penalty (λ/2m) Σ|W| and its subgradient (λ/2m) sign(W)", mistakes=(
    Mistake("lambda_over_m", "The course writes the L1 term with the same factor as L2, (λ/2m) "
            "Σ|W|, and its subgradient is (λ/2m) sign(W). You used λ/m.", _l1_lambda_over_m),
    Mistake("gradient_copied_from_l2", "The derivative of (λ/2m)|w| is (λ/2m)·sign(w): unlike w², "
            "|w| brings no factor 2 to cancel the 1/2. You used λ/m.", _l1_grad_lambda_over_m),
    Mistake("sign_of_zero", "|w| has no derivative at w = 0; the course takes the subgradient 0 "
            "there (np.sign(0) = 0). np.where(W >= 0, 1, -1) pushes zero weights away from 0.",
            _l1_sign_zero_plus),
    Mistake("nan_at_zero", "W / np.abs(W) divides 0 by 0 for weights that are exactly 0 and gives "
            "NaN. Use np.sign(W), which is 0 at 0.", _l1_divide_by_abs),
    Mistake("l2_gradient", "(λ/m) W is the gradient of the L2 penalty. The L1 penalty's "
            "subgradient does not depend on the size of w, only on its sign: (λ/2m) sign(W).",
            _l1_l2_gradient),
))

# ---- early_stopping -------------------------------------------------------------------


def _es_case(rng: np.random.Generator, i: int) -> Case:
    kind = i % 3
    patience = int(rng.integers(2, 6))
    n_down = int(rng.integers(5, 10))
    down = list(np.cumsum(-rng.uniform(0.02, 0.1, n_down)) + 1.0)
    min_delta = 0.0
    if kind == 0:
        # the best value comes back two epochs later (a tie is NOT an improvement), the
        # cost rises for longer than the patience, then dips below the best (after the stop)
        best = down[-1]
        rise = list(best + np.cumsum(rng.uniform(0.005, 0.03, patience + 3)))
        costs = [*down, best + 0.01, best, *rise, best - 0.05, best - 0.06]
    elif kind == 1:
        # improvements smaller than min_delta after the big ones, then a rise; min_delta
        # is halfway between two steps of the 1e-4 grid of the rounded costs, so no cost
        # lands exactly on best - min_delta (where `cost < best - d` and
        # `best - cost > d` can differ by rounding)
        min_delta = 0.01005
        small = list(down[-1] - np.cumsum(rng.uniform(0.001, 0.004, patience + 2)))
        rise = list(small[-1] + np.cumsum(rng.uniform(0.01, 0.03, 3)))
        costs = down + small + rise
    else:
        # noisy but improving: bumps shorter than the patience, so training never stops
        costs = []
        c = 1.0
        for _ in range(int(rng.integers(10, 20))):
            c -= float(rng.uniform(0.01, 0.05))
            costs.append(c)
            if rng.random() < 0.4:
                costs += [c + float(rng.uniform(0.001, 0.02))] * (patience - 1)
    costs = [round(float(c), 4) for c in costs]
    return Case((costs, patience, min_delta), names=("dev_costs", "patience", "min_delta"))


def _es_loop(dev_costs, patience, min_delta, improved, stop_rule, start=0):
    best, best_epoch, bad = np.inf, None, 0
    for epoch, cost in enumerate(dev_costs, start):
        if improved(cost, best, min_delta):
            best, best_epoch, bad = cost, epoch, 0
        else:
            bad += 1
        if stop_rule(bad, patience):
            return epoch, best_epoch
    return len(dev_costs) - 1 + start, best_epoch


def _strict(cost, best, min_delta):
    return cost < best - min_delta


def _stop(bad, patience):
    return bad >= patience


def _es_last_as_best(dev_costs, patience, min_delta=0.0):
    stop, _ = _es_loop(dev_costs, patience, min_delta, _strict, _stop)
    return stop, stop


def _es_off_by_one(dev_costs, patience, min_delta=0.0):
    return _es_loop(dev_costs, patience, min_delta, _strict, lambda b, p: b > p)


def _es_ties_improve(dev_costs, patience, min_delta=0.0):
    return _es_loop(dev_costs, patience, min_delta, lambda c, b, d: c <= b - d, _stop)


def _es_no_min_delta(dev_costs, patience, min_delta=0.0):
    return _es_loop(dev_costs, patience, min_delta, lambda c, b, d: c < b, _stop)


def _es_argmin_everything(dev_costs, patience, min_delta=0.0):
    stop, _ = _es_loop(dev_costs, patience, min_delta, _strict, _stop)
    return stop, int(np.argmin(dev_costs))


def _es_from_one(dev_costs, patience, min_delta=0.0):
    return _es_loop(dev_costs, patience, min_delta, _strict, _stop, start=1)


register("early_stopping", early_stopping, _es_case, points=2, implements=(train,),
         summary="(stop_epoch, best_epoch) from a sequence of dev costs with patience", mistakes=(
    Mistake("returned_last_epoch_as_best", "best_epoch is the epoch of the lowest dev cost (the "
            "parameters you keep), not the epoch where training stopped: by then the dev cost has "
            "been getting worse for `patience` epochs.", _es_last_as_best),
    Mistake("patience_off_by_one", "Stop as soon as `patience` consecutive epochs brought no "
            "improvement (bad >= patience), not one epoch later.", _es_off_by_one),
    Mistake("tie_counts_as_improvement", "An improvement must be strictly better than the best "
            "cost minus min_delta (cost < best - min_delta): an equal cost is not an improvement "
            "and must not reset the patience.", _es_ties_improve),
    Mistake("ignored_min_delta", "A cost counts as an improvement only when it is lower than best "
            "- min_delta; tiny decreases below min_delta do not reset the patience.",
            _es_no_min_delta),
    Mistake("looked_past_the_stop", "best_epoch must come from the epochs actually run (up to the "
            "stop). np.argmin over the whole sequence uses dev costs the training would never "
            "have seen.", _es_argmin_everything),
    Mistake("epochs_counted_from_one", "Epochs are counted from 0: the first dev cost belongs to "
            "epoch 0 (enumerate(dev_costs), not enumerate(dev_costs, 1)).", _es_from_one),
))

"""Exercises of 03_regularization: L2, inverted dropout, a whole network with both, L1,
early stopping."""

from __future__ import annotations

import numpy as np

from course_lib.dropout import dropout_backward as _lib_dropout_backward
from course_lib.dropout import dropout_forward as _lib_dropout_forward
from course_lib.dropout import dropout_mask
from course_lib.early_stopping import early_stopping
from course_lib.losses import l1_penalty, l1_penalty_grad, l2_penalty, l2_penalty_grad
from course_lib.network import Network, backward, compute_cost, forward
from course_lib.training import train

from ..cases import Case, Rng
from ..registry import Mistake, registrar
from ._gen import dims, labels, params_dict, randn, seed, uniform, variant

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

# ---- regularized_forward --------------------------------------------------------------
#
# A whole network: X -> [Linear -> ReLU -> dropout] x (L-1) -> Linear (logits). The
# notebook's cache is one flat dict: "A0" = X, then for every hidden layer l "Z{l}" (before
# the ReLU), "D{l}" (the boolean mask, all True when keep_probs[l-1] = 1) and "A{l}" (after
# dropout: what layer l+1 receives), and "Z{L}" (the logits).


def regularized_forward(X, params, keep_probs, rng):
    """Reference: (ZL, cache) of an L-layer ReLU network with inverted dropout after hidden
    layer l (keep_probs[l-1]; a layer with keep_prob 1 draws no mask). Adapts course_lib's
    forward, whose caches are per-layer tuples (linear, batch norm, activation, dropout) and
    hold A = ReLU(Z) rather than Z: the notebook's cache is the flat dict described above.
    (check=False: the notebook's training demo calls it 2400 times when the student's
    answer is missing; the cases are the registry's own.)"""
    L = len(keep_probs) + 1
    dims_ = (X.shape[0], *(params[f"W{l}"].shape[0] for l in range(1, L + 1)))
    net = Network(dims_, keep_probs=tuple(keep_probs))
    ZL, caches, _ = forward(net, params, X, training=True, rng=rng, check=False)
    cache = {"A0": X}
    for l in range(1, L):
        A_prev, W, _ = caches[l - 1][0]
        dropout_cache = caches[l - 1][3]
        cache[f"Z{l}"] = W @ A_prev + params[f"b{l}"]
        cache[f"D{l}"] = (dropout_cache[0] if dropout_cache is not None
                          else np.ones(cache[f"Z{l}"].shape, dtype=bool))
        cache[f"A{l}"] = caches[l][0][0]  # the next layer's input: after dropout
    cache[f"Z{L}"] = ZL
    return ZL, cache


# keep_probs of the visible cases: a layer without dropout BEFORE a layer with dropout
# (a mask drawn for it would shift every later mask), different values per layer.
_NET_KEEP_PROBS = ((1.0, 0.6, 0.8), (0.7, 0.9), (0.5,))


def _net_inputs(rng: np.random.Generator, i: int):
    """X (n0, m), He-scaled params of a network with hidden layers of 3 to 6 units (every
    ReLU is active for some examples and not for others), keep_probs, an Rng seed."""
    if i < 3:
        keep_probs = _NET_KEEP_PROBS[i]
    else:
        keep_probs = tuple(float(k) for k in rng.choice(
            [0.5, 0.6, 0.7, 0.8, 0.9, 1.0], size=dims(rng, 1, 3)))
        if all(k == 1.0 for k in keep_probs):
            keep_probs = (*keep_probs[:-1], 0.75)
    L = len(keep_probs) + 1
    sizes = [dims(rng, 2, 5), *(dims(rng, 3, 6) for _ in range(L - 1)), 1]
    m = dims(rng, 4, 9)
    X = randn(rng, sizes[0], m)
    params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = randn(rng, sizes[l], sizes[l - 1], scale=np.sqrt(2 / sizes[l - 1]))
        params[f"b{l}"] = randn(rng, sizes[l], 1, scale=0.3)
    return X, params, keep_probs, seed(rng)


def _reg_fwd_case(rng: np.random.Generator, i: int) -> Case:
    X, params, keep_probs, s = _net_inputs(rng, i)
    return Case((X, params, keep_probs, Rng(s)), names=("X", "params", "keep_probs", "rng"),
                note=f"{len(keep_probs)} hidden layer(s), keep_probs {keep_probs}")


def _fwd_generic(X, params, keep_probs, rng, *, scale=True, mask_every_layer=False,
                 drop_output=False, cache_before_dropout=False, output=None, greater=False,
                 masks_only_where_dropped=False, where="after_relu"):
    L = len(keep_probs) + 1
    cache = {"A0": X}
    A = X
    for l in range(1, L):
        kp = keep_probs[l - 1]
        D = np.ones(A.shape if where == "inputs" else (params[f"W{l}"].shape[0], X.shape[1]),
                    dtype=bool)
        if kp < 1.0 or mask_every_layer:
            u = rng.random(D.shape)
            D = u > kp if greater else u < kp
        def drop(V, D=D, kp=kp):
            return V * D / kp if scale else V * D
        if where == "inputs":      # dropout on the layer's input (X included), not its output
            A = drop(A)
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        if where == "before_relu":  # dropout on Z, and the dropped Z cached
            Z = drop(Z)
        A_relu = np.maximum(Z, 0)
        A = drop(A_relu) if where == "after_relu" else A_relu
        cache[f"Z{l}"] = Z
        if kp < 1.0 or not masks_only_where_dropped:
            cache[f"D{l}"] = D
        cache[f"A{l}"] = A_relu if cache_before_dropout else A
    ZL = params[f"W{L}"] @ A + params[f"b{L}"]
    if drop_output:
        kp = keep_probs[-1]
        ZL = ZL * (rng.random(ZL.shape) < kp) / kp
    if output is not None:
        ZL = output(ZL)
    cache[f"Z{L}"] = ZL
    return ZL, cache


def _sigmoid(Z):
    return 1.0 / (1.0 + np.exp(-Z))


def _relu(Z):
    return np.maximum(Z, 0)


# Same layout as regularized_backward's entry, nb10's batchnorm_forward and nb12's
# prepare_data: one variant(_fwd_generic, flag=...) per mistake (deliberate, see __init__.py).
register("regularized_forward", regularized_forward, _reg_fwd_case, points=3,
         visible_cases=3, hidden_cases=10, implements=(forward, _lib_dropout_forward, dropout_mask),
         summary="forward pass of an L-layer ReLU network with inverted dropout after every "
                 "hidden layer (its own keep_prob), returning the logits and the cache",
         mistakes=(
    Mistake("no_rescaling", "After the mask, divide by keep_prob: A = A * D / keep_prob. "
            "Without the division every later layer receives activations keep_prob times "
            "smaller on average than at test time, when dropout is off.",
            variant(_fwd_generic, scale=False)),
    Mistake("mask_drawn_for_every_layer", "A layer whose keep_prob is 1 has no dropout: draw "
            "nothing from rng for it (its mask is all True). Drawing one anyway consumes random "
            "numbers, and every later layer gets another mask than the one the course's "
            "network draws.", variant(_fwd_generic, mask_every_layer=True)),
    Mistake("dropout_on_the_output", "Dropout is for the hidden layers only: the output "
            "layer's logits Z[L] = W[L] A[L-1] + b[L] are returned as they are. Dropping output "
            "units would randomly erase predictions.", variant(_fwd_generic, drop_output=True)),
    Mistake("cached_activation_before_dropout", "cache['A{l}'] must be the activation AFTER "
            "dropout, A * D / keep_prob: it is what layer l+1 multiplies by W[l+1], so it is what "
            "the backward pass needs for dW[l+1].",
            variant(_fwd_generic, cache_before_dropout=True)),
    Mistake("returned_probabilities", "Return the LOGITS Z[L] = W[L] A[L-1] + b[L], not "
            "σ(Z[L]): the cost and the backward pass start from the logits.",
            variant(_fwd_generic, output=_sigmoid)),
    Mistake("relu_on_the_logits", "The output layer is linear: no ReLU on Z[L] (it would turn "
            "every negative logit into 0, a probability of one half).",
            variant(_fwd_generic, output=_relu)),
    Mistake("mask_keeps_wrong_units", "Keep a unit when its uniform number is BELOW keep_prob: "
            "D = rng.random(A.shape) < keep_prob (with > you keep it with probability "
            "1 - keep_prob).", variant(_fwd_generic, greater=True)),
    Mistake("dropout_on_the_inputs", "Dropout comes AFTER a hidden layer's ReLU, on the "
            "activations it passes on: A[l] = ReLU(Z[l]) * D[l] / keep_probs[l-1]. Dropping the "
            "inputs of each layer instead drops X itself and leaves the last hidden layer "
            "without dropout.", variant(_fwd_generic, where="inputs")),
    Mistake("dropout_before_the_relu", "Apply dropout to the activations A = ReLU(Z), after "
            "the ReLU, and keep cache['Z{l}'] = W[l] A[l-1] + b[l] as the linear step computed "
            "it (the backward pass needs the sign of that Z).",
            variant(_fwd_generic, where="before_relu")),
    Mistake("no_mask_for_layers_without_dropout", "The cache holds a mask 'D{l}' for EVERY "
            "hidden layer: for a layer with keep_prob 1 it is all True, "
            "np.ones(A.shape, dtype=bool) (drawn from nothing), so the backward pass can treat "
            "every layer alike.", variant(_fwd_generic, masks_only_where_dropped=True)),
))

# ---- regularized_backward -------------------------------------------------------------


def regularized_backward(Y, params, cache, keep_probs, lambd):
    """Reference: the gradients of J = binary cross-entropy of σ(Z[L]) + (λ/2m) Σ ‖W[l]‖²
    through the dropout masks of the cache, keyed like params (grads["W1"] = ∂J/∂W1).
    Adapts course_lib's backward, whose caches are per-layer tuples (linear, batch norm,
    activation, dropout): it rebuilds them from the notebook's flat dict (check=False, as
    in regularized_forward)."""
    L = len(keep_probs) + 1
    dims_ = (cache["A0"].shape[0], *(params[f"W{l}"].shape[0] for l in range(1, L + 1)))
    net = Network(dims_, keep_probs=tuple(keep_probs), regularization="l2", lambd=lambd)
    caches = []
    for l in range(1, L):
        kp = keep_probs[l - 1]
        caches.append(((cache[f"A{l - 1}"], params[f"W{l}"], True), None,
                       np.maximum(cache[f"Z{l}"], 0),
                       (cache[f"D{l}"], kp) if kp < 1.0 else None))
    caches.append(((cache[f"A{L - 1}"], params[f"W{L}"], True), None, None, None))
    return backward(net, params, cache[f"Z{L}"], Y, caches, check=False)


def _reg_bwd_case(rng: np.random.Generator, i: int) -> Case:
    X, params, keep_probs, s = _net_inputs(rng, i)
    _, cache = regularized_forward(X, params, keep_probs, np.random.default_rng(s))
    Y = labels(rng, X.shape[1]).astype(np.float64)
    Y[0, 0], Y[0, -1] = 0.0, 1.0  # both classes
    lambd = [0.7, 0.3, 1.5][i % 3] if i < 3 else uniform(rng, 0.05, 2.0, 2)
    return Case((Y, params, cache, keep_probs, lambd),
                names=("Y", "params", "cache", "keep_probs", "lambd"),
                note=f"{len(keep_probs)} hidden layer(s), keep_probs {keep_probs}")


def _bwd_generic(Y, params, cache, keep_probs, lambd, *, dropout="ok", l2_factor=1.0,
                 l2_biases=False, per_example=False, m_twice=False, no_sigmoid=False,
                 relu_grad=True):
    L = len(keep_probs) + 1
    m = Y.shape[1]
    ZL = cache[f"Z{L}"]
    dZ = (ZL if no_sigmoid else _sigmoid(ZL)) - Y
    if m_twice:
        dZ = dZ / m
    scale = 1.0 if per_example else 1.0 / m
    grads = {}
    for l in range(L, 0, -1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        l2 = lambd * W if l2_factor is None else l2_factor * lambd / m * W
        grads[f"W{l}"] = scale * dZ @ cache[f"A{l - 1}"].T + l2
        grads[f"b{l}"] = scale * dZ.sum(axis=1, keepdims=True)
        if l2_biases:
            grads[f"b{l}"] = grads[f"b{l}"] + lambd / m * b
        if l > 1:
            dA = W.T @ dZ
            D, kp = cache[f"D{l - 1}"], keep_probs[l - 2]
            if dropout == "ok":
                dA = dA * D / kp
            elif dropout == "no_rescaling":
                dA = dA * D
            elif dropout == "no_mask":
                dA = dA / kp
            dZ = dA * (cache[f"Z{l - 1}"] > 0) if relu_grad else dA
    return {k: grads[k] for k in params}


# Same layout as regularized_forward's entry and nb09's samplers (deliberate, see
# __init__.py).
register("regularized_backward", regularized_backward, _reg_bwd_case, points=3,
         visible_cases=3, hidden_cases=10, depends_on=("regularized_forward",),
         implements=(backward, _lib_dropout_backward, l2_penalty_grad),
         summary="backward pass of the same network: gradients of the cross-entropy plus the "
                 "L2 penalty, through the dropout masks of the forward pass",
         mistakes=(
    Mistake("no_rescaling", "The forward pass divided the kept activations by keep_prob, so "
            "the gradient flowing back into them is divided too: dA * D / keep_prob.",
            variant(_bwd_generic, dropout="no_rescaling")),
    Mistake("forgot_the_mask", "A unit dropped in the forward pass did not influence the cost: "
            "its gradient is 0. Multiply dA by the SAME mask as the forward pass, "
            "cache['D{l}'], before dividing by keep_prob.",
            variant(_bwd_generic, dropout="no_mask")),
    Mistake("no_dropout_in_backward", "The backward pass goes back through dropout too: after "
            "dA[l] = W[l+1]ᵀ dZ[l+1], apply the forward pass's mask and scale, dA * D / "
            "keep_prob, before the ReLU's derivative.",
            variant(_bwd_generic, dropout="none")),
    Mistake("half_the_l2_gradient", "The derivative of (λ/2m)‖W‖² is (λ/m) W: the 2 of the "
            "square cancels the 1/2. You added (λ/2m) W.", variant(_bwd_generic, l2_factor=0.5)),
    Mistake("l2_gradient_without_one_over_m", "The penalty (λ/2m) Σ‖W‖² is divided by m like "
            "the cross-entropy, so its gradient is (λ/m) W, not λ W.",
            variant(_bwd_generic, l2_factor=None)),
    Mistake("forgot_the_l2_term", "J includes the penalty (λ/2m) Σ‖W[l]‖², so every dW[l] "
            "gets its gradient (λ/m) W[l] on top of the cross-entropy's.",
            variant(_bwd_generic, l2_factor=0.0)),
    Mistake("forgot_the_relu_derivative", "Between dA[l] and dZ[l] comes the ReLU's "
            "derivative: dZ[l] = dA[l] * (Z[l] > 0), with Z[l] from the cache. Units whose Z "
            "was negative get no gradient.", variant(_bwd_generic, relu_grad=False)),
    Mistake("regularized_biases", "L2 acts on the weights only: db[l] is the cross-entropy's "
            "gradient alone, with no (λ/m) b[l].", variant(_bwd_generic, l2_biases=True)),
    Mistake("divided_by_m_twice", "Divide by m once: either dZ[L] = (σ(Z[L]) − Y) / m and then "
            "dW = dZ A_prevᵀ, or dZ[L] = σ(Z[L]) − Y and dW = (1/m) dZ A_prevᵀ, not both.",
            variant(_bwd_generic, m_twice=True)),
    Mistake("forgot_one_over_m", "The cost averages over the m examples, so dW[l] = (1/m) dZ[l] "
            "A[l-1]ᵀ and db[l] = (1/m) Σ dZ[l] (sum over the examples, axis 1).",
            variant(_bwd_generic, per_example=True)),
    Mistake("forgot_the_sigmoid", "Z[L] holds logits: the gradient of the cross-entropy with "
            "respect to them is σ(Z[L]) − Y, not Z[L] − Y.",
            variant(_bwd_generic, no_sigmoid=True)),
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

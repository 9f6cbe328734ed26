"""Exercises of 10_batch_normalization: forward, backward, running statistics, test time,
a network, and layer normalization (the extension).

The notebook's cache of ``batchnorm_forward`` is ``(Z_hat, gamma, mu, var, eps)``.
"""

from __future__ import annotations

import numpy as np

from course_lib import batchnorm as _bn
from course_lib import layernorm as _ln
from course_lib.activations import relu as _relu
from course_lib.activations import softmax as _act_softmax
from course_lib.network import Network, forward

from ..cases import Case
from ..compare import Tolerance
from ..registry import Mistake, registrar
from ._gen import dims, randn, variant

register = registrar("10_batch_normalization")

_TOL = Tolerance(rtol=1e-6, atol=1e-9)


def _bn_inputs(rng: np.random.Generator, i: int):
    """Z (n, m) with rows of very different scales (one tiny), gamma, beta, eps."""
    n, m = dims(rng, 2, 6), dims(rng, 3, 12)
    scales = rng.uniform(0.5, 5.0, size=(n, 1))
    scales[0, 0] = 0.01                       # a unit whose z barely varies: var ~ 1e-4
    Z = randn(rng, n, m) * scales + rng.uniform(-3, 3, size=(n, 1))
    gamma = rng.uniform(0.5, 2.0, size=(n, 1)) * rng.choice([-1.0, 1.0], size=(n, 1))
    beta = randn(rng, n, 1)
    eps = [1e-5, 1e-3, 1e-4][i % 3]
    return Z, gamma, beta, eps


def _notebook_cache(lib_cache, eps):
    """The notebook's cache of batch and layer norm, (Z_hat, gamma, mu, var, eps), from
    course_lib's, (Z_hat, gamma, inv_std, mu, var)."""
    Z_hat, gamma, _, mu, var = lib_cache
    return Z_hat, gamma, mu, var, eps


def _lib_cache(cache):
    """course_lib's cache from the notebook's (the inverse of :func:`_notebook_cache`)."""
    Z_hat, gamma, mu, var, eps = cache
    return Z_hat, gamma, 1.0 / np.sqrt(var + eps), mu, var


def _bwd_case_of(inputs, forward):
    """The backward pass's case maker: the cache of ``forward`` on ``inputs(rng, i)``, then
    a random dout."""

    def make_case(rng: np.random.Generator, i: int) -> Case:
        Z, gamma, beta, eps = inputs(rng, i)
        _, cache = forward(Z, gamma, beta, eps)
        dout = randn(rng, *Z.shape)
        note = f"cache = (Z_hat, gamma, mu, var, eps) from {forward.__name__}"
        return Case((dout, cache), names=("dout", "cache"),
                    note=note + ("; a batch of one example" if Z.shape[1] == 1 else ""))

    make_case.__qualname__ = f"_bwd_case_of({inputs.__name__}, {forward.__name__})"
    return make_case


# ---- batchnorm_forward -------------------------------------------------------------


def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    """Reference: (out, cache) with the notebook's cache (Z_hat, gamma, mu, var, eps); adapts
    course_lib's, whose cache is (Z_hat, gamma, inv_std, mu, var)."""
    out, lib_cache = _bn.batchnorm_forward(Z, gamma, beta, eps)
    return out, _notebook_cache(lib_cache, eps)


def _fwd_case(rng: np.random.Generator, i: int) -> Case:
    Z, gamma, beta, eps = _bn_inputs(rng, i)
    return Case((Z, gamma, beta, eps), names=("Z", "gamma", "beta", "eps"))


def _fwd_generic(Z, gamma, beta, eps=1e-5, *, ddof=0, eps_outside=False, axis=1,
                 no_sqrt=False, no_affine=False, keepdims=True):
    mu = Z.mean(axis=axis, keepdims=keepdims)
    var = Z.var(axis=axis, ddof=ddof, keepdims=keepdims)
    if no_sqrt:
        den = var + eps
    elif eps_outside:
        den = np.sqrt(var) + eps
    else:
        den = np.sqrt(var + eps)
    Z_hat = (Z - mu) / den
    out = Z_hat if no_affine else gamma * Z_hat + beta
    return out, (Z_hat, gamma, mu, var, eps)


# The wrong forward passes batch norm and layer norm share (layer norm's are _fwd_generic
# with the statistics down each column): name -> (hint, switches of _fwd_generic).
_SHARED_FWD = {
    "eps_outside_sqrt": ("ε goes inside the square root: (Z - μ) / np.sqrt(var + eps), not / "
                         "(np.sqrt(var) + eps). It matters where the values barely vary (a "
                         "variance near 0).", {"eps_outside": True}),
    "divided_by_variance": ("Divide by the standard deviation √(σ² + ε), not by the variance "
                            "σ² + ε.", {"no_sqrt": True}),
    "no_scale_and_shift": ("After normalizing, scale and shift with the per-unit parameters: "
                           "out = gamma * Z_hat + beta (γ and β are learned, so a layer can "
                           "undo the normalization if it helps).", {"no_affine": True}),
}


def _shared_fwd_mistakes(generic) -> tuple[Mistake, ...]:
    """The mistakes of :data:`_SHARED_FWD`, made by ``generic`` (``_fwd_generic`` or layer
    norm's ``_ln_fwd_generic``)."""
    return tuple(Mistake(name, hint, variant(generic, **flags))
                 for name, (hint, flags) in _SHARED_FWD.items())


register("batchnorm_forward", batchnorm_forward, _fwd_case, points=2, tolerance=_TOL,
         implements=(_bn.batchnorm_forward,),
         summary="training-mode batch norm of Z: (out, (Z_hat, gamma, mu, var, eps))", mistakes=(
    Mistake("unbiased_variance", "The variance of batch norm divides by m (np.var's default, "
            "ddof=0), not by m - 1: use Z.var(axis=1, keepdims=True).",
            variant(_fwd_generic, ddof=1)),
    Mistake("statistics_over_units", "μ and σ² are taken over the examples of the mini-batch "
            "(axis=1, one value per unit), not over the units (axis=0).",
            variant(_fwd_generic, axis=0)),
    *_shared_fwd_mistakes(_fwd_generic),
))

# ---- batchnorm_backward ------------------------------------------------------------


def batchnorm_backward(dout, cache):
    """Reference: course_lib's batchnorm_backward, (dZ, dgamma, dbeta), on the notebook's
    cache turned into course_lib's."""
    return _bn.batchnorm_backward(dout, _lib_cache(cache))


_FORGOT_GAMMA = ("Going back through z̃ = γ ẑ + β multiplies by γ: dZ_hat = gamma * dout, "
                 "before the normalization's backward step.")  # batch and layer norm's


def _bwd_generic(dout, cache, *, dgamma_sum=False, dbeta_sum=False, constants=False,
                 no_gamma=False, dz_over_m=False):
    Z_hat, gamma, _mu, var, eps = cache
    m = dout.shape[1]
    inv_std = 1.0 / np.sqrt(var + eps)
    dbeta = dout.sum(axis=1, keepdims=True) / (1 if dbeta_sum else m)
    dgamma = (dout * Z_hat).sum(axis=1, keepdims=True) / (1 if dgamma_sum else m)
    g = 1.0 if no_gamma else gamma
    dZ_hat = g * dout
    if constants:
        dZ = dZ_hat * inv_std
    else:
        dZ = inv_std * (dZ_hat - dZ_hat.mean(axis=1, keepdims=True)
                        - Z_hat * (dZ_hat * Z_hat).mean(axis=1, keepdims=True))
    if dz_over_m:
        dZ = dZ / m
    return dZ, dgamma, dbeta


register("batchnorm_backward", batchnorm_backward, _bwd_case_of(_bn_inputs, batchnorm_forward),
         points=3, tolerance=_TOL,
         depends_on=("batchnorm_forward",),
         implements=(_bn.batchnorm_backward, _bn.batchnorm_backward_graph),
         summary="backward pass of batch norm: (dZ, dgamma, dbeta)", mistakes=(
    Mistake("dgamma_without_1_over_m", "dγ is a gradient of the cost J = (1/m) Σ L, like dW: "
            "average over the examples, np.mean(dout * Z_hat, axis=1, keepdims=True), not the sum.",
            variant(_bwd_generic, dgamma_sum=True)),
    Mistake("dbeta_without_1_over_m", "dβ is a gradient of the cost: the MEAN of dout over the "
            "examples, not its sum.", variant(_bwd_generic, dbeta_sum=True)),
    Mistake("mu_and_var_as_constants", "μ and σ² depend on every z of the batch, so dZ has two "
            "more terms: dZ = (dZ_hat - mean(dZ_hat) - Z_hat · mean(dZ_hat · Z_hat)) / √(σ²+ε), "
            "with dZ_hat = gamma * dout.", variant(_bwd_generic, constants=True)),
    Mistake("forgot_gamma", _FORGOT_GAMMA, variant(_bwd_generic, no_gamma=True)),
    Mistake("dZ_divided_by_m", "dZ is per example in this course (like dZ = Ŷ - Y): no 1/m. Only "
            "the parameter gradients dγ, dβ (and dW, db) carry the 1/m.",
            variant(_bwd_generic, dz_over_m=True)),
))

# ---- update_running_stats ----------------------------------------------------------


def _run_case(rng: np.random.Generator, i: int) -> Case:
    n = dims(rng, 2, 7)
    running_mean = randn(rng, n, 1)
    running_var = rng.uniform(0.2, 3.0, size=(n, 1))
    mu = randn(rng, n, 1) * 2
    var = rng.uniform(0.1, 5.0, size=(n, 1))
    beta = [0.9, 0.99, 0.8, 0.95][i % 4]
    return Case((running_mean, running_var, mu, var, beta),
                names=("running_mean", "running_var", "mu", "var", "beta"))


def _run_swapped(running_mean, running_var, mu, var, beta=0.9):
    return ((1 - beta) * running_mean + beta * mu, (1 - beta) * running_var + beta * var)


def _run_last_batch(running_mean, running_var, mu, var, beta=0.9):
    return mu.copy(), var.copy()


def _run_no_one_minus(running_mean, running_var, mu, var, beta=0.9):
    return beta * running_mean + mu, beta * running_var + var


def _run_mean_only(running_mean, running_var, mu, var, beta=0.9):
    return beta * running_mean + (1 - beta) * mu, running_var.copy()


def _run_halfway(running_mean, running_var, mu, var, beta=0.9):
    return (running_mean + mu) / 2, (running_var + var) / 2


register("update_running_stats", _bn.update_running_stats, _run_case, tolerance=_TOL,
         summary="one EWMA step of the running mean and variance", mistakes=(
    Mistake("weights_swapped", "The old average keeps the big weight: running = beta * running + "
            "(1 - beta) * batch. With beta = 0.9 the new batch counts for 10 %.", _run_swapped),
    Mistake("last_batch_only", "Returning the batch's μ and σ² forgets every earlier batch. The "
            "running statistics are an exponentially weighted average over the batches.",
            _run_last_batch),
    Mistake("missing_one_minus_beta", "The new batch is weighted by (1 - beta): without it the "
            "average keeps growing instead of staying on the scale of μ and σ².",
            _run_no_one_minus),
    Mistake("variance_left_unchanged", "The running variance needs the same update as the running "
            "mean: running_var = beta * running_var + (1 - beta) * var.", _run_mean_only),
    Mistake("averaged_the_two", "(running + batch) / 2 weights the new batch by 1/2 whatever beta "
            "is. Use beta: running = beta * running + (1 - beta) * batch.", _run_halfway),
))

# ---- batchnorm_forward_eval --------------------------------------------------------


def _eval_case(rng: np.random.Generator, i: int) -> Case:
    Z, gamma, beta, eps = _bn_inputs(rng, i)
    n = Z.shape[0]
    if i % 3 == 1:
        Z = Z[:, :1]                           # one example at test time
    running_mean = randn(rng, n, 1) * 2
    running_var = rng.uniform(0.3, 4.0, size=(n, 1))
    running_var[0, 0] = 1e-4                   # a unit that barely varies
    return Case((Z, gamma, beta, running_mean, running_var, eps),
                names=("Z", "gamma", "beta", "running_mean", "running_var", "eps"))


def _eval_batch_stats(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    return gamma * (Z - mu) / np.sqrt(var + eps) + beta


def _eval_eps_outside(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (Z - running_mean) / (np.sqrt(running_var) + eps) + beta


def _eval_no_sqrt(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (Z - running_mean) / (running_var + eps) + beta


def _eval_updates_running(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    running_mean *= 0.9
    running_mean += 0.1 * Z.mean(axis=1, keepdims=True)
    running_var *= 0.9
    running_var += 0.1 * Z.var(axis=1, keepdims=True)
    return gamma * (Z - running_mean) / np.sqrt(running_var + eps) + beta


def _eval_no_affine(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return (Z - running_mean) / np.sqrt(running_var + eps)


register("batchnorm_forward_eval", _bn.batchnorm_forward_eval, _eval_case, tolerance=_TOL,
         summary="test-time batch norm with the running statistics", mistakes=(
    Mistake("batch_statistics_at_test_time", "At test time use the running statistics, not the "
            "statistics of the examples you are given: with one example, its own variance is 0 "
            "and every prediction would be β.", _eval_batch_stats),
    Mistake("eps_outside_sqrt", "ε goes inside the square root: np.sqrt(running_var + eps).",
            _eval_eps_outside),
    Mistake("divided_by_variance", "Divide by the standard deviation √(running_var + ε), not by "
            "the variance.", _eval_no_sqrt),
    Mistake("running_stats_updated_at_test_time", "Evaluation must not change the running "
            "statistics: they are updated only by training mini-batches. Do not modify "
            "running_mean and running_var here.", _eval_updates_running),
    Mistake("no_scale_and_shift", "After normalizing, scale and shift with the learned "
            "parameters, as in training: gamma * Z_hat + beta.", _eval_no_affine),
))

# ---- bn_network_forward ------------------------------------------------------------


def bn_network_forward(X, params, state, training):
    """Reference: logits of X -> [Linear -> BN -> ReLU] x 2 -> Linear, and the new state
    (course_lib's forward on the Network those parameters describe)."""
    dims_ = (X.shape[0], params["W1"].shape[0], params["W2"].shape[0], params["W3"].shape[0])
    net = Network(dims_, output="softmax", batch_norm=True)
    ZL, _, new_state = forward(net, params, X, training=training, state=state)
    return ZL, {k: new_state[k] for k in sorted(new_state)}


def _net_case(rng: np.random.Generator, i: int) -> Case:
    n0, n1, n2, C = dims(rng, 3, 6), dims(rng, 3, 7), dims(rng, 3, 7), dims(rng, 2, 4)
    m = dims(rng, 4, 10)
    X = randn(rng, n0, m) * 2 + 1
    params = {}
    for l, (a, b) in enumerate([(n0, n1), (n1, n2), (n2, C)], start=1):
        params[f"W{l}"] = randn(rng, b, a) * np.sqrt(2 / a)
        if l < 3:
            params[f"gamma{l}"] = rng.uniform(0.5, 2.0, size=(b, 1))
            params[f"beta{l}"] = randn(rng, b, 1) * 0.5
        else:
            params["b3"] = randn(rng, C, 1) * 0.1
    state = {}
    for l, n in ((1, n1), (2, n2)):
        state[f"running_mean{l}"] = randn(rng, n, 1)
        state[f"running_var{l}"] = rng.uniform(0.5, 3.0, size=(n, 1))
    training = i % 2 == 0
    return Case((X, params, state, training), names=("X", "params", "state", "training"),
                note="training mode" if training else "evaluation mode")


def _net_generic(X, params, state, training, *, bn_after_act=False, eval_batch_stats=False,
                 update_in_eval=False, no_update=False, eps=1e-5, beta_bn=0.9,
                 output=None):
    new_state = {k: v.copy() for k, v in state.items()}
    A = X
    for l in (1, 2):
        Z = params[f"W{l}"] @ A
        g, b = params[f"gamma{l}"], params[f"beta{l}"]
        if bn_after_act:
            Z = np.maximum(Z, 0)
        mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
        use_batch = training or eval_batch_stats
        if use_batch:
            Zt = g * (Z - mu) / np.sqrt(var + eps) + b
        else:
            Zt = (g * (Z - state[f"running_mean{l}"]) / np.sqrt(state[f"running_var{l}"] + eps)
                  + b)
        if (training and not no_update) or (not training and update_in_eval):
            rm, rv = f"running_mean{l}", f"running_var{l}"
            new_state[rm] = beta_bn * state[rm] + (1 - beta_bn) * mu
            new_state[rv] = beta_bn * state[rv] + (1 - beta_bn) * var
        A = Zt if bn_after_act else np.maximum(Zt, 0)
    Z3 = params["W3"] @ A + params["b3"]
    if output is not None:
        Z3 = output(Z3)
    return Z3, {k: new_state[k] for k in sorted(new_state)}


# Same layout as layernorm_backward's entry, nb09's narrow_range and nb12's prepare_data
# (deliberate: the registry's format, see __init__.py).
register("bn_network_forward", bn_network_forward, _net_case, points=2, tolerance=_TOL,
         visible_cases=4, hidden_cases=10,
         depends_on=("batchnorm_forward", "update_running_stats", "batchnorm_forward_eval"),
         implements=(forward,),
         summary="logits of a 2-hidden-layer network with batch norm, and its new running "
                 "statistics",
         mistakes=(
    Mistake("batch_norm_after_activation", "Batch norm goes on Z, BEFORE the activation: Z = W "
            "A_prev, then z̃ = γ ẑ + β, then A = ReLU(z̃).",
            variant(_net_generic, bn_after_act=True)),
    Mistake("batch_statistics_in_evaluation", "With training=False, normalize with the running "
            "statistics of state (batchnorm_forward_eval), not with the batch's own μ and σ².",
            variant(_net_generic, eval_batch_stats=True)),
    Mistake("running_stats_updated_in_evaluation", "With training=False the state must come back "
            "unchanged: only training mini-batches update the running statistics.",
            variant(_net_generic, update_in_eval=True)),
    Mistake("running_stats_not_updated", "In training mode, update the running statistics of each "
            "batch-norm layer with the batch's μ and σ² (update_running_stats, beta = 0.9) and "
            "return them in the new state.", variant(_net_generic, no_update=True)),
    Mistake("relu_on_the_logits", "The last layer is Linear only: return its logits W3 A2 + b3, "
            "with no ReLU (a ReLU would set every negative logit to 0).",
            variant(_net_generic, output=_relu)),
    Mistake("returned_probabilities", "Return the LOGITS W3 A2 + b3, not their softmax: the "
            "cost takes logits (softmax_cross_entropy_cost).",
            variant(_net_generic, output=_act_softmax)),
))


# ---- layernorm_forward (extension: layer normalization) ---------------------------


def _ln_inputs(rng: np.random.Generator, i: int):
    """Z (n, m) whose examples (columns) have very different means and scales, one of them
    barely varying over its units (var ~ 1e-4: where ε goes matters); case 1, 4, 7, ...
    is a batch of one example. gamma (signs mixed, different per unit), beta, eps."""
    n = dims(rng, 3, 8)
    m = 1 if i % 3 == 1 else dims(rng, 3, 10)
    scales = rng.uniform(0.5, 5.0, size=(1, m))
    scales[0, 0] = 0.01                       # an example whose units barely differ
    Z = randn(rng, n, m) * scales + rng.uniform(-3, 3, size=(1, m))
    gamma = rng.uniform(0.5, 2.0, size=(n, 1)) * rng.choice([-1.0, 1.0], size=(n, 1))
    beta = randn(rng, n, 1)
    eps = [1e-5, 1e-3, 1e-4][i % 3]
    return Z, gamma, beta, eps


def layernorm_forward(Z, gamma, beta, eps=1e-5):
    """Reference: (out, cache) with the notebook's cache (Z_hat, gamma, mu, var, eps), mu and
    var of shape (1, m); adapts course_lib's, whose cache is (Z_hat, gamma, inv_std, mu, var)."""
    out, lib_cache = _ln.layernorm_forward(Z, gamma, beta, eps)
    return out, _notebook_cache(lib_cache, eps)


def _ln_fwd_case(rng: np.random.Generator, i: int) -> Case:
    Z, gamma, beta, eps = _ln_inputs(rng, i)
    return Case((Z, gamma, beta, eps), names=("Z", "gamma", "beta", "eps"),
                note="a batch of one example" if Z.shape[1] == 1 else "")


def _ln_fwd_generic(Z, gamma, beta, eps=1e-5, *, axis=0, **mistakes):
    """Batch norm's wrong forward passes, with the statistics down each column."""
    return _fwd_generic(Z, gamma, beta, eps, axis=axis, **mistakes)


register("layernorm_forward", layernorm_forward, _ln_fwd_case, points=1, tolerance=_TOL,
         implements=(_ln.layernorm_forward,),
         summary="layer norm of Z, each example over its units: (out, (Z_hat, gamma, mu, var, "
                 "eps))", mistakes=(
    Mistake("statistics_over_examples", "That is batch norm: layer norm takes μ and σ² of each "
            "EXAMPLE over its units (axis=0, one value per column, shape (1, m)), not of each unit "
            "over the examples (axis=1). With a batch of one, batch norm's Z - μ is 0.",
            variant(_ln_fwd_generic, axis=1)),
    Mistake("statistics_over_all_entries", "Give the axis: Z.mean() without one averages every "
            "entry of the mini-batch. Layer norm needs one μ and one σ² per example: "
            "Z.mean(axis=0, keepdims=True).", variant(_ln_fwd_generic, axis=None)),
    Mistake("statistics_without_keepdims", "Keep the statistics as rows: mu and var have shape "
            "(1, m) in the cache (Z.mean(axis=0, keepdims=True)), not (m,). Broadcasting hid "
            "it in Z - mu, but the backward pass and any axis=1 code need the 2-D shape.",
            variant(_ln_fwd_generic, keepdims=False)),
    Mistake("unbiased_variance", "The variance divides by n, the number of units (np.var's "
            "default, ddof=0), not by n - 1: use Z.var(axis=0, keepdims=True).",
            variant(_ln_fwd_generic, ddof=1)),
    *_shared_fwd_mistakes(_ln_fwd_generic),
))

# ---- layernorm_backward ------------------------------------------------------------


# Mirrors batchnorm_forward's mistakes and batchnorm_backward's adapter line for line
# (deliberate: layer norm is batch norm with the statistics along the other axis).
def layernorm_backward(dout, cache):
    """Reference: course_lib's layernorm_backward, (dZ, dgamma, dbeta), on the notebook's
    cache turned into course_lib's."""
    return _ln.layernorm_backward(dout, _lib_cache(cache))


def _ln_bwd_generic(dout, cache, *, axis=0, constants=False, no_var_term=False,
                    no_gamma=False, param_axis=1, param_sum=False, param_keepdims=True):
    Z_hat, gamma, _mu, var, eps = cache
    inv_std = 1.0 / np.sqrt(var + eps)
    reduce = np.sum if param_sum else np.mean
    dbeta = reduce(dout, axis=param_axis, keepdims=param_keepdims)
    dgamma = reduce(dout * Z_hat, axis=param_axis, keepdims=param_keepdims)
    dZ_hat = dout if no_gamma else gamma * dout
    if constants:
        dZ = dZ_hat * inv_std
    else:
        dZ = dZ_hat - dZ_hat.mean(axis=axis, keepdims=True)
        if not no_var_term:
            dZ = dZ - Z_hat * (dZ_hat * Z_hat).mean(axis=axis, keepdims=True)
        dZ = dZ * inv_std
    return dZ, dgamma, dbeta


# Same layout as bn_network_forward, nb03's regularized_forward and nb11's accuracy
# (deliberate: the registry's format, see __init__.py).
register("layernorm_backward", layernorm_backward, _bwd_case_of(_ln_inputs, layernorm_forward),
         points=2, tolerance=_TOL,
         depends_on=("layernorm_forward",),
         implements=(_ln.layernorm_backward,),
         summary="backward pass of layer norm: (dZ, dgamma, dbeta)", mistakes=(
    Mistake("mu_and_var_as_constants", "μ and σ² of an example depend on all its units, so dZ "
            "has two more terms, means over the units (axis=0): dZ = (dZ_hat - mean(dZ_hat) - "
            "Z_hat · mean(dZ_hat · Z_hat)) / √(σ²+ε), with dZ_hat = gamma * dout.",
            variant(_ln_bwd_generic, constants=True)),
    Mistake("variance_term_missing", "You kept the term of μ but not the one of σ²: subtract "
            "Z_hat * np.mean(dZ_hat * Z_hat, axis=0, keepdims=True) too.",
            variant(_ln_bwd_generic, no_var_term=True)),
    Mistake("means_over_examples", "That is batch norm's backward: in layer norm μ and σ² are "
            "per example, so the two means in dZ run over the units of each column (axis=0), "
            "not over the examples (axis=1).", variant(_ln_bwd_generic, axis=1)),
    Mistake("forgot_gamma", _FORGOT_GAMMA, variant(_ln_bwd_generic, no_gamma=True)),
    Mistake("parameter_gradients_per_example", "gamma and beta are per unit, shape (n, 1), "
            "shared by all the examples: dgamma and dbeta average over the examples (axis=1), "
            "not over the units (which gives (1, m)).",
            variant(_ln_bwd_generic, param_axis=0)),
    Mistake("parameter_gradients_summed", "dγ and dβ are gradients of the cost J = (1/m) Σ L, "
            "like dW and db: the MEAN over the examples, not the sum.",
            variant(_ln_bwd_generic, param_sum=True)),
    Mistake("parameter_gradients_without_keepdims", "dgamma and dbeta have the shape of gamma "
            "and beta, (n, 1): np.mean(..., axis=1, keepdims=True), not (n,).",
            variant(_ln_bwd_generic, param_keepdims=False)),
))

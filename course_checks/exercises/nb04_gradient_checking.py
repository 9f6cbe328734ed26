"""Exercises of 04_gradient_checking: centered differences, the relative difference,
dict <-> vector, the N-D check of a network, and finding a planted bug.

Every input is plain data: a function J is described by polynomial coefficients, and a
network by ``layer_dims`` (``Network(layer_dims)``: ReLU hidden layers, sigmoid output,
no regularization), so cases can be sent to the sandboxed grader as JSON.
"""

from __future__ import annotations

import numpy as np
from numpy.polynomial import polynomial as P

from course_lib.gradcheck import dict_to_vector as _lib_dict_to_vector
from course_lib.gradcheck import (
    gradient_check,
    gradient_check_1d,
    numerical_gradient,
    numerical_gradient_dict,
    relative_difference,
)
from course_lib.network import Network, backward, compute_cost, forward

from ..cases import Case
from ..compare import Mismatch, Tolerance
from ..registry import Mistake, registrar
from ._gen import dims, params_dict, randn

register = registrar("04_gradient_checking")

# ---- numerical_derivative_1d --------------------------------------------------------


def numerical_derivative_1d(coeffs, theta, eps):
    """Reference: (J(θ+ε) - J(θ-ε)) / (2ε) for J(θ) = Σ_k coeffs[k] θ^k (the notebook's J is
    a polynomial given by its coefficients, so the case is plain data)."""
    J = lambda t: P.polyval(t, coeffs)  # noqa: E731
    return float((J(theta + eps) - J(theta - eps)) / (2 * eps))


def _nd1_case(rng: np.random.Generator, i: int) -> Case:
    degree = [3, 1, 4][i] if i < 3 else dims(rng, 2, 5)
    coeffs = [round(float(c), 3) for c in rng.uniform(-2, 2, degree + 1)]
    if i == 1:  # J(θ) = θ x: a line through 0
        coeffs = [0.0, round(float(rng.uniform(1, 5)), 3)]
    theta = round(float(rng.uniform(-2, 2)), 3)
    eps = [1e-2, 1e-2, 1e-3][i % 3]
    return Case((coeffs, theta, eps), names=("coeffs", "theta", "eps"))


def _nd1_one_sided(coeffs, theta, eps):
    return float((P.polyval(theta + eps, coeffs) - P.polyval(theta, coeffs)) / eps)


def _nd1_over_eps(coeffs, theta, eps):
    return float((P.polyval(theta + eps, coeffs) - P.polyval(theta - eps, coeffs)) / eps)


def _nd1_reversed(coeffs, theta, eps):
    return float((np.polyval(coeffs, theta + eps) - np.polyval(coeffs, theta - eps)) / (2 * eps))


def _nd1_swapped(coeffs, theta, eps):
    return float((P.polyval(theta - eps, coeffs) - P.polyval(theta + eps, coeffs)) / (2 * eps))


def _nd1_precedence(coeffs, theta, eps):
    return float((P.polyval(theta + eps, coeffs) - P.polyval(theta - eps, coeffs)) / 2 * eps)


def _nd1_backward(coeffs, theta, eps):
    return float((P.polyval(theta, coeffs) - P.polyval(theta - eps, coeffs)) / eps)


register("numerical_derivative_1d", numerical_derivative_1d, _nd1_case,
         implements=(numerical_gradient, gradient_check_1d),
         summary="centered difference (J(θ+ε) - J(θ-ε))/(2ε) of a polynomial J", mistakes=(
    Mistake("one_sided_difference", "(J(θ+ε) - J(θ))/ε is the one-sided difference, whose error "
            "shrinks only like ε. Use the centered one, (J(θ+ε) - J(θ-ε))/(2ε), whose error "
            "shrinks like ε².", _nd1_one_sided),
    Mistake("divided_by_eps", "θ+ε and θ-ε are 2ε apart: divide the difference by 2ε, not by ε "
            "(your result is twice the derivative).", _nd1_over_eps),
    Mistake("coefficients_reversed", "coeffs[k] multiplies θ^k (lowest degree first). np.polyval "
            "expects the HIGHEST degree first; use np.polynomial.polynomial.polyval(θ, coeffs) or "
            "a sum over k.", _nd1_reversed),
    Mistake("wrong_sign", "The difference is J(θ+ε) - J(θ-ε), in this order: the result has the "
            "wrong sign.", _nd1_swapped),
    Mistake("operator_precedence", "... / 2 * eps divides by 2 and then MULTIPLIES by ε (Python "
            "reads / and * left to right). Put the denominator in parentheses: / (2 * eps).",
            _nd1_precedence),
    Mistake("backward_difference", "(J(θ) - J(θ-ε))/ε is the one-sided (backward) difference, "
            "whose error shrinks only like ε. Use the centered one, (J(θ+ε) - J(θ-ε))/(2ε).",
            _nd1_backward),
))

# ---- relative_difference --------------------------------------------------------------


def _rd_case(rng: np.random.Generator, i: int) -> Case:
    n = dims(rng, 4, 20)
    scale = float(rng.choice([0.01, 1.0, 30.0])) if i >= 3 else [30.0, 0.01, 1.0][i]
    grad = randn(rng, n, scale=scale)
    noise = [1e-5, 0.3, 1e-9][i % 3] if i < 6 else float(rng.choice([1e-9, 1e-5, 1e-2, 1.0]))
    approx = grad + noise * randn(rng, n, scale=scale)
    if i == 2:  # 2-D arrays: the norm of all entries
        grad, approx = grad[: n // 2 * 2].reshape(2, -1), approx[: n // 2 * 2].reshape(2, -1)
    return Case((grad, approx), names=("grad", "gradapprox"))


def _rd_absolute(grad, gradapprox):
    return float(np.linalg.norm(grad - gradapprox))


def _rd_l1(grad, gradapprox):
    return float(np.sum(np.abs(grad - gradapprox))
                 / (np.sum(np.abs(grad)) + np.sum(np.abs(gradapprox))))


def _rd_norm_of_sum(grad, gradapprox):
    return float(np.linalg.norm(grad - gradapprox) / np.linalg.norm(grad + gradapprox))


def _rd_only_grad(grad, gradapprox):
    return float(np.linalg.norm(grad - gradapprox) / np.linalg.norm(grad))


def _rd_squared(grad, gradapprox):
    return float(np.sum((grad - gradapprox) ** 2)
                 / (np.sum(grad ** 2) + np.sum(gradapprox ** 2)))


# the expected values go down to ~4e-10 (noise 1e-9): an absolute tolerance would
# accept 0.0 there
register("relative_difference", relative_difference, _rd_case,
         tolerance=Tolerance(rtol=1e-6, atol=1e-15),
         summary="‖grad - gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂)", mistakes=(
    Mistake("absolute_difference", "‖grad - gradapprox‖ alone depends on the scale of the "
            "gradients: divide by ‖grad‖ + ‖gradapprox‖ to get a number that can be compared with "
            "the thresholds 1e-7 and 1e-3.", _rd_absolute),
    Mistake("sum_of_absolute_values", "Use the Euclidean (L2) norm, np.linalg.norm, not the sum "
            "of absolute values.", _rd_l1),
    Mistake("norm_of_the_sum", "The denominator is ‖grad‖ + ‖gradapprox‖ (two norms added), not "
            "‖grad + gradapprox‖.", _rd_norm_of_sum),
    Mistake("denominator_grad_only", "Divide by the sum of BOTH norms, ‖grad‖ + ‖gradapprox‖: the "
            "result is then symmetric and at most 1.", _rd_only_grad),
    Mistake("squared_norms", "Norms, not squared norms: np.linalg.norm already takes the square "
            "root of the sum of squares.", _rd_squared),
))

# ---- dict_to_vector -------------------------------------------------------------------


def dict_to_vector(params, keys):
    """Reference: the raveled arrays of ``params`` in the order of ``keys``, as one 1-D vector
    (adapts course_lib's dict_to_vector, which also returns the slots of the arrays)."""
    return _lib_dict_to_vector(params, keys)[0]


def _dv_case(rng: np.random.Generator, i: int) -> Case:
    params = params_dict(rng, dims(rng, 1, 3), 2, 4, bias_scale=0.1)
    keys = list(params)
    if i % 3 == 0:  # an order different from the dict's
        keys = [k for k in keys if k.startswith("W")] + [k for k in keys if k.startswith("b")]
    elif i % 3 == 1:
        keys = keys[::-1]
    return Case((params, keys), names=("params", "keys"))


def _dv_dict_order(params, keys):
    return np.concatenate([np.ravel(v) for v in params.values()])


def _dv_fortran(params, keys):
    return np.concatenate([np.ravel(params[k], order="F") for k in keys])


def _dv_column(params, keys):
    return np.concatenate([params[k].reshape(-1, 1) for k in keys], axis=0)


def _dv_list(params, keys):
    return [np.ravel(params[k]) for k in keys]


def _dv_row(params, keys):
    return np.concatenate([params[k].reshape(1, -1) for k in keys], axis=1)


register("dict_to_vector", dict_to_vector, _dv_case, implements=(_lib_dict_to_vector,),
         summary="concatenate the raveled parameter arrays, in the order of `keys`, into one "
                 "vector",
         mistakes=(
    Mistake("ignored_keys_order", "Take the arrays in the order given by `keys`, not in the "
            "dict's own order: the gradients and the numerical gradients must line up entry by "
            "entry.", _dv_dict_order),
    Mistake("column_major", "Ravel each array row by row (C order, np.ravel's default): order='F' "
            "(or raveling W.T) reads it column by column.", _dv_fortran),
    Mistake("column_vector", "Return a 1-D vector of shape (n,): reshape(-1, 1) and concatenating "
            "along axis 0 gives a column (n, 1).", _dv_column),
    Mistake("returned_a_list", "Return ONE numpy vector: np.concatenate the raveled arrays, "
            "not a list of them.", _dv_list),
    Mistake("row_vector", "Return a 1-D vector of shape (n,): reshape(1, -1) and concatenating "
            "along axis 1 gives a row (1, n).", _dv_row),
))

# ---- helpers: a small network, its gradients, planted bugs ----------------------------


def network_cost(params, X, Y, layer_dims):
    """J(params) of ``Network(layer_dims)`` on (X, Y): forward pass plus cross-entropy."""
    net = Network(tuple(layer_dims))
    ZL, _, _ = forward(net, params, X)
    return compute_cost(net, params, ZL, Y)


def network_grads(params, X, Y, layer_dims):
    """The (correct) backpropagation gradients of ``network_cost``."""
    net = Network(tuple(layer_dims))
    ZL, caches, _ = forward(net, params, X)
    return backward(net, params, ZL, Y, caches)


BUG_KINDS = ("missing 1/m", "wrong sign", "transposed", "averaged over all entries",
             "factor 2")


def plant_bug(grads, key, kind, m):
    """A copy of ``grads`` whose ``grads[key]`` has the bug ``kind`` (one of BUG_KINDS)."""
    out = {k: v.copy() for k, v in grads.items()}
    g = out[key]
    if kind == "missing 1/m":
        out[key] = g * m
    elif kind == "wrong sign":
        out[key] = -g
    elif kind == "transposed":
        out[key] = g.T.copy() if g.shape[0] == g.shape[1] else g[::-1].copy()
    elif kind == "averaged over all entries":
        out[key] = np.full_like(g, g.mean())
    elif kind == "factor 2":
        out[key] = 2 * g
    else:
        raise ValueError(f"kind must be one of {BUG_KINDS}, got {kind!r}")
    return out


def _well_conditioned(params, X, layer_dims, grads) -> bool:
    """True when every gradient array is clearly non-zero and no ReLU input sits at its kink.

    A dead network (every unit of a layer inactive) has zero gradients, for which the
    relative difference is 0/0; a pre-activation within 1e-4 of 0 could make the
    bug hunt's centered difference (ε = 1e-7) straddle the ReLU kink. Either would make
    the expected answer depend on rounding, so such draws are rejected.
    """
    A = X
    for l in range(1, len(layer_dims) - 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        if np.min(np.abs(Z)) < 1e-4:
            return False
        A = np.maximum(Z, 0.0)
    return all(np.linalg.norm(g) > 1e-3 for g in grads.values())


def _network_case(rng: np.random.Generator, square_layer: bool = False):
    """layer_dims, params (He weights, small non-zero biases), X, Y, correct grads.

    Draws again (up to 200 times) until the case is well conditioned: every gradient
    array is clearly non-zero and no hidden pre-activation is within 1e-4 of the ReLU kink.
    """
    for _ in range(200):
        n0 = dims(rng, 2, 4)
        hidden = [dims(rng, 2, 4) for _ in range(dims(rng, 1, 2))]
        if square_layer and len(hidden) == 2:
            hidden[1] = hidden[0]
        layer_dims = [n0, *hidden, 1]
        m = dims(rng, 3, 8)
        params = Network(tuple(layer_dims)).init_params(rng, "he")
        for k in params:
            if k.startswith("b"):
                params[k] = randn(rng, *params[k].shape, scale=0.1)
        X = randn(rng, n0, m)
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
        Y[0, 0], Y[0, -1] = 0.0, 1.0
        grads = network_grads(params, X, Y, layer_dims)
        if _well_conditioned(params, X, layer_dims, grads):
            return layer_dims, params, X, Y, grads
    raise AssertionError("no well-conditioned network case in 200 draws")  # pragma: no cover


def _random_bug(rng: np.random.Generator, params, grads, m):
    """A bug that changes the gradient noticeably: (grads with the bug, key, kind)."""
    keys = list(params)
    for _ in range(100):
        key = keys[int(rng.integers(len(keys)))]
        kind = BUG_KINDS[int(rng.integers(len(BUG_KINDS)))]
        bugged = plant_bug(grads, key, kind, m)
        change = np.linalg.norm(bugged[key] - grads[key])
        if change > 0.05 * (np.linalg.norm(grads[key]) + 1e-3) and change > 1e-4:
            return bugged, key, kind
    raise AssertionError("no visible bug could be planted")  # pragma: no cover


# ---- gradient_check_nd ----------------------------------------------------------------


def gradient_check_nd(params, grads, X, Y, layer_dims, eps=1e-7):
    """Reference: relative difference between grads and the centered differences of the
    network's cost, over all parameters (in the order of params' keys); adapts
    gradient_check, which takes a cost function and a gradient function."""
    return gradient_check(_cost_fn(layer_dims, X, Y), lambda p: grads, params, eps).difference


def _gc_case(rng: np.random.Generator, i: int) -> Case:
    layer_dims, params, X, Y, grads = _network_case(rng)
    m = X.shape[1]
    eps = 1e-7
    kind = i % 3
    if kind == 0:  # correct gradients, a large ε: the one-sided difference shows its O(ε) error
        eps = 1e-3
    elif kind == 1:  # a bug; gradients with their keys in a different order than params
        grads, _, _ = _random_bug(rng, params, grads, m)
        grads = dict(reversed(list(grads.items())))
    return Case((params, grads, X, Y, layer_dims, eps),
                names=("params", "grads", "X", "Y", "layer_dims", "eps"))


def _compare_difference(expected, got, case) -> Mismatch | None:
    """Below 1e-6 a relative difference is rounding noise: any value below 1e-6 agrees.

    Above, the value must agree to 0.1 %.
    """
    if isinstance(got, np.ndarray) and got.size == 1:
        got = got.reshape(()).item()
    if isinstance(got, bool) or not isinstance(got, int | float | np.integer | np.floating):
        return Mismatch("output", "type", f"output should be a number (the relative "
                        f"difference), got {type(got).__name__}")
    g = float(got)
    if expected < 1e-6:
        if 0.0 <= g < 1e-6:
            return None
        return Mismatch("output", "values", f"these gradients are correct: the relative "
                        f"difference should be tiny ({expected:.2e}, anything below 1e-6 "
                        f"passes), got {g:.3e}")
    if np.isfinite(g) and abs(g - expected) <= 1e-3 * abs(expected):
        return None
    return Mismatch("output", "values", f"output should be {expected:.6g} (within 0.1 %), "
                    f"got {g:.6g}")


def _cost_fn(layer_dims, X, Y):
    return lambda p: network_cost(p, X, Y, layer_dims)


def _gc_vectors(params, grads, approx):
    keys = list(params)
    return (np.concatenate([np.ravel(grads[k]) for k in keys]),
            np.concatenate([np.ravel(approx[k]) for k in keys]))


def _gc_numerical(params, X, Y, layer_dims, eps, one_sided=False, denominator=2.0):
    J = _cost_fn(layer_dims, X, Y)
    approx = {}
    for k in params:
        a = np.zeros_like(params[k])
        for idx in np.ndindex(params[k].shape):
            plus = {kk: v.copy() for kk, v in params.items()}
            plus[k][idx] += eps
            minus = {kk: v.copy() for kk, v in params.items()}
            if not one_sided:
                minus[k][idx] -= eps
            a[idx] = (J(plus) - J(minus)) / (denominator * eps)
        approx[k] = a
    return approx


def _rel(a, b):
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


def _gc_one_sided(params, grads, X, Y, layer_dims, eps=1e-7):
    g, a = _gc_vectors(params, grads, _gc_numerical(params, X, Y, layer_dims, eps, True, 1.0))
    return _rel(g, a)


def _gc_over_eps(params, grads, X, Y, layer_dims, eps=1e-7):
    g, a = _gc_vectors(params, grads, _gc_numerical(params, X, Y, layer_dims, eps, False, 1.0))
    return _rel(g, a)


def _gc_absolute(params, grads, X, Y, layer_dims, eps=1e-7):
    g, a = _gc_vectors(params, grads, _gc_numerical(params, X, Y, layer_dims, eps))
    return float(np.linalg.norm(g - a))


def _gc_l1(params, grads, X, Y, layer_dims, eps=1e-7):
    g, a = _gc_vectors(params, grads, _gc_numerical(params, X, Y, layer_dims, eps))
    return float(np.abs(g - a).sum() / (np.abs(g).sum() + np.abs(a).sum()))


def _gc_grads_order(params, grads, X, Y, layer_dims, eps=1e-7):
    approx = _gc_numerical(params, X, Y, layer_dims, eps)
    g = np.concatenate([np.ravel(v) for v in grads.values()])  # grads' own key order
    a = np.concatenate([np.ravel(approx[k]) for k in params])
    return _rel(g, a)


def _gc_in_place(params, grads, X, Y, layer_dims, eps=1e-7):
    J = _cost_fn(layer_dims, X, Y)
    approx = {}
    for k in params:
        a = np.zeros_like(params[k])
        for idx in np.ndindex(params[k].shape):
            params[k][idx] += eps          # perturbs the caller's array...
            j_plus = J(params)
            params[k][idx] -= 2 * eps
            j_minus = J(params)            # ...and never puts the original value back
            a[idx] = (j_plus - j_minus) / (2 * eps)
        approx[k] = a
    g, a = _gc_vectors(params, grads, approx)
    return _rel(g, a)


register("gradient_check_nd", gradient_check_nd, _gc_case, points=3, compare=_compare_difference,
         implements=(gradient_check, numerical_gradient_dict, numerical_gradient),
         summary="relative difference between backprop gradients and centered differences of "
                 "a network's cost",
         mistakes=(
    Mistake("one_sided_difference", "(J(θ+ε) - J(θ))/ε has an error of order ε, which a larger ε "
            "makes visible: use the centered difference (J(θ+ε) - J(θ-ε))/(2ε).", _gc_one_sided),
    Mistake("divided_by_eps", "The two evaluations are 2ε apart: divide by 2ε. Dividing by ε "
            "doubles the numerical gradient, so even correct gradients look wrong (relative "
            "difference 1/3).", _gc_over_eps),
    Mistake("absolute_difference", "Return the RELATIVE difference, ‖g - g_approx‖ / (‖g‖ + "
            "‖g_approx‖), not ‖g - g_approx‖.", _gc_absolute),
    Mistake("sum_of_absolute_values", "Use Euclidean norms (np.linalg.norm), not sums of absolute "
            "values.", _gc_l1),
    Mistake("mismatched_key_order", "Flatten grads in the order of params' keys, not in grads' "
            "own order (here they differ): otherwise you compare dW1 with the numerical gradient "
            "of another parameter. dict_to_vector(grads, list(params)).", _gc_grads_order),
    Mistake("perturbed_in_place", "You changed the caller's params and did not restore them "
            "(after += ε and -= 2ε the entry is left at θ - ε). Work on a copy of the array, or "
            "save the original value and put it back after the two evaluations.", _gc_in_place),
))

# ---- find_bugged_parameter ------------------------------------------------------------


def find_bugged_parameter(params, grads, X, Y, layer_dims, eps=1e-7):
    """Reference: the key whose own relative difference (centered differences with step
    ``eps``) is the largest (adapts gradient_check, whose report names it)."""
    report = gradient_check(_cost_fn(layer_dims, X, Y), lambda p: grads, params, eps)
    return report.worst_key


#: The coarse step of the bug hunt's "scales" case.
COARSE_EPS = 1e-2


def _fb_scales_case(rng: np.random.Generator) -> Case:
    """A bug in db1 where the gradients of layer 1 are ~100 times smaller than the output
    layer's, checked with a coarse ε: the case the absolute difference gets wrong.

    One hidden layer, raw features of size ~20 (not standardized) and an output layer
    initialized with small weights (0.01 · randn): dW2 is large, dW1 and db1 are small.
    With ε = 1e-2 the centered difference of every parameter is off by an error of order
    ε² times its own size, so the correct dW2 is further from its numerical gradient, in
    absolute terms, than the bugged db1 is from its own; relative to each parameter's
    size, db1 is still off by far the most. Draws again until the case says so with room:

    * no ReLU input is within reach of a perturbation by ε (the cost is smooth in every
      direction checked, so the numerical errors are truncation errors, not kinks), every
      unit is active on some example and every gradient is clearly non-zero;
    * with ε = 1e-2, db1's relative difference is more than 30 times any other key's,
      and some correct key's absolute difference is more than twice db1's;
    * the answer is the same with ε = 1e-7 (db1 above 1e-2, every other key below 1e-6),
      so the case does not hang on the step;
    * the key the absolute difference blames is not the one with the smallest relative
      difference (two catalogued mistakes, two different answers).
    """
    eps = COARSE_EPS
    for _ in range(200):
        n0, n1, m = dims(rng, 2, 4), dims(rng, 2, 4), dims(rng, 3, 8)
        layer_dims = [n0, n1, 1]
        params = Network(tuple(layer_dims)).init_params(rng, "he")
        params["b1"] = randn(rng, n1, 1, scale=0.1)
        params["W2"] = randn(rng, 1, n1, scale=0.01)
        params["b2"] = randn(rng, 1, 1, scale=0.1)
        X = randn(rng, n0, m, scale=20.0)
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
        Y[0, 0], Y[0, -1] = 0.0, 1.0
        Z1 = params["W1"] @ X + params["b1"]
        reach = eps * np.maximum(1.0, np.abs(X).max(axis=0))  # |ΔZ1| of one perturbation
        if np.any(np.abs(Z1) < 2 * reach) or not np.all((Z1 > 0).any(axis=1)):
            continue
        grads = network_grads(params, X, Y, layer_dims)
        if not all(np.linalg.norm(g) > 1e-3 for g in grads.values()):
            continue
        kind = BUG_KINDS[int(rng.integers(len(BUG_KINDS)))]
        bugged = plant_bug(grads, "b1", kind, m)
        if np.linalg.norm(bugged["b1"] - grads["b1"]) < 0.05 * np.linalg.norm(grads["b1"]):
            continue
        rel = _fb_per_key(params, bugged, X, Y, layer_dims, eps)
        absolute = _fb_absolute_per_key(params, bugged, X, Y, layer_dims, eps)
        others = [k for k in params if k != "b1"]
        if not (rel["b1"] > 30 * max(rel[k] for k in others)
                and max(absolute[k] for k in others) > 2 * absolute["b1"]):
            continue
        if max(absolute, key=absolute.get) == min(rel, key=rel.get):
            continue
        fine = _fb_per_key(params, bugged, X, Y, layer_dims, 1e-7)
        if not (fine["b1"] > 1e-2 and max(fine[k] for k in others) < 1e-6):
            continue
        return Case((params, bugged, X, Y, layer_dims), {"eps": eps},
                    names=("params", "grads", "X", "Y", "layer_dims"),
                    note="ε = 1e-2 and gradients of very different sizes: layer 1's are "
                         "about 100 times smaller than the output layer's")
    raise AssertionError("no bug hunt case with different scales in 200 draws")  # pragma: no cover


def _fb_case(rng: np.random.Generator, i: int) -> Case:
    if i % 3 == 2:
        return _fb_scales_case(rng)
    layer_dims, params, X, Y, grads = _network_case(rng, square_layer=True)
    bugged, _, _ = _random_bug(rng, params, grads, X.shape[1])
    return Case((params, bugged, X, Y, layer_dims),
                names=("params", "grads", "X", "Y", "layer_dims"))


def _fb_numerical(params, X, Y, layer_dims, eps):
    return numerical_gradient_dict(_cost_fn(layer_dims, X, Y), params, eps)


def _fb_per_key(params, grads, X, Y, layer_dims, eps=1e-7):
    approx = _fb_numerical(params, X, Y, layer_dims, eps)
    return {k: relative_difference(grads[k], approx[k]) for k in params}


def _fb_absolute_per_key(params, grads, X, Y, layer_dims, eps=1e-7):
    approx = _fb_numerical(params, X, Y, layer_dims, eps)
    return {k: float(np.linalg.norm(grads[k] - approx[k])) for k in params}


def _fb_best(params, grads, X, Y, layer_dims, eps=1e-7):
    d = _fb_per_key(params, grads, X, Y, layer_dims, eps)
    return min(d, key=d.get)


def _fb_absolute(params, grads, X, Y, layer_dims, eps=1e-7):
    d = _fb_absolute_per_key(params, grads, X, Y, layer_dims, eps)
    return max(d, key=d.get)


def _fb_weights_only(params, grads, X, Y, layer_dims, eps=1e-7):
    d = _fb_per_key(params, grads, X, Y, layer_dims, eps)
    return max((k for k in d if k.startswith("W")), key=d.get)


def _fb_value(params, grads, X, Y, layer_dims, eps=1e-7):
    return max(_fb_per_key(params, grads, X, Y, layer_dims, eps).values())


def _fb_index(params, grads, X, Y, layer_dims, eps=1e-7):
    return int(np.argmax(list(_fb_per_key(params, grads, X, Y, layer_dims, eps).values())))


def _fb_all(params, grads, X, Y, layer_dims, eps=1e-7):
    return _fb_per_key(params, grads, X, Y, layer_dims, eps)


def _fb_pair(params, grads, X, Y, layer_dims, eps=1e-7):
    return max(_fb_per_key(params, grads, X, Y, layer_dims, eps).items(), key=lambda kv: kv[1])


register("find_bugged_parameter", find_bugged_parameter, _fb_case, points=2,
         depends_on=("gradient_check_nd",), implements=(gradient_check,),
         summary="the parameter whose gradient disagrees most with the numerical gradient",
         mistakes=(
    Mistake("returned_the_best_key", "You want the parameter whose gradient is the WORST: the "
            "largest relative difference (max, not min).", _fb_best),
    Mistake("returned_the_difference", "Return the parameter's name (a key such as 'W2'), not its "
            "relative difference: max(diffs, key=diffs.get).", _fb_value),
    Mistake("returned_an_index", "Return the key itself ('b1'), not its position in the dict.",
            _fb_index),
    Mistake("ranked_by_absolute_difference", "Rank the parameters by their RELATIVE difference, "
            "‖g - g_approx‖ / (‖g‖ + ‖g_approx‖), not by ‖g - g_approx‖, which grows with the "
            "size of each parameter's gradients. With a coarse ε every numerical gradient is "
            "off by an amount proportional to its size: a correct parameter with large "
            "gradients then differs more, in absolute terms, than a bugged one with small "
            "gradients. Divided by its own scale, the bugged one stands out.",
            _fb_absolute),
    Mistake("returned_all_differences", "You computed every parameter's relative difference; "
            "now return the ONE key whose difference is the largest: max(diffs, key=diffs.get).",
            _fb_all),
    Mistake("returned_key_and_difference", "max(diffs.items(), ...) gives the pair (key, "
            "difference): return the key alone, e.g. max(diffs, key=diffs.get).", _fb_pair),
    Mistake("ignored_the_biases", "Check EVERY parameter, the biases too: a bug can sit in "
            "db as well as in dW (here the bug is in a bias, and you never looked at it).",
            _fb_weights_only),
))

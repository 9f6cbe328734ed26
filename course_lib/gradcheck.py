"""Gradient checking: compare backpropagation with centered finite differences.

The derivative of a cost ``J`` with respect to one number ``theta_i`` is
approximated by the *centered* (two-sided) difference

    dJ/dtheta_i  ~  (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)

whose error shrinks like ``eps**2`` (the one-sided difference
``(J(theta + eps e_i) - J(theta)) / eps`` only shrinks like ``eps``).

Backprop gradients ``grad`` and numerical gradients ``approx`` are compared with the
relative difference

    difference = ||grad - approx||_2 / (||grad||_2 + ||approx||_2)

and judged with the course's rule of thumb (for ``eps = 1e-7``):

* ``difference < 1e-7``         -> ``"ok"``
* ``1e-7 <= difference < 1e-3`` -> ``"suspicious"`` (look closer)
* ``difference >= 1e-3``        -> ``"wrong"`` (almost surely a bug)

Conventions: parameters live in dicts keyed ``"W1"``, ``"b1"``, ``"gamma1"``, ...; a
gradient dict uses the *same* keys (``grads["W1"]`` is dJ/dW1). Nothing here
mutates the caller's arrays: every perturbation happens on a float64 copy.

Gradient checking is slow (two cost evaluations per parameter), so use it on a
small network and a few examples, and with dropout switched off.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from course_lib.validation import check_array, check_positive, check_same_shape

__all__ = [
    "OK_THRESHOLD",
    "WRONG_THRESHOLD",
    "GradCheckReport",
    "ParamSlot",
    "dict_to_vector",
    "gradient_check",
    "gradient_check_1d",
    "numerical_gradient",
    "numerical_gradient_dict",
    "relative_difference",
    "vector_to_dict",
    "verdict_for",
]

#: Below this relative difference the gradient is judged correct.
OK_THRESHOLD = 1e-7
#: At or above this relative difference the gradient is judged wrong.
WRONG_THRESHOLD = 1e-3


# ---------------------------------------------------------------------------
# Numerical gradients
# ---------------------------------------------------------------------------


def _scalar(name: str, value: Any) -> float:
    """Turn the value returned by a cost function into a Python float."""
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(f"{name} must return a scalar, got shape {arr.shape}")
    return float(arr.reshape(()))


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-7
) -> np.ndarray:
    """Centered-difference gradient of a scalar function ``f`` at ``x``.

    For every element ``x[i]`` (any shape; ``i`` is a multi-index):

        grad[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

    The denominator is the step actually taken in floating point,
    ``(x[i] + eps) - (x[i] - eps)``, which equals ``2 eps`` up to rounding.

    Args:
        f: function of an array shaped like ``x`` returning a scalar.
        x: point at which to differentiate, any shape.
        eps: half-width of the step, ``> 0`` (the course uses ``1e-7``).

    Returns:
        float64 array of the same shape as ``x``.

    ``f`` is called on a float64 *copy* of ``x``; each element is restored exactly
    after it was perturbed, and the caller's ``x`` is never modified.

    Exercise `numerical_derivative_1d`, notebook 04_gradient_checking.
    """
    x_arr = check_array("x", x)
    eps = check_positive("eps", eps)
    work = np.array(x_arr, dtype=np.float64, copy=True)
    grad = np.zeros_like(work)
    for idx in np.ndindex(work.shape):
        original = work[idx]
        plus = original + eps
        minus = original - eps
        work[idx] = plus
        f_plus = _scalar("f", f(work))
        work[idx] = minus
        f_minus = _scalar("f", f(work))
        work[idx] = original
        grad[idx] = (f_plus - f_minus) / (plus - minus)
    return grad


class ParamSlot(NamedTuple):
    """Where one parameter sits in a flat vector: its key and its array shape."""

    key: str
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        """Number of elements, ``prod(shape)``."""
        return math.prod(self.shape)


def _resolve_keys(params: Mapping[str, Any], keys: Sequence[str] | None) -> list[str]:
    if not isinstance(params, Mapping):
        raise ValueError(f"params must be a dict of arrays, got type {type(params).__name__}")
    if keys is None:
        key_list = list(params)
    else:
        if isinstance(keys, str):
            raise ValueError(f"keys must be a list of parameter names, got the string {keys!r}")
        key_list = list(keys)
        missing = [k for k in key_list if k not in params]
        if missing:
            raise ValueError(f"keys {missing} are not in params (params has {list(params)})")
        if len(set(key_list)) != len(key_list):
            raise ValueError(f"keys must not repeat, got {key_list}")
    if not key_list:
        raise ValueError("params must hold at least one array")
    return key_list


def dict_to_vector(
    params: Mapping[str, np.ndarray], keys: Sequence[str] | None = None
) -> tuple[np.ndarray, list[ParamSlot]]:
    """Concatenate the raveled arrays of ``params`` into one float64 vector.

    Args:
        params: dict ``key -> array`` (e.g. ``{"W1": (n1, n0), "b1": (n1, 1), ...}``).
        keys: order (and selection) of the keys; default: the dict's own order.

    Returns:
        ``(vector, layout)`` where ``vector`` has shape ``(sum of sizes,)`` and
        ``layout`` is a list of ``ParamSlot(key, shape)`` in vector order.
        Arrays are raveled in C (row-major) order. ``vector_to_dict`` inverts this.

    Exercise `dict_to_vector`, notebook 04_gradient_checking.
    """
    key_list = _resolve_keys(params, keys)
    pieces = []
    layout = []
    for key in key_list:
        arr = check_array(f"params[{key!r}]", params[key], finite=False)
        pieces.append(np.asarray(arr, dtype=np.float64).ravel())
        layout.append(ParamSlot(key, tuple(int(s) for s in arr.shape)))
    return np.concatenate(pieces), layout


def vector_to_dict(vector: np.ndarray, layout: Sequence[ParamSlot]) -> dict[str, np.ndarray]:
    """Inverse of ``dict_to_vector``: cut ``vector`` into arrays of the shapes in ``layout``.

    ``vector`` must be 1-D with exactly ``sum(prod(shape))`` elements. The returned
    arrays are fresh copies (changing them does not change ``vector``).
    """
    vec = check_array("vector", vector, ndim=1, finite=False)
    slots = [ParamSlot(str(k), tuple(int(s) for s in shape)) for k, shape in layout]
    total = sum(slot.size for slot in slots)
    if vec.shape[0] != total:
        raise ValueError(
            f"vector has shape {vec.shape} but layout needs {total} elements "
            f"({[(s.key, s.shape) for s in slots]})"
        )
    out: dict[str, np.ndarray] = {}
    start = 0
    for slot in slots:
        stop = start + slot.size
        out[slot.key] = vec[start:stop].reshape(slot.shape).copy()
        start = stop
    return out


def _copy_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Float64 copies of every numeric entry of ``params`` (arrays, numbers, numpy
    scalars, lists and tuples of numbers); other entries are kept as they are."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, np.ndarray | np.generic | int | float | list | tuple) and not (
                isinstance(value, bool | np.bool_)):
            out[key] = np.array(
                check_array(f"params[{key!r}]", value, finite=False), dtype=np.float64, copy=True
            )
        else:
            out[key] = value
    return out


def numerical_gradient_dict(
    f: Callable[[dict[str, np.ndarray]], float],
    params: Mapping[str, np.ndarray],
    eps: float = 1e-7,
    keys: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Centered-difference gradient of ``f(params)`` with respect to each array in ``params``.

    Args:
        f: cost function taking a params dict and returning a scalar.
        params: dict ``key -> array``.
        eps: half-width of the step, ``> 0``.
        keys: which parameters to differentiate (default: all, in dict order).

    Returns:
        dict ``key -> gradient`` with the same keys (those in ``keys``) and shapes
        as ``params``.

    One element at a time is perturbed in a float64 copy of ``params``; the caller's
    dict and arrays are never modified.
    """
    key_list = _resolve_keys(params, keys)
    eps = check_positive("eps", eps)
    work = _copy_params(params)
    grads: dict[str, np.ndarray] = {}
    for key in key_list:
        check_array(f"params[{key!r}]", work[key])

        def f_of_one(arr: np.ndarray, key: str = key) -> float:
            return _scalar("f", f({**work, key: arr}))

        grads[key] = numerical_gradient(f_of_one, work[key], eps)
    return grads


# ---------------------------------------------------------------------------
# Comparing gradients
# ---------------------------------------------------------------------------


def relative_difference(
    a: np.ndarray | Mapping[str, np.ndarray], b: np.ndarray | Mapping[str, np.ndarray]
) -> float:
    """Relative difference ``||a - b||_2 / (||a||_2 + ||b||_2)``, in ``[0, 1]``.

    ``a`` and ``b`` are arrays of the same shape, or dicts with the same keys and
    matching shapes (then their concatenated vectors are compared, in ``a``'s key
    order). Returns ``0.0`` when both are zero, and NaN if either holds NaN.
    It is symmetric, and equals 1 for ``b = -a``.

    Exercise `relative_difference`, notebook 04_gradient_checking.
    """
    a_is_dict = isinstance(a, Mapping)
    b_is_dict = isinstance(b, Mapping)
    if a_is_dict != b_is_dict:
        raise ValueError(
            "a and b must both be arrays or both be dicts, got "
            f"{type(a).__name__} and {type(b).__name__}"
        )
    if a_is_dict:
        if set(a) != set(b):
            raise ValueError(f"a and b must have the same keys, got {sorted(a)} and {sorted(b)}")
        for key in a:
            check_same_shape(f"a[{key!r}]", np.asarray(a[key]), f"b[{key!r}]", np.asarray(b[key]))
        keys = list(a)
        va, _ = dict_to_vector(a, keys)
        vb, _ = dict_to_vector(b, keys)
    else:
        va = check_array("a", a, finite=False)
        vb = check_array("b", b, finite=False)
        check_same_shape("a", va, "b", vb)
    va = np.asarray(va, dtype=np.float64).ravel()
    vb = np.asarray(vb, dtype=np.float64).ravel()
    numerator = float(np.linalg.norm(va - vb))
    denominator = float(np.linalg.norm(va) + np.linalg.norm(vb))
    if denominator == 0.0:
        return 0.0
    return numerator / denominator


def verdict_for(difference: float) -> str:
    """Course rule of thumb: ``< 1e-7`` "ok", ``< 1e-3`` "suspicious", else "wrong" (NaN too)."""
    if difference < OK_THRESHOLD:
        return "ok"
    if difference < WRONG_THRESHOLD:
        return "suspicious"
    return "wrong"


@dataclass(frozen=True)
class GradCheckReport:
    """Result of ``gradient_check``.

    Attributes:
        difference: relative difference over all checked parameters together.
        per_key: relative difference of each parameter, ``{"W1": 3e-10, ...}``.
        verdict: ``"ok"``, ``"suspicious"`` or ``"wrong"`` for ``difference``.
        worst_key: the parameter with the largest per-key difference: where to
            look for the bug first.
        eps: the step used for the numerical gradient.
        analytic: the gradients returned by ``grad_fn`` (same keys as ``per_key``).
        numerical: the centered-difference gradients.
    """

    difference: float
    per_key: dict[str, float]
    verdict: str
    worst_key: str
    eps: float = 1e-7
    analytic: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    numerical: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when the overall verdict is "ok"."""
        return self.verdict == "ok"

    def failing_keys(self) -> list[str]:
        """Keys whose own difference is not "ok", worst first."""
        bad = [k for k, d in self.per_key.items() if verdict_for(d) != "ok"]
        return sorted(bad, key=lambda k: _nan_as_inf(self.per_key[k]), reverse=True)

    def __str__(self) -> str:
        rows = [("parameter", "shape", "rel. difference", "verdict")]
        for key, diff in self.per_key.items():
            shape = self.analytic[key].shape if key in self.analytic else ""
            rows.append((key, str(shape), f"{diff:.3e}", verdict_for(diff)))
        rows.append(("all", "", f"{self.difference:.3e}", self.verdict))
        widths = [max(len(r[c]) for r in rows) for c in range(4)]

        def fmt(row: tuple[str, ...]) -> str:
            return "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()

        lines = [f"Gradient check (eps={self.eps:g})", fmt(rows[0])]
        lines.append("  ".join("-" * w for w in widths))
        lines.extend(fmt(r) for r in rows[1:-1])
        lines.append("  ".join("-" * w for w in widths))
        lines.append(fmt(rows[-1]))
        lines.append(f"worst parameter: {self.worst_key}")
        return "\n".join(lines)


def _nan_as_inf(x: float) -> float:
    return math.inf if math.isnan(x) else x


def gradient_check(
    cost_fn: Callable[[dict[str, np.ndarray]], float],
    grad_fn: Callable[[dict[str, np.ndarray]], Mapping[str, np.ndarray]],
    params: Mapping[str, np.ndarray],
    eps: float = 1e-7,
    keys: Sequence[str] | None = None,
) -> GradCheckReport:
    """Compare the analytic gradient ``grad_fn(params)`` with centered differences of ``cost_fn``.

    Args:
        cost_fn: ``params -> J`` (a scalar), e.g. forward propagation plus cost on a
            fixed mini-batch (no dropout: the cost must be deterministic).
        grad_fn: ``params -> grads`` with ``grads[key]`` = dJ/d``params[key]``, same
            keys and shapes as ``params`` (``grads["W1"]``, not ``grads["dW1"]``).
        params: dict ``key -> array`` at which to check.
        eps: half-width of the finite-difference step.
        keys: which parameters to check (default: all of ``params``).

    Returns:
        A ``GradCheckReport`` with the overall and per-key relative differences, the
        verdict (see ``verdict_for``) and ``worst_key``. ``print(report)`` shows a table.

    Exercise `gradient_check_nd`, notebook 04_gradient_checking.
    Exercise `find_bugged_parameter`, notebook 04_gradient_checking.
    """
    key_list = _resolve_keys(params, keys)
    eps = check_positive("eps", eps)
    grads = grad_fn(_copy_params(params))
    if not isinstance(grads, Mapping):
        raise ValueError(f"grad_fn must return a dict of arrays, got {type(grads).__name__}")
    missing = [k for k in key_list if k not in grads]
    if missing:
        raise ValueError(
            f"grad_fn's result is missing {missing} (it has {list(grads)}); gradients "
            "use the same keys as params, e.g. grads['W1']"
        )
    analytic: dict[str, np.ndarray] = {}
    for key in key_list:
        g = np.array(check_array(f"grads[{key!r}]", grads[key], finite=False), dtype=np.float64)
        check_same_shape(f"grads[{key!r}]", g, f"params[{key!r}]", np.asarray(params[key]))
        analytic[key] = g
    numerical = numerical_gradient_dict(cost_fn, params, eps, key_list)
    per_key = {k: relative_difference(analytic[k], numerical[k]) for k in key_list}
    difference = relative_difference(analytic, numerical)
    worst_key = max(key_list, key=lambda k: _nan_as_inf(per_key[k]))
    return GradCheckReport(
        difference=difference,
        per_key=per_key,
        verdict=verdict_for(difference),
        worst_key=worst_key,
        eps=eps,
        analytic=analytic,
        numerical=numerical,
    )


def gradient_check_1d(
    J: Callable[[float], float], dJ: Callable[[float], float], theta: float, eps: float = 1e-7
) -> float:
    """Relative difference between ``dJ(theta)`` and the centered difference of ``J``.

    For a scalar function of a scalar, e.g. ``J(theta) = theta * x`` with
    ``dJ(theta) = x``:

        approx = (J(theta + eps) - J(theta - eps)) / (2 eps)
        return |dJ(theta) - approx| / (|dJ(theta)| + |approx|)

    Exercise `numerical_derivative_1d`, notebook 04_gradient_checking.
    """
    theta_arr = check_array("theta", theta)
    if theta_arr.size != 1:
        raise ValueError(f"theta must be a scalar, got shape {theta_arr.shape}")
    eps = check_positive("eps", eps)
    t = float(theta_arr.reshape(()))
    plus, minus = t + eps, t - eps
    approx = (_scalar("J", J(plus)) - _scalar("J", J(minus))) / (plus - minus)
    grad = _scalar("dJ", dJ(t))
    return relative_difference(np.array([grad]), np.array([approx]))

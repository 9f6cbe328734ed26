"""Input validation shared by the course_lib modules.

What is checked, and where:

* **Layer and loss functions** (``linear_*``, ``batchnorm_*``, ``dropout_*``, the
  ``*_forward``/``*_backward`` pairs of :mod:`~course_lib.activations`, the
  cross-entropies and penalties of :mod:`~course_lib.losses`) check every array
  argument: numeric, the right number of dimensions, matching shapes, no NaN or inf;
  and every hyperparameter (ε, β, keep_prob, λ, ...) against its range. Those called
  by a network take ``check=False``: the network validates once, and a training run
  whose numbers blow up then gets NaN or inf back instead of an error.
* **The network** (:mod:`~course_lib.network`): with ``check=True`` (the default,
  except for ``train_step``), ``forward``, ``compute_cost`` and ``backward`` check X
  and Y (shapes and finiteness) and ``params`` (:func:`check_params`: exactly the
  keys of the architecture, their shapes, finite values).
* **Not checked**: the elementwise maths of :mod:`~course_lib.activations`
  (``sigmoid``, ``tanh``, ``relu``, ``leaky_relu``, ``hardmax``, ``predict_binary``,
  ``predict_classes``) accept any array, NaN included (NaN in, NaN out; ``softmax``
  does require finite values); the in-place variants that the training engine calls
  (``batchnorm_forward_inplace``, ``batchnorm_backward_inplace``,
  ``cross_entropy_and_grad_inplace``) check nothing, by design.
* The other modules (data, initialization, optimizers, schedules, ...) check their
  arguments with the same helpers.

A failed check raises a ``ValueError`` that names the argument and shows the
shapes or the key involved, instead of a numpy broadcasting error or a bare
``KeyError`` three calls deeper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "check_array",
    "check_finite",
    "check_in_range",
    "check_int",
    "check_layer_dims",
    "check_params",
    "check_positive",
    "check_probability",
    "check_rng",
    "check_same_shape",
    "check_shape",
]


def _describe(x: Any) -> str:
    shape = getattr(x, "shape", None)
    if shape is not None:
        return f"shape {tuple(shape)}"
    return f"type {type(x).__name__}"


def check_array(name: str, x: Any, ndim: int | None = None, *, finite: bool = True) -> np.ndarray:
    """Return ``x`` as a float ndarray (no copy when it already is one).

    Raises ``ValueError`` naming ``name`` when ``x`` is not numeric, has the wrong
    number of dimensions, or (with ``finite=True``) contains NaN or inf.
    """
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except Exception as exc:  # pragma: no cover - exotic objects
            raise ValueError(f"{name} must be an array of numbers, got {_describe(x)}") from exc
        if arr.dtype.kind in "biu":
            arr = arr.astype(np.float64)
        elif arr.dtype.kind != "f":
            raise ValueError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(
            f"{name} must be a {ndim}-D array, got shape {arr.shape} ({arr.ndim}-D)"
        )
    if finite:
        check_finite(name, arr)
    return arr


def check_finite(name: str, arr: np.ndarray) -> None:
    """Raise ``ValueError`` when ``arr`` holds NaN or inf, saying where the first one is."""
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        idx = tuple(int(i) for i in bad)
        raise ValueError(
            f"{name} contains NaN or inf (first at index {idx}, shape {arr.shape})"
        )


def check_shape(name: str, arr: np.ndarray, expected: Sequence[int | None]) -> None:
    """Raise ``ValueError`` unless ``arr.shape`` matches ``expected`` (``None`` = any size)."""
    shape = tuple(arr.shape)
    ok = len(shape) == len(expected) and all(
        e is None or s == e for s, e in zip(shape, expected)
    )
    if not ok:
        want = "(" + ", ".join("*" if e is None else str(e) for e in expected) + ")"
        raise ValueError(f"{name} must have shape {want}, got {shape}")


def check_same_shape(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}"
        )


def check_probability(name: str, p: float) -> float:
    """A probability in (0, 1], such as ``keep_prob`` (a bool is refused, not read as 1)."""
    if isinstance(p, bool | np.bool_):
        raise ValueError(f"{name} must be a number in (0, 1], got {p!r}")
    p = float(p)
    if not (0.0 < p <= 1.0):
        raise ValueError(f"{name} must be in (0, 1], got {p}")
    return p


def check_positive(name: str, x: float, *, allow_zero: bool = False) -> float:
    """A positive (or non-negative with ``allow_zero``) finite number."""
    x = float(x)
    if not np.isfinite(x) or x < 0 or (x == 0 and not allow_zero):
        rule = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {rule}, got {x}")
    return x


def check_in_range(
    name: str, x: float, low: float, high: float, *, low_open: bool = False,
    high_open: bool = False,
) -> float:
    """A number in the interval given; the message shows the interval in math notation."""
    x = float(x)
    lo_ok = x > low if low_open else x >= low
    hi_ok = x < high if high_open else x <= high
    if not (np.isfinite(x) and lo_ok and hi_ok):
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be in {interval}, got {x}")
    return x


def check_int(name: str, x: Any, *, minimum: int | None = None) -> int:
    """An integer (bools refused) at least ``minimum``."""
    if isinstance(x, bool) or not isinstance(x, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {x!r}")
    x = int(x)
    if minimum is not None and x < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {x}")
    return x


def check_rng(name: str, rng: Any) -> np.random.Generator:
    """Randomness is passed in: require a ``np.random.Generator``."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"{name} must be a numpy Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )
    return rng


def check_layer_dims(name: str, layer_dims: Sequence[int]) -> tuple[int, ...]:
    """Layer sizes ``[n0, n1, ..., nL]``: at least two positive integers."""
    try:
        dims = tuple(layer_dims)
    except TypeError as exc:
        raise ValueError(f"{name} must be a list of layer sizes, got {layer_dims!r}") from exc
    if len(dims) < 2:
        raise ValueError(
            f"{name} needs at least an input and an output size, got {list(dims)}"
        )
    for i, n in enumerate(dims):
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"{name}[{i}] must be a positive integer, got {n!r}")
    return tuple(int(n) for n in dims)


def _param_names(dims: tuple[int, ...], batch_norm: bool) -> str:
    """The parameters of a network with these layer sizes, in words: ``W1..W3 and b1..b3``."""
    L = len(dims) - 1

    def span(p: str, last: int) -> str:
        return f"{p}1" if last == 1 else f"{p}1..{p}{last}"

    if batch_norm and L > 1:
        return (f"{span('W', L)}, {span('gamma', L - 1)}, {span('beta', L - 1)} "
                f"and b{L} (batch norm: no b in the hidden layers)")
    return f"{span('W', L)} and {span('b', L)}"


def check_params(
    params: Mapping[str, np.ndarray], layer_dims: Sequence[int], *, batch_norm: bool = False,
) -> None:
    """Check that ``params`` holds exactly ``W1, b1, ...`` of the sizes in ``layer_dims``.

    ``W[l]`` is ``(n[l], n[l-1])`` and ``b[l]`` is ``(n[l], 1)``. With ``batch_norm``,
    hidden layers carry ``gamma[l]`` and ``beta[l]`` of shape ``(n[l], 1)`` and no ``b[l]``.
    A missing or unknown key, a wrong shape or a NaN raises ``ValueError`` naming the key.
    """
    dims = check_layer_dims("layer_dims", layer_dims)
    L = len(dims) - 1
    needs = f"layer_dims={list(dims)} needs {_param_names(dims, batch_norm)}"
    if not isinstance(params, Mapping):
        raise ValueError(f"params must be a dict of arrays ({needs}), "
                         f"got {type(params).__name__}")
    expected = {}
    for l in range(1, L + 1):
        hidden_bn = batch_norm and l < L
        expected[f"W{l}"] = (dims[l], dims[l - 1])
        for p in (("gamma", "beta") if hidden_bn else ("b",)):
            expected[f"{p}{l}"] = (dims[l], 1)
    for key, shape in expected.items():
        if key not in params:
            raise ValueError(f"params is missing {key}: {needs}")
        value = np.asarray(params[key])
        check_shape(f"params['{key}']", value, shape)
        check_finite(f"params['{key}']", value)
    unknown = [k for k in params if k not in expected]
    if unknown:
        raise ValueError(f"params has an unknown key {unknown[0]!r}: {needs}")

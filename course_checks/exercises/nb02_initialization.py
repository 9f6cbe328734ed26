"""Exercises of 02_initialization: zeros, random, Xavier, Glorot and He initialization.

Every exercise returns the dict ``W1, b1, ..., WL, bL`` for ``layer_dims = [n0, ..., nL]``
with ``W[l]`` of shape ``(n[l], n[l-1])`` drawn layer by layer (l = 1..L) as
``rng.standard_normal((n[l], n[l-1])) * std`` and ``b[l] = zeros((n[l], 1))``, exactly
as :mod:`course_lib.initialization` does, so the same generator gives the same numbers.
"""

from __future__ import annotations

import numpy as np

from course_lib.initialization import (
    initialize_glorot,
    initialize_he,
    initialize_parameters,
    initialize_random,
    initialize_xavier,
    initialize_zeros,
)

from ..cases import Case, Rng
from ..compare import Tolerance
from ..registry import Mistake, registrar
from ._gen import seed

_register = registrar("02_initialization")


def register(name, reference, make_case, **fields):
    """Register an initializer: ``initialize_parameters(layer_dims, method, ...)`` computes
    every one of their answers too."""
    return _register(name, reference, make_case, implements=(initialize_parameters,), **fields)

# ---- inputs ----------------------------------------------------------------------


def _layer_dims(rng: np.random.Generator, i: int) -> list[int]:
    """[n0, n1, ..., nL] with 1 <= L <= 4, sizes in [2, 9], consecutive sizes different.

    Different consecutive sizes make fan-in and fan-out differ in every layer, so using
    n[l] instead of n[l-1] (or transposing W) always shows. Case 0 is a single layer
    (logistic regression), case 1 a deep one.
    """
    L = [1, 4][i] if i < 2 else int(rng.integers(2, 5))
    dims = [int(rng.integers(2, 10))]
    for _ in range(L):
        n = int(rng.integers(2, 10))
        while n == dims[-1]:
            n = int(rng.integers(2, 10))
        dims.append(n)
    return dims


def _zeros_case(rng: np.random.Generator, i: int) -> Case:
    return Case((_layer_dims(rng, i),), names=("layer_dims",))


def _rng_case(rng: np.random.Generator, i: int) -> Case:
    return Case((_layer_dims(rng, i), Rng(seed(rng))), names=("layer_dims", "rng"))


def _random_case(rng: np.random.Generator, i: int) -> Case:
    scale = [0.01, 10.0, 0.5][i % 3]
    return Case((_layer_dims(rng, i), Rng(seed(rng)), scale),
                names=("layer_dims", "rng", "scale"))


# ---- building blocks of the wrong implementations ---------------------------------


def _build(layer_dims, weight, bias=None, last=None):
    """``{W1, b1, ...}`` with ``weight(l, n_prev, n)`` and ``bias(l, n)`` for l = 1..last."""
    L = len(layer_dims) - 1
    last = L if last is None else last
    params = {}
    for l in range(1, last + 1):
        n_prev, n = layer_dims[l - 1], layer_dims[l]
        params[f"W{l}"] = weight(l, n_prev, n)
        params[f"b{l}"] = np.zeros((n, 1)) if bias is None else bias(l, n)
    return params


def _normal(rng, std):
    """Weights drawn as the course does, with ``std(n_prev, n)``."""
    return lambda l, n_prev, n: rng.standard_normal((n, n_prev)) * std(n_prev, n)


def _transposed(rng, std):
    return lambda l, n_prev, n: rng.standard_normal((n_prev, n)) * std(n_prev, n)


def _missing_last(rng, std, layer_dims):
    return _build(layer_dims, _normal(rng, std), last=len(layer_dims) - 2)


def _std(formula):
    """A wrong initializer ``(layer_dims, rng)`` that draws W as the course does, with the
    standard deviation ``formula(n_prev, n)``: the mistakes that only get the std wrong."""
    return lambda layer_dims, rng: _build(layer_dims, _normal(rng, formula))


def _uniform(rng, std):
    return lambda l, n_prev, n: rng.random((n, n_prev)) * std(n_prev, n)


_XAVIER = lambda n_prev, n: np.sqrt(1.0 / n_prev)  # noqa: E731
_GLOROT = lambda n_prev, n: np.sqrt(2.0 / (n_prev + n))  # noqa: E731
_HE = lambda n_prev, n: np.sqrt(2.0 / n_prev)  # noqa: E731

_TRANSPOSED_HINT = (
    "W[l] must have shape (n[l], n[l-1]) — rows are the units of layer l, columns the "
    "inputs — so that Z = W A_prev + b works with A_prev of shape (n[l-1], m). Draw "
    "rng.standard_normal((layer_dims[l], layer_dims[l-1]))."
)
_MISSING_LAST_HINT = (
    "The last layer is missing: with layer_dims = [n0, ..., nL] there are L = "
    "len(layer_dims) - 1 layers, numbered 1..L, so loop over range(1, L + 1)."
)
_UNIFORM_HINT = (
    "rng.random draws UNIFORM numbers in [0, 1): all positive, mean 0.5. Weights should be "
    "Gaussian with mean 0: rng.standard_normal(shape) times the standard deviation."
)
_SHARED = {  # name: (hint, the wrong parameters from (rng, std's formula, layer_dims))
    "transposed_weights": (_TRANSPOSED_HINT,
                           lambda rng, std, dims: _build(dims, _transposed(rng, std))),
    "missing_last_layer": (_MISSING_LAST_HINT, _missing_last),
    "uniform_instead_of_normal": (_UNIFORM_HINT,
                                  lambda rng, std, dims: _build(dims, _uniform(rng, std))),
}


def _shared_mistakes(std, *names: str) -> tuple[Mistake, ...]:
    """The layout mistakes every Gaussian initializer ``(layer_dims, rng)`` shares (a
    transposed W, a missing last layer, uniform numbers), for weights of std
    ``std(n_prev, n)``; ``std=None`` for ``initialize_random``, whose std is its argument
    ``scale``."""

    def impl(draw):
        def wrong(layer_dims, rng, scale=0.01):
            return draw(rng, std or (lambda n_prev, n: scale), layer_dims)
        return wrong

    return tuple(Mistake(name, _SHARED[name][0], impl(_SHARED[name][1])) for name in names)


# ---- initialize_zeros ----------------------------------------------------------------


def _zeros_transposed(layer_dims):
    return _build(layer_dims, lambda l, n_prev, n: np.zeros((n_prev, n)))


def _zeros_bias_1d(layer_dims):
    return _build(layer_dims, lambda l, n_prev, n: np.zeros((n, n_prev)),
                  lambda l, n: np.zeros(n))


def _zeros_missing_last(layer_dims):
    return _build(layer_dims, lambda l, n_prev, n: np.zeros((n, n_prev)),
                  last=len(layer_dims) - 2)


def _zeros_int(layer_dims):
    return _build(layer_dims, lambda l, n_prev, n: np.zeros((n, n_prev), dtype=int),
                  lambda l, n: np.zeros((n, 1), dtype=int))


def _zeros_bias_row(layer_dims):
    return _build(layer_dims, lambda l, n_prev, n: np.zeros((n, n_prev)),
                  lambda l, n: np.zeros((1, n)))


def _zeros_bias_previous(layer_dims):
    return _build(layer_dims, lambda l, n_prev, n: np.zeros((n, n_prev)),
                  lambda l, n: np.zeros((layer_dims[l - 1], 1)))


register("initialize_zeros", initialize_zeros, _zeros_case, tolerance=Tolerance(dtype=True),
         summary="all-zero weights and biases (the initialization that fails)", mistakes=(
    Mistake("transposed_weights", _TRANSPOSED_HINT, _zeros_transposed),
    Mistake("bias_without_column_axis", "b[l] must be a column of shape (n[l], 1), not (n[l],): "
            "np.zeros((layer_dims[l], 1)). A 1-D bias broadcasts along the wrong axis in W A_prev "
            "+ b.", _zeros_bias_1d),
    Mistake("missing_last_layer", _MISSING_LAST_HINT, _zeros_missing_last),
    Mistake("integer_arrays", "np.zeros(..., dtype=int) makes integer arrays: gradient descent's "
            "in-place update W -= lr * dW then fails (or truncates). Parameters are float64, "
            "np.zeros's default.", _zeros_int),
    Mistake("bias_as_row", "b[l] is a COLUMN, one entry per unit of layer l: shape (n[l], 1), "
            "np.zeros((layer_dims[l], 1)), not a row (1, n[l]).", _zeros_bias_row),
    Mistake("bias_sized_for_previous_layer", "b[l] has one entry per unit of layer l, "
            "layer_dims[l], not per unit of the previous layer: np.zeros((layer_dims[l], 1)).",
            _zeros_bias_previous),
))

# ---- initialize_random ---------------------------------------------------------------


def _random_uniform(layer_dims, rng, scale=0.01):
    return _build(layer_dims, lambda l, n_prev, n: rng.random((n, n_prev)) * scale)


def _random_biases(layer_dims, rng, scale=0.01):
    return _build(layer_dims, _normal(rng, lambda a, b: scale),
                  lambda l, n: rng.standard_normal((n, 1)) * scale)


def _random_variance(layer_dims, rng, scale=0.01):
    return _build(layer_dims, _normal(rng, lambda a, b: scale ** 2))


register("initialize_random", initialize_random, _random_case, points=2,
         summary="Gaussian weights of standard deviation `scale`, zero biases", mistakes=(
    Mistake("uniform_instead_of_normal", "rng.random draws UNIFORM numbers in [0, 1): all "
            "positive, mean 0.5. Weights should be Gaussian with mean 0: "
            "rng.standard_normal(shape) * scale.", _random_uniform),
    *_shared_mistakes(None, "transposed_weights"),
    Mistake("random_biases", "Biases start at zero: the random weights already break the "
            "symmetry. Drawing biases also consumes random numbers, so every later W differs from "
            "the reference too.", _random_biases),
    *_shared_mistakes(None, "missing_last_layer"),
    Mistake("scale_squared", "scale is the standard deviation of the weights: multiply standard "
            "normal numbers by scale, not by scale² (that would be the variance).",
            _random_variance),
))

# ---- initialize_xavier ---------------------------------------------------------------


register("initialize_xavier", initialize_xavier, _rng_case,
         summary="Gaussian weights of std √(1/n[l-1]) (Xavier), zero biases", mistakes=(
    Mistake("fan_out_instead_of_fan_in", "The std uses n[l] (this layer's size); it should use "
            "n[l-1], the number of INPUTS of each unit (fan-in): each z sums n[l-1] terms w·a.",
            _std(lambda n_prev, n: np.sqrt(1.0 / n))),
    Mistake("forgot_square_root", "1/n[l-1] is the VARIANCE of the weights; the standard "
            "deviation that multiplies standard_normal is its square root, np.sqrt(1 / "
            "layer_dims[l-1]).", _std(lambda n_prev, n: 1.0 / n_prev)),
    Mistake("glorot_formula", "That is the Glorot & Bengio form √(2/(n[l-1]+n[l])) (PyTorch's "
            "xavier_normal_). In this course \"Xavier\" is √(1/n[l-1]) (as in Saito's book); the "
            "Glorot form is the next exercise.", _std(_GLOROT)),
    *_shared_mistakes(_XAVIER, "transposed_weights", "missing_last_layer",
                      "uniform_instead_of_normal"),
))

# ---- initialize_glorot ---------------------------------------------------------------


register("initialize_glorot", initialize_glorot, _rng_case,
         summary="Gaussian weights of std √(2/(n[l-1]+n[l])) (Glorot & Bengio), zero biases",
         mistakes=(
    Mistake("operator_precedence", "2 / n_prev + n is (2 / n_prev) + n: put the sum in "
            "parentheses, np.sqrt(2 / (n_prev + n)).",
            _std(lambda n_prev, n: np.sqrt(2.0 / n_prev + n))),
    Mistake("forgot_the_two", "The variance is 2/(n[l-1] + n[l]), the inverse of the AVERAGE fan "
            "(n[l-1] + n[l])/2; without the 2 the weights are √2 times too small.",
            _std(lambda n_prev, n: np.sqrt(1.0 / (n_prev + n)))),
    Mistake("forgot_square_root", "2/(n[l-1]+n[l]) is the variance; multiply by its square root, "
            "the standard deviation.", _std(lambda n_prev, n: 2.0 / (n_prev + n))),
    Mistake("fan_in_only", "That is this course's Xavier, √(1/n[l-1]), which only looks at the "
            "inputs. Glorot averages fan-in and fan-out: √(2/(n[l-1] + n[l])).", _std(_XAVIER)),
    *_shared_mistakes(_GLOROT, "transposed_weights", "missing_last_layer"),
))

# ---- initialize_he -------------------------------------------------------------------


register("initialize_he", initialize_he, _rng_case,
         summary="Gaussian weights of std √(2/n[l-1]) for ReLU layers (He), zero biases", mistakes=(
    Mistake("missing_factor_two", "That is √(1/n[l-1]) (Xavier). ReLU zeroes half of its inputs, "
            "which halves E[a²]; He doubles the variance to compensate: √(2/n[l-1]).",
            _std(_XAVIER)),
    Mistake("fan_out_instead_of_fan_in", "Use n[l-1] (the number of inputs of each unit), not "
            "n[l]: np.sqrt(2 / layer_dims[l-1]).", _std(lambda n_prev, n: np.sqrt(2.0 / n))),
    Mistake("forgot_square_root", "2/n[l-1] is the variance; the standard deviation is np.sqrt(2 "
            "/ layer_dims[l-1]).", _std(lambda n_prev, n: 2.0 / n_prev)),
    Mistake("sqrt_of_numerator_only", "np.sqrt(2) / n is not np.sqrt(2 / n): the square root must "
            "cover the whole fraction.", _std(lambda n_prev, n: np.sqrt(2.0) / n_prev)),
    *_shared_mistakes(_HE, "missing_last_layer"),
))

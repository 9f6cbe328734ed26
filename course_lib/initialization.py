"""Parameter initialization for a fully connected network.

``layer_dims = [n0, n1, ..., nL]`` gives the input size n0 = n_x and the size of
every layer. For l = 1..L the functions create ``W{l}`` of shape ``(n[l], n[l-1])``
and ``b{l}`` of shape ``(n[l], 1)``, biases always zero.

Random weights are drawn layer by layer, in order l = 1, 2, ..., L, as
``rng.standard_normal((n[l], n[l-1])) * std`` with

============  =========================  ==============================
method        std of W[l]                 PyTorch equivalent
============  =========================  ==============================
``zeros``     0 (fails: symmetry)         ``nn.init.zeros_``
``random``    ``scale`` (e.g. 0.01)       ``nn.init.normal_(std=scale)``
``xavier``    √(1 / n[l-1])  (notes)      ``kaiming_normal_(nonlinearity='linear')``
``glorot``    √(2 / (n[l-1] + n[l]))      ``xavier_normal_``
``he``        √(2 / n[l-1])               ``kaiming_normal_(nonlinearity='relu')``
============  =========================  ==============================

"Xavier" follows the course notes (std √(1/n[l-1])); the symmetric Glorot & Bengio
form is called "glorot" here.

With ``batch_norm=True`` every hidden layer l < L gets ``gamma{l}`` = 1 and
``beta{l}`` = 0 instead of ``b{l}`` (batch norm's mean subtraction would cancel b).

:func:`hidden_activations` runs the classic experiment that motivates these scales:
the activations of a deep random network, layer by layer, for a given weight std
(:func:`course_lib.plots.plot_activation_histograms` draws them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .activations import relu, sigmoid, tanh
from .validation import check_array, check_int, check_layer_dims, check_positive, check_rng

__all__ = [
    "INIT_METHODS",
    "hidden_activations",
    "init_std",
    "initialize_glorot",
    "initialize_he",
    "initialize_parameters",
    "initialize_random",
    "initialize_xavier",
    "initialize_zeros",
]

INIT_METHODS = ("zeros", "random", "xavier", "glorot", "he")


def init_std(method: str, n_in: int, n_out: int, scale: float = 0.01) -> float:
    """Standard deviation of the weights of a layer with ``n_in`` inputs and ``n_out`` units."""
    if method == "zeros":
        return 0.0
    if method == "random":
        return float(scale)
    if method == "xavier":
        return float(np.sqrt(1.0 / n_in))
    if method == "glorot":
        return float(np.sqrt(2.0 / (n_in + n_out)))
    if method == "he":
        return float(np.sqrt(2.0 / n_in))
    raise ValueError(f"method must be one of {INIT_METHODS}, got {method!r}")


def initialize_parameters(
    layer_dims: Sequence[int],
    method: str = "he",
    rng: np.random.Generator | None = None,
    *,
    scale: float = 0.01,
    batch_norm: bool = False,
    dtype: type = np.float64,
) -> dict[str, np.ndarray]:
    """Parameters ``W1, b1, ..., WL, bL`` (or ``gamma``/``beta`` for batch-norm layers).

    Args:
        layer_dims: ``[n0, n1, ..., nL]``.
        method: one of ``zeros``, ``random``, ``xavier``, ``glorot``, ``he``.
        rng: the generator the weights are drawn from (not needed for ``zeros``).
        scale: the std of the ``random`` method.
        batch_norm: hidden layers get γ = 1, β = 0 and no bias.
        dtype: float64 (default) or float32.
    """
    dims = check_layer_dims("layer_dims", layer_dims)
    if method not in INIT_METHODS:
        raise ValueError(f"method must be one of {INIT_METHODS}, got {method!r}")
    if method == "random":
        check_positive("scale", scale)
    if method != "zeros":
        check_rng("rng", rng)
    L = len(dims) - 1
    params: dict[str, np.ndarray] = {}
    for l in range(1, L + 1):
        shape = (dims[l], dims[l - 1])
        if method == "zeros":
            W = np.zeros(shape)
        else:
            W = rng.standard_normal(shape) * init_std(method, dims[l - 1], dims[l], scale)
        params[f"W{l}"] = W.astype(dtype, copy=False)
        if batch_norm and l < L:
            params[f"gamma{l}"] = np.ones((dims[l], 1), dtype=dtype)
            params[f"beta{l}"] = np.zeros((dims[l], 1), dtype=dtype)
        else:
            params[f"b{l}"] = np.zeros((dims[l], 1), dtype=dtype)
    return params


def initialize_zeros(layer_dims: Sequence[int]) -> dict[str, np.ndarray]:
    """All weights and biases zero (every unit of a layer then learns the same thing).

    Exercise `initialize_zeros`, notebook 02_initialization.
    """
    return initialize_parameters(layer_dims, "zeros")


def initialize_random(
    layer_dims: Sequence[int], rng: np.random.Generator, scale: float = 0.01
) -> dict[str, np.ndarray]:
    """W[l] = randn(n[l], n[l-1]) · scale, b[l] = 0.

    Exercise `initialize_random`, notebook 02_initialization.
    """
    return initialize_parameters(layer_dims, "random", rng, scale=scale)


def initialize_xavier(layer_dims: Sequence[int], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """W[l] = randn(n[l], n[l-1]) · √(1/n[l-1]), b[l] = 0 (the notes' "Xavier").

    Exercise `initialize_xavier`, notebook 02_initialization.
    """
    return initialize_parameters(layer_dims, "xavier", rng)


def initialize_glorot(layer_dims: Sequence[int], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """W[l] = randn(n[l], n[l-1]) · √(2/(n[l-1]+n[l])), b[l] = 0.

    Exercise `initialize_glorot`, notebook 02_initialization.
    """
    return initialize_parameters(layer_dims, "glorot", rng)


def initialize_he(layer_dims: Sequence[int], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """W[l] = randn(n[l], n[l-1]) · √(2/n[l-1]), b[l] = 0 (for ReLU layers).

    Exercise `initialize_he`, notebook 02_initialization.
    """
    return initialize_parameters(layer_dims, "he", rng)


# ---- the experiment: activations of a deep random network ------------------------

_EXPERIMENT_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
}


def hidden_activations(
    X: np.ndarray,
    layer_sizes: Sequence[int],
    activation: str,
    weight_std: float | Callable[[int], float],
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Forward ``X`` through random layers and return every layer's activations.

    The classic initialization experiment: ``X`` is ``(n0, m)`` (e.g. ``(100, 1000)``,
    standard normal), and for ``l = 1..L`` with ``n_l = layer_sizes[l-1]``::

        W[l] = rng.standard_normal((n_l, n_{l-1})) * std,   A[l] = g(W[l] A[l-1])

    (no bias), where ``std = weight_std`` or ``weight_std(n_{l-1})`` when it is a
    callable (e.g. Xavier: ``lambda n: np.sqrt(1 / n)``) and ``g`` is ``"sigmoid"``,
    ``"tanh"`` or ``"relu"``. Returns ``[A[1], ..., A[L]]``, ``A[l]`` of shape ``(n_l, m)``.
    """
    A = check_array("X", X, 2)
    if activation not in _EXPERIMENT_ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_EXPERIMENT_ACTIVATIONS)}, "
                         f"got {activation!r}")
    sizes = [check_int(f"layer_sizes[{i}]", n, minimum=1) for i, n in enumerate(layer_sizes)]
    if not sizes:
        raise ValueError("layer_sizes must hold at least one layer size")
    if not callable(weight_std):
        weight_std = check_positive("weight_std", weight_std, allow_zero=True)
    rng = check_rng("rng", rng)
    g = _EXPERIMENT_ACTIVATIONS[activation]
    out = []
    for n in sizes:
        n_prev = A.shape[0]
        std = weight_std(n_prev) if callable(weight_std) else weight_std
        std = check_positive(f"weight_std({n_prev})", std, allow_zero=True)
        W = rng.standard_normal((n, n_prev)) * std
        A = g(W @ A)
        out.append(A)
    return out

"""An L-layer fully connected network built from the course's layers.

Layer l = 1..L computes, for the column-per-example input ``A[0] = X`` ``(n0, m)``::

    Z[l] = W[l] A[l-1] + b[l]                  (no b[l] when batch norm follows)
    Z̃[l] = γ[l] ẑ[l] + β[l]                    (optional batch norm, hidden layers)
    A[l] = g[l](Z̃[l])                          (hidden activation)
    A[l] = A[l] * D[l] / keep_prob[l]          (optional inverted dropout, hidden layers)

The output layer L has no activation inside the network: :func:`forward` returns
the logits ``Z[L]``; the cost applies the sigmoid (``output="sigmoid"``, ``(1, m)``)
or the softmax (``output="softmax"``, ``(C, m)``) together with the cross-entropy,
which is both stable and gives ``dZ[L] = Ŷ - Y``.

The architecture is a frozen :class:`Network` value; parameters are a dict
``W1, b1, gamma1, beta1, ...``; batch norm's running statistics are a separate
state dict ``running_mean1, running_var1, ...``. Depth always comes from
``layer_dims``, never from the number of parameters.
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS, predict_binary, predict_classes, sigmoid, softmax
from .batchnorm import (
    BN_BETA,
    BN_EPS,
    _batchnorm_backward_inplace,
    _batchnorm_forward_inplace,
    _update_running_stats,
)
from .initialization import initialize_parameters
from .losses import (
    _l1_penalty,
    _l2_penalty,
    _softmax_cross_entropy,
    binary_cross_entropy_from_logits,
)
from .optimizers import _split_flat
from .validation import (
    check_array,
    check_in_range,
    check_layer_dims,
    check_params,
    check_positive,
    check_probability,
    check_rng,
    check_shape,
)

__all__ = [
    "Network",
    "accuracy",
    "backward",
    "compute_cost",
    "forward",
    "output_activation",
    "predict",
    "predict_proba",
    "train_step",
]


@dataclass(frozen=True)
class Network:
    """The architecture and regularization of a fully connected network.

    Args:
        layer_dims: ``(n0, n1, ..., nL)``; n0 is the input size, nL the output size
            (1 for ``sigmoid``, C for ``softmax``).
        hidden_activation: one name for every hidden layer, or one per hidden layer
            (``relu``, ``leaky_relu``, ``tanh``, ``sigmoid``, ``identity``).
        output: ``sigmoid`` (binary) or ``softmax`` (C classes).
        batch_norm: batch norm before the activation of every hidden layer.
        keep_probs: dropout keep probability, one for all hidden layers or one per
            hidden layer; 1.0 means no dropout.
        regularization: ``None``, ``"l2"`` or ``"l1"`` (on weights only).
        lambd: the regularization strength λ.
        bn_eps: ε of batch norm.
        bn_beta: EWMA coefficient of the running statistics (PyTorch momentum = 1 - β).
        bn_unbiased: store the unbiased batch variance in the running variance
            (True reproduces PyTorch's BatchNorm1d).
    """

    layer_dims: tuple[int, ...]
    hidden_activation: str | tuple[str, ...] = "relu"
    output: str = "sigmoid"
    batch_norm: bool = False
    keep_probs: float | tuple[float, ...] = 1.0
    regularization: str | None = None
    lambd: float = 0.0
    bn_eps: float = BN_EPS
    bn_beta: float = BN_BETA
    bn_unbiased: bool = False

    def __post_init__(self) -> None:
        dims = check_layer_dims("layer_dims", self.layer_dims)
        object.__setattr__(self, "layer_dims", dims)
        L = len(dims) - 1
        acts = self.hidden_activation
        if isinstance(acts, str):
            acts = (acts,) * (L - 1)
        acts = tuple(acts)
        if len(acts) != L - 1:
            raise ValueError(
                f"hidden_activation needs one name per hidden layer ({L - 1}), got {len(acts)}"
            )
        for a in acts:
            if a not in ACTIVATIONS:
                raise ValueError(f"hidden_activation must be in {sorted(ACTIVATIONS)}, got {a!r}")
        object.__setattr__(self, "hidden_activation", acts)
        if self.output not in ("sigmoid", "softmax"):
            raise ValueError(f"output must be 'sigmoid' or 'softmax', got {self.output!r}")
        if self.output == "sigmoid" and dims[-1] != 1:
            raise ValueError(f"output='sigmoid' needs layer_dims[-1] == 1, got {dims[-1]}")
        kps = self.keep_probs
        if isinstance(kps, numbers.Real):  # one keep_prob for every hidden layer
            kps = (kps,) * (L - 1)
        kps = tuple(check_probability("keep_probs", k) for k in kps)
        if len(kps) != L - 1:
            raise ValueError(
                f"keep_probs needs one value per hidden layer ({L - 1}), got {len(kps)}"
            )
        object.__setattr__(self, "keep_probs", kps)
        if self.regularization not in (None, "l2", "l1"):
            raise ValueError(
                f"regularization must be None, 'l2' or 'l1', got {self.regularization!r}"
            )
        check_positive("lambd", self.lambd, allow_zero=True)
        check_positive("bn_eps", self.bn_eps)
        check_in_range("bn_beta", self.bn_beta, 0.0, 1.0, high_open=True)

    @property
    def num_layers(self) -> int:
        """L, the number of layers with weights."""
        return len(self.layer_dims) - 1

    @property
    def uses_dropout(self) -> bool:
        return any(k < 1.0 for k in self.keep_probs)

    def init_params(
        self, rng: np.random.Generator, method: str = "he", *, scale: float = 0.01,
        dtype: type = np.float64,
    ) -> dict[str, np.ndarray]:
        """Initial parameters for this architecture (see :mod:`course_lib.initialization`)."""
        return initialize_parameters(
            self.layer_dims, method, rng, scale=scale, batch_norm=self.batch_norm, dtype=dtype
        )

    def init_state(self, dtype: type = np.float64) -> dict[str, np.ndarray]:
        """Batch-norm running statistics: mean 0 and variance 1 for every hidden layer."""
        state: dict[str, np.ndarray] = {}
        if self.batch_norm:
            for l in range(1, self.num_layers):
                n = self.layer_dims[l]
                state[f"running_mean{l}"] = np.zeros((n, 1), dtype=dtype)
                state[f"running_var{l}"] = np.ones((n, 1), dtype=dtype)
        return state

    def weights(self, params: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        """``[W1, ..., WL]`` (what regularization acts on)."""
        return [params[f"W{l}"] for l in range(1, self.num_layers + 1)]


def _check_X(net: Network, X: np.ndarray) -> np.ndarray:
    X = check_array("X", X, 2)
    check_shape("X", X, (net.layer_dims[0], None))
    return X


def _check_Y(net: Network, Y: np.ndarray, m: int) -> np.ndarray:
    Y = check_array("Y", Y, 2)
    check_shape("Y", Y, (net.layer_dims[-1], m))
    return Y


def forward(
    net: Network,
    params: Mapping[str, np.ndarray],
    X: np.ndarray,
    *,
    training: bool = True,
    rng: np.random.Generator | None = None,
    state: Mapping[str, np.ndarray] | None = None,
    check: bool = True,
) -> tuple[np.ndarray, list, dict[str, np.ndarray]]:
    """Forward pass. Returns ``(ZL, caches, new_state)``.

    Args:
        net: the architecture.
        params: ``W1, b1, ...`` (``gamma``/``beta`` for batch-norm layers).
        X: ``(n0, m)`` inputs.
        training: dropout and batch-norm batch statistics on (True) or off (False).
        rng: draws the dropout masks (needed when training with keep_prob < 1).
        state: batch-norm running statistics (needed for evaluation with batch norm).
        check: validate the inputs (the training loop validates once and passes False).

    Returns:
        ZL: ``(nL, m)`` logits of the output layer.
        caches: what :func:`backward` needs, one entry per layer.
        new_state: a new dict: the running statistics after this batch (training
            with batch norm), otherwise a copy of ``state`` (``{}`` without one).
    """
    if check:
        check_params(params, net.layer_dims, batch_norm=net.batch_norm)
        X = _check_X(net, X)
        if training and net.uses_dropout:
            check_rng("rng", rng)
        if net.batch_norm and not training and state is None:
            raise ValueError("evaluation with batch norm needs state (the running statistics)")
    new_state = dict(state) if state is not None else {}
    if net.batch_norm and training and state is None:
        new_state = net.init_state(X.dtype)
    ZL, caches = _forward_core(net, params, X, training, rng, state, new_state, _fresh,
                               _dtype(params, X), _plan(net)[0])
    return ZL, caches, new_state


# ---- the computation behind forward / backward / train_step ---------------------------
#
# Written for speed, on the same formulas as the layer functions (linear_forward,
# relu_forward, batchnorm_forward, ...), which tests/test_fast_paths.py checks:
#
# * every (n, m) array comes from ``alloc(key, shape, dtype)``: new arrays for the
#   public functions, arrays reused from one train_step to the next otherwise;
# * work happens in place where the readable version makes a temporary
#   (Z += b, ReLU/tanh written over Z, batch norm over Z, dZ over dA);
# * the ReLU cache is A = max(Z, 0) instead of Z: A > 0 exactly where Z > 0;
# * the 1/m of the cost is applied once, to dZ[L]: every later dZ, dA is then 1/m
#   times the per-example one, dW = dZ A^T and db = Σ dZ need no scaling;
# * sums over the examples are matrix-vector products with a vector of ones (BLAS);
# * the gradients are written (matmul ``out=``) into ONE flat buffer, in the key
#   order of params, so the optimizer can update all parameters as one vector.

Alloc = Callable[[object, tuple[int, ...], np.dtype], np.ndarray]


def _fresh(key: object, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    return np.empty(shape, dtype=dtype)


def _dtype(params: Mapping[str, np.ndarray], X: np.ndarray) -> np.dtype:
    return np.result_type(X, *params.values())


@dataclass(frozen=True)
class _Layer:
    """What the hot loop needs to know about layer l, computed once per network."""

    l: int
    W: str
    b: str | None  # None: batch norm follows (no bias)
    gamma: str
    beta: str
    running_mean: str
    running_var: str
    activation: str | None  # None for the output layer
    keep_prob: float
    is_output: bool


def _plan(net: Network) -> tuple[tuple[_Layer, ...], frozenset[str]]:
    """The layers of ``net`` and the exact set of its parameter names (computed once,
    kept on the frozen instance: hashing a Network at every step costs more)."""
    plan = net.__dict__.get("_plan")
    if plan is None:
        plan = _make_plan(net)
        object.__setattr__(net, "_plan", plan)
    return plan


def _make_plan(net: Network) -> tuple[tuple[_Layer, ...], frozenset[str]]:
    L = net.num_layers
    layers, keys = [], set()
    for l in range(1, L + 1):
        out = l == L
        bn = net.batch_norm and not out
        layer = _Layer(
            l, f"W{l}", None if bn else f"b{l}", f"gamma{l}", f"beta{l}",
            f"running_mean{l}", f"running_var{l}",
            None if out else net.hidden_activation[l - 1],
            1.0 if out else net.keep_probs[l - 1], out,
        )
        layers.append(layer)
        keys |= {layer.W, layer.b} if layer.b else {layer.W, layer.gamma, layer.beta}
    return tuple(layers), frozenset(keys)


def _check_keys(params: Mapping[str, np.ndarray], keys: frozenset[str]) -> None:
    """params must hold exactly the network's parameters ``keys`` (KeyError otherwise)."""
    if params.keys() != keys:
        extra = sorted(set(params) - keys)
        raise KeyError(extra[0] if extra else sorted(keys - set(params))[0])


@functools.lru_cache(maxsize=32)
def _ones(m: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of m ones: ``A @ _ones(m)`` sums the rows of A (BLAS gemv)."""
    ones = np.ones(m, dtype=dtype)
    ones.flags.writeable = False
    return ones


def _forward_core(
    net: Network, params: Mapping[str, np.ndarray], X: np.ndarray, training: bool,
    rng: np.random.Generator | None, state: Mapping[str, np.ndarray] | None,
    new_state: dict[str, np.ndarray], alloc: Alloc, dtype: np.dtype,
    layers: tuple[_Layer, ...],
) -> tuple[np.ndarray, list]:
    m = X.shape[1]
    caches = []
    A = X
    for layer in layers:
        W = params[layer.W]
        Z = alloc(layer.W, (W.shape[0], m), dtype)
        np.matmul(W, A, out=Z)
        if layer.b is not None:
            Z += params[layer.b]
        if layer.is_output:
            caches.append((A, None, None, None))
            return Z, caches
        bn_cache = None
        if layer.b is None:  # batch norm
            gamma, beta = params[layer.gamma], params[layer.beta]
            if training:
                Zt = alloc(layer.gamma, Z.shape, dtype)
                Zt, bn_cache = _batchnorm_forward_inplace(
                    Z, gamma, beta, net.bn_eps, Zt, _ones(m, dtype)
                )
                rm, rv = layer.running_mean, layer.running_var
                new_state[rm], new_state[rv] = _update_running_stats(
                    new_state[rm], new_state[rv], bn_cache[3], bn_cache[4],
                    net.bn_beta, m, net.bn_unbiased and m > 1,
                )
                Z = Zt
            else:  # batchnorm_forward_eval, in place
                scale = gamma / np.sqrt(state[layer.running_var] + net.bn_eps)
                Z *= scale
                Z += beta - state[layer.running_mean] * scale
        name = layer.activation
        if name == "relu":
            A_next = act_cache = np.maximum(Z, 0, out=Z)
        elif name == "tanh":
            A_next = act_cache = np.tanh(Z, out=Z)
        else:
            A_next, act_cache = ACTIVATIONS[name][0](Z)
        mask = None
        kp = layer.keep_prob
        if training and kp < 1.0:
            mask = rng.random(A_next.shape) < kp
            A_next = A_next * mask
            A_next *= A_next.dtype.type(1.0 / kp)
        caches.append((A, act_cache, bn_cache, mask))
        A = A_next
    raise AssertionError("unreachable")  # pragma: no cover


def _grad_buffers(
    params: Mapping[str, np.ndarray], dtype: np.dtype, alloc: Alloc
) -> dict[str, np.ndarray]:
    """Gradient arrays shaped like params: consecutive views of one flat buffer."""
    flat = alloc("grads", (sum(w.size for w in params.values()),), dtype)
    return _split_flat(flat, {k: w.shape for k, w in params.items()})


def _backward_core(
    net: Network, params: Mapping[str, np.ndarray], dZ: np.ndarray, caches: list, m: int,
    grads: dict[str, np.ndarray], alloc: Alloc, layers: tuple[_Layer, ...],
) -> None:
    """Backpropagate ``dZ = (1/m)·dZ[L]`` (overwritten) into the arrays of ``grads``."""
    ones = _ones(m, dZ.dtype)
    reg = net.regularization if net.lambd else None
    for layer in reversed(layers):
        A_prev = caches[layer.l - 1][0]
        W = params[layer.W]
        dW = grads[layer.W]
        np.matmul(dZ, A_prev.T, out=dW)  # (1/m) dZ A_prev^T
        if reg == "l2":
            dW += (net.lambd / m) * W
        elif reg == "l1":
            dW += (net.lambd / m / 2) * np.sign(W)
        if layer.b is not None:
            np.matmul(dZ, ones, out=grads[layer.b].reshape(-1))  # (1/m) Σ dZ
        if layer.l == 1:
            return
        dA = alloc(("dA", layer.l), (W.shape[1], m), dZ.dtype)
        np.matmul(W.T, dZ, out=dA)
        below = layers[layer.l - 2]
        _, act_cache, bn_cache, mask = caches[below.l - 1]
        if mask is not None:
            dA *= mask
            dA *= dA.dtype.type(1.0 / below.keep_prob)
        name = below.activation
        if name == "relu":  # act_cache = A (or Z): A > 0 exactly where Z > 0
            np.multiply(dA, act_cache > 0, out=dA)
        elif name == "tanh":  # dA · (1 - A²)
            tmp = alloc(("tmp", below.l), dA.shape, dA.dtype)
            np.multiply(act_cache, act_cache, out=tmp)
            np.subtract(1, tmp, out=tmp)
            dA *= tmp
        else:
            dA = ACTIVATIONS[name][1](dA, act_cache)
        if bn_cache is not None:
            tmp = alloc(("tmp", below.l), dA.shape, dA.dtype)
            _batchnorm_backward_inplace(
                dA, bn_cache, m, grads[below.gamma], grads[below.beta], tmp, ones
            )
        dZ = dA
    raise AssertionError("unreachable")  # pragma: no cover


def output_activation(net: Network, ZL: np.ndarray) -> np.ndarray:
    """Ŷ from the logits: σ(ZL) or softmax(ZL)."""
    return sigmoid(ZL) if net.output == "sigmoid" else softmax(ZL)


def compute_cost(
    net: Network, params: Mapping[str, np.ndarray], ZL: np.ndarray, Y: np.ndarray,
    *, check: bool = True,
) -> float:
    """Cross-entropy from the logits plus the regularization term.

    ``J = (1/m) Σ_i L(ŷ(i), y(i)) + (λ/2m) Σ_l ‖W[l]‖²_F`` (L2) or ``+ (λ/2m) Σ |W|`` (L1).
    """
    if check:
        ZL = check_array("ZL", ZL, 2)
        Y = _check_Y(net, Y, ZL.shape[1])
    m = ZL.shape[1]
    if net.output == "sigmoid":
        cost = binary_cross_entropy_from_logits(ZL, Y)
    else:
        cost = _softmax_cross_entropy(ZL, Y)
    return cost + _penalty(net, params, m)


def _penalty(net: Network, params: Mapping[str, np.ndarray], m: int) -> float:
    if net.regularization is None or net.lambd == 0:
        return 0.0
    penalty = _l2_penalty if net.regularization == "l2" else _l1_penalty
    return penalty(net.weights(params), net.lambd, m)


def backward(
    net: Network,
    params: Mapping[str, np.ndarray],
    ZL: np.ndarray,
    Y: np.ndarray,
    caches: list,
    *,
    check: bool = True,
) -> dict[str, np.ndarray]:
    """Backpropagation. Returns grads with the keys of ``params`` (``grads["W1"]`` = ∂J/∂W1).

    Starts from ``dZ[L] = Ŷ - Y`` (per example), then for l = L..1:
    ``dW = (1/m) dZ A_prev^T (+ regularization)``, ``db = (1/m) Σ dZ``,
    ``dA_prev = W^T dZ``, then back through dropout (same mask, / keep_prob),
    the activation, and batch norm.
    """
    if check:
        ZL = check_array("ZL", ZL, 2)
        Y = _check_Y(net, Y, ZL.shape[1])
        if len(caches) != net.num_layers:
            raise ValueError(
                f"caches has {len(caches)} entries but the network has {net.num_layers} layers"
            )
    m = ZL.shape[1]
    dZ = output_activation(net, ZL)  # a new array: ZL is not modified
    dZ -= Y
    dZ *= 1.0 / m
    layers, keys = _plan(net)
    _check_keys(params, keys)
    grads = _grad_buffers(params, _dtype(params, dZ), _fresh)
    _backward_core(net, params, dZ, caches, m, grads, _fresh, layers)
    return grads


def predict_proba(
    net: Network, params: Mapping[str, np.ndarray], X: np.ndarray,
    state: Mapping[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Ŷ in evaluation mode (no dropout; batch norm with running statistics)."""
    ZL, _, _ = forward(net, params, X, training=False, state=state)
    return output_activation(net, ZL)


def predict(
    net: Network, params: Mapping[str, np.ndarray], X: np.ndarray,
    state: Mapping[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Predicted labels ``(1, m)``: threshold 0.5 (sigmoid) or argmax (softmax)."""
    return _output_labels(net, predict_proba(net, params, X, state))


def _output_labels(net: Network, P: np.ndarray) -> np.ndarray:
    """int64 labels ``(1, m)`` from the output layer's probabilities ``P``."""
    return predict_binary(P) if net.output == "sigmoid" else predict_classes(P)


def accuracy(
    net: Network, params: Mapping[str, np.ndarray], X: np.ndarray, labels: np.ndarray,
    state: Mapping[str, np.ndarray] | None = None,
) -> float:
    """Fraction of examples whose predicted label equals ``labels``.

    ``labels``: one label per example, ``(1, m)`` or ``(m,)``, or one-hot ``(C, m)``
    for a softmax output.
    """
    pred = predict(net, params, X, state)
    m, C = pred.shape[1], net.layer_dims[-1]
    labels = np.asarray(labels)
    if net.output == "softmax" and labels.ndim == 2 and labels.shape == (C, m) and C > 1:
        labels = np.argmax(labels, axis=0)
    if labels.size != m:
        raise ValueError(f"labels must hold one label per example of X ((1, {m}), or one-hot "
                         f"({C}, {m}) for softmax), got shape {labels.shape}")
    return float(np.mean(pred == labels.reshape(1, -1)))



# ---- one whole training step ------------------------------------------------------------


class _Workspace:
    """Arrays that :func:`train_step` reuses from one call to the next."""

    def __init__(self, net: Network) -> None:
        self.net = net  # keeps id(net), the key of this workspace, from being reused
        self.arrays: dict[object, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.grads_for: tuple = ((), (), None)

    def alloc(self, key: object, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        a = self.arrays.get(key)
        if a is None or a.shape != shape or a.dtype != dtype:
            a = self.arrays[key] = np.empty(shape, dtype=dtype)
        return a

    def grad_buffers(self, params: Mapping[str, np.ndarray], dtype: np.dtype) -> dict:
        """The same array objects every step (the optimizer recognizes them at once)."""
        keys, arrays = tuple(params), tuple(params.values())
        old_keys, old_arrays, old_dtype = self.grads_for
        if not (keys == old_keys and old_dtype == dtype
                and all(map(operator.is_, arrays, old_arrays))):
            self.grads = _grad_buffers(params, dtype, self.alloc)
            self.grads_for = (keys, arrays, dtype)
        return self.grads


_workspaces = threading.local()
_MAX_WORKSPACES = 4


def _workspace(net: Network, m: int, dtype: np.dtype) -> _Workspace:
    """This thread's workspace for (net, m, dtype); the least recently used are dropped."""
    cache = getattr(_workspaces, "cache", None)
    if cache is None:
        cache = _workspaces.cache = OrderedDict()
    key = (id(net), m, dtype)
    ws = cache.get(key)
    if ws is None or ws.net is not net:
        ws = cache[key] = _Workspace(net)
        while len(cache) > _MAX_WORKSPACES:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return ws


def _cost_and_dZ(
    net: Network, ZL: np.ndarray, Y: np.ndarray, dZ: np.ndarray
) -> float:
    """The cross-entropy (no penalty) and ``dZ = (Ŷ - Y)/m`` in one pass; ZL is overwritten.

    Softmax: with ``S = ZL - max`` (per column) and ``s = Σ_j e^S``,
    ``J = (1/m) Σ_i [log s(i) Σ_j y_j(i) - Σ_j y_j(i) S_j(i)]`` (two sums of
    non-negative terms, no cancellation) and ``Ŷ = e^S / s``.
    Sigmoid: ``L = max(z, 0) - z·y + log(1 + e^{-|z|})`` and
    ``σ(z) = 1/(1 + e^{-|z|})`` (z >= 0) or ``e^{-|z|}/(1 + e^{-|z|})`` (z < 0),
    sharing the exponential.
    """
    m = ZL.shape[1]
    if net.output == "softmax":
        ZL -= ZL.max(axis=0, keepdims=True)  # S
        E = np.exp(ZL, out=dZ)
        s = E.sum(axis=0, keepdims=True)
        cost = (float(np.log(s).ravel() @ Y.sum(axis=0)) - float(np.vdot(Y, ZL))) / m
        E *= 1.0 / s  # Ŷ
    else:
        e = np.abs(ZL)
        np.negative(e, out=e)
        np.exp(e, out=e)  # e^{-|z|}
        losses = np.maximum(ZL, 0)
        losses -= ZL * Y
        losses += np.log1p(e)
        cost = float(losses.sum()) / m
        np.add(e, 1, out=dZ)
        np.divide(1, dZ, out=dZ)  # 1/(1 + e^{-|z|})
        e *= dZ
        np.copyto(dZ, e, where=ZL < 0)  # σ(z)
    dZ -= Y
    dZ *= 1.0 / m
    return cost


def train_step(
    net: Network,
    params: dict[str, np.ndarray],
    optimizer,
    opt_state: dict,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    rng: np.random.Generator | None = None,
    state: Mapping[str, np.ndarray] | None = None,
    lr: float | None = None,
    check: bool = False,
) -> tuple[float, dict[str, np.ndarray]]:
    """One training step on a mini-batch; returns ``(cost, new_state)``.

    The same as::

        ZL, caches, new_state = forward(net, params, X, rng=rng, state=state, check=check)
        cost = compute_cost(net, params, ZL, Y, check=check)
        grads = backward(net, params, ZL, Y, caches, check=check)
        optimizer.update_inplace(params, grads, opt_state, lr=lr)

    (so ``params`` and ``opt_state`` are updated in place, the cost is the one
    *before* the update), but faster: the activations, caches and gradients live in
    arrays reused from one call to the next (per thread, network and batch shape),
    the softmax/sigmoid is computed once for both the cost and dZ[L], and the
    gradients reach the optimizer as one flat vector. Inputs are not validated
    unless ``check=True``. The cost is NaN (not an error) when the logits are not
    finite; when the cost is not finite, ``params`` and ``opt_state`` are left as
    they were (no update with NaN or inf gradients), while ``new_state`` already
    holds the running statistics of that batch.
    """
    if check:
        check_params(params, net.layer_dims, batch_norm=net.batch_norm)
        X = _check_X(net, X)
        Y = _check_Y(net, Y, X.shape[1])
        if net.uses_dropout:
            check_rng("rng", rng)
    layers, keys = _plan(net)
    _check_keys(params, keys)
    m = X.shape[1]
    dtype = _dtype(params, X)
    ws = _workspace(net, m, dtype)
    new_state = dict(state) if state is not None else {}
    if net.batch_norm and state is None:
        new_state = net.init_state(X.dtype)
    ZL, caches = _forward_core(net, params, X, True, rng, state, new_state, ws.alloc, dtype,
                               layers)
    dZ = ws.alloc("dZL", ZL.shape, dtype)
    cost = _cost_and_dZ(net, ZL, Y, dZ) + _penalty(net, params, m)
    if not math.isfinite(cost):  # diverged: no update with NaN/inf gradients
        return cost, new_state
    grads = ws.grad_buffers(params, dtype)
    _backward_core(net, params, dZ, caches, m, grads, ws.alloc, layers)
    optimizer.update_inplace(params, grads, opt_state, lr=lr)
    return cost, new_state

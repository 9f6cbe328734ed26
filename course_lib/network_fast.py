"""The training engine behind :func:`course_lib.network.train_step`.

One training step is, by definition (see :mod:`course_lib.network`)::

    ZL, caches, new_state = forward(net, params, X, rng=rng, state=state)
    cost = compute_cost(net, params, ZL, Y)
    grads = backward(net, params, ZL, Y, caches)
    optimizer.update_inplace(params, grads, opt_state, lr=lr)

:func:`train_step` computes the same numbers (to rounding; ``tests/test_fast_paths.py``
checks it against those four calls) with the same layer functions where they can
work in place, and their in-place variants otherwise:

* every (n, m) array comes from a workspace reused from one step to the next (per
  thread, network, batch size and dtype), so no large array is allocated per step;
* the linear layer is ``np.matmul(W, A, out=Z)``, ``Z += b``; the activations
  (:data:`course_lib.activations.ACTIVATIONS`) are computed over Z, their backward
  over dA (``out=``); batch norm is :func:`~course_lib.batchnorm.batchnorm_forward_inplace`
  / :func:`~course_lib.batchnorm.batchnorm_backward_inplace`; dropout is
  :func:`~course_lib.dropout.dropout_forward` / ``dropout_backward``;
* the cost and ``dZ[L]`` come from one pass over the logits
  (:func:`~course_lib.losses.cross_entropy_and_grad_inplace`), which also applies
  the 1/m of the cost: every later dZ, dA is 1/m times the per-example one, so
  ``dW = dZ A_prevᵀ`` and ``db = Σ dZ`` need no scaling;
* sums over the examples are matrix-vector products with a vector of ones (BLAS);
* the gradients are written (``matmul(..., out=)``) into one flat buffer in the key
  order of params (:func:`~course_lib.optimizers.flat_zeros_like`), so the optimizer
  updates all parameters as one vector, with work arrays kept in the workspace too
  (:class:`~course_lib.optimizers.Workspace`).

Only training mode lives here: evaluation (``forward(training=False)``) is the
readable path of :mod:`course_lib.network`.
"""

from __future__ import annotations

import functools
import math
import operator
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .activations import ACTIVATIONS
from .batchnorm import batchnorm_backward_inplace, batchnorm_forward_inplace, update_running_stats
from .dropout import dropout_backward, dropout_forward
from .losses import cross_entropy_and_grad_inplace
from .optimizers import Workspace as OptimizerWorkspace
from .optimizers import flat_zeros_like
from .validation import check_params

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

__all__ = ["train_step"]


@dataclass(frozen=True)
class _Layer:
    """What the hot loop needs to know about layer l, computed once per workspace."""

    l: int
    W: str
    b: str | None  # None: batch norm follows (no bias)
    gamma: str
    beta: str
    running_mean: str
    running_var: str
    forward: Callable | None  # the activation's forward and backward; None: output layer
    backward: Callable | None
    keep_prob: float


def _plan(net: Network) -> tuple[tuple[_Layer, ...], tuple[str, ...]]:
    """The layers of ``net`` and the names of its parameters, in the order of
    :meth:`Network.init_params`."""
    L = net.num_layers
    layers, keys = [], []
    for l in range(1, L + 1):
        out = l == L
        bn = net.batch_norm and not out
        fwd, bwd = (None, None) if out else ACTIVATIONS[net.hidden_activation[l - 1]]
        layer = _Layer(
            l, f"W{l}", None if bn else f"b{l}", f"gamma{l}", f"beta{l}",
            f"running_mean{l}", f"running_var{l}", fwd, bwd,
            1.0 if out else net.keep_probs[l - 1],
        )
        layers.append(layer)
        keys += [layer.W, layer.gamma, layer.beta] if bn else [layer.W, layer.b]
    return tuple(layers), tuple(keys)


@functools.lru_cache(maxsize=32)
def _ones(m: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of m ones: ``A @ _ones(m)`` sums the rows of A (BLAS gemv)."""
    ones = np.ones(m, dtype=dtype)
    ones.flags.writeable = False
    return ones


class _Workspace:
    """What :func:`train_step` keeps from one call to the next for one (net, m, dtype)."""

    def __init__(self, net: Network) -> None:
        self.net = net  # keeps id(net), the key of this workspace, from being reused
        self.layers, keys = _plan(net)
        self.keys = frozenset(keys)
        self.arrays: dict[object, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.grads_for: tuple = ((), ())
        self.optimizer = OptimizerWorkspace()  # the optimizer's work arrays

    def alloc(self, key: object, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        a = self.arrays.get(key)
        if a is None or a.shape != shape or a.dtype != dtype:
            a = self.arrays[key] = np.empty(shape, dtype=dtype)
        return a

    def check_keys(self, params: Mapping[str, np.ndarray]) -> None:
        """params must hold exactly the network's parameters (the flat gradient buffer
        and the optimizer's state have one entry per parameter)."""
        if params.keys() != self.keys:  # check_params says which key, and what is needed
            check_params(params, self.net.layer_dims, batch_norm=self.net.batch_norm)
            raise AssertionError("unreachable")  # pragma: no cover

    def grad_buffers(self, params: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The same gradient arrays every step while params holds the same arrays (the
        optimizer then recognizes them at once)."""
        keys, arrays = tuple(params), tuple(params.values())
        old_keys, old_arrays = self.grads_for
        if not (keys == old_keys and all(map(operator.is_, arrays, old_arrays))):
            self.grads = flat_zeros_like(params)
            self.grads_for = (keys, arrays)
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


def _forward(
    net: Network, ws: _Workspace, params: Mapping[str, np.ndarray], X: np.ndarray,
    rng: np.random.Generator | None, new_state: dict[str, np.ndarray], dtype: np.dtype,
) -> tuple[np.ndarray, list]:
    """Training-mode forward pass; returns ``(ZL, caches)`` and updates ``new_state``."""
    m = X.shape[1]
    caches: list[tuple[Any, ...]] = []
    A = X
    for layer in ws.layers:
        W = params[layer.W]
        Z = ws.alloc(layer.W, (W.shape[0], m), dtype)
        np.matmul(W, A, out=Z)  # Z = W A + b
        if layer.b is not None:
            Z += params[layer.b]
        if layer.forward is None:  # the output layer: logits
            caches.append((A, None, None, None))
            return Z, caches
        bn_cache = None
        if layer.b is None:  # batch norm
            Z, bn_cache = batchnorm_forward_inplace(
                Z, params[layer.gamma], params[layer.beta], net.bn_eps,
                ws.alloc(layer.gamma, Z.shape, dtype), _ones(m, dtype),
            )
            rm, rv = layer.running_mean, layer.running_var
            new_state[rm], new_state[rv] = update_running_stats(
                new_state[rm], new_state[rv], bn_cache[3], bn_cache[4], net.bn_beta,
                m=m, unbiased=net.bn_unbiased and m > 1, check=False,
            )
        A_next, act_cache = layer.forward(Z, out=Z, check=False)
        drop_cache = None
        if layer.keep_prob < 1.0:
            A_next, drop_cache = dropout_forward(A_next, layer.keep_prob, rng, check=False)
        caches.append((A, act_cache, bn_cache, drop_cache))
        A = A_next
    raise AssertionError("unreachable")  # pragma: no cover


def _backward(
    net: Network, ws: _Workspace, params: Mapping[str, np.ndarray], dZ: np.ndarray,
    caches: list, m: int, grads: dict[str, np.ndarray],
) -> None:
    """Backpropagate ``dZ = (1/m)·dZ[L]`` (overwritten) into the arrays of ``grads``."""
    ones = _ones(m, dZ.dtype)
    layers = ws.layers
    for layer in reversed(layers):
        A_prev = caches[layer.l - 1][0]
        W = params[layer.W]
        dW = grads[layer.W]
        np.matmul(dZ, A_prev.T, out=dW)  # (1/m) dZ A_prev^T
        reg = net.penalty_grad(W, m)
        if reg is not None:
            dW += reg
        if layer.b is not None:
            np.matmul(dZ, ones, out=grads[layer.b].reshape(-1))  # (1/m) Σ dZ
        if layer.l == 1:
            return
        dA = ws.alloc(("dA", layer.l), (W.shape[1], m), dZ.dtype)
        np.matmul(W.T, dZ, out=dA)
        below = layers[layer.l - 2]
        _, act_cache, bn_cache, drop_cache = caches[below.l - 1]
        if drop_cache is not None:
            dA = dropout_backward(dA, drop_cache, check=False)
        dA = below.backward(dA, act_cache, out=dA, check=False)
        if bn_cache is not None:
            batchnorm_backward_inplace(
                dA, bn_cache, m, grads[below.gamma], grads[below.beta],
                ws.alloc(("tmp", below.l), dA.shape, dA.dtype), ones,
            )
        dZ = dA
    raise AssertionError("unreachable")  # pragma: no cover


# Same signature as network.train_step on purpose: that one is the public front door,
# which validates the arguments and calls this one.
def train_step(
    net: Network,
    params: dict[str, np.ndarray],
    optimizer: Any,
    opt_state: dict,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    rng: np.random.Generator | None = None,
    state: Mapping[str, np.ndarray] | None = None,
    lr: float | None = None,
) -> tuple[float, dict[str, np.ndarray]]:
    """One training step; returns ``(cost, new_state)`` (see :func:`course_lib.network.train_step`,
    which validates the arguments and calls this).

    ``params`` and ``opt_state`` are updated in place; the cost is the one before the
    update. When the cost is not finite, nothing is updated (``new_state`` already
    holds the running statistics of the batch).
    """
    m = X.shape[1]
    dtype = np.result_type(X, *params.values())
    ws = _workspace(net, m, dtype)
    ws.check_keys(params)
    new_state = dict(state) if state is not None else {}
    if net.batch_norm and state is None:
        new_state = net.init_state(X.dtype)
    ZL, caches = _forward(net, ws, params, X, rng, new_state, dtype)
    dZ = ws.alloc("dZL", ZL.shape, dtype)
    cost = cross_entropy_and_grad_inplace(ZL, Y, net.output, dZ) + net.penalty(params, m)
    if not math.isfinite(cost):  # diverged: no update with NaN/inf gradients
        return cost, new_state
    grads = ws.grad_buffers(params)
    _backward(net, ws, params, dZ, caches, m, grads)
    optimizer.update_inplace(params, grads, opt_state, lr=lr, workspace=ws.optimizer)
    return cost, new_state

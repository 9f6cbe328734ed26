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

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS, sigmoid, softmax
from .batchnorm import (
    BN_BETA,
    BN_EPS,
    _batchnorm_backward,
    _batchnorm_forward,
    _batchnorm_forward_eval,
    _update_running_stats,
)
from .initialization import initialize_parameters
from .losses import binary_cross_entropy_from_logits, log_softmax
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
        if isinstance(kps, int | float):
            kps = (float(kps),) * (L - 1)
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
        new_state: the running statistics after this batch (training with batch
            norm); otherwise ``state`` itself.
    """
    if check:
        check_params(params, net.layer_dims, batch_norm=net.batch_norm)
        X = _check_X(net, X)
        if training and net.uses_dropout:
            check_rng("rng", rng)
        if net.batch_norm and not training and state is None:
            raise ValueError("evaluation with batch norm needs state (the running statistics)")
    L = net.num_layers
    new_state = dict(state) if state is not None else {}
    if net.batch_norm and training and state is None:
        new_state = net.init_state(X.dtype)
    caches = []
    A = X
    for l in range(1, L + 1):
        W = params[f"W{l}"]
        bn = net.batch_norm and l < L
        Z = W @ A
        if not bn:
            Z += params[f"b{l}"]
        if l == L:
            caches.append((A, None, None, None))
            return Z, caches, new_state
        bn_cache = None
        if bn:
            gamma, beta = params[f"gamma{l}"], params[f"beta{l}"]
            if training:
                Z, bn_cache = _batchnorm_forward(Z, gamma, beta, net.bn_eps)
                mu, var = bn_cache[3], bn_cache[4]
                new_state[f"running_mean{l}"], new_state[f"running_var{l}"] = (
                    _update_running_stats(
                        new_state[f"running_mean{l}"], new_state[f"running_var{l}"], mu, var,
                        net.bn_beta, Z.shape[1], net.bn_unbiased and Z.shape[1] > 1,
                    )
                )
            else:
                Z = _batchnorm_forward_eval(
                    Z, gamma, beta, state[f"running_mean{l}"], state[f"running_var{l}"],
                    net.bn_eps,
                )
        act_forward = ACTIVATIONS[net.hidden_activation[l - 1]][0]
        A_next, act_cache = act_forward(Z)
        mask = None
        kp = net.keep_probs[l - 1]
        if training and kp < 1.0:
            mask = rng.random(A_next.shape) < kp
            A_next = A_next * mask
            A_next *= A_next.dtype.type(1.0 / kp)
        caches.append((A, act_cache, bn_cache, mask))
        A = A_next
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
        cost = float(-(Y * log_softmax(ZL)).sum() / m)
    return cost + _penalty(net, params, m)


def _penalty(net: Network, params: Mapping[str, np.ndarray], m: int) -> float:
    if net.regularization is None or net.lambd == 0:
        return 0.0
    ws = net.weights(params)
    if net.regularization == "l2":
        return float(net.lambd / (2 * m) * sum(float(np.vdot(W, W)) for W in ws))
    return float(net.lambd / (2 * m) * sum(float(np.abs(W).sum()) for W in ws))


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
    L = net.num_layers
    m = ZL.shape[1]
    grads: dict[str, np.ndarray] = {}
    dZ = output_activation(net, ZL)
    dZ -= Y
    inv_m = 1.0 / m
    for l in range(L, 0, -1):
        A_prev = caches[l - 1][0]
        W = params[f"W{l}"]
        dW = dZ @ A_prev.T
        dW *= inv_m
        if net.regularization == "l2" and net.lambd:
            dW += (net.lambd * inv_m) * W
        elif net.regularization == "l1" and net.lambd:
            dW += (net.lambd * inv_m / 2) * np.sign(W)
        grads[f"W{l}"] = dW
        if not (net.batch_norm and l < L):
            grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True) * inv_m
        if l == 1:
            break
        dA = W.T @ dZ
        _, act_cache, bn_cache, mask = caches[l - 2]
        if mask is not None:
            dA *= mask
            dA *= dA.dtype.type(1.0 / net.keep_probs[l - 2])
        name = net.hidden_activation[l - 2]
        if name == "relu":
            np.multiply(dA, act_cache > 0, out=dA)
            dZ = dA
        else:
            dZ = ACTIVATIONS[name][1](dA, act_cache)
        if bn_cache is not None:
            dZ, dgamma, dbeta = _batchnorm_backward(dZ, bn_cache)
            grads[f"gamma{l - 1}"] = dgamma
            grads[f"beta{l - 1}"] = dbeta
    return {k: grads[k] for k in params}


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
    P = predict_proba(net, params, X, state)
    if net.output == "sigmoid":
        return (P > 0.5).astype(np.int64)
    return np.argmax(P, axis=0).reshape(1, -1).astype(np.int64)


def accuracy(
    net: Network, params: Mapping[str, np.ndarray], X: np.ndarray, labels: np.ndarray,
    state: Mapping[str, np.ndarray] | None = None,
) -> float:
    """Fraction of examples whose predicted label equals ``labels`` (``(1, m)`` or one-hot)."""
    labels = np.asarray(labels)
    if net.output == "softmax" and labels.shape[0] == net.layer_dims[-1] and labels.shape[0] > 1:
        labels = np.argmax(labels, axis=0).reshape(1, -1)
    return float(np.mean(predict(net, params, X, state) == labels.reshape(1, -1)))


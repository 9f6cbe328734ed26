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

:func:`forward`, :func:`compute_cost` and :func:`backward` are written to be read:
each is a loop over the layers calling the layer functions of
:mod:`~course_lib.linear`, :mod:`~course_lib.batchnorm`, :mod:`~course_lib.activations`,
:mod:`~course_lib.dropout` and :mod:`~course_lib.losses`. :func:`train_step` does
forward, cost, backward and an optimizer's update in one call on the fast in-place
engine of :mod:`course_lib.network_fast` (same formulas, same numbers to rounding).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import network_fast
from .activations import ACTIVATIONS, predict_binary, predict_classes, sigmoid, softmax
from .batchnorm import (
    BN_BETA,
    BN_EPS,
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_forward_eval,
    update_running_stats,
)
from .dropout import dropout_backward, dropout_forward
from .initialization import initialize_parameters
from .linear import linear_backward, linear_forward
from .losses import (
    binary_cross_entropy_from_logits,
    binary_cross_entropy_grad_from_logits,
    l1_penalty,
    l1_penalty_grad,
    l2_penalty,
    l2_penalty_grad,
    softmax_cross_entropy,
    softmax_cross_entropy_grad,
)
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

# The output layer's cross-entropy from logits and its gradient dZ[L] = Ŷ - Y.
_LOSSES = {
    "sigmoid": (binary_cross_entropy_from_logits, binary_cross_entropy_grad_from_logits),
    "softmax": (softmax_cross_entropy, softmax_cross_entropy_grad),
}


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

    def penalty(self, params: Mapping[str, np.ndarray], m: int) -> float:
        """The regularization term of the cost for m examples (0 without regularization):
        :func:`~course_lib.losses.l2_penalty` or :func:`~course_lib.losses.l1_penalty`
        of :meth:`weights` (not validated)."""
        if self.regularization is None or self.lambd == 0:
            return 0.0
        penalty = l2_penalty if self.regularization == "l2" else l1_penalty
        return penalty(self.weights(params), self.lambd, m, check=False)

    def penalty_grad(self, W: np.ndarray, m: int) -> np.ndarray | None:
        """The gradient of :meth:`penalty` with respect to one weight matrix ``W``
        (``None`` without regularization; not validated)."""
        if self.regularization is None or self.lambd == 0:
            return None
        grad = l2_penalty_grad if self.regularization == "l2" else l1_penalty_grad
        return grad(W, self.lambd, m, check=False)


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
        check: validate the inputs (a training loop validates once and passes False;
            then non-finite values are not errors: they come out as NaN or inf).

    Returns:
        ZL: ``(nL, m)`` logits of the output layer.
        caches: what :func:`backward` needs: for each layer, the caches of its
            linear step, batch norm, activation and dropout (``None`` where absent).
        new_state: a new dict: the running statistics after this batch (training
            with batch norm), otherwise a copy of ``state`` (``{}`` without one).

    Exercise `regularized_forward`, notebook 03_regularization.
    Exercise `bn_network_forward`, notebook 10_batch_normalization.
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
    L, m = net.num_layers, X.shape[1]
    caches = []
    A = X
    for l in range(1, L + 1):
        batch_norm = net.batch_norm and l < L
        b = None if batch_norm else params[f"b{l}"]
        Z, linear_cache = linear_forward(A, params[f"W{l}"], b, check=False)
        if l == L:
            caches.append((linear_cache, None, None, None))
            break
        bn_cache = None
        if batch_norm:
            gamma, beta = params[f"gamma{l}"], params[f"beta{l}"]
            mean, var = f"running_mean{l}", f"running_var{l}"
            if training:
                Z, bn_cache = batchnorm_forward(Z, gamma, beta, net.bn_eps, check=False)
                _, _, _, mu, sigma2 = bn_cache
                new_state[mean], new_state[var] = update_running_stats(
                    new_state[mean], new_state[var], mu, sigma2, net.bn_beta,
                    m=m, unbiased=net.bn_unbiased and m > 1, check=False,
                )
            else:
                Z = batchnorm_forward_eval(Z, gamma, beta, state[mean], state[var],
                                           net.bn_eps, check=False)
        activation_forward, _ = ACTIVATIONS[net.hidden_activation[l - 1]]
        A, act_cache = activation_forward(Z, check=False)
        dropout_cache = None
        keep_prob = net.keep_probs[l - 1]
        if training and keep_prob < 1.0:
            A, dropout_cache = dropout_forward(A, keep_prob, rng, check=False)
        caches.append((linear_cache, bn_cache, act_cache, dropout_cache))
    return Z, caches, new_state


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
    cross_entropy, _ = _LOSSES[net.output]
    return cross_entropy(ZL, Y, check=False) + net.penalty(params, ZL.shape[1])


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

    Exercise `add_l2_gradient`, notebook 03_regularization.
    Exercise `regularized_backward`, notebook 03_regularization.
    """
    if check:
        check_params(params, net.layer_dims, batch_norm=net.batch_norm)
        ZL = check_array("ZL", ZL, 2)
        Y = _check_Y(net, Y, ZL.shape[1])
        if len(caches) != net.num_layers:
            raise ValueError(
                f"caches has {len(caches)} entries but the network has {net.num_layers} layers"
            )
    L, m = net.num_layers, ZL.shape[1]
    _, cross_entropy_grad = _LOSSES[net.output]
    dZ = cross_entropy_grad(ZL, Y, check=False)  # Ŷ - Y
    grads = {}
    for l in range(L, 0, -1):
        linear_cache = caches[l - 1][0]
        dA_prev, dW, db = linear_backward(dZ, linear_cache, check=False, need_dA_prev=l > 1)
        reg = net.penalty_grad(params[f"W{l}"], m)
        grads[f"W{l}"] = dW if reg is None else dW + reg
        if db is not None:
            grads[f"b{l}"] = db
        if l == 1:
            break
        _, bn_cache, act_cache, dropout_cache = caches[l - 2]  # layer l-1
        dA = dA_prev
        if dropout_cache is not None:
            dA = dropout_backward(dA, dropout_cache, check=False)
        _, activation_backward = ACTIVATIONS[net.hidden_activation[l - 2]]
        dZ = activation_backward(dA, act_cache, check=False)
        if bn_cache is not None:
            dZ, grads[f"gamma{l - 1}"], grads[f"beta{l - 1}"] = batchnorm_backward(
                dZ, bn_cache, check=False
            )
    return {k: grads[k] for k in params}


# Same signature as network_fast.train_step on purpose: this is its public front door,
# which validates the arguments (check=True) and then calls it.
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
    check: bool = False,
) -> tuple[float, dict[str, np.ndarray]]:
    """One training step on a mini-batch; returns ``(cost, new_state)``.

    The same as::

        ZL, caches, new_state = forward(net, params, X, rng=rng, state=state, check=check)
        cost = compute_cost(net, params, ZL, Y, check=check)
        grads = backward(net, params, ZL, Y, caches, check=check)
        optimizer.update_inplace(params, grads, opt_state, lr=lr)

    (so ``params`` and ``opt_state`` are updated in place, the cost is the one
    *before* the update), but faster: it runs on :mod:`course_lib.network_fast`,
    whose arrays are reused from one call to the next (per thread, network and batch
    shape), which computes the softmax/sigmoid once for both the cost and dZ[L], and
    hands the gradients to the optimizer as one flat vector. Inputs are not validated
    unless ``check=True`` (params must hold exactly the network's parameters either
    way). The cost is NaN (not an error) when the logits are not finite; when the
    cost is not finite, ``params`` and ``opt_state`` are left as they were (no update
    with NaN or inf gradients), while ``new_state`` already holds the running
    statistics of that batch.
    """
    if check:
        check_params(params, net.layer_dims, batch_norm=net.batch_norm)
        X = _check_X(net, X)
        Y = _check_Y(net, Y, X.shape[1])
        if net.uses_dropout:
            check_rng("rng", rng)
    return network_fast.train_step(net, params, optimizer, opt_state, X, Y,
                                   rng=rng, state=state, lr=lr)


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
    """int64 labels ``(1, m)`` from the output layer's probabilities ``P`` ``(nL, m)``:
    threshold 0.5 (sigmoid) or argmax (softmax)."""
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

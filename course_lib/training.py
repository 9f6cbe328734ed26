"""The mini-batch training loop, with schedules, a dev set and early stopping.

One epoch, for ``epoch = 0, 1, ..., epochs - 1``::

    α = schedule(epoch)                      (or optimizer.lr without a schedule)
    for (X_t, Y_t) in random_mini_batches(X, Y, batch_size, rng):   # one shuffle
        ZL, caches, state = forward(net, params, X_t, training=True, rng=rng, state=state)
        J_t   = compute_cost(net, params, ZL, Y_t)
        grads = backward(net, params, ZL, Y_t, caches)
        optimizer.update_inplace(params, grads, opt_state, lr=α)
    J_epoch = Σ_t B_t J_t / m                (mean mini-batch cost weighted by batch size)

(the four calls run fused, as :func:`course_lib.network.train_step`, which reuses
its buffers from one mini-batch to the next and equals them to rounding)

then the train accuracy and, with a dev set, the dev cost and dev accuracy are
measured in evaluation mode (no dropout, batch norm with the running statistics);
with ``patience``, the dev cost goes to the early-stopping rule,
:class:`course_lib.early_stopping.EarlyStopping`, which decides when to stop and
which epoch's parameters to keep.

Everything is checked once, before the first epoch (``_checked_run``); then
``_epoch`` runs one epoch at a time, with the network functions unchecked. The
caller's ``params`` and ``state`` are never modified: :func:`train` works on copies
and returns new dicts.

Divergence: when a mini-batch cost becomes NaN or inf (typically a learning rate
that is too large) training stops at once, without applying that batch's update,
``history.diverged`` is set and a ``RuntimeWarning`` is issued; no exception is
raised, so a notebook cell still shows the history up to that point.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .activations import predict_binary, predict_classes
from .data import one_hot, random_mini_batches
from .early_stopping import EarlyStopping
from .network import Network, compute_cost, forward, output_activation, train_step
from .progress import progress_bar
from .validation import (
    check_array,
    check_int,
    check_params,
    check_positive,
    check_rng,
    check_shape,
)

__all__ = ["History", "TrainResult", "evaluate", "train"]


@dataclass
class History:
    """What happened during :func:`train`. Epochs are numbered from 0.

    Attributes:
        cost: per epoch, the mean mini-batch training cost weighted by batch size,
            ``Σ_t B_t J_t / m`` (measured during the epoch, in training mode).
        batch_cost: the cost ``J_t`` of every mini-batch, in order.
        lr: the learning rate used in each epoch.
        train_accuracy: training-set accuracy (evaluation mode) after each checked epoch.
        dev_cost, dev_accuracy: dev-set cost and accuracy (evaluation mode) after each
            checked epoch; empty without a dev set.
        eval_epochs: the epochs after which the three lists above were measured
            (every ``check_every``-th epoch and the last one; all epochs by default).
        best_epoch: the epoch whose parameters are in ``TrainResult.best_params``:
            the lowest dev cost with early stopping, otherwise the last epoch
            (``None`` if no epoch completed).
        stopped_early: early stopping (``patience``) ended the training.
        diverged: a mini-batch cost became NaN or inf and training stopped.
        stop_reason: ``"completed"``, ``"early_stopping"``, ``"callback"`` or ``"diverged"``.
        seconds: wall-clock duration of the training.
    """

    cost: list[float] = field(default_factory=list)
    batch_cost: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    dev_cost: list[float] = field(default_factory=list)
    dev_accuracy: list[float] = field(default_factory=list)
    eval_epochs: list[int] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    diverged: bool = False
    stop_reason: str = "completed"
    seconds: float = 0.0

    @property
    def epochs_run(self) -> int:
        """Number of epochs that were (at least partly) run."""
        return len(self.cost)


@dataclass
class TrainResult:
    """The result of :func:`train`.

    Attributes:
        params: the parameters after the last update.
        state: batch-norm running statistics after the last update (``{}`` without
            batch norm).
        history: the :class:`History`.
        best_params, best_state: the parameters and statistics at the lowest dev cost
            when early stopping (``patience``) is used, otherwise the final ones.
    """

    params: dict[str, np.ndarray]
    state: dict[str, np.ndarray]
    history: History
    best_params: dict[str, np.ndarray]
    best_state: dict[str, np.ndarray]


# ---- helpers -------------------------------------------------------------------


def _copy_arrays(d: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.array(v, copy=True) for k, v in d.items()}


def _check_params_copy(net: Network, params: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Validate ``params`` and return a deep copy with float arrays."""
    if not isinstance(params, Mapping):
        raise ValueError(f"params must be a dict of arrays, got {type(params).__name__}")
    check_params(params, net.layer_dims, batch_norm=net.batch_norm)
    out: dict[str, np.ndarray] = {}
    for k, v in params.items():
        arr = check_array(f"params['{k}']", v)
        out[k] = np.array(arr, copy=True)
    return out


def _check_state_copy(
    net: Network, state: Mapping[str, np.ndarray] | None, dtype: np.dtype,
) -> dict[str, np.ndarray]:
    """Validate the batch-norm running statistics and return a copy (fresh ones if None)."""
    if not net.batch_norm:
        return _copy_arrays(state) if state is not None else {}
    if state is None:
        return net.init_state(dtype)
    for l in range(1, net.num_layers):
        for key in (f"running_mean{l}", f"running_var{l}"):
            if key not in state:
                raise ValueError(f"state is missing {key} (batch norm in layer {l})")
            check_shape(f"state['{key}']", check_array(f"state['{key}']", state[key]),
                        (net.layer_dims[l], 1))
    return _copy_arrays(state)


def _check_xy(
    net: Network, X: Any, Y: Any, x_name: str, y_name: str, dtype: np.dtype | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a data pair for ``net``; return ``(X, Y_target, labels)``.

    ``Y_target`` is what the cost needs: ``(1, m)`` 0/1 for sigmoid, one-hot ``(C, m)``
    for softmax (converted from ``(1, m)`` integer labels when needed). ``labels`` is
    ``(1, m)`` int64, for the accuracy.
    """
    X = check_array(x_name, X, 2)
    n0 = net.layer_dims[0]
    if X.shape[0] != n0:
        raise ValueError(
            f"{x_name} must have shape ({n0}, m) for layer_dims={list(net.layer_dims)}, "
            f"got {X.shape}"
        )
    m = X.shape[1]
    if m < 1:
        raise ValueError(f"{x_name} needs at least one example (column), got shape {X.shape}")
    Y_raw = np.asarray(Y)
    if Y_raw.ndim != 2:
        raise ValueError(f"{y_name} must be a 2-D array, got shape {Y_raw.shape}")
    if Y_raw.shape[1] != m:
        raise ValueError(
            f"{x_name} and {y_name} must have the same number of examples (columns), "
            f"got {x_name} shape {X.shape} and {y_name} shape {Y_raw.shape}"
        )
    C = net.layer_dims[-1]
    if net.output == "softmax" and C > 1 and Y_raw.shape[0] == 1:
        try:
            Yt = one_hot(Y_raw, C)
        except ValueError as exc:
            raise ValueError(
                f"{y_name} (shape {Y_raw.shape}) must hold integer labels in [0, {C}): {exc}"
            ) from None
        labels = Y_raw.astype(np.int64)
    else:
        Yt = check_array(y_name, Y_raw, 2)
        if Yt.shape[0] != C:
            want = "(1, m) 0/1 labels" if net.output == "sigmoid" else f"({C}, m) or (1, m)"
            raise ValueError(
                f"{y_name} must have shape {want} for output={net.output!r} with "
                f"layer_dims={list(net.layer_dims)}, got {Yt.shape}"
            )
        if net.output == "sigmoid":
            if not np.all((Yt == 0) | (Yt == 1)):
                raise ValueError(f"{y_name} must hold 0/1 labels for a sigmoid output "
                                 f"(shape {Yt.shape})")
            labels = Yt.astype(np.int64)
        else:
            if (Yt < 0).any() or not np.allclose(Yt.sum(axis=0), 1.0):
                raise ValueError(
                    f"{y_name} (shape {Yt.shape}) must be one-hot: non-negative columns "
                    f"summing to 1"
                )
            labels = np.argmax(Yt, axis=0).reshape(1, -1).astype(np.int64)
    if dtype is not None:
        X = X.astype(dtype, copy=False)
        Yt = Yt.astype(dtype, copy=False)
    elif Yt.dtype != X.dtype:
        Yt = Yt.astype(X.dtype)
    return X, Yt, labels


def _measure(
    net: Network, params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray,
    labels: np.ndarray, state: Mapping[str, np.ndarray] | None, *, with_cost: bool,
) -> tuple[float, float]:
    """(cost or nan, accuracy) in evaluation mode from one forward pass (no checks).

    Parameters blown up by a too-large learning rate give a NaN cost, not an error.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        ZL, _, _ = forward(net, params, X, training=False, state=state, check=False)
        P = output_activation(net, ZL)
        pred = predict_binary(P) if net.output == "sigmoid" else predict_classes(P)
        acc = float(np.mean(pred == labels))
        cost = math.nan
        if with_cost:
            try:
                cost = compute_cost(net, params, ZL, Y, check=False)
            except ValueError:
                if np.isfinite(ZL).all():
                    raise
    return cost, acc


# ---- public API ----------------------------------------------------------------


def evaluate(
    net: Network,
    params: Mapping[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    state: Mapping[str, np.ndarray] | None = None,
) -> dict[str, float]:
    """Cost and accuracy of ``params`` on ``(X, Y)`` in evaluation mode.

    ``X`` is ``(n0, m)``; ``Y`` is ``(1, m)`` 0/1 for sigmoid networks, and one-hot
    ``(C, m)`` or integer labels ``(1, m)`` for softmax networks. No dropout; batch
    norm uses the running statistics ``state`` (required for batch-norm networks).
    The cost includes the regularization term (with ``m`` examples).

    Returns ``{"cost": J, "accuracy": fraction correct}``.
    """
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    check_params(params, net.layer_dims, batch_norm=net.batch_norm)
    if net.batch_norm and state is None:
        raise ValueError("state (the batch-norm running statistics) is required for a "
                         "batch-norm network")
    if net.batch_norm:
        _check_state_copy(net, state, np.dtype(np.float64))
    X, Yt, labels = _check_xy(net, X, Y, "X", "Y")
    cost, acc = _measure(net, params, X, Yt, labels, state, with_cost=True)
    return {"cost": cost, "accuracy": acc}


def train(
    net: Network,
    params: Mapping[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    *,
    optimizer: Any,
    epochs: int,
    batch_size: int,
    rng: np.random.Generator,
    schedule: Callable[[int], float] | None = None,
    X_dev: np.ndarray | None = None,
    Y_dev: np.ndarray | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    state: Mapping[str, np.ndarray] | None = None,
    progress: bool = True,
    check_every: int = 1,
    callback: Callable[[int, History], bool | None] | None = None,
) -> TrainResult:
    """Mini-batch training of ``net`` from ``params`` (see the module docstring).

    Args:
        net: the architecture.
        params: initial parameters; not modified (the training works on a deep copy).
        X: ``(n0, m)`` training inputs.
        Y: ``(1, m)`` 0/1 labels (sigmoid output), or one-hot ``(C, m)`` or integer
            labels ``(1, m)`` (softmax output; converted to one-hot once).
        optimizer: a :class:`course_lib.optimizers.Optimizer` (its state is created
            with ``optimizer.init`` and updated with ``update_inplace``).
        epochs: number of passes over the data (>= 1).
        batch_size: examples per mini-batch (>= 1; the last batch may be smaller).
        rng: the generator for the shuffles (one per epoch) and the dropout masks.
        schedule: ``epoch -> learning rate`` (epochs from 0), e.g.
            :func:`course_lib.schedules.make_schedule`; default ``optimizer.lr``.
        X_dev, Y_dev: optional dev set, same formats as ``X`` and ``Y``.
        patience: early stopping (:class:`course_lib.early_stopping.EarlyStopping`):
            stop when the dev cost has not improved by more than ``min_delta`` for
            ``patience`` consecutive checks (epochs, with ``check_every=1``); needs
            the dev set.
        min_delta: the smallest decrease of the dev cost that counts as improvement.
        state: initial batch-norm running statistics (default: mean 0, variance 1).
        progress: show a ``tqdm`` progress bar over epochs (also disabled when the
            environment variable ``COURSE_LIB_NO_PROGRESS=1`` is set).
        check_every: measure the train accuracy and the dev metrics every
            ``check_every`` epochs (and after the last one); the epochs measured are in
            ``history.eval_epochs``.
        callback: ``callback(epoch, history)`` after each epoch; returning ``True``
            stops the training.

    Returns:
        A :class:`TrainResult`. When a cost becomes NaN or inf, training stops,
        ``history.diverged`` is True and a ``RuntimeWarning`` is issued (no exception).

    The data are cast to the dtype of ``params["W1"]`` (so float32 parameters train
    in float32).

    Exercise `train_with_decay`, notebook 08_learning_rate_decay.
    Exercise `train_softmax_regression`, notebook 11_softmax_regression.
    """
    run = _checked_run(
        net, params, X, Y, optimizer=optimizer, epochs=epochs, batch_size=batch_size,
        rng=rng, schedule=schedule, X_dev=X_dev, Y_dev=Y_dev, patience=patience,
        min_delta=min_delta, state=state, check_every=check_every, callback=callback,
    )
    history = History()
    pbar = progress_bar(range(run.epochs), desc="training", unit="epoch", enabled=progress)
    start = time.perf_counter()
    try:
        for epoch in pbar if pbar is not None else range(run.epochs):
            stop_reason = _epoch(run, epoch, history)
            if pbar is not None and stop_reason != "diverged":
                post = {"cost": f"{history.cost[-1]:.4g}"}
                if history.dev_cost:
                    post["dev_cost"] = f"{history.dev_cost[-1]:.4g}"
                pbar.set_postfix(post, refresh=False)
            if stop_reason is not None:
                history.stop_reason = stop_reason
                history.stopped_early = stop_reason == "early_stopping"
                history.diverged = stop_reason == "diverged"
                break
    finally:
        if pbar is not None:
            pbar.close()
        history.seconds = time.perf_counter() - start

    if run.stopper is None:
        best_params, best_state = run.params, run.state
    elif run.best is None:  # diverged before the first dev check
        best_params, best_state = _copy_arrays(run.params), _copy_arrays(run.state)
    else:
        best_params, best_state = run.best
    return TrainResult(
        params=run.params,
        state=dict(run.state),
        history=history,
        best_params=best_params,
        best_state=best_state,
    )


@dataclass
class _Run:
    """A training run: the arguments of :func:`train`, checked, and what changes as it
    runs (``params``, ``state``, ``opt_state`` and the best parameters so far)."""

    net: Network
    params: dict[str, np.ndarray]
    state: dict[str, np.ndarray]
    X: np.ndarray
    Y: np.ndarray
    labels: np.ndarray
    dev: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # (X_dev, Y_dev, labels_dev)
    optimizer: Any
    opt_state: dict[str, Any]
    epochs: int
    batch_size: int
    rng: np.random.Generator
    schedule: Callable[[int], float] | None
    check_every: int
    callback: Callable[[int, History], bool | None] | None
    stopper: EarlyStopping | None  # the early-stopping rule, with patience
    best: tuple[dict[str, np.ndarray], dict[str, np.ndarray]] | None = None


def _checked_run(
    net: Network, params: Mapping[str, np.ndarray], X: Any, Y: Any, *, optimizer: Any,
    epochs: int, batch_size: int, rng: np.random.Generator,
    schedule: Callable[[int], float] | None, X_dev: Any, Y_dev: Any,
    patience: int | None, min_delta: float, state: Mapping[str, np.ndarray] | None,
    check_every: int, callback: Callable[[int, History], bool | None] | None,
) -> _Run:
    """Check every argument of :func:`train` once; copies of params, state and data."""
    if not isinstance(net, Network):
        raise ValueError(f"net must be a Network, got {type(net).__name__}")
    if not (hasattr(optimizer, "init") and hasattr(optimizer, "update_inplace")):
        raise ValueError(
            f"optimizer must be a course_lib.optimizers.Optimizer, got {type(optimizer).__name__}"
        )
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    check_every = check_int("check_every", check_every, minimum=1)
    rng = check_rng("rng", rng)
    min_delta = check_positive("min_delta", min_delta, allow_zero=True)
    if schedule is not None and not callable(schedule):
        raise ValueError(f"schedule must be callable epoch -> lr, got {type(schedule).__name__}")
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be callable, got {type(callback).__name__}")
    params = _check_params_copy(net, params)
    dtype = params["W1"].dtype
    X, Y, labels = _check_xy(net, X, Y, "X", "Y", dtype)
    if (X_dev is None) != (Y_dev is None):
        raise ValueError("X_dev and Y_dev must be given together (got only "
                         f"{'X_dev' if Y_dev is None else 'Y_dev'})")
    dev = None if X_dev is None else _check_xy(net, X_dev, Y_dev, "X_dev", "Y_dev", dtype)
    stopper = None
    if patience is not None:
        patience = check_int("patience", patience, minimum=1)
        if dev is None:
            raise ValueError("patience (early stopping) needs a dev set: pass X_dev and Y_dev")
        stopper = EarlyStopping(patience, min_delta)
    state = _check_state_copy(net, state, dtype)
    return _Run(
        net=net, params=params, state=state, X=X, Y=Y, labels=labels, dev=dev,
        optimizer=optimizer, opt_state=optimizer.init(params), epochs=epochs,
        batch_size=batch_size, rng=rng, schedule=schedule, check_every=check_every,
        callback=callback, stopper=stopper,
    )


def _epoch(run: _Run, epoch: int, history: History) -> str | None:
    """Epoch ``epoch`` of ``run``: its mini-batch updates, then (every ``check_every``
    epochs and after the last) the measurements and the early-stopping rule, then the
    callback. Appends to ``history``; returns why training stops after this epoch
    (``"diverged"``, ``"early_stopping"``, ``"callback"``) or None to go on."""
    if run.schedule is not None:
        lr = check_positive(f"schedule({epoch})", run.schedule(epoch), allow_zero=True)
        lr_arg: float | None = lr
    else:
        lr = float(run.optimizer.lr)
        lr_arg = None
    total = 0.0
    cost = math.nan
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for Xb, Yb in random_mini_batches(run.X, run.Y, run.batch_size, run.rng):
            # forward, cost, backward and the optimizer's update in one fused step
            # (equal to the four public functions to rounding); a non-finite cost comes
            # back as NaN/inf, without an update
            cost, run.state = train_step(run.net, run.params, run.optimizer, run.opt_state,
                                         Xb, Yb, rng=run.rng, state=run.state, lr=lr_arg)
            cost = float(cost)
            history.batch_cost.append(cost)
            if not math.isfinite(cost):
                history.lr.append(lr)
                history.cost.append(cost)
                warnings.warn(
                    f"training diverged in epoch {epoch}: the cost became {cost} "
                    f"(learning rate {lr:g}); try a smaller learning rate",
                    RuntimeWarning,
                    stacklevel=3,  # train's caller
                )
                return "diverged"
            total += cost * Xb.shape[1]
    history.lr.append(lr)
    history.cost.append(total / run.X.shape[1])

    stop = False
    if (epoch + 1) % run.check_every == 0 or epoch == run.epochs - 1:
        history.eval_epochs.append(epoch)
        _, acc = _measure(run.net, run.params, run.X, run.Y, run.labels, run.state,
                          with_cost=False)
        history.train_accuracy.append(acc)
        if run.dev is not None:
            dcost, dacc = _measure(run.net, run.params, *run.dev, run.state, with_cost=True)
            history.dev_cost.append(dcost)
            history.dev_accuracy.append(dacc)
            if run.stopper is not None:
                stop = run.stopper.update(epoch, dcost)
                if run.stopper.improved:
                    run.best = (_copy_arrays(run.params), _copy_arrays(run.state))
                    history.best_epoch = epoch
    if run.stopper is None:
        history.best_epoch = epoch

    stop_requested = run.callback is not None and run.callback(epoch, history) is True
    if stop:
        return "early_stopping"
    return "callback" if stop_requested else None

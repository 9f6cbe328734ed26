"""Optimizers: per-array step functions and whole-network optimizer objects.

Per-array steps are pure functions: they take a parameter array ``w``, its
gradient ``dw`` (same shape) and the optimizer's state arrays, and return NEW
arrays. They are the readable definitions:

* gradient descent: ``w ← w - α dw``                     — ``SGD(lr=α)``
* momentum (EMA form, default): ``v ← βv + (1-β)dw``, ``w ← w - αv``
                                                        — ``SGD(lr=α(1-β), momentum=β)``
* momentum, heavy ball: ``v ← βv + dw``, ``w ← w - αv``  — ``SGD(lr=α, momentum=β)``
* Nesterov (EMA form): ``v ← βv + (1-β)dw``, ``w ← w - α(βv + (1-β)dw)``
                                            — ``SGD(lr=α(1-β), momentum=β, nesterov=True)``
* Nesterov, heavy ball: ``v ← βv + dw``, ``w ← w - α(βv + dw)``
                                            — ``SGD(lr=α, momentum=β, nesterov=True)``
* AdaGrad: ``h ← h + dw²``, ``w ← w - α dw / (√h + ε)``  — ``Adagrad(lr=α, eps=ε)``
* RMSprop: ``s ← βs + (1-β)dw²``, ``w ← w - α dw / (√s + ε)``
                                            — ``RMSprop(lr=α, alpha=β, eps=ε)``
* Adam: ``v ← β1 v + (1-β1)dw``, ``s ← β2 s + (1-β2)dw²``, ``v̂ = v/(1-β1^t)``,
  ``ŝ = s/(1-β2^t)``, ``w ← w - α v̂ / (√ŝ + ε)``  — ``Adam(lr=α, betas=(β1, β2), eps=ε)``

State arrays start at zero. Adam's step counter ``t`` counts from 1: the first
update uses t = 1. ε is added AFTER the square root everywhere.

Nesterov is written in the "look-ahead free" form that needs only the gradient
at the current point (the same form PyTorch uses).

The optimizer objects apply a step to every parameter of a dict and keep their
state explicitly: ``state = opt.init(params)``, then either

* ``params, state = opt.update(params, grads, state)`` — pure, built on the
  per-array steps above; or
* ``opt.update_inplace(params, grads, state)`` — the fast path used by the
  training loop: fused in-place arithmetic on the same formulas (its name says
  it mutates ``params`` and ``state``). Tests check it matches ``update`` to 1e-12.

``grads`` has the same keys as ``params`` (``grads["W1"]`` is ∂J/∂W1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .validation import check_in_range, check_int, check_positive, check_same_shape

__all__ = [
    "OPTIMIZERS",
    "AdaGrad",
    "Adam",
    "GradientDescent",
    "Momentum",
    "Nesterov",
    "Optimizer",
    "RMSprop",
    "adagrad_step",
    "adam_step",
    "gd_step",
    "make_optimizer",
    "momentum_step",
    "nesterov_step",
    "rmsprop_step",
]


def _check_step(w: np.ndarray, dw: np.ndarray, lr: float, **state: np.ndarray) -> None:
    check_same_shape("dw", np.asarray(dw), "w", np.asarray(w))
    for name, arr in state.items():
        check_same_shape(name, np.asarray(arr), "w", np.asarray(w))
    check_positive("lr", lr, allow_zero=True)


def _check_beta(name: str, beta: float) -> float:
    return check_in_range(name, beta, 0.0, 1.0, high_open=True)


# ---- per-array steps (the readable definitions) -------------------------------


def gd_step(w: np.ndarray, dw: np.ndarray, lr: float) -> np.ndarray:
    """Gradient descent: ``w - lr·dw``."""
    _check_step(w, dw, lr)
    return w - lr * dw


def momentum_step(
    w: np.ndarray, dw: np.ndarray, v: np.ndarray, lr: float, beta: float = 0.9,
    *, heavy_ball: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Momentum. EMA form: ``v = βv + (1-β)dw``; heavy ball: ``v = βv + dw``. Then ``w - lr·v``.

    Returns ``(w_new, v_new)``.
    """
    _check_step(w, dw, lr, v=v)
    beta = _check_beta("beta", beta)
    v_new = beta * v + dw if heavy_ball else beta * v + (1 - beta) * dw
    return w - lr * v_new, v_new


def nesterov_step(
    w: np.ndarray, dw: np.ndarray, v: np.ndarray, lr: float, beta: float = 0.9,
    *, heavy_ball: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Nesterov momentum: the velocity as in :func:`momentum_step`, then a look-ahead step.

    EMA form: ``v = βv + (1-β)dw``, ``w - lr·(βv + (1-β)dw)``.
    Heavy ball: ``v = βv + dw``, ``w - lr·(βv + dw)``. Returns ``(w_new, v_new)``.
    """
    _check_step(w, dw, lr, v=v)
    beta = _check_beta("beta", beta)
    g = dw if heavy_ball else (1 - beta) * dw
    v_new = beta * v + g
    return w - lr * (beta * v_new + g), v_new


def adagrad_step(
    w: np.ndarray, dw: np.ndarray, h: np.ndarray, lr: float, eps: float = 1e-8
) -> tuple[np.ndarray, np.ndarray]:
    """AdaGrad: ``h = h + dw²``, ``w - lr·dw/(√h + ε)``. Returns ``(w_new, h_new)``."""
    _check_step(w, dw, lr, h=h)
    check_positive("eps", eps)
    h_new = h + dw * dw
    return w - lr * dw / (np.sqrt(h_new) + eps), h_new


def rmsprop_step(
    w: np.ndarray, dw: np.ndarray, s: np.ndarray, lr: float, beta: float = 0.9,
    eps: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray]:
    """RMSprop: ``s = βs + (1-β)dw²``, ``w - lr·dw/(√s + ε)``. Returns ``(w_new, s_new)``."""
    _check_step(w, dw, lr, s=s)
    beta = _check_beta("beta", beta)
    check_positive("eps", eps)
    s_new = beta * s + (1 - beta) * dw * dw
    return w - lr * dw / (np.sqrt(s_new) + eps), s_new


def adam_step(
    w: np.ndarray, dw: np.ndarray, v: np.ndarray, s: np.ndarray, t: int, lr: float,
    beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adam with bias correction; ``t`` is this update's number, counting from 1.

    ``v = β1 v + (1-β1)dw``, ``s = β2 s + (1-β2)dw²``, ``v̂ = v/(1-β1^t)``,
    ``ŝ = s/(1-β2^t)``, ``w - lr·v̂/(√ŝ + ε)``. Returns ``(w_new, v_new, s_new)``.
    """
    _check_step(w, dw, lr, v=v, s=s)
    t = check_int("t", t, minimum=1)
    beta1 = _check_beta("beta1", beta1)
    beta2 = _check_beta("beta2", beta2)
    check_positive("eps", eps)
    v_new = beta1 * v + (1 - beta1) * dw
    s_new = beta2 * s + (1 - beta2) * dw * dw
    v_hat = v_new / (1 - beta1**t)
    s_hat = s_new / (1 - beta2**t)
    return w - lr * v_hat / (np.sqrt(s_hat) + eps), v_new, s_new


# ---- optimizer objects ---------------------------------------------------------


def _check_dicts(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
    missing = [k for k in params if k not in grads]
    if missing:
        raise ValueError(f"grads is missing {missing} (grads must have the keys of params)")
    for k in params:
        if np.shape(grads[k]) != np.shape(params[k]):
            raise ValueError(
                f"grads['{k}'] has shape {np.shape(grads[k])} but params['{k}'] has shape "
                f"{np.shape(params[k])}"
            )


@dataclass
class Optimizer:
    """Base class: holds hyperparameters only; the state lives in the dict ``init`` returns."""

    lr: float = 0.01
    slots: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        check_positive("lr", self.lr, allow_zero=True)

    def init(self, params: Mapping[str, np.ndarray]) -> dict[str, Any]:
        """Fresh state: step counter ``t = 0`` and zero arrays for each slot and parameter."""
        state: dict[str, Any] = {"t": 0}
        for slot in self.slots:
            state[slot] = {k: np.zeros_like(w) for k, w in params.items()}
        return state

    def _lr(self, lr: float | None) -> float:
        return self.lr if lr is None else check_positive("lr", lr, allow_zero=True)

    def update(
        self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray],
        state: Mapping[str, Any], lr: float | None = None,
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """One step on every parameter, purely: returns ``(new_params, new_state)``.

        ``lr`` overrides the optimizer's learning rate for this step (schedules).
        """
        _check_dicts(params, grads)
        lr = self._lr(lr)
        t = state["t"] + 1
        new_params: dict[str, np.ndarray] = {}
        new_state: dict[str, Any] = {"t": t, **{slot: {} for slot in self.slots}}
        for k, w in params.items():
            slot_in = tuple(state[slot][k] for slot in self.slots)
            w_new, *slot_out = self._step(w, grads[k], slot_in, t, lr)
            new_params[k] = w_new
            for slot, arr in zip(self.slots, slot_out):
                new_state[slot][k] = arr
        return new_params, new_state

    def update_inplace(
        self, params: dict[str, np.ndarray], grads: Mapping[str, np.ndarray],
        state: dict[str, Any], lr: float | None = None,
    ) -> None:
        """The same step, written into ``params`` and ``state`` in place (fast path)."""
        _check_dicts(params, grads)
        lr = self._lr(lr)
        state["t"] += 1
        t = state["t"]
        for k, w in params.items():
            self._step_inplace(w, grads[k], tuple(state[slot][k] for slot in self.slots), t, lr)

    def _step(self, w, dw, slots, t, lr):  # pragma: no cover - abstract
        raise NotImplementedError

    def _step_inplace(self, w, dw, slots, t, lr):  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass
class GradientDescent(Optimizer):
    """Plain (mini-batch) gradient descent."""

    def _step(self, w, dw, slots, t, lr):
        return (gd_step(w, dw, lr),)

    def _step_inplace(self, w, dw, slots, t, lr):
        w -= lr * dw


@dataclass
class Momentum(Optimizer):
    """Momentum, EMA form by default (``heavy_ball=True`` for ``v = βv + dw``)."""

    beta: float = 0.9
    heavy_ball: bool = False
    slots: ClassVar[tuple[str, ...]] = ("v",)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_beta("beta", self.beta)

    def _step(self, w, dw, slots, t, lr):
        return momentum_step(w, dw, slots[0], lr, self.beta, heavy_ball=self.heavy_ball)

    def _step_inplace(self, w, dw, slots, t, lr):
        (v,) = slots
        v *= self.beta
        if self.heavy_ball:
            v += dw
        else:
            v += (1 - self.beta) * dw
        w -= lr * v


@dataclass
class Nesterov(Momentum):
    """Nesterov momentum (same velocity as :class:`Momentum`, look-ahead update)."""

    def _step(self, w, dw, slots, t, lr):
        return nesterov_step(w, dw, slots[0], lr, self.beta, heavy_ball=self.heavy_ball)

    def _step_inplace(self, w, dw, slots, t, lr):
        (v,) = slots
        g = dw if self.heavy_ball else (1 - self.beta) * dw
        v *= self.beta
        v += g
        w -= lr * (self.beta * v + g)


@dataclass
class AdaGrad(Optimizer):
    """AdaGrad: per-element learning rates that shrink as squared gradients accumulate."""

    eps: float = 1e-8
    slots: ClassVar[tuple[str, ...]] = ("h",)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_positive("eps", self.eps)

    def _step(self, w, dw, slots, t, lr):
        return adagrad_step(w, dw, slots[0], lr, self.eps)

    def _step_inplace(self, w, dw, slots, t, lr):
        (h,) = slots
        h += dw * dw
        denom = np.sqrt(h)
        denom += self.eps
        w -= lr * dw / denom


@dataclass
class RMSprop(Optimizer):
    """RMSprop: divide by the root of an EWMA of squared gradients."""

    beta: float = 0.9
    eps: float = 1e-8
    slots: ClassVar[tuple[str, ...]] = ("s",)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_beta("beta", self.beta)
        check_positive("eps", self.eps)

    def _step(self, w, dw, slots, t, lr):
        return rmsprop_step(w, dw, slots[0], lr, self.beta, self.eps)

    def _step_inplace(self, w, dw, slots, t, lr):
        (s,) = slots
        s *= self.beta
        s += (1 - self.beta) * (dw * dw)
        denom = np.sqrt(s)
        denom += self.eps
        w -= lr * dw / denom


@dataclass
class Adam(Optimizer):
    """Adam: momentum + RMSprop with bias correction (t from 1, ε after the square root)."""

    lr: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    slots: ClassVar[tuple[str, ...]] = ("v", "s")

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_beta("beta1", self.beta1)
        _check_beta("beta2", self.beta2)
        check_positive("eps", self.eps)

    def _step(self, w, dw, slots, t, lr):
        v, s = slots
        return adam_step(w, dw, v, s, t, lr, self.beta1, self.beta2, self.eps)

    def _step_inplace(self, w, dw, slots, t, lr):
        # Same formula as adam_step, rearranged so every operation writes into an
        # existing buffer:  v̂/(√ŝ+ε) = (v/c1) / (√s/√c2 + ε).
        v, s = slots
        b1, b2 = self.beta1, self.beta2
        c1 = 1 - b1**t
        inv_sqrt_c2 = 1 / math.sqrt(1 - b2**t)
        tmp = dw * (1 - b1)
        v *= b1
        v += tmp
        np.multiply(dw, dw, out=tmp)
        tmp *= 1 - b2
        s *= b2
        s += tmp
        np.sqrt(s, out=tmp)
        tmp *= inv_sqrt_c2
        tmp += self.eps
        np.divide(v, tmp, out=tmp)
        tmp *= lr / c1
        w -= tmp


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "gd": GradientDescent,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}


def make_optimizer(name: str, **hyperparameters: Any) -> Optimizer:
    """An optimizer by name: gd, momentum, nesterov, adagrad, rmsprop or adam."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"name must be one of {sorted(OPTIMIZERS)}, got {name!r}") from None
    return cls(**hyperparameters)

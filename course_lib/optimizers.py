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
* ``opt.update_inplace(params, grads, state, workspace=ws)`` — the fast path used
  by the training step: fused in-place arithmetic on the same formulas (its name
  says it mutates ``params`` and ``state``). Tests check it matches ``update`` to
  1e-12. ``init`` makes each slot's arrays views of one contiguous buffer, so that
  ``update_inplace`` can update all parameters as one long vector (a few large
  numpy operations instead of a few per array). Its work arrays live in a
  :class:`Workspace` that the caller owns and passes at every step; the optimizer
  object itself holds its hyperparameters only (it is frozen).

The running moments (momentum's ``v``, RMSprop's ``s``, AdaGrad's ``h``, Adam's
``v`` and ``s``) are all ``decay·m + weight·dw^order``: :func:`update_moment`.

``grads`` has the same keys as ``params`` (``grads["W1"]`` is ∂J/∂W1).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
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
    "Workspace",
    "adagrad_step",
    "adam_step",
    "gd_step",
    "make_optimizer",
    "momentum_step",
    "nesterov_step",
    "rmsprop_step",
    "update_moment",
]


def _check_step(w: np.ndarray, dw: np.ndarray, lr: float, **state: np.ndarray) -> None:
    check_same_shape("dw", np.asarray(dw), "w", np.asarray(w))
    for name, arr in state.items():
        check_same_shape(name, np.asarray(arr), "w", np.asarray(w))
    check_positive("lr", lr, allow_zero=True)


def _check_beta(name: str, beta: float) -> float:
    return check_in_range(name, beta, 0.0, 1.0, high_open=True)


# ---- moments: the running averages (and sums) the optimizers keep -------------------


def update_moment(
    moment: np.ndarray, g: np.ndarray, decay: float, weight: float | None = None,
    *, order: int = 1,
) -> np.ndarray:
    """A running moment of the gradient, as a new array: ``decay·moment + weight·g^order``.

    ``weight`` defaults to ``1 - decay``, an exponentially weighted average (momentum's
    ``v``, RMSprop's ``s``, Adam's ``v`` and ``s``); heavy-ball momentum uses
    ``weight = 1`` and AdaGrad's sum of squares ``decay = weight = 1``. ``order`` is 1
    (the gradient) or 2 (its square, computed as ``(weight·g)·g``).
    """
    if weight is None:
        weight = 1 - decay
    return decay * moment + (weight * g * g if order == 2 else weight * g)


def _update_moment_inplace(
    moment: np.ndarray, g: np.ndarray, decay: float, weight: float, order: int,
    tmp: np.ndarray | None,
) -> None:
    """:func:`update_moment` written into ``moment`` (the same operations, so the same
    rounding; multiplications by 1 are skipped). ``tmp`` is a work array shaped like
    ``g``, needed unless ``weight == 1`` and ``order == 1``."""
    if decay != 1:
        moment *= decay
    if weight == 1 and order == 1:
        moment += g
        return
    if weight == 1:
        np.multiply(g, g, out=tmp)
    else:
        np.multiply(g, weight, out=tmp)
        if order == 2:
            tmp *= g
    moment += tmp


def _root_scaled(dw: np.ndarray, acc: np.ndarray, lr: float, eps: float) -> np.ndarray:
    """AdaGrad's and RMSprop's step ``lr·dw / (√acc + ε)`` (ε after the square root)."""
    return lr * dw / (np.sqrt(acc) + eps)


# ---- per-array steps (the readable definitions) -------------------------------


def gd_step(w: np.ndarray, dw: np.ndarray, lr: float) -> np.ndarray:
    """Gradient descent: ``w - lr·dw``.

    Exercise `gd_step`, notebook 07_optimizers.
    """
    _check_step(w, dw, lr)
    return w - lr * dw


def momentum_step(
    w: np.ndarray, dw: np.ndarray, v: np.ndarray, lr: float, beta: float = 0.9,
    *, heavy_ball: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Momentum. EMA form: ``v = βv + (1-β)dw``; heavy ball: ``v = βv + dw``. Then ``w - lr·v``.

    Returns ``(w_new, v_new)``.

    Exercise `momentum_step`, notebook 07_optimizers.
    """
    _check_step(w, dw, lr, v=v)
    beta = _check_beta("beta", beta)
    v_new = update_moment(v, dw, beta, 1 if heavy_ball else None)
    return w - lr * v_new, v_new


def nesterov_step(
    w: np.ndarray, dw: np.ndarray, v: np.ndarray, lr: float, beta: float = 0.9,
    *, heavy_ball: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Nesterov momentum: the velocity as in :func:`momentum_step`, then a look-ahead step.

    EMA form: ``v = βv + (1-β)dw``, ``w - lr·(βv + (1-β)dw)``.
    Heavy ball: ``v = βv + dw``, ``w - lr·(βv + dw)``. Returns ``(w_new, v_new)``.

    Exercise `nesterov_step`, notebook 07_optimizers.
    """
    _check_step(w, dw, lr, v=v)
    beta = _check_beta("beta", beta)
    g = dw if heavy_ball else (1 - beta) * dw
    v_new = update_moment(v, g, beta, 1)
    return w - lr * (beta * v_new + g), v_new


def adagrad_step(
    w: np.ndarray, dw: np.ndarray, h: np.ndarray, lr: float, eps: float = 1e-8
) -> tuple[np.ndarray, np.ndarray]:
    """AdaGrad: ``h = h + dw²``, ``w - lr·dw/(√h + ε)``. Returns ``(w_new, h_new)``.

    Exercise `adagrad_step`, notebook 07_optimizers.
    """
    _check_step(w, dw, lr, h=h)
    check_positive("eps", eps)
    h_new = update_moment(h, dw, 1, 1, order=2)
    return w - _root_scaled(dw, h_new, lr, eps), h_new


def rmsprop_step(
    w: np.ndarray, dw: np.ndarray, s: np.ndarray, lr: float, beta: float = 0.9,
    eps: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray]:
    """RMSprop: ``s = βs + (1-β)dw²``, ``w - lr·dw/(√s + ε)``. Returns ``(w_new, s_new)``.

    Exercise `rmsprop_step`, notebook 07_optimizers.
    """
    _check_step(w, dw, lr, s=s)
    beta = _check_beta("beta", beta)
    check_positive("eps", eps)
    s_new = update_moment(s, dw, beta, order=2)
    return w - _root_scaled(dw, s_new, lr, eps), s_new


def adam_step(
    w: np.ndarray, dw: np.ndarray, v: np.ndarray, s: np.ndarray, t: int, lr: float,
    beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adam with bias correction; ``t`` is this update's number, counting from 1.

    ``v = β1 v + (1-β1)dw``, ``s = β2 s + (1-β2)dw²``, ``v̂ = v/(1-β1^t)``,
    ``ŝ = s/(1-β2^t)``, ``w - lr·v̂/(√ŝ + ε)``. Returns ``(w_new, v_new, s_new)``.

    Exercise `adam_step`, notebook 07_optimizers.
    """
    _check_step(w, dw, lr, v=v, s=s)
    t = check_int("t", t, minimum=1)
    beta1 = _check_beta("beta1", beta1)
    beta2 = _check_beta("beta2", beta2)
    check_positive("eps", eps)
    v_new = update_moment(v, dw, beta1)
    s_new = update_moment(s, dw, beta2, order=2)
    v_hat = v_new / (1 - beta1**t)
    s_hat = s_new / (1 - beta2**t)
    return w - lr * v_hat / (np.sqrt(s_hat) + eps), v_new, s_new


# ---- optimizer objects ---------------------------------------------------------


def _check_dicts(params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
    try:  # the common case, quickly: arrays with the same keys and shapes
        if all(grads[k].shape == w.shape for k, w in params.items()):
            return
    except (KeyError, AttributeError):
        pass
    missing = [k for k in params if k not in grads]
    if missing:
        raise ValueError(f"grads is missing {missing} (grads must have the keys of params)")
    for k in params:
        if np.shape(grads[k]) != np.shape(params[k]):
            raise ValueError(
                f"grads['{k}'] has shape {np.shape(grads[k])} but params['{k}'] has shape "
                f"{np.shape(params[k])}"
            )


# The fast path keeps every per-parameter array of a kind (v, s, ... and, when the
# caller allows it, w and dw) as a view into ONE contiguous 1-D buffer, so that a
# step is a handful of large vectorized operations instead of a handful per array.


def flat_zeros_like(arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``{k: zeros_like(a)}`` whose arrays are consecutive views of one 1-D buffer.

    Same shapes, dtype and values as ``np.zeros_like`` gives; only the memory is
    shared, which lets :meth:`Optimizer.update_inplace` treat all of them as one
    vector. Falls back to separate arrays when the dtypes differ.
    """
    arrs = [a if isinstance(a, np.ndarray) else np.asarray(a) for a in arrays.values()]
    dtypes = {a.dtype for a in arrs}
    if len(dtypes) != 1 or next(iter(dtypes)).kind != "f":
        return {k: np.zeros_like(a) for k, a in zip(arrays, arrs)}
    buf = np.zeros(sum(a.size for a in arrs), dtype=arrs[0].dtype)
    return _split_flat(buf, {k: a.shape for k, a in zip(arrays, arrs)})


def _split_flat(buf: np.ndarray, shapes: Mapping[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """``{k: view of buf}`` with the given shapes, back to back from the start of ``buf``
    (the layout :func:`flat_view` recognizes)."""
    out, offset = {}, 0
    for k, shape in shapes.items():
        n = math.prod(shape)
        out[k] = buf[offset:offset + n].reshape(shape)
        offset += n
    return out


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def flat_view(arrays: Sequence[np.ndarray]) -> np.ndarray | None:
    """One 1-D view covering ``arrays`` back to back, or ``None``.

    Succeeds when the arrays are C-contiguous views of the same 1-D buffer, each
    starting where the previous one ends (as :func:`flat_zeros_like` makes them).
    Writing to the returned view writes to the arrays.
    """
    if not arrays:
        return None
    first = arrays[0]
    base = first.base if isinstance(first, np.ndarray) else None
    if (not isinstance(base, np.ndarray) or base.ndim != 1 or not base.flags.c_contiguous
            or base.dtype.kind != "f"):
        return None
    start = _address(first) - _address(base)
    if start % base.itemsize:
        return None
    pos = _address(first)
    size = 0
    for a in arrays:
        if (not isinstance(a, np.ndarray) or a.base is not base or a.dtype != base.dtype
                or not a.flags.c_contiguous or _address(a) != pos):
            return None
        pos += a.nbytes
        size += a.size
    start //= base.itemsize
    return base[start:start + size]


def _same_objects(a: Sequence[Any], b: Sequence[Any]) -> bool:
    return len(a) == len(b) and all(map(operator.is_, a, b))


class Workspace:
    """Work arrays that :meth:`Optimizer.update_inplace` reuses from one step to the next.

    The code that runs the steps owns one and passes it as ``workspace=`` at every
    step (:func:`course_lib.network.train_step` keeps one per network, batch shape and
    thread). It holds no optimizer state, only

    * which arrays were last found to be one flat vector (:func:`flat_view`), so that
      the address checks are paid once for the parameters and slots, and once per
      new gradient dict;
    * the work vectors of the one-vector step (the step, temporaries, the gathered
      gradients), allocated once.

    Dropping it changes no result, only the speed. One workspace serves one thread at
    a time; it can serve several optimizers and parameter dicts (it then redoes the
    checks and, for another size or dtype, reallocates).
    """

    def __init__(self) -> None:
        self._params: tuple[list, tuple] = ([], (None, None))  # (w + slot arrays, flats)
        self._grads: tuple[list, np.ndarray | None] = ([], None)  # (grad arrays, flat)
        self._vectors: list[np.ndarray] = []

    def flat_params(
        self, ws: list[np.ndarray], slots: list[list[np.ndarray]],
    ) -> tuple[np.ndarray | None, tuple[np.ndarray, ...] | None]:
        """``(flat w or None, one flat vector per slot, or None if one is not flat)``."""
        arrays = ws + [a for arrs in slots for a in arrs]
        seen, flats = self._params
        if not _same_objects(seen, arrays):
            slot_flats = tuple(flat_view(arrs) for arrs in slots)
            flats = (flat_view(ws), None if any(f is None for f in slot_flats) else slot_flats)
            self._params = (arrays, flats)
        return flats

    def flat_grads(self, gs: list[np.ndarray]) -> np.ndarray | None:
        """The gradients as one flat vector (a view), or None."""
        seen, flat = self._grads
        if not _same_objects(seen, gs):
            flat = flat_view(gs)
            self._grads = (gs, flat)
        return flat

    def vectors(self, n: int, size: int, dtype: np.dtype) -> list[np.ndarray]:
        """``n`` work vectors of ``size`` elements (uninitialized), the same ones every step."""
        vecs = self._vectors
        if vecs and (vecs[0].size != size or vecs[0].dtype != dtype):
            vecs = self._vectors = []
        while len(vecs) < n:
            vecs.append(np.empty(size, dtype=dtype))
        return vecs[:n]


@dataclass(frozen=True)
class Optimizer:
    """Base class: the hyperparameters (frozen); the state lives in the dict ``init``
    returns, work arrays in a :class:`Workspace` the caller owns.

    A subclass names its state arrays (``slots``) and defines one step twice: ``_step``
    on one array, with the pure per-array function, and ``_delta``, in place.
    """

    lr: float = 0.01
    slots: ClassVar[tuple[str, ...]] = ()
    n_scratch: ClassVar[int] = 1  # work arrays _delta needs (tmp)

    def __post_init__(self) -> None:
        check_positive("lr", self.lr, allow_zero=True)

    def init(self, params: Mapping[str, np.ndarray]) -> dict[str, Any]:
        """Fresh state: step counter ``t = 0`` and zero arrays for each slot and parameter."""
        state: dict[str, Any] = {"t": 0}
        for slot in self.slots:
            # one contiguous buffer per slot (see flat_zeros_like): same values as
            # {k: np.zeros_like(w)}, and update_inplace can update it as one vector
            state[slot] = flat_zeros_like(params)
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
        state: dict[str, Any], lr: float | None = None, *, workspace: Workspace | None = None,
    ) -> None:
        """The same step, written into ``params`` and ``state`` in place (fast path).

        When the slot arrays are the contiguous buffers :meth:`init` makes, all
        parameters are updated at once as one long vector (the gradients are
        gathered into one vector first unless they already are one, as
        :func:`course_lib.network.train_step` writes them); otherwise array by array.
        ``workspace``: the caller's :class:`Workspace`, reused from step to step
        (without one, each call makes a fresh one: the same result, a little slower).
        """
        _check_dicts(params, grads)
        lr = self._lr(lr)
        state["t"] += 1
        t = state["t"]
        if not params:
            return
        ws = Workspace() if workspace is None else workspace
        w_list = list(params.values())
        g_list = [grads[k] for k in params]
        slot_lists = [[state[slot][k] for k in params] for slot in self.slots]
        flat_w, flat_slots = ws.flat_params(w_list, slot_lists)
        flat_g = ws.flat_grads(g_list)
        if flat_slots is None or (not self.slots and flat_g is None):
            for i, (w, g) in enumerate(zip(w_list, g_list)):  # array by array
                out = np.empty_like(w, dtype=np.result_type(w, g))
                tmp = [np.empty_like(out) for _ in range(self.n_scratch)]
                self._delta(g, tuple(arrs[i] for arrs in slot_lists), t, lr, out, tmp)
                w -= out
            return
        ref = flat_slots[0] if flat_slots else flat_g
        delta, *tmp, g_buf = ws.vectors(self.n_scratch + 2, ref.size, ref.dtype)
        if flat_g is None or flat_g.dtype != ref.dtype:
            flat_g = g_buf
            np.concatenate([np.ravel(g) for g in g_list], out=flat_g, casting="same_kind")
        self._delta(flat_g, flat_slots, t, lr, delta, tmp)
        if flat_w is not None and flat_w.dtype == delta.dtype:
            flat_w -= delta
        else:
            offset = 0
            for w in w_list:
                n = w.size
                w -= delta[offset:offset + n].reshape(w.shape)
                offset += n

    def _step(self, w, dw, slots, t, lr):  # pragma: no cover - abstract
        """One parameter array, purely: ``(w_new, *new slot arrays)``."""
        raise NotImplementedError

    def _delta(self, dw, slots, t, lr, out, tmp):  # pragma: no cover - abstract
        """Update ``slots`` in place and write into ``out`` what is subtracted from w.

        Every operation mirrors the per-array step function (same order, so the same
        rounding) or is a rearrangement of it that agrees to a few ulps.
        ``tmp`` holds ``n_scratch`` work arrays shaped like ``out``.
        """
        raise NotImplementedError


@dataclass(frozen=True)
class GradientDescent(Optimizer):
    """Plain (mini-batch) gradient descent."""

    n_scratch: ClassVar[int] = 0

    def _step(self, w, dw, slots, t, lr):
        return (gd_step(w, dw, lr),)

    def _delta(self, dw, slots, t, lr, out, tmp):
        np.multiply(dw, lr, out=out)  # w - lr·dw


@dataclass(frozen=True)
class Momentum(Optimizer):
    """Momentum, EMA form by default (``heavy_ball=True`` for ``v = βv + dw``)."""

    beta: float = 0.9
    heavy_ball: bool = False
    slots: ClassVar[tuple[str, ...]] = ("v",)
    n_scratch: ClassVar[int] = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_beta("beta", self.beta)

    def _step(self, w, dw, slots, t, lr):
        return momentum_step(w, dw, slots[0], lr, self.beta, heavy_ball=self.heavy_ball)

    def _delta(self, dw, slots, t, lr, out, tmp):
        (v,) = slots  # v = βv + dw  or  βv + (1-β)dw
        weight = 1 if self.heavy_ball else 1 - self.beta
        _update_moment_inplace(v, dw, self.beta, weight, 1, out)
        np.multiply(v, lr, out=out)  # w - lr·v


@dataclass(frozen=True)
class Nesterov(Momentum):
    """Nesterov momentum (same velocity as :class:`Momentum`, look-ahead update)."""

    n_scratch: ClassVar[int] = 1

    def _step(self, w, dw, slots, t, lr):
        return nesterov_step(w, dw, slots[0], lr, self.beta, heavy_ball=self.heavy_ball)

    def _delta(self, dw, slots, t, lr, out, tmp):
        (v,) = slots
        if self.heavy_ball:
            g = dw
        else:
            g = tmp[0]
            np.multiply(dw, 1 - self.beta, out=g)
        _update_moment_inplace(v, g, self.beta, 1, 1, None)  # v = βv + g
        np.multiply(v, self.beta, out=out)  # w - lr·(βv + g)
        out += g
        out *= lr


@dataclass(frozen=True)
class _RootScaled(Optimizer):
    """AdaGrad and RMSprop: ``acc`` a moment of ``dw²`` (:meth:`_moment`), then
    ``w - lr·dw/(√acc + ε)``. Each subclass declares ``eps`` (after its other fields)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_positive("eps", self.eps)

    def _moment(self) -> tuple[float, float]:  # pragma: no cover - abstract
        """``(decay, weight)`` of ``acc`` (see :func:`update_moment`)."""
        raise NotImplementedError

    def _delta(self, dw, slots, t, lr, out, tmp):
        (acc,) = slots
        den = tmp[0]
        _update_moment_inplace(acc, dw, *self._moment(), 2, den)
        np.sqrt(acc, out=den)  # w - lr·dw / (√acc + ε)
        den += self.eps
        np.multiply(dw, lr, out=out)
        out /= den


@dataclass(frozen=True)
class AdaGrad(_RootScaled):
    """AdaGrad: per-element learning rates that shrink as squared gradients accumulate
    (``h = h + dw²``)."""

    eps: float = 1e-8
    slots: ClassVar[tuple[str, ...]] = ("h",)

    def _moment(self) -> tuple[float, float]:
        return 1, 1

    def _step(self, w, dw, slots, t, lr):
        return adagrad_step(w, dw, slots[0], lr, self.eps)


@dataclass(frozen=True)
class RMSprop(_RootScaled):
    """RMSprop: divide by the root of an EWMA of squared gradients (``s = βs + (1-β)dw²``)."""

    beta: float = 0.9
    eps: float = 1e-8
    slots: ClassVar[tuple[str, ...]] = ("s",)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_beta("beta", self.beta)

    def _moment(self) -> tuple[float, float]:
        return self.beta, 1 - self.beta

    def _step(self, w, dw, slots, t, lr):
        return rmsprop_step(w, dw, slots[0], lr, self.beta, self.eps)


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam: momentum + RMSprop with bias correction (t from 1, ε after the square root).

    Exercise `initialize_adam_state`, notebook 07_optimizers.
    Exercise `update_parameters_with_adam`, notebook 07_optimizers.
    """

    lr: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    slots: ClassVar[tuple[str, ...]] = ("v", "s")
    n_scratch: ClassVar[int] = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_beta("beta1", self.beta1)
        _check_beta("beta2", self.beta2)
        check_positive("eps", self.eps)

    def _step(self, w, dw, slots, t, lr):
        v, s = slots
        return adam_step(w, dw, v, s, t, lr, self.beta1, self.beta2, self.eps)

    def _delta(self, dw, slots, t, lr, out, tmp):
        # v and s exactly as adam_step computes them (same operations, same order).
        # The step  lr·v̂/(√ŝ + ε)  with v̂ = v/c1, ŝ = s/c2  is rearranged into
        # (lr·√c2/c1) · v / (√s + ε·√c2): one square root, one division, and the
        # scalar factors folded into one multiplication.
        v, s = slots
        b1, b2 = self.beta1, self.beta2
        _update_moment_inplace(v, dw, b1, 1 - b1, 1, out)  # v = β1 v + (1-β1) dw
        _update_moment_inplace(s, dw, b2, 1 - b2, 2, out)  # s = β2 s + (1-β2) dw²
        sqrt_c2 = math.sqrt(1 - b2**t)
        np.sqrt(s, out=out)
        out += self.eps * sqrt_c2
        np.divide(v, out, out=out)
        out *= lr * sqrt_c2 / (1 - b1**t)


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

"""Learning-rate schedules: decay, warm-up and cosine annealing.

Convention: the step counter (``epoch_num``, ``t``) counts from **0**, so every decay
returns ``lr0`` at its first step (``sqrt_decay`` returns ``k * lr0``). The decays are
written per epoch, as ``course_lib.training.train`` calls its schedule once per epoch.
The warm-up and cosine schedules take a counter ``t`` and lengths (``warmup_steps``,
``T``, ``total_steps``) in whatever unit the caller steps them in: optimizer steps
(mini-batches), as they are usually used, or epochs; the counter and the lengths must
count the same thing.

Every schedule is a function of plain numbers returning a float (a learning rate, in
the unit of ``lr0``). ``make_schedule(name, lr0, **kwargs)`` packs one into a small
picklable callable ``t -> lr``, which can be sent to joblib workers.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from course_lib.validation import check_int, check_positive, check_probability

__all__ = [
    "constant",
    "inverse_time_decay",
    "staircase_decay",
    "exponential_decay",
    "sqrt_decay",
    "step_decay",
    "linear_warmup",
    "cosine_annealing",
    "warmup_cosine",
    "Schedule",
    "make_schedule",
    "SCHEDULES",
]


def _check_common(lr0: float, epoch_num: int, counter: str = "epoch_num") -> tuple[float, int]:
    return check_positive("lr0", lr0), check_int(counter, epoch_num, minimum=0)


def constant(lr0: float, epoch_num: int) -> float:
    """No decay: ``lr = lr0``."""
    lr0, _ = _check_common(lr0, epoch_num)
    return lr0


def inverse_time_decay(lr0: float, epoch_num: int, decay_rate: float) -> float:
    """``lr = lr0 / (1 + decay_rate * epoch_num)``, with ``decay_rate >= 0``.

    Exercise `inverse_time_decay`, notebook 08_learning_rate_decay.
    """
    lr0, epoch_num = _check_common(lr0, epoch_num)
    decay_rate = check_positive("decay_rate", decay_rate, allow_zero=True)
    return lr0 / (1.0 + decay_rate * epoch_num)


def staircase_decay(lr0: float, epoch_num: int, decay_rate: float, interval: int) -> float:
    """``lr = lr0 / (1 + decay_rate * floor(epoch_num / interval))``.

    Like ``inverse_time_decay`` but the rate only changes every ``interval`` epochs
    (``interval`` an integer >= 1), so it is constant within each interval.

    Exercise `staircase_decay`, notebook 08_learning_rate_decay.
    """
    lr0, epoch_num = _check_common(lr0, epoch_num)
    decay_rate = check_positive("decay_rate", decay_rate, allow_zero=True)
    interval = check_int("interval", interval, minimum=1)
    return lr0 / (1.0 + decay_rate * (epoch_num // interval))


def exponential_decay(lr0: float, epoch_num: int, r: float) -> float:
    """``lr = r**epoch_num * lr0`` with ``r`` in ``(0, 1]`` (e.g. 0.95).

    Exercise `exponential_decay`, notebook 08_learning_rate_decay.
    """
    lr0, epoch_num = _check_common(lr0, epoch_num)
    r = check_probability("r", r)
    return r**epoch_num * lr0


def sqrt_decay(lr0: float, epoch_num: int, k: float) -> float:
    """``lr = k / sqrt(epoch_num + 1) * lr0`` with ``k > 0``.

    It is often written ``k / sqrt(epoch_num) * lr0`` with epochs counted from 1; here
    epochs count from 0, hence the ``+ 1`` (and no division by zero at the first epoch).

    Exercise `sqrt_decay`, notebook 08_learning_rate_decay.
    """
    lr0, epoch_num = _check_common(lr0, epoch_num)
    k = check_positive("k", k)
    return k / math.sqrt(epoch_num + 1) * lr0


def step_decay(lr0: float, epoch_num: int, drop: float = 0.5, epochs_drop: int = 10) -> float:
    """``lr = lr0 * drop**floor(epoch_num / epochs_drop)``.

    Multiplies the rate by ``drop`` (in ``(0, 1]``) every ``epochs_drop`` epochs
    (an integer >= 1).

    Exercise `step_decay`, notebook 08_learning_rate_decay.
    """
    lr0, epoch_num = _check_common(lr0, epoch_num)
    drop = check_probability("drop", drop)
    epochs_drop = check_int("epochs_drop", epochs_drop, minimum=1)
    return lr0 * drop ** (epoch_num // epochs_drop)


# ---- warm-up and cosine annealing ---------------------------------------------------------


def linear_warmup(lr0: float, t: int, warmup_steps: int) -> float:
    """Linear warm-up: the rate climbs in equal steps to ``lr0``, then stays there.

    ``lr = lr0 * (t + 1) / warmup_steps`` for ``t < warmup_steps``, else ``lr0``;
    equivalently ``lr0 * min(1, (t + 1) / warmup_steps)``.

    ``t`` (int >= 0) counts steps from 0: the first step uses ``lr0 / warmup_steps``
    (not 0: a step at rate 0 would change nothing) and step ``warmup_steps - 1`` is
    the first at the full ``lr0``. ``warmup_steps`` (int >= 0) counts the same unit as
    ``t``, usually optimizer steps (mini-batches); 0 or 1 means no warm-up.

    PyTorch: ``LinearLR(opt, start_factor=1/W, end_factor=1.0, total_iters=W - 1)``
    with ``W = warmup_steps >= 2`` and ``lr=lr0`` in the optimizer, ``scheduler.step()``
    after every optimizer step (its factor ``1/W + (1 - 1/W) * min(t, W - 1) / (W - 1)``
    is ``min(1, (t + 1) / W)``).

    Exercise `linear_warmup`, notebook 08_learning_rate_decay.
    """
    lr0, t = _check_common(lr0, t, "t")
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=0)
    if t < warmup_steps:
        return lr0 * (t + 1) / warmup_steps
    return lr0


def cosine_annealing(lr0: float, t: int, T: int, lr_min: float = 0.0) -> float:
    """Cosine annealing: from ``lr0`` at ``t = 0`` down to ``lr_min`` at ``t = T``.

    ``lr = lr_min + (lr0 - lr_min) * (1 + cos(pi * t / T)) / 2`` for ``t <= T``, and
    ``lr_min`` for ``t > T`` (it stays at the floor past the horizon).

    Half a period of a cosine, in radians: flat at the start (the rate stays near
    ``lr0`` for a while), steepest at ``t = T/2`` (where it is the mean of ``lr0`` and
    ``lr_min``), flat again at the end. ``t`` (int >= 0) and the horizon ``T``
    (int >= 1) count the same unit, usually optimizer steps; ``lr_min`` is in
    ``[0, lr0]``.

    PyTorch: ``CosineAnnealingLR(opt, T_max=T, eta_min=lr_min)`` with ``lr=lr0`` in the
    optimizer gives the same rates for ``t <= T`` (this is its closed form; its
    recursive form agrees to rounding error). Past ``T`` PyTorch's rate rises again
    (a cosine of period ``2T``); this one stays at ``lr_min``, as Keras's
    ``CosineDecay(lr0, decay_steps=T, alpha=lr_min / lr0)`` does.

    Exercise `cosine_annealing`, notebook 08_learning_rate_decay.
    """
    lr0, t = _check_common(lr0, t, "t")
    T = check_int("T", T, minimum=1)
    lr_min = _check_lr_min(lr_min, lr0)
    if t >= T:
        return lr_min
    return lr_min + (lr0 - lr_min) * (1.0 + math.cos(math.pi * t / T)) / 2.0


def warmup_cosine(lr0: float, t: int, warmup_steps: int, total_steps: int,
                  lr_min: float = 0.0) -> float:
    """Linear warm-up to ``lr0``, then cosine annealing to ``lr_min`` at ``total_steps``.

    ``lr = linear_warmup(lr0, t, W)`` for ``t < W = warmup_steps``, else
    ``cosine_annealing(lr0, t - W, total_steps - W, lr_min)``: the cosine starts at
    step ``W`` from ``lr0`` and reaches ``lr_min`` at ``t = total_steps``, after which
    the rate stays at ``lr_min``. The schedule commonly used to train transformers and
    large-batch networks with Adam or SGD (``W`` a few percent of ``total_steps``).

    ``t``, ``warmup_steps`` (int >= 0) and ``total_steps`` (int > ``warmup_steps``)
    count the same unit, usually optimizer steps. Steps ``W - 1`` and ``W`` both use
    ``lr0`` (the end of the ramp, then the start of the cosine).

    PyTorch (``W >= 2``)::

        SequentialLR(opt, [LinearLR(opt, start_factor=1/W, total_iters=W - 1),
                           CosineAnnealingLR(opt, T_max=total_steps - W, eta_min=lr_min)],
                     milestones=[W])
    """
    lr0, t = _check_common(lr0, t, "t")
    warmup_steps = check_int("warmup_steps", warmup_steps, minimum=0)
    total_steps = check_int("total_steps", total_steps, minimum=1)
    if total_steps <= warmup_steps:
        raise ValueError(
            f"total_steps must be > warmup_steps (the cosine needs at least one step), "
            f"got total_steps={total_steps}, warmup_steps={warmup_steps}"
        )
    if t < warmup_steps:
        _check_lr_min(lr_min, lr0)
        return linear_warmup(lr0, t, warmup_steps)
    return cosine_annealing(lr0, t - warmup_steps, total_steps - warmup_steps, lr_min)


def _check_lr_min(lr_min: float, lr0: float) -> float:
    lr_min = check_positive("lr_min", lr_min, allow_zero=True)
    if lr_min > lr0:
        raise ValueError(
            f"lr_min must be <= lr0 (the rate anneals from lr0 down to lr_min), "
            f"got lr_min={lr_min}, lr0={lr0}"
        )
    return lr_min


SCHEDULES: dict[str, Callable[..., float]] = {
    "constant": constant,
    "inverse_time": inverse_time_decay,
    "staircase": staircase_decay,
    "exponential": exponential_decay,
    "sqrt": sqrt_decay,
    "step": step_decay,
    "warmup": linear_warmup,
    "cosine": cosine_annealing,
    "warmup_cosine": warmup_cosine,
}
"""Schedule names accepted by ``make_schedule`` and the functions they call."""


def _extra_arguments(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The keyword arguments of schedule ``name`` after ``lr0, epoch_num``: ``(all,
    required)``, read from its function's signature."""
    extra = list(inspect.signature(SCHEDULES[name]).parameters.values())[2:]
    return (tuple(p.name for p in extra),
            tuple(p.name for p in extra if p.default is inspect.Parameter.empty))


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule as a picklable callable: ``schedule(t) -> lr``.

    ``name`` is a key of ``SCHEDULES``; ``kwargs`` holds the schedule's extra
    arguments (e.g. ``{"decay_rate": 1.0}``). Build one with ``make_schedule``;
    the arguments are checked when it is built, so a typo fails at once.
    """

    name: str
    lr0: float
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in SCHEDULES:
            raise ValueError(
                f"name must be one of {sorted(SCHEDULES)}, got {self.name!r}"
            )
        allowed, required = _extra_arguments(self.name)
        unknown = sorted(set(self.kwargs) - set(allowed))
        missing = sorted(set(required) - set(self.kwargs))
        if unknown or missing:
            raise ValueError(
                f"kwargs for schedule {self.name!r} must be among {list(allowed)} "
                f"(required: {list(required)}), got {sorted(self.kwargs)}"
            )
        # Copy so that later changes to the caller's dict cannot change the schedule,
        # and validate every argument once by evaluating step 0.
        object.__setattr__(self, "kwargs", dict(self.kwargs))
        self(0)

    def __call__(self, epoch_num: int) -> float:
        return SCHEDULES[self.name](self.lr0, epoch_num, **self.kwargs)

    def __hash__(self) -> int:
        return hash((self.name, self.lr0, tuple(sorted(self.kwargs.items()))))


def make_schedule(name: str, lr0: float, **kwargs: Any) -> Schedule:
    """Build the schedule ``name`` with initial (or peak) rate ``lr0`` as a callable
    ``t -> lr`` (``t`` an epoch for the decays, a step or an epoch for the others).

    Names and their keyword arguments:
    ``"constant"`` (none), ``"inverse_time"`` (``decay_rate``),
    ``"staircase"`` (``decay_rate``, ``interval``), ``"exponential"`` (``r``),
    ``"sqrt"`` (``k``), ``"step"`` (``drop=0.5``, ``epochs_drop=10``),
    ``"warmup"`` (``warmup_steps``), ``"cosine"`` (``T``, ``lr_min=0.0``),
    ``"warmup_cosine"`` (``warmup_steps``, ``total_steps``, ``lr_min=0.0``).
    Example: ``make_schedule("inverse_time", 0.1, decay_rate=1.0)(3) == 0.1 / 4``.
    """
    return Schedule(name, lr0, kwargs)

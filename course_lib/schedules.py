"""Learning-rate schedules (learning-rate decay).

Convention: ``epoch_num`` counts from **0** (the first epoch uses ``epoch_num = 0``), so
every schedule returns ``lr0`` at epoch 0 (``sqrt_decay`` returns ``k * lr0``).

``make_schedule(name, lr0, **kwargs)`` packs a schedule into a small picklable callable
``epoch_num -> lr``, which can be sent to joblib workers.
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
    "Schedule",
    "make_schedule",
    "SCHEDULES",
]


def _check_common(lr0: float, epoch_num: int) -> tuple[float, int]:
    return check_positive("lr0", lr0), check_int("epoch_num", epoch_num, minimum=0)


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

    The lecture writes ``k / sqrt(epoch_num) * lr0`` with epochs counted from 1; here
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


SCHEDULES: dict[str, Callable[..., float]] = {
    "constant": constant,
    "inverse_time": inverse_time_decay,
    "staircase": staircase_decay,
    "exponential": exponential_decay,
    "sqrt": sqrt_decay,
    "step": step_decay,
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
    """A learning-rate schedule as a picklable callable: ``schedule(epoch_num) -> lr``.

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
        # and validate every argument once by evaluating epoch 0.
        object.__setattr__(self, "kwargs", dict(self.kwargs))
        self(0)

    def __call__(self, epoch_num: int) -> float:
        return SCHEDULES[self.name](self.lr0, epoch_num, **self.kwargs)

    def __hash__(self) -> int:
        return hash((self.name, self.lr0, tuple(sorted(self.kwargs.items()))))


def make_schedule(name: str, lr0: float, **kwargs: Any) -> Schedule:
    """Build the schedule ``name`` with initial rate ``lr0`` as a callable ``epoch_num -> lr``.

    Names and their keyword arguments:
    ``"constant"`` (none), ``"inverse_time"`` (``decay_rate``),
    ``"staircase"`` (``decay_rate``, ``interval``), ``"exponential"`` (``r``),
    ``"sqrt"`` (``k``), ``"step"`` (``drop=0.5``, ``epochs_drop=10``).
    Example: ``make_schedule("inverse_time", 0.1, decay_rate=1.0)(3) == 0.1 / 4``.
    """
    return Schedule(name, lr0, kwargs)

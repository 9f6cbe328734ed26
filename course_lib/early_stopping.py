"""Early stopping on a sequence of dev costs, with patience.

The rule, for the dev costs measured after each epoch (epochs counted from 0)::

    best = +inf, bad = 0
    for epoch, cost in enumerate(dev_costs):
        if cost < best - min_delta:        # a real improvement
            best, best_epoch, bad = cost, epoch, 0
        else:                              # no improvement (NaN never improves)
            bad += 1
        if bad >= patience:
            stop here: training ends after this epoch

* ``stop_epoch`` is the last epoch that is run: the first epoch after which
  ``patience`` consecutive epochs have brought no improvement, or the last epoch
  of the sequence when that never happens;
* ``best_epoch`` is the epoch with the lowest dev cost counted as an improvement:
  the parameters to keep (``TrainResult.best_params``), not the last ones.

An improvement must beat the best cost by more than ``min_delta``: with
``min_delta = 0`` an equal cost is not an improvement.

The rule is written once, as :class:`EarlyStopping`, which takes the dev costs one
at a time: :func:`course_lib.training.train` feeds it each dev cost it measures (with
``patience``), and :func:`early_stopping` feeds it a whole sequence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .validation import check_int, check_positive

__all__ = ["EarlyStopping", "early_stopping"]


class EarlyStopping:
    """The early-stopping rule, one dev cost at a time.

    ``rule = EarlyStopping(patience, min_delta)``, then ``rule.update(epoch, cost)``
    after each measured dev cost: it returns True when training must stop after that
    epoch. ``rule.best_epoch`` is then the epoch whose parameters to keep (``None``
    while no cost has improved on +inf), ``rule.improved`` whether the last cost was
    an improvement (its parameters are the new best).
    """

    def __init__(self, patience: int, min_delta: float = 0.0) -> None:
        self.patience = check_int("patience", patience, minimum=1)
        self.min_delta = check_positive("min_delta", min_delta, allow_zero=True)
        self.best = math.inf
        self.best_epoch: int | None = None
        self.bad = 0
        self.improved = False

    def update(self, epoch: int, cost: float) -> bool:
        """Record the dev ``cost`` measured after ``epoch``; True: stop after this epoch."""
        self.improved = cost < self.best - self.min_delta
        if self.improved:
            self.best, self.best_epoch, self.bad = cost, epoch, 0
        else:
            self.bad += 1
        return self.bad >= self.patience


def early_stopping(
    dev_costs: Sequence[float] | np.ndarray, patience: int, min_delta: float = 0.0
) -> tuple[int, int | None]:
    """``(stop_epoch, best_epoch)`` for dev costs measured after epochs 0, 1, 2, ...

    Args:
        dev_costs: the dev cost after each epoch (a list or a 1-D array), at least one.
        patience: how many consecutive epochs without improvement end the training (>= 1).
        min_delta: how much lower than the best cost so far a cost must be to count as an
            improvement (>= 0).

    Returns:
        ``stop_epoch``: the epoch after which training stops (the last one if patience
        never runs out); ``best_epoch``: the epoch of the best dev cost, whose parameters
        to keep (``None`` if no epoch improved on +inf, i.e. every cost was NaN or inf).

    Exercise `early_stopping`, notebook 03_regularization.
    """
    costs = np.asarray(dev_costs, dtype=np.float64)
    if costs.ndim != 1 or costs.shape[0] < 1:
        raise ValueError(f"dev_costs must be a non-empty 1-D sequence, got shape {costs.shape}")
    rule = EarlyStopping(patience, min_delta)
    for epoch, cost in enumerate(costs.tolist()):
        if rule.update(epoch, cost):
            return epoch, rule.best_epoch
    return len(costs) - 1, rule.best_epoch

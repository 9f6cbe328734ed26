"""Bias and variance from training and dev errors; the confusion matrix for error analysis.

With the Bayes (optimal) error as the reference point:

* avoidable bias = train error - Bayes error
* variance       = dev error - train error

Each is "high" when it exceeds ``tol`` (2 percentage points by default). The four
cases of the course notes (Bayes error ≈ 0):

==========  ==========  ==============================
train       dev         diagnosis
==========  ==========  ==============================
1 %         11 %        high variance
15 %        16 %        high bias
15 %        30 %        high bias and high variance
0.5 %       1 %         low bias and low variance
==========  ==========  ==============================

With a Bayes error of 15 %, the second row would be low bias: judging bias needs
the Bayes error, not zero. Dev and training data must come from the same
distribution for the variance estimate to mean anything.
"""

from __future__ import annotations

import numpy as np

from .data import as_labels
from .validation import check_in_range, check_int

__all__ = ["basic_recipe", "confusion_matrix", "diagnose_bias_variance"]


def diagnose_bias_variance(
    train_error: float, dev_error: float, bayes_error: float = 0.0, tol: float = 0.02
) -> tuple[bool, bool]:
    """``(high_bias, high_variance)``.

    ``high_bias = train_error - bayes_error > tol`` and
    ``high_variance = dev_error - train_error > tol``; errors are fractions in [0, 1].

    Exercise `diagnose`, notebook 01_practical_aspects.
    """
    train_error = check_in_range("train_error", train_error, 0.0, 1.0)
    dev_error = check_in_range("dev_error", dev_error, 0.0, 1.0)
    bayes_error = check_in_range("bayes_error", bayes_error, 0.0, 1.0)
    tol = check_in_range("tol", tol, 0.0, 1.0)
    return bool(train_error - bayes_error > tol), bool(dev_error - train_error > tol)


def basic_recipe(high_bias: bool, high_variance: bool) -> list[str]:
    """What to try next, in the order of the basic recipe: bias first, then variance."""
    steps = []
    if high_bias:
        steps += [
            "bigger network (more layers or hidden units)",
            "train longer or with a better optimizer",
            "try another architecture",
        ]
    if high_variance:
        steps += [
            "more training data (or data augmentation)",
            "regularization (L2, dropout)",
            "try another architecture",
        ]
    if not steps:
        steps = ["done: low bias and low variance"]
    return list(dict.fromkeys(steps))


def confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, num_classes: int | None = None,
) -> np.ndarray:
    """``(C, C)`` counts, ``M[i, j]`` = number of examples of true class i predicted as j.

    Labels may be ``(m,)``, ``(1, m)`` or one-hot ``(C, m)``; ``C`` defaults to
    ``max label + 1``. The off-diagonal entries are the errors, by kind.
    """
    t = as_labels(y_true, "y_true")
    p = as_labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same number of examples, got "
                         f"shapes {np.shape(y_true)} and {np.shape(y_pred)}")
    if t.size and min(t.min(), p.min()) < 0:
        raise ValueError("labels must be >= 0")
    C = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    if num_classes is not None:
        num_classes = check_int("num_classes", num_classes, minimum=1)
        if C > num_classes:
            raise ValueError(f"labels must be < num_classes={num_classes}, got {C - 1}")
        C = num_classes
    M = np.zeros((C, C), dtype=np.int64)
    np.add.at(M, (t, p), 1)
    return M

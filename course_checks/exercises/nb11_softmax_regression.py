"""Exercises of 11_softmax_regression: softmax, one-hot, cross-entropy, its gradient, training."""

from __future__ import annotations

import numpy as np

from course_lib import activations as _act
from course_lib import data as _data
from course_lib import losses as _losses
from course_lib.training import train

from ..cases import Case
from ..compare import Tolerance
from ..registry import Mistake, registrar
from ._gen import dims, one_hot, randn, variant

register = registrar("11_softmax_regression")

_TOL = Tolerance(rtol=1e-6, atol=1e-9)


def _logits(rng: np.random.Generator, i: int, C: int, m: int) -> np.ndarray:
    """Logits (C, m); case 0: all around 1000 (exp overflows); case 1: columns at ±1000."""
    Z = randn(rng, C, m, scale=3.0)
    if i == 0:
        Z = Z + 1000.0
    elif i == 1:
        Z = Z + np.where(np.arange(m) % 2 == 0, 1000.0, -1000.0)[None, :]
    return Z


# ---- softmax ---------------------------------------------------------------------------


def _softmax_case(rng: np.random.Generator, i: int) -> Case:
    C, m = dims(rng, 2, 6), dims(rng, 2, 8)
    return Case((_logits(rng, i, C, m),), names=("Z",),
                note={0: "large logits", 1: "columns at very different levels"}.get(i, ""))


def _sm_no_shift(Z):
    E = np.exp(Z)
    return E / E.sum(axis=0, keepdims=True)


def _sm_axis1(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _sm_global_sum(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum()


def _sm_global_max(Z):
    E = np.exp(Z - Z.max())
    return E / E.sum(axis=0, keepdims=True)


register("softmax", _act.softmax, _softmax_case, tolerance=_TOL,
         summary="softmax of logits (C, m) over the class axis, stable for large logits", mistakes=(
    Mistake("no_max_shift", "np.exp(1000) overflows to inf and inf/inf is NaN. Subtract each "
            "column's maximum first (Z - Z.max(axis=0, keepdims=True)): softmax does not change "
            "when you add a constant to a column.", _sm_no_shift),
    Mistake("over_the_examples", "The softmax runs over the classes of each example (axis=0, down "
            "each column), not over the examples (axis=1): every COLUMN must sum to 1.", _sm_axis1),
    Mistake("normalized_by_the_whole_matrix", "Divide each column by its own sum (E.sum(axis=0, "
            "keepdims=True)), not by the sum of the whole matrix.", _sm_global_sum),
    Mistake("shifted_by_the_global_max", "Shift each column by ITS maximum (Z.max(axis=0, "
            "keepdims=True)). With one global maximum, a column whose logits are all far below it "
            "underflows to 0/0.", _sm_global_max),
))

# ---- one_hot ---------------------------------------------------------------------------


def _one_hot_case(rng: np.random.Generator, i: int) -> Case:
    C, m = dims(rng, 3, 8), dims(rng, 3, 12)
    top = C - 1 if i == 0 else C               # case 0: the last class never appears
    labels = rng.integers(0, top, size=(1, m)).astype(np.int64)
    labels[0, 0] = 0
    return Case((labels, C), names=("labels", "C"),
                note="the last class does not appear in labels" if i == 0 else "")


def _oh_transposed(labels, C):
    return _data.one_hot(labels, C).T


def _oh_eye(labels, C):
    return np.eye(C)[labels]


def _oh_from_max(labels, C):
    return _data.one_hot(labels, int(labels.max()) + 1)


def _oh_rows(labels, C):
    Y = np.zeros((C, labels.shape[1]))
    Y[labels[0], :] = 1.0
    return Y


register("one_hot", _data.one_hot, _one_hot_case,
         summary="integer labels (1, m) -> one-hot matrix (C, m)", mistakes=(
    Mistake("examples_as_rows", "Examples are columns: Y has shape (C, m), one column per "
            "example, not (m, C).", _oh_transposed),
    Mistake("eye_indexed_with_2d_labels", "np.eye(C)[labels] with labels of shape (1, m) gives "
            "shape (1, m, C). Build Y = np.zeros((C, m)) and set Y[labels[0], np.arange(m)] = 1.",
            _oh_eye),
    Mistake("classes_from_the_labels", "Use the C you are given: the number of classes is not "
            "labels.max() + 1 when some class does not appear (a small batch, a rare class).",
            _oh_from_max),
    Mistake("whole_rows_set", "Y[labels[0], :] = 1 sets whole rows. Each example i gets a 1 in "
            "row labels[0, i] of ITS column: Y[labels[0], np.arange(m)] = 1.", _oh_rows),
))

# ---- softmax_cross_entropy_cost --------------------------------------------------------


def _ce_case(rng: np.random.Generator, i: int) -> Case:
    C, m = dims(rng, 2, 6), dims(rng, 2, 9)
    Z = randn(rng, C, m, scale=2.0) + (1000.0 if i == 0 else 0.0)
    return Case((Z, one_hot(rng, C, m)), names=("Z", "Y"),
                note="large logits" if i == 0 else "")


def _ce_sum(Z, Y):
    return float(-(Y * _losses.log_softmax(Z)).sum())


def _ce_ignores_labels(Z, Y):
    return float(-_losses.log_softmax(Z).sum() / Z.shape[1])


def _ce_unstable(Z, Y):
    A = np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True)
    return float(-(Y * np.log(A)).sum() / Z.shape[1])


def _ce_positive(Z, Y):
    return float((Y * _losses.log_softmax(Z)).sum() / Z.shape[1])


register("softmax_cross_entropy_cost", _losses.softmax_cross_entropy, _ce_case, tolerance=_TOL,
         implements=(_losses.cross_entropy,),
         summary="mean cross-entropy of the softmax of logits Z against one-hot Y", mistakes=(
    Mistake("no_1_over_m", "The cost is the MEAN loss over the m examples: divide the sum by m "
            "(Z.shape[1]).", _ce_sum),
    Mistake("ignores_the_labels", "Only the true class of each example counts: multiply log Ŷ by "
            "the one-hot Y before summing (-(Y * log_A).sum() / m).", _ce_ignores_labels),
    Mistake("overflow", "np.exp of large logits overflows. Compute log softmax stably: log Ŷ = S "
            "- log(sum(exp(S))) with S = Z - Z.max(axis=0, keepdims=True) (or use your stable "
            "softmax before the log).", _ce_unstable),
    Mistake("wrong_sign", "log Ŷ is negative, so the loss needs a minus sign: L = -Σ_j y_j log "
            "ŷ_j (a cost must be >= 0).", _ce_positive),
))

# ---- softmax_cross_entropy_grad --------------------------------------------------------


def _grad_case(rng: np.random.Generator, i: int) -> Case:
    C, m = dims(rng, 2, 6), dims(rng, 2, 9)
    Z = randn(rng, C, m, scale=2.0) + (500.0 if i == 0 else 0.0)
    return Case((Z, one_hot(rng, C, m)), names=("Z", "Y"))


def _g_sign(Z, Y):
    return Y - _act.softmax(Z)


def _g_over_m(Z, Y):
    return (_act.softmax(Z) - Y) / Z.shape[1]


def _g_no_softmax(Z, Y):
    return Z - Y


def _g_sigmoid(Z, Y):
    return _act.sigmoid(Z) - Y


register("softmax_cross_entropy_grad", _losses.softmax_cross_entropy_grad, _grad_case,
         tolerance=_TOL, summary="dZ = softmax(Z) - Y, per example", mistakes=(
    Mistake("wrong_sign", "dZ is Ŷ - Y (prediction minus target), not Y - Ŷ: with the wrong sign, "
            "gradient descent climbs the cost.", _g_sign),
    Mistake("divided_by_m", "In this course dZ is per example (no 1/m); the 1/m comes later, in "
            "dW = (1/m) dZ Xᵀ and db = (1/m) Σ dZ.", _g_over_m),
    Mistake("logits_instead_of_probabilities", "Subtract Y from the probabilities Ŷ = softmax(Z), "
            "not from the logits Z.", _g_no_softmax),
    Mistake("sigmoid_instead_of_softmax", "With C classes the output is the softmax over the "
            "column, not a separate sigmoid per class.", _g_sigmoid),
))

# ---- train_softmax_regression ----------------------------------------------------------


def train_softmax_regression(X, Y, lr, epochs):
    """Reference: full-batch gradient descent from W = 0, b = 0; returns (W, b) (what
    course_lib's train computes on a one-layer softmax Network, written out: the case's
    few epochs need no mini-batches, schedule or history)."""
    n, m = X.shape
    C = Y.shape[0]
    W, b = np.zeros((C, n)), np.zeros((C, 1))
    for _ in range(epochs):
        dZ = _losses.softmax_cross_entropy_grad(W @ X + b, Y)
        W = W - lr * (dZ @ X.T) / m
        b = b - lr * dZ.sum(axis=1, keepdims=True) / m
    return W, b


def _train_case(rng: np.random.Generator, i: int) -> Case:
    n, C, m = dims(rng, 2, 5), dims(rng, 2, 4), int(rng.integers(10, 30))
    X = randn(rng, n, m)
    Y = one_hot(rng, C, m)
    lr = float(rng.uniform(0.1, 1.0))
    epochs = int(rng.integers(5, 25))
    return Case((X, Y, lr, epochs), names=("X", "Y", "lr", "epochs"))


def _train_generic(X, Y, lr, epochs, *, ascent=False, no_avg=False, freeze_b=False,
                   sigmoid=False):
    n, m = X.shape
    C = Y.shape[0]
    W, b = np.zeros((C, n)), np.zeros((C, 1))
    for _ in range(epochs):
        Z = W @ X + b
        A = _act.sigmoid(Z) if sigmoid else _act.softmax(Z)
        dZ = A - Y
        k = 1 if no_avg else m
        dW, db = dZ @ X.T / k, dZ.sum(axis=1, keepdims=True) / k
        s = -1 if ascent else 1
        W = W - s * lr * dW
        if not freeze_b:
            b = b - s * lr * db
    return W, b


register("train_softmax_regression", train_softmax_regression, _train_case, points=2,
         tolerance=_TOL, depends_on=("softmax", "softmax_cross_entropy_grad"), implements=(train,),
         summary="full-batch gradient descent for softmax regression from zeros; returns (W, b)",
         mistakes=(
    Mistake("gradient_ascent", "The update goes against the gradient: W = W - lr * dW (check the "
            "sign of dZ too: Ŷ - Y).", variant(_train_generic, ascent=True)),
    Mistake("no_1_over_m", "dW = (1/m) dZ Xᵀ and db = (1/m) Σ_i dZ: the gradients of the cost "
            "average over the m examples.", variant(_train_generic, no_avg=True)),
    Mistake("b_not_updated", "b is a parameter too: b = b - lr * db with db = (1/m) Σ_i dZ "
            "(np.sum(dZ, axis=1, keepdims=True) / m).", variant(_train_generic, freeze_b=True)),
    Mistake("sigmoid_outputs", "Softmax regression uses Ŷ = softmax(W X + b) over the classes, "
            "not a sigmoid per class.", variant(_train_generic, sigmoid=True)),
))

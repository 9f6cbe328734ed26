"""Exercises of 11_softmax_regression: softmax, one-hot, cross-entropy, its gradient, training."""

from __future__ import annotations

import numpy as np

from course_lib import activations as _act
from course_lib import data as _data
from course_lib import losses as _losses
from course_lib import network as _network
from course_lib.training import train

from ..cases import Case
from ..compare import Tolerance
from ..registry import Mistake, registrar
from ._gen import dims, one_hot, randn, variant

register = registrar("11_softmax_regression")

_TOL = Tolerance(rtol=1e-6, atol=1e-9)


def _logits(rng: np.random.Generator, i: int, C: int, m: int) -> np.ndarray:
    """Logits (C, m); case 0: all around 1000 (exp overflows); case 1: columns at ±1000;
    case 2: one logit 2000 above the others of its column (a shift by anything but the
    column's maximum, e.g. its minimum or its mean, still overflows there)."""
    Z = randn(rng, C, m, scale=3.0)
    if i == 0:
        Z = Z + 1000.0
    elif i == 1:
        Z = Z + np.where(np.arange(m) % 2 == 0, 1000.0, -1000.0)[None, :]
    elif i == 2:
        Z[0, 0] += 2000.0
    return Z


# ---- softmax ---------------------------------------------------------------------------


def _softmax_case(rng: np.random.Generator, i: int) -> Case:
    C, m = dims(rng, 2, 6), dims(rng, 2, 8)
    return Case((_logits(rng, i, C, m),), names=("Z",),
                note={0: "large logits", 1: "columns at very different levels",
                      2: "logits 2000 apart in one column"}.get(i, ""))


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


def _sm_over_max(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.max(axis=0, keepdims=True)


def _sm_sigmoid(Z):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-Z))


register("softmax", _act.softmax, _softmax_case, tolerance=_TOL,
         summary="softmax of logits (C, m) over the class axis, stable for large logits", mistakes=(
    Mistake("no_max_shift", "np.exp(1000) overflows to inf and inf/inf is NaN. Subtract each "
            "column's maximum first (Z - Z.max(axis=0, keepdims=True)): softmax does not change "
            "when you add a constant to a column, and only the maximum keeps every exponent at "
            "or below 0 (a shift by the minimum or the mean still overflows).", _sm_no_shift),
    Mistake("over_the_examples", "The softmax runs over the classes of each example (axis=0, down "
            "each column), not over the examples (axis=1): every COLUMN must sum to 1.", _sm_axis1),
    Mistake("normalized_by_the_whole_matrix", "Divide each column by its own sum (E.sum(axis=0, "
            "keepdims=True)), not by the sum of the whole matrix.", _sm_global_sum),
    Mistake("shifted_by_the_global_max", "Shift each column by ITS maximum (Z.max(axis=0, "
            "keepdims=True)). With one global maximum, a column whose logits are all far below it "
            "underflows to 0/0.", _sm_global_max),
    Mistake("divided_by_the_largest", "Divide each exponential by the SUM of its column, "
            "E.sum(axis=0, keepdims=True), not by its largest entry: the column must sum to 1.",
            _sm_over_max),
    Mistake("sigmoid_per_class", "1 / (1 + e^-z) is the sigmoid, applied to each class on its "
            "own: the outputs do not sum to 1. Softmax is e^z / Σ_k e^z_k over each column.",
            _sm_sigmoid),
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


def _oh_integers(labels, C):
    m = labels.shape[1]
    Y = np.zeros((C, m), dtype=int)
    Y[labels[0], np.arange(m)] = 1
    return Y


def _oh_from_one(labels, C):
    m = labels.shape[1]
    Y = np.zeros((C, m))
    Y[labels[0] - 1, np.arange(m)] = 1.0
    return Y


register("one_hot", _data.one_hot, _one_hot_case, tolerance=Tolerance(dtype=True),
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
    Mistake("classes_counted_from_one", "Classes are numbered from 0: label k goes to row k, "
            "Y[labels[0], np.arange(m)] = 1 (with labels[0] - 1, class 0 lands in the last row).",
            _oh_from_one),
    Mistake("integer_matrix", "np.zeros(..., dtype=int) makes an integer matrix. Y is a float "
            "matrix (np.zeros' default, float64), like the probabilities Ŷ it is compared with.",
            _oh_integers),
))

# ---- softmax_cross_entropy_cost --------------------------------------------------------


def _logits_and_labels(rng: np.random.Generator, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Logits Z (C, m), around 1000 in case 0 (np.exp overflows), and one-hot labels Y: the
    inputs of the cost and of its gradient."""
    C, m = dims(rng, 2, 6), dims(rng, 2, 9)
    Z = randn(rng, C, m, scale=2.0) + (1000.0 if i == 0 else 0.0)
    return Z, one_hot(rng, C, m)


def _ce_case(rng: np.random.Generator, i: int) -> Case:
    """Case 0: logits around 1000 (np.exp overflows); case 1: the first example's true class
    has a logit 800 below the others (its probability e^-800 rounds to 0, so the log of a
    softmax, even a stable one, is -inf)."""
    Z, Y = _logits_and_labels(rng, i)
    if i == 1:
        Z[int(np.argmax(Y[:, 0])), 0] -= 800.0
    return Case((Z, Y), names=("Z", "Y"),
                note={0: "large logits", 1: "a true class with a probability of about e^-800"}
                .get(i, ""))


def _ce_sum(Z, Y):
    return float(-(Y * _losses.log_softmax(Z)).sum())


def _ce_ignores_labels(Z, Y):
    return float(-_losses.log_softmax(Z).sum() / Z.shape[1])


def _ce_unstable(Z, Y):
    A = np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True)
    return float(-(Y * np.log(A)).sum() / Z.shape[1])


def _ce_log_of_softmax(Z, Y):
    with np.errstate(divide="ignore"):
        return float(-(Y * np.log(_act.softmax(Z))).sum() / Z.shape[1])


def _ce_mean_of_all(Z, Y):
    return float(-np.mean(Y * _losses.log_softmax(Z)))


def _ce_positive(Z, Y):
    return float((Y * _losses.log_softmax(Z)).sum() / Z.shape[1])


register("softmax_cross_entropy_cost", _losses.softmax_cross_entropy, _ce_case, tolerance=_TOL,
         implements=(_losses.cross_entropy,),
         summary="mean cross-entropy of the softmax of logits Z against one-hot Y", mistakes=(
    Mistake("no_1_over_m", "The cost is the MEAN loss over the m examples: divide the sum by m "
            "(Z.shape[1]).", _ce_sum),
    Mistake("ignores_the_labels", "Only the true class of each example counts: multiply log Ŷ by "
            "the one-hot Y before summing (-(Y * log_A).sum() / m).", _ce_ignores_labels),
    Mistake("log_of_softmax_underflows", "log(softmax(Z)) fails when a probability rounds to 0 "
            "(e^-800 is 0 in float64): its log is -inf. Compute log Ŷ from the logits, log Ŷ = "
            "S - log(sum(exp(S))) with S = Z - Z.max(axis=0, keepdims=True).", _ce_log_of_softmax),
    Mistake("overflow", "np.exp of large logits overflows. Compute log softmax stably: log Ŷ = S "
            "- log(sum(exp(S))) with S = Z - Z.max(axis=0, keepdims=True) (or use your stable "
            "softmax before the log).", _ce_unstable),
    Mistake("wrong_sign", "log Ŷ is negative, so the loss needs a minus sign: L = -Σ_j y_j log "
            "ŷ_j (a cost must be >= 0).", _ce_positive),
    Mistake("mean_over_classes_and_examples", "np.mean(Y * log_A) divides by C·m, the number of "
            "ENTRIES. The cost is the mean over the m examples of each example's loss: -(Y * "
            "log_A).sum() / m.", _ce_mean_of_all),
))

# ---- softmax_cross_entropy_grad --------------------------------------------------------


def _grad_case(rng: np.random.Generator, i: int) -> Case:
    return Case(_logits_and_labels(rng, i), names=("Z", "Y"),
                note="large logits: np.exp overflows" if i == 0 else "")


def _g_sign(Z, Y):
    return Y - _act.softmax(Z)


def _g_over_m(Z, Y):
    return (_act.softmax(Z) - Y) / Z.shape[1]


def _g_no_softmax(Z, Y):
    return Z - Y


def _g_sigmoid(Z, Y):
    return _act.sigmoid(Z) - Y


def _g_log_probs(Z, Y):
    return _losses.log_softmax(Z) - Y


def _g_summed(Z, Y):
    return (_act.softmax(Z) - Y).sum(axis=1, keepdims=True)


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
    Mistake("used_log_probabilities", "dZ uses the probabilities themselves, Ŷ = softmax(Z), not "
            "their logarithms: dZ = Ŷ - Y.", _g_log_probs),
    Mistake("summed_over_examples", "dZ keeps one column per example, shape (C, m): do not sum "
            "over the examples (that sum, divided by m, is db).", _g_summed),
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
    """Case 0: raw pixel intensities (0 to 255, not standardized): after one step the logits
    are in the thousands, and a softmax without the max shift overflows."""
    n, C, m = dims(rng, 2, 5), dims(rng, 2, 4), int(rng.integers(10, 30))
    X = np.round(rng.uniform(0, 255, (n, m))) if i == 0 else randn(rng, n, m)
    Y = one_hot(rng, C, m)
    lr = float(rng.uniform(0.1, 1.0))
    epochs = int(rng.integers(5, 25))
    return Case((X, Y, lr, epochs), names=("X", "Y", "lr", "epochs"),
                note="raw pixel intensities: large logits" if i == 0 else "")


def _train_generic(X, Y, lr, epochs, *, ascent=False, no_avg=False, freeze_b=False,
                   sigmoid=False, no_b_in_z=False):
    n, m = X.shape
    C = Y.shape[0]
    W, b = np.zeros((C, n)), np.zeros((C, 1))
    for _ in range(epochs):
        Z = W @ X if no_b_in_z else W @ X + b
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
    Mistake("bias_left_out_of_z", "The logits are Z = W X + b: the bias is part of the forward "
            "pass too, not only of the update.", variant(_train_generic, no_b_in_z=True)),
))

# ---- accuracy --------------------------------------------------------------------------


def accuracy(scores, labels):
    """Reference: the fraction of examples whose largest score is at their label,
    predict_classes(scores) (argmax over the classes) against integer labels (1, m)
    (course_lib's network.accuracy computes the same from a network and its inputs)."""
    return float(np.mean(_act.predict_classes(scores) == labels))


def _acc_draw(rng: np.random.Generator, i: int, C: int, m: int):
    scores = randn(rng, C, m, scale=2.0)
    if i % 3 == 1:
        scores = _act.softmax(scores)
    pred = np.argmax(scores, axis=0)
    wrong = rng.choice(m, int(rng.integers(1, max(2, (m + 1) // 2))), replace=False)
    labels = pred.copy()
    labels[wrong] = (pred[wrong] + rng.integers(1, C, size=wrong.size)) % C
    return scores, labels[None, :].astype(np.int64), m - wrong.size


def _acc_case(rng: np.random.Generator, i: int) -> Case:
    """Scores (C, m) (logits, or probabilities in cases 1, 4, ...) and labels (1, m) that
    agree with the argmax on more than half of the examples but not all.

    Case 0 is square (C = m), where an argmax over the wrong axis still gives m labels,
    and is drawn again until every catalogued mistake (but dividing by C = m) gives an
    output of its own there, so the first case names them all.
    """
    C = dims(rng, 4, 6)
    m = C if i == 0 else dims(rng, 7, 20)
    for _ in range(200):
        scores, labels, right = _acc_draw(rng, i, C, m)
        if i != 0:
            break
        outs = [accuracy(scores, labels)] + [
            float(mk.impl(scores, labels)) for mk in _ACC_MISTAKES
            if mk.name != "divided_by_the_number_of_classes"]
        if len({round(v, 9) for v in outs}) == len(outs):
            break
    kind = "probabilities" if i % 3 == 1 else "logits"
    return Case((scores, labels), names=("scores", "labels"),
                note=f"{kind}; {right} of {m} predictions right" + ("; C = m" if i == 0 else ""))


def _acc_generic(scores, labels, *, axis=0, result="fraction"):
    pred = np.argmax(scores, axis=axis)
    right = pred == labels
    if result == "percent":
        return 100 * np.mean(right)
    if result == "errors":
        return np.mean(pred != labels)
    if result == "floor":
        return np.sum(right) // labels.shape[1]
    if result == "count":
        return np.sum(right)
    if result == "over_classes":
        return np.sum(right) / scores.shape[0]
    return np.mean(right)


def _acc_one_hot(scores, labels):
    P = (scores == scores.max(axis=0, keepdims=True)).astype(float)
    return np.mean(P == _data.one_hot(labels, scores.shape[0]))


# Same layout as nb10's layernorm_backward and nb12's prepare_data (deliberate: the
# registry's format, see __init__.py).
_ACC_MISTAKES = (
    Mistake("argmax_over_the_examples", "np.argmax(scores, axis=1) finds, for each CLASS, the "
            "example with the largest score. The prediction of an example is the class with its "
            "largest score, down its column: np.argmax(scores, axis=0).",
            variant(_acc_generic, axis=1)),
    Mistake("argmax_without_axis", "np.argmax(scores) without an axis gives ONE index into the "
            "flattened matrix. Take the argmax of each column: np.argmax(scores, axis=0).",
            variant(_acc_generic, axis=None)),
    Mistake("compared_one_hot_matrices", "Comparing a one-hot prediction with one-hot labels "
            "entry by entry also counts the zeros that agree (C·m entries). Compare one predicted "
            "label per example with its label: np.argmax(scores, axis=0) == labels[0].",
            _acc_one_hot),
    Mistake("percentage", "Return a fraction between 0 and 1 (0.85), not a percentage (85): "
            "np.mean(predictions == labels).", variant(_acc_generic, result="percent")),
    Mistake("integer_division", "// is integer division: below 100 % it always gives 0. "
            "Divide with /, or take np.mean of the comparisons.",
            variant(_acc_generic, result="floor")),
    Mistake("counted_the_errors", "This is the error rate, the fraction of WRONG predictions. "
            "Accuracy counts the right ones: np.mean(predictions == labels).",
            variant(_acc_generic, result="errors")),
    Mistake("divided_by_the_number_of_classes", "Divide the number of right predictions by the "
            "number of EXAMPLES, m = scores.shape[1] (the columns), not by scores.shape[0], the "
            "number of classes.", variant(_acc_generic, result="over_classes")),
    Mistake("returned_the_count", "np.sum counts the right predictions; accuracy is that count "
            "divided by m (or np.mean of the comparisons).", variant(_acc_generic, result="count")),
)

register("accuracy", accuracy, _acc_case, tolerance=_TOL,
         implements=(_act.predict_classes, _network.accuracy),
         summary="fraction of examples whose largest score (argmax over the classes) is their "
                 "label", mistakes=_ACC_MISTAKES)

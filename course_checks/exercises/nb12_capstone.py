"""Exercises of 12_capstone: the data pipeline, the network's specification, the training recipe,
and the three together on the real digits (``capstone_pipeline``: a model trained by the
student's own functions must reach a dev accuracy bar).
"""

from __future__ import annotations

import functools

import numpy as np

from course_lib.data import fit_standardizer, standardize, train_dev_test_split
from course_lib.datasets import load_digits
from course_lib.network import Network, predict
from course_lib.optimizers import Adam, GradientDescent
from course_lib.schedules import make_schedule
from course_lib.training import train

from ..cases import Case, Rng, materialize
from ..compare import Mismatch, Tolerance
from ..registry import Mistake, registrar
from ._gen import dims, randn, seed, variant

register = registrar("12_capstone")

_TOL = Tolerance(rtol=1e-6, atol=1e-9)

# ---- prepare_data --------------------------------------------------------------------


def prepare_data(X, Y, rng):
    """Reference: 60/20/20 split after one shuffle, then standardization fitted on train."""
    X_tr, Y_tr, X_dv, Y_dv, X_te, Y_te = train_dev_test_split(X, Y, (0.6, 0.2, 0.2), rng=rng)
    mu, sigma = fit_standardizer(X_tr)
    return (standardize(X_tr, mu, sigma), Y_tr, standardize(X_dv, mu, sigma), Y_dv,
            standardize(X_te, mu, sigma), Y_te)


def _prep_case(rng: np.random.Generator, i: int) -> Case:
    n, m = dims(rng, 4, 8), int(rng.integers(20, 60))
    X = randn(rng, n, m) * rng.uniform(0.5, 10, (n, 1)) + rng.uniform(-5, 5, (n, 1))
    blank = rng.choice(n, size=int(rng.integers(1, 3)), replace=False)
    X[blank] = 0.0                             # features that never vary (blank pixels)
    Y = rng.integers(0, 3, size=(1, m)).astype(np.int64)
    return Case((X, Y, Rng(seed(rng))), names=("X", "Y", "rng"),
                note=f"features {sorted(int(b) for b in blank)} are 0 for every example")


def _split(X, Y, rng, shuffle=True):
    m = X.shape[1]
    n_dev, n_test = round(0.2 * m), round(0.2 * m)
    n_tr = m - n_dev - n_test
    perm = rng.permutation(m) if shuffle else np.arange(m)
    X, Y = X[:, perm], Y[:, perm]
    return (X[:, :n_tr], Y[:, :n_tr], X[:, n_tr:n_tr + n_dev], Y[:, n_tr:n_tr + n_dev],
            X[:, n_tr + n_dev:], Y[:, n_tr + n_dev:])


def _prep_generic(X, Y, rng, *, stats="train", guard=True, shuffle=True,
                  labels_own_permutation=False, dev_test_swapped=False, raw_test=False):
    """prepare_data with one of the students' mistakes: statistics from ``stats`` ("train",
    "all" the data, or each set its "own"), no guard against σ = 0, no shuffle, a second
    permutation for Y, dev and test swapped, or the test set left raw."""
    if labels_own_permutation:
        m = X.shape[1]
        X, Y, shuffle = X[:, rng.permutation(m)], Y[:, rng.permutation(m)], False
    X_tr, Y_tr, X_dv, Y_dv, X_te, Y_te = _split(X, Y, rng, shuffle=shuffle)

    def fit(A):
        mu, sigma = A.mean(axis=1, keepdims=True), A.std(axis=1, keepdims=True)
        return mu, (np.where(sigma > 0, sigma, 1.0) if guard else sigma)

    fitted = fit(X if stats == "all" else X_tr)

    def apply(A):
        mu, sigma = fit(A) if stats == "own" else fitted
        return (A - mu) / sigma

    with np.errstate(all="ignore"):
        out = (apply(X_tr), Y_tr, apply(X_dv), Y_dv, X_te if raw_test else apply(X_te), Y_te)
    return out[:2] + out[4:] + out[2:4] if dev_test_swapped else out


# no implements=: the pieces (split, standardizer) are notebook 01's exercises, and
# using course_lib's versions of them here is allowed, like any piece of an earlier
# notebook.
# Same layout as nb09's narrow_range and nb10's batchnorm_backward (deliberate, see __init__.py).
register("prepare_data", prepare_data, _prep_case, points=2, tolerance=_TOL,
         summary="shuffle, split 60/20/20, standardize every set with the training statistics",
         mistakes=(
    Mistake("statistics_of_all_the_data", "μ and σ must come from the TRAINING set only: "
            "computing them on all the data lets the dev and test sets leak into training.",
            variant(_prep_generic, stats="all")),
    Mistake("each_set_its_own_statistics", "Standardize the dev and test sets with the training "
            "set's μ and σ, not with their own: every set must go through the same transformation "
            "the model was trained on.", variant(_prep_generic, stats="own")),
    Mistake("division_by_zero_sigma", "A feature that never varies in the training set has σ = 0 "
            "(a pixel that is blank in every image): divide it by 1 instead, e.g. sigma = "
            "np.where(sigma > 0, sigma, 1.0).", variant(_prep_generic, guard=False)),
    Mistake("no_shuffle", "Shuffle the examples first with ONE rng.permutation(m) applied to the "
            "columns of X and Y; then cut 60/20/20 (dev and test counts round(0.2 m)).",
            variant(_prep_generic, shuffle=False)),
    Mistake("dev_and_test_swapped", "Return the sets in the order train, dev, test: (X_train, "
            "Y_train, X_dev, Y_dev, X_test, Y_test). The dev set is the 20 % right after the "
            "training examples, the test set the last 20 %.",
            variant(_prep_generic, dev_test_swapped=True)),
    Mistake("test_set_not_standardized", "Standardize all three sets with the training "
            "statistics: the test set goes through the same transformation as the others.",
            variant(_prep_generic, raw_test=True)),
))

# ---- network_spec ----------------------------------------------------------------------


def network_spec(hparams):
    """Reference: the keyword arguments of course_lib.network.Network for these hparams."""
    L_hidden = int(hparams["num_hidden_layers"])
    dims_ = (int(hparams["n_x"]),) + (int(hparams["hidden_units"]),) * L_hidden
    lambd = float(hparams["lambd"])
    return {
        "layer_dims": (*dims_, int(hparams["n_classes"])),
        "hidden_activation": "relu",
        "output": "softmax",
        "batch_norm": bool(hparams["batch_norm"]),
        "keep_probs": float(hparams["keep_prob"]),
        "regularization": "l2" if lambd > 0 else None,
        "lambd": lambd,
    }


def _hparams(rng: np.random.Generator, i: int, *, small: bool = False) -> dict:
    return {
        "n_x": dims(rng, 4, 6) if small else 64,
        "n_classes": 3 if small else 10,
        "hidden_units": dims(rng, 4, 8) if small else int(rng.integers(16, 200)),
        "num_hidden_layers": [2, 1, 3][i % 3] if not small else [2, 1][i % 2],
        "batch_norm": i % 2 == 0,
        "keep_prob": [0.8, 0.9, 1.0][i % 3],
        "lambd": [0.5, 0.0, 0.1][i % 3],
        "learning_rate": float(10 ** rng.uniform(-2.5, -1.3)),
        "decay_rate": float(rng.uniform(0.1, 1.0)),
        "epochs": int(rng.integers(2, 4)),
        "batch_size": 16,
    }


def _spec_case(rng: np.random.Generator, i: int) -> Case:
    hp = _hparams(rng, i)
    if i % 3 == 2:
        hp["keep_prob"] = 0.75
    return Case((hp,), names=("hparams",))


def _spec_with(fn):
    def impl(hparams):
        return fn(network_spec(hparams), hparams)
    return impl


def _off_by_one(spec, hp):
    d = spec["layer_dims"]
    return {**spec, "layer_dims": d[:1] + d[2:]}


def _no_input(spec, hp):
    return {**spec, "layer_dims": spec["layer_dims"][1:]}


def _sigmoid_out(spec, hp):
    return {**spec, "output": "sigmoid"}


def _drop_prob(spec, hp):
    return {**spec, "keep_probs": 1.0 - float(hp["keep_prob"])}


def _no_bn(spec, hp):
    return {**spec, "batch_norm": False}


def _l2_always(spec, hp):
    return {**spec, "regularization": "l2"}


register("network_spec", network_spec, _spec_case, tolerance=_TOL,
         summary="the Network(...) keyword arguments for a dict of hyperparameters", mistakes=(
    Mistake("counted_the_output_layer", "num_hidden_layers counts the HIDDEN layers only: "
            "layer_dims = (n_x, hidden_units × num_hidden_layers, n_classes), which has "
            "num_hidden_layers + 2 entries.", _spec_with(_off_by_one)),
    Mistake("no_input_size", "layer_dims starts with the input size n_x (n[0]), then the hidden "
            "layers, then n_classes.", _spec_with(_no_input)),
    Mistake("sigmoid_output", "With 10 classes the output layer is a softmax (output='softmax'), "
            "not a sigmoid.", _spec_with(_sigmoid_out)),
    Mistake("drop_probability", "keep_probs is the probability of KEEPING a unit: pass "
            "hparams['keep_prob'] itself (PyTorch's Dropout takes the other one, p = 1 - "
            "keep_prob).", _spec_with(_drop_prob)),
    Mistake("batch_norm_ignored", "Pass batch_norm=bool(hparams['batch_norm']): the "
            "hyperparameters decide whether the hidden layers use batch normalization.",
            _spec_with(_no_bn)),
    Mistake("l2_when_lambda_is_zero", "λ = 0 means no regularization: regularization=None when "
            "hparams['lambd'] is 0, 'l2' otherwise.", _spec_with(_l2_always)),
))

# ---- train_model -----------------------------------------------------------------------


def _train(hparams, X_train, Y_train, rng, *, init="he", decay=True, adam=True,
           train_rng=None, full_batch=False, untrained=False):
    net = Network(**network_spec(hparams))
    params = net.init_params(rng, init)
    lr = float(hparams["learning_rate"])
    optimizer = Adam(lr=lr) if adam else GradientDescent(lr=lr)
    schedule = (make_schedule("inverse_time", lr, decay_rate=float(hparams["decay_rate"]))
                if decay else None)
    res = train(net, params, X_train, Y_train, optimizer=optimizer,
                epochs=int(hparams["epochs"]),
                batch_size=X_train.shape[1] if full_batch else int(hparams["batch_size"]),
                rng=rng if train_rng is None else train_rng, schedule=schedule, progress=False)
    return (params if untrained else res.params), res.state


def train_model(hparams, X_train, Y_train, rng):
    """Reference: He init from rng, Adam, inverse-time decay per epoch, mini-batches from rng."""
    return _train(hparams, X_train, Y_train, rng)


def _train_case(rng: np.random.Generator, i: int) -> Case:
    hp = _hparams(rng, i, small=True)
    m = int(rng.integers(40, 64))
    X = randn(rng, hp["n_x"], m)
    Y = rng.integers(0, hp["n_classes"], size=(1, m)).astype(np.int64)
    return Case((hp, X, Y, Rng(seed(rng))), names=("hparams", "X_train", "Y_train", "rng"))


register("train_model", train_model, _train_case, points=2, tolerance=_TOL,
         depends_on=("network_spec",),
         summary="the capstone's training recipe: He init, Adam, inverse-time decay, mini-batches",
         mistakes=(
    Mistake("xavier_initialization", "The hidden layers are ReLU: initialize with He "
            "(net.init_params(rng, 'he'), std √(2/n[l-1])), not Xavier.",
            lambda hp, X, Y, rng: _train(hp, X, Y, rng, init="xavier")),
    Mistake("no_learning_rate_decay", "Pass the schedule: make_schedule('inverse_time', "
            "learning_rate, decay_rate=hparams['decay_rate']) as train(..., schedule=...).",
            lambda hp, X, Y, rng: _train(hp, X, Y, rng, decay=False)),
    Mistake("gradient_descent_not_adam", "The recipe uses Adam(lr=hparams['learning_rate']), not "
            "plain gradient descent.", lambda hp, X, Y, rng: _train(hp, X, Y, rng, adam=False)),
    Mistake("fresh_generator_for_training", "Use the rng you are given for everything, the "
            "initialization first and then train(..., rng=rng): a new generator makes the run "
            "depend on a seed the caller cannot choose.",
            lambda hp, X, Y, rng: _train(hp, X, Y, rng, train_rng=np.random.default_rng(0))),
    Mistake("full_batch", "Train on mini-batches of hparams['batch_size'] examples "
            "(train(..., batch_size=...)), not on the whole training set at each step.",
            lambda hp, X, Y, rng: _train(hp, X, Y, rng, full_batch=True)),
    Mistake("returned_initial_parameters", "train(...) returns NEW parameters (it does not "
            "change the dict you pass): return its result's params, not the initial ones.",
            lambda hp, X, Y, rng: _train(hp, X, Y, rng, untrained=True)),
))

# ---- capstone_pipeline -----------------------------------------------------------------
#
# Not a function the student writes: the notebook defines it (a locked cell) from the
# student's prepare_data, network_spec and train_model, and the check asks that the
# model it trains on the real digits reaches PIPELINE_BAR on the dev set. The grader
# evaluates the returned parameters itself (on the reference's dev set), so nothing in
# the student's namespace can change the accuracy it measures.

PIPELINE_BAR = 0.93


def capstone_pipeline(X, Y, hparams, rng):
    """Reference: split and standardize, then train; returns ``(params, state)``."""
    X_train, Y_train, _, _, _, _ = prepare_data(X, Y, rng)
    return train_model(hparams, X_train, Y_train, rng)


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    X, Y = load_digits()
    X.setflags(write=False)  # shared by every case: calls get copies (materialize)
    Y.setflags(write=False)
    return X, Y


def _pipeline_case(rng: np.random.Generator, i: int) -> Case:
    X, Y = _digits()
    bn = i % 2 == 1
    hp = {
        "n_x": 64, "n_classes": 10,
        "hidden_units": int(rng.integers(96, 161)),
        "num_hidden_layers": 1,
        "batch_norm": bn,
        "keep_prob": 0.9 if bn else 1.0,
        "lambd": 0.3 if bn else 0.5,
        "learning_rate": 3e-3 if bn else 5e-3,
        "decay_rate": 0.05 if bn else 0.02,
        "epochs": 30,
        "batch_size": 64,
    }
    return Case((X, Y, hp, Rng(seed(rng))), names=("X", "Y", "hparams", "rng"),
                note=f"the digits; {hp['hidden_units']} hidden units, "
                     f"{'with' if bn else 'without'} batch norm, {hp['epochs']} epochs")


def _dev_predictions(out, net: Network, X_dev: np.ndarray) -> tuple[np.ndarray | None, str]:
    """(predicted dev labels, "") for an output ``(params, state)``, or (None, why not).

    ``predict`` validates the parameters (keys, shapes, finite values) with messages
    that name them.
    """
    if not (isinstance(out, tuple | list) and len(out) == 2):
        return None, f"the pipeline should return (params, state), got {type(out).__name__}"
    params, state = out
    try:
        with np.errstate(all="ignore"):
            return predict(net, params, X_dev, state or None).ravel(), ""
    except Exception as exc:
        return None, f"the trained model cannot predict: {type(exc).__name__}: {exc}"


def _compare_pipeline(expected, got, case) -> Mismatch | None:
    """Pass when the dev accuracy of ``got`` reaches PIPELINE_BAR, whatever ``expected`` scores.

    Both outputs are evaluated here, on the dev set of the reference split. Below the
    bar, ``got`` matches an ``expected`` that is below the bar too (a catalogued
    mistake's output, when the runner looks for the mistake a failing answer made)
    when their dev predictions agree on at least 98 % of the examples.
    """
    X, Y, hp, rng = materialize(case.args)
    _, _, X_dev, Y_dev, _, _ = prepare_data(X, Y, rng)
    net = Network(**network_spec(hp))
    pred_g, why = _dev_predictions(got, net, X_dev)
    if pred_g is None:
        return Mismatch("output", "type", why)
    pred_e, _ = _dev_predictions(expected, net, X_dev)
    acc_g = float(np.mean(pred_g == Y_dev.ravel()))
    if acc_g >= PIPELINE_BAR:
        return None
    acc_e = float(np.mean(pred_e == Y_dev.ravel())) if pred_e is not None else 0.0
    if acc_e >= PIPELINE_BAR:
        return Mismatch("output", "values",
                        f"the model trained by your pipeline reaches {acc_g:.2%} dev accuracy; "
                        f"it needs at least {PIPELINE_BAR:.0%} (the reference recipe: "
                        f"{acc_e:.2%})")
    if pred_e is not None and float(np.mean(pred_e == pred_g)) >= 0.98:
        return None
    return Mismatch("output", "values", f"dev accuracy {acc_g:.2%}, expected {acc_e:.2%}")


def _pipeline_with(prep=prepare_data, **train_kw):
    def impl(X, Y, hparams, rng):
        X_train, Y_train, _, _, _, _ = prep(X, Y, rng)
        return _train(hparams, X_train, Y_train, rng, **train_kw)
    return impl


def _one_epoch(X, Y, hparams, rng):
    X_train, Y_train, _, _, _, _ = prepare_data(X, Y, rng)
    return train_model({**hparams, "epochs": 1}, X_train, Y_train, rng)


def _untrained_pipeline(X, Y, hparams, rng):
    """The parameters train_model starts from, without training them (what a train_model
    that returns its initial params gives; built without the training run it would waste)."""
    prepare_data(X, Y, rng)
    net = Network(**network_spec(hparams))
    params = net.init_params(rng, "he")
    return params, (net.init_state() if net.batch_norm else {})


register("capstone_pipeline", capstone_pipeline, _pipeline_case, points=2,
         compare=_compare_pipeline, visible_cases=1, hidden_cases=2,
         depends_on=("prepare_data", "network_spec", "train_model"), provided=True,
         summary="prepare_data + network_spec + train_model on the digits reach 93 % dev accuracy",
         mistakes=(
    Mistake("returned_initial_parameters", "train(...) returns NEW parameters and leaves the "
            "dict you pass unchanged: train_model must return its result's params, not the "
            "initial ones (untrained, the model is at chance level).",
            _untrained_pipeline),
    Mistake("labels_shuffled_separately", "X and Y must be shuffled with ONE permutation: drawing "
            "a second one for Y separates the images from their labels, and the model can only "
            "learn the class frequencies.",
            _pipeline_with(prep=variant(_prep_generic, labels_own_permutation=True))),
    Mistake("zeros_initialization", "With every weight 0, all hidden units compute the same thing "
            "and stay identical (notebook 02): initialize with He, net.init_params(rng, 'he').",
            _pipeline_with(init="zeros")),
    Mistake("gradient_descent_not_adam", "The recipe uses Adam(lr=hparams['learning_rate']); "
            "plain gradient descent with Adam's learning rate is far too slow here.",
            _pipeline_with(adam=False)),
    Mistake("epochs_ignored", "Train for hparams['epochs'] epochs: a single pass over the "
            "training set is not enough.", _one_epoch),
))

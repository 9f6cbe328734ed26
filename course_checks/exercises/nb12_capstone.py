"""Exercises of 12_capstone: the data pipeline, the network's specification, the training recipe,
the three together on the real digits (``capstone_pipeline``: a model trained by the
student's own functions with fixed recipes must reach a dev accuracy bar), and the student's
own design (``choose_hyperparameters``: a dict of hyperparameters the grader trains with the
reference pipeline, which must reach 96 % dev accuracy within a compute budget).
"""

from __future__ import annotations

import difflib
import functools
import itertools
import math
import threading
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from course_lib.data import fit_standardizer, standardize, train_dev_test_split
from course_lib.datasets import load_digits
from course_lib.network import Network, accuracy, predict
from course_lib.optimizers import OPTIMIZERS, make_optimizer
from course_lib.schedules import SCHEDULES, make_schedule
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


# Optimizers and schedules the hyperparameters may name (course_lib's): cases cycle through
# a few of them, with and without extra arguments, so that a train_model that ignores one
# of these keys gives another model.
_OPTIMIZER_CASES = (("momentum", {"beta": 0.8}), ("adam", {"beta1": 0.8}), ("rmsprop", {}))


def _schedule_case(i: int, epochs: int, rng: np.random.Generator) -> tuple[str, dict]:
    k = i % 3
    if k == 0:
        return "inverse_time", {"decay_rate": float(rng.uniform(0.1, 1.0))}
    if k == 1:
        return "exponential", {"r": float(rng.uniform(0.5, 0.9))}
    return "cosine", {"T": epochs}


def _hparams(rng: np.random.Generator, i: int, *, small: bool = False) -> dict:
    epochs = int(rng.integers(2, 4))
    optimizer, optimizer_args = _OPTIMIZER_CASES[i % 3]
    schedule, schedule_args = _schedule_case(i, epochs, rng)
    return {
        "n_x": dims(rng, 4, 6) if small else 64,
        "n_classes": 3 if small else 10,
        "hidden_units": dims(rng, 4, 8) if small else int(rng.integers(16, 200)),
        "num_hidden_layers": [2, 1, 3][i % 3] if not small else [2, 1][i % 2],
        "batch_norm": i % 2 == 0,
        "keep_prob": [0.8, 0.9, 1.0][i % 3],
        "lambd": [0.5, 0.0, 0.1][i % 3],
        "optimizer": optimizer,
        "optimizer_args": dict(optimizer_args),
        "learning_rate": float(10 ** rng.uniform(-2.5, -1.3)),
        "schedule": schedule,
        "schedule_args": schedule_args,
        "epochs": epochs,
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


def _train(hparams, X_train, Y_train, rng, *, init="he", use_schedule=True, optimizer=None,
           optimizer_args=True, train_rng=None, full_batch=False, untrained=False,
           result=False):
    """train_model, or one of the students' mistakes: another initialization, no schedule,
    another optimizer than the one named (``optimizer``), its extra arguments ignored, a
    fresh generator for the training, full-batch steps, the initial parameters returned.
    ``result=True`` returns course_lib's whole ``TrainResult`` (the design check reads its
    history)."""
    net = Network(**network_spec(hparams))
    params = net.init_params(rng, init)
    lr = float(hparams["learning_rate"])
    extra = dict(hparams["optimizer_args"]) if optimizer_args else {}
    opt = make_optimizer(optimizer or hparams["optimizer"], lr=lr, **extra)
    schedule = (make_schedule(hparams["schedule"], lr, **hparams["schedule_args"])
                if use_schedule else None)
    epochs = int(hparams["epochs"])
    # small matrices: one BLAS thread is many times faster than several on a busy machine
    # (the grader's process trains designs; measured 0.2 s against 3.7 s under load)
    with threadpool_limits(1, user_api="blas"):
        res = train(net, params, X_train, Y_train, optimizer=opt, epochs=epochs,
                    batch_size=X_train.shape[1] if full_batch else int(hparams["batch_size"]),
                    rng=rng if train_rng is None else train_rng, schedule=schedule,
                    progress=False, check_every=epochs)
    if result:
        return res
    return (params if untrained else res.params), res.state


def train_model(hparams, X_train, Y_train, rng):
    """Reference: He init from rng, the optimizer and the schedule the hyperparameters name
    (course_lib's make_optimizer and make_schedule, with their extra arguments), mini-batches
    from rng."""
    return _train(hparams, X_train, Y_train, rng)


def _train_case(rng: np.random.Generator, i: int) -> Case:
    hp = _hparams(rng, i, small=True)
    m = int(rng.integers(40, 64))
    X = randn(rng, hp["n_x"], m)
    Y = rng.integers(0, hp["n_classes"], size=(1, m)).astype(np.int64)
    return Case((hp, X, Y, Rng(seed(rng))), names=("hparams", "X_train", "Y_train", "rng"),
                note=f"{hp['optimizer']} {hp['optimizer_args'] or ''}, "
                     f"{hp['schedule']} {hp['schedule_args']}".replace("  ", " "))


register("train_model", train_model, _train_case, points=2, tolerance=_TOL,
         depends_on=("network_spec",),
         summary="train with the optimizer and schedule the hyperparameters name: He init, "
                 "mini-batches",
         mistakes=(
    Mistake("xavier_initialization", "The hidden layers are ReLU: initialize with He "
            "(net.init_params(rng, 'he'), std √(2/n[l-1])), not Xavier.",
            lambda hp, X, Y, rng: _train(hp, X, Y, rng, init="xavier")),
    Mistake("schedule_ignored", "Use the schedule the hyperparameters name: "
            "make_schedule(hparams['schedule'], hparams['learning_rate'], "
            "**hparams['schedule_args']), passed as train(..., schedule=...).",
            lambda hp, X, Y, rng: _train(hp, X, Y, rng, use_schedule=False)),
    Mistake("always_adam", "Build the optimizer hparams['optimizer'] names ('adam', "
            "'momentum', 'rmsprop', ...): make_optimizer(hparams['optimizer'], lr=..., "
            "**hparams['optimizer_args']), not always Adam.",
            lambda hp, X, Y, rng: _train(hp, X, Y, rng, optimizer="adam", optimizer_args=False)),
    Mistake("optimizer_args_ignored", "Pass the optimizer's extra arguments too: "
            "hparams['optimizer_args'] (e.g. {'beta1': 0.8}) go to make_optimizer as keyword "
            "arguments, next to lr.",
            lambda hp, X, Y, rng: _train(hp, X, Y, rng, optimizer_args=False)),
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
# model it trains on the real digits with fixed recipes reaches PIPELINE_BAR on the dev
# set: a bar for the code (a sound pipeline reaches 96-99 % with these recipes), not for
# a design (choose_hyperparameters' check has the design's bar, DESIGN_BAR). The grader
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


def pipeline_recipe(hidden_units: int, batch_norm: bool) -> dict[str, Any]:
    """The fixed recipes ``capstone_pipeline`` is checked with (the notebook's text quotes
    them): one hidden layer, Adam with inverse-time decay, 30 epochs, mini-batches of 64."""
    bn = batch_norm
    return {
        "n_x": 64, "n_classes": 10,
        "hidden_units": hidden_units,
        "num_hidden_layers": 1,
        "batch_norm": bn,
        "keep_prob": 0.9 if bn else 1.0,
        "lambd": 0.3 if bn else 0.5,
        "optimizer": "adam",
        "optimizer_args": {},
        "learning_rate": 3e-3 if bn else 5e-3,
        "schedule": "inverse_time",
        "schedule_args": {"decay_rate": 0.05 if bn else 0.02},
        "epochs": 30,
        "batch_size": 64,
    }


def _pipeline_case(rng: np.random.Generator, i: int) -> Case:
    X, Y = _digits()
    hp = pipeline_recipe(int(rng.integers(96, 161)), batch_norm=i % 2 == 1)
    bn = hp["batch_norm"]
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
         summary="prepare_data + network_spec + train_model on the digits, fixed recipes: "
                 "at least 93 % dev accuracy",
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
    Mistake("plain_gradient_descent", "These recipes name Adam (hparams['optimizer'] is "
            "'adam'): build the optimizer the hyperparameters name. Plain gradient descent with "
            "Adam's learning rate is far too slow here.", _pipeline_with(optimizer="gd")),
    Mistake("epochs_ignored", "Train for hparams['epochs'] epochs: a single pass over the "
            "training set is not enough.", _one_epoch),
))

# ---- choose_hyperparameters ------------------------------------------------------------
#
# The open-ended exercise. The student returns a *design*: a plain dict of hyperparameters,
# their choice. The check, here in the grader's process (the sandbox only calls the
# student's function and sends the dict back), validates it, computes its cost, trains
# it with this module's reference pipeline (prepare_data and train_model above) on the
# notebook's split, and passes when the dev accuracy reaches DESIGN_BAR within the
# budget. When it misses, the message says what to try, from the numbers.
#
# The budget has two parts, both about the cost of one training run:
#   compute = parameters × epochs × training examples  ≤ COMPUTE_BUDGET
#     (every example seen costs about one multiply-add per parameter forward and two
#     backward: compute is a third of the training's multiply-adds);
#   steps = epochs × ⌈training examples / batch_size⌉  ≤ STEP_BUDGET
#     (optimizer updates run one after the other; each has a fixed overhead).
# Together they bound the time of one training run, allow many good designs (one hidden
# layer of 64 to 256 units, 20 to 40 epochs; two layers of 64; batch norm or not) and
# forbid brute force (a 512-unit network for 100 epochs). Measured on one BLAS thread:
# 0.2 s for the reference design; about 0.6 s for the slowest admissible one (one epoch
# of four 379-unit layers with batch norm, mini-batches of MIN_BATCH; see MIN_BATCH and
# tests/test_redteam_design.py).

DESIGN_BAR = 0.96
COMPUTE_BUDGET = 500_000_000
STEP_BUDGET = 1000
# Each step also updates every parameter, which neither part prices: with mini-batches
# of 2, one epoch of the widest network the compute allows took 4 s (every parameter
# updated 540 times); with at least 16 examples a design that fits trains in a second.
MIN_BATCH = 16
M_TRAIN = 1079            # training examples of the split: 1797 - 2 × round(0.2 × 1797)
SPLIT_SEED = 0            # the notebook's SEED: prepare_data(X, Y, np.random.default_rng(0))
DESIGN_SEEDS = (1, 2)     # training generators: the visible check uses the first, grading both
BAYES_GUESS = 0.005       # the notebook's guess of the Bayes error (section 5)
BIAS_TOL = 0.01           # and its tolerance: high bias when training error > 0.5 % + 1 point
DATA_KEYS = {"n_x": 64, "n_classes": 10}   # fixed by the data; the design leaves them out

#: the keys of a design, each with what its value must be (said by the errors)
DESIGN_KEYS: dict[str, str] = {
    "hidden_units": "an integer from 1 to 1024 (the units of every hidden layer)",
    "num_hidden_layers": "an integer from 1 to 4",
    "batch_norm": "True or False",
    "keep_prob": "a number from 0.1 to 1 (1: no dropout)",
    "lambd": "a number from 0 to 100 (0: no L2)",
    "optimizer": f"one of {', '.join(repr(k) for k in OPTIMIZERS)}",
    "learning_rate": "a number above 0, at most 10",
    "schedule": f"one of {', '.join(repr(k) for k in SCHEDULES)} (counted in epochs)",
    "epochs": "an integer from 1",
    "batch_size": f"an integer from {MIN_BATCH} to {M_TRAIN}",
}
#: optional keys, with their default
OPTIONAL_KEYS: dict[str, dict] = {"optimizer_args": {}, "schedule_args": {}}


class DesignError(ValueError):
    """A design that cannot be trained: ``kind`` is "type" (not a dict), "keys" (a key
    unknown or missing) or "values" (a value of the wrong type or range); the message is
    one line naming the key."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _is_int(v: Any) -> bool:
    return type(v) is int or (isinstance(v, np.integer) and not isinstance(v, np.bool_))


def _is_number(v: Any) -> bool:
    if not (type(v) in (int, float) or isinstance(v, np.integer | np.floating)) or isinstance(
            v, np.bool_):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:  # an int beyond any float: not a usable number either
        return False


def _short(value: Any) -> str:
    """``repr(value)``, cut to 80 characters (a message stays one readable line)."""
    try:
        text = repr(value)
    except ValueError:  # an int of more than 4300 digits
        return f"an {type(value).__name__} too large to show"
    return text if len(text) <= 80 else text[:77] + "..."


def _value_error(key: str, value: Any) -> DesignError:
    return DesignError("values", f"{key!r} must be {DESIGN_KEYS[key]}, got {_short(value)} "
                                 f"({type(value).__name__})")


def _plain_args(key: str, v: Any) -> dict[str, Any]:
    """An ``optimizer_args`` or ``schedule_args`` dict as plain Python values (names to
    ints, floats, bools), or a DesignError naming ``key`` (and the argument)."""
    if not (type(v) is dict and all(type(k) is str for k in v)):
        raise DesignError("values", f"{key!r} must be a dict of keyword arguments with "
                                    f"numbers as values, e.g. {{}}, got {_short(v)}")
    out: dict[str, Any] = {}
    for k, x in v.items():
        if isinstance(x, bool | np.bool_):
            out[k] = bool(x)
        elif _is_number(x):
            out[k] = int(x) if _is_int(x) else float(x)
        else:
            raise DesignError("values", f"{key!r}: {_short(k)} must be a finite number (or "
                                        f"True/False), got {_short(x)} ({type(x).__name__})")
    return out


# keyword arguments the pipeline passes itself: a design sets them with its own keys
_OWN_ARGS = {"optimizer_args": {"lr": "learning_rate"}, "schedule_args": {"lr0": "learning_rate"}}


def check_design(design: Any) -> dict[str, Any]:
    """``design`` with its optional keys filled in, as a new dict of plain Python values
    (exact str, int, float, bool and dicts of them); raises :class:`DesignError` (one
    line, naming the key) for anything else."""
    if type(design) is not dict:  # the grader receives plain data: a subclass never arrives
        why = (" (is the return statement missing?)" if design is None else
               ", a subclass of dict: return a plain dict, {...} or dict(...)"
               if isinstance(design, dict) else "")
        raise DesignError("type", "choose_hyperparameters should return a dict of "
                                  f"hyperparameters, got {type(design).__name__}{why}")
    design = dict(design)  # one snapshot: what is checked is what is trained
    allowed = list(DESIGN_KEYS) + list(OPTIONAL_KEYS)
    for key in design:
        if type(key) is str and key in allowed:
            continue
        if key in DATA_KEYS:
            why = f"{key} is fixed by the data ({DATA_KEYS[key]}): leave it out"
        elif type(key) is not str:
            why = f"the keys are strings: {', '.join(allowed)}"
        else:
            close = difflib.get_close_matches(key[:100], allowed, n=1, cutoff=0.5)
            why = f"did you mean {close[0]!r}?" if close else f"the keys are {', '.join(allowed)}"
        raise DesignError("keys", f"unknown key {_short(key)}: {why}")
    for key in DESIGN_KEYS:
        if key not in design:
            raise DesignError("keys", f"missing key {key!r}: {DESIGN_KEYS[key]}")
    d = {**{k: dict(v) for k, v in OPTIONAL_KEYS.items()}, **design}
    ints = {"hidden_units": (1, 1024), "num_hidden_layers": (1, 4), "epochs": (1, None),
            "batch_size": (MIN_BATCH, M_TRAIN)}
    for key, (low, high) in ints.items():
        v = d[key]
        if not _is_int(v) or v < low or (high is not None and v > high):
            raise _value_error(key, v)
        d[key] = int(v)
    if not isinstance(d["batch_norm"], bool | np.bool_):
        raise _value_error("batch_norm", d["batch_norm"])
    d["batch_norm"] = bool(d["batch_norm"])
    numbers = {"keep_prob": (0.1, 1.0), "lambd": (0.0, 100.0), "learning_rate": (0.0, 10.0)}
    for key, (low, high) in numbers.items():
        v = d[key]
        if not _is_number(v) or not low <= float(v) <= high or (
                key == "learning_rate" and float(v) == 0.0):
            raise _value_error(key, v)
        d[key] = float(v) + 0.0  # -0.0 becomes 0.0
    for key, names in (("optimizer", OPTIMIZERS), ("schedule", SCHEDULES)):
        if type(d[key]) is not str or d[key] not in names:
            raise _value_error(key, d[key])
    for key in OPTIONAL_KEYS:
        d[key] = _plain_args(key, d[key])
        for arg, instead in _OWN_ARGS[key].items():
            if arg in d[key]:
                raise DesignError("values", f"{key!r} must not set {arg!r}: the design's "
                                            f"{instead!r} is passed as {arg}; leave it out")
    try:
        make_optimizer(d["optimizer"], lr=d["learning_rate"], **d["optimizer_args"])
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise DesignError("values", f"'optimizer_args' {_short(d['optimizer_args'])} do not "
                                    f"fit {d['optimizer']!r}: {exc}") from None
    # The rate of every epoch trained; a design of more than STEP_BUDGET epochs is over the
    # budget whatever its batch_size (the budget check says so), so no more are looked at.
    try:
        schedule = make_schedule(d["schedule"], d["learning_rate"], **d["schedule_args"])
        for epoch in range(min(d["epochs"], STEP_BUDGET + 1)):
            lr = schedule(epoch)
            if not 0.0 <= lr <= 10.0:  # NaN fails too
                raise ValueError(f"the learning rate of epoch {epoch} would be {lr:g}, "
                                 "outside 0 to 10")
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise DesignError("values", f"'schedule_args' {_short(d['schedule_args'])} do not fit "
                                    f"schedule {d['schedule']!r}: {exc}") from None
    return d


def design_parameters(hidden_units: int, num_hidden_layers: int, batch_norm: bool) -> int:
    """How many numbers the network learns: every weight matrix, plus per hidden layer
    b (or γ and β with batch norm, which replaces b), plus the output layer's b."""
    dims_ = (DATA_KEYS["n_x"], *(hidden_units,) * num_hidden_layers, DATA_KEYS["n_classes"])
    weights = sum(a * b for a, b in itertools.pairwise(dims_))
    per_unit = 2 if batch_norm else 1
    return weights + per_unit * hidden_units * num_hidden_layers + DATA_KEYS["n_classes"]


def design_cost(design: dict[str, Any]) -> dict[str, int]:
    """The cost of one training run of a checked design: ``parameters``, ``compute``
    (parameters × epochs × M_TRAIN) and ``steps`` (epochs × ⌈M_TRAIN / batch_size⌉)."""
    p = design_parameters(design["hidden_units"], design["num_hidden_layers"],
                          design["batch_norm"])
    return {"parameters": p, "compute": p * design["epochs"] * M_TRAIN,
            "steps": design["epochs"] * math.ceil(M_TRAIN / design["batch_size"])}


def _over_budget(d: dict[str, Any]) -> str | None:
    """What to shrink, for a design over the budget (one sentence per part), else None."""
    cost = design_cost(d)
    parts = []
    if cost["compute"] > COMPUTE_BUDGET:
        e_max = COMPUTE_BUDGET // (cost["parameters"] * M_TRAIN)
        fits = [u for u in range(1, 1025) if design_parameters(
            u, d["num_hidden_layers"], d["batch_norm"]) * d["epochs"] * M_TRAIN
            <= COMPUTE_BUDGET]
        options = [f"lower epochs to {e_max}" if e_max >= 1 else None,
                   f"lower hidden_units to {max(fits)}" if fits else None,
                   "use fewer hidden layers" if d["num_hidden_layers"] > 1 else None]
        parts.append(
            f"compute {cost['parameters']:,} parameters × {d['epochs']} epochs × {M_TRAIN} "
            f"examples = {cost['compute'] / 1e6:,.0f} M, over the budget of "
            f"{COMPUTE_BUDGET / 1e6:,.0f} M: "
            + (", or ".join(o for o in options if o) or "lower epochs"))
    if cost["steps"] > STEP_BUDGET:
        per_epoch = math.ceil(M_TRAIN / d["batch_size"])
        e_max = STEP_BUDGET // per_epoch
        fit = STEP_BUDGET // d["epochs"]
        options = [f"lower epochs to {e_max}" if e_max >= 1 else None,
                   f"raise batch_size to at least {math.ceil(M_TRAIN / fit)}" if fit >= 1
                   else None]
        parts.append(
            f"{d['epochs']} epochs × {per_epoch} mini-batches = {cost['steps']:,} steps, "
            f"over the budget of {STEP_BUDGET:,}: "
            + (", or ".join(o for o in options if o) or f"lower epochs to {STEP_BUDGET}"))
    return "; ".join(parts) if parts else None


@dataclass(frozen=True)
class _Verdict:
    """What the check found about a design: ``category`` is "pass", "type", "keys",
    "values", "budget", "diverged", "underfits" or "overfits"; ``message`` its
    explanation (first line: the headline)."""

    category: str
    message: str = ""
    train_accuracy: float | None = None
    dev_accuracy: float | None = None

    @property
    def passed(self) -> bool:
        return self.category == "pass"


@functools.cache
def _design_split() -> tuple[np.ndarray, ...]:
    X, Y = _digits()
    return prepare_data(X, Y, np.random.default_rng(SPLIT_SEED))


def train_design(design: dict[str, Any], seed: int) -> tuple[float, float, str | None]:
    """(training accuracy, dev accuracy, why it diverged or None) of a checked design,
    trained with the reference pipeline on the notebook's split with
    ``np.random.default_rng(seed)``."""
    X_train, Y_train, X_dev, Y_dev, _, _ = _design_split()
    hp = {**DATA_KEYS, **design}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        res = _train(hp, X_train, Y_train, np.random.default_rng(seed), result=True)
    if res.history.diverged:
        epoch = len(res.history.cost) - 1
        return math.nan, math.nan, f"the cost became {res.history.cost[-1]} in epoch {epoch}"
    net = Network(**network_spec(hp))
    try:
        with np.errstate(all="ignore"):
            return (accuracy(net, res.params, X_train, Y_train, res.state),
                    accuracy(net, res.params, X_dev, Y_dev, res.state), None)
    except ValueError:  # parameters or outputs that are not finite
        return math.nan, math.nan, "the trained network outputs NaN or inf"


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((str(k), _canonical(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_canonical(v) for v in value))
    return (type(value).__name__, repr(value))


_VERDICTS: dict[tuple, _Verdict] = {}
_VERDICTS_LOCK = threading.Lock()


def _verdict(design: Any, seed: int, *, train_it: bool = True) -> _Verdict | None:
    """The verdict on ``design`` trained with ``seed`` (kept by design and seed); with
    ``train_it=False``, only what needs no training (None for a valid design within the
    budget)."""
    try:
        d = check_design(design)
    except DesignError as exc:
        return _Verdict(exc.kind, f"{exc}")
    over = _over_budget(d)
    if over is not None:
        return _Verdict("budget", f"your design is over the budget: {over}")
    if not train_it:
        return None
    key = (_canonical(d), seed)
    with _VERDICTS_LOCK:
        kept = _VERDICTS.get(key)
    if kept is not None:
        return kept
    verdict = _trained_verdict(d, seed)
    with _VERDICTS_LOCK:
        if len(_VERDICTS) >= 512:
            _VERDICTS.pop(next(iter(_VERDICTS)))
        _VERDICTS[key] = verdict
    return verdict


def _trained_verdict(d: dict[str, Any], seed: int) -> _Verdict:
    train_acc, dev_acc, diverged = train_design(d, seed)
    cost = design_cost(d)
    spent = (f"cost: {cost['compute'] / 1e6:,.0f} M of {COMPUTE_BUDGET / 1e6:,.0f} M compute, "
             f"{cost['steps']:,} of {STEP_BUDGET:,} steps")
    run = f"trained with np.random.default_rng({seed}) on the notebook's split"
    if diverged is not None:
        lr = d["learning_rate"]
        return _Verdict("diverged", "\n".join([
            f"the training diverged ({diverged}): learning_rate {lr:g} is too high for "
            f"{d['optimizer']!r}",
            f"  try: learning_rate {lr / 10:g} (a tenth), or a 'warmup' or 'warmup_cosine' "
            "schedule that starts low",
            f"  {run}; {spent}"]))
    if dev_acc >= DESIGN_BAR:
        return _Verdict("pass", f"dev accuracy {dev_acc:.2%}", train_acc, dev_acc)
    train_err, dev_err = 1 - train_acc, 1 - dev_acc
    bias, variance = train_err - BAYES_GUESS, dev_err - train_err
    high_bias, high_variance = bias > BIAS_TOL, variance > BIAS_TOL
    lines = [f"your design reaches {dev_acc:.2%} dev accuracy; it needs at least "
             f"{DESIGN_BAR:.0%}"]
    figures = (f"training error {train_err:.2%} (the guessed Bayes error is "
               f"{BAYES_GUESS:.1%}: avoidable bias {bias:+.2%}), dev error {dev_err:.2%} "
               f"(variance {variance:+.2%})")
    if high_bias:  # the basic recipe: bias first
        category = "underfits"
        lines[0] += (" — high bias: the network does not fit even its training set"
                     + (" (the variance is high too: fix the bias first)" if high_variance
                        else ""))
        tries = _bias_remedies(d, cost)
    else:
        category = "overfits"
        lines[0] += " — high variance: it fits the training set, not the dev set"
        tries = _variance_remedies(d)
    lines += [f"  {figures}", "  try: " + "; ".join(tries), f"  {run}; {spent}"]
    return _Verdict(category, "\n".join(lines), train_acc, dev_acc)


# Learning rates outside which an optimizer rarely trains this network well (Adam's family
# adapts its steps: far smaller rates than gradient descent's).
_LR_RANGE = {"gd": (0.01, 1.0), "momentum": (0.01, 1.0), "nesterov": (0.01, 1.0),
             "adagrad": (1e-3, 0.5), "rmsprop": (1e-4, 0.05), "adam": (1e-4, 0.05)}


def _learning_rate_advice(d: dict[str, Any]) -> str | None:
    low, high = _LR_RANGE[d["optimizer"]]
    lr = d["learning_rate"]
    if lr > high:
        return (f"a smaller learning_rate: {lr:g} is very high for {d['optimizer']!r} (try "
                f"{low * 10:g} to {high / 5:g})")
    if lr < low:
        return (f"a larger learning_rate: {lr:g} is very low for {d['optimizer']!r} (try "
                f"{low * 10:g} to {high / 5:g}), or the 'adam' optimizer")
    return None


def _regularization(d: dict[str, Any]) -> str:
    """The design's regularization in words: ``lambd 0.5, keep_prob 0.8``."""
    parts = ([f"lambd {d['lambd']:g}"] if d["lambd"] > 0 else []) + (
        [f"keep_prob {d['keep_prob']:g}"] if d["keep_prob"] < 1 else [])
    return ", ".join(parts)


def _bias_remedies(d: dict[str, Any], cost: dict[str, int]) -> list[str]:
    """What to try against high bias, the likeliest first, from the design's own values."""
    tries = []
    lr_advice = _learning_rate_advice(d)
    if lr_advice is not None:
        tries.append(lr_advice)
    if d["lambd"] > 1.0 or d["keep_prob"] < 0.7:
        tries.append(f"less regularization ({_regularization(d)})")
    e_compute = COMPUTE_BUDGET // (cost["parameters"] * M_TRAIN)
    e_steps = STEP_BUDGET // math.ceil(M_TRAIN / d["batch_size"])
    e_max = min(e_compute, e_steps)
    if e_max > d["epochs"]:
        tries.append(f"more epochs (the budget allows {e_max} at this size and batch_size)")
    if d["optimizer"] in ("gd", "adagrad") and lr_advice is None:
        tries.append("an optimizer with momentum or adaptive steps ('momentum', 'adam')")
    if d["hidden_units"] < 64:
        tries.append(f"more hidden_units than {d['hidden_units']}")
    if 0.1 < d["lambd"] <= 1.0 or 0.7 <= d["keep_prob"] < 0.9:
        tries.append(f"less regularization ({_regularization(d)})")
    tries.append("a bigger network (more hidden_units) within the budget")
    return tries


def _variance_remedies(d: dict[str, Any]) -> list[str]:
    """What to try against high variance, from the design's own values."""
    tries = []
    if d["lambd"] == 0 and d["keep_prob"] == 1.0:
        tries.append("regularize: L2 (lambd about 0.1 to 1) or dropout (keep_prob about 0.8 "
                     "to 0.9)")
    elif d["lambd"] < 1.0:
        tries.append(f"stronger regularization (lambd above {d['lambd']:g}, up to about 1, or "
                     f"keep_prob below {d['keep_prob']:g})")
    else:
        tries.append(f"dropout (keep_prob below {d['keep_prob']:g}) rather than a larger lambd "
                     f"({d['lambd']:g} is already large"
                     + ("; with batch norm, L2 mostly changes the effective learning rate)"
                        if d["batch_norm"] else ")"))
    if d["num_hidden_layers"] > 1:
        tries.append(f"fewer hidden layers than {d['num_hidden_layers']}")
    if d["schedule"] == "constant":
        tries.append("a schedule that lowers the learning rate as training goes "
                     "('inverse_time', 'cosine', ...)")
    lr_advice = _learning_rate_advice(d)
    if lr_advice is not None and lr_advice.startswith("a smaller"):
        tries.append(lr_advice)
    tries.append("a smaller network, or fewer epochs")
    return tries


def _design_note(seeds: tuple[int, ...]) -> str:
    runs = " and ".join(f"np.random.default_rng({s})" for s in seeds)
    return (f"your design, trained on the notebook's split with {runs}; "
            f"bar {DESIGN_BAR:.0%} dev accuracy")


def _design_seeds(case: Case) -> tuple[int, ...]:
    for k in range(1, len(DESIGN_SEEDS) + 1):
        if case.note == _design_note(DESIGN_SEEDS[:k]):
            return DESIGN_SEEDS[:k]
    raise ValueError(f"not a case of choose_hyperparameters: {case.note!r}")


def _design_case(rng: np.random.Generator, i: int) -> Case:
    """Case i trains with the first i + 1 seeds (the visible case: seed 1; the hidden
    ones: 1, then 1 and 2). The function is called once per case, so a design that
    changes from call to call must pass every seed with the one returned last; an
    unchanged design is trained once per seed (verdicts are kept)."""
    return Case(note=_design_note(DESIGN_SEEDS[:i % len(DESIGN_SEEDS) + 1]))


def _verdict_all(design: Any, seeds: tuple[int, ...], *, train_it: bool = True,
                 ) -> _Verdict | None:
    """:func:`_verdict` with each seed in turn: the first that does not pass, else the last."""
    verdict = None
    for s in seeds:
        verdict = _verdict(design, s, train_it=train_it)
        if verdict is None or not verdict.passed:
            break
    return verdict


_CHEAP = ("type", "keys", "values", "budget")


def _compare_design(expected, got, case) -> Mismatch | None:
    """Pass when the design ``got`` is valid, within the budget, and reaches DESIGN_BAR dev
    accuracy when trained with each of the case's seeds; whatever ``expected`` is.

    When ``got`` fails, it matches an ``expected`` that fails the same way (a catalogued
    mistake's design, when the runner looks for the mistake a failing answer made): the
    same category of verdict (keys, values, budget, diverged, underfits, overfits). Only
    designs that could match are trained (a design over the budget never is).
    """
    seeds = _design_seeds(case)
    vg = _verdict_all(got, seeds)
    if vg.passed:
        return None
    mm = Mismatch("output", "type" if vg.category == "type" else "values", vg.message)
    ve = _verdict_all(expected, seeds, train_it=vg.category not in _CHEAP)
    if ve is not None and not ve.passed and ve.category == vg.category:
        return None
    return mm


def choose_hyperparameters():
    """Reference: a design that reaches the bar with room, within the budget: the recipe
    the capstone's fixed checks use without batch norm (:func:`pipeline_recipe`: one
    hidden layer of 128 units, L2, Adam with inverse-time decay, 30 epochs), without the
    keys the data fix and the empty optional ones."""
    recipe = pipeline_recipe(128, batch_norm=False)
    return {k: v for k, v in recipe.items() if k not in DATA_KEYS and recipe[k] != {}}


def _design_as_pairs():
    """A design returned as a list of (key, value) pairs instead of a dict (written out:
    a mistake's source must stand alone in a student's notebook)."""
    return [("hidden_units", 128), ("num_hidden_layers", 1), ("batch_norm", False),
            ("keep_prob", 1.0), ("lambd", 0.5), ("optimizer", "adam"), ("learning_rate", 5e-3),
            ("schedule", "inverse_time"), ("schedule_args", {"decay_rate": 0.02}),
            ("epochs", 30), ("batch_size", 64)]


def _with(**changes):
    def impl():
        design = {**choose_hyperparameters(), **changes}
        return {k: v for k, v in design.items() if v is not _DROP}
    return impl


_DROP = object()


register("choose_hyperparameters", choose_hyperparameters, _design_case, points=3,
         compare=_compare_design, visible_cases=1, hidden_cases=2,
         summary="a design of your choice: at least 96 % dev accuracy within the compute "
                 "and step budgets",
         mistakes=(
    Mistake("not_a_dict", "choose_hyperparameters returns the design itself, one dict: "
            "return {\"hidden_units\": ..., ...} (not a list of pairs, and not None: a dict "
            "built but not returned gives None).",
            _design_as_pairs),
    Mistake("misspelled_or_missing_key", "Return a dict with the keys of the notebook's table, "
            "spelled as there (lambd, not lambda; learning_rate, not lr); optimizer_args and "
            "schedule_args may be left out. The message names the key to fix.",
            _with(lambd=_DROP, **{"lambda": 0.5})),
    Mistake("wrong_type_or_range", "Each value has the type and range of the notebook's "
            "table: integers for hidden_units (every hidden layer has that many units), "
            "num_hidden_layers, epochs and batch_size; True/False for batch_norm; numbers for "
            "keep_prob, lambd and learning_rate; names for optimizer and schedule. The "
            "message names the key.", _with(hidden_units=[128, 64])),
    Mistake("over_budget", "A design is graded only within the budget, however good a bigger "
            "one would be: shrink the setting the message names (epochs, hidden_units or "
            "num_hidden_layers for the compute; epochs or a larger batch_size for the steps).",
            _with(hidden_units=512, num_hidden_layers=2, epochs=40)),
    Mistake("learning_rate_too_high", "The training diverged (the cost became NaN or inf): "
            "the learning rate is too high for this optimizer. Divide it by 10, or start with "
            "a warm-up schedule.", _with(optimizer="gd", learning_rate=8.0)),
    Mistake("underfitting", "High bias: the network does not fit even its training set. Fix "
            "that first, within the budget: train longer (more epochs), a bigger network, a "
            "better-tuned learning rate or optimizer, or less regularization.",
            _with(epochs=2)),
    Mistake("overfitting", "High variance: the network fits its training set but not the dev "
            "set. Regularize (L2 with lambd, dropout with keep_prob below 1), use a smaller or "
            "shallower network, or a schedule that lowers the learning rate.",
            _with(hidden_units=16, num_hidden_layers=4, lambd=0.0, learning_rate=0.01,
                  schedule="constant", schedule_args={}, epochs=58)),
))

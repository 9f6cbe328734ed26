"""Exercises of 13_frameworks: translating course_lib's parameters and conventions to PyTorch.

Both exercises are plain numpy/number manipulations: they need no PyTorch.
"""

from __future__ import annotations

import numpy as np

from ..cases import Case
from ..compare import Tolerance
from ..registry import Mistake, registrar
from ._gen import dims, randn

register = registrar("13_frameworks")

_TOL = Tolerance(rtol=1e-9, atol=1e-12)


# ---- to_torch_layout -------------------------------------------------------------------


def to_torch_layout(params):
    """Reference: W[l] unchanged (nn.Linear.weight is (n[l], n[l-1])), vectors flattened."""
    return {k: (np.array(v, copy=True) if k.startswith("W") else np.ravel(v).copy())
            for k, v in params.items()}


def _layout_case(rng: np.random.Generator, i: int) -> Case:
    L = dims(rng, 2, 4)
    sizes = [dims(rng, 2, 6) for _ in range(L + 1)]
    while sizes[1] == sizes[0]:                # a square W1 would hide a transposition
        sizes[1] = dims(rng, 2, 7)
    bn = i % 2 == 1
    params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = randn(rng, sizes[l], sizes[l - 1])
        if bn and l < L:
            params[f"gamma{l}"] = rng.uniform(0.5, 2, size=(sizes[l], 1))
            params[f"beta{l}"] = randn(rng, sizes[l], 1)
        else:
            params[f"b{l}"] = randn(rng, sizes[l], 1)
    return Case((params,), names=("params",),
                note="with batch-norm parameters gamma, beta" if bn else "")


def _lay_transposed(params):
    return {k: (v.T.copy() if k.startswith("W") else v.ravel().copy()) for k, v in params.items()}


def _lay_columns_kept(params):
    return {k: v.copy() for k, v in params.items()}


def _lay_only_b(params):
    return {k: (v.ravel().copy() if k.startswith("b") and not k.startswith("beta") else v.copy())
            for k, v in params.items()}


def _lay_all_flat(params):
    return {k: v.ravel().copy() for k, v in params.items()}


def _lay_rows(params):
    return {k: (v.copy() if k.startswith("W") else v.T.copy()) for k, v in params.items()}


register("to_torch_layout", to_torch_layout, _layout_case, tolerance=_TOL, visible_cases=4,
         hidden_cases=10,
         summary="course_lib parameters -> the array shapes of torch.nn.Linear / BatchNorm1d",
         mistakes=(
    Mistake("transposed_weights", "nn.Linear(n_in, n_out).weight has shape (n_out, n_in), the "
            "same as the course's W[l]: PyTorch computes x @ weight.T because ITS examples are "
            "rows. Keep W as it is.", _lay_transposed),
    Mistake("column_vectors_kept", "PyTorch's bias, BatchNorm weight (γ) and bias (β) are 1-D, "
            "shape (n,): flatten the course's (n, 1) columns with .ravel().", _lay_columns_kept),
    Mistake("only_b_flattened", "γ and β are vectors too (BatchNorm1d.weight and .bias, shape "
            "(n,)): flatten them like b.", _lay_only_b),
    Mistake("weights_flattened", "Only the vectors (b, γ, β) become 1-D; a weight matrix keeps "
            "its 2-D shape (n[l], n[l-1]).", _lay_all_flat),
    Mistake("vectors_transposed", "v.T turns a column (n, 1) into a row (1, n), still 2-D. "
            "PyTorch's biases and BatchNorm parameters are 1-D, shape (n,): use v.ravel().",
            _lay_rows),
))

# ---- torch_equivalents -----------------------------------------------------------------


def torch_equivalents(lr, beta, keep_prob, bn_beta):
    """Reference: PyTorch arguments reproducing the course's momentum, dropout and batch norm."""
    return {"sgd_lr": lr * (1 - beta), "sgd_momentum": beta, "dropout_p": 1 - keep_prob,
            "bn_momentum": 1 - bn_beta}


def _eq_case(rng: np.random.Generator, i: int) -> Case:
    if i == 0:  # the defaults of the course (momentum and batch norm both use β = 0.9)
        return Case((0.1, 0.9, 0.8, 0.9), names=("lr", "beta", "keep_prob", "bn_beta"))
    lr = float(10 ** rng.uniform(-4, -0.5))
    beta = float(rng.choice([0.8, 0.9, 0.95, 0.99]))
    keep_prob = float(rng.choice([0.6, 0.7, 0.8, 0.9]))  # not 0.5, where p = keep_prob
    bn_beta = float(rng.choice([0.8, 0.9, 0.95, 0.99]))
    while bn_beta == beta:
        bn_beta = float(rng.choice([0.8, 0.9, 0.95, 0.99]))
    return Case((lr, beta, keep_prob, bn_beta), names=("lr", "beta", "keep_prob", "bn_beta"))


def _eq_heavy_ball(lr, beta, keep_prob, bn_beta):
    return {**torch_equivalents(lr, beta, keep_prob, bn_beta), "sgd_lr": lr}


def _eq_bn_beta(lr, beta, keep_prob, bn_beta):
    return {**torch_equivalents(lr, beta, keep_prob, bn_beta), "bn_momentum": bn_beta}


def _eq_keep(lr, beta, keep_prob, bn_beta):
    return {**torch_equivalents(lr, beta, keep_prob, bn_beta), "dropout_p": keep_prob}


def _eq_momentum(lr, beta, keep_prob, bn_beta):
    return {**torch_equivalents(lr, beta, keep_prob, bn_beta), "sgd_momentum": 1 - beta}


def _eq_lr_divided(lr, beta, keep_prob, bn_beta):
    return {**torch_equivalents(lr, beta, keep_prob, bn_beta), "sgd_lr": lr / (1 - beta)}


register("torch_equivalents", torch_equivalents, _eq_case, tolerance=_TOL,
         summary="PyTorch's SGD lr/momentum, Dropout p and BatchNorm momentum for the "
                 "course's values",
         mistakes=(
    Mistake("heavy_ball_learning_rate", "PyTorch's SGD momentum is the heavy-ball form v = βv + "
            "dw. The course's EMA form v = βv + (1-β)dw takes steps (1-β) times smaller, so the "
            "same run needs lr = α(1 - β) in PyTorch.", _eq_heavy_ball),
    Mistake("bn_momentum_is_beta", "BatchNorm1d's momentum is the weight of the NEW batch: "
            "running = (1 - momentum)·running + momentum·batch, so momentum = 1 - β_bn (0.1 for "
            "β_bn = 0.9).", _eq_bn_beta),
    Mistake("dropout_p_is_keep_prob", "nn.Dropout(p) takes the probability of DROPPING a unit: p "
            "= 1 - keep_prob.", _eq_keep),
    Mistake("momentum_is_one_minus_beta", "SGD's momentum argument is β itself (it multiplies the "
            "old velocity); only the learning rate changes: lr = α(1 - β).", _eq_momentum),
    Mistake("learning_rate_divided", "The course's EMA velocity is (1 - β) times PyTorch's "
            "heavy-ball velocity, so PyTorch needs a SMALLER learning rate: lr = α(1 - β), not "
            "α / (1 - β).", _eq_lr_divided),
))

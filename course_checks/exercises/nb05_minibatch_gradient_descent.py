"""Exercises of 05_minibatch_gradient_descent: partitioning and shuffling into mini-batches."""

from __future__ import annotations

import math

import numpy as np

from course_lib.data import partition, random_mini_batches, shuffle

from ..cases import Case, Rng
from ..registry import Mistake, registrar
from ._gen import dims, labels, one_hot, randn, seed

register = registrar("05_minibatch_gradient_descent")

# ---- shared case generator ------------------------------------------------------
#
# Case i % 4: 0 -> B does not divide m (a smaller last batch), 1 -> B divides m exactly,
# 2 -> B >= m (one batch holding everything), 3 -> B does not divide m, one-hot Y.


def _xy_and_batch_size(rng: np.random.Generator, i: int) -> tuple[np.ndarray, np.ndarray, int, str]:
    n = dims(rng, 2, 5)
    kind = i % 4
    if kind == 1:
        B = int(rng.integers(2, 6))
        m = B * int(rng.integers(3, 6))
        note = f"B = {B} divides m = {m}"
    elif kind == 2:
        m = int(rng.integers(3, 9))
        B = m + int(rng.integers(0, 4))
        note = "mini_batch_size >= m: one batch"
    else:
        B = int(rng.integers(2, 7))
        m = B * int(rng.integers(2, 5)) + int(rng.integers(1, B))
        note = f"m = {m} is not a multiple of B = {B}: the last batch is smaller"
    X = randn(rng, n, m)
    Y = one_hot(rng, int(rng.integers(3, 5)), m) if kind == 3 else labels(rng, m)
    return X, Y, B, note


# ---- partition --------------------------------------------------------------------


def _partition_case(rng: np.random.Generator, i: int) -> Case:
    X, Y, B, note = _xy_and_batch_size(rng, i)
    return Case((X, Y, B), names=("X", "Y", "mini_batch_size"), note=note)


def _part_floor(X, Y, mini_batch_size):
    m = X.shape[1]
    B = mini_batch_size
    return [(X[:, k * B:(k + 1) * B], Y[:, k * B:(k + 1) * B]) for k in range(math.floor(m / B))]


def _part_one_extra(X, Y, mini_batch_size):
    m = X.shape[1]
    B = mini_batch_size
    return [(X[:, k * B:(k + 1) * B], Y[:, k * B:(k + 1) * B]) for k in range(m // B + 1)]


def _part_overlap(X, Y, mini_batch_size):
    m = X.shape[1]
    B = mini_batch_size
    return [(X[:, k * B:(k + 1) * B + 1], Y[:, k * B:(k + 1) * B + 1])
            for k in range(math.ceil(m / B))]


def _part_rows(X, Y, mini_batch_size):
    m = X.shape[1]
    B = mini_batch_size
    return [(X[k * B:(k + 1) * B, :], Y[k * B:(k + 1) * B, :]) for k in range(math.ceil(m / B))]


def _part_two_lists(X, Y, mini_batch_size):
    B, m = mini_batch_size, X.shape[1]
    return [X[:, s:s + B] for s in range(0, m, B)], [Y[:, s:s + B] for s in range(0, m, B)]


def _part_last_from_end(X, Y, mini_batch_size):
    B, m = mini_batch_size, X.shape[1]
    starts = [min(s, max(m - B, 0)) for s in range(0, m, B)]
    return [(X[:, s:s + B], Y[:, s:s + B]) for s in starts]


register("partition", partition, _partition_case, visible_cases=4, hidden_cases=12,
         summary="cut the columns into consecutive mini-batches (last one smaller)", mistakes=(
    Mistake("dropped_last_batch", "The last, smaller mini-batch is missing: with math.floor(m / "
            "B) (or m // B) batches, the m % B examples at the end are never used. There are "
            "math.ceil(m / B) batches.", _part_floor),
    Mistake("extra_empty_batch", "When B divides m, m // B + 1 batches make the last one empty (0 "
            "columns). Use math.ceil(m / B) batches, or range(0, m, B) for the starts.",
            _part_one_extra),
    Mistake("overlapping_batches", "Batch k must hold columns k*B up to (k+1)*B - 1: the slice "
            "X[:, k*B:(k+1)*B] already excludes its end, so a '+ 1' makes neighbouring batches "
            "share a column.", _part_overlap),
    Mistake("sliced_rows", "The slices cut rows (features). Examples are columns: X[:, "
            "start:end], Y[:, start:end].", _part_rows),
    Mistake("two_separate_lists", "Return ONE list of pairs [(X_1, Y_1), (X_2, Y_2), ...], each "
            "mini-batch's X with its Y, not a list of X batches and a list of Y batches.",
            _part_two_lists),
    Mistake("last_batch_from_the_end", "The last mini-batch holds the m % B examples that are "
            "left, X[:, k*B:]: taking the last B columns instead repeats examples of the batch "
            "before it.", _part_last_from_end),
))

# ---- random_mini_batches ----------------------------------------------------------------


def _rmb_case(rng: np.random.Generator, i: int) -> Case:
    X, Y, B, note = _xy_and_batch_size(rng, i)
    return Case((X, Y, B, Rng(seed(rng))), names=("X", "Y", "mini_batch_size", "rng"),
                note=note)


def _cut(X, Y, B):
    m = X.shape[1]
    return [(X[:, s:s + B], Y[:, s:s + B]) for s in range(0, m, B)]


def _rmb_two_permutations(X, Y, mini_batch_size, rng):
    m = X.shape[1]
    X_s = X[:, rng.permutation(m)]
    Y_s = Y[:, rng.permutation(m)]
    return _cut(X_s, Y_s, mini_batch_size)


def _rmb_no_shuffle(X, Y, mini_batch_size, rng):
    return _cut(X, Y, mini_batch_size)


def _rmb_dropped_last(X, Y, mini_batch_size, rng):
    m = X.shape[1]
    perm = rng.permutation(m)
    X_s, Y_s = X[:, perm], Y[:, perm]
    B = mini_batch_size
    return [(X_s[:, k * B:(k + 1) * B], Y_s[:, k * B:(k + 1) * B])
            for k in range(math.floor(m / B))]


def _rmb_rows(X, Y, mini_batch_size, rng):
    perm = rng.permutation(X.shape[0])
    return _cut(X[perm, :], Y, mini_batch_size)


def _rmb_shuffle_in_place(X, Y, mini_batch_size, rng):
    rng.shuffle(X, axis=1)
    rng.shuffle(Y, axis=1)
    return _cut(X, Y, mini_batch_size)


register("random_mini_batches", random_mini_batches, _rmb_case, points=2, visible_cases=4,
         hidden_cases=12, depends_on=("partition",), implements=(shuffle, partition),
         summary="one epoch of mini-batches: one shared shuffle, then partition", mistakes=(
    Mistake("two_permutations", "X and Y were shuffled with different permutations, so the "
            "examples lost their labels. Draw one perm = rng.permutation(m) and index both X[:, "
            "perm] and Y[:, perm] with it.", _rmb_two_permutations),
    Mistake("no_shuffle", "The batches come in the original order: shuffle first, with one "
            "rng.permutation(m), so that each epoch sees the examples in a new random order.",
            _rmb_no_shuffle),
    Mistake("dropped_last_batch", "The last, smaller mini-batch is missing: with math.floor(m / "
            "B) batches, m % B examples are never trained on. There are math.ceil(m / B) batches.",
            _rmb_dropped_last),
    Mistake("shuffled_features", "The permutation was applied to the rows (features) instead of "
            "the columns (examples): examples are columns, X[:, perm].", _rmb_rows),
    Mistake("shuffled_callers_arrays", "rng.shuffle works in place: it reordered the caller's X "
            "and Y (and, called twice, with two different permutations). Draw perm = "
            "rng.permutation(m) and build new arrays X[:, perm], Y[:, perm].",
            _rmb_shuffle_in_place),
))

"""Exercises of 01_practical_aspects: splits, bias/variance, input normalization."""

from __future__ import annotations

import numpy as np

from course_lib.data import fit_standardizer, standardize, train_dev_test_split
from course_lib.diagnosis import diagnose_bias_variance

from ..cases import Case, Rng
from ..registry import Mistake, registrar
from ._gen import dims, labels, randn, seed, uniform

register = registrar("01_practical_aspects")

# ---- split_data ---------------------------------------------------------------


def split_data(X, Y, fractions, rng):
    """Adapts train_dev_test_split, whose rng is keyword-only, to the notebook's positional rng."""
    return train_dev_test_split(X, Y, fractions, rng=rng)


def _split_case(rng: np.random.Generator, i: int) -> Case:
    n = dims(rng, 4, 6)
    m = int(rng.integers(10, 40))
    X = randn(rng, n, m)
    Y = labels(rng, m)
    fractions = [(0.6, 0.2, 0.2), (0.98, 0.01, 0.01), (0.7, 0.15, 0.15)][i % 3]
    if i % 3 == 1:
        m = int(rng.integers(150, 250))  # enough examples that 1 % is not zero
        X, Y = randn(rng, n, m), labels(rng, m)
    return Case((X, Y, fractions, Rng(seed(rng))), names=("X", "Y", "fractions", "rng"))


def _cut(X, Y, n_train, n_dev):
    """(X_train, Y_train, X_dev, Y_dev, X_test, Y_test): consecutive columns."""
    return (X[:, :n_train], Y[:, :n_train], X[:, n_train:n_train + n_dev],
            Y[:, n_train:n_train + n_dev], X[:, n_train + n_dev:], Y[:, n_train + n_dev:])


def _counts(m, fractions):
    n_dev, n_test = round(m * fractions[1]), round(m * fractions[2])
    return m - n_dev - n_test, n_dev


def _split_two_permutations(X, Y, fractions, rng):
    m = X.shape[1]
    px, py = rng.permutation(m), rng.permutation(m)
    return _cut(X[:, px], Y[:, py], *_counts(m, fractions))


def _split_no_shuffle(X, Y, fractions, rng):
    return _cut(X, Y, *_counts(X.shape[1], fractions))


def _split_truncating_counts(X, Y, fractions, rng):
    m = X.shape[1]
    perm = rng.permutation(m)
    return _cut(X[:, perm], Y[:, perm], int(m * fractions[0]), int(m * fractions[1]))


def _split_shuffles_rows(X, Y, fractions, rng):
    rng.permutation(X.shape[1])
    return _cut(X[rng.permutation(X.shape[0]), :], Y, *_counts(X.shape[1], fractions))


def _split_rounded_train(X, Y, fractions, rng):
    m = X.shape[1]
    perm = rng.permutation(m)
    return _cut(X[:, perm], Y[:, perm], round(m * fractions[0]), round(m * fractions[1]))


def _split_with_replacement(X, Y, fractions, rng):
    m = X.shape[1]
    idx = rng.choice(m, m)
    return _cut(X[:, idx], Y[:, idx], *_counts(m, fractions))


register("split_data", split_data, _split_case, points=2, implements=(train_dev_test_split,),
         summary="shuffle once, then split into train/dev/test by fractions", mistakes=(
    Mistake("two_permutations", "X and Y were shuffled with different permutations, so examples "
            "lost their labels. Draw one permutation and index both with it.",
            _split_two_permutations),
    Mistake("no_shuffle", "The split takes the examples in their original order. Shuffle first "
            "with one rng.permutation(m): data files are often sorted (by class, by date), and "
            "dev/test must come from the same distribution as train.", _split_no_shuffle),
    Mistake("truncated_counts", "Counts were truncated with int(); use round(m * fraction) for "
            "dev and test and give the rest to training.", _split_truncating_counts),
    Mistake("shuffled_features", "The permutation was applied to the rows (features) instead of "
            "the columns (examples): examples are columns, X[:, perm].", _split_shuffles_rows),
    Mistake("rounded_train_count", "Rounding all three counts can leave an example out (or count "
            "one twice). Round the dev and test counts, round(m * fraction), and give the rest to "
            "training: n_train = m - n_dev - n_test.", _split_rounded_train),
    Mistake("drawn_with_replacement", "rng.choice(m, m) draws WITH replacement: some examples "
            "appear twice and others never. Shuffle with rng.permutation(m) (every example "
            "exactly once).", _split_with_replacement),
))

# ---- diagnose -----------------------------------------------------------------

_NOTES_CASES = [(0.01, 0.11, 0.0), (0.15, 0.16, 0.0), (0.15, 0.30, 0.0), (0.005, 0.01, 0.0),
                (0.15, 0.16, 0.15)]


def _diagnose_case(rng: np.random.Generator, i: int) -> Case:
    if i < len(_NOTES_CASES):
        tr, dv, by = _NOTES_CASES[i]
    else:
        by = float(rng.choice([0.0, uniform(rng, 0.02, 0.2, 3)]))
        tr = round(by + float(rng.choice([0.005, 0.01, 0.05, 0.1])), 3)
        dv = round(tr + float(rng.choice([0.004, 0.01, 0.06, 0.15])), 3)
    return Case((tr, dv, by), names=("train_error", "dev_error", "bayes_error"))


def _diag_ignores_bayes(train_error, dev_error, bayes_error=0.0):
    return train_error > 0.02, dev_error - train_error > 0.02


def _diag_variance_from_bayes(train_error, dev_error, bayes_error=0.0):
    return train_error - bayes_error > 0.02, dev_error - bayes_error > 0.02


def _diag_swapped(train_error, dev_error, bayes_error=0.0):
    return dev_error - train_error > 0.02, train_error - bayes_error > 0.02


def _diag_dev_for_bias(train_error, dev_error, bayes_error=0.0):
    return dev_error - bayes_error > 0.02, dev_error - train_error > 0.02


def _diag_percent_threshold(train_error, dev_error, bayes_error=0.0):
    return train_error - bayes_error > 2, dev_error - train_error > 2


register("diagnose", diagnose_bias_variance, _diagnose_case, points=2, visible_cases=5,
         hidden_cases=15, summary="(high_bias, high_variance) from train, dev and Bayes errors",
         mistakes=(
    Mistake("ignores_bayes_error", "Bias is measured against the Bayes error, not against 0: 15 % "
            "training error is excellent when humans also get 15 % wrong.", _diag_ignores_bayes),
    Mistake("variance_from_bayes", "Variance is the gap between dev and TRAINING error (dev - "
            "train), not between dev and the Bayes error.", _diag_variance_from_bayes),
    Mistake("swapped", "The two answers are in the wrong order: return (high_bias, high_variance).",
            _diag_swapped),
    Mistake("dev_error_for_bias", "Bias is read from the TRAINING error (how well the model fits "
            "the data it saw), not the dev error.", _diag_dev_for_bias),
    Mistake("threshold_in_percent", "The errors are fractions (0.15 means 15 %), so the threshold "
            "of 2 % is 0.02, not 2: no gap between two fractions is ever above 2.",
            _diag_percent_threshold),
))

# ---- fit_standardizer / standardize ----------------------------------------------


def _fit_case(rng: np.random.Generator, i: int) -> Case:
    n, m = dims(rng, 2, 5), int(rng.integers(6, 30))
    scales = rng.uniform(0.1, 50.0, size=(n, 1))
    offsets = rng.uniform(-20, 20, size=(n, 1))
    return Case((randn(rng, n, m) * scales + offsets,), names=("X_train",))


def _fit_axis0(X):
    return X.mean(axis=0, keepdims=True), X.std(axis=0, keepdims=True)


def _fit_ddof1(X):
    return X.mean(axis=1, keepdims=True), X.std(axis=1, ddof=1, keepdims=True)


def _fit_no_keepdims(X):
    return X.mean(axis=1), X.std(axis=1)


def _fit_variance(X):
    return X.mean(axis=1, keepdims=True), X.var(axis=1, keepdims=True)


def _fit_whole_matrix(X):
    return X.mean(), X.std()


def _fit_not_centered(X):
    return X.mean(axis=1, keepdims=True), np.sqrt(np.mean(X ** 2, axis=1, keepdims=True))


register("fit_standardizer", fit_standardizer, _fit_case,
         summary="per-feature mean and standard deviation of the training set", mistakes=(
    Mistake("wrong_axis", "Statistics were taken over axis 0 (one per example). Examples are "
            "columns: each feature's mean and std run over axis=1.", _fit_axis0),
    Mistake("sample_std", "This is the sample std (ddof=1). The course uses the plain (biased) "
            "std, np.std(X, axis=1), dividing by m.", _fit_ddof1),
    Mistake("lost_column_shape", "mu and sigma must be column vectors (n_x, 1) so they broadcast "
            "over the examples: pass keepdims=True.", _fit_no_keepdims),
    Mistake("variance_not_std", "sigma is the standard deviation, the square root of the variance.",
            _fit_variance),
    Mistake("statistics_of_the_whole_matrix", "X.mean() and X.std() without an axis give ONE "
            "number for all the features. Each feature needs its own: axis=1, keepdims=True, "
            "shape (n_x, 1).", _fit_whole_matrix),
    Mistake("std_not_centered", "√(mean(x²)) is the root mean square, not the standard "
            "deviation: subtract the mean first, √(mean((x - μ)²)), which is np.std(X, axis=1, "
            "keepdims=True).", _fit_not_centered),
))


def _standardize_case(rng: np.random.Generator, i: int) -> Case:
    n = dims(rng, 2, 5)
    X_train = randn(rng, n, int(rng.integers(8, 30))) * rng.uniform(0.5, 20, (n, 1)) + 3.0
    mu = X_train.mean(axis=1, keepdims=True)
    sigma = X_train.std(axis=1, keepdims=True)
    X_dev = randn(rng, n, int(rng.integers(3, 12))) * rng.uniform(0.5, 20, (n, 1)) - 1.0
    return Case((X_dev, mu, sigma), names=("X", "mu", "sigma"),
                note="mu and sigma were fitted on a different (training) set")


def _std_refit(X, mu, sigma):
    return (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)


def _std_by_variance(X, mu, sigma):
    return (X - mu) / sigma**2


def _std_no_centering(X, mu, sigma):
    return X / sigma


def _std_precedence(X, mu, sigma):
    return X - mu / sigma


def _std_times_sigma(X, mu, sigma):
    return (X - mu) * sigma


register("standardize", standardize, _standardize_case,
         summary="apply the training set's mu and sigma to any set", mistakes=(
    Mistake("refitted_on_this_set", "The dev/test set was standardized with its own mean and std. "
            "Use the mu and sigma fitted on the TRAINING set for every set, so all sets go "
            "through the same transformation.", _std_refit),
    Mistake("divided_by_variance", "Divide by sigma (the std), not sigma².", _std_by_variance),
    Mistake("not_centered", "Subtract mu before dividing by sigma.", _std_no_centering),
    Mistake("operator_precedence", "X - mu / sigma divides only mu: division comes before "
            "subtraction. Put the difference in parentheses, (X - mu) / sigma.", _std_precedence),
    Mistake("multiplied_by_sigma", "Divide by sigma, do not multiply: standardized features have "
            "standard deviation 1.", _std_times_sigma),
))

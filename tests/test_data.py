import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.data import (
    as_labels,
    fit_standardizer,
    one_hot,
    partition,
    random_mini_batches,
    shuffle,
    standardize,
    train_dev_test_split,
)


def indexed_data(m, n_x=3):
    """X whose row 0 is the column index; Y = 10 * index, so pairing can be checked."""
    idx = np.arange(m, dtype=np.float64)
    X = np.vstack([idx] + [idx * (k + 2) for k in range(n_x - 1)])
    Y = (10 * np.arange(m)).reshape(1, m)
    return X, Y


def assert_paired(X, Y):
    np.testing.assert_array_equal(Y[0], 10 * X[0].astype(np.int64))
    np.testing.assert_array_equal(X[1], 2 * X[0])


# ---------------------------------------------------------------- shuffle / partition


def test_shuffle_is_a_permutation_and_keeps_pairs():
    X, Y = indexed_data(50)
    Xs, Ys = shuffle(X, Y, np.random.default_rng(0))
    assert Xs.shape == X.shape and Ys.shape == Y.shape
    assert sorted(Xs[0].tolist()) == list(range(50))
    assert not np.array_equal(Xs[0], X[0])
    assert_paired(Xs, Ys)
    assert Ys.dtype == Y.dtype


def test_shuffle_uses_exactly_one_permutation():
    X, Y = indexed_data(20)
    Xs, _ = shuffle(X, Y, np.random.default_rng(3))
    perm = np.random.default_rng(3).permutation(20)
    np.testing.assert_array_equal(Xs, X[:, perm])


def test_shuffle_does_not_mutate_inputs():
    X, Y = indexed_data(30)
    X0, Y0 = X.copy(), Y.copy()
    shuffle(X, Y, np.random.default_rng(1))
    random_mini_batches(X, Y, 7, np.random.default_rng(1))
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


def test_partition_consecutive_slices():
    X, Y = indexed_data(10)
    batches = partition(X, Y, 4)
    assert [b[0].shape[1] for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(batches[1][0][0], [4, 5, 6, 7])
    np.testing.assert_array_equal(batches[2][1][0], [80, 90])


def test_partition_exact_multiple_has_no_empty_batch():
    X, Y = indexed_data(12)
    assert [b[0].shape[1] for b in partition(X, Y, 4)] == [4, 4, 4]
    assert [b[0].shape[1] for b in partition(X, Y, 100)] == [12]


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 200), B=st.integers(1, 64), seed=st.integers(0, 2**32 - 1))
def test_every_example_exactly_once_per_epoch(m, B, seed):
    X, Y = indexed_data(m)
    batches = random_mini_batches(X, Y, B, np.random.default_rng(seed))
    assert len(batches) == -(-m // B)
    sizes = [Xt.shape[1] for Xt, _ in batches]
    assert all(s == B for s in sizes[:-1])
    assert sizes[-1] == (m % B if m % B else B)
    seen = np.concatenate([Xt[0] for Xt, _ in batches])
    np.testing.assert_array_equal(np.sort(seen), np.arange(m))
    for Xt, Yt in batches:
        assert Xt.shape[0] == X.shape[0] and Yt.shape == (1, Xt.shape[1])
        assert_paired(Xt, Yt)


def test_random_mini_batches_is_shuffle_then_partition():
    X, Y = indexed_data(23)
    got = random_mini_batches(X, Y, 5, np.random.default_rng(7))
    want = partition(*shuffle(X, Y, np.random.default_rng(7)), 5)
    assert len(got) == len(want)
    for (a, b), (c, d) in zip(got, want):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_same_seed_same_batches_and_new_order_each_epoch():
    X, Y = indexed_data(64)
    rng_a, rng_b = np.random.default_rng(42), np.random.default_rng(42)
    epochs_a = [random_mini_batches(X, Y, 16, rng_a) for _ in range(3)]
    epochs_b = [random_mini_batches(X, Y, 16, rng_b) for _ in range(3)]
    orders_a = [np.concatenate([Xt[0] for Xt, _ in ep]) for ep in epochs_a]
    orders_b = [np.concatenate([Xt[0] for Xt, _ in ep]) for ep in epochs_b]
    for oa, ob in zip(orders_a, orders_b):
        np.testing.assert_array_equal(oa, ob)
    assert not np.array_equal(orders_a[0], orders_a[1])
    assert not np.array_equal(orders_a[1], orders_a[2])


def test_one_hot_labels_stay_paired_in_batches():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=37)
    X = labels.reshape(1, -1).astype(float)
    Y = one_hot(labels, 4)
    for Xt, Yt in random_mini_batches(X, Y, 8, rng):
        np.testing.assert_array_equal(np.argmax(Yt, axis=0), Xt[0].astype(int))


# ---------------------------------------------------------------- bad inputs


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_bad_batch_size(bad):
    X, Y = indexed_data(10)
    with pytest.raises(ValueError, match="batch_size"):
        random_mini_batches(X, Y, bad, np.random.default_rng(0))
    with pytest.raises(ValueError, match="batch_size"):
        partition(X, Y, bad)


def test_mismatched_examples_names_both_shapes():
    X, _ = indexed_data(10)
    Y = np.zeros((1, 9))
    for call in (
        lambda: shuffle(X, Y, np.random.default_rng(0)),
        lambda: partition(X, Y, 3),
        lambda: random_mini_batches(X, Y, 3, np.random.default_rng(0)),
        lambda: train_dev_test_split(X, Y, rng=np.random.default_rng(0)),
    ):
        with pytest.raises(ValueError) as err:
            call()
        msg = str(err.value)
        assert "X" in msg and "Y" in msg and "(3, 10)" in msg and "(1, 9)" in msg


def test_nan_in_X_raises():
    X, Y = indexed_data(10)
    X = X.copy()
    X[1, 4] = np.nan
    with pytest.raises(ValueError, match="X"):
        random_mini_batches(X, Y, 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="X"):
        fit_standardizer(X)


def test_one_dimensional_X_raises():
    with pytest.raises(ValueError, match="X"):
        partition(np.arange(5.0), np.zeros((1, 5)), 2)


def test_rng_must_be_generator():
    X, Y = indexed_data(10)
    with pytest.raises(ValueError, match="rng"):
        shuffle(X, Y, 0)


# ---------------------------------------------------------------- train/dev/test split


def test_split_sizes_disjoint_and_complete():
    X, Y = indexed_data(103)
    parts = train_dev_test_split(X, Y, (0.7, 0.15, 0.15), rng=np.random.default_rng(0))
    Xtr, Ytr, Xdv, Ydv, Xte, Yte = parts
    assert Xdv.shape == (3, round(103 * 0.15)) and Xte.shape == (3, round(103 * 0.15))
    assert Xtr.shape == (3, 103 - 2 * round(103 * 0.15))
    ids = [set(A[0].astype(int).tolist()) for A in (Xtr, Xdv, Xte)]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    assert set().union(*ids) == set(range(103))
    for A, B in ((Xtr, Ytr), (Xdv, Ydv), (Xte, Yte)):
        assert_paired(A, B)


def test_split_default_and_reproducible():
    X, Y = indexed_data(50)
    a = train_dev_test_split(X, Y, rng=np.random.default_rng(5))
    b = train_dev_test_split(X, Y, rng=np.random.default_rng(5))
    assert [p.shape[1] for p in a] == [30, 30, 10, 10, 10, 10]
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q)


def test_split_rng_is_keyword_only():
    X, Y = indexed_data(10)
    with pytest.raises(TypeError):
        train_dev_test_split(X, Y, (0.6, 0.2, 0.2), np.random.default_rng(0))


@pytest.mark.parametrize(
    "fractions",
    [(0.6, 0.2, 0.1), (0.5, 0.5), (1.2, -0.1, -0.1), (0.0, 0.5, 0.5), (0.6, 0.2, 0.2, 0.0)],
)
def test_bad_fractions(fractions):
    X, Y = indexed_data(20)
    with pytest.raises(ValueError, match="fractions"):
        train_dev_test_split(X, Y, fractions, rng=np.random.default_rng(0))


def test_fractions_within_tolerance_accepted():
    X, Y = indexed_data(20)
    parts = train_dev_test_split(X, Y, (0.7, 0.2, 0.1 + 1e-12), rng=np.random.default_rng(0))
    assert sum(p.shape[1] for p in parts[::2]) == 20


# ---------------------------------------------------------------- standardization


def test_standardizer_fit_on_train_applied_to_dev():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[[5.0], [-3.0], [100.0]], scale=[[2.0], [0.1], [30.0]], size=(3, 400))
    Y = np.zeros((1, 400))
    Xtr, _, Xdv, _, _, _ = train_dev_test_split(X, Y, rng=rng)
    mu, sigma = fit_standardizer(Xtr)
    assert mu.shape == (3, 1) and sigma.shape == (3, 1)
    np.testing.assert_allclose(mu[:, 0], Xtr.mean(axis=1))
    np.testing.assert_allclose(sigma[:, 0], Xtr.std(axis=1))  # ddof=0
    Ztr = standardize(Xtr, mu, sigma)
    np.testing.assert_allclose(Ztr.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(Ztr.std(axis=1), 1.0, rtol=1e-9)
    Zdv = standardize(Xdv, mu, sigma)
    np.testing.assert_allclose(Zdv, (Xdv - mu) / sigma)
    # the dev set is not re-centred: its mean is close to, but not exactly, 0
    assert np.abs(Zdv.mean(axis=1)).max() > 1e-6


def test_constant_features_do_not_blow_up():
    X = np.vstack([np.zeros(20), np.full(20, 3.0), np.arange(20.0)])
    mu, sigma = fit_standardizer(X)
    assert sigma[0, 0] == 1.0 and sigma[1, 0] == 1.0
    Z = standardize(X, mu, sigma)
    assert np.isfinite(Z).all()
    np.testing.assert_array_equal(Z[:2], 0.0)
    # a hand-made zero sigma is guarded as well
    Z2 = standardize(X, mu, np.array([[0.0], [0.0], [sigma[2, 0]]]))
    np.testing.assert_allclose(Z2, Z)


def test_standardize_does_not_mutate_and_checks_shapes():
    X = np.arange(12.0).reshape(3, 4)
    X0 = X.copy()
    mu, sigma = fit_standardizer(X)
    standardize(X, mu, sigma)
    np.testing.assert_array_equal(X, X0)
    with pytest.raises(ValueError, match=r"mu.*\(3, 4\).*\(3,\)"):
        standardize(X, mu[:, 0], sigma)
    with pytest.raises(ValueError, match="sigma"):
        standardize(X, mu, np.ones((2, 1)))
    with pytest.raises(ValueError, match="sigma"):
        standardize(X, mu, -sigma)


# ---------------------------------------------------------------- one-hot


def test_one_hot_round_trip():
    labels = np.array([2, 0, 1, 2, 4])
    Y = one_hot(labels, 5)
    assert Y.shape == (5, 5) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y.sum(axis=0), 1.0)
    assert Y[2, 0] == 1 and Y[4, 4] == 1 and Y[3].sum() == 0
    np.testing.assert_array_equal(np.argmax(Y, axis=0), labels)
    np.testing.assert_array_equal(one_hot(labels.reshape(1, -1), 5), Y)


def test_one_hot_out_of_range_names_value():
    with pytest.raises(ValueError, match=r"labels.*\b7\b"):
        one_hot(np.array([0, 1, 7]), 3)
    with pytest.raises(ValueError, match=r"labels.*-1"):
        one_hot(np.array([0, -1]), 3)
    with pytest.raises(ValueError, match="labels"):
        one_hot(np.array([0.5, 1.0]), 3)
    with pytest.raises(ValueError, match="num_classes"):
        one_hot(np.array([0, 1]), 0)
    with pytest.raises(ValueError, match="labels"):
        one_hot(np.zeros((2, 3), dtype=int), 3)


def test_as_labels_accepts_every_layout():
    labels = np.array([2, 0, 1, 2])
    for Y in (labels, labels.reshape(1, -1), labels.astype(float), one_hot(labels, 3)):
        out = as_labels(Y)
        assert out.dtype == np.int64
        np.testing.assert_array_equal(out, labels)
    with pytest.raises(ValueError, match="y_true must hold integer labels"):
        as_labels(np.array([0.5, 1.0]), "y_true")
    with pytest.raises(ValueError, match=r"labels must have shape \(m,\), \(1, m\) or \(C, m\)"):
        as_labels(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="labels contains NaN"):
        as_labels(np.array([0.0, np.nan]))

"""Data augmentation of flattened images (course_lib.augmentation)."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.augmentation import add_noise, augment, shift_images
from course_lib.datasets import load_digits


def numbered(m=2, h=3, w=4):
    """Images whose pixel (r, c) of example i holds 100 i + 10 r + c + 1."""
    r, c, i = np.meshgrid(np.arange(h), np.arange(w), np.arange(m), indexing="ij")
    return (100 * i + 10 * r + c + 1).astype(np.float64).reshape(h * w, m)


def test_zero_shift_is_the_identity_and_a_copy():
    X = numbered()
    out = shift_images(X, 0, 0, shape=(3, 4))
    np.testing.assert_array_equal(out, X)
    assert out is not X


def test_shift_right_and_down_moves_pixels_and_fills_the_border():
    X = numbered(1)
    img = X.reshape(3, 4)
    right = shift_images(X, 1, 0, shape=(3, 4)).reshape(3, 4)
    np.testing.assert_array_equal(right[:, 1:], img[:, :-1])
    np.testing.assert_array_equal(right[:, 0], 0)
    down = shift_images(X, 0, 2, shape=(3, 4), fill=-1).reshape(3, 4)
    np.testing.assert_array_equal(down[2], img[0])
    np.testing.assert_array_equal(down[:2], -1)
    up_left = shift_images(X, -1, -1, shape=(3, 4)).reshape(3, 4)
    np.testing.assert_array_equal(up_left[:2, :3], img[1:, 1:])
    assert (up_left[2] == 0).all() and (up_left[:, 3] == 0).all()


def test_shift_beyond_the_image_leaves_only_fill():
    out = shift_images(numbered(), 4, 0, shape=(3, 4), fill=0.5)
    assert (out == 0.5).all()


def test_per_example_shifts():
    X = numbered(3)
    out = shift_images(X, [0, 1, -1], [0, 0, 1], shape=(3, 4))
    for i, (dx, dy) in enumerate([(0, 0), (1, 0), (-1, 1)]):
        np.testing.assert_array_equal(out[:, [i]], shift_images(X[:, [i]], dx, dy, (3, 4)))


def test_shift_is_invertible_away_from_the_border():
    X, _ = load_digits()
    X = X[:, :50]
    back = shift_images(shift_images(X, 1, -1), -1, 1)
    inner = np.zeros((8, 8), bool)
    inner[1:, :-1] = True  # pixels that never left the image
    np.testing.assert_array_equal(back[inner.ravel()], X[inner.ravel()])


def test_shift_does_not_modify_its_input_and_checks_shapes():
    X = numbered()
    before = X.copy()
    shift_images(X, 1, 1, shape=(3, 4))
    np.testing.assert_array_equal(X, before)
    with pytest.raises(ValueError, match="shape"):
        shift_images(X, 1, 1)  # 12 pixels are not 8x8 images
    with pytest.raises(ValueError, match="dx"):
        shift_images(X, [1, 2, 3], 0, shape=(3, 4))
    with pytest.raises(ValueError, match="whole numbers"):
        shift_images(X, 0.5, 0, shape=(3, 4))


def test_add_noise_is_reproducible_clipped_and_pure():
    X = np.full((64, 10), 0.5)
    a = add_noise(X, 0.1, np.random.default_rng(0))
    b = add_noise(X, 0.1, np.random.default_rng(0))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, 0.5 + 0.1 * np.random.default_rng(0).standard_normal((64, 10)))
    assert (X == 0.5).all()
    big = add_noise(X, 5.0, np.random.default_rng(1))
    assert big.min() == 0.0 and big.max() == 1.0
    np.testing.assert_array_equal(add_noise(X, 0.0, np.random.default_rng(2)), X)
    unclipped = add_noise(X, 5.0, np.random.default_rng(1), clip=None)
    assert unclipped.min() < 0 and unclipped.max() > 1
    with pytest.raises(ValueError, match="std"):
        add_noise(X, -1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="rng"):
        add_noise(X, 0.1, 0)


def test_augment_layout_labels_and_determinism():
    X, Y = load_digits()
    X, Y = X[:, :30], Y[:, :30]
    Xa, Ya = augment(X, Y, np.random.default_rng(0), copies=3)
    assert Xa.shape == (64, 120) and Ya.shape == (1, 120)
    assert Ya.dtype == Y.dtype
    np.testing.assert_array_equal(Xa[:, :30], X)
    np.testing.assert_array_equal(Ya, np.tile(Y, (1, 4)))
    assert Xa.min() >= 0 and Xa.max() <= 1
    assert not np.array_equal(Xa[:, 30:60], X)
    Xb, _ = augment(X, Y, np.random.default_rng(0), copies=3)
    np.testing.assert_array_equal(Xa, Xb)


def test_augment_copy_follows_the_documented_draws():
    X, Y = load_digits()
    X, Y = X[:, :20], Y[:, :20]
    Xa, _ = augment(X, Y, np.random.default_rng(5), copies=1, max_shift=2, noise_std=0.1)
    rng = np.random.default_rng(5)
    dx, dy = rng.integers(-2, 3, 20), rng.integers(-2, 3, 20)
    want = add_noise(shift_images(X, dx, dy), 0.1, rng)
    np.testing.assert_array_equal(Xa[:, 20:], want)


def test_augment_edge_cases_and_errors():
    X, Y = load_digits()
    X, Y = X[:, :5], Y[:, :5]
    Xa, Ya = augment(X, Y, np.random.default_rng(0), copies=0)
    np.testing.assert_array_equal(Xa, X)
    np.testing.assert_array_equal(Ya, Y)
    Xs, _ = augment(X, Y, np.random.default_rng(0), copies=1, max_shift=0, noise_std=0.0)
    np.testing.assert_array_equal(Xs[:, 5:], X)
    onehot = np.eye(10)[:, Y[0]]
    _, Yo = augment(X, onehot, np.random.default_rng(0), copies=2)
    assert Yo.shape == (10, 15)
    with pytest.raises(ValueError, match="same number of examples"):
        augment(X, Y[:, :3], np.random.default_rng(0))
    with pytest.raises(ValueError, match="copies"):
        augment(X, Y, np.random.default_rng(0), copies=-1)

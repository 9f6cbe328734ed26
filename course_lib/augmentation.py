"""Data augmentation for small images stored as columns.

Convention: ``X`` is ``(h*w, m)``, one flattened image per column, pixel
``(row, col)`` in row ``w*row + col`` (the layout of :func:`course_lib.datasets.load_digits`:
8x8 digits, 64-long columns, values in ``[0, 1]``). Labels ``Y`` are ``(C, m)`` or
``(1, m)`` and follow their images.

* :func:`shift_images` — translate every image by whole pixels (vacated pixels get
  ``fill``, pixels pushed out are lost);
* :func:`add_noise` — add Gaussian pixel noise, clipped back to the valid range;
* :func:`augment` — the original examples followed by ``copies`` randomly shifted,
  noisy versions of them.

Each transformation keeps the label: a "3" moved one pixel to the left is still a
"3". (Not every transformation does: a horizontally flipped cat is a cat, a
horizontally flipped "3" is not a digit.) Nothing modifies its inputs; randomness
comes from the ``rng`` passed in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .validation import check_array, check_int, check_positive, check_rng

__all__ = ["add_noise", "augment", "shift_images"]


def _check_shape(shape: Sequence[int], X: np.ndarray) -> tuple[int, int]:
    if len(shape) != 2:
        raise ValueError(f"shape must be (height, width), got {shape!r}")
    h = check_int("shape[0]", shape[0], minimum=1)
    w = check_int("shape[1]", shape[1], minimum=1)
    if X.shape[0] != h * w:
        raise ValueError(
            f"X must have shape ({h * w}, m) for images of shape {(h, w)} "
            f"(one flattened image per column), got {X.shape}"
        )
    return h, w


def _shift_one(img: np.ndarray, dx: int, dy: int, fill: float) -> np.ndarray:
    """Shift ``(h, w, k)`` images right by ``dx`` and down by ``dy`` pixels."""
    h, w = img.shape[:2]
    out = np.full_like(img, fill)
    if abs(dx) >= w or abs(dy) >= h:
        return out
    src_r = slice(max(0, -dy), h - max(0, dy))
    dst_r = slice(max(0, dy), h - max(0, -dy))
    src_c = slice(max(0, -dx), w - max(0, dx))
    dst_c = slice(max(0, dx), w - max(0, -dx))
    out[dst_r, dst_c] = img[src_r, src_c]
    return out


def _as_shifts(name: str, d: int | Sequence[int] | np.ndarray, m: int) -> np.ndarray:
    arr = np.asarray(d)
    if arr.ndim == 0:
        arr = np.full(m, arr)
    if arr.shape != (m,):
        raise ValueError(f"{name} must be an int or one int per example, shape ({m},); "
                         f"got shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind != "f" or not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold whole numbers of pixels, got {arr!r}")
        arr = arr.astype(np.int64)
    return arr.astype(np.int64)


def shift_images(
    X: np.ndarray,
    dx: int | Sequence[int] | np.ndarray,
    dy: int | Sequence[int] | np.ndarray,
    shape: tuple[int, int] = (8, 8),
    fill: float = 0.0,
) -> np.ndarray:
    """Translate flattened images by whole pixels.

    Args:
        X: ``(h*w, m)`` images, one flattened (row-major) image per column.
        dx: pixels to the right (negative: to the left); one int for every image or
            one per image, shape ``(m,)``.
        dy: pixels down (negative: up); same forms as ``dx``.
        shape: ``(h, w)`` of one image.
        fill: value of the pixels uncovered by the shift (0 = background).

    Returns:
        A new ``(h*w, m)`` array: ``out[row, col] = X[row - dy, col - dx]`` for each
        image, ``fill`` where that source pixel is outside the image.
    """
    X = check_array("X", X, 2)
    h, w = _check_shape(shape, X)
    m = X.shape[1]
    dxs, dys = _as_shifts("dx", dx, m), _as_shifts("dy", dy, m)
    images = X.reshape(h, w, m)
    out = np.empty_like(images)
    pairs = np.stack([dxs, dys], axis=1)
    for sx, sy in np.unique(pairs, axis=0).reshape(-1, 2):
        sel = (dxs == sx) & (dys == sy)
        out[:, :, sel] = _shift_one(images[:, :, sel], int(sx), int(sy), fill)
    return out.reshape(h * w, m)


def add_noise(
    X: np.ndarray,
    std: float,
    rng: np.random.Generator,
    clip: tuple[float, float] | None = (0.0, 1.0),
) -> np.ndarray:
    """``X + std · N(0, 1)`` per pixel (drawn as ``rng.standard_normal(X.shape)``), clipped.

    ``clip = (low, high)`` keeps the pixels in their valid range (``None``: no clipping).
    Returns a new array.
    """
    X = check_array("X", X)
    std = check_positive("std", std, allow_zero=True)
    rng = check_rng("rng", rng)
    out = X + std * rng.standard_normal(X.shape)
    if clip is not None:
        low, high = clip
        if not low <= high:
            raise ValueError(f"clip must be (low, high) with low <= high, got {clip!r}")
        np.clip(out, low, high, out=out)
    return out


def augment(
    X: np.ndarray,
    Y: np.ndarray,
    rng: np.random.Generator,
    copies: int = 1,
    max_shift: int = 1,
    noise_std: float = 0.05,
    shape: tuple[int, int] = (8, 8),
) -> tuple[np.ndarray, np.ndarray]:
    """The original examples plus ``copies`` randomly shifted, noisy copies of each.

    For each copy ``k = 1..copies``, in this order from ``rng``:
    ``dx = rng.integers(-max_shift, max_shift + 1, m)``, then ``dy`` the same way,
    then the noise of :func:`add_noise` with ``noise_std`` (clipped to [0, 1]).

    Returns ``(X_aug, Y_aug)`` with ``m * (copies + 1)`` columns: the ``m`` originals
    first, then copy 1 of every example, copy 2, ...; ``Y_aug`` repeats ``Y``'s columns
    in the same order. Shuffle (or train with shuffled mini-batches) before use.
    """
    X = check_array("X", X, 2)
    Y = np.asarray(Y)  # labels keep their dtype (integer labels stay integers)
    if Y.ndim != 2:
        raise ValueError(f"Y must be a 2-D array (1, m) or (C, m), got shape {Y.shape}")
    _check_shape(shape, X)
    if Y.shape[1] != X.shape[1]:
        raise ValueError(f"X and Y must have the same number of examples (columns), got "
                         f"X shape {X.shape} and Y shape {Y.shape}")
    copies = check_int("copies", copies, minimum=0)
    max_shift = check_int("max_shift", max_shift, minimum=0)
    noise_std = check_positive("noise_std", noise_std, allow_zero=True)
    rng = check_rng("rng", rng)
    m = X.shape[1]
    xs, ys = [X.copy()], [Y.copy()]
    for _ in range(copies):
        dx = rng.integers(-max_shift, max_shift + 1, m)
        dy = rng.integers(-max_shift, max_shift + 1, m)
        xs.append(add_noise(shift_images(X, dx, dy, shape), noise_std, rng))
        ys.append(Y.copy())
    return np.concatenate(xs, axis=1), np.concatenate(ys, axis=1)

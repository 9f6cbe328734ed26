"""Compare a student's output with the reference's and explain any difference.

:func:`compare` walks both outputs together (arrays, numbers, strings, tuples,
lists, dicts) and returns ``None`` when they agree within the tolerance, or a
:class:`Mismatch` whose ``message`` says what a student needs to know: where in
the output (``output[1]``, ``output['W1']``), what kind of difference (type,
shape, dtype, NaN, values), expected against got (small arrays in full, large
ones summarized), the largest absolute and relative errors, and the first index
that differs.

The comparison itself always runs on plain ``np.ndarray`` views made here, so an
array subclass with overridden comparison operators changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["Mismatch", "Tolerance", "compare", "format_array"]


@dataclass(frozen=True)
class Tolerance:
    """How close is close enough: ``|got - expected| <= atol + rtol·|expected|``.

    ``dtype=True`` also requires the exact dtype (for exercises about dtypes).
    """

    rtol: float = 1e-6
    atol: float = 1e-8
    dtype: bool = False


@dataclass(frozen=True)
class Mismatch:
    """Why two outputs differ. ``kind`` is one of: type, length, keys, shape, dtype, nan, values."""

    path: str
    kind: str
    message: str


def format_array(a: np.ndarray, max_size: int = 24) -> str:
    """The array in full when small; otherwise its shape, dtype and summary statistics."""
    a = np.asarray(a)
    if a.size <= max_size:
        text = np.array2string(a, precision=6, separator=", ", suppress_small=False)
        return text.replace("\n", "\n" + " " * 14)
    finite = a[np.isfinite(a)] if a.dtype.kind == "f" else a
    if finite.size == 0:
        return f"array of shape {a.shape} {a.dtype} with no finite value"
    return (
        f"array of shape {a.shape} {a.dtype}: min {finite.min():.6g}, max {finite.max():.6g}, "
        f"mean {finite.mean():.6g}"
    )


def _type_name(x: object) -> str:
    if isinstance(x, np.ndarray):
        return f"numpy array of shape {x.shape}"
    return type(x).__name__


def _is_number(x: object) -> bool:
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)


def _compare_arrays(exp: np.ndarray, got: object, tol: Tolerance, path: str) -> Mismatch | None:
    if not isinstance(got, np.ndarray):
        if exp.ndim == 0 and _is_number(got):
            got = np.asarray(got)
        else:
            return Mismatch(
                path, "type",
                f"{path} should be a numpy array of shape {exp.shape}, got {_type_name(got)}",
            )
    got = np.asarray(got).view(np.ndarray)
    exp = np.asarray(exp).view(np.ndarray)
    if got.shape != exp.shape:
        msg = f"{path} has shape {got.shape}, expected {exp.shape}"
        if exp.ndim >= 2 and exp.shape[-1] == 1 and got.shape == exp.shape[:-1]:
            msg += " (a column vector lost its second axis: keepdims=True keeps it)"
        elif got.shape == exp.shape[::-1]:
            msg += " (transposed? examples are columns: (n, m))"
        return Mismatch(path, "shape", msg)
    if tol.dtype and got.dtype != exp.dtype:
        return Mismatch(path, "dtype", f"{path} has dtype {got.dtype}, expected {exp.dtype}")
    if exp.dtype.kind in "biu" or exp.dtype.kind == "U":
        if got.dtype.kind == "f" and exp.dtype.kind in "biu" and np.all(np.isfinite(got)):
            same = np.array_equal(got, exp)
        else:
            same = got.dtype.kind == exp.dtype.kind or (
                got.dtype.kind in "biu" and exp.dtype.kind in "biu"
            )
            same = same and np.array_equal(got, exp)
        if same:
            return None
        diff = np.argwhere(got != exp)
        idx = tuple(int(i) for i in diff[0]) if len(diff) else ()
        where = ""
        if idx:
            where = f"; first difference at index {idx}: expected {exp[idx]!r}, got {got[idx]!r}"
        return Mismatch(
            path, "values",
            f"{path} differs from the expected values in {len(diff)} of {exp.size} entries{where}\n"
            f"    expected: {format_array(exp)}\n    got:      {format_array(got)}",
        )
    if got.dtype.kind not in "fiub":
        return Mismatch(path, "dtype", f"{path} should hold numbers, got dtype {got.dtype}")
    got_f = got.astype(np.float64)
    exp_f = exp.astype(np.float64)
    bad_nan = ~np.isfinite(got_f) & np.isfinite(exp_f)
    if bad_nan.any():
        idx = tuple(int(i) for i in np.argwhere(bad_nan)[0])
        return Mismatch(
            path, "nan",
            f"{path} contains NaN or inf ({int(bad_nan.sum())} entries, first at index {idx}) "
            f"where the expected values are finite (overflow? log of 0? division by 0?)",
        )
    close = np.isclose(got_f, exp_f, rtol=tol.rtol, atol=tol.atol, equal_nan=True)
    if close.all():
        return None
    if exp.ndim == 0:
        return Mismatch(
            path, "values",
            f"{path} should be {float(exp_f):.10g}, got {float(got_f):.10g} "
            f"(abs error {abs(float(got_f) - float(exp_f)):.3g})",
        )
    abs_err = np.abs(got_f - exp_f)
    abs_err[~np.isfinite(abs_err)] = 0.0
    rel_err = abs_err / np.maximum(np.abs(exp_f), 1e-300)
    idx = tuple(int(i) for i in np.argwhere(~close)[0])
    return Mismatch(
        path, "values",
        f"{path} has the right shape {exp.shape} but {int((~close).sum())} of {exp.size} "
        f"values differ\n"
        f"    expected: {format_array(exp)}\n"
        f"    got:      {format_array(got)}\n"
        f"    max abs error {abs_err.max():.3g}, max rel error {rel_err.max():.3g}; "
        f"first mismatch at index {idx}: expected {exp_f[idx]:.8g}, got {got_f[idx]:.8g}",
    )


def compare(
    expected: object, got: object, tol: Tolerance | None = None, path: str = "output"
) -> Mismatch | None:
    """``None`` when ``got`` matches ``expected`` within ``tol``, else the first Mismatch."""
    tol = tol or Tolerance()
    if isinstance(expected, np.ndarray):
        return _compare_arrays(expected, got, tol, path)
    if isinstance(expected, bool | np.bool_):
        if isinstance(got, bool | np.bool_) and bool(got) == bool(expected):
            return None
        return Mismatch(path, "values", f"{path} should be {bool(expected)}, got {got!r}")
    if _is_number(expected):
        if isinstance(got, np.ndarray) and got.size == 1 and got.ndim <= 2:
            got = got.reshape(()).item()
        if not _is_number(got):
            return Mismatch(path, "type", f"{path} should be a number, got {_type_name(got)}")
        return _compare_arrays(np.asarray(expected, dtype=np.float64), np.asarray(float(got)),
                               tol, path)
    if isinstance(expected, tuple | list):
        if not isinstance(got, tuple | list):
            return Mismatch(
                path, "type",
                f"{path} should be a {type(expected).__name__} of {len(expected)} values, "
                f"got {_type_name(got)}",
            )
        if len(got) != len(expected):
            return Mismatch(
                path, "length",
                f"{path} should have {len(expected)} values, got {len(got)}",
            )
        for i, (e, g) in enumerate(zip(expected, got)):
            mm = compare(e, g, tol, f"{path}[{i}]")
            if mm is not None:
                return mm
        return None
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            return Mismatch(path, "type", f"{path} should be a dict, got {_type_name(got)}")
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing keys {missing}")
            if extra:
                parts.append(f"unexpected keys {extra}")
            return Mismatch(path, "keys", f"{path}: " + ", ".join(parts))
        for k in expected:
            mm = compare(expected[k], got[k], tol, f"{path}[{k!r}]")
            if mm is not None:
                return mm
        return None
    if expected is None:
        if got is None:
            return None
        return Mismatch(path, "values", f"{path} should be None, got {got!r}")
    if isinstance(expected, str):
        if isinstance(got, str) and got == expected:
            return None
        return Mismatch(path, "values", f"{path} should be {expected!r}, got {got!r}")
    raise TypeError(f"cannot compare outputs of type {type(expected).__name__}")

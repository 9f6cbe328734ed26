"""Compare a student's output with the reference's and explain any difference.

:func:`compare` walks both outputs together (arrays, numbers, strings, tuples,
lists, dicts) and returns ``None`` when they agree within the tolerance, or a
:class:`Mismatch` that says what a student needs to know. Its ``summary`` is one
phrase saying what is wrong and where (``output[1] is wrong at 3 of 6 entries``,
``the output has shape (1, 5) but should be (3, 5)``), ``figures`` the numbers
behind it (``(largest error 0.41 at [2, 0])``), and ``message`` the whole story:
the summary, then expected against got (small arrays in full, large ones
summarized), the errors and the first index that differs.

Errors are said in figures that mean something: relative errors only where the
expected value is not 0; where it is 0, the absolute error and the tolerance it
exceeds. A shape that differs by one reduced axis (a sum or mean too many or too
few, keepdims missing or extra) is said in words, checked against the values
when they allow it (``you summed over axis 0``).

The comparison itself always runs on plain ``np.ndarray`` views made here, so an
array subclass with overridden comparison operators changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["Mismatch", "Tolerance", "compare", "explain_shape", "format_array", "format_number"]


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
    """Why two outputs differ. ``kind`` is one of: type, length, keys, shape, dtype, nan, values.

    ``message`` is the full explanation; its first line is ``summary`` followed by
    ``figures``. ``summary`` (what is wrong, and where) and ``figures`` (the numbers
    behind it) may be empty for a Mismatch made by an exercise's own comparison:
    the first line of ``message`` then serves as the summary.
    """

    path: str
    kind: str
    message: str
    summary: str = ""
    figures: str = ""

    @property
    def headline(self) -> str:
        """What is wrong and where, in one phrase (``summary``, else the message's first line)."""
        return self.summary or (self.message.splitlines() or [""])[0]

    @property
    def details(self) -> list[str]:
        """The lines of ``message`` after its first (expected, got, errors)."""
        return self.message.splitlines()[1:]


def _what(path: str) -> str:
    """How a sentence names the part of the output at ``path``: ``the output``, ``output[1]``."""
    return "the output" if path == "output" else path


def _mismatch(path: str, kind: str, summary: str, figures: str = "",
              details: tuple[str, ...] = ()) -> Mismatch:
    first = f"{summary} {figures}".rstrip()
    return Mismatch(path, kind, "\n".join([first, *details]), summary, figures)


def format_number(x: float) -> str:
    """``x`` to 3 significant digits, exponents unpadded: ``0.41``, ``3e-5``, ``2.5e+12``."""
    text = f"{float(x):.3g}"
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", text)


def _index(idx: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in idx) + "]"


def format_array(a: np.ndarray, max_size: int = 24) -> str:
    """The array in full when small; otherwise its shape, dtype and summary statistics."""
    a = np.asarray(a)
    if a.size <= max_size:
        text = np.array2string(a, precision=6, separator=", ", suppress_small=False,
                               max_line_width=60)
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


def _axis_name(axis: int, ndim: int) -> str:
    """``axis 1 (the examples)`` for the second axis of a 2-D array (examples are columns)."""
    if ndim == 2 and axis == 1:
        return "the examples (axis 1)"
    return f"axis {axis}"


def _reduced(shape: tuple[int, ...], axis: int, keepdims: bool) -> tuple[int, ...]:
    if keepdims:
        return (*shape[:axis], 1, *shape[axis + 1:])
    return shape[:axis] + shape[axis + 1:]


def _numeric(*arrays: np.ndarray) -> bool:
    return all(a.dtype.kind in "biuf" for a in arrays)


def _same_values(a: np.ndarray, b: np.ndarray, tol: Tolerance) -> bool:
    """Both numeric, of one shape and close (sums and means are only tried on numbers)."""
    if not _numeric(a, b) or a.shape != b.shape:
        return False
    return bool(np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=tol.rtol,
                            atol=tol.atol))


def explain_shape(exp: np.ndarray, got: np.ndarray, tol: Tolerance | None = None) -> str:
    """Why ``got`` has another shape than ``exp``, in words, or '' when no reason is seen.

    Recognized: one reduction (sum or mean) too many or too few, keepdims missing or
    extra, and a transpose. The values decide between a sum and a mean when they can.
    """
    with np.errstate(all="ignore"):  # sums of the values may overflow: no warning for that
        return _explain_shape(exp, got, tol or Tolerance(rtol=1e-5, atol=1e-8))



def _one_axis_reduced(full: np.ndarray, reduced: np.ndarray,
                      tol: Tolerance) -> tuple[int, bool, str | None] | None:
    """``(axis, keepdims, op)`` when ``reduced``'s shape is ``full``'s with one axis reduced.

    ``op`` is ``"sum"`` or ``"mean"`` when that reduction of ``full`` gives ``reduced``'s
    values, ``""`` when neither does, ``None`` when the arrays are not numeric.
    """
    for axis in range(full.ndim):
        for keep in (True, False):
            if full.shape[axis] > 1 and _reduced(full.shape, axis, keep) == reduced.shape:
                if not _numeric(full, reduced):
                    return axis, keep, None
                if not np.any(np.ptp(full, axis=axis)):
                    return axis, keep, ""  # constant along the axis: any reduction fits
                for op in ("sum", "mean"):
                    r = getattr(full, op)(axis=axis, keepdims=True)
                    if _same_values(r.reshape(reduced.shape), reduced, tol):
                        # a reduction that only picks out an element (labels 0 and 1 sum
                        # to 1) says nothing
                        picks = np.isclose(full, r, rtol=tol.rtol, atol=tol.atol).any(axis=axis)
                        return axis, keep, "" if picks.all() else op
                return axis, keep, ""
    return None

def _explain_shape(exp: np.ndarray, got: np.ndarray, tol: Tolerance) -> str:
    es, gs = exp.shape, got.shape
    # keepdims missing: the same values, without the axes of length 1
    if got.ndim < exp.ndim and tuple(n for n in es if n != 1) == gs and 1 in es:
        axis = es.index(1)
        right = _same_values(got.reshape(es), exp, tol)
        column = " (a column vector)" if exp.ndim == 2 and axis == 1 else ""
        return (f"keepdims=True is missing: the expected output keeps axis {axis} with length "
                f"1{column}" + ("; your values are right" if right else ""))
    if got.ndim > exp.ndim and tuple(n for n in gs if n != 1) == es and 1 in gs:
        axis = gs.index(1)
        return (f"your output has an extra axis {axis} of length 1 (keepdims=True, or a "
                f"reshape, where the expected output has no such axis)")
    # The same test both ways round (a reduction the student added, then one left out),
    # kept as two same-shape blocks on purpose: each of the three cases (op None, a sum or
    # a mean, unsure) is worded for its side, and a table of six messages would read worse.
    added = _one_axis_reduced(exp, got, tol)  # a reduction the student added
    if added is not None:
        axis, _, op = added
        name = _axis_name(axis, exp.ndim)
        if op is None:
            return f"yours has lost {name} (the expected output keeps that axis)"
        if op:
            verb = "summed" if op == "sum" else "averaged"
            return f"you {verb} over {name}; the expected output keeps that axis"
        return (f"it looks like a sum or mean over {name} that should not be there "
                f"(the expected output keeps that axis)")
    missing = _one_axis_reduced(got, exp, tol)  # a reduction the student left out
    if missing is not None:
        axis, keep, op = missing
        name = _axis_name(axis, got.ndim)
        if op is None:
            return f"the expected output is reduced over {name}; yours is not"
        if op:
            return f"the expected output is the {op} over {name}; yours is not reduced"
        why = (" (or an (n,) array was broadcast against an (n, 1) one)"
               if keep and got.ndim == 2 else "")
        return (f"the expected output is reduced over {name} (a sum or a mean); "
                f"yours is not reduced{why}")
    if exp.ndim >= 2 and gs == es[::-1]:
        if exp.ndim == 2 and _same_values(got.T, exp, tol):
            return ("it is transposed: your values are the transpose of the expected ones "
                    "(examples are columns: (n, m))")
        return "transposed? (examples are columns: (n, m))"
    return ""


def _compare_shapes(exp: np.ndarray, got: np.ndarray, tol: Tolerance, path: str) -> Mismatch:
    why = explain_shape(exp, got)
    return _mismatch(path, "shape", f"{_what(path)} has shape {got.shape} but should be "
                     f"{exp.shape}", f"— {why}" if why else "")


def _value_figures(exp_f: np.ndarray, got_f: np.ndarray, wrong: np.ndarray,
                   tol: Tolerance) -> tuple[str, list[str]]:
    """The parenthesized figures of the summary, and the lines of errors under it."""
    abs_err = np.abs(got_f - exp_f)
    abs_err[~np.isfinite(abs_err)] = 0.0
    abs_err = np.where(wrong, abs_err, 0.0)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(abs_err)), abs_err.shape))
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    figures = f"(largest error {format_number(abs_err[worst])} at {_index(worst)})"
    nonzero = wrong & (exp_f != 0)
    zero = wrong & (exp_f == 0)
    text = f"max abs error {format_number(abs_err.max())}"
    if nonzero.any():
        rel = abs_err[nonzero] / np.abs(exp_f[nonzero])
        text += f", max rel error {format_number(rel.max())}"
        if zero.any():
            text += " (where the expected value is not 0)"
    if zero.any():
        n_zero = int(zero.sum())
        text += (f"; {n_zero} wrong {'entry' if n_zero == 1 else 'entries'} should be 0: there "
                 f"the absolute error counts (tolerance {format_number(tol.atol)})")
    lines = ["    " + text]
    lines.append(f"    first mismatch at index {_index(first)}: "
                 + _pair(float(exp_f[first]), float(got_f[first]), tol))
    return figures, lines


def _pair(e: float, g: float, tol: Tolerance) -> str:
    """``expected 0.5, got 0.25``; for an expected 0, the absolute error and its tolerance."""
    if e == 0 and np.isfinite(g):
        return (f"expected 0, got {g:.8g} (absolute error above the tolerance "
                f"{format_number(tol.atol)})")
    return f"expected {e:.8g}, got {g:.8g}"


def _compare_arrays(exp: np.ndarray, got: object, tol: Tolerance, path: str) -> Mismatch | None:
    if not isinstance(got, np.ndarray):
        if exp.ndim == 0 and _is_number(got):
            got = np.asarray(got)
        else:
            return _mismatch(
                path, "type",
                f"{_what(path)} should be a numpy array of shape {exp.shape}, "
                f"got {_type_name(got)}",
            )
    got = np.asarray(got).view(np.ndarray)
    exp = np.asarray(exp).view(np.ndarray)
    if got.shape != exp.shape:
        return _compare_shapes(exp, got, tol, path)
    if tol.dtype and got.dtype != exp.dtype:
        return _mismatch(path, "dtype",
                         f"{_what(path)} has dtype {got.dtype} but should be {exp.dtype}")
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
        n_wrong = len(diff) if len(diff) else exp.size
        where = ""
        if idx:
            where = (f"    first difference at index {_index(idx)}: expected {exp[idx].item()!r}, "
                     f"got {got[idx].item()!r}")
        elif exp.ndim == 0:
            return _mismatch(path, "values",
                             f"{_what(path)} should be {exp.item()!r}, got {got.item()!r}")
        return _mismatch(
            path, "values", f"{_what(path)} is wrong at {n_wrong} of {exp.size} entries",
            f"(first at {_index(idx)})" if idx else f"(dtype {got.dtype}, expected {exp.dtype})",
            (f"    expected: {format_array(exp)}", f"    got:      {format_array(got)}",
             *([where] if where else [])),
        )
    if got.dtype.kind not in "fiub":
        return _mismatch(path, "dtype", f"{_what(path)} should hold numbers, got dtype {got.dtype}")
    got_f = got.astype(np.float64)
    exp_f = exp.astype(np.float64)
    bad_nan = ~np.isfinite(got_f) & np.isfinite(exp_f)
    if bad_nan.any():
        idx = tuple(int(i) for i in np.argwhere(bad_nan)[0])
        return _mismatch(
            path, "nan",
            f"{_what(path)} contains NaN or inf at {int(bad_nan.sum())} of {exp.size} entries "
            f"(first at {_index(idx)}) where the expected values are finite",
            "(overflow? log of 0? division by 0?)",
        )
    close = np.isclose(got_f, exp_f, rtol=tol.rtol, atol=tol.atol, equal_nan=True)
    if close.all():
        return None
    if exp.ndim == 0:
        e, g = float(exp_f), float(got_f)
        if e == 0:
            return _mismatch(path, "values", f"{_what(path)} should be 0, got {g:.10g}",
                             f"(absolute error above the tolerance {format_number(tol.atol)})")
        return _mismatch(path, "values", f"{_what(path)} should be {e:.10g}, got {g:.10g}",
                         f"(error {format_number(abs(g - e))}, "
                         f"relative {format_number(abs(g - e) / abs(e))})")
    wrong = ~close
    figures, err_lines = _value_figures(exp_f, got_f, wrong, tol)
    return _mismatch(
        path, "values", f"{_what(path)} is wrong at {int(wrong.sum())} of {exp.size} entries",
        figures,
        (f"    expected: {format_array(exp)}", f"    got:      {format_array(got)}", *err_lines),
    )


def _also_wrong(first: Mismatch, others: list[str], n: int) -> Mismatch:
    """``first``, told which other parts of a tuple or dict are wrong (or that all are right)."""
    if n <= 1:
        return first
    lines = first.message.splitlines()
    if lines and (lines[-1] == _ALL_RIGHT or lines[-1].startswith(_ALSO)):
        # a part of a part (a key of a dict in a tuple): one note for all
        last = lines.pop()
        others = (last.removeprefix(_ALSO).split(", ") if last.startswith(_ALSO) else []) + others
    note = _ALL_RIGHT if not others else _ALSO + ", ".join(others)
    return Mismatch(first.path, first.kind, "\n".join([*lines, note]), first.summary,
                    first.figures)


_ALL_RIGHT = "    the other parts of the output are right"
_ALSO = "    also wrong: "


def compare(
    expected: object, got: object, tol: Tolerance | None = None, path: str = "output"
) -> Mismatch | None:
    """``None`` when ``got`` matches ``expected`` within ``tol``, else the first Mismatch
    (for a tuple, list or dict: of its first wrong part, telling which others are wrong)."""
    tol = tol or Tolerance()
    if isinstance(expected, np.ndarray):
        return _compare_arrays(expected, got, tol, path)
    if isinstance(expected, bool | np.bool_):
        if isinstance(got, bool | np.bool_) and bool(got) == bool(expected):
            return None
        return _mismatch(path, "values", f"{_what(path)} should be {bool(expected)}, got {got!r}")
    if _is_number(expected):
        if isinstance(got, np.ndarray) and got.size == 1 and got.ndim <= 2:
            got = got.reshape(()).item()
        if not _is_number(got):
            return _mismatch(path, "type",
                             f"{_what(path)} should be a number, got {_type_name(got)}")
        return _compare_arrays(np.asarray(expected, dtype=np.float64), np.asarray(float(got)),
                               tol, path)
    if isinstance(expected, tuple | list):
        if not isinstance(got, tuple | list):
            return _mismatch(
                path, "type",
                f"{_what(path)} should be a {type(expected).__name__} of {len(expected)} values, "
                f"got {_type_name(got)}",
            )
        if len(got) != len(expected):
            return _mismatch(
                path, "length",
                f"{_what(path)} should have {len(expected)} values, got {len(got)}",
            )
        found = [mm for i, (e, g) in enumerate(zip(expected, got))
                 if (mm := compare(e, g, tol, f"{path}[{i}]")) is not None]
        if not found:
            return None
        return _also_wrong(found[0], [m.path for m in found[1:]], len(expected))
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            return _mismatch(path, "type", f"{_what(path)} should be a dict, got {_type_name(got)}")
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing keys {missing}")
            if extra:
                parts.append(f"unexpected keys {extra}")
            return _mismatch(path, "keys", f"{_what(path)} has " + " and ".join(parts))
        found = [mm for k in expected
                 if (mm := compare(expected[k], got[k], tol, f"{path}[{k!r}]")) is not None]
        if not found:
            return None
        return _also_wrong(found[0], [m.path for m in found[1:]], len(expected))
    if expected is None:
        if got is None:
            return None
        return _mismatch(path, "values", f"{_what(path)} should be None, got {got!r}")
    if isinstance(expected, str):
        if isinstance(got, str) and got == expected:
            return None
        return _mismatch(path, "values", f"{_what(path)} should be {expected!r}, got {got!r}")
    raise TypeError(f"cannot compare outputs of type {type(expected).__name__}")

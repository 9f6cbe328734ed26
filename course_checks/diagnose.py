"""Name the *kind* of error of a failing output, catalogued or not.

When a student's output differs from the reference's and no catalogued mistake of the
exercise behaves like it, :func:`diagnose` tries principled explanations, each of which
builds the output a given kind of error would produce, and reports the first one that
reproduces the student's output exactly (to the exercise's tolerance):

* transforms of the expected output: the sign flipped; a constant factor, named from the
  case when it can be (``1/m``, ``m``, ``2``, ``λ``, ``keep_prob``, ``1 − β``, the learning
  rate, ...), or an input array (``sigma``) multiplied in or divided out once too often; a
  constant shift; the right values with the wrong dtype; NaN or inf where the values are
  finite; a transpose, a reduction too many or too few, ``keepdims``, keys missing or a
  tuple of another length (said in words by the comparison itself: only the kind is
  recorded); the parts of a tuple each right but in another one's place;
* relations with the inputs: an input returned unchanged (stale state; a number equal
  to an integer input only when the input is a counter such as ``t``); an update whose
  step (``output − w``) has the wrong sign or a stray factor, or that returned the step
  itself; a step taken with a state from before its update;
* the reference re-run on modified inputs (never the student's code): a step or epoch
  counter off by one (``t ± 1``), two arguments of one type and shape swapped
  (``β1 ↔ β2``), ``1 − p`` where ``p`` belongs (``keep_prob``), an argument ignored for its
  default value, the computation along the wrong axis (every 2-D input transposed); before all
  these, and before "an input returned unchanged", the explanations an exercise
  declares (``registry.Explanation``), which are more specific;
* randomness: numbers drawn from a generator seeded the usual ways (``default_rng(42)``)
  or a global one instead of the ``rng`` given, said only as far as it can be known;
* partial correctness, when nothing else explains a part: only some columns, rows or
  items of a list are wrong, or only one part of a tuple or dict.

Explanations are tried on each wrong part of the output (an element of a tuple, a key of
a dict, an item of a list, down to the arrays and numbers), so a part is named even when
the others are right. Everything here runs in the grader's process on plain data
(arrays, dicts, tuples, numbers) and calls only the exercise's reference and its declared
explanations; it is bounded by a time budget (about 50 ms) and never raises.
"""

from __future__ import annotations

import inspect
import math
import re
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .cases import Case, Rng, Spec, materialize
from .compare import Mismatch, Tolerance, compare

__all__ = ["KINDS", "Diagnosis", "Part", "diagnose", "get_at", "has_rng", "leaves",
           "wrong_parts"]

#: every kind of error the diagnosis names, with what to tell the student about it
KINDS: dict[str, str] = {
    "sign_flipped": "Check the signs of your formula: a minus sign is missing or one too many.",
    "constant_factor": "Check the constant factors of your formula (1/m, 2, λ, the learning "
                       "rate, ...): one is missing or one is too many.",
    "not_finite": "Overflow or a division by zero: use the numerically stable form (subtract "
                  "the maximum before exp, clip before log, add ε where the formula says).",
    "constant_shift": "Your values are off by the same amount everywhere: a term added or "
                      "subtracted once too often or not at all.",
    "wrong_dtype": "The values are right but their dtype is not: create the array with the "
                   "dtype asked for (np.zeros(shape) is float64).",
    "missing_keys": "A key is missing from the dict: every layer (and every parameter of "
                    "it) needs its entry; check the range of your loop.",
    "extra_keys": "The dict has keys it should not have: check their names and the range of "
                  "your loop.",
    "wrong_length": "Return exactly the values the exercise asks for, in its order.",
    "outputs_reordered": "Return the values in the order the exercise asks for: each one is "
                         "right, but in another one's place.",
    "wrong_type": "Return the type the exercise asks for (a numpy array, a number, a tuple, "
                  "a dict).",
    "transposed": "Examples are columns: X is (n_x, m). Check which axis is which.",
    "extra_reduction": "A sum or mean that should not be there: the expected output keeps "
                       "that axis.",
    "missing_reduction": "A sum or mean is missing (or arrays of shapes (n,) and (n, 1) were "
                         "broadcast together).",
    "keepdims": "Reduce with keepdims=True to keep the axis with length 1 (a column vector).",
    "wrong_axis": "The computation runs along the wrong axis: examples are columns (axis 1), "
                  "features rows (axis 0).",
    "stale_state": "An input was returned as it came in: compute the new value and return it.",
    "step_sign_flipped": "The update goes the wrong way: w - step, not w + step.",
    "step_factor": "The size of the update step is off by a constant factor: check the "
                   "learning rate and the constants of the step.",
    "returned_step": "Return the updated value (w + change), not the change alone.",
    "wrong_order": "The step used a state from before its update: update the state first, "
                   "then take the step with the new state.",
    "off_by_one": "A step or epoch counter is off by one: check where it starts (0 or 1) and "
                  "whether it is incremented before or after it is used.",
    "swapped_arguments": "Two arguments (or hyperparameters) are used in each other's place.",
    "complement": "A probability p is used where 1 − p belongs (or the other way round).",
    "ignored_argument": "An argument is ignored: a fixed value (its default) is used instead "
                        "of the value passed in.",
    "global_rng": "Draw every random number from the rng argument, in the order the exercise "
                  "describes: not from np.random.* (the global generator) nor from a new "
                  "generator.",
    "wrong_columns": "Only some columns (examples) are wrong: look at what is special about "
                     "them (the last example, a smaller last mini-batch, ...).",
    "wrong_rows": "Only some rows are wrong: look at what is special about them.",
    "wrong_items": "Only some items of the list are wrong: look at what is special about them "
                   "(the last, smaller mini-batch?).",
    "wrong_part": "Only this part of the output is wrong; the others are right.",
}


@dataclass(frozen=True)
class Diagnosis:
    """What kind of error a failing output shows, and where.

    ``kind`` is a key of :data:`KINDS` or the name of an exercise's declared explanation;
    ``path`` the part of the output it was seen in (``output[0]``, ``output['W1']``);
    ``says`` the phrase a message's first line ends with (``it looks like the sign is
    flipped``; empty when the comparison's own words already say it, as for shapes);
    ``evidence`` what was found, in one sentence; ``advice`` what to do; ``also`` the other
    wrong parts and what was found there.
    """

    kind: str
    path: str
    says: str
    evidence: str
    advice: str = ""
    also: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The name recorded with a grade: ``kind:sign_flipped``."""
        return f"kind:{self.kind}"

    @property
    def hint(self) -> str:
        """The evidence and the advice, one paragraph (what a catalogued mistake's hint is)."""
        return f"{self.evidence} {self.advice}".strip()


class Part:
    """One wrong part of an output: where it is (``path``, and ``keys`` to reach it), both
    values, and how they differ (``mismatch``, the comparison's words, made when asked)."""

    def __init__(self, path: str, keys: tuple, expected: Any, got: Any, tol: Tolerance,
                 mismatch: Mismatch | None = None) -> None:
        self.path, self.keys, self.expected, self.got = path, keys, expected, got
        self._tol, self._mismatch = tol, mismatch

    @property
    def mismatch(self) -> Mismatch:
        if self._mismatch is None:
            try:
                mm = compare(self.expected, self.got, self._tol, self.path)
            except Exception as exc:
                mm = Mismatch(self.path, "type", f"{self.path} could not be compared: {exc}")
            self._mismatch = mm or Mismatch(self.path, "values", f"{self.path} differs")
        return self._mismatch

    def __repr__(self) -> str:
        return f"Part({self.path})"


# ---- walking outputs ---------------------------------------------------------------


def leaves(value: Any, path: str = "output", keys: tuple = ()) -> Iterator[tuple[str, tuple, Any]]:
    """``(path, keys, leaf)`` for every array, number, string or None inside ``value``
    (tuples, lists and dicts are walked), paths spelled as the comparison spells them."""
    if isinstance(value, tuple | list):
        for i, v in enumerate(value):
            yield from leaves(v, f"{path}[{i}]", (*keys, i))
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from leaves(v, f"{path}[{k!r}]", (*keys, k))
    else:
        yield path, keys, value


def get_at(value: Any, keys: tuple) -> Any:
    """The part of ``value`` at ``keys`` (raises LookupError or TypeError when absent)."""
    for k in keys:
        if isinstance(value, Mapping):
            value = value[k]
        elif isinstance(value, tuple | list) and isinstance(k, int):
            value = value[k]
        else:
            raise TypeError("not a container")
    return value


def _replace_at(value: Any, keys: tuple, new: Any) -> Any:
    if not keys:
        return new
    k, rest = keys[0], keys[1:]
    if isinstance(value, Mapping):
        out = dict(value)
        out[k] = _replace_at(value[k], rest, new)
        return out
    items = list(value)
    items[k] = _replace_at(items[k], rest, new)
    return tuple(items) if isinstance(value, tuple) else items


def wrong_parts(expected: Any, got: Any, tol: Tolerance) -> list[Part]:
    """The parts of ``got`` that differ from ``expected`` (a whole part when its structure
    differs: a missing key, a tuple of another length, another type)."""
    parts = []
    stack = [("output", (), expected)]
    while stack:
        path, keys, exp = stack.pop(0)
        try:
            g = get_at(got, keys)
        except Exception:
            g = _MISSING
        container = isinstance(exp, tuple | list | Mapping)
        if container and g is not _MISSING and _same_structure(exp, g):
            items = (exp.items() if isinstance(exp, Mapping) else enumerate(exp))
            stack[:0] = [(f"{path}[{k!r}]" if isinstance(exp, Mapping) else f"{path}[{k}]",
                          (*keys, k), v) for k, v in items]
            continue
        if g is _MISSING:
            parts.append(Part(path, keys, exp, None, tol))
            continue
        e, n = _num(exp), _num(g)
        if (e is not None and n is not None and e.shape == n.shape and not tol.dtype
                and np.all(np.isfinite(e)) and np.all(np.isfinite(n))
                and (not isinstance(exp, np.ndarray) or exp.dtype.kind == "f")):
            if not np.all(np.abs(n - e) <= tol.atol + tol.rtol * np.abs(e)):
                parts.append(Part(path, keys, exp, g, tol))  # the words are made when asked
            continue
        try:
            mm = compare(exp, g, tol, path)
        except Exception as exc:
            mm = Mismatch(path, "type", f"{path} could not be compared: {exc}")
        if mm is not None:
            parts.append(Part(path, keys, exp, g, tol, mm))
    return parts


def _same_structure(exp: Any, got: Any) -> bool:
    if isinstance(exp, Mapping):
        return isinstance(got, Mapping) and set(exp) == set(got)
    return isinstance(got, tuple | list) and len(got) == len(exp)


_MISSING = object()


# ---- numbers -------------------------------------------------------------------------


def _num(x: Any) -> np.ndarray | None:
    """``x`` as a float64 array when it is numeric (array, number, bool array), else None."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int | float | np.integer | np.floating):
        return np.asarray(float(x))
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf" and x.size <= _MAX_SIZE:
        return np.asarray(x, dtype=np.float64)
    return None


_MAX_SIZE = 200_000  # larger parts are not diagnosed (the budget would not allow it)


def _close(cand: Any, got: np.ndarray, tol: Tolerance) -> bool:
    """``got`` equals ``cand`` to the tolerance (``cand`` in the role of the expected value)."""
    c = _num(cand)
    if c is None or c.shape != got.shape or not np.all(np.isfinite(c)):
        return False
    return bool(np.all(np.abs(got - c) <= tol.atol + tol.rtol * np.abs(c)))


def _fmt(x: float) -> str:
    return f"{x:.6g}"


# ---- the case's named numbers --------------------------------------------------------


@dataclass
class _Inputs:
    """The case's inputs, fresh: named numbers and arrays, and how to re-run the reference."""

    case: Case
    names: list[str]
    args: tuple
    kwargs: dict
    # label, keys into (args, kwargs), value: every numeric leaf of the inputs
    leaves: list[tuple[str, tuple, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, case: Case) -> _Inputs:
        args, kwargs = case.build()
        names = [case.names[i] if i < len(case.names) else f"argument {i + 1}"
                 for i in range(len(args))] + list(kwargs)
        self = cls(case, names, args, kwargs)
        for i, value in enumerate([*args, *kwargs.values()]):
            for path, keys, leaf in leaves(value, names[i]):
                self.leaves.append((path, (i, *keys), leaf))
        return self

    def top(self) -> list[tuple[int, str, Any]]:
        """``(index, name, value)`` of the top-level arguments (args, then kwargs)."""
        return [(i, n, v) for i, (n, v) in
                enumerate(zip(self.names, [*self.args, *self.kwargs.values()]))]

    def scalars(self) -> list[tuple[str, float]]:
        """Named numbers of the inputs: top-level ones and those inside dicts (``state['t']``)."""
        out = []
        for label, _, v in self.leaves:
            if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
                continue
            out.append((label, float(v)))
        return out


def _factor_candidates(inp: _Inputs, shape: tuple[int, ...],
                       sizes_too: bool = True) -> list[tuple[float, str]]:
    """``(value, label)`` of the constant factors the case suggests, most plausible first
    (the sizes m and n of the arrays only with ``sizes_too``)."""
    cands: list[tuple[float, str]] = [(2.0, "2")]

    def add(v: float, label: str) -> None:
        if np.isfinite(v) and abs(v) > 1e-12 and abs(abs(v) - 1) > 1e-9:
            cands.append((v, label))

    for label, v in inp.scalars():
        add(v, f"{_pretty(label)} = {_fmt(v)}")
        if 0 < v < 1:
            add(1 - v, f"1 − {_pretty(label)} = {_fmt(1 - v)}")
    sizes = {}
    for _, name, v in inp.top():
        if isinstance(v, np.ndarray) and v.ndim == 2 and name not in ("m",):
            sizes.setdefault("m", v.shape[1])
            sizes.setdefault("n", v.shape[0])
    if len(shape) == 2:
        sizes.setdefault("m", shape[1])
        sizes.setdefault("n", shape[0])
    for name, n in sizes.items() if sizes_too else ():
        if n > 1 and all(abs(c[0] - n) > 1e-9 for c in cands):
            add(float(n), f"{name} = {n} (the number of {'examples' if name == 'm' else 'rows'})")
    return cands


_PRETTY = {"lambd": "λ", "lambda_": "λ", "lr": "the learning rate lr", "beta1": "β1",
           "beta2": "β2", "beta": "β", "eps": "ε", "epsilon": "ε"}


def _pretty(label: str) -> str:
    return _PRETTY.get(label, label)


def _say_factor(f: float, cands: list[tuple[float, str]], tol: float = 1e-6) -> tuple[str, bool]:
    """How a factor ``f`` reads ("a factor m = 5 too many"), and whether the case named it."""
    for v, label in cands:
        if abs(f - v) <= tol * abs(v):
            why = " (a sum where a mean belongs?)" if label.startswith("m = ") else ""
            return f"a factor {label} too many{why}", True
        if abs(f * v - 1) <= tol:
            why = " (a mean where a sum belongs?)" if label.startswith("m = ") else ""
            return f"a factor {label} missing{why}", True
        if abs(f + v) <= tol * abs(v):
            return f"a factor −({label}) too many", True
    return f"a constant factor: yours is {_fmt(f)} × the expected value", False


# ---- the explanations ----------------------------------------------------------------


class _Budget:
    def __init__(self, seconds: float) -> None:
        self.end = time.perf_counter() + seconds

    def left(self) -> bool:
        return time.perf_counter() < self.end


@dataclass
class _Found:
    kind: str
    says: str
    evidence: str


def _sign(part: Part, exp: np.ndarray, got: np.ndarray, tol: Tolerance) -> _Found | None:
    if _close(-exp, got, tol):
        return _Found("sign_flipped", "it looks like the sign is flipped",
                      f"{part.path} is −1 × the expected value at every entry.")
    return None


def _factor(part: Part, exp: np.ndarray, got: np.ndarray, inp: _Inputs, tol: Tolerance,
            named_only: bool) -> _Found | None:
    """A constant factor (named from the case, or any when ``named_only`` is false) or,
    for arrays, a constant shift."""
    p = part.path
    nz = exp != 0
    if nz.any():
        f = float(np.median(got[nz] / exp[nz]))
        if np.isfinite(f) and f != 0 and _close(f * exp, got, tol):
            text, named = _say_factor(f, _factor_candidates(inp, exp.shape))
            # one number is a factor of any other: unnamed factors only for arrays
            if named or (not named_only and exp.size > 1):
                return _Found("constant_factor", f"it looks like {text}",
                              f"{p} is {_fmt(f)} × the expected value"
                              f"{' at every entry' if exp.size > 1 else ''}.")
    if named_only:
        return _array_factor(part, exp, got, inp, tol)
    if exp.size < 2:
        return None
    d = float(np.median(got - exp))
    if d != 0 and _close(exp + d, got, tol):
        return _Found("constant_shift", f"it looks like a constant shift of {_fmt(d)}",
                      f"{p} is the expected value + {_fmt(d)} at every entry.")
    return None


def _array_factor(part: Part, exp: np.ndarray, got: np.ndarray, inp: _Inputs,
                  tol: Tolerance) -> _Found | None:
    """An input array (``sigma``, a mask) multiplied in or divided out once too often, by
    broadcasting: ``(X - mu) / sigma**2`` is the expected output divided by ``sigma``."""
    if exp.ndim == 0:
        return None
    for label, _, v in inp.leaves:
        x = _num(v)
        if x is None or x.ndim == 0 or x.size < 2 or x.ndim > exp.ndim \
                or not np.all(x != 0) or np.ptp(x) == 0 or any(
                    a not in (1, b) for a, b in zip(x.shape[::-1], exp.shape[::-1])):
            continue  # not broadcast to the output's shape
        if _close(exp * x, got, tol):
            return _Found("constant_factor", f"it looks like an extra factor {label}",
                          f"{part.path} is the expected value × {label}.")
        if _close(exp / x, got, tol):
            return _Found("constant_factor", f"it looks like a division by {label} too many",
                          f"{part.path} is the expected value ÷ {label}.")
    return None


def _stale(part: Part, exp: np.ndarray, got: np.ndarray, inp: _Inputs,
           tol: Tolerance) -> _Found | None:
    """An input returned as it came in.

    A number equal to an integer input (``patience = 3``, ``m = 5``) is often a coincidence:
    it counts only when the input is a counter (``t``, ``epoch``), whose value a forgotten
    increment returns."""
    same = [label for label, _, v in inp.leaves
            if (x := _num(v)) is not None and x.shape == exp.shape
            and (_close(x, got, tol) if x.ndim else bool(x == got))
            and not _close(x, exp, tol)
            and (x.ndim or not float(x).is_integer() or _COUNTER.match(_leaf_name(label)))]
    if not same:
        return None
    which = " (and ".join(same[:2]) + (")" if len(same) > 1 else "")
    return _Found("stale_state", f"it looks like the input {which} returned unchanged",
                  f"{part.path} equals the input {same[0]} as it was passed in.")


def _input_relations(part: Part, exp: np.ndarray, got: np.ndarray, inp: _Inputs,
                     expected: Any, tol: Tolerance) -> _Found | None:
    """The update step (``output − w``) against an input ``w`` of the part's shape: its
    sign, a named factor, the step returned alone, the step taken with an old state."""
    p = part.path
    same = [(label, x) for label, _, v in inp.leaves
            if (x := _num(v)) is not None and x.shape == exp.shape][:8]
    cands = _factor_candidates(inp, exp.shape, sizes_too=False)
    for label, x in same:
        step_e, step_g = exp - x, got - x
        if not np.any(np.abs(step_e) > tol.atol + tol.rtol * np.abs(x)):
            continue  # the expected output is x itself: there is no step to speak of
        if exp.ndim and _close(-step_e, step_g, tol):
            return _Found("step_sign_flipped",
                          f"it looks like the change from {label} goes the wrong way "
                          f"({label} + step, not {label} − step)",
                          f"{p} − {label} is −1 × what it should be.")
        if _close(step_e, got, tol):
            return _Found("returned_step", f"it looks like the change from {label} "
                          f"({p} − {label}) was returned instead of the new value",
                          f"{p} equals the expected output minus the input {label}.")
        nz = step_e != 0
        f = float(np.median(step_g[nz] / step_e[nz]))
        if np.isfinite(f) and f != 0 and _close(f * step_e, step_g, tol):
            text, named = _say_factor(f, cands)
            if named:
                what = f"the change from {label} ({p} − {label})"
                return _Found("step_factor", f"it looks like {what} has {text}",
                              f"{p} − {label} is {_fmt(f)} × what it should be.")
        # the step taken with a state from before its update: step_e = c · state_out and
        # step_g = c · state_in, for another output (the state) and its input
        if exp.ndim == 0:
            continue
        for _, skeys, state_out in leaves(expected):
            so = _num(state_out)
            if so is None or so.shape != exp.shape or skeys == part.keys or not np.any(so):
                continue
            c = float(np.dot(step_e.ravel(), so.ravel()) / np.dot(so.ravel(), so.ravel()))
            if not (np.isfinite(c) and c != 0 and _close(c * so, step_e, tol)):
                continue
            for slabel, si in same:
                if slabel != label and not _close(si, so, tol) and _close(c * si, step_g, tol):
                    return _Found("wrong_order", f"it looks like the step used {slabel} from "
                                  "before its update",
                                  f"{p} − {label} is the expected step with the input {slabel} "
                                  "in place of its updated value.")
    return None


def _shape_kind(part: Part, exp: np.ndarray, got: np.ndarray, tol: Tolerance,
                confirmed: bool) -> _Found | None:
    """A shape the comparison said in words: the kind, without repeating the words.

    ``confirmed``: only what the values confirm (a transpose, keepdims, a sum or mean
    over an axis); else the guesses the shapes alone suggest.
    """
    text = part.mismatch.figures
    p = part.path
    if confirmed:
        if "it is transposed" in text:
            return _Found("transposed", "", f"{p} is the transpose of the expected value.")
        if "keepdims" in text or "extra axis" in text:
            return _Found("keepdims", "", f"{p} has the right values in the wrong shape.")
        if "summed over" in text or "averaged over" in text:
            return _Found("extra_reduction", "", f"{p} is reduced over an axis the expected "
                          "output keeps.")
        if "the expected output is the sum" in text or "the expected output is the mean" in text:
            return _Found("missing_reduction", "", f"{p} is not reduced where the expected "
                          "output is.")
        return None
    if "should not be there" in text or "has lost" in text:
        return _Found("extra_reduction", "", f"{p} has lost an axis the expected output keeps.")
    if "yours is not reduced" in text:
        return _Found("missing_reduction", "", f"{p} keeps an axis the expected output reduces.")
    if "transposed?" in text:
        return _Found("transposed", "", f"{p} has the transposed shape.")
    return None


def _structure_kind(part: Part) -> _Found | None:
    """Keys missing or extra, a tuple of another length, another type: the comparison's
    words say it; the kind is recorded."""
    mm = part.mismatch
    kind = {"keys": "missing_keys" if "missing keys" in mm.message else "extra_keys",
            "length": "wrong_length", "type": "wrong_type"}.get(mm.kind)
    if kind is None:
        return None
    return _Found(kind, "", mm.headline[:1].upper() + mm.headline[1:] + ".")


def _dtype_kind(part: Part) -> _Found | None:
    e, g = part.expected, part.got
    if isinstance(e, np.ndarray) and isinstance(g, np.ndarray) and e.shape == g.shape \
            and e.dtype != g.dtype and e.dtype.kind in "biuf" and g.dtype.kind in "biuf" \
            and np.array_equal(e.astype(np.float64), g.astype(np.float64)):
        return _Found("wrong_dtype", f"it looks like the right values with dtype {g.dtype} "
                      f"instead of {e.dtype}", f"{part.path} has the expected values but dtype "
                      f"{g.dtype}.")
    return None


def _local(part: Part, inp: _Inputs, expected: Any, tol: Tolerance, stage: int,
           custom: bool = False) -> _Found | None:
    """The explanations of one part that need no re-run of the reference: stage 0 the
    plain ones (dtype, shape, NaN, sign), stage 3 an input returned unchanged (after the
    exercise's declared explanations), stage 1 factors named from the case and update
    steps, stage 2 any constant factor or shift."""
    e, g = _num(part.expected), _num(part.got)
    if stage == 0 and (hit := _dtype_kind(part)):
        return hit
    if e is None or g is None:
        # an exercise's own comparison uses its own words and kinds: not these
        return _structure_kind(part) if stage == 0 and not custom else None
    if e.shape != g.shape:
        return _shape_kind(part, e, g, tol, confirmed=True) if stage == 0 else None
    if stage == 0:
        if np.any(~np.isfinite(g) & np.isfinite(e)):
            return _Found("not_finite", "", f"{part.path} holds NaN or inf where the expected "
                          "values are finite.")
        if e.ndim == 2 and e.shape[0] == e.shape[1] and _close(e.T, g, tol):
            return _Found("transposed", "it looks like it is transposed",
                          f"{part.path} is the transpose of the expected value.")
        return _sign(part, e, g, tol)
    if stage == 3:
        return _stale(part, e, g, inp, tol)
    if stage == 1:
        if e.ndim == 0 and float(e).is_integer() and float(g).is_integer() \
                and abs(float(g) - float(e)) == 1:
            return _Found("off_by_one", "it looks like a count off by one", f"{part.path} is "
                          f"{_fmt(float(g))} where {_fmt(float(e))} is expected.")
        return (_factor(part, e, g, inp, tol, named_only=True)
                or _input_relations(part, e, g, inp, expected, tol))
    return _factor(part, e, g, inp, tol, named_only=False)


_SLOW_REFERENCE = 0.02  # seconds: a slower reference is not re-run


# ---- the reference re-run on modified inputs ------------------------------------------

_COUNTER = re.compile(r"^(t|step|steps|epoch|epochs|epoch_num|num_epochs|n_epochs|iteration|"
                      r"iterations|iter|n_iter|num_iterations|iteration_num|time_step)$")


_Variant = tuple[str, str, str, Callable[[], Any]]


def _leaf_name(label: str) -> str:
    """The last name of a label: ``state['t']`` -> ``t``."""
    return label.rsplit("[", 1)[-1].strip("']") if "[" in label else label


def _variants(ex: Any, inp: _Inputs, expected: Any) -> Iterator[_Variant]:
    """``(kind, says, evidence, run)``: the reference on modified inputs, most specific first.

    ``run()`` returns the output; each builds fresh inputs (the reference may modify none,
    but nothing here relies on it).
    """
    case = inp.case
    ref = ex.reference

    def call(modify: Callable[[list, dict], None], post: Callable[[Any], Any] = lambda o: o):
        def run() -> Any:
            args, kwargs = case.build()
            args = list(args)
            modify(args, kwargs)
            return post(ref(*args, **kwargs))
        return run

    n_args = len(inp.args)
    kw_names = list(inp.kwargs)

    def setter(i: int, keys: tuple, fn: Callable[[Any], Any]) -> Callable[[list, dict], None]:
        def modify(args: list, kwargs: dict) -> None:
            holder, key = (args, i) if i < n_args else (kwargs, kw_names[i - n_args])
            if not keys:
                holder[key] = fn(holder[key])
                return
            target = holder[key]
            for k in keys[:-1]:
                target = target[k]
            target[keys[-1]] = fn(target[keys[-1]])
        return modify

    # a counter off by one
    for label, keys, v in inp.leaves:
        name = _leaf_name(label)
        if isinstance(v, int | np.integer) and not isinstance(v, bool) and _COUNTER.match(name):
            for d in (-1, 1):
                if v + d < 0:
                    continue
                yield ("off_by_one", f"it looks like {label} off by one ({label} = {v + d} "
                       f"where it is {v})", f"The reference with {label} = {v + d} instead of "
                       f"{v} gives your output.", call(setter(keys[0], keys[1:],
                                                             lambda x, d=d: x + d)))
    top = inp.top()
    # an argument ignored for its default value
    try:
        params = list(inspect.signature(ref).parameters.values())
    except (TypeError, ValueError):
        params = []
    for i, name, v in top:
        if i >= n_args or i >= len(params):
            continue
        default = params[i].default
        if (isinstance(v, int | float) and not isinstance(v, bool)
                and isinstance(default, int | float) and not isinstance(default, bool)
                and default != v):
            yield ("ignored_argument", f"it looks like {name} = {default} (the default) was used "
                   f"instead of the {name} given ({_fmt(v)})", f"The reference with {name} = "
                   f"{default} gives your output.", call(setter(i, (), lambda _, d=default: d)))
    # 1 - p where p belongs
    for i, name, v in top:
        if isinstance(v, float) and 0 < v < 1 and abs(v - 0.5) > 1e-12:
            yield ("complement", f"it looks like 1 − {name} was used where {name} belongs",
                   f"The reference with {name} = {_fmt(1 - v)} (1 − {_fmt(v)}) gives your output.",
                   call(setter(i, (), lambda x: 1 - x)))
    # two arguments of one type and shape swapped
    pairs = 0
    for a in range(len(top)):
        for b in range(a + 1, len(top)):
            (i, na, va), (j, nb, vb) = top[a], top[b]
            if not _swappable(va, vb) or pairs >= 15:
                continue
            pairs += 1

            def swap(args: list, kwargs: dict, i: int = i, j: int = j) -> None:
                slots = [(args, k) if k < n_args else (kwargs, kw_names[k - n_args])
                         for k in (i, j)]
                (h1, k1), (h2, k2) = slots
                h1[k1], h2[k2] = h2[k2], h1[k1]

            yield ("swapped_arguments", f"it looks like {na} and {nb} swapped",
                   f"The reference with {na} and {nb} exchanged gives your output.", call(swap))
    # the wrong axis: every 2-D input transposed, and 2-D outputs transposed back
    if any(isinstance(v, np.ndarray) and v.ndim == 2 for _, _, v in top):
        def transpose_inputs(args: list, kwargs: dict) -> None:
            for k, v in enumerate(args):
                if isinstance(v, np.ndarray) and v.ndim == 2:
                    args[k] = np.ascontiguousarray(v.T)
            for k, v in kwargs.items():
                if isinstance(v, np.ndarray) and v.ndim == 2:
                    kwargs[k] = np.ascontiguousarray(v.T)

        yield ("wrong_axis", "it looks like the computation ran along the wrong axis (examples "
               "are columns)", "The reference on the transposed inputs, transposed back, gives "
               "your output.", call(transpose_inputs, _transpose_back))


def _declared(ex: Any, inp: _Inputs, expected: Any) -> Iterator[_Variant]:
    """What the exercise declares (``registry.Explanation``): tried before the generic
    kinds, being more specific (a step taken before the moments were updated is also,
    by accident, "an input returned unchanged" when the moments start at 0)."""
    case, ref = inp.case, ex.reference
    for expl in getattr(ex, "explanations", ()):
        def declared(expl: Any = expl) -> Any:
            args, kwargs = case.build()
            return expl.fn(ref, expected, *args, **kwargs)
        yield (expl.name, f"it looks like {expl.text}", f"{expl.text[:1].upper()}{expl.text[1:]} "
               "gives your output.", declared)


def _swappable(a: Any, b: Any) -> bool:
    if isinstance(a, Spec) or isinstance(b, Spec):
        return False
    if isinstance(a, float) and isinstance(b, float) and not isinstance(a, bool):
        return a != b
    if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool | float) \
            and not isinstance(b, bool | float):
        return a != b
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.shape == b.shape and a.dtype.kind == b.dtype.kind and not np.array_equal(a, b)
    if isinstance(a, Mapping) and isinstance(b, Mapping) and a and set(a) == set(b):
        def fits(x: Any, y: Any) -> bool:
            return (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)
                    and x.shape == y.shape) or _swappable(x, y) or x == y
        try:
            return all(fits(a[k], b[k]) for k in a) and any(_swappable(a[k], b[k]) for k in a)
        except Exception:
            return False
    return False


def _transpose_back(out: Any) -> Any:
    if isinstance(out, np.ndarray) and out.ndim == 2:
        return out.T
    if isinstance(out, tuple | list):
        items = [_transpose_back(o) for o in out]
        return tuple(items) if isinstance(out, tuple) else items
    if isinstance(out, Mapping):
        return {k: _transpose_back(v) for k, v in out.items()}
    return out


# ---- randomness ----------------------------------------------------------------------

_USUAL_SEEDS = (0, 1, 42, 123, 1234, 2024, 2025, 2026)


def _list(items: list[str], n: int = 6) -> str:
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "")


def _low_entropy(x: Any) -> bool:
    """A boolean (or booleans): a re-run that flips the same few bits proves nothing."""
    return isinstance(x, bool | np.bool_) or (isinstance(x, np.ndarray) and x.dtype.kind == "b"
                                              and x.size < 8)


def _rng_slots(case: Case) -> list[tuple[int, Rng]]:
    return [(i, v) for i, v in enumerate([*case.args, *case.kwargs.values()])
            if isinstance(v, Rng)]


def has_rng(case: Case) -> bool:
    """The case passes an ``rng`` (an :class:`~course_checks.cases.Rng` spec) at top level."""
    return bool(_rng_slots(case))


def _with_rng(case: Case, seed: int) -> Case:
    args = tuple(Rng(seed) if isinstance(v, Rng) else v for v in case.args)
    kwargs = {k: Rng(seed) if isinstance(v, Rng) else v for k, v in case.kwargs.items()}
    return Case(args, kwargs, case.names, case.note)


def _random_like(exp: Any, draws: list[Any], got: Any) -> str:
    """How ``got`` resembles a draw of the reference with another generator ('' when not)."""
    e, g = _num(exp), _num(got)
    if e is None or g is None or e.shape != g.shape or e.size < 2:
        return ""
    ds = [d for d in (_num(x) for x in draws) if d is not None and d.shape == e.shape]
    if not ds or all(np.array_equal(d, e) for d in ds):
        return ""  # this part does not depend on the generator
    if np.array_equal(np.sort(g, axis=None), np.sort(e, axis=None)):
        return "the right values in another order"
    if isinstance(got, np.ndarray) and isinstance(exp, np.ndarray) and exp.dtype.kind == "b":
        if got.dtype.kind != "b":
            return ""
        p, n = float(e.mean()), e.size
        return ("a random mask with the right share of True" if abs(float(g.mean()) - p)
                <= 4 * math.sqrt(max(p * (1 - p), 1e-3) / n) + 0.02 else "")
    def rms(a: np.ndarray) -> float:
        return float(np.sqrt(np.mean(a * a)))

    spread_draws = float(np.median([rms(d - e) for d in ds if not np.array_equal(d, e)]))
    if not spread_draws or not 0.6 <= rms(g - e) / spread_draws <= 1.6:
        return ""  # as far from the expected as another seed's draw, or it is no draw
    ref_mean = [float(d.mean()) for d in (e, *ds)]
    ref_std = [float(d.std()) for d in (e, *ds)]
    spread = max(ref_mean) - min(ref_mean) + 3 * max(ref_std) / math.sqrt(e.size)
    std_ok = min(ref_std) / 1.5 <= float(g.std()) <= max(ref_std) * 1.5
    mean_ok = min(ref_mean) - spread <= float(g.mean()) <= max(ref_mean) + spread
    return "random numbers of the right scale" if std_ok and mean_ok else ""


def _same_values_reordered(expected: Any, got: Any) -> bool:
    """Every number of ``got`` (all parts together) is one of ``expected``'s, and the other
    way round: the same multiset of values, in another order."""
    def flat(x: Any) -> tuple[np.ndarray | None, list]:
        nums, shapes = [], []
        for _, _, leaf in leaves(x):
            n = _num(leaf)
            if n is None:
                return None, []
            nums.append(n.ravel())
            shapes.append(n.shape)
        return (np.sort(np.concatenate(nums)) if nums else None), shapes

    (e, es), (g, gs) = flat(expected), flat(got)
    if es != gs:  # a part of another shape: a transpose, not another order
        return False
    return e is not None and g is not None and e.shape == g.shape and e.size > 1 \
        and bool(np.array_equal(e, g))


# ---- outputs in another order ------------------------------------------------------------


def _reordered(expected: Any, got: Any, tol: Tolerance) -> _Found | None:
    """Every part of a tuple (or list) is right, but in another part's place: ``(v, w)``
    returned where ``(w, v)`` belongs."""
    import itertools

    if not (isinstance(expected, tuple | list) and isinstance(got, tuple | list)
            and 2 <= len(expected) == len(got) <= 6):
        return None

    def same(a: Any, b: Any) -> bool:
        na, nb = _num(a), _num(b)
        if na is not None or nb is not None:  # numbers: compared fast, without words
            return na is not None and nb is not None and na.shape == nb.shape \
                and _close(na, nb, tol)
        try:
            return not wrong_parts(a, b, tol)  # containers: leaf by leaf, words when asked
        except Exception:
            return False

    n = len(expected)
    fits = [[same(expected[j], got[i]) for j in range(n)] for i in range(n)]
    for perm in itertools.permutations(range(n)):
        if perm != tuple(range(n)) and all(fits[i][perm[i]] for i in range(n)):
            moved = [f"output[{i}] is the expected output[{perm[i]}]"
                     for i in range(n) if perm[i] != i]
            return _Found("outputs_reordered", "it looks like the right values in another "
                          "order", "; ".join(moved)[:1].upper() + "; ".join(moved)[1:] + ".")
    return None


# ---- partial correctness ---------------------------------------------------------------


def _where(part: Part, exp: np.ndarray, got: np.ndarray, tol: Tolerance) -> _Found | None:
    """Only some columns or rows of a 2-D part wrong, told when it says something."""
    if exp.ndim != 2 or got.shape != exp.shape or min(exp.shape) < 2:
        return None
    bad = ~(np.abs(got - exp) <= tol.atol + tol.rtol * np.abs(exp))
    for axis, what, kind in ((0, "column", "wrong_columns"), (1, "row", "wrong_rows")):
        lines = np.flatnonzero(bad.any(axis=axis))
        n = exp.shape[1 - axis]
        whole = bool(bad.all(axis=axis)[lines].all())
        if 0 < len(lines) < n and whole and len(lines) <= max(1, n // 2):
            names = ", ".join(str(int(i)) for i in lines[:6]) + (", …" if len(lines) > 6 else "")
            last = " (the last)" if list(lines) == [n - 1] else ""
            plural = what + ("s" if len(lines) > 1 else "")
            return _Found(kind, f"only {plural} {names}{last} "
                          f"{'is' if len(lines) == 1 else 'are'} wrong",
                          f"In {part.path}, only {plural} {names}{last} of {n} differ.")
    return None


def _items_where(parts: list[Part], expected: Any) -> _Found | None:
    """Only some items of a list wrong (mini-batches), or one part of a tuple or dict."""
    if not isinstance(expected, tuple | list | Mapping) or len(expected) < 2:
        return None
    tops = list(dict.fromkeys(p.keys[0] for p in parts if p.keys))
    if not tops or len(tops) >= len(expected):
        return None
    if isinstance(expected, list):
        n = len(expected)
        names = ", ".join(str(t) for t in tops)
        last = " (the last)" if tops == [n - 1] else ""
        return _Found("wrong_items", f"only item{'s' if len(tops) > 1 else ''} {names}{last} "
                      f"of {n} {'is' if len(tops) == 1 else 'are'} wrong",
                      f"Only output[{names}] of the {n} items differ{'s' if len(tops) == 1 else ''}"
                      "; the others are right.")
    return _Found("wrong_part", "", f"Only {', '.join(p.path for p in parts)} "
                  f"{'is' if len(parts) == 1 else 'are'} wrong; the other parts are right.")


# ---- the entry point -----------------------------------------------------------------


def diagnose(ex: Any, case: Case, expected: Any, got: Any, *,
             call_again: Callable[[], Any] | None = None, ref_seconds: float = 0.0,
             budget: float = 0.05) -> Diagnosis | None:
    """The kind of error of ``got`` (the student's output on ``case``), or None.

    ``ex`` is the :class:`~course_checks.registry.Exercise`, ``expected`` its reference's
    output on ``case``. ``call_again``, when given, returns the student's output of a
    second call on the same case; it is called only when the case passes an ``rng`` and
    nothing deterministic explains the output (a function drawing from a global generator
    gives another output each call). The self-check passes it; the grader, which never
    runs a student's code in its own process, does not.
    ``ref_seconds`` is how long the reference took: re-runs stop when ``budget`` seconds
    are spent. Never raises; returns None when no explanation fits.
    """
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return _diagnose(ex, case, expected, got, call_again, ref_seconds, _Budget(budget))
    except Exception:  # a diagnosis must never break a check
        return None


def _diagnose(ex: Any, case: Case, expected: Any, got: Any,
              call_again: Callable[[], Any] | None, ref_seconds: float,
              budget: _Budget) -> Diagnosis | None:
    tol = ex.tolerance
    custom = ex.compare is not None
    if not case.args and not case.kwargs:
        return None  # a function of nothing (a quiz's answer): no input explains anything
    if got is None and expected is not None:
        return None  # nothing returned (an unfinished body, a missing return): the check's
        # message says so; naming a kind would count every blank answer as a mistake
    if custom:  # the exercise's own comparison decides; parts are the whole output
        mm = ex.outputs_match(expected, got, case)
        if mm is None:
            return None
        parts = [Part("output", (), expected, got, tol, mm)]
    else:
        parts = wrong_parts(expected, got, tol)
    if not parts:
        return None
    inp = _Inputs.of(case)

    def matches(cand: Any, part: Part) -> bool:
        if custom:
            try:
                return ex.outputs_match(_replace_at(expected, part.keys, cand), got, case) is None
            except Exception:
                return False
        g = _num(part.got)
        if g is not None and _num(cand) is not None:
            return _close(cand, g, tol)
        try:
            return compare(cand, part.got, tol) is None
        except Exception:
            return False

    found: dict[str, _Found] = {}  # path -> what explains it

    def stage(n: int) -> None:
        for part in parts:
            if part.path not in found and budget.left() and (
                    hit := _local(part, inp, expected, tol, n, custom)):
                found[part.path] = hit

    def rerun(variants: Iterator[_Variant]) -> None:
        for kind, says, evidence, run in variants:
            if len(found) == len(parts) or not budget.left():
                break
            try:
                cand = run()
            except Exception:
                continue
            for part in parts:
                if part.path in found or _low_entropy(part.expected):
                    continue
                try:
                    c = get_at(cand, part.keys)
                except Exception:
                    continue
                if matches(c, part):
                    found[part.path] = _Found(kind, says, evidence)

    if not custom and len(parts) > 1 and (hit := _reordered(expected, got, tol)):
        found.update((part.path, hit) for part in parts)
    stage(0)  # the plain ones: dtype, shape, NaN, sign
    fast = ref_seconds < _SLOW_REFERENCE
    if fast and len(found) < len(parts):
        rerun(_declared(ex, inp, expected))  # the exercise's own kinds, the most specific
    stage(3)  # an input returned unchanged
    # the reference on modified inputs
    if fast and len(found) < len(parts):
        rerun(_variants(ex, inp, expected))
    stage(1)  # factors named from the case; update steps
    stage(2)  # a factor or shift the case does not name
    # randomness
    rng_slots = _rng_slots(case)
    if rng_slots and len(found) < len(parts):
        hit_all = _rng_found(ex, case, expected, got, parts, found, call_again, matches,
                             ref_seconds, budget)
        for path, hit in hit_all.items():
            found.setdefault(path, hit)
    # partial correctness
    if not found:
        for part in parts:
            e, g = _num(part.expected), _num(part.got)
            if e is not None and g is not None and (hit := _where(part, e, g, tol)):
                found[part.path] = hit
                break
        else:
            if not custom and (hit := _items_where(parts, expected)):
                found[parts[0].path] = hit
    if not found:  # last, what the shapes alone suggest
        for part in parts:
            e, g = _num(part.expected), _num(part.got)
            if e is not None and g is not None and e.shape != g.shape and (
                    hit := _shape_kind(part, e, g, tol, confirmed=False)):
                found[part.path] = hit
                break
    if not found:
        return None
    first = next(p for p in parts if p.path in found)
    main = found[first.path]
    same = [p.path for p in parts if p is not first and p.path in found
            and (found[p.path].kind, found[p.path].says) == (main.kind, main.says)]
    also = ((f"the same in {_list(same)}",) if same else ()) + tuple(
        f"{p.path}: {found[p.path].evidence}" for p in parts
        if p.path in found and p is not first and p.path not in same)
    advice = KINDS.get(main.kind) or next(
        (x.text for x in getattr(ex, "explanations", ()) if x.name == main.kind), "")
    if main.kind in KINDS and main.kind not in ("wrong_part", "wrong_items") and \
            len(found) < len(parts):
        unexplained = [p.path for p in parts if p.path not in found]
        also += (f"not explained: {', '.join(unexplained)}",)
    evidence = main.evidence
    if evidence.startswith("output ") and first.path == "output":
        evidence = "The output " + evidence.removeprefix("output ")
    return Diagnosis(main.kind, first.path, main.says, evidence, advice, also)


def _rng_found(ex: Any, case: Case, expected: Any, got: Any, parts: list[Part],
               found: dict[str, _Found], call_again: Callable[[], Any] | None,
               matches: Callable[[Any, Part], bool], ref_seconds: float,
               budget: _Budget) -> dict[str, _Found]:
    """Randomness: a generator seeded the usual ways, values shuffled in another order, a
    function whose output changes from call to call, numbers that look like a draw."""
    out: dict[str, _Found] = {}
    open_parts = [p for p in parts if p.path not in found]
    draws = []
    if ref_seconds <= _SLOW_REFERENCE:
        given = {v.seed for _, v in _rng_slots(case)}
        for seed in _USUAL_SEEDS:
            if not budget.left() or seed in given:
                continue
            other = _with_rng(case, seed)
            try:
                cand = ex.reference(*materialize(other.args), **materialize(dict(other.kwargs)))
            except Exception:
                continue
            draws.append(cand)
            try:  # every wrong part must match: a few labels can match any seed by chance
                hit = all(matches(get_at(cand, p.keys), p) for p in open_parts)
            except Exception:
                hit = False
            if hit:
                return {p.path: _Found(
                    "global_rng", f"it looks like a generator seeded with {seed} was used "
                    "instead of the rng given",
                    f"Your output is what the reference gives with np.random.default_rng({seed}) "
                    "in place of the rng passed in.") for p in open_parts}
    changes = False
    if call_again is not None:
        try:
            changes = compare(got, call_again(), Tolerance(rtol=0, atol=0)) is not None
        except Exception:
            changes = False
    shuffled = _same_values_reordered(expected, got)
    how = ("np.random.* (the global generator) or a new generator was used instead of the rng "
           "given, or rng was used in another order or with another call.")
    if shuffled or changes:
        says = ("it looks like the right values in another order, not the shuffle the rng "
                "given produces" if shuffled else
                "it looks like random numbers from a global generator")
        evidence = " ".join(
            [*(["Your output holds exactly the expected values, in another order."]
               if shuffled else []),
             *(["Called twice with identically seeded rngs, your function returned different "
                "outputs."] if changes else []),
             ("This happens when there is no shuffle, or when " if shuffled and not changes
              else "It looks like ") + how])
        for p in open_parts:
            out.setdefault(p.path, _Found("global_rng", says, evidence))
        return out
    for p in open_parts:
        if p.path in out or not draws:
            continue
        try:
            ds = [get_at(d, p.keys) for d in draws[:4]]
        except Exception:
            continue
        like = _random_like(p.expected, ds, p.got)
        if like:
            out[p.path] = _Found(
                "global_rng", "it looks like random numbers, but not those the rng given "
                "produces with the formula asked for",
                f"{p.path} holds {like}, but not the ones the rng passed in produces with "
                "the exercise's formula (the reference's draws change with the seed; yours "
                f"match none of the usual seeds). This happens when {how[:-1]}, or when the "
                "numbers are drawn with another formula or distribution (rng.random() > 1 − p "
                "for rng.random() < p, uniform for normal).")
    return out

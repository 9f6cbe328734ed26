"""Run an exercise's checks on a student's function and explain the result.

``check(name, fn)`` is what a notebook's grade cell calls: it prints a short
success line, or raises :class:`CheckFailed` (an ``AssertionError``, so nbgrader
scores the cell 0) whose message says on its first line what is wrong and where
(``adam_step: output[0] is wrong at 1 of 8 entries — it looks like the mistake “ε
inside the square root” (hint below)``), then which case and input failed, expected
against got, the errors, and — when the output matches a catalogued mistake — that
mistake's hint. A notebook shows it folded at spaces (:func:`wrap_text`): notebook
front ends break overlong output lines inside words.

``run_check`` returns a :class:`CheckResult` instead of raising; the self-check
and pytest use it. ``evaluate_outputs`` compares outputs that were computed
elsewhere (the autograder's sandboxed kernel) with the reference, in this process.

When no catalogued mistake behaves like the student's function, :mod:`.diagnose`
names the *kind* of error when it can explain it (``adam_step: output[0] is wrong at 8
of 8 entries — it looks like the sign is flipped``); :attr:`CheckResult.mistake` then
records it as ``kind:sign_flipped``, the way a catalogued mistake's name is recorded.
Catalogued mistakes are matched on the whole output first, then part by part (an
element of a tuple, a key of a dict): a mistake that explains the wrong parts is named
even when the student's other parts are right and the mistake's are not.

A function that changes one of its inputs in place fails its case even when its
output is right. For every exercise the runner names that mistake itself,
:data:`MODIFIED_INPUT`, unless a catalogued mistake (one that also modifies its
inputs, in its own way) matches better; no exercise catalogues it.
"""

from __future__ import annotations

import copy
import os
import re
import secrets
import textwrap
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .cases import Case, materialize, mutated_args
from .compare import Mismatch, compare
from .diagnose import Diagnosis, Part, diagnose, get_at, has_rng, wrong_parts
from .registry import Exercise, Mistake, get

__all__ = [
    "MODIFIED_INPUT",
    "WRAP_WIDTH",
    "CaseResult",
    "CheckFailed",
    "CheckResult",
    "NotImplementedYet",
    "call_safely",
    "check",
    "evaluate_outputs",
    "hidden_seed",
    "mistake_label",
    "run_check",
    "wrap_text",
]

HIDDEN_SEED_ENV = "COURSE_HIDDEN_SEED"

# Recognized by behaviour, for every exercise: the function changed an input in place
# and no catalogued mistake matches (registry.RESERVED_MISTAKES keeps the name free).
MODIFIED_INPUT = Mistake(
    "modified_input",
    "Functions in this course are pure: they return new arrays (and new dicts) and leave "
    "their arguments as they were. Compute new values instead of modifying the inputs: "
    "`w = w - lr * dw`, not `w -= lr * dw`; `np.maximum(Z, 0)`, not `Z[Z < 0] = 0`; "
    "`{k: g + ... for k, g in grads.items()}`, not `grads[k] += ...`.",
    None,
)


class CheckFailed(AssertionError):
    """A check did not pass; the message is written for the student."""

    def _render_traceback_(self) -> list[str]:
        """IPython shows this instead of a traceback through the checking machinery, its
        lines folded at spaces (:func:`wrap_text`)."""
        return wrap_text(f"{type(self).__name__}: {self}").splitlines()


class NotImplementedYet(CheckFailed, NotImplementedError):
    """The student's function still raises NotImplementedError (an unfinished exercise).

    Both an ``AssertionError`` (the grade cell scores 0) and a ``NotImplementedError``
    (tools can tell an unfinished exercise from a broken one).
    """


@dataclass
class CaseResult:
    """The outcome of one case."""

    index: int
    case: Case
    passed: bool
    mismatch: Mismatch | None = None
    error: str | None = None
    not_implemented: bool = False
    mutated: tuple[str, ...] = ()
    mistake: Mistake | None = None
    #: the part of the output the catalogued mistake was recognized in, when it was
    #: recognized part by part (``output[0]``); None when the whole output matches it
    mistake_path: str | None = None
    #: the kind of error, when no catalogued mistake matches (see :mod:`.diagnose`)
    diagnosis: Diagnosis | None = None
    #: how the part named by the mistake or the diagnosis differs, when it is not the
    #: part ``mismatch`` describes first
    focus: Mismatch | None = None


@dataclass
class CheckResult:
    """The outcome of all cases of one exercise's check."""

    exercise: Exercise
    hidden: bool
    seed: int
    n_cases: int = 0
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def not_implemented(self) -> bool:
        f = self.first_failure
        return bool(f and f.not_implemented)

    @property
    def passed(self) -> bool:
        return bool(self.cases) and all(c.passed for c in self.cases)

    @property
    def first_failure(self) -> CaseResult | None:
        return next((c for c in self.cases if not c.passed), None)

    @property
    def mistake(self) -> Mistake | None:
        """The mistake of the first failing case: the catalogued one it matches (or
        :data:`MODIFIED_INPUT`), else its diagnosed kind as a Mistake named
        ``kind:<kind>`` (no ``impl``; its hint is the diagnosis's), else None."""
        f = self.first_failure
        if f is None:
            return None
        if f.mistake is not None:
            return f.mistake
        if f.diagnosis is not None:
            return Mistake(f.diagnosis.name, f.diagnosis.hint, None)
        return None

    @property
    def diagnosis(self) -> Diagnosis | None:
        """The diagnosed kind of error of the first failing case, if any."""
        f = self.first_failure
        return f.diagnosis if f else None

    def summary(self) -> str:
        """One line: ``✓ adam_step: 3 of 3 visible cases passed``."""
        kind = "hidden" if self.hidden else "visible"
        n_ok = sum(c.passed for c in self.cases)
        mark = "✓" if self.passed else "✗"
        total = max(self.n_cases, len(self.cases))
        return f"{mark} {self.exercise.name}: {n_ok} of {total} {kind} cases passed"

    def headline(self) -> str:
        """The first line of :meth:`message`: what is wrong, and where.

        ``adam_step: output[0] is wrong at 1 of 8 entries — it looks like the mistake
        “ε inside the square root” (hint below)`` when a catalogued mistake matches,
        ``adam_step: output[0] is wrong at 8 of 8 entries — it looks like the sign is
        flipped`` when the diagnosis names the kind of error,
        ``adam_step: output[1] is wrong at 3 of 6 entries (largest error 0.41 at [2, 0])``
        otherwise; the summary line when every case passed.
        """
        f = self.first_failure
        if f is None:
            return self.summary()
        name = self.exercise.name
        mm = f.mismatch
        if f.error is not None:
            last = (f.error.strip().splitlines() or ["an exception"])[-1].strip()
            if len(last) > 200:  # the whole text follows, under the case
                last = last[:200] + " …"
            if last.startswith("NameError: no function called"):  # the grader's worker
                last = last.removeprefix("NameError: ")
            raised = re.match(r"[A-Za-z_][\w.]*(:|$)", last) is not None
            head = f"{name}: your function raised {last}" if raised else f"{name}: {last}"
        elif f.mutated:
            head = f"{name}: your function changed its input {', '.join(f.mutated)} in place"
            head += f"; also, {mm.headline}" if mm is not None else " (its output is right)"
        elif mm is not None:
            shown = f.focus or mm
            text = shown.headline
            head = text if text.startswith(name) else f"{name}: {text}"
            mm = shown
        else:
            head = f"{name}: failed"
        mistake = f.mistake
        sep = "; " if " — " in head else " — "
        if mistake is not None and mistake is not MODIFIED_INPUT:
            return f"{head}{sep}it looks like the mistake “{mistake_label(mistake)}” (hint below)"
        d = f.diagnosis
        if d is not None and d.says and not f.mutated and f.error is None:
            return f"{head}{sep}{d.says}"
        if f.error is None and not f.mutated and mm is not None and mm.summary and mm.figures:
            return f"{head} {mm.figures}"
        return head

    def message(self) -> str:
        """The full explanation of the first failing case (or the summary when all pass).

        First line: :meth:`headline`. Then the case (visible or hidden, its number, the
        seed) and its input; then expected against got, or the exception; last, the
        hint of the catalogued mistake it matches (``Hint (name): ...``), or what the
        diagnosis found (``Diagnosis (kind:name): ...``). Lines are not wrapped here:
        :func:`wrap_text` folds them for display.
        """
        f = self.first_failure
        if f is None:
            return self.summary()
        ex = self.exercise
        kind = "hidden" if self.hidden else "visible"
        total = max(self.n_cases, len(self.cases))
        if f.not_implemented and ex.provided:  # the locked cell runs the student's functions
            return (
                f"{ex.name} (a locked cell: do not edit it) runs your "
                f"{', '.join(ex.depends_on)}; one of them is not implemented yet. Finish it, "
                "run its cell and its check, then run this check again."
            )
        if f.not_implemented:
            return (
                f"{ex.name} is not implemented yet: replace the line "
                "`raise NotImplementedError()` with your code, run the cell, then run this check "
                "again."
            )
        lines = [self.headline(), f"  {kind} case {f.index + 1} of {total} (seed {self.seed})",
                 f"  input: {f.case.describe()}"]
        if f.error is not None:
            lines.append("  your function raised an exception:")
            lines.extend("    " + ln for ln in f.error.rstrip().splitlines())
        elif f.mismatch is not None:
            mm = f.mismatch
            shown = f.focus or mm
            if shown.kind == "shape" and shown.figures and not lines[0].endswith(shown.figures):
                lines.append("    " + shown.figures.removeprefix("— "))  # after the case
            if f.focus is not None:  # the named part first, then the whole story
                lines.extend("  " + ln for ln in f.focus.details)
            lines.extend("  " + ln for ln in mm.details)
        if f.mistake is not None:
            where = f" (recognized in {f.mistake_path})" if f.mistake_path else ""
            lines.append(f"  Hint ({f.mistake.name}){where}: {f.mistake.hint}")
        d = f.diagnosis
        if d is not None:
            lines.append(f"  Diagnosis ({d.name}): {d.hint}")
            lines.extend(f"    {a}" for a in d.also)
        return "\n".join(lines)


# How the words of a mistake's name read in a sentence ("eps_inside_sqrt": "ε inside the
# square root"); the other words are said as they are.
_NAME_WORDS = {
    "eps": "ε", "sqrt": "the square root", "std": "the standard deviation", "lr": "the learning "
    "rate", "lambd": "λ", "lambda": "λ", "beta": "β", "beta1": "β1", "beta2": "β2",
    "dw": "dW", "db": "db", "l2": "L2", "l1": "L1",
}


def mistake_label(mistake: Mistake) -> str:
    """A catalogued mistake's name as words: ``eps_inside_sqrt`` → ``ε inside the square root``."""
    words = mistake.name.split("_")
    return " ".join(_NAME_WORDS.get(w.lower(), w) for w in words)


WRAP_WIDTH = 76  # 595 px of 13 px monospace: fits the output area of a half-screen notebook


def wrap_text(text: str, width: int = WRAP_WIDTH) -> str:
    """``text`` with every line longer than ``width`` folded at spaces, never inside a word.

    A folded line continues on lines indented two spaces more than its own indent; a
    single word longer than ``width`` stays whole on its line, and so does a shape or an
    index (``(3, 28)``, ``[2, 0]``). Notebook front ends break overlong output lines
    anywhere, inside words too (JupyterLab's output area sets ``word-break: break-all``):
    text folded here never needs that.
    """
    out = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        body = _KEEP_TOGETHER.sub(lambda m: m[0].replace(" ", _NBSP), line.lstrip(" "))
        indent = line[: len(line) - len(line.lstrip(" "))]
        folded = textwrap.wrap(
            body, width, initial_indent=indent, subsequent_indent=indent + "  ",
            break_long_words=False, break_on_hyphens=False,
        )
        out.extend(ln.replace(_NBSP, " ") for ln in folded or [line])
    return "\n".join(out)


# A shape or an index, "(3, 28)" or "[2, 0]", stays on one line when text is folded.
_KEEP_TOGETHER = re.compile(r"[\[(][\w.+-]+(?:, [\w.+-]+)*,?[\])]")
_NBSP = "\ue000"  # a private-use character: never in a message


def hidden_seed() -> int:
    """Seed of the hidden checks: ``$COURSE_HIDDEN_SEED`` if set, else a fresh random one."""
    env = os.environ.get(HIDDEN_SEED_ENV)
    if env:
        return int(env)
    return secrets.randbits(31)


def _short_traceback(exc: BaseException) -> str:
    """The exception and the frames of the student's code (not this module's)."""
    tb = traceback.extract_tb(exc.__traceback__)
    here = os.path.dirname(__file__)
    frames = [fr for fr in tb if not fr.filename.startswith(here)]
    text = "".join(traceback.format_list(frames[-3:])) if frames else ""
    return text + "".join(traceback.format_exception_only(type(exc), exc))


def call_safely(fn: Callable, case: Case) -> tuple[Any, BaseException | None, tuple[str, ...]]:
    """Call ``fn`` on fresh copies of the case's inputs; returns (output, exception, mutated)."""
    args, kwargs = case.build()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(*args, **kwargs)
    except Exception as exc:  # a student's function may raise anything
        return None, exc, ()
    return out, None, mutated_args(case, args, kwargs)


def _recognize(ex: Exercise, expected: Any, got: Any, case: Case, mutated: Sequence[str],
               ) -> tuple[Mistake | None, Part | None]:
    """The catalogued mistake that behaves like the student's function on ``case``, and the
    part it was recognized in (None: the whole output); else :data:`MODIFIED_INPUT` when the
    function changed an input.

    A catalogued mistake matches when it modifies its inputs exactly when the student's
    function does, and its output equals the student's: as a whole (tried first, for
    every mistake), or in the wrong parts of the student's output (an element of a tuple,
    a key of a dict), whatever the mistake's other parts are. The mistake that explains
    the most wrong parts wins; ties go to the catalogue's order.
    """
    outputs = []
    for mistake in ex.mistakes:
        out, exc, m_mutated = call_safely(mistake.impl, case)
        if exc is not None or bool(m_mutated) != bool(mutated):
            continue
        try:
            if ex.outputs_match(out, got, case) is None:
                return mistake, None
        except Exception:
            continue
        outputs.append((mistake, out))
    if ex.compare is None and outputs:
        try:
            parts = wrong_parts(expected, got, ex.tolerance)
        except Exception:
            parts = []
        best: tuple[Mistake, list[Part]] | None = None
        for mistake, out in outputs:
            explained = [p for p in parts if _part_matches(out, p, ex)]
            if explained and (best is None or len(explained) > len(best[1])):
                best = (mistake, explained)
        if best is not None and isinstance(expected, tuple | list | Mapping):
            return best[0], best[1][0]
    return (MODIFIED_INPUT if mutated else None), None


def _part_matches(out: Any, part: Part, ex: Exercise) -> bool:
    try:
        return compare(get_at(out, part.keys), part.got, ex.tolerance) is None
    except Exception:
        return False


def _judge(ex: Exercise, i: int, case: Case, expected: Any, got: Any,
           exc: BaseException | None, mutated: Sequence[str], *, ref_seconds: float = 0.0,
           call_again: Callable[[], Any] | None = None, explain: bool = True) -> CaseResult:
    """The verdict on one case; ``explain``: diagnose a failure no catalogued mistake names
    (only the first failing case's is ever shown)."""
    if exc is not None:
        if isinstance(exc, NotImplementedError):
            return CaseResult(i, case, False, not_implemented=True)
        return CaseResult(i, case, False, error=_short_traceback(exc))
    try:
        mm = ex.outputs_match(expected, got, case)
    except Exception as cmp_exc:  # a weird output type must not crash the check
        mm = Mismatch("output", "type", f"output could not be compared: {cmp_exc}")
    if mm is None and not mutated:
        return CaseResult(i, case, True)
    mistake, part = _recognize(ex, expected, got, case, mutated)
    result = CaseResult(i, case, False, mismatch=mm, mutated=tuple(mutated), mistake=mistake)
    if part is not None:
        result.mistake_path = part.path
        if mm is None or part.path != mm.path:
            result.focus = part.mismatch
    if explain and mm is not None and (mistake is None or mistake is MODIFIED_INPUT):
        d = diagnose(ex, case, expected, got, ref_seconds=ref_seconds,
                     call_again=call_again if has_rng(case) else None)
        result.diagnosis = d
        if d is not None and d.path != mm.path and d.says and ex.compare is None:
            try:
                keys = next(p.keys for p in wrong_parts(expected, got, ex.tolerance)
                            if p.path == d.path)
                result.focus = compare(get_at(expected, keys), get_at(got, keys),
                                       ex.tolerance, d.path)
            except Exception:
                pass
    return result


#: References slower than this (seconds) have their outputs kept, by exercise and case
#: content (a capstone pipeline trains for seconds; a class's 300 submissions share
#: their visible cases, and the tests check many mistakes on the same cases).
SLOW_REFERENCE_SECONDS = 0.25
_SLOW: set[str] = set()
_KEPT: dict[tuple[str, str], tuple[Any, float]] = {}
_KEPT_MAX = 256
_KEPT_LOCK = threading.Lock()


def _case_key(case: Case) -> str:
    import hashlib

    plain, arrays = case.to_plain()
    h = hashlib.sha256(repr(plain).encode())
    for a in arrays:
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _reference(ex: Exercise, case: Case) -> tuple[Any, float]:
    """The reference's output on ``case``, and the seconds it took (a copy of the kept
    output, and the seconds it took then, for a slow reference seen on this case)."""
    key = (ex.name, _case_key(case)) if ex.name in _SLOW else None
    if key is not None and key in _KEPT:
        out, seconds = _KEPT[key]
        return copy.deepcopy(out), seconds
    start = time.perf_counter()
    out = ex.reference(*materialize(case.args), **materialize(dict(case.kwargs)))
    seconds = time.perf_counter() - start
    if seconds > SLOW_REFERENCE_SECONDS:
        kept = (copy.deepcopy(out), seconds)
        with _KEPT_LOCK:  # the grader checks submissions in threads
            _SLOW.add(ex.name)
            if len(_KEPT) >= _KEPT_MAX:
                _KEPT.pop(next(iter(_KEPT)))
            _KEPT[key or (ex.name, _case_key(case))] = kept
    return out, seconds


def run_check(
    name: str | Exercise, fn: Callable, *, hidden: bool = False, seed: int | None = None,
) -> CheckResult:
    """Run the visible (or hidden) cases of an exercise on ``fn``, up to the first failing
    one; never raises for bad ``fn``."""
    ex = name if isinstance(name, Exercise) else get(name)
    if seed is None:
        seed = hidden_seed() if hidden else ex.visible_seed
    n = ex.hidden_cases if hidden else ex.visible_cases
    result = CheckResult(ex, hidden, seed, n)
    if not callable(fn):
        case = ex.cases(seed, 1)[0]
        what = f"{type(fn).__name__} {fn!r}"[:120]
        result.cases.append(CaseResult(0, case, False, mismatch=Mismatch(
            "output", "type", f"{ex.name} should be a function (def {ex.name}(...):), got {what}")))
        return result
    for i, case in enumerate(ex.cases(seed, n)):
        expected, ref_seconds = _reference(ex, case)
        got, exc, mutated = call_safely(fn, case)
        res = _judge(ex, i, case, expected, got, exc, mutated, ref_seconds=ref_seconds,
                     call_again=lambda case=case: call_safely(fn, case)[0])
        result.cases.append(res)
        if not res.passed:
            break
    return result


def evaluate_outputs(
    name: str | Exercise, seed: int, n_cases: int, outputs: Sequence[Any],
    errors: Sequence[str | None], mutated: Sequence[Sequence[str]], *, hidden: bool = True,
) -> CheckResult:
    """Judge outputs computed elsewhere (a sandboxed kernel) against the reference, here.

    ``outputs[i]``, ``errors[i]`` (an error text, or ``"NotImplementedError"``) and
    ``mutated[i]`` belong to case i of ``exercise.cases(seed, n_cases)``.
    """
    ex = name if isinstance(name, Exercise) else get(name)
    result = CheckResult(ex, hidden, seed, n_cases)
    for i, case in enumerate(ex.cases(seed, n_cases)):
        err = errors[i] if i < len(errors) else "no output was returned for this case"
        if err is not None:
            lines = err.strip().splitlines() or [""]
            ni = lines[-1].startswith("NotImplementedError")
            result.cases.append(CaseResult(i, case, False, error=None if ni else err,
                                           not_implemented=ni))
            continue
        expected, ref_seconds = _reference(ex, case)
        first = all(c.passed for c in result.cases)
        result.cases.append(_judge(ex, i, case, expected, outputs[i], None, mutated[i],
                                   ref_seconds=ref_seconds, explain=first))
    return result


def check(name: str, fn: Callable, *, hidden: bool = False, seed: int | None = None) -> None:
    """The grade-cell check: prints one ✓ line, or raises :class:`CheckFailed` explaining why."""
    result = run_check(name, fn, hidden=hidden, seed=seed)
    if result.not_implemented:
        raise NotImplementedYet(result.message()) from None
    if not result.passed:
        raise CheckFailed(result.message()) from None
    print(result.summary())


"""A mutation suite: wrong implementations, written as students write them, run through the
checks the notebooks and the autograder use.

Each module ``nbNN.py`` holds ``MUTATIONS``, a list of ``(exercise, description, source)``
(read from ``nbNN.toml``, where each is the change it makes to a correct answer; see
``_variants.py``): the source of a student's answer cell (plain Python and numpy, using
what the notebook's setup cell imports and the notebook's other answers) and one line
saying what is wrong.
The mutations are written independently of the catalogues of ``course_checks/exercises``
(testing a catalogue against itself proves nothing): see ``docs/mutations.md``.

:func:`judge` runs one mutation as the self-check and the grader do: the notebook's
setup and answer cells (from ``solutions/NN_*.ipynb``, the course's own answers) are run
in one namespace, with the mutation's source in place of its exercise's answer cell,
then ``course_checks.runner.run_check`` runs the exercise's visible cases and, when they
pass, its hidden cases (a fixed seed per exercise, so that the figures are stable).

``python -m tests.mutations report`` prints a table per exercise (mutations, rejected,
named, and the unnamed or accepted ones).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import sys
import warnings
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

# The notebooks' setup cells run in this process: figures off, no progress bars. Set for
# this process only (matplotlib.use, not MPLBACKEND): the test runner starts kernels and
# JupyterLab servers from this process, and they must keep their inline figures.
import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `python -m tests.mutations` from elsewhere
    sys.path.insert(0, str(ROOT))

from course_checks.registry import all_exercises, exercises_for, get  # noqa: E402
from course_checks.runner import CheckResult, run_check  # noqa: E402
from course_checks.tools.selfcheck_cli import selected_cells  # noqa: E402

__all__ = ["MODULES", "Mutation", "Outcome", "judge", "load", "naming", "notebooks"]

MODULES = ("nb00", "nb01", "nb02", "nb03", "nb04", "nb05", "nb06", "nb07", "nb08", "nb09",
           "nb10", "nb11", "nb12", "nb13")


class Mutation(NamedTuple):
    """One wrong answer: the exercise, what is wrong (one line), the answer cell's source."""

    exercise: str
    description: str
    source: str


def load(module: str | None = None) -> list[Mutation]:
    """The mutations of one module (``"nb07"``), or of all modules."""
    names = MODULES if module is None else (module,)
    out = []
    for name in names:
        mod = importlib.import_module(f"{__name__}.{name}")
        out.extend(Mutation(*m) for m in mod.MUTATIONS)
    return out


def notebooks() -> dict[str, str]:
    """Module name (``nb07``) -> notebook (``07_optimizers``)."""
    nbs = sorted({e.notebook for e in all_exercises()})
    return {f"nb{nb[:2]}": nb for nb in nbs}


@cache
def _cells(notebook: str) -> tuple[tuple[str, str | None, str], ...]:
    """(id, exercise or None, source) of the cells the self-check runs, from the solutions."""
    path = ROOT / "solutions" / f"{notebook}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    return tuple((c["id"], c["exercise"], c["source"])
                 for c in selected_cells(nb, exercises_for(notebook)))


def namespace(exercise: str, source: str | None = None) -> dict[str, Any]:
    """The notebook's namespace after its setup and answer cells, with ``source`` run in
    place of ``exercise``'s answer cell (the course's own answer when None; after the last
    cell when the notebook has no answer cell for it yet)."""
    ex = get(exercise)
    cells = list(_cells(ex.notebook))
    if source is not None and not any(owner == exercise for _, owner, _ in cells):
        cells.append((exercise, exercise, source))  # registered, not yet in the notebook
    ns: dict[str, Any] = {"__name__": "__main__"}
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cid, owner, src in cells:
            code = source if (owner == exercise and source is not None) else src
            exec(compile(code, f"<cell {cid}>", "exec"), ns)
    return ns


def hidden_seed(exercise: str) -> int:
    """The fixed seed of the hidden cases this suite runs for ``exercise``."""
    return zlib.crc32(f"mutations:{exercise}".encode())


_DIAGNOSIS_ATTRS = ("diagnosis", "diagnoses", "diagnosed", "explanation", "explanations",
                    "kind_of_error", "error_kind")


def _label(value: Any) -> str | None:
    """A name for a diagnosis object, whatever its form (string, object with a name or a
    kind, a non-empty sequence of them)."""
    if value is None or value is False:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, (list, tuple)):
        labels = [lbl for lbl in (_label(v) for v in value) if lbl]
        return ", ".join(labels) or None
    for attr in ("name", "kind", "label", "title"):
        lbl = getattr(value, attr, None)
        if isinstance(lbl, str) and lbl:
            return lbl
    text = str(value)
    return text or None


def naming(result: CheckResult) -> tuple[str, str] | None:
    """How a failing check names the mistake, or None when the failure is unnamed:

    * ``("catalogue", name)``: a catalogued mistake of the exercise matches;
    * ``("runner", "modified_input")``: the runner's own mistake (an input changed in place);
    * ``("diagnosis", "kind:...")``: the diagnosis layer (``course_checks.diagnose``) names
      the kind of error.

    Read from the result as the runner reports it (``CaseResult.mistake`` for the
    catalogue, ``CaseResult.diagnosis`` and ``CheckResult.mistake`` named ``kind:...`` for
    a diagnosis), and, to stay robust to how a diagnosis is attached, from any attribute
    of the failing case, its mismatch or the result called like a diagnosis.
    """
    f = result.first_failure
    if f is None:
        return None
    if f.mistake is not None:
        return (("runner" if f.mistake.name == "modified_input" else "catalogue"),
                f.mistake.name)
    whole = getattr(result, "mistake", None)  # a diagnosed kind, recorded as kind:<name>
    if whole is not None and getattr(whole, "name", None):
        return (("diagnosis" if whole.name.startswith("kind:") else "catalogue"), whole.name)
    for obj in (f, f.mismatch, result):
        if obj is None:
            continue
        for attr in _DIAGNOSIS_ATTRS:
            try:
                value = getattr(obj, attr, None)
            except Exception:  # a property that fails: not a diagnosis
                continue
            if callable(value):
                continue
            lbl = _label(value)
            if lbl:
                return "diagnosis", lbl
    return None


@dataclass
class Outcome:
    """What the checks made of one mutation."""

    mutation: Mutation
    rejected: bool
    by: str  # "visible", "hidden" or "" (accepted)
    named: tuple[str, str] | None
    headline: str

    @property
    def name(self) -> str:
        return f"{self.named[0]}: {self.named[1]}" if self.named else "-"


def judge(mutation: Mutation) -> Outcome:
    """Run ``mutation`` through the visible checks, then (if they pass) the hidden checks."""
    exercise = mutation.exercise
    try:
        ns = namespace(exercise, mutation.source)
    except Exception as exc:  # a mutation must define its function: a bug of the suite
        raise AssertionError(f"mutation {mutation.description!r} of {exercise} does not "
                             f"run: {type(exc).__name__}: {exc}") from exc
    fn = ns.get(exercise)
    with contextlib.redirect_stdout(io.StringIO()):
        result = run_check(exercise, fn)
        by = "visible"
        if result.passed:
            result = run_check(exercise, fn, hidden=True, seed=hidden_seed(exercise))
            by = "hidden"
    if result.passed:
        return Outcome(mutation, False, "", None, result.summary())
    return Outcome(mutation, True, by, naming(result), result.headline())


def run(module: str | None = None) -> list[Outcome]:
    """Judge every mutation of one module (``"nb07"``), or of all modules."""
    return [judge(m) for m in load(module)]


# Kinds of the diagnosis that say only *where* the output is wrong (partial correctness),
# not what kind of error it is: counted as named (the issue lists them among the kinds),
# and reported apart, so that the figures say how many namings are only a location.
LOCATION_KINDS = frozenset({"kind:wrong_part", "kind:wrong_items", "kind:wrong_rows",
                            "kind:wrong_columns"})


@dataclass
class Tally:
    """Counts for a group of mutations (an exercise, a notebook, the whole suite)."""

    mutations: int = 0
    rejected: int = 0
    named: int = 0
    by_catalogue: int = 0
    by_runner: int = 0
    by_diagnosis: int = 0
    by_location: int = 0  # of by_diagnosis: only where the output is wrong

    def add(self, o: Outcome) -> None:
        self.mutations += 1
        self.rejected += o.rejected
        if o.rejected and o.named:
            self.named += 1
            src = o.named[0]
            self.by_catalogue += src == "catalogue"
            self.by_runner += src == "runner"
            self.by_diagnosis += src == "diagnosis"
            self.by_location += o.named[1] in LOCATION_KINDS

    @property
    def rejected_share(self) -> float:
        return self.rejected / self.mutations if self.mutations else 1.0

    @property
    def named_share(self) -> float:
        return self.named / self.mutations if self.mutations else 1.0

    @property
    def specific_share(self) -> float:
        """Named by a mistake or a kind of error, not only by where the output is wrong."""
        return (self.named - self.by_location) / self.mutations if self.mutations else 1.0


def tally(outcomes: list[Outcome], key: Any = None) -> dict[str, Tally]:
    """Tallies grouped by ``key(outcome)`` (default: one group, ``"all"``), in first-seen
    order."""
    groups: dict[str, Tally] = {}
    for o in outcomes:
        groups.setdefault(key(o) if key else "all", Tally()).add(o)
    return groups


def report(outcomes: list[Outcome], *, markdown: bool = False, verbose: bool = False) -> str:
    """A table per exercise (mutations, rejected, named, the unnamed and accepted ones),
    then per notebook, then overall. ``markdown``: the tables of docs/mutations.md."""
    nb_of = {e.name: e.notebook for e in all_exercises()}
    lines: list[str] = []

    def pct(x: float) -> str:  # never rounds 99.7 % up to 100 %
        return "100 %" if x == 1 else f"{100 * x:.1f} %"

    per_ex = tally(outcomes, lambda o: o.mutation.exercise)
    if markdown:
        lines += ["| notebook | exercise | mutations | rejected | named | unnamed |",
                  "|---|---|---:|---:|---:|---|"]
    else:
        lines += [f"{'exercise':<28} {'muts':>4} {'rej':>4} {'named':>5}  "
                  "unnamed (u) / accepted (A)"]
    for ex, t in per_ex.items():
        misses = []
        for o in outcomes:
            if o.mutation.exercise != ex:
                continue
            if not o.rejected:
                misses.append(f"ACCEPTED: {o.mutation.description}")
            elif not o.named:
                misses.append(o.mutation.description)
        if markdown:
            cell = "; ".join(misses).replace("|", "\\|")
            lines.append(f"| {nb_of[ex][:2]} | `{ex}` | {t.mutations} | {t.rejected} | {t.named} "
                         f"| {cell} |")
        else:
            lines.append(f"{ex:<28} {t.mutations:>4} {t.rejected:>4} {t.named:>5}")
            lines.extend(f"{'':<28}   {'A' if m.startswith('ACCEPTED') else 'u'} "
                         f"{m.removeprefix('ACCEPTED: ')}" for m in misses)
    lines.append("")
    per_nb = tally(outcomes, lambda o: nb_of[o.mutation.exercise])
    total = tally(outcomes)["all"] if outcomes else Tally()
    if markdown:
        lines += ["| notebook | mutations | rejected | named | by catalogue | by runner "
                  "| by diagnosis (of which: location only) |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        rows = [*per_nb.items(), ("**all**", total)]
        for nb, t in rows:
            lines.append(f"| {nb} | {t.mutations} | {t.rejected} ({pct(t.rejected_share)}) "
                         f"| {t.named} ({pct(t.named_share)}) | {t.by_catalogue} "
                         f"| {t.by_runner} | {t.by_diagnosis} ({t.by_location}) |")
    else:
        lines.append(f"{'notebook':<36} {'muts':>4} {'rejected':>12} {'named':>12}  "
                     "catalogue/runner/diagnosis(location only)")
        for nb, t in [*per_nb.items(), ("ALL", total)]:
            lines.append(f"{nb:<36} {t.mutations:>4} {t.rejected:>5} ({pct(t.rejected_share):>5}) "
                         f"{t.named:>5} ({pct(t.named_share):>5})  "
                         f"{t.by_catalogue}/{t.by_runner}/{t.by_diagnosis}({t.by_location})")
    lines.append(f"named by a mistake or a kind of error, not only a location: "
                 f"{total.named - total.by_location} of {total.mutations} "
                 f"({pct(total.specific_share)})")
    if verbose:
        lines.append("")
        for o in outcomes:
            lines.append(f"{o.mutation.exercise}: {o.mutation.description}\n"
                         f"    {o.by or 'ACCEPTED'} | {o.name} | {o.headline}")
    return "\n".join(lines)

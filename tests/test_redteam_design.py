"""Red-team attacks on ``choose_hyperparameters`` (notebook 12), the exercise whose answer is
a design: a dict of hyperparameters the grader validates, prices and trains itself with
the reference pipeline (course_checks/exercises/nb12_capstone.py).

Written as a malicious or careless student would, after reading the notebook's section 3
and the check's source. What must happen comes from the design rules of docs/grading.md:
a value that is not what the table allows gives one line naming the key (a status, never
a crash of the batch, never a hang of the grader's process, which trains the design
without a time limit); what the grader trains is plain data of exact types; nothing
instructor-only reaches the student's message; the design that earns the points is the
one that passes both training seeds.

Most attacks go through the registry check directly (``run_check`` / the comparator, as
the grader calls them on the worker's plain data); two go through the whole sandboxed
grader (marked like tests/test_redteam.py: skipped without the sandbox).
"""

from __future__ import annotations

import math
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `tests` is not a package: import it from the rootdir
    sys.path.insert(0, str(ROOT))

from autograder.sandbox import available  # noqa: E402
from course_checks import get  # noqa: E402
from course_checks.exercises import nb12_capstone as ref  # noqa: E402
from course_checks.runner import evaluate_outputs, run_check  # noqa: E402

NAME = "choose_hyperparameters"
NB = "12_capstone"
BASE = ref.choose_hyperparameters()
# values of the reference design that a student's design below never uses: none of them
# may appear in a message the student reads
REFERENCE_ONLY = ("inverse_time", "decay_rate", "0.02")


def _design(**changes):
    return {**BASE, **changes}


def _cheap(design):
    """The verdict that needs no training (None: valid and within the budget)."""
    return ref._verdict(design, ref.DESIGN_SEEDS[0], train_it=False)


def _headline(design) -> str:
    r = run_check(NAME, lambda: design)
    assert not r.passed
    return r.message().splitlines()[0]


# ---- values that are not what the table allows: one line naming the key --------------

NAN, INF = float("nan"), float("inf")
BAD_VALUES = {
    "nan_learning_rate": ({"learning_rate": NAN}, "values", "learning_rate"),
    "inf_lambd": ({"lambd": INF}, "values", "lambd"),
    "nan_keep_prob": ({"keep_prob": np.float64(NAN)}, "values", "keep_prob"),
    "minus_zero_learning_rate": ({"learning_rate": -0.0}, "values", "learning_rate"),
    "true_as_hidden_units": ({"hidden_units": True}, "values", "hidden_units"),
    "numpy_true_as_epochs": ({"epochs": np.True_}, "values", "epochs"),
    "one_as_batch_norm": ({"batch_norm": 1}, "values", "batch_norm"),
    "float_hidden_units": ({"hidden_units": 128.0}, "values", "hidden_units"),
    "huge_hidden_units": ({"hidden_units": 10**30}, "values", "hidden_units"),
    "int_beyond_any_float": ({"lambd": 10**400}, "values", "lambd"),
    "int_too_long_to_print": ({"epochs": -(10**5000)}, "values", "epochs"),
    "int_too_long_in_args": ({"optimizer_args": {"beta1": 10**5000}}, "values", "beta1"),
    "cyrillic_a_in_optimizer": ({"optimizer": "ad\u0430m"}, "values", "optimizer"),
    "right_to_left_mark_in_schedule": ({"schedule": "cosine\u202e"}, "values", "schedule"),
    "bytes_optimizer": ({"optimizer": b"adam"}, "values", "optimizer"),
    "batch_size_zero": ({"batch_size": 0}, "values", "batch_size"),
    "batch_size_below_the_minimum": ({"batch_size": 2}, "values", "batch_size"),
    "batch_size_above_m": ({"batch_size": ref.M_TRAIN + 1}, "values", "batch_size"),
    "negative_epochs": ({"epochs": -3}, "values", "epochs"),
    "nested_optimizer_args": ({"optimizer_args": {"beta1": {"x": 0.9}}}, "values",
                              "optimizer_args"),
    "optimizer_args_not_a_dict": ({"optimizer_args": [("beta1", 0.9)]}, "values",
                                  "optimizer_args"),
    "unknown_optimizer_arg": ({"optimizer_args": {"momentum": 0.9}}, "values", "momentum"),
    "lr_inside_optimizer_args": ({"optimizer_args": {"lr": 1.0}}, "values", "'lr'"),
    "rng_inside_optimizer_args": ({"optimizer_args": {"rng": 0}}, "values", "rng"),
    "params_inside_optimizer_args": ({"optimizer_args": {"params": 1}}, "values", "params"),
    "beta_one": ({"optimizer_args": {"beta1": 1.0}}, "values", "beta1"),
    "lr0_inside_schedule_args": ({"schedule_args": {"decay_rate": 0.1, "lr0": 9.0}}, "values",
                                 "'lr0'"),
    "epoch_inside_schedule_args": ({"schedule_args": {"epoch_num": 3}}, "values", "epoch_num"),
    "negative_decay": ({"schedule_args": {"decay_rate": -0.5}}, "values", "decay_rate"),
    "cosine_T_zero": ({"schedule": "cosine", "schedule_args": {"T": 0}}, "values", "T"),
    "cosine_T_float": ({"schedule": "cosine", "schedule_args": {"T": 30.0}}, "values", "T"),
    "cosine_T_bool": ({"schedule": "cosine", "schedule_args": {"T": True}}, "values", "T"),
    "schedule_rate_overflows": ({"schedule": "sqrt", "schedule_args": {"k": 1e308}}, "values",
                                "schedule_args"),
    "schedule_rate_above_ten": ({"schedule": "sqrt", "learning_rate": 8.0,
                                 "schedule_args": {"k": 2.0}}, "values", "schedule_args"),
    "misspelled_key": ({"lambda": 0.5}, "keys", "'lambd'"),
    "data_key": ({"n_x": 1000}, "keys", "n_x"),
    "homoglyph_key": ({"l\u0430mbd": 0.5}, "keys", "'lambd'"),
    "int_key": ({7: 1}, "keys", "7"),
}


@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_bad_value_is_one_line_naming_the_key(name):
    changes, kind, named = BAD_VALUES[name]
    design = {**BASE, **changes}
    if "lambda" in changes or "l\u0430mbd" in changes:  # the key misspelled, not added
        design.pop("lambd")
    v = _cheap(design)
    assert v is not None and v.category == kind, v
    assert "\n" not in v.message and len(v.message) < 400, v.message
    assert named in v.message, v.message


def test_a_bad_value_through_the_check_names_the_mistake_and_key():
    head = _headline(_design(optimizer_args={"lr": 1.0}))
    assert "'lr'" in head and "learning_rate" in head and "wrong type or range" in head


def test_plain_values_come_out_as_exact_python_types():
    """numpy scalars and -0.0 are accepted; what the grader trains is exact Python data."""
    d = ref.check_design(_design(hidden_units=np.int64(128), num_hidden_layers=np.int8(1),
                                 batch_norm=np.False_, keep_prob=np.float32(1.0),
                                 lambd=-0.0, epochs=np.uint16(30),
                                 optimizer_args={"beta1": np.float64(0.9),
                                                 "beta2": np.float32(0.99)},
                                 schedule_args={"decay_rate": np.float16(0.0)}))
    assert type(d) is dict
    for key, value in d.items():
        assert type(key) is str
        assert type(value) in (int, float, bool, str, dict), (key, type(value))
        if type(value) is dict:
            assert all(type(x) in (int, float, bool) for x in value.values()), (key, value)
    assert math.copysign(1.0, d["lambd"]) == 1.0 and d["lambd"] == 0.0


# ---- the grader's process must never hang or explode on a design --------------------------

@pytest.mark.parametrize("epochs", [10**9, 2**63 - 1, 10**30])
def test_huge_epochs_are_over_budget_at_once(epochs):
    """Before the fix the check evaluated the schedule once per epoch *before* pricing the
    design: epochs=10**9 (a 64-bit int, which the worker sends) hung the grader."""
    t0 = time.perf_counter()
    v = _cheap(_design(epochs=epochs))
    assert time.perf_counter() - t0 < 1.0
    assert v.category == "budget" and "lower epochs to" in v.message, v


@pytest.mark.parametrize("what", ["key", "string value", "optimizer_args", "list value"])
def test_huge_values_give_short_messages_fast(what):
    """The worker lets through up to 100,000 parts and strings of any length: the message
    must stay one short line, computed fast (no difflib over a megabyte)."""
    big = "x" * 2_000_000
    design = {
        "key": {**BASE, big: 1},
        "string value": _design(optimizer=big),
        "optimizer_args": _design(optimizer_args={f"a{i}": 1.0 for i in range(100_000)}),
        "list value": _design(hidden_units=list(range(100_000))),
    }[what]
    t0 = time.perf_counter()
    v = _cheap(design)
    assert time.perf_counter() - t0 < 2.0
    assert v.category in ("keys", "values") and len(v.message) < 400, v.message[:500]


def test_deeply_nested_args_are_refused():
    deep: dict = {}
    node = deep
    for _ in range(30):  # the worker sends up to depth 32
        node["a"] = {}
        node = node["a"]
    v = _cheap(_design(schedule_args=deep))
    assert v.category == "values" and "schedule_args" in v.message


class _Sneaky(dict):
    """A dict whose reads change it: the keys seen first are not those seen later."""

    reads = 0

    def __iter__(self):
        _Sneaky.reads += 1
        keys = list(super().__iter__())
        return iter(keys if _Sneaky.reads == 1 else [*keys, "n_x"])

    def keys(self):
        return list(self.__iter__())

    def __getitem__(self, key):
        return 10_000 if key == "n_x" else super().__getitem__(key)


@pytest.mark.parametrize("kind", ["sneaky", "OrderedDict", "defaultdict"])
def test_dict_subclass_is_refused_in_process_too(kind):
    """The worker refuses a dict subclass (tested through the sandbox below); the notebook's
    own check must refuse it too (else a careless OrderedDict passes there and earns 0 at
    grading), naming the fix, and without calling the subclass's methods before."""
    import collections

    _Sneaky.reads = 0
    design = {"sneaky": _Sneaky, "OrderedDict": collections.OrderedDict,
              "defaultdict": lambda d: collections.defaultdict(int, d)}[kind](BASE)
    v = _cheap(design)
    assert v.category == "type" and "plain dict" in v.message, v
    assert _Sneaky.reads == 0


# ---- a design that changes from call to call ---------------------------------------------

def test_cases_train_with_growing_seed_sets():
    ex = get(NAME)
    visible = ex.cases(ex.visible_seed, ex.visible_cases)
    hidden = ex.cases(12345, ex.hidden_cases)
    assert [ref._design_seeds(c) for c in visible] == [ref.DESIGN_SEEDS[:1]]
    assert [ref._design_seeds(c) for c in hidden] == [ref.DESIGN_SEEDS[:1], ref.DESIGN_SEEDS]


def test_design_tuned_per_seed_earns_nothing(monkeypatch):
    """A function that counts its calls knows which seed the grader trains next (the hidden
    cases come in order): it returns design A, which passes seed 1 only, then design B,
    which passes seed 2 only. Neither design passes both: it must earn nothing. (The
    verdicts are planted, so no training runs.)"""
    a, b = _design(hidden_units=101), _design(hidden_units=102)
    s1, s2 = ref.DESIGN_SEEDS
    ok, bad = ref._Verdict("pass", "dev accuracy 97%"), ref._Verdict("underfits", "x\ny")
    for design, verdicts in ((a, (ok, bad)), (b, (bad, ok))):
        key = ref._canonical(ref.check_design(design))
        monkeypatch.setitem(ref._VERDICTS, (key, s1), verdicts[0])
        monkeypatch.setitem(ref._VERDICTS, (key, s2), verdicts[1])
    ex = get(NAME)
    hidden = ex.cases(7, ex.hidden_cases)
    outputs = [a if ref._design_seeds(c)[-1] == s1 else b for c in hidden]
    r = evaluate_outputs(NAME, 7, ex.hidden_cases, outputs, [None] * len(outputs),
                         [()] * len(outputs))
    assert not r.passed
    # and a design that passes both seeds passes every case
    r = evaluate_outputs(NAME, 7, ex.hidden_cases, [BASE] * len(outputs),
                         [None] * len(outputs), [()] * len(outputs))
    assert r.passed, r.message()


# ---- nothing instructor-only in the messages ------------------------------------------------

@pytest.mark.parametrize("changes", [
    {"hidden_units": 1000, "num_hidden_layers": 4},               # over the budget
    {"optimizer": "gd", "learning_rate": 9.0, "epochs": 3},       # diverges
    {"hidden_units": 12, "epochs": 3, "optimizer": "momentum"},   # underfits
], ids=["budget", "diverged", "underfits"])
def test_failure_messages_show_nothing_of_the_reference(changes):
    design = _design(schedule="cosine", schedule_args={"T": 3}, lambd=0.25, **changes)
    r = run_check(NAME, lambda: design, hidden=True, seed=99)
    assert not r.passed
    text = r.message()
    for value in REFERENCE_ONLY:
        assert value not in text, (value, text)


# ---- the slowest admissible design -------------------------------------------------------

def _slowest_admissible() -> dict:
    """One epoch of 4 hidden layers as wide as the compute budget allows, the smallest
    mini-batches allowed (16: 68 steps), batch norm and dropout: the optimizer and L2
    update all 463,000 parameters at every step, which the budget does not price (with
    mini-batches of 2, before they had a minimum, this took 4 s)."""
    units = max(u for u in range(1, 1025)
                if ref.design_parameters(u, 4, True) * ref.M_TRAIN <= ref.COMPUTE_BUDGET)
    return _design(hidden_units=units, num_hidden_layers=4, batch_norm=True, keep_prob=0.5,
                   epochs=1, batch_size=ref.MIN_BATCH)


@pytest.mark.slow
def test_slowest_admissible_design_trains_in_seconds():
    d = ref.check_design(_slowest_admissible())
    assert ref._over_budget(d) is None
    t0 = time.process_time()
    ref.train_design(d, ref.DESIGN_SEEDS[0])
    # measured 4.0 s of CPU on the shared 2-core machine with one BLAS thread (15 to 19 s
    # before the check limited BLAS to one thread); the reference design: 0.2 s
    assert time.process_time() - t0 < 12.0


# ---- through the whole sandboxed grader --------------------------------------------------

OK, WHY = available()
sandboxed = pytest.mark.skipif(not OK, reason=f"sandbox unavailable: {WHY}")

SUBCLASS_WITH_SIDE_EFFECTS = textwrap.dedent('''
    import itertools, os
    _calls = itertools.count()

    def _touch():
        os.listdir("/usr/lib")  # an event the worker reports (a flag), were it ever run

    class Design(dict):
        def __getitem__(self, key):
            _touch()
            return super().__getitem__(key)
        def __iter__(self):
            _touch()
            return super().__iter__()
        def items(self):
            _touch()
            return super().items()
        def __eq__(self, other):
            _touch()
            return True
        def __hash__(self):
            _touch()
            return 0

    def choose_hyperparameters():  # and another design on each call
        n = next(_calls)
        return Design(hidden_units=64 + n, num_hidden_layers=1, batch_norm=False,
                      keep_prob=1.0, lambd=0.5, optimizer="adam", learning_rate=5e-3,
                      schedule="cosine", schedule_args={"T": 30}, epochs=30, batch_size=64)
''')

READS_THE_REFERENCE = textwrap.dedent('''
    import importlib, os, re

    def _found():
        try:
            mod = importlib.import_module("course_" + "checks.exercises.nb12_" + "capstone")
            return mod.choose_hyperparameters()
        except Exception:
            pass
        for top in ("/opt", "/usr/lib", "/sandbox", "/tmp"):
            for folder, dirs, files in os.walk(top):
                for f in files:
                    if f in ("nb12_capstone.py", "12_capstone.ipynb"):
                        text = open(os.path.join(folder, f)).read()
                        if '"decay_rate": 0.02' in text:
                            return {"hidden_units": 128, "num_hidden_layers": 1,
                                    "batch_norm": False, "keep_prob": 1.0, "lambd": 0.5,
                                    "optimizer": "adam", "learning_rate": 5e-3,
                                    "schedule": "inverse_time",
                                    "schedule_args": {"decay_rate": 0.02}, "epochs": 30,
                                    "batch_size": 64}
        return None

    def choose_hyperparameters():
        return _found() or {"hidden_units": 8, "num_hidden_layers": 1, "batch_norm": False,
                            "keep_prob": 1.0, "lambd": 0.0, "optimizer": "gd",
                            "learning_rate": 0.01, "schedule": "constant", "epochs": 1,
                            "batch_size": 1079}
''')


def _grade(tmp_path, source: str):
    from tests.test_autograder import answered, write
    from tests.test_redteam import _grade_privately

    out = _grade_privately(write(tmp_path, "attack.ipynb", answered({NAME: source}, NB)), NB)
    assert out.error is None, f"grading raised {type(out.error).__name__}: {out.error}"
    g = out.grade
    e = next(e for e in g.exercises if e.exercise == NAME)
    for other in g.exercises:
        if other.exercise != NAME:
            assert (other.points, other.status) == (other.max_points, "passed"), other
    assert out.leftovers == [], out.leftovers
    for value in (*REFERENCE_ONLY, str(ROOT)):
        assert value not in e.message, e.message
    return g, e


@sandboxed
@pytest.mark.slow
def test_sandboxed_dict_subclass_with_side_effects_is_refused(tmp_path):
    """The worker refuses a dict subclass without running its methods: a status with the
    reason, no points, and the grader never sees the object."""
    g, e = _grade(tmp_path, SUBCLASS_WITH_SIDE_EFFECTS)
    assert (e.points, e.status) == (0.0, "error"), e
    assert "subclass" in e.message, e.message
    # none of its methods ran (each lists a folder, which the worker would report): a
    # careless OrderedDict is no abuse, and nothing is flagged
    assert g.status == "graded", g.status_text


@sandboxed
@pytest.mark.slow
def test_sandboxed_reading_the_reference_design_finds_nothing(tmp_path):
    """The reference design is nowhere in the sandbox (no course_checks, no solutions):
    the fallback design is what gets graded, and fails (high bias)."""
    g, e = _grade(tmp_path, READS_THE_REFERENCE)
    assert (e.points, e.status) == (0.0, "failed"), e
    assert "high bias" in e.message, e.message
    assert g.status == "flagged", g.status_text  # the search is the instructor's to see
    assert any(f.startswith("filesystem: " + NAME) for f in g.flags), g.flags[:5]

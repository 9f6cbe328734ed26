"""The exercise registry: every reference passes, every catalogued mistake is caught by name.

These tests are parametrized over the whole registry, so an exercise added to
``course_checks/exercises/`` is covered without touching this file.
"""

from __future__ import annotations

import ast
import copy
import inspect
import pkgutil
import sys
from pathlib import Path

import numpy as np
import pytest

from course_checks import Case, Rng, Tolerance, all_exercises, check, compare, get, run_check
from course_checks.cases import Named, from_plain, materialize, to_plain
from course_checks.quiz import is_question
from course_checks.registry import Exercise, Mistake, register, registrar
from course_checks.runner import (
    MODIFIED_INPUT,
    CheckFailed,
    NotImplementedYet,
    call_safely,
    evaluate_outputs,
)

# Quiz questions answer with a constant (no input, nothing to memorize or modify): they
# are checked by tests/test_quizzes.py.
EXERCISES = [ex for ex in all_exercises() if not is_question(ex)]
MISTAKES = [(ex.name, m.name) for ex in EXERCISES for m in ex.mistakes]
HIDDEN_SEEDS = (101, 202)


def test_registry_is_not_empty_and_names_unique():
    names = [ex.name for ex in EXERCISES]
    assert len(names) >= 5
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("name", [ex.name for ex in EXERCISES])
def test_entry_is_complete(name):
    ex = get(name)
    assert len(ex.mistakes) >= 3, "every exercise catalogues at least three known mistakes"
    assert ex.points > 0
    assert ex.summary
    assert ex.notebook[:2].isdigit()
    for m in ex.mistakes:
        assert len(m.hint) > 20, f"{m.name}: the hint should say what to fix"
    assert ex.hidden_cases > ex.visible_cases


@pytest.mark.parametrize("name", [ex.name for ex in EXERCISES])
def test_reference_passes_visible_and_hidden(name):
    ex = get(name)
    assert run_check(ex, ex.reference).passed
    for seed in HIDDEN_SEEDS:
        result = run_check(ex, ex.reference, hidden=True, seed=seed)
        assert result.passed, result.message()
        assert len(result.cases) == ex.hidden_cases


@pytest.mark.parametrize("name", [ex.name for ex in EXERCISES])
def test_cases_are_deterministic_and_hidden_differ(name):
    ex = get(name)
    for ca, cb in zip(ex.cases(ex.visible_seed, 2), ex.cases(ex.visible_seed, 2)):
        (pa, aa), (pb, ab) = ca.to_plain(), cb.to_plain()
        assert pa == pb and all(np.array_equal(x, y) for x, y in zip(aa, ab))
        assert Case.from_plain(pa, aa).describe() == ca.describe()
    def key(c):
        plain, arrays = c.to_plain()
        return repr(plain) + "".join(a.tobytes().hex() + str(a.shape) for a in arrays)

    visible = {key(c) for c in ex.cases(ex.visible_seed, ex.visible_cases)}
    hidden = [key(c) for c in ex.cases(HIDDEN_SEEDS[0], ex.hidden_cases)]
    new = [k for k in hidden if k not in visible]
    assert len(new) >= ex.hidden_cases // 2, "hidden cases must mostly differ from visible ones"


@pytest.mark.parametrize(("name", "mistake"), MISTAKES)
def test_every_catalogued_mistake_is_rejected_and_named(name, mistake):
    ex = get(name)
    impl = next(m for m in ex.mistakes if m.name == mistake).impl
    visible = run_check(ex, impl)
    assert not visible.passed, f"the visible check lets the mistake {mistake} pass"
    assert visible.mistake is not None and visible.mistake.name == mistake, (
        f"expected the hint for {mistake}, got "
        f"{visible.mistake.name if visible.mistake else None}:\n{visible.message()}"
    )
    assert mistake in visible.message()
    for seed in HIDDEN_SEEDS:
        assert not run_check(ex, impl, hidden=True, seed=seed).passed


@pytest.mark.parametrize("name", [ex.name for ex in EXERCISES])
def test_stub_fails_with_a_friendly_message(name):
    def stub(*args, **kwargs):
        raise NotImplementedError()

    result = run_check(name, stub)
    assert not result.passed and result.not_implemented
    assert "not implemented yet" in result.message()
    with pytest.raises(NotImplementedYet) as info:
        check(name, stub)
    assert isinstance(info.value, AssertionError)
    assert isinstance(info.value, NotImplementedError)


def test_a_provided_function_never_asks_to_edit_its_locked_cell():
    """capstone_pipeline is locked: when a function it calls is still a stub, the message
    names the student's functions to finish, not the locked cell's own code."""
    def capstone_pipeline(X, Y, hparams, rng):
        raise NotImplementedError()  # as the student's unfinished prepare_data would

    message = run_check("capstone_pipeline", capstone_pipeline).message()
    assert "locked cell: do not edit it" in message
    assert "prepare_data, network_spec, train_model" in message
    assert "replace the line" not in message


@pytest.mark.parametrize("name", [ex.name for ex in EXERCISES])
def test_hard_coded_visible_outputs_fail_hidden_checks(name):
    """A lookup table of the visible answers cannot pass the hidden checks."""
    ex = get(name)
    if not any(c.args or c.kwargs for c in ex.cases(ex.visible_seed, ex.visible_cases)):
        pytest.skip(f"{name} takes no input: its answer is a design (or a choice), graded "
                    "on its own merit, so a constant answer is the expected answer")
    answers = [
        ex.reference(*materialize(c.args), **materialize(dict(c.kwargs)))
        for c in ex.cases(ex.visible_seed, ex.visible_cases)
    ]
    calls = {"n": 0}

    def memorized(*args, **kwargs):
        out = answers[calls["n"] % len(answers)]
        calls["n"] += 1
        return materialize(out)

    assert run_check(ex, memorized).passed is not None  # may pass the visible checks
    calls["n"] = 0
    assert not run_check(ex, memorized, hidden=True, seed=HIDDEN_SEEDS[0]).passed


def test_exception_in_student_code_is_reported_with_its_line():
    def broken(Z):
        return Z.nonexistent_method()

    result = run_check("relu", broken)
    msg = result.message()
    assert not result.passed
    assert "AttributeError" in msg and "nonexistent_method" in msg
    assert "input: Z=array of shape" in msg


def test_mutating_inputs_is_reported():
    def inplace(Z):
        np.maximum(Z, 0, out=Z)
        return Z

    result = run_check("relu", inplace)
    assert not result.passed
    assert result.first_failure.mutated == ("Z",)
    assert "changed its input Z" in result.message()
    assert result.mistake is MODIFIED_INPUT and MODIFIED_INPUT.hint in result.message()


# ---- the runner's own mistake: modifying an input in place --------------------------


def _mutate(value) -> bool:
    """Change ``value`` in place (True) if it is an array, list or dict that can change."""
    if isinstance(value, np.ndarray) and value.size and value.flags.writeable:
        if value.dtype == bool:
            value[...] = ~value
        else:
            value += 1
        return True
    if isinstance(value, list):
        value.append(None)
        return True
    if isinstance(value, dict):
        value["modified in place"] = None
        return True
    return False


def _correct_but_mutating(reference):
    """The reference's answer, after which the first changeable argument is changed."""
    def answer(*args, **kwargs):
        out = reference(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        next((True for a in (*args, *kwargs.values()) if _mutate(a)), False)
        return out
    return answer


def _has_changeable_input(ex) -> bool:
    case = ex.cases(ex.visible_seed, 1)[0]
    args, kwargs = case.build()
    return any(_mutate(a) for a in (*args, *kwargs.values()))


MUTABLE = [ex.name for ex in EXERCISES if _has_changeable_input(ex)]


def test_most_exercises_take_an_input_that_can_be_modified():
    assert len(MUTABLE) >= 40, MUTABLE


@pytest.mark.parametrize("name", MUTABLE)
def test_modifying_an_input_is_named_by_the_runner(name):
    """Every exercise recognizes the runner's modified_input, visible and hidden, in the
    notebook's check and in the grader's evaluation of outputs computed elsewhere."""
    ex = get(name)
    answer = _correct_but_mutating(ex.reference)
    visible = run_check(ex, answer)
    assert not visible.passed and visible.first_failure.mutated
    assert visible.mistake is MODIFIED_INPUT, visible.message()
    assert "modified_input" in visible.message()
    assert not run_check(ex, answer, hidden=True, seed=HIDDEN_SEEDS[0]).passed
    cases = ex.cases(ex.visible_seed, 1)
    expected = ex.reference(*materialize(cases[0].args), **materialize(dict(cases[0].kwargs)))
    graded = evaluate_outputs(ex, ex.visible_seed, 1, [expected], [None], [("x",)])
    assert not graded.passed and graded.mistake is MODIFIED_INPUT


def test_no_exercise_catalogues_the_runners_mistake():
    def ok(Z):
        return np.maximum(Z, 0)

    mistakes = (Mistake("a", "a hint long enough to say what to fix", ok),
                Mistake("b", "a hint long enough to say what to fix", ok),
                Mistake("modified_input", "a hint long enough to say what to fix", ok))
    ex = Exercise("an_exercise", "00_welcome", ok, get("relu").make_case, mistakes)
    with pytest.raises(ValueError, match="runner"):
        register(ex)
    with pytest.raises(ValueError, match="at least 3"):
        register(Exercise("an_exercise", "00_welcome", ok, get("relu").make_case, mistakes[:2]))


# ---- registration: the registrar, references and their names ------------------------


@pytest.mark.parametrize("name", [ex.name for ex in EXERCISES])
def test_exercise_is_registered_by_its_notebooks_module(name):
    """``registrar("NN_x")`` of module ``nbNN_x`` registers exercises of notebook NN_x only."""
    ex = get(name)
    module = ex.make_case.__module__
    assert module == f"course_checks.exercises.nb{ex.notebook}", (module, ex.notebook)


def test_registrar_refuses_a_malformed_notebook_name():
    with pytest.raises(ValueError, match="07_optimizers"):
        registrar("optimizers")


@pytest.mark.parametrize("name", [ex.name for ex in EXERCISES])
def test_reference_names_resolve_to_public_course_lib_callables(name):
    """The grader flags these names in answers and in the sandbox's stub calls: each must
    name a public callable of course_lib (a misspelt name would silently flag nothing)."""
    ex = get(name)
    for qualified in ex.reference_names:
        assert qualified.startswith("course_lib."), qualified
        assert not any(p.startswith("_") for p in qualified.split(".")), (
            f"{qualified} is private: name the public function that wraps it")
        assert callable(pkgutil.resolve_name(qualified)), qualified
    for module in ex.reference_modules:
        assert module in sys.modules and any(n.startswith(module + ".")
                                             for n in ex.reference_names)
    if ex.reference.__module__.startswith("course_lib"):
        assert pkgutil.resolve_name(ex.reference_names[0]) is ex.reference


@pytest.mark.parametrize("name", [ex.name for ex in EXERCISES])
def test_adapted_references_say_what_they_adapt(name):
    """A reference defined in course_checks (the notebook's signature or output differs from
    course_lib's, or course_lib has no such function) has a docstring saying so."""
    ex = get(name)
    if not ex.reference.__module__.startswith("course_lib"):
        assert inspect.getdoc(ex.reference), f"{name}: the adapter needs a docstring"


# ---- cases.py runs alone in the grading sandbox ---------------------------------------


def test_cases_module_imports_only_the_standard_library_and_numpy():
    """The sandbox mounts course_checks/cases.py alone as the module ``cases``."""
    path = Path(__file__).resolve().parent.parent / "course_checks" / "cases.py"
    allowed = set(sys.stdlib_module_names) | {"numpy", "__future__"}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, "cases.py must not use relative imports"
            assert node.module.split(".")[0] in allowed, node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name.split(".")[0] in allowed, alias.name


def test_check_prints_success_on_stdout_only(capsys):
    check("relu", lambda Z: np.maximum(Z, 0))
    out, err = capsys.readouterr()
    assert "✓ relu" in out and err == ""


def test_failure_message_shows_expected_got_and_errors():
    with pytest.raises(CheckFailed) as info:
        check("relu", lambda Z: np.maximum(Z, 0) + 1e-3)
    msg = str(info.value)
    assert "expected:" in msg and "got:" in msg
    assert "max abs error 0.001" in msg and "first mismatch at index" in msg


def test_non_callable_answer():
    for target in ("relu", get("relu")):  # the self-check passes the Exercise itself
        msg = run_check(target, 42).message()
        assert "relu should be a function" in msg and "got int 42" in msg
        assert "raised" not in msg and "Exercise(" not in msg


def test_evaluate_outputs_judges_remote_results():
    ex = get("relu")
    cases = ex.cases(7, 3)
    outs = [np.maximum(c.args[0], 0) for c in cases]
    ok = evaluate_outputs(ex, 7, 3, outs, [None] * 3, [()] * 3)
    assert ok.passed
    bad = evaluate_outputs(ex, 7, 3, [np.abs(c.args[0]) for c in cases], [None] * 3, [()] * 3)
    assert not bad.passed and bad.mistake.name == "absolute_value"
    ni = evaluate_outputs(ex, 7, 3, [None] * 3, ["NotImplementedError: x"] * 3, [()] * 3)
    assert ni.not_implemented


# ---- comparator ---------------------------------------------------------------


class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.broadcast(self, other).shape, dtype=bool)

    def __ne__(self, other):
        return np.zeros(np.broadcast(self, other).shape, dtype=bool)


def test_ndarray_subclass_with_overridden_comparisons_does_not_fool_compare():
    expected = np.arange(6.0).reshape(2, 3)
    cheat = np.zeros((2, 3)).view(AlwaysEqual)
    assert compare(expected, cheat) is not None


@pytest.mark.parametrize(
    ("expected", "got", "kind", "fragment"),
    [
        (np.zeros((3, 1)), np.zeros(3), "shape", "keepdims=True"),
        (np.zeros((2, 5)), np.zeros((5, 2)), "shape", "transposed"),
        (np.zeros((2, 2)), [[0, 0], [0, 0]], "type", "numpy array"),
        (np.ones(3), np.array([1.0, np.nan, 1.0]), "nan", "NaN"),
        ((np.ones(2), 1.0), (np.ones(2),), "length", "2 values"),
        ({"W1": np.ones(2)}, {"W2": np.ones(2)}, "keys", "missing keys"),
        (np.array([1, 2, 3]), np.array([1, 2, 4]), "values", "index [2]: expected 3, got 4"),
        (1.5, "1.5", "type", "number"),
        ("high", "low", "values", "'high'"),
    ],
)
def test_compare_explains_the_difference(expected, got, kind, fragment):
    mm = compare(expected, got)
    assert mm is not None and mm.kind == kind
    assert fragment in mm.message


def test_compare_two_different_numbers_explains_instead_of_crashing():
    mm = compare(1.0, 2.0)
    assert mm is not None and mm.kind == "values" and "should be 1, got 2" in mm.message
    assert compare(0.5, np.float32(0.5)) is None


def test_compare_tolerance_and_dtype():
    assert compare(np.ones(3), np.ones(3) + 1e-10) is None
    assert compare(np.ones(3), np.ones(3) + 1e-3) is not None
    assert compare(np.ones(3, np.float32), np.ones(3), Tolerance(dtype=True)).kind == "dtype"
    assert compare(2.0, np.float64(2.0)) is None
    assert compare((1, {"a": np.zeros(2)}), [1, {"a": np.zeros(2)}]) is None


def test_plain_round_trip_keeps_specs_and_arrays():
    case = Case(
        (np.arange(6.0).reshape(2, 3), (1, 2.5, "x"), {"k": np.ones(2)}, Rng(5)),
        {"opt": Named("course_lib.optimizers.Adam", {"lr": 0.01})},
    )
    plain, arrays = to_plain((case.args, dict(case.kwargs)))
    args, kwargs = from_plain(plain, arrays)
    assert isinstance(args[3], Rng) and args[3].seed == 5
    assert np.array_equal(args[0], case.args[0]) and args[1] == (1, 2.5, "x")
    built = materialize(kwargs["opt"])
    assert type(built).__name__ == "Adam" and built.lr == 0.01


def test_rng_spec_gives_every_call_the_same_numbers():
    case = Case((Rng(3),))
    a, _, _ = call_safely(lambda r: r.random(4), case)
    b, _, _ = call_safely(lambda r: r.random(4), case)
    assert np.array_equal(a, b)


def test_named_spec_refuses_objects_outside_course_lib():
    with pytest.raises(ValueError, match="course_lib"):
        Named("os.system", {"command": "true"}).build()


# ---- catalogues (issue 14) -------------------------------------------------------------


CODE_EXERCISES = [ex.name for ex in EXERCISES
                  if ex.make_case.__module__.startswith("course_checks.exercises.")]


@pytest.mark.parametrize("name", CODE_EXERCISES)
def test_catalogue_has_at_least_five_mistakes(name):
    """Five catalogued mistakes per exercise a student writes code for (the registry itself
    insists on three; the quizzes' questions, registered from course_checks/quizzes, have
    their own traps)."""
    assert len(get(name).mistakes) >= 5, f"{name}: catalogue at least five mistakes"


def test_accuracy_takes_the_argmax_over_the_classes():
    """The accuracy exercise counts columns, whatever the scores' scale (logits or
    probabilities), and its square case is the one an argmax over axis 1 still answers."""
    ex = get("accuracy")
    scores = np.array([[2.0, 0.1, 0.3], [0.5, 3.0, 0.2], [0.1, 0.2, 0.1]])
    assert ex.reference(scores, np.array([[0, 1, 2]])) == pytest.approx(2 / 3)
    assert ex.reference(np.exp(scores), np.array([[0, 1, 0]])) == 1.0
    first = ex.cases(ex.visible_seed, 1)[0]
    assert first.args[0].shape[0] == first.args[0].shape[1]

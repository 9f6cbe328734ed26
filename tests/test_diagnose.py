"""The diagnosis layer names the kind of error of outputs no catalogued mistake matches.

Every wrong implementation here is written as a student would write it, for a real
registered exercise whose catalogue is removed (``uncatalogued``), so that what names the
error is the diagnosis, not the catalogue; a right implementation gets no diagnosis.
Last, catalogued mistakes are matched part by part, and the grader records diagnosed
kinds as mistake names that the class report counts.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

from course_checks import get, run_check
from course_checks.cases import materialize
from course_checks.diagnose import KINDS, diagnose
from course_checks.registry import Explanation
from course_checks.runner import evaluate_outputs


def uncatalogued(name: str, **changes):
    return dataclasses.replace(get(name), mistakes=(), **changes)


def ref(name: str):
    return get(name).reference


def kind_of(name: str, fn, **changes) -> tuple[str | None, str]:
    """(recorded mistake name, first line of the message) of the visible check of ``fn``."""
    result = run_check(uncatalogued(name, **changes), fn)
    assert not result.passed
    return (result.mistake.name if result.mistake else None), result.message().splitlines()[0]


def case_and_expected(ex, index: int = 0, seed: int | None = None):
    case = ex.cases(ex.visible_seed if seed is None else seed, index + 1)[index]
    return case, ex.reference(*materialize(case.args), **materialize(dict(case.kwargs)))


# ---- transforms of the expected output ------------------------------------------------


def test_sign_flipped():
    name, first = kind_of("relu", lambda Z: -np.maximum(Z, 0))
    assert name == "kind:sign_flipped"
    assert first.startswith("relu: the output is wrong at ")
    assert first.endswith(" — it looks like the sign is flipped")


def test_a_constant_factor_is_named_from_the_case():
    def grad_summed(Z, Y):  # the sum over examples where the mean belongs: no 1/m
        return ref("softmax_cross_entropy_grad")(Z, Y) * Z.shape[1]

    name, first = kind_of("softmax_cross_entropy_grad", grad_summed)
    assert name == "kind:constant_factor"
    assert "it looks like a factor m = " in first and "(the number of examples) too many" in first

    def no_rescaling(dA, D, keep_prob):
        return dA * D

    name, first = kind_of("dropout_backward", no_rescaling)
    assert name == "kind:constant_factor"
    assert "it looks like a factor keep_prob = " in first and first.endswith(" too many")


def test_a_constant_shift():
    name, first = kind_of("softmax", lambda Z: ref("softmax")(Z) + 0.5)
    assert name == "kind:constant_shift" and first.endswith("a constant shift of 0.5")


def test_wrong_dtype():
    def zeros_as_ints(layer_dims):
        return {k: v.astype(np.int64) for k, v in ref("initialize_zeros")(layer_dims).items()}

    name, first = kind_of("initialize_zeros", zeros_as_ints)
    assert name == "kind:wrong_dtype"
    assert first.endswith("it looks like the right values with dtype int64 instead of float64")


def test_not_finite_values_from_a_naive_formula():
    def softmax_naive(Z):
        E = np.exp(Z)
        return E / E.sum(axis=0, keepdims=True)

    name, first = kind_of("softmax", softmax_naive)
    assert name == "kind:not_finite" and "NaN or inf" in first


# ---- shapes: the comparison's words, the diagnosis's kind -----------------------------


def test_transposed():
    name, first = kind_of("relu", lambda Z: np.maximum(Z, 0).T)
    assert name == "kind:transposed" and "it is transposed" in first


def test_keepdims_missing():
    name, first = kind_of("fit_standardizer", lambda X, eps=1e-8: (X.mean(axis=1), X.std(axis=1)))
    assert name == "kind:keepdims" and "keepdims=True is missing" in first
    assert first.count(" — ") == 1  # the shape's words are not repeated


def test_an_extra_and_a_missing_reduction():
    def softmax_denominator_only(Z):
        return np.exp(Z - Z.max(axis=0)).sum(axis=0, keepdims=True)

    name, _ = kind_of("softmax", softmax_denominator_only)
    assert name == "kind:extra_reduction"
    name, first = kind_of("fit_standardizer", lambda X, eps=1e-8: (X, X.std(axis=1,
                                                                            keepdims=True)))
    assert name == "kind:missing_reduction" and "yours is not reduced" in first


def test_the_wrong_axis():
    def stats_per_example(X, eps=1e-8):
        return X.mean(axis=0, keepdims=True), X.std(axis=0, keepdims=True)

    name, first = kind_of("fit_standardizer", stats_per_example)
    assert name == "kind:wrong_axis"
    assert first.endswith("it looks like the computation ran along the wrong axis (examples "
                          "are columns)")

    def softmax_over_examples(Z):  # same shape: only the values tell
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)

    assert kind_of("softmax", softmax_over_examples)[0] == "kind:wrong_axis"


# ---- relations with the inputs ----------------------------------------------------------


def test_state_returned_stale():
    from course_lib.optimizers import momentum_step

    def velocity_not_returned(w, dw, v, lr, beta=0.9):
        return momentum_step(w, dw, v, lr, beta)[0], v

    name, first = kind_of("momentum_step", velocity_not_returned)
    assert name == "kind:stale_state"
    assert first.startswith("momentum_step: output[1] is wrong at ")
    assert first.endswith("it looks like the input v returned unchanged")

    def t_not_incremented(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        new_params, new_state = ref("update_parameters_with_adam")(params, grads, state, lr,
                                                                   beta1, beta2, eps)
        return new_params, {**new_state, "t": state["t"]}

    name, first = kind_of("update_parameters_with_adam", t_not_incremented)
    assert name == "kind:stale_state"
    assert first == ("update_parameters_with_adam: output[1]['t'] should be 1, got 0 — it looks "
                     "like the input state['t'] returned unchanged")


@pytest.mark.parametrize(("fn", "kind", "words"), [
    (lambda w, dw, lr: w + lr * dw, "step_sign_flipped", "the change from w goes the wrong way"),
    (lambda w, dw, lr: w - dw, "step_factor", "(output − w) has a factor the learning rate lr = "),
    (lambda w, dw, lr: -lr * dw, "returned_step", "the change from w (output − w) was returned"),
])
def test_update_steps(fn, kind, words):
    name, first = kind_of("gd_step", fn)
    assert name == f"kind:{kind}" and words in first, first


def test_the_part_added_to_an_input():
    def l2_without_half(cross_entropy_cost, params, lambd, m):
        return cross_entropy_cost + lambd / m * sum(
            np.sum(W**2) for k, W in params.items() if k.startswith("W"))

    name, first = kind_of("compute_cost_with_l2", l2_without_half)
    assert name == "kind:step_factor"
    assert first.endswith("the change from cross_entropy_cost (output − cross_entropy_cost) "
                          "has a factor 2 too many")


def test_a_step_taken_with_the_state_before_its_update():
    def old_velocity(w, dw, v, lr, beta=0.9):
        return w - lr * v, beta * v + (1 - beta) * dw

    ex = uncatalogued("momentum_step")
    case, expected = case_and_expected(ex, 1)  # v ≠ 0 (case 0 starts from v = 0)
    got = old_velocity(*materialize(case.args))
    d = diagnose(ex, case, expected, got)
    assert d is not None and d.name == "kind:wrong_order" and d.path == "output[0]"
    assert d.says == "it looks like the step used v from before its update"


# ---- the reference re-run on modified inputs ---------------------------------------------


def test_a_counter_off_by_one():
    from course_lib.optimizers import adam_step

    def adam_t_plus_one(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        return adam_step(w, dw, v, s, t + 1, lr, beta1, beta2, eps)

    name, first = kind_of("adam_step", adam_t_plus_one)
    assert name == "kind:off_by_one"
    assert first.startswith("adam_step: output[0] is wrong at ")
    assert first.endswith("it looks like t off by one (t = 2 where it is 1)")


def test_swapped_hyperparameters():
    from course_lib.optimizers import adam_step

    def adam_betas_swapped(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        return adam_step(w, dw, v, s, t, lr, beta2, beta1, eps)

    name, first = kind_of("adam_step", adam_betas_swapped)
    assert name == "kind:swapped_arguments" and first.endswith("beta1 and beta2 swapped")


def test_one_minus_p_where_p_belongs():
    name, first = kind_of("dropout_backward", lambda dA, D, keep_prob: dA * D / (1 - keep_prob))
    assert name == "kind:complement"
    assert first.endswith("it looks like 1 − keep_prob was used where keep_prob belongs")
    assert kind_of("ewma", lambda theta, beta: ref("ewma")(theta, 1 - beta))[0] == \
        "kind:complement"


def test_an_argument_ignored_for_its_default():
    from course_lib.optimizers import momentum_step

    def beta_hard_coded(w, dw, v, lr, beta=0.9):
        return momentum_step(w, dw, v, lr, 0.9)

    name, first = kind_of("momentum_step", beta_hard_coded)
    assert name == "kind:ignored_argument"
    assert "it looks like beta = 0.9 (the default) was used instead of the beta given" in first


def test_an_explanation_declared_by_the_exercise():
    def looked_ahead_twice(reference, expected, w, dw, v, lr, beta=0.9):
        w_new, v_new = expected
        return w_new - lr * beta * v_new, v_new

    declared = (Explanation("looked_ahead_twice", "the look-ahead applied twice",
                            looked_ahead_twice),)

    def student(w, dw, v, lr, beta=0.9):
        w_new, v_new = ref("momentum_step")(w, dw, v, lr, beta)
        return w_new - lr * beta * v_new, v_new

    name, first = kind_of("momentum_step", student, explanations=declared)
    assert name == "kind:looked_ahead_twice"
    assert first.endswith("it looks like the look-ahead applied twice")
    assert kind_of("momentum_step", student)[0] != "kind:looked_ahead_twice"


# ---- randomness ------------------------------------------------------------------------------


def _dropout_with(make_rng):
    def dropout_forward(A, keep_prob, rng):
        D = make_rng().random(A.shape) < keep_prob
        return A * D / keep_prob, D
    return dropout_forward


def test_a_new_generator_instead_of_the_rng_given():
    name, first = kind_of("dropout_forward", _dropout_with(np.random.default_rng))
    assert name == "kind:global_rng" and "random numbers from a global generator" in first
    name, first = kind_of("dropout_forward", _dropout_with(lambda: np.random.default_rng(42)))
    assert name == "kind:global_rng"
    assert first.endswith("it looks like a generator seeded with 42 was used instead of the rng "
                          "given")


def test_the_grader_says_random_without_running_the_students_code_twice():
    ex = uncatalogued("initialize_he")
    case, _ = case_and_expected(ex)
    layer_dims = materialize(case.args)[0]
    legacy = np.random.RandomState(7)
    got = {}
    for layer in range(1, len(layer_dims)):
        n, n_prev = layer_dims[layer], layer_dims[layer - 1]
        got[f"W{layer}"] = legacy.randn(n, n_prev) * np.sqrt(2 / n_prev)
        got[f"b{layer}"] = np.zeros((n, 1))
    graded = evaluate_outputs(ex, ex.visible_seed, 1, [got], [None], [()])
    assert graded.mistake.name == "kind:global_rng"
    assert graded.message().splitlines()[0].endswith(
        "it looks like random numbers, but not those the rng given produces with the formula "
        "asked for")


def test_examples_shuffled_with_another_generator():
    def shuffled_globally(X, Y, mini_batch_size, rng):
        perm = np.random.permutation(X.shape[1])  # noqa: NPY002 (the mistake under test)
        return ref("partition")(X[:, perm], Y[:, perm], mini_batch_size)

    name, first = kind_of("random_mini_batches", shuffled_globally)
    assert name == "kind:global_rng"
    assert first.endswith("the right values in another order, not the shuffle the rng given "
                          "produces")


# ---- partial correctness ---------------------------------------------------------------------


def test_only_the_last_column_is_wrong():
    def softmax_loop_misses_last_example(Z):
        out = np.zeros_like(Z)
        for j in range(Z.shape[1] - 1):
            e = np.exp(Z[:, j] - Z[:, j].max())
            out[:, j] = e / e.sum()
        return out

    name, first = kind_of("softmax", softmax_loop_misses_last_example)
    m = case_and_expected(get("softmax"))[1].shape[1]
    assert name == "kind:wrong_columns"
    assert first.endswith(f"only column {m - 1} (the last) is wrong")


def test_only_a_row_is_wrong():
    def standardize_all_but_last_feature(X, mu, sigma):
        out = (X - mu) / sigma
        out[-1] = X[-1]
        return out

    name, first = kind_of("standardize", standardize_all_but_last_feature)
    assert name == "kind:wrong_rows" and first.endswith(" (the last) is wrong")


def test_only_the_last_mini_batch_is_wrong():
    def last_batch_full_size(X, Y, mini_batch_size):
        m, B = X.shape[1], mini_batch_size
        batches = [(X[:, k:k + B], Y[:, k:k + B]) for k in range(0, m - B + 1, B)]
        if m % B:
            batches.append((X[:, -B:], Y[:, -B:]))  # overlaps the previous batch
        return batches

    ex = uncatalogued("partition")
    result = run_check(ex, last_batch_full_size)
    assert result.mistake.name == "kind:wrong_items"
    first = result.message().splitlines()[0]
    assert first.startswith("partition: output[") and "(the last) of " in first


def test_one_wrong_part_of_a_tuple_is_named_and_the_rest_said_right():
    def adam_v_jittered(*args):
        w, v, s = ref("adam_step")(*args)
        v = v.copy()
        v.flat[[0, v.size - 1]] += (0.1, -0.3)
        return w, v, s

    result = run_check(uncatalogued("adam_step"), adam_v_jittered)
    assert result.mistake.name == "kind:wrong_part"
    assert result.message().splitlines()[0].startswith("adam_step: output[1] is wrong at 2 of ")
    assert "Only output[1] is wrong; the other parts are right." in result.message()


def test_a_dict_key_is_named():
    def no_l2_for_biases_and_last_layer(grads, params, lambd, m):
        out = ref("add_l2_gradient")(grads, params, lambd, m)
        last = max(k for k in out if k.startswith("W"))
        out[last] = -out[last]
        return out

    name, first = kind_of("add_l2_gradient", no_l2_for_biases_and_last_layer)
    assert name == "kind:sign_flipped" and first.startswith("add_l2_gradient: output['W")


def test_an_input_changed_in_place_is_named_and_the_output_still_diagnosed():
    def relu_in_place_and_negated(Z):
        np.maximum(Z, 0, out=Z)
        return -Z

    result = run_check(uncatalogued("relu"), relu_in_place_and_negated)
    assert result.mistake.name == "modified_input"  # the runner's own name wins
    assert result.message().splitlines()[0].startswith(
        "relu: your function changed its input Z in place; also, the output is wrong")
    assert "Hint (modified_input):" in result.message()
    assert "Diagnosis (kind:sign_flipped):" in result.message()


def test_declared_explanations_need_distinct_names():
    from course_checks.registry import register

    twice = (Explanation("x", "a", lambda *a, **k: None),) * 2
    with pytest.raises(ValueError, match="explanations need distinct names"):
        register(dataclasses.replace(get("relu"), name="relu_copy", explanations=twice))


# ---- right answers, budget, safety ---------------------------------------------------------


@pytest.mark.parametrize("name", ["relu", "adam_step", "dropout_forward", "partition",
                                  "update_parameters_with_adam", "fit_standardizer"])
def test_a_right_implementation_gets_no_diagnosis(name):
    ex = uncatalogued(name)
    result = run_check(ex, ex.reference)
    assert result.passed and result.mistake is None and result.diagnosis is None
    case, expected = case_and_expected(ex)
    assert diagnose(ex, case, expected, materialize(expected)) is None


def test_the_diagnosis_is_fast_and_bounded():
    ex = uncatalogued("update_parameters_with_adam")
    case, expected = case_and_expected(ex)
    got = (expected[0], {"v": expected[1]["s"], "s": expected[1]["v"], "t": 0})
    diagnose(ex, case, expected, got)  # warm up
    start = time.perf_counter()
    for _ in range(5):
        diagnose(ex, case, expected, got)
    assert (time.perf_counter() - start) / 5 < 0.25  # about 50 ms; a busy machine is slower


def test_a_slow_reference_is_not_run_again():
    from course_lib.optimizers import adam_step

    ex = uncatalogued("adam_step")
    case, expected = case_and_expected(ex)
    args = list(materialize(case.args))
    args[4] += 1
    got = adam_step(*args)
    assert diagnose(ex, case, expected, got).name == "kind:off_by_one"
    assert diagnose(ex, case, expected, got, ref_seconds=1.0).name == "kind:wrong_part"


def test_outputs_that_are_not_arrays_never_break_the_diagnosis():
    ex = uncatalogued("adam_step")
    case, expected = case_and_expected(ex)
    for got in (None, "text", (1, 2), {"a": 1}, object(), (np.array(["a"]),) * 3,
                (expected[0].astype(object), expected[1], expected[2])):
        diagnose(ex, case, expected, got)  # no exception, whatever it finds


# ---- catalogued mistakes part by part; names recorded by the grader ------------------------


def test_a_catalogued_mistake_in_one_output_is_recognized_there():
    def adam_stores_corrected_v_only(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        v = beta1 * v + (1 - beta1) * dw
        s = beta2 * s + (1 - beta2) * dw * dw
        v_hat, s_hat = v / (1 - beta1**t), s / (1 - beta2**t)
        return w - lr * v_hat / (np.sqrt(s_hat) + eps), v_hat, s  # s is right, v is not

    result = run_check("adam_step", adam_stores_corrected_v_only)
    assert result.mistake.name == "stored_corrected_averages"
    assert result.first_failure.mistake_path == "output[1]"
    first = result.message().splitlines()[0]
    assert first.startswith("adam_step: output[1] is wrong at ")
    assert first.endswith("it looks like the mistake “stored corrected averages” (hint below)")
    assert "Hint (stored_corrected_averages) (recognized in output[1]):" in result.message()


def test_a_catalogued_mistake_wins_over_the_diagnosis():
    result = run_check("gd_step", lambda w, dw, lr: w + lr * dw)
    assert result.mistake.name == "wrong_sign" and result.diagnosis is None


def test_the_grader_records_the_kind_and_the_report_counts_it():
    from autograder.grading import ExerciseGrade, SubmissionGrade
    from autograder.report import class_report

    ex = uncatalogued("relu")
    _, expected = case_and_expected(ex)
    graded = evaluate_outputs(ex, ex.visible_seed, 1, [-expected], [None], [()])
    assert graded.mistake.name == "kind:sign_flipped"
    assert graded.mistake.hint.startswith("The output is −1 × the expected value")
    grades = [SubmissionGrade(f"s{i}", "00_welcome", "graded", exercises=[ExerciseGrade(
        "relu", 0, 1, "failed", graded.message(), graded.mistake.name)]) for i in range(2)]
    relu = class_report(grades)["notebooks"][0]["exercises"][0]
    assert relu["mistakes"] == [{"mistake": "kind:sign_flipped", "count": 2, "share": 1.0,
                                 "hint": KINDS["sign_flipped"]}]
    assert relu["unnamed_wrong"] == 0


def test_an_input_array_divided_out_once_too_often():
    def standardize_by_variance(X, mu, sigma):
        return (X - mu) / sigma**2

    name, first = kind_of("standardize", standardize_by_variance)
    assert name == "kind:constant_factor"
    assert first.endswith("it looks like a division by sigma too many")


# ---- outputs in another order; the optimizers' update orders -------------------------------


def test_outputs_in_another_order():
    from course_lib.optimizers import momentum_step

    def velocity_first(w, dw, v, lr, beta=0.9):
        w_new, v_new = momentum_step(w, dw, v, lr, beta)
        return v_new, w_new

    name, first = kind_of("momentum_step", velocity_first)
    assert name == "kind:outputs_reordered"
    assert first.endswith("it looks like the right values in another order")


def test_a_declared_explanation_comes_before_an_input_returned_unchanged():
    """AdaGrad accumulating dw instead of dw², from h = 0: h + dw equals the input dw, but
    the exercise's own explanation says what happened."""
    def unsquared(w, dw, h, lr, eps=1e-8):
        h = h + dw
        return w - lr * dw / (np.sqrt(np.abs(h)) + eps), h

    name, first = kind_of("adagrad_step", unsquared)
    assert name == "kind:accumulated_unsquared_gradient"
    assert first.endswith("it looks like dw added to h instead of its square dw²")


def test_a_small_integer_equal_to_an_input_is_not_an_input_returned():
    """The stop epoch of an early stopping that never resets its counter can equal
    ``patience`` by chance: only a counter (t, epoch) counts as returned unchanged."""
    ex = uncatalogued("early_stopping")
    case, expected = case_and_expected(ex)
    args = materialize(case.args)
    patience = args[1]
    got = (patience, expected[1]) if expected[0] != patience else (patience + 7, expected[1])
    d = diagnose(ex, case, expected, got)
    assert d is None or d.kind != "stale_state", d


def _adam_in_order(w, dw, v, s, t, lr, beta1, beta2, eps, *, step_first=False,
                   correct_s=True):
    """An Adam step written by a student: the step before the moments' update
    (``step_first``), or without the second moment's bias correction."""
    v_new = beta1 * v + (1 - beta1) * dw
    s_new = beta2 * s + (1 - beta2) * dw**2
    v_used, s_used = (v, s) if step_first else (v_new, s_new)
    v_hat = v_used / (1 - beta1**t)
    s_hat = s_used / (1 - beta2**t) if correct_s else s_used
    return w - lr * v_hat / (np.sqrt(s_hat) + eps), v_new, s_new


@pytest.mark.parametrize(("flags", "kind"), [
    ({"step_first": True}, "stepped_before_moments"),
    ({"correct_s": False}, "first_moment_only_corrected"),
])
def test_adam_update_orders_are_named(flags, kind):
    def student(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        return _adam_in_order(w, dw, v, s, t, lr, beta1, beta2, eps, **flags)

    assert kind_of("adam_step", student)[0] == f"kind:{kind}"

    def student_dict(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        t = state["t"] + 1
        new_p, v, s = {}, {}, {}
        for k in params:
            new_p[k], v[k], s[k] = _adam_in_order(params[k], grads[k], state["v"][k],
                                                  state["s"][k], t, lr, beta1, beta2, eps,
                                                  **flags)
        return new_p, {"v": v, "s": s, "t": t}

    assert kind_of("update_parameters_with_adam", student_dict)[0] == f"kind:{kind}"


def test_rmsprop_root_stored_as_the_state():
    def stores_root(w, dw, s, lr, beta=0.9, eps=1e-8):
        root = np.sqrt(beta * s + (1 - beta) * dw**2)
        return w - lr * dw / (root + eps), root

    name, first = kind_of("rmsprop_step", stores_root)
    assert name == "kind:stored_the_root"
    assert first.startswith("rmsprop_step: output[1] is wrong at ")

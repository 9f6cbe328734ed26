"""The messages of failing checks, on concrete wrong implementations.

The first line says what is wrong and where (which output, how many entries, the
catalogued mistake or the largest error; a shape explained in words); the case
(visible or hidden, its number, the seed) and the input come after; figures make
sense when the expected value is 0; displayed text is folded at spaces, never inside
a word.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
import subprocess

import numpy as np
import pytest

from course_checks import compare, get, run_check
from course_checks.cases import materialize
from course_checks.compare import Tolerance, explain_shape, format_number
from course_checks.runner import (
    WRAP_WIDTH,
    CheckFailed,
    check,
    evaluate_outputs,
    mistake_label,
    wrap_text,
)
from course_checks.selfcheck import format_table


def uncatalogued(name: str):
    """The exercise without its catalogue: no mistake can be named, figures are shown."""
    return dataclasses.replace(get(name), mistakes=())


def first_case(ex):
    case = ex.cases(ex.visible_seed, 1)[0]
    return case, ex.reference(*materialize(case.args), **materialize(dict(case.kwargs)))


def adam_eps_inside_sqrt(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    v = beta1 * v + (1 - beta1) * dw
    s = beta2 * s + (1 - beta2) * dw**2
    v_hat, s_hat = v / (1 - beta1**t), s / (1 - beta2**t)
    return w - lr * v_hat / np.sqrt(s_hat + eps), v, s


def first_line(mm) -> str:
    return mm.message.splitlines()[0]


def n_wrong(expected, got, tol: Tolerance) -> int:
    return int((~np.isclose(got, expected, rtol=tol.rtol, atol=tol.atol)).sum())


# ---- first line: what is wrong, and where ------------------------------------------


def test_a_catalogued_mistake_is_named_in_the_first_line():
    ex = get("adam_step")
    result = run_check(ex, adam_eps_inside_sqrt)
    case, expected = first_case(ex)
    got = adam_eps_inside_sqrt(*materialize(case.args), **materialize(dict(case.kwargs)))
    k, n = n_wrong(expected[0], got[0], ex.tolerance), expected[0].size
    lines = result.message().splitlines()
    assert lines[0] == (f"adam_step: output[0] is wrong at {k} of {n} entries — it looks like "
                        "the mistake “ε inside the square root” (hint below)")
    assert lines[1] == f"  visible case 1 of {ex.visible_cases} (seed {ex.visible_seed})"
    assert lines[2].startswith("  input: w=array of shape")
    assert lines[-1].startswith("  Hint (eps_inside_sqrt): ε goes after the square root")
    assert "the other parts of the output are right" in result.message()
    with pytest.raises(CheckFailed) as info:
        check("adam_step", adam_eps_inside_sqrt, hidden=True, seed=5)
    assert str(info.value).splitlines()[1].startswith("  hidden case 1 of ")
    assert "(seed 5)" in str(info.value)


def test_an_unnamed_error_gives_its_count_and_largest_error():
    ex = uncatalogued("adam_step")
    _, expected = first_case(ex)
    size = expected[1].size
    flat = [0, size // 2, size - 1]
    shifts = [0.1, -0.2, 0.41]

    def adam_with_wrong_v(*args, **kwargs):
        w, v, s = get("adam_step").reference(*args, **kwargs)
        v = v.copy()
        for i, d in zip(flat, shifts):
            v.flat[i] += d
        return w, v, s

    message = run_check(ex, adam_with_wrong_v).message()
    where = ", ".join(str(int(i)) for i in np.unravel_index(size - 1, expected[1].shape))
    assert message.splitlines()[0] == (
        f"adam_step: output[1] is wrong at 3 of {size} entries (largest error 0.41 at [{where}])")
    assert "Hint (" not in message
    assert "the other parts of the output are right" in message


def test_several_wrong_parts_of_a_tuple_are_all_named():
    def wrong_v_and_s(*args, **kwargs):
        w, v, s = get("adam_step").reference(*args, **kwargs)
        return w, v + 1.0, s + 1.0

    message = run_check(uncatalogued("adam_step"), wrong_v_and_s).message()
    assert message.startswith("adam_step: output[1] is wrong at ")
    assert "also wrong: output[2]" in message
    assert "the other parts of the output are right" not in message


def test_a_dict_with_one_wrong_key_names_that_key():
    ex = uncatalogued("add_l2_gradient")
    _, expected = first_case(ex)
    key = list(expected)[2]

    def l2_everywhere_but_one_key(grads, params, lambd, m):
        out = get("add_l2_gradient").reference(grads, params, lambd, m)
        out[key] = grads[key].copy()  # the regularization term forgotten for this key only
        return out

    first = run_check(ex, l2_everywhere_but_one_key).message().splitlines()[0]
    size = expected[key].size
    assert first == (f"add_l2_gradient: output['{key}'] is wrong at {size} of {size} entries "
                     f"— it looks like the input grads['{key}'] returned unchanged"), first


def test_an_exception_and_a_modified_input_are_said_in_the_first_line():
    def broken(Z):
        return Z.nonexistent_method()

    first = run_check("relu", broken).message().splitlines()[0]
    assert first == ("relu: your function raised AttributeError: 'numpy.ndarray' object has "
                     "no attribute 'nonexistent_method'")

    def inplace(Z):
        np.maximum(Z, 0, out=Z)
        return Z

    message = run_check("relu", inplace).message()
    assert message.splitlines()[0] == (
        "relu: your function changed its input Z in place (its output is right)")
    assert "Hint (modified_input):" in message


def test_errors_reported_by_the_grader_read_as_sentences():
    ex = get("relu")
    graded = evaluate_outputs(ex, 7, 1, [None],
                              ["NameError: no function called 'relu' was defined"], [()])
    assert graded.message().splitlines()[0] == "relu: no function called 'relu' was defined"
    graded = evaluate_outputs(ex, 7, 1, [None], ["the output cannot be graded: it is too large"],
                              [()])
    assert graded.message().splitlines()[0] == (
        "relu: the output cannot be graded: it is too large")
    graded = evaluate_outputs(ex, 7, 1, [None], ["Traceback...\nValueError: " + "x" * 5000],
                              [()])
    first = graded.message().splitlines()[0]
    assert first.startswith("relu: your function raised ValueError: xxx") and len(first) < 300


def test_not_implemented_message_is_unchanged():
    def relu(Z):
        raise NotImplementedError()

    assert run_check("relu", relu).message() == (
        "relu is not implemented yet: replace the line `raise NotImplementedError()` with "
        "your code, run the cell, then run this check again.")


def test_mistake_labels_read_as_words():
    ex = get("adam_step")
    labels = {m.name: mistake_label(m) for m in ex.mistakes}
    assert labels["eps_inside_sqrt"] == "ε inside the square root"
    assert labels["no_bias_correction"] == "no bias correction"


# ---- an expected 0 -----------------------------------------------------------------


def test_an_expected_zero_gives_the_absolute_error_not_a_huge_relative_one():
    message = run_check("relu", lambda Z: np.where(Z > 0, Z, 3e-5)).message()
    assert "1e+300" not in message and "max rel error" not in message
    assert "expected 0, got 3e-05 (absolute error above the tolerance 1e-8)" in message
    assert re.search(r"\(largest error 3e-5 at \[\d+, \d+\]\)$", message.splitlines()[0])
    mm = compare(0.0, 3e-5)
    assert mm.message == "the output should be 0, got 3e-05 (absolute error above the " \
        "tolerance 1e-8)"


def test_relative_errors_count_only_where_the_expected_value_is_not_zero():
    mm = compare(np.array([0.0, 2.0, 4.0]), np.array([1e-3, 2.5, 4.0]))
    assert mm.summary == "the output is wrong at 2 of 3 entries"
    assert mm.figures == "(largest error 0.5 at [1])"
    assert ("max abs error 0.5, max rel error 0.25 (where the expected value is not 0); "
            "1 wrong entry should be 0") in mm.message
    assert format_number(1e-8) == "1e-8" and format_number(2.5e12) == "2.5e+12"


# ---- shapes said in words -----------------------------------------------------------


@pytest.fixture
def Z():
    return np.random.default_rng(0).standard_normal((3, 5))


def test_a_reduction_that_should_not_be_there(Z):
    assert first_line(compare(Z, Z.sum(axis=0, keepdims=True))) == (
        "the output has shape (1, 5) but should be (3, 5) — you summed over axis 0; the "
        "expected output keeps that axis")
    assert explain_shape(Z, Z.mean(axis=1)) == (
        "you averaged over the examples (axis 1); the expected output keeps that axis")

    def softmax_denominator_only(Z):
        return np.exp(Z - Z.max(axis=0)).sum(axis=0, keepdims=True)

    ex = get("softmax")
    _, expected = first_case(ex)
    n, m = expected.shape
    first = run_check(ex, softmax_denominator_only).message().splitlines()[0]
    assert first.startswith(
        f"softmax: the output has shape (1, {m}) but should be ({n}, {m}) — it looks like a "
        "sum or mean over axis 0 that should not be there")


def test_a_missing_reduction(Z):
    assert explain_shape(Z.mean(axis=1, keepdims=True), Z) == (
        "the expected output is the mean over the examples (axis 1); yours is not reduced")
    assert explain_shape(Z.sum(axis=0), Z) == (
        "the expected output is the sum over axis 0; yours is not reduced")
    assert "yours is not reduced (or an (n,) array was broadcast" in explain_shape(
        Z[:, :1], Z[:, :1] - Z[:, 0])  # (3, 1) - (3,): a (3, 3) array

    def fit_standardizer_without_mean(X_train, eps=1e-8):
        return X_train, X_train.std(axis=1, keepdims=True)

    ex = get("fit_standardizer")
    case, _ = first_case(ex)
    shape = case.build()[0][0].shape
    first = run_check(ex, fit_standardizer_without_mean).message().splitlines()[0]
    assert first == (
        f"fit_standardizer: output[0] has shape {shape} but should be ({shape[0]}, 1) — the "
        "expected output is the mean over the examples (axis 1); yours is not reduced")


def test_keepdims_missing_or_extra(Z):
    mu = Z.mean(axis=1, keepdims=True)
    mm = compare(mu, mu.ravel())
    assert mm.kind == "shape"
    assert first_line(mm) == ("the output has shape (3,) but should be (3, 1) — keepdims=True is "
                          "missing: the expected output keeps axis 1 with length 1 (a column "
                          "vector); your values are right")
    assert "your values are right" not in compare(mu, mu.ravel() + 1).message
    assert "an extra axis 1 of length 1" in first_line(compare(mu.ravel(), mu))

    def fit_standardizer_flat(X_train, eps=1e-8):
        return X_train.mean(axis=1), X_train.std(axis=1)

    message = run_check("fit_standardizer", fit_standardizer_flat).message()
    assert message.splitlines()[0].startswith("fit_standardizer: output[0] has shape (")
    assert message.splitlines()[0].endswith(" — it looks like the mistake “lost column shape” "
                                            "(hint below)")
    assert message.splitlines()[3].startswith("    keepdims=True is missing")  # under the case
    assert "Hint (lost_column_shape):" in message


def test_a_transpose_is_recognized_from_the_values(Z):
    assert "it is transposed: your values are the transpose" in first_line(compare(Z, Z.T))
    assert first_line(compare(Z, np.ones((5, 3)))).endswith(
        "transposed? (examples are columns: (n, m))")


# ---- folding: never inside a word ----------------------------------------------------


def test_wrap_text_folds_at_spaces_only():
    text = ("  input: W=array of shape (12, 30) float64, b=array of shape (12, 1) float64, "
            "a_very_long_identifier_that_is_longer_than_the_width_of_the_output_area_itself, "
            "index [4, 11] and more words to fold")
    folded = wrap_text(text, width=40)
    assert folded.split() == text.split()  # every word whole, in order
    lines = folded.splitlines()
    assert all(len(ln) <= 40 or " " not in ln.strip() for ln in lines), lines
    assert all(ln.startswith("    ") for ln in lines[1:])  # continuation: indent + 2
    assert "(12, 30)" in folded and "[4, 11]" in folded  # shapes and indices stay whole
    assert wrap_text("short\n  kept as is") == "short\n  kept as is"


def test_displayed_messages_fit_the_width():
    with pytest.raises(CheckFailed) as info:
        check("adam_step", adam_eps_inside_sqrt)
    shown = info.value._render_traceback_()
    assert shown[0].startswith("CheckFailed: adam_step: output[0] is wrong")
    assert max(len(ln) for ln in shown) <= WRAP_WIDTH
    assert " ".join(shown).split() == f"CheckFailed: {info.value}".split()
    row = {"exercise": "adam_step", "points": 2, "status": "failed", "detail": str(info.value)}
    table = format_table([row], "07_optimizers")
    assert max(len(ln) for ln in table.splitlines()) <= WRAP_WIDTH


def test_feedback_pages_fold_messages_at_spaces(tmp_path):
    from autograder import course as C
    from autograder.grading import ExerciseGrade, SubmissionGrade

    message = run_check("adam_step", adam_eps_inside_sqrt).message()
    g = SubmissionGrade("s1", "07_optimizers", "graded",
                        exercises=[ExerciseGrade("adam_step", 0, 2, "failed", message)])
    page = C.write_feedback(tmp_path, [g])[0].read_text()
    assert "word-break:normal" in page and "overflow-wrap:normal" in page
    pre = re.search(r"<pre>(.*?)</pre>", page, re.S).group(1)
    assert max(len(ln) for ln in pre.splitlines()) <= WRAP_WIDTH + 20  # html escapes add a little
    assert "it looks like the mistake" in pre


# JupyterLab's rule for text output (@jupyterlab/outputarea, style/base.css): a line wider
# than the output area breaks anywhere, inside words too.
JUPYTER_OUTPUT_CSS = ("pre {border: none; margin: 0; padding: 0; overflow-x: auto; "
                      "word-break: break-all; word-wrap: break-word; white-space: pre-wrap; "
                      "font: 13px monospace}")
COUNT_BROKEN_WORDS = r"""
const probe = document.createElement("span"); probe.textContent = "x".repeat(10);
probe.style.whiteSpace = "pre"; document.querySelector("pre").appendChild(probe);
const ch = probe.getBoundingClientRect().width / 10; probe.remove();
const result = {};
for (const pre of document.querySelectorAll("pre")) {
  pre.parentNode.style.width = (WIDTH * ch + 1) + "px";
  const node = pre.firstChild, re = /\S+/g; let m, broken = 0, words = 0;
  while ((m = re.exec(node.textContent))) {
    words++; const r = document.createRange();
    r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
    if (new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1) broken++;
  }
  result[pre.id] = [broken, words];
}
document.title = JSON.stringify(result);
"""


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_in_a_notebook_output_area_no_word_is_broken(tmp_path):
    """Rendered by Chromium with JupyterLab's output CSS in an area WRAP_WIDTH characters
    wide, the folded messages break no word; the same text unfolded does."""
    def no_l2(grads, params, lambd, m):
        return {k: g.copy() for k, g in grads.items()}

    raw = "\n\n".join(run_check(name, fn).message() for name, fn in (
        ("adam_step", adam_eps_inside_sqrt), ("add_l2_gradient", no_l2),
        ("relu", lambda Z: np.where(Z > 0, Z, 3e-5))))
    page = tmp_path / "output.html"
    page.write_text(
        f"<html><head><style>{JUPYTER_OUTPUT_CSS}</style></head><body>"
        f"<div><pre id='raw'>{html.escape(raw)}</pre></div>"
        f"<div><pre id='folded'>{html.escape(wrap_text(raw))}</pre></div>"
        f"<script>{COUNT_BROKEN_WORDS.replace('WIDTH', str(WRAP_WIDTH))}</script>"
        "</body></html>", encoding="utf-8")
    out = subprocess.run(
        [shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu",
         "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    counts = json.loads(html.unescape(re.search(r"<title>(.*)</title>", out.stdout).group(1)))
    assert counts["folded"][0] == 0, counts
    assert counts["raw"][0] > 0, counts  # the test can tell: unfolded text is broken

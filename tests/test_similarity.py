"""Similarity: copies with renamed variables rank first; scaffold and reference are ignored."""

from __future__ import annotations

import copy
import json
import random
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from autograder import NOTEBOOKS, SOLUTIONS
from autograder import course as _course  # noqa: F401  (imported before timing)
from autograder.__main__ import main
from autograder.similarity import (
    K,
    Submission,
    W,
    _tokens,
    compare_submissions,
    kgram_hashes,
    normalized_tokens,
    similar_pairs,
    winnow,
    write_views,
)

A = "07_optimizers"

ANN = {
    "gd_step": '''def gd_step(w, dw, lr):
    """Gradient descent step."""
    step = lr * dw
    updated = w - step
    return updated
''',
    "momentum_step": '''def momentum_step(w, dw, v, lr, beta=0.9):
    velocity = beta * v
    velocity = velocity + (1.0 - beta) * dw
    new_weights = w - lr * velocity
    return new_weights, velocity
''',
    "adam_step": '''def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    first = beta1 * v + (1.0 - beta1) * dw
    second = beta2 * s + (1.0 - beta2) * np.square(dw)
    first_corrected = first / (1.0 - np.power(beta1, t))
    second_corrected = second / (1.0 - np.power(beta2, t))
    denominator = np.sqrt(second_corrected) + eps
    new_w = w - lr * first_corrected / denominator
    return new_w, first, second
''',
    "rmsprop_step": '''def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
    avg_sq = beta * s + (1.0 - beta) * np.square(dw)
    scale = np.sqrt(avg_sq) + eps
    return w - lr * (dw / scale), avg_sq
''',
}
# Same shape as ANN on purpose: BOB is ANN's answers with every name changed, comments
# added and spacing reworked, the copy the similarity check must rank first.
BOB = {
    "gd_step": '''def gd_step(w, dw, lr):
    # my own step
    delta = lr*dw
    result = w - delta   # subtract
    return result
''',
    "momentum_step": '''def momentum_step(w, dw, v, lr, beta=0.9):
    # EMA of the gradients
    vv = beta*v
    vv = vv + (1.0 - beta)*dw
    w2 = w - lr*vv
    return w2, vv
''',
    "adam_step": '''def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    # Adam
    m1 = beta1*v + (1.0-beta1)*dw
    m2 = beta2*s + (1.0-beta2)*np.square(dw)

    m1c = m1/(1.0 - np.power(beta1, t))
    m2c = m2/(1.0 - np.power(beta2, t))
    den = np.sqrt(m2c) + eps
    out = w - lr*m1c/den
    return out, m1, m2
''',
    "rmsprop_step": '''def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
    sq = beta*s + (1.0-beta)*np.square(dw)
    sc = np.sqrt(sq) + eps
    return w - lr*(dw/sc), sq
''',
}
CYD = {
    "gd_step": '''def gd_step(w, dw, lr):
    return np.subtract(w, np.multiply(lr, dw))
''',
    "momentum_step": '''def momentum_step(w, dw, v, lr, beta=0.9):
    v = np.add(np.multiply(beta, v), np.multiply(1 - beta, dw))
    return np.subtract(w, np.multiply(lr, v)), v
''',
    "adam_step": '''def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    v_next = beta1 * v + (1 - beta1) * dw
    s_next = beta2 * s + (1 - beta2) * dw ** 2
    correction1 = 1 - beta1 ** t
    correction2 = 1 - beta2 ** t
    update = (v_next / correction1) / (np.sqrt(s_next / correction2) + eps)
    return w - lr * update, v_next, s_next
''',
    "rmsprop_step": '''def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
    s_next = beta * s + (1 - beta) * dw ** 2
    return w - lr * dw / (s_next ** 0.5 + eps), s_next
''',
}
DAN = {
    "gd_step": '''def gd_step(w, dw, lr):
    out = w.copy()
    out -= lr * dw
    return out
''',
    "momentum_step": '''def momentum_step(w, dw, v, lr, beta=0.9):
    new_v = (1 - beta) * dw + beta * v
    new_w = w.copy()
    new_w -= lr * new_v
    return new_w, new_v
''',
    "adam_step": '''def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    mean = (1 - beta1) * dw + beta1 * v
    var = (1 - beta2) * (dw * dw) + beta2 * s
    out = w.copy()
    out -= lr / (1 - beta1 ** t) * mean / (np.sqrt(var / (1 - beta2 ** t)) + eps)
    return out, mean, var
''',
    "rmsprop_step": '''def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
    new_s = (1 - beta) * (dw * dw) + beta * s
    out = w.copy()
    out -= lr * dw / (np.sqrt(new_s) + eps)
    return out, new_s
''',
}
REFERENCE = "reference"  # marker: every answer cell as in solutions/ (markers removed)


def notebook(answers: dict[str, str] | str) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / f"{A}.ipynb", as_version=4)
    sol = {c.id: c.source for c in nbformat.read(SOLUTIONS / f"{A}.ipynb", as_version=4).cells}
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("solution"):
            if answers == REFERENCE:
                c.source = "\n".join(ln for ln in sol[c.id].splitlines() if "### " not in ln)
            elif c.id in answers:
                c.source = answers[c.id]
    return nb


def make_course(tmp: Path, students: dict[str, dict[str, str] | str]) -> Path:
    course = tmp / "course"
    (course / "release" / A).mkdir(parents=True)
    shutil.copy(NOTEBOOKS / f"{A}.ipynb", course / "release" / A / f"{A}.ipynb")
    for name, answers in students.items():
        path = course / "submitted" / name / A / f"{A}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook(answers), path)
    return course


CLASS = {
    "ann": ANN, "bob": BOB, "cyd": CYD, "dan": DAN,
    "eve": REFERENCE, "gus": REFERENCE,  # both handed in the reference answers
    "fay": {},  # the scaffold as released
    "hal": {"adam_step": ANN["adam_step"], "gd_step": CYD["gd_step"]},  # copied one of ann's
}


def test_renamed_copies_rank_first_and_scaffold_and_reference_are_ignored(tmp_path):
    course = make_course(tmp_path, CLASS)
    pairs, loaded, skipped = similar_pairs(course, threshold=0.0, min_shared=1)
    assert skipped == []
    first = pairs[0]
    assert {first.a, first.b} == {"ann", "bob"} and first.score >= 0.95
    assert first.a_in_b >= 0.95 and first.b_in_a >= 0.95
    prints = {s.student: s.prints for s in loaded[A]}
    assert prints["fay"] == prints["eve"] == prints["gus"] == frozenset()  # nothing of theirs
    assert len(prints["ann"]) >= 20
    listed = {frozenset((p.a, p.b)) for p in pairs}
    assert not any({"eve", "gus", "fay"} & pair for pair in listed)
    hal = {frozenset((p.a, p.b)): p for p in pairs}[frozenset(("ann", "hal"))]
    # hal's adam_step is ann's (hal's gd_step is cyd's): most of hal is in ann, a part of
    # ann is in hal, and the score is the larger share
    assert hal.shared >= 15
    assert hal.b_in_a == round(hal.shared / len(prints["hal"]), 4) == hal.score
    assert hal.a_in_b == round(hal.shared / len(prints["ann"]), 4) < 0.7 < hal.b_in_a
    honest = [p for p in pairs if {p.a, p.b} <= {"ann", "cyd", "dan"}]
    assert honest and max(p.score for p in honest) < 0.3
    # the default threshold and minimum keep exactly the copies
    pairs, _, _ = similar_pairs(course)
    assert [(p.a, p.b) for p in pairs] == [("ann", "bob")]
    pairs, _, _ = similar_pairs(course, threshold=0.7)
    assert [(p.a, p.b) for p in pairs] == [("ann", "bob"), ("ann", "hal"), ("bob", "hal")]


def test_tokens_ignore_names_comments_and_layout():
    a = normalized_tokens("x = np.sqrt(s) + eps  # note\n")
    b = normalized_tokens("root=np.sqrt(  avg )+e\n")
    assert [t[0] for t in a] == [t[0] for t in b] == ["V", "=", "V", ".", "sqrt", "(", "V", ")",
                                                      "+", "V"]
    src = "for k in range(len(d)):\n    print('hi', d[k])\n"
    toks = normalized_tokens(src)
    assert [t[0] for t in toks][:8] == ["for", "V", "in", "range", "(", "len", "(", "V"]
    assert "S" in [t[0] for t in toks]
    assert all(src[s:e] for _, s, e in toks)  # spans point into the source
    broken = normalized_tokens('def f(x:\n    return "open\n')  # does not tokenize
    assert [t[0] for t in broken][:4] == ["def", "V", "(", "V"]


def test_winnowing_guarantee():
    """Any common run of k + w - 1 tokens shares a fingerprint, wherever it sits."""
    rng = random.Random(3)
    vocab = ["V", "=", "+", "*", "(", ")", "1", "2", "np", "."]
    for _ in range(200):
        common = [rng.choice(vocab) for _ in range(K + W - 1)]
        a = [rng.choice(vocab) for _ in range(rng.randint(0, 30))]
        b = [rng.choice(vocab) for _ in range(rng.randint(0, 30))]
        ta = [(t, 0, 0) for t in [*a, *common, *a[::-1]]]
        tb = [(t, 0, 0) for t in [*b, *common]]
        assert winnow(kgram_hashes(ta)) & winnow(kgram_hashes(tb))
    assert winnow([5, 3, 9, 7, 8, 1], 4) == {3, 1}
    assert winnow([4, 2], 4) == {2} and winnow([], 4) == set()


def test_code_most_of_the_class_writes_is_not_evidence():
    # 12 students write the same non-reference helper line: not evidence of copying
    line = "    scratch = np.zeros_like(w) + np.ones_like(w) * 0.5 - np.full_like(w, 0.25)\n"
    subs = [Submission(f"s{i}", {}, prints=frozenset(
        h for h in kgram_hashes(normalized_tokens(line)))) for i in range(12)]
    assert compare_submissions(subs, A, min_shared=1) == []
    assert len(compare_submissions(subs[:3], A, min_shared=1)) == 3  # a few: still listed


def test_views_highlight_the_matching_code(tmp_path):
    course = make_course(tmp_path, {k: CLASS[k] for k in ("ann", "bob", "cyd", "fay")})
    pairs, loaded, _ = similar_pairs(course)
    index, viewed = write_views(pairs, loaded, tmp_path / "sim")
    assert pairs[0].view == ""  # the caller's pairs are not changed
    pairs = viewed
    assert len(pairs) == 1 and pairs[0].view == f"{A}/ann--bob.html"
    page = (tmp_path / "sim" / pairs[0].view).read_text()
    assert "<mark>m1c = m1/(1.0 - np.power(beta1, t))</mark>" in page
    assert "<mark>first_corrected = first / (1.0 - np.power(beta1, t))</mark>" in page
    assert "<mark>def adam_step" not in page  # the released signature is not a match
    assert "raise NotImplementedError()" in page and "<mark>raise" not in page
    assert "not a verdict" in page and "ann--bob.html" in index.read_text()
    data = json.loads((tmp_path / "sim" / "similarity.json").read_text())
    assert [(d["a"], d["b"], d["shared"]) for d in data] == [("ann", "bob", pairs[0].shared)]
    _, viewed = write_views(pairs * 3, loaded, tmp_path / "capped", max_views=2)
    assert [p.view for p in viewed] == [f"{A}/ann--bob.html"] * 2 + [""]


def test_similarity_command(tmp_path, capsys):
    course = make_course(tmp_path, CLASS)
    before = sorted(p.read_bytes() for p in (course / "submitted").rglob("*.ipynb"))
    assert main(["--course", str(course), "similarity", "--assignment", A]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].startswith(f"   1. 100%  {A}  ann ~ bob  (")
    assert (course / "similarity" / "index.html").exists()
    assert sorted(p.read_bytes() for p in (course / "submitted").rglob("*.ipynb")) == before
    assert not (course / "results").exists()  # never a grade
    assert main(["--course", str(course), "similarity", "--threshold", "1.5"]) == 2
    assert "between 0 and 1" in capsys.readouterr().err
    assert main(["--course", str(course), "similarity", "--assignment", "99_x"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "99_x" in err


@pytest.mark.slow
def test_300_submissions_in_seconds(tmp_path):
    """300 submissions of 07_optimizers, three honest styles with random extra lines, and
    one renamed copy planted: compared in a few seconds, the copy first."""
    rng = random.Random(1)
    base = notebook({})
    course = make_course(tmp_path, {})
    for i in range(300):
        nb = copy.deepcopy(base)
        for c in nb.cells:
            if c.id in ANN:
                src = rng.choice([ANN, CYD, DAN])[c.id].splitlines()
                for _ in range(rng.randint(1, 3)):
                    src.insert(rng.randint(1, len(src) - 1), f"    c{rng.randint(0, 99)} = "
                               f"np.zeros({rng.randint(1, 9)}) * {rng.random():.3f}")
                c.source = "\n".join(src) + "\n"
        path = course / "submitted" / f"s{i:03d}" / A / f"{A}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb if i != 299 else notebook(BOB), path)
        if i == 0:
            nbformat.write(notebook(ANN), path)
    _tokens.cache_clear()
    t0 = time.perf_counter()
    pairs, loaded, _ = similar_pairs(course)
    seconds = time.perf_counter() - t0
    assert len(loaded[A]) == 300
    assert (pairs[0].a, pairs[0].b) == ("s000", "s299")
    assert seconds < 20, seconds  # about 1 s of CPU on a quiet machine (docs/grading.md)


def test_damaged_files_are_listed_not_fatal(tmp_path):
    course = make_course(tmp_path, {"ann": ANN, "bob": BOB})
    for name, text in {"kim": '{"cells": 5}', "lee": '{"cells": [', "max": "[1, 2]"}.items():
        path = course / "submitted" / name / A / f"{A}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(text)
    pairs, loaded, skipped = similar_pairs(course)
    assert [(p.a, p.b) for p in pairs] == [("ann", "bob")]
    assert sorted(s.student for s in loaded[A]) == ["ann", "bob", "kim"]
    assert [s.split(":")[0] for s in skipped] == [f"lee/{A}", f"max/{A}"]

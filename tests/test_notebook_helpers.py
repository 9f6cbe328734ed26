"""course_checks.notebook: what the notebooks' demo cells use to run the student's code."""

from __future__ import annotations

import numpy as np

from course_checks.notebook import yours_or_reference


def _wrong_gd_step(w, dw, lr):
    return w + lr * dw  # the sign flipped


def _right_gd_step(w, dw, lr):
    return w - lr * dw


def _unfinished_gd_step(w, dw, lr):
    raise NotImplementedError


W, DW = np.ones((2, 3)), np.full((2, 3), 0.5)


def test_a_failing_function_runs_with_a_visible_note_once(capsys):
    step = yours_or_reference(_wrong_gd_step, "gd_step")
    out = step(W, DW, 0.1)
    np.testing.assert_allclose(out, W + 0.1 * DW)  # the student's own result
    note = capsys.readouterr().out
    assert "your gd_step does not pass its check yet" in note and "wrong" in note
    assert max(len(line) for line in note.splitlines()) <= 80
    step(W, DW, 0.1)
    assert capsys.readouterr().out == ""  # said once


def test_a_passing_function_runs_silently(capsys):
    step = yours_or_reference(_right_gd_step, "gd_step")
    np.testing.assert_allclose(step(W, DW, 0.1), W - 0.1 * DW)
    assert capsys.readouterr().out == ""


def test_an_unfinished_function_is_replaced_by_the_reference_with_a_note(capsys):
    step = yours_or_reference(_unfinished_gd_step, "gd_step")
    np.testing.assert_allclose(step(W, DW, 0.1), W - 0.1 * DW)
    assert "not implemented yet" in capsys.readouterr().out


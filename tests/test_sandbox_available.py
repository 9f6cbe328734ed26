"""The sandbox tests skip when bubblewrap is missing; where it is installed, a sandbox that
does not start is a failure, never a quiet skip of every grading test."""

from __future__ import annotations

import shutil

import pytest

from autograder.sandbox import available


def test_bubblewrap_works_where_it_is_installed():
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (python3 course.py test installs it as root)")
    ok, why = available()
    assert ok, f"bubblewrap is installed but the grading sandbox does not start: {why}"

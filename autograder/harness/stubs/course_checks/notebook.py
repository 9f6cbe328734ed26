"""Grading-time stand-in: demo helpers return the student's own function."""


def yours_or_reference(fn, exercise):
    return fn

"""Grading-time stand-in: the self-check table is not printed while grading."""


def report(*args, **kwargs):
    return None

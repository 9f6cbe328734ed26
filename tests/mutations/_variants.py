"""Mutations as data: a module's wrong answers in ``tests/mutations/nbNN.toml``.

Each ``[[exercise]]`` states the exercise's correct answer once (``correct``, the answer
cell as a student writes it), then its mutations in order (``[[exercise.mutation]]``),
each with ``what`` (one line: what is wrong) and either

* ``old`` and ``new`` (and ``also``, further ``[old, new]`` pairs, applied in turn): the
  correct answer with that change, :func:`variant`; or
* ``source``: a whole answer cell, where the wrong code is structured differently.

``nbNN.py`` turns the file into ``MUTATIONS`` (``(exercise, description, source)``, see
``tests/mutations/__init__.py``) with :func:`mutations`. The wrong answers are data, not
code of the suite: a table of them in Python would repeat one shape for every row.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

__all__ = ["correct_answers", "mutations", "variant"]

_MUTATION_KEYS = {"what", "old", "new", "also", "source"}


def variant(base: str, old: str, new: str, *more: tuple[str, str] | list[str]) -> str:
    """``base`` with ``old`` replaced by ``new``, then each further ``(old, new)`` of
    ``more`` in turn; every ``old`` must occur exactly once in the text it is replaced in
    (a change that matches nothing, or matches twice, is a bug of the suite)."""
    text = base
    for before, after in ((old, new), *more):
        count = text.count(before)
        if count != 1:
            raise AssertionError(f"variant: {before!r} occurs {count} times (once expected) "
                                 f"in:\n{text}")
        text = text.replace(before, after)
    return text


def _load(module_file: str) -> tuple[Path, dict]:
    path = Path(module_file).with_suffix(".toml")
    with open(path, "rb") as f:
        return path, tomllib.load(f)


def correct_answers(module_file: str) -> list[tuple[str, str]]:
    """``(exercise, correct answer)`` of every exercise of the ``.toml`` next to
    ``module_file`` that states one (the answer its ``old``/``new`` mutations change)."""
    _, data = _load(module_file)
    return [(ex["name"], ex["correct"]) for ex in data["exercise"] if "correct" in ex]


def mutations(module_file: str) -> list[tuple[str, str, str]]:
    """``(exercise, description, source)`` of every mutation in the ``.toml`` next to
    ``module_file`` (``nbNN.py`` -> ``nbNN.toml``), in the file's order."""
    path, data = _load(module_file)
    out = []
    for ex in data["exercise"]:
        name, correct = ex["name"], ex.get("correct")
        for k, m in enumerate(ex["mutation"], 1):
            where = f"{path.name}: {name}, mutation {k}"
            if not {"what"} <= set(m) <= _MUTATION_KEYS or ("source" in m) == ("old" in m):
                raise ValueError(f"{where}: give what, then source or old/new (also), "
                                 f"got {sorted(m)}")
            if "source" in m:
                out.append((name, m["what"], m["source"]))
            elif correct is None:
                raise ValueError(f"{where}: old/new change the correct answer; add correct")
            else:
                out.append((name, m["what"],
                            variant(correct, m["old"], m["new"], *m.get("also", ()))))
    return out

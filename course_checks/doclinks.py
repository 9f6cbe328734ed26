"""The line ``Exercise `adam_step`, notebook 07_optimizers.`` in course_lib's docstrings.

Each public ``course_lib`` function (or class) that an exercise re-implements ends
its docstring with one such line per exercise, so that a reader of the library
finds the exercise, and the exercise's name finds the library code
(``git grep 'Exercise `adam_step`'``). The lines are derived from the registry
(:func:`reimplemented`) and written by::

    python -m course_checks.outline docstrings            # exit 1 when a link is stale
    python -m course_checks.outline docstrings --write    # insert / update / remove them

which rewrite only the docstrings' last paragraph. ``--lib DIR`` points them at a
copy of ``course_lib``.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .registry import Exercise, Method, all_exercises

__all__ = [
    "docstring_edits",
    "docstring_problems",
    "innermost",
    "link_line",
    "linked_exercises",
    "reimplemented",
    "write_docstrings",
]

ROOT = Path(__file__).resolve().parent.parent
COURSE_LIB = ROOT / "course_lib"


def _relative(path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


_LINK = re.compile(r"^Exercise `(?P<name>\w+)`, notebook (?P<notebook>\w+)\.$")


def link_line(ex: Exercise) -> str:
    """The line an exercise puts in the docstring of the function it re-implements."""
    return f"Exercise `{ex.name}`, notebook {ex.notebook}."


def _unwrapped(fn: Any) -> list[Any]:
    """``fn``, then what it wraps (``functools.wraps``, ``functools.partial``), and so on."""
    chain = [fn]
    while len(chain) < 100:
        inner = chain[-1].func if isinstance(chain[-1], functools.partial) else getattr(
            chain[-1], "__wrapped__", None)
        if inner is None:
            break
        chain.append(inner)
    return chain


def innermost(fn: Any) -> Any:
    """What ``fn`` wraps, all the way down (``fn`` itself when it wraps nothing)."""
    return _unwrapped(fn)[-1]


def _public_course_lib(obj: Any) -> tuple[str, str] | None:
    """``(module, qualname)`` of a public course_lib function, class or method, else None."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not (isinstance(module, str) and isinstance(qualname, str)):
        return None
    if module.split(".")[0] != "course_lib" or "<" in qualname:
        return None
    if any(part.startswith("_") for part in (*module.split("."), *qualname.split("."))):
        return None
    return module, qualname


def _where_defined(obj: Any) -> tuple[str, str] | None:
    """The first public course_lib definition of ``obj`` or of what it wraps, else None."""
    for inner in _unwrapped(obj):
        where = _public_course_lib(inner)
        if where is not None:
            return where
    return None


def _implemented(ex: Exercise) -> list[tuple[str, str]]:
    """Where the public course_lib callables of ``ex.implements`` are defined.

    A :class:`~course_checks.registry.Method` counts only when its class defines it
    (an inherited method's definition belongs to another class).
    """
    found = []
    for obj in ex.implements:
        if isinstance(obj, Method):
            obj = obj.cls.__dict__.get(obj.name)
            if isinstance(obj, staticmethod | classmethod):
                obj = obj.__func__
        where = _where_defined(obj) if obj is not None else None
        if where is not None and where not in found:
            found.append(where)
    return found


def _named_in_code(fn: Any) -> list[tuple[str, str]]:
    """The public course_lib callables an adapter's own code names (``Adam``, ``l2_penalty``).

    Globals its code reads, and their attributes it reads when they are course_lib
    modules, or methods defined on a course_lib class itself (not inherited).
    """
    code, scope = getattr(fn, "__code__", None), getattr(fn, "__globals__", None)
    if code is None or not isinstance(scope, dict):
        return []
    bases = [scope[n] for n in code.co_names if n in scope]
    objs = list(bases)
    for base in bases:
        if not str(getattr(base, "__name__", "")).startswith("course_lib") and not (
                inspect.isclass(base) and _public_course_lib(base)):
            continue
        for name in code.co_names:
            attr = inspect.getattr_static(base, name, None)
            if isinstance(attr, staticmethod | classmethod):
                attr = attr.__func__
            if attr is None or (inspect.isclass(base) and not str(
                    getattr(attr, "__qualname__", "")).startswith(f"{base.__qualname__}.")):
                continue
            objs.append(attr)
    found = []
    for obj in objs:
        where = _where_defined(obj)
        if where is not None and where not in found:
            found.append(where)
    return found


def reimplemented(ex: Exercise) -> list[tuple[str, str]]:
    """The public course_lib functions ``ex`` re-implements, as ``(module, qualname)``.

    Its reference (or what the reference wraps) when that is a public course_lib
    function. Otherwise the reference is an adapter written in the registry: the
    public course_lib callables that both its code names and the exercise's
    ``implements`` lists (``l2_penalty`` for ``compute_cost_with_l2``, not the
    ``compute_cost`` it also lists); when none is both, its ``implements``, else what
    its code names. Private helpers (``_batchnorm_forward``) get no link.
    """
    own = _where_defined(ex.reference)
    if own is not None:
        return [own]
    named = _named_in_code(innermost(ex.reference))
    listed = _implemented(ex)
    both = [w for w in named if w in listed]
    return both or listed or named


def linked_exercises(exercises: Iterable[Exercise] | None = None
                     ) -> dict[tuple[str, str], list[Exercise]]:
    """``(module, qualname) -> the exercises that re-implement it``, in course order."""
    links: dict[tuple[str, str], list[Exercise]] = {}
    for ex in exercises if exercises is not None else all_exercises():
        for where in reimplemented(ex):
            links.setdefault(where, []).append(ex)
    return links


def _definitions(tree: ast.Module) -> Iterable[tuple[str, ast.AST]]:
    """``(qualname, node)`` of every module-level function and class, and class members."""
    def walk(body: list[ast.stmt], prefix: str) -> Iterable[tuple[str, ast.AST]]:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                qualname = f"{prefix}{node.name}"
                yield qualname, node
                if isinstance(node, ast.ClassDef):
                    yield from walk(node.body, f"{qualname}.")
    return walk(tree.body, "")


def _module_file(lib_dir: Path, module: str) -> Path:
    parts = module.split(".")[1:]
    path = Path(lib_dir, *parts)
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _relink(source: str, lines_for: Callable[[str], list[str]]
            ) -> tuple[str, list[str], list[str]]:
    """``source`` with each docstring's link lines replaced by ``lines_for(qualname)``.

    Returns the new source, the qualnames whose docstring changed, and those that want
    links but have no docstring.
    """
    tree = ast.parse(source)
    offsets = [0]
    for line in source.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    edits: list[tuple[int, int, str]] = []
    changed, undocumented = [], []
    for qualname, node in _definitions(tree):
        want = lines_for(qualname)
        first = node.body[0] if node.body else None
        if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)):
            if want:
                undocumented.append(qualname)
            continue
        start = _offset(source, offsets, first.lineno, first.col_offset)
        end = _offset(source, offsets, first.end_lineno, first.end_col_offset)
        literal = source[start:end]
        new = _relinked_literal(literal, want, " " * first.col_offset)
        if new != literal:
            edits.append((start, end, new))
            changed.append(qualname)
    for start, end, new in sorted(edits, reverse=True):
        source = source[:start] + new + source[end:]
    return source, changed, undocumented


def _offset(source: str, offsets: list[int], lineno: int, col: int) -> int:
    """The character offset of ast's ``(lineno, col)``; ast counts columns in UTF-8 bytes."""
    line = source[offsets[lineno - 1]:offsets[lineno]]
    return offsets[lineno - 1] + len(line.encode()[:col].decode())


def _relinked_literal(literal: str, links: list[str], indent: str) -> str:
    """A docstring literal whose last paragraph is exactly ``links`` (none: no link lines)."""
    m = re.fullmatch(r"(?P<prefix>[rRuU]?)(?P<q>\"\"\"|''')(?P<body>.*)(?P=q)", literal,
                     re.DOTALL)
    if m is None:  # a one-quote string: leave it alone
        return literal
    body = m["body"]
    lines = body.split("\n")
    kept = [line for line in lines if not _LINK.match(line.strip())]
    current = [line.strip() for line in lines if _LINK.match(line.strip())]
    if current == links:
        return literal
    multiline = len(lines) > 1
    while len(kept) > 1 and not kept[-1].strip():
        kept.pop()
    text = "\n".join(kept).rstrip()
    if links:
        text += "\n\n" + "\n".join(indent + line for line in links) + "\n" + indent
    elif multiline and "\n" in text:
        text += "\n" + indent
    else:  # only the summary line is left: a one-line docstring again
        text = text.strip()
    return f"{m['prefix']}{m['q']}{text}{m['q']}"


def docstring_edits(lib_dir: Path = COURSE_LIB,
                    links: Mapping[tuple[str, str], list[Exercise]] | None = None
                    ) -> tuple[dict[Path, tuple[str, str, list[str]]], list[str]]:
    """What linking the docstrings of ``lib_dir`` (a copy of ``course_lib``) would change.

    Returns ``{file: (old source, new source, the qualnames whose docstring changes)}``
    for the files that change, and one problem per target that cannot take a link (no
    such file, function or docstring).
    """
    lib_dir = Path(lib_dir)
    if not (lib_dir / "__init__.py").exists():
        raise FileNotFoundError(f"{lib_dir} is not a course_lib package (no __init__.py): "
                                "pass the course_lib directory, e.g. --lib course_lib")
    links = linked_exercises() if links is None else links
    by_file: dict[Path, dict[str, list[str]]] = {}
    problems = []
    for (module, qualname), exs in links.items():
        path = _module_file(lib_dir, module)
        if not path.exists():
            problems.append(f"{module}.{qualname} (exercise {exs[0].name!r}): no file {path}")
            continue
        by_file.setdefault(path, {})[qualname] = [link_line(ex) for ex in exs]
    edits = {}
    for path in sorted(lib_dir.rglob("*.py")):
        old = path.read_text(encoding="utf-8")
        wanted = by_file.get(path, {})
        new, changed, undocumented = _relink(old, lambda q, wanted=wanted: wanted.get(q, []))
        defined = {q for q, _ in _definitions(ast.parse(old))}
        for qualname in wanted:
            if qualname not in defined:
                problems.append(f"{_relative(path)}: no definition of {qualname} to link to "
                                f"{wanted[qualname]}")
        for qualname in undocumented:
            problems.append(f"{_relative(path)}: {qualname} has no docstring to link "
                            f"{wanted[qualname]} from: give it one (docs/conventions.md)")
        if new != old:
            edits[path] = (old, new, changed)
    return edits, problems


def docstring_problems(lib_dir: Path = COURSE_LIB) -> list[str]:
    """One line per docstring whose exercise links are out of date (or cannot be written)."""
    links = linked_exercises()
    edits, problems = docstring_edits(lib_dir, links)
    wanted = {(_module_file(Path(lib_dir), m), q): exs for (m, q), exs in links.items()}
    for path, (_, _, changed) in edits.items():
        for qualname in changed:
            exs = wanted.get((path, qualname), [])
            want = (("should end with " + " / ".join(f"«{link_line(ex)}»" for ex in exs))
                    if exs else "should link no exercise")
            problems.append(f"{_relative(path)}: the docstring of {qualname} {want}: run "
                            "`python -m course_checks.outline docstrings --write`")
    return problems


def write_docstrings(lib_dir: Path = COURSE_LIB) -> list[Path]:
    """Insert or update the exercise links in the docstrings of ``lib_dir``; the files written."""
    edits, _ = docstring_edits(lib_dir)
    for path, (_, new, _) in edits.items():
        path.write_text(new, encoding="utf-8")
    return sorted(edits)

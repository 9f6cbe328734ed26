"""The ``course_lib`` a grading sandbox imports: real where grading needs it, stubs elsewhere.

Rule: no code that can compute a graded answer is present in the sandbox. For the
notebook being graded, :func:`build_sandbox_lib` writes an import-compatible
``course_lib`` in which only the modules declared in ``course_checks/allowed.py`` are
byte-for-byte copies of the real ones (a module declared ``Partly`` is a copy with the
definitions of the listed names cut out and replaced by stubs). Every other module is
generated: it defines every module-level name of the real module (so ``from
course_lib.x import _helper`` still imports), but its functions, classes and methods
only call
``course_lib._unavailable.unavailable(qualname)``, which fires the audit event
``course_lib.unavailable`` (the worker records it) and raises
``NotAvailableWhileGrading`` with one clear line. Plain constants are copied by value;
other objects (dicts of functions, caches) become placeholders that raise when used.

The stubs are generated here, in the grader's process, by importing the real
``course_lib`` and inspecting it; nothing is executed in the sandbox to build them.
The result is cached in a content-addressed directory under the temporary directory
(readable by the sandbox's unprivileged uid), so a batch builds each notebook's
library once.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib
import inspect
import math
import os
import shutil
import stat
import tempfile
from pathlib import Path
from types import ModuleType

import course_lib
from course_checks.allowed import sandbox_plan

__all__ = ["LIBSTUB_VERSION", "REAL_LIB", "build_sandbox_lib", "real_modules"]

LIBSTUB_VERSION = 1
REAL_LIB = Path(course_lib.__file__).resolve().parent
CACHE_DIR_NAME = "course-sandbox-lib"

# Dunder methods of a real class that a stub class overrides: the ones that *do*
# something with an instance. The object protocol (__repr__, __eq__, __hash__,
# __setattr__, ...) is left alone so that tools inspecting a stub do not crash.
_STUBBED_DUNDERS = frozenset({
    "__init__", "__call__", "__iter__", "__next__", "__len__", "__getitem__",
    "__setitem__", "__contains__", "__enter__", "__exit__", "__post_init__",
})

_UNAVAILABLE_SOURCE = '''"""What the stubs of course_lib call while {notebook} is graded."""

import sys

__all__ = ["NotAvailableWhileGrading", "placeholder", "unavailable"]

NOTEBOOK = {notebook!r}


class NotAvailableWhileGrading(RuntimeError):
    """A course_lib function or class that the graded notebook's answers must not use."""


def unavailable(qualname):
    """Record the attempt (audit event ``course_lib.unavailable``) and refuse it."""
    sys.audit("course_lib.unavailable", qualname)
    raise NotAvailableWhileGrading(
        f"{{qualname}} is not available while {{NOTEBOOK}} is graded: "
        "answers must compute this themselves"
    )


class placeholder:
    """Stands for a course_lib object that is not a function or a class (a dict, a cache)."""

    __slots__ = ("_qualname",)

    def __init__(self, qualname):
        self._qualname = qualname

    def __repr__(self):
        return f"<{{self._qualname}}: not available while {{NOTEBOOK}} is graded>"

    def __call__(self, *args, **kwargs):
        unavailable(self._qualname)

    def __getitem__(self, key):
        unavailable(self._qualname)

    def __iter__(self):
        unavailable(self._qualname)

    def __len__(self):
        unavailable(self._qualname)

    def __contains__(self, item):
        unavailable(self._qualname)
'''


def real_modules() -> tuple[str, ...]:
    """Names of the real ``course_lib`` modules (``"network"``, ...), sorted."""
    return tuple(sorted(p.stem for p in REAL_LIB.glob("*.py") if p.stem != "__init__"))


def build_sandbox_lib(notebook: str, root: Path | None = None) -> Path:
    """A directory D whose ``D/course_lib`` is the package to import while grading ``notebook``.

    ``root`` overrides the cache location (default: ``<tmp>/course-sandbox-lib``).
    """
    path = _cached_build(notebook, root)
    if not (path / "course_lib" / "__init__.py").is_file():  # removed by a tmp cleaner
        _cached_build.cache_clear()
        path = _cached_build(notebook, root)
    return path


@functools.cache
def _cached_build(notebook: str, root: Path | None) -> Path:
    plan = sandbox_plan(notebook)
    unknown = sorted(set(plan) - set(real_modules()))
    if unknown:
        raise ValueError(f"course_checks/allowed.py declares unknown course_lib modules for "
                         f"{notebook}: {unknown}")
    base = Path(root) if root is not None else Path(tempfile.gettempdir()) / CACHE_DIR_NAME
    _ensure_private_dir(base)
    target = base / _digest(notebook, plan)
    if target.is_dir():
        _check_ours(target)
        return target
    work = Path(tempfile.mkdtemp(prefix=f".{target.name[:16]}-", dir=base))
    try:
        _write_lib(work / "course_lib", notebook, plan)
        _set_modes(work)
        try:
            os.rename(work, target)
        except OSError:
            if not target.is_dir():  # not a lost race with another builder
                raise
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    _check_ours(target)
    return target


def _digest(notebook: str, plan: dict[str, tuple[str, ...]]) -> str:
    h = hashlib.sha256()
    h.update(f"libstub {LIBSTUB_VERSION}\0{notebook}\0{sorted(plan.items())!r}\0".encode())
    h.update(Path(__file__).read_bytes())
    for path in sorted(REAL_LIB.glob("*.py")):
        h.update(f"\0{path.name}\0".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _ensure_private_dir(base: Path) -> None:
    """Create ``base`` (0755); refuse one another user owns (it could hold a planted library)."""
    base.mkdir(mode=0o755, parents=True, exist_ok=True)
    _check_ours(base, writable_ok=True)
    os.chmod(base, 0o755)


def _check_ours(path: Path, *, writable_ok: bool = False) -> None:
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise RuntimeError(f"{path} is not a directory owned by this user: refusing to use it "
                           "as the sandbox's course_lib (remove it, or pass another root)")
    if st.st_mode & 0o022 and not writable_ok:
        raise RuntimeError(f"{path} is writable by other users: refusing to use it as the "
                           "sandbox's course_lib")


def _set_modes(top: Path) -> None:
    """Directories 0755, files 0644: readable by a sandbox running as another uid."""
    os.chmod(top, 0o755)
    for dirpath, dirnames, filenames in os.walk(top):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)


def _write_lib(pkg: Path, notebook: str, plan: dict[str, tuple[str, ...]]) -> None:
    pkg.mkdir()
    shutil.copyfile(REAL_LIB / "__init__.py", pkg / "__init__.py")
    (pkg / "_unavailable.py").write_text(_UNAVAILABLE_SOURCE.format(notebook=notebook))
    for name in real_modules():
        if name not in plan:
            text = stub_module_source(name, notebook)
        elif plan[name]:
            text = partly_module_source(name, plan[name], notebook)
        else:
            shutil.copyfile(REAL_LIB / f"{name}.py", pkg / f"{name}.py")
            continue
        compile(text, f"course_lib/{name}.py", "exec")  # a generator bug fails here, not later
        (pkg / f"{name}.py").write_text(text)


# ---- generating stubs ----------------------------------------------------------------


def stub_module_source(name: str, notebook: str) -> str:
    """Source of the stub of ``course_lib.<name>``: every module-level name, no real code."""
    real = importlib.import_module(f"course_lib.{name}")
    tree = ast.parse((REAL_LIB / f"{name}.py").read_text())
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    imported = {(a.asname or a.name).split(".")[0] for node in imports for a in node.names}
    first_line = (inspect.getdoc(real) or "").split("\n", 1)[0]
    lines = [
        repr(f"Stand-in for course_lib.{name} while {notebook} is graded ({first_line}): "
             "every name imports, calling raises NotAvailableWhileGrading."),
        "",
        *[ast.unparse(node) for node in imports],
        _HELPERS_IMPORT,
        "",
    ]
    for attr, obj in vars(real).items():
        if attr.startswith("__") and attr != "__all__":
            continue
        if attr in imported and not _defined_in(obj, real):
            continue
        lines += [_definition(f"course_lib.{name}", attr, obj, real), ""]
    return "\n".join(lines)


def partly_module_source(name: str, stubbed: tuple[str, ...], notebook: str) -> str:
    """The real source of ``course_lib.<name>`` with the ``stubbed`` definitions cut out.

    Each top-level ``def``/``class`` (or single-name assignment) of a stubbed name is
    replaced, in place, by its stub: that code is not in the file at all. The rest of
    the module is kept line for line.
    """
    real = importlib.import_module(f"course_lib.{name}")
    source = (REAL_LIB / f"{name}.py").read_text()
    lines = source.splitlines(keepends=True)
    spans: dict[int, tuple[int, str]] = {}  # first line index -> (end line index, name)
    for node in ast.parse(source).body:
        first, bound = node.lineno, None
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            bound = node.name
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            bound = node.target.id
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1
              and isinstance(node.targets[0], ast.Name)):
            bound = node.targets[0].id
        if bound in stubbed:
            spans[first - 1] = (node.end_lineno, bound)
    missing = sorted(set(stubbed) - {bound for _, bound in spans.values()})
    if missing:
        raise ValueError(f"course_checks/allowed.py stubs names that course_lib.{name} does "
                         f"not define at top level: {missing}")
    out, i, helpers = [], 0, False
    while i < len(lines):
        if i not in spans:
            out.append(lines[i])
            i += 1
            continue
        end, bound = spans[i]
        if not helpers:
            out.append(f"# while {notebook} is graded, stubs replace "
                       f"{', '.join(sorted(stubbed))} (course_checks/allowed.py)\n"
                       f"{_HELPERS_IMPORT}\n\n\n")
            helpers = True
        out.append(_definition(f"course_lib.{name}", bound, getattr(real, bound), real) + "\n")
        i = end
    return "".join(out)


_HELPERS_IMPORT = ("from course_lib._unavailable import placeholder as _course_lib_placeholder\n"
                   "from course_lib._unavailable import unavailable as _course_lib_unavailable")


def _defined_in(obj: object, module: ModuleType) -> bool:
    return ((inspect.isclass(obj) or inspect.isfunction(obj))
            and getattr(obj, "__module__", None) == module.__name__)


def _definition(qualname: str, attr: str, obj: object, module: ModuleType) -> str:
    """Source that binds ``attr`` to the stand-in of ``obj`` (a constant stays a constant)."""
    literal = _literal(obj)
    if literal is not None:
        return f"{attr} = {literal}"
    if inspect.isclass(obj):
        return _stub_class(qualname, attr, obj, module)
    if inspect.isfunction(obj) or (callable(obj) and getattr(obj, "__module__", None)
                                   == module.__name__):
        return _stub_function(f"{qualname}.{attr}", attr, obj, "", "*args, **kwargs")
    return f"{attr} = _course_lib_placeholder({qualname + '.' + attr!r})"


def _literal(value: object) -> str | None:
    """Python source for a plain constant, or None when ``value`` is not one."""
    if value is None or type(value) in (bool, int, str, bytes):
        return repr(value)
    if type(value) is float:
        return repr(value) if math.isfinite(value) else f"float({repr(value)!r})"
    if type(value) in (tuple, frozenset, list):
        items = [_literal(v) for v in value]
        if any(item is None for item in items):
            return None
        if type(value) is frozenset:
            return f"frozenset(({', '.join(items)},))" if items else "frozenset()"
        if type(value) is tuple:
            return f"({', '.join(items)},)" if items else "()"
        return f"[{', '.join(items)}]"
    return None


def _signature(obj: object) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(...)"


def _stub_function(qualname: str, name: str, obj: object, indent: str, params: str,
                   decorator: str = "") -> str:
    doc = f"Not available while grading: {qualname}{_signature(obj)}."
    head = f"{indent}{decorator}\n" if decorator else ""
    return (f"{head}{indent}def {name}({params}):\n"
            f"{indent}    {doc!r}\n"
            f"{indent}    _course_lib_unavailable({qualname!r})\n")


def _stub_class(qualname: str, attr: str, cls: type, module: ModuleType) -> str:
    """A class of the same name whose constructor and every method raise."""
    cls_qualname = f"{qualname}.{attr}"
    bases = []
    for base in cls.__bases__:
        if base is object:
            continue
        if base.__module__ == "builtins" and issubclass(base, BaseException):
            bases.append(base.__name__)  # so that `except` clauses naming it still work
        elif base.__module__.startswith("course_lib"):
            if vars(module).get(base.__name__) is base:
                bases.append(base.__name__)
            else:
                bases.append(f"__import__({base.__module__!r}, fromlist=['_']).{base.__name__}")
    head = f"class {attr}({', '.join(bases)}):" if bases else f"class {attr}:"
    first_line = (inspect.getdoc(cls) or "").split("\n", 1)[0]
    body = [f"    {f'Not available while grading: {cls_qualname} ({first_line})'!r}", ""]
    members: dict[str, object] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("course_lib"):
            members.update(vars(klass))
    body.append(_stub_function(cls_qualname, "__init__", members.get("__init__", cls),
                               "    ", "self, *args, **kwargs"))
    for name, member in members.items():
        where = f"{cls_qualname}.{name}"
        dunder = name.startswith("__") and name.endswith("__")
        if name == "__init__" or (dunder and name not in _STUBBED_DUNDERS):
            continue
        if isinstance(member, classmethod):
            body.append(_stub_function(where, name, member.__func__, "    ",
                                       "cls, *args, **kwargs", "@classmethod"))
        elif isinstance(member, staticmethod):
            body.append(_stub_function(where, name, member.__func__, "    ",
                                       "*args, **kwargs", "@staticmethod"))
        elif inspect.isfunction(member):
            body.append(_stub_function(where, name, member, "    ", "self, *args, **kwargs"))
        elif isinstance(member, property) or (hasattr(type(member), "__get__")
                                              and not dunder and not callable(member)):
            body.append(f"    @property\n    def {name}(self):\n"
                        f"        _course_lib_unavailable({where!r})\n")
        elif not dunder and _literal(member) is not None:
            body.append(f"    {name} = {_literal(member)}\n")
    return head + "\n" + "\n".join(body)

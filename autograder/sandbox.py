"""Run untrusted student code inside bubblewrap, with resource limits.

The sandbox sees, read-only: the system (``/usr`` and its symlinks), the Python
installation and virtual environment (PyTorch hidden, except for the notebook that
teaches it, and every other package but numpy, matplotlib, ipywidgets, tqdm and
their dependencies), the per-notebook sandbox ``course_lib`` at ``/opt/lib`` (every module
that could compute one of the notebook's answers is a stub there:
:mod:`autograder.libstub`), the grading harness at ``/opt/harness`` and the cases'
plain-data module ``course_checks/cases.py`` alone, at ``/opt/cases/cases.py`` (the worker
imports it as ``cases``). It does NOT see the repository (so
no real ``course_lib`` source, no ``solutions/``, no nbgrader source, no registry,
no gradebook), the course directory, or other students' files. It gets a private
``/proc`` and PID namespace, no network, an empty environment but for a fixed list
of settings, and two writable places, ``/sandbox`` and ``/tmp``, tmpfs of half of
``Limits.disk_bytes`` each; ``/sandbox/in`` holds the grader's case files, read-only.
Outputs go back over a pipe, so the grader reads no file the sandbox wrote.

Limits (``prlimit``): address space (memory, default 2 GiB), CPU seconds for the
whole notebook, number of processes (a fork bomb fails at ``nproc``), and the
size of any file written; the two tmpfs's sizes bound all writes together. When the
grader runs as root, the student code runs as an unprivileged uid (``setpriv``),
since the process limit does not apply to root; otherwise bubblewrap makes an
unprivileged user namespace itself.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SANDBOX_SETTINGS", "Limits", "SandboxUnavailable", "available", "build_command"]

HARNESS_DIR = Path(__file__).resolve().parent / "harness"
# course_checks/cases.py alone, importable in the sandbox as the top-level module ``cases``
# (the rest of course_checks holds the references and stays out): see its module doc.
CASES_MODULE = Path(__file__).resolve().parent.parent / "course_checks" / "cases.py"
# The sandbox's whole environment (bubblewrap starts from an empty one): nothing of the
# grading process's environment (tokens, credentials, the hidden seed) reaches it.
SANDBOX_SETTINGS = {
    "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/sandbox",
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp", "COURSE_LIB_NO_PROGRESS": "1",
    "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1", "PYTHONHASHSEED": "0",
}
# The third-party packages the sandbox shows: what the notebooks' setup cells and the
# sandbox course_lib import, with their dependencies. Every other package of the Python
# environment (scikit-learn, SciPy, PyTorch, ... any of which computes some answer; a
# non-editable install of the course itself) is absent: the sandbox's site-packages is
# an empty tmpfs with just these bound into it. PyTorch only for 13_frameworks.
SANDBOX_PACKAGES = ("numpy", "matplotlib", "ipywidgets", "tqdm")  # threadpoolctl: a stub
TORCH_PACKAGES = ("torch",)


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or does not work on this machine."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed worker."""

    memory_bytes: int = 2 << 30
    cpu_seconds: int = 600
    nproc: int = 64
    file_bytes: int = 256 << 20
    cell_seconds: float = 60.0
    setup_seconds: float = 180.0
    call_seconds: float = 60.0
    output_chars: int = 20_000
    disk_bytes: int = 256 << 20
    submission_seconds: float = 600.0  # wall time for a whole submission, restarts included


def _readonly_roots() -> list[Path]:
    """Directories the sandboxed Python needs, read-only."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix)}
    return sorted(roots, key=lambda p: len(p.parts))


def _requirements(dist) -> list[str]:
    from packaging.requirements import InvalidRequirement, Requirement

    out = []
    for text in dist.requires or []:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.append(req.name)
    return out


@functools.cache
def site_packages_entries(allow_torch: bool) -> tuple[Path, ...]:
    """The files and folders of site-packages that the sandbox shows: those of the
    distributions in ``SANDBOX_PACKAGES`` (and ``TORCH_PACKAGES``) and of everything they
    require, found through their installation records."""
    import importlib.metadata as md

    roots = [*SANDBOX_PACKAGES, *(TORCH_PACKAGES if allow_torch else ())]
    seen: set[str] = set()
    entries: set[Path] = set()
    # each site-packages folder as the interpreter sees it (through sys.prefix), by its
    # real path: with a symlinked venv the two differ, and the sandbox must show the
    # packages where the interpreter looks for them
    sites = {Path(sysconfig.get_paths()[k]).resolve(): Path(sysconfig.get_paths()[k])
             for k in ("purelib", "platlib")}
    while roots:
        name = roots.pop()
        key = name.lower().replace("_", "-").replace(".", "-")
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        roots += _requirements(dist)
        base = sites.get(Path(dist.locate_file("")).resolve())
        if base is None:
            continue
        for f in dist.files or []:
            top = f.parts[0] if f.parts else ".."
            if top != ".." and not top.endswith(".pth") and top != "__pycache__":
                entries.add(base / top)
    return tuple(sorted(entries))


def _site_dirs() -> list[Path]:
    """The package folders of every Python in the sandbox (the venv's, the base
    interpreter's, the system's): each becomes an empty tmpfs."""
    out = []
    for prefix in {Path(sys.prefix), Path(sys.base_prefix).resolve()}:
        out += sorted(prefix.glob("lib/python3*/site-packages"))
    # and the system's own Python packages (Debian's python3-scipy, python3-sklearn, ...),
    # which a student could reach with /usr/bin/python3 or by extending sys.path
    for pattern in ("lib/python3*/dist-packages", "lib/python3*/site-packages",
                    "local/lib/python3*/dist-packages", "local/lib/python3*/site-packages"):
        out += sorted(p for p in Path("/usr").glob(pattern) if p.is_dir())
    return sorted(set(out))


def _parents(path: Path) -> list[Path]:
    return [p for p in reversed(path.parents) if str(p) != "/"]


def build_command(argv: list[str], workdir: Path, *, uid: int | None, limits: Limits,
                  lib_dir: Path | None = None, allow_torch: bool = False) -> list[str]:
    """The full command line: bwrap [...] -- [setpriv ...] prlimit ... -- argv.

    ``workdir/in`` (the grader's case files) appears read-only as ``/sandbox/in``;
    ``lib_dir`` (from :func:`autograder.libstub.build_sandbox_lib`) as ``/opt/lib``,
    the only ``course_lib`` inside. Run the command with an environment that holds
    nothing secret (bubblewrap's own process keeps it): the grader uses
    ``SANDBOX_ENV``.
    """
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed: on Debian/Ubuntu run "
            "`sudo apt-get install bubblewrap`, or pass --unsafe-no-sandbox to grade without "
            "isolation (student code then runs with your permissions)"
        )
    cmd = [bwrap, "--ro-bind", "/usr", "/usr"]
    for link in ("bin", "lib", "lib64", "sbin"):
        target = Path("/") / link
        if target.is_symlink():
            cmd += ["--symlink", os.readlink(target), str(target)]
        elif target.exists():
            cmd += ["--ro-bind", str(target), str(target)]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"):
        if Path(etc).exists():
            cmd += ["--ro-bind", etc, etc]
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    # The writable places, bounded as a whole: /tmp and /sandbox, tmpfs of half of
    # limits.disk_bytes each. /tmp comes before the read-only binds, which may lie in it
    # (a checkout or a virtual environment under /tmp): they are made inside the tmpfs.
    half = str(limits.disk_bytes // 2)
    cmd += ["--perms", "1777", "--size", half, "--tmpfs", "/tmp"]
    made: set[Path] = {Path("/tmp")}
    binds = [(p, p) for p in _readonly_roots()] + [
        (HARNESS_DIR, Path("/opt/harness")), (CASES_MODULE, Path("/opt/cases/cases.py")),
    ]
    if lib_dir is not None:
        binds.append((Path(lib_dir), Path("/opt/lib")))
    for src, dest in binds:
        for parent in _parents(dest):
            if parent not in made:
                cmd += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        cmd += ["--ro-bind", str(src), str(dest)]
    for site in _site_dirs():  # an empty site-packages with only the allowed packages in it
        cmd += ["--tmpfs", str(site)]
    for entry in site_packages_entries(allow_torch):
        if entry.exists():
            cmd += ["--ro-bind", str(entry), str(entry)]
    cmd += ["--perms", "1777", "--size", half, "--tmpfs", "/sandbox"]
    if (Path(workdir) / "in").is_dir():
        cmd += ["--ro-bind", str(Path(workdir) / "in"), "/sandbox/in"]
    cmd += ["--chdir", "/sandbox"]
    cmd += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv"]
    settings = {**SANDBOX_SETTINGS,
                "PYTHONPATH": "/opt/lib:/opt/cases" if lib_dir is not None else "/opt/cases"}
    for key, value in settings.items():
        cmd += ["--setenv", key, value]
    if uid is None:
        cmd += ["--unshare-user"]
    cmd += ["--"]
    if uid is not None:
        cmd += [shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}",
                "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    nproc = limits.nproc
    if uid is None:  # the limit counts all processes of our uid: leave room for the ones we have
        nproc += _process_count()
    cmd += [shutil.which("prlimit") or "/usr/bin/prlimit", f"--as={limits.memory_bytes}",
            f"--cpu={limits.cpu_seconds}", f"--nproc={nproc}", f"--fsize={limits.file_bytes}",
            "--core=0", "--"]
    return cmd + argv


def _process_count() -> int:
    uid = os.getuid()
    n = 0
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if d.stat().st_uid == uid:
                    n += 1
            except OSError:
                pass
    return n


def worker_uid(slot: int) -> int | None:
    """The uid the sandbox of worker ``slot`` runs as (None: keep ours, in a user namespace)."""
    return 61000 + slot if os.geteuid() == 0 else None


def available() -> tuple[bool, str]:
    """Whether the sandbox works here, with the reason when it does not."""
    try:
        tmp = Path(os.environ.get("TMPDIR", "/tmp"))
        cmd = build_command(["/bin/true"], tmp, uid=worker_uid(0), limits=Limits())
    except SandboxUnavailable as exc:
        return False, str(exc)
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                             env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bubblewrap failed to start: {exc}"
    if res.returncode != 0:
        return False, f"bubblewrap failed: {res.stderr.strip()[:500]}"
    return True, "ok"

"""Run untrusted student code inside bubblewrap, with resource limits.

The sandbox sees, read-only: the system (``/usr`` and its symlinks), the Python
installation and virtual environment, the ``course_lib`` package and the grading
harness. It does NOT see the repository (so no ``solutions/``, no nbgrader
source, no gradebook), the course directory, or other students' files. It gets
a private ``/tmp``, a private ``/proc`` and PID namespace, no network, and one
writable directory (``/sandbox``) holding only this submission's exchange files; the
inputs the grader writes there (``/sandbox/in``) are read-only inside, so student
code cannot plant symlinks or FIFOs where the grader writes.

Limits (``prlimit``): address space (memory, default 2 GiB), CPU seconds for the
whole notebook, number of processes (a fork bomb fails at ``nproc``), and the
size of any file written. When the grader runs as root, the student code runs
as an unprivileged uid (``setpriv``), since the process limit does not apply to
root; otherwise bubblewrap makes an unprivileged user namespace itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import course_lib

__all__ = ["Limits", "SandboxUnavailable", "available", "build_command"]

HARNESS_DIR = Path(__file__).resolve().parent / "harness"
CASES_MODULE = Path(__file__).resolve().parent.parent / "course_checks" / "cases.py"


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


def _readonly_roots() -> list[Path]:
    """Directories the sandboxed Python needs, read-only."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix)}
    roots.add(Path(course_lib.__file__).resolve().parent)
    return sorted(roots, key=lambda p: len(p.parts))


def _parents(path: Path) -> list[Path]:
    return [p for p in reversed(path.parents) if str(p) != "/"]


def build_command(argv: list[str], workdir: Path, *, uid: int | None, limits: Limits) -> list[str]:
    """The full command line: bwrap [...] -- [setpriv ...] prlimit ... -- argv."""
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
    cmd += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    made: set[Path] = set()
    binds = [(p, p) for p in _readonly_roots()] + [
        (HARNESS_DIR, Path("/opt/harness")), (CASES_MODULE, Path("/opt/cases/cases.py")),
    ]
    for src, dest in binds:
        for parent in _parents(dest):
            if parent not in made:
                cmd += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        cmd += ["--ro-bind", str(src), str(dest)]
    cmd += ["--bind", str(workdir), "/sandbox", "--chdir", "/sandbox"]
    if (Path(workdir) / "in").is_dir():
        cmd += ["--ro-bind", str(Path(workdir) / "in"), "/sandbox/in"]
    cmd += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    cmd += ["--setenv", "HOME", "/sandbox", "--setenv", "OPENBLAS_NUM_THREADS", "1",
            "--setenv", "OMP_NUM_THREADS", "1", "--setenv", "MKL_NUM_THREADS", "1",
            "--setenv", "MPLBACKEND", "Agg", "--setenv", "COURSE_LIB_NO_PROGRESS", "1",
            "--setenv", "PYTHONDONTWRITEBYTECODE", "1", "--setenv", "MPLCONFIGDIR", "/tmp",
            "--unsetenv", "COURSE_HIDDEN_SEED"]
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
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bubblewrap failed to start: {exc}"
    if res.returncode != 0:
        return False, f"bubblewrap failed: {res.stderr.strip()[:500]}"
    return True, "ok"

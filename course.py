#!/usr/bin/env python3
"""Set up and run the course with nothing but Python 3.11.

    python3 course.py lab      # create .venv if needed, install, open JupyterLab (students)
    python3 course.py lab --instructor   # the same with nbgrader's instructor tools
    python3 course.py test     # create .venv if needed, install, run ruff + the test suite
    python3 course.py test --quick   # ruff + the quick subset (-m "not slow"), under 2 min
    python3 course.py setup    # create/update .venv (and, as root, apt-get install bubblewrap)
    python3 course.py oracle   # also pip install torch==2.13.0 for the oracle tests
    python3 course.py bench    # run the speed benchmark against PyTorch
    python3 course.py html [OUTDIR]  # execute the solution notebooks, export HTML (build/html)

Everything goes into ``.venv`` next to this file. The only system-wide installs are
Debian's bubblewrap (``setup``, ``test``) and chromium (``test``), with apt-get, and
only when run as root.
The virtual environment is reinstalled only when pyproject.toml changes.

``lab`` opens the landing page ``notebooks/index.ipynb`` and prints its URL (also with
``--no-browser``), with the Jupyter configuration in ``jupyter/`` (no news pop-up;
for students, nbgrader's Validate and Assignments without the instructor's tools).
JupyterLab saves the course's notebooks without what running them adds (outputs,
execution counts, the kernel's metadata; ``jupyter/lab/jupyter_server_config.py``):
opening or running a notebook leaves it unmodified in git; editing it is a change.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".course-installed"
JUPYTER_CONFIG = ROOT / "jupyter"  # config dirs added to JUPYTER_CONFIG_PATH by ``lab``
LANDING = "index.ipynb"  # in notebooks/
EXTRAS = "test,course,cluster,browser"
TORCH_PIN = "torch==2.13.0"


def _say(msg: str) -> None:
    print(f"[course] {msg}", flush=True)


def _run(*cmd: str | Path, **kw) -> int:
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, **kw)


def _fingerprint() -> str:
    data = (ROOT / "pyproject.toml").read_bytes() + EXTRAS.encode()
    return hashlib.sha256(data).hexdigest()


def setup() -> None:
    """Create .venv (if missing) and install the project with its extras (if changed)."""
    if sys.version_info < (3, 11):  # noqa: UP036  (run by any python3 a user has)
        sys.exit(f"[course] Python 3.11 or newer is needed, this is {sys.version.split()[0]}")
    if not PY.exists():
        _say(f"creating the virtual environment in {VENV}")
        try:
            venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
        except Exception as exc:  # ensurepip missing on some Linux distributions
            sys.exit(
                f"[course] could not create .venv ({exc}).\n"
                "On Debian/Ubuntu install the venv module first: sudo apt-get install python3-venv"
            )
    fp = _fingerprint()
    if STAMP.exists() and STAMP.read_text() == fp:
        return
    _say("installing course_lib and its dependencies into .venv (first run takes a few minutes)")
    rc = _run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    rc = rc or _run(PY, "-m", "pip", "install", "--quiet", "-e", f".[{EXTRAS}]")
    if rc:
        sys.exit(f"[course] pip install failed (exit {rc})")
    STAMP.write_text(fp)



def _apt_install(binary: str, package: str, purpose: str, without: str) -> None:
    """Install a Debian package with apt-get when ``binary`` is missing and we are root."""
    if shutil.which(binary) or os.name == "nt":
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        _say(f"installing {package} ({purpose}) with apt-get")
        quiet = {"stdout": subprocess.DEVNULL}
        _run("apt-get", "update", "-qq", **quiet)
        if _run("apt-get", "install", "-y", "-qq", package, **quiet) == 0:
            return
    _say(f"{package} is not installed: {without} (sudo apt-get install {package})")


def sandbox_tools() -> None:
    """bubblewrap for the autograder's sandbox."""
    _apt_install("bwrap", "bubblewrap", "the autograder's sandbox",
                 "grading a class needs it; the sandbox tests will be skipped")


def browser_tools() -> None:
    """Chromium for the browser tests (Debian's package, never a downloaded browser)."""
    _apt_install("chromium", "chromium", "the browser tests",
                 "the browser tests will be skipped")


def oracle() -> None:
    """Install PyTorch (CPU) as a test oracle; the course itself never needs it."""
    setup()
    rc = _run(PY, "-m", "pip", "install", "--quiet", TORCH_PIN)
    if rc:
        sys.exit(f"[course] could not install {TORCH_PIN} (exit {rc})")


def _workers() -> int:
    """Test processes: one per core this process may use, at most 4 (the browser tests,
    one work unit of a few minutes, bound the time beyond that). Not more than the
    cores: the notebooks' time budgets are measured while the other workers run (with
    3 workers on 2 cores, 03_regularization's kernel took 30.3 s of its 30 s)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def pytest_args(args: list[str], workers: int) -> list[str]:
    """The pytest arguments of ``course.py test [--quick] [pytest arguments]``.

    ``--quick`` selects the quick subset, ``-m "not slow"``, run in one process (it is
    CPU-bound and short: a second worker would spend what it saves on collecting the
    suite again). The whole suite runs on ``workers`` processes, or as many as ``-n``
    says (pytest-xdist, ``--dist loadgroup``: tests/conftest.py keeps the tests that
    share an expensive state in one worker and sends the longest first); ``-n 0`` or
    ``-p no:xdist`` runs it in one process.
    """
    quick = "--quick" in args
    args = [a for a in args if a != "--quick"]
    out = ["-m", "not slow"] if quick else []
    off = any(a in ("no:xdist", "-pno:xdist") for a in args)
    numprocesses = any(a == "-n" or (a.startswith("-n") and a[2:].isdigit())
                       or a.startswith("--numprocesses") for a in args)
    dist = any(a.startswith("--dist") for a in args)
    if not (off or quick or numprocesses) and workers > 1:
        out += ["-n", str(workers)]
        numprocesses = True
    if numprocesses and not (off or dist):
        out += ["--dist", "loadgroup", "--no-loadscope-reorder"]
    if not args and not quick:  # the whole suite, as CI runs it: where the time goes
        out += ["--durations=25"]
    return out + args


def test(args: list[str]) -> int:
    """Lint, then the test suite (``--quick``: the quick subset). Other arguments go to
    pytest."""
    setup()
    if "--quick" not in args:
        sandbox_tools()
        browser_tools()
    _say("ruff check")
    rc = _run(PY, "-m", "ruff", "check", ".")
    if rc:
        return rc
    cmd = pytest_args(args, _workers())
    _say("pytest " + shlex.join(cmd))
    env = dict(os.environ)
    # Workers share the cores: one BLAS thread each (as the notebooks' kernels), or
    # OpenBLAS's spinning threads slow every process down.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    return _run(PY, "-m", "pytest", *cmd, env=env)


def lab_command(args: list[str], root: Path = ROOT, python: str | Path = PY,
                environ: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
    """The command and environment of ``course.py lab [--instructor] [JupyterLab args]``.

    Students: JupyterLab serves ``notebooks/`` and opens (and prints the URL of) the
    landing page, ``/lab/tree/index.ipynb``, with the config dirs ``jupyter/student``
    and ``jupyter/lab`` on ``JUPYTER_CONFIG_PATH`` (after the user's own config).
    ``--instructor``: it serves the repository (``notebooks/`` and ``solutions/``) with
    ``jupyter/lab`` only, so nbgrader's formgrader and Create Assignment are there.
    """
    instructor = "--instructor" in args
    args = [a for a in args if a != "--instructor"]
    env = dict(os.environ if environ is None else environ)
    dirs = [root / "jupyter" / "lab"] if instructor else [
        root / "jupyter" / "student", root / "jupyter" / "lab"]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        [str(d) for d in dirs] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(
            os.pathsep) if p])
    # Small matrices: BLAS threads cost more than they give, and fight on a busy laptop.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    served = root if instructor else root / "notebooks"
    start = ("notebooks/" if instructor else "") + LANDING
    cmd = [str(python), "-m", "jupyterlab", f"--ServerApp.root_dir={served}"]
    if (served / start).exists():
        # the URL JupyterLab prints and opens (a file argument would only be opened)
        cmd.append(f"--LabApp.default_url=/lab/tree/{start}")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args:
        args = [*args, "--allow-root"]  # JupyterLab refuses root otherwise (containers, VMs)
    return cmd + args, env


def lab(args: list[str]) -> int:
    """Open the course in JupyterLab (``--instructor``: with nbgrader's instructor tools)."""
    setup()
    cmd, env = lab_command(args)
    _say(f"the course opens at the URL ending in /lab/tree/{LANDING}?token=... printed below")
    return _run(*cmd, env=env)



def html(args: list[str]) -> int:
    """Execute the solution notebooks and export them as static HTML (autograder/publish.py)."""
    setup()
    return _run(PY, "-m", "autograder.publish", "html", *args)


def bench(args: list[str]) -> int:
    oracle()
    return _run(PY, "benchmarks/bench_train.py", *args)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd == "setup":
        setup()
        sandbox_tools()  # an instructor's setup: the autograder needs bubblewrap
        return 0
    if cmd == "oracle":
        oracle()
        return 0
    if cmd == "test":
        return test(rest)
    if cmd == "lab":
        return lab(rest)
    if cmd == "bench":
        return bench(rest)
    if cmd == "html":
        return html(rest)
    print(f"unknown command {cmd!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

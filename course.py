#!/usr/bin/env python3
"""Set up and run the course with nothing but Python 3.11.

    python3 course.py lab      # create .venv if needed, install, open JupyterLab
    python3 course.py test     # create .venv if needed, install, run ruff + the test suite
    python3 course.py setup    # create/update .venv (and, as root, apt-get install bubblewrap)
    python3 course.py oracle   # also pip install torch==2.13.0 for the oracle tests
    python3 course.py bench    # run the speed benchmark against PyTorch
    python3 course.py html [OUTDIR]  # execute the solution notebooks, export HTML (build/html)

Everything goes into ``.venv`` next to this file. The only system-wide installs are
Debian's bubblewrap (``setup``, ``test``) and chromium (``test``), with apt-get, and
only when run as root.
The virtual environment is reinstalled only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
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


def test(args: list[str]) -> int:
    """Lint, then the whole test suite. Extra arguments go to pytest."""
    setup()
    sandbox_tools()
    browser_tools()
    _say("ruff check")
    rc = _run(PY, "-m", "ruff", "check", ".")
    if rc:
        return rc
    _say("pytest")
    return _run(PY, "-m", "pytest", *args)


def lab(args: list[str]) -> int:
    """Open the course in JupyterLab."""
    setup()
    start = "notebooks/index.ipynb" if (ROOT / "notebooks/index.ipynb").exists() else "notebooks"
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args:
        args = [*args, "--allow-root"]  # JupyterLab refuses root otherwise (containers, VMs)
    env = dict(os.environ)
    # Small matrices: BLAS threads cost more than they give, and fight on a busy laptop.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    return _run(BIN / "jupyter", "lab", start, *args, env=env)


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

"""Run a notebook top to bottom in a fresh kernel and measure it (nbclient).

Used by the student self-check and the notebook tests. Every cell runs even
after an error (like "Run All" that keeps going), and the report keeps each
error with its cell, the wall time, and the kernel's peak resident memory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

__all__ = ["CellError", "ExecutionReport", "execute_notebook", "grade_cells"]


@dataclass(frozen=True)
class CellError:
    """An error output of one cell."""

    index: int
    cell_id: str
    grade_id: str | None
    ename: str
    evalue: str


@dataclass
class ExecutionReport:
    """What running a notebook produced."""

    nb: nbformat.NotebookNode
    seconds: float
    peak_rss_bytes: int | None
    errors: list[CellError] = field(default_factory=list)
    timed_out: bool = False
    kernel_seconds: float = 0.0
    """Time the kernel spent executing cells (execute_input to execute_reply, summed):
    unlike ``seconds`` it excludes kernel start and any client-side waiting."""
    cpu_seconds: float | None = None
    """CPU time (user + system) of the kernel process and the children it reaped while
    the cells ran (Linux; None elsewhere). Unlike wall time it does not grow when other
    programs share the cores; it does count parallel work once per process."""

    @property
    def work_seconds(self) -> float:
        """What the cells would take on a quiet machine: the smaller of the kernel's wall
        time (inflated on a busy machine) and its CPU time (inflated by parallel work)."""
        if self.cpu_seconds is None:
            return self.kernel_seconds
        return min(self.kernel_seconds, self.cpu_seconds)


def _kernel_seconds(nb: nbformat.NotebookNode) -> float:
    from datetime import datetime

    total = 0.0
    for cell in nb.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            try:
                total += (datetime.fromisoformat(end.replace("Z", "+00:00"))
                          - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
            except ValueError:
                pass
    return total


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime + cutime + cstime of a process, from /proc (Linux), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = sum(int(x) for x in fields[11:15])  # fields 14-17 of proc(5)
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _peak_rss(pid: int) -> int | None:
    """VmHWM (peak resident set size) of a process, from /proc (Linux), in bytes."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def execute_notebook(
    path: Path | str | nbformat.NotebookNode,
    *,
    cwd: Path | str | None = None,
    cell_timeout: int = 120,
    extra_env: dict[str, str] | None = None,
    append_code: str | None = None,
) -> ExecutionReport:
    """Execute every code cell in a fresh ``python3`` kernel; errors do not stop the run.

    ``append_code`` is run as one more cell at the end (the self-check's collector).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError

    nb = path if isinstance(path, nbformat.NotebookNode) else nbformat.read(path, as_version=4)
    if append_code is not None:
        nb.cells.append(nbformat.v4.new_code_cell(append_code, id="selfcheck-collector"))
    workdir = str(cwd or (Path(path).parent if not isinstance(path, nbformat.NotebookNode)
                          else Path.cwd()))
    env = dict(os.environ)
    env.setdefault("COURSE_LIB_NO_PROGRESS", "1")
    # One BLAS thread: on a small machine shared with the test runner, OpenBLAS's
    # spinning threads make small-matrix notebooks several times slower and noisy.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")
    # figures inline, whatever the caller's environment says (MPLBACKEND=Agg would
    # leave every figure out of the executed notebook)
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env.update(extra_env or {})
    client = NotebookClient(
        nb, timeout=cell_timeout, kernel_name="python3", allow_errors=True,
        record_timing=True, resources={"metadata": {"path": workdir}},
    )
    client.km = client.create_kernel_manager()
    # IPC sockets, not TCP ports: on a machine starting many kernels at once (the test
    # suite's workers), a TCP port picked for one kernel can be taken by another before
    # it binds, and the client then waits out the start-up timeout (seen: 2 minutes).
    sockets = tempfile.mkdtemp(prefix="course-kernel-")
    client.km.transport = "ipc"
    client.km.ip = os.path.join(sockets, "ipc")  # absolute: the kernel runs in another cwd
    t0 = time.perf_counter()
    peak = None
    cpu = None
    timed_out = False
    client.start_new_kernel(env=env, cwd=workdir)
    try:
        client.start_new_kernel_client()
        pid = None
        try:
            pid = client.km.provisioner.process.pid
        except AttributeError:
            pass
        cpu_start = _cpu_seconds(pid) if pid is not None else None
        try:
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, index)
        except CellTimeoutError:
            timed_out = True
        if pid is not None:
            peak = _peak_rss(pid)
            cpu_end = _cpu_seconds(pid)
            if cpu_start is not None and cpu_end is not None:
                cpu = cpu_end - cpu_start
    finally:
        client._cleanup_kernel()
        shutil.rmtree(sockets, ignore_errors=True)
    seconds = time.perf_counter() - t0
    errors = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(CellError(
                    index, cell.get("id", ""), cell.metadata.get("nbgrader", {}).get("grade_id"),
                    out.get("ename", ""), out.get("evalue", ""),
                ))
    return ExecutionReport(nb, seconds, peak, errors, timed_out, _kernel_seconds(nb), cpu)


def grade_cells(nb: nbformat.NotebookNode) -> dict[str, tuple[float, float]]:
    """nbgrader's own scoring of each autograded cell: ``grade_id -> (score, max_score)``."""
    from nbgrader.utils import determine_grade, is_grade, is_solution

    scores = {}
    for cell in nb.cells:
        if is_grade(cell) and not is_solution(cell) and cell.cell_type == "code":
            score, max_score = determine_grade(cell)
            scores[cell.metadata["nbgrader"]["grade_id"]] = (float(score or 0.0), max_score)
    return scores

"""Faults and scale: temporary directories of killed runs, and a real Dask cluster losing a worker.

* ``autograder.tempdirs``: a ``grade-*`` directory whose lock is held is never cleaned,
  one whose process was SIGKILLed is, and lock-less (older) ones go by age.
* A SIGKILLed ``python -m autograder grade`` leaves its ``grade-*`` directory behind;
  the next ``grade_all`` removes it.
* A scheduler and two worker processes started with the ``dask`` command-line tools;
  one worker is SIGKILLed while grading a submission. Every submission still gets
  exactly one result, and the export is byte-equal to a local ``jobs=2`` run's.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograder import ROOT
from autograder import course as C
from autograder.sandbox import Limits, available
from autograder.tempdirs import LEGACY_AGE_SECONDS, clean_leftovers, grading_dir
from course_checks import exercises_for

A = "01_practical_aspects"
# A class folder alternates full marks and a wrong diagnose (2 points); quizzes included.
FULL = float(sum(e.points for e in exercises_for(A)))
FAST = Limits(cell_seconds=8, call_seconds=8, memory_bytes=1 << 30, cpu_seconds=120)
SECRET_HEX = "7e57" * 16


def _sandbox_or_skip() -> None:
    ok, why = available()
    if not ok:
        pytest.skip(f"sandbox unavailable: {why}")


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """A private temporary directory for this process (tempfile.gettempdir()) and children."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setenv("TMPDIR", str(tmp))
    return tmp


def _leftovers(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("grade-*"))


def _in_use(d: Path) -> bool:
    """Whether a live process names the grading directory on its command line (the
    sandbox binds it) or holds the directory's lock."""
    import fcntl

    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if str(d).encode() in cmdline.read_bytes():
                return True
    try:
        fd = os.open(d / ".lock", os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


# ---- autograder.tempdirs ----------------------------------------------------------------


def test_grading_dir_is_locked_while_in_use_and_removed_after(private_tmp):
    with grading_dir() as d:
        assert d.parent == private_tmp and d.name.startswith("grade-")
        assert (d.stat().st_mode & 0o777) == 0o755 and (d / ".lock").is_file()
        (d / "sub").mkdir()
        (d / "sub" / "f").write_text("x")
        assert clean_leftovers() == 0 and d.exists()  # held by this very process
    assert not d.exists()
    with pytest.raises(RuntimeError), grading_dir() as d2:
        raise RuntimeError("grading failed")
    assert not d2.exists() and _leftovers(private_tmp) == []


_HOLDER = """
import sys, time
from autograder.tempdirs import grading_dir
with grading_dir() as d:
    print(d, flush=True)
    time.sleep(600)
"""


def test_a_lock_held_by_another_process_survives_and_a_killed_ones_is_cleaned(private_tmp):
    procs = [subprocess.Popen([sys.executable, "-c", _HOLDER], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE)  # TMPDIR: private_tmp
             for _ in range(2)]
    try:
        dirs = [Path(p.stdout.readline().strip()) for p in procs]
        assert all(d.parent == private_tmp and (d / ".lock").exists() for d in dirs)
        assert clean_leftovers() == 0 and all(d.exists() for d in dirs)
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(timeout=30)
        assert dirs[0].exists()  # a SIGKILLed process cannot clean up
        assert clean_leftovers(private_tmp) == 1
        assert not dirs[0].exists() and dirs[1].exists()  # the live one's lock is held
        assert clean_leftovers() == 0 and dirs[1].exists()
    finally:
        for p in procs:
            p.kill()
            p.wait()
    assert clean_leftovers() == 1 and _leftovers(private_tmp) == []


def _age(path: Path, seconds: float) -> None:
    t = time.time() - seconds
    for p in [*path.rglob("*"), path]:
        os.utime(p, (t, t), follow_symlinks=False)


def test_lockless_leftovers_go_by_age_and_symlinks_are_not_followed(private_tmp, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("keep me")
    young = private_tmp / "grade-young"
    old = private_tmp / "grade-old"
    for d in (young, old):
        d.mkdir()
        (d / "in").mkdir()
        (d / "in" / "cases.json").write_text("{}")
    (old / "escape").symlink_to(outside)  # a symlink inside is removed, not followed
    _age(old, LEGACY_AGE_SECONDS + 60)
    link = private_tmp / "grade-link"
    link.symlink_to(outside)  # never followed: the target is not a leftover
    (private_tmp / "grade-file").write_text("not a directory")
    fake = private_tmp / "grade-fakelock"  # a .lock that is a symlink: judged by age
    fake.mkdir()
    (fake / ".lock").symlink_to(outside / "precious")
    fifo = private_tmp / "grade-fifo"  # a .lock that is a FIFO: no hang, judged by age
    fifo.mkdir()
    os.mkfifo(fifo / ".lock")
    assert clean_leftovers() == 1
    assert not old.exists() and young.exists() and fake.exists() and fifo.exists()
    assert link.is_symlink() and (outside / "precious").read_text() == "keep me"
    assert (private_tmp / "grade-file").exists()
    _age(fake, LEGACY_AGE_SECONDS + 60)
    _age(fifo, LEGACY_AGE_SECONDS + 60)
    assert clean_leftovers() == 2 and not fake.exists() and not fifo.exists()
    assert (outside / "precious").read_text() == "keep me" and young.exists()
    assert clean_leftovers(tmp_path / "missing") == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give files to another uid")
def test_whose_lock_decides_not_whose_directory(private_tmp):
    ours = private_tmp / "grade-handed"  # as the grader does: the directory goes to the sandbox
    ours.mkdir()
    (ours / ".lock").write_text("")
    os.chown(ours, 61999, 61999)
    planted = private_tmp / "grade-planted"  # an unlocked .lock that another user made
    planted.mkdir()
    (planted / ".lock").write_text("")
    for p in (planted / ".lock", planted):
        os.chown(p, 61999, 61999)
    assert clean_leftovers() == 1 and not ours.exists() and planted.exists()
    _age(planted, LEGACY_AGE_SECONDS + 60)
    assert clean_leftovers() == 1 and not planted.exists()


def test_an_unremovable_leftover_is_skipped_not_raised(private_tmp, monkeypatch):
    d = private_tmp / "grade-stuck"
    d.mkdir()
    _age(d, LEGACY_AGE_SECONDS + 60)
    monkeypatch.setattr(shutil, "rmtree", lambda *a, **k: None)  # as if removal failed
    assert clean_leftovers() == 0 and d.exists()


# ---- a SIGKILLed grade run ----------------------------------------------------------------


def _class(tmp: Path, n: int) -> Path:
    """The simulated class of tests/test_autograder.py: half correct, half one mistake."""
    from test_autograder import _class_folder

    return _class_folder(tmp, n)


def _course(tmp: Path, folder: Path, name: str, *, release: bool = False) -> Path:
    """The class of ``folder`` collected into ``tmp/name`` (``release``: released first,
    as the command line wants), with a fixed secret."""
    course = tmp / name
    if release:
        C.release(course, [A])
    C.collect(folder, course)
    (course / "secret").write_text(SECRET_HEX)  # same hidden cases in every copy
    return course


def _grade_in_background(course: Path, address: str) -> tuple[threading.Thread, dict]:
    """Start ``grade_all`` on the cluster in a thread; its result or exception lands in the
    dict (``"out"`` or ``"error"``) once the thread ends."""
    box: dict = {}

    def run() -> None:
        try:
            box["out"] = C.grade_all(course, [A], scheduler=address, limits=FAST,
                                     progress=False)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def _csv(course: Path) -> bytes:
    return C.export_csv(C.load_results(course), course / "grades.csv").read_bytes()


@pytest.mark.slow
def test_a_killed_grade_run_leaves_its_directory_and_the_next_start_removes_it(
        tmp_path, private_tmp):
    _sandbox_or_skip()
    course = _course(tmp_path, _class(tmp_path, 3), "course", release=True)
    cmd = [sys.executable, "-m", "autograder", "--course", str(course), "grade", A,
           "--jobs", "1", "--no-progress", "--cell-timeout", "8", "--call-timeout", "8"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # TMPDIR: private_tmp
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not any(
                (d / ".lock").exists() for d in _leftovers(private_tmp)):
            assert proc.poll() is None, "grade ended before it made a grading directory"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    left = _leftovers(private_tmp)
    assert left, "a SIGKILLed grade run leaves its grading directory"
    assert all((d / ".lock").exists() for d in left), (
        "grading directories must come from autograder.tempdirs.grading_dir")
    # the sandbox it had started runs in a session of its own and dies with its parent
    # (bubblewrap's --die-with-parent), a moment later on a busy machine: the run is
    # dead once no process names its directory and nothing holds the directory's lock
    deadline = time.time() + 30
    while time.time() < deadline and any(_in_use(d) for d in left):
        time.sleep(0.1)
    new, skipped = C.grade_all(course, [A], jobs=1, limits=FAST, progress=False)
    assert _leftovers(private_tmp) == []
    assert len(new) + skipped == 3 and len(C.load_results(course)) == 3


# ---- a real Dask cluster losing a worker --------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dask_cluster(logs: Path, n_workers: int = 2, *, tmpdir: Path | None = None,
                 allowed_failures: int | None = None,
                 timeout: float = 60) -> Iterator[tuple[str, dict[str, subprocess.Popen]]]:
    """``dask scheduler`` and ``n_workers`` ``dask worker --no-nanny`` processes (1 thread
    each) on 127.0.0.1, each in its own session; yields (address, {worker name: process}).
    Every process group is SIGKILLed on exit. ``tmpdir`` is the workers' TMPDIR;
    ``allowed_failures`` the scheduler's (worker deaths a task survives; dask's default 3)."""
    from distributed import Client

    logs.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    if allowed_failures is not None:
        env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = str(allowed_failures)
    procs: list[subprocess.Popen] = []

    def start(name: str, args: list[str]) -> subprocess.Popen:
        with (logs / f"{name}.log").open("wb") as log:
            p = subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=ROOT, env=env,
                                 stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(p)
        return p

    try:
        start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(port),
                            "--no-dashboard"])
        workers = {f"w{i}": start(f"w{i}", ["worker", address, "--name", f"w{i}",
                                             "--nthreads", "1", "--nworkers", "1", "--no-nanny",
                                             "--no-dashboard", "--host", "127.0.0.1",
                                             "--local-directory", str(logs / f"w{i}")])
                   for i in range(n_workers)}
        with Client(address, timeout=timeout) as client:
            client.wait_for_workers(n_workers, timeout=timeout)
        yield address, workers
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def kill_a_busy_worker(address: str, workers: dict[str, subprocess.Popen]) -> tuple[str, int]:
    """SIGKILL (with its sandboxes) a worker that is running a task; (its name, its tasks)."""
    from distributed import Client

    with Client(address, timeout=30) as client:
        info = client.scheduler_info(n_workers=-1)["workers"]
        processing = client.processing()
        names = {addr: w["name"] for addr, w in info.items()}
        busy = sorted((len(keys), names[addr]) for addr, keys in processing.items() if keys)
        if not busy:
            return "", 0
        n, name = busy[-1]
        os.killpg(workers[name].pid, signal.SIGKILL)
        workers[name].wait()
    return name, n


@pytest.mark.slow
def test_a_worker_killed_mid_batch_costs_nothing(tmp_path, private_tmp):
    """Grading on a scheduler + two worker processes; one is SIGKILLed while grading.
    Every submission gets exactly one result, and the export is byte-equal to a local
    run's; the killed worker's grading directory is removed at the next start."""
    _sandbox_or_skip()
    pytest.importorskip("distributed", reason="dask.distributed is not installed")
    n = 12
    folder = _class(tmp_path, n)
    local = _course(tmp_path, folder, "local")
    cluster = _course(tmp_path, folder, "cluster")
    wtmp = tmp_path / "worker-tmp"
    wtmp.mkdir()
    results = cluster / "results" / A
    with dask_cluster(tmp_path / "dask", tmpdir=wtmp) as (address, workers):
        t0 = time.time()
        thread, box = _grade_in_background(cluster, address)
        # both workers mid-submission (each has a locked grading directory), two done
        while time.time() < t0 + 120 and (
                len(list(results.glob("*.json"))) < 2
                or sum((d / ".lock").exists() for d in _leftovers(wtmp)) < 2):
            assert thread.is_alive(), box
            time.sleep(0.02)
        killed, lost = kill_a_busy_worker(address, workers)
        done_at_kill = len(list(results.glob("*.json")))
        assert killed and lost >= 1, "no worker was busy: the batch ended too early"
        assert done_at_kill < n
        thread.join(timeout=300)
        assert not thread.is_alive(), "grade_all did not finish after a worker was killed"
        assert "error" not in box, box.get("error")
        new, skipped = box["out"]
        assert skipped == 0 and len(new) == n
        assert sorted(g.student for g in new) == sorted({g.student for g in new})
        assert len(list(results.glob("*.json"))) == n
        assert list(results.glob("*.tmp")) == []
        # the killed worker's grading directory is left; the next grade_all removes it
        left = _leftovers(wtmp)
        assert left and all((d / ".lock").exists() for d in left), left
        (results / "student00.json").unlink()
        again, skipped = C.grade_all(cluster, [A], scheduler=address, limits=FAST,
                                     progress=False)
        assert [g.student for g in again] == ["student00"] and skipped == n - 1
        assert _leftovers(wtmp) == []
    C.grade_all(local, [A], jobs=2, limits=FAST, progress=False)
    rows = list(csv.DictReader(io.StringIO(_csv(local).decode())))
    assert sorted({r["student"] for r in rows}) == [f"student{i:02d}" for i in range(n)]
    assert {r["submission_status"] for r in rows} == {"graded"}
    totals = [g.total for g in sorted(C.load_results(local), key=lambda g: g.student)]
    assert totals == [FULL, FULL - 2] * (n // 2), totals
    assert _csv(cluster) == _csv(local)


@pytest.mark.slow
def test_a_task_that_outlives_its_allowed_failures_is_reported_and_regraded(
        tmp_path, private_tmp):
    """With ``allowed-failures`` 0 a killed worker's task fails (KilledWorker): grade_all
    writes every other result, then raises naming the lost submission; a rerun grades
    only that one."""
    _sandbox_or_skip()
    pytest.importorskip("distributed", reason="dask.distributed is not installed")
    n = 4
    course = _course(tmp_path, _class(tmp_path, n), "course")
    wtmp = tmp_path / "worker-tmp"
    wtmp.mkdir()
    with dask_cluster(tmp_path / "dask", tmpdir=wtmp, allowed_failures=0) as (address, workers):
        thread, box = _grade_in_background(course, address)
        deadline = time.time() + 120
        while time.time() < deadline and sum(
                (d / ".lock").exists() for d in _leftovers(wtmp)) < 2:
            assert thread.is_alive(), box
            time.sleep(0.02)
        killed, lost = kill_a_busy_worker(address, workers)
        assert killed and lost >= 1
        thread.join(timeout=300)
        assert not thread.is_alive()
        err = box.get("error")
        assert isinstance(err, C.ClusterGradingError), box
        assert 1 <= len(err.failed) <= lost and len(err.results) == n - len(err.failed)
        assert "KilledWorker" in str(err) and "run grade again" in str(err)
        written = {p.stem for p in (course / "results" / A).glob("*.json")}
        assert written == {g.student for g in err.results}
        again, skipped = C.grade_all(course, [A], scheduler=address, limits=FAST,
                                     progress=False)
        assert sorted(g.student for g in again) == sorted(s.student for s, _ in err.failed)
        assert skipped == len(err.results)
    totals = [g.total for g in C.load_results(course)]
    assert totals == [FULL, FULL - 2] * (n // 2)

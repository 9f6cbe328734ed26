"""Grading at scale on a real Dask cluster: cost per submission and the grader's memory.

    python benchmarks/bench_grading_scale.py [--sizes 30,100,300,1000] [--kill-at K]
                                             [--markdown benchmarks/results/grading_scale.md]

For each size N, builds N simulated submissions cycling over every notebook of the
course (finished, blank, with catalogued mistakes: the generator of
``bench_grading.py``), starts a scheduler and two worker processes (one thread each)
with the ``dask`` command-line tools on 127.0.0.1, and grades the class with
``autograder.course.grade_all(..., scheduler=...)`` (sandbox on) in a fresh child
process: the grading process, i.e. the Dask client that writes every result.

Measured per size: wall time of ``grade_all``, seconds per submission, the mean time
one submission took on its worker, the peak RSS of the grading process (``VmRSS``
sampled every 50 ms, and ``ru_maxrss``), its RSS before grading (after its imports),
the peak RSS of each worker process (``VmHWM``), and the number of result files and
distinct results. ``--kill-at K`` SIGKILLs a worker that is grading, once K results
exist, and reports that every submission still got exactly one result (the run goes
on with the remaining worker, so its wall time is not comparable).

The benchmark measures; it asserts nothing about timings.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


def _rss_kib(pid: int | str = "self", field: str = "VmRSS") -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def child(course: Path, scheduler: str) -> int:
    """The grading process: grade the class on the cluster, print one JSON line."""
    sys.path.insert(0, str(ROOT))
    import dask.distributed  # noqa: F401  (imported before the "before" RSS, as grade_all does)

    from autograder import course as C

    before = _rss_kib() or 0
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            peak[0] = max(peak[0], _rss_kib() or 0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    new, skipped = C.grade_all(course, scheduler=scheduler, progress=False, force=True)
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    peak[0] = max(peak[0], _rss_kib() or 0)
    out = {
        "graded": len(new),
        "distinct": len({(g.student, g.assignment) for g in new}),
        "skipped": skipped,
        "wall": wall,
        "grading_mean": sum(g.seconds for g in new) / max(len(new), 1),
        "points": sum(g.total for g in new),
        "statuses": dict(Counter(g.status for g in new)),
        "reasons": Counter(g.reason[:120] for g in new if g.status != "graded").most_common(3),
        "rss_before_kib": before,
        "rss_peak_kib": peak[0],
        "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    print(json.dumps(out), flush=True)
    return 0


def build_pool(pool: Path, n: int) -> None:
    """n submissions (the largest size) in ``pool/submitted``; smaller sizes copy a prefix."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_grading

    bench_grading._mistake_answer = functools.cache(bench_grading._mistake_answer)
    bench_grading.make_class(pool, n)


def course_of(pool: Path, dest: Path, n: int, secret_hex: str) -> Path:
    students = sorted((pool / "submitted").iterdir())[:n]
    for s in students:
        shutil.copytree(s, dest / "submitted" / s.name)
    (dest / "secret").write_text(secret_hex)
    return dest


def run_size(n: int, pool: Path, work: Path, kill_at: int | None) -> dict:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_cluster import dask_cluster, kill_a_busy_worker

    course = course_of(pool, work / f"course{n}", n, "be9c" * 16)
    wtmp = work / f"worker-tmp{n}"
    wtmp.mkdir()
    load_before = os.getloadavg()[0]
    killed = ""
    with dask_cluster(work / f"dask{n}", tmpdir=wtmp) as (address, workers):
        proc = subprocess.Popen([sys.executable, __file__, "--child", str(course), address],
                                cwd=ROOT, stdout=subprocess.PIPE, text=True)
        if kill_at is not None:
            results = course / "results"
            while proc.poll() is None and len(list(results.glob("*/*.json"))) < kill_at:
                time.sleep(0.05)
            if proc.poll() is None:
                name, lost = kill_a_busy_worker(address, workers)
                done = len(list(results.glob("*/*.json")))
                killed = (f"{name} SIGKILLed after {done} results, while running {lost} task(s)"
                          if name else "no worker was busy: nothing killed")
        out, _ = proc.communicate()
        hwm = {name: _rss_kib(p.pid, "VmHWM") for name, p in workers.items()}
    if proc.returncode != 0:
        raise SystemExit(f"the grading process failed for {n} submissions")
    stats = json.loads(out.strip().splitlines()[-1])
    stats.update(n=n, load_before=load_before, load_after=os.getloadavg()[0], killed=killed,
                 files=len(list((course / "results").glob("*/*.json"))),
                 worker_hwm_kib={k: v for k, v in hwm.items() if v is not None})
    shutil.rmtree(course, ignore_errors=True)
    return stats


def table(rows: list[dict]) -> str:
    mib = 1024
    lines = [
        "| submissions | wall (s) | s / submission | worker s / submission | "
        "grader RSS before (MiB) | grader peak RSS (MiB) | worker peak RSS (MiB) | "
        "results (distinct) | load before/after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        workers = "/".join(f"{v / mib:.0f}" for _, v in sorted(r["worker_hwm_kib"].items()))
        lines.append(
            f"| {r['n']} | {r['wall']:.1f} | {r['wall'] / r['n']:.3f} | "
            f"{r['grading_mean']:.2f} | {r['rss_before_kib'] / mib:.0f} | "
            f"{max(r['rss_peak_kib'], r['ru_maxrss_kib']) / mib:.0f} | {workers} | "
            f"{r['files']} ({r['distinct']}) | {r['load_before']:.1f}/{r['load_after']:.1f} |")
    notes = [r for r in rows if r["killed"]]
    lines.append("")
    for r in notes:
        ok = r["files"] == r["n"] == r["distinct"] == r["graded"]
        lines.append(f"* {r['n']} submissions: worker {r['killed']}; every submission got "
                     f"exactly one result: {'yes' if ok else 'NO'}.")
    for r in rows:
        lines.append(f"* {r['n']} submissions: statuses {r['statuses']}, "
                     f"points {r['points']:g}.")
        lines += [f"  * {count} × {reason!r}" for reason, count in r["reasons"]]
    return "\n".join(lines)


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        return child(Path(sys.argv[2]), sys.argv[3])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="30,100,300,1000",
                   help="comma-separated numbers of submissions (default 30,100,300,1000)")
    p.add_argument("--kill-at", type=int, default=None,
                   help="SIGKILL a busy worker once this many results exist")
    p.add_argument("--markdown", type=Path, default=RESULTS / "grading_scale.md")
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    sys.path.insert(0, str(ROOT))
    from autograder.sandbox import available

    ok, why = available()
    if not ok:
        print(f"sandbox unavailable: {why}")
        return 1
    try:
        import distributed
    except ImportError:
        print("dask.distributed is not installed (pip install -e '.[cluster]')")
        return 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        t = time.perf_counter()
        build_pool(work / "pool", max(sizes))
        print(f"built {max(sizes)} submissions in {time.perf_counter() - t:.0f} s", flush=True)
        for n in sizes:
            rows.append(run_size(n, work / "pool", work, args.kill_at))
            r = rows[-1]
            print(f"{n}: {r['wall']:.1f} s, {r['wall'] / n:.3f} s/submission, grader peak "
                  f"{max(r['rss_peak_kib'], r['ru_maxrss_kib']) / 1024:.0f} MiB "
                  f"{r['killed']}", flush=True)
    header = (f"Finished {time.strftime('%Y-%m-%d %H:%M')} with `python "
              f"benchmarks/bench_grading_scale.py --sizes {args.sizes}"
              f"{f' --kill-at {args.kill_at}' if args.kill_at is not None else ''}`: "
              f"scheduler + 2 worker processes (1 thread each, `dask` CLI, 127.0.0.1), "
              f"sandbox on, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
              f"distributed {distributed.__version__}.\n\n")
    text = header + table(rows)
    print(text)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

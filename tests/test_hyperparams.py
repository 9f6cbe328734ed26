"""Tests for course_lib.hyperparams.

Objectives are module-level functions so that joblib / dask workers can unpickle them.
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np
import pytest

from course_lib.hyperparams import (
    Choice,
    IntUniform,
    LogUniform,
    OneMinusLogUniform,
    Trial,
    Uniform,
    best_trials,
    narrow_space,
    random_search,
    sample_log_uniform,
    sample_one_minus_log_uniform,
    trials_table,
)

SPACE = {
    "learning_rate": LogUniform(1e-4, 1.0),
    "beta": OneMinusLogUniform(0.9, 0.999),
    "units": IntUniform(8, 64),
    "optimizer": Choice(("momentum", "adam")),
}


def peaked_objective(params, rng):
    """Best at learning_rate = 1e-2, plus noise from the trial's own generator."""
    noise = float(rng.normal(scale=0.01))
    score = -((math.log10(params["learning_rate"]) + 2.0) ** 2) + noise
    return {"score": score, "noise": noise, "units_seen": params.get("units")}


def plain_objective(params, rng):
    return float(params["x"]) + 1e-3 * float(rng.random())


def flaky_objective(params, rng):
    if params["x"] > 0.7:
        raise RuntimeError("boom: diverged")
    if params["x"] < 0.2:
        return float("nan")
    return float(params["x"])


def worker_pid_objective(params, rng):
    return {"score": float(params["x"]), "pid": os.getpid()}


def no_score_objective(params, rng):
    return {"accuracy": 1.0}


def _rng(seed=0):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------------------
# Samplers
# ---------------------------------------------------------------------------


def test_log_uniform_samples_each_decade_equally():
    x = sample_log_uniform(_rng(1), 1e-4, 1.0, size=20000)
    assert x.shape == (20000,)
    assert np.all((x >= 1e-4) & (x <= 1.0))
    r = np.log10(x)
    for lo in (-4, -3, -2, -1):
        share = np.mean((r >= lo) & (r < lo + 1))
        assert abs(share - 0.25) < 0.02, (lo, share)
    # uniform sampling would put ~90% in [0.1, 1]
    assert np.mean(x >= 0.1) < 0.27


def test_log_uniform_scalar_and_reproducible():
    a = sample_log_uniform(_rng(7), 1e-3, 1e-1)
    b = sample_log_uniform(_rng(7), 1e-3, 1e-1)
    assert isinstance(a, float)
    assert a == b
    assert 1e-3 <= a <= 1e-1


def test_one_minus_log_uniform_beta():
    beta = sample_one_minus_log_uniform(_rng(2), 0.9, 0.999, size=20000)
    assert np.all((beta >= 0.9) & (beta <= 0.999))
    r = np.log10(1.0 - beta)
    assert r.min() >= -3 - 1e-9
    assert r.max() <= -1 + 1e-9
    assert abs(np.mean(r < -2) - 0.5) < 0.02  # half the betas are in [0.99, 0.999]
    for lo in np.linspace(-3, -1.25, 8):
        share = np.mean((r >= lo) & (r < lo + 0.25))
        assert abs(share - 0.125) < 0.02


def test_sampler_bad_inputs():
    with pytest.raises(ValueError, match="low must be < high"):
        sample_log_uniform(_rng(), 1.0, 1e-4)
    with pytest.raises(ValueError, match="low must be finite and > 0"):
        sample_log_uniform(_rng(), 0.0, 1.0)
    with pytest.raises(ValueError, match=r"high must be in \[0.0, 1.0\)"):
        sample_one_minus_log_uniform(_rng(), 0.9, 1.0)
    with pytest.raises(ValueError, match="low"):
        sample_one_minus_log_uniform(_rng(), -0.1, 0.9)
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        sample_log_uniform(0, 1e-4, 1.0)


# ---------------------------------------------------------------------------
# Dimensions
# ---------------------------------------------------------------------------


def test_dimension_samples_lie_inside():
    rng = _rng(3)
    for dim in SPACE.values():
        for _ in range(200):
            assert dim.contains(dim.sample(rng))
    assert isinstance(IntUniform(1, 3).sample(rng), int)
    values = {IntUniform(1, 3).sample(rng) for _ in range(200)}
    assert values == {1, 2, 3}  # both ends included


def test_dimension_bad_inputs():
    with pytest.raises(ValueError, match="low must be < high"):
        Uniform(1.0, 1.0)
    with pytest.raises(ValueError, match="low must be finite and > 0"):
        LogUniform(-1.0, 1.0)
    with pytest.raises(ValueError, match="high must be in"):
        OneMinusLogUniform(0.9, 1.5)
    with pytest.raises(ValueError, match="low must be <= high"):
        IntUniform(5, 2)
    with pytest.raises(ValueError, match="options must hold at least one"):
        Choice(())


# ---------------------------------------------------------------------------
# Searches
# ---------------------------------------------------------------------------


def test_random_search_same_results_for_any_n_jobs():
    serial = random_search(peaked_objective, SPACE, 12, rng=_rng(5), n_jobs=1)
    parallel = random_search(peaked_objective, SPACE, 12, rng=_rng(5), n_jobs=2)
    assert len(serial) == 12
    assert serial == parallel  # Trial equality ignores the timing
    assert [t.score for t in serial] == [t.score for t in parallel]
    assert [t.seed for t in serial] == [t.seed for t in parallel]
    other = random_search(peaked_objective, SPACE, 12, rng=_rng(6))
    assert [t.score for t in other] != [t.score for t in serial]


def test_random_search_records():
    trials = random_search(peaked_objective, SPACE, 5, rng=_rng(8))
    t = trials[0]
    assert isinstance(t, Trial)
    assert set(t.params) == set(SPACE)
    assert set(t.metrics) == {"noise", "units_seen"}
    assert t.metrics["units_seen"] == t.params["units"]
    assert t.seconds >= 0.0
    # the trial's score is reproducible from its own seed
    again = peaked_objective(t.params, np.random.default_rng(t.seed))
    assert again["score"] == t.score


def test_failing_trials_do_not_stop_the_search():
    space = {"x": Uniform(0.0, 1.0)}
    for n_jobs in (1, 2):
        trials = random_search(flaky_objective, space, 40, rng=_rng(9), n_jobs=n_jobs)
        assert len(trials) == 40
        raised = [t for t in trials if t.params["x"] > 0.7]
        nan = [t for t in trials if t.params["x"] < 0.2]
        good = [t for t in trials if 0.2 <= t.params["x"] <= 0.7]
        assert raised and nan and good
        for t in raised:
            assert math.isnan(t.score) and t.failed
            assert "RuntimeError: boom: diverged" in t.metrics["error"]
        for t in nan:
            assert math.isnan(t.score)
            assert "non-finite" in t.metrics["error"]
        for t in good:
            assert t.score == t.params["x"]
            assert "error" not in t.metrics
        # failed trials come last
        n_good = len(good)
        assert all(not t.failed for t in trials[:n_good])
        assert all(t.failed for t in trials[n_good:])


def test_objective_without_score_key_is_a_failed_trial():
    trials = random_search(no_score_objective, {"x": Uniform(0, 1)}, 2, rng=_rng())
    assert all(t.failed for t in trials)
    assert "'score'" in trials[0].metrics["error"]


def test_sorting_best_first_and_minimize():
    space = {"x": Uniform(0.0, 1.0)}
    up = random_search(plain_objective, space, 20, rng=_rng(10))
    down = random_search(plain_objective, space, 20, rng=_rng(10), maximize=False)
    assert [t.score for t in up] == sorted((t.score for t in up), reverse=True)
    assert [t.score for t in down] == sorted(t.score for t in down)
    assert up[0] == down[-1]
    assert best_trials(up, 3) == up[:3]
    assert best_trials(up, 3, maximize=False) == down[:3]
    assert len(best_trials(up, 100)) == 20


def test_search_bad_inputs():
    with pytest.raises(ValueError, match="n_trials must be >= 1"):
        random_search(plain_objective, {"x": Uniform(0, 1)}, 0, rng=_rng())
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        random_search(plain_objective, {"x": Uniform(0, 1)}, 3, rng=42)
    with pytest.raises(ValueError, match=r"space\['x'\] must be"):
        random_search(plain_objective, {"x": (0, 1)}, 3, rng=_rng())
    with pytest.raises(ValueError, match="space must be a non-empty dict"):
        random_search(plain_objective, {}, 3, rng=_rng())
    with pytest.raises(ValueError, match="n_jobs"):
        random_search(plain_objective, {"x": Uniform(0, 1)}, 3, rng=_rng(), n_jobs=0)


# ---------------------------------------------------------------------------
# Coarse to fine
# ---------------------------------------------------------------------------


def test_narrow_space_shrinks_around_best_trials():
    space = {
        "learning_rate": LogUniform(1e-6, 1.0),
        "optimizer": Choice(("sgd", "momentum", "adam")),
    }
    trials = random_search(peaked_objective, space, 60, rng=_rng(11))
    top = best_trials(trials, 5)
    fine = narrow_space(space, trials, top_k=5)
    lr = fine["learning_rate"]
    assert isinstance(lr, LogUniform)
    assert lr.low >= 1e-6 and lr.high <= 1.0
    old_width = math.log10(1.0) - math.log10(1e-6)
    assert math.log10(lr.high) - math.log10(lr.low) < 0.5 * old_width
    for t in top:
        assert lr.contains(t.params["learning_rate"])
        assert fine["optimizer"].contains(t.params["optimizer"])
    assert lr.contains(1e-2)  # the true optimum stays inside
    assert set(fine["optimizer"].options) == {t.params["optimizer"] for t in top}


def test_narrow_each_dimension_kind():
    lr = LogUniform(1e-4, 1.0).narrow([1e-3, 3e-3], margin=0.1)
    assert lr.low == pytest.approx(10 ** (-3 - 0.4))
    assert lr.high == pytest.approx(10 ** (math.log10(3e-3) + 0.4))
    beta = OneMinusLogUniform(0.9, 0.999).narrow([0.99, 0.995], margin=0.1)
    assert beta.low == pytest.approx(1 - 10 ** (-2 + 0.2))
    assert beta.high == pytest.approx(1 - 10 ** (math.log10(0.005) - 0.2))
    assert beta.contains(0.99) and beta.contains(0.995)
    u = Uniform(0.0, 10.0).narrow([0.5], margin=0.1)
    assert (u.low, u.high) == (0.0, pytest.approx(1.5))
    n = IntUniform(0, 100).narrow([40, 45], margin=0.1)
    assert (n.low, n.high) == (30, 55)
    assert Choice(("a", "b", "c")).narrow(["c", "a", "c"]) == Choice(("a", "c"))
    with pytest.raises(ValueError, match="not among the options"):
        Choice(("a", "b")).narrow(["z"])
    with pytest.raises(ValueError, match="domain of LogUniform"):
        LogUniform(1e-4, 1.0).narrow([0.0])


def test_narrow_space_needs_a_successful_trial():
    trials = random_search(flaky_objective, {"x": Uniform(0.8, 1.0)}, 3, rng=_rng())
    with pytest.raises(ValueError, match="no successful trial"):
        narrow_space({"x": Uniform(0.8, 1.0)}, trials, 2)


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------


def test_trials_table():
    trials = random_search(flaky_objective, {"x": Uniform(0.0, 1.0)}, 10, rng=_rng(12))
    text = trials_table(trials)
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["rank", "trial", "score", "x"]
    assert "error" in lines[0]
    assert len(lines) == 2 + 10
    assert "boom" in text
    short = trials_table(trials, max_rows=3)
    assert short.splitlines()[-1] == "... 7 more trials"


# ---------------------------------------------------------------------------
# Dask cluster
# ---------------------------------------------------------------------------


@pytest.mark.slow
def test_random_search_on_dask_cluster_matches_serial():
    distributed = pytest.importorskip("dask.distributed")
    serial = random_search(peaked_objective, SPACE, 8, rng=_rng(13), n_jobs=1)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_cluster = random_search(
            peaked_objective, SPACE, 8, rng=_rng(13), scheduler_address=cluster.scheduler_address
        )
        pids = random_search(
            worker_pid_objective,
            {"x": Uniform(0, 1)},
            8,
            rng=_rng(),
            scheduler_address=cluster.scheduler_address,
        )
    assert on_cluster == serial
    assert [t.score for t in on_cluster] == [t.score for t in serial]
    assert os.getpid() not in {t.metrics["pid"] for t in pids}  # ran on the workers


def test_scheduler_address_without_dask_gives_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(ImportError, match=r"pip install 'dask\[distributed\]'"):
        random_search(
            plain_objective, {"x": Uniform(0, 1)}, 2, rng=_rng(), scheduler_address="tcp://x:1"
        )


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_progress_bar_counts_finished_trials(n_jobs, capsys, monkeypatch):
    monkeypatch.delenv("COURSE_LIB_NO_PROGRESS", raising=False)
    quiet = random_search(peaked_objective, SPACE, 6, rng=_rng(3), n_jobs=n_jobs)
    assert capsys.readouterr().err == ""
    shown = random_search(peaked_objective, SPACE, 6, rng=_rng(3), n_jobs=n_jobs, progress=True)
    err = capsys.readouterr().err
    assert "trials" in err and "6/6" in err
    assert [(t.index, t.params, t.score) for t in shown] == [
        (t.index, t.params, t.score) for t in quiet]


def test_progress_bar_silenced_by_environment(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_LIB_NO_PROGRESS", "1")
    random_search(peaked_objective, SPACE, 4, rng=_rng(3), progress=True)
    assert capsys.readouterr().err == ""

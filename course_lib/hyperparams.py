"""Hyperparameter search: sampling on the right scale, random search, coarse to fine.

Sampling scales
---------------
* A learning rate in ``[1e-4, 1]`` is sampled on a *log* scale: ``r ~ U[-4, 0]`` and
  ``alpha = 10**r``, so each decade ``[1e-4, 1e-3]``, ..., ``[1e-1, 1]`` gets the same
  share of the trials (uniform sampling would put 90% of them in ``[0.1, 1]``).
* A momentum / Adam ``beta`` in ``[0.9, 0.999]`` is sampled so that ``1 - beta`` is
  log-uniform: ``r ~ U[-3, -1]`` and ``beta = 1 - 10**r``. The average over
  ``1 / (1 - beta)`` steps is very sensitive to ``beta`` close to 1.

A search space is a plain dict ``name -> dimension``, e.g.::

    space = {
        "learning_rate": LogUniform(1e-4, 1.0),
        "beta1": OneMinusLogUniform(0.9, 0.999),
        "hidden_units": IntUniform(16, 128),
        "optimizer": Choice(("momentum", "adam")),
    }

Objectives
----------
``objective(params: dict, rng: np.random.Generator) -> float | dict``: train and
evaluate with the hyperparameters ``params`` and the generator ``rng`` (for weight
initialisation, shuffling, dropout). Return the score, or a dict with a ``"score"``
key plus any other metrics (``{"score": dev_acc, "train_acc": ...}``). Objectives run
in worker processes when ``n_jobs != 1``, so they must be picklable (module-level
functions).

Reproducibility: every trial's seed and every random-search point are drawn from the
``rng`` passed in *before* any trial runs, and each trial gets a fresh
``np.random.default_rng(seed)``; so results do not depend on ``n_jobs`` or on the
order in which workers finish.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course_lib.progress import progress_bar
from course_lib.validation import check_in_range, check_int, check_positive, check_rng

__all__ = [
    "Choice",
    "Dimension",
    "IntUniform",
    "LogUniform",
    "OneMinusLogUniform",
    "Trial",
    "Uniform",
    "best_trials",
    "narrow_space",
    "random_search",
    "sample_log_uniform",
    "sample_one_minus_log_uniform",
    "trials_table",
]

Objective = Callable[[dict[str, Any], np.random.Generator], "float | Mapping[str, Any]"]


# ---------------------------------------------------------------------------
# Samplers
# ---------------------------------------------------------------------------


def _check_interval(low: float, high: float) -> tuple[float, float]:
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"low and high must be finite, got {low} and {high}")
    if not low < high:
        raise ValueError(f"low must be < high, got {low} and {high}")
    return low, high


def _check_log_bounds(low: float, high: float) -> tuple[float, float]:
    check_positive("low", low)
    check_positive("high", high)
    return _check_interval(low, high)


def _check_beta_bounds(low: float, high: float) -> tuple[float, float]:
    check_in_range("low", low, 0.0, 1.0, high_open=True)
    check_in_range("high", high, 0.0, 1.0, high_open=True)
    return _check_interval(low, high)


def _maybe_float(x: np.ndarray, size: Any) -> float | np.ndarray:
    return float(x) if size is None else x


def sample_log_uniform(
    rng: np.random.Generator, low: float, high: float, size: int | tuple[int, ...] | None = None
) -> float | np.ndarray:
    """Sample ``10**r`` with ``r ~ U[log10(low), log10(high)]`` (``0 < low < high``).

    Every decade inside ``[low, high]`` gets the same share of samples.
    Returns a float when ``size`` is None, else an array of shape ``size``.

    Exercise `sample_log_uniform`, notebook 09_hyperparameter_tuning.
    """
    check_rng("rng", rng)
    low, high = _check_log_bounds(low, high)
    r = rng.uniform(math.log10(low), math.log10(high), size=size)
    return _maybe_float(np.clip(10.0**r, low, high), size)


def sample_one_minus_log_uniform(
    rng: np.random.Generator, low: float, high: float, size: int | tuple[int, ...] | None = None
) -> float | np.ndarray:
    """Sample ``beta`` in ``[low, high]`` (``0 <= low < high < 1``) with ``1 - beta`` log-uniform.

    ``beta = 1 - 10**r`` with ``r ~ U[log10(1 - high), log10(1 - low)]``; for
    ``[0.9, 0.999]``, ``r ~ U[-3, -1]``. Returns a float when ``size`` is None.

    Exercise `sample_beta`, notebook 09_hyperparameter_tuning.
    """
    check_rng("rng", rng)
    low, high = _check_beta_bounds(low, high)
    r = rng.uniform(math.log10(1.0 - high), math.log10(1.0 - low), size=size)
    return _maybe_float(np.clip(1.0 - 10.0**r, low, high), size)


# ---------------------------------------------------------------------------
# Dimensions of a search space
# ---------------------------------------------------------------------------


class Dimension:
    """Base class of the search-space dimensions.

    A dimension can ``sample(rng)`` one value, tell whether it ``contains`` a value,
    and ``narrow(values)`` itself around good values.
    """

    def sample(self, rng: np.random.Generator) -> Any:
        raise NotImplementedError

    def narrow(self, values: Sequence[Any], margin: float = 0.1) -> Dimension:
        raise NotImplementedError

    def contains(self, value: Any) -> bool:
        raise NotImplementedError


@dataclass(frozen=True)
class _ScaledDimension(Dimension):
    """A real interval ``[low, high]`` that is uniform on a transformed scale ``t(x)``.

    Subclasses define ``_to_scale`` (x -> t) and ``_from_scale`` (t -> x), monotonic,
    and ``_check_bounds(low, high) -> (low, high)``, the rule for the bounds.
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        low, high = self._check_bounds(self.low, self.high)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    @staticmethod
    def _check_bounds(low: float, high: float) -> tuple[float, float]:
        raise NotImplementedError

    def _to_scale(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _from_scale(self, t: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _scale_bounds(self) -> tuple[float, float]:
        t = self._to_scale(np.array([self.low, self.high]))
        return float(t.min()), float(t.max())

    def contains(self, value: Any) -> bool:
        return bool(self.low <= float(value) <= self.high)

    def narrow(self, values: Sequence[float], margin: float = 0.1) -> _ScaledDimension:
        """A new dimension of the same kind covering ``values``, padded on this scale.

        With ``t`` this dimension's scale (identity, log10, log10(1 - beta)), the new
        range is ``[min t(values) - pad, max t(values) + pad]`` with
        ``pad = margin * (t(high) - t(low))``, cut back to the current range (but
        always covering every value).
        """
        margin = check_positive("margin", margin)
        vals = np.asarray(values, dtype=np.float64).ravel()
        if vals.size == 0:
            raise ValueError("values must hold at least one value to narrow around")
        with np.errstate(all="ignore"):
            tv = self._to_scale(vals)
        if not np.isfinite(tv).all():
            bad = float(vals[~np.isfinite(tv)][0])
            raise ValueError(f"values must lie in the domain of {type(self).__name__}, got {bad}")
        t_lo, t_hi = self._scale_bounds()
        pad = margin * (t_hi - t_lo)
        new_t_lo = min(float(tv.min()), max(t_lo, float(tv.min()) - pad))
        new_t_hi = max(float(tv.max()), min(t_hi, float(tv.max()) + pad))
        ends = self._from_scale(np.array([new_t_lo, new_t_hi]))
        new_low = min(float(ends.min()), float(vals.min()))
        new_high = max(float(ends.max()), float(vals.max()))
        return type(self)(new_low, new_high)


@dataclass(frozen=True)
class Uniform(_ScaledDimension):
    """Real values uniform in ``[low, high]``."""

    _check_bounds = staticmethod(_check_interval)

    def sample(self, rng: np.random.Generator) -> float:
        """One value ``~ U[low, high]``."""
        return float(check_rng("rng", rng).uniform(self.low, self.high))

    def _to_scale(self, x: np.ndarray) -> np.ndarray:
        return x

    def _from_scale(self, t: np.ndarray) -> np.ndarray:
        return t


@dataclass(frozen=True)
class LogUniform(_ScaledDimension):
    """Positive values with ``log10`` uniform in ``[log10 low, log10 high]`` (learning rates)."""

    _check_bounds = staticmethod(_check_log_bounds)

    def sample(self, rng: np.random.Generator) -> float:
        """One value ``10**r``, ``r ~ U[log10 low, log10 high]``."""
        return float(sample_log_uniform(rng, self.low, self.high))

    def _to_scale(self, x: np.ndarray) -> np.ndarray:
        return np.log10(x)

    def _from_scale(self, t: np.ndarray) -> np.ndarray:
        return 10.0**t


@dataclass(frozen=True)
class OneMinusLogUniform(_ScaledDimension):
    """Values ``beta`` in ``[low, high] ⊂ [0, 1)`` with ``1 - beta`` log-uniform.

    For momentum and Adam's ``beta1``, ``beta2`` (e.g. ``OneMinusLogUniform(0.9, 0.999)``).
    """

    _check_bounds = staticmethod(_check_beta_bounds)

    def sample(self, rng: np.random.Generator) -> float:
        """One value ``1 - 10**r``, ``r ~ U[log10(1 - high), log10(1 - low)]``."""
        return float(sample_one_minus_log_uniform(rng, self.low, self.high))

    def _to_scale(self, x: np.ndarray) -> np.ndarray:
        return np.log10(1.0 - x)

    def _from_scale(self, t: np.ndarray) -> np.ndarray:
        return 1.0 - 10.0**t


@dataclass(frozen=True)
class IntUniform(Dimension):
    """Integers uniform in ``{low, ..., high}`` (both ends included; ``low <= high``)."""

    low: int
    high: int

    def __post_init__(self) -> None:
        low = check_int("low", self.low)
        high = check_int("high", self.high)
        if low > high:
            raise ValueError(f"low must be <= high, got {low} and {high}")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def sample(self, rng: np.random.Generator) -> int:
        """One integer, each of ``low..high`` with probability ``1 / (high - low + 1)``."""
        return int(check_rng("rng", rng).integers(self.low, self.high + 1))

    def contains(self, value: Any) -> bool:
        return float(value) == int(value) and self.low <= int(value) <= self.high

    def narrow(self, values: Sequence[int], margin: float = 0.1) -> IntUniform:
        """``[min - pad, max + pad]`` cut back to ``[low, high]``.

        ``pad = ceil(margin * (high - low))``; the values are always covered.
        """
        margin = check_positive("margin", margin)
        ints = [check_int(f"values[{i}]", v) for i, v in enumerate(values)]
        if not ints:
            raise ValueError("values must hold at least one value to narrow around")
        pad = math.ceil(margin * (self.high - self.low))
        lo, hi = min(ints), max(ints)
        return IntUniform(min(lo, max(self.low, lo - pad)), max(hi, min(self.high, hi + pad)))


@dataclass(frozen=True)
class Choice(Dimension):
    """One of a fixed list of options (e.g. ``("momentum", "adam")``), each equally likely."""

    options: tuple[Any, ...]

    def __post_init__(self) -> None:
        if isinstance(self.options, str):
            raise ValueError(f"options must be a list of options, got the string {self.options!r}")
        opts = tuple(self.options)
        if not opts:
            raise ValueError("options must hold at least one option, got ()")
        object.__setattr__(self, "options", opts)

    def sample(self, rng: np.random.Generator) -> Any:
        """One of the options, uniformly."""
        return self.options[int(check_rng("rng", rng).integers(len(self.options)))]

    def contains(self, value: Any) -> bool:
        return value in self.options

    def narrow(self, values: Sequence[Any], margin: float = 0.1) -> Choice:
        """The options that appear in ``values``, in the original order (``margin`` unused)."""
        vals = list(values)
        if not vals:
            raise ValueError("values must hold at least one value to narrow around")
        unknown = [v for v in vals if v not in self.options]
        if unknown:
            raise ValueError(f"values {unknown} are not among the options {list(self.options)}")
        return Choice(tuple(o for o in self.options if o in vals))


def _check_space(space: Mapping[str, Dimension]) -> dict[str, Dimension]:
    if not isinstance(space, Mapping) or not space:
        raise ValueError(
            "space must be a non-empty dict name -> dimension (Uniform, LogUniform, ...), "
            f"got {space!r}"
        )
    for name, dim in space.items():
        if not isinstance(dim, Dimension):
            raise ValueError(
                f"space[{name!r}] must be a Uniform, LogUniform, OneMinusLogUniform, "
                f"IntUniform or Choice, got {type(dim).__name__}"
            )
    return dict(space)


# ---------------------------------------------------------------------------
# Trials and running them
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Trial:
    """One evaluated point of a search.

    Attributes:
        index: position of the trial in the order it was generated (0-based).
        params: the hyperparameters, ``{"learning_rate": 0.003, ...}``.
        score: the objective's score; NaN when the objective failed.
        metrics: the other values the objective returned; ``metrics["error"]`` holds
            the error text of a failed trial.
        seed: seed of the ``np.random.default_rng(seed)`` given to the objective.
        seconds: wall time of the objective (not compared by ``==``).
    """

    index: int
    params: dict[str, Any]
    score: float
    metrics: dict[str, Any]
    seed: int
    seconds: float = field(compare=False)

    @property
    def failed(self) -> bool:
        """True when the objective raised or gave a non-finite score."""
        return math.isnan(self.score)


def _run_trial(objective: Objective, index: int, params: dict[str, Any], seed: int) -> Trial:
    """Run the objective once with its own generator; never raises for objective errors."""
    start = time.perf_counter()
    metrics: dict[str, Any] = {}
    try:
        result = objective(dict(params), np.random.default_rng(seed))
        if isinstance(result, Mapping):
            if "score" not in result:
                raise ValueError(
                    f"objective returned a dict without a 'score' key (keys {list(result)})"
                )
            metrics = {k: v for k, v in result.items() if k != "score"}
            score = float(result["score"])
        else:
            score = float(result)
        if not math.isfinite(score):
            metrics["error"] = f"objective returned a non-finite score ({score})"
            score = math.nan
    except Exception as exc:  # a failed trial must not stop the search
        score = math.nan
        metrics["error"] = f"{type(exc).__name__}: {exc}"
    return Trial(index, dict(params), score, metrics, seed, time.perf_counter() - start)


def _sort_key(maximize: bool) -> Callable[[Trial], tuple[bool, float, int]]:
    def key(t: Trial) -> tuple[bool, float, int]:
        nan = math.isnan(t.score)
        return (nan, 0.0 if nan else (-t.score if maximize else t.score), t.index)

    return key


def _sorted(trials: Sequence[Trial], maximize: bool) -> list[Trial]:
    return sorted(trials, key=_sort_key(maximize))


def _check_n_jobs(n_jobs: int) -> int:
    n_jobs = check_int("n_jobs", n_jobs)
    if n_jobs == 0:
        raise ValueError("n_jobs must be a positive number of processes or -1 (all cores), got 0")
    return n_jobs


def _collect(results: Iterable[Trial], total: int, progress: bool) -> list[Trial]:
    """Trials in the order of their index, whatever order they finished in; with
    ``progress``, a bar counts them as they finish."""
    bar = progress_bar(total=total, desc="trials", unit="trial", enabled=progress)
    trials = []
    try:
        for trial in results:
            trials.append(trial)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return sorted(trials, key=lambda t: t.index)


def _execute(
    objective: Objective,
    points: list[dict[str, Any]],
    seeds: list[int],
    n_jobs: int,
    backend: str | None,
    scheduler_address: str | None,
    progress: bool = False,
) -> list[Trial]:
    """Run every trial, sequentially, with joblib, or on a dask cluster."""
    tasks = list(zip(range(len(points)), points, seeds))
    if n_jobs == 1 and backend is None and scheduler_address is None:
        return _collect((_run_trial(objective, i, p, s) for i, p, s in tasks), len(tasks),
                        progress)
    import joblib

    with contextlib.ExitStack() as stack:
        if scheduler_address is not None:
            if backend not in (None, "dask"):
                raise ValueError(
                    "backend must be None or 'dask' when scheduler_address is given, "
                    f"got {backend!r}"
                )
            try:
                from dask.distributed import Client
            except ImportError as exc:
                raise ImportError(
                    "scheduler_address needs dask.distributed; install it with "
                    "pip install 'dask[distributed]' (or the course-lib[cluster] extra)"
                ) from exc
            # With the dask backend, joblib uses every worker core of the cluster.
            stack.enter_context(Client(scheduler_address))
            stack.enter_context(joblib.parallel_config(backend="dask"))
            backend = None
        results = joblib.Parallel(n_jobs=n_jobs, backend=backend,
                                  return_as="generator_unordered")(
            joblib.delayed(_run_trial)(objective, i, p, s) for i, p, s in tasks
        )
        return _collect(results, len(tasks), progress)


def _draw_seeds(rng: np.random.Generator, n: int) -> list[int]:
    return [int(s) for s in rng.integers(0, 2**63 - 1, size=n, dtype=np.int64)]


def random_search(
    objective: Objective,
    space: Mapping[str, Dimension],
    n_trials: int,
    *,
    rng: np.random.Generator,
    n_jobs: int = 1,
    maximize: bool = True,
    backend: str | None = None,
    scheduler_address: str | None = None,
    progress: bool = False,
) -> list[Trial]:
    """Evaluate ``objective`` at ``n_trials`` random points of ``space``.

    All seeds (one per trial) and then all points are drawn from ``rng`` before any
    trial runs; trial ``i`` calls ``objective(params_i, np.random.default_rng(seed_i))``.
    The result is therefore the same for any ``n_jobs`` and any worker order.

    Args:
        objective: ``(params, rng) -> score`` or ``-> {"score": ..., **metrics}``; must
            be picklable (module-level) when run in parallel.
        space: dict ``name -> dimension``.
        n_trials: number of points, ``>= 1``.
        rng: the source of all randomness of the search.
        n_jobs: joblib processes (1 = sequential in this process, -1 = all cores).
        maximize: True when a larger score is better, False for a loss.
        backend: a joblib backend name (default: joblib's, loky).
        scheduler_address: address of a running dask scheduler
            (``"tcp://host:8786"``); the trials then run on that cluster via
            joblib's dask backend, which uses all the cluster's worker cores.
        progress: show a ``tqdm`` bar counting finished trials (a widget in
            Jupyter); silenced by the ``COURSE_LIB_NO_PROGRESS=1`` environment variable.

    Returns:
        ``n_trials`` ``Trial`` records, best first; trials whose objective raised or
        returned NaN have ``score = nan``, ``metrics["error"]``, and come last.

    Exercise `random_trials`, notebook 09_hyperparameter_tuning.
    """
    check_rng("rng", rng)
    dims = _check_space(space)
    n_trials = check_int("n_trials", n_trials, minimum=1)
    n_jobs = _check_n_jobs(n_jobs)
    seeds = _draw_seeds(rng, n_trials)
    points = [{name: dim.sample(rng) for name, dim in dims.items()} for _ in range(n_trials)]
    trials = _execute(objective, points, seeds, n_jobs, backend, scheduler_address, progress)
    return _sorted(trials, maximize)


# ---------------------------------------------------------------------------
# Using the results
# ---------------------------------------------------------------------------


def best_trials(trials: Sequence[Trial], k: int, *, maximize: bool = True) -> list[Trial]:
    """The ``k`` best successful trials, best first (fewer if fewer succeeded)."""
    k = check_int("k", k, minimum=1)
    return [t for t in _sorted(trials, maximize) if not t.failed][:k]


def narrow_space(
    space: Mapping[str, Dimension],
    trials: Sequence[Trial],
    top_k: int,
    *,
    maximize: bool = True,
    margin: float = 0.1,
) -> dict[str, Dimension]:
    """Coarse to fine: a new space whose dimensions cover the ``top_k`` best trials' values.

    Each dimension becomes ``space[name].narrow(values of the top trials, margin)``:
    on its own scale, the range spanned by those values widened by
    ``margin * (old width)`` on each side and cut back to the old range.

    Exercise `narrow_range`, notebook 09_hyperparameter_tuning.
    """
    dims = _check_space(space)
    top_k = check_int("top_k", top_k, minimum=1)
    top = best_trials(trials, top_k, maximize=maximize)
    if not top:
        raise ValueError("trials has no successful trial to narrow around (all scores are NaN)")
    new_space: dict[str, Dimension] = {}
    for name, dim in dims.items():
        missing = [t.index for t in top if name not in t.params]
        if missing:
            raise ValueError(f"trials {missing} have no value for {name!r}")
        new_space[name] = dim.narrow([t.params[name] for t in top], margin)
    return new_space


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.4g}"
    return str(value)


def trials_table(trials: Sequence[Trial], max_rows: int | None = None) -> str:
    """A plain-text table: rank, index, score, parameters, metrics, seconds, error."""
    if max_rows is not None:
        max_rows = check_int("max_rows", max_rows, minimum=1)
    shown = list(trials)[:max_rows] if max_rows is not None else list(trials)
    param_names: list[str] = []
    metric_names: list[str] = []
    for t in shown:
        param_names += [k for k in t.params if k not in param_names]
        metric_names += [k for k in t.metrics if k not in metric_names and k != "error"]
    has_error = any("error" in t.metrics for t in shown)
    header = ["rank", "trial", "score", *param_names, *metric_names, "seconds"]
    header += ["error"] if has_error else []
    rows = [header]
    for rank, t in enumerate(shown, start=1):
        row = [str(rank), str(t.index), _fmt(t.score)]
        row += [_fmt(t.params[k]) if k in t.params else "" for k in param_names]
        row += [_fmt(t.metrics[k]) if k in t.metrics else "" for k in metric_names]
        row.append(f"{t.seconds:.3f}")
        if has_error:
            row.append(str(t.metrics.get("error", "")))
        rows.append(row)
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if len(shown) < len(trials):
        lines.append(f"... {len(trials) - len(shown)} more trials")
    return "\n".join(lines)

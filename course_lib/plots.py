"""Plots for the course: decision boundaries, training curves, optimizer paths,
activation histograms, confusion matrices and learning-rate schedules.

``matplotlib.pyplot`` is imported inside the functions, so importing this module is
cheap and does not pick a backend. Every function takes an optional ``ax`` (draws
into a new figure otherwise) and returns the Axes it drew on
(:func:`plot_activation_histograms` returns its row of Axes). Every plot gets a
title, labelled axes, and a legend when it shows more than one series.

What the plots show is computed elsewhere: the activations of a deep random network
by :func:`course_lib.initialization.hidden_activations`, the confusion matrix by
:func:`course_lib.diagnosis.confusion_matrix`, the bowl and the optimizer paths on it
by :mod:`course_lib.bowl`. :func:`decision_grid` (the grid a decision boundary is
drawn on) returns arrays and can be tested without drawing anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .bowl import f_bowl
from .data import as_labels
from .diagnosis import confusion_matrix
from .validation import check_array, check_int, check_positive, check_shape

__all__ = [
    "decision_grid",
    "plot_activation_histograms",
    "plot_batch_costs",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_history",
    "plot_optimizer_paths",
    "plot_schedules",
]


# ---- helpers -------------------------------------------------------------------


def _get_ax(ax: Any = None, figsize: tuple[float, float] | None = None) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _finish(
    ax: Any, title: str, xlabel: str, ylabel: str, *, extra_axes: Sequence[Any] = (),
) -> Any:
    """Title, axis labels, and a legend when there is more than one labelled series."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    handles, labels = ax.get_legend_handles_labels()
    for other in extra_axes:
        h, lab = other.get_legend_handles_labels()
        handles += h
        labels += lab
    if extra_axes:
        # draw the main axes (and so its legend) above the twin axes
        ax.set_zorder(max(o.get_zorder() for o in extra_axes) + 1)
        ax.patch.set_visible(False)
    if len(handles) > 1:
        ax.legend(handles, labels, loc="best")
    return ax


# ---- decision boundary ---------------------------------------------------------


def decision_grid(
    predict_fn: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    resolution: int = 200,
    margin: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate ``predict_fn`` on a regular grid covering the 2-D data ``X``.

    The grid spans ``[min(X[i]) - margin, max(X[i]) + margin]`` in each coordinate with
    ``resolution`` points per axis. ``predict_fn`` receives the grid points as columns,
    ``(2, k)`` with ``k = resolution²``, and returns ``(1, k)`` labels or probabilities
    (or ``(C, k)`` class scores, reduced with argmax).

    Returns ``xx, yy, zz``, each ``(resolution, resolution)`` (as ``np.meshgrid``).
    """
    X = check_array("X", X, 2)
    check_shape("X", X, (2, None))
    if X.shape[1] < 1:
        raise ValueError(f"X needs at least one example (column), got shape {X.shape}")
    resolution = check_int("resolution", resolution, minimum=2)
    margin = check_positive("margin", margin, allow_zero=True)
    lo = X.min(axis=1) - margin
    hi = X.max(axis=1) + margin
    hi = np.where(hi > lo, hi, lo + 1.0)
    xx, yy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    points = np.vstack([xx.ravel(), yy.ravel()])
    k = points.shape[1]
    out = np.asarray(predict_fn(points))
    if out.ndim == 1:
        out = out.reshape(1, -1)
    if out.ndim != 2 or out.shape[1] != k:
        raise ValueError(
            f"predict_fn must map (2, k) points to (1, k) or (C, k) outputs, got shape "
            f"{out.shape} for k={k}"
        )
    if out.shape[0] > 1:
        out = np.argmax(out, axis=0).reshape(1, -1)
    return xx, yy, out.reshape(xx.shape).astype(np.float64)


def plot_decision_boundary(
    predict_fn: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    ax: Any = None,
    title: str = "Decision boundary",
    resolution: int = 200,
    margin: float = 0.5,
) -> Any:
    """Filled contours of ``predict_fn`` over the plane, with the data on top.

    ``X`` is ``(2, m)``; ``Y`` holds the labels (``(1, m)``, ``(m,)`` or one-hot
    ``(C, m)``). ``predict_fn`` maps ``(2, k)`` points to ``(1, k)`` labels (regions
    coloured by class) or probabilities in [0, 1] (shaded, with the 0.5 contour
    drawn as the boundary). Points are scattered one class at a time, so the legend
    names the classes.
    """
    import matplotlib.pyplot as plt

    X = check_array("X", X, 2)
    check_shape("X", X, (2, None))
    labels = as_labels(Y, "Y")
    if labels.shape[0] != X.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of examples, got X shape {X.shape} "
            f"and Y shape {np.shape(Y)}"
        )
    xx, yy, zz = decision_grid(predict_fn, X, resolution, margin)
    ax = _get_ax(ax)
    n_classes = max(int(labels.max(initial=0)), int(np.nanmax(zz)), 1) + 1
    colors = [plt.get_cmap("tab10")(i % 10) for i in range(n_classes)]
    if np.all(zz == np.round(zz)):  # labels: one colour per class region
        levels = np.arange(-0.5, n_classes + 0.5)
        ax.contourf(xx, yy, zz, levels=levels, colors=colors, alpha=0.3)
    else:  # probabilities of class 1
        from matplotlib.colors import LinearSegmentedColormap

        cmap = LinearSegmentedColormap.from_list("p", [colors[0], "white", colors[1]])
        ax.contourf(xx, yy, zz, levels=np.linspace(0.0, 1.0, 11), cmap=cmap, alpha=0.5)
        ax.contour(xx, yy, zz, levels=[0.5], colors="k", linewidths=1.0)
    for c in np.unique(labels):
        sel = labels == c
        ax.scatter(X[0, sel], X[1, sel], s=14, color=colors[int(c)], edgecolors="k",
                   linewidths=0.3, label=f"class {c}")
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    return _finish(ax, title, "$x_1$", "$x_2$")


# ---- training curves -------------------------------------------------------------


def _as_history(history: Any) -> Any:
    return getattr(history, "history", history)  # accept a TrainResult too


def plot_history(
    history: Any,
    ax: Any = None,
    metrics: Sequence[str] = ("cost",),
    title: str = "Training history",
) -> Any:
    """Per-epoch curves from a :class:`course_lib.training.History` (or ``TrainResult``).

    ``metrics`` is a subset of ``("cost", "accuracy")``: the train (and dev, when
    recorded) cost, and the train (and dev) accuracy. With both, accuracy goes on a
    twin y axis on the right and the legend lists all curves. Returns the main Axes.
    """
    h = _as_history(history)
    metrics = tuple(metrics)
    bad = [m for m in metrics if m not in ("cost", "accuracy")]
    if not metrics or bad:
        raise ValueError(f"metrics must be a non-empty subset of ('cost', 'accuracy'), "
                         f"got {metrics!r}")
    ax = _get_ax(ax)
    eval_epochs = list(getattr(h, "eval_epochs", [])) or list(range(len(h.train_accuracy)))
    cost_ax = acc_ax = None
    extra = []
    if "cost" in metrics:
        cost_ax = ax
        epochs = np.arange(len(h.cost))
        ax.plot(epochs, h.cost, color="C0", label="train cost")
        if len(h.dev_cost):
            ax.plot(eval_epochs[: len(h.dev_cost)], h.dev_cost, color="C1", label="dev cost")
    if "accuracy" in metrics:
        if cost_ax is not None:
            acc_ax = ax.twinx()
            extra.append(acc_ax)
            ls = "--"
        else:
            acc_ax = ax
            ls = "-"
        acc_ax.plot(eval_epochs[: len(h.train_accuracy)], h.train_accuracy, color="C2",
                    linestyle=ls, label="train accuracy")
        if len(h.dev_accuracy):
            acc_ax.plot(eval_epochs[: len(h.dev_accuracy)], h.dev_accuracy, color="C3",
                        linestyle=ls, label="dev accuracy")
        acc_ax.set_ylabel("accuracy")
    best = getattr(h, "best_epoch", None)
    if getattr(h, "stopped_early", False) and best is not None:
        ax.axvline(best, color="0.5", linestyle=":", label=f"best epoch ({best})")
    ylabel = "cost" if cost_ax is not None else "accuracy"
    return _finish(ax, title, "epoch", ylabel, extra_axes=extra)


def plot_batch_costs(
    history: Any,
    ax: Any = None,
    title: str = "Mini-batch cost",
    smoothing: float | None = None,
) -> Any:
    """The noisy cost of every mini-batch, in order of the updates.

    With ``smoothing = β`` in [0, 1) a bias-corrected EWMA of the costs is drawn on
    top (skipped when the costs contain NaN or inf).
    """
    from .ewma import ewma

    h = _as_history(history)
    costs = np.asarray(h.batch_cost, dtype=np.float64)
    ax = _get_ax(ax)
    it = np.arange(costs.shape[0])
    ax.plot(it, costs, color="C0", alpha=0.6 if smoothing is not None else 1.0,
            linewidth=0.8, label="mini-batch cost")
    if smoothing is not None and costs.size and np.isfinite(costs).all():
        ax.plot(it, ewma(costs, smoothing, bias_correction=True), color="C1",
                label=f"EWMA (β = {smoothing:g})")
    return _finish(ax, title, "mini-batch update", "cost")


# ---- optimizer paths on the bowl ------------------------------------------------


def plot_optimizer_paths(
    paths: Mapping[str, np.ndarray],
    ax: Any = None,
    title: str = "Optimizer paths on f(x, y) = x²/20 + y²",
) -> Any:
    """Contours of :func:`f_bowl` with one path per optimizer (lines with markers).

    ``paths`` maps a name to a ``(T, 2)`` array of points. The view is
    ``x ∈ [-10, 10]``, ``y ∈ [-5, 5]``, enlarged (up to 5×) to fit the finite points of
    the paths. The minimum (0, 0) is marked with a star.
    """
    if not paths:
        raise ValueError("paths must hold at least one path")
    arrays = {}
    for name, path in paths.items():
        arr = check_array(f"paths[{name!r}]", path, 2, finite=False)
        check_shape(f"paths[{name!r}]", arr, (None, 2))
        arrays[name] = arr
    xlim, ylim = np.array([-10.0, 10.0]), np.array([-5.0, 5.0])
    for arr in arrays.values():
        fin = arr[np.isfinite(arr).all(axis=1)]
        if fin.size:
            xlim = np.array([min(xlim[0], fin[:, 0].min() - 1), max(xlim[1], fin[:, 0].max() + 1)])
            ylim = np.array([min(ylim[0], fin[:, 1].min() - 1), max(ylim[1], fin[:, 1].max() + 1)])
    xlim = np.clip(xlim, -50.0, 50.0)
    ylim = np.clip(ylim, -25.0, 25.0)
    ax = _get_ax(ax, figsize=(8, 4.5))
    xx, yy = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 200))
    zz = f_bowl(xx, yy)
    levels = np.geomspace(max(zz.min(), 1e-3), zz.max(), 15)
    ax.contour(xx, yy, zz, levels=levels, colors="0.65", linewidths=0.7)
    for i, (name, arr) in enumerate(arrays.items()):
        ax.plot(arr[:, 0], arr[:, 1], marker="o", markersize=3, linewidth=1.2,
                color=f"C{i % 10}", label=name)
    ax.plot([0.0], [0.0], marker="*", markersize=14, color="gold", markeredgecolor="k",
            linestyle="none", label="minimum (0, 0)")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return _finish(ax, title, "x", "y")


# ---- activations per layer -------------------------------------------------------


def plot_activation_histograms(
    activations: Sequence[np.ndarray],
    ax_row: Sequence[Any] | None = None,
    bins: int = 30,
    range_: tuple[float, float] | None = None,
    title: str = "Activations per layer",
) -> np.ndarray:
    """One histogram per layer, side by side ("layer 1", "layer 2", ...).

    All panels use the same bins (``range_``, default the overall min..max) and the
    same y scale. ``ax_row`` is an optional sequence of one Axes per layer. Returns
    the Axes as a 1-D object array; the figure gets ``title`` as its suptitle.
    """
    if len(activations) < 1:
        raise ValueError("activations must hold at least one layer")
    arrays = [check_array(f"activations[{i}]", a) for i, a in enumerate(activations)]
    n = len(arrays)
    bins = check_int("bins", bins, minimum=1)
    if range_ is None:
        lo = min(float(a.min()) for a in arrays)
        hi = max(float(a.max()) for a in arrays)
        if hi <= lo:
            hi = lo + 1.0
        range_ = (lo, hi)
    if ax_row is None:
        import matplotlib.pyplot as plt

        fig, axs = plt.subplots(
            1, n, sharey=True, figsize=(2.6 * n + 0.5, 3.0), squeeze=False, layout="constrained"
        )
        axes = axs[0]
    else:
        axes = np.asarray(list(ax_row), dtype=object)
        if axes.shape != (n,):
            raise ValueError(f"ax_row must hold one Axes per layer ({n}), got {len(axes)}")
        fig = axes[0].figure
    for l, (ax, a) in enumerate(zip(axes, arrays), start=1):
        ax.hist(a.ravel(), bins=bins, range=range_, color="C0")
        ax.set_title(f"layer {l}")
        ax.set_xlabel("activation")
        ax.set_ylabel("count" if l == 1 else "")
    top = max(ax.get_ylim()[1] for ax in axes)
    for ax in axes:
        ax.set_ylim(0, top)
    fig.suptitle(title)
    return np.asarray(axes, dtype=object)


# ---- confusion matrix, schedules ---------------------------------------------------


def plot_confusion_matrix(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    classes: Sequence[str] | None = None,
    ax: Any = None,
    title: str = "Confusion matrix",
) -> Any:
    """Heat map of :func:`confusion_matrix` with the counts written in the cells.

    Rows are true classes, columns predicted classes; ``classes`` names them
    (default ``0 .. C-1``).
    """
    M = confusion_matrix(y_true, y_pred, None if classes is None else len(classes))
    C = M.shape[0]
    names = [str(c) for c in (classes if classes is not None else range(C))]
    ax = _get_ax(ax)
    im = ax.imshow(M, cmap="Blues")
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(C), names)
    ax.set_yticks(range(C), names)
    thresh = M.max() / 2 if M.size else 0
    for i in range(C):
        for j in range(C):
            ax.text(j, i, str(M[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if M[i, j] > thresh else "black")
    return _finish(ax, title, "predicted label", "true label")


def plot_schedules(
    schedules: Mapping[str, Callable[[int], float]],
    epochs: int,
    ax: Any = None,
    title: str = "Learning-rate schedules",
) -> Any:
    """Learning rate against epoch (0 .. epochs-1) for each ``name -> schedule``."""
    epochs = check_int("epochs", epochs, minimum=1)
    if not schedules:
        raise ValueError("schedules must hold at least one schedule")
    ax = _get_ax(ax)
    ep = np.arange(epochs)
    for name, sched in schedules.items():
        if not callable(sched):
            raise ValueError(f"schedules[{name!r}] must be callable epoch -> lr")
        ax.plot(ep, [float(sched(int(e))) for e in ep], label=name)
    return _finish(ax, title, "epoch", "learning rate")

"""Plots for the course: decision boundaries, training curves, optimizer paths,
activation histograms, confusion matrices and learning-rate schedules.

``matplotlib.pyplot`` is imported inside the functions, so importing this module is
cheap and does not pick a backend. Every function takes an optional ``ax`` (draws
into a new figure otherwise) and returns the Axes it drew on
(:func:`plot_activation_histograms` returns its row of Axes). Every plot gets a
title, labelled axes, and a legend when it shows more than one series.

Accessibility:

* **colours**: importing this module sets matplotlib's colour cycle to the
  Okabe–Ito palette (:data:`PALETTE`, distinguishable with the common colour-vision
  deficiencies), so ``"C0"``, ``"C1"``, ... and every default line colour of the
  notebooks use it; :func:`use_course_style` sets it again (e.g. after
  ``plt.style.use``);
* **alt text**: every plot function states what it shows (:func:`describe` on its
  Axes); :func:`alt_text` gives a figure's description (those statements, else one
  derived from its titles, axis labels and legend). In IPython/Jupyter, importing
  this module makes every figure's PNG output carry it as ``metadata["alt"]``,
  which the HTML export (``python3 course.py html``) writes as the image's ``alt``.

What the plots show is computed elsewhere: the activations of a deep random network
by :func:`course_lib.initialization.hidden_activations`, the confusion matrix by
:func:`course_lib.diagnosis.confusion_matrix`, the bowl and the optimizer paths on it
by :mod:`course_lib.bowl`. :func:`decision_grid` (the grid a decision boundary is
drawn on) returns arrays and can be tested without drawing anything.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .bowl import f_bowl
from .data import as_labels
from .diagnosis import confusion_matrix
from .validation import check_array, check_int, check_positive, check_shape

__all__ = [
    "PALETTE",
    "alt_text",
    "decision_grid",
    "describe",
    "figure_problems",
    "fix_legends",
    "plot_activation_histograms",
    "plot_batch_costs",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_history",
    "plot_optimizer_paths",
    "plot_schedules",
    "use_course_style",
]


# ---- colour-blind-safe palette, alt text --------------------------------------

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion,
# reddish purple, sky blue, yellow, black. Yellow and black last: yellow is faint on
# white, black reads as "reference".
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7",
                            "#56B4E9", "#F0E442", "#000000")
_ALT = "_course_alt_text"
_MAX_ALT = 700


def use_course_style() -> None:
    """Set matplotlib's colour cycle (``"C0"``, ``"C1"``, ...) to :data:`PALETTE`."""
    import matplotlib
    from cycler import cycler

    matplotlib.rcParams["axes.prop_cycle"] = cycler(color=list(PALETTE))


def describe(target: Any, text: str) -> Any:
    """State what a figure or an Axes shows (its alt text in the exported HTML).

    ``target`` is a matplotlib Figure or Axes; returns it. A figure's own description
    replaces those of its Axes; an Axes' description replaces the one
    :func:`alt_text` would derive from its title, labels and legend.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("describe needs a non-empty text saying what the plot shows")
    setattr(target, _ALT, " ".join(text.split()))
    return target


_TEX = {r"\alpha": "α", r"\beta": "β", r"\gamma": "γ", r"\delta": "δ",
        r"\epsilon": "ε", r"\varepsilon": "ε", r"\theta": "θ", r"\lambda": "λ",
        r"\mu": "μ", r"\sigma": "σ", r"\eta": "η", r"\nabla": "∇", r"\cdot": "·",
        r"\times": "×", r"\approx": "≈", r"\leq": "≤", r"\geq": "≥", r"\|": "‖",
        r"\infty": "∞", r"\sqrt": "√", r"\partial": "∂", r"\hat": "", r"\tilde": "",
        r"\mathrm": "", r"\mathbf": "", r"\text": "", r"\left": "", r"\right": "",
        r"\,": " ", r"\;": " ", r"\!": ""}


def _plain(text: str) -> str:
    """Text a screen reader can read: mathtext ``$\\sigma'(z)$`` becomes ``σ'(z)``."""
    if "$" not in text:
        return text
    for tex, plain in _TEX.items():
        text = text.replace(tex, plain)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)  # \tanh -> tanh
    return text.replace("$", "").replace("{", "").replace("}", "")


def _series(ax: Any) -> list[str]:
    _, labels = ax.get_legend_handles_labels()
    return [lab for lab in labels if lab and not lab.startswith("_")]


def _derived(ax: Any) -> str:
    """What an Axes shows, from its title, axis labels, legend and artists."""
    title = ax.get_title() or ax.get_title(loc="left") or ax.get_title(loc="right")
    x, y = ax.get_xlabel().strip(), ax.get_ylabel().strip()
    parts = [title.strip() or "a plot"]
    if ax.images:
        parts.append("an image or heat map")
    if x and y:
        parts.append(f"{y} against {x}")
    elif x or y:
        parts.append(f"axis {x or y}")
    series = _series(ax)
    if series:
        parts.append("showing " + ", ".join(series))
    elif ax.lines and not ax.images:
        parts.append(f"{len(ax.lines)} line{'s' if len(ax.lines) > 1 else ''}")
    return ": ".join(parts[:2]) + (", " + ", ".join(parts[2:]) if len(parts) > 2 else "")


def alt_text(fig: Any) -> str:
    """A figure's alt text: what it shows, in one paragraph.

    The figure's own :func:`describe` text, else its suptitle followed by each panel's
    (each Axes' :func:`describe` text, else derived from its title, axis labels and
    legend; colour bars are left out). ``fig`` may be an Axes (its figure is used).
    """
    fig = getattr(fig, "figure", fig) if not hasattr(fig, "get_axes") else fig
    own = getattr(fig, _ALT, None)
    if own:
        return own
    axes = [ax for ax in fig.get_axes()
            if ax.get_visible() and ax.get_label() != "<colorbar>" and ax.has_data()]
    panels = [getattr(ax, _ALT, None) or _derived(ax) for ax in axes]
    sup = fig._suptitle.get_text().strip() if getattr(fig, "_suptitle", None) else ""
    if len(panels) > 1:
        body = "; ".join(f"panel {i}: {p}" for i, p in enumerate(panels, 1))
        text = f"{sup + ', ' if sup else 'A figure with '}{len(panels)} panels. {body}"
    else:
        text = ". ".join(t for t in (sup, *panels) if t) or "An empty figure"
    text = " ".join(_plain(text).split())
    return text if len(text) <= _MAX_ALT else text[: _MAX_ALT - 1].rsplit(" ", 1)[0] + "…"


def _add_alt(display_formatter: Any) -> None:
    """Make an IPython ``DisplayFormatter`` give every matplotlib figure's image output
    its :func:`alt_text` as ``metadata[mime]["alt"]``.

    Its ``format`` (what ``display`` and the inline backend call) is wrapped once: the
    figure formatters themselves are replaced whenever matplotlib's inline backend is
    set up (lazily, at the first figure), the display formatter is not.
    """
    original = display_formatter.format
    if getattr(original, "_course_alt", False):
        return

    def format_with_alt(obj: Any, include: Any = None, exclude: Any = None) -> Any:
        data, meta = original(obj, include=include, exclude=exclude)
        figure = sys.modules.get("matplotlib.figure")
        if figure is not None and isinstance(obj, figure.Figure):
            for mime in ("image/png", "image/jpeg", "image/svg+xml"):
                if mime in data:
                    own = meta.get(mime)
                    meta[mime] = {**(own if isinstance(own, dict) else {}),
                                  "alt": alt_text(obj)}
        return data, meta

    format_with_alt._course_alt = True  # type: ignore[attr-defined]
    display_formatter.format = format_with_alt


def _install_alt_text() -> None:
    """In IPython (a Jupyter kernel): figures shown from now on carry their alt text."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and getattr(shell, "display_formatter", None) is not None:
        _add_alt(shell.display_formatter)


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
    colors = [PALETTE[i % len(PALETTE)] for i in range(n_classes)]
    hard = bool(np.all(zz == np.round(zz)))
    if hard:  # labels: one colour per class region
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
    classes = ", ".join(str(c) for c in np.unique(labels))
    regions = ("the plane (x1, x2) coloured by the predicted class" if hard else
               "the plane (x1, x2) shaded by the predicted probability of class 1, with the "
               "0.5 contour as the boundary")
    describe(ax, f"{title}: {regions}, and the {labels.shape[0]} data points "
                 f"(classes {classes}) on top")
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
    _finish(ax, title, "epoch", ylabel, extra_axes=extra)
    shown = _series(ax) + [s for other in extra for s in _series(other)]
    text = f"{title}: {', '.join(shown)} against epoch, over {len(h.cost)} epochs"
    if "cost" in metrics and len(h.cost) and np.isfinite(h.cost[-1]):
        text += f"; the train cost ends at {float(h.cost[-1]):.3g}"
    if "accuracy" in metrics and len(h.dev_accuracy):
        text += f"; the last dev accuracy is {float(h.dev_accuracy[-1]):.3g}"
    describe(ax, text + (" (accuracy on the right axis)" if extra else ""))
    return ax


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
    smooth = f", with its EWMA (β = {smoothing:g})" if smoothing is not None else ""
    describe(ax, f"{title}: the cost of each of the {costs.shape[0]} mini-batch updates, "
                 f"in order{smooth}")
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
    ax.plot([0.0], [0.0], marker="*", markersize=14, color=PALETTE[6], markeredgecolor="k",
            linestyle="none", label="minimum (0, 0)")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ends = []
    for name, arr in arrays.items():
        fin = arr[np.isfinite(arr).all(axis=1)]
        end = (f"ends at ({fin[-1, 0]:.2g}, {fin[-1, 1]:.2g})" if len(fin) == len(arr)
               else "diverges")
        ends.append(f"{name} ({len(arr) - 1} steps, {end})")
    describe(ax, f"{title}: contour lines of the bowl, with the path of each optimizer "
                 f"from its start toward the minimum at (0, 0): {'; '.join(ends)}")
    return _finish(ax, title, "x", "y")


# ---- activations per layer -------------------------------------------------------


def plot_activation_histograms(
    activations: Sequence[np.ndarray],
    ax_row: Sequence[Any] | None = None,
    bins: int = 30,
    range_: tuple[float, float] | None = None,
    title: str = "Activations per layer",
    steps: bool = False,
) -> np.ndarray:
    """One histogram per layer, side by side ("layer 1", "layer 2", ...).

    All panels use the same bins (``range_``, default the overall min..max) and the
    same y scale. ``ax_row`` is an optional sequence of one Axes per layer. Returns
    the Axes as a 1-D object array; the figure gets ``title`` as its suptitle.
    ``steps=True`` draws each histogram as one filled outline (``ax.stairs``) instead
    of a bar per bin: the same picture, several times faster to draw (explorers).
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
        if steps:
            counts, edges = np.histogram(a.ravel(), bins=bins, range=range_)
            ax.stairs(counts, edges, fill=True, color="C0")
        else:
            ax.hist(a.ravel(), bins=bins, range=range_, color="C0")
        ax.set_title(f"layer {l}")
        describe(ax, f"layer {l}: histogram of its {a.size} activations, mean "
                     f"{float(a.mean()):.2g}, standard deviation {float(a.std()):.2g}")
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
    describe(ax, f"{title}: a {C} × {C} heat map of counts, true label (rows) against "
                 f"predicted label (columns), classes {', '.join(names)}; "
                 f"{int(np.trace(M))} of {int(M.sum())} examples on the diagonal (correct)")
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
    describe(ax, f"{title}: the learning rate against epoch (0 to {epochs - 1}) of "
                 f"{', '.join(schedules)}")
    return _finish(ax, title, "epoch", "learning rate")


# ---- checking a drawn figure: legends, cut text, small text, long numbers ---------

MIN_FONT_PT = 8.0
"""Smallest font size (points at display size) :func:`figure_problems` accepts."""
DISPLAY_WIDTH_PX = 1000
"""Width (CSS pixels) a notebook's output area gives a figure at 100 % zoom (JupyterLab,
a 1280-pixel window): a wider PNG is scaled down to it, and its text with it."""
_LONG_NUMBER = re.compile(r"(?<![\w.])\d*\.\d{5,}")


def _renderer(fig: Any, draw: bool = True) -> Any:
    """The figure's renderer, after a draw (which positions every artist and runs the
    layout engine) unless ``draw`` is false and the figure was drawn before."""
    if draw or getattr(fig.canvas, "renderer", None) is None:
        fig.canvas.draw()
    return fig.canvas.get_renderer()


def _segments_hit_box(xy: np.ndarray, box: Any, connected: bool) -> bool:
    """Do the points ``xy`` (display coordinates, shape (n, 2)), or with ``connected``
    the segments between consecutive ones, touch the box? Non-finite points break a
    line (matplotlib draws nothing there)."""
    x0, y0, x1, y1 = box.x0, box.y0, box.x1, box.y1
    finite = np.isfinite(xy).all(axis=1)
    p = xy[finite]
    if p.size and np.any((p[:, 0] >= x0) & (p[:, 0] <= x1) & (p[:, 1] >= y0) & (p[:, 1] <= y1)):
        return True
    if not connected or len(xy) < 2:
        return False
    a, b = xy[:-1], xy[1:]
    ok = finite[:-1] & finite[1:]
    a, b = a[ok], b[ok]
    if not len(a):
        return False
    # Liang-Barsky clipping of every segment against the box, vectorized
    d = b - a
    t0, t1 = np.zeros(len(a)), np.ones(len(a))
    inside = np.ones(len(a), dtype=bool)
    for p_, q_ in ((-d[:, 0], a[:, 0] - x0), (d[:, 0], x1 - a[:, 0]),
                   (-d[:, 1], a[:, 1] - y0), (d[:, 1], y1 - a[:, 1])):
        parallel = p_ == 0
        inside &= ~(parallel & (q_ < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(parallel, 0.0, q_ / np.where(parallel, 1.0, p_))
        t0 = np.where(~parallel & (p_ < 0), np.maximum(t0, r), t0)
        t1 = np.where(~parallel & (p_ > 0), np.minimum(t1, r), t1)
    return bool(np.any(inside & (t0 <= t1)))


def _covered(ax: Any, box: Any, renderer: Any) -> list[str]:
    """What of ``ax``'s data the display box covers: line points and segments, markers,
    scatter points, bars, and text notes written on the plot."""
    from matplotlib.collections import PathCollection
    from matplotlib.patches import Rectangle

    hit = []
    axbox = ax.get_window_extent(renderer)
    for line in ax.get_lines():
        if not line.get_visible() or len(line.get_xydata()) == 0:
            continue
        xy = ax.transData.transform(line.get_xydata()) if line.get_transform() == ax.transData \
            else line.get_transform().transform(line.get_xydata())
        xy = xy[(xy[:, 0] >= axbox.x0 - 1) & (xy[:, 0] <= axbox.x1 + 1)
                & (xy[:, 1] >= axbox.y0 - 1) & (xy[:, 1] <= axbox.y1 + 1)] \
            if line.get_linestyle() in ("None", "", " ", "none") else xy
        marker = line.get_marker() not in (None, "None", "", " ", "none")
        pad = line.get_markersize() * _px_per_pt(ax.figure) / 2 if marker else 0.0
        connected = line.get_linestyle() not in ("None", "", " ", "none")
        if _segments_hit_box(xy, box.padded(pad), connected):
            hit.append(f"line {line.get_label()!r}")
    for coll in ax.collections:
        if isinstance(coll, PathCollection) and coll.get_visible() and len(coll.get_offsets()):
            xy = coll.get_offset_transform().transform(np.asarray(coll.get_offsets()))
            if _segments_hit_box(xy, box, connected=False):
                hit.append(f"points {coll.get_label()!r}")
    for container in ax.containers:
        for patch in getattr(container, "patches", []) or []:
            if isinstance(patch, Rectangle) and patch.get_visible() and \
                    np.isfinite([patch.get_height(), patch.get_width()]).all():
                pb = patch.get_window_extent(renderer)
                if pb.height > 0.5 and pb.overlaps(box):
                    hit.append(f"bar {container.get_label()!r}")
                    break
    for text in ax.texts:
        if text.get_visible() and text.get_text().strip() and \
                text.get_window_extent(renderer).overlaps(box):
            hit.append(f"note {text.get_text()[:40]!r}")
    return hit


def _px_per_pt(fig: Any) -> float:
    """Pixels of ``fig``'s image per typographic point (dpi / 72)."""
    return fig.dpi / 72.0


def _texts(fig: Any) -> list[Any]:
    """Every text the figure draws (tick labels only of ticks inside the view)."""
    from matplotlib.axis import Tick
    from matplotlib.text import Text

    ticks = {id(t) for tick in fig.findobj(Tick) for t in (tick.label1, tick.label2)}
    drawn = [t for ax in fig.get_axes() if ax.get_visible()
             for axis in ax._axis_map.values() if axis.get_visible()
             for tick in axis._update_ticks() for t in (tick.label1, tick.label2)]
    texts = [t for t in fig.findobj(Text) if id(t) not in ticks] + drawn
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def figure_problems(fig: Any, *, display_width: float = DISPLAY_WIDTH_PX,
                    min_font: float = MIN_FONT_PT, draw: bool = True) -> list[str]:
    """What is wrong with how a drawn figure reads; ``[]`` when nothing is.

    A pure check (it draws ``fig`` to measure it, and changes nothing; ``draw=False``
    measures the last draw: the caller has just drawn it), by bounding boxes in
    display coordinates:

    * **legends**: an Axes' legend lies inside its Axes, or wholly outside every Axes
      and inside the figure; a figure legend inside the figure; no legend covers a
      point or a segment of a plotted line, a marker, a scatter point, a bar or a
      text note of any Axes it lies on;
    * **cut text**: every title, label, tick label and note lies inside the figure;
    * **small text**: every text is at least ``min_font`` points once the figure is
      shown ``display_width`` pixels wide at most (a wider figure is scaled down);
    * **long numbers**: no text prints a number with 5 or more decimals
      ("α = 0.316228"); round it (``f"{x:.3g}"``).

    ``fig`` may be an Axes (its figure is checked). Each problem is one line naming
    the artist.
    """
    fig = fig if hasattr(fig, "get_axes") else fig.figure
    renderer = _renderer(fig, draw)
    problems = _legend_problems(fig, renderer)
    figbox = fig.bbox
    # a font of s points is s * dpi / 72 image pixels, shown scaled down to display_width
    # CSS pixels at most; a CSS point is 96 / 72 CSS pixels
    scale = min(1.0, display_width / max(figbox.width, 1.0)) * fig.dpi / 96.0
    smallest = None
    for text in _texts(fig):
        box = text.get_window_extent(renderer)
        if box.width > 0 and not _inside(box, figbox.padded(1.0)):
            problems.append(f"text {text.get_text()[:40]!r} is cut off by the figure's edge")
        size = text.get_fontsize() * scale
        if smallest is None or size < smallest[0]:
            smallest = (size, text.get_text()[:40])
        if _LONG_NUMBER.search(text.get_text()):
            problems.append(f"text {text.get_text()[:40]!r} prints a number with 5 or more "
                            "decimals: round it (e.g. f\"{x:.3g}\")")
    if smallest is not None and smallest[0] < min_font - 1e-9:
        problems.append(f"text {smallest[1]!r} is {smallest[0]:.1f} pt at display size "
                        f"(figure {figbox.width / fig.dpi:.3g} in wide); at least {min_font:g} pt: "
                        "a smaller figure or a larger font")
    return problems


def _name(ax: Any) -> str:
    title = ax.get_title() or ax.get_title(loc="left")
    return f"axes {title[:30]!r}" if title else "an axes"


def _inside(box: Any, outer: Any) -> bool:
    return (box.x0 >= outer.x0 - 0.5 and box.y0 >= outer.y0 - 0.5
            and box.x1 <= outer.x1 + 0.5 and box.y1 <= outer.y1 + 0.5)


def _legend_problems(fig: Any, renderer: Any) -> list[str]:
    """The legend part of :func:`figure_problems`, with the renderer of the last draw
    (a legend's place is computed when asked, so a moved legend needs no new draw)."""
    figbox = fig.bbox
    problems: list[str] = []
    axes = [ax for ax in fig.get_axes() if ax.get_visible()]
    legends = [(ax, ax.get_legend()) for ax in axes if ax.get_legend() is not None]
    legends += [(None, leg) for leg in fig.legends]
    for ax, leg in legends:
        if not leg.get_visible():
            continue
        box = leg.get_window_extent(renderer)
        where = f"legend of {_name(ax)}" if ax is not None else "figure legend"
        if not _inside(box, figbox):
            problems.append(f"{where} is cut off by the figure's edge")
        if ax is not None:
            axbox = ax.get_window_extent(renderer)
            outside_all = not any(box.overlaps(a.get_window_extent(renderer)) for a in axes)
            if not _inside(box, axbox) and not outside_all:
                problems.append(f"{where} sticks out of its axes")
        for other in axes:
            if box.overlaps(other.get_window_extent(renderer)):
                covered = _covered(other, box, renderer)
                if covered:
                    problems.append(f"{where} covers {', '.join(covered[:3])}"
                                    + (f" of {_name(other)}" if other is not ax else ""))
    return problems


def fix_legends(fig: Any) -> list[str]:
    """Move every Axes legend that :func:`figure_problems` finds at fault: first to
    ``loc="best"``, then outside its Axes, to the right (the figure's layout engine,
    constrained layout, makes room). Uses the figure's last draw (drawn if it never
    was); draw it again before showing it. Returns what was moved (``[]``: nothing)."""
    fig = fig if hasattr(fig, "get_axes") else fig.figure
    renderer = _renderer(fig, draw=False)
    moved = []
    for ax in fig.get_axes():
        leg = ax.get_legend()
        if leg is None or not leg.get_visible():
            continue
        tag = f"legend of {_name(ax)}"
        if not any(p.startswith(tag) for p in _legend_problems(fig, renderer)):
            continue
        leg.set_loc("best")
        if not any(p.startswith(tag) for p in _legend_problems(fig, renderer)):
            moved.append(f"{tag}: moved to loc='best'")
            continue
        if leg._loc == 2 and tuple(leg.get_bbox_to_anchor().bounds[:2]) == tuple(
                ax.transAxes.transform((1.02, 1.0))):
            continue  # already there: nothing better to do
        leg.set_loc("upper left")
        leg.set_bbox_to_anchor((1.02, 1.0), transform=ax.transAxes)
        moved.append(f"{tag}: moved outside the axes, to the right")
    return moved


use_course_style()
_install_alt_text()

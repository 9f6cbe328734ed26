import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.contour import ContourSet

from course_lib import bowl, plots
from course_lib.datasets import make_moons
from course_lib.diagnosis import confusion_matrix
from course_lib.initialization import hidden_activations
from course_lib.network import Network
from course_lib.optimizers import Adam, GradientDescent, Momentum
from course_lib.schedules import make_schedule
from course_lib.training import train


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def assert_labelled(ax, legend=True):
    assert ax.get_title().strip()
    assert ax.get_xlabel().strip()
    assert ax.get_ylabel().strip()
    if legend:
        assert ax.get_legend() is not None
        assert len(ax.get_legend().get_texts()) >= 2


def circle_predict(P):
    return ((P[0] ** 2 + P[1] ** 2) < 1.0).astype(np.int64).reshape(1, -1)


def in_region(path, points):
    """Even-odd rule over the polygons of a filled-contour path (holes count)."""
    from matplotlib.path import Path

    count = np.zeros(len(points), dtype=int)
    for poly in path.to_polygons():
        count += Path(poly).contains_points(points)
    return count % 2 == 1


def circle_data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(2, 200))
    return X, circle_predict(X)


# ---- decision boundary -----------------------------------------------------------


def test_decision_grid_values():
    X, _ = circle_data()
    xx, yy, zz = plots.decision_grid(circle_predict, X, resolution=50, margin=0.5)
    assert xx.shape == yy.shape == zz.shape == (50, 50)
    assert xx.min() == pytest.approx(X[0].min() - 0.5)
    assert yy.max() == pytest.approx(X[1].max() + 0.5)
    np.testing.assert_array_equal(zz, (xx**2 + yy**2 < 1.0).astype(float))


def test_decision_boundary_regions_match_predict_fn():
    X, Y = circle_data()
    ax = plots.plot_decision_boundary(circle_predict, X, Y, resolution=150)
    assert_labelled(ax)
    filled = [c for c in ax.collections if isinstance(c, ContourSet) and c.filled]
    assert len(filled) == 1
    paths = filled[0].get_paths()  # one (compound) path per class region
    assert len(paths) >= 2
    # sample points away from the boundary: each lies in the region of its class only
    rng = np.random.default_rng(1)
    pts = rng.uniform(-2, 2, size=(2, 400))
    r = np.hypot(pts[0], pts[1])
    pts = pts[:, np.abs(r - 1.0) > 0.1]
    cls = circle_predict(pts)[0]
    for c in (0, 1):
        inside = in_region(paths[c], pts.T)
        np.testing.assert_array_equal(inside, cls == c)


def test_decision_boundary_with_probabilities_and_network():
    X, Y = make_moons(200, np.random.default_rng(0))
    net = Network((2, 8, 1))
    res = train(net, net.init_params(np.random.default_rng(1)), X, Y, optimizer=Adam(lr=0.02),
                epochs=50, batch_size=32, rng=np.random.default_rng(2), progress=False)
    from course_lib.network import predict, predict_proba

    ax = plots.plot_decision_boundary(lambda P: predict_proba(net, res.params, P), X, Y)
    assert_labelled(ax)
    ax2 = plots.plot_decision_boundary(lambda P: predict(net, res.params, P), X, Y,
                                       title="labels")
    assert ax2.get_title() == "labels"


def test_decision_boundary_bad_input():
    with pytest.raises(ValueError, match="X"):
        plots.plot_decision_boundary(circle_predict, np.zeros((3, 5)), np.zeros((1, 5)))
    with pytest.raises(ValueError, match="predict_fn"):
        plots.decision_grid(lambda P: np.zeros((1, 3)), np.zeros((2, 5)))


# ---- history -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def result():
    X, Y = make_moons(150, np.random.default_rng(0))
    Xd, Yd = make_moons(60, np.random.default_rng(1))
    net = Network((2, 8, 1))
    return train(net, net.init_params(np.random.default_rng(1)), X, Y, optimizer=Adam(lr=0.02),
                 epochs=20, batch_size=32, rng=np.random.default_rng(2), X_dev=Xd, Y_dev=Yd,
                 progress=False)


def test_plot_history_cost(result):
    ax = plots.plot_history(result.history)
    assert_labelled(ax)
    assert len(ax.get_lines()) == 2  # train and dev
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), result.history.cost)


def test_plot_history_cost_and_accuracy(result):
    ax = plots.plot_history(result, metrics=("cost", "accuracy"))
    assert_labelled(ax)
    assert len(ax.get_legend().get_texts()) == 4
    only_acc = plots.plot_history(result.history, metrics=("accuracy",))
    assert_labelled(only_acc)
    assert only_acc.get_ylabel() == "accuracy"
    with pytest.raises(ValueError, match="metrics"):
        plots.plot_history(result.history, metrics=("loss",))


def test_plot_history_single_series_has_labels(result):
    h = result.history
    from course_lib.training import History

    ax = plots.plot_history(History(cost=h.cost, lr=h.lr))
    assert_labelled(ax, legend=False)


def test_plot_batch_costs(result):
    ax = plots.plot_batch_costs(result.history, smoothing=0.9)
    assert_labelled(ax)
    assert len(ax.get_lines()[0].get_ydata()) == len(result.history.batch_cost)
    ax = plots.plot_batch_costs(result.history)
    assert_labelled(ax, legend=False)


# ---- optimizer paths ---------------------------------------------------------------


def test_bowl_and_gradient():
    assert bowl.f_bowl(2.0, 3.0) == pytest.approx(4 / 20 + 9)
    gx, gy = bowl.grad_bowl(np.array([2.0]), np.array([3.0]))
    assert gx[0] == pytest.approx(0.2) and gy[0] == pytest.approx(6.0)


def test_optimizer_path_gd_by_hand():
    lr = 0.1
    path = bowl.optimizer_path(lambda p, g: p - lr * g, start=(-7.0, 2.0), steps=2)
    # step 1: grad (-0.7, 4) -> (-7 + 0.07, 2 - 0.4) = (-6.93, 1.6)
    # step 2: grad (-0.693, 3.2) -> (-6.93 + 0.0693, 1.6 - 0.32) = (-6.8607, 1.28)
    np.testing.assert_allclose(path, [[-7.0, 2.0], [-6.93, 1.6], [-6.8607, 1.28]])


def test_optimizer_path_rejects_bad_input():
    with pytest.raises(ValueError, match="start"):
        bowl.optimizer_path(lambda p, g: p, start=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        bowl.optimizer_path(lambda p, g: p[:1], steps=1)


def _on_bowl(optimizer, steps, start=(-7.0, 2.0)):
    """An Optimizer's path on the bowl, its state kept in a closure (as notebook 07 does)."""
    state = optimizer.init({"p": np.asarray(start, dtype=np.float64)})

    def step(p, g):
        nonlocal state
        params, state = optimizer.update({"p": p}, {"p": g}, state)
        return params["p"]

    return bowl.optimizer_path(step, start, steps)


def test_optimizer_class_on_bowl_matches_step_function_for_gd():
    a = _on_bowl(GradientDescent(lr=0.1), steps=5)
    b = bowl.optimizer_path(lambda p, g: p - 0.1 * g, steps=5)
    assert a.shape == (6, 2)
    np.testing.assert_allclose(a, b)


def test_adam_approaches_minimum():
    path = _on_bowl(Adam(lr=0.3), steps=300)
    assert path.shape == (301, 2)
    np.testing.assert_array_equal(path[0], [-7.0, 2.0])
    assert np.hypot(*path[-1]) < 0.1 * np.hypot(*path[0])
    assert bowl.f_bowl(*path[-1]) < 0.01


def test_plot_optimizer_paths():
    paths = {
        "gd": _on_bowl(GradientDescent(lr=0.9), steps=30),
        "momentum": _on_bowl(Momentum(lr=0.5, beta=0.9), steps=30),
        "adam": _on_bowl(Adam(lr=0.3), steps=30),
    }
    ax = plots.plot_optimizer_paths(paths)
    assert_labelled(ax)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"gd", "momentum", "adam"} <= set(texts)
    assert ax.get_xlim()[0] <= -10 and ax.get_xlim()[1] >= 10
    # a path leaving the default window enlarges the view
    ax = plots.plot_optimizer_paths({"far": np.array([[-20.0, 0.0], [0.0, 0.0]])})
    assert ax.get_xlim()[0] <= -20


# ---- activations -------------------------------------------------------------------


def xavier(n):
    return np.sqrt(1.0 / n)


def test_activation_histograms_one_panel_per_layer():
    X = np.random.default_rng(0).standard_normal((100, 1000))
    acts = hidden_activations(X, [100] * 5, "tanh", xavier, np.random.default_rng(1))
    axes = plots.plot_activation_histograms(acts, title="tanh, Xavier")
    assert len(axes) == 5
    fig = axes[0].figure
    assert len(fig.axes) == 5
    assert fig._suptitle is not None and fig._suptitle.get_text() == "tanh, Xavier"
    assert [ax.get_title() for ax in axes] == [f"layer {i}" for i in range(1, 6)]
    assert all(ax.get_xlabel() for ax in axes) and axes[0].get_ylabel()
    assert len({ax.get_ylim() for ax in axes}) == 1  # shared y scale
    assert all(len(ax.patches) == 30 for ax in axes)


def test_activation_histograms_into_given_axes():
    _, row = plt.subplots(1, 2)
    acts = [np.linspace(0, 1, 100).reshape(10, 10), np.full((10, 10), 0.5)]
    axes = plots.plot_activation_histograms(acts, ax_row=row, bins=10, range_=(0, 1))
    assert axes[0] is row[0] and axes[1].get_ylim() == axes[0].get_ylim()
    with pytest.raises(ValueError, match="ax_row"):
        plots.plot_activation_histograms(acts, ax_row=row[:1])


# ---- confusion matrix, schedules ------------------------------------------------------


def test_confusion_matrix_counts():  # what plot_confusion_matrix draws
    t = np.array([[0, 0, 1, 2, 2, 2]])
    p = np.array([0, 1, 1, 2, 0, 2])
    M = confusion_matrix(t, p)
    np.testing.assert_array_equal(M, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert confusion_matrix(t, p, num_classes=4).shape == (4, 4)
    np.testing.assert_array_equal(confusion_matrix(np.eye(3)[:, [0, 0, 1, 2, 2, 2]], p), M)
    with pytest.raises(ValueError, match="num_classes=2"):
        confusion_matrix(t, p, num_classes=2)
    with pytest.raises(ValueError, match="same number of examples"):
        confusion_matrix(t, p[:5])


def test_plot_confusion_matrix():
    t = np.array([[0, 0, 1, 2, 2, 2]])
    p = np.array([[0, 1, 1, 2, 0, 2]])
    ax = plots.plot_confusion_matrix(t, p, classes=["a", "b", "c"])
    assert_labelled(ax, legend=False)
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == sorted(["1", "1", "0", "0", "1", "0", "1", "0", "2"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="y_pred"):
        plots.plot_confusion_matrix(t, p[:, :5])


def test_plot_schedules():
    scheds = {
        "inverse time": make_schedule("inverse_time", 0.1, decay_rate=1.0),
        "exponential": make_schedule("exponential", 0.1, r=0.9),
    }
    ax = plots.plot_schedules(scheds, 20)
    assert_labelled(ax)
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), [0.1 * 0.9**e for e in range(20)])


def test_plot_into_given_ax():
    _, ax = plt.subplots()
    out = plots.plot_schedules({"c": lambda e: 0.1}, 5, ax=ax)
    assert out is ax


# ---- accessibility: colour-blind-safe palette, alt text -------------------------------

# Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB.
CVD = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
    "typical": np.eye(3).tolist(),
}


def _lab(hex_color: str, vision) -> np.ndarray:
    """CIELAB (D65) of a colour as seen with ``vision`` (a matrix on linear RGB)."""
    from matplotlib.colors import to_rgb

    c = np.asarray(to_rgb(hex_color))
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    lin = np.clip(np.asarray(vision) @ lin, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest_pair(colors) -> dict[str, float]:
    """The smallest colour difference (ΔE*ab) between two of ``colors``, per vision."""
    from itertools import combinations

    return {name: min(float(np.linalg.norm(_lab(a, m) - _lab(b, m)))
                      for a, b in combinations(colors, 2)) for name, m in CVD.items()}


def test_palette_is_told_apart_with_colour_blindness():
    """Every two colours of the cycle differ by ΔE > 12 with protanopia, deuteranopia
    and tritanopia simulated (matplotlib's old tab10: ΔE 4.6 for a protanope)."""
    import matplotlib

    assert all(d > 12 for d in closest_pair(plots.PALETTE).values()), closest_pair(plots.PALETTE)
    tab10 = [matplotlib.colors.to_hex(matplotlib.colormaps["tab10"](i)) for i in range(6)]
    assert closest_pair(tab10)["protanopia"] < 12  # the check tells a bad palette


def test_importing_plots_sets_the_palette_for_every_figure():
    import matplotlib

    matplotlib.rcParams["axes.prop_cycle"] = matplotlib.rcParamsDefault["axes.prop_cycle"]
    plots.use_course_style()
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [c.upper() for c in cycle] == list(plots.PALETTE)
    _, ax = plt.subplots()
    line, = ax.plot([0, 1])
    assert matplotlib.colors.to_hex(line.get_color()).upper() == plots.PALETTE[0]
    X, Y = circle_data()
    ax = plots.plot_decision_boundary(circle_predict, X, Y, resolution=30)
    faces = {matplotlib.colors.to_hex(c.get_facecolor()[0]).upper() for c in ax.collections
             if hasattr(c, "get_offsets") and len(c.get_offsets())}
    assert faces and faces <= set(plots.PALETTE), faces


def test_every_plot_function_says_what_it_shows():
    X, Y = circle_data()
    rng = np.random.default_rng(0)
    texts = {
        "boundary": plots.alt_text(plots.plot_decision_boundary(circle_predict, X, Y,
                                                                resolution=30)),
        "schedules": plots.alt_text(plots.plot_schedules(
            {"constant": lambda e: 0.1, "inverse time": lambda e: 0.1 / (1 + e)}, 20)),
        "paths": plots.alt_text(plots.plot_optimizer_paths(
            {"gd": np.array([[-8.0, 3.0], [-6.0, 1.0], [-1.0, 0.1]])})),
        "confusion": plots.alt_text(plots.plot_confusion_matrix(
            np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), classes=["a", "b", "c"])),
        "hist": plots.alt_text(plots.plot_activation_histograms(
            [rng.standard_normal(50), 2 * rng.standard_normal(50)])[0].figure),
    }
    assert "classes 0, 1" in texts["boundary"] and "200 data points" in texts["boundary"]
    assert "constant, inverse time" in texts["schedules"] and "0 to 19" in texts["schedules"]
    assert "gd (2 steps, ends at (-1, 0.1))" in texts["paths"]
    assert "3 × 3" in texts["confusion"] and "3 of 4 examples" in texts["confusion"]
    assert texts["hist"].startswith("Activations per layer, 2 panels.")
    assert "panel 2: layer 2: histogram of its 50 activations" in texts["hist"]


def test_alt_text_reads_formulas_as_text():
    _, ax = plt.subplots()
    ax.plot([0, 1], label=r"$\sigma'(z) = \sigma(z)(1-\sigma(z))$")
    ax.plot([1, 0], label=r"$\|dW^{[l]}\|_F$")
    ax.set(title=r"Adam, $\beta_1 = 0.9$", xlabel="$z$", ylabel="value")
    assert plots.alt_text(ax) == ("Adam, β_1 = 0.9: value against z, showing "
                                  "σ'(z) = σ(z)(1-σ(z)), ‖dW^[l]‖_F")


def test_alt_text_of_a_plain_figure_and_an_explicit_one():
    fig, (a, b) = plt.subplots(1, 2)
    a.plot([1, 2], label="train")
    a.plot([2, 1], label="dev")
    a.set(title="Loss", xlabel="epoch", ylabel="cost")
    b.imshow(np.eye(3))
    b.set_title("Weights")
    fig.colorbar(b.images[0], ax=b)
    text = plots.alt_text(fig)
    assert text == ("A figure with 2 panels. panel 1: Loss: cost against epoch, showing "
                    "train, dev; panel 2: Weights: an image or heat map"), text
    plots.describe(fig, "two panels: the loss falls while the weights stay diagonal")
    assert plots.alt_text(fig) == "two panels: the loss falls while the weights stay diagonal"
    with pytest.raises(ValueError, match="non-empty text"):
        plots.describe(fig, "  ")


def test_figure_outputs_carry_the_alt_text_into_the_html_export():
    """The IPython formatter adds metadata["alt"]; the HTML export writes it as alt."""
    import base64

    import nbformat
    from IPython.core.formatters import DisplayFormatter
    from matplotlib.figure import Figure

    from autograder.publish import notebook_html

    _, ax = plt.subplots()
    plots.plot_schedules({"constant": lambda e: 0.1}, 5, ax=ax)
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    formatter = DisplayFormatter()
    plots._add_alt(formatter)
    plots._add_alt(formatter)  # once only
    # the inline backend sets (and resets) its figure formatter after the wrapping
    formatter.formatters["image/png"].for_type(Figure, lambda fig: (png, {"width": 300}))
    data, meta = formatter.format(ax.figure)
    assert data["image/png"] == png and meta["image/png"]["width"] == 300
    alt = meta["image/png"]["alt"]
    assert alt.startswith("Learning-rate schedules: the learning rate against epoch"), alt
    assert "alt" not in formatter.format(np.eye(2))[1].get("image/png", {})
    meta = meta["image/png"]
    cell = nbformat.v4.new_code_cell("plot()", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": png}, metadata={"image/png": meta})])
    bare = nbformat.v4.new_code_cell("other()", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": png})])
    html = notebook_html(nbformat.v4.new_notebook(cells=[cell, bare]))
    import re

    imgs = re.findall(r"<img [^>]*>", html)
    assert len(imgs) == 2 and all(png in img for img in imgs), imgs
    assert f'alt="{meta["alt"]}"' in imgs[0], imgs[0]
    assert 'alt="No description has been provided' in imgs[1]  # nbconvert's placeholder


# ---- figure_problems / fix_legends: legends, cut and small text, long numbers ----------

XS = np.linspace(0, 10, 200)


def test_a_clean_figure_has_no_problem():
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.plot(XS, XS / 10, label="rising")
    ax.plot(XS, 1 - XS / 20, label="falling slowly")
    ax.set_ylim(-1, 1.5)
    ax.legend(loc="lower right")
    ax.set_title("two lines")
    assert plots.figure_problems(fig) == []


def test_a_legend_over_a_line_is_found_and_moved():
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.plot(XS, np.full_like(XS, 0.95), label="along the top")
    ax.plot(XS, XS / 10, label="rising")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left")
    problems = plots.figure_problems(fig)
    assert problems == ["legend of an axes covers line 'along the top'"]
    moved = plots.fix_legends(fig)
    assert moved and plots.figure_problems(fig) == []
    assert plots.fix_legends(fig) == []           # nothing left to move


def test_a_segment_crossing_the_legend_counts_without_a_point_inside():
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.plot([0, 10], [0.9, 0.9], label="two points only")   # crosses the legend, no vertex in it
    ax.plot([0, 10], [0, 0.3], label="low")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper center")
    assert plots.figure_problems(fig) == ["legend of an axes covers line 'two points only'"]
    ax.get_legend().set_loc("lower right")
    assert plots.figure_problems(fig) == []


def test_a_legend_over_bars_markers_or_a_note_is_found():
    fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(9, 3), layout="constrained")
    a1.bar([0, 1, 2], [1, 1, 1], label="bars")
    a1.plot([0], [0.2], "o", label="dot")
    a1.legend(loc="center")
    a2.scatter([0.5], [0.5], label="one point")
    a2.set_xlim(0, 1), a2.set_ylim(0, 1)
    a2.legend(loc="center")
    a3.plot([0, 1], [0, 0], label="flat")
    a3.text(0.5, 0.9, "diverged (NaN cost)", ha="center")
    a3.set_ylim(-0.1, 1)
    a3.legend(loc="upper center")
    problems = plots.figure_problems(fig)
    assert any("covers bar 'bars'" in p for p in problems), problems
    assert any("covers points" in p for p in problems), problems
    assert any("covers note 'diverged (NaN cost)'" in p for p in problems), problems


def test_a_legend_outside_its_axes_must_be_clear_of_all_axes_and_in_the_figure():
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
    for ax in (a1, a2):
        ax.plot([0, 1], [0, 1], label="line")
    a1.legend(loc="upper left", bbox_to_anchor=(0.8, 1))     # half over the next axes
    assert any("sticks out of its axes" in p for p in plots.figure_problems(fig))
    a1.get_legend().set_bbox_to_anchor((0, -0.2), transform=a1.transAxes)  # below: fine
    assert plots.figure_problems(fig) == []
    a2.legend(loc="upper left", bbox_to_anchor=(1.5, 1))     # beyond the figure's edge
    assert any("cut off by the figure's edge" in p for p in plots.figure_problems(fig))


def test_cut_titles_small_text_and_long_numbers_are_found():
    fig, ax = plt.subplots(figsize=(4, 3))                   # no layout engine
    ax.plot([0, 1], [0, 1])
    ax.set_title("a title far too long for this figure: it runs past both edges of it")
    assert any("is cut off by the figure's edge" in p for p in plots.figure_problems(fig))
    fig, ax = plt.subplots(figsize=(20, 4.3), layout="constrained")
    ax.plot([0, 1], [0, 1], label="α = 0.316228")
    ax.legend(fontsize=8)
    problems = plots.figure_problems(fig)
    assert any("prints a number with 5 or more decimals" in p for p in problems)
    small = [p for p in problems if "pt at display size" in p]
    assert small and "(figure 20 in wide)" in small[0], problems
    fig.set_size_inches(8, 4)
    assert not any("pt at display size" in p for p in plots.figure_problems(fig))
    assert plots.figure_problems(fig, display_width=300) != []  # a narrow window: too small


def test_ticks_outside_the_view_are_not_cut_text():
    fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
    ax.plot([0.05, 0.95], [0.1, 0.9])
    ax.set_xlim(0, 1)
    assert plots.figure_problems(fig) == []


def test_histograms_as_steps_are_the_same_counts():
    acts = [np.random.default_rng(0).standard_normal((5, 40)) for _ in range(2)]
    bars = plots.plot_activation_histograms(acts, bins=10, range_=(-3, 3))
    steps = plots.plot_activation_histograms(acts, bins=10, range_=(-3, 3), steps=True)
    for b, s in zip(bars, steps):
        assert len(s.patches) == 1
        heights = [p.get_height() for p in b.patches]
        assert np.allclose(s.patches[0].get_data().values, heights)

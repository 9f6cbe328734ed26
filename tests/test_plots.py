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

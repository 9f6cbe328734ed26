"""Tests for course_lib.network: whole-network gradients vs centered differences of
``compute_cost``, the forward pass, evaluation mode, dropout, purity and training."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import optimizers as opt
from course_lib.activations import sigmoid, softmax
from course_lib.batchnorm import BN_EPS
from course_lib.network import (
    Network,
    accuracy,
    backward,
    compute_cost,
    forward,
    output_activation,
    predict,
    predict_proba,
)

TOL = 1e-7


def _data(net, m, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((net.layer_dims[0], m))
    C = net.layer_dims[-1]
    if net.output == "sigmoid":
        Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    else:
        Y = np.zeros((C, m))
        Y[rng.integers(0, C, m), np.arange(m)] = 1.0
    return X, Y


def _perturb(params, seed):
    """Random (not the initial 1/0) gamma, beta and biases, so every gradient is generic."""
    rng = np.random.default_rng(seed)
    out = {}
    for k, v in params.items():
        if k.startswith("gamma"):
            out[k] = 1.0 + 0.3 * rng.standard_normal(v.shape)
        elif k.startswith(("beta", "b")):
            out[k] = 0.3 * rng.standard_normal(v.shape)
        else:
            out[k] = v.copy()
    return out


GRAD_CONFIGS = {
    "logistic_regression": dict(layer_dims=(4, 1)),
    "softmax_regression": dict(layer_dims=(4, 3), output="softmax"),
    "sigmoid_relu": dict(layer_dims=(3, 5, 4, 1)),
    "softmax_tanh": dict(layer_dims=(3, 4, 3), hidden_activation="tanh", output="softmax"),
    "depth4_mixed": dict(
        layer_dims=(4, 5, 4, 3, 1),
        hidden_activation=("tanh", "sigmoid", "leaky_relu"),
    ),
    "batch_norm_sigmoid": dict(layer_dims=(3, 4, 4, 1), hidden_activation="tanh",
                               batch_norm=True),
    "batch_norm_softmax_relu": dict(layer_dims=(3, 5, 3), batch_norm=True, output="softmax"),
    "l2": dict(layer_dims=(3, 4, 1), hidden_activation="tanh", regularization="l2", lambd=0.7),
    "l1": dict(layer_dims=(3, 4, 3), hidden_activation="tanh", output="softmax",
               regularization="l1", lambd=0.5),
    "dropout": dict(layer_dims=(3, 6, 5, 1), hidden_activation="tanh", keep_probs=0.7),
    "dropout_per_layer": dict(layer_dims=(3, 6, 5, 2), hidden_activation="sigmoid",
                              output="softmax", keep_probs=(0.6, 0.9)),
    "depth4_everything": dict(
        layer_dims=(4, 5, 4, 4, 3), hidden_activation=("leaky_relu", "tanh", "relu"),
        output="softmax", batch_norm=True, keep_probs=0.8, regularization="l2", lambd=0.3,
    ),
}


@pytest.mark.parametrize("name", sorted(GRAD_CONFIGS))
def test_backward_matches_numerical_gradient_of_cost(name, num_grad, rel_diff):
    net = Network(**GRAD_CONFIGS[name])
    seed = sorted(GRAD_CONFIGS).index(name)
    params = _perturb(net.init_params(np.random.default_rng(seed), "xavier"), seed + 100)
    X, Y = _data(net, m=6, seed=seed + 200)
    drop_seed = seed + 300

    def cost(p):
        # a fresh generator with the same seed: the same dropout masks every call
        ZL, _, _ = forward(net, p, X, rng=np.random.default_rng(drop_seed))
        return compute_cost(net, p, ZL, Y)

    ZL, caches, _ = forward(net, params, X, rng=np.random.default_rng(drop_seed))
    grads = backward(net, params, ZL, Y, caches)
    assert list(grads) == list(params)
    for k in params:
        assert grads[k].shape == params[k].shape, k

        def f(v, k=k):
            return cost({**params, k: v})

        num = num_grad(f, params[k])
        assert np.linalg.norm(num) > 0, k
        assert rel_diff(grads[k], num) < TOL, k


def test_regularization_only_on_weights():
    """The penalty enters dW only; biases and batch-norm parameters are unaffected by λ."""
    base = dict(layer_dims=(3, 4, 4, 1), hidden_activation="tanh", batch_norm=True)
    net0 = Network(**base)
    params = _perturb(net0.init_params(np.random.default_rng(1)), 2)
    X, Y = _data(net0, 5, 3)
    ZL, caches, _ = forward(net0, params, X)
    g0 = backward(net0, params, ZL, Y, caches)
    for reg, lambd in (("l2", 0.9), ("l1", 0.4)):
        net = Network(**base, regularization=reg, lambd=lambd)
        ZL, caches, _ = forward(net, params, X)
        g = backward(net, params, ZL, Y, caches)
        J0 = compute_cost(net0, params, ZL, Y)
        J = compute_cost(net, params, ZL, Y)
        for k in params:
            W = params[k]
            if k.startswith("W"):
                extra = lambd / 5 * W if reg == "l2" else lambd / 10 * np.sign(W)
                np.testing.assert_allclose(g[k], g0[k] + extra, rtol=1e-12, atol=1e-15)
            else:
                np.testing.assert_allclose(g[k], g0[k], rtol=1e-14, atol=1e-16)
        Ws = [params["W1"], params["W2"], params["W3"]]
        pen = sum((W**2).sum() if reg == "l2" else np.abs(W).sum() for W in Ws) * lambd / 10
        assert J - J0 == pytest.approx(pen, rel=1e-10)


# ---- forward values ----------------------------------------------------------------


def test_forward_matches_manual_computation():
    net = Network((3, 4, 2, 3), hidden_activation=("relu", "tanh"), output="softmax")
    rng = np.random.default_rng(5)
    params = _perturb(net.init_params(rng), 6)
    X = rng.standard_normal((3, 7))
    A1 = np.maximum(params["W1"] @ X + params["b1"], 0)
    A2 = np.tanh(params["W2"] @ A1 + params["b2"])
    Z3 = params["W3"] @ A2 + params["b3"]
    ZL, caches, state = forward(net, params, X)
    assert len(caches) == 3
    assert state == {}
    np.testing.assert_allclose(ZL, Z3, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(output_activation(net, ZL), softmax(Z3), rtol=1e-13)
    np.testing.assert_allclose(predict_proba(net, params, X), softmax(Z3), rtol=1e-13)
    np.testing.assert_array_equal(predict(net, params, X), np.argmax(Z3, axis=0)[None, :])


def test_forward_batch_norm_manual_and_running_state():
    net = Network((3, 4, 1), hidden_activation="tanh", batch_norm=True, bn_beta=0.8)
    rng = np.random.default_rng(7)
    params = _perturb(net.init_params(rng), 8)
    X = rng.standard_normal((3, 9))
    Z1 = params["W1"] @ X
    mu, var = Z1.mean(axis=1, keepdims=True), Z1.var(axis=1, keepdims=True)
    A1 = np.tanh(params["gamma1"] * (Z1 - mu) / np.sqrt(var + BN_EPS) + params["beta1"])
    Z2 = params["W2"] @ A1 + params["b2"]
    state0 = net.init_state()
    assert set(state0) == {"running_mean1", "running_var1"}
    ZL, _, new_state = forward(net, params, X, state=state0)
    np.testing.assert_allclose(ZL, Z2, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(new_state["running_mean1"], 0.2 * mu, rtol=1e-12)
    np.testing.assert_allclose(new_state["running_var1"], 0.8 + 0.2 * var, rtol=1e-12)
    # the state passed in is not modified
    np.testing.assert_array_equal(state0["running_mean1"], 0.0)
    np.testing.assert_array_equal(state0["running_var1"], 1.0)
    # no state given in training: starts from mean 0, variance 1
    _, _, s = forward(net, params, X)
    for k in new_state:
        np.testing.assert_allclose(s[k], new_state[k], rtol=1e-15)


def test_eval_mode_batch_norm_uses_running_stats():
    net = Network((3, 4, 4, 2), batch_norm=True, output="softmax")
    rng = np.random.default_rng(9)
    params = _perturb(net.init_params(rng), 10)
    state = net.init_state()
    for _ in range(4):
        _, _, state = forward(net, params, rng.standard_normal((3, 8)) + 1.0, state=state)
    x = rng.standard_normal((3, 1))
    Z1 = params["W1"] @ x
    A1 = np.maximum(
        params["gamma1"] * (Z1 - state["running_mean1"])
        / np.sqrt(state["running_var1"] + BN_EPS) + params["beta1"], 0)
    Z2 = params["W2"] @ A1
    A2 = np.maximum(
        params["gamma2"] * (Z2 - state["running_mean2"])
        / np.sqrt(state["running_var2"] + BN_EPS) + params["beta2"], 0)
    expected = params["W3"] @ A2 + params["b3"]
    state_before = {k: v.copy() for k, v in state.items()}
    ZL1, _, s1 = forward(net, params, x, training=False, state=state)
    ZL2, _, _ = forward(net, params, x, training=False, state=state)
    assert np.all(np.isfinite(ZL1))
    np.testing.assert_array_equal(ZL1, ZL2)
    np.testing.assert_allclose(ZL1, expected, rtol=1e-12, atol=1e-13)
    for k in state:
        np.testing.assert_array_equal(s1[k], state_before[k])
        np.testing.assert_array_equal(state[k], state_before[k])
    # evaluation is per example: a batch gives the same columns
    Xb = np.hstack([x, rng.standard_normal((3, 4))])
    ZLb, _, _ = forward(net, params, Xb, training=False, state=state)
    np.testing.assert_allclose(ZLb[:, :1], ZL1, rtol=1e-13)
    P = predict_proba(net, params, x, state)
    np.testing.assert_allclose(P, softmax(expected), rtol=1e-12)


def test_dropout_off_at_eval_and_random_in_training():
    net = Network((4, 10, 10, 1), keep_probs=0.5)
    net_nodrop = Network((4, 10, 10, 1))
    rng = np.random.default_rng(11)
    params = _perturb(net.init_params(rng), 12)
    X = rng.standard_normal((4, 6))
    e1, _, _ = forward(net, params, X, training=False)
    e2, _, _ = forward(net, params, X, training=False, rng=np.random.default_rng(0))
    ref, _, _ = forward(net_nodrop, params, X)
    np.testing.assert_array_equal(e1, e2)
    np.testing.assert_allclose(e1, ref, rtol=1e-14)
    np.testing.assert_allclose(predict_proba(net, params, X), sigmoid(ref), rtol=1e-14)
    t1, _, _ = forward(net, params, X, rng=np.random.default_rng(1))
    t1b, _, _ = forward(net, params, X, rng=np.random.default_rng(1))
    t2, _, _ = forward(net, params, X, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(t1, t1b)
    assert not np.allclose(t1, t2)
    assert not np.allclose(t1, e1)
    # one generator, two calls: the masks differ (the generator advances)
    g = np.random.default_rng(3)
    a, _, _ = forward(net, params, X, rng=g)
    b, _, _ = forward(net, params, X, rng=g)
    assert not np.allclose(a, b)


def test_dropout_masks_in_training_scale_kept_units():
    """Hidden activations after dropout are 0 or A/keep_prob (identity activation, one layer)."""
    net = Network((3, 200, 1), hidden_activation="identity", keep_probs=0.75)
    params = {"W1": np.eye(200, 3) + 1.0, "b1": np.ones((200, 1)),
              "W2": np.zeros((1, 200)), "b2": np.zeros((1, 1))}
    X = np.ones((3, 50))
    ZL, caches, _ = forward(net, params, X, rng=np.random.default_rng(0))
    grads = backward(net, params, ZL, np.ones((1, 50)), caches)
    # dW2 = (1/m) dZ2 A1^T with dZ2 = sigmoid(0) - 1 = -0.5: A1 is recoverable from dW2
    A1_mean = grads["W2"].ravel() / -0.5
    full = (params["W1"] @ X + params["b1"])[:, 0]
    ratio = A1_mean / (full / 0.75)  # fraction of the 50 examples in which each unit was kept
    assert np.all((ratio >= 0) & (ratio <= 1 + 1e-12))
    # each example contributes 0 or exactly full/keep_prob: 50·ratio is an integer count
    np.testing.assert_allclose(ratio * 50, np.round(ratio * 50), atol=1e-9)
    assert abs(ratio.mean() - 0.75) < 0.03


# ---- purity -----------------------------------------------------------------------


def test_forward_backward_do_not_mutate_inputs():
    net = Network((3, 5, 4, 3), hidden_activation=("relu", "tanh"), output="softmax",
                  batch_norm=True, keep_probs=0.8, regularization="l2", lambd=0.1)
    rng = np.random.default_rng(13)
    params = _perturb(net.init_params(rng), 14)
    X, Y = _data(net, 6, 15)
    state = net.init_state()
    snap = {k: v.copy() for k, v in {**params, **state}.items()}
    X0, Y0 = X.copy(), Y.copy()
    ZL, caches, new_state = forward(net, params, X, rng=np.random.default_rng(0), state=state)
    ZL0 = ZL.copy()
    new_state0 = {k: v.copy() for k, v in new_state.items()}
    compute_cost(net, params, ZL, Y)
    grads = backward(net, params, ZL, Y, caches)
    forward(net, params, X, training=False, state=new_state)
    for k, v in {**params, **state}.items():
        np.testing.assert_array_equal(v, snap[k])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    np.testing.assert_array_equal(ZL, ZL0)
    for k in new_state:
        np.testing.assert_array_equal(new_state[k], new_state0[k])
    for k in grads:
        assert not np.shares_memory(grads[k], params[k])


# ---- training --------------------------------------------------------------------


def _blobs(rng, m_per_class, centers):
    X = np.hstack([rng.standard_normal((2, m_per_class)) * 0.5 + np.array(c)[:, None]
                   for c in centers])
    labels = np.repeat(np.arange(len(centers)), m_per_class)[None, :]
    return X, labels


def _train(net, params, X, Y, optimizer, steps, rng):
    state = optimizer.init(params)
    for _ in range(steps):
        ZL, caches, _ = forward(net, params, X, rng=rng)
        grads = backward(net, params, ZL, Y, caches)
        optimizer.update_inplace(params, grads, state)
    return params


def test_training_binary_toy_problem():
    rng = np.random.default_rng(16)
    X, labels = _blobs(rng, 100, [(-1.5, -1.5), (1.5, 1.5)])
    Y = labels.astype(np.float64)
    net = Network((2, 8, 1))
    params = net.init_params(rng)
    ZL, _, _ = forward(net, params, X)
    J_start = compute_cost(net, params, ZL, Y)
    params = _train(net, params, X, Y, opt.GradientDescent(lr=0.5), 300, rng)
    ZL, _, _ = forward(net, params, X)
    assert compute_cost(net, params, ZL, Y) < J_start
    assert accuracy(net, params, X, labels) > 0.95
    pred = predict(net, params, X)
    assert pred.shape == (1, 200) and pred.dtype == np.int64
    assert set(np.unique(pred)) <= {0, 1}


def test_training_softmax_toy_problem_with_batch_norm():
    rng = np.random.default_rng(17)
    X, labels = _blobs(rng, 60, [(-2, 0), (2, 0), (0, 2.5)])
    Y = np.eye(3)[:, labels.ravel()]
    net = Network((2, 8, 3), output="softmax", batch_norm=True)
    params = net.init_params(rng)
    o = opt.Adam(lr=0.05)
    ostate = o.init(params)
    bn_state = net.init_state()
    for _ in range(200):
        ZL, caches, bn_state = forward(net, params, X, state=bn_state)
        o.update_inplace(params, backward(net, params, ZL, Y, caches), ostate)
    # both label formats: one-hot (C, m) and integer (1, m)
    assert accuracy(net, params, X, Y, bn_state) > 0.95
    assert accuracy(net, params, X, labels, bn_state) == accuracy(net, params, X, Y, bn_state)


def test_network_architecture_normalization():
    net = Network([4, 3, 2, 1], hidden_activation="tanh", keep_probs=1)
    assert net.layer_dims == (4, 3, 2, 1)
    assert net.num_layers == 3
    assert net.hidden_activation == ("tanh", "tanh")
    assert net.keep_probs == (1.0, 1.0)
    assert not net.uses_dropout
    assert Network((4, 3, 2, 1), keep_probs=(1.0, 0.5)).uses_dropout
    assert Network((4, 1)).hidden_activation == ()
    params = net.init_params(np.random.default_rng(0))
    assert [W.shape for W in net.weights(params)] == [(3, 4), (2, 3), (1, 2)]
    assert net.init_state() == {}


def test_accuracy_label_formats_when_m_equals_the_number_of_classes():
    """With m == C, 1-D or (1, m) labels are labels, not one-hot columns."""
    net = Network((4, 5, 3), output="softmax")
    params = net.init_params(np.random.default_rng(0), "he")
    X = np.random.default_rng(1).normal(size=(4, 3))
    pred = predict(net, params, X)
    one_hot_pred = np.eye(3)[:, pred.ravel()]
    for labels in (pred, pred.ravel(), one_hot_pred):
        assert accuracy(net, params, X, labels) == 1.0
    with pytest.raises(ValueError, match=r"one label per example"):
        accuracy(net, params, X, np.array([[1]]))


def test_keep_probs_numpy_scalar_and_bool():
    assert Network((2, 3, 3, 1), keep_probs=np.float32(0.5)).keep_probs == (0.5, 0.5)
    with pytest.raises(ValueError, match="keep_probs"):
        Network((2, 3, 1), keep_probs=True)

"""Bad input raises ``ValueError`` whose message names the offending argument."""

from __future__ import annotations

import re

import numpy as np
import pytest

from course_lib import losses
from course_lib import optimizers as opt
from course_lib.activations import ACTIVATIONS, leaky_relu_forward, sigmoid_backward, softmax
from course_lib.batchnorm import (
    batchnorm_backward,
    batchnorm_backward_graph,
    batchnorm_forward,
    batchnorm_forward_eval,
    update_running_stats,
)
from course_lib.dropout import dropout_backward, dropout_forward, dropout_mask
from course_lib.initialization import init_std, initialize_parameters
from course_lib.linear import linear_backward, linear_forward
from course_lib.network import Network, backward, compute_cost, forward, predict_proba

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
W = RNG.standard_normal((2, 3))
B = RNG.standard_normal((2, 1))


# ---- linear ----------------------------------------------------------------------


def test_linear_W_A_prev_mismatch():
    with pytest.raises(ValueError, match=r"W has shape \(2, 4\).*A_prev has shape \(3, 4\)"):
        linear_forward(A, RNG.standard_normal((2, 4)), B)


@pytest.mark.parametrize("bad_b", [np.zeros((3, 1)), np.zeros((2, 4)), np.zeros((1, 2))])
def test_linear_b_wrong_shape(bad_b):
    with pytest.raises(ValueError, match=r"b must have shape \(2, 1\)"):
        linear_forward(A, W, bad_b)


def test_linear_b_wrong_ndim():
    with pytest.raises(ValueError, match="b must be a 2-D array"):
        linear_forward(A, W, np.zeros(2))


def test_linear_A_prev_wrong_ndim():
    with pytest.raises(ValueError, match="A_prev must be a 2-D array"):
        linear_forward(np.zeros(3), W, B)


@pytest.mark.parametrize("which", ["A_prev", "W", "b"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_linear_nan(which, bad):
    args = {"A_prev": A.copy(), "W": W.copy(), "b": B.copy()}
    args[which][0, 0] = bad
    with pytest.raises(ValueError, match=rf"{which} contains NaN or inf"):
        linear_forward(args["A_prev"], args["W"], args["b"])


def test_linear_backward_dZ_wrong_shape():
    _, cache = linear_forward(A, W, B)
    with pytest.raises(ValueError, match=r"dZ must have shape \(2, 4\)"):
        linear_backward(np.zeros((2, 5)), cache)


def test_linear_non_numeric():
    with pytest.raises(ValueError, match="A_prev must be an array of numbers"):
        linear_forward(np.array([["a", "b", "c"]]).T, W, B)


# ---- activations / softmax ---------------------------------------------------------


def test_activation_backward_shape_mismatch():
    with pytest.raises(ValueError, match="dA and cache must have the same shape"):
        sigmoid_backward(np.zeros((2, 3)), np.zeros((3, 2)))


def test_softmax_nan():
    with pytest.raises(ValueError, match="Z contains NaN"):
        softmax(np.array([[1.0, np.nan]]))


# ---- dropout -----------------------------------------------------------------------


@pytest.mark.parametrize("keep_prob", [0, 0.0, -0.1, 1.5, 1.0000001, np.nan])
def test_keep_prob_out_of_range(keep_prob):
    with pytest.raises(ValueError, match="keep_prob"):
        dropout_forward(A, keep_prob, np.random.default_rng(0))
    with pytest.raises(ValueError, match="keep_prob"):
        dropout_mask((2, 2), keep_prob, np.random.default_rng(0))
    with pytest.raises(ValueError, match="keep_probs"):
        Network((3, 4, 1), keep_probs=keep_prob)


def test_dropout_rng_not_a_generator():
    for bad in (42, np.random.RandomState(0), None):
        with pytest.raises(ValueError, match="rng"):
            dropout_forward(A, 0.5, bad)
    with pytest.raises(ValueError, match="rng"):
        dropout_mask((2, 2), 0.5, np.random.RandomState(0))


def test_dropout_mask_wrong_shape():
    with pytest.raises(ValueError, match="mask and A must have the same shape"):
        dropout_forward(A, 0.5, mask=np.ones((4, 3), dtype=bool))
    _, cache = dropout_forward(A, 0.5, mask=np.ones_like(A, dtype=bool))
    with pytest.raises(ValueError, match="dA_out and mask"):
        dropout_backward(np.zeros((3, 5)), cache)


def test_dropout_nan():
    bad = A.copy()
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"A contains NaN or inf \(first at index \(1, 2\)"):
        dropout_forward(bad, 0.5, np.random.default_rng(0))


# ---- batch norm --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gamma", "beta"])
@pytest.mark.parametrize("shape", [(4, 1), (1, 3), (3, 4)])
def test_batchnorm_param_wrong_shape(name, shape):
    args = {"gamma": np.ones((3, 1)), "beta": np.zeros((3, 1))}
    args[name] = np.ones(shape)
    with pytest.raises(ValueError, match=rf"{name} must have shape \(3, 1\)"):
        batchnorm_forward(A, args["gamma"], args["beta"])


def test_batchnorm_other_errors():
    g, b = np.ones((3, 1)), np.zeros((3, 1))
    with pytest.raises(ValueError, match="eps"):
        batchnorm_forward(A, g, b, eps=-1e-5)
    with pytest.raises(ValueError, match="Z contains NaN"):
        batchnorm_forward(np.full((3, 4), np.nan), g, b)
    _, cache = batchnorm_forward(A, g, b)
    with pytest.raises(ValueError, match=r"dout must have shape \(3, 4\)"):
        batchnorm_backward(np.zeros((3, 5)), cache)
    with pytest.raises(ValueError, match="running_mean"):
        batchnorm_forward_eval(A, g, b, np.zeros((2, 1)), np.ones((3, 1)))
    with pytest.raises(ValueError, match="running_var"):
        batchnorm_forward_eval(A, g, b, np.zeros((3, 1)), -np.ones((3, 1)))


@pytest.mark.parametrize("beta", [-0.1, 1.0, 1.5])
def test_running_stats_beta_out_of_range(beta):
    z, o = np.zeros((3, 1)), np.ones((3, 1))
    with pytest.raises(ValueError, match="beta"):
        update_running_stats(z, o, z, o, beta)
    with pytest.raises(ValueError, match="bn_beta"):
        Network((3, 4, 1), batch_norm=True, bn_beta=beta)


def test_running_stats_unbiased_needs_m():
    z, o = np.zeros((3, 1)), np.ones((3, 1))
    with pytest.raises(ValueError, match="m"):
        update_running_stats(z, o, z, o, unbiased=True)
    with pytest.raises(ValueError, match="m must be >= 2"):
        update_running_stats(z, o, z, o, unbiased=True, m=1)
    with pytest.raises(ValueError, match="var"):
        update_running_stats(z, o, z, np.ones((2, 1)))


# ---- losses ------------------------------------------------------------------------


def test_loss_Y_shape_mismatch():
    Z = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"Z and Y must have the same shape, got \(3, 4\)"):
        losses.softmax_cross_entropy(Z, np.zeros((3, 5)))
    with pytest.raises(ValueError, match="Z and Y"):
        losses.softmax_cross_entropy_grad(Z, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="Z and Y"):
        losses.binary_cross_entropy_from_logits(np.zeros((1, 4)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="Z and Y"):
        losses.binary_cross_entropy_grad_from_logits(np.zeros((1, 4)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="A and Y"):
        losses.cross_entropy(np.full((3, 4), 0.25), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="Y must be a 2-D array"):
        losses.binary_cross_entropy(np.full((1, 4), 0.5), np.zeros(4))


def test_penalty_bad_args():
    with pytest.raises(ValueError, match="lambd"):
        losses.l2_penalty([W], -1.0, 4)
    with pytest.raises(ValueError, match="m must be >= 1"):
        losses.l2_penalty_grad(W, 1.0, 0)
    with pytest.raises(ValueError, match="m must be an integer"):
        losses.l1_penalty([W], 1.0, 2.5)
    with pytest.raises(ValueError, match=r"weights\[1\] contains NaN"):
        losses.l1_penalty([W, np.array([[np.nan]])], 1.0, 4)


# ---- initialization ----------------------------------------------------------------


def test_initialization_errors():
    with pytest.raises(ValueError, match="method"):
        initialize_parameters([3, 2], "kaiming", np.random.default_rng(0))
    with pytest.raises(ValueError, match="method"):
        init_std("uniform", 3, 2)
    with pytest.raises(ValueError, match="rng"):
        initialize_parameters([3, 2], "he", np.random.RandomState(0))
    with pytest.raises(ValueError, match="rng"):
        initialize_parameters([3, 2], "he", 0)
    with pytest.raises(ValueError, match="scale"):
        initialize_parameters([3, 2], "random", np.random.default_rng(0), scale=-0.01)
    with pytest.raises(ValueError, match="layer_dims"):
        initialize_parameters([3], "he", np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"layer_dims\[1\] must be a positive integer"):
        initialize_parameters([3, 0, 1], "he", np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"layer_dims\[0\]"):
        initialize_parameters([2.5, 1], "he", np.random.default_rng(0))


# ---- optimizers --------------------------------------------------------------------


def _pg():
    rng = np.random.default_rng(1)
    params = {"W1": rng.standard_normal((2, 3)), "b1": np.zeros((2, 1))}
    grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    return params, grads


@pytest.mark.parametrize("name", sorted(opt.OPTIMIZERS))
def test_optimizer_grads_missing_key(name):
    o = opt.make_optimizer(name)
    params, grads = _pg()
    del grads["b1"]
    state = o.init(params)
    with pytest.raises(ValueError, match=r"grads is missing \['b1'\]"):
        o.update(params, grads, state)
    with pytest.raises(ValueError, match="grads is missing"):
        o.update_inplace(params, grads, state)
    assert state["t"] == 0


@pytest.mark.parametrize("name", sorted(opt.OPTIMIZERS))
def test_optimizer_grads_wrong_shape(name):
    o = opt.make_optimizer(name)
    params, grads = _pg()
    grads["W1"] = grads["W1"].T
    with pytest.raises(ValueError, match=r"grads\['W1'\] has shape \(3, 2\).*\(2, 3\)"):
        o.update(params, grads, o.init(params))
    with pytest.raises(ValueError, match=r"grads\['W1'\]"):
        o.update_inplace(params, grads, o.init(params))


@pytest.mark.parametrize("name", sorted(opt.OPTIMIZERS))
def test_optimizer_negative_lr(name):
    with pytest.raises(ValueError, match="lr"):
        opt.make_optimizer(name, lr=-0.1)
    with pytest.raises(ValueError, match="lr"):
        opt.make_optimizer(name, lr=float("nan"))
    o = opt.make_optimizer(name)
    params, grads = _pg()
    with pytest.raises(ValueError, match="lr"):
        o.update(params, grads, o.init(params), lr=-1.0)
    with pytest.raises(ValueError, match="lr"):
        o.update_inplace(params, grads, o.init(params), lr=-1.0)


@pytest.mark.parametrize("beta", [-0.1, 1.0, 2.0])
def test_optimizer_beta_out_of_range(beta):
    with pytest.raises(ValueError, match="beta"):
        opt.Momentum(beta=beta)
    with pytest.raises(ValueError, match="beta"):
        opt.Nesterov(beta=beta, heavy_ball=True)
    with pytest.raises(ValueError, match="beta"):
        opt.RMSprop(beta=beta)
    with pytest.raises(ValueError, match="beta1"):
        opt.Adam(beta1=beta)
    with pytest.raises(ValueError, match="beta2"):
        opt.Adam(beta2=beta)
    w = np.zeros((2, 2))
    with pytest.raises(ValueError, match="beta"):
        opt.momentum_step(w, w, w, 0.1, beta)
    with pytest.raises(ValueError, match="beta"):
        opt.rmsprop_step(w, w, w, 0.1, beta)
    with pytest.raises(ValueError, match="beta2"):
        opt.adam_step(w, w, w, w, 1, 0.1, beta2=beta)


def test_optimizer_other_errors():
    w = np.zeros((2, 2))
    with pytest.raises(ValueError, match="name must be one of"):
        opt.make_optimizer("sgd")
    with pytest.raises(ValueError, match="eps"):
        opt.Adam(eps=0.0)
    with pytest.raises(ValueError, match="eps"):
        opt.AdaGrad(eps=-1.0)
    with pytest.raises(ValueError, match="t must be >= 1"):
        opt.adam_step(w, w, w, w, 0, 0.1)
    with pytest.raises(ValueError, match="dw and w"):
        opt.gd_step(w, np.zeros((2, 3)), 0.1)
    with pytest.raises(ValueError, match="v and w"):
        opt.momentum_step(w, w, np.zeros(3), 0.1)
    with pytest.raises(ValueError, match="lr"):
        opt.gd_step(w, w, -0.5)


# ---- network -----------------------------------------------------------------------


def test_network_config_errors():
    with pytest.raises(ValueError, match="hidden_activation"):
        Network((3, 4, 1), hidden_activation="softplus")
    with pytest.raises(ValueError, match="hidden_activation needs one name per hidden layer"):
        Network((3, 4, 4, 1), hidden_activation=("relu",))
    with pytest.raises(ValueError, match="output"):
        Network((3, 4, 1), output="linear")
    with pytest.raises(ValueError, match="output='sigmoid' needs layer_dims"):
        Network((3, 4, 2), output="sigmoid")
    with pytest.raises(ValueError, match="keep_probs needs one value per hidden layer"):
        Network((3, 4, 4, 1), keep_probs=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="regularization"):
        Network((3, 4, 1), regularization="l3")
    with pytest.raises(ValueError, match="lambd"):
        Network((3, 4, 1), regularization="l2", lambd=-1.0)
    with pytest.raises(ValueError, match="bn_eps"):
        Network((3, 4, 1), batch_norm=True, bn_eps=0.0)
    with pytest.raises(ValueError, match="layer_dims"):
        Network((3,))
    with pytest.raises(ValueError, match=r"layer_dims\[1\]"):
        Network((3, -4, 1))


def test_network_params_from_another_architecture():
    net = Network((3, 4, 1))
    other = Network((3, 5, 1)).init_params(np.random.default_rng(0))
    X = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"params\['W1'\] must have shape \(4, 3\), got \(5, 3\)"):
        forward(net, other, X)
    deeper = Network((3, 4, 4, 1)).init_params(np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"params\['W2'\] must have shape \(1, 4\), got \(4, 4\)"):
        forward(net, deeper, X)
    shallow = Network((3, 4), output="softmax").init_params(np.random.default_rng(0))
    with pytest.raises(ValueError, match=re.escape("params is missing W2: layer_dims=[3, 4, 1] "
                                                   "needs W1..W2 and b1..b2")):
        forward(Network((3, 4, 1)), shallow, X)
    bad_b = {**net.init_params(np.random.default_rng(0)), "b1": np.zeros((1, 4))}
    with pytest.raises(ValueError, match=r"params\['b1'\] must have shape \(4, 1\)"):
        forward(net, bad_b, X)


def test_network_batch_norm_params_missing():
    net_bn = Network((3, 4, 1), batch_norm=True)
    plain = Network((3, 4, 1)).init_params(np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"params is missing gamma1: .* needs W1\.\.W2, "
                                         r"gamma1, beta1 and b2"):
        forward(net_bn, plain, np.zeros((3, 2)))
    params = net_bn.init_params(np.random.default_rng(0))
    params["beta1"] = np.zeros((5, 1))
    with pytest.raises(ValueError, match=r"params\['beta1'\] must have shape \(4, 1\)"):
        forward(net_bn, params, np.zeros((3, 2)))


def test_network_X_errors():
    net = Network((3, 4, 1))
    params = net.init_params(np.random.default_rng(0))
    X = np.random.default_rng(1).standard_normal((3, 5))
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN or inf \(first at index \(2, 1\)"):
        forward(net, params, X)
    with pytest.raises(ValueError, match=r"X must have shape \(3, \*\), got \(4, 5\)"):
        forward(net, params, np.zeros((4, 5)))
    with pytest.raises(ValueError, match="X must be a 2-D array"):
        forward(net, params, np.zeros(3))


def test_network_forward_nan_params():
    net = Network((3, 4, 1))
    params = net.init_params(np.random.default_rng(0))
    params["W2"] = np.full((1, 4), np.nan)
    with pytest.raises(ValueError, match="W2"):
        forward(net, params, np.zeros((3, 5)))


def test_network_rng_and_state_errors():
    net = Network((3, 4, 1), keep_probs=0.5)
    params = net.init_params(np.random.default_rng(0))
    X = np.zeros((3, 2))
    for bad in (None, 0, np.random.RandomState(0)):
        with pytest.raises(ValueError, match="rng"):
            forward(net, params, X, rng=bad)
    forward(net, params, X, training=False)  # no rng needed at evaluation
    net_bn = Network((3, 4, 1), batch_norm=True)
    p_bn = net_bn.init_params(np.random.default_rng(0))
    with pytest.raises(ValueError, match="state"):
        forward(net_bn, p_bn, X, training=False)
    with pytest.raises(ValueError, match="state"):
        predict_proba(net_bn, p_bn, X)


def test_network_cost_and_backward_errors():
    net = Network((3, 4, 2), output="softmax")
    params = net.init_params(np.random.default_rng(0))
    X = np.zeros((3, 5))
    ZL, caches, _ = forward(net, params, X)
    with pytest.raises(ValueError, match=r"Y must have shape \(2, 5\), got \(1, 5\)"):
        compute_cost(net, params, ZL, np.zeros((1, 5)))
    with pytest.raises(ValueError, match=r"Y must have shape \(2, 5\), got \(2, 4\)"):
        backward(net, params, ZL, np.zeros((2, 4)), caches)
    with pytest.raises(ValueError, match="caches has 1 entries"):
        backward(net, params, ZL, np.zeros((2, 5)), caches[:1])
    with pytest.raises(ValueError, match="ZL contains NaN"):
        compute_cost(net, params, np.full((2, 5), np.nan), np.zeros((2, 5)))


# ---- what validation.py promises: layer functions check, check=False passes NaN on ----


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_pairs_reject_nan(name):
    fwd, bwd = ACTIVATIONS[name]
    Z = np.array([[0.5, np.nan, -1.0]])
    with pytest.raises(ValueError, match=r"Z contains NaN or inf \(first at index \(0, 1\)"):
        fwd(Z)
    _, cache = fwd(np.array([[0.5, 2.0, -1.0]]))
    with pytest.raises(ValueError, match="dA contains NaN or inf"):
        bwd(np.array([[1.0, np.inf, 1.0]]), cache)
    if name != "identity":
        with pytest.raises(ValueError, match=r"dA and .* must have the same shape"):
            bwd(np.ones((2, 3)), cache)
    A_nan, _ = fwd(Z, check=False)  # what a network does once it has validated
    assert np.isnan(A_nan[0, 1])


def test_leaky_relu_rejects_a_negative_slope():
    with pytest.raises(ValueError, match=re.escape("slope must be finite and >= 0, got -0.1")):
        leaky_relu_forward(np.ones((1, 2)), slope=-0.1)


def test_backward_names_a_missing_or_unknown_parameter():
    net = Network((3, 4, 2), output="softmax")
    params = net.init_params(np.random.default_rng(0))
    X, Y = np.zeros((3, 5)), np.eye(2)[:, [0, 1, 0, 1, 1]]
    ZL, caches, _ = forward(net, params, X)
    missing = {k: v for k, v in params.items() if k != "b2"}
    with pytest.raises(ValueError, match=re.escape("params is missing b2: layer_dims=[3, 4, 2] "
                                                   "needs W1..W2 and b1..b2")):
        backward(net, missing, ZL, Y, caches)
    with pytest.raises(ValueError, match=r"params has an unknown key 'gamma1': .* needs "
                                         r"W1\.\.W2 and b1\.\.b2"):
        backward(net, {**params, "gamma1": np.ones((4, 1))}, ZL, Y, caches)
    with pytest.raises(ValueError, match="params must be a dict of arrays"):
        backward(net, [params["W1"]], ZL, Y, caches)


def test_unchecked_network_gives_nan_not_an_error():
    """check=False (the training loop's evaluation) turns blown-up parameters into NaN."""
    net = Network((3, 4, 2), output="softmax", batch_norm=True, regularization="l2", lambd=0.1)
    params = net.init_params(np.random.default_rng(0))
    params["W1"][0, 0] = np.inf
    X, Y = np.ones((3, 5)), np.eye(2)[:, [0, 1, 0, 1, 1]]
    with np.errstate(all="ignore"):
        ZL, _, _ = forward(net, params, X, check=False)
        cost = compute_cost(net, params, ZL, Y, check=False)
    assert np.isnan(ZL).any() and not np.isfinite(cost)
    with pytest.raises(ValueError, match=r"params\['W1'\] contains NaN or inf"):
        forward(net, params, X)


@pytest.mark.parametrize("fn, args, match", [
    (losses.binary_cross_entropy_from_logits, (np.array([[np.nan]]), np.ones((1, 1))), "Z"),
    (losses.softmax_cross_entropy, (np.full((2, 1), np.inf), np.eye(2)[:, :1]), "Z"),
    (losses.softmax_cross_entropy_grad, (np.zeros((2, 1)), np.full((2, 1), np.nan)), "Y"),
    (losses.l2_penalty, ([np.array([[np.nan]])], 0.1, 5), r"weights\[0\]"),
    (losses.l1_penalty_grad, (np.ones((2, 2)), -1.0, 5), "lambd"),
])
def test_losses_check_unless_told_not_to(fn, args, match):
    with pytest.raises(ValueError, match=match):
        fn(*args)
    with np.errstate(all="ignore"):
        fn(*args, check=False)  # no error: NaN in, NaN out


def test_batchnorm_backward_graph_checks_gamma_and_eps():
    Z, dout = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    with pytest.raises(ValueError, match=r"gamma must have shape \(3, 1\)"):
        batchnorm_backward_graph(dout, Z, np.ones((2, 1)))
    with pytest.raises(ValueError, match="eps must be finite and > 0"):
        batchnorm_backward_graph(dout, Z, np.ones((3, 1)), eps=0.0)

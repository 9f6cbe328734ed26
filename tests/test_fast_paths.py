"""The fast paths agree with the readable definitions.

* ``network.forward`` / ``backward`` (the readable path) against a straightforward
  composition of the public layer functions (linear, activations, batch norm,
  dropout, losses), written here independently;
* ``network.train_step`` (the engine of ``network_fast``) against forward +
  compute_cost + backward + update_inplace;
* ``Optimizer.update_inplace`` (one-vector and array-by-array) against ``update``;
* the engine's pieces against the readable functions they stand for: the in-place
  batch norm against ``batchnorm_forward`` / ``batchnorm_backward`` /
  ``batchnorm_backward_graph``, ``cross_entropy_and_grad_inplace`` against the
  cross-entropies and their gradients, the activations computed in place (``out=``)
  against the same functions without ``out``.

float64 results must agree to 1e-12 (relative).
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import batchnorm as bn
from course_lib import optimizers as opt
from course_lib.activations import ACTIVATIONS
from course_lib.dropout import dropout_backward, dropout_forward
from course_lib.linear import linear_backward, linear_forward
from course_lib.losses import (
    binary_cross_entropy_from_logits,
    binary_cross_entropy_grad_from_logits,
    cross_entropy_and_grad_inplace,
    l1_penalty_grad,
    l2_penalty_grad,
    softmax_cross_entropy,
    softmax_cross_entropy_grad,
)
from course_lib.network import Network, backward, compute_cost, forward, train_step

RTOL = 1e-12


def assert_close(actual, expected, rtol=RTOL, what=""):
    """Relative agreement, in norm (elementwise where the expected values are not tiny)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, what
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-300)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale, err_msg=what)


# ---- the straightforward composition of the public layer functions ------------------


def reference_forward_backward(net: Network, params, X, Y, masks=None, state=None):
    """Forward, cost and backward written with the public layer functions only.

    Returns ``(ZL, cost, grads, new_state)``.
    """
    L = net.num_layers
    m = X.shape[1]
    caches = []
    new_state = dict(state) if state is not None else net.init_state(X.dtype)
    A = X
    for l in range(1, L + 1):
        bn_layer = net.batch_norm and l < L
        Z, lin_cache = linear_forward(A, params[f"W{l}"], None if bn_layer else params[f"b{l}"])
        if l == L:
            caches.append((lin_cache, None, None, None))
            break
        bn_cache = None
        if bn_layer:
            Z, bn_cache = bn.batchnorm_forward(Z, params[f"gamma{l}"], params[f"beta{l}"],
                                               net.bn_eps)
            unbiased = net.bn_unbiased and m > 1
            new_state[f"running_mean{l}"], new_state[f"running_var{l}"] = (
                bn.update_running_stats(
                    new_state[f"running_mean{l}"], new_state[f"running_var{l}"],
                    bn_cache[3], bn_cache[4], net.bn_beta, m=m, unbiased=unbiased,
                )
            )
        act_fwd, _ = ACTIVATIONS[net.hidden_activation[l - 1]]
        A, act_cache = act_fwd(Z)
        drop_cache = None
        if masks is not None and masks[l - 1] is not None:
            A, drop_cache = dropout_forward(A, net.keep_probs[l - 1], mask=masks[l - 1])
        caches.append((lin_cache, act_cache, bn_cache, drop_cache))
    ZL = Z
    if net.output == "softmax":
        cost = softmax_cross_entropy(ZL, Y)
        dZ = softmax_cross_entropy_grad(ZL, Y)
    else:
        cost = binary_cross_entropy_from_logits(ZL, Y)
        dZ = binary_cross_entropy_grad_from_logits(ZL, Y)
    weights = [params[f"W{l}"] for l in range(1, L + 1)]
    if net.regularization == "l2":
        cost += net.lambd / (2 * m) * sum(float(np.sum(W * W)) for W in weights)
    elif net.regularization == "l1":
        cost += net.lambd / (2 * m) * sum(float(np.sum(np.abs(W))) for W in weights)
    grads = {}
    for l in range(L, 0, -1):
        lin_cache = caches[l - 1][0]
        dA_prev, dW, db = linear_backward(dZ, lin_cache)
        if net.regularization == "l2" and net.lambd:
            dW = dW + l2_penalty_grad(params[f"W{l}"], net.lambd, m)
        elif net.regularization == "l1" and net.lambd:
            dW = dW + l1_penalty_grad(params[f"W{l}"], net.lambd, m)
        grads[f"W{l}"] = dW
        if db is not None:
            grads[f"b{l}"] = db
        if l == 1:
            break
        _, act_cache, bn_cache, drop_cache = caches[l - 2]
        dA = dA_prev
        if drop_cache is not None:
            dA = dropout_backward(dA, drop_cache)
        dZ = ACTIVATIONS[net.hidden_activation[l - 2]][1](dA, act_cache)
        if bn_cache is not None:
            dZ, grads[f"gamma{l - 1}"], grads[f"beta{l - 1}"] = bn.batchnorm_backward(
                dZ, bn_cache
            )
    return ZL, cost, {k: grads[k] for k in params}, new_state


def _problem(net: Network, m: int, seed: int, dtype=np.float64, scale: float = 1.0):
    rng = np.random.default_rng(seed)
    params = net.init_params(rng, dtype=dtype)
    for k in params:  # non-trivial gamma, beta and biases
        if not k.startswith("W"):
            params[k] = (params[k] + 0.3 * rng.standard_normal(params[k].shape)).astype(dtype)
    X = (rng.standard_normal((net.layer_dims[0], m)) * scale).astype(dtype)
    C = net.layer_dims[-1]
    if net.output == "softmax":
        Y = np.zeros((C, m), dtype=dtype)
        Y[rng.integers(0, C, m), np.arange(m)] = 1
    else:
        Y = (rng.random((1, m)) < 0.5).astype(dtype)
    return params, X, Y


NETS = {
    "relu-softmax": Network((7, 9, 6, 4), output="softmax"),
    "relu-softmax-bn": Network((7, 9, 6, 4), output="softmax", batch_norm=True),
    "tanh-sigmoid": Network((2, 10, 1), hidden_activation="tanh"),
    "mixed-bn-l2": Network((5, 8, 7, 6, 1), hidden_activation=("relu", "tanh", "sigmoid"),
                           batch_norm=True, regularization="l2", lambd=0.7),
    "leaky-identity-l1": Network((4, 6, 5, 3), hidden_activation=("leaky_relu", "identity"),
                                 output="softmax", regularization="l1", lambd=0.3),
    "bn-unbiased-softmax": Network((6, 8, 5), output="softmax", batch_norm=True,
                                   bn_unbiased=True, bn_beta=0.8),
}


@pytest.mark.parametrize("check", [True, False])
@pytest.mark.parametrize("name", sorted(NETS))
def test_forward_backward_match_layer_functions(name, check):
    net = NETS[name]
    params, X, Y = _problem(net, 13, seed=1)
    state = net.init_state()
    ZL_ref, cost_ref, grads_ref, state_ref = reference_forward_backward(
        net, params, X, Y, state=state
    )
    ZL, caches, new_state = forward(net, params, X, state=state, check=check)
    cost = compute_cost(net, params, ZL, Y, check=check)
    grads = backward(net, params, ZL, Y, caches, check=check)
    assert_close(ZL, ZL_ref, what="ZL")
    assert cost == pytest.approx(cost_ref, rel=RTOL)
    assert list(grads) == list(params)
    for k in params:
        assert grads[k].dtype == params[k].dtype
        assert_close(grads[k], grads_ref[k], what=k)
    assert set(new_state) == set(state_ref)
    for k in state_ref:
        assert_close(new_state[k], state_ref[k], what=k)


@pytest.mark.parametrize("name", ["relu-softmax-bn", "mixed-bn-l2"])
def test_forward_backward_with_dropout_match_layer_functions(name):
    base = NETS[name]
    net = Network(base.layer_dims, base.hidden_activation, base.output, base.batch_norm,
                  keep_probs=0.7, regularization=base.regularization, lambd=base.lambd)
    params, X, Y = _problem(net, 11, seed=2)
    ZL, caches, _ = forward(net, params, X, rng=np.random.default_rng(5), check=False)
    # the masks forward drew, in the same order from the same generator
    draw = np.random.default_rng(5)
    masks = [draw.random((n, X.shape[1])) < kp
             for n, kp in zip(net.layer_dims[1:-1], net.keep_probs)]
    ZL_ref, _, grads_ref, _ = reference_forward_backward(net, params, X, Y, masks=masks)
    assert_close(ZL, ZL_ref)
    grads = backward(net, params, ZL, Y, caches, check=False)
    for k in params:
        assert_close(grads[k], grads_ref[k], what=k)


def test_evaluation_forward_matches_layer_functions():
    net = NETS["relu-softmax-bn"]
    params, X, _ = _problem(net, 9, seed=3)
    rng = np.random.default_rng(4)
    state = {k: (np.abs(v + rng.standard_normal(v.shape)) if "var" in k
                 else v + rng.standard_normal(v.shape)) for k, v in net.init_state().items()}
    ZL, _, st = forward(net, params, X, training=False, state=state)
    A = X
    for l in (1, 2):
        Z, _ = linear_forward(A, params[f"W{l}"], None)
        Z = bn.batchnorm_forward_eval(Z, params[f"gamma{l}"], params[f"beta{l}"],
                                      state[f"running_mean{l}"], state[f"running_var{l}"])
        A = np.maximum(Z, 0)
    ZL_ref, _ = linear_forward(A, params["W3"], params["b3"])
    assert_close(ZL, ZL_ref)
    assert st == state


def test_backward_returns_fresh_gradients():
    net = NETS["relu-softmax-bn"]
    params, X, Y = _problem(net, 8, seed=6)
    ZL, caches, _ = forward(net, params, X)
    ZL0 = ZL.copy()
    g1 = backward(net, params, ZL, Y, caches)
    g2 = backward(net, params, ZL, Y, caches)
    np.testing.assert_array_equal(ZL, ZL0)  # ZL is not modified
    assert list(g1) == list(params)
    for k in params:
        assert not np.shares_memory(g1[k], g2[k])
        assert not np.shares_memory(g1[k], params[k])
        np.testing.assert_array_equal(g1[k], g2[k])


def test_backward_and_train_step_reject_unknown_parameters():
    net = NETS["relu-softmax"]
    params, X, Y = _problem(net, 5, seed=7)
    ZL, caches, _ = forward(net, params, X)
    extra = {**params, "W9": params["W1"]}
    with pytest.raises(ValueError, match="params has an unknown key 'W9'"):
        backward(net, extra, ZL, Y, caches)
    o = opt.GradientDescent(lr=0.1)
    for check in (True, False):  # the engine needs exactly the network's parameters
        with pytest.raises(ValueError, match="params has an unknown key 'W9'"):
            train_step(net, _copy(extra), o, o.init(extra), X, Y, check=check)
    missing = {k: v for k, v in params.items() if k != "b2"}
    with pytest.raises(ValueError, match="params is missing b2: "):
        train_step(net, missing, o, o.init(missing), X, Y)


# ---- train_step -----------------------------------------------------------------------


OPTIMIZERS = {
    "adam": lambda: opt.Adam(lr=0.01),
    "gd": lambda: opt.GradientDescent(lr=0.1),
    "momentum": lambda: opt.Momentum(lr=0.1, beta=0.9),
    "nesterov_hb": lambda: opt.Nesterov(lr=0.05, beta=0.8, heavy_ball=True),
    "adagrad": lambda: opt.AdaGrad(lr=0.1),
    "rmsprop": lambda: opt.RMSprop(lr=0.01),
}


def _copy(d):
    return {k: (_copy(v) if isinstance(v, dict) else np.array(v, copy=True)) for k, v in d.items()}


@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("name", sorted(NETS))
def test_train_step_matches_the_four_calls(name, opt_name):
    net = NETS[name]
    params, X, Y = _problem(net, 12, seed=8, scale=3.0)
    o = OPTIMIZERS[opt_name]()
    p_ref, p_fast = _copy(params), _copy(params)
    s_ref, s_fast = o.init(p_ref), o.init(p_fast)
    st_ref = st_fast = net.init_state()
    for step in range(6):
        lr = 0.02 if step == 3 else None
        ZL, caches, st_ref = forward(net, p_ref, X, state=st_ref)
        cost_ref = compute_cost(net, p_ref, ZL, Y)
        o.update_inplace(p_ref, backward(net, p_ref, ZL, Y, caches), s_ref, lr=lr)
        cost, st_fast = train_step(net, p_fast, o, s_fast, X, Y, state=st_fast, lr=lr,
                                   check=step == 0)
        assert cost == pytest.approx(cost_ref, rel=RTOL)
        for k in params:
            assert_close(p_fast[k], p_ref[k], what=k)
        for k in st_ref:
            assert_close(st_fast[k], st_ref[k], what=k)
        for slot in o.slots:
            for k in params:
                assert_close(s_fast[slot][k], s_ref[slot][k], what=f"{slot}[{k}]")
    assert s_fast["t"] == s_ref["t"] == 6


def test_train_step_with_dropout_matches_the_four_calls():
    net = Network((6, 9, 7, 3), output="softmax", batch_norm=True, keep_probs=(0.8, 0.6))
    params, X, Y = _problem(net, 10, seed=9)
    o = opt.Adam(lr=0.01)
    p_ref, p_fast = _copy(params), _copy(params)
    s_ref, s_fast = o.init(p_ref), o.init(p_fast)
    r_ref, r_fast = np.random.default_rng(1), np.random.default_rng(1)
    st_ref = st_fast = None
    for _ in range(4):
        ZL, caches, st_ref = forward(net, p_ref, X, rng=r_ref, state=st_ref)
        cost_ref = compute_cost(net, p_ref, ZL, Y)
        o.update_inplace(p_ref, backward(net, p_ref, ZL, Y, caches), s_ref)
        cost, st_fast = train_step(net, p_fast, o, s_fast, X, Y, rng=r_fast, state=st_fast)
        assert cost == pytest.approx(cost_ref, rel=RTOL)
    for k in params:
        assert_close(p_fast[k], p_ref[k], what=k)


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_train_step_cost_and_gradient_for_extreme_logits(output):
    C = 1 if output == "sigmoid" else 3
    net = Network((2, C), output=output)
    rng = np.random.default_rng(10)
    params = {"W1": np.array([[400.0, -300.0]] * C) * (1 + np.arange(C))[:, None],
              "b1": np.zeros((C, 1))}
    X = rng.standard_normal((2, 9))
    if C == 1:
        Y = (rng.random((1, 9)) < 0.5).astype(float)
    else:
        Y = np.eye(C)[:, rng.integers(0, C, 9)]
    ZL, caches, _ = forward(net, params, X)
    cost_ref = compute_cost(net, params, ZL, Y)
    grads_ref = backward(net, params, ZL, Y, caches)
    o = opt.GradientDescent(lr=1.0)
    p = _copy(params)
    cost, _ = train_step(net, p, o, o.init(p), X, Y)
    assert np.isfinite(cost) and cost == pytest.approx(cost_ref, rel=RTOL)
    for k in params:
        assert_close(params[k] - p[k], grads_ref[k], what=k)


def test_train_step_cost_of_confident_correct_predictions_has_no_cancellation():
    net = Network((1, 1))
    params = {"W1": np.array([[40.0]]), "b1": np.zeros((1, 1))}
    X = np.array([[1.0, -1.0, 2.0]])
    Y = np.array([[1.0, 0.0, 1.0]])
    ZL, _, _ = forward(net, params, X)
    expected = compute_cost(net, params, ZL, Y)  # about 1e-17
    assert 0 < expected < 1e-15
    o = opt.GradientDescent(lr=0.0)
    cost, _ = train_step(net, params, o, o.init(params), X, Y)
    assert cost == pytest.approx(expected, rel=1e-12)


def test_train_step_non_finite_logits_give_nan_cost():
    net = Network((2, 3, 2), output="softmax")
    params, X, Y = _problem(net, 4, seed=11)
    params["W2"][0, 0] = np.inf
    o = opt.GradientDescent(lr=0.1)
    with np.errstate(all="ignore"):
        cost, _ = train_step(net, params, o, o.init(params), X, Y)
    assert np.isnan(cost)


def test_train_step_reuses_buffers_safely():
    """Returned states and earlier public results are never overwritten by later steps."""
    net = NETS["relu-softmax-bn"]
    params, X, Y = _problem(net, 12, seed=12)
    o = opt.Adam(lr=0.01)
    s = o.init(params)
    ZL, caches, _ = forward(net, params, X, check=False)
    ZL0 = ZL.copy()
    grads = backward(net, params, ZL, Y, caches, check=False)
    g0 = _copy(grads)
    _, st1 = train_step(net, params, o, s, X, Y)
    st1_copy = _copy(st1)
    _, st2 = train_step(net, params, o, s, X[:, :7], Y[:, :7], state=st1)  # another m
    train_step(net, params, o, s, X, Y, state=st2)
    np.testing.assert_array_equal(ZL, ZL0)
    for k in grads:
        np.testing.assert_array_equal(grads[k], g0[k])
    for k in st1:
        np.testing.assert_array_equal(st1[k], st1_copy[k])


def test_train_step_float32():
    net = NETS["relu-softmax-bn"]
    params, X, Y = _problem(net, 16, seed=13, dtype=np.float32)
    o = opt.Adam(lr=0.01)
    p_ref, p_fast = _copy(params), _copy(params)
    s_ref, s_fast = o.init(p_ref), o.init(p_fast)
    st_ref = st_fast = None
    for _ in range(3):
        ZL, caches, st_ref = forward(net, p_ref, X, state=st_ref)
        cost_ref = compute_cost(net, p_ref, ZL, Y)
        o.update_inplace(p_ref, backward(net, p_ref, ZL, Y, caches), s_ref)
        cost, st_fast = train_step(net, p_fast, o, s_fast, X, Y, state=st_fast)
        assert cost == pytest.approx(cost_ref, rel=1e-5)
    for k in params:
        assert p_fast[k].dtype == np.float32
        np.testing.assert_allclose(p_fast[k], p_ref[k], rtol=1e-4, atol=1e-5)


def test_train_step_check_validates():
    net = NETS["relu-softmax"]
    params, X, Y = _problem(net, 5, seed=14)
    o = opt.Adam()
    with pytest.raises(ValueError):
        train_step(net, params, o, o.init(params), X[:3], Y, check=True)


# ---- optimizers -----------------------------------------------------------------------

ALL_OPTIMIZERS = {
    **OPTIMIZERS,
    "momentum_hb": lambda: opt.Momentum(lr=0.05, beta=0.8, heavy_ball=True),
    "nesterov": lambda: opt.Nesterov(lr=0.1, beta=0.9),
}
SHAPES = {"W1": (5, 4), "b1": (5, 1), "gamma1": (5, 1), "W2": (3, 5), "b2": (3, 1)}


def _rand_params(rng, dtype=np.float64):
    return {k: rng.standard_normal(s).astype(dtype) for k, s in SHAPES.items()}


def _flat_dict(d):
    """The same values as consecutive views of one buffer."""
    out = opt.flat_zeros_like(d)
    for k in d:
        out[k][...] = d[k]
    return out


@pytest.mark.parametrize("layout", ["separate", "flat-grads", "all-flat", "per-array-state"])
@pytest.mark.parametrize("name", sorted(ALL_OPTIMIZERS))
def test_update_inplace_matches_update_over_10_steps(name, layout):
    rng = np.random.default_rng(20)
    o = ALL_OPTIMIZERS[name]()
    params = _rand_params(rng)
    p_pure, s_pure = params, o.init(params)
    p_fast = _flat_dict(params) if layout == "all-flat" else _copy(params)
    s_fast = o.init(p_fast)
    if layout == "per-array-state":  # slots as separate arrays: the array-by-array path
        s_fast = {"t": 0, **{slot: {k: np.zeros_like(w) for k, w in params.items()}
                             for slot in o.slots}}
    ids = {k: id(w) for k, w in p_fast.items()}
    for step in range(10):
        g = _rand_params(rng)
        if layout in ("flat-grads", "all-flat"):
            g = _flat_dict(g)
        g0 = _copy(g)
        lr = 0.003 if step == 4 else None
        p_pure, s_pure = o.update(p_pure, g, s_pure, lr=lr)
        o.update_inplace(p_fast, g, s_fast, lr=lr)
        for k in g:
            np.testing.assert_array_equal(g[k], g0[k])  # grads untouched
    assert s_fast["t"] == s_pure["t"] == 10
    for k in params:
        assert id(p_fast[k]) == ids[k]
        assert_close(p_fast[k], p_pure[k], what=k)
        for slot in o.slots:
            assert_close(s_fast[slot][k], s_pure[slot][k], what=f"{slot}[{k}]")


@pytest.mark.parametrize("name", sorted(ALL_OPTIMIZERS))
def test_update_inplace_float32(name):
    rng = np.random.default_rng(21)
    o = ALL_OPTIMIZERS[name]()
    params = _rand_params(rng, np.float32)
    p_pure, s_pure = params, o.init(params)
    p_fast = _copy(params)
    s_fast = o.init(p_fast)
    for _ in range(10):
        g = _flat_dict(_rand_params(rng, np.float32))
        p_pure, s_pure = o.update(p_pure, g, s_pure)
        o.update_inplace(p_fast, g, s_fast)
    for k in params:
        assert p_fast[k].dtype == np.float32
        np.testing.assert_allclose(p_fast[k], p_pure[k], rtol=1e-5, atol=1e-6)


def test_update_inplace_two_states_one_optimizer():
    """One optimizer object driving two independent runs (its caches must not mix them)."""
    o = opt.Adam(lr=0.01)
    rng = np.random.default_rng(22)
    pa, pb = _rand_params(rng), _rand_params(rng)
    ref_a, ref_b = _copy(pa), _copy(pb)
    sa, sb, sra, srb = o.init(pa), o.init(pb), o.init(ref_a), o.init(ref_b)
    for _ in range(5):
        ga, gb = _flat_dict(_rand_params(rng)), _rand_params(rng)
        o.update_inplace(pa, ga, sa)
        o.update_inplace(pb, gb, sb)
        ref_a, sra = o.update(ref_a, ga, sra)
        ref_b, srb = o.update(ref_b, gb, srb)
    for k in pa:
        assert_close(pa[k], ref_a[k])
        assert_close(pb[k], ref_b[k])


def test_flat_view_and_flat_zeros_like():
    rng = np.random.default_rng(23)
    params = _rand_params(rng)
    z = opt.flat_zeros_like(params)
    assert list(z) == list(params)
    for k in params:
        assert z[k].shape == params[k].shape and z[k].dtype == params[k].dtype
        assert not z[k].any()
    flat = opt.flat_view(list(z.values()))
    assert flat is not None and flat.size == sum(w.size for w in params.values())
    flat[:] = 1.0
    assert all((w == 1).all() for w in z.values())
    assert opt.flat_view(list(params.values())) is None  # separate arrays
    assert opt.flat_view(list(z.values())[::-1]) is None  # wrong order
    assert opt.flat_view([z["W1"].T]) is None  # not C-contiguous
    assert opt.flat_view([z["W1"], z["W2"]]) is None  # a gap
    assert opt.flat_view([z["W2"], z["b2"]]) is not None  # a consecutive part
    mixed = opt.flat_zeros_like({"a": np.ones(2), "b": np.ones(2, dtype=np.float32)})
    assert mixed["b"].dtype == np.float32 and opt.flat_view(list(mixed.values())) is None


# ---- the engine's loss and activations -----------------------------------------------


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@pytest.mark.parametrize("scale", [1.0, 300.0])
def test_cross_entropy_and_grad_inplace_matches_the_readable_pair(output, scale):
    rng = np.random.default_rng(40)
    C, m = (1, 9) if output == "sigmoid" else (4, 9)
    Z = rng.standard_normal((C, m)) * scale
    if output == "sigmoid":
        Y = (rng.random((1, m)) < 0.5).astype(float)
        cost_ref = binary_cross_entropy_from_logits(Z, Y)
        grad_ref = binary_cross_entropy_grad_from_logits(Z, Y)
    else:
        Y = np.eye(C)[:, rng.integers(0, C, m)]
        cost_ref = softmax_cross_entropy(Z, Y)
        grad_ref = softmax_cross_entropy_grad(Z, Y)
    Zw, dZ = Z.copy(), np.empty_like(Z)
    cost = cross_entropy_and_grad_inplace(Zw, Y, output, dZ)
    assert np.isfinite(cost) and cost == pytest.approx(cost_ref, rel=RTOL)
    assert_close(dZ * m, grad_ref)  # dZ carries the 1/m of the cost
    with pytest.raises(ValueError, match="output must be"):
        cross_entropy_and_grad_inplace(Z.copy(), Y, "tanh", dZ)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_in_place_match_the_readable_ones(name):
    fwd, bwd = ACTIVATIONS[name]
    rng = np.random.default_rng(41)
    Z = rng.standard_normal((5, 7))
    Z[0, :3] = 0.0  # the kink of (leaky) ReLU
    dA = rng.standard_normal((5, 7))
    A_ref, cache_ref = fwd(Z)
    dZ_ref = bwd(dA, cache_ref)
    Zw, dAw = Z.copy(), dA.copy()
    A, cache = fwd(Zw, out=Zw, check=False)  # what the engine does: Z is overwritten
    assert A is Zw
    np.testing.assert_array_equal(A, A_ref)
    dZ = bwd(dAw, cache, out=dAw, check=False)
    assert dZ is dAw
    np.testing.assert_array_equal(dZ, dZ_ref)


# ---- batch norm ------------------------------------------------------------------------


@pytest.mark.parametrize("m", [1, 2, 7, 64])
def test_batchnorm_inplace_matches_readable_and_graph(m):
    rng = np.random.default_rng(30 + m)
    n = 6
    Z = rng.standard_normal((n, m)) * 3 + 2
    gamma = rng.standard_normal((n, 1))
    beta = rng.standard_normal((n, 1))
    dout = rng.standard_normal((n, m))
    out_ref, cache_ref = bn.batchnorm_forward(Z, gamma, beta)
    Zw = Z.copy()
    ones = np.ones(m)
    out, cache = bn.batchnorm_forward_inplace(Zw, gamma, beta, bn.BN_EPS, np.empty_like(Z), ones)
    assert_close(out, out_ref)
    for a, b in zip(cache, cache_ref):
        assert_close(a, b)
    dZ_ref, dgamma_ref, dbeta_ref = bn.batchnorm_backward(dout, cache_ref)
    dZ_graph, dgamma_graph, dbeta_graph = bn.batchnorm_backward_graph(dout, Z, gamma)
    dgamma, dbeta = np.empty((n, 1)), np.empty((n, 1))
    d = dout / m  # the network hands over (1/m)·dout and gets (1/m)·dZ back
    res = bn.batchnorm_backward_inplace(d, cache, m, dgamma, dbeta, np.empty_like(Z), ones)
    assert res is d
    for fast, ref, graph in ((d * m, dZ_ref, dZ_graph), (dgamma, dgamma_ref, dgamma_graph),
                             (dbeta, dbeta_ref, dbeta_graph)):
        assert_close(fast, ref)
        assert_close(fast, graph, rtol=1e-10)  # the graph version rounds differently


def test_one_optimizer_used_from_several_threads():
    from concurrent.futures import ThreadPoolExecutor

    o = opt.Adam(lr=0.01)
    rng = np.random.default_rng(26)
    runs = [(_rand_params(rng), [_flat_dict(_rand_params(rng)) for _ in range(30)])
            for _ in range(4)]

    def run(params_and_grads):
        params, grads_seq = params_and_grads
        p, s = _copy(params), None
        s = o.init(p)
        for g in grads_seq:
            o.update_inplace(p, g, s)
        return p

    with ThreadPoolExecutor(4) as ex:
        results = list(ex.map(run, runs))
    for (params, grads_seq), p in zip(runs, results):
        ref, s = params, o.init(params)
        for g in grads_seq:
            ref, s = o.update(ref, g, s)
        for k in params:
            assert_close(p[k], ref[k])


def test_train_step_does_not_update_on_a_non_finite_cost():
    net = Network((2, 3, 2), output="softmax")
    params, X, Y = _problem(net, 4, seed=11)
    params["W2"][0, 0] = np.inf
    before = {k: v.copy() for k, v in params.items()}
    o = opt.Adam(lr=0.1)
    st = o.init(params)
    st_before = {k: np.array(v, copy=True) for k, v in st.items()
                 if isinstance(v, np.ndarray)}
    with np.errstate(all="ignore"):
        cost, _ = train_step(net, params, o, st, X, Y)
    assert not np.isfinite(cost)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
    for k, v in st_before.items():
        np.testing.assert_array_equal(st[k], v)

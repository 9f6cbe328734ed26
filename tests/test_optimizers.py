"""Tests for course_lib.optimizers through the public API: the per-array step
functions, ``Optimizer.update`` (pure) and ``Optimizer.update_inplace`` (fast path).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import optimizers as opt

SHAPES = {"W1": (3, 4), "b1": (3, 1), "W2": (1, 3), "b2": (1, 1)}

FACTORIES = {
    "gd": lambda: opt.GradientDescent(lr=0.1),
    "momentum": lambda: opt.Momentum(lr=0.1, beta=0.9),
    "momentum_hb": lambda: opt.Momentum(lr=0.05, beta=0.8, heavy_ball=True),
    "nesterov": lambda: opt.Nesterov(lr=0.1, beta=0.9),
    "nesterov_hb": lambda: opt.Nesterov(lr=0.05, beta=0.8, heavy_ball=True),
    "adagrad": lambda: opt.AdaGrad(lr=0.1, eps=1e-8),
    "rmsprop": lambda: opt.RMSprop(lr=0.01, beta=0.9, eps=1e-8),
    "adam": lambda: opt.Adam(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8),
}


def _params(rng, dtype=np.float64):
    return {k: rng.standard_normal(s).astype(dtype) for k, s in SHAPES.items()}


def _copy(tree):
    if isinstance(tree, dict):
        return {k: _copy(v) for k, v in tree.items()}
    return tree.copy() if isinstance(tree, np.ndarray) else tree


def _assert_tree_equal(a, b):
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _assert_tree_equal(a[k], b[k])
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


# ---- reference trajectories written from the documented formulas -------------------


def _reference(name, w, grads_seq):
    """The documented update rules, step by step, for one array."""
    o = FACTORIES[name]()
    v = np.zeros_like(w)
    s = np.zeros_like(w)
    for t, g in enumerate(grads_seq, start=1):
        if name == "gd":
            w = w - o.lr * g
        elif name in ("momentum", "momentum_hb", "nesterov", "nesterov_hb"):
            step = g if o.heavy_ball else (1 - o.beta) * g
            v = o.beta * v + step
            w = w - o.lr * (o.beta * v + step if name.startswith("nesterov") else v)
        elif name == "adagrad":
            s = s + g**2
            w = w - o.lr * g / (np.sqrt(s) + o.eps)
        elif name == "rmsprop":
            s = o.beta * s + (1 - o.beta) * g**2
            w = w - o.lr * g / (np.sqrt(s) + o.eps)
        elif name == "adam":
            v = o.beta1 * v + (1 - o.beta1) * g
            s = o.beta2 * s + (1 - o.beta2) * g**2
            v_hat = v / (1 - o.beta1**t)
            s_hat = s / (1 - o.beta2**t)
            w = w - o.lr * v_hat / (np.sqrt(s_hat) + o.eps)
    return w


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_update_matches_documented_formulas(name):
    rng = np.random.default_rng(0)
    params = _params(rng)
    grads_seq = [_params(rng) for _ in range(6)]
    o = FACTORIES[name]()
    state = o.init(params)
    p = params
    for g in grads_seq:
        p, state = o.update(p, g, state)
    assert state["t"] == 6
    for k in params:
        ref = _reference(name, params[k], [g[k] for g in grads_seq])
        np.testing.assert_allclose(p[k], ref, rtol=1e-13, atol=1e-14)


def test_init_state():
    params = _params(np.random.default_rng(1))
    assert opt.GradientDescent().init(params) == {"t": 0}
    st_ = opt.Adam().init(params)
    assert set(st_) == {"t", "v", "s"} and st_["t"] == 0
    for slot in ("v", "s"):
        assert list(st_[slot]) == list(params)
        for k, w in params.items():
            assert st_[slot][k].shape == w.shape
            np.testing.assert_array_equal(st_[slot][k], 0.0)
    assert set(opt.Momentum().init(params)) == {"t", "v"}
    assert set(opt.AdaGrad().init(params)) == {"t", "h"}
    assert set(opt.RMSprop().init(params)) == {"t", "s"}


def test_adam_first_step_is_lr_times_sign():
    """With t = 1 the bias corrections make v̂ = dw and ŝ = dw², so the step is lr·sign(dw)."""
    rng = np.random.default_rng(2)
    w, dw = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    z = np.zeros_like(w)
    w1, v1, s1 = opt.adam_step(w, dw, z, z, 1, lr=0.01, eps=1e-12)
    np.testing.assert_allclose(w1, w - 0.01 * np.sign(dw), rtol=1e-10)
    np.testing.assert_allclose(v1, 0.1 * dw, rtol=1e-15)
    np.testing.assert_allclose(s1, 0.001 * dw**2, rtol=1e-12)


def test_eps_after_sqrt():
    w, dw = np.array([0.0]), np.array([1e-6])
    eps = 1e-6
    w1, _ = opt.adagrad_step(w, dw, np.zeros(1), lr=1.0, eps=eps)
    np.testing.assert_allclose(w1, -dw / (1e-6 + eps), rtol=1e-12)  # not sqrt(h + eps)
    w2, _ = opt.rmsprop_step(w, dw, np.zeros(1), lr=1.0, beta=0.0, eps=eps)
    np.testing.assert_allclose(w2, -dw / (1e-6 + eps), rtol=1e-12)


def test_lr_override_and_zero_lr():
    rng = np.random.default_rng(3)
    params, grads = _params(rng), _params(rng)
    o = opt.GradientDescent(lr=0.1)
    p, _ = o.update(params, grads, o.init(params), lr=0.5)
    for k in params:
        np.testing.assert_allclose(p[k], params[k] - 0.5 * grads[k], rtol=1e-15)
    p0, _ = o.update(params, grads, o.init(params), lr=0.0)
    _assert_tree_equal(p0, params)


def test_make_optimizer():
    for name, cls in opt.OPTIMIZERS.items():
        assert type(opt.make_optimizer(name)) is cls
    a = opt.make_optimizer("adam", lr=0.5, beta1=0.8)
    assert (a.lr, a.beta1, a.beta2) == (0.5, 0.8, 0.999)
    assert opt.make_optimizer("momentum", heavy_ball=True).heavy_ball


# ---- properties ---------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**31), lr=st.floats(0.0, 1.0), steps=st.integers(1, 5))
def test_momentum_with_beta_zero_is_gradient_descent(seed, lr, steps):
    rng = np.random.default_rng(seed)
    params = _params(rng)
    grads_seq = [_params(rng) for _ in range(steps)]
    gd = opt.GradientDescent(lr=lr)
    others = [
        opt.Momentum(lr=lr, beta=0.0),
        opt.Momentum(lr=lr, beta=0.0, heavy_ball=True),
        opt.Nesterov(lr=lr, beta=0.0),
        opt.Nesterov(lr=lr, beta=0.0, heavy_ball=True),
    ]
    p_gd, s_gd = params, gd.init(params)
    runs = [(params, o.init(params)) for o in others]
    for g in grads_seq:
        p_gd, s_gd = gd.update(p_gd, g, s_gd)
        runs = [o.update(p, g, s) for o, (p, s) in zip(others, runs)]
    for p, _ in runs:
        for k in params:
            np.testing.assert_allclose(p[k], p_gd[k], rtol=1e-14, atol=1e-15)


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    lr=st.floats(1e-3, 1.0),
    beta=st.floats(0.0, 0.99),
    nesterov=st.booleans(),
)
def test_heavy_ball_with_scaled_lr_is_ema_form(seed, lr, beta, nesterov):
    """EMA form with lr α == heavy ball with lr α(1-β): v_ema = (1-β) v_hb."""
    rng = np.random.default_rng(seed)
    params = _params(rng)
    cls = opt.Nesterov if nesterov else opt.Momentum
    ema, hb = cls(lr=lr, beta=beta), cls(lr=lr * (1 - beta), beta=beta, heavy_ball=True)
    pe, se = params, ema.init(params)
    ph, sh = params, hb.init(params)
    for _ in range(5):
        g = _params(rng)
        pe, se = ema.update(pe, g, se)
        ph, sh = hb.update(ph, g, sh)
    for k in params:
        np.testing.assert_allclose(pe[k], ph[k], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(se["v"][k], (1 - beta) * sh["v"][k], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(FACTORIES))
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_update_does_not_mutate_inputs(name, seed):
    rng = np.random.default_rng(seed)
    o = FACTORIES[name]()
    params = _params(rng)
    state = o.init(params)
    params, state = o.update(params, _params(rng), state)  # non-zero state
    grads = _params(rng)
    before = [_copy(params), _copy(grads), _copy(state)]
    new_params, new_state = o.update(params, grads, state)
    _assert_tree_equal(params, before[0])
    _assert_tree_equal(grads, before[1])
    _assert_tree_equal(state, before[2])
    assert new_state["t"] == state["t"] + 1
    for k in params:
        assert new_params[k] is not params[k]
        assert not np.shares_memory(new_params[k], params[k])
        for slot in o.slots:
            assert not np.shares_memory(new_state[slot][k], state[slot][k])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(FACTORIES))
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), steps=st.integers(1, 6))
def test_update_inplace_equals_update(name, dtype, seed, steps):
    rng = np.random.default_rng(seed)
    o = FACTORIES[name]()
    params = _params(rng, dtype)
    p_pure, s_pure = params, o.init(params)
    p_fast, s_fast = _copy(params), o.init(params)
    ids = {k: id(v) for k, v in p_fast.items()}
    for _ in range(steps):
        g = _params(rng, dtype)
        g_before = _copy(g)
        p_pure, s_pure = o.update(p_pure, g, s_pure)
        assert o.update_inplace(p_fast, g, s_fast) is None
        _assert_tree_equal(g, g_before)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    assert s_fast["t"] == s_pure["t"] == steps
    for k in params:
        assert id(p_fast[k]) == ids[k]  # written in place
        assert p_fast[k].dtype == dtype
        np.testing.assert_allclose(p_fast[k], p_pure[k], **tol)
        for slot in o.slots:
            np.testing.assert_allclose(s_fast[slot][k], s_pure[slot][k], **tol)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_update_inplace_with_lr_override(name):
    rng = np.random.default_rng(4)
    o = FACTORIES[name]()
    params, grads = _params(rng), _params(rng)
    p_pure, _ = o.update(params, grads, o.init(params), lr=0.003)
    p_fast, s_fast = _copy(params), o.init(params)
    o.update_inplace(p_fast, grads, s_fast, lr=0.003)
    for k in params:
        np.testing.assert_allclose(p_fast[k], p_pure[k], rtol=1e-12, atol=1e-12)
        assert not np.allclose(p_fast[k], params[k])


# ---- moments, workspace, hyperparameters only ----------------------------------------


def test_update_moment_is_each_optimizers_running_average():
    rng = np.random.default_rng(5)
    m, g = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    np.testing.assert_array_equal(opt.update_moment(m, g, 0.9), 0.9 * m + (1 - 0.9) * g)
    np.testing.assert_array_equal(opt.update_moment(m, g, 0.9, 1), 0.9 * m + g)  # heavy ball
    np.testing.assert_array_equal(opt.update_moment(m, g, 1, 1, order=2), m + g * g)  # AdaGrad
    np.testing.assert_allclose(opt.update_moment(m, g, 0.999, order=2),
                               0.999 * m + 0.001 * g**2, rtol=1e-12)
    m0 = m.copy()
    opt.update_moment(m, g, 0.5)
    np.testing.assert_array_equal(m, m0)  # a new array; the input is untouched


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_a_reused_workspace_gives_the_same_steps(name):
    """update_inplace with the caller's workspace, reused over steps and shared by two
    runs, equals update_inplace without one, bit for bit."""
    rng = np.random.default_rng(6)
    o = FACTORIES[name]()
    runs = []
    for _ in range(2):
        p = opt.flat_zeros_like(_params(rng))
        for k, w in _params(rng).items():
            p[k][...] = w
        runs.append(p)
    ref = [_copy(p) for p in runs]
    states, ref_states = [o.init(p) for p in runs], [o.init(p) for p in ref]
    ws = opt.Workspace()
    for step in range(6):
        for i in range(2):
            g = opt.flat_zeros_like(_params(rng)) if step % 2 else _params(rng)
            if step % 2:
                for k, w in _params(rng).items():
                    g[k][...] = w
            o.update_inplace(runs[i], g, states[i], workspace=ws)
            o.update_inplace(ref[i], g, ref_states[i])
    for p, r in zip(runs, ref):
        _assert_tree_equal(p, r)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_optimizer_holds_its_hyperparameters_only(name):
    import copy
    import dataclasses
    import pickle

    o = FACTORIES[name]()
    params = _params(np.random.default_rng(7))
    o.update_inplace(params, _params(np.random.default_rng(8)), o.init(params),
                     workspace=opt.Workspace())
    assert set(vars(o)) == {f.name for f in dataclasses.fields(o)}  # no caches
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.lr = 1.0
    assert copy.deepcopy(o) == o and pickle.loads(pickle.dumps(o)) == o


def test_adagrad_and_rmsprop_keep_their_positional_order():
    assert opt.AdaGrad(0.5, 1e-6) == opt.AdaGrad(lr=0.5, eps=1e-6)
    assert opt.RMSprop(0.5, 0.8, 1e-6) == opt.RMSprop(lr=0.5, beta=0.8, eps=1e-6)

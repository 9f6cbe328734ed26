"""PyTorch as an oracle for course_lib (skipped cleanly when torch is absent).

Convention mapping used throughout (course ↔ torch):

* examples are columns in the course, rows in torch: course ``Z (n, m)`` ↔ torch ``Z.T``;
* course ``W (n[l], n[l-1])`` == ``nn.Linear.weight``; course ``b (n[l], 1)`` == ``bias`` raveled;
* course per-example upstream derivatives: a course ``dZ`` equals the torch gradient of the
  *sum* of the losses; torch's gradient of the *mean* loss equals course ``dZ / m``; course
  parameter gradients (dW, db, dgamma, dbeta) are already gradients of the mean (cost J);
* ``keep_prob`` == ``1 - p`` of ``nn.Dropout(p)``;
* batch-norm running statistics: course ``beta_bn`` == ``1 - momentum``, ``unbiased=True``.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import losses
from course_lib import optimizers as opt
from course_lib.batchnorm import (
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_forward_eval,
    update_running_stats,
)
from course_lib.dropout import dropout_forward
from course_lib.network import Network, backward, compute_cost, forward

torch = pytest.importorskip("torch")
F = torch.nn.functional

pytestmark = pytest.mark.torch

F64 = torch.float64


def _t(x, requires_grad=False):
    return torch.tensor(np.array(x, copy=True), dtype=F64 if x.dtype == np.float64 else None,
                        requires_grad=requires_grad)


def _np(t):
    return t.detach().numpy()


# ---- optimizers ---------------------------------------------------------------------

LR, BETA, EPS = 0.05, 0.9, 1e-8

# name: (course optimizer, torch optimizer factory).  The mapping is the one stated in the
# course_lib.optimizers docstring; torch's SGD initializes its momentum buffer to the first
# gradient (buf = g), which is the course's v = beta*0 + g (heavy ball) and, after the lr
# rescale lr*(1-beta), the EMA form's v = (1-beta)*g.
OPTIMIZER_CASES = {
    # w <- w - lr*g  ==  SGD(lr)
    "gd": (lambda: opt.GradientDescent(lr=LR), lambda p: torch.optim.SGD(p, lr=LR)),
    # v <- beta*v + (1-beta)*g; w <- w - lr*v  ==  SGD(lr*(1-beta), momentum=beta)
    "momentum_ema": (
        lambda: opt.Momentum(lr=LR, beta=BETA),
        lambda p: torch.optim.SGD(p, lr=LR * (1 - BETA), momentum=BETA),
    ),
    # v <- beta*v + g; w <- w - lr*v  ==  SGD(lr, momentum=beta)
    "momentum_heavy_ball": (
        lambda: opt.Momentum(lr=LR, beta=BETA, heavy_ball=True),
        lambda p: torch.optim.SGD(p, lr=LR, momentum=BETA),
    ),
    # EMA Nesterov  ==  SGD(lr*(1-beta), momentum=beta, nesterov=True)
    "nesterov_ema": (
        lambda: opt.Nesterov(lr=LR, beta=BETA),
        lambda p: torch.optim.SGD(p, lr=LR * (1 - BETA), momentum=BETA, nesterov=True),
    ),
    # heavy-ball Nesterov  ==  SGD(lr, momentum=beta, nesterov=True)
    "nesterov_heavy_ball": (
        lambda: opt.Nesterov(lr=LR, beta=BETA, heavy_ball=True),
        lambda p: torch.optim.SGD(p, lr=LR, momentum=BETA, nesterov=True),
    ),
    # h <- h + g^2; w <- w - lr*g/(sqrt(h)+eps)  ==  Adagrad(lr, eps) (accumulator 0, no decay)
    "adagrad": (
        lambda: opt.AdaGrad(lr=LR, eps=EPS),
        lambda p: torch.optim.Adagrad(p, lr=LR, eps=EPS, lr_decay=0,
                                      initial_accumulator_value=0),
    ),
    # s <- beta*s + (1-beta)*g^2; w <- w - lr*g/(sqrt(s)+eps)  ==  RMSprop(lr, alpha=beta, eps)
    "rmsprop": (
        lambda: opt.RMSprop(lr=LR, beta=0.95, eps=EPS),
        lambda p: torch.optim.RMSprop(p, lr=LR, alpha=0.95, eps=EPS),
    ),
    # bias-corrected, t from 1, eps after the sqrt  ==  Adam(lr, betas, eps)
    "adam": (
        lambda: opt.Adam(lr=LR, beta1=0.8, beta2=0.99, eps=EPS),
        lambda p: torch.optim.Adam(p, lr=LR, betas=(0.8, 0.99), eps=EPS),
    ),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZER_CASES))
def test_optimizer_matches_torch(name):
    make_course, make_torch = OPTIMIZER_CASES[name]
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((4, 3)), "b1": rng.standard_normal((4, 1))}
    tparams = {k: torch.nn.Parameter(_t(v)) for k, v in params.items()}
    topt = make_torch(list(tparams.values()))
    o = make_course()
    p_pure, s_pure = params, o.init(params)
    p_fast = {k: v.copy() for k, v in params.items()}
    s_fast = o.init(p_fast)
    for _ in range(20):
        grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        for k, tp in tparams.items():
            tp.grad = _t(grads[k])
        topt.step()
        p_pure, s_pure = o.update(p_pure, grads, s_pure)
        o.update_inplace(p_fast, grads, s_fast)
        for k in params:
            expected = _np(tparams[k])
            np.testing.assert_allclose(p_pure[k], expected, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(p_fast[k], expected, rtol=1e-10, atol=1e-12)
    for k in params:  # the run did move the parameters
        assert not np.allclose(p_pure[k], params[k])


# ---- batch norm ---------------------------------------------------------------------


def _bn_torch(n, eps, momentum, gamma, beta):
    bn = torch.nn.BatchNorm1d(n, eps=eps, momentum=momentum, dtype=F64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma.ravel().copy()))
        bn.bias.copy_(torch.from_numpy(beta.ravel().copy()))
    return bn


@pytest.mark.parametrize("eps", [1e-5, 1e-2])
def test_batchnorm_forward_backward_matches_torch(eps):
    """torch BatchNorm1d takes (m, n): transpose. With L = sum(out * G) in torch,
    x.grad == our dZ for dout = G (per example), and our dgamma, dbeta are torch's / m."""
    rng = np.random.default_rng(1)
    n, m = 4, 7
    Z = rng.standard_normal((n, m)) * 2 + 1
    gamma, beta = rng.standard_normal((n, 1)) + 1, rng.standard_normal((n, 1))
    dout = rng.standard_normal((n, m))
    out, cache = batchnorm_forward(Z, gamma, beta, eps)
    dZ, dgamma, dbeta = batchnorm_backward(dout, cache)

    bn = _bn_torch(n, eps, 0.1, gamma, beta)
    x = _t(Z.T, requires_grad=True)
    tout = bn(x)
    (tout * _t(dout.T)).sum().backward()
    np.testing.assert_allclose(out, _np(tout).T, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dZ, _np(x.grad).T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dgamma.ravel(), _np(bn.weight.grad) / m, rtol=1e-12)
    np.testing.assert_allclose(dbeta.ravel(), _np(bn.bias.grad) / m, rtol=1e-12)


@pytest.mark.parametrize("momentum", [0.1, 0.3])
def test_batchnorm_running_stats_and_eval_match_torch(momentum):
    """course update_running_stats(beta=1-momentum, unbiased=True, m=m) == torch running stats."""
    rng = np.random.default_rng(2)
    n, eps = 3, 1e-5
    gamma, beta = rng.standard_normal((n, 1)) + 1, rng.standard_normal((n, 1))
    bn = _bn_torch(n, eps, momentum, gamma, beta)
    rm, rv = np.zeros((n, 1)), np.ones((n, 1))
    for m in (4, 7, 2, 10, 5):  # varying batch sizes: m/(m-1) differs per batch
        Z = rng.standard_normal((n, m)) * 3 + 2
        _, cache = batchnorm_forward(Z, gamma, beta, eps)
        rm, rv = update_running_stats(rm, rv, cache[3], cache[4], 1 - momentum, m=m,
                                      unbiased=True)
        with torch.no_grad():
            bn(_t(Z.T))
        np.testing.assert_allclose(rm.ravel(), _np(bn.running_mean), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(rv.ravel(), _np(bn.running_var), rtol=1e-12)
    bn.eval()
    Zt = rng.standard_normal((n, 6))
    with torch.no_grad():
        expected = _np(bn(_t(Zt.T))).T
    np.testing.assert_allclose(batchnorm_forward_eval(Zt, gamma, beta, rm, rv, eps), expected,
                               rtol=1e-12, atol=1e-13)


def _torch_net(net, params):
    """torch Sequential with the course parameters: Linear.weight = W, bias = b.ravel()."""
    layers = []
    L = net.num_layers
    acts = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}
    momentum = 1 - net.bn_beta
    for l in range(1, L + 1):
        bn = net.batch_norm and l < L
        n_out, n_in = params[f"W{l}"].shape
        lin = torch.nn.Linear(n_in, n_out, bias=not bn, dtype=F64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(params[f"W{l}"].copy()))
            if not bn:
                lin.bias.copy_(torch.from_numpy(params[f"b{l}"].ravel().copy()))
        layers.append(lin)
        if l < L:
            if bn:
                layers.append(_bn_torch(n_out, net.bn_eps, momentum, params[f"gamma{l}"],
                                        params[f"beta{l}"]))
            layers.append(acts[net.hidden_activation[l - 1]]())
    return torch.nn.Sequential(*layers)


def test_network_batch_norm_state_matches_torch():
    """Network(batch_norm=True, bn_beta=1-momentum, bn_unbiased=True) running state, training
    logits, eval logits and gradients (BCE mean loss) all match a torch model."""
    momentum = 0.2
    net = Network((4, 5, 3, 1), batch_norm=True, bn_beta=1 - momentum, bn_unbiased=True)
    rng = np.random.default_rng(3)
    params = net.init_params(rng)
    for k in params:
        if k.startswith(("gamma", "beta", "b")):
            params[k] = params[k] + 0.3 * rng.standard_normal(params[k].shape)
    model = _torch_net(net, params)
    bns = [mod for mod in model if isinstance(mod, torch.nn.BatchNorm1d)]
    state = net.init_state()
    for m in (6, 9, 4):
        X = rng.standard_normal((4, m)) + 0.5
        ZL, caches, state = forward(net, params, X, state=state)
        model.train()
        tZL = model(_t(X.T))
        np.testing.assert_allclose(ZL, _np(tZL).T, rtol=1e-10, atol=1e-12)
    for l, bn in enumerate(bns, start=1):
        np.testing.assert_allclose(state[f"running_mean{l}"].ravel(), _np(bn.running_mean),
                                   rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(state[f"running_var{l}"].ravel(), _np(bn.running_var),
                                   rtol=1e-12)
    # gradients of the last batch: torch mean BCE loss vs course backward
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    loss = F.binary_cross_entropy_with_logits(tZL, _t(Y.T))
    loss.backward()
    assert compute_cost(net, params, ZL, Y) == pytest.approx(loss.item(), rel=1e-12)
    grads = backward(net, params, ZL, Y, caches)
    lins = [mod for mod in model if isinstance(mod, torch.nn.Linear)]
    for l, lin in enumerate(lins, start=1):
        np.testing.assert_allclose(grads[f"W{l}"], _np(lin.weight.grad), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grads["b3"].ravel(), _np(lins[2].bias.grad), rtol=1e-9)
    for l, bn in enumerate(bns, start=1):
        np.testing.assert_allclose(grads[f"gamma{l}"].ravel(), _np(bn.weight.grad), rtol=1e-9,
                                   atol=1e-12)
        np.testing.assert_allclose(grads[f"beta{l}"].ravel(), _np(bn.bias.grad), rtol=1e-9,
                                   atol=1e-12)
    # evaluation mode uses the running statistics in both
    model.eval()
    Xt = rng.standard_normal((4, 3))
    with torch.no_grad():
        expected = _np(model(_t(Xt.T))).T
    ZLe, _, _ = forward(net, params, Xt, training=False, state=state)
    np.testing.assert_allclose(ZLe, expected, rtol=1e-10, atol=1e-12)


# ---- losses ------------------------------------------------------------------------


@pytest.mark.parametrize("seed, C, m", [(0, 2, 1), (1, 3, 6), (2, 5, 4)])
def test_softmax_cross_entropy_matches_torch(seed, C, m):
    """logits (C, m) -> torch (m, C); torch mean-loss grad == our per-example dZ / m."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((C, m)) * 3
    labels = rng.integers(0, C, m)
    Y = np.eye(C)[:, labels]
    z = _t(Z.T, requires_grad=True)
    loss = F.cross_entropy(z, torch.from_numpy(labels), reduction="mean")
    loss.backward()
    assert losses.softmax_cross_entropy(Z, Y) == pytest.approx(loss.item(), rel=1e-12)
    dZ = losses.softmax_cross_entropy_grad(Z, Y)
    np.testing.assert_allclose(dZ / m, _np(z.grad).T, rtol=1e-12, atol=1e-15)


def test_binary_cross_entropy_matches_torch():
    rng = np.random.default_rng(4)
    m = 9
    Z = rng.standard_normal((1, m)) * 3
    Y = (rng.random((1, m)) < 0.5).astype(np.float64)
    z = _t(Z, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(z, _t(Y), reduction="mean")
    loss.backward()
    assert losses.binary_cross_entropy_from_logits(Z, Y) == pytest.approx(loss.item(), rel=1e-12)
    dZ = losses.binary_cross_entropy_grad_from_logits(Z, Y)
    np.testing.assert_allclose(dZ / m, _np(z.grad), rtol=1e-12, atol=1e-15)


def test_binary_cross_entropy_saturated_float32_matches_torch():
    Z = np.array([[100.0, -100.0, 100.0, -100.0, 95.0, -3.0, 0.0]], dtype=np.float32)
    Y = np.array([[1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0]], dtype=np.float32)
    m = Z.shape[1]
    z = torch.tensor(Z, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(z, torch.tensor(Y))
    loss.backward()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        J = losses.binary_cross_entropy_from_logits(Z, Y)
        dZ = losses.binary_cross_entropy_grad_from_logits(Z, Y)
    assert np.isfinite(J) and np.isfinite(loss.item())
    assert np.all(np.isfinite(dZ))
    assert dZ.dtype == np.float32
    assert J == pytest.approx(loss.item(), rel=1e-6)
    np.testing.assert_allclose(dZ / m, _np(z.grad), rtol=1e-6, atol=1e-7)


# ---- L2 ----------------------------------------------------------------------------


def test_l2_penalty_grad_matches_torch_autograd():
    """lambda/(2m) sum(W**2) in torch autograd == l2_penalty, its grad == (lambda/m) W."""
    rng = np.random.default_rng(5)
    W = rng.standard_normal((4, 3))
    lambd, m = 0.7, 8
    tW = _t(W, requires_grad=True)
    pen = lambd / (2 * m) * (tW**2).sum()
    pen.backward()
    assert losses.l2_penalty([W], lambd, m) == pytest.approx(pen.item(), rel=1e-14)
    np.testing.assert_allclose(losses.l2_penalty_grad(W, lambd, m), _np(tW.grad), rtol=1e-14)


def test_l2_as_weight_decay_matches_torch_sgd():
    """torch SGD(lr, weight_decay=lambda/m) == course GD on dW + (lambda/m) W."""
    rng = np.random.default_rng(6)
    W = rng.standard_normal((3, 5))
    lambd, m, lr = 0.9, 6, 0.1
    tW = torch.nn.Parameter(_t(W))
    sgd = torch.optim.SGD([tW], lr=lr, weight_decay=lambd / m)
    gd = opt.GradientDescent(lr=lr)
    params = {"W1": W}
    state = gd.init(params)
    for _ in range(10):
        dW = rng.standard_normal(W.shape)
        tW.grad = _t(dW)
        sgd.step()
        params, state = gd.update(
            params, {"W1": dW + losses.l2_penalty_grad(params["W1"], lambd, m)}, state
        )
        np.testing.assert_allclose(params["W1"], _np(tW), rtol=1e-12, atol=1e-14)


# ---- dropout -----------------------------------------------------------------------


@pytest.mark.parametrize("keep_prob", [0.5, 0.8])
def test_dropout_scaling_matches_torch(keep_prob):
    """keep_prob == 1 - p. Masks differ, so compare the scale: every kept entry is A/keep_prob."""
    rng = np.random.default_rng(7)
    A = rng.random((30, 40)) + 0.5  # strictly positive: zeros come from dropping only
    D = rng.random(A.shape) < keep_prob
    out, _ = dropout_forward(A, keep_prob, mask=D)
    np.testing.assert_allclose(out, A * D / keep_prob, rtol=1e-15)

    torch.manual_seed(0)
    drop = torch.nn.Dropout(p=1 - keep_prob)
    drop.train()
    tout = _np(drop(_t(A)))
    kept_t = tout != 0
    np.testing.assert_allclose(tout[kept_t], A[kept_t] / keep_prob, rtol=1e-12)
    ours, (mask, _) = dropout_forward(A, keep_prob, np.random.default_rng(8))
    kept_o = ours != 0
    np.testing.assert_array_equal(kept_o, mask)
    both = kept_t & kept_o
    assert both.any()
    np.testing.assert_allclose(ours[both], tout[both], rtol=1e-12)
    for kept in (kept_t, kept_o):
        assert abs(kept.mean() - keep_prob) < 0.05
    drop.eval()
    np.testing.assert_array_equal(_np(drop(_t(A))), A)


# ---- whole network ------------------------------------------------------------------


@pytest.mark.parametrize("random_biases", [False, True])
@pytest.mark.parametrize("lambd", [0.0, 0.5])
def test_softmax_network_matches_torch(random_biases, lambd):
    """3-layer ReLU/softmax network, He init; torch Linear.weight = W, bias = b.ravel().
    Our compute_cost == torch mean cross-entropy (+ lambda/(2m) sum ||W||^2), and our
    grads (already of the mean cost) == torch .grad."""
    net = Network((5, 6, 4, 3), output="softmax",
                  regularization="l2" if lambd else None, lambd=lambd)
    rng = np.random.default_rng(9)
    params = net.init_params(rng, "he")
    if random_biases:
        for l in (1, 2, 3):
            params[f"b{l}"] = 0.3 * rng.standard_normal(params[f"b{l}"].shape)
    m = 8
    X = rng.standard_normal((5, m))
    labels = rng.integers(0, 3, m)
    Y = np.eye(3)[:, labels]

    model = _torch_net(net, params)
    logits = model(_t(X.T))
    lins = [mod for mod in model if isinstance(mod, torch.nn.Linear)]
    loss = F.cross_entropy(logits, torch.from_numpy(labels))
    loss = loss + lambd / (2 * m) * sum((lin.weight**2).sum() for lin in lins)
    loss.backward()

    ZL, caches, _ = forward(net, params, X)
    np.testing.assert_allclose(ZL, _np(logits).T, rtol=1e-12, atol=1e-13)
    assert compute_cost(net, params, ZL, Y) == pytest.approx(loss.item(), rel=1e-12)
    grads = backward(net, params, ZL, Y, caches)
    for l, lin in enumerate(lins, start=1):
        np.testing.assert_allclose(grads[f"W{l}"], _np(lin.weight.grad), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(grads[f"b{l}"].ravel(), _np(lin.bias.grad), rtol=1e-10,
                                   atol=1e-13)

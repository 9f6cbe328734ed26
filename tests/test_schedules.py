import math
import pickle

import numpy as np
import pytest

from course_lib.schedules import (
    SCHEDULES,
    Schedule,
    constant,
    cosine_annealing,
    exponential_decay,
    inverse_time_decay,
    linear_warmup,
    make_schedule,
    sqrt_decay,
    staircase_decay,
    step_decay,
    warmup_cosine,
)

EPOCHS = [0, 1, 2, 5, 9, 10, 11, 99]


@pytest.mark.parametrize("epoch", EPOCHS)
def test_formulas(epoch):
    lr0 = 0.2
    assert constant(lr0, epoch) == lr0
    assert inverse_time_decay(lr0, epoch, 1.5) == pytest.approx(lr0 / (1 + 1.5 * epoch))
    assert staircase_decay(lr0, epoch, 1.0, 3) == pytest.approx(
        lr0 / (1 + 1.0 * math.floor(epoch / 3))
    )
    assert exponential_decay(lr0, epoch, 0.95) == pytest.approx(0.95**epoch * lr0)
    assert sqrt_decay(lr0, epoch, 2.0) == pytest.approx(2.0 / math.sqrt(epoch + 1) * lr0)
    assert step_decay(lr0, epoch, 0.5, 10) == pytest.approx(lr0 * 0.5 ** math.floor(epoch / 10))


def test_known_values():
    assert inverse_time_decay(0.2, 0, 1.0) == 0.2
    assert inverse_time_decay(0.2, 3, 1.0) == pytest.approx(0.05)
    assert exponential_decay(1.0, 2, 0.5) == pytest.approx(0.25)
    assert sqrt_decay(0.1, 0, 1.0) == pytest.approx(0.1)
    assert sqrt_decay(0.1, 3, 1.0) == pytest.approx(0.05)
    assert step_decay(0.1, 9) == pytest.approx(0.1)
    assert step_decay(0.1, 10) == pytest.approx(0.05)
    assert step_decay(0.1, 25) == pytest.approx(0.025)


def test_staircase_constant_within_interval_and_drops_at_boundaries():
    lrs = [staircase_decay(0.1, e, 1.0, 5) for e in range(20)]
    for start in range(0, 20, 5):
        assert len(set(lrs[start : start + 5])) == 1
    assert lrs[0] > lrs[5] > lrs[10] > lrs[15]
    assert lrs[5] == pytest.approx(0.05)


def test_decays_are_non_increasing():
    for f, kw in [
        (inverse_time_decay, {"decay_rate": 0.3}),
        (staircase_decay, {"decay_rate": 0.3, "interval": 4}),
        (exponential_decay, {"r": 0.9}),
        (sqrt_decay, {"k": 1.0}),
        (step_decay, {}),
    ]:
        lrs = np.array([f(0.1, e, **kw) for e in range(50)])
        assert (np.diff(lrs) <= 0).all(), f.__name__
        assert lrs[-1] < lrs[0], f.__name__


def test_zero_decay_rate_and_r_one_are_constant():
    assert inverse_time_decay(0.1, 50, 0.0) == 0.1
    assert staircase_decay(0.1, 50, 0.0, 2) == 0.1
    assert exponential_decay(0.1, 50, 1.0) == 0.1


@pytest.mark.parametrize(
    ("name", "kwargs", "func", "args"),
    [
        ("constant", {}, constant, ()),
        ("inverse_time", {"decay_rate": 1.0}, inverse_time_decay, (1.0,)),
        ("staircase", {"decay_rate": 0.5, "interval": 3}, staircase_decay, (0.5, 3)),
        ("exponential", {"r": 0.9}, exponential_decay, (0.9,)),
        ("sqrt", {"k": 1.5}, sqrt_decay, (1.5,)),
        ("step", {"drop": 0.25, "epochs_drop": 4}, step_decay, (0.25, 4)),
        ("step", {}, step_decay, ()),
        ("warmup", {"warmup_steps": 5}, linear_warmup, (5,)),
        ("cosine", {"T": 20, "lr_min": 0.01}, cosine_annealing, (20, 0.01)),
        ("cosine", {"T": 20}, cosine_annealing, (20,)),
        ("warmup_cosine", {"warmup_steps": 3, "total_steps": 40}, warmup_cosine, (3, 40)),
    ],
)
def test_make_schedule_matches_functions_and_pickles(name, kwargs, func, args):
    sched = make_schedule(name, 0.3, **kwargs)
    assert isinstance(sched, Schedule)
    for e in EPOCHS:
        assert sched(e) == func(0.3, e, *args)
    clone = pickle.loads(pickle.dumps(sched))
    assert clone == sched
    assert [clone(e) for e in EPOCHS] == [sched(e) for e in EPOCHS]
    assert isinstance(hash(sched), int)


def test_schedule_names():
    assert set(SCHEDULES) == {"constant", "inverse_time", "staircase", "exponential", "sqrt",
                              "step", "warmup", "cosine", "warmup_cosine"}


def test_schedule_works_in_joblib_worker():
    from joblib import Parallel, delayed

    sched = make_schedule("inverse_time", 0.1, decay_rate=1.0)
    out = Parallel(n_jobs=2, backend="loky")(delayed(sched)(e) for e in range(4))
    assert out == pytest.approx([0.1, 0.05, 0.1 / 3, 0.025])


def test_schedule_is_frozen_and_copies_kwargs():
    kwargs = {"decay_rate": 1.0}
    sched = make_schedule("inverse_time", 0.1, **kwargs)
    with pytest.raises(AttributeError):
        sched.lr0 = 1.0
    d = {"r": 0.5}
    s2 = Schedule("exponential", 1.0, d)
    d["r"] = 0.9
    assert s2(1) == 0.5


def test_make_schedule_bad_name_lists_valid_names():
    with pytest.raises(ValueError) as err:
        make_schedule("cosine_restarts", 0.1)
    msg = str(err.value)
    assert "cosine_restarts" in msg
    for n in SCHEDULES:
        assert n in msg


@pytest.mark.parametrize(
    ("name", "kwargs", "word"),
    [
        ("inverse_time", {}, "decay_rate"),
        ("staircase", {"decay_rate": 1.0}, "interval"),
        ("step", {"dorp": 0.5}, "dorp"),
        ("exponential", {"r": 1.5}, "r must"),
        ("sqrt", {"k": 0.0}, "k must"),
        ("step", {"epochs_drop": 0}, "epochs_drop"),
        ("constant", {"decay_rate": 1.0}, "decay_rate"),
        ("warmup", {}, "warmup_steps"),
        ("cosine", {"T": 0}, "T must"),
        ("cosine", {"T": 10, "lr_min": 0.5}, "lr_min must be <= lr0"),
        ("warmup_cosine", {"warmup_steps": 10, "total_steps": 10}, "total_steps must be >"),
    ],
)
def test_make_schedule_bad_kwargs_fail_at_construction(name, kwargs, word):
    with pytest.raises(ValueError, match=word):
        make_schedule(name, 0.1, **kwargs)


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: constant(0.0, 1), "lr0"),
        (lambda: constant(-0.1, 1), "lr0"),
        (lambda: constant(float("inf"), 1), "lr0"),
        (lambda: constant(0.1, -1), "epoch_num"),
        (lambda: constant(0.1, 1.0), "epoch_num"),
        (lambda: inverse_time_decay(0.1, 1, -0.5), "decay_rate"),
        (lambda: staircase_decay(0.1, 1, 0.5, 0), "interval"),
        (lambda: staircase_decay(0.1, 1, 0.5, 2.0), "interval"),
        (lambda: exponential_decay(0.1, 1, 0.0), "r"),
        (lambda: exponential_decay(0.1, 1, 1.01), "r"),
        (lambda: sqrt_decay(0.1, 1, -1.0), "k"),
        (lambda: step_decay(0.1, 1, drop=0.0), "drop"),
        (lambda: step_decay(0.1, 1, epochs_drop=0), "epochs_drop"),
        (lambda: make_schedule("constant", 0.1)(-1), "epoch_num"),
        (lambda: make_schedule("constant", -0.1), "lr0"),
    ],
)
def test_bad_args_raise(call, word):
    with pytest.raises(ValueError, match=word):
        call()


def test_numpy_integer_epoch_accepted():
    assert inverse_time_decay(0.1, np.int64(3), 1.0) == pytest.approx(0.025)


def test_kwargs_are_checked_against_the_functions_signature():
    with pytest.raises(ValueError) as err:
        make_schedule("staircase", 0.1, decay_rate=1.0, interval=2, bogus=1)
    assert "among ['decay_rate', 'interval'] (required: ['decay_rate', 'interval'])" in str(
        err.value)
    with pytest.raises(ValueError, match=r"among \['drop', 'epochs_drop'\] \(required: \[\]\)"):
        make_schedule("step", 0.1, dorp=0.5)
    assert make_schedule("step", 0.1)(10) == pytest.approx(0.05)  # defaults drop=0.5, 10


# ---- warm-up and cosine annealing ----------------------------------------------------------


def test_linear_warmup_ramps_in_equal_steps_from_lr0_over_w():
    assert [linear_warmup(0.1, t, 4) for t in range(6)] == pytest.approx(
        [0.025, 0.05, 0.075, 0.1, 0.1, 0.1])
    lrs = np.array([linear_warmup(0.3, t, 7) for t in range(7)])
    assert np.diff(lrs) == pytest.approx(np.full(6, 0.3 / 7))
    assert lrs[0] == pytest.approx(0.3 / 7)  # the first step already moves (not 0)
    assert linear_warmup(0.3, 6, 7) == 0.3 and linear_warmup(0.3, 1000, 7) == 0.3


@pytest.mark.parametrize("W", [0, 1])
def test_no_warmup_is_lr0_from_the_first_step(W):
    assert [linear_warmup(0.2, t, W) for t in range(3)] == [0.2, 0.2, 0.2]


def test_cosine_annealing_shape():
    lr0, lr_min, T = 0.4, 0.04, 20
    lrs = np.array([cosine_annealing(lr0, t, T, lr_min) for t in range(T + 1)])
    assert lrs[0] == lr0 and lrs[-1] == pytest.approx(lr_min)
    assert lrs[T // 2] == pytest.approx((lr0 + lr_min) / 2)  # halfway at t = T/2
    assert (np.diff(lrs) < 0).all()
    drops = -np.diff(lrs)
    assert drops[0] < drops[T // 2 - 1] and drops[-1] < drops[T // 2]  # flat, steep, flat
    assert lrs == pytest.approx(lr_min + (lr0 - lr_min) * (1 + np.cos(np.pi * np.arange(T + 1)
                                                                      / T)) / 2)


def test_cosine_annealing_stays_at_the_floor_past_the_horizon():
    assert [cosine_annealing(0.4, t, 10, 0.05) for t in (10, 11, 15, 20, 1000)] == [0.05] * 5
    assert cosine_annealing(0.4, 25, 10) == 0.0  # lr_min defaults to 0


def test_warmup_cosine_is_a_warmup_then_a_shifted_cosine():
    lr0, W, total, lr_min = 0.5, 6, 30, 0.02
    for t in range(W):
        assert warmup_cosine(lr0, t, W, total, lr_min) == linear_warmup(lr0, t, W)
    for t in range(W, total + 5):
        assert warmup_cosine(lr0, t, W, total, lr_min) == cosine_annealing(
            lr0, t - W, total - W, lr_min)
    assert warmup_cosine(lr0, W - 1, W, total) == warmup_cosine(lr0, W, W, total) == lr0
    assert warmup_cosine(lr0, total, W, total, lr_min) == pytest.approx(lr_min)
    assert warmup_cosine(lr0, 3, 0, total) == cosine_annealing(lr0, 3, total)  # no warm-up


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: linear_warmup(0.1, -1, 5), "t must be >= 0"),
        (lambda: linear_warmup(0.1, 2.0, 5), "t must be an integer"),
        (lambda: linear_warmup(0.1, 2, -1), "warmup_steps must be >= 0"),
        (lambda: linear_warmup(0.1, 2, 5.0), "warmup_steps must be an integer"),
        (lambda: linear_warmup(0.0, 2, 5), "lr0 must be finite and > 0"),
        (lambda: cosine_annealing(0.1, 2, 0), "T must be >= 1"),
        (lambda: cosine_annealing(0.1, 2, 10.5), "T must be an integer"),
        (lambda: cosine_annealing(0.1, 2, 10, -0.01), "lr_min must be finite and >= 0"),
        (lambda: cosine_annealing(0.1, 2, 10, 0.2), "lr_min must be <= lr0"),
        (lambda: warmup_cosine(0.1, 2, 5, 5), "total_steps must be > warmup_steps"),
        (lambda: warmup_cosine(0.1, 2, 5, 3), "got total_steps=3, warmup_steps=5"),
        (lambda: warmup_cosine(0.1, 2, 5, 20, 0.5), "lr_min must be <= lr0"),  # in the ramp
    ],
)
def test_warmup_and_cosine_bad_args_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message) as err:
        call()
    assert "\n" not in str(err.value)


# ---- PyTorch as the oracle -----------------------------------------------------------------


def _torch_rates(make_scheduler, lr0: float, steps: int) -> list[float]:
    """The learning rate PyTorch uses at steps 0 .. steps-1: ``scheduler.step()`` after
    every ``optimizer.step()``, as in a training loop stepped per mini-batch."""
    torch = pytest.importorskip("torch")
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=lr0)
    scheduler = make_scheduler(opt)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return rates


@pytest.mark.parametrize(("lr0", "W"), [(0.3, 2), (0.1, 5), (1e-3, 30)])
def test_linear_warmup_matches_torch_linear_lr(lr0, W):
    torch = pytest.importorskip("torch")
    steps = 3 * W + 2
    want = _torch_rates(lambda opt: torch.optim.lr_scheduler.LinearLR(
        opt, start_factor=1 / W, end_factor=1.0, total_iters=W - 1), lr0, steps)
    assert [linear_warmup(lr0, t, W) for t in range(steps)] == pytest.approx(
        want, rel=1e-12, abs=0)


@pytest.mark.parametrize(("lr0", "T", "lr_min"), [(0.3, 10, 0.0), (0.1, 37, 0.005),
                                                  (1e-3, 200, 1e-5)])
def test_cosine_annealing_matches_torch_up_to_the_horizon(lr0, T, lr_min):
    torch = pytest.importorskip("torch")
    sched = torch.optim.lr_scheduler
    want = _torch_rates(lambda opt: sched.CosineAnnealingLR(opt, T_max=T, eta_min=lr_min),
                        lr0, T + 1)
    assert [cosine_annealing(lr0, t, T, lr_min) for t in range(T + 1)] == pytest.approx(
        want, rel=1e-9, abs=1e-15)
    # past T_max PyTorch's cosine goes on (period 2T) and climbs back; ours stays at lr_min
    after = _torch_rates(lambda opt: sched.CosineAnnealingLR(opt, T_max=T, eta_min=lr_min),
                         lr0, 2 * T)[T + 1:]
    assert all(r > lr_min for r in after)
    assert all(cosine_annealing(lr0, t, T, lr_min) == lr_min for t in range(T + 1, 2 * T))


@pytest.mark.parametrize(("lr0", "W", "total", "lr_min"),
                         [(0.3, 5, 23, 0.01), (1e-3, 30, 300, 0.0)])
def test_warmup_cosine_matches_torch_sequential_lr(lr0, W, total, lr_min):
    torch = pytest.importorskip("torch")
    sched = torch.optim.lr_scheduler
    want = _torch_rates(lambda opt: sched.SequentialLR(opt, [
        sched.LinearLR(opt, start_factor=1 / W, total_iters=W - 1),
        sched.CosineAnnealingLR(opt, T_max=total - W, eta_min=lr_min)], milestones=[W]),
        lr0, total + 1)
    assert [warmup_cosine(lr0, t, W, total, lr_min) for t in range(total + 1)] == pytest.approx(
        want, rel=1e-9, abs=1e-15)

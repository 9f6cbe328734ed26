import math
import pickle

import numpy as np
import pytest

from course_lib.schedules import (
    SCHEDULES,
    Schedule,
    constant,
    exponential_decay,
    inverse_time_decay,
    make_schedule,
    sqrt_decay,
    staircase_decay,
    step_decay,
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
                              "step"}


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
        make_schedule("cosine", 0.1)
    msg = str(err.value)
    assert "cosine" in msg
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

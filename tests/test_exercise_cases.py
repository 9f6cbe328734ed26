"""Generated cases are well posed: the expected answer never hangs on rounding.

The hidden checks run on a fresh random seed at every grading, so a case whose
correct answer depends on rounding noise fails a correct solution once in a
while. These tests sweep many seeds of the exercises where that can happen.
"""

from __future__ import annotations

import numpy as np

from course_checks import get
from course_checks.cases import materialize
from course_checks.exercises import nb04_gradient_checking as nb04
from course_checks.exercises import nb12_capstone as nb12


def _per_key(case):
    return nb04._fb_per_key(*materialize(case.args))


def test_bug_hunt_cases_have_one_clear_culprit():
    """Every other key agrees to 1e-6, the bugged one differs by more than 1e-2."""
    ex = get("find_bugged_parameter")
    for seed in range(60):
        for case in ex.cases(seed, ex.hidden_cases):
            diffs = sorted(_per_key(case).values())
            assert diffs[-1] > 1e-2 and diffs[-2] < 1e-6, (seed, diffs)


def test_bug_hunt_never_draws_a_dead_network():
    """Seed 1223252470 once drew a network whose ReLU units were all inactive: every
    gradient but db3 was 0, and 0/0 made a correct solution return another key."""
    ex = get("find_bugged_parameter")
    for case in ex.cases(1223252470, ex.hidden_cases):
        params, grads, X, Y, layer_dims = materialize(case.args)
        correct = nb04.network_grads(params, X, Y, layer_dims)
        assert all(np.linalg.norm(g) > 1e-3 for g in correct.values())

        def naive(params, grads, X, Y, layer_dims):  # what students write: no 0/0 guard
            approx = nb04.numerical_gradient_dict(
                nb04._cost_fn(layer_dims, X, Y), params, 1e-7)
            with np.errstate(all="ignore"):
                d = {k: np.linalg.norm(grads[k] - approx[k])
                     / (np.linalg.norm(grads[k]) + np.linalg.norm(approx[k])) for k in params}
            return max(d, key=d.get)

        assert naive(params, grads, X, Y, layer_dims) == ex.reference(*materialize(case.args))


def test_gradient_check_cases_are_well_conditioned():
    ex = get("gradient_check_nd")
    for seed in range(30):
        for case in ex.cases(seed, ex.hidden_cases):
            params, _, X, Y, layer_dims = materialize(case.args)[:5]
            assert nb04._well_conditioned(params, X, layer_dims,
                                          nb04.network_grads(params, X, Y, layer_dims))


def test_capstone_pipeline_reference_clears_the_bar_with_room():
    """The reference recipe reaches the dev-accuracy bar on every split, with a margin."""
    ex = get("capstone_pipeline")
    accs = []
    for seed in range(6):
        for case in ex.cases(seed, ex.hidden_cases):
            X, Y, hp, rng = materialize(case.args)
            _, _, X_dev, Y_dev, _, _ = nb12.prepare_data(X, Y, rng)
            net = nb12.Network(**nb12.network_spec(hp))
            pred, why = nb12._dev_predictions(ex.reference(*materialize(case.args)), net, X_dev)
            assert pred is not None, why
            accs.append(float(np.mean(pred == Y_dev.ravel())))
    assert min(accs) >= nb12.PIPELINE_BAR + 0.015, accs


def test_capstone_pipeline_rejects_malformed_outputs():
    ex = get("capstone_pipeline")
    case = ex.cases(0, 1)[0]
    params, state = ex.reference(*materialize(case.args))
    assert ex.outputs_match((params, state), params, case).kind == "type"
    short = {k: v for k, v in params.items() if k != "W2"}
    assert "missing W2" in ex.outputs_match((params, state), (short, state), case).message
    bad = {**params, "W1": params["W1"].T}
    assert "must have shape" in ex.outputs_match((params, state), (bad, state), case).message
    nan = {**params, "W1": np.full_like(params["W1"], np.nan)}
    assert "NaN" in ex.outputs_match((params, state), (nan, state), case).message
    assert ex.outputs_match((params, state), (params, state), case) is None


def test_early_stopping_cases_do_not_hang_on_the_comparison_form():
    """`best - cost > min_delta` is as correct as `cost < best - min_delta`; no case may
    put a cost exactly on the boundary, where rounding makes the two disagree."""
    from course_checks.runner import run_check

    # Written out as a student writes it, hence the same loop as the wrong answers of
    # tests/mutations/nb03.toml (deliberate): only the comparison is the point here.
    def rearranged(dev_costs, patience, min_delta=0.0):
        best, best_epoch, bad = float("inf"), None, 0
        for epoch, cost in enumerate(dev_costs):
            if best - cost > min_delta:
                best, best_epoch, bad = cost, epoch, 0
            else:
                bad += 1
            if bad >= patience:
                return epoch, best_epoch
        return len(dev_costs) - 1, best_epoch

    failing = [s for s in range(300) if not run_check("early_stopping", rearranged,
                                                       hidden=True, seed=s).passed]
    assert failing == []


def test_train_with_decay_reference_is_course_lib_train():
    """Its docstring's claim: the hand-written loop gives train()'s numbers to 1e-12."""
    from course_lib.network import Network
    from course_lib.optimizers import GradientDescent
    from course_lib.training import train

    ex = get("train_with_decay")
    for case in ex.cases(7, ex.hidden_cases):
        X, Y, schedule, epochs, batch_size, rng = materialize(case.args)
        W, b, lrs = ex.reference(*materialize(case.args))
        net = Network((X.shape[0], 1))
        res = train(net, net.init_params(None, "zeros"), X, Y,
                    optimizer=GradientDescent(lr=schedule(0)), epochs=epochs,
                    batch_size=batch_size, rng=rng, schedule=schedule, progress=False)
        np.testing.assert_allclose(res.params["W1"], W, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(res.params["b1"], b, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(res.history.lr, lrs, rtol=1e-12)

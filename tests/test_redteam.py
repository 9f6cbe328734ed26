"""Red-team attacks on the autograder, each written as a determined student would after
reading docs/grading.md, autograder/grading.py, autograder/sandbox.py and the worker.

Every attack is one parametrized case of :func:`test_attack` with its expected points
and status for the exercise it sits in and the flag kinds the instructor must see
(a flag of that kind naming the exercise, unless said otherwise). Attacks on
different exercises of one notebook share one grading (a *group*), so the suite
grades ~20 notebooks instead of ~100; :func:`test_group` checks every grading as a
whole: it neither raised nor hung, the honest answers of the group kept their
points, no value of the grader's environment or host path reached the student, and
the host's temporary directory did not grow.

Expected outcomes come from the design rules (docs/grading.md, the module doc of
autograder/grading.py, the worker's doc), not from what the code does: an attack
the grader gets wrong is kept and marked ``xfail(strict=True)`` with ``BUG: ...``
until the grader is fixed (``Attack.bug``). The 14 bugs this suite found first (forged
replies, finalizers in the harness thread, the kill race, scikit-learn in the
sandbox, ...) are fixed; no attack is marked today.

Classes: 1 the library can still answer, 2 disarming the harness / walking frames,
3 code that runs after the call returns (outputs), 4 environment leaks, 5 disk,
6 abuse must leave a trace, 7 attacks of our own invention.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `tests` is not a package: import it from the rootdir
    sys.path.insert(0, str(ROOT))

from autograder import course as C  # noqa: E402
from autograder.grading import grade_notebook  # noqa: E402
from autograder.libstub import build_sandbox_lib  # noqa: E402
from autograder.sandbox import Limits, available  # noqa: E402
from course_checks import exercises_for  # noqa: E402
from tests.test_autograder import FAST, SECRET, A, answered, write  # noqa: E402

OK, WHY = available()
pytestmark = pytest.mark.skipif(not OK, reason=f"sandbox unavailable: {WHY}")

O7, O8, B10 = "07_optimizers", "08_learning_rate_decay", "10_batch_normalization"
TOKEN = "tok-" + secrets.token_hex(12)  # set in the grader's environment while grading
MARKER = Path(tempfile.gettempdir()) / f"redteam-reduce-{secrets.token_hex(6)}"
MAX_SECONDS = 60.0


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# ---- honest answers that do not call another exercise's function -------------------------

UPA_SELF = _src("""
    import numpy as np
    def update_parameters_with_adam(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        t = state["t"] + 1
        new_params, new_v, new_s = {}, {}, {}
        for k in params:
            v = beta1 * state["v"][k] + (1 - beta1) * grads[k]
            s = beta2 * state["s"][k] + (1 - beta2) * grads[k] * grads[k]
            v_hat, s_hat = v / (1 - beta1 ** t), s / (1 - beta2 ** t)
            new_params[k] = params[k] - lr * v_hat / (np.sqrt(s_hat) + eps)
            new_v[k], new_s[k] = v, s
        return new_params, {"v": new_v, "s": new_s, "t": t}
""")

# The loop of the correct bn_network_forward in tests/mutations/nb10.toml on purpose: that
# one calls the student's batch-norm functions, this one computes them inline (it depends
# on no other exercise).
BNF_SELF = _src("""
    import numpy as np
    def bn_network_forward(X, params, state, training):
        new_state = dict(state)
        A = X
        for l in (1, 2):
            Z = params[f"W{l}"] @ A
            gamma, beta = params[f"gamma{l}"], params[f"beta{l}"]
            rm, rv = f"running_mean{l}", f"running_var{l}"
            if training:
                mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
                Zt = gamma * (Z - mu) / np.sqrt(var + 1e-5) + beta
                new_state[rm] = 0.9 * state[rm] + 0.1 * mu
                new_state[rv] = 0.9 * state[rv] + 0.1 * var
            else:
                Zt = gamma * (Z - state[rm]) / np.sqrt(state[rv] + 1e-5) + beta
            A = np.maximum(Zt, 0)
        return params["W3"] @ A + params["b3"], new_state
""")

SPLIT_OK = _src("""
    def split_data(X, Y, fractions, rng):
        m = X.shape[1]
        m_dev, m_test = round(m * fractions[1]), round(m * fractions[2])
        m_train = m - m_dev - m_test
        perm = rng.permutation(m)
        X, Y = X[:, perm], Y[:, perm]
        i = m_train + m_dev
        return (X[:, :m_train], Y[:, :m_train], X[:, m_train:i], Y[:, m_train:i],
                X[:, i:], Y[:, i:])
""")
DIAGNOSE_OK = _src("""
    def diagnose(train_error, dev_error, bayes_error=0.0):
        return bool(train_error - bayes_error > 0.02), bool(dev_error - train_error > 0.02)
""")
STANDARDIZE_OK = "def standardize(X, mu, sigma):\n    return (X - mu) / sigma\n"


# ---- the attacks ---------------------------------------------------------------------------

ZERO = ("failed", "error")          # a wrong or refused output
REFUSED = ("crashed", "error", "failed")  # the sandbox refused it (and may end the worker)
DIED = ("crashed",)
EXIT = ("exit", "crashed")          # "crashed" when the exit ended the process
DISK = ("error", "failed", "crashed")


@dataclass(frozen=True)
class Attack:
    """One attack: the answer cell of ``exercise`` in the group's notebook.

    ``flags``: each entry a flag kind (or a tuple of acceptable kinds; ``"*"``: any)
    that must be raised naming the exercise (anywhere when ``where`` is False);
    ``no_flags``: kinds that must not name the exercise; ``bug``: why it is a
    known grader bug (xfail; strict unless ``strict`` is False).
    """

    name: str
    klass: int
    exercise: str
    source: str
    points: float
    status: tuple[str, ...]
    flags: tuple = ()
    where: bool = True
    no_flags: tuple[str, ...] = ()
    bug: str | None = None
    strict: bool = True  # False: the bug is a race that the grader sometimes wins


@dataclass
class Group:
    notebook: str
    attacks: list[Attack]
    honest: dict[str, str] = field(default_factory=dict)  # other answers replaced, honestly
    graded: bool = False  # the submission must be "graded" (nothing flagged)
    extra: dict[str, str] = field(default_factory=dict)  # helper cells of an attack


def _a(name, klass, exercise, source, points, status, flags=(), **kw) -> Attack:
    return Attack(name, klass, exercise, _src(source), float(points), tuple(status),
                  tuple(flags), **kw)


GROUPS: dict[str, Group] = {}

# ---- class 1: the library can still answer -------------------------------------------------

GROUPS["library07"] = Group(O7, [
    _a("torch_optimizer_in_07", 1, "gd_step", """
        def gd_step(w, dw, lr):
            import torch
            p = torch.nn.Parameter(torch.tensor(w))
            p.grad = torch.tensor(dw)
            torch.optim.SGD([p], lr=lr).step()
            return p.detach().numpy()
    """, 0, ZERO),
    _a("make_optimizer_fused_inplace_update", 1, "momentum_step", """
        def momentum_step(w, dw, v, lr, beta=0.9):
            opt = make_optimizer("momentum", lr=lr, beta=beta)
            params = {"w": w.copy()}
            state = opt.init(params)
            state["v"]["w"][...] = v
            opt.update_inplace(params, {"w": dw}, state)
            return params["w"], state["v"]["w"]
    """, 0, ZERO),
    _a("network_train_step", 1, "nesterov_step", """
        from course_lib import network
        def nesterov_step(w, dw, v, lr, beta=0.9):
            net = network.Network([w.shape[1], w.shape[0]])
            return network.train_step(net, {"W1": w}, dw, v, lr, beta)
    """, 0, ZERO),
    _a("fresh_copy_from_course_lib_file", 1, "adagrad_step", """
        import importlib.util, os
        import course_lib
        _path = os.path.join(os.path.dirname(course_lib.__file__), "optimizers.py")
        _spec = importlib.util.spec_from_file_location("course_lib.fresh_optimizers", _path)
        _fresh = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(_fresh)
        def adagrad_step(w, dw, h, lr, eps=1e-8):
            return _fresh.adagrad_step(w, dw, h, lr, eps)
    """, 0, ("reference used",), ("reference",)),
    _a("filesystem_search_for_optimizers_py", 1, "rmsprop_step", """
        import importlib.util, os
        _copies = []
        for top, dirs, files in os.walk("/"):
            dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", "usr", "site-packages",
                                                    "python3.11", "share", "sandbox")]
            if "optimizers.py" in files:
                spec = importlib.util.spec_from_file_location(
                    f"course_lib.copy{len(_copies)}", os.path.join(top, "optimizers.py"))
                mod = importlib.util.module_from_spec(spec)
                try:
                    spec.loader.exec_module(mod)
                    _copies.append(mod)
                except Exception:
                    pass
        def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
            for mod in _copies:
                try:
                    return mod.rmsprop_step(w, dw, s, lr, beta, eps)
                except Exception:
                    continue
            raise RuntimeError(f"none of {len(_copies)} copies works")
    """, 0, ("reference used",), ("reference", "filesystem")),
    _a("sklearn_adam_optimizer", 1, "adam_step", """
        import numpy as np
        from sklearn.neural_network._stochastic_optimizers import AdamOptimizer
        def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
            p = [np.array(w, dtype=float)]
            opt = AdamOptimizer(p, lr, beta1, beta2, eps * np.sqrt(1 - beta2 ** t))
            opt.t, opt.ms, opt.vs = t - 1, [np.array(v, float)], [np.array(s, float)]
            opt.update_params(p, [np.array(dw, dtype=float)])
            return p[0], opt.ms[0], opt.vs[0]
    """, 0, ZERO),
    _a("reference_names_built_from_strings", 1, "initialize_adam_state", """
        import importlib
        def initialize_adam_state(params):
            mod = importlib.import_module("course_" + "lib.optimizers")
            return getattr(mod, "Ad" + "am")().init(params)
    """, 0, ("reference used",), ("reference",)),
    _a("adam_object_update_without_constructor", 1, "update_parameters_with_adam", """
        import importlib
        def update_parameters_with_adam(params, grads, state, lr, beta1=0.9, beta2=0.999,
                                        eps=1e-8):
            cls = getattr(importlib.import_module("course_lib.optim" + "izers"), "Ad" + "am")
            opt = object.__new__(cls)  # the constructor is a stub: skip it
            return opt.update(params, grads, state)
    """, 0, ("reference used",), ("reference",)),
])

GROUPS["library08"] = Group(O8, [
    _a("make_schedule_computes_inverse_time", 1, "inverse_time_decay", """
        def inverse_time_decay(lr0, epoch_num, decay_rate):
            return make_schedule("inverse_time", lr0, decay_rate=decay_rate)(epoch_num)
    """, 0, ZERO),
    _a("schedules_dict_computes_staircase", 1, "staircase_decay", """
        from course_lib.schedules import SCHEDULES
        def staircase_decay(lr0, epoch_num, decay_rate, interval):
            return SCHEDULES["staircase"](lr0, epoch_num, decay_rate, interval)
    """, 0, ZERO),
    _a("schedule_class_computes_sqrt", 1, "sqrt_decay", """
        from course_lib.schedules import Schedule
        def sqrt_decay(lr0, epoch_num, k):
            return Schedule("sqrt", lr0, {"k": k})(epoch_num)
    """, 0, ZERO),
    _a("schedules_by_strings", 1, "exponential_decay", """
        import importlib
        def exponential_decay(lr0, epoch_num, r):
            mod = importlib.import_module("course_" + "lib.sched" + "ules")
            return getattr(mod, "exponential" + "_decay")(lr0, epoch_num, r)
    """, 0, ("reference used",), ("reference",)),
    _a("reloaded_schedules_module", 1, "step_decay", """
        import importlib
        import course_lib.schedules as S
        def step_decay(lr0, epoch_num, drop, epochs_drop):
            fresh = importlib.reload(S)
            return getattr(fresh, "step" + "_decay")(lr0, epoch_num, drop, epochs_drop)
    """, 0, ("reference used",), ("reference",)),
    _a("course_lib_train_loop", 1, "train_with_decay", """
        import course_lib.training as T
        def train_with_decay(X, Y, schedule, epochs, batch_size, rng):
            return T.train(X, Y, schedule=schedule, epochs=epochs, batch_size=batch_size, rng=rng)
    """, 0, ("reference used",), ("reference",)),
])

GROUPS["library10"] = Group(B10, [
    _a("batchnorm_inplace_kernel", 1, "batchnorm_forward", """
        import numpy as np
        from course_lib import batchnorm as B
        def batchnorm_forward(Z, gamma, beta, eps=1e-5):
            return B.batchnorm_forward_inplace(Z.copy(), gamma, beta, eps, np.empty_like(Z),
                                               np.ones((Z.shape[1], 1)))
    """, 0, ("error",), ("library",)),  # the fast kernel is withheld: the call raises
    _a("setup_cell_import_backward_graph", 1, "batchnorm_backward", """
        def batchnorm_backward(dout, cache):
            return batchnorm_backward_graph(dout, cache)
    """, 0, ("reference used",), ("reference",)),
    _a("setup_cell_alias_of_the_reference", 1, "update_running_stats", """
        def update_running_stats(running_mean, running_var, mu, var, beta=0.9):
            return lib_update_running_stats(running_mean, running_var, mu, var, beta)
    """, 0, ("reference used",), ("reference",)),
    _a("eval_kernel_by_strings", 1, "batchnorm_forward_eval", """
        import importlib
        def batchnorm_forward_eval(Z, gamma, beta, running_mean, running_var, eps=1e-5):
            mod = importlib.import_module("course_lib.batch" + "norm")
            fn = getattr(mod, "batchnorm_" + "forward_eval")
            return fn(Z, gamma, beta, running_mean, running_var, eps)
    """, 0, ("reference used",), ("reference",)),
    _a("fast_network_kernel_by_strings", 1, "bn_network_forward", """
        import importlib
        def bn_network_forward(X, params, state, training):
            core = getattr(importlib.import_module("course_lib.network" + "_fast"), "_for" + "ward")
            return core(None, None, params, X, None, state, X.dtype)
    """, 0, ("error",), ("library",)),  # the fast backend is withheld: the call raises
])

# ---- class 2: disarming the harness, walking frames ----------------------------------------

GROUPS["frames07"] = Group(O7, [
    _a("getframe_walk_and_thread_list", 2, "gd_step", """
        import sys, threading
        def gd_step(w, dw, lr):
            k = 0
            while True:
                try:
                    f = sys._getframe(k)
                except (ValueError, PermissionError):
                    break
                for scope in (f.f_locals, f.f_globals):
                    for name in ("watched", "events", "cases", "MAX_NODES", "graveyard"):
                        if isinstance(scope.get(name), (list, dict)):
                            scope[name].clear()
                k += 1
            for t in threading.enumerate():
                for attr in ("_target", "_args", "_kwargs"):
                    getattr(t, attr, None)
            return w  # the wrong answer: unchanged
    """, 0, ("failed",)),
    _a("fake_result_in_the_mailbox", 2, "momentum_step", """
        import sys
        def momentum_step(w, dw, v, lr, beta=0.9):
            v_new = beta * v + (1 - beta) * dw
            box = sys._getframe(1).f_locals.get("results")
            if isinstance(box, list):
                box.append(("ok", (w - lr * v_new, v_new), ()))
                box.append(("ok", (w - lr * v_new, v_new), ()))
            return w, v  # the function's own, wrong, output
    """, 0, ("failed",)),
    _a("gc_get_objects_finds_the_worker", 2, "nesterov_step", """
        import gc
        def nesterov_step(w, dw, v, lr, beta=0.9):
            for obj in gc.get_objects():
                if type(obj).__name__ == "Worker":
                    obj.cases.clear()
            return w, v
    """, 0, REFUSED, ("harness",)),
    _a("gc_get_referrers_of_watched_function", 2, "adagrad_step", """
        import gc
        import numpy as np
        def adagrad_step(w, dw, h, lr, eps=1e-8):
            for holder in gc.get_referrers(np.allclose):
                if isinstance(holder, dict):
                    holder.clear()
            return w, h
    """, 0, REFUSED, ("harness",)),
    _a("current_frames_of_the_main_thread", 2, "rmsprop_step", """
        import sys
        def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
            for frame in sys._current_frames().values():
                while frame is not None:
                    me = frame.f_locals.get("self")
                    if me is not None and hasattr(me, "watched"):
                        me.watched.clear()
                    frame = frame.f_back
            return w, s
    """, 0, REFUSED, ("harness",)),
    _a("ctypes_pythonapi_async_exception", 2, "adam_step", """
        import ctypes, threading
        def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
            set_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
            set_exc(ctypes.c_ulong(threading.main_thread().ident), ctypes.py_object(SystemExit))
            return w, v, s
    """, 0, REFUSED, ("harness",)),
    _a("inspect_stack_and_traceback_chain", 2, "initialize_adam_state", """
        import inspect, sys
        def initialize_adam_state(params):
            frames = [info.frame for info in inspect.stack()]
            try:
                raise RuntimeError("where am I")
            except RuntimeError as exc:
                f = exc.__traceback__.tb_frame
                while f is not None:
                    frames.append(f)
                    f = f.f_back
            for f in frames:
                if "install_audit_hook" in f.f_globals or "Worker" in f.f_globals:
                    f.f_globals["MAX_NODES"] = 0
            return None
    """, 0, ZERO),
    _a("honest_answer_rewrites_one_file_often", 7, "update_parameters_with_adam",
       UPA_SELF.replace("    t = state", "    for _ in range(2500):\n"
                        "        with open('/sandbox/progress.txt', 'w') as fh:\n"
                        "            fh.write('working')\n    t = state"),
       3, ("passed",), no_flags=("disk",)),
])

# ---- class 3: outputs that run code after the call ------------------------------------------

GROUPS["outputs07"] = Group(O7, [
    _a("object_with_array_eq_and_del", 3, "gd_step", """
        class Lazy:
            def __init__(self, value):
                self.value = value
            def __array__(self, dtype=None, copy=None):
                return self.value
            def __eq__(self, other):
                return True
            def __del__(self):
                print("finalizer ran")
        def gd_step(w, dw, lr):
            return Lazy(w - lr * dw)
    """, 0, ZERO),
    _a("object_array", 3, "momentum_step", """
        import numpy as np
        def momentum_step(w, dw, v, lr, beta=0.9):
            v_new = beta * v + (1 - beta) * dw
            return np.asarray(w - lr * v_new, dtype=object), v_new
    """, 0, ZERO),
    _a("structured_dtype", 3, "nesterov_step", """
        import numpy as np
        def nesterov_step(w, dw, v, lr, beta=0.9):
            g = (1 - beta) * dw
            v_new = beta * v + g
            out = np.zeros(w.shape, dtype=[("value", "<f8")])
            out["value"] = w - lr * (beta * v_new + g)
            return out, v_new
    """, 0, ZERO),
    _a("numpy_scalar_subclass", 3, "adagrad_step", """
        import numpy as np
        class Agreeable(np.float64):
            def __eq__(self, other):
                return True
            __hash__ = np.float64.__hash__
        def adagrad_step(w, dw, h, lr, eps=1e-8):
            h_new = h + dw * dw
            return w - lr * dw / (np.sqrt(h_new) + eps), Agreeable(0.0)
    """, 0, ZERO),
    _a("metaclass_eq_and_instancecheck", 3, "rmsprop_step", """
        class Meta(type):
            def __eq__(cls, other):
                return True
            def __hash__(cls):
                return 0
            def __instancecheck__(cls, obj):
                return True
            def __subclasscheck__(cls, sub):
                return True
        class Liar(metaclass=Meta):
            def __eq__(self, other):
                return True
            __hash__ = object.__hash__
        def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
            return Liar(), Liar()
    """, 0, ZERO),
    _a("list_subclass_with_right_values", 3, "adam_step", """
        import numpy as np
        class Triple(list):
            def __init__(self, items):
                super().__init__()
                self._items = items
            def __iter__(self):
                return iter(self._items)
            def __len__(self):
                return len(self._items)
            def __getitem__(self, i):
                return self._items[i]
        def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
            v_new = beta1 * v + (1 - beta1) * dw
            s_new = beta2 * s + (1 - beta2) * dw * dw
            v_hat, s_hat = v_new / (1 - beta1 ** t), s_new / (1 - beta2 ** t)
            return Triple([w - lr * v_hat / (np.sqrt(s_hat) + eps), v_new, s_new])
    """, 0, ZERO),
    # same shape as list_subclass_with_right_values on purpose: the same disguise
    # (a container subclass that hides the real values), on a dict output
    _a("dict_subclass_with_right_values", 3, "initialize_adam_state", """
        import numpy as np
        class State(dict):
            def __init__(self, real):
                super().__init__()
                self._real = real
            def keys(self):
                return self._real.keys()
            def items(self):
                return self._real.items()
            def __iter__(self):
                return iter(self._real)
            def __getitem__(self, k):
                return self._real[k]
            def __len__(self):
                return len(self._real)
        def initialize_adam_state(params):
            return State({"v": {k: np.zeros_like(w) for k, w in params.items()},
                          "s": {k: np.zeros_like(w) for k, w in params.items()}, "t": 0})
    """, 0, ZERO),
    _a("masked_arrays", 3, "update_parameters_with_adam",
       UPA_SELF.replace("    return new_params,",
                        "    new_params = {k: np.ma.masked_array(p) for k, p in "
                        "new_params.items()}\n    return new_params,"),
       0, ZERO),
], graded=True)

GROUPS["outputs08"] = Group(O8, [
    _a("float_subclass_always_equal", 3, "inverse_time_decay", """
        class Close(float):
            def __eq__(self, other):
                return True
            __hash__ = float.__hash__
        def inverse_time_decay(lr0, epoch_num, decay_rate):
            return Close(lr0 / (1 + decay_rate * epoch_num))
    """, 0, ZERO),
    _a("object_with_float", 3, "staircase_decay", """
        class Rate:
            def __init__(self, value):
                self.value = value
            def __float__(self):
                return self.value
            def __eq__(self, other):
                return True
        def staircase_decay(lr0, epoch_num, decay_rate, interval):
            return Rate(lr0 / (1 + decay_rate * (epoch_num // interval)))
    """, 0, ZERO),
    _a("decimal_output", 3, "exponential_decay", """
        from decimal import Decimal
        def exponential_decay(lr0, epoch_num, r):
            return Decimal(r) ** epoch_num * Decimal(lr0)
    """, 0, ZERO),
    _a("str_subclass_posing_as_a_number", 3, "sqrt_decay", """
        import math
        class Number(str):
            def __eq__(self, other):
                return True
            __hash__ = str.__hash__
            def __float__(self):
                return float(str(self))
        def sqrt_decay(lr0, epoch_num, k):
            return Number(repr(k / math.sqrt(epoch_num + 1) * lr0))
    """, 0, ZERO),
    _a("reduce_runs_code_on_unpickle", 3, "step_decay", f"""
        class Payload:
            def __reduce__(self):
                return (open, ({str(MARKER)!r}, "w"))
        def step_decay(lr0, epoch_num, drop, epochs_drop):
            return Payload()
    """, 0, ZERO),
    _a("list_subclass_in_tuple", 3, "train_with_decay", """
        import numpy as np
        class Rates(list):
            def __eq__(self, other):
                return True
        def train_with_decay(X, Y, schedule, epochs, batch_size, rng):
            W, b, lrs = np.zeros((1, X.shape[0])), np.zeros((1, 1)), Rates()
            for epoch in range(epochs):
                lr = schedule(epoch)
                lrs.append(lr)
                for X_t, Y_t in random_mini_batches(X, Y, batch_size, rng):
                    dZ = sigmoid(W @ X_t + b) - Y_t
                    W = W - lr * (dZ @ X_t.T) / X_t.shape[1]
                    b = b - lr * dZ.sum(axis=1, keepdims=True) / X_t.shape[1]
            return W, b, lrs
    """, 0, ZERO),
], graded=True)

GROUPS["outputs01"] = Group(A, [
    _a("namedtuple_of_right_arrays", 3, "split_data", SPLIT_OK.replace(
        "def split_data", "from collections import namedtuple\n"
        "Split = namedtuple('Split', 'a b c d e f')\ndef split_data").replace(
        "    return (", "    return Split("), 0, ZERO),
    _a("int_subclasses_that_equal_anything", 3, "diagnose", """
        class Yes(int):
            def __eq__(self, other):
                return True
            __hash__ = int.__hash__
        def diagnose(train_error, dev_error, bayes_error=0.0):
            return Yes(0), Yes(0)
    """, 0, ZERO),
    _a("ndarray_subclass_reduce_and_finalize", 3, "fit_standardizer", f"""
        import numpy as np
        class Stats(np.ndarray):
            def __array_finalize__(self, obj):
                self.note = "x"
            def __reduce__(self):
                return (open, ({str(MARKER)!r}, "w"))
            def __eq__(self, other):
                return np.ones(np.broadcast(self, other).shape, bool)
        def fit_standardizer(X_train):
            mu = X_train.mean(axis=1, keepdims=True).view(Stats)
            return mu, X_train.std(axis=1, keepdims=True).view(Stats)
    """, 0, ZERO),
    _a("np_matrix_output", 3, "standardize", """
        import numpy as np
        def standardize(X, mu, sigma):
            return np.asmatrix((X - mu) / sigma)
    """, 0, ZERO),
], graded=True)

# ---- class 4: environment leaks ------------------------------------------------------------

GROUPS["leaks01"] = Group(A, [
    _a("environ_and_proc_in_the_exception", 4, "split_data", """
        import glob, os
        def split_data(X, Y, fractions, rng):
            parts = []
            for path in ["/proc/1/cmdline", *glob.glob("/proc/*/cmdline"), "/proc/1/environ",
                         "/proc/self/environ", "/proc/self/mountinfo"]:
                try:
                    with open(path, "rb") as fh:
                        parts.append(path + ": " + fh.read().decode("latin-1"))
                except OSError as exc:
                    parts.append(f"{path}: {exc}")
            parts.append(repr(dict(os.environ)))
            parts.append(os.environ.get("INSTRUCTOR_TOKEN", "no token"))
            text = "\\n".join(parts)
            print(text)
            raise RuntimeError(text)
    """, 0, ("error",), ("filesystem",)),
    _a("mountinfo_as_the_output", 4, "diagnose", """
        def diagnose(train_error, dev_error, bayes_error=0.0):
            with open("/proc/self/mountinfo") as fh:
                return fh.read(), False
    """, 0, ZERO),
    _a("curious_but_honest", 4, "fit_standardizer", """
        import os
        def fit_standardizer(X_train):
            print(dict(os.environ))
            try:
                with open("/proc/self/environ", "rb") as fh:
                    print(fh.read())
            except OSError as exc:  # the worker is not dumpable: its environ is root's
                print(exc)
            return X_train.mean(axis=1, keepdims=True), X_train.std(axis=1, keepdims=True)
    """, 1, ("passed",)),
    _a("host_paths_in_the_exception", 4, "standardize", """
        import os, sys
        import numpy as np
        def standardize(X, mu, sigma):
            raise RuntimeError(" ".join([os.readlink("/proc/self/exe"), sys.executable,
                                         repr(sys.path), np.__file__, os.getcwd(),
                                         repr(os.uname())]))
    """, 0, ("error",)),
])

# ---- class 5: disk ---------------------------------------------------------------------------

GROUPS["disk07"] = Group(O7, [
    _a("hundred_thousand_empty_files", 5, "gd_step", """
        def gd_step(w, dw, lr):
            for i in range(100_000):
                open(f"/sandbox/empty{i}", "w").close()
            return w - lr * dw
    """, 0, (*DISK, "timeout"), (("disk", "timeout"),)),  # files are counted after each
    # call: on a loaded machine the call's time limit can end it first (flagged either way)
    _a("hundred_thousand_files_by_mknod", 5, "momentum_step", """
        import os, stat
        def momentum_step(w, dw, v, lr, beta=0.9):
            os.makedirs("/sandbox/nodes", exist_ok=True)
            for i in range(100_000):
                os.mknod(f"/sandbox/nodes/{i}", stat.S_IFREG | 0o600)
            return w, v
    """, 0, (*ZERO, "crashed"), ("disk",)),
    _a("one_gibibyte_file", 5, "nesterov_step", """
        import os
        def nesterov_step(w, dw, v, lr, beta=0.9):
            chunk = b"\\0" * (1 << 20)
            try:
                with open("/sandbox/big.bin", "wb") as fh:
                    for _ in range(1024):
                        fh.write(chunk)
            finally:
                os.remove("/sandbox/big.bin")
            return w, v
    """, 0, DISK, ("disk",)),
    _a("many_ten_mebibyte_files", 5, "adagrad_step", """
        import glob, os
        def adagrad_step(w, dw, h, lr, eps=1e-8):
            blob = b"x" * (10 << 20)
            try:
                for i in range(100):
                    with open(f"/sandbox/part{i}.bin", "wb") as fh:
                        fh.write(blob)
            finally:
                for p in glob.glob("/sandbox/part*.bin"):
                    os.remove(p)
            return w, h
    """, 0, DISK, ("disk",)),
    _a("fill_tmp", 5, "rmsprop_step", """
        import os, tempfile
        def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
            fh = tempfile.NamedTemporaryFile(dir="/tmp", delete=False)
            try:
                while True:
                    fh.write(b"\\0" * (1 << 20))
                    fh.flush()
            finally:
                os.remove(fh.name)
    """, 0, DISK, ("disk",)),
    _a("hundred_thousand_directories", 5, "initialize_adam_state", """
        import os
        def initialize_adam_state(params):
            for i in range(100_000):
                os.mkdir(f"/sandbox/d{i}")
            return None
    """, 0, DISK, ("disk",)),
    _a("adam_step_by_names_built_from_strings", 1, "adam_step", """
        import importlib
        def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
            fn = getattr(importlib.import_module("course_" + "lib.optimizers"), "adam" + "_step")
            return fn(w, dw, v, s, t, lr, beta1, beta2, eps)
    """, 0, ("reference used",), ("reference",)),
], honest={"update_parameters_with_adam": UPA_SELF})

# ---- class 6: abuse leaves a trace -----------------------------------------------------------

GROUPS["traces01"] = Group(A, [
    _a("sys_exit_in_cell_after_correct_def", 6, "split_data",
       SPLIT_OK + "import sys\nsys.exit(0)\n", 0, ("exit",), ("exit",)),
    _a("memory_error_in_cell_after_correct_def", 6, "diagnose",
       DIAGNOSE_OK + "hog = bytearray(2 ** 40)\n", 0, (*DIED, "memory"), ("memory",),),
    _a("kill_own_process", 6, "fit_standardizer", """
        import os
        def fit_standardizer(X_train):
            os.kill(os.getpid(), 9)
    """, 0, DIED, (("crash", "memory", "process"),)),
    _a("segfault_faulthandler", 6, "standardize", """
        import faulthandler
        def standardize(X, mu, sigma):
            faulthandler._sigsegv()
    """, 0, DIED, ("crash",)),
])

GROUPS["traces01b"] = Group(A, [
    _a("abort", 6, "split_data", """
        import os
        def split_data(X, Y, fractions, rng):
            os.abort()
    """, 0, DIED, ("crash",)),
    _a("deadlock", 6, "diagnose", """
        import threading
        def diagnose(train_error, dev_error, bayes_error=0.0):
            lock = threading.Lock()
            lock.acquire()
            lock.acquire()
    """, 0, ("timeout",), ("timeout",)),
    _a("subprocess_system_posix_spawn", 6, "fit_standardizer", """
        import os, subprocess
        def fit_standardizer(X_train):
            for spawn in (lambda: subprocess.run(["/bin/true"], check=False),
                          lambda: os.system("true"),
                          lambda: os.posix_spawn("/bin/true", ["true"], {})):
                try:
                    spawn()
                except OSError:
                    pass
            return None
    """, 0, ZERO, ("process",)),
    _a("memory_exhaustion_by_growth", 6, "standardize", """
        def standardize(X, mu, sigma):
            hog = []
            while True:
                hog.append(bytearray(64 << 20))
    """, 0, ("error", "crashed"), ("memory",)),
])

GROUPS["traces07"] = Group(O7, [
    _a("os_exit_in_function", 6, "gd_step", """
        import os
        def gd_step(w, dw, lr):
            os._exit(3)
    """, 0, EXIT, ("exit",)),
    _a("monkeypatch_builtins_json_save_cases", 6, "momentum_step", """
        import builtins, json
        import numpy as np
        import cases
        _isinstance, _dumps = builtins.isinstance, json.dumps
        def momentum_step(w, dw, v, lr, beta=0.9):
            builtins.isinstance = lambda obj, cls: _isinstance(obj, cls)
            json.dumps = lambda *a, **k: _dumps(*a, **k)
            np.save = lambda *a, **k: None
            cases.same_value = lambda a, b: True
            return w, v
    """, 0, ZERO, ("monkeypatch",)),
    _a("sockets_tcp_udp_dns", 6, "nesterov_step", """
        import socket
        def nesterov_step(w, dw, v, lr, beta=0.9):
            for attempt in (
                    lambda: socket.create_connection(("127.0.0.1", 22), timeout=1),
                    lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
                        b"x", ("10.0.0.1", 53)),
                    lambda: socket.getaddrinfo("example.com", 80)):
                try:
                    attempt()
                except OSError:
                    pass
            return w, v
    """, 0, ZERO, ("network",)),
    _a("reads_outside_the_sandbox", 6, "adagrad_step", """
        import glob, os
        def adagrad_step(w, dw, h, lr, eps=1e-8):
            for probe in (lambda: open("/etc/passwd").read(), lambda: os.listdir("/work"),
                          lambda: next(os.walk("/")), lambda: glob.glob("/**/*.ipynb")):
                try:
                    probe()
                except (OSError, StopIteration):
                    pass
            return w, h
    """, 0, ZERO, ("filesystem",)),
    _a("writes_into_read_only_cases", 6, "rmsprop_step", """
        import os
        def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
            for probe in (lambda: open("/sandbox/in/rmsprop_step_hidden.json", "w").write("[]"),
                          lambda: os.remove("/sandbox/in/rmsprop_step_hidden.json")):
                try:
                    probe()
                except OSError:
                    pass
            return w, s
    """, 0, ZERO, ("filesystem",)),
    _a("exit_builtin_in_function", 6, "adam_step", """
        def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
            exit(0)
    """, 0, ("exit",), ("exit",)),
    _a("fork_a_child", 6, "initialize_adam_state", """
        import os
        def initialize_adam_state(params):
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
            return None
    """, 0, ZERO, ("process",)),
    _a("segfault_via_ctypes_string_at", 6, "update_parameters_with_adam", """
        import ctypes
        def update_parameters_with_adam(params, grads, state, lr, beta1=0.9, beta2=0.999,
                                        eps=1e-8):
            return ctypes.string_at(0, 8)
    """, 0, REFUSED, ("harness",)),
])

# ---- class 7: attacks of our own -------------------------------------------------------------

FORGE = _src("""
    import json, os, sys
    import numpy as np
    import cases

    def _forged(tag):
        d = "/sandbox/in"
        with open(f"{d}/{tag}.json") as fh:
            stored = json.load(fh)
        results, blobs, off = [], [], 0
        for i, item in enumerate(stored):
            arrays = [np.load(f"{d}/{tag}_{i}_{k}.npy") for k in range(item["n_arrays"])]
            (X, mu, sigma), _ = cases.Case.from_plain(item["plain"], arrays).build()
            raw = np.ascontiguousarray((X - mu) / sigma, dtype="<f8").tobytes()
            results.append({"ok": True, "plain": {"__array__": 0},
                            "arrays": [["<f8", list(X.shape), off, len(raw)]], "mutated": []})
            blobs.append(raw)
            off += len(raw)
        line = json.dumps({"results": results, "events": [], "seconds": 0.0, "blob": off})
        return line.encode() + b"\\n" + b"".join(blobs)

    _sent = []

    def standardize(X, mu, sigma):
        if not _sent:
            _sent.append(1)
            try:
                open("/etc/passwd").read()
            except OSError:
                pass
            send = getattr(os, "wr" + "ite")
            fd = int(sys.argv[2])
            for tag in ("standardize_visible", "standardize_hidden"):
                data = _forged(tag)
                while data:
                    data = data[send(fd, data):]
        return np.zeros_like(X)
""")

GHOST = _src("""
    import gc, sys, threading
    _MAIN = threading.main_thread().ident

    class Ghost:
        def __init__(self):
            self.me = self  # a cycle: only the cyclic collector frees it, in any thread
        def __del__(self):
            if threading.get_ident() != _MAIN:
                Ghost()  # not the harness's thread yet: leave another one behind
                return
            f = sys._getframe(1)
            while f is not None:
                me = f.f_locals.get("self")
                if me is not None and hasattr(me, "drain"):
                    me.drain()  # the events recorded so far: gone
                    break
                f = f.f_back

    def standardize(X, mu, sigma):
        try:
            open("/etc/passwd").read()
        except OSError:
            pass
        gc.set_threshold(1)
        Ghost()
        return (X - mu) / sigma
""")

GROUPS["forge01"] = Group(A, [
    _a("forged_reply_through_inherited_fd", 7, "standardize", FORGE, 0, ZERO,
       ("filesystem",)),
])
GROUPS["ghost01"] = Group(A, [
    _a("finalizer_in_the_harness_thread_drains_events", 7, "standardize", GHOST, 1,
       ("passed",), ("filesystem",)),
])
GROUPS["exitkind01"] = Group(A, [
    _a("runner_error_kind_replaced_then_sys_exit", 7, "split_data", SPLIT_OK + _src("""
        import sys
        sys._getframe(0).f_back.f_globals["error_kind"] = lambda exc: "error"
        sys.exit(0)
    """), 0, ("exit",), ("exit",)),
])

GROUPS["invent07"] = Group(O7, [
    _a("mutation_check_blinded_by_cases_isinstance", 7, "gd_step", """
        import cases
        cases.isinstance = lambda obj, cls: False  # a global of cases: shadows the builtin
        def gd_step(w, dw, lr):
            w -= lr * dw  # in place: a catalogued mistake, unless the check is blinded
            return w
    """, 0, ("failed",), (("monkeypatch", "harness", "tampering"),)),
    _a("int_with_5000_digits", 7, "momentum_step", """
        def momentum_step(w, dw, v, lr, beta=0.9):
            return 10 ** 5000, v
    """, 0, ZERO),
    _a("c_recursion_bomb", 7, "nesterov_step", """
        import json, sys
        def nesterov_step(w, dw, v, lr, beta=0.9):
            getattr(sys, "setrecursion" + "limit")(10 ** 8)
            nested = []
            for _ in range(10 ** 6):
                nested = [nested]
            return json.dumps(nested), v  # C recursion: overflows the thread's stack
    """, 0, ("crashed", "error", "timeout"), ("*",)),
    _a("sigint_to_the_harness_thread", 7, "adagrad_step", """
        import signal, threading
        def adagrad_step(w, dw, h, lr, eps=1e-8):
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            return w, h
    """, 0, ("crashed", "error", "exit", "failed"), (("process", "crash"),)),
    _a("hostile_stdout_and_atexit_honest_answer", 7, "rmsprop_step", """
        import atexit, sys
        import numpy as np
        class Hostile:
            def write(self, s):
                raise RuntimeError("no printing")
            def flush(self):
                raise RuntimeError("no flushing")
        atexit.register(lambda: print("atexit ran"))
        def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
            sys.stdout = sys.stderr = Hostile()
            s_new = beta * s + (1 - beta) * dw * dw
            return w - lr * dw / (np.sqrt(s_new) + eps), s_new
    """, 1, ("passed",)),
    _a("builtins_import_replaced", 7, "adam_step", """
        import builtins
        _real = builtins.__import__
        def _spy(name, *args, **kwargs):
            return _real(name, *args, **kwargs)
        def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
            builtins.__import__ = _spy
            return w, v, s
    """, 0, ZERO, ("monkeypatch",)),
    _a("keyboard_interrupt", 7, "initialize_adam_state", """
        def initialize_adam_state(params):
            raise KeyboardInterrupt
    """, 0, ("error",)),
    _a("generator_exit", 7, "update_parameters_with_adam", """
        def update_parameters_with_adam(params, grads, state, lr, beta1=0.9, beta2=0.999,
                                        eps=1e-8):
            raise GeneratorExit("bye")
    """, 0, ("error",)),
])

GROUPS["invent08"] = Group(O8, [
    _a("five_megabyte_answer_cell", 7, "inverse_time_decay",
       "def inverse_time_decay(lr0, epoch_num, decay_rate):\n"
       "    return lr0 / (1 + decay_rate * epoch_num)\n"
       "PADDING = '" + "x" * 5_000_000 + "'\n", 1, ("passed",)),
    _a("control_characters_and_lone_surrogate", 7, "staircase_decay", """
        def staircase_decay(lr0, epoch_num, decay_rate, interval):
            evil = "\\ud800 \\x1b[2J \\x00 \\u202e \\x07 <script>alert(1)</script>"
            print(evil)
            raise ValueError(evil)
    """, 0, ("error",)),
    _a("ten_megabyte_exception", 7, "exponential_decay", """
        def exponential_decay(lr0, epoch_num, r):
            raise ValueError("A" * 10_000_000)
    """, 0, ("error", "crashed")),
    _a("background_thread_tampers_with_later_calls", 7, "sqrt_decay", """
        import threading, time
        import numpy as np
        def _meddle():
            with open("/sandbox/meddler.txt", "w") as fh:
                fh.write("still here")
            while True:
                np.allclose = lambda *a, **k: True
                np.isclose = lambda *a, **k: True
                time.sleep(0.001)
        threading.Thread(target=_meddle, daemon=True).start()
        def sqrt_decay(lr0, epoch_num, k):
            return -1.0
    """, 0, ZERO, ("monkeypatch",), where=False),
    _a("other_cell_defines_it_with_the_reference", 7, "train_with_decay", "pass\n",
       0, ("reference used",), ("reference",)),
], extra={"step_decay": _src("""
    from course_lib import training as _lib
    def step_decay(lr0, epoch_num, drop, epochs_drop):
        return lr0 * drop ** (epoch_num // epochs_drop)
    def train_with_decay(X, Y, schedule, epochs, batch_size, rng):
        return _lib.train(X, Y, schedule=schedule, epochs=epochs, batch_size=batch_size,
                          rng=rng)
""")})

GROUPS["invent10"] = Group(B10, [
    _a("exception_whose_str_raises", 7, "batchnorm_forward", """
        class Weird(Exception):
            def __str__(self):
                raise RuntimeError("no message for you")
        def batchnorm_forward(Z, gamma, beta, eps=1e-5):
            raise Weird()
    """, 0, ("error",)),
    _a("deeply_nested_output", 7, "batchnorm_backward", """
        def batchnorm_backward(dout, cache):
            nested = []
            for _ in range(2000):
                nested = [nested]
            return nested, nested, nested
    """, 0, ZERO),
    _a("two_hundred_thousand_floats", 7, "update_running_stats", """
        def update_running_stats(running_mean, running_var, mu, var, beta=0.9):
            return [0.5] * 200_000, running_var
    """, 0, ZERO),
    _a("broadcast_view_of_a_billion", 7, "batchnorm_forward_eval", """
        import numpy as np
        def batchnorm_forward_eval(Z, gamma, beta, running_mean, running_var, eps=1e-5):
            return np.broadcast_to(np.zeros(1), (10 ** 9,))
    """, 0, ZERO),
    _a("reply_pipe_redirected_to_dev_null", 7, "bn_network_forward", """
        import os, sys
        def bn_network_forward(X, params, state, training):
            null = os.open("/dev/null", os.O_WRONLY)
            for fd in range(3, 64):  # sys.argv no longer names the pipes: cover them all
                if fd != null:
                    try:
                        os.dup2(null, fd)
                    except OSError:
                        pass
            return None
    """, 0, ("crashed", "timeout", "error", "exit"), (("harness", "timeout", "crash", "exit"),)),
])

# ---- found by the review of the redesign (each fixed; kept as regressions) ----------------

GROUPS["review07"] = Group(O7, [
    _a("in_place_then_rewrite_the_runners_case", 7, "gd_step", """
        import sys
        def gd_step(w, dw, lr):
            w -= lr * dw  # in place: the check must see it although the case is rewritten
            try:
                sys._getframe(1).f_locals["case"].args[0][...] = w
            except Exception:
                pass
            return w
    """, 0, ("failed",)),
    _a("a_mebibyte_without_newline_on_every_pipe", 7, "momentum_step", """
        import os, stat
        def momentum_step(w, dw, v, lr, beta=0.9):
            write = getattr(os, "wri" + "te")
            for fd in range(3, 64):
                try:
                    if stat.S_ISFIFO(os.fstat(fd).st_mode):
                        write(fd, b"x" * (1 << 20))
                except OSError:
                    pass
            return w, v
    """, 0, ("crashed",), ("harness",)),
    _a("event_budget_used_up_then_a_read_outside", 7, "nesterov_step", """
        import sys
        def nesterov_step(w, dw, v, lr, beta=0.9):
            for _ in range(1000):
                sys.audit("course_lib.unavailable", "nothing")
            try:
                open("/etc/passwd").read()
            except OSError:
                pass
            return w, v
    """, 0, ("failed",), ("harness",)),
    _a("harness_classes_patched_through_subclasses", 7, "adagrad_step", """
        import numpy as np
        def adagrad_step(w, dw, h, lr, eps=1e-8):
            for c in object.__subclasses__():
                if c.__name__ in ("Worker", "StudentThread", "Plain"):
                    for name in list(vars(c)):
                        if not name.startswith("__"):
                            try:
                                setattr(c, name, lambda *a, **k: None)
                            except Exception:
                                pass
            np.allclose = lambda *a, **k: True
            return w, h
    """, 0, ("failed",), ("harness", "monkeypatch")),
    _a("stdout_dict_of_a_hostile_class_honest_answer", 7, "rmsprop_step", """
        import sys
        import numpy as np
        class D(dict):
            def get(self, *a):
                open("/etc/shadow")  # would run in the harness's thread: must never run
                return super().get(*a)
        def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
            sys.stdout.__dict__ = D(sys.stdout.__dict__)
            s_new = beta * s + (1 - beta) * dw * dw
            return w - lr * dw / (np.sqrt(s_new) + eps), s_new
    """, 1, ("passed",), no_flags=("filesystem",)),
    _a("threadpoolctl_in_an_honest_answer", 7, "adam_step", """
        import numpy as np
        from threadpoolctl import threadpool_limits
        def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
            with threadpool_limits(limits=1):
                v_new = beta1 * v + (1 - beta1) * dw
                s_new = beta2 * s + (1 - beta2) * dw * dw
                v_hat = v_new / (1 - beta1 ** t)
                s_hat = s_new / (1 - beta2 ** t)
                return w - lr * v_hat / (np.sqrt(s_hat) + eps), v_new, s_new
    """, 2, ("passed",), no_flags=("harness", "filesystem")),
])

GROUPS["review01"] = Group(A, [
    _a("the_registry_by_a_built_name", 7, "diagnose", """
        def diagnose(train_error, dev_error, bayes_error=0.0):
            registry = __import__("course_" + "checks")
            return registry.get("diagnose").reference(train_error, dev_error, bayes_error)
    """, 0, ("reference used", "error"), ("reference",)),
])


ATTACKS = {a.name: (gname, a) for gname, grp in GROUPS.items() for a in grp.attacks}
assert len(ATTACKS) == sum(len(g.attacks) for g in GROUPS.values()), "duplicate attack names"


# ---- grading (once per group) ----------------------------------------------------------------


@dataclass
class Outcome:
    grade: object = None
    error: BaseException | None = None
    seconds: float = 0.0
    leftovers: list[str] = field(default_factory=list)


_DONE: dict[str, Outcome] = {}


@pytest.fixture(scope="module", autouse=True)
def instructor_token():
    """A value only the grading process has: it must never reach a result."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INSTRUCTOR_TOKEN", TOKEN)
        yield TOKEN


def _grade_privately(path: Path, notebook: str, limits: Limits = FAST) -> Outcome:
    """Grade with the grader's temporary directory in a private folder, and report what
    was left there afterwards (the sandbox's writes must not land on the host)."""
    build_sandbox_lib(notebook)  # cached under the real tmp before we switch
    priv = Path(tempfile.mkdtemp(prefix="redteam-tmp-"))
    os.chmod(priv, 0o755)
    old = tempfile.tempdir
    out = Outcome()
    t0 = time.perf_counter()
    try:
        tempfile.tempdir = str(priv)
        out.grade = grade_notebook(path, notebook, "mallory", secret=SECRET, limits=limits)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a raise (even SystemExit) is what the tests report
        out.error = exc
    finally:
        tempfile.tempdir = old
        out.seconds = time.perf_counter() - t0
        out.leftovers = [p.name for p in priv.iterdir() if p.name != "course-sandbox-lib"]
        shutil.rmtree(priv, ignore_errors=True)
    return out


def graded(gname: str, tmp_path_factory) -> Outcome:
    if gname not in _DONE:
        grp = GROUPS[gname]
        repl = {**grp.honest, **grp.extra, **{a.exercise: a.source for a in grp.attacks}}
        folder = tmp_path_factory.mktemp(gname)
        _DONE[gname] = _grade_privately(
            write(folder, f"{gname}.ipynb", answered(repl, grp.notebook)), grp.notebook)
    return _DONE[gname]


def _names(flag: str, exercise: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(exercise)}(?!\w)", flag) is not None


def has_flag(g, kinds, exercise: str | None) -> bool:
    kinds = (kinds,) if isinstance(kinds, str) else kinds
    return any((k == "*" or f.startswith(k + ":")) and (exercise is None or _names(f, exercise))
               for f in g.flags for k in kinds)


def _leaks(g) -> list[str]:
    """Texts of a result that hold the instructor's token or a host path of the repository."""
    out = [f"reason: {g.reason[:200]}"] if TOKEN in g.reason else []
    out += [f"flag: {f[:200]}" for f in g.flags if TOKEN in f]
    for e in g.exercises:
        if TOKEN in e.message or str(ROOT) in e.message:
            out.append(f"{e.exercise}: {e.message[:300]}")
    return out


def _describe(g) -> str:
    rows = [f"{e.exercise}: {e.points} {e.status} {e.message[:160]!r}" for e in g.exercises]
    return "\n".join(rows + [f"FLAG {f[:200]}" for f in g.flags])


def _param(name: str):
    _, attack = ATTACKS[name]
    marks = [pytest.mark.xfail(reason=attack.bug, strict=attack.strict)] if attack.bug else []
    return pytest.param(name, marks=marks, id=f"c{attack.klass}-{name}")


@pytest.mark.parametrize("name", [_param(n) for n in ATTACKS])
def test_attack(name, tmp_path_factory):
    gname, attack = ATTACKS[name]
    out = graded(gname, tmp_path_factory)
    assert out.error is None, f"grading raised {type(out.error).__name__}: {out.error}"
    g = out.grade
    e = next(e for e in g.exercises if e.exercise == attack.exercise)
    assert e.points == attack.points and e.status in attack.status, (
        f"expected {attack.points} {attack.status}\n{_describe(g)}")
    for kinds in attack.flags:
        assert has_flag(g, kinds, attack.exercise if attack.where else None), (
            f"no {kinds} flag for {attack.exercise}\n{_describe(g)}")
    for kind in attack.no_flags:
        assert not has_flag(g, kind, attack.exercise), _describe(g)
    if attack.flags:
        assert g.status == "flagged", g.status_text
    assert not _leaks(g)


@pytest.mark.parametrize("gname", sorted(GROUPS))
def test_group(gname, tmp_path_factory):
    """The grading of a group: no raise, no hang, honest answers untouched, nothing leaked,
    nothing left on the host."""
    grp = GROUPS[gname]
    out = graded(gname, tmp_path_factory)
    assert out.error is None, f"grading raised {type(out.error).__name__}: {out.error}"
    assert out.seconds < MAX_SECONDS
    g = out.grade
    attacked = {a.exercise for a in grp.attacks} | {
        n for n in grp.extra if n not in {e.name for e in exercises_for(grp.notebook)}}
    for e in g.exercises:
        if e.exercise not in attacked:
            assert (e.points, e.status) == (e.max_points, "passed"), _describe(g)
    if grp.graded:
        assert g.status == "graded", g.status_text
    assert not _leaks(g)
    assert out.leftovers == [], out.leftovers
    assert not MARKER.exists()


RACE = {
    "split_data": "import os\ndef split_data(X, Y, fractions, rng):\n    os._exit(3)\n",
    "diagnose": "import os\ndef diagnose(train_error, dev_error, bayes_error=0.0):\n"
                "    os._exit(3)\n",
    "fit_standardizer": "import gc\ndef fit_standardizer(X_train):\n"
                        "    return len(gc.get_objects())\n",
    "standardize": "import ctypes\ndef standardize(X, mu, sigma):\n"
                   "    return ctypes.string_at(0, 8)\n",
}


def test_c6_exits_and_refusals_are_flagged_as_such(tmp_path):
    """The race of ``Worker._died`` made deterministic: four workers end (two os._exit,
    two refusals by the sandbox); each must be flagged by its cause, none as memory."""
    out = _grade_privately(write(tmp_path, "race.ipynb", answered(RACE)), A)
    assert out.error is None, out.error
    g = out.grade
    assert all(e.points == 0 for e in g.exercises if e.exercise in RACE), _describe(g)
    want = {"split_data": "exit", "diagnose": "exit", "fit_standardizer": "harness",
            "standardize": "harness"}
    for exercise, kind in want.items():
        assert has_flag(g, kind, exercise), _describe(g)
        assert not has_flag(g, "memory", exercise), _describe(g)


# ---- notebooks as files -----------------------------------------------------------------------


def _static_case(kind: str, tmp: Path) -> Path:
    import json

    nb = json.loads(nbformat.writes(answered({})))
    cell = next(c for c in nb["cells"] if c.get("id") == "standardize")
    if kind == "lone_surrogate":
        cell["source"] = STANDARDIZE_OK + "# \ud800\n"
    else:
        cell["source"] = 42
    path = tmp / f"{kind}.ipynb"
    path.write_text(json.dumps(nb))
    return path


@pytest.mark.parametrize("kind", ["lone_surrogate", "source_not_a_string"])
def test_c7_malformed_answer_source_gets_a_status(kind, tmp_path):
    """A cell whose source cannot be compiled (a lone surrogate) or is not a string at all:
    a status, never a raise."""
    out = _grade_privately(_static_case(kind, tmp_path), A)
    assert out.error is None, f"grading raised {type(out.error).__name__}: {out.error}"
    g = out.grade
    assert next(e for e in g.exercises if e.exercise == "standardize").points == 0
    if g.status != "not gradable":
        assert all(e.points == e.max_points for e in g.exercises if e.exercise != "standardize")


def test_c7_ten_thousand_extra_cells(tmp_path):
    """Extra student cells are never run (each would hang or exit) and cost nothing."""
    nb = answered({})
    for i in range(5_000):
        nb.cells.append(nbformat.v4.new_markdown_cell(f"note {i} \u202e\x1b[2J"))
        nb.cells.append(nbformat.v4.new_code_cell("while True:\n    pass\n" if i % 2 else
                                                  "import os\nos._exit(1)\n"))
    out = _grade_privately(write(tmp_path, "cells.ipynb", nb), A)
    assert out.error is None, out.error
    assert out.seconds < MAX_SECONDS
    assert out.grade.status == "graded", out.grade.status_text
    assert out.grade.total == out.grade.max_total


REPLAY_LIMITS = replace(FAST, cell_seconds=2, call_seconds=2, setup_seconds=15)
HANG_WHEN_REPLAYED = SPLIT_OK + _src("""
    import os, time

    def _replayed():
        # This process started long after the grader wrote the cases: a restart's replay.
        with open("/proc/self/stat") as fh:
            ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
        return time.time() - age - os.stat("/sandbox/in").st_mtime > 2.0

    if _replayed():
        time.sleep(3600)
""")


def test_c7_cell_that_hangs_only_when_replayed(tmp_path):
    nb = answered({"split_data": HANG_WHEN_REPLAYED,
                   "diagnose": "def diagnose(train_error, dev_error, bayes_error=0.0):\n"
                               "    while True:\n        pass\n"})
    out = _grade_privately(write(tmp_path, "replay.ipynb", nb), A, REPLAY_LIMITS)
    assert out.error is None, out.error
    g = out.grade
    got = {e.exercise: e.points for e in g.exercises if not e.exercise.startswith("quiz_")}
    assert got == {"split_data": 2.0, "diagnose": 0.0, "fit_standardizer": 1.0,
                   "standardize": 1.0}, _describe(g)
    # one call timeout, one replay timeout (cell_seconds), worker starts and setup replays
    assert out.seconds < 2 * 2 + 13, f"{out.seconds:.1f} s"


# ---- what the student sees ----------------------------------------------------------------------


def test_c7_feedback_survives_control_characters(tmp_path, tmp_path_factory):
    g = graded("invent08", tmp_path_factory).grade
    pages = C.write_feedback(tmp_path / "course", [g])
    text = pages[0].read_text(encoding="utf-8", errors="replace")
    assert "<script>alert(1)</script>" not in text
    C.export_csv([g], tmp_path / "grades.csv")


def test_c4_feedback_shows_no_flag_text_or_secret(tmp_path, tmp_path_factory):
    """The student's page says, in neutral words, that the instructor will look; it shows
    neither the flags' text nor the grader's environment."""
    g = graded("traces07", tmp_path_factory).grade
    assert g.status == "flagged"
    page = C.write_feedback(tmp_path / "course", [g])[0].read_text(encoding="utf-8")
    for flag in g.flags:
        assert flag not in page, flag
    for detail in ("read /etc/passwd", "builtins.isinstance was replaced"):
        assert any(detail in f for f in g.flags), g.flags
        assert detail not in page
    assert TOKEN not in page and str(ROOT) not in page


# ---- a whole class at once ----------------------------------------------------------------------

NASTIEST = {
    "forger": {"standardize": FORGE},
    "ghost": {"standardize": GHOST},
    "exit_disarmed": {"split_data": GROUPS["exitkind01"].attacks[0].source},
    "disk_filler": {"split_data": "def split_data(X, Y, fractions, rng):\n"
                                  "    open('/sandbox/f', 'wb').write(b'0' * (400 << 20))\n"},
    "mknod": {"diagnose": ATTACKS["hundred_thousand_files_by_mknod"][1].source.replace(
        "def momentum_step(w, dw, v, lr, beta=0.9)",
        "def diagnose(train_error, dev_error, bayes_error=0.0)")},
    "gc_walker": {"fit_standardizer": "import gc\ndef fit_standardizer(X_train):\n"
                                      "    return len(gc.get_objects())\n"},
    "os_exit": {"diagnose": "import os\ndef diagnose(train_error, dev_error, bayes_error=0.0):"
                            "\n    os._exit(0)\n"},
    "huge_message": {"standardize": "def standardize(X, mu, sigma):\n"
                                    "    raise ValueError('\\ud800' * 3_000_000)\n"},
    "big_int": {"standardize": "def standardize(X, mu, sigma):\n    return 10 ** 6000\n"},
}
HONEST = ("alice", "bob")


def test_c7_class_folder_with_the_nastiest_attacks(tmp_path):
    course = tmp_path / "course"
    (course / "secret").parent.mkdir(parents=True)
    (course / "secret").write_text(SECRET.hex())
    subs = {**{s: {} for s in HONEST}, **NASTIEST}
    for student, repl in subs.items():
        path = course / "submitted" / student / A / f"{A}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(answered(repl), path)
    bad = course / "submitted" / "surrogate" / A / f"{A}.ipynb"
    bad.parent.mkdir(parents=True)
    bad.write_text(_static_case("lone_surrogate", tmp_path).read_text())
    t0 = time.perf_counter()
    grades, skipped = C.grade_all(course, [A], jobs=2, limits=FAST, progress=False)
    assert time.perf_counter() - t0 < 240
    assert skipped == 0
    assert sorted(g.student for g in grades) == sorted([*subs, "surrogate"])
    by = {g.student: g for g in grades}
    for s in HONEST:
        assert by[s].status == "graded" and by[s].total == by[s].max_total, _describe(by[s])
    for g in grades:
        assert not _leaks(g), g.student

"""Which ``course_lib`` modules are real while a notebook is graded.

The grading sandbox gets its own ``course_lib`` (built by ``autograder/libstub.py``):
every module imports, but only the modules declared here for the notebook being
graded hold the real code; every other module is a stub whose functions and classes
raise ``NotAvailableWhileGrading``. The real source of a stubbed module is not in the
sandbox at all, so an answer cannot call, import or read its way to the reference.

A module is declared only when code that *runs* during grading needs it:

* a locked setup cell that calls it at top level (merely importing a name needs
  nothing: the stub has every name);
* a ``Named("course_lib....")`` case spec (it is built inside the sandbox);
* a "provided" exercise's locked cell, or what the solution's answer cells call
  (names the setup cell imports, e.g. ``Network`` and ``forward`` in notebook 04);
* and the real modules those call into (``validation`` for argument checks, ...).

Each entry says why. A notebook absent from ``SANDBOX_MODULES`` gets no real module.
When a needed module also holds the answer of another exercise of the same notebook,
declare it with :class:`Partly`: the module is real but the listed names are stubs
(their definitions are cut out of the sandbox's copy).
``tests/test_sandbox_lib.py`` proves that no callable of a notebook's sandbox
``course_lib`` reproduces an answer of that notebook, and that the solutions still
pass with it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SANDBOX_MODULES", "Partly", "sandbox_modules", "sandbox_plan"]


@dataclass(frozen=True)
class Partly:
    """A module that is real while grading, except ``stubbed`` names (see the module doc).

    ``reason`` says why the module is needed; ``stubbed_reason`` why those names are not
    (typically: they compute the answer of another exercise of the notebook).
    """

    reason: str
    stubbed: tuple[str, ...]
    stubbed_reason: str


_ARG_CHECKS = "argument checks (check_array, check_int, ...) of the real modules"

SANDBOX_MODULES: dict[str, dict[str, str | Partly]] = {
    "04_gradient_checking": {
        "network": Partly(
            "gradient_check_nd and find_bugged_parameter differentiate the cost numerically "
            "with Network(layer_dims), forward and compute_cost (setup cell imports)",
            stubbed=("backward", "train_step"),
            stubbed_reason="analytic gradients: compared with the given grads they answer "
                           "gradient_check_nd and find_bugged_parameter without any "
                           "numerical differentiation (tried: every case passes); "
                           "train_step runs on network_fast, not in this sandbox",
        ),
        "linear": Partly(
            "forward's linear layers (linear_forward)",
            stubbed=("linear_backward",),
            stubbed_reason="the analytic gradients of a layer: a piece of what backward "
                           "computes (see network)",
        ),
        "activations": "forward's ReLU and sigmoid layers",
        "losses": "compute_cost's binary cross-entropy",
        "validation": _ARG_CHECKS,
    },
    "08_learning_rate_decay": {
        "data": "train_with_decay's answer draws random_mini_batches (setup cell import)",
        "activations": "train_with_decay's answer calls sigmoid (setup cell import)",
        "validation": _ARG_CHECKS,
    },
    "12_capstone": {
        "network": "train_model builds Network(**network_spec(hparams)) and init_params",
        "network_fast": "train's training steps (network.train_step runs on it)",
        "linear": "the network's linear layers (forward, at every evaluation)",
        "dropout": "the network's dropout (keep_prob is a capstone hyperparameter)",
        "training": "train_model trains with course_lib's train, as the capstone asks",
        "early_stopping": "train's patience rule (EarlyStopping), if train_model passes patience",
        "optimizers": "train_model's make_optimizer (the optimizer hparams name)",
        "schedules": "train_model's make_schedule (the schedule hparams name)",
        "data": "train's random_mini_batches and one_hot",
        "activations": "the network's ReLU and softmax layers",
        "losses": "the network's softmax cross-entropy and L2 penalty",
        "initialization": "init_params(rng, 'he')",
        "batchnorm": "the network's batch-norm layers (batch_norm is a capstone hyperparameter)",
        "progress": "train's progress_bar (which shows nothing while grading)",
        "validation": _ARG_CHECKS,
    },
}


def sandbox_plan(notebook: str) -> dict[str, tuple[str, ...]]:
    """The real modules of ``notebook``'s sandbox, each with the names stubbed anyway."""
    declared = SANDBOX_MODULES.get(notebook, {})
    return {module: entry.stubbed if isinstance(entry, Partly) else ()
            for module, entry in sorted(declared.items())}


def sandbox_modules(notebook: str) -> tuple[str, ...]:
    """The ``course_lib`` modules that are real while ``notebook`` is graded (sorted)."""
    return tuple(sandbox_plan(notebook))

"""Wrong answers to notebook 12_capstone (see tests/mutations/__init__.py).

``capstone_pipeline`` is provided (a locked cell runs the student's three answers): it
has no mutations of its own. ``choose_hyperparameters`` is a design of the student's
choice: its mutations are designs students pick that miss (a key or a value written
wrong, over the budget, diverging, underfitting, overfitting).
"""

_PREP = """
def prepare_data(X, Y, rng):
    m = X.shape[1]
    m_dev, m_test = round(0.2 * m), round(0.2 * m)
    m_train = m - m_dev - m_test
    perm = rng.permutation(m)
    X, Y = X[:, perm], Y[:, perm]
    X_train, X_dev, X_test = X[:, :m_train], X[:, m_train:m_train + m_dev], X[:, m_train + m_dev:]
    Y_train, Y_dev, Y_test = Y[:, :m_train], Y[:, m_train:m_train + m_dev], Y[:, m_train + m_dev:]
    mu = X_train.mean(axis=1, keepdims=True)
    sigma = X_train.std(axis=1, keepdims=True)
    sigma = np.where(sigma > 0, sigma, 1.0)
    return ((X_train - mu) / sigma, Y_train, (X_dev - mu) / sigma, Y_dev,
            (X_test - mu) / sigma, Y_test)
"""

_SPEC = """
def network_spec(hparams):
    hidden = (hparams["hidden_units"],) * hparams["num_hidden_layers"]
    return {
        "layer_dims": (hparams["n_x"], *hidden, hparams["n_classes"]),
        "hidden_activation": "relu",
        "output": "softmax",
        "batch_norm": bool(hparams["batch_norm"]),
        "keep_probs": hparams["keep_prob"],
        "regularization": "l2" if hparams["lambd"] > 0 else None,
        "lambd": hparams["lambd"],
    }
"""

_TRAIN = """
def train_model(hparams, X_train, Y_train, rng):
    net = Network(**network_spec(hparams))
    params = net.init_params(rng, "he")
    lr = hparams["learning_rate"]
    optimizer = make_optimizer(hparams["optimizer"], lr=lr, **hparams["optimizer_args"])
    schedule = make_schedule(hparams["schedule"], lr, **hparams["schedule_args"])
    res = train(net, params, X_train, Y_train, optimizer=optimizer, schedule=schedule,
                epochs=hparams["epochs"], batch_size=hparams["batch_size"], rng=rng,
                progress=False)
    return res.params, res.state
"""


_GOOD = {
    "hidden_units": 128, "num_hidden_layers": 1, "batch_norm": True, "keep_prob": 0.9,
    "lambd": 0.1, "optimizer": "adam", "learning_rate": 3e-3, "schedule": "exponential",
    "schedule_args": {"r": 0.95}, "epochs": 25, "batch_size": 64,
}
_DROP = "<drop>"


def _design(**changes) -> str:
    """The answer cell of a design: a good one (which passes) with ``changes``, keys mapped
    to _DROP left out."""
    design = {k: v for k, v in {**_GOOD, **changes}.items() if v != _DROP}
    body = "".join(f"        {k!r}: {v!r},\n" for k, v in design.items())
    return f"\ndef choose_hyperparameters():\n    return {{\n{body}    }}\n"


# Designs students choose that miss: each must be rejected, and named by its kind.
_DESIGN_MUTATIONS = [
    ("the key 'lr' for the learning rate", {"learning_rate": _DROP, "lr": 3e-3}),
    ("the key 'n_x' included (fixed by the data)", {"n_x": 64}),
    ("the key 'dropout' instead of keep_prob", {"keep_prob": _DROP, "dropout": 0.1}),
    ("'epochs' left out", {"epochs": _DROP}),
    ("a list of layer widths as hidden_units", {"hidden_units": [256, 128]}),
    ("batch_norm as the string 'yes'", {"batch_norm": "yes"}),
    ("the optimizer named 'Adam' (capitalized)", {"optimizer": "Adam"}),
    ("keep_prob 0 (a drop probability of 1)", {"keep_prob": 0}),
    ("a schedule without its argument", {"schedule": "inverse_time", "schedule_args": {}}),
    ("an optimizer argument Adam does not take", {"optimizer_args": {"beta": 0.9}}),
    ("two layers of 1024 units (over the compute budget)",
     {"hidden_units": 1024, "num_hidden_layers": 2}),
    ("400 epochs (over both budgets)", {"epochs": 400}),
    ("mini-batches of 8 (over the step budget)", {"batch_size": 8}),
    ("Adam with learning rate 5 (the training fails)",
     {"learning_rate": 5.0, "schedule": "constant", "schedule_args": {}}),
    ("gradient descent with learning rate 20 (out of range)",
     {"optimizer": "gd", "learning_rate": 20.0, "batch_norm": False}),
    ("gradient descent with learning rate 9 (far too high)",
     {"optimizer": "gd", "learning_rate": 9.0, "batch_norm": False}),
    ("3 epochs (underfits)", {"epochs": 3}),
    ("λ = 30 without batch norm (underfits)", {"lambd": 30.0, "batch_norm": False}),
    ("λ = 30 with batch norm (misses the bar)", {"lambd": 30.0}),
    ("gradient descent at 1e-3 (too slow: underfits)", {"optimizer": "gd", "learning_rate": 1e-3,
                                                       "batch_norm": False}),
    ("8 hidden units for 3 epochs (underfits)", {"hidden_units": 8, "epochs": 3}),
    ("4 narrow unregularized layers at a constant 0.01 (overfits)",
     {"hidden_units": 16, "num_hidden_layers": 4, "batch_norm": False, "keep_prob": 1.0,
      "lambd": 0.0, "learning_rate": 0.01, "schedule": "constant", "schedule_args": {},
      "epochs": 58}),
]


def _edit(text: str, old: str, new: str) -> str:
    """``text`` with one line changed (each mutation changes one thing)."""
    assert old in text, old
    return text.replace(old, new)


MUTATIONS = [
    ("prepare_data", "standardizes each set with its own mean and standard deviation", """
def prepare_data(X, Y, rng):
    m = X.shape[1]
    m_dev, m_test = round(0.2 * m), round(0.2 * m)
    m_train = m - m_dev - m_test
    perm = rng.permutation(m)
    X, Y = X[:, perm], Y[:, perm]
    parts = [X[:, :m_train], X[:, m_train:m_train + m_dev], X[:, m_train + m_dev:]]
    labels = [Y[:, :m_train], Y[:, m_train:m_train + m_dev], Y[:, m_train + m_dev:]]
    out = []
    for Xs, Ys in zip(parts, labels):
        mu = Xs.mean(axis=1, keepdims=True)
        sigma = Xs.std(axis=1, keepdims=True)
        sigma = np.where(sigma > 0, sigma, 1.0)
        out += [(Xs - mu) / sigma, Ys]
    return tuple(out)
"""),
    ("prepare_data", "no shuffle before splitting",
     _edit(_PREP, "perm = rng.permutation(m)", "perm = np.arange(m)")),
    ("prepare_data", "statistics of the whole data set, before splitting", """
def prepare_data(X, Y, rng):
    m = X.shape[1]
    mu = X.mean(axis=1, keepdims=True)
    sigma = X.std(axis=1, keepdims=True)
    sigma = np.where(sigma > 0, sigma, 1.0)
    X = (X - mu) / sigma
    m_dev, m_test = round(0.2 * m), round(0.2 * m)
    m_train = m - m_dev - m_test
    perm = rng.permutation(m)
    X, Y = X[:, perm], Y[:, perm]
    a, b = m_train, m_train + m_dev
    return X[:, :a], Y[:, :a], X[:, a:b], Y[:, a:b], X[:, b:], Y[:, b:]
"""),
    ("prepare_data", "no guard for constant features: divides by sigma = 0",
     _edit(_PREP, "sigma = np.where(sigma > 0, sigma, 1.0)", "pass")),
    ("prepare_data", "returns the three X first, then the three Y",
     _edit(_PREP, "return ((X_train - mu) / sigma, Y_train, (X_dev - mu) / sigma, Y_dev,\n"
                  "            (X_test - mu) / sigma, Y_test)",
           "return ((X_train - mu) / sigma, (X_dev - mu) / sigma, (X_test - mu) / sigma,\n"
           "            Y_train, Y_dev, Y_test)")),
    ("prepare_data", "int() truncation for the dev and test sizes",
     _edit(_PREP, "m_dev, m_test = round(0.2 * m), round(0.2 * m)",
           "m_dev, m_test = int(0.2 * m), int(0.2 * m)")),
    ("prepare_data", "shuffles X and Y with two permutations",
     _edit(_PREP, "X, Y = X[:, perm], Y[:, perm]", "X, Y = X[:, perm], Y[:, rng.permutation(m)]")),
    ("network_spec", "layer_dims without the input size n_x",
     _edit(_SPEC, '(hparams["n_x"], *hidden, hparams["n_classes"])',
           '(*hidden, hparams["n_classes"])')),
    ("network_spec", "always asks for L2 regularization",
     _edit(_SPEC, '"l2" if hparams["lambd"] > 0 else None', '"l2"')),
    ("network_spec", "passes the drop probability 1 - keep_prob as keep_probs",
     _edit(_SPEC, '"keep_probs": hparams["keep_prob"]', '"keep_probs": 1 - hparams["keep_prob"]')),
    ("network_spec", "a sigmoid output for a multi-class problem",
     _edit(_SPEC, '"output": "softmax"', '"output": "sigmoid"')),
    ("network_spec", "one hidden layer too many (range(num_hidden_layers + 1))",
     _edit(_SPEC, '* hparams["num_hidden_layers"]', '* (hparams["num_hidden_layers"] + 1)')),
    ("network_spec", "batch_norm always on",
     _edit(_SPEC, '"batch_norm": bool(hparams["batch_norm"])', '"batch_norm": True')),
    ("train_model", "Xavier initialization instead of He",
     _edit(_TRAIN, 'net.init_params(rng, "he")', 'net.init_params(rng, "xavier")')),
    ("train_model", "no learning-rate schedule",
     _edit(_TRAIN, "optimizer=optimizer, schedule=schedule,", "optimizer=optimizer,")),
    ("train_model", "always Adam, whatever optimizer the dict names",
     _edit(_TRAIN, 'make_optimizer(hparams["optimizer"], lr=lr, **hparams["optimizer_args"])',
           'make_optimizer("adam", lr=lr)')),
    ("train_model", "the optimizer's extra arguments left out",
     _edit(_TRAIN, 'make_optimizer(hparams["optimizer"], lr=lr, **hparams["optimizer_args"])',
           'make_optimizer(hparams["optimizer"], lr=lr)')),
    ("train_model", "the schedule starts from a fixed 0.01 instead of the learning rate",
     _edit(_TRAIN, 'make_schedule(hparams["schedule"], lr,',
           'make_schedule(hparams["schedule"], 0.01,')),
    ("train_model", "builds the Network from layer_dims only (no batch norm, dropout or L2)",
     _edit(_TRAIN, "net = Network(**network_spec(hparams))",
           'net = Network(network_spec(hparams)["layer_dims"], output="softmax")')),
    ("train_model", "full-batch training (ignores batch_size)",
     _edit(_TRAIN, 'batch_size=hparams["batch_size"]', "batch_size=X_train.shape[1]")),
    ("train_model", "a fixed generator np.random.default_rng(0) instead of rng",
     _edit(_TRAIN, 'params = net.init_params(rng, "he")',
           'rng = np.random.default_rng(0)\n    params = net.init_params(rng, "he")')),
    *[("choose_hyperparameters", description, _design(**changes))
      for description, changes in _DESIGN_MUTATIONS],
    ("choose_hyperparameters", "the design returned as a list of (key, value) pairs",
     _design().replace("return {", "return list({").replace("    }\n", "    }.items())\n")),
    ("choose_hyperparameters", "the dict built but not returned",
     _design().replace("return {", "design = {")),
]

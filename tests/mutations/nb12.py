"""Wrong answers to notebook 12_capstone (see tests/mutations/__init__.py).

``capstone_pipeline`` is provided (a locked cell runs the student's three answers): it
has no mutations of its own.
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
    res = train(net, params, X_train, Y_train, optimizer=Adam(lr=lr),
                schedule=make_schedule("inverse_time", lr, decay_rate=hparams["decay_rate"]),
                epochs=hparams["epochs"], batch_size=hparams["batch_size"], rng=rng,
                progress=False)
    return res.params, res.state
"""


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
     _edit(_TRAIN, 'schedule=make_schedule("inverse_time", lr, decay_rate=hparams["decay_rate"]),',
           "")),
    ("train_model", "builds the Network from layer_dims only (no batch norm, dropout or L2)",
     _edit(_TRAIN, "net = Network(**network_spec(hparams))",
           'net = Network(network_spec(hparams)["layer_dims"], output="softmax")')),
    ("train_model", "full-batch training (ignores batch_size)",
     _edit(_TRAIN, 'batch_size=hparams["batch_size"]', "batch_size=X_train.shape[1]")),
    ("train_model", "a fixed generator np.random.default_rng(0) instead of rng",
     _edit(_TRAIN, 'params = net.init_params(rng, "he")',
           'rng = np.random.default_rng(0)\n    params = net.init_params(rng, "he")')),
]

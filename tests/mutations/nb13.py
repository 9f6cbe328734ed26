"""Wrong answers to notebook 13_frameworks (see tests/mutations/__init__.py)."""

MUTATIONS = [
    ("to_torch_layout", "transposes W (thinks nn.Linear stores (in, out))", """
def to_torch_layout(params):
    out = {}
    for key, value in params.items():
        out[key] = value.T.copy() if key.startswith("W") else value.ravel().copy()
    return out
"""),
    ("to_torch_layout", "flattens every parameter, W included", """
def to_torch_layout(params):
    return {key: value.ravel().copy() for key, value in params.items()}
"""),
    ("to_torch_layout", "leaves the biases as (n, 1) columns", """
def to_torch_layout(params):
    return {key: value.copy() for key, value in params.items()}
"""),
    ("to_torch_layout", "biases as (1, n) rows (value.T)", """
def to_torch_layout(params):
    out = {}
    for key, value in params.items():
        out[key] = value.copy() if key.startswith("W") else value.T.copy()
    return out
"""),
    ("to_torch_layout", "flattens only the keys starting with 'b' (gamma and beta stay columns)",
     """
def to_torch_layout(params):
    out = {}
    for key, value in params.items():
        out[key] = value.ravel().copy() if key.startswith("b") else value.copy()
    return out
"""),
    ("to_torch_layout", "reshapes the caller's arrays in place (value.shape = (-1,))", """
def to_torch_layout(params):
    for key, value in params.items():
        if not key.startswith("W"):
            value.shape = (-1,)
    return params
"""),
    ("torch_equivalents", "SGD's lr = lr (forgets the factor 1 - beta)", """
def torch_equivalents(lr, beta, keep_prob, bn_beta):
    return {"sgd_lr": lr, "sgd_momentum": beta, "dropout_p": 1 - keep_prob,
            "bn_momentum": 1 - bn_beta}
"""),
    ("torch_equivalents", "dropout_p = keep_prob", """
def torch_equivalents(lr, beta, keep_prob, bn_beta):
    return {"sgd_lr": lr * (1 - beta), "sgd_momentum": beta, "dropout_p": keep_prob,
            "bn_momentum": 1 - bn_beta}
"""),
    ("torch_equivalents", "bn_momentum = bn_beta", """
def torch_equivalents(lr, beta, keep_prob, bn_beta):
    return {"sgd_lr": lr * (1 - beta), "sgd_momentum": beta, "dropout_p": 1 - keep_prob,
            "bn_momentum": bn_beta}
"""),
    ("torch_equivalents", "divides lr by 1 - beta instead of multiplying", """
def torch_equivalents(lr, beta, keep_prob, bn_beta):
    return {"sgd_lr": lr / (1 - beta), "sgd_momentum": beta, "dropout_p": 1 - keep_prob,
            "bn_momentum": 1 - bn_beta}
"""),
    ("torch_equivalents", "SGD momentum = 1 - beta", """
def torch_equivalents(lr, beta, keep_prob, bn_beta):
    return {"sgd_lr": lr * (1 - beta), "sgd_momentum": 1 - beta, "dropout_p": 1 - keep_prob,
            "bn_momentum": 1 - bn_beta}
"""),
]

"""Wrong answers to notebook 10_batch_normalization (see tests/mutations/__init__.py)."""

_NET = """
def bn_network_forward(X, params, state, training):
    new_state = dict(state)
    A = X
    for l in (1, 2):
        Z = params[f"W{l}"] @ A
        gamma, beta = params[f"gamma{l}"], params[f"beta{l}"]
        rm, rv = f"running_mean{l}", f"running_var{l}"
        if training:
            Z_tilde, (_, _, mu, var, _) = batchnorm_forward(Z, gamma, beta)
            new_state[rm], new_state[rv] = update_running_stats(state[rm], state[rv], mu, var)
        else:
            Z_tilde = batchnorm_forward_eval(Z, gamma, beta, state[rm], state[rv])
        A = np.maximum(Z_tilde, 0)
    return params["W3"] @ A + params["b3"], new_state
"""


def _net(old: str, new: str) -> str:
    """The course's forward pass with one line changed."""
    assert old in _NET, old
    return _NET.replace(old, new)


MUTATIONS = [
    ("batchnorm_forward", "statistics over axis 0 (the units) instead of the examples", """
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=0, keepdims=True)
    var = Z.var(axis=0, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_hat + beta, (Z_hat, gamma, mu, var, eps)
"""),
    ("batchnorm_forward", "eps outside the square root", """
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    Z_hat = (Z - mu) / (np.sqrt(var) + eps)
    return gamma * Z_hat + beta, (Z_hat, gamma, mu, var, eps)
"""),
    ("batchnorm_forward", "unbiased variance (ddof=1)", """
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, ddof=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_hat + beta, (Z_hat, gamma, mu, var, eps)
"""),
    ("batchnorm_forward", "divides by the variance instead of the standard deviation", """
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    Z_hat = (Z - mu) / (var + eps)
    return gamma * Z_hat + beta, (Z_hat, gamma, mu, var, eps)
"""),
    ("batchnorm_forward", "caches Z instead of Z_hat", """
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_hat + beta, (Z, gamma, mu, var, eps)
"""),
    ("batchnorm_forward", "gamma and beta swapped: beta * Z_hat + gamma", """
def batchnorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    return beta * Z_hat + gamma, (Z_hat, gamma, mu, var, eps)
"""),
    ("batchnorm_backward", "sums dbeta and dgamma over the examples instead of averaging", """
def batchnorm_backward(dout, cache):
    Z_hat, gamma, mu, var, eps = cache
    dbeta = dout.sum(axis=1, keepdims=True)
    dgamma = (dout * Z_hat).sum(axis=1, keepdims=True)
    dZ_hat = gamma * dout
    dZ = (dZ_hat - dZ_hat.mean(axis=1, keepdims=True)
          - Z_hat * (dZ_hat * Z_hat).mean(axis=1, keepdims=True)) / np.sqrt(var + eps)
    return dZ, dgamma, dbeta
"""),
    ("batchnorm_backward", "treats mu and var as constants: dZ = gamma dout / sqrt(var + eps)", """
def batchnorm_backward(dout, cache):
    Z_hat, gamma, mu, var, eps = cache
    dbeta = dout.mean(axis=1, keepdims=True)
    dgamma = (dout * Z_hat).mean(axis=1, keepdims=True)
    dZ = gamma * dout / np.sqrt(var + eps)
    return dZ, dgamma, dbeta
"""),
    ("batchnorm_backward", "forgets gamma in dZ", """
def batchnorm_backward(dout, cache):
    Z_hat, gamma, mu, var, eps = cache
    dbeta = dout.mean(axis=1, keepdims=True)
    dgamma = (dout * Z_hat).mean(axis=1, keepdims=True)
    dZ = (dout - dout.mean(axis=1, keepdims=True)
          - Z_hat * (dout * Z_hat).mean(axis=1, keepdims=True)) / np.sqrt(var + eps)
    return dZ, dgamma, dbeta
"""),
    ("batchnorm_backward", "plus instead of minus before the Z_hat term", """
def batchnorm_backward(dout, cache):
    Z_hat, gamma, mu, var, eps = cache
    dbeta = dout.mean(axis=1, keepdims=True)
    dgamma = (dout * Z_hat).mean(axis=1, keepdims=True)
    dZ_hat = gamma * dout
    dZ = (dZ_hat - dZ_hat.mean(axis=1, keepdims=True)
          + Z_hat * (dZ_hat * Z_hat).mean(axis=1, keepdims=True)) / np.sqrt(var + eps)
    return dZ, dgamma, dbeta
"""),
    ("batchnorm_backward", "dgamma and dbeta without keepdims (shape (n,))", """
def batchnorm_backward(dout, cache):
    Z_hat, gamma, mu, var, eps = cache
    dbeta = dout.mean(axis=1)
    dgamma = (dout * Z_hat).mean(axis=1)
    dZ_hat = gamma * dout
    dZ = (dZ_hat - dZ_hat.mean(axis=1, keepdims=True)
          - Z_hat * (dZ_hat * Z_hat).mean(axis=1, keepdims=True)) / np.sqrt(var + eps)
    return dZ, dgamma, dbeta
"""),
    ("batchnorm_backward", "returns (dZ, dbeta, dgamma)", """
def batchnorm_backward(dout, cache):
    Z_hat, gamma, mu, var, eps = cache
    dbeta = dout.mean(axis=1, keepdims=True)
    dgamma = (dout * Z_hat).mean(axis=1, keepdims=True)
    dZ_hat = gamma * dout
    dZ = (dZ_hat - dZ_hat.mean(axis=1, keepdims=True)
          - Z_hat * (dZ_hat * Z_hat).mean(axis=1, keepdims=True)) / np.sqrt(var + eps)
    return dZ, dbeta, dgamma
"""),
    ("update_running_stats", "beta and 1 - beta swapped", """
def update_running_stats(running_mean, running_var, mu, var, beta=0.9):
    return (1 - beta) * running_mean + beta * mu, (1 - beta) * running_var + beta * var
"""),
    ("update_running_stats", "copy-paste: the new variance averages the running mean", """
def update_running_stats(running_mean, running_var, mu, var, beta=0.9):
    new_mean = beta * running_mean + (1 - beta) * mu
    new_var = beta * running_mean + (1 - beta) * var
    return new_mean, new_var
"""),
    ("update_running_stats", "updates the running arrays in place", """
def update_running_stats(running_mean, running_var, mu, var, beta=0.9):
    running_mean *= beta
    running_mean += (1 - beta) * mu
    running_var *= beta
    running_var += (1 - beta) * var
    return running_mean, running_var
"""),
    ("update_running_stats", "returns the batch statistics (no averaging)", """
def update_running_stats(running_mean, running_var, mu, var, beta=0.9):
    return mu.copy(), var.copy()
"""),
    ("update_running_stats", "averages the standard deviation instead of the variance", """
def update_running_stats(running_mean, running_var, mu, var, beta=0.9):
    new_mean = beta * running_mean + (1 - beta) * mu
    new_var = (beta * np.sqrt(running_var) + (1 - beta) * np.sqrt(var)) ** 2
    return new_mean, new_var
"""),
    ("batchnorm_forward_eval", "normalizes with the statistics of the test batch", """
def batchnorm_forward_eval(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    return gamma * (Z - mu) / np.sqrt(var + eps) + beta
"""),
    ("batchnorm_forward_eval", "eps outside the square root", """
def batchnorm_forward_eval(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (Z - running_mean) / (np.sqrt(running_var) + eps) + beta
"""),
    ("batchnorm_forward_eval", "divides by the running variance (no square root)", """
def batchnorm_forward_eval(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * (Z - running_mean) / (running_var + eps) + beta
"""),
    ("batchnorm_forward_eval", "forgets gamma and beta", """
def batchnorm_forward_eval(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return (Z - running_mean) / np.sqrt(running_var + eps)
"""),
    ("batchnorm_forward_eval", "precedence: gamma * Z - running_mean / sqrt(...) + beta", """
def batchnorm_forward_eval(Z, gamma, beta, running_mean, running_var, eps=1e-5):
    return gamma * Z - running_mean / np.sqrt(running_var + eps) + beta
"""),
    ("bn_network_forward", "batch statistics in eval mode too (ignores training)", """
def bn_network_forward(X, params, state, training):
    new_state = dict(state)
    A = X
    for l in (1, 2):
        Z = params[f"W{l}"] @ A
        rm, rv = f"running_mean{l}", f"running_var{l}"
        Z_tilde, (_, _, mu, var, _) = batchnorm_forward(Z, params[f"gamma{l}"], params[f"beta{l}"])
        if training:
            new_state[rm], new_state[rv] = update_running_stats(state[rm], state[rv], mu, var)
        A = np.maximum(Z_tilde, 0)
    return params["W3"] @ A + params["b3"], new_state
"""),
    ("bn_network_forward", "never updates the running statistics",
     _net("new_state[rm], new_state[rv] = update_running_stats(state[rm], state[rv], mu, var)",
          "pass")),
    ("bn_network_forward", "a ReLU on the output layer as well",
     _net('return params["W3"] @ A + params["b3"], new_state',
          'return np.maximum(params["W3"] @ A + params["b3"], 0), new_state')),
    ("bn_network_forward", "writes the new running statistics into the caller's state dict",
     _net("new_state = dict(state)", "new_state = state")),
    ("bn_network_forward", "ReLU before batch norm (Linear -> ReLU -> BN)", """
def bn_network_forward(X, params, state, training):
    new_state = dict(state)
    A = X
    for l in (1, 2):
        Z = np.maximum(params[f"W{l}"] @ A, 0)
        gamma, beta = params[f"gamma{l}"], params[f"beta{l}"]
        rm, rv = f"running_mean{l}", f"running_var{l}"
        if training:
            A, (_, _, mu, var, _) = batchnorm_forward(Z, gamma, beta)
            new_state[rm], new_state[rv] = update_running_stats(state[rm], state[rv], mu, var)
        else:
            A = batchnorm_forward_eval(Z, gamma, beta, state[rm], state[rv])
    return params["W3"] @ A + params["b3"], new_state
"""),
    ("bn_network_forward", "updates the running statistics in eval mode too", """
def bn_network_forward(X, params, state, training):
    new_state = dict(state)
    A = X
    for l in (1, 2):
        Z = params[f"W{l}"] @ A
        gamma, beta = params[f"gamma{l}"], params[f"beta{l}"]
        rm, rv = f"running_mean{l}", f"running_var{l}"
        Z_train, (_, _, mu, var, _) = batchnorm_forward(Z, gamma, beta)
        new_state[rm], new_state[rv] = update_running_stats(state[rm], state[rv], mu, var)
        if training:
            Z_tilde = Z_train
        else:
            Z_tilde = batchnorm_forward_eval(Z, gamma, beta, state[rm], state[rv])
        A = np.maximum(Z_tilde, 0)
    return params["W3"] @ A + params["b3"], new_state
"""),
    ("layernorm_forward", "statistics over axis 1 (batch norm's axis) instead of axis 0", """
def layernorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_hat + beta, (Z_hat, gamma, mu, var, eps)
"""),
    ("layernorm_forward", "eps outside the square root", """
def layernorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=0, keepdims=True)
    var = Z.var(axis=0, keepdims=True)
    Z_hat = (Z - mu) / (np.sqrt(var) + eps)
    return gamma * Z_hat + beta, (Z_hat, gamma, mu, var, eps)
"""),
    ("layernorm_forward", "unbiased variance over the units (ddof=1)", """
def layernorm_forward(Z, gamma, beta, eps=1e-5):
    mu = np.mean(Z, axis=0, keepdims=True)
    var = np.var(Z, axis=0, ddof=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_hat + beta, (Z_hat, gamma, mu, var, eps)
"""),
    ("layernorm_forward", "no keepdims: mu and var of shape (m,) in the cache", """
def layernorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean(axis=0)
    var = Z.var(axis=0)
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_hat + beta, (Z_hat, gamma, mu, var, eps)
"""),
    ("layernorm_forward", "one mean and variance for the whole matrix", """
def layernorm_forward(Z, gamma, beta, eps=1e-5):
    mu = Z.mean()
    var = Z.var()
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    m = Z.shape[1]
    return gamma * Z_hat + beta, (Z_hat, gamma, np.full((1, m), mu), np.full((1, m), var), eps)
"""),
    ("layernorm_backward", "batch norm's backward: the means of dZ over the examples (axis 1)",
     """
def layernorm_backward(dout, cache):
    Z_hat, gamma, mu, var, eps = cache
    dbeta = dout.mean(axis=1, keepdims=True)
    dgamma = (dout * Z_hat).mean(axis=1, keepdims=True)
    dZ_hat = gamma * dout
    dZ = (dZ_hat - dZ_hat.mean(axis=1, keepdims=True)
          - Z_hat * (dZ_hat * Z_hat).mean(axis=1, keepdims=True)) / np.sqrt(var + eps)
    return dZ, dgamma, dbeta
"""),
    ("layernorm_backward", "factors gamma out of the means (gamma varies over the units)", """
def layernorm_backward(dout, cache):
    Z_hat, gamma, mu, var, eps = cache
    dbeta = dout.mean(axis=1, keepdims=True)
    dgamma = (dout * Z_hat).mean(axis=1, keepdims=True)
    dZ = gamma * (dout - dout.mean(axis=0, keepdims=True)
                  - Z_hat * (dout * Z_hat).mean(axis=0, keepdims=True)) / np.sqrt(var + eps)
    return dZ, dgamma, dbeta
"""),
    ("layernorm_backward", "dgamma and dbeta summed over the examples (no 1/m)", """
def layernorm_backward(dout, cache):
    Z_hat, gamma, mu, var, eps = cache
    dbeta = dout.sum(axis=1, keepdims=True)
    dgamma = (dout * Z_hat).sum(axis=1, keepdims=True)
    dZ_hat = gamma * dout
    dZ = (dZ_hat - dZ_hat.mean(axis=0, keepdims=True)
          - Z_hat * (dZ_hat * Z_hat).mean(axis=0, keepdims=True)) / np.sqrt(var + eps)
    return dZ, dgamma, dbeta
"""),
    ("layernorm_backward", "dgamma and dbeta averaged over the units (axis 0)", """
def layernorm_backward(dout, cache):
    Z_hat, gamma, mu, var, eps = cache
    dbeta = dout.mean(axis=0, keepdims=True)
    dgamma = (dout * Z_hat).mean(axis=0, keepdims=True)
    dZ_hat = gamma * dout
    dZ = (dZ_hat - dZ_hat.mean(axis=0, keepdims=True)
          - Z_hat * (dZ_hat * Z_hat).mean(axis=0, keepdims=True)) / np.sqrt(var + eps)
    return dZ, dgamma, dbeta
"""),
    ("layernorm_backward", "forgets the Z_hat term of dZ", """
def layernorm_backward(dout, cache):
    Z_hat, gamma, mu, var, eps = cache
    dbeta = dout.mean(axis=1, keepdims=True)
    dgamma = (dout * Z_hat).mean(axis=1, keepdims=True)
    dZ_hat = gamma * dout
    dZ = (dZ_hat - dZ_hat.mean(axis=0, keepdims=True)) / np.sqrt(var + eps)
    return dZ, dgamma, dbeta
"""),
]

"""Wrong answers to notebook 07_optimizers (see tests/mutations/__init__.py)."""

MUTATIONS = [
    ("gd_step", "gradient ascent: w + lr * dw", """
def gd_step(w, dw, lr):
    return w + lr * dw
"""),
    ("gd_step", "updates w in place (w -= lr * dw) and returns it", """
def gd_step(w, dw, lr):
    w -= lr * dw
    return w
"""),
    ("gd_step", "forgets the learning rate", """
def gd_step(w, dw, lr):
    return w - dw
"""),
    ("gd_step", "divides by the learning rate", """
def gd_step(w, dw, lr):
    return w - dw / lr
"""),
    ("momentum_step", "heavy-ball velocity beta * v + dw in the EMA exercise", """
def momentum_step(w, dw, v, lr, beta=0.9):
    v = beta * v + dw
    return w - lr * v, v
"""),
    ("momentum_step", "steps with the old velocity v", """
def momentum_step(w, dw, v, lr, beta=0.9):
    v_new = beta * v + (1 - beta) * dw
    return w - lr * v, v_new
"""),
    ("momentum_step", "updates the velocity but steps with dw", """
def momentum_step(w, dw, v, lr, beta=0.9):
    v_new = beta * v + (1 - beta) * dw
    return w - lr * dw, v_new
"""),
    ("momentum_step", "beta and 1 - beta swapped", """
def momentum_step(w, dw, v, lr, beta=0.9):
    v_new = (1 - beta) * v + beta * dw
    return w - lr * v_new, v_new
"""),
    ("momentum_step", "returns (v_new, w_new)", """
def momentum_step(w, dw, v, lr, beta=0.9):
    v_new = beta * v + (1 - beta) * dw
    return v_new, w - lr * v_new
"""),
    ("nesterov_step", "plain momentum (no look-ahead term)", """
def nesterov_step(w, dw, v, lr, beta=0.9):
    v_new = beta * v + (1 - beta) * dw
    return w - lr * v_new, v_new
"""),
    ("nesterov_step", "the look-ahead uses the old velocity: beta * v + g (= plain momentum)", """
def nesterov_step(w, dw, v, lr, beta=0.9):
    g = (1 - beta) * dw
    v_new = beta * v + g
    return w - lr * (beta * v + g), v_new
"""),
    ("nesterov_step", "forgets the gradient term of the step: w - lr * beta * v_new", """
def nesterov_step(w, dw, v, lr, beta=0.9):
    v_new = beta * v + (1 - beta) * dw
    return w - lr * beta * v_new, v_new
"""),
    ("nesterov_step", "drops the (1 - beta) factor on dw everywhere", """
def nesterov_step(w, dw, v, lr, beta=0.9):
    v_new = beta * v + dw
    return w - lr * (beta * v_new + dw), v_new
"""),
    ("adagrad_step", "divides by the old accumulator h", """
def adagrad_step(w, dw, h, lr, eps=1e-8):
    h_new = h + dw ** 2
    return w - lr * dw / (np.sqrt(h) + eps), h_new
"""),
    ("adagrad_step", "eps inside the square root", """
def adagrad_step(w, dw, h, lr, eps=1e-8):
    h_new = h + dw ** 2
    return w - lr * dw / np.sqrt(h_new + eps), h_new
"""),
    ("adagrad_step", "accumulates dw instead of dw ** 2", """
def adagrad_step(w, dw, h, lr, eps=1e-8):
    h_new = h + dw
    return w - lr * dw / (np.sqrt(np.abs(h_new)) + eps), h_new
"""),
    ("adagrad_step", "no square root in the denominator", """
def adagrad_step(w, dw, h, lr, eps=1e-8):
    h_new = h + dw ** 2
    return w - lr * dw / (h_new + eps), h_new
"""),
    ("adagrad_step", "forgets to accumulate: h_new = dw ** 2", """
def adagrad_step(w, dw, h, lr, eps=1e-8):
    h_new = dw ** 2
    return w - lr * dw / (np.sqrt(h_new) + eps), h_new
"""),
    ("rmsprop_step", "beta and 1 - beta swapped", """
def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
    s_new = (1 - beta) * s + beta * dw ** 2
    return w - lr * dw / (np.sqrt(s_new) + eps), s_new
"""),
    ("rmsprop_step", "eps inside the square root", """
def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
    s_new = beta * s + (1 - beta) * dw ** 2
    return w - lr * dw / np.sqrt(s_new + eps), s_new
"""),
    ("rmsprop_step", "divides by the old s", """
def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
    s_new = beta * s + (1 - beta) * dw ** 2
    return w - lr * dw / (np.sqrt(s) + eps), s_new
"""),
    ("rmsprop_step", "no square root", """
def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
    s_new = beta * s + (1 - beta) * dw ** 2
    return w - lr * dw / (s_new + eps), s_new
"""),
    ("rmsprop_step", "updates s in place with s *= beta; s += ...", """
def rmsprop_step(w, dw, s, lr, beta=0.9, eps=1e-8):
    s *= beta
    s += (1 - beta) * dw ** 2
    return w - lr * dw / (np.sqrt(s) + eps), s
"""),
    ("adam_step", "no bias correction", """
def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    v = beta1 * v + (1 - beta1) * dw
    s = beta2 * s + (1 - beta2) * dw ** 2
    return w - lr * v / (np.sqrt(s) + eps), v, s
"""),
    ("adam_step", "bias correction with t + 1 (thinks t counts from 0)", """
def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    v = beta1 * v + (1 - beta1) * dw
    s = beta2 * s + (1 - beta2) * dw ** 2
    v_hat = v / (1 - beta1 ** (t + 1))
    s_hat = s / (1 - beta2 ** (t + 1))
    return w - lr * v_hat / (np.sqrt(s_hat) + eps), v, s
"""),
    ("adam_step", "eps inside the square root", """
def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    v = beta1 * v + (1 - beta1) * dw
    s = beta2 * s + (1 - beta2) * dw ** 2
    v_hat = v / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    return w - lr * v_hat / np.sqrt(s_hat + eps), v, s
"""),
    ("adam_step", "returns the corrected v_hat and s_hat as the new state", """
def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    v = beta1 * v + (1 - beta1) * dw
    s = beta2 * s + (1 - beta2) * dw ** 2
    v_hat = v / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    return w - lr * v_hat / (np.sqrt(s_hat) + eps), v_hat, s_hat
"""),
    ("adam_step", "beta1 in the second moment and beta2 in the first", """
def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    v = beta2 * v + (1 - beta2) * dw
    s = beta1 * s + (1 - beta1) * dw ** 2
    v_hat = v / (1 - beta2 ** t)
    s_hat = s / (1 - beta1 ** t)
    return w - lr * v_hat / (np.sqrt(s_hat) + eps), v, s
"""),
    ("adam_step", "bias-corrects the first moment only", """
def adam_step(w, dw, v, s, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    v = beta1 * v + (1 - beta1) * dw
    s = beta2 * s + (1 - beta2) * dw ** 2
    v_hat = v / (1 - beta1 ** t)
    return w - lr * v_hat / (np.sqrt(s) + eps), v, s
"""),
    ("initialize_adam_state", "t starts at 1", """
def initialize_adam_state(params):
    v = {k: np.zeros_like(p) for k, p in params.items()}
    s = {k: np.zeros_like(p) for k, p in params.items()}
    return {"v": v, "s": s, "t": 1}
"""),
    ("initialize_adam_state", "zeros for the weights only (no entries for the biases)", """
def initialize_adam_state(params):
    v = {k: np.zeros_like(p) for k, p in params.items() if k.startswith("W")}
    s = {k: np.zeros_like(p) for k, p in params.items() if k.startswith("W")}
    return {"v": v, "s": s, "t": 0}
"""),
    ("initialize_adam_state", "np.zeros(len(p)): 1-D arrays of the first dimension", """
def initialize_adam_state(params):
    v = {k: np.zeros(len(p)) for k, p in params.items()}
    s = {k: np.zeros(len(p)) for k, p in params.items()}
    return {"v": v, "s": s, "t": 0}
"""),
    ("initialize_adam_state", "returns a tuple (v, s, t) instead of a dict", """
def initialize_adam_state(params):
    v = {k: np.zeros_like(p) for k, p in params.items()}
    s = {k: np.zeros_like(p) for k, p in params.items()}
    return v, s, 0
"""),
    ("initialize_adam_state", "copies of the parameters instead of zeros", """
def initialize_adam_state(params):
    return {"v": {k: p.copy() for k, p in params.items()},
            "s": {k: p.copy() for k, p in params.items()}, "t": 0}
"""),
    ("update_parameters_with_adam", "forgets to increment t", """
def update_parameters_with_adam(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"]
    new_params, v, s = {}, {}, {}
    for k in params:
        new_params[k], v[k], s[k] = adam_step(params[k], grads[k], state["v"][k], state["s"][k],
                                             t, lr, beta1, beta2, eps)
    return new_params, {"v": v, "s": s, "t": t}
"""),
    ("update_parameters_with_adam", "steps with t + 1 but returns the old t in the state", """
def update_parameters_with_adam(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    new_params, v, s = {}, {}, {}
    for k in params:
        new_params[k], v[k], s[k] = adam_step(params[k], grads[k], state["v"][k], state["s"][k],
                                             t, lr, beta1, beta2, eps)
    return new_params, {"v": v, "s": s, "t": state["t"]}
"""),
    ("update_parameters_with_adam", "increments t once per parameter, inside the loop", """
def update_parameters_with_adam(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"]
    new_params, v, s = {}, {}, {}
    for k in params:
        t += 1
        new_params[k], v[k], s[k] = adam_step(params[k], grads[k], state["v"][k], state["s"][k],
                                             t, lr, beta1, beta2, eps)
    return new_params, {"v": v, "s": s, "t": t}
"""),
    ("update_parameters_with_adam", "writes into the caller's params and state dicts", """
def update_parameters_with_adam(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    state["t"] += 1
    for k in params:
        params[k], state["v"][k], state["s"][k] = adam_step(
            params[k], grads[k], state["v"][k], state["s"][k], state["t"], lr, beta1, beta2, eps)
    return params, state
"""),
    ("update_parameters_with_adam", "passes beta2 and beta1 to adam_step in the wrong order", """
def update_parameters_with_adam(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    new_params, v, s = {}, {}, {}
    for k in params:
        new_params[k], v[k], s[k] = adam_step(params[k], grads[k], state["v"][k], state["s"][k],
                                             t, lr, beta2, beta1, eps)
    return new_params, {"v": v, "s": s, "t": t}
"""),
    ("update_parameters_with_adam", "returns the old averages v and s in the new state", """
def update_parameters_with_adam(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    new_params = {}
    for k in params:
        new_params[k], _, _ = adam_step(params[k], grads[k], state["v"][k], state["s"][k],
                                        t, lr, beta1, beta2, eps)
    return new_params, {"v": state["v"], "s": state["s"], "t": t}
"""),
]

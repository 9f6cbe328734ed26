"""Wrong answers to notebook 03_regularization (see tests/mutations/__init__.py)."""

MUTATIONS = [
    ("compute_cost_with_l2", "lambd / m instead of lambd / (2m)", """
def compute_cost_with_l2(cross_entropy_cost, params, lambd, m):
    total = 0
    for key in params:
        if key.startswith("W"):
            total += np.sum(params[key] ** 2)
    return cross_entropy_cost + lambd / m * total
"""),
    ("compute_cost_with_l2", "penalizes the biases too (sums the squares of every parameter)", """
def compute_cost_with_l2(cross_entropy_cost, params, lambd, m):
    squares = sum(np.sum(np.square(p)) for p in params.values())
    return cross_entropy_cost + lambd / (2 * m) * squares
"""),
    ("compute_cost_with_l2", "operator precedence: lambd / 2 * m", """
def compute_cost_with_l2(cross_entropy_cost, params, lambd, m):
    squares = sum(np.sum(np.square(W)) for k, W in params.items() if k.startswith("W"))
    return cross_entropy_cost + lambd / 2 * m * squares
"""),
    ("compute_cost_with_l2", "square of the sum of each W instead of the sum of squares", """
def compute_cost_with_l2(cross_entropy_cost, params, lambd, m):
    squares = sum(np.sum(W) ** 2 for k, W in params.items() if k.startswith("W"))
    return cross_entropy_cost + lambd / (2 * m) * squares
"""),
    ("compute_cost_with_l2", "Frobenius norm not squared", """
def compute_cost_with_l2(cross_entropy_cost, params, lambd, m):
    norms = sum(np.linalg.norm(W) for k, W in params.items() if k.startswith("W"))
    return cross_entropy_cost + lambd / (2 * m) * norms
"""),
    ("compute_cost_with_l2", "returns only the penalty, without the cross-entropy cost", """
def compute_cost_with_l2(cross_entropy_cost, params, lambd, m):
    squares = sum(np.sum(np.square(W)) for k, W in params.items() if k.startswith("W"))
    return lambd / (2 * m) * squares
"""),
    ("add_l2_gradient", "(lambd / 2m) W: the 1/2 of the cost kept in the gradient", """
def add_l2_gradient(grads, params, lambd, m):
    new_grads = {}
    for key in grads:
        if key.startswith("W"):
            new_grads[key] = grads[key] + lambd / (2 * m) * params[key]
        else:
            new_grads[key] = grads[key]
    return new_grads
"""),
    ("add_l2_gradient", "adds the term to the bias gradients too", """
def add_l2_gradient(grads, params, lambd, m):
    return {key: g + lambd / m * params[key] for key, g in grads.items()}
"""),
    ("add_l2_gradient", "updates grads in place and returns it", """
def add_l2_gradient(grads, params, lambd, m):
    for key in grads:
        if key.startswith("W"):
            grads[key] += lambd / m * params[key]
    return grads
"""),
    ("add_l2_gradient", "subtracts the L2 term instead of adding it", """
def add_l2_gradient(grads, params, lambd, m):
    new_grads = dict(grads)
    for key in grads:
        if key.startswith("W"):
            new_grads[key] = grads[key] - lambd / m * params[key]
    return new_grads
"""),
    ("add_l2_gradient", "forgets the 1/m: dW + lambd * W", """
def add_l2_gradient(grads, params, lambd, m):
    new_grads = dict(grads)
    for key in grads:
        if key.startswith("W"):
            new_grads[key] = grads[key] + lambd * params[key]
    return new_grads
"""),
    ("dropout_forward", "mask drawn as rng.random(...) > 1 - keep_prob (other units kept)", """
def dropout_forward(A, keep_prob, rng):
    D = rng.random(A.shape) > 1 - keep_prob
    return A * D / keep_prob, D
"""),
    ("dropout_forward", "not inverted: forgets to divide by keep_prob", """
def dropout_forward(A, keep_prob, rng):
    D = rng.random(A.shape) < keep_prob
    return A * D, D
"""),
    ("dropout_forward", "multiplies by keep_prob instead of dividing", """
def dropout_forward(A, keep_prob, rng):
    D = rng.random(A.shape) < keep_prob
    return A * D * keep_prob, D
"""),
    ("dropout_forward", "np.random.rand (the global generator) instead of rng", """
def dropout_forward(A, keep_prob, rng):
    D = np.random.rand(*A.shape) < keep_prob
    return A * D / keep_prob, D
"""),
    ("dropout_forward", "one mask per unit, shared by every example (shape (n, 1))", """
def dropout_forward(A, keep_prob, rng):
    D = rng.random((A.shape[0], 1)) < keep_prob
    return A * D / keep_prob, D
"""),
    ("dropout_forward", "mask from rng.binomial (other draws than rng.random)", """
def dropout_forward(A, keep_prob, rng):
    D = rng.binomial(1, keep_prob, size=A.shape)
    return A * D / keep_prob, D
"""),
    ("dropout_backward", "forgets to divide by keep_prob", """
def dropout_backward(dA, D, keep_prob):
    return dA * D
"""),
    ("dropout_backward", "multiplies by keep_prob", """
def dropout_backward(dA, D, keep_prob):
    return dA * D * keep_prob
"""),
    ("dropout_backward", "forgets the mask: dA / keep_prob", """
def dropout_backward(dA, D, keep_prob):
    return dA / keep_prob
"""),
    ("dropout_backward", "divides by the drop probability 1 - keep_prob", """
def dropout_backward(dA, D, keep_prob):
    return dA * D / (1 - keep_prob)
"""),
    ("regularized_forward", "calls dropout_forward on every hidden layer, keep_prob 1 too", """
def regularized_forward(X, params, keep_probs, rng):
    L = len(params) // 2
    cache = {"A0": X}
    A = X
    for l in range(1, L):
        Z = np.dot(params["W" + str(l)], A) + params["b" + str(l)]
        A, D = dropout_forward(np.maximum(0, Z), keep_probs[l - 1], rng)
        cache["Z" + str(l)] = Z
        cache["D" + str(l)] = D
        cache["A" + str(l)] = A
    ZL = np.dot(params["W" + str(L)], A) + params["b" + str(L)]
    cache["Z" + str(L)] = ZL
    return ZL, cache
"""),
    ("regularized_forward", "masks drawn with np.random.rand (the global generator)", """
def regularized_forward(X, params, keep_probs, rng):
    L = len(keep_probs) + 1
    cache = {"A0": X}
    A = X
    for l in range(1, L):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = np.maximum(Z, 0)
        kp = keep_probs[l - 1]
        if kp < 1:
            D = np.random.rand(*A.shape) < kp
            A = A * D / kp
        else:
            D = np.ones_like(A, dtype=bool)
        cache[f"Z{l}"], cache[f"D{l}"], cache[f"A{l}"] = Z, D, A
    cache[f"Z{L}"] = params[f"W{L}"] @ A + params[f"b{L}"]
    return cache[f"Z{L}"], cache
"""),
    ("regularized_forward", "drops each layer's inputs (X included), not its outputs", """
def regularized_forward(X, params, keep_probs, rng):
    L = len(keep_probs) + 1
    cache = {"A0": X}
    A = X
    for l in range(1, L):
        kp = keep_probs[l - 1]
        if kp < 1:
            D = rng.random(A.shape) < kp
            A = A * D / kp
        else:
            D = np.ones(A.shape, dtype=bool)
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = np.maximum(Z, 0)
        cache[f"Z{l}"], cache[f"D{l}"], cache[f"A{l}"] = Z, D, A
    ZL = params[f"W{L}"] @ A + params[f"b{L}"]
    cache[f"Z{L}"] = ZL
    return ZL, cache
"""),
    ("regularized_forward", "returns sigmoid(ZL), the probabilities, instead of the logits", """
def regularized_forward(X, params, keep_probs, rng):
    L = len(keep_probs) + 1
    cache = {"A0": X}
    A = X
    for l in range(1, L):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = np.maximum(Z, 0)
        D = np.ones(A.shape, dtype=bool)
        if keep_probs[l - 1] < 1:
            D = rng.random(A.shape) < keep_probs[l - 1]
            A = A * D / keep_probs[l - 1]
        cache[f"Z{l}"], cache[f"D{l}"], cache[f"A{l}"] = Z, D, A
    ZL = params[f"W{L}"] @ A + params[f"b{L}"]
    cache[f"Z{L}"] = ZL
    return 1 / (1 + np.exp(-ZL)), cache
"""),
    ("regularized_forward", "dropout on Z before the ReLU, and the dropped Z cached", """
def regularized_forward(X, params, keep_probs, rng):
    L = len(keep_probs) + 1
    cache = {"A0": X}
    A = X
    for l in range(1, L):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        D = np.ones(Z.shape, dtype=bool)
        if keep_probs[l - 1] < 1:
            D = rng.random(Z.shape) < keep_probs[l - 1]
            Z = Z * D / keep_probs[l - 1]
        A = np.maximum(Z, 0)
        cache[f"Z{l}"], cache[f"D{l}"], cache[f"A{l}"] = Z, D, A
    ZL = params[f"W{L}"] @ A + params[f"b{L}"]
    cache[f"Z{L}"] = ZL
    return ZL, cache
"""),
    ("regularized_forward", "forgets the output layer's bias", """
def regularized_forward(X, params, keep_probs, rng):
    L = len(keep_probs) + 1
    cache = {"A0": X}
    A = X
    for l in range(1, L):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = np.maximum(Z, 0)
        D = np.ones(A.shape, dtype=bool)
        if keep_probs[l - 1] < 1:
            D = rng.random(A.shape) < keep_probs[l - 1]
            A = A * D / keep_probs[l - 1]
        cache[f"Z{l}"], cache[f"D{l}"], cache[f"A{l}"] = Z, D, A
    ZL = params[f"W{L}"] @ A
    cache[f"Z{L}"] = ZL
    return ZL, cache
"""),
    ("regularized_forward", "caches the ReLU output, not the dropped-out activations", """
def regularized_forward(X, params, keep_probs, rng):
    L = len(keep_probs) + 1
    cache = {"A0": X}
    A = X
    for l in range(1, L):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = np.maximum(Z, 0)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
        D = np.ones(A.shape, dtype=bool)
        if keep_probs[l - 1] < 1:
            D = rng.random(A.shape) < keep_probs[l - 1]
            A = A * D / keep_probs[l - 1]
        cache[f"D{l}"] = D
    ZL = params[f"W{L}"] @ A + params[f"b{L}"]
    cache[f"Z{L}"] = ZL
    return ZL, cache
"""),
    ("regularized_forward", "masks only for the layers with dropout (no D for keep_prob 1)", """
def regularized_forward(X, params, keep_probs, rng):
    L = len(keep_probs) + 1
    cache = {"A0": X}
    A = X
    for l in range(1, L):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = np.maximum(Z, 0)
        cache[f"Z{l}"] = Z
        if keep_probs[l - 1] < 1:
            A, cache[f"D{l}"] = dropout_forward(A, keep_probs[l - 1], rng)
        cache[f"A{l}"] = A
    ZL = params[f"W{L}"] @ A + params[f"b{L}"]
    cache[f"Z{L}"] = ZL
    return ZL, cache
"""),
    ("regularized_backward", "forgets the L2 term (lambd never used)", """
def regularized_backward(Y, params, cache, keep_probs, lambd):
    L = len(keep_probs) + 1
    m = Y.shape[1]
    dZ = 1 / (1 + np.exp(-cache[f"Z{L}"])) - Y
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = dZ @ cache[f"A{l - 1}"].T / m
        grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True) / m
        if l > 1:
            dA = params[f"W{l}"].T @ dZ * cache[f"D{l - 1}"] / keep_probs[l - 2]
            dZ = dA * (cache[f"Z{l - 1}"] > 0)
    return grads
"""),
    ("regularized_backward", "back through dropout with the mask only (no / keep_prob)", """
def regularized_backward(Y, params, cache, keep_probs, lambd):
    L = len(keep_probs) + 1
    m = Y.shape[1]
    AL = 1 / (1 + np.exp(-cache[f"Z{L}"]))
    dZ = AL - Y
    grads = {}
    for l in reversed(range(1, L + 1)):
        grads[f"W{l}"] = (dZ @ cache[f"A{l - 1}"].T + lambd * params[f"W{l}"]) / m
        grads[f"b{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        if l > 1:
            dA = params[f"W{l}"].T @ dZ
            dA = dA * cache[f"D{l - 1}"]
            dZ = np.where(cache[f"Z{l - 1}"] > 0, dA, 0)
    return grads
"""),
    ("regularized_backward", "ignores dropout in the backward pass", """
def regularized_backward(Y, params, cache, keep_probs, lambd):
    L = len(keep_probs) + 1
    m = Y.shape[1]
    dZ = (1 / (1 + np.exp(-cache[f"Z{L}"])) - Y) / m
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = dZ @ cache[f"A{l - 1}"].T + lambd / m * params[f"W{l}"]
        grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dZ = (params[f"W{l}"].T @ dZ) * (cache[f"Z{l - 1}"] > 0)
    return grads
"""),
    ("regularized_backward", "lambd / (2m) * W: the cost's factor kept in the gradient", """
def regularized_backward(Y, params, cache, keep_probs, lambd):
    L = len(keep_probs) + 1
    m = Y.shape[1]
    dZ = (1 / (1 + np.exp(-cache[f"Z{L}"])) - Y) / m
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = dZ @ cache[f"A{l - 1}"].T + lambd / (2 * m) * params[f"W{l}"]
        grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dA = params[f"W{l}"].T @ dZ * cache[f"D{l - 1}"] / keep_probs[l - 2]
            dZ = dA * (cache[f"Z{l - 1}"] > 0)
    return grads
"""),
    ("regularized_backward", "L2 term added to db as well", """
def regularized_backward(Y, params, cache, keep_probs, lambd):
    L = len(keep_probs) + 1
    m = Y.shape[1]
    dZ = (1 / (1 + np.exp(-cache[f"Z{L}"])) - Y) / m
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = dZ @ cache[f"A{l - 1}"].T + lambd / m * params[f"W{l}"]
        grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True) + lambd / m * params[f"b{l}"]
        if l > 1:
            dA = params[f"W{l}"].T @ dZ * cache[f"D{l - 1}"] / keep_probs[l - 2]
            dZ = dA * (cache[f"Z{l - 1}"] > 0)
    return grads
"""),
    ("regularized_backward", "divides by m at dZ[L] and again in dW and db", """
def regularized_backward(Y, params, cache, keep_probs, lambd):
    L = len(keep_probs) + 1
    m = Y.shape[1]
    dZ = (1 / (1 + np.exp(-cache[f"Z{L}"])) - Y) / m
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = 1 / m * dZ @ cache[f"A{l - 1}"].T + lambd / m * params[f"W{l}"]
        grads[f"b{l}"] = 1 / m * dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dA = params[f"W{l}"].T @ dZ * cache[f"D{l - 1}"] / keep_probs[l - 2]
            dZ = dA * (cache[f"Z{l - 1}"] > 0)
    return grads
"""),
    ("regularized_backward", "forgets the ReLU's derivative", """
def regularized_backward(Y, params, cache, keep_probs, lambd):
    L = len(keep_probs) + 1
    m = Y.shape[1]
    dZ = (1 / (1 + np.exp(-cache[f"Z{L}"])) - Y) / m
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = dZ @ cache[f"A{l - 1}"].T + lambd / m * params[f"W{l}"]
        grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dZ = params[f"W{l}"].T @ dZ * cache[f"D{l - 1}"] / keep_probs[l - 2]
    return grads
"""),
    ("regularized_backward", "keys dW1, db1, ... instead of the keys of params", """
def regularized_backward(Y, params, cache, keep_probs, lambd):
    L = len(keep_probs) + 1
    m = Y.shape[1]
    dZ = (1 / (1 + np.exp(-cache[f"Z{L}"])) - Y) / m
    grads = {}
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = dZ @ cache[f"A{l - 1}"].T + lambd / m * params[f"W{l}"]
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dA = params[f"W{l}"].T @ dZ * cache[f"D{l - 1}"] / keep_probs[l - 2]
            dZ = dA * (cache[f"Z{l - 1}"] > 0)
    return grads
"""),
    ("regularized_backward", "uses the mask of the layer above (D{l}, not D{l-1})", """
def regularized_backward(Y, params, cache, keep_probs, lambd):
    L = len(keep_probs) + 1
    m = Y.shape[1]
    dZ = (1 / (1 + np.exp(-cache[f"Z{L}"])) - Y) / m
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = dZ @ cache[f"A{l - 1}"].T + lambd / m * params[f"W{l}"]
        grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            D = cache.get(f"D{l}", np.ones(dZ.shape, dtype=bool))
            dA = params[f"W{l}"].T @ (dZ * D) / keep_probs[l - 2]
            dZ = dA * (cache[f"Z{l - 1}"] > 0)
    return grads
"""),
    ("l1_penalty_and_grad", "factor lambd / m instead of lambd / (2m)", """
def l1_penalty_and_grad(W, lambd, m):
    return lambd / m * np.sum(np.abs(W)), lambd / m * np.sign(W)
"""),
    ("l1_penalty_and_grad", "L2's gradient (a multiple of W) instead of sign(W)", """
def l1_penalty_and_grad(W, lambd, m):
    factor = lambd / (2 * m)
    return factor * np.sum(np.abs(W)), factor * W
"""),
    ("l1_penalty_and_grad", "sign as W / |W| (nan where W is 0)", """
def l1_penalty_and_grad(W, lambd, m):
    factor = lambd / (2 * m)
    return factor * np.sum(np.abs(W)), factor * W / np.abs(W)
"""),
    ("l1_penalty_and_grad", "sign(0) taken as +1 (np.where(W >= 0, 1, -1))", """
def l1_penalty_and_grad(W, lambd, m):
    factor = lambd / (2 * m)
    return factor * np.sum(np.abs(W)), factor * np.where(W >= 0, 1.0, -1.0)
"""),
    ("l1_penalty_and_grad", "returns (gradient, penalty) in the wrong order", """
def l1_penalty_and_grad(W, lambd, m):
    factor = lambd / (2 * m)
    return factor * np.sign(W), factor * np.sum(np.abs(W))
"""),
    ("l1_penalty_and_grad", "penalty without the absolute value (sum of W)", """
def l1_penalty_and_grad(W, lambd, m):
    factor = lambd / (2 * m)
    return factor * np.sum(W), factor * np.sign(W)
"""),
    ("early_stopping", "stops when bad > patience (one epoch late)", """
def early_stopping(dev_costs, patience, min_delta=0.0):
    best, best_epoch, bad = np.inf, None, 0
    for epoch, cost in enumerate(dev_costs):
        if cost < best - min_delta:
            best, best_epoch, bad = cost, epoch, 0
        else:
            bad += 1
        if bad > patience:
            return epoch, best_epoch
    return len(dev_costs) - 1, best_epoch
"""),
    ("early_stopping", "a tie (cost <= best - min_delta) counts as an improvement", """
def early_stopping(dev_costs, patience, min_delta=0.0):
    best, best_epoch, bad = np.inf, None, 0
    for epoch, cost in enumerate(dev_costs):
        if cost <= best - min_delta:
            best, best_epoch, bad = cost, epoch, 0
        else:
            bad += 1
        if bad >= patience:
            return epoch, best_epoch
    return len(dev_costs) - 1, best_epoch
"""),
    ("early_stopping", "ignores min_delta", """
def early_stopping(dev_costs, patience, min_delta=0.0):
    best, best_epoch, bad = np.inf, None, 0
    for epoch, cost in enumerate(dev_costs):
        if cost < best:
            best, best_epoch, bad = cost, epoch, 0
        else:
            bad += 1
        if bad >= patience:
            return epoch, best_epoch
    return len(dev_costs) - 1, best_epoch
"""),
    ("early_stopping", "counts epochs from 1", """
def early_stopping(dev_costs, patience, min_delta=0.0):
    best, best_epoch, bad = np.inf, None, 0
    for epoch, cost in enumerate(dev_costs, start=1):
        if cost < best - min_delta:
            best, best_epoch, bad = cost, epoch, 0
        else:
            bad += 1
        if bad >= patience:
            return epoch, best_epoch
    return len(dev_costs), best_epoch
"""),
    ("early_stopping", "never resets the counter of bad epochs after an improvement", """
def early_stopping(dev_costs, patience, min_delta=0.0):
    best, best_epoch, bad = np.inf, None, 0
    for epoch, cost in enumerate(dev_costs):
        if cost < best - min_delta:
            best, best_epoch = cost, epoch
        else:
            bad += 1
        if bad >= patience:
            return epoch, best_epoch
    return len(dev_costs) - 1, best_epoch
"""),
    ("early_stopping", "compares each cost with the previous epoch's, not the best so far", """
def early_stopping(dev_costs, patience, min_delta=0.0):
    prev, best, best_epoch, bad = np.inf, np.inf, None, 0
    for epoch, cost in enumerate(dev_costs):
        if cost < prev - min_delta:
            bad = 0
        else:
            bad += 1
        if cost < best:
            best, best_epoch = cost, epoch
        prev = cost
        if bad >= patience:
            return epoch, best_epoch
    return len(dev_costs) - 1, best_epoch
"""),
]

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

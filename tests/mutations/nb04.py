"""Wrong answers to notebook 04_gradient_checking (see tests/mutations/__init__.py)."""

_GC_HEAD = """
def gradient_check_nd(params, grads, X, Y, layer_dims, eps=1e-7):
    net = Network(layer_dims)

    def cost(p):
        ZL, _, _ = forward(net, p, X)
        return compute_cost(net, p, ZL, Y)
"""

MUTATIONS = [
    ("numerical_derivative_1d", "one-sided difference (J(theta + eps) - J(theta)) / eps", """
def numerical_derivative_1d(coeffs, theta, eps):
    return float((P.polyval(theta + eps, coeffs) - P.polyval(theta, coeffs)) / eps)
"""),
    ("numerical_derivative_1d", "divides the centered difference by eps instead of 2 eps", """
def numerical_derivative_1d(coeffs, theta, eps):
    J_plus = P.polyval(theta + eps, coeffs)
    J_minus = P.polyval(theta - eps, coeffs)
    return float((J_plus - J_minus) / eps)
"""),
    ("numerical_derivative_1d", "np.polyval (highest power first) on coeffs given lowest first", """
def numerical_derivative_1d(coeffs, theta, eps):
    J_plus = np.polyval(coeffs, theta + eps)
    J_minus = np.polyval(coeffs, theta - eps)
    return float((J_plus - J_minus) / (2 * eps))
"""),
    ("numerical_derivative_1d", "precedence: J_plus - J_minus / (2 * eps)", """
def numerical_derivative_1d(coeffs, theta, eps):
    J_plus = P.polyval(theta + eps, coeffs)
    J_minus = P.polyval(theta - eps, coeffs)
    return float(J_plus - J_minus / (2 * eps))
"""),
    ("numerical_derivative_1d", "writes J by hand with powers starting at 1", """
def numerical_derivative_1d(coeffs, theta, eps):
    def J(x):
        return sum(c * x ** (k + 1) for k, c in enumerate(coeffs))
    return float((J(theta + eps) - J(theta - eps)) / (2 * eps))
"""),
    ("relative_difference", "denominator ||grad + gradapprox|| instead of the sum of the norms", """
def relative_difference(grad, gradapprox):
    return float(np.linalg.norm(grad - gradapprox) / np.linalg.norm(grad + gradapprox))
"""),
    ("relative_difference", "no denominator: the absolute difference", """
def relative_difference(grad, gradapprox):
    return float(np.linalg.norm(grad - gradapprox))
"""),
    ("relative_difference", "squared norms (no square roots)", """
def relative_difference(grad, gradapprox):
    num = np.sum((grad - gradapprox) ** 2)
    den = np.sum(grad ** 2) + np.sum(gradapprox ** 2)
    return float(num / den) if den else 0.0
"""),
    ("relative_difference", "L1 norms (sums of absolute values)", """
def relative_difference(grad, gradapprox):
    den = np.sum(np.abs(grad)) + np.sum(np.abs(gradapprox))
    return float(np.sum(np.abs(grad - gradapprox)) / den) if den else 0.0
"""),
    ("relative_difference", "divides by ||grad|| only", """
def relative_difference(grad, gradapprox):
    den = np.linalg.norm(grad)
    return float(np.linalg.norm(grad - gradapprox) / den) if den else 0.0
"""),
    ("dict_to_vector", "iterates the dict in sorted order instead of the order of keys", """
def dict_to_vector(params, keys):
    return np.concatenate([params[k].ravel() for k in sorted(params)])
"""),
    ("dict_to_vector", "flattens column by column (order='F')", """
def dict_to_vector(params, keys):
    return np.concatenate([params[k].flatten(order="F") for k in keys])
"""),
    ("dict_to_vector", "a column vector (n, 1) instead of a 1-D vector", """
def dict_to_vector(params, keys):
    return np.concatenate([params[k].reshape(-1, 1) for k in keys], axis=0)
"""),
    ("dict_to_vector", "ignores keys: params.values() in the dict's order", """
def dict_to_vector(params, keys):
    return np.concatenate([v.ravel() for v in params.values()])
"""),
    ("gradient_check_nd", "one-sided differences (cost(theta + eps) - cost(theta)) / eps",
     _GC_HEAD + """
    base = cost(params)
    approx = {}
    for key in params:
        approx[key] = np.zeros_like(params[key])
        for idx in np.ndindex(params[key].shape):
            plus = dict(params)
            plus[key] = params[key].copy()
            plus[key][idx] += eps
            approx[key][idx] = (cost(plus) - base) / eps
    g = np.concatenate([grads[k].ravel() for k in params])
    a = np.concatenate([approx[k].ravel() for k in params])
    return float(np.linalg.norm(g - a) / (np.linalg.norm(g) + np.linalg.norm(a)))
"""),
    ("gradient_check_nd", "divides the centered difference by eps instead of 2 eps",
     _GC_HEAD + """
    approx = {}
    for key in params:
        approx[key] = np.zeros_like(params[key])
        for idx in np.ndindex(params[key].shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += eps
            minus[key][idx] -= eps
            approx[key][idx] = (cost(plus) - cost(minus)) / eps
    g = np.concatenate([grads[k].ravel() for k in params])
    a = np.concatenate([approx[k].ravel() for k in params])
    return float(np.linalg.norm(g - a) / (np.linalg.norm(g) + np.linalg.norm(a)))
"""),
    ("gradient_check_nd", "nudges the caller's arrays in place; J_minus taken at theta, not "
     "theta - eps",
     _GC_HEAD + """
    approx = {}
    for key in params:
        approx[key] = np.zeros_like(params[key])
        for idx in np.ndindex(params[key].shape):
            params[key][idx] += eps
            J_plus = cost(params)
            params[key][idx] -= eps
            J_minus = cost(params)
            approx[key][idx] = (J_plus - J_minus) / (2 * eps)
    g = np.concatenate([grads[k].ravel() for k in params])
    a = np.concatenate([approx[k].ravel() for k in params])
    return float(np.linalg.norm(g - a) / (np.linalg.norm(g) + np.linalg.norm(a)))
"""),
    ("gradient_check_nd", "returns the norm of the difference, without the denominator",
     _GC_HEAD + """
    approx = {}
    for key in params:
        approx[key] = np.zeros_like(params[key])
        for idx in np.ndindex(params[key].shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += eps
            minus[key][idx] -= eps
            approx[key][idx] = (cost(plus) - cost(minus)) / (2 * eps)
    g = np.concatenate([grads[k].ravel() for k in params])
    a = np.concatenate([approx[k].ravel() for k in params])
    return float(np.linalg.norm(g - a))
"""),
    ("gradient_check_nd", "stacks grads in sorted key order but the approximation in params order",
     _GC_HEAD + """
    approx = {}
    for key in params:
        approx[key] = np.zeros_like(params[key])
        for idx in np.ndindex(params[key].shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][idx] += eps
            minus[key][idx] -= eps
            approx[key][idx] = (cost(plus) - cost(minus)) / (2 * eps)
    g = np.concatenate([grads[k].ravel() for k in sorted(grads)])
    a = np.concatenate([approx[k].ravel() for k in params])
    return float(np.linalg.norm(g - a) / (np.linalg.norm(g) + np.linalg.norm(a)))
"""),
    ("find_bugged_parameter", "returns the key with the smallest relative difference", """
def find_bugged_parameter(params, grads, X, Y, layer_dims, eps=1e-7):
    net = Network(layer_dims)

    def cost(p):
        ZL, _, _ = forward(net, p, X)
        return compute_cost(net, p, ZL, Y)

    diffs = {}
    for key in params:
        approx = np.zeros_like(params[key])
        for idx in np.ndindex(params[key].shape):
            plus, minus = params[key].copy(), params[key].copy()
            plus[idx] += eps
            minus[idx] -= eps
            approx[idx] = (cost({**params, key: plus}) - cost({**params, key: minus})) / (2 * eps)
        g = grads[key]
        diffs[key] = np.linalg.norm(g - approx) / (np.linalg.norm(g) + np.linalg.norm(approx))
    return min(diffs, key=diffs.get)
"""),
    ("find_bugged_parameter", "ranks by the absolute difference ||g - approx|| (not relative)", """
def find_bugged_parameter(params, grads, X, Y, layer_dims, eps=1e-7):
    net = Network(layer_dims)

    def cost(p):
        ZL, _, _ = forward(net, p, X)
        return compute_cost(net, p, ZL, Y)

    diffs = {}
    for key in params:
        approx = np.zeros_like(params[key])
        for idx in np.ndindex(params[key].shape):
            plus, minus = params[key].copy(), params[key].copy()
            plus[idx] += eps
            minus[idx] -= eps
            approx[idx] = (cost({**params, key: plus}) - cost({**params, key: minus})) / (2 * eps)
        diffs[key] = np.linalg.norm(grads[key] - approx)
    return max(diffs, key=diffs.get)
"""),
    ("find_bugged_parameter", "returns the position of the key (np.argmax) instead of the key", """
def find_bugged_parameter(params, grads, X, Y, layer_dims, eps=1e-7):
    net = Network(layer_dims)

    def cost(p):
        ZL, _, _ = forward(net, p, X)
        return compute_cost(net, p, ZL, Y)

    diffs = []
    for key in params:
        approx = np.zeros_like(params[key])
        for idx in np.ndindex(params[key].shape):
            plus, minus = params[key].copy(), params[key].copy()
            plus[idx] += eps
            minus[idx] -= eps
            approx[idx] = (cost({**params, key: plus}) - cost({**params, key: minus})) / (2 * eps)
        g = grads[key]
        diffs.append(np.linalg.norm(g - approx) / (np.linalg.norm(g) + np.linalg.norm(approx)))
    return int(np.argmax(diffs))
"""),
    ("find_bugged_parameter", "checks only the weights W (never blames a bias)", """
def find_bugged_parameter(params, grads, X, Y, layer_dims, eps=1e-7):
    net = Network(layer_dims)

    def cost(p):
        ZL, _, _ = forward(net, p, X)
        return compute_cost(net, p, ZL, Y)

    diffs = {}
    for key in params:
        if not key.startswith("W"):
            continue
        approx = np.zeros_like(params[key])
        for idx in np.ndindex(params[key].shape):
            plus, minus = params[key].copy(), params[key].copy()
            plus[idx] += eps
            minus[idx] -= eps
            approx[idx] = (cost({**params, key: plus}) - cost({**params, key: minus})) / (2 * eps)
        g = grads[key]
        diffs[key] = np.linalg.norm(g - approx) / (np.linalg.norm(g) + np.linalg.norm(approx))
    return max(diffs, key=diffs.get)
"""),
]

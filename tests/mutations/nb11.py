"""Wrong answers to notebook 11_softmax_regression (see tests/mutations/__init__.py)."""

_TRAIN = """
def train_softmax_regression(X, Y, lr, epochs):
    n, m = X.shape
    C = Y.shape[0]
    W, b = np.zeros((C, n)), np.zeros((C, 1))
    for _ in range(epochs):
        dZ = softmax_cross_entropy_grad(W @ X + b, Y)
        W = W - lr * (dZ @ X.T) / m
        b = b - lr * dZ.sum(axis=1, keepdims=True) / m
    return W, b
"""


def _train(old: str, new: str) -> str:
    """The course's loop with one line changed."""
    assert old in _TRAIN, old
    return _TRAIN.replace(old, new)


MUTATIONS = [
    ("softmax", "no shift by the maximum: exp overflows for large logits", """
def softmax(Z):
    E = np.exp(Z)
    return E / np.sum(E, axis=0, keepdims=True)
"""),
    ("softmax", "normalizes over axis 1 (the examples)", """
def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)
"""),
    ("softmax", "divides by the sum over the whole matrix", """
def softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / np.sum(E)
"""),
    ("softmax", "shifts by the column's minimum instead of its maximum", """
def softmax(Z):
    E = np.exp(Z - Z.min(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)
"""),
    ("softmax", "shifts by the maximum of the whole matrix", """
def softmax(Z):
    E = np.exp(Z - np.max(Z))
    return E / E.sum(axis=0, keepdims=True)
"""),
    ("softmax", "sigmoid of each logit instead of softmax", """
def softmax(Z):
    return 1 / (1 + np.exp(-Z))
"""),
    ("one_hot", "an (m, C) matrix: one row per example", """
def one_hot(labels, C):
    m = labels.shape[1]
    Y = np.zeros((m, C))
    Y[np.arange(m), labels[0]] = 1
    return Y
"""),
    ("one_hot", "np.eye(C)[labels]: shape (1, m, C)", """
def one_hot(labels, C):
    return np.eye(C)[labels]
"""),
    ("one_hot", "assumes labels start at 1", """
def one_hot(labels, C):
    m = labels.shape[1]
    Y = np.zeros((C, m))
    Y[labels[0] - 1, np.arange(m)] = 1
    return Y
"""),
    ("one_hot", "C from the labels (labels.max() + 1) instead of the argument", """
def one_hot(labels, C):
    m = labels.shape[1]
    Y = np.zeros((labels.max() + 1, m))
    Y[labels[0], np.arange(m)] = 1
    return Y
"""),
    ("one_hot", "integer matrix (dtype=int)", """
def one_hot(labels, C):
    m = labels.shape[1]
    Y = np.zeros((C, m), dtype=int)
    Y[labels[0], np.arange(m)] = 1
    return Y
"""),
    ("softmax_cross_entropy_cost", "log of the softmax (no log-sum-exp): -inf for large logits", """
def softmax_cross_entropy_cost(Z, Y):
    A = softmax(Z)
    return float(-np.sum(Y * np.log(A)) / Z.shape[1])
"""),
    ("softmax_cross_entropy_cost", "sum over the examples, not the mean", """
def softmax_cross_entropy_cost(Z, Y):
    S = Z - Z.max(axis=0, keepdims=True)
    log_A = S - np.log(np.exp(S).sum(axis=0, keepdims=True))
    return float(-(Y * log_A).sum())
"""),
    ("softmax_cross_entropy_cost", "np.mean over every entry (divides by C * m)", """
def softmax_cross_entropy_cost(Z, Y):
    S = Z - Z.max(axis=0, keepdims=True)
    log_A = S - np.log(np.exp(S).sum(axis=0, keepdims=True))
    return float(-np.mean(Y * log_A))
"""),
    ("softmax_cross_entropy_cost", "the binary cross-entropy formula on the softmax", """
def softmax_cross_entropy_cost(Z, Y):
    A = softmax(Z)
    m = Z.shape[1]
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
"""),
    ("softmax_cross_entropy_cost", "forgets the minus sign", """
def softmax_cross_entropy_cost(Z, Y):
    S = Z - Z.max(axis=0, keepdims=True)
    log_A = S - np.log(np.exp(S).sum(axis=0, keepdims=True))
    return float((Y * log_A).sum() / Z.shape[1])
"""),
    ("softmax_cross_entropy_cost", "log-sum-exp without adding the maximum back", """
def softmax_cross_entropy_cost(Z, Y):
    zmax = Z.max(axis=0, keepdims=True)
    lse = np.log(np.exp(Z - zmax).sum(axis=0, keepdims=True))
    return float(-(Y * (Z - lse)).sum() / Z.shape[1])
"""),
    ("softmax_cross_entropy_grad", "Y - softmax(Z) (the sign flipped)", """
def softmax_cross_entropy_grad(Z, Y):
    return Y - softmax(Z)
"""),
    ("softmax_cross_entropy_grad", "divides by m", """
def softmax_cross_entropy_grad(Z, Y):
    return (softmax(Z) - Y) / Z.shape[1]
"""),
    ("softmax_cross_entropy_grad", "its own softmax without the shift: nan for large logits", """
def softmax_cross_entropy_grad(Z, Y):
    E = np.exp(Z)
    return E / E.sum(axis=0) - Y
"""),
    ("softmax_cross_entropy_grad", "returns the transposed gradient", """
def softmax_cross_entropy_grad(Z, Y):
    return (softmax(Z) - Y).T
"""),
    ("softmax_cross_entropy_grad", "the sigmoid-style gradient A * (1 - A) * (A - Y)", """
def softmax_cross_entropy_grad(Z, Y):
    A = softmax(Z)
    return A * (1 - A) * (A - Y)
"""),
    ("train_softmax_regression", "forgets the 1/m in the gradients",
     _train("W = W - lr * (dZ @ X.T) / m", "W = W - lr * (dZ @ X.T)")),
    ("train_softmax_regression", "never updates b",
     _train("b = b - lr * dZ.sum(axis=1, keepdims=True) / m", "pass")),
    ("train_softmax_regression", "one epoch too many (range(epochs + 1))",
     _train("range(epochs)", "range(epochs + 1)")),
    ("train_softmax_regression", "gradient ascent (W + lr * ...)",
     _train("W = W - lr * (dZ @ X.T) / m", "W = W + lr * (dZ @ X.T) / m")),
    ("train_softmax_regression", "db averaged over the classes (axis 0) instead of the examples",
     _train("b = b - lr * dZ.sum(axis=1, keepdims=True) / m",
            "b = b - lr * dZ.mean(axis=0, keepdims=True)")),
    ("train_softmax_regression", "recomputes dZ after updating W, then updates b with it", """
def train_softmax_regression(X, Y, lr, epochs):
    n, m = X.shape
    C = Y.shape[0]
    W, b = np.zeros((C, n)), np.zeros((C, 1))
    for _ in range(epochs):
        dZ = softmax_cross_entropy_grad(W @ X + b, Y)
        W = W - lr * (dZ @ X.T) / m
        dZ = softmax_cross_entropy_grad(W @ X + b, Y)
        b = b - lr * dZ.sum(axis=1, keepdims=True) / m
    return W, b
"""),
    ("accuracy", "argmax over axis 1 (the examples) instead of the classes", """
def accuracy(scores, labels):
    return float(np.mean(np.argmax(scores, axis=1) == labels[0]))
"""),
    ("accuracy", "np.argmax without an axis: one index into the flattened scores", """
def accuracy(scores, labels):
    return float(np.mean(np.argmax(scores) == labels))
"""),
    ("accuracy", "the number of right predictions, not the fraction", """
def accuracy(scores, labels):
    return float(np.sum(np.argmax(scores, axis=0) == labels[0]))
"""),
    ("accuracy", "compares with labels.T: an (m, m) table of every pair", """
def accuracy(scores, labels):
    predictions = np.argmax(scores, axis=0)
    return float(np.mean(predictions == labels.T))
"""),
    ("accuracy", "thresholds at 0.5 as in logistic regression", """
def accuracy(scores, labels):
    predictions = (scores > 0.5).astype(int)
    return float(np.mean(predictions == labels))
"""),
    ("accuracy", "a percentage (times 100)", """
def accuracy(scores, labels):
    return 100 * float(np.mean(np.argmax(scores, axis=0) == labels[0]))
"""),
    ("accuracy", "the error rate (1 - accuracy)", """
def accuracy(scores, labels):
    return float(np.mean(np.argmax(scores, axis=0) != labels[0]))
"""),
]

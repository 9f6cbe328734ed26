"""Wrong answers to notebook 00_welcome (see tests/mutations/__init__.py)."""

MUTATIONS = [
    ("relu", "np.max (a reduction over axis 0) instead of the elementwise np.maximum", """
def relu(Z):
    return np.max(Z, 0)
"""),
    ("relu", "zeroes the negative entries of Z in place and returns Z", """
def relu(Z):
    Z[Z < 0] = 0
    return Z
"""),
    ("relu", "leaky ReLU (0.01 * Z for negative entries)", """
def relu(Z):
    return np.maximum(Z, 0.01 * Z)
"""),
    ("relu", "the derivative of ReLU (a 0/1 mask) instead of ReLU", """
def relu(Z):
    return (Z > 0).astype(float)
"""),
    ("relu", "np.minimum instead of np.maximum", """
def relu(Z):
    return np.minimum(Z, 0)
"""),
    ("relu", "absolute value instead of max(0, Z)", """
def relu(Z):
    return np.abs(Z)
"""),
]

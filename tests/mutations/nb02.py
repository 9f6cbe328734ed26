"""Wrong answers to notebook 02_initialization (see tests/mutations/__init__.py)."""

MUTATIONS = [
    ("initialize_zeros", "W[l] shaped (n[l-1], n[l]) (transposed)", """
def initialize_zeros(layer_dims):
    params = {}
    for l in range(1, len(layer_dims)):
        params["W" + str(l)] = np.zeros((layer_dims[l - 1], layer_dims[l]))
        params["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_zeros", "1-D biases of shape (n[l],)", """
def initialize_zeros(layer_dims):
    params = {}
    for l in range(1, len(layer_dims)):
        params["W" + str(l)] = np.zeros((layer_dims[l], layer_dims[l - 1]))
        params["b" + str(l)] = np.zeros(layer_dims[l])
    return params
"""),
    ("initialize_zeros", "loop stops one layer early (range(1, L - 1)): no output layer", """
def initialize_zeros(layer_dims):
    params = {}
    L = len(layer_dims)
    for l in range(1, L - 1):
        params["W" + str(l)] = np.zeros((layer_dims[l], layer_dims[l - 1]))
        params["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_zeros", "layers numbered from 0 (W0, b0, ...)", """
def initialize_zeros(layer_dims):
    params = {}
    for l in range(len(layer_dims) - 1):
        params[f"W{l}"] = np.zeros((layer_dims[l + 1], layer_dims[l]))
        params[f"b{l}"] = np.zeros((layer_dims[l + 1], 1))
    return params
"""),
    ("initialize_zeros", "integer zeros (dtype=int)", """
def initialize_zeros(layer_dims):
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = np.zeros((layer_dims[l], layer_dims[l - 1]), dtype=int)
        params[f"b{l}"] = np.zeros((layer_dims[l], 1), dtype=int)
    return params
"""),
    ("initialize_random", "np.random.randn (the global generator) instead of rng", """
def initialize_random(layer_dims, rng, scale):
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * scale
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_random", "uniform draws in [0, 1) (rng.random) instead of Gaussian ones", """
def initialize_random(layer_dims, rng, scale):
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = rng.random((layer_dims[l], layer_dims[l - 1])) * scale
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_random", "hard-codes 0.01 instead of the scale argument", """
def initialize_random(layer_dims, rng, scale):
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * 0.01
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_random", "draws (n[l-1], n[l]) then transposes: other numbers in each W", """
def initialize_random(layer_dims, rng, scale):
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = (rng.standard_normal((layer_dims[l - 1], layer_dims[l])) * scale).T
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_random", "random biases as well, drawn after each W", """
def initialize_random(layer_dims, rng, scale):
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * scale
        params[f"b{l}"] = rng.standard_normal((layer_dims[l], 1)) * scale
    return params
"""),
    ("initialize_random", "passes scale ** 2 (a variance) as the standard deviation", """
def initialize_random(layer_dims, rng, scale):
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = rng.normal(0, scale ** 2, (layer_dims[l], layer_dims[l - 1]))
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_xavier", "std 1/n[l-1] (the variance) instead of sqrt(1/n[l-1])", """
def initialize_xavier(layer_dims, rng):
    params = {}
    for l in range(1, len(layer_dims)):
        W = rng.standard_normal((layer_dims[l], layer_dims[l - 1]))
        params[f"W{l}"] = W / layer_dims[l - 1]
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_xavier", "fan-out n[l] instead of fan-in n[l-1]", """
def initialize_xavier(layer_dims, rng):
    params = {}
    for l in range(1, len(layer_dims)):
        std = np.sqrt(1 / layer_dims[l])
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * std
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_xavier", "He's factor 2/n[l-1] instead of 1/n[l-1]", """
def initialize_xavier(layer_dims, rng):
    params = {}
    for l in range(1, len(layer_dims)):
        std = np.sqrt(2 / layer_dims[l - 1])
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * std
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_xavier", "np.random.randn (global generator) instead of rng", """
def initialize_xavier(layer_dims, rng):
    params = {}
    for l in range(1, len(layer_dims)):
        W = np.random.randn(layer_dims[l], layer_dims[l - 1])
        params[f"W{l}"] = W * np.sqrt(1 / layer_dims[l - 1])
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_glorot", "2 / (n[l-1] * n[l]) (a product) instead of the sum", """
def initialize_glorot(layer_dims, rng):
    params = {}
    for l in range(1, len(layer_dims)):
        std = np.sqrt(2 / (layer_dims[l - 1] * layer_dims[l]))
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * std
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_glorot", "forgets the 2: sqrt(1 / (n[l-1] + n[l]))", """
def initialize_glorot(layer_dims, rng):
    params = {}
    for l in range(1, len(layer_dims)):
        std = np.sqrt(1 / (layer_dims[l - 1] + layer_dims[l]))
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * std
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_glorot", "the uniform Glorot variant, U(-sqrt(6/(n_in+n_out)), +...)", """
def initialize_glorot(layer_dims, rng):
    params = {}
    for l in range(1, len(layer_dims)):
        limit = np.sqrt(6 / (layer_dims[l - 1] + layer_dims[l]))
        params[f"W{l}"] = rng.uniform(-limit, limit, (layer_dims[l], layer_dims[l - 1]))
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_glorot", "multiplies by the variance 2/(n_in+n_out) (no square root)", """
def initialize_glorot(layer_dims, rng):
    params = {}
    for l in range(1, len(layer_dims)):
        var = 2 / (layer_dims[l - 1] + layer_dims[l])
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * var
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_he", "Xavier's sqrt(1/n[l-1]) instead of sqrt(2/n[l-1])", """
def initialize_he(layer_dims, rng):
    params = {}
    for l in range(1, len(layer_dims)):
        std = np.sqrt(1 / layer_dims[l - 1])
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * std
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_he", "fan-out: sqrt(2/n[l])", """
def initialize_he(layer_dims, rng):
    params = {}
    for l in range(1, len(layer_dims)):
        std = np.sqrt(2 / layer_dims[l])
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * std
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_he", "no square root: std 2/n[l-1]", """
def initialize_he(layer_dims, rng):
    params = {}
    for l in range(1, len(layer_dims)):
        W = rng.standard_normal((layer_dims[l], layer_dims[l - 1]))
        params[f"W{l}"] = W * 2 / layer_dims[l - 1]
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_he", "keeps the 0.01 of initialize_random on top of He's factor", """
def initialize_he(layer_dims, rng):
    params = {}
    for l in range(1, len(layer_dims)):
        std = np.sqrt(2 / layer_dims[l - 1])
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * 0.01 * std
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
    ("initialize_he", "uses the previous layer's size for every layer from layer_dims[0]", """
def initialize_he(layer_dims, rng):
    params = {}
    for l in range(1, len(layer_dims)):
        std = np.sqrt(2 / layer_dims[0])
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * std
        params[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return params
"""),
]

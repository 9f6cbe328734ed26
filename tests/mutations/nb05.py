"""Wrong answers to notebook 05_minibatch_gradient_descent (see tests/mutations/__init__.py)."""

MUTATIONS = [
    ("partition", "drops the last, smaller mini-batch (range(m // size))", """
def partition(X, Y, mini_batch_size):
    m = X.shape[1]
    batches = []
    for k in range(m // mini_batch_size):
        s = slice(k * mini_batch_size, (k + 1) * mini_batch_size)
        batches.append((X[:, s], Y[:, s]))
    return batches
"""),
    ("partition", "range(0, m - size, size): loses the last batch, full or not", """
def partition(X, Y, mini_batch_size):
    m = X.shape[1]
    batches = []
    for start in range(0, m - mini_batch_size, mini_batch_size):
        batches.append((X[:, start:start + mini_batch_size], Y[:, start:start + mini_batch_size]))
    return batches
"""),
    ("partition", "slices the rows (features) instead of the columns (examples)", """
def partition(X, Y, mini_batch_size):
    m = X.shape[1]
    batches = []
    for start in range(0, m, mini_batch_size):
        batches.append((X[start:start + mini_batch_size], Y[start:start + mini_batch_size]))
    return batches
"""),
    ("partition", "end index start + size - 1 (one example short in every batch)", """
def partition(X, Y, mini_batch_size):
    m = X.shape[1]
    batches = []
    for start in range(0, m, mini_batch_size):
        end = start + mini_batch_size - 1
        batches.append((X[:, start:end], Y[:, start:end]))
    return batches
"""),
    ("partition", "the last, smaller batch cut from the front: X[:, :m % size]",
     """
def partition(X, Y, mini_batch_size):
    m = X.shape[1]
    n_full = m // mini_batch_size
    batches = [(X[:, k * mini_batch_size:(k + 1) * mini_batch_size],
                Y[:, k * mini_batch_size:(k + 1) * mini_batch_size]) for k in range(n_full)]
    rest = m % mini_batch_size
    if rest:
        batches.append((X[:, :rest], Y[:, :rest]))
    return batches
"""),
    ("random_mini_batches", "shuffles X and Y with two different permutations", """
def random_mini_batches(X, Y, mini_batch_size, rng):
    m = X.shape[1]
    return partition(X[:, rng.permutation(m)], Y[:, rng.permutation(m)], mini_batch_size)
"""),
    ("random_mini_batches", "forgets to shuffle", """
def random_mini_batches(X, Y, mini_batch_size, rng):
    return partition(X, Y, mini_batch_size)
"""),
    ("random_mini_batches", "np.random.permutation (the global generator)", """
def random_mini_batches(X, Y, mini_batch_size, rng):
    perm = np.random.permutation(X.shape[1])
    return partition(X[:, perm], Y[:, perm], mini_batch_size)
"""),
    ("random_mini_batches", "permutes the rows: rng.permutation(X.shape[0])", """
def random_mini_batches(X, Y, mini_batch_size, rng):
    perm = rng.permutation(X.shape[0])
    return partition(X[perm, :], Y, mini_batch_size)
"""),
    ("random_mini_batches", "shuffles each mini-batch after partitioning instead of the whole set",
     """
def random_mini_batches(X, Y, mini_batch_size, rng):
    batches = []
    for X_t, Y_t in partition(X, Y, mini_batch_size):
        perm = rng.permutation(X_t.shape[1])
        batches.append((X_t[:, perm], Y_t[:, perm]))
    return batches
"""),
    ("random_mini_batches", "rng.shuffle on X.T and Y.T: shuffles the caller's arrays in place, "
     "with two different orders", """
def random_mini_batches(X, Y, mini_batch_size, rng):
    rng.shuffle(X.T)
    rng.shuffle(Y.T)
    return partition(X, Y, mini_batch_size)
"""),
]

"""Wrong answers to notebook 01_practical_aspects (see tests/mutations/__init__.py)."""

MUTATIONS = [
    ("split_data", "does not shuffle: cuts the columns in their original order", """
def split_data(X, Y, fractions, rng):
    m = X.shape[1]
    m_dev = round(m * fractions[1])
    m_test = round(m * fractions[2])
    m_train = m - m_dev - m_test
    i_dev = m_train + m_dev
    return (X[:, :m_train], Y[:, :m_train], X[:, m_train:i_dev], Y[:, m_train:i_dev],
            X[:, i_dev:], Y[:, i_dev:])
"""),
    ("split_data", "shuffles X and Y with two different permutations", """
def split_data(X, Y, fractions, rng):
    m = X.shape[1]
    m_dev = round(m * fractions[1])
    m_test = round(m * fractions[2])
    m_train = m - m_dev - m_test
    X = X[:, rng.permutation(m)]
    Y = Y[:, rng.permutation(m)]
    i_dev = m_train + m_dev
    return (X[:, :m_train], Y[:, :m_train], X[:, m_train:i_dev], Y[:, m_train:i_dev],
            X[:, i_dev:], Y[:, i_dev:])
"""),
    ("split_data", "sizes with int() (truncation) and the train set taking the rest", """
def split_data(X, Y, fractions, rng):
    m = X.shape[1]
    m_train = int(m * fractions[0])
    m_dev = int(m * fractions[1])
    perm = rng.permutation(m)
    X, Y = X[:, perm], Y[:, perm]
    i_dev = m_train + m_dev
    return (X[:, :m_train], Y[:, :m_train], X[:, m_train:i_dev], Y[:, m_train:i_dev],
            X[:, i_dev:], Y[:, i_dev:])
"""),
    ("split_data", "puts the test set before the dev set in the shuffled columns", """
def split_data(X, Y, fractions, rng):
    m = X.shape[1]
    m_dev = round(m * fractions[1])
    m_test = round(m * fractions[2])
    m_train = m - m_dev - m_test
    perm = rng.permutation(m)
    X, Y = X[:, perm], Y[:, perm]
    i_test = m_train + m_test
    return (X[:, :m_train], Y[:, :m_train], X[:, i_test:], Y[:, i_test:],
            X[:, m_train:i_test], Y[:, m_train:i_test])
"""),
    ("split_data", "shuffles the rows (features) instead of the columns (examples)", """
def split_data(X, Y, fractions, rng):
    m = X.shape[1]
    m_dev = round(m * fractions[1])
    m_test = round(m * fractions[2])
    m_train = m - m_dev - m_test
    perm = rng.permutation(X.shape[0])
    X = X[perm, :]
    i_dev = m_train + m_dev
    return (X[:, :m_train], Y[:, :m_train], X[:, m_train:i_dev], Y[:, m_train:i_dev],
            X[:, i_dev:], Y[:, i_dev:])
"""),
    ("diagnose", "high variance measured against the Bayes error instead of the training error",
     """
def diagnose(train_error, dev_error, bayes_error=0.0):
    high_bias = train_error - bayes_error > 0.02
    high_variance = dev_error - bayes_error > 0.02
    return bool(high_bias), bool(high_variance)
"""),
    ("diagnose", "returns (high_variance, high_bias) in the wrong order", """
def diagnose(train_error, dev_error, bayes_error=0.0):
    high_bias = train_error - bayes_error > 0.02
    high_variance = dev_error - train_error > 0.02
    return high_variance, high_bias
"""),
    ("diagnose", "thinks in percent: compares the gaps with 2 instead of 0.02", """
def diagnose(train_error, dev_error, bayes_error=0.0):
    return train_error - bayes_error > 2, dev_error - train_error > 2
"""),
    ("diagnose", "high bias from the dev error instead of the training error", """
def diagnose(train_error, dev_error, bayes_error=0.0):
    high_bias = dev_error - bayes_error > 0.02
    high_variance = dev_error - train_error > 0.02
    return bool(high_bias), bool(high_variance)
"""),
    ("fit_standardizer", "statistics over axis 0 (the features) instead of axis 1", """
def fit_standardizer(X_train):
    mu = X_train.mean(axis=0, keepdims=True)
    sigma = X_train.std(axis=0, keepdims=True)
    return mu, sigma
"""),
    ("fit_standardizer", "unbiased standard deviation (ddof=1)", """
def fit_standardizer(X_train):
    mu = np.mean(X_train, axis=1, keepdims=True)
    sigma = np.std(X_train, axis=1, ddof=1, keepdims=True)
    return mu, sigma
"""),
    ("fit_standardizer", "forgets keepdims: returns 1-D arrays of shape (n_x,)", """
def fit_standardizer(X_train):
    return X_train.mean(axis=1), X_train.std(axis=1)
"""),
    ("fit_standardizer", "returns the variance instead of the standard deviation", """
def fit_standardizer(X_train):
    mu = X_train.mean(axis=1, keepdims=True)
    sigma = np.mean((X_train - mu) ** 2, axis=1, keepdims=True)
    return mu, sigma
"""),
    ("fit_standardizer", "root mean square of X, without subtracting the mean", """
def fit_standardizer(X_train):
    mu = X_train.mean(axis=1, keepdims=True)
    sigma = np.sqrt(np.mean(X_train ** 2, axis=1, keepdims=True))
    return mu, sigma
"""),
    ("standardize", "operator precedence: X - mu / sigma", """
def standardize(X, mu, sigma):
    return X - mu / sigma
"""),
    ("standardize", "recomputes the statistics from X instead of using the given ones", """
def standardize(X, mu, sigma):
    mu = X.mean(axis=1, keepdims=True)
    sigma = X.std(axis=1, keepdims=True)
    return (X - mu) / sigma
"""),
    ("standardize", "divides by the variance sigma ** 2", """
def standardize(X, mu, sigma):
    return (X - mu) / sigma ** 2
"""),
    ("standardize", "standardizes in place: X -= mu; X /= sigma", """
def standardize(X, mu, sigma):
    X -= mu
    X /= sigma
    return X
"""),
]

"""Wrong answers to notebook 09_hyperparameter_tuning (see tests/mutations/__init__.py)."""

_TRIALS = """
def random_trials(space, n_trials, rng):
    trials = []
    for _ in range(n_trials):
        point = {}
        for name, (kind, *args) in space.items():
            if kind == "uniform":
                point[name] = float(rng.uniform(args[0], args[1]))
            elif kind == "log":
                point[name] = float(sample_log_uniform(rng, args[0], args[1]))
            elif kind == "beta":
                point[name] = float(sample_beta(rng, args[0], args[1]))
            elif kind == "int":
                point[name] = int(rng.integers(args[0], args[1] + 1))
            elif kind == "choice":
                point[name] = args[0][int(rng.integers(len(args[0])))]
        trials.append(point)
    return trials
"""

_NARROW = """
def narrow_range(values, scores, low, high, top_k, log_scale, margin=0.1):
    values = np.asarray(values, dtype=float)
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    best = values[order[:top_k]]
    if log_scale:
        t_low, t_high, t_best = np.log10(low), np.log10(high), np.log10(best)
    else:
        t_low, t_high, t_best = low, high, best
    pad = margin * (t_high - t_low)
    new_low = max(t_low, t_best.min() - pad)
    new_high = min(t_high, t_best.max() + pad)
    if log_scale:
        return float(10 ** new_low), float(10 ** new_high)
    return float(new_low), float(new_high)
"""


def _edit(text: str, old: str, new: str) -> str:
    """``text`` with one line changed (each mutation changes one thing)."""
    assert old in text, old
    return text.replace(old, new)


MUTATIONS = [
    ("sample_log_uniform", "uniform on the linear scale: rng.uniform(low, high)", """
def sample_log_uniform(rng, low, high, size=None):
    return rng.uniform(low, high, size)
"""),
    ("sample_log_uniform", "natural logarithm for the exponent but 10 ** r back", """
def sample_log_uniform(rng, low, high, size=None):
    r = rng.uniform(np.log(low), np.log(high), size)
    return 10 ** r
"""),
    ("sample_log_uniform", "ignores size: always one number", """
def sample_log_uniform(rng, low, high, size=None):
    r = rng.uniform(np.log10(low), np.log10(high))
    return 10 ** r
"""),
    ("sample_log_uniform", "np.random.uniform (the global generator)", """
def sample_log_uniform(rng, low, high, size=None):
    return 10 ** np.random.uniform(np.log10(low), np.log10(high), size)
"""),
    ("sample_log_uniform", "the bounds in the wrong order: uniform(log10(high), log10(low))", """
def sample_log_uniform(rng, low, high, size=None):
    return 10 ** rng.uniform(np.log10(high), np.log10(low), size)
"""),
    ("sample_log_uniform", "draws r = rng.random() * log10(high / low) without adding log10(low)",
     """
def sample_log_uniform(rng, low, high, size=None):
    r = rng.random(size) * np.log10(high / low)
    return 10 ** r
"""),
    ("sample_beta", "the exponent's bounds swapped: log10(1 - low) first", """
def sample_beta(rng, low, high, size=None):
    r = rng.uniform(np.log10(1 - low), np.log10(1 - high), size)
    return 1 - 10 ** r
"""),
    ("sample_beta", "returns 1 - beta (forgets the final 1 -)", """
def sample_beta(rng, low, high, size=None):
    r = rng.uniform(np.log10(1 - high), np.log10(1 - low), size)
    return 10 ** r
"""),
    ("sample_beta", "log-uniform on beta itself (sample_log_uniform(rng, low, high))", """
def sample_beta(rng, low, high, size=None):
    return sample_log_uniform(rng, low, high, size)
"""),
    ("sample_beta", "uniform beta on the linear scale", """
def sample_beta(rng, low, high, size=None):
    return rng.uniform(low, high, size)
"""),
    ("sample_beta", "exponent drawn from log10 of low and high, not of 1 - low and 1 - high", """
def sample_beta(rng, low, high, size=None):
    r = rng.uniform(np.log10(high), np.log10(low), size)
    return 1 - 10 ** r
"""),
    ("random_trials", "rng.integers(a, b): the upper bound of an int range is excluded",
     _edit(_TRIALS, "rng.integers(args[0], args[1] + 1)", "rng.integers(args[0], args[1])")),
    ("random_trials", "visits the hyperparameters in sorted order (other draws for each)",
     _edit(_TRIALS, "space.items()", "sorted(space.items())")),
    ("random_trials", "a 'log' range sampled uniformly",
     _edit(_TRIALS, "float(sample_log_uniform(rng, args[0], args[1]))",
           "float(rng.uniform(args[0], args[1]))")),
    ("random_trials", "one dict reused for every trial (all trials equal the last)", """
def random_trials(space, n_trials, rng):
    trials = []
    point = {}
    for _ in range(n_trials):
        for name, (kind, *args) in space.items():
            if kind == "uniform":
                point[name] = float(rng.uniform(args[0], args[1]))
            elif kind == "log":
                point[name] = float(sample_log_uniform(rng, args[0], args[1]))
            elif kind == "beta":
                point[name] = float(sample_beta(rng, args[0], args[1]))
            elif kind == "int":
                point[name] = int(rng.integers(args[0], args[1] + 1))
            else:
                point[name] = args[0][int(rng.integers(len(args[0])))]
        trials.append(point)
    return trials
"""),
    ("random_trials", "draws all trials of one hyperparameter, then the next one", """
def random_trials(space, n_trials, rng):
    trials = [{} for _ in range(n_trials)]
    for name, (kind, *args) in space.items():
        for point in trials:
            if kind == "uniform":
                point[name] = float(rng.uniform(args[0], args[1]))
            elif kind == "log":
                point[name] = float(sample_log_uniform(rng, args[0], args[1]))
            elif kind == "beta":
                point[name] = float(sample_beta(rng, args[0], args[1]))
            elif kind == "int":
                point[name] = int(rng.integers(args[0], args[1] + 1))
            else:
                point[name] = args[0][int(rng.integers(len(args[0])))]
    return trials
"""),
    ("narrow_range", "keeps the top_k lowest scores (ascending sort)",
     _edit(_NARROW, "np.argsort(-np.asarray(scores, dtype=float), kind=\"stable\")",
           "np.argsort(np.asarray(scores, dtype=float), kind=\"stable\")")),
    ("narrow_range", "pads on the linear scale even for a log-scale hyperparameter", """
def narrow_range(values, scores, low, high, top_k, log_scale, margin=0.1):
    values = np.asarray(values, dtype=float)
    best = values[np.argsort(-np.asarray(scores, dtype=float), kind="stable")[:top_k]]
    pad = margin * (high - low)
    return float(max(low, best.min() - pad)), float(min(high, best.max() + pad))
"""),
    ("narrow_range", "does not clip the new range to [low, high]",
     _edit(_edit(_NARROW, "max(t_low, t_best.min() - pad)", "t_best.min() - pad"),
           "min(t_high, t_best.max() + pad)", "t_best.max() + pad")),
    ("narrow_range", "pad relative to the spread of the best values, not to the old range",
     _edit(_NARROW, "pad = margin * (t_high - t_low)",
           "pad = margin * (t_best.max() - t_best.min())")),
    ("narrow_range", "returns log10 bounds (forgets to convert back)",
     _edit(_NARROW, "return float(10 ** new_low), float(10 ** new_high)",
           "return float(new_low), float(new_high)")),
    ("narrow_range", "keeps the top_k largest values instead of the values of the top_k scores",
     """
def narrow_range(values, scores, low, high, top_k, log_scale, margin=0.1):
    best = np.sort(np.asarray(values, dtype=float))[-top_k:]
    f = np.log10 if log_scale else (lambda x: x)
    t_low, t_high, t_best = f(low), f(high), f(best)
    pad = margin * (t_high - t_low)
    lo, hi = max(t_low, t_best.min() - pad), min(t_high, t_best.max() + pad)
    return (float(10 ** lo), float(10 ** hi)) if log_scale else (float(lo), float(hi))
"""),
]

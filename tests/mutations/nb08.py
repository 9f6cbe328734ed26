"""Wrong answers to notebook 08_learning_rate_decay (see tests/mutations/__init__.py)."""

_TRAIN = """
def train_with_decay(X, Y, schedule, epochs, batch_size, rng):
    W = np.zeros((1, X.shape[0]))
    b = np.zeros((1, 1))
    lrs = []
    for epoch in range(epochs):
        lr = schedule(epoch)
        lrs.append(lr)
        for X_t, Y_t in random_mini_batches(X, Y, batch_size, rng):
            B_t = X_t.shape[1]
            dZ = sigmoid(W @ X_t + b) - Y_t
            W = W - lr * (dZ @ X_t.T) / B_t
            b = b - lr * dZ.sum(axis=1, keepdims=True) / B_t
    return W, b, lrs
"""


def _train(old: str, new: str) -> str:
    """The course's loop with one line changed (each mutation changes one thing)."""
    assert old in _TRAIN, old
    return _TRAIN.replace(old, new)


MUTATIONS = [
    ("inverse_time_decay", "precedence: lr0 / (1 + decay_rate) * epoch_num", """
def inverse_time_decay(lr0, epoch_num, decay_rate):
    return lr0 / (1 + decay_rate) * epoch_num
"""),
    ("inverse_time_decay", "forgets the 1 +: lr0 / (decay_rate * epoch_num)", """
def inverse_time_decay(lr0, epoch_num, decay_rate):
    return lr0 / (decay_rate * epoch_num)
"""),
    ("inverse_time_decay", "epochs counted from 1: decay_rate * (epoch_num + 1)", """
def inverse_time_decay(lr0, epoch_num, decay_rate):
    return lr0 / (1 + decay_rate * (epoch_num + 1))
"""),
    ("inverse_time_decay", "a power: lr0 / (1 + decay_rate) ** epoch_num", """
def inverse_time_decay(lr0, epoch_num, decay_rate):
    return lr0 / (1 + decay_rate) ** epoch_num
"""),
    ("staircase_decay", "true division epoch_num / interval (no floor)", """
def staircase_decay(lr0, epoch_num, decay_rate, interval):
    return lr0 / (1 + decay_rate * (epoch_num / interval))
"""),
    ("staircase_decay", "round() instead of floor", """
def staircase_decay(lr0, epoch_num, decay_rate, interval):
    return lr0 / (1 + decay_rate * round(epoch_num / interval))
"""),
    ("staircase_decay", "math.ceil instead of floor", """
def staircase_decay(lr0, epoch_num, decay_rate, interval):
    return lr0 / (1 + decay_rate * math.ceil(epoch_num / interval))
"""),
    ("staircase_decay", "a power: lr0 / (1 + decay_rate) ** floor(epoch / interval)", """
def staircase_decay(lr0, epoch_num, decay_rate, interval):
    return lr0 / (1 + decay_rate) ** (epoch_num // interval)
"""),
    ("exponential_decay", "lr0 * exp(-r * epoch_num) (r read as a rate)", """
def exponential_decay(lr0, epoch_num, r):
    return lr0 * math.exp(-r * epoch_num)
"""),
    ("exponential_decay", "r ** (epoch_num + 1)", """
def exponential_decay(lr0, epoch_num, r):
    return r ** (epoch_num + 1) * lr0
"""),
    ("exponential_decay", "lr0 and r swapped: lr0 ** epoch_num * r", """
def exponential_decay(lr0, epoch_num, r):
    return lr0 ** epoch_num * r
"""),
    ("exponential_decay", "(1 - r) ** epoch_num", """
def exponential_decay(lr0, epoch_num, r):
    return lr0 * (1 - r) ** epoch_num
"""),
    ("sqrt_decay", "forgets the + 1: k / sqrt(epoch_num)", """
def sqrt_decay(lr0, epoch_num, k):
    return k / math.sqrt(epoch_num) * lr0
"""),
    ("sqrt_decay", "no square root: k / (epoch_num + 1)", """
def sqrt_decay(lr0, epoch_num, k):
    return k / (epoch_num + 1) * lr0
"""),
    ("sqrt_decay", "k inside the square root: lr0 / sqrt(k * epoch_num + 1)", """
def sqrt_decay(lr0, epoch_num, k):
    return lr0 / math.sqrt(k * epoch_num + 1)
"""),
    ("sqrt_decay", "precedence: k / math.sqrt(epoch_num) + 1 * lr0", """
def sqrt_decay(lr0, epoch_num, k):
    return k / math.sqrt(epoch_num + 1) + lr0
"""),
    ("step_decay", "no floor: drop ** (epoch_num / epochs_drop)", """
def step_decay(lr0, epoch_num, drop, epochs_drop):
    return lr0 * drop ** (epoch_num / epochs_drop)
"""),
    ("step_decay", "multiplies instead of raising to a power: drop * floor(...)", """
def step_decay(lr0, epoch_num, drop, epochs_drop):
    return lr0 * drop * (epoch_num // epochs_drop)
"""),
    ("step_decay", "Keras-style floor((1 + epoch_num) / epochs_drop)", """
def step_decay(lr0, epoch_num, drop, epochs_drop):
    return lr0 * drop ** math.floor((1 + epoch_num) / epochs_drop)
"""),
    ("step_decay", "(1 - drop) ** floor(...)", """
def step_decay(lr0, epoch_num, drop, epochs_drop):
    return lr0 * (1 - drop) ** (epoch_num // epochs_drop)
"""),
    ("linear_warmup", "lr0 * t / warmup_steps: the first step has rate 0", """
def linear_warmup(lr0, t, warmup_steps):
    if t < warmup_steps:
        return lr0 * t / warmup_steps
    return lr0
"""),
    ("linear_warmup", "t <= warmup_steps: one step past lr0 at t = warmup_steps", """
def linear_warmup(lr0, t, warmup_steps):
    if t <= warmup_steps:
        return lr0 * (t + 1) / warmup_steps
    return lr0
"""),
    ("linear_warmup", "never stops at lr0: the rate keeps climbing after the warm-up", """
def linear_warmup(lr0, t, warmup_steps):
    return lr0 * (t + 1) / warmup_steps
"""),
    ("linear_warmup", "integer division (t + 1) // warmup_steps", """
def linear_warmup(lr0, t, warmup_steps):
    return lr0 * min(1, (t + 1) // warmup_steps)
"""),
    ("linear_warmup", "min(1, t / warmup_steps): counts steps from 1", """
def linear_warmup(lr0, t, warmup_steps):
    return lr0 * min(1.0, t / warmup_steps)
"""),
    ("cosine_annealing", "cos(t / T) without pi", """
def cosine_annealing(lr0, t, T, lr_min=0.0):
    if t >= T:
        return lr_min
    return lr_min + (lr0 - lr_min) * (1 + math.cos(t / T)) / 2
"""),
    ("cosine_annealing", "forgets lr_min: lr0 * (1 + cos(pi t / T)) / 2", """
def cosine_annealing(lr0, t, T, lr_min=0.0):
    if t >= T:
        return lr_min
    return lr0 * (1 + math.cos(math.pi * t / T)) / 2
"""),
    ("cosine_annealing", "past T the cosine goes on (the rate rises again)", """
def cosine_annealing(lr0, t, T, lr_min=0.0):
    return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * t / T)) / 2
"""),
    ("cosine_annealing", "a full period cos(2 pi t / T)", """
def cosine_annealing(lr0, t, T, lr_min=0.0):
    if t >= T:
        return lr_min
    return lr_min + (lr0 - lr_min) * (1 + math.cos(2 * math.pi * t / T)) / 2
"""),
    ("cosine_annealing", "no (1 + ...) / 2: lr_min + (lr0 - lr_min) * cos(pi t / T)", """
def cosine_annealing(lr0, t, T, lr_min=0.0):
    if t >= T:
        return lr_min
    return lr_min + (lr0 - lr_min) * math.cos(math.pi * t / T)
"""),
    ("train_with_decay", "lr = schedule(epoch + 1) (epochs counted from 1)",
     _train("lr = schedule(epoch)", "lr = schedule(epoch + 1)")),
    ("train_with_decay", "averages the gradient over all m examples instead of the batch",
     _train("B_t = X_t.shape[1]", "B_t = X.shape[1]")),
    ("train_with_decay", "keeps the first learning rate: schedule(0) in every epoch",
     _train("lr = schedule(epoch)", "lr = schedule(0)")),
    ("train_with_decay", "draws the mini-batches once, before the epochs", """
def train_with_decay(X, Y, schedule, epochs, batch_size, rng):
    W = np.zeros((1, X.shape[0]))
    b = np.zeros((1, 1))
    lrs = []
    batches = random_mini_batches(X, Y, batch_size, rng)
    for epoch in range(epochs):
        lr = schedule(epoch)
        lrs.append(lr)
        for X_t, Y_t in batches:
            B_t = X_t.shape[1]
            dZ = sigmoid(W @ X_t + b) - Y_t
            W = W - lr * (dZ @ X_t.T) / B_t
            b = b - lr * dZ.sum(axis=1, keepdims=True) / B_t
    return W, b, lrs
"""),
    ("train_with_decay", "gradient ascent on W (W + lr * ...)",
     _train("W = W - lr * (dZ @ X_t.T) / B_t", "W = W + lr * (dZ @ X_t.T) / B_t")),
    ("train_with_decay", "sums the bias gradient without dividing by the batch size",
     _train("b = b - lr * dZ.sum(axis=1, keepdims=True) / B_t",
            "b = b - lr * dZ.sum(axis=1, keepdims=True)")),
    ("train_with_decay", "appends the learning rate once per mini-batch", """
def train_with_decay(X, Y, schedule, epochs, batch_size, rng):
    W = np.zeros((1, X.shape[0]))
    b = np.zeros((1, 1))
    lrs = []
    for epoch in range(epochs):
        lr = schedule(epoch)
        for X_t, Y_t in random_mini_batches(X, Y, batch_size, rng):
            lrs.append(lr)
            B_t = X_t.shape[1]
            dZ = sigmoid(W @ X_t + b) - Y_t
            W = W - lr * (dZ @ X_t.T) / B_t
            b = b - lr * dZ.sum(axis=1, keepdims=True) / B_t
    return W, b, lrs
"""),
]

"""Wrong answers to notebook 06_exponentially_weighted_averages (see mutations/__init__.py)."""

MUTATIONS = [
    ("ewma", "stores v before updating it (returns v_0..v_{T-1})", """
def ewma(theta, beta):
    out = np.zeros(len(theta))
    v = 0.0
    for t in range(len(theta)):
        out[t] = v
        v = beta * v + (1 - beta) * theta[t]
    return out
"""),
    ("ewma", "starts from v = theta[0] instead of 0", """
def ewma(theta, beta):
    out = np.zeros(len(theta))
    v = theta[0]
    for t in range(len(theta)):
        v = beta * v + (1 - beta) * theta[t]
        out[t] = v
    return out
"""),
    ("ewma", "beta and 1 - beta swapped", """
def ewma(theta, beta):
    out = np.zeros(len(theta))
    v = 0.0
    for t in range(len(theta)):
        v = (1 - beta) * v + beta * theta[t]
        out[t] = v
    return out
"""),
    ("ewma", "bias-corrects every value (v_t / (1 - beta**t)) although not asked", """
def ewma(theta, beta):
    out = np.zeros(len(theta))
    v = 0.0
    for t in range(len(theta)):
        v = beta * v + (1 - beta) * theta[t]
        out[t] = v / (1 - beta ** (t + 1))
    return out
"""),
    ("ewma", "returns v_0 = 0 too (T + 1 values)", """
def ewma(theta, beta):
    vs = [0.0]
    for x in theta:
        vs.append(beta * vs[-1] + (1 - beta) * x)
    return np.array(vs)
"""),
    ("ewma", "the weights of the plain mean: v_t = the mean of theta_1..theta_t", """
def ewma(theta, beta):
    return np.cumsum(theta) / np.arange(1, len(theta) + 1)
"""),
    ("ewma_bias_corrected", "t counted from 0: divides v_1 by 1 - beta**0 = 0", """
def ewma_bias_corrected(theta, beta):
    v = ewma(theta, beta)
    t = np.arange(len(theta))
    return v / (1 - beta ** t)
"""),
    ("ewma_bias_corrected", "divides by 1 - beta (no power of t)", """
def ewma_bias_corrected(theta, beta):
    return ewma(theta, beta) / (1 - beta)
"""),
    ("ewma_bias_corrected", "multiplies by 1 - beta**t instead of dividing", """
def ewma_bias_corrected(theta, beta):
    t = np.arange(1, len(theta) + 1)
    return ewma(theta, beta) * (1 - beta ** t)
"""),
    ("ewma_bias_corrected", "feeds the corrected value back into the recursion", """
def ewma_bias_corrected(theta, beta):
    out = np.zeros(len(theta))
    v = 0.0
    for t in range(1, len(theta) + 1):
        v = beta * v + (1 - beta) * theta[t - 1]
        v = v / (1 - beta ** t)
        out[t - 1] = v
    return out
"""),
    ("ewma_bias_corrected", "one correction for all steps, with T = len(theta)", """
def ewma_bias_corrected(theta, beta):
    return ewma(theta, beta) / (1 - beta ** len(theta))
"""),
]

"""Quiz of notebook 06: the EWMA, its window, its lag, bias correction."""

from ..quiz import quizzer

ask = quizzer("06_exponentially_weighted_averages")

ask("What happens to the exponentially weighted average v_t = β·v_{t-1} + (1 − β)·θ_t as "
    "β gets closer to 1?",
    {"A": "It averages fewer values and follows the data more closely.",
     "B": "It averages more values, about 1/(1 − β): it gets smoother but lags further "
          "behind changes.",
     "C": "It averages more values and reacts faster to changes.",
     "D": "It becomes the plain mean of all values with equal weights."},
    answer="B",
    why={"A": "That is what a smaller β does (β = 0.5 averages about 2 values). As β → 1 "
              "the weights (1 − β)β^(t−k) decay more slowly: the window 1/(1 − β) grows.",
         "C": "Smoothness and reaction pull in opposite directions: the more old values it "
              "averages, the older they are (mean age β/(1 − β)), so the later it follows "
              "a change.",
         "D": "The weights still shrink geometrically with age, only more slowly; and at "
              "β = 1 the recursion would never move from v₀ = 0 at all."})

ask.number("About how many days does an exponentially weighted average with β = 0.98 "
           "cover (the usual rule of thumb)?",
           answer=50, rtol=0.01,
           traps={2: "1/(1 − β) with β = 0.5 gives 2. For β = 0.98: 1/(1 − 0.98) = 1/0.02 "
                     "= 50.",
                  98: "The window is 1/(1 − β), not 100·β: 1/0.02 = 50 days.",
                  0.02: "0.02 = 1 − β is the weight of today's value; the window is its "
                        "inverse, 1/(1 − β) = 50 days.",
                  49: "49 = β/(1 − β) is the mean age of the averaged values (the lag), not "
                      "the window, which is 1/(1 − β) = 50 days."})

ask("With β = 0.98 and v₀ = 0, v₁ = 0.02·θ₁ is far too small. What does bias correction "
    "do?",
    {"A": "It starts the recursion from v₀ = θ₁ instead of 0.",
     "B": "It divides the value you use by 1 − β^t, the sum of the weights, so v̂₁ = θ₁; "
          "the recursion itself is unchanged.",
     "C": "It replaces the recursion by v_t / (1 − β^t) at every step, feeding the "
          "corrected value back in.",
     "D": "It multiplies every v_t by 1/(1 − β) = 50."},
    answer="B",
    why={"A": "That is another fix, but not bias correction: the correction keeps v₀ = 0 and "
              "divides by 1 − β^t, which makes the weights of v_t add up to 1 from the "
              "first step.",
         "C": "The recursion keeps updating the plain v_t; only the value you use is "
              "divided. Feeding the corrected value back in would correct it again and "
              "again.",
         "D": "The factor is 1/(1 − β^t), which depends on t: 50 at t = 1, and tending to 1 "
              "as β^t → 0. A constant 50 would make every later value 50 times too "
              "large."})

ask("Why do optimizers average gradients with an EWMA rather than a moving average over "
    "the last 10 gradients?",
    {"A": "The EWMA stores one number per parameter (v), whatever β; a 10-gradient window "
          "stores 10 copies of all the parameters.",
     "B": "The EWMA is an exact average over a window of 1/(1 − β) values.",
     "C": "A moving average cannot be computed on mini-batches.",
     "D": "The EWMA has no lag."},
    answer="A",
    why={"B": "It is not exact: its weights decay smoothly instead of stopping at a window "
              "edge. It does the same job for a fraction of the memory.",
         "C": "A moving average can be computed on anything — it just needs a buffer of the "
              "last N gradients, one copy of the network's parameters per entry.",
         "D": "It lags by about β/(1 − β) steps, like any average of past values; its "
              "advantage is memory: O(1) per averaged quantity."})

ask("Why does momentum usually skip bias correction while Adam applies it?",
    {"A": "Momentum does not use an EWMA.",
     "B": "With β = 0.9 the bias is gone after about 10 steps, a negligible slow start out "
          "of thousands; Adam divides by √ŝ, where a too-small start matters more.",
     "C": "Bias correction is only valid for β > 0.99.",
     "D": "Momentum starts from v₀ = θ₁, so it has no bias."},
    answer="B",
    why={"A": "Momentum is an EWMA of the gradients, v = β·v + (1 − β)·dW: it has the same "
              "slow start from v₀ = 0.",
         "C": "The correction 1/(1 − β^t) is valid for every β; with a small β it just "
              "fades faster.",
         "D": "Momentum starts from v₀ = 0 like the other averages; it simply accepts a slow "
              "start over about 1/(1 − β) steps."})

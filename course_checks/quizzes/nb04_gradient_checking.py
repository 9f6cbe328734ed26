"""Quiz of notebook 04: centered differences, the relative difference, practical rules."""

from ..quiz import quizzer

ask = quizzer("04_gradient_checking")

ask("Why does gradient checking use the centered difference (J(θ+ε) − J(θ−ε)) / (2ε) "
    "rather than the one-sided (J(θ+ε) − J(θ)) / ε?",
    {"A": "It is cheaper: one evaluation of J instead of two.",
     "B": "Its error is of order ε² instead of ε: with ε = 0.01, about 10⁻⁴ instead of 10⁻².",
     "C": "It has no error at all.",
     "D": "The one-sided difference is biased towards 0."},
    answer="B",
    why={"A": "It is the other way round: the centered difference costs two evaluations "
              "of J per parameter (θ+ε and θ−ε), the one-sided one a single new one. It is "
              "worth the price for its accuracy.",
         "C": "Its truncation error is ε²/6·J'''(θ), and rounding adds about 10⁻¹⁶/ε: small, "
              "not zero (the even terms of the Taylor expansion cancel, the odd ones do "
              "not).",
         "D": "The one-sided difference errs by about ε/2·J''(θ), whose sign is that of J'': "
              "there is no bias towards 0, only an error of order ε instead of ε²."})

ask.number("J(θ) = θ². With θ = 3 and ε = 0.1, what does the centered difference "
           "(J(θ+ε) − J(θ−ε)) / (2ε) give?",
           answer=6.0, rtol=1e-3,
           traps={6.1: "6.1 is the one-sided difference (J(3.1) − J(3)) / 0.1. The centered "
                       "one is (3.1² − 2.9²) / 0.2 = 1.2 / 0.2 = 6, exact here because "
                       "J''' = 0.",
                  12.0: "You divided by ε instead of 2ε: the two points θ+ε and θ−ε are 2ε "
                        "apart, so (9.61 − 8.41) / 0.2 = 6.",
                  1.2: "1.2 is the difference J(θ+ε) − J(θ−ε) itself; divide it by the "
                       "distance 2ε = 0.2 between the two points: 6."})

ask("A gradient check returns a relative difference of 10⁻³ (ε = 10⁻⁷). What does it "
    "mean?",
    {"A": "The gradient is correct: 10⁻³ is small.",
     "B": "Almost certainly a bug in the backward pass: look at the difference of each "
          "parameter array to find where.",
     "C": "ε is too small: make it 10⁻³ as well.",
     "D": "The network needs more training before it can be checked."},
    answer="B",
    why={"A": "The relative difference is scaled by the gradients' sizes: a correct "
              "backward pass gives about 10⁻⁷. 10⁻³ means the two gradients differ in the "
              "third digit — a bug.",
         "C": "With ε = 10⁻⁷ the numerical gradient's own error is around 10⁻⁹, far below "
              "10⁻³: the difference comes from the backward pass, not from ε.",
         "D": "A check at initialization is meaningful (check again after some training "
              "too); a difference of 10⁻³ already says the backward pass is wrong now."})

ask("You check the gradients of a network trained with dropout (keep_prob = 0.8). The "
    "relative difference is 0.3. What should you do first?",
    {"A": "Rewrite the backward pass: it is wrong.",
     "B": "Run the check again with keep_prob = 1: with dropout, J(θ+ε) and J(θ−ε) use "
          "different random masks and their difference is noise.",
     "C": "Use a larger ε, to average out the masks.",
     "D": "Nothing: dropout gradients cannot be checked, so ignore the result."},
    answer="B",
    why={"A": "The backward pass may well be right: the numerical gradient is the one "
              "that is meaningless here, since every evaluation of J draws new masks.",
         "C": "No ε makes two different thinned networks comparable: the noise between "
              "their costs dwarfs the change that ε makes.",
         "D": "They can be checked: switch dropout off (keep_prob = 1) and check, then "
              "switch it on — or fix the masks' seed, which checks one thinned network."})

ask("A backward pass wrongly adds (λ/m)·b to every db. Why can a gradient check at "
    "initialization miss it?",
    {"A": "Because the check ignores the biases.",
     "B": "Because the biases start at 0, so the wrong term is 0 at initialization; it "
          "shows only after training has moved b.",
     "C": "Because λ is too small to matter.",
     "D": "Because the check only compares the cost, not the gradients."},
    answer="B",
    why={"A": "The check perturbs every parameter, biases included: their numerical "
              "gradients are compared like the weights'.",
         "C": "Even a large λ multiplies b = 0: the term vanishes at initialization "
              "whatever λ is. Once the biases have moved, the same λ makes it visible.",
         "D": "The check compares the backward pass's gradients with numerical ones, entry "
              "by entry; at initialization both agree because the buggy term is λ/m · 0."})

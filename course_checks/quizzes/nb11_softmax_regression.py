"""Quiz of notebook 11: softmax, its stability, one-hot labels, cross-entropy, dZ = Ŷ − Y."""

from ..quiz import quizzer

ask = quizzer("11_softmax_regression")

ask("Why does a careful softmax subtract each column's maximum from the logits first?",
    {"A": "It changes the probabilities so that they sum to 1.",
     "B": "Softmax is unchanged when the same constant is added to every logit, and with "
          "the maximum subtracted the largest exponent is e⁰ = 1: nothing overflows "
          "(e^z overflows for z > 709).",
     "C": "It makes the largest probability exactly 1, like hardmax.",
     "D": "It is needed only for negative logits."},
    answer="B",
    why={"A": "The probabilities sum to 1 with or without the shift; the shift leaves them "
              "unchanged (the e^(−c) factors cancel) and only avoids ∞/∞ = NaN.",
         "C": "The shift makes the largest exponent 1, not the largest probability: the "
              "probabilities themselves are exactly those of the unshifted formula.",
         "D": "The danger is large positive logits, whose exponentials overflow to ∞; "
              "subtracting the maximum brings them to at most 0."})

ask.number("The logits of one example are z = (2, 2, 2, 2) for C = 4 classes. What "
           "probability does softmax give class 0?",
           answer=0.25, rtol=1e-3,
           traps={0.5: "Equal logits give equal probabilities, and the four of them sum to "
                       "1: e²/(4e²) = 1/4, not 1/2.",
                  1.0: "That is hardmax's answer for a unique maximum; softmax shares the "
                       "probability between equal logits: 1/4 each.",
                  2.0: "Softmax exponentiates and normalizes: e²/(e² + e² + e² + e²) = "
                       "0.25; the logit itself is not a probability."})

ask("Why is the cost computed from the logits with a log-softmax, rather than as "
    "np.log(softmax(Z))?",
    {"A": "The log-softmax is a different cost that trains better.",
     "B": "A probability like e⁻⁸⁰⁰ rounds to 0 and its log is −∞; s_j − log Σ e^(s_k) "
          "(with s = z − max z) gives the same value without rounding it to 0.",
     "C": "np.log is slower than np.exp.",
     "D": "To avoid computing the softmax at all in the backward pass."},
    answer="B",
    why={"A": "It is the same cost, −Σ y_j log ŷ_j, computed in a way that does not round "
              "tiny probabilities to 0 first.",
         "C": "Speed is not the point: np.log(softmax(Z)) gives −∞ (and then ∞ or NaN in "
              "the cost) when a probability underflows.",
         "D": "The backward pass still uses softmax(Z) − Y; the log-softmax is about "
              "computing log ŷ in the forward pass without underflow."})

ask("For softmax with cross-entropy, what is dZ = ∂L/∂z for one example with one-hot "
    "label y and prediction ŷ?",
    {"A": "ŷ − y",
     "B": "y − ŷ",
     "C": "ŷ(1 − ŷ)",
     "D": "−y/ŷ"},
    answer="A",
    why={"B": "That is the gradient with the wrong sign, what a derivation gets when it "
              "drops the minus of L = −Σ y_j log ŷ_j. With it, gradient descent would make "
              "the true class less likely.",
         "C": "ŷ_j(1 − ŷ_j) is only the diagonal of softmax's own Jacobian ∂a_j/∂z_j; the "
              "chain rule with the loss's −y_j/a_j collapses everything to ŷ − y.",
         "D": "−y_j/ŷ_j is ∂L/∂ŷ_j, the derivative with respect to the probabilities; "
              "through the softmax it becomes ŷ − y."})

ask("Softmax regression has no hidden layer. What do its decision boundaries between two "
    "classes look like?",
    {"A": "Curves that can wrap around a class.",
     "B": "Straight lines (hyperplanes): the boundary between classes j and k is where "
          "(W_j − W_k)x + b_j − b_k = 0.",
     "C": "Circles around each class's mean.",
     "D": "It has no boundaries: it only outputs probabilities."},
    answer="B",
    why={"A": "Curved boundaries need hidden layers; without them every score z_j is "
              "linear in x, and so is z_j − z_k.",
         "C": "Nothing in a linear score z_j = W_j x + b_j draws a circle: equal scores of "
              "two classes meet on a hyperplane.",
         "D": "Choosing the class with the highest probability splits the input space; "
              "where two scores are equal is a boundary, and it is linear."})

"""Quiz of notebook 03: L2, dropout, L1, early stopping, data augmentation."""

from ..quiz import quizzer

ask = quizzer("03_regularization")

ask("With L2 regularization and plain gradient descent, each step multiplies W by "
    "which factor before the usual gradient step?",
    {"A": "(1 − αλ/m)",
     "B": "(1 − λ/(2m))",
     "C": "(1 + αλ/m)",
     "D": "λ/m"},
    answer="A",
    why={"B": "The penalty λ/(2m)·‖W‖² has the gradient (λ/m)·W (the 2 cancels), and "
              "gradient descent multiplies it by α: W − α(λ/m)W = (1 − αλ/m)·W.",
         "C": "The penalty's gradient is subtracted, like every gradient: the weights "
              "shrink a little at every step — they decay — they do not grow.",
         "D": "λ/m is the coefficient of W in the gradient, not the factor applied to W; "
              "the step keeps W and subtracts α(λ/m)W from it: (1 − αλ/m)·W."})

ask("Inverted dropout keeps each unit with probability keep_prob = 0.8 in training. What "
    "do you do at test time?",
    {"A": "Use the whole network as it is: no mask and no rescaling.",
     "B": "Keep dropout on, so that the network sees what it saw in training.",
     "C": "Multiply the activations by 0.8.",
     "D": "Divide the activations by 0.8."},
    answer="A",
    why={"B": "Predictions must be deterministic: with dropout on, the same dev set would "
              "get a different accuracy at every evaluation, from a random thinned "
              "network.",
         "C": "That is the correction of non-inverted dropout. Inverted dropout already "
              "divided by keep_prob in training, so the expected activations are those of "
              "the full network: no correction at test time.",
         "D": "The division by keep_prob happens in training, on the kept units, to keep "
              "each activation's expected value; dividing again at test time would make "
              "every activation 1.25 times too large."})

ask("Your dropout_backward draws a fresh random mask instead of reusing the forward "
    "pass's mask D. What goes wrong?",
    {"A": "Nothing: both masks keep the same fraction of units on average.",
     "B": "The gradient is wrong: it flows into units that were dropped in the forward "
          "pass and misses units that were kept.",
     "C": "Only the speed: drawing a mask twice is slower.",
     "D": "The cost becomes NaN."},
    answer="B",
    why={"A": "The right fraction is not enough: the gradient must flow through exactly "
              "the units that computed the output. A dropped unit contributed nothing, so "
              "its gradient is 0; another mask gives it one.",
         "C": "The result itself is wrong, not only slower: a gradient check against the "
              "cost with the forward mask fails.",
         "D": "The numbers stay finite; they are simply the gradient of another function "
              "(a network thinned differently), so gradient descent follows the wrong "
              "direction."})

ask("Why does L1 regularization make many weights (close to) 0, while L2 only makes "
    "them small?",
    {"A": "L1's push towards 0 has the same size (λ/(2m)·sign(w)) however small w is; "
          "L2's push (λ/m)·w fades as w shrinks.",
     "B": "L1 uses a larger λ.",
     "C": "L1 sets the smallest weights to 0 explicitly after every step.",
     "D": "L2 penalizes the biases as well, which keeps the weights away from 0."},
    answer="A",
    why={"B": "The difference is in the shape of the penalty, not in λ: with any λ, L2's "
              "push is proportional to w and vanishes near 0; L1's does not.",
         "C": "Nothing sets weights to 0 by hand: the subgradient pushes every weight with "
              "the same force, so weights the data do not need end up near 0 (jumping "
              "around it by about one step).",
         "D": "Neither penalty touches the biases here (weights only); the difference is "
              "how the push on a weight depends on its size."})

ask("Why is early stopping called \"not orthogonal\"?",
    {"A": "Because it makes the weights orthogonal matrices.",
     "B": "Because one knob, when to stop, both stops optimizing the cost and regularizes, "
          "so the two jobs can no longer be tuned separately.",
     "C": "Because it needs a dev set.",
     "D": "Because it only works with L2 regularization."},
    answer="B",
    why={"A": "\"Orthogonal\" is about the tools, not the weights: one tool for one job. "
              "Early stopping does nothing to the matrices' geometry.",
         "C": "L2 with a tuned λ needs a dev set too. The issue is that stopping early "
              "mixes two jobs — optimizing J and avoiding overfitting — in one decision.",
         "D": "It works on its own (it keeps moderate weights, much as L2 would); the "
              "drawback is that it gives up optimizing the cost in order to regularize."})

ask("Which transformation is a sound augmentation for a handwritten-digit classifier?",
    {"A": "A horizontal flip.",
     "B": "A shift by one pixel.",
     "C": "A rotation by 180°.",
     "D": "Replacing the label by a random one, to add noise."},
    answer="B",
    why={"A": "A flipped 3 or 7 is no longer that digit: an augmentation must keep the "
              "label.",
         "C": "A 6 turned by 180° looks like a 9: the label changes, so the new example "
              "teaches the network something false.",
         "D": "Augmentation makes new inputs with the same label; random labels only add "
              "noise that the network has to memorize or ignore."})

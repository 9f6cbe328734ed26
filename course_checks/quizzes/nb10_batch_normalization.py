"""Quiz of notebook 10: batch norm's forward pass, b, test time, why it works."""

from ..quiz import quizzer

ask = quizzer("10_batch_normalization")

ask("Why does a layer followed by batch norm drop its bias b?",
    {"A": "To save memory.",
     "B": "Because batch norm subtracts the batch mean, which contains b: Z − μ = WA − "
          "mean(WA), so b cancels, has no effect and gets a zero gradient; β does its "
          "job.",
     "C": "Because b would make the variance 0.",
     "D": "Because the bias is folded into γ."},
    answer="B",
    why={"A": "One number per unit is nothing next to W; b is dropped because it is "
              "useless: the mean subtraction removes it exactly.",
         "C": "Adding a constant b to every example of a row shifts the mean, not the "
              "spread: the variance is unchanged. It is the mean subtraction that "
              "cancels b.",
         "D": "γ scales the normalized values; the shift that b would give is β's job "
              "(Z̃ = γẐ + β)."})

ask("Why does batch norm learn γ and β instead of leaving every unit at mean 0 and "
    "variance 1?",
    {"A": "So that the layer can still have any mean and spread it needs (γ = √(σ² + ε), "
          "β = μ even undoes the normalization); e.g. a sigmoid with inputs of variance 1 "
          "would stay in its nearly linear part.",
     "B": "Because the normalization is only approximate.",
     "C": "To make the backward pass simpler.",
     "D": "γ and β are fixed at 1 and 0; they are not learned."},
    answer="A",
    why={"B": "The normalization is exact for each batch (up to ε); γ and β are there to "
              "give back the freedom that fixing mean 0 and variance 1 takes away.",
         "C": "They add two more gradients to compute (dγ, dβ); they are there for what "
              "the layer can express, not to simplify anything.",
         "D": "They are parameters like W, updated by gradient descent, momentum, RMSprop "
              "or Adam."})

ask("At test time you must classify a single example. Which statistics does batch norm "
    "use?",
    {"A": "The mean and variance of that one example.",
     "B": "The running (exponentially weighted) averages of μ and σ² kept during training.",
     "C": "μ = 0 and σ² = 1.",
     "D": "The statistics of the last training mini-batch."},
    answer="B",
    why={"A": "A single example has a variance of 0 (and normalizing it would give 0); "
              "and a prediction should not depend on which examples share its batch.",
         "C": "Those are only the starting values of the running statistics; after a few "
              "dozen batches the running averages follow the real batch statistics.",
         "D": "One mini-batch's statistics are noisy and arbitrary; the running averages "
              "(β_bn = 0.9) smooth them over the recent batches."})

ask("What did Santurkar et al. (2018) find when they added noise that shifts each "
    "batch-norm layer's output distribution at every step?",
    {"A": "The networks stopped training: reducing internal covariate shift is what "
          "makes batch norm work.",
     "B": "The networks trained about as well as with plain batch norm: reducing internal "
          "covariate shift does not seem to be the mechanism; batch norm makes the loss "
          "landscape smoother.",
     "C": "Batch norm became a better regularizer than dropout.",
     "D": "Nothing: they did not test it."},
    answer="B",
    why={"A": "The opposite: with the shift put back on purpose, training was about as "
              "good as with plain batch norm and far better than without it.",
         "C": "The experiment was about optimization, not regularization; batch norm's "
              "regularization is a side effect, not a replacement for dropout or L2.",
         "D": "That was the experiment: random noise changing the mean and variance after "
              "every batch-norm layer at every step, and training still worked."})

ask("Which mini-batch size makes batch norm's regularizing effect smallest?",
    {"A": "64",
     "B": "512",
     "C": "It does not depend on the batch size.",
     "D": "8"},
    answer="B",
    why={"A": "With 64 examples the batch statistics are noisier than with 512, so each "
              "example gets more noise: more regularization, not less.",
         "C": "The noise comes from normalizing each example with its own batch's μ and "
              "σ², which depend on which other examples are in it: the larger the batch, "
              "the more stable they are.",
         "D": "Batches of 8 give the noisiest statistics, so the strongest (if small) "
              "regularizing effect."})

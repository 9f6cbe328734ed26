"""Quiz of notebook 05: mini-batches, SGD, batch gradient descent, the batch size."""

from ..quiz import quizzer

ask = quizzer("05_minibatch_gradient_descent")

ask.number("m = 1000 training examples are cut into mini-batches of B = 64. How many "
           "gradient steps does one epoch take?",
           answer=16, rtol=0.0,
           traps={15: "1000 / 64 = 15.6: the 15 full batches hold 960 examples, and the "
                      "last 40 make a 16th, smaller batch. Dropping it would leave 40 "
                      "examples out of every epoch: ⌈m/B⌉ = 16.",
                  15.625: "The number of steps is a whole number of batches: ⌈1000/64⌉ = "
                          "16, the last one holding the remaining 40 examples.",
                  1: "One step per epoch is batch gradient descent (B = m). With B = 64 "
                     "the parameters move once per mini-batch: ⌈1000/64⌉ = 16 times."})

ask("Training with mini-batches, the cost printed at every step goes up and down around "
    "a falling trend. What does it mean?",
    {"A": "The learning rate is too large: lower it until the cost falls at every step.",
     "B": "There is a bug in the backward pass.",
     "C": "Nothing is wrong: each value is the cost of a different mini-batch, an estimate "
          "of the full cost, whose noise shrinks like 1/√B.",
     "D": "The mini-batches were not shuffled."},
    answer="C",
    why={"A": "That rule is for batch gradient descent, whose cost must fall at every "
              "step. A mini-batch's cost also depends on which examples it holds: it "
              "jumps even with a small learning rate. Watch the trend.",
         "B": "A bug is suspected when the full-batch cost rises; a mini-batch's cost "
              "varies with the examples drawn, so its jumps say nothing about the code.",
         "D": "Shuffling changes which examples share a batch, not the fact that every "
              "batch is a different sample: shuffled batches are noisy too."})

ask("To halve the noise of the mini-batch cost (its standard deviation), the batch size "
    "must be multiplied by",
    {"A": "2",
     "B": "4",
     "C": "√2",
     "D": "16"},
    answer="B",
    why={"A": "The standard deviation of a mean of B values is σ/√B: doubling B divides "
              "the noise by √2 ≈ 1.41 only.",
         "C": "The noise goes like 1/√B; multiplying B by √2 divides it by only 2^(1/4) ≈ "
              "1.19.",
         "D": "16 times bigger batches divide σ/√B by √16 = 4: a quarter of the noise, not "
              "half."})

ask("What does stochastic gradient descent (B = 1) give up compared with B = 64?",
    {"A": "Nothing: it takes more steps per epoch, so it is always better.",
     "B": "Vectorization: each step processes a single column, so the time per example is "
          "the worst of all sizes, and its steps are the noisiest.",
     "C": "Shuffling: SGD cannot shuffle.",
     "D": "Convergence: SGD cannot reduce the cost at all."},
    answer="B",
    why={"A": "More steps per epoch, yes — but each one follows a single example's "
              "gradient (noisy) and processes one column at a time (slow per example): "
              "mini-batches get many steps and vectorized ones.",
         "C": "SGD shuffles like any other batch size: one permutation per epoch, then "
              "one example per step.",
         "D": "It does reduce the cost, quickly at first; with a constant learning rate "
              "it keeps wandering around the minimum instead of settling (notebook 08)."})

ask("random_mini_batches uses one permutation for X and another for Y. What happens?",
    {"A": "Nothing: both are shuffled, which is all that matters.",
     "B": "Examples lose their labels: the network is trained on random (x, y) pairs and "
          "learns nothing useful.",
     "C": "The batches have different sizes.",
     "D": "It only changes the order in which examples are seen."},
    answer="B",
    why={"A": "Shuffling is only harmless when every example keeps its own label: column i "
              "of X must still be paired with column i of Y, so both need the same "
              "permutation.",
         "C": "Both arrays are cut at the same columns, so the sizes match: the pairs inside "
              "each batch are what is wrong.",
         "D": "With two permutations the pairs themselves change: x⁽ⁱ⁾ ends up next to "
              "someone else's label."})

"""Quiz of notebook 13: what a framework gives, and translating the course's conventions."""

from ..quiz import quizzer

ask = quizzer("13_frameworks")

ask("What is the main thing a framework's automatic differentiation saves you from "
    "writing?",
    {"A": "The forward pass.",
     "B": "The backward pass: you write the forward computation, and the framework "
          "records its operations and computes every gradient.",
     "C": "The cost function.",
     "D": "The training data."},
    answer="B",
    why={"A": "The forward pass is exactly what you still write; autograd differentiates "
              "it for you.",
         "C": "You still choose and write (or call) the cost; autograd gives its gradient.",
         "D": "Frameworks help load data in mini-batches, but you still provide it; "
              "autograd is about gradients."})

ask("The course's momentum (EMA form) uses v = βv + (1 − β)dW and W −= αv. Which "
    "PyTorch SGD call gives the same updates?",
    {"A": "SGD(lr=α, momentum=β)",
     "B": "SGD(lr=α·(1 − β), momentum=β)",
     "C": "SGD(lr=α, momentum=1 − β)",
     "D": "SGD(lr=α/(1 − β), momentum=β)"},
    answer="B",
    why={"A": "PyTorch uses the heavy-ball form v = βv + dW, whose velocity is 1/(1 − β) "
              "times the course's; with the same α its steps would be 10 times larger "
              "for β = 0.9.",
         "C": "The momentum coefficient is the same β in both forms; only the learning rate "
              "absorbs the (1 − β) factor.",
         "D": "The heavy-ball velocity is already 1/(1 − β) times larger; dividing α by "
              "1 − β makes the steps larger still. Multiply instead: α·(1 − β)."})

ask("The course's dropout keeps each unit with keep_prob = 0.8. What is the argument of "
    "PyTorch's nn.Dropout?",
    {"A": "p = 0.8",
     "B": "p = 0.2",
     "C": "p = 1.25",
     "D": "p = 0.64"},
    answer="B",
    why={"A": "nn.Dropout's p is the probability of dropping a unit, not of keeping it: "
              "p = 1 − keep_prob.",
         "C": "1.25 = 1/keep_prob is the factor that inverted dropout multiplies the kept "
              "units by; p is a probability, 1 − keep_prob = 0.2.",
         "D": "Nothing is squared: p = 1 − keep_prob = 0.2."})

ask("The course updates batch norm's running statistics with β_bn = 0.9 "
    "(running ← 0.9·running + 0.1·batch). Which momentum does nn.BatchNorm1d need?",
    {"A": "0.9",
     "B": "0.1",
     "C": "0.99",
     "D": "It cannot be reproduced."},
    answer="B",
    why={"A": "PyTorch's momentum is the weight of the new batch, 1 − β_bn: 0.9 would make "
              "its running statistics follow each batch almost entirely.",
         "C": "0.99 would mean a weight of 0.99 on every new batch. PyTorch's momentum is "
              "1 − β_bn = 0.1 (its default).",
         "D": "It can: momentum = 1 − β_bn, and course_lib's bn_unbiased=True matches "
              "PyTorch's unbiased running variance. Notebook 13 gets the same numbers to "
              "about 10⁻¹⁵."})

ask("A layer followed by batch norm has no b in the course. What is its PyTorch "
    "equivalent?",
    {"A": "nn.Linear(n_in, n_out) followed by nn.BatchNorm1d(n_out)",
     "B": "nn.Linear(n_in, n_out, bias=False) followed by nn.BatchNorm1d(n_out)",
     "C": "nn.BatchNorm1d(n_out) followed by nn.Linear(n_in, n_out)",
     "D": "nn.Linear(n_out, n_in, bias=False)"},
    answer="B",
    why={"A": "The bias would cancel in batch norm's mean subtraction (it has no effect and "
              "a zero gradient) but would still be a parameter, and the two models would "
              "not have the same parameters to copy.",
         "C": "Batch norm normalizes the linear layer's output z, so it comes after "
              "nn.Linear, before the activation.",
         "D": "nn.Linear takes (in_features, out_features) and stores a weight of shape "
              "(n_out, n_in), like the course's W."})

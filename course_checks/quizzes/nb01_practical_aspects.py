"""Quiz of notebook 01: data splits, bias and variance, normalizing inputs."""

from ..quiz import quizzer

ask = quizzer("01_practical_aspects")

ask("A model has 1 % training error and 11 % dev error on images that people label "
    "almost perfectly (Bayes error ≈ 0 %). What is its main problem, and what should you "
    "try first?",
    {"A": "High bias: train a bigger network.",
     "B": "High variance: get more data or regularize.",
     "C": "Both high bias and high variance: a bigger network and regularization.",
     "D": "Neither: 11 % is a normal dev error."},
    answer="B",
    why={"A": "Bias is measured on the training set: 1 % training error against a Bayes "
              "error of about 0 % leaves only 1 point of avoidable bias. The 10-point gap "
              "is between the training and the dev error: that is variance.",
         "C": "The training error (1 %) is close to the Bayes error (≈ 0 %), so the bias "
              "is low; only the gap between dev and training error (10 points) is large.",
         "D": "Compared with a Bayes error near 0 %, 11 % is far from the best possible, "
              "and the 10 points between dev and training error say where the loss is: "
              "the model does not generalize (variance)."})

ask("Same table, another task: training error 15 %, dev error 16 %. People get 14 % of "
    "these blurry images wrong, so the Bayes error is about 14 %. What is the diagnosis?",
    {"A": "High bias: the training error is 15 %.",
     "B": "High variance: the dev error is higher than the training error.",
     "C": "Low bias and low variance: the model is close to the best possible.",
     "D": "It cannot be said without a test set."},
    answer="C",
    why={"A": "Bias is the training error minus the Bayes error, not the training error "
              "itself: 15 % − 14 % = 1 point. Judging bias against 0 % is right only when "
              "the Bayes error is close to 0.",
         "B": "The dev error is 1 point above the training error: below the notebook's "
              "threshold of 2 points, so the variance is low.",
         "D": "Bias and variance are read from the training and dev errors (and the Bayes "
              "error); the test set only estimates the final model's error, once, at the "
              "end."})

ask("You have 1,000,000 labelled examples. Which split is sensible?",
    {"A": "60 % / 20 % / 20 %, as always.",
     "B": "98 % / 1 % / 1 %: 10,000 dev and 10,000 test examples are enough to tell "
          "models apart.",
     "C": "50 % / 25 % / 25 %, so that the dev and test estimates are as precise as "
          "possible.",
     "D": "100 % training and no dev set: with so much data you cannot overfit."},
    answer="B",
    why={"A": "60/20/20 suits a few thousand examples. With a million, 200,000 dev "
              "examples add little precision over 10,000 and take 190,000 examples away "
              "from training.",
         "C": "Dev and test sets only need to be big enough for their job; beyond that, "
              "every extra example does more good in the training set.",
         "D": "A big network can still overfit a big data set, and without a dev set you "
              "have no way to compare models and hyperparameters."})

ask("Your training photos come from the web; your users send phone photos. Where should "
    "the dev and test sets come from?",
    {"A": "Both from the web photos, like the training set.",
     "B": "Dev from the web photos, test from the phone photos.",
     "C": "Both from the phone photos: the distribution you care about.",
     "D": "Any mix, as long as they are shuffled."},
    answer="C",
    why={"A": "You would then pick the model that does best on web photos, and never "
              "measure what matters: how it does on your users' phone photos.",
         "B": "Dev and test must come from the same distribution: you would optimize for "
              "one target (web) and be judged on another (phone).",
         "D": "Shuffling makes dev and test alike, but not like the data you care about; "
              "they must both come from the phone photos."})

ask("You standardize the inputs. How should the dev and test sets be transformed?",
    {"A": "Each with its own mean and standard deviation.",
     "B": "With the mean and standard deviation of the training set.",
     "C": "With the mean and standard deviation of all the data, computed before the "
          "split.",
     "D": "They need no standardization: only training uses the inputs."},
    answer="B",
    why={"A": "The model learned on inputs shifted by the training mean and divided by "
              "the training σ; a dev example transformed otherwise is not the input the "
              "model expects (and a single test example has no σ of its own).",
         "C": "The dev and test examples would then leak into the statistics of training; "
              "fit μ and σ on the training set only, and apply them everywhere.",
         "D": "Predictions on dev and test run the same network, which expects "
              "standardized inputs: skipping the transformation feeds it inputs of "
              "another scale."})

ask("Why does normalizing the inputs speed up gradient descent?",
    {"A": "It lowers the minimum of the cost.",
     "B": "It makes the contours of the cost rounder, so a larger learning rate is "
          "stable and the steps point more directly at the minimum.",
     "C": "It reduces the number of parameters.",
     "D": "It removes the need for a learning rate."},
    answer="B",
    why={"A": "A linear rescaling of the inputs can be undone by the weights: the best "
              "cost achievable is the same. What changes is the shape of the cost, and "
              "with it how fast gradient descent gets there.",
         "C": "The network has the same weights and biases; only the scale of each input "
              "feature changes.",
         "D": "Gradient descent still needs a learning rate; normalization lets it use a "
              "larger one, because the steepest direction is no longer much steeper than "
              "the flat one."})

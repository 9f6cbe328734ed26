"""Quiz of notebook 09: priorities, random search, scales, coarse to fine, panda/caviar."""

from ..quiz import quizzer

ask = quizzer("09_hyperparameter_tuning")

ask("Your budget allows ten training runs of a network trained with Adam. Which "
    "hyperparameter should most of them explore?",
    {"A": "Adam's ε",
     "B": "The learning rate α",
     "C": "Adam's β₂",
     "D": "The number of layers"},
    answer="B",
    why={"A": "ε = 10⁻⁸ only prevents a division by zero; its default almost always works. "
              "The learning rate is almost always the hyperparameter that matters most.",
         "C": "β₂ = 0.999 is rarely tuned. Spend the runs on α, priority 1.",
         "D": "The depth is a third-priority hyperparameter, after α and then β, the "
              "mini-batch size and the hidden units."})

ask("Two hyperparameters: α (important) and Adam's ε (almost irrelevant). A 5 × 5 grid "
    "and 25 random points cost the same 25 runs. How many distinct values of α does each "
    "try?",
    {"A": "Grid 25, random 25",
     "B": "Grid 5, random 25",
     "C": "Grid 25, random 5",
     "D": "Grid 5, random 5"},
    answer="B",
    why={"A": "The grid tries every combination of 5 values of α and 5 of ε: the 5 models "
              "in a column share the same α, so it tries only 5 distinct values of α.",
         "C": "It is the other way round: random points draw a new α for every trial (25 "
              "distinct values), the grid repeats its 5 values of α for each value of ε.",
         "D": "Random points draw α afresh for each of the 25 trials: 25 distinct values, "
              "where the grid learns about only 5."})

ask("You search α between 10⁻⁴ and 1. Drawing α uniformly in [0.0001, 1], what fraction "
    "of the trials lands in [0.1, 1]?",
    {"A": "About 25 %, one decade out of four.",
     "B": "About 90 %: only 10 % explore the three decades below 0.1 — hence sampling the "
          "exponent r uniformly in [−4, 0] and α = 10^r.",
     "C": "About 10 %.",
     "D": "About 50 %."},
    answer="B",
    why={"A": "25 % per decade is what the log scale gives (r uniform in [−4, 0]). A "
              "uniform draw on the values puts (1 − 0.1)/(1 − 0.0001) ≈ 90 % of the trials "
              "in the top decade.",
         "C": "10 % is the share left for everything below 0.1: the interval [0.1, 1] is "
              "90 % of [0.0001, 1].",
         "D": "[0.1, 1] is 0.9 long out of 0.9999: about 90 % of a uniform draw, not half."})

ask("Why sample momentum's β in [0.9, 0.999] as β = 1 − 10^r with r uniform in "
    "[−3, −1], rather than uniformly?",
    {"A": "Because β must stay below 1.",
     "B": "Because the averaging window 1/(1 − β) changes much faster near 1: 0.999 → "
          "0.9995 doubles it, 0.9 → 0.9005 hardly changes it, so trials must be dense "
          "near 1.",
     "C": "Because uniform sampling would be slower.",
     "D": "Because β has no effect above 0.99."},
    answer="B",
    why={"A": "Uniform sampling in [0.9, 0.999] also stays below 1. The point is where the "
              "trials go: uniform spends most of them on windows of 10 to 100 values.",
         "C": "Both draws cost the same; the log scale on 1 − β puts as many trials in "
              "[0.99, 0.999] as in [0.9, 0.99], where behaviour changes fast.",
         "D": "Between 0.99 and 0.999 the window goes from 100 to 1000 values — a large "
              "change, which uniform sampling hardly explores."})

ask("When is the \"panda\" approach (babysitting one model) the sensible one?",
    {"A": "When you have enough compute to train many models at once.",
     "B": "When compute is scarce: you train one model and adjust its hyperparameters "
          "as you watch its learning curve.",
     "C": "Never: random search is always better.",
     "D": "When the model is small and trains in seconds."},
    answer="B",
    why={"A": "With plenty of compute you would be a \"caviar\" searcher: many models in "
              "parallel, keep the best.",
         "C": "Both approaches use the dev set to decide; which one fits depends on your "
              "compute. With a single model that takes days, babysitting is what you "
              "can afford.",
         "D": "A model that trains in seconds is the ideal case for many parallel trials "
              "(caviar); babysitting pays off when each run is long and you can afford "
              "only one."})

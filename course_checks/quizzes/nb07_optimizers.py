"""Quiz of notebook 07: momentum, Nesterov, AdaGrad, RMSprop, Adam, saddle points."""

from ..quiz import quizzer

ask = quizzer("07_optimizers")

ask("Gradient descent zig-zags across a long, narrow valley. What does momentum change?",
    {"A": "It averages the gradients: the components that flip sign from step to step "
          "cancel, the consistent component along the valley adds up.",
     "B": "It gives each parameter its own learning rate.",
     "C": "It makes the learning rate decay over time.",
     "D": "It computes the exact Hessian."},
    answer="A",
    why={"B": "That is what the adaptive methods (AdaGrad, RMSprop, Adam) do, dividing by "
              "the size of each parameter's recent gradients. Momentum keeps one learning "
              "rate and averages the gradients' directions.",
         "C": "Momentum's step does not shrink by itself; AdaGrad's does (its h only "
              "grows). Momentum is an EWMA of the gradients.",
         "D": "Momentum uses only gradients, like gradient descent: one state array v per "
              "parameter, no second derivatives."})

ask("Why do AdaGrad's steps vanish in a long training run, while RMSprop's do not?",
    {"A": "AdaGrad divides by the square root of the sum of all squared gradients so far, "
          "which only grows (the step goes like α/√t); RMSprop divides by an EWMA, which "
          "forgets old gradients.",
     "B": "AdaGrad has no ε.",
     "C": "RMSprop uses a larger learning rate.",
     "D": "AdaGrad uses momentum, which slows it down."},
    answer="A",
    why={"B": "Both add ε = 10⁻⁸ after the square root; ε only prevents a division by 0. "
              "The difference is a sum that grows for ever against an average that does "
              "not.",
         "C": "With the same α, AdaGrad's effective step α/√h keeps falling, as h adds up "
              "every squared gradient; RMSprop's α/√s stays around α/|g|.",
         "D": "AdaGrad keeps no velocity: its only state is h, the sum of squared "
              "gradients, and it is this growing sum that shrinks the steps."})

ask.number("Adam's first update (t = 1) starts from v = s = 0 with the default β₁ = 0.9, "
           "β₂ = 0.999 and α = 0.01. For a parameter with gradient dw = 250 (and ε "
           "negligible), how much does the parameter move?",
           answer=0.01, rtol=0.01,
           traps={2.5: "2.5 = α·dw is a gradient-descent step. Adam divides the corrected "
                       "velocity v̂ = dw by the corrected root mean square √ŝ = |dw|: the "
                       "first step is α = 0.01 whatever the gradient's size.",
                  0.0316: "That is the step without bias correction: (1 − β₁)·dw = 25 over "
                          "√((1 − β₂)·dw²) ≈ 7.9, times α. Adam corrects both averages: "
                          "v̂ = dw, ŝ = dw², so the step is α = 0.01.",
                  0.316: "That corrects v but not s: dw over √(0.001·dw²) ≈ 0.0316·|dw|, "
                         "times α. With ŝ = s/(1 − β₂) = dw² as well, the step is α = 0.01.",
                  0.001: "That corrects s but not v: v = 0.1·dw over √ŝ = |dw|, times α. "
                         "With v̂ = v/(1 − β₁) = dw as well, the step is α = 0.01."})

ask("In Adam, which hyperparameter is the one to tune first?",
    {"A": "β₁",
     "B": "β₂",
     "C": "The learning rate α",
     "D": "ε"},
    answer="C",
    why={"A": "β₁ = 0.9 is the default that almost everyone keeps; α decides the size of "
              "every step and is the one to tune.",
         "B": "β₂ = 0.999 is rarely tuned; α, the step length of every parameter, matters "
              "far more.",
         "D": "ε = 10⁻⁸ only prevents a division by zero; the learning rate α is the "
              "hyperparameter that needs tuning."})

ask("Why are saddle points, rather than bad local minima, the typical trouble in "
    "high-dimensional optimization?",
    {"A": "Local minima cannot exist in neural networks.",
     "B": "A minimum needs the surface to curve upwards in every one of the d directions; "
          "with millions of directions, critical points where some curve down — saddles "
          "— are far more likely, and their flat plateaus slow training.",
     "C": "Saddle points are where the gradient is largest.",
     "D": "Gradient descent cannot leave a saddle point at all."},
    answer="B",
    why={"A": "They can exist; the heuristic argument says they are rare among critical "
              "points (all d curvatures upwards, like d coin flips landing the same way), "
              "not impossible.",
         "C": "At a saddle point the gradient is zero, and close to zero on the plateau "
              "around it: that is why crossing it takes many steps.",
         "D": "It can: the gradient points away along the downward directions. What hurts "
              "is how slowly it leaves, since that gradient starts tiny; momentum and "
              "Adam leave faster."})

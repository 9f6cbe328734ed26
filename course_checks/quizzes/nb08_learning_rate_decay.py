"""Quiz of notebook 08: why decay, the schedules, and where a schedule is applied."""

from ..quiz import quizzer

ask = quizzer("08_learning_rate_decay")

ask("With mini-batches and a constant learning rate, why do the parameters never settle "
    "at the minimum?",
    {"A": "Each step follows a noisy mini-batch gradient, which is not 0 at the minimum, "
          "so a step of constant size keeps throwing the iterates around in a cloud.",
     "B": "The cost function changes from epoch to epoch.",
     "C": "The gradient of the full cost is never 0 at the minimum.",
     "D": "They do settle; decay only makes training faster."},
    answer="A",
    why={"B": "The cost J is the same throughout; what changes is which mini-batch "
              "estimates its gradient at each step, and that estimate is noisy.",
         "C": "The full gradient is 0 at the minimum; a mini-batch's gradient is not, and "
              "with a constant α each step moves the parameters by α times that noise.",
         "D": "With a constant α the final parameters depend on where the last mini-batch "
              "happened to throw them: they bounce around the minimum. Decay shrinks the "
              "bounces so they settle."})

ask.number("Inverse-time decay α = α₀ / (1 + decay_rate·epoch), with α₀ = 0.2 and "
           "decay_rate = 1, epochs counted from 0. What is the learning rate in epoch 3?",
           answer=0.05, rtol=1e-3,
           traps={0.0667: "0.2/3 is the rate of epoch 2. Epochs count from 0: in epoch 3 "
                          "the rate is 0.2/(1 + 3) = 0.05.",
                  0.04: "0.2/5 would be epoch 4. In epoch 3: 0.2/(1 + 1·3) = 0.05.",
                  0.2: "0.2 is α₀, the rate of epoch 0 only; the rate divides by 1 + "
                       "decay_rate·epoch = 4 in epoch 3.",
                  0.025: "That halves the rate at every epoch (exponential decay with r = "
                         "0.5 gives 0.025). Inverse time divides by 1 + epoch: 0.05."})

ask("You copy a schedule's decay parameters from a Keras example (decay_steps = 1000) "
    "into a loop that calls the schedule once per epoch, with 100 mini-batches per epoch. "
    "What happens?",
    {"A": "Nothing: decay_steps means the same thing everywhere.",
     "B": "Your rate decays 100 times more slowly than in the example: Keras counts "
          "optimizer steps (mini-batches), your loop counts epochs.",
     "C": "Your rate decays 100 times faster.",
     "D": "Keras schedules are applied once per epoch too, so it is the same."},
    answer="B",
    why={"A": "The unit matters: a Keras LearningRateSchedule is a function of the "
              "optimizer's step count, so decay_steps counts mini-batches.",
         "C": "It is the other way round: 1000 of your epochs are 100,000 mini-batches, "
              "while Keras's 1000 steps are 10 of your epochs — your decay is slower.",
         "D": "A schedule given to a Keras optimizer is evaluated at every optimizer step "
              "(mini-batch); PyTorch's schedulers move when you call scheduler.step(). "
              "Check the unit before copying parameters."})

ask("Which order of tuning does the notebook recommend?",
    {"A": "Choose the schedule first, then the initial rate α₀.",
     "B": "Find a good α₀ without decay first; then try a schedule (and tune its "
          "parameters with α₀).",
     "C": "Always use exponential decay with r = 0.5.",
     "D": "Decay is the most important hyperparameter, before α₀."},
    answer="B",
    why={"A": "A schedule only shapes α₀ over time: with a bad α₀ no schedule helps. Find "
              "α₀ first, then refine with decay.",
         "C": "r = 0.5 halves the rate every epoch: in a short run it freezes the weights "
              "before they reach the minimum. The schedule and its parameters are tuned "
              "like any hyperparameter.",
         "D": "Decay is a second-order refinement; the learning rate itself matters far "
              "more."})

ask("Why is a schedule that decays too fast harmful?",
    {"A": "It makes the cost NaN.",
     "B": "The learning rate reaches about 0 before the iterates reach the minimum: the "
          "weights freeze where they are.",
     "C": "It makes the mini-batch noise larger.",
     "D": "It is not harmful: the faster the decay, the better."},
    answer="B",
    why={"A": "A small learning rate cannot make the cost diverge; it makes progress stop.",
         "C": "The noise of each step is α times the gradient's noise: a smaller α makes "
              "it smaller — and the progress too.",
         "D": "Decay trades progress for stability: too slow, the iterates still bounce at "
              "the end; too fast, they freeze before arriving. That is why α₀ and the "
              "decay are tuned together."})

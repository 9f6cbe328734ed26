"""Quiz of notebook 12: the pipeline, the dev and test sets, the final diagnosis."""

from ..quiz import quizzer

ask = quizzer("12_capstone")

ask("prepare_data standardizes the pixels. Over which examples are the mean and standard "
    "deviation computed?",
    {"A": "All 1797 images, before the split.",
     "B": "The training examples only; the dev and test sets are transformed with those "
          "same μ and σ.",
     "C": "Each set with its own statistics.",
     "D": "The dev set, since it chooses the hyperparameters."},
    answer="B",
    why={"A": "Statistics computed before the split let the dev and test images leak into "
              "what the model is trained with; fit them on the training set only.",
         "C": "The model learned on inputs transformed with the training statistics; dev and "
              "test inputs transformed otherwise are not what it expects.",
         "D": "The dev set chooses among trained models; the transformation is part of the "
              "model and is fitted, like the weights, on the training set."})

ask("A pixel is blank (0) in every training image, so its σ is 0. What does the pipeline "
    "do with it?",
    {"A": "Divide by σ = 0 and let the NaNs be dropped later.",
     "B": "Divide that feature by 1 instead of σ (it only gets its mean subtracted).",
     "C": "Remove the pixel from the data.",
     "D": "Add ε = 10⁻⁸ to σ and divide: the value is large but finite."},
    answer="B",
    why={"A": "0/0 gives NaN, and a NaN in an input makes the whole forward pass NaN for "
              "that example: nothing drops it later.",
         "C": "Removing features would change the input size n_x = 64 that the network and "
              "the checks expect; dividing by 1 keeps the pixel harmlessly constant.",
         "D": "A dev or test image where the pixel is not blank would then be multiplied by "
              "10⁸: an enormous input. Dividing by 1 keeps it on its own scale."})

ask("Eight trials are compared on the dev set and the best one is kept. Why is its dev "
    "accuracy a slightly optimistic estimate?",
    {"A": "Because the dev set is smaller than the training set.",
     "B": "Because the best of 8 was chosen on those dev examples: part of its lead can be "
          "luck on these particular 359 images. The untouched test set gives the unbiased "
          "estimate.",
     "C": "Because dropout is off at evaluation.",
     "D": "It is not optimistic: dev accuracy is unbiased."},
    answer="B",
    why={"A": "A small set gives a noisy estimate, not an optimistic one. The optimism comes "
              "from choosing the maximum of several noisy estimates.",
         "C": "Evaluating without dropout is the right thing to do at test time, for dev "
              "and test alike; it does not favour the dev set.",
         "D": "Any one model's dev accuracy is unbiased; the best of 8 on the same dev set is "
              "not, since a lucky trial is more likely to come out on top."})

ask("Why is the test accuracy computed once, at the end?",
    {"A": "Because computing it is expensive.",
     "B": "Because any decision taken after looking at it would make it a second dev set, "
          "and it would no longer be an unbiased estimate.",
     "C": "Because the test set is too small to be used twice.",
     "D": "Because the model changes after every evaluation."},
    answer="B",
    why={"A": "One pass over 359 images takes milliseconds. The rule is about what you do "
              "with the number: going back and changing things because of it.",
         "C": "Its size does not change between looks; what changes is whether your choices "
              "have been tuned to it.",
         "D": "Evaluation changes nothing in the model; the danger is in the decisions you "
              "would take after seeing the test result."})

ask("Training error 0 %, dev error about 1 %, a guessed Bayes error of 0.5 %. What does "
    "the basic recipe suggest trying?",
    {"A": "A bigger network, trained longer: the bias is high.",
     "B": "More data (or data augmentation) and stronger regularization: what remains is "
          "variance.",
     "C": "Nothing can be improved.",
     "D": "A smaller learning rate."},
    answer="B",
    why={"A": "The training error (0 %) is already below the guessed Bayes error: there is no "
              "avoidable bias left to fix with a bigger network.",
         "C": "The dev error is above the training error: that gap is variance, which more "
              "data, augmentation or regularization can reduce.",
         "D": "The learning rate is an optimization knob for the training error, which is "
              "already 0; the gap between dev and training is what remains."})

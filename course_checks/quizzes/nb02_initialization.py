"""Quiz of notebook 02: symmetry, the scale of random weights, vanishing and exploding."""

from ..quiz import quizzer

ask = quizzer("02_initialization")

ask("A hidden layer of 100 units starts with every weight equal (all 0.5) and is trained "
    "for 10,000 steps. What does it compute at the end?",
    {"A": "100 different features: gradient descent breaks the symmetry after a few steps.",
     "B": "What one unit computes: the units receive equal gradients, so they stay "
          "identical.",
     "C": "Nothing: equal weights make every gradient 0.",
     "D": "100 different features, if the learning rate is large enough."},
    answer="B",
    why={"A": "Equal units compute equal activations, receive equal gradients and get equal "
              "updates: by induction they stay equal at every step. Nothing in gradient "
              "descent can make them differ; only a random start does.",
         "C": "The gradients are not 0 (with sigmoid, or with any non-zero constant, the "
              "weights do move): they are equal, so the units move in lockstep and stay "
              "copies of one another.",
         "D": "The learning rate multiplies equal gradients by the same number: the updates "
              "are still equal, whatever its size."})

ask("Which standard deviation does He initialization give the weights of a ReLU layer "
    "with 200 inputs and 50 units?",
    {"A": "√(1/200) ≈ 0.071",
     "B": "√(2/200) = 0.1",
     "C": "√(2/(200 + 50)) ≈ 0.089",
     "D": "√(2/50) = 0.2"},
    answer="B",
    why={"A": "That is Xavier's √(1/n), which suits tanh. ReLU zeroes half of its inputs, "
              "halving E[a²]; He doubles the variance to compensate: √(2/n).",
         "C": "That is Glorot's compromise between the forward and backward fans, "
              "√(2/(n_in + n_out)); He uses the number of inputs only.",
         "D": "The variance depends on the number of terms each unit adds up, its inputs "
              "n^[l-1] = 200, not on the number of units of the layer (50)."})

ask("Why does the variance of the weights have to shrink as the number of inputs n of a "
    "unit grows?",
    {"A": "To save memory.",
     "B": "Because z = Σ wⱼaⱼ adds up n terms, so Var(z) = n·σ²·E[a²] grows with n unless "
          "σ² shrinks like 1/n.",
     "C": "Because more inputs make the network overfit.",
     "D": "Because the biases grow with n."},
    answer="B",
    why={"A": "Every weight takes the same memory whatever its value; the scale matters for "
              "the size of the signal, not for storage.",
         "C": "Overfitting is about what the network learns from the data, later; the "
              "initial scale is about keeping the signal's spread constant through the "
              "layers at the start.",
         "D": "The biases start at 0; the argument is about the sum of n weighted inputs, "
              "whose variance is n times the variance of one term."})

ask("A network has 50 layers with identity activations and every W = 0.5·I, no biases. "
    "About how large is the gradient of the first layer's weights (for an input and an "
    "output derivative of size 1)?",
    {"A": "About 0.5: one factor of the weights.",
     "B": "About 0.5^49 ≈ 2·10⁻¹⁵: it vanishes, and gradient descent barely moves the "
          "weights.",
     "C": "About 2^49 ≈ 6·10¹⁴: it explodes.",
     "D": "About 1: weights proportional to the identity keep the gradient's size."},
    answer="B",
    why={"A": "Backpropagation multiplies by the weights of every other layer, not one: 49 "
              "factors of 0.5, so the gradient shrinks exponentially with depth.",
         "C": "Factors smaller than 1 make the product vanish; it is weights larger than "
              "the identity (1.5·I, say) that make it explode.",
         "D": "Only W = I exactly keeps the size; 0.5·I halves it at each of the 49 other "
              "layers: 0.5^49 ≈ 2·10⁻¹⁵."})

ask("Weights drawn with standard deviation 10 feed a tanh hidden layer. What slows "
    "learning down?",
    {"A": "The activations are all close to 0, so nothing is passed on.",
     "B": "The units saturate: |z| is large, tanh'(z) ≈ 0, and the gradients through them "
          "are tiny.",
     "C": "The units stay symmetric.",
     "D": "Nothing: larger weights always learn faster."},
    answer="B",
    why={"A": "That is what weights that are too small do. With σ = 10, z is huge and tanh "
              "sits at −1 or 1, on its flat parts.",
         "C": "Random weights, even large ones, differ from unit to unit: the symmetry is "
              "broken. The problem is the scale.",
         "D": "tanh flattens out for large |z|: its derivative, which multiplies every "
              "gradient through the unit, is almost 0 there, so large weights learn "
              "slower, and the output's confident mistakes give a huge initial cost."})

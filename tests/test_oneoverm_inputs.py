"""Bad input gets a ValueError that names the argument and says what was expected and received."""

import numpy as np
import pytest

import oneoverm as om

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 5))
Y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0]])
PARAMS = om.init_params([3, 4, 1], 0)
FWD = om.forward(X, PARAMS, "tanh")
GRADS = om.backward(FWD, Y)


def with_nan(a):
    a = np.array(a, dtype=float)
    a.flat[0] = np.nan
    return a


CASES = [
    # (call, a regular expression the message must match)
    (lambda: om.forward(np.ones((2, 5)), PARAMS), r"X: expected shape \(3, m\), got shape \(2, 5\)"),
    (lambda: om.forward(np.ones(5), PARAMS), r"X: expected a 2-D array .* got shape \(5,\)"),
    (lambda: om.forward(np.ones((3, 0)), PARAMS), r"X: the batch is empty \(m = 0"),
    (lambda: om.forward(with_nan(X), PARAMS), r"X: every entry must be finite, found nan"),
    (lambda: om.forward(X, PARAMS, "softplus"), r"hidden: unknown activation 'softplus'.*'relu'"),
    (lambda: om.forward(X, {**PARAMS, "W2": np.ones((1, 5))}),
     r"params\['W2'\]: expected 4 columns \(the rows of W1\), got shape \(1, 5\)"),
    (lambda: om.forward(X, {**PARAMS, "b1": np.ones((4, 2))}), r"params\['b1'\]: expected shape \(4, 1\), got shape \(4, 2\)"),
    (lambda: om.forward(X, {"W1": PARAMS["W1"]}), r"params: expected keys \['W1', 'b1'\]"),
    (lambda: om.backward(FWD, np.ones((1, 4))), r"Y: expected shape \(1, 5\), got shape \(1, 4\)"),
    (lambda: om.backward(FWD, Y * 2), r"Y: labels must be 0 or 1, found 2\.0"),
    (lambda: om.backward(FWD, Y, "at_the_end"), r"one_over_m: unknown placement 'at_the_end'; expected one of "
                                               r"\['at_params', 'at_output', 'every_layer', 'nowhere', 'twice', 'weights_only'\]"),
    (lambda: om.backward(FWD, Y, om.Placement((1.0,), (1.0,))), r"one_over_m: the placement has 1 layers, the network 2"),
    (lambda: om.backward(X, Y), r"fwd: expected the Forward returned by forward\(\), got ndarray"),
    (lambda: om.per_example_gradients(PARAMS, X, np.ones((1, 4))), r"Y: expected shape \(n, 5\), got shape \(1, 4\)"),
    (lambda: om.flatten([1.0, 2.0]), r"tree: expected a non-empty dict of arrays, got list"),
    (lambda: om.vec(np.ones(4)), r"M: expected a 2-D array \(n, m\), got shape \(4,\)"),
    (lambda: om.numerical_gradient_of("cost", {"W1": np.ones(2)}), r"f: expected a function of the parameter dict, got str"),
    (lambda: om.numerical_gradient_of(lambda p: 0.0, {}), r"params: expected a non-empty dict of arrays, got dict"),
    (lambda: om.numerical_gradient_of(lambda p: p["W1"], {"W1": np.ones(2)}), r"f: expected a scalar, got 2 values"),
    (lambda: om.Placement((1.0, 0.0), (1.0, 1.0)), r"Placement: scales must be finite and positive"),
    (lambda: om.Placement((1.0, 1.0), (1.0, 1.0), (1.0, -1.0)), r"Placement: scales must be finite and positive"),
    (lambda: om.Placement((1.0, 1.0), (1.0, 1.0), (1.0,)),
     r"Placement: dz, params and bias need one scale per layer, got 2, 2 and 1"),
    (lambda: om.Placement((1.0,), 0.5), r"Placement: params must be a sequence of numbers, got 0\.5"),
    (lambda: om.named_placement("at_params", 2, 5).bias_path_factor(0), r"l: expected a layer in 1\.\.2, got 0"),
    (lambda: om.loss_vector(np.full((1, 4), 0.5), Y), r"Y: expected shape \(1, 4\), got shape \(1, 5\)"),
    (lambda: om.loss_vector(np.full((1, 5), 1.5), Y), r"AL: probabilities must lie in \[0, 1\], found 1\.5"),
    (lambda: om.loss_vector(with_nan(np.full((1, 5), 0.5)), Y), r"AL: every entry must be finite, found nan"),
    (lambda: om.cost(np.full((1, 0), 0.5), np.ones((1, 0))), r"AL: the batch is empty \(m = 0"),
    (lambda: om.loss_vector_from_logits(np.zeros((1, 5)), Y - 0.5), r"Y: labels must be 0 or 1, found -0\.5"),
    (lambda: om.loss_derivative(np.full((1, 5), -0.1), Y), r"AL: probabilities must lie in \[0, 1\], found -0\.1"),
    (lambda: om.init_params([3], 0), r"layer_sizes: expected at least two positive ints"),
    (lambda: om.init_params([3, 0, 1], 0), r"layer_sizes: expected at least two positive ints .* got \[3, 0, 1\]"),
    (lambda: om.init_params([3, 1], "seed"), r"rng: expected a non-negative int seed or numpy\.random\.Generator, got 'seed'"),
    (lambda: om.gradient_check(PARAMS, X, Y, {"W1": GRADS.dW[1]}), r"grads: expected a Gradients or a dict with keys"),
    (lambda: om.gradient_check(PARAMS, X, Y, {**GRADS.of_params(), "W1": np.ones((2, 2))}),
     r"grads\['W1'\]: expected shape \(4, 3\), got \(2, 2\)"),
    (lambda: om.gradient_check(PARAMS, X, Y, GRADS, eps=0.0), r"eps: expected a small positive number, got 0\.0"),
    (lambda: om.directional_check(PARAMS, X, Y[:, :3], GRADS), r"Y: expected shape \(1, 5\), got shape \(1, 3\)"),
    (lambda: om.numerical_jacobian(np.sin, np.array([np.inf])), r"x: expected a non-empty finite array"),
    (lambda: om.relative_error(np.ones(2), np.ones(3)), r"b: expected the shape of a, \(2,\), got \(3,\)"),
    (lambda: om.disc_dataset(0), r"m: expected a positive int number of examples, got 0"),
    (lambda: om.gradient_descent(PARAMS, X, Y, learning_rate=-1.0), r"learning_rate: expected a positive number, got -1\.0"),
    (lambda: om.gradient_descent(PARAMS, X, Y, steps=2.5), r"steps: expected a non-negative int, got 2\.5"),
    (lambda: om.named_placement("at_params", 2, 5).path_factor(3), r"l: expected a layer in 1\.\.2, got 3"),
]


@pytest.mark.parametrize("call, message", CASES, ids=[c[1][:40] for c in CASES])
def test_bad_input_raises_a_helpful_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_softmax_labels_must_be_one_hot():
    params = om.init_params([3, 4, 2], 0)
    fwd = om.forward(X, params, output="softmax")
    with pytest.raises(ValueError, match=r"Y: softmax labels must be one-hot \(one 1 per column\), column 0 has 2"):
        om.backward(fwd, np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"output: unknown output layer 'tanh'; expected one of \['sigmoid', 'softmax'\]"):
        om.forward(X, params, output="tanh")

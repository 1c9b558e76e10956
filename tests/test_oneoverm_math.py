"""The mathematics of the package, on many random networks (facts F1-F10 of the book)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import oneoverm as om
from kinks import clear_of_kinks

HIDDEN = sorted(om.ACTIVATIONS)


@st.composite
def networks(draw, max_depth=5, max_m=64, max_width=5):
    """A random batch and network: depth 1-5, m in 1..64, each hidden activation."""
    L = draw(st.integers(1, max_depth))
    m = draw(st.integers(1, max_m))
    sizes = [draw(st.integers(1, 4))] + [draw(st.integers(1, max_width)) for _ in range(L - 1)] + [1]
    hidden = draw(st.sampled_from(HIDDEN))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.normal(size=(sizes[0], m))
    Y = rng.integers(0, 2, size=(1, m)).astype(float)
    params = om.init_params(sizes, rng)
    return params, X, Y, hidden


def close(a, b, rtol=1e-12):
    """Equal to round-off, relative to the size of b (entries near zero are judged by the norm)."""
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * max(np.abs(b).max(), 1e-300))


def fd_agrees(analytic, numeric):
    """Relative error below 1e-6, or a difference below the noise floor of central differences.

    With eps = 1e-6 in float64, each difference quotient carries a round-off of about
    1e-16 * J / eps = 1e-10, so a gradient of size 1e-6 cannot be checked to 1e-6 relative.
    """
    return om.relative_error(analytic, numeric) < 1e-6 or np.linalg.norm(analytic - numeric) < 1e-8


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_both_correct_placements_agree_and_relate_by_m(net):
    params, X, Y, hidden = net
    fwd = om.forward(X, params, hidden)
    at_params, at_output = om.backward(fwd, Y, "at_params"), om.backward(fwd, Y, "at_output")
    for l in range(1, fwd.L + 1):
        # dW and db are sums over the examples: their round-off is relative to the size of the
        # terms summed, not of the sum (hypothesis found a db of 5e-6 from terms near 1e-2).
        dZ, A_prev = np.abs(at_params.dZ[l]), np.abs(fwd.A[l - 1])
        np.testing.assert_allclose(at_output.dW[l], at_params.dW[l], rtol=1e-12,
                                   atol=1e-12 * (dZ @ A_prev.T).max() / fwd.m)
        np.testing.assert_allclose(at_output.db[l], at_params.db[l], rtol=1e-12,
                                   atol=1e-12 * dZ.sum(axis=1).max() / fwd.m)
        close(at_params.dZ[l], fwd.m * at_output.dZ[l])
        close(at_params.dA[l], fwd.m * at_output.dA[l])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(max_m=32))
def test_correct_placements_match_finite_differences(net):
    params, X, Y, hidden = net
    fwd = om.forward(X, params, hidden)
    assume(clear_of_kinks(hidden, [fwd.Z[l] for l in range(1, fwd.L)]))
    numeric = om.numerical_gradient(params, X, Y, hidden)
    for name in ("at_params", "at_output"):
        analytic = om.backward(fwd, Y, name).of_params()
        flat = lambda g: np.concatenate([g[k].ravel() for k in params])
        assert om.relative_error(flat(analytic), flat(numeric)) < 1e-6, name
        for key in params:
            assert fd_agrees(analytic[key], numeric[key]), (name, key)


def test_numerical_gradient_of_any_function_of_the_parameters():
    """A function with a known gradient, then the cost J against backpropagation."""
    rng = np.random.default_rng(3)
    params = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=(3, 1))}
    numeric = om.numerical_gradient_of(
        lambda p: 0.5 * np.sum(p["W1"] ** 2) + 3 * np.sum(p["b1"]), params)
    np.testing.assert_allclose(numeric["W1"], params["W1"], rtol=1e-8)
    np.testing.assert_allclose(numeric["b1"], np.full((3, 1), 3.0), rtol=1e-8)
    params = om.init_params([2, 4, 1], rng=1)
    X, Y = om.disc_dataset(6, rng=2)
    of_J = om.numerical_gradient_of(lambda p: om.cost_of_params(p, X, Y, "tanh"), params)
    analytic = om.backward(om.forward(X, params, "tanh"), Y).of_params()
    assert om.relative_error(om.flatten(of_J), om.flatten(analytic)) < 1e-8


@settings(max_examples=60, deadline=None)
@given(networks())
def test_wrong_placements_are_off_by_the_predicted_powers_of_m(net):
    params, X, Y, hidden = net
    fwd = om.forward(X, params, hidden)
    L, m = fwd.L, fwd.m
    true = om.backward(fwd, Y, "at_params")
    every, nowhere, twice = (om.backward(fwd, Y, p) for p in ("every_layer", "nowhere", "twice"))
    for l in range(1, L + 1):
        close(every.dW[l], float(m) ** -(L - l) * true.dW[l])
        close(every.db[l], float(m) ** -(L - l) * true.db[l])
        close(nowhere.dW[l], m * true.dW[l])
        close(twice.dW[l], true.dW[l] / m)
        close(twice.db[l], true.db[l] / m)


@settings(max_examples=60, deadline=None)
@given(networks())
def test_weights_only_gets_dw_right_and_db_m_times_too_large(net):
    params, X, Y, hidden = net
    fwd = om.forward(X, params, hidden)
    true, wrong = om.backward(fwd, Y, "at_params"), om.backward(fwd, Y, "weights_only")
    p = om.named_placement("weights_only", fwd.L, fwd.m)
    for l in range(1, fwd.L + 1):
        close(wrong.dW[l], true.dW[l])
        close(wrong.db[l], fwd.m * true.db[l])
        close(wrong.dZ[l], true.dZ[l])   # nothing but the bias step differs
        assert np.isclose(fwd.m * p.path_factor(l), 1.0) and np.isclose(p.bias_path_factor(l), 1.0)


@settings(max_examples=30, deadline=None)
@given(networks(max_depth=3, max_m=8, max_width=3))
def test_path_rule_predicts_every_scaled_placement(net):
    params, X, Y, hidden = net
    fwd = om.forward(X, params, hidden)
    true = om.backward(fwd, Y, "at_output")
    for placement in om.scaled_placements(fwd.L, fwd.m):
        grads = om.backward(fwd, Y, placement)
        for l in range(1, fwd.L + 1):
            close(grads.dW[l], fwd.m * placement.path_factor(l) * true.dW[l])
        if placement.is_correct(fwd.m):
            for l in range(1, fwd.L + 1):
                close(grads.dW[l], true.dW[l])


def test_named_placements_obey_the_path_rule_as_the_book_says():
    for L in range(1, 6):
        for m in (1, 2, 7, 64):
            verdicts = {name: om.named_placement(name, L, m).is_correct(m) for name in om.PLACEMENTS}
            wrong_when_m_gt_1 = {"every_layer": L > 1, "nowhere": True, "twice": True, "weights_only": True}
            for name, correct in verdicts.items():
                expected = name in ("at_params", "at_output") or m == 1 or not wrong_when_m_gt_1[name]
                assert correct == expected, (name, L, m)


@settings(max_examples=15, deadline=None)
@given(networks(max_depth=2, max_m=8, max_width=3))
def test_path_rule_covers_separate_scales_for_weights_and_biases(net):
    """Every way to put 1/m or nothing at each dZ[l], weight step and bias step (8^L ways)."""
    params, X, Y, hidden = net
    fwd = om.forward(X, params, hidden)
    L, m = fwd.L, fwd.m
    true = om.backward(fwd, Y, "at_output")
    n_correct = 0
    for bits in range(8 ** L):
        flags = [1.0 / m if (bits >> k) & 1 else 1.0 for k in range(3 * L)]
        p = om.Placement(tuple(flags[:L]), tuple(flags[L:2 * L]), tuple(flags[2 * L:]))
        grads = om.backward(fwd, Y, p)
        for l in range(1, L + 1):
            close(grads.dW[l], m * p.path_factor(l) * true.dW[l])
            close(grads.db[l], m * p.bias_path_factor(l) * true.db[l])
        n_correct += p.is_correct(m)
    # separate bias scales add wrong placements, not correct ones: still L + 1 when m > 1
    if m > 1:
        assert n_correct == L + 1


def test_scaled_placements_are_the_path_rule_table():
    """scaled_placements gives the 4^L cases of the path-rule table: weights and biases share a scale."""
    for L in range(1, 5):
        m = 5
        cases = om.scaled_placements(L, m)
        assert len(cases) == len(set(cases)) == 4 ** L
        assert all(p.bias == p.params for p in cases)
        correct = [p for p in cases if p.is_correct(m)]
        # 1/m in dZ[j] and in the steps of the layers above j (j = 0: in no dZ)
        described = {om.Placement(tuple(1 / m if l == j else 1.0 for l in range(1, L + 1)),
                                  tuple(1 / m if l > j else 1.0 for l in range(1, L + 1)))
                     for j in range(L + 1)}
        assert set(correct) == described and len(correct) == L + 1
        named = {name: om.named_placement(name, L, m) for name in om.PLACEMENTS}
        assert named["weights_only"] not in cases     # its bias steps differ from its weight steps
        assert all(p in cases for name, p in named.items() if name != "weights_only")


def test_placement_bias_defaults_to_the_weight_scales():
    a, b = om.Placement((1.0, 0.5), (0.5, 1.0)), om.Placement([1, 0.5], [0.5, 1], (0.5, 1.0))
    assert a == b and hash(a) == hash(b) and a.bias == (0.5, 1.0)
    assert om.Placement((1.0,), (0.5,), (1.0,)) != om.Placement((1.0,), (0.5,))


def test_every_placement_has_its_own_colour():
    from oneoverm.plotting import PLACEMENT_COLORS
    okabe_ito = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert set(PLACEMENT_COLORS) == set(om.PLACEMENTS)
    assert len(set(PLACEMENT_COLORS.values())) == len(PLACEMENT_COLORS)
    assert set(PLACEMENT_COLORS.values()) <= okabe_ito


@settings(max_examples=40, deadline=None)
@given(networks(max_m=32), st.integers(0, 10**6))
def test_directional_check_agrees_with_full_check_and_flags_corruption(net, seed):
    params, X, Y, hidden = net
    fwd = om.forward(X, params, hidden)
    assume(clear_of_kinks(hidden, [fwd.Z[l] for l in range(1, fwd.L)]))
    grads = om.backward(fwd, Y, "at_output")
    full = om.gradient_check(params, X, Y, grads, hidden)
    direction = om.directional_check(params, X, Y, grads, hidden, rng=seed)
    assert direction.relative_error < 1e-6 or abs(direction.numerical - direction.analytic) < 1e-8
    numeric = om.numerical_gradient(params, X, Y, hidden)
    for key, err in full.items():
        assert err == om.relative_error(grads.of_params()[key], numeric[key])
        assert fd_agrees(grads.of_params()[key], numeric[key]), key
    # A gradient off by a factor 2 (the kind of bug this book is about): the directional check
    # reports |1 - 2| / (1 + 2) = 1/3, unless the slope along v is below the noise floor.
    doubled = {k: 2.0 * g for k, g in grads.of_params().items()}
    check = om.directional_check(params, X, Y, doubled, hidden, rng=seed)
    assert abs(check.relative_error - 1 / 3) < 1e-4 or abs(direction.numerical) < 1e-8
    # One parameter's gradient shifted by 0.1 (1 + its size): the full check flags that parameter.
    shifted = grads.of_params()
    key = max(shifted, key=lambda k: np.abs(shifted[k]).max())
    shifted[key] = shifted[key] + 0.1 * (1 + np.abs(shifted[key]).max())
    assert om.gradient_check(params, X, Y, shifted, hidden)[key] > 1e-2


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(0, 10**6))
def test_jacobian_of_loss_vector_is_diagonal_and_sums_to_m_times_gradient(m, seed):
    rng = np.random.default_rng(seed)
    AL = rng.uniform(0.05, 0.95, size=(1, m))
    Y = rng.integers(0, 2, size=(1, m)).astype(float)
    jac = om.numerical_jacobian(lambda a: om.loss_vector(a, Y), AL)
    assert jac.shape == (m, m)
    np.testing.assert_array_equal(jac - np.diag(np.diag(jac)), 0.0)  # exactly: l_i ignores a_j
    np.testing.assert_allclose(np.diag(jac), om.loss_derivative(AL, Y)[0], rtol=1e-6)
    grad_J = om.numerical_jacobian(lambda a: np.array([om.cost(a, Y)]), AL)[0]
    np.testing.assert_allclose(jac.sum(axis=0), m * grad_J, rtol=1e-6)


def test_losses_are_stable_at_extreme_logits():
    Z = np.array([[1000.0, -1000.0, 1000.0, -1000.0, 0.0]])
    Y = np.array([[1.0, 0.0, 0.0, 1.0, 1.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        from_logits = om.loss_vector_from_logits(Z, Y)
        from_probs = om.loss_vector(om.sigmoid(Z), Y)
        derivative = om.loss_derivative(om.sigmoid(Z), Y)
    np.testing.assert_allclose(from_logits, [[0.0, 0.0, 1000.0, 1000.0, np.log(2)]], rtol=1e-15, atol=0)
    assert np.all(np.isfinite(from_probs)) and np.all(np.isfinite(derivative))
    np.testing.assert_allclose(from_probs[0, [0, 1, 4]], from_logits[0, [0, 1, 4]], atol=1e-15)
    assert om.cost_from_logits(Z, Y) == pytest.approx(from_logits.mean())


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 20), st.integers(0, 10**6))
def test_cost_is_mean_of_losses_and_logits_agree_with_probabilities(m, seed):
    rng = np.random.default_rng(seed)
    Z = rng.normal(scale=5, size=(1, m))
    Y = rng.integers(0, 2, size=(1, m)).astype(float)
    losses = om.loss_vector(om.sigmoid(Z), Y)
    assert losses.shape == (1, m)
    # from probabilities, log(1 - a) near a = 1 is exact only to about 1e-16 in absolute terms
    np.testing.assert_allclose(losses, om.loss_vector_from_logits(Z, Y), rtol=1e-9, atol=1e-15)
    assert om.cost(om.sigmoid(Z), Y) == pytest.approx(losses.sum() / m, rel=1e-12)


@pytest.mark.parametrize("name", HIDDEN)
def test_activation_derivatives_match_finite_differences(name):
    g, g_prime = om.activation(name)
    z = np.linspace(-3, 3, 13) + 0.05  # avoid the ReLU kink at 0
    numeric = np.diag(om.numerical_jacobian(g, z))
    np.testing.assert_allclose(g_prime(z), numeric, rtol=1e-7, atol=1e-9)


def test_seeds_make_everything_repeatable():
    a, b = om.init_params([3, 4, 1], 7), om.init_params([3, 4, 1], 7)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert np.array_equal(om.disc_dataset(50, 3)[0], om.disc_dataset(50, 3)[0])


def test_gradient_descent_lowers_the_cost_with_a_correct_placement():
    X, Y = om.disc_dataset(64, 0)
    params = om.init_params([2, 8, 1], 0)
    _, costs = om.gradient_descent(params, X, Y, hidden="tanh", learning_rate=1.0, steps=200)
    assert costs.shape == (201,) and costs[-1] < 0.8 * costs[0]


def test_sum_reduction_equals_mean_with_learning_rate_times_m():
    X, Y = om.disc_dataset(16, 1)
    params = om.init_params([2, 4, 1], 1)
    _, mean_costs = om.gradient_descent(params, X, Y, one_over_m="at_params", learning_rate=0.16, steps=20)
    _, sum_costs = om.gradient_descent(params, X, Y, one_over_m="nowhere", learning_rate=0.01, steps=20)
    np.testing.assert_allclose(sum_costs, mean_costs, rtol=1e-10)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3), st.integers(2, 5), st.integers(1, 24), st.sampled_from(HIDDEN),
       st.integers(0, 10**6))
def test_softmax_output_placements_agree_and_match_finite_differences(L, classes, m, hidden, seed):
    rng = np.random.default_rng(seed)
    sizes = [3] + [4] * (L - 1) + [classes]
    params = om.init_params(sizes, rng)
    X = rng.normal(size=(3, m))
    Y = np.eye(classes)[:, rng.integers(0, classes, size=m)]
    fwd = om.forward(X, params, hidden, output="softmax")
    np.testing.assert_allclose(fwd.AL.sum(axis=0), 1.0, rtol=1e-14)
    at_params, at_output = om.backward(fwd, Y, "at_params"), om.backward(fwd, Y, "at_output")
    numeric = om.numerical_gradient(params, X, Y, hidden, output="softmax")
    for l in range(1, L + 1):
        close(at_output.dW[l], at_params.dW[l])
        close(at_params.dZ[l], m * at_output.dZ[l])
        assert fd_agrees(at_output.dW[l], numeric[f"W{l}"]) and fd_agrees(at_output.db[l], numeric[f"b{l}"])


def test_softmax_loss_is_stable_and_matches_probabilities():
    Z = np.array([[1000.0, -1000.0, 0.0], [0.0, 0.0, 0.0], [-1000.0, 1000.0, 0.0]])
    Y = np.eye(3)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        from_logits = om.loss_vector_from_logits(Z, Y, output="softmax")
        from_probs = om.loss_vector(om.softmax(Z), Y, output="softmax")
    np.testing.assert_allclose(from_logits, [[0.0, 1000.0, np.log(3)]], rtol=1e-15, atol=1e-300)
    assert np.all(np.isfinite(from_probs)) and from_probs[0, 2] == pytest.approx(np.log(3))


def test_numerical_jacobian_of_a_transposed_input_is_not_lost():
    x = np.arange(6.0).reshape(2, 3).T  # Fortran-ordered view
    np.testing.assert_allclose(om.numerical_jacobian(lambda v: 2 * v, x), 2 * np.eye(6), atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(networks(max_m=16))
def test_per_example_gradients_average_to_the_batch_gradient(net):
    """F1: dJ/dtheta is the mean of the examples' own gradients, and the gradient of the sum of
    the losses ("nowhere") is their sum; flatten lists each dict in one fixed key order."""
    params, X, Y, hidden = net
    per_example = om.per_example_gradients(params, X, Y, hidden)
    assert len(per_example) == X.shape[1]
    rows = np.array([om.flatten(g) for g in per_example])
    fwd = om.forward(X, params, hidden)
    close(rows.mean(axis=0), om.flatten(om.backward(fwd, Y).of_params()))
    close(rows.sum(axis=0), om.flatten(om.backward(fwd, Y, "nowhere").of_params()))


def test_flatten_and_vec_list_entries_in_their_documented_order():
    tree = {"b1": np.array([[5.0], [6.0]]), "W1": np.array([[1.0, 2.0], [3.0, 4.0]])}
    np.testing.assert_array_equal(om.flatten(tree), [1, 2, 3, 4, 5, 6])  # W1 row by row, then b1
    np.testing.assert_array_equal(om.vec(np.array([[1, 2, 3], [4, 5, 6]])), [1, 4, 2, 5, 3, 6])


@settings(max_examples=30, deadline=None)
@given(networks(max_m=16))
def test_losses_and_cost_from_any_layer_are_those_of_the_whole_network(net):
    params, X, Y, hidden = net
    fwd = om.forward(X, params, hidden)
    for l in range(1, len(params) // 2 + 1):
        close(om.functional.losses_from(fwd.Z[l], l, params, Y, hidden), om.loss_vector_from_logits(fwd.ZL, Y))
        close(om.functional.cost_from(fwd.Z[l], l, params, Y, hidden), om.cost_from_logits(fwd.ZL, Y))

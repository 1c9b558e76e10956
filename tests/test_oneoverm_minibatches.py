"""The L2 term and mini-batches (facts F11, F12 of the book): {ref}`minibatches-and-regularization`."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import oneoverm as om
from kinks import clear_of_kinks
from oneoverm.minibatch import minibatch_descent, minibatches
from oneoverm.regularization import add_l2, l2_cost, l2_penalty

HIDDEN = sorted(om.ACTIVATIONS)
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FAST = settings(max_examples=80, deadline=None)


@st.composite
def networks(draw, max_depth=4, max_m=24, max_width=4):
    """A random batch and network (depth 1-4, m in 1..24, each hidden activation) and an L2 strength."""
    L = draw(st.integers(1, max_depth))
    m = draw(st.integers(1, max_m))
    sizes = [draw(st.integers(1, 3))] + [draw(st.integers(1, max_width)) for _ in range(L - 1)] + [1]
    hidden = draw(st.sampled_from(HIDDEN))
    lambd = draw(st.floats(0.0, 5.0))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.normal(size=(sizes[0], m))
    Y = rng.integers(0, 2, size=(1, m)).astype(float)
    return om.init_params(sizes, rng), X, Y, hidden, lambd


def numerical_gradient_of(f, params, eps=1e-6):
    """Central differences of the scalar f(params), one parameter array at a time."""
    return {k: om.numerical_jacobian(lambda v: np.array(f({**params, k: v})), params[k], eps).reshape(np.shape(v))
            for k, v in params.items()}


def fd_agrees(analytic, numeric):
    """Relative error below 1e-6, or a difference below the noise floor of central differences (1e-8)."""
    return om.relative_error(analytic, numeric) < 1e-6 or np.linalg.norm(analytic - numeric) < 1e-8


# ---------------------------------------------------------------- the L2 term (F11)

@SLOW
@given(networks())
def test_l2_gradient_matches_finite_differences_under_both_placements(net):
    params, X, Y, hidden, lambd = net
    fwd = om.forward(X, params, hidden)
    assume(clear_of_kinks(hidden, [fwd.Z[l] for l in range(1, fwd.L)]))
    numeric = numerical_gradient_of(lambda p: l2_cost(p, X, Y, lambd, hidden), params)
    for placement in ("at_params", "at_output"):
        grads = add_l2(om.backward(fwd, Y, placement), params, lambd, fwd.m)
        for key in params:
            assert fd_agrees(grads[key], numeric[key]), (placement, key)


@FAST
@given(networks())
def test_penalty_gradient_is_lambda_over_m_times_w_whatever_the_placement(net):
    params, X, Y, hidden, lambd = net
    fwd = om.forward(X, params, hidden)
    m = fwd.m
    for placement in ("at_params", "at_output"):
        plain = om.backward(fwd, Y, placement).of_params()
        reg = add_l2(plain, params, lambd, m)
        for key in params:
            extra = lambd / m * params[key] if key.startswith("W") else np.zeros_like(params[key])
            np.testing.assert_allclose(reg[key] - plain[key], extra, rtol=1e-12, atol=1e-14)
    # the summed cost m J_reg: 1/m nowhere in backward and lambda W for the penalty, m times the gradient
    summed = add_l2(om.backward(fwd, Y, "nowhere"), params, lambd, 1)
    mean = add_l2(om.backward(fwd, Y, "at_params"), params, lambd, m)
    for key in params:
        np.testing.assert_allclose(summed[key], m * mean[key], rtol=1e-10, atol=1e-13)


def test_l2_cost_is_j_plus_the_penalty_over_the_batch_size():
    X, Y = om.disc_dataset(7, rng=3)
    params = om.init_params([2, 3, 1], rng=4)
    frob = sum(float((params[k] ** 2).sum()) for k in ("W1", "W2"))
    assert l2_penalty(params, 0.5, 7) == pytest.approx(0.5 / 14 * frob, rel=1e-14)
    assert l2_cost(params, X, Y, 0.5, "tanh") == pytest.approx(om.cost_of_params(params, X, Y, "tanh")
                                                                 + 0.5 / 14 * frob, rel=1e-14)
    assert l2_cost(params, X, Y, 0.0, "tanh") == om.cost_of_params(params, X, Y, "tanh")


def test_dropping_the_penalty_s_one_over_m_is_caught_by_finite_differences():
    X, Y = om.disc_dataset(16, rng=5)
    params = om.init_params([2, 4, 1], rng=6)
    fwd = om.forward(X, params, "tanh")
    numeric = numerical_gradient_of(lambda p: l2_cost(p, X, Y, 1.0, "tanh"), params)
    wrong = add_l2(om.backward(fwd, Y, "at_output"), params, 1.0, 1)  # lambda W instead of lambda W / m
    assert om.relative_error(wrong["W1"], numeric["W1"]) > 0.1


# ---------------------------------------------------------------- mini-batches (F12)

@FAST
@given(m=st.integers(1, 200), batch_size=st.integers(1, 250), seed=st.integers(0, 2**32 - 1))
def test_an_epoch_covers_every_example_once_in_batches_of_the_right_sizes(m, batch_size, seed):
    X = np.arange(m, dtype=float)[None, :] * np.ones((2, 1))
    Y = (np.arange(m) % 2).astype(float)[None, :]
    batches = list(minibatches(X, Y, batch_size, seed))
    sizes = [Xb.shape[1] for Xb, _ in batches]
    expected = [batch_size] * (m // batch_size) + ([m % batch_size] if m % batch_size else [])  # [m] if B >= m
    assert sizes == expected and min(sizes) >= 1
    seen = np.concatenate([Xb[0] for Xb, _ in batches]).astype(int)
    assert sorted(seen) == list(range(m))                          # every example exactly once
    for Xb, Yb in batches:                                         # columns stay paired
        np.testing.assert_array_equal(Yb[0], Xb[0] % 2)
        assert Xb.shape[0] == 2 and Yb.shape == (1, Xb.shape[1])
    again = [Xb[0] for Xb, _ in minibatches(X, Y, batch_size, seed)]
    assert all(np.array_equal(a, Xb[0]) for a, (Xb, _) in zip(again, batches))   # same seed, same batches


def test_shuffling_follows_the_seed_and_can_be_switched_off():
    X, Y = np.arange(50.0)[None, :], np.zeros((1, 50))
    order = lambda **kw: np.concatenate([Xb[0] for Xb, _ in minibatches(X, Y, 8, **kw)])
    assert np.array_equal(order(rng=1), order(rng=1)) and not np.array_equal(order(rng=1), order(rng=2))
    np.testing.assert_array_equal(order(rng=1, shuffle=False), np.arange(50.0))
    gen = np.random.default_rng(0)   # a Generator passed twice: two different epochs
    assert not np.array_equal(order(rng=gen), order(rng=gen))


@SLOW
@given(batch_size=st.integers(2, 12), full=st.integers(1, 3), data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_the_last_smaller_batch_uses_its_own_m(batch_size, full, data, seed):
    m = full * batch_size + data.draw(st.integers(1, batch_size - 1))   # not a multiple of batch_size
    rng = np.random.default_rng(seed)
    X, Y = om.disc_dataset(m, rng)
    params = om.init_params([2, 3, 1], rng)
    Xb, Yb = list(minibatches(X, Y, batch_size, rng))[-1]
    m_last = Xb.shape[1]
    assert m_last == m % batch_size < batch_size
    batch = om.backward(om.forward(Xb, params, "tanh"), Yb).of_params()
    per_example = [om.backward(om.forward(Xb[:, [i]], params, "tanh"), Yb[:, [i]]).of_params()
                   for i in range(m_last)]
    for key in params:
        total = sum(g[key] for g in per_example)
        np.testing.assert_allclose(batch[key], total / m_last, rtol=1e-10, atol=1e-15)
        # dividing by the nominal batch size shrinks this batch's step by m_last / batch_size
        np.testing.assert_allclose(total / batch_size, m_last / batch_size * batch[key], rtol=1e-10, atol=1e-15)
    numeric = om.numerical_gradient(params, Xb, Yb, "tanh")
    assert all(fd_agrees(batch[k], numeric[k]) for k in params)


def test_full_batch_descent_is_gradient_descent_and_sum_is_a_rate_times_m():
    X, Y = om.disc_dataset(40, rng=1)
    params = om.init_params([2, 5, 1], rng=0)
    end_gd, gd = om.gradient_descent(params, X, Y, hidden="tanh", learning_rate=0.3, steps=12)
    for batch_size in (40, 1000):   # a batch size of m or more: one batch of all m
        end, mean = minibatch_descent(params, X, Y, batch_size=batch_size, epochs=12, learning_rate=0.3,
                                      hidden="tanh")
        np.testing.assert_allclose(mean, gd, rtol=1e-12)
        for key in params:
            np.testing.assert_allclose(end[key], end_gd[key], rtol=1e-10, atol=1e-14)
    _, summed = minibatch_descent(params, X, Y, batch_size=40, epochs=12, learning_rate=0.3 / 40,
                                  reduction="sum", hidden="tanh")
    np.testing.assert_allclose(summed, gd, rtol=1e-10)


def test_each_step_is_the_regularized_gradient_of_its_own_batch():
    X, Y = om.disc_dataset(23, rng=2)
    params = om.init_params([2, 4, 1], rng=3)
    lambd, rate = 0.8, 0.2
    for reduction in ("mean", "sum"):
        end, costs = minibatch_descent(params, X, Y, batch_size=5, epochs=2, learning_rate=rate, lambd=lambd,
                                       reduction=reduction, hidden="tanh", rng=7, record="step")
        assert len(costs) == 1 + 2 * 5                      # 4 batches of 5 and one of 3, per epoch
        p, gen, by_hand = {k: v.copy() for k, v in params.items()}, np.random.default_rng(7), []
        for _ in range(2):
            for Xb, Yb in minibatches(X, Y, 5, gen):
                mb = Xb.shape[1]
                g = add_l2(om.backward(om.forward(Xb, p, "tanh"), Yb), p, lambd, mb)
                scale = 1 if reduction == "mean" else mb     # the sum: mb times the mean's gradient
                p = {k: p[k] - rate * scale * g[k] for k in p}
                by_hand.append(l2_cost(p, X, Y, lambd, "tanh"))
        np.testing.assert_allclose(costs[1:], by_hand, rtol=1e-10)
        for key in params:
            np.testing.assert_allclose(end[key], p[key], rtol=1e-10, atol=1e-14)
    assert costs[0] == pytest.approx(l2_cost(params, X, Y, lambd, "tanh"), rel=1e-14)
    assert params["W1"] is not end["W1"] and not np.shares_memory(params["W1"], end["W1"])


# ---------------------------------------------------------------- bad input

X5, Y5 = om.disc_dataset(5, rng=0)
P = om.init_params([2, 3, 1], rng=0)
G = om.backward(om.forward(X5, P), Y5)

CASES = [
    (lambda: minibatches(X5, Y5, 0), r"batch_size: expected a positive int number of examples per batch, got 0"),
    (lambda: minibatches(X5, Y5, 2.0), r"batch_size: expected a positive int .* got 2\.0"),
    (lambda: minibatches(X5, Y5, True), r"batch_size: expected a positive int .* got True"),
    (lambda: minibatches(X5, Y5[:, :4], 2), r"Y: expected shape \(n, 5\), got shape \(1, 4\)"),
    (lambda: minibatches(X5[0], Y5, 2), r"X: expected a 2-D array of shape \(n, m\), got shape \(5,\)"),
    (lambda: minibatches(X5[:, :0], Y5[:, :0], 2), r"X: the batch is empty \(m = 0"),
    (lambda: minibatches(X5, Y5, 2, rng=-1), r"rng: expected a non-negative int seed"),
    (lambda: l2_penalty(P, -0.1, 5), r"lambd: expected a non-negative number \(the L2 strength\), got -0\.1"),
    (lambda: l2_penalty(P, float("nan"), 5), r"lambd: expected a non-negative number .* got nan"),
    (lambda: l2_penalty(P, 0.1, 0), r"m: expected a positive int number of examples in the batch, got 0"),
    (lambda: l2_penalty({"W1": P["W1"]}, 0.1, 5), r"params: expected keys \['W1', 'b1'\]"),
    (lambda: add_l2(G, P, 0.1, 2.5), r"m: expected a positive int .* got 2\.5"),
    (lambda: add_l2({"W1": G.dW[1]}, P, 0.1, 5), r"grads: expected a Gradients or a dict with keys \['W1', 'W2', 'b1', 'b2'\], got dict with keys \['W1'\]"),
    (lambda: add_l2({**G.of_params(), "W1": np.ones((2, 2))}, P, 0.1, 5),
     r"grads\['W1'\]: expected shape \(3, 2\), got \(2, 2\)"),
    (lambda: l2_cost(P, X5, Y5[:, :3], 0.1), r"Y: expected shape \(1, 5\), got shape \(1, 3\)"),
    (lambda: minibatch_descent(P, X5, Y5, batch_size=2, epochs=1, learning_rate=0.1, reduction="median"),
     r"reduction: expected one of \['mean', 'sum'\], got 'median'"),
    (lambda: minibatch_descent(P, X5, Y5, batch_size=2, epochs=1, learning_rate=0.0),
     r"learning_rate: expected a positive number, got 0\.0"),
    (lambda: minibatch_descent(P, X5, Y5, batch_size=2, epochs=-1, learning_rate=0.1),
     r"epochs: expected a non-negative int, got -1"),
    (lambda: minibatch_descent(P, X5, Y5, batch_size=0, epochs=1, learning_rate=0.1),
     r"batch_size: expected a positive int"),
    (lambda: minibatch_descent(P, X5, Y5, batch_size=2, epochs=1, learning_rate=0.1, lambd=-1),
     r"lambd: expected a non-negative number"),
    (lambda: minibatch_descent(P, X5, Y5, batch_size=2, epochs=1, learning_rate=0.1, record="batch"),
     r"record: expected 'epoch' or 'step', got 'batch'"),
    (lambda: minibatch_descent(P, X5[:, :4], Y5, batch_size=2, epochs=1, learning_rate=0.1),
     r"Y: expected shape \(n, 4\), got shape \(1, 5\)"),
]


@pytest.mark.parametrize("call, message", CASES, ids=[c[1][:40] for c in CASES])
def test_bad_input_raises_a_helpful_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()

"""Batch normalization and the softmax output (facts F13, F14 of the book, page softmax-and-coupling)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import oneoverm as om
from kinks import clear_of_kinks
from oneoverm.batchnorm import (BatchNormCache, batch_normalize_backward, batchnorm_depth, batch_normalize,
                                batchnorm_network_backward, batchnorm_network_cost,
                                batchnorm_network_forward, init_batchnorm_params)

HIDDEN = sorted(om.ACTIVATIONS)
SLOW = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def close(a, b, rtol=1e-12):
    """Equal to round-off, relative to the size of b (entries near zero are judged by the norm)."""
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * max(np.abs(b).max(), 1e-300))


def fd_agrees(analytic, numeric):
    """Relative error below 1e-6, or a difference below the 1e-8 noise floor of central differences."""
    return om.relative_error(analytic, numeric) < 1e-6 or np.linalg.norm(analytic - numeric) < 1e-8


def fd_gradient(f, x):
    """Central differences of the scalar f at x, in the shape of x."""
    return om.numerical_jacobian(f, x).reshape(np.shape(x))


def round_off_scale(dOut, cache):
    """Per row, the size of the terms that dZ adds up (dZ itself can be far smaller: it cancels)."""
    return np.abs(cache.inv_std * cache.gamma * dOut).sum(axis=1, keepdims=True) + 1e-300


# --- the batch-normalization layer ---------------------------------------------------------------

@st.composite
def bn_batches(draw, max_n=5, max_m=12):
    """Z (n, m >= 2), gamma, beta and an upstream gradient.

    Each row of Z has an offset and a standard deviation between 0.3 and 3 over the batch, and
    |gamma| lies between 0.5 and 2: a nearly constant row would make finite differences measure
    round-off (its normalized values hardly move), not the derivative.
    """
    n, m = draw(st.integers(1, max_n)), draw(st.integers(2, max_m))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    noise = rng.normal(size=(n, m))
    noise = (noise - noise.mean(axis=1, keepdims=True)) / noise.std(axis=1, keepdims=True)
    Z = rng.normal(scale=2.0, size=(n, 1)) + rng.uniform(0.3, 3.0, size=(n, 1)) * noise
    gamma = rng.choice([-1.0, 1.0], size=(n, 1)) * rng.uniform(0.5, 2.0, size=(n, 1))
    beta = rng.normal(size=(n, 1))
    return Z, gamma, beta, rng.normal(size=(n, m))


@settings(max_examples=60, **SLOW)
@given(bn_batches())
def test_forward_normalizes_each_row_over_the_batch(batch):
    Z, gamma, beta, _ = batch
    out, cache = batch_normalize(Z, gamma, beta)
    assert out.shape == Z.shape and cache.shape == Z.shape
    zhat = (out - beta) / gamma
    np.testing.assert_allclose(zhat.mean(axis=1), 0.0, atol=1e-9)
    var = Z.var(axis=1)
    np.testing.assert_allclose(zhat.var(axis=1), var / (var + 1e-5), rtol=1e-9)


@settings(max_examples=80, **SLOW)
@given(bn_batches())
def test_backward_matches_finite_differences(batch):
    Z, gamma, beta, dOut = batch
    _, cache = batch_normalize(Z, gamma, beta)
    dZ, dgamma, dbeta = batch_normalize_backward(dOut, cache)
    assert dZ.shape == Z.shape and dgamma.shape == gamma.shape and dbeta.shape == beta.shape
    # dOut is the gradient of the scalar sum(dOut * out) with respect to out.
    objective = lambda Z_, g_, b_: float((dOut * batch_normalize(Z_, g_, b_)[0]).sum())
    assert fd_agrees(dZ, fd_gradient(lambda v: objective(v, gamma, beta), Z))
    assert fd_agrees(dgamma, fd_gradient(lambda v: objective(Z, v, beta), gamma))
    assert fd_agrees(dbeta, fd_gradient(lambda v: objective(Z, gamma, v), beta))


@settings(max_examples=60, **SLOW)
@given(bn_batches())
def test_gradient_rows_sum_to_zero_over_the_batch(batch):
    # Shifting a whole row of Z by c changes nothing (the batch mean absorbs it).
    Z, gamma, beta, dOut = batch
    cache = batch_normalize(Z, gamma, beta)[1]
    dZ, _, dbeta = batch_normalize_backward(dOut, cache)
    assert np.all(np.abs(dZ.sum(axis=1, keepdims=True)) <= 1e-12 * round_off_scale(dOut, cache))
    close(dbeta, dOut.sum(axis=1, keepdims=True))


@settings(max_examples=40, **SLOW)
@given(bn_batches(), st.floats(0.01, 100.0))
def test_backward_is_linear_in_the_upstream_gradient(batch, c):
    Z, gamma, beta, dOut = batch
    cache = batch_normalize(Z, gamma, beta)[1]
    dZ_c, dgamma_c, dbeta_c = batch_normalize_backward(c * dOut, cache)
    dZ, dgamma, dbeta = batch_normalize_backward(dOut, cache)
    np.testing.assert_allclose(dZ_c, c * dZ, rtol=0, atol=1e-12 * c * round_off_scale(dOut, cache).max())
    close(dgamma_c, c * dgamma, rtol=1e-12)
    close(dbeta_c, c * dbeta, rtol=1e-12)


@settings(max_examples=30, **SLOW)
@given(bn_batches(max_n=3, max_m=6))
def test_every_output_column_depends_on_every_input_column(batch):
    """The batch statistics couple the examples: the Jacobian has no zero block between examples."""
    Z, gamma, beta, _ = batch
    n, m = Z.shape
    jac = om.numerical_jacobian(lambda v: batch_normalize(v, gamma, beta)[0], Z)  # C order: row r, column j
    jac = jac.reshape(n, m, n, m)
    for r in range(n):
        for i in range(m):
            for j in range(m):
                if i != j:   # d out[r, i] / d Z[r, j]: other example, same unit
                    assert abs(jac[r, i, r, j]) > 1e-9
            for r2 in range(n):   # different units never interact
                if r2 != r:
                    assert np.all(jac[r, i, r2, :] == 0.0)


# --- the network with batch normalization --------------------------------------------------------

@st.composite
def bn_networks(draw, max_depth=3, batch_sizes=st.integers(2, 10), max_width=4):
    """Depth 1-3 (depth 1 has no hidden layer, so no batch norm), m >= 2, sigmoid or softmax output."""
    L = draw(st.integers(1, max_depth))
    m = draw(batch_sizes)
    output = draw(st.sampled_from(om.OUTPUTS))
    nL = draw(st.integers(1, 2)) if output == "sigmoid" else draw(st.integers(2, 4))
    sizes = [draw(st.integers(1, 3))] + [draw(st.integers(1, max_width)) for _ in range(L - 1)] + [nL]
    hidden = draw(st.sampled_from(HIDDEN))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.normal(size=(sizes[0], m))
    if output == "softmax":
        Y = np.eye(nL)[:, rng.integers(0, nL, size=m)]
    else:
        Y = rng.integers(0, 2, size=(nL, m)).astype(float)
    params = init_batchnorm_params(sizes, rng)
    for l in range(1, L):   # move gamma, beta away from 1 and 0
        params[f"gamma{l}"] = rng.normal(1.0, 0.3, size=(sizes[l], 1))
        params[f"beta{l}"] = rng.normal(0.0, 0.3, size=(sizes[l], 1))
    return params, X, Y, hidden, output


@settings(max_examples=30, **SLOW)
@given(bn_networks())
def test_network_gradients_match_finite_differences_of_J(net):
    params, X, Y, hidden, output = net
    fwd = batchnorm_network_forward(X, params, hidden, output)
    assume(clear_of_kinks(hidden, fwd.N.values()))  # A[l] = g(N[l])
    for name in ("at_params", "at_output"):
        analytic = batchnorm_network_backward(fwd, Y, name).of_params()
        assert set(analytic) == set(params)
        for key in params:
            numeric = fd_gradient(lambda v: batchnorm_network_cost({**params, key: v}, X, Y, hidden, output),
                                  params[key])
            assert fd_agrees(analytic[key], numeric), (name, key)


@settings(max_examples=60, **SLOW)
@given(bn_networks(batch_sizes=st.sampled_from([2, 4, 8, 16])))
def test_network_placements_follow_the_path_rule(net):
    # With m a power of 2, multiplying by 1/m is exact in floating point and commutes with every
    # operation of the backward pass (all linear in what flows in), so the relations hold bit for bit.
    # (For other m the round-off can be large *relative* to a gradient: the batch-norm backward
    # subtracts two means from G, and the difference can be 1e5 times smaller than G.)
    params, X, Y, hidden, output = net
    fwd = batchnorm_network_forward(X, params, hidden, output)
    L, m = fwd.L, fwd.m
    P, O, every = (batchnorm_network_backward(fwd, Y, p) for p in ("at_params", "at_output", "every_layer"))
    for key, value in P.of_params().items():
        np.testing.assert_array_equal(O.of_params()[key], value)
    for l in range(1, L + 1):
        np.testing.assert_array_equal(P.dZ[l], m * O.dZ[l])
        np.testing.assert_array_equal(every.dW[l], float(m) ** -(L - l) * P.dW[l])
        if l < L:   # batch norm absorbs b[l]: its gradient is 0 (the rows of dZ sum to 0)
            dN = P.dA[l] * om.activation(hidden)[1](fwd.N[l])
            assert np.all(np.abs(P.db[l]) <= 1e-12 * round_off_scale(dN, fwd.caches[l]) * (m + 2))


@settings(max_examples=30, **SLOW)
@given(bn_networks(max_depth=1))
def test_depth_one_is_the_plain_network(net):
    params, X, Y, hidden, output = net
    plain = om.backward(om.forward(X, params, hidden, output), Y, "at_output")
    bn = batchnorm_network_backward(batchnorm_network_forward(X, params, hidden, output), Y, "at_output")
    for key, value in plain.of_params().items():
        np.testing.assert_array_equal(bn.of_params()[key], value)


def test_loss_vector_jacobian_is_dense_across_examples_and_ones_times_it_is_m_grad_J():
    X, Y = om.disc_dataset(6, rng=3)
    params = init_batchnorm_params([2, 3, 1], rng=4)
    fwd = batchnorm_network_forward(X, params, "tanh")
    n, m = 3, 6
    W2, b2 = params["W2"], params["b2"]

    def losses(vecZ1):  # vec: column by column, example by example
        Z1 = vecZ1.reshape(n, m, order="F")
        N1 = batch_normalize(Z1, params["gamma1"], params["beta1"])[0]
        return om.loss_vector_from_logits(W2 @ np.tanh(N1) + b2, Y)

    jac = om.numerical_jacobian(losses, fwd.Z[1].reshape(-1, order="F"))
    in_block = np.kron(np.eye(m), np.ones((1, n))).astype(bool)
    assert np.all(np.abs(jac[~in_block]) > 1e-9)  # dense across examples
    P = batchnorm_network_backward(fwd, Y, "at_params")
    O = batchnorm_network_backward(fwd, Y, "at_output")
    summed = (np.ones(m) @ jac).reshape(n, m, order="F")
    assert om.relative_error(summed, P.dZ[1]) < 1e-8
    assert om.relative_error(summed, m * O.dZ[1]) < 1e-8
    own_block = jac[in_block].reshape(m, n).T   # column i: d l_i / d z1^(i)
    assert om.relative_error(own_block, P.dZ[1]) > 0.1   # the elementwise reading is wrong


# --- the softmax output ----------------------------------------------------------------------------

@settings(max_examples=60, **SLOW)
@given(st.integers(1, 6), st.integers(0, 2**32 - 1), st.floats(0.1, 5.0))
def test_softmax_jacobian_is_diag_a_minus_a_a_transpose(n, seed, spread):
    z = np.random.default_rng(seed).normal(scale=spread, size=(n, 1))
    a = om.softmax(z)[:, 0]
    exact = np.diag(a) - np.outer(a, a)
    numeric = om.numerical_jacobian(om.softmax, z)
    np.testing.assert_allclose(numeric, exact, atol=1e-8)
    np.testing.assert_allclose(exact.sum(axis=0), 0.0, atol=1e-15)   # columns sum to 0: sum_k a_k = 1


@settings(max_examples=40, **SLOW)
@given(st.integers(2, 5), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_softmax_cross_entropy_gradient_is_a_minus_y_block_by_block(n, m, seed):
    rng = np.random.default_rng(seed)
    Z = rng.normal(scale=2.0, size=(n, m))
    Y = np.eye(n)[:, rng.integers(0, n, size=m)]
    jac = om.numerical_jacobian(lambda v: om.loss_vector_from_logits(v.reshape(n, m, order="F"), Y, "softmax"),
                                Z.reshape(-1, order="F"))
    in_block = np.kron(np.eye(m), np.ones((1, n))).astype(bool)
    assert np.all(jac[~in_block] == 0.0)
    blocks = jac[in_block].reshape(m, n).T
    np.testing.assert_allclose(blocks, om.softmax(Z) - Y, atol=1e-8)


# --- bad input ---------------------------------------------------------------------------------------

Z0 = np.random.default_rng(0).normal(size=(3, 5))
G0, B0 = np.ones((3, 1)), np.zeros((3, 1))
CACHE = batch_normalize(Z0, G0, B0)[1]
PARAMS = init_batchnorm_params([2, 3, 1], 0)
X0, Y0 = om.disc_dataset(5, 0)
FWD = batchnorm_network_forward(X0, PARAMS)

CASES = [
    (lambda: batch_normalize(Z0[:, :1], G0, B0),
     r"Z: batch normalization needs at least 2 examples .* shape \(3, 1\).*variance of a batch of one is 0"),
    (lambda: batch_normalize(Z0[0], G0, B0), r"Z: expected a 2-D array .* got shape \(5,\)"),
    (lambda: batch_normalize(Z0[:, :0], G0, B0), r"Z: the batch is empty"),
    (lambda: batch_normalize(np.full((3, 5), np.nan), G0, B0), r"Z: every entry must be finite"),
    (lambda: batch_normalize(Z0, np.ones((3,)), B0), r"gamma: expected a 2-D array of shape \(3, 1\)"),
    (lambda: batch_normalize(Z0, np.ones((2, 1)), B0), r"gamma: expected shape \(3, 1\), got shape \(2, 1\)"),
    (lambda: batch_normalize(Z0, G0, np.zeros((3, 5))), r"beta: expected shape \(3, 1\), got shape \(3, 5\)"),
    (lambda: batch_normalize(Z0, G0, B0, eps=0.0), r"eps: expected a small positive number .* got 0\.0"),
    (lambda: batch_normalize(Z0, G0, B0, eps=-1e-5), r"eps: expected a small positive number"),
    (lambda: batch_normalize_backward(np.ones((3, 4)), CACHE), r"dOut: expected shape \(3, 5\), got shape \(3, 4\)"),
    (lambda: batch_normalize_backward(np.ones((3, 5)), (Z0, G0)),
     r"cache: expected the BatchNormCache returned by batch_normalize, got tuple"),
    (lambda: batchnorm_network_forward(X0, om.init_params([2, 3, 1], 0)),
     r"params: .* needs gamma1..gamma1 and beta1..beta1; missing \['beta1', 'gamma1'\]"),
    (lambda: batchnorm_network_forward(X0, {**PARAMS, "gamma2": G0}), r"unexpected \['gamma2'\]"),
    (lambda: batchnorm_network_forward(X0, {**PARAMS, "gamma1": np.ones((2, 1))}),
     r"gamma: expected shape \(3, 1\), got shape \(2, 1\)"),
    (lambda: batchnorm_network_forward(X0[:, :1], PARAMS), r"Z: batch normalization needs at least 2 examples"),
    (lambda: batchnorm_network_backward(FWD, Y0, "at_the_end"), r"one_over_m: unknown placement 'at_the_end'"),
    (lambda: batchnorm_network_backward(om.forward(X0, om.init_params([2, 1], 0)), Y0),
     r"fwd: expected the BatchNormForward returned by batchnorm_network_forward\(\), got Forward"),
    (lambda: batchnorm_network_backward(FWD, Y0[:, :4]), r"Y: expected shape \(1, 5\), got shape \(1, 4\)"),
    (lambda: batchnorm_network_backward(FWD, Y0, om.Placement((1.0,), (1.0,))),
     r"one_over_m: the placement has 1 layers, the network 2"),
    (lambda: batchnorm_depth([1, 2]), r"params: expected a dict"),
]


@pytest.mark.parametrize("call, message", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_bad_input_raises_a_helpful_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_cache_reports_its_shape():
    assert isinstance(CACHE, BatchNormCache) and CACHE.shape == (3, 5)

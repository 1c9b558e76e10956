"""Autodiff agrees (fact F15 of the book, {ref}`autodiff`), on many random networks.

The HIPS autograd library differentiates the package's own forward code
(:mod:`oneoverm.functional`, run with ``xp=autograd.numpy``):
- the gradient of J is the dW, db of both correct placements;
- the gradient of J with respect to Z[l] is the output placement's dZ[l];
- the vector-Jacobian product of the loss vector with a cotangent of ones is the course's dZ[l].
Skipped as a whole when autograd is not installed; the package itself never needs it.
"""

import subprocess
import sys
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

autograd = pytest.importorskip("autograd")
anp = pytest.importorskip("autograd.numpy")

import oneoverm as om  # noqa: E402
from kinks import clear_of_kinks  # noqa: E402
from oneoverm import functional as F  # noqa: E402

HIDDEN = sorted(om.ACTIVATIONS)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def networks(draw, max_depth=4, max_m=24, max_width=5):
    """A random batch and network: depth 1-4, m in 1..24, each hidden activation and output.

    Sigmoid outputs have 1 or 2 units with 0/1 labels; softmax outputs 2-4 classes, one-hot labels.
    """
    output = draw(st.sampled_from(om.OUTPUTS))
    L = draw(st.integers(1, max_depth))
    m = draw(st.integers(1, max_m))
    n_out = draw(st.integers(2, 4)) if output == "softmax" else draw(st.integers(1, 2))
    sizes = [draw(st.integers(1, 4))] + [draw(st.integers(1, max_width)) for _ in range(L - 1)] + [n_out]
    hidden = draw(st.sampled_from(HIDDEN))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.normal(size=(sizes[0], m))
    if output == "softmax":
        Y = np.eye(n_out)[:, rng.integers(0, n_out, size=m)]
    else:
        Y = rng.integers(0, 2, size=(n_out, m)).astype(float)
    params = om.init_params(sizes, rng)
    return params, X, Y, hidden, output


def close(a, b, rtol=1e-10):
    """Equal to round-off, relative to the size of b (entries near zero are judged by the largest)."""
    a, b = np.asarray(a), np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * max(np.abs(b).max(), 1e-300))


# The three functions the chapter hands to autograd: compositions of the package's own code.
def J_of_params(params, X, Y, hidden, output):
    Z, _ = F.forward_pass(X, params, hidden, output, xp=anp)
    return F.cost_from_logits(Z[max(Z)], Y, output, xp=anp)


def J_of_Z(Zl, l, params, Y, hidden, output):
    Z, _ = F.forward_from(Zl, l, params, hidden, output, xp=anp)
    return F.cost_from_logits(Z[max(Z)], Y, output, xp=anp)


def losses_of_Z(Zl, l, params, Y, hidden, output):
    Z, _ = F.forward_from(Zl, l, params, hidden, output, xp=anp)
    return F.losses_from_logits(Z[max(Z)], Y, output, xp=anp)


@SETTINGS
@given(networks())
def test_forward_is_the_traced_code(net):
    """om.forward runs functional.forward_pass; under autograd.numpy it gives the same bits."""
    params, X, Y, hidden, output = net
    with mock.patch.object(F, "forward_pass", wraps=F.forward_pass) as spy:
        fwd = om.forward(X, params, hidden, output)
    assert spy.call_count == 1
    Z, A = F.forward_pass(X, params, hidden, output, xp=anp)
    assert set(Z) == set(fwd.Z) and set(A) == set(fwd.A)
    assert all(np.array_equal(Z[l], fwd.Z[l]) for l in fwd.Z)
    assert all(np.array_equal(A[l], fwd.A[l]) for l in fwd.A)
    assert np.array_equal(F.losses_from_logits(fwd.ZL, Y, output, xp=anp),
                          om.loss_vector_from_logits(fwd.ZL, Y, output))
    assert J_of_params(params, X, Y, hidden, output) == om.cost_from_logits(fwd.ZL, Y, output)


@SETTINGS
@given(networks())
def test_gradient_of_J_is_both_placements(net):
    params, X, Y, hidden, output = net
    fwd = om.forward(X, params, hidden, output)
    dJ = autograd.grad(J_of_params)(params, X, Y, hidden, output)
    assert set(dJ) == set(params)
    for placement in ("at_params", "at_output"):
        grads = om.backward(fwd, Y, placement)
        for l in range(1, fwd.L + 1):
            close(dJ[f"W{l}"], grads.dW[l])
            close(dJ[f"b{l}"], grads.db[l])


@SETTINGS
@given(networks())
def test_gradient_wrt_Z_is_output_placement_dZ(net):
    params, X, Y, hidden, output = net
    fwd = om.forward(X, params, hidden, output)
    at_output, at_params = om.backward(fwd, Y, "at_output"), om.backward(fwd, Y, "at_params")
    for l in range(1, fwd.L + 1):
        dJ_dZ = autograd.grad(J_of_Z)(fwd.Z[l], l, params, Y, hidden, output)
        close(dJ_dZ, at_output.dZ[l])
        close(fwd.m * dJ_dZ, at_params.dZ[l])
        close(dJ_dZ @ fwd.A[l - 1].T, at_output.dW[l])


@SETTINGS
@given(networks())
def test_vjp_with_ones_is_course_dZ(net):
    params, X, Y, hidden, output = net
    fwd = om.forward(X, params, hidden, output)
    at_output, at_params = om.backward(fwd, Y, "at_output"), om.backward(fwd, Y, "at_params")
    for l in range(1, fwd.L + 1):
        args = (fwd.Z[l], l, params, Y, hidden, output)
        vjp, losses = autograd.make_vjp(losses_of_Z)(*args)
        assert losses.shape == (1, fwd.m)
        ones = np.ones_like(losses)
        with_ones = vjp(ones)
        close(with_ones, at_params.dZ[l])
        close(vjp(ones / fwd.m), at_output.dZ[l])
        # elementwise_grad is this very VJP: a cotangent of ones shaped like the output.
        assert np.array_equal(autograd.elementwise_grad(losses_of_Z)(*args), with_ones)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(max_m=12))
def test_autograd_matches_finite_differences(net):
    """An independent check of the library: the slope of J along a random direction."""
    params, X, Y, hidden, output = net
    fwd = om.forward(X, params, hidden, output)
    assume(clear_of_kinks(hidden, [fwd.Z[l] for l in range(1, fwd.L)]))
    dJ = autograd.grad(J_of_params)(params, X, Y, hidden, output)
    check = om.directional_check(params, X, Y, dJ, hidden, rng=0, output=output)
    assert check.relative_error < 1e-6 or abs(check.numerical - check.analytic) < 1e-8, check


@pytest.mark.parametrize("name", HIDDEN)
def test_traced_activations_have_the_package_derivatives(name):
    g, g_prime = om.activation(name)
    z = np.random.default_rng(1).uniform(-30, 30, size=(3, 50))
    close(autograd.elementwise_grad(lambda x: g(x, xp=anp))(z), g_prime(z), rtol=1e-12)
    close(g(z, xp=anp), g(z), rtol=0)


def test_softmax_traces():
    z = np.random.default_rng(2).normal(size=(4, 6))
    assert np.array_equal(om.softmax(z, xp=anp), om.softmax(z))
    # Each column sums to 1 whatever z is, so the gradient of the sum of all entries is 0.
    assert np.abs(autograd.grad(lambda x: anp.sum(om.softmax(x, xp=anp)))(z)).max() < 1e-15


def test_package_does_not_need_autograd():
    """oneoverm imports and runs with autograd unavailable, and never imports it on its own."""
    code = (
        "import sys; sys.modules['autograd'] = None\n"  # any `import autograd` now fails
        "import numpy as np, oneoverm as om\n"
        "p = om.init_params([2, 3, 1], 0); X = np.ones((2, 4)); Y = np.array([[0., 1, 1, 0]])\n"
        "g = om.backward(om.forward(X, p, 'tanh'), Y)\n"
        "assert max(om.gradient_check(p, X, Y, g, 'tanh').values()) < 1e-6\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    fresh = subprocess.run([sys.executable, "-c", "import sys, oneoverm; print('autograd' in sys.modules)"],
                           check=True, capture_output=True, text=True)
    assert fresh.stdout.strip() == "False"

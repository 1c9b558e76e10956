"""The L2 penalty and its gradient. Introduced in {ref}`minibatches-and-regularization`.

J_reg = J + (lambda / 2m) sum_l ||W[l]||_F^2, where m is the number of examples of the batch that J is
the mean over. Its gradient with respect to W[l] is dJ/dW[l] + (lambda / m) W[l], whatever the placement
of 1/m inside backward: that 1/m belongs to the definition of the cost. The biases are not penalized.
"""

from __future__ import annotations

import numpy as np

from .backward import Gradients
from .gradcheck import cost_of_params
from .network import Params, depth


def _lambd(lambd: float) -> float:
    if isinstance(lambd, bool) or not isinstance(lambd, (int, float, np.integer, np.floating)) \
            or not np.isfinite(lambd) or lambd < 0:
        raise ValueError(f"lambd: expected a non-negative number (the L2 strength), got {lambd!r}")
    return float(lambd)


def _batch_size(m: int) -> int:
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
        raise ValueError(f"m: expected a positive int number of examples in the batch, got {m!r}")
    return int(m)


def l2_penalty(params: Params, lambd: float, m: int) -> float:
    """(lambda / 2m) times the sum over layers of the squared Frobenius norms ||W[l]||_F^2."""
    L = depth(params)
    lambd, m = _lambd(lambd), _batch_size(m)
    return lambd / (2 * m) * sum(float((np.asarray(params[f"W{l}"], dtype=float) ** 2).sum())
                                 for l in range(1, L + 1))


def l2_cost(params: Params, X: np.ndarray, Y: np.ndarray, lambd: float, hidden: str = "relu",
            output: str = "sigmoid") -> float:
    """J_reg = J + (lambda / 2m) sum_l ||W[l]||_F^2 on the batch (X, Y), with m = the columns of X."""
    J = cost_of_params(params, X, Y, hidden, output)  # validates params, X and Y
    return J + l2_penalty(params, lambd, np.shape(X)[1])


def add_l2(grads: Gradients | Params, params: Params, lambd: float, m: int) -> Params:
    """The gradients with (lambda / m) W[l] added to each dW[l] ({"W1": ..., "b1": ...}, a new dict).

    ``grads`` comes from backward (any correct placement) on a batch of m examples. For the gradient
    of the summed cost m J_reg (the "sum" reduction), pass m = 1: the penalty then adds lambda W[l].
    """
    depth(params)
    lambd, m = _lambd(lambd), _batch_size(m)
    out = grads.of_params() if isinstance(grads, Gradients) else grads
    if not isinstance(out, dict) or set(out) != set(params):
        raise ValueError(f"grads: expected a Gradients or a dict with keys {sorted(params)}, "
                         f"got {type(out).__name__}" + (f" with keys {sorted(out)}" if isinstance(out, dict) else ""))
    for key in params:
        if np.shape(out[key]) != np.shape(params[key]):
            raise ValueError(f"grads['{key}']: expected shape {np.shape(params[key])}, got {np.shape(out[key])}")
    return {key: np.asarray(out[key], dtype=float)
            + (lambd / m * np.asarray(params[key], dtype=float) if key.startswith("W") else 0.0)
            for key in params}

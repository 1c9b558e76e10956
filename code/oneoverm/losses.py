"""Per-example losses, the cost, and the derivative of the loss. Introduced in {ref}`loss-vs-cost`.

Binary cross-entropy of a sigmoid output: l_i = -y_i log a_i - (1 - y_i) log(1 - a_i), summed over
the output rows when there are several. The cost is J = (1/m) sum_i l_i.
"""

from __future__ import annotations

import numpy as np

from . import _validate

# Probabilities that rounded to exactly 0 or 1 are moved to the nearest double inside (0, 1).
_LOW = np.finfo(float).tiny
_HIGH = np.nextafter(1.0, 0.0)


def _pair(AL, Y, name: str = "AL") -> tuple[np.ndarray, np.ndarray]:
    AL = _validate.as_matrix(name, AL)
    Y = _validate.labels("Y", Y, *AL.shape)
    return AL, Y


def loss_vector(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The loss vector (l_1, ..., l_m), shape (1, m), from probabilities AL of shape (nL, m).

    Finite for every AL in [0, 1]; for exact values far in the tails use
    :func:`loss_vector_from_logits`.
    """
    AL, Y = _pair(_validate.probabilities("AL", AL), Y)
    a = np.clip(AL, _LOW, _HIGH)
    return -(Y * np.log(a) + (1.0 - Y) * np.log1p(-a)).sum(axis=0, keepdims=True)


def loss_vector_from_logits(ZL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The loss vector, shape (1, m), from the logits ZL = Z[L] (AL = sigmoid(ZL)), exact for any z.

    Uses l = max(z, 0) - y z + log(1 + exp(-|z|)), which never overflows.
    """
    ZL, Y = _pair(ZL, Y, "ZL")
    return (np.maximum(ZL, 0.0) - Y * ZL + np.log1p(np.exp(-np.abs(ZL)))).sum(axis=0, keepdims=True)


def cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """The cost J = mean of the loss vector (a Python float)."""
    return float(loss_vector(AL, Y).mean())


def cost_from_logits(ZL: np.ndarray, Y: np.ndarray) -> float:
    """The cost J computed from the logits Z[L]."""
    return float(loss_vector_from_logits(ZL, Y).mean())


def loss_derivative(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The elementwise derivative dl_i/da_i = -(y/a - (1 - y)/(1 - a)), shape (nL, m).

    This is the course's dA[L]; {ref}`vector-loss` shows it is m times dJ/dA[L].
    Probabilities that are exactly 0 or 1 are clipped as in :func:`loss_vector`.
    """
    AL, Y = _pair(_validate.probabilities("AL", AL), Y)
    a = np.clip(AL, _LOW, _HIGH)
    return -(Y / a - (1.0 - Y) / (1.0 - a))

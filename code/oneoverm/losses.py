"""Per-example losses, the cost, and the derivative of the loss. Introduced in {ref}`loss-vs-cost`.

Two outputs, each with its cross-entropy (``output`` argument):
- "sigmoid": binary cross-entropy l_i = -y_i log a_i - (1 - y_i) log(1 - a_i), summed over the output
  rows when there are several (labels 0 or 1);
- "softmax": categorical cross-entropy l_i = -sum_k y_ki log a_ki (one-hot label columns).
The cost is J = (1/m) sum_i l_i. For both, dl_i/dz_i = a_i - y_i.
"""

from __future__ import annotations

import numpy as np

from . import _validate, functional

# Probabilities that rounded to exactly 0 or 1 are moved to the nearest double inside (0, 1).
_LOW = np.finfo(float).tiny
_HIGH = np.nextafter(1.0, 0.0)
OUTPUTS = ("sigmoid", "softmax")


def check_output(output: str) -> str:
    """Return ``output`` if it names an output layer, else raise a ValueError listing them."""
    if output not in OUTPUTS:
        raise ValueError(f"output: unknown output layer {output!r}; expected one of {list(OUTPUTS)}")
    return output


def check_labels(Y, shape: tuple[int, int], output: str) -> np.ndarray:
    """Labels of the given shape: 0/1 for a sigmoid output, one-hot columns for softmax."""
    check = _validate.one_hot if check_output(output) == "softmax" else _validate.labels
    return check("Y", Y, *shape)


def _pair(AL, Y, name: str, output: str) -> tuple[np.ndarray, np.ndarray]:
    AL = _validate.as_matrix(name, AL)
    return AL, check_labels(Y, AL.shape, output)


def loss_vector(AL: np.ndarray, Y: np.ndarray, output: str = "sigmoid") -> np.ndarray:
    """The loss vector (l_1, ..., l_m), shape (1, m), from probabilities AL of shape (nL, m).

    Finite for every AL in [0, 1]; for exact values far in the tails use
    :func:`loss_vector_from_logits`.
    """
    AL, Y = _pair(_validate.probabilities("AL", AL), Y, "AL", output)
    a = np.clip(AL, _LOW, _HIGH)
    if output == "softmax":
        return -(Y * np.log(a)).sum(axis=0, keepdims=True)
    return -(Y * np.log(a) + (1.0 - Y) * np.log1p(-a)).sum(axis=0, keepdims=True)


def loss_vector_from_logits(ZL: np.ndarray, Y: np.ndarray, output: str = "sigmoid") -> np.ndarray:
    """The loss vector, shape (1, m), from the logits ZL = Z[L] (AL = output(ZL)), exact for any z.

    Sigmoid: l = max(z, 0) - y z + log(1 + exp(-|z|)); softmax: l = logsumexp(z) - sum_k y_k z_k,
    shifted by the column maximum. Neither overflows. The formulas live in
    :func:`oneoverm.functional.losses_from_logits`, which autograd can trace ({ref}`autodiff`).
    """
    ZL, Y = _pair(ZL, Y, "ZL", output)
    return functional.losses_from_logits(ZL, Y, output)


def cost(AL: np.ndarray, Y: np.ndarray, output: str = "sigmoid") -> float:
    """The cost J = mean of the loss vector (a Python float)."""
    return float(loss_vector(AL, Y, output).mean())


def cost_from_logits(ZL: np.ndarray, Y: np.ndarray, output: str = "sigmoid") -> float:
    """The cost J computed from the logits Z[L]."""
    return float(loss_vector_from_logits(ZL, Y, output).mean())


def loss_derivative(AL: np.ndarray, Y: np.ndarray, output: str = "sigmoid") -> np.ndarray:
    """The derivative of l_i with respect to its own output column a_i, shape (nL, m).

    Sigmoid: -(y/a - (1 - y)/(1 - a)), the course's dA[L] ({ref}`vector-loss` shows it is m times
    dJ/dA[L]); softmax: -y/a. Probabilities that are exactly 0 or 1 are clipped as in
    :func:`loss_vector`.
    """
    AL, Y = _pair(_validate.probabilities("AL", AL), Y, "AL", output)
    a = np.clip(AL, _LOW, _HIGH)
    if output == "softmax":
        return -Y / a
    return -(Y / a - (1.0 - Y) / (1.0 - a))

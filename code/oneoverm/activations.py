"""Activation functions g and their derivatives g'. Introduced in {ref}`loss-vs-cost`.

The activations take an optional ``xp``, the array module whose functions they call: numpy by
default, or ``autograd.numpy``, under which the autograd library records the same code in order to
differentiate it ({ref}`autodiff`). This package never imports autograd itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _as_float(z, xp):
    """z as a float array under numpy; under another namespace (e.g. autograd's) z as it is,
    since a traced value must not be copied into a plain array."""
    return np.asarray(z, dtype=float) if xp is np else z


def sigmoid(z: np.ndarray, xp=np) -> np.ndarray:
    """1 / (1 + exp(-z)), computed without overflow for any finite z."""
    z = _as_float(z, xp)
    e = xp.exp(-xp.abs(z))  # in (0, 1]: never overflows
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    """sigmoid'(z) = sigmoid(z) (1 - sigmoid(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: np.ndarray, xp=np) -> np.ndarray:
    """The hyperbolic tangent."""
    return xp.tanh(_as_float(z, xp))


def tanh_derivative(z: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 - tanh(z)^2."""
    return 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2


def relu(z: np.ndarray, xp=np) -> np.ndarray:
    """max(z, 0)."""
    return xp.maximum(_as_float(z, xp), 0.0)


def relu_derivative(z: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0 (the value 0 is taken at the kink z = 0)."""
    return (np.asarray(z, dtype=float) > 0).astype(float)


def softmax(z: np.ndarray, xp=np) -> np.ndarray:
    """Column-wise softmax exp(z_k) / sum_j exp(z_j), shifted by each column's maximum (no overflow).

    An output activation only (its Jacobian is not diagonal). Introduced in {ref}`softmax-and-coupling`.
    """
    z = _as_float(z, xp)
    e = xp.exp(z - xp.max(z, axis=0, keepdims=True))
    return e / xp.sum(e, axis=0, keepdims=True)


ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
}


def activation(name: str):
    """Return the pair (g, g') for an activation name: "sigmoid", "tanh" or "relu"."""
    if name not in ACTIVATIONS:
        raise ValueError(f"hidden: unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]

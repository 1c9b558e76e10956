"""Activation functions g and their derivatives g'. Introduced in {ref}`loss-vs-cost`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)), computed without overflow for any finite z."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    """sigmoid'(z) = sigmoid(z) (1 - sigmoid(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    """The hyperbolic tangent."""
    return np.tanh(np.asarray(z, dtype=float))


def tanh_derivative(z: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 - tanh(z)^2."""
    return 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2


def relu(z: np.ndarray) -> np.ndarray:
    """max(z, 0)."""
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def relu_derivative(z: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0 (the value 0 is taken at the kink z = 0)."""
    return (np.asarray(z, dtype=float) > 0).astype(float)


def softmax(z: np.ndarray) -> np.ndarray:
    """Column-wise softmax exp(z_k) / sum_j exp(z_j), shifted by each column's maximum (no overflow).

    An output activation only (its Jacobian is not diagonal). Introduced in {ref}`softmax-and-coupling`.
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


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

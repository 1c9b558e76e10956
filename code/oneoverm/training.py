"""Toy data and plain gradient descent, to watch each placement train. Introduced in {ref}`wrong-placements`."""

from __future__ import annotations

import numpy as np

from .backward import Placement, backward
from .losses import cost_from_logits
from .network import Params, as_generator, forward


def disc_dataset(m: int, rng: int | np.random.Generator | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """m points uniform in the square [-1, 1]^2 (X, shape (2, m)), labelled 1 inside the disc of
    area 2 centred at the origin (Y, shape (1, m)): about half of each class, not linearly separable.
    """
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
        raise ValueError(f"m: expected a positive int number of examples, got {m!r}")
    X = as_generator(rng).uniform(-1.0, 1.0, size=(2, int(m)))
    Y = ((X ** 2).sum(axis=0, keepdims=True) < 2.0 / np.pi).astype(float)
    return X, Y


def gradient_descent(params: Params, X: np.ndarray, Y: np.ndarray, *, hidden: str = "relu",
                     one_over_m: str | Placement = "at_params", learning_rate: float = 0.1,
                     steps: int = 100, output: str = "sigmoid") -> tuple[Params, np.ndarray]:
    """Full-batch gradient descent with the given placement of 1/m.

    Returns the final parameters and the cost J before each step and after the last
    (``steps + 1`` values). The input ``params`` are not modified.
    """
    if not (isinstance(learning_rate, (int, float)) and np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate: expected a positive number, got {learning_rate!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps: expected a non-negative int, got {steps!r}")
    params = {k: np.array(v, dtype=float) for k, v in params.items()}
    costs = []
    for _ in range(steps):
        fwd = forward(X, params, hidden, output)
        costs.append(cost_from_logits(fwd.ZL, Y, output))
        grads = backward(fwd, Y, one_over_m).of_params()
        params = {k: params[k] - learning_rate * grads[k] for k in params}
    costs.append(cost_from_logits(forward(X, params, hidden, output).ZL, Y, output))
    return params, np.array(costs)

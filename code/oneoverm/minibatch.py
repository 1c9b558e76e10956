"""Shuffled mini-batches, and gradient descent on them. Introduced in {ref}`minibatches-and-regularization`.

An epoch splits the m examples into batches of ``batch_size``; when m is not a multiple, the last batch is
smaller. Each step uses the cost of the batch in hand, so the m of its 1/m is that batch's own size.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from . import _validate
from .backward import backward
from .losses import cost_from_logits
from .network import Params, as_generator, depth, forward
from .regularization import _lambd, add_l2, l2_penalty

REDUCTIONS = ("mean", "sum")


def _positive_int(name: str, value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected a positive int {what}, got {value!r}")
    return int(value)


def minibatches(X: np.ndarray, Y: np.ndarray, batch_size: int, rng: int | np.random.Generator | None = 0,
                shuffle: bool = True) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X_b, Y_b) pairs covering every column of X, Y exactly once, in shuffled order.

    All batches have ``batch_size`` columns except the last, which has the remaining m mod batch_size
    when that is not 0; a ``batch_size`` of m or more gives one batch of all m. Never an empty batch.
    The inputs are checked when this function is called, not when the first batch is drawn.
    """
    X = _validate.as_matrix("X", X)
    Y = _validate.as_matrix("Y", Y, cols=X.shape[1])
    batch_size = _positive_int("batch_size", batch_size, "number of examples per batch")
    m = X.shape[1]
    order = as_generator(rng).permutation(m) if shuffle else np.arange(m)

    def batches():
        for start in range(0, m, batch_size):
            idx = order[start:start + batch_size]
            yield X[:, idx], Y[:, idx]

    return batches()


def minibatch_descent(params: Params, X: np.ndarray, Y: np.ndarray, *, batch_size: int, epochs: int,
                      learning_rate: float, reduction: str = "mean", lambd: float = 0.0,
                      hidden: str = "relu", output: str = "sigmoid",
                      rng: int | np.random.Generator | None = 0, record: str = "epoch") -> tuple[Params, np.ndarray]:
    """Mini-batch gradient descent; returns the final parameters and the costs on the whole of (X, Y).

    ``reduction="mean"``: each step follows the gradient of the batch's cost J_reg (mean of its losses,
    1/m at the parameters, m = that batch's size). ``"sum"``: the gradient of the summed losses (1/m
    nowhere) plus lambda W, i.e. m times as long. ``record="epoch"`` gives the cost before training and
    after each epoch (epochs + 1 values), ``"step"`` after every step as well. The cost reported is
    J + (lambda / 2m) sum ||W||^2 over all m examples. The input ``params`` are not modified.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction: expected one of {list(REDUCTIONS)}, got {reduction!r}")
    if record not in ("epoch", "step"):
        raise ValueError(f"record: expected 'epoch' or 'step', got {record!r}")
    if not (isinstance(learning_rate, (int, float)) and not isinstance(learning_rate, bool)
            and np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate: expected a positive number, got {learning_rate!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs: expected a non-negative int, got {epochs!r}")
    lambd = _lambd(lambd)
    depth(params)
    gen = as_generator(rng)
    minibatches(X, Y, batch_size, gen, shuffle=False)  # check X, Y, batch_size before any work
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    params = {k: np.array(v, dtype=float) for k, v in params.items()}
    placement = "at_params" if reduction == "mean" else "nowhere"

    def total_cost(p):
        J = cost_from_logits(forward(X, p, hidden, output).ZL, Y, output)
        return J + l2_penalty(p, lambd, X.shape[1]) if lambd else J

    costs = [total_cost(params)]
    for _ in range(epochs):
        for Xb, Yb in minibatches(X, Y, batch_size, gen):
            fwd = forward(Xb, params, hidden, output)
            grads = backward(fwd, Yb, placement).of_params()
            if lambd:
                grads = add_l2(grads, params, lambd, fwd.m if reduction == "mean" else 1)
            params = {k: params[k] - learning_rate * grads[k] for k in params}
            if record == "step":
                costs.append(total_cost(params))
        if record == "epoch":
            costs.append(total_cost(params))
    return params, np.array(costs)

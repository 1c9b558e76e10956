"""Parameters and the forward pass of an L-layer dense network. Introduced in {ref}`loss-vs-cost`.

Examples are columns: X has shape (n0, m). Layer l computes Z[l] = W[l] A[l-1] + b[l] and
A[l] = g(Z[l]), with the chosen hidden activation g for l < L and a sigmoid (or softmax) output.
Parameters live in a dict with keys "W1", "b1", ..., "WL", "bL".
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Sequence

import numpy as np

from . import _validate, functional
from .activations import activation
from .losses import check_output

Params = dict[str, np.ndarray]


def as_generator(rng: int | np.random.Generator | None) -> np.random.Generator:
    """A numpy Generator from a seed or a Generator (None means seed 0, so results repeat)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        rng = 0
    if isinstance(rng, (bool, float)) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise ValueError(f"rng: expected a non-negative int seed or numpy.random.Generator, got {rng!r}")
    return np.random.default_rng(int(rng))


def init_params(layer_sizes: Sequence[int], rng: int | np.random.Generator | None = 0,
                scale: float = 1.0) -> Params:
    """Random W[l] ~ N(0, scale^2 / n[l-1]) and b[l] ~ N(0, 0.1^2) for layer sizes [n0, ..., nL].

    The biases are small but not zero, so that no ReLU unit sits exactly at its kink z = 0,
    where finite differences (and the derivative) are undefined.
    """
    sizes = list(layer_sizes)
    if len(sizes) < 2 or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1
                             for n in sizes):
        raise ValueError(f"layer_sizes: expected at least two positive ints [n0, ..., nL], got {sizes}")
    gen = as_generator(rng)
    params: Params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = gen.normal(0.0, scale / np.sqrt(sizes[l - 1]), size=(sizes[l], sizes[l - 1]))
        params[f"b{l}"] = gen.normal(0.0, 0.1, size=(sizes[l], 1))
    return params


def depth(params: Params) -> int:
    """The number of layers L of a parameter dict, after checking its keys and shapes."""
    if not isinstance(params, dict) or "W1" not in params:
        raise ValueError("params: expected a dict with keys 'W1', 'b1', ..., 'WL', 'bL'")
    L = sum(1 for key in params if key.startswith("W"))
    expected = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    if set(params) != expected:
        raise ValueError(f"params: expected keys {sorted(expected)}, got {sorted(params)}")
    for l in range(1, L + 1):
        W = _validate.as_matrix(f"params['W{l}']", params[f"W{l}"])
        _validate.as_matrix(f"params['b{l}']", params[f"b{l}"], W.shape[0], 1)
        if l > 1 and W.shape[1] != params[f"W{l - 1}"].shape[0]:
            raise ValueError(f"params['W{l}']: expected {params[f'W{l - 1}'].shape[0]} columns "
                             f"(the rows of W{l - 1}), got shape {W.shape}")
    return L


@dataclass(frozen=True)
class Forward:
    """What a forward pass keeps for backward: A[0..L] and Z[1..L], keyed by layer number."""

    params: Params
    hidden: str
    A: dict[int, np.ndarray]
    Z: dict[int, np.ndarray]
    output: str = "sigmoid"

    @property
    def L(self) -> int:
        """Number of layers."""
        return len(self.Z)

    @property
    def m(self) -> int:
        """Number of examples (columns)."""
        return self.A[0].shape[1]

    @property
    def AL(self) -> np.ndarray:
        """The output A[L] (probabilities)."""
        return self.A[self.L]

    @property
    def ZL(self) -> np.ndarray:
        """The output logits Z[L]."""
        return self.Z[self.L]


def flatten(tree: Params) -> np.ndarray:
    """Every array of a dict of parameters or of their gradients as one vector, the keys in sorted
    order ("W1", "W2", ..., "b1", ...); NumPy's or JAX's arrays. Used from
    {ref}`minibatches-and-regularization` on, to compare whole gradients."""
    if not isinstance(tree, dict) or not tree:
        raise ValueError(f"tree: expected a non-empty dict of arrays, got {type(tree).__name__} {tree!r:.60}")
    return np.concatenate([np.ravel(np.asarray(tree[k], dtype=float)) for k in sorted(tree)])


def forward(X: np.ndarray, params: Params, hidden: str = "relu", output: str = "sigmoid") -> Forward:
    """Run the network on the columns of X and keep every A[l] and Z[l].

    ``output`` is "sigmoid" (binary cross-entropy) or "softmax" (categorical cross-entropy).
    The arithmetic is :func:`oneoverm.functional.forward_pass`, the code that {ref}`autodiff`
    differentiates with autograd.
    """
    depth(params)
    activation(hidden)
    check_output(output)
    X = _validate.as_matrix("X", X, params["W1"].shape[1])
    Z, A = functional.forward_pass(X, params, hidden, output)
    return Forward(params=params, hidden=hidden, A=A, Z=Z, output=output)

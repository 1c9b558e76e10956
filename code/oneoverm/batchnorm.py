"""Batch normalization: a layer that couples the examples of a batch. Introduced in {ref}`batch-coupling`.

Each row r of Z (one unit, shape (n, m), examples as columns) is normalized with the mean and
variance of that row *over the batch*:

    mu_r = (1/m) sum_j Z_rj,    var_r = (1/m) sum_j (Z_rj - mu_r)^2,
    Zhat_rj = (Z_rj - mu_r) / sqrt(var_r + eps),    Out_rj = gamma_r Zhat_rj + beta_r.

Because mu_r and var_r read every column, each output column (so each example's loss) depends on
every example's Z. This is the layer on which "the elementwise derivative of the vector loss" stops
describing the gradient, while backpropagation of J still gives it.

The network here puts batch normalization between every hidden Z[l] and its activation:
Z[l] = W[l] A[l-1] + b[l], N[l] = BN(Z[l]; gamma[l], beta[l]), A[l] = g(N[l]) for l < L, and the
output layer (sigmoid or softmax) as in :func:`oneoverm.forward`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import _validate
from .activations import activation, sigmoid, softmax
from .backward import Placement, resolve_placement
from .losses import check_labels, check_output, cost_from_logits, loss_derivative
from .network import Params, as_generator, depth, init_params


def _check_eps(eps) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not np.isfinite(eps) or eps <= 0:
        raise ValueError(f"eps: expected a small positive number added to the variance "
                         f"(it keeps a constant row from dividing by zero), got {eps!r}")
    return float(eps)


@dataclass(frozen=True)
class BatchNormCache:
    """What :func:`batch_normalize_backward` needs from the forward pass (all arrays of the batch)."""

    Zhat: np.ndarray      # (n, m): the normalized input, zero mean and (almost) unit variance per row
    inv_std: np.ndarray   # (n, 1): 1 / sqrt(var + eps) of each row
    gamma: np.ndarray     # (n, 1): the scale used

    @property
    def shape(self) -> tuple[int, int]:
        """The shape (n, m) of the batch that was normalized."""
        return self.Zhat.shape


def batch_normalize(Z: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
                      eps: float = 1e-5) -> tuple[np.ndarray, BatchNormCache]:
    """Normalize each row of Z over the batch (the columns), then scale by gamma and shift by beta.

    Z has shape (n, m) with m >= 2 examples; gamma and beta have shape (n, 1). Returns the output,
    shape (n, m), and a :class:`BatchNormCache` for :func:`batch_normalize_backward`. The variance is
    the batch's own (divided by m, not m - 1). Introduced in {ref}`batch-coupling`.
    """
    Z = _validate.as_matrix("Z", Z)
    n, m = Z.shape
    if m < 2:
        raise ValueError(f"Z: batch normalization needs at least 2 examples (columns), got shape {Z.shape}: "
                         f"the variance of a batch of one is 0, so every normalized value would be 0 "
                         f"and the layer would output beta whatever Z is")
    gamma = _validate.as_matrix("gamma", gamma, n, 1)
    beta = _validate.as_matrix("beta", beta, n, 1)
    eps = _check_eps(eps)
    centred = Z - Z.mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt((centred ** 2).mean(axis=1, keepdims=True) + eps)
    Zhat = centred * inv_std
    return gamma * Zhat + beta, BatchNormCache(Zhat=Zhat, inv_std=inv_std, gamma=gamma)


def batch_normalize_backward(dOut: np.ndarray, cache: BatchNormCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagate an upstream gradient dOut (shape (n, m)) through :func:`batch_normalize`.

    Returns (dZ, dgamma, dbeta) with shapes (n, m), (n, 1), (n, 1). With G = gamma * dOut and
    row means taken over the batch,

        dZ = inv_std * (G - mean(G) - Zhat * mean(G * Zhat)),
        dgamma = sum over the batch of dOut * Zhat,    dbeta = sum over the batch of dOut.

    The two subtracted means are the paths through the batch mean and the batch variance: they make
    column i of dZ depend on every column of dOut, and each row of dZ sums to 0 over the batch.
    The map dOut -> (dZ, dgamma, dbeta) is linear. Introduced in {ref}`batch-coupling`.
    """
    if not isinstance(cache, BatchNormCache):
        raise ValueError(f"cache: expected the BatchNormCache returned by batch_normalize, "
                         f"got {type(cache).__name__}")
    dOut = _validate.as_matrix("dOut", dOut, *cache.shape)
    G = cache.gamma * dOut
    dZ = cache.inv_std * (G - G.mean(axis=1, keepdims=True)
                          - cache.Zhat * (G * cache.Zhat).mean(axis=1, keepdims=True))
    dgamma = (dOut * cache.Zhat).sum(axis=1, keepdims=True)
    dbeta = dOut.sum(axis=1, keepdims=True)
    return dZ, dgamma, dbeta


# ---------------------------------------------------------------------------------------------
# A dense network with batch normalization in every hidden layer.

def init_batchnorm_params(layer_sizes: Sequence[int], rng: int | np.random.Generator | None = 0,
                          scale: float = 1.0) -> Params:
    """:func:`oneoverm.init_params` plus gamma[l] = 1 and beta[l] = 0 (shape (n[l], 1)) for l < L."""
    params = init_params(layer_sizes, as_generator(rng), scale)
    sizes = list(layer_sizes)
    for l in range(1, len(sizes) - 1):
        params[f"gamma{l}"] = np.ones((sizes[l], 1))
        params[f"beta{l}"] = np.zeros((sizes[l], 1))
    return params


def batchnorm_depth(params: Params) -> int:
    """The number of layers L, after checking the keys W, b (all layers), gamma, beta (l < L)."""
    if not isinstance(params, dict):
        raise ValueError("params: expected a dict with keys 'W1', 'b1', 'gamma1', 'beta1', ..., 'WL', 'bL'")
    L = depth({k: v for k, v in params.items() if k[:1] in ("W", "b") and k[1:].isdigit()})
    expected = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    expected |= {f"{p}{l}" for l in range(1, L) for p in ("gamma", "beta")}
    if set(params) != expected:
        missing, extra = sorted(expected - set(params)), sorted(set(params) - expected)
        raise ValueError(f"params: a network of {L} layers with batch normalization in its {L - 1} "
                         f"hidden layers needs gamma1..gamma{L - 1} and beta1..beta{L - 1}; "
                         f"missing {missing}, unexpected {extra}")
    return L


@dataclass(frozen=True)
class BatchNormForward:
    """What the forward pass keeps: A[0..L], Z[1..L], N[l] = BN(Z[l]) and its cache for l < L."""

    params: Params
    hidden: str
    output: str
    A: dict[int, np.ndarray]
    Z: dict[int, np.ndarray]
    N: dict[int, np.ndarray]
    caches: dict[int, BatchNormCache]

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


def batchnorm_network_forward(X: np.ndarray, params: Params, hidden: str = "tanh",
                              output: str = "sigmoid", eps: float = 1e-5) -> BatchNormForward:
    """Run the network with batch normalization between each hidden Z[l] and its activation."""
    L = batchnorm_depth(params)
    g, _ = activation(hidden)
    last = softmax if check_output(output) == "softmax" else sigmoid
    A = {0: _validate.as_matrix("X", X, params["W1"].shape[1])}
    Z, N, caches = {}, {}, {}
    for l in range(1, L + 1):
        Z[l] = params[f"W{l}"] @ A[l - 1] + params[f"b{l}"]
        if l == L:
            A[l] = last(Z[l])
        else:
            N[l], caches[l] = batch_normalize(Z[l], params[f"gamma{l}"], params[f"beta{l}"], eps)
            A[l] = g(N[l])
    return BatchNormForward(params=params, hidden=hidden, output=output, A=A, Z=Z, N=N, caches=caches)


@dataclass(frozen=True)
class BatchNormGradients:
    """dW, db, dZ (l = 1..L), dA (l = 0..L), dgamma, dbeta (l < L), keyed by layer number."""

    dW: dict[int, np.ndarray]
    db: dict[int, np.ndarray]
    dgamma: dict[int, np.ndarray]
    dbeta: dict[int, np.ndarray]
    dZ: dict[int, np.ndarray]
    dA: dict[int, np.ndarray]
    placement: Placement

    def of_params(self) -> dict[str, np.ndarray]:
        """The gradients in the layout of the parameter dict: {"W1": dW[1], "gamma1": ..., ...}."""
        out = {}
        for l in sorted(self.dW):
            out[f"W{l}"], out[f"b{l}"] = self.dW[l], self.db[l]
            if l in self.dgamma:
                out[f"gamma{l}"], out[f"beta{l}"] = self.dgamma[l], self.dbeta[l]
        return out


def batchnorm_network_backward(fwd: BatchNormForward, Y: np.ndarray,
                               one_over_m: str | Placement = "at_params") -> BatchNormGradients:
    """Backpropagate the cross-entropy through the network of :func:`batchnorm_network_forward`.

    ``one_over_m`` places the factor 1/m as in :func:`oneoverm.backward`: s_l scales the gradient
    entering layer l's batch normalization (hence dZ[l], which is linear in it), t_l scales
    dW[l], dgamma[l] and dbeta[l], and the bias scale u_l scales db[l]. With "at_params", dZ[l] is the gradient of the *sum*
    of the losses, m dJ/dZ[l]; with "at_output" it is dJ/dZ[l].
    """
    if not isinstance(fwd, BatchNormForward):
        raise ValueError(f"fwd: expected the BatchNormForward returned by batchnorm_network_forward(), "
                         f"got {type(fwd).__name__}")
    L, m = fwd.L, fwd.m
    Y = check_labels(Y, fwd.AL.shape, fwd.output)
    placement = resolve_placement(one_over_m, L, m)
    _, g_prime = activation(fwd.hidden)
    s, t, u = placement.dz, placement.params, placement.bias

    dA = {L: s[L - 1] * loss_derivative(fwd.AL, Y, fwd.output)}
    dZ = {L: s[L - 1] * (fwd.AL - Y)}
    dW, db, dgamma, dbeta = {}, {}, {}, {}
    for l in range(L, 0, -1):
        if l < L:
            dN = s[l - 1] * dA[l] * g_prime(fwd.N[l])
            dZ[l], dg, dbt = batch_normalize_backward(dN, fwd.caches[l])
            dgamma[l], dbeta[l] = t[l - 1] * dg, t[l - 1] * dbt
        dW[l] = t[l - 1] * (dZ[l] @ fwd.A[l - 1].T)
        db[l] = u[l - 1] * dZ[l].sum(axis=1, keepdims=True)
        dA[l - 1] = fwd.params[f"W{l}"].T @ dZ[l]
    return BatchNormGradients(dW=dW, db=db, dgamma=dgamma, dbeta=dbeta, dZ=dZ, dA=dA, placement=placement)


def batchnorm_network_cost(params: Params, X: np.ndarray, Y: np.ndarray, hidden: str = "tanh",
                           output: str = "sigmoid") -> float:
    """J(params) of the batch-normalized network on the batch (X, Y), computed from the logits."""
    return cost_from_logits(batchnorm_network_forward(X, params, hidden, output).ZL, Y, output)

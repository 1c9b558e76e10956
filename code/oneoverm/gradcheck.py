"""Numerical checks of gradients and Jacobians. Introduced in {ref}`wrong-placements`.

Central differences: df/dx ~ (f(x + eps) - f(x - eps)) / (2 eps), with an error of order eps^2.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

import numpy as np

from .backward import Gradients
from .losses import cost_from_logits
from .network import Params, as_generator, depth, forward


def _eps(eps: float) -> float:
    if not (isinstance(eps, (int, float)) and np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps: expected a small positive number, got {eps!r}")
    return float(eps)


def cost_of_params(params: Params, X: np.ndarray, Y: np.ndarray, hidden: str = "relu",
                   output: str = "sigmoid") -> float:
    """J(params) on the batch (X, Y), computed from the logits."""
    return cost_from_logits(forward(X, params, hidden, output).ZL, Y, output)


def numerical_gradient(params: Params, X: np.ndarray, Y: np.ndarray, hidden: str = "relu",
                       eps: float = 1e-6, output: str = "sigmoid") -> Params:
    """Central differences of J for every entry of every parameter: {"W1": dJ/dW1, ...}."""
    depth(params)
    return numerical_gradient_of(lambda p: cost_of_params(p, X, Y, hidden, output), params, eps)


def numerical_gradient_of(f: Callable[[Params], float], params: Params, eps: float = 1e-6) -> Params:
    """Central differences of any scalar function ``f`` of a dict of parameters, one array at a
    time: {"W1": df/dW1, ...}. For costs other than the package's J: J_reg in
    {ref}`minibatches-and-regularization`, a network with batch normalization in
    {ref}`softmax-and-coupling`."""
    if not callable(f):
        raise ValueError(f"f: expected a function of the parameter dict, got {type(f).__name__}")
    if not isinstance(params, dict) or not params:
        raise ValueError(f"params: expected a non-empty dict of arrays, got {type(params).__name__} {params!r:.60}")
    out = {}
    for key, value in params.items():
        value = np.asarray(value, dtype=float)
        jac = numerical_jacobian(lambda v, key=key: f({**params, key: v}), value, eps)
        if jac.shape[0] != 1:
            raise ValueError(f"f: expected a scalar, got {jac.shape[0]} values")
        out[key] = jac.reshape(value.shape)
    return out


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||): 0 equal, ~0.71 orthogonal of equal size, 1 opposite; 0 if both are 0."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"b: expected the shape of a, {a.shape}, got {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def error_relative_to(got, exact) -> float:
    """||got - exact|| / ||exact||: how far off ``got`` is, as a fraction of the right vector's length.

    0 when equal; 1 when the error is as long as ``exact`` itself (``got`` = 0, or twice
    ``exact``); 2 for ``-exact``; no upper bound (5 ``exact`` gives 4). "Off by x %" in the part
    "At scale" means this, times 100 ({ref}`error-relative-to`). Unlike :func:`relative_error`,
    the symmetric measure of a gradient check, it is not capped and names which vector is right.
    """
    got, exact = np.asarray(got, dtype=float), np.asarray(exact, dtype=float)
    if got.shape != exact.shape:
        raise ValueError(f"got: expected the shape of exact, {exact.shape}, got {got.shape}")
    for name, arr in (("got", got), ("exact", exact)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}: every entry must be finite, found {arr[~np.isfinite(arr)].flat[0]}")
    length = np.linalg.norm(exact)
    if length == 0:
        raise ValueError(f"exact: expected a non-zero vector to measure against, got all zeros of shape {exact.shape}")
    return float(np.linalg.norm(got - exact) / length)


def _as_param_grads(grads: Gradients | Params, params: Params) -> Params:
    out = grads.of_params() if isinstance(grads, Gradients) else grads
    if not isinstance(out, dict) or set(out) != set(params):
        raise ValueError(f"grads: expected a Gradients or a dict with keys {sorted(params)}")
    for key in params:
        if np.shape(out[key]) != np.shape(params[key]):
            raise ValueError(f"grads['{key}']: expected shape {np.shape(params[key])}, "
                             f"got {np.shape(out[key])}")
    return out


def gradient_check(params: Params, X: np.ndarray, Y: np.ndarray, grads: Gradients | Params,
                   hidden: str = "relu", eps: float = 1e-6, output: str = "sigmoid") -> dict[str, float]:
    """Relative error between ``grads`` and central differences of J, per parameter."""
    analytic = _as_param_grads(grads, params)
    numeric = numerical_gradient(params, X, Y, hidden, eps, output)
    return {key: relative_error(analytic[key], numeric[key]) for key in params}


@dataclass(frozen=True)
class DirectionalCheck:
    """The slope of J along one direction v, measured and predicted by the gradient."""

    numerical: float
    analytic: float
    relative_error: float


def directional_check(params: Params, X: np.ndarray, Y: np.ndarray, grads: Gradients | Params,
                      hidden: str = "relu", rng: int | np.random.Generator | None = 0,
                      eps: float = 1e-6, output: str = "sigmoid") -> DirectionalCheck:
    """Compare (J(p + eps v) - J(p - eps v)) / (2 eps) with grad . v for one random unit v.

    Two forward passes instead of two per parameter; a wrong gradient is caught unless it is wrong
    only in directions orthogonal to v, which has probability zero.
    """
    eps = _eps(eps)
    analytic_grads = _as_param_grads(grads, params)
    gen = as_generator(rng)
    v = {k: gen.normal(size=np.shape(p)) for k, p in params.items()}
    norm = np.sqrt(sum(float((d ** 2).sum()) for d in v.values()))
    v = {k: d / norm for k, d in v.items()}
    shifted = lambda sign: {k: params[k] + sign * eps * v[k] for k in params}
    numerical = (cost_of_params(shifted(1), X, Y, hidden, output)
                 - cost_of_params(shifted(-1), X, Y, hidden, output)) / (2 * eps)
    analytic = float(sum((analytic_grads[k] * v[k]).sum() for k in params))
    denom = abs(numerical) + abs(analytic)
    return DirectionalCheck(numerical, analytic, 0.0 if denom == 0 else abs(numerical - analytic) / denom)


def vec(M: np.ndarray) -> np.ndarray:
    """M listed column by column: example 1's entries, then example 2's, ...; the order of the
    columns of the Jacobians in {ref}`vector-loss` (``M.reshape(-1, order="F")``)."""
    M = np.asarray(M)
    if M.ndim != 2:
        raise ValueError(f"M: expected a 2-D array (n, m), got shape {M.shape}")
    return M.reshape(-1, order="F")


def numerical_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    """The matrix d f(x).flat[i] / d x.flat[j] by central differences, shape (f(x).size, x.size).

    Introduced in {ref}`vector-loss`.
    """
    eps = _eps(eps)
    x = np.array(x, dtype=float, order="C")  # C order: the flat view below must alias x
    if x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"x: expected a non-empty finite array, got shape {x.shape}")
    size_out = np.asarray(f(x)).size
    jac = np.zeros((size_out, x.size))
    flat = x.reshape(-1)
    for j in range(x.size):
        old = flat[j]
        flat[j] = old + eps
        plus = np.asarray(f(x), dtype=float).reshape(-1)
        flat[j] = old - eps
        minus = np.asarray(f(x), dtype=float).reshape(-1)
        flat[j] = old
        jac[:, j] = (plus - minus) / (2 * eps)
    return jac

"""One backward pass, with the placement of 1/m as an argument. Introduced in {ref}`two-placements`.

A placement gives a scale s_l to each dZ[l], a scale t_l to each weight step
dW[l] = t_l dZ[l] A[l-1]^T and a scale u_l to each bias step db[l] = u_l (sum of dZ[l] over the
columns); u_l = t_l unless said otherwise. The named placements:

- "at_params" (the course's): s_l = 1, t_l = u_l = 1/m.
- "at_output": s_L = 1/m, every other scale 1.
- "every_layer" (wrong): s_l = 1/m for every l, t_l = u_l = 1.
- "nowhere" (wrong): every scale 1.
- "twice" (wrong): s_L = 1/m and t_l = u_l = 1/m.
- "weights_only" (wrong): t_l = 1/m, every s_l and u_l 1 (the biases' gradients m times too large).

dW[l] then equals (s_L ... s_l) t_l times the gradient of the sum of the losses, and db[l] equals
(s_L ... s_l) u_l times it, so a placement is right exactly when both products are 1/m for every l
(the path rule, {ref}`path-rule`).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

from . import _validate
from .activations import activation
from .losses import check_labels, loss_derivative
from .network import Forward, Params, forward

PLACEMENTS = ("at_params", "at_output", "every_layer", "nowhere", "twice", "weights_only")


def _scales(name: str, values) -> tuple[float, ...]:
    """``values`` as a tuple of floats, or a ValueError naming the argument."""
    try:
        return tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise ValueError(f"Placement: {name} must be a sequence of numbers, got {values!r}") from None


@dataclass(frozen=True)
class Placement:
    """Scale factors s_1..s_L on dZ[1..L] (``dz``), t_1..t_L on the weight steps dW (``params``)
    and u_1..u_L on the bias steps db (``bias``; leave it out for u_l = t_l).

    ``Placement(dz, params)`` equals ``Placement(dz, params, params)``.
    """

    dz: tuple[float, ...]
    params: tuple[float, ...]
    bias: tuple[float, ...] | None = None

    def __post_init__(self):
        object.__setattr__(self, "dz", _scales("dz", self.dz))
        object.__setattr__(self, "params", _scales("params", self.params))
        object.__setattr__(self, "bias", self.params if self.bias is None else _scales("bias", self.bias))
        if not self.dz or not len(self.dz) == len(self.params) == len(self.bias):
            raise ValueError(f"Placement: dz, params and bias need one scale per layer, got "
                             f"{len(self.dz)}, {len(self.params)} and {len(self.bias)}")
        if not all(np.isfinite(v) and v > 0 for v in self.dz + self.params + self.bias):
            raise ValueError(f"Placement: scales must be finite and positive, got dz={self.dz}, "
                             f"params={self.params}, bias={self.bias}")

    @property
    def L(self) -> int:
        """Number of layers the placement is for."""
        return len(self.dz)

    def _check_layer(self, l: int) -> None:
        if isinstance(l, bool) or not isinstance(l, (int, np.integer)) or not 1 <= l <= self.L:
            raise ValueError(f"l: expected a layer in 1..{self.L}, got {l}")

    def path_factor(self, l: int) -> float:
        """(s_L ... s_l) t_l: the factor between dW[l] and the gradient of the sum of the losses."""
        self._check_layer(l)
        return prod(self.dz[l - 1:]) * self.params[l - 1]

    def bias_path_factor(self, l: int) -> float:
        """(s_L ... s_l) u_l: the factor between db[l] and the gradient of the sum of the losses."""
        self._check_layer(l)
        return prod(self.dz[l - 1:]) * self.bias[l - 1]

    def is_correct(self, m: int) -> bool:
        """The path rule: every path factor, of the weights and of the biases, equals 1/m (to round-off)."""
        factors = [f(l) for l in range(1, self.L + 1) for f in (self.path_factor, self.bias_path_factor)]
        return all(np.isclose(p * m, 1.0, rtol=1e-12, atol=0) for p in factors)


def named_placement(name: str, L: int, m: int) -> Placement:
    """The Placement with a given name for a network of L layers and a batch of m examples."""
    if name not in PLACEMENTS:
        raise ValueError(f"one_over_m: unknown placement {name!r}; expected one of {list(PLACEMENTS)}")
    c, ones = 1.0 / m, (1.0,) * L
    last = ones[:-1] + (c,)
    return {
        "at_params": Placement(ones, (c,) * L),
        "at_output": Placement(last, ones),
        "every_layer": Placement((c,) * L, ones),
        "nowhere": Placement(ones, ones),
        "twice": Placement(last, (c,) * L),
        "weights_only": Placement(ones, (c,) * L, ones),
    }[name]


def resolve_placement(one_over_m: str | Placement, L: int, m: int) -> Placement:
    """The Placement that a backward pass's ``one_over_m`` argument names, checked against L."""
    if isinstance(one_over_m, Placement):
        if one_over_m.L != L:
            raise ValueError(f"one_over_m: the placement has {one_over_m.L} layers, the network {L}")
        return one_over_m
    return named_placement(one_over_m, L, m)


@dataclass(frozen=True)
class Gradients:
    """dW[l], db[l], dZ[l] for l = 1..L and dA[l] for l = 0..L, keyed by layer number."""

    dW: dict[int, np.ndarray]
    db: dict[int, np.ndarray]
    dZ: dict[int, np.ndarray]
    dA: dict[int, np.ndarray]
    placement: Placement

    def of_params(self) -> dict[str, np.ndarray]:
        """The parameter gradients in the layout of the parameter dict: {"W1": dW[1], ...}."""
        out = {}
        for l in sorted(self.dW):
            out[f"W{l}"], out[f"b{l}"] = self.dW[l], self.db[l]
        return out


def backward(fwd: Forward, Y: np.ndarray, one_over_m: str | Placement = "at_params") -> Gradients:
    """Backpropagate the cross-entropy of ``fwd``'s output (sigmoid or softmax) through its network.

    ``one_over_m`` names where the factor 1/m goes (see :data:`PLACEMENTS`) or is a
    :class:`Placement` with custom scales. dZ[L] = s_L (A[L] - Y); dA[L] is reported as
    s_L times the derivative of each loss with respect to its own output column (for a sigmoid
    output, dZ[L] = dA[L] * g'(Z[L]); for both outputs, dZ[L] = s_L (A[L] - Y)).
    """
    if not isinstance(fwd, Forward):
        raise ValueError(f"fwd: expected the Forward returned by forward(), got {type(fwd).__name__}")
    L, m = fwd.L, fwd.m
    Y = check_labels(Y, fwd.AL.shape, fwd.output)
    placement = resolve_placement(one_over_m, L, m)
    _, g_prime = activation(fwd.hidden)
    s, t, u = placement.dz, placement.params, placement.bias

    dA = {L: s[L - 1] * loss_derivative(fwd.AL, Y, fwd.output)}
    dZ = {L: s[L - 1] * (fwd.AL - Y)}  # dl_i/dz_i = a_i - y_i for both cross-entropies
    dW, db = {}, {}
    for l in range(L, 0, -1):
        if l < L:
            dZ[l] = s[l - 1] * dA[l] * g_prime(fwd.Z[l])
        dW[l] = t[l - 1] * (dZ[l] @ fwd.A[l - 1].T)
        db[l] = u[l - 1] * dZ[l].sum(axis=1, keepdims=True)
        dA[l - 1] = fwd.params[f"W{l}"].T @ dZ[l]
    return Gradients(dW=dW, db=db, dZ=dZ, dA=dA, placement=placement)


def scaled_placements(L: int, m: int) -> list[Placement]:
    """Every placement that puts 1/m or nothing at each dZ[l] and at each parameter step
    (the weight and bias steps of a layer share their scale).

    There are 2^(2L) of them; {ref}`path-rule` checks the path rule on all of them.
    """
    c = 1.0 / m
    out = []
    for bits in range(4 ** L):
        flags = [(bits >> k) & 1 for k in range(2 * L)]
        out.append(Placement(tuple(c if f else 1.0 for f in flags[:L]),
                             tuple(c if f else 1.0 for f in flags[L:])))
    return out


def per_example_gradients(params: Params, X: np.ndarray, Y: np.ndarray, hidden: str = "relu",
                          output: str = "sigmoid") -> list[dict[str, np.ndarray]]:
    """The gradient of each example's own loss l_i: item i is backpropagation on column i of X
    alone, a batch of one, where J = l_i ({"W1": ..., "b1": ..., ...}). Introduced in
    {ref}`loss-vs-cost`."""
    X = _validate.as_matrix("X", X)
    Y = _validate.as_matrix("Y", Y, cols=X.shape[1])
    return [backward(forward(X[:, [i]], params, hidden, output), Y[:, [i]]).of_params()
            for i in range(X.shape[1])]

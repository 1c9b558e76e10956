"""The backward passes of the course's assignments (and the book's two styles): how each is called,
and how its gradients are read. Introduced in {ref}`check-your-code`.

A :class:`Layout` turns one random network and batch into the arguments a backward pass expects
(its caches, its parameters, its ``lambd`` or ``keep_prob``) and the exact gradients to compare
with, and reads what the function returns into ``{"dW1": ..., "db1": ..., "dA0": ..., "dZ1": ...}``.
Gradient keys are read in any case (``dw1``, ``dz3``). :func:`recognize` picks the layout from the
function's name and its number of positional arguments, as the course names them; argument names
do not matter.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .activations import relu, sigmoid
from .backward import backward as exact_backward
from .network import Forward, forward

LAMBD = 0.7        # the L2 strength a regularized backward pass is called with (nonzero: its term counts)
KEEP_PROB = 0.75   # the keep probability a dropout backward pass is called with (< 1: its masks count)


class FunctionFailed(ValueError):
    """The function raised, or returned something that is not its gradients: it is wrong."""


@dataclass
class Case:
    """One call of a backward pass: its arguments, and what its gradients must be.

    ``fwd`` is the network the gradients belong to (its shapes name what each key must look like),
    ``exact`` the gradients of the cross-entropy cost J ({"W1": dJ/dW1, ...}), ``intermediates``
    the gradients of J with respect to A[l] and Z[l] ({"dA1": ..., "dZ1": ...}), and ``l2`` the
    L2 term (lambd/m) W[l] that a regularized cost adds to each dW[l] ({"W1": ...}).
    """

    args: tuple
    fwd: Forward
    exact: dict[str, np.ndarray]
    intermediates: dict[str, np.ndarray]
    l2: dict[str, np.ndarray] | None = None
    keep_prob: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class Layout:
    """How one kind of backward pass is called and read.

    ``depths`` is None when the function works at any depth, else the depths the assignment has;
    ``hidden`` is None when the hidden activation is free (then ReLU by default), else the one it has.
    """

    key: str
    arguments: tuple[str, ...]
    assignment: str
    network: str
    depths: tuple[int, ...] | None
    hidden: str | None
    case: Callable[..., Case]
    read: Callable[[object, Case, str], tuple[dict, str | None]]
    names: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()

    def signature(self, name: str) -> str:
        """The call as the report writes it: ``L_model_backward(AL, Y, caches)``."""
        return f"{name}({', '.join(self.arguments)})"

    def label(self, key: str) -> str:
        """How the learner's code names a gradient: "dW1", or "dw" in propagate."""
        return dict(self.labels).get(key, key)


# --- the exact gradients ---------------------------------------------------------------------

def _exact(X, Y, params, hidden):
    fwd = forward(X, params, hidden)
    grads = exact_backward(fwd, Y, "at_output")          # every symbol a gradient of J
    exact = grads.of_params()
    inter = {**{f"dA{l}": v for l, v in grads.dA.items()}, **{f"dZ{l}": v for l, v in grads.dZ.items()}}
    return fwd, exact, inter


def _copy(params):
    return {key: value.copy() for key, value in params.items()}


# --- reading what a function returns ---------------------------------------------------------

_KEY = re.compile(r"^d([WwBbZzAa])(\d*)$")
_LETTER = {"w": "W", "b": "b", "z": "Z", "a": "A"}


def normalized_keys(out: dict) -> dict:
    """The gradient dict with its keys in the course's case: dw1 -> dW1, dz3 -> dZ3, da2 -> dA2.

    When both spellings are returned, the course's wins. Other keys are kept as they are.
    """
    result = {}
    for key, value in out.items():
        match = _KEY.match(key) if isinstance(key, str) else None
        new = key if match is None else f"d{_LETTER[match.group(1).lower()]}{match.group(2)}"
        if new in result and key != new:
            continue
        result[new] = value
    return result


def _gradients(out, name: str) -> dict:
    if not isinstance(out, dict):
        raise FunctionFailed(f"{name} returned a {type(out).__name__}; expected a dict of gradients "
                             f"such as {{'dW1': ..., 'db1': ...}}")
    return normalized_keys(out)


def _read_dict(out, case: Case, name: str):
    return _gradients(out, name), None


def _read_course(out, case: Case, name: str):
    """The course's L-layer layout. Two namings of dA[l-1] exist: grads["dA" + str(l - 1)] (the
    current notebooks) and grads["dA" + str(l)] (older ones); the shape of the top key decides."""
    grads = _gradients(out, name)
    if not any(re.fullmatch(r"dA\d+", str(key)) for key in grads):
        return grads, None
    L, A = case.fwd.L, case.fwd.A
    top = grads.get(f"dA{L}")
    if "dA0" not in grads and top is not None and np.shape(top) == A[L - 1].shape != A[L].shape:
        renamed = {(f"dA{int(k[2:]) - 1}" if re.fullmatch(r"dA\d+", str(k)) else k): v
                   for k, v in grads.items()}
        return renamed, ("dA[l-1] stored under 'dA' + str(l), the older notebooks' naming (read "
                         "from the shape of the top one, dA[L-1] under 'dA' + str(L))")
    return grads, "dA[l-1] stored under 'dA' + str(l-1)"


def _read_propagate(out, case: Case, name: str):
    """propagate returns (grads, cost) with grads = {"dw": ..., "db": ...}; dw has w's shape."""
    grads = out[0] if isinstance(out, (tuple, list)) and out and isinstance(out[0], dict) else out
    if not isinstance(grads, dict):
        raise FunctionFailed(f"{name} returned a {type(out).__name__}; expected (grads, cost) with "
                             f"grads a dict {{'dw': ..., 'db': ...}}")
    grads = normalized_keys(grads)
    for key in ("dW", "db"):
        if key not in grads:
            raise FunctionFailed(f"{name} returned no {key.lower()!r}: grads must hold 'dw' and 'db'; it "
                                 f"holds {sorted(map(str, grads))}")
    w = case.args[0]
    try:
        dw, db = np.asarray(grads["dW"], dtype=float), np.asarray(grads["db"], dtype=float)
    except (TypeError, ValueError) as err:
        raise FunctionFailed(f"{name} returned dw or db that is not an array of numbers") from err
    if dw.shape != w.shape:
        raise FunctionFailed(f"{name} returned 'dw' with shape {dw.shape}; expected {w.shape}, the "
                             f"shape of w")
    if db.size != 1:
        raise FunctionFailed(f"{name} returned 'db' with shape {db.shape}; expected a number, "
                             f"as b is")
    return {"dW1": dw.T, "db1": db.reshape(1, 1)}, None


# --- the arguments of each layout ---------------------------------------------------------------

def _course_case(X, Y, params, hidden, gen, fn):
    fwd, exact, inter = _exact(X, Y, params, hidden)
    caches = [((fwd.A[l - 1].copy(), params[f"W{l}"].copy(), params[f"b{l}"].copy()), fwd.Z[l].copy())
              for l in range(1, fwd.L + 1)]
    return Case((fwd.AL.copy(), Y.copy(), caches), fwd, exact, inter)


def _params_case(X, Y, params, hidden, gen, fn):
    fwd, exact, inter = _exact(X, Y, params, hidden)
    return Case((X.copy(), Y.copy(), _copy(params)), fwd, exact, inter)


def _propagate_case(X, Y, params, hidden, gen, fn):
    fwd, exact, inter = _exact(X, Y, params, hidden)   # one layer: no hidden activation
    w, b = params["W1"].T.copy(), float(params["b1"][0, 0])
    return Case((w, b, X.copy(), Y.copy()), fwd, exact, {})


def _one_hidden_layer_case(X, Y, params, hidden, gen, fn):
    """Course 1 Week 3: backward_propagation(parameters, cache, X, Y), cache = {"Z1", "A1", "Z2",
    "A2"} as the file's own forward_propagation(X, parameters) makes it, when it has one."""
    fwd, exact, inter = _exact(X, Y, params, "tanh")
    parameters = _copy(params)
    cache, note = _own_cache(fn, X, params, fwd)
    if cache is None:
        cache = {key: getattr(fwd, key[0])[int(key[1])].copy() for key in ("Z1", "A1", "Z2", "A2")}
    return Case((parameters, cache, X.copy(), Y.copy()), fwd, exact, inter, note=note)


def _own_cache(fn, X, params, fwd):
    """The cache of the forward_propagation defined next to fn, if it computes the network's A2."""
    own = getattr(getattr(fn, "__func__", fn), "__globals__", {}).get("forward_propagation")
    if not callable(own):
        return None, None
    built = "the cache was built by the tool, with the course's keys Z1, A1, Z2, A2"
    try:
        A2, cache = own(X.copy(), _copy(params))
    except (Exception, SystemExit) as err:
        return None, f"the file's forward_propagation failed ({type(err).__name__}: {err}); {built}"
    try:
        same = np.allclose(np.asarray(A2, dtype=float), fwd.AL, rtol=1e-9, atol=1e-12)
    except (TypeError, ValueError):
        same = False
    if not (same and isinstance(cache, dict)):
        return None, f"the file's forward_propagation does not compute this network's A2; {built}"
    return cache, "the cache comes from the file's own forward_propagation"


def _layer_tuple(fwd, params, masks=None):
    """(Z1, [D1,] A1, W1, b1, ..., ZL, AL, WL, bL): the caches of Course 2 Week 1's 3-layer networks."""
    items = []
    for l in range(1, fwd.L + 1):
        items.append(fwd.Z[l])
        if masks is not None and l < fwd.L:
            items.append(masks[l])
        items += [fwd.A[l], params[f"W{l}"], params[f"b{l}"]]
    return tuple(np.array(x, copy=True) for x in items)


def _three_layer_case(X, Y, params, hidden, gen, fn):
    fwd, exact, inter = _exact(X, Y, params, "relu")
    return Case((X.copy(), Y.copy(), _layer_tuple(fwd, params)), fwd, exact, inter)


def _regularization_case(X, Y, params, hidden, gen, fn):
    """The cost J + (lambd/2m) sum ||W[l]||^2: its gradient adds (lambd/m) W[l] to each dW[l]."""
    case = _three_layer_case(X, Y, params, hidden, gen, fn)
    m = X.shape[1]
    case.args = (*case.args, LAMBD)
    case.l2 = {f"W{l}": LAMBD / m * params[f"W{l}"] for l in range(1, case.fwd.L + 1)}
    return case


def _dropout_case(X, Y, params, hidden, gen, fn):
    """Inverted dropout on the hidden layers with fixed masks D[l] (keep_prob = KEEP_PROB):
    A[l] = relu(Z[l]) * D[l] / keep_prob. The exact gradients are those of the network with these masks."""
    L, m = len(params) // 2, X.shape[1]
    masks = {l: dropout_mask(gen, (params[f"W{l}"].shape[0], m)) for l in range(1, L)}
    fwd, dZ, dA = masked_forward_backward(X, Y, params, masks, KEEP_PROB)
    exact = {}
    for l in range(1, L + 1):
        exact[f"W{l}"], exact[f"b{l}"] = dZ[l] @ fwd.A[l - 1].T, dZ[l].sum(axis=1, keepdims=True)
    inter = {**{f"dZ{l}": v for l, v in dZ.items()}, **{f"dA{l}": v for l, v in dA.items()}}
    return Case((X.copy(), Y.copy(), _layer_tuple(fwd, params, masks), KEEP_PROB), fwd, exact, inter,
                keep_prob=KEEP_PROB)


def dropout_mask(gen: np.random.Generator, shape, keep_prob: float = KEEP_PROB) -> np.ndarray:
    """A 0/1 mask with P(1) = keep_prob, with a 0 and a 1 in every row (so dropping counts)."""
    for _ in range(1000):
        D = (gen.random(shape) < keep_prob).astype(int)
        if np.all(D.min(axis=1) == 0) and np.all(D.max(axis=1) == 1):
            return D
    raise RuntimeError(f"no mask of shape {shape} with both values in every row")  # pragma: no cover


def masked_forward_backward(X, Y, params, masks, keep_prob):
    """The ReLU network with inverted dropout (fixed masks) and a sigmoid output: its forward pass
    and the gradients of J with respect to Z[l] and to each hidden layer's relu(Z[l]) (the dA[l]
    that the course's dropout backward pass returns, after applying the mask)."""
    L = len(params) // 2
    A, Z = {0: X}, {}
    for l in range(1, L + 1):
        Z[l] = params[f"W{l}"] @ A[l - 1] + params[f"b{l}"]
        A[l] = sigmoid(Z[l]) if l == L else relu(Z[l]) * masks[l] / keep_prob
    fwd = Forward(params=params, hidden="relu", A=A, Z=Z)
    dZ, dA = {L: (A[L] - Y) / X.shape[1]}, {}
    for l in range(L - 1, 0, -1):
        dA[l] = (params[f"W{l + 1}"].T @ dZ[l + 1]) * masks[l] / keep_prob
        dZ[l] = dA[l] * (Z[l] > 0)
    return fwd, dZ, dA


# --- the layouts -------------------------------------------------------------------------------

LAYOUTS = {layout.key: layout for layout in [
    Layout("course", ("AL", "Y", "caches"), "Course 1 Week 4",
           "caches[l-1] = ((A_prev, W, b), Z)", None, None, _course_case, _read_course,
           names=("l_model_backward",)),
    Layout("params", ("X", "Y", "params"), "", "its own forward pass on params", None, None,
           _params_case, _read_dict),
    Layout("propagate", ("w", "b", "X", "Y"), "Course 1 Week 2 (logistic regression)",
           "dw in w's shape, db a number", (1,), "sigmoid", _propagate_case, _read_propagate,
           names=("propagate",), labels=(("dW1", "dw"), ("db1", "db"))),
    Layout("one_hidden_layer", ("parameters", "cache", "X", "Y"), "Course 1 Week 3 (one hidden layer)",
           "cache = {Z1, A1, Z2, A2}", (2,), "tanh", _one_hidden_layer_case, _read_dict,
           names=("backward_propagation",)),
    Layout("three_layer", ("X", "Y", "cache"),
           "Course 2 Week 1 (gradient checking; the helper modules)",
           "cache = (Z1, A1, W1, b1, ..., Z3, A3, W3, b3)", (3,), "relu",
           _three_layer_case, _read_dict, names=("backward_propagation", "backward_propagation_n")),
    Layout("regularization", ("X", "Y", "cache", "lambd"), "Course 2 Week 1 (L2 regularization)",
           f"cache = (Z1, A1, W1, b1, ..., Z3, A3, W3, b3), lambd = {LAMBD}", (3,), "relu",
           _regularization_case, _read_dict, names=("backward_propagation_with_regularization",)),
    Layout("dropout", ("X", "Y", "cache", "keep_prob"), "Course 2 Week 1 (dropout)",
           f"cache = (Z1, D1, A1, W1, b1, ..., Z3, A3, W3, b3), fixed masks, keep_prob = {KEEP_PROB}",
           (3,), "relu", _dropout_case, _read_dict, names=("backward_propagation_with_dropout",)),
]}

# Functions with a course name that are a step of a backward pass, not a whole one
STEPS = ("linear_backward", "linear_activation_backward", "relu_backward", "sigmoid_backward",
         "tanh_backward")


def positional_count(fn) -> tuple[int, int] | None:
    """(required, most) positional arguments of fn (most = a large number for *args); None if unknown."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(p.default is p.empty for p in positional)
    most = 10 ** 6 if any(p.kind == p.VAR_POSITIONAL for p in params) else len(positional)
    return required, most


def recognize(fn, name: str | None = None) -> tuple[Layout | None, str | None]:
    """The layout of ``fn``, recognized by its name and its number of positional arguments.

    Returns (layout, None) for a course backward pass, (None, why) for a function with a course
    name that is not a network's backward pass (the report says it was skipped), and (None, None)
    for any other function.
    """
    name = (name or getattr(fn, "__name__", "")).rsplit(".", 1)[-1]
    lowered = name.lower()
    counts = positional_count(fn)
    if lowered in STEPS:
        return None, "one step of a backward pass, checked through the whole one that calls it"
    candidates = [layout for layout in LAYOUTS.values() if lowered in layout.names]
    if not candidates:
        return None, None
    if counts is None:
        return None, "its arguments cannot be read"
    required, most = counts
    for layout in candidates:
        if required <= len(layout.arguments) <= most:
            return layout, None
    if lowered == "backward_propagation" and required <= 2 <= most:
        return None, ("backward_propagation(x, theta) of the gradient-checking notebook: the "
                      "one-dimensional example J = theta x, not a network's backward pass")
    expected = " or ".join(layout.signature(name) for layout in candidates)
    return None, f"its arguments do not fit the course's {expected}"

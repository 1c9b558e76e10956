"""A zoo of backward passes, right and wrong, written for the tests of oneoverm.diagnose.

Each is what a learner might write: course style ``backward(AL, Y, caches)`` with
``caches[l-1] = ((A_prev, W, b), Z)``, ReLU hidden layers and a sigmoid output, or params style
``backward(X, Y, params)`` with its own forward pass. ZOO lists them with the verdict each must get.
The file is self-contained (NumPy only): the command-line tests copy it and diagnose it by path.
"""
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def output_dA(AL, Y):
    """The elementwise derivative of the cross-entropy of each example (no 1/m)."""
    return -(Y / AL - (1 - Y) / (1 - AL))


# --- course style: backward(AL, Y, caches) ------------------------------------------------------

def course_at_params(AL, Y, caches):
    """The course's placement: 1/m in dW and db only."""
    L, m = len(caches), AL.shape[1]
    grads, dA = {}, output_dA(AL, Y)
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        dZ = dA * AL * (1 - AL) if l == L else dA * (Z > 0)
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        dA = W.T @ dZ
        grads[f"dA{l - 1}"] = dA
    return grads


def course_at_output(AL, Y, caches):
    """1/m once, in dZ[L]; none in dW, db: every symbol a gradient of J."""
    L, m = len(caches), AL.shape[1]
    grads = {}
    dZ = (AL - Y) / m
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        if l < L:
            dZ = grads[f"dA{l}"] * np.where(Z > 0, 1.0, 0.0)
        grads[f"dZ{l}"] = dZ
        grads[f"dW{l}"] = dZ @ A_prev.T
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        grads[f"dA{l - 1}"] = W.T @ dZ
    return grads


def course_hybrid(AL, Y, caches):
    """1/m in the step of layer L and in dZ[L-1], nowhere else: once on every path."""
    L, m = len(caches), AL.shape[1]
    grads, dA = {}, output_dA(AL, Y)
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        if l == L:
            dZ = dA * AL * (1 - AL)
            step = 1 / m
        else:
            dZ = dA * (Z > 0) / (m if l == L - 1 else 1)
            step = 1
        grads[f"dW{l}"] = step * dZ @ A_prev.T
        grads[f"db{l}"] = step * dZ.sum(axis=1, keepdims=True)
        dA = W.T @ dZ
        grads[f"dA{l - 1}"] = dA
    return grads


def course_only_parameters(AL, Y, caches):
    """The course's placement, returning dW and db only."""
    return {k: v for k, v in course_at_params(AL, Y, caches).items() if not k.startswith("dA")}


def course_every_layer(AL, Y, caches):
    """1/m in every dZ[l], none in dW, db."""
    L, m = len(caches), AL.shape[1]
    grads, dA = {}, output_dA(AL, Y)
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        dZ = (dA * AL * (1 - AL) if l == L else dA * (Z > 0)) / m
        grads[f"dW{l}"] = dZ @ A_prev.T
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        dA = W.T @ dZ
    return grads


def course_nowhere(AL, Y, caches):
    """No 1/m at all: the gradients of the sum of the losses."""
    L = len(caches)
    grads, dZ = {}, AL - Y
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        grads[f"dW{l}"] = dZ @ A_prev.T
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dZ = (W.T @ dZ) * (caches[l - 2][1] > 0)
    return grads


def course_twice(AL, Y, caches):
    """The "fix": dA[L] divided by m, and the course's 1/m kept in dW, db."""
    L, m = len(caches), AL.shape[1]
    grads, dA = {}, output_dA(AL, Y) / m
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        dZ = dA * sigmoid(Z) * (1 - sigmoid(Z)) if l == L else dA * (Z > 0)
        grads[f"dW{l}"] = (1 / m) * np.dot(dZ, A_prev.T)
        grads[f"db{l}"] = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
        dA = np.dot(W.T, dZ)
        grads[f"dA{l - 1}"] = dA
    return grads


def course_weights_only(AL, Y, caches):
    """1/m in dW but forgotten in db."""
    L, m = len(caches), AL.shape[1]
    grads, dA = {}, output_dA(AL, Y)
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        dZ = dA * AL * (1 - AL) if l == L else dA * (Z > 0)
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        dA = W.T @ dZ
        grads[f"dA{l - 1}"] = dA
    return grads


def course_bias_only(AL, Y, caches):
    """The reverse slip: 1/m in db but not in dW."""
    grads = course_at_params(AL, Y, caches)
    m = AL.shape[1]
    return {k: v * m if k.startswith("dW") else v for k, v in grads.items()}


def course_two_over_m(AL, Y, caches):
    """2/m in the parameter step (a factor 2 carried over from a squared error)."""
    return {k: 2 * v if k[:2] in ("dW", "db") else v for k, v in course_at_params(AL, Y, caches).items()}


def course_flipped_sign(AL, Y, caches):
    """dZ[L] = Y - A[L]: every gradient points uphill."""
    L, m = len(caches), AL.shape[1]
    grads, dZ = {}, Y - AL
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        if l < L:
            dZ = dA * (Z > 0)
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        dA = W.T @ dZ
    return grads


def course_m_minus_one(AL, Y, caches):
    """1/(m - 1) in place of 1/m."""
    m = AL.shape[1]
    return {k: v * m / (m - 1) for k, v in course_only_parameters(AL, Y, caches).items()}


def course_sqrt_m(AL, Y, caches):
    """1/sqrt(m) in place of 1/m in the parameter step: every gradient m^0.5 times too large."""
    m = AL.shape[1]
    return {k: v * np.sqrt(m) if k[:2] in ("dW", "db") else v
            for k, v in course_at_params(AL, Y, caches).items()}


def course_sqrt_m_split(AL, Y, caches):
    """1/sqrt(m) in dZ[L] and 1/sqrt(m) in every parameter step: the factors on every path multiply
    to 1/m, so it is correct (a placement with more than 1/m or nothing at each place)."""
    L, m = len(caches), AL.shape[1]
    grads, dZ = {}, (AL - Y) / np.sqrt(m)
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        if l < L:
            dZ = dA * (Z > 0)
        grads[f"dW{l}"] = dZ @ A_prev.T / np.sqrt(m)
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / np.sqrt(m)
        dA = W.T @ dZ
        grads[f"dA{l - 1}"] = dA
    return grads


def course_sqrt_m_and_course(AL, Y, caches):
    """1/sqrt(m) in dZ[L] and the course's 1/m in the parameter step: every gradient m^-0.5 times
    the true one."""
    m = AL.shape[1]
    return {k: v / np.sqrt(m) for k, v in course_at_params(AL, Y, caches).items()}


def course_positive_labels(AL, Y, caches):
    """The number of positive labels in place of m (a factor that depends on the data)."""
    m = AL.shape[1]
    return {k: v * m / Y.sum() if k[:2] in ("dW", "db") else v
            for k, v in course_at_params(AL, Y, caches).items()}


def course_normalized_output(AL, Y, caches):
    """dZ[L] scaled to unit length, no 1/m: a factor that changes with the data, not with m."""
    L = len(caches)
    grads, dZ = {}, AL - Y
    dZ = dZ / np.linalg.norm(dZ)
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        if l < L:
            dZ = dA * (Z > 0)
        grads[f"dW{l}"] = dZ @ A_prev.T
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        dA = W.T @ dZ
    return grads


def course_transposed(AL, Y, caches):
    """W[l] dZ[l] in place of W[l]^T dZ[l] below the output layer (square hidden layers run)."""
    L, m = len(caches), AL.shape[1]
    grads, dA = {}, output_dA(AL, Y)
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        dZ = dA * AL * (1 - AL) if l == L else dA * (Z > 0)
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        dA = W.T @ dZ if l == L else W @ dZ
    return grads


def course_transposed_everywhere(AL, Y, caches):
    """W[l] dZ[l] in every layer: at the output layer, W[L] (one row) and dZ[L] do not fit, and the
    function stops with NumPy's shape error (so it is not in ZOO: diagnose raises a ValueError)."""
    L, m = len(caches), AL.shape[1]
    grads, dA = {}, output_dA(AL, Y)
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        dZ = dA * AL * (1 - AL) if l == L else dA * (Z > 0)
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        dA = W @ dZ
    return grads


def course_transposed_dW(AL, Y, caches):
    """A[l-1] dZ[l]^T in place of dZ[l] A[l-1]^T in the hidden layers."""
    grads = course_at_params(AL, Y, caches)
    L = len(caches)
    return {k: (v.T if k.startswith("dW") and k != f"dW{L}" else v) for k, v in grads.items()}


def course_no_relu_derivative(AL, Y, caches):
    """dZ[l] = dA[l]: the ReLU derivative dropped."""
    L, m = len(caches), AL.shape[1]
    grads, dA = {}, output_dA(AL, Y)
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        dZ = dA * AL * (1 - AL) if l == L else dA
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        dA = W.T @ dZ
    return grads


def course_sigmoid_derivative_in_hidden(AL, Y, caches):
    """The sigmoid's derivative used in the ReLU layers too."""
    L, m = len(caches), AL.shape[1]
    grads, dA = {}, output_dA(AL, Y)
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        s = sigmoid(Z)
        dZ = dA * s * (1 - s)
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        dA = W.T @ dZ
    return grads


# --- params style: backward(X, Y, params), with its own forward pass ----------------------------

def _forward(X, params, g):
    L = len(params) // 2
    A, Zs, As = X, [], [X]
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = sigmoid(Z) if l == L else g(Z)
        Zs.append(Z)
        As.append(A)
    return Zs, As


def params_at_output(X, Y, params):
    """ReLU network, 1/m at the output; returns dZ[l] too."""
    Zs, As = _forward(X, params, lambda z: np.maximum(z, 0))
    L, m = len(Zs), X.shape[1]
    grads, dZ = {}, (As[L] - Y) / m
    for l in range(L, 0, -1):
        grads[f"dZ{l}"] = dZ
        grads[f"dW{l}"] = dZ @ As[l - 1].T
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dZ = (params[f"W{l}"].T @ dZ) * (Zs[l - 2] > 0)
    return grads


def params_at_params(X, Y, params):
    """ReLU network, the course's placement, with dA[l] and dZ[l]."""
    Zs, As = _forward(X, params, lambda z: np.maximum(z, 0))
    L, m = len(Zs), X.shape[1]
    grads = {f"dA{L}": output_dA(As[L], Y)}
    for l in range(L, 0, -1):
        dA = grads[f"dA{l}"]
        dZ = dA * As[L] * (1 - As[L]) if l == L else dA * (Zs[l - 1] > 0)
        grads[f"dZ{l}"] = dZ
        grads[f"dW{l}"] = dZ @ As[l - 1].T / m
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        grads[f"dA{l - 1}"] = params[f"W{l}"].T @ dZ
    return grads


def params_every_layer(X, Y, params):
    """ReLU network, 1/m in every dZ[l]."""
    Zs, As = _forward(X, params, lambda z: np.maximum(z, 0))
    L, m = len(Zs), X.shape[1]
    grads, dZ = {}, (As[L] - Y) / m
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = dZ @ As[l - 1].T
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dZ = (params[f"W{l}"].T @ dZ) * (Zs[l - 2] > 0) / m
    return grads


def params_tanh_nowhere(X, Y, params):
    """tanh network, no 1/m anywhere."""
    Zs, As = _forward(X, params, np.tanh)
    L = len(Zs)
    grads, dZ = {}, As[L] - Y
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = dZ @ As[l - 1].T
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dZ = (params[f"W{l}"].T @ dZ) * (1 - np.tanh(Zs[l - 2]) ** 2)
    return grads


def params_tanh_derivative_of_A(X, Y, params):
    """tanh network with g'(A) = 1 - tanh(A)^2 in place of 1 - tanh(Z)^2 (a wrong derivative)."""
    Zs, As = _forward(X, params, np.tanh)
    L, m = len(Zs), X.shape[1]
    grads, dZ = {}, (As[L] - Y) / m
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = dZ @ As[l - 1].T
        grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            dZ = (params[f"W{l}"].T @ dZ) * (1 - np.tanh(As[l - 1]) ** 2)
    return grads


# (function, style, hidden, verdict, intermediates) for every member of the zoo that returns gradients.
# Not listed: course_transposed_everywhere (a shape error) and course_positive_labels (its verdict
# depends on the batch sizes: with even sizes only, Y.sum() = m/2 and the factor is the constant 2).
ZOO = [
    (course_at_params, "course", "relu", "at_params", "sum"),
    (course_at_output, "course", "relu", "at_output", "mean"),
    (course_hybrid, "course", "relu", "hybrid", "mixed"),
    (course_only_parameters, "course", "relu", "correct", None),
    (course_every_layer, "course", "relu", "every_layer", None),
    (course_nowhere, "course", "relu", "nowhere", None),
    (course_twice, "course", "relu", "twice", "mean"),
    (course_weights_only, "course", "relu", "weights_only", "sum"),
    (course_bias_only, "course", "relu", "other_factors", "sum"),
    (course_two_over_m, "course", "relu", "constant_factor", "sum"),
    (course_flipped_sign, "course", "relu", "constant_factor", None),
    (course_m_minus_one, "course", "relu", "other_factors", None),
    (course_sqrt_m, "course", "relu", "constant_factor", "sum"),
    (course_sqrt_m_split, "course", "relu", "correct", "mixed"),
    (course_sqrt_m_and_course, "course", "relu", "constant_factor", "mixed"),
    (course_normalized_output, "course", "relu", "other_factors", None),
    (course_transposed, "course", "relu", "not_a_multiple", None),
    (course_transposed_dW, "course", "relu", "not_a_multiple", "sum"),
    (course_no_relu_derivative, "course", "relu", "not_a_multiple", None),
    (course_sigmoid_derivative_in_hidden, "course", "relu", "not_a_multiple", None),
    (params_at_output, "params", "relu", "at_output", "mean"),
    (params_at_params, "params", "relu", "at_params", "sum"),
    (params_every_layer, "params", "relu", "every_layer", None),
    (params_tanh_nowhere, "params", "tanh", "nowhere", None),
    (params_tanh_derivative_of_A, "params", "tanh", "not_a_multiple", None),
]

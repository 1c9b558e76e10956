"""A zoo of backward passes in the signatures of the course's assignments, right and wrong, written
for the tests of `oneoverm-diagnose` (not taken from the course or from anyone's notebook).

Each zoo function has a test name (l_model_backward_twice, ...); a fixture file renames it to the
course's name (L_model_backward, ...) and puts it in a file as a learner's looks: imports (one of a
module that is not installed), `%matplotlib` and `!pip` lines in a notebook, the helpers, the
function, then top-level tests, prints and training that the tool must not run. MEMBERS lists what
each must get: verdict, correctness, exponents and constants on the deepest network, exit status.
`write_py` and `write_notebook` (nbformat) write the fixtures; `relu_backward` and `sigmoid_backward`
go into a `dnn_utils.py` next to them, as the course's helper module.
"""
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np


# --- helpers, under the course's names ------------------------------------------------------------

def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def relu_backward(dA, cache):
    return dA * (cache > 0)


def sigmoid_backward(dA, cache):
    s = 1 / (1 + np.exp(-cache))
    return dA * s * (1 - s)


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True) / m


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    dZ = eval(activation + "_backward")(dA, activation_cache)   # the helper named by the string
    return linear_backward(dZ, linear_cache)


def forward_propagation(X, parameters):
    """Course 1 Week 3's forward pass: tanh hidden layer, sigmoid output; (A2, cache)."""
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


DNN_UTILS = ("import numpy as np\n\n\n" + inspect.getsource(relu_backward) + "\n\n"
             + inspect.getsource(sigmoid_backward))
STEP_HELPERS = [sigmoid, linear_backward, linear_activation_backward]


# --- Course 1 Week 2: propagate(w, b, X, Y) -> (grads, cost) --------------------------------------

def propagate_right(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(w.T @ X + b)
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return {"dw": X @ (A - Y).T / m, "db": np.mean(A - Y)}, cost


def propagate_no_mean(W, B, x, y):
    A = sigmoid(np.dot(W.T, x) + B)
    return {"dw": np.dot(x, (A - y).T), "db": np.sum(A - y)}, -np.sum(y * np.log(A))


def propagate_dw_transposed(w, b, X, Y):
    A = sigmoid(w.T @ X + b)
    return {"dw": (A - Y) @ X.T / X.shape[1], "db": np.mean(A - Y)}, 0.0


# --- Course 1 Week 3: backward_propagation(parameters, cache, X, Y), tanh hidden layer -----------

def planar_right(parameters, cache, X, Y):
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dZ1 = parameters["W2"].T @ dZ2 * (1 - cache["A1"] ** 2)
    return {"dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
            "dW2": dZ2 @ cache["A1"].T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}


def planar_sigmoid_derivative(PARAMETERS, CACHE, x, y):
    m = x.shape[1]
    A1, A2 = CACHE["A1"], CACHE["A2"]
    dz2 = A2 - y
    dz1 = PARAMETERS["W2"].T @ dz2 * A1 * (1 - A1)            # the sigmoid's derivative, not tanh's
    return {"dw1": dz1 @ x.T / m, "db1": dz1.sum(axis=1, keepdims=True) / m,
            "dw2": dz2 @ A1.T / m, "db2": dz2.sum(axis=1, keepdims=True) / m}


# --- Course 1 Week 4: L_model_backward(AL, Y, caches) ---------------------------------------------

def l_model_backward_right(AL, Y, caches):
    grads, L = {}, len(caches)
    dA = (1 - Y) / (1 - AL) - Y / AL
    for l in range(L, 0, -1):
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(
            dA, caches[l - 1], "sigmoid" if l == L else "relu")
        grads["dA" + str(l - 1)] = dA
    return grads


def l_model_backward_old_naming(al, y, caches):
    """dA[l-1] stored under "dA" + str(l), as older notebooks do."""
    grads, L = {}, len(caches)
    dA = -(y / al - (1 - y) / (1 - al))
    dA, grads["dW" + str(L)], grads["db" + str(L)] = linear_activation_backward(dA, caches[-1], "sigmoid")
    grads["dA" + str(L)] = dA
    for l in range(L - 1, 0, -1):
        grads["dA" + str(l)], grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(
            grads["dA" + str(l + 1)], caches[l - 1], "relu")
    return grads


def _steps(AL, Y, caches, dz_scale, step_scale, bias_scale):
    """The loop of the wrong placements below: dZ[l] times dz_scale, dW[l] and db[l] times
    step_scale and bias_scale (1/m or 1 each), no helper."""
    grads, L, m = {}, len(caches), AL.shape[1]
    dA = (1 - Y) / (1 - AL) - Y / AL
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        s = sigmoid(Z)
        dZ = (dA * s * (1 - s) if l == L else dA * (Z > 0)) * dz_scale(m)
        grads["dW" + str(l)] = step_scale(m) * dZ @ A_prev.T
        grads["db" + str(l)] = bias_scale(m) * dZ.sum(axis=1, keepdims=True)
        dA = W.T @ dZ
    return grads


def l_model_backward_every_layer(AL, Y, caches):
    return _steps(AL, Y, caches, lambda m: 1 / m, lambda m: 1, lambda m: 1)


def l_model_backward_nowhere(AL, Y, caches):
    return _steps(AL, Y, caches, lambda m: 1, lambda m: 1, lambda m: 1)


def l_model_backward_weights_only(AL, Y, caches):
    return _steps(AL, Y, caches, lambda m: 1, lambda m: 1 / m, lambda m: 1)


def l_model_backward_twice(AL, Y, caches):
    """1/m in dAL, and the course's 1/m in the parameter step too."""
    L, m = len(caches), AL.shape[1]
    grads = {}
    dA = ((1 - Y) / (1 - AL) - Y / AL) / m
    for l in range(L, 0, -1):
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(
            dA, caches[l - 1], "sigmoid" if l == L else "relu")
    return grads


def l_model_backward_at_output(AL, Y, caches):
    """1/m once, in dZ[L]; dW and db without it."""
    grads, L = {}, len(caches)
    dZ = (AL - Y) / AL.shape[1]
    for l in range(L, 0, -1):
        (A_prev, W, b), Z = caches[l - 1]
        if l < L:
            dZ = grads["dA" + str(l)] * (Z > 0)
        grads["dW" + str(l)], grads["db" + str(l)] = dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)
        grads["dA" + str(l - 1)] = W.T @ dZ
    return grads


def l_model_backward_two_over_m(AL, Y, caches):
    """2/m in every parameter step: one constant factor, not a 1/m placement."""
    return _steps(AL, Y, caches, lambda m: 1, lambda m: 2 / m, lambda m: 2 / m)


def l_model_backward_fixed_depth(AL, Y, caches):
    """Written for the notebook's network of 3 layers: the output layer's cache is caches[2]."""
    grads = {}
    dA, grads["dW3"], grads["db3"] = linear_activation_backward(
        (1 - Y) / (1 - AL) - Y / AL, caches[2], "sigmoid")
    for l in (2, 1):
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(dA, caches[l - 1], "relu")
    return grads


def l_model_backward_AL_for_dAL(AL, Y, caches):
    """AL handed to the output layer's step where dAL is meant."""
    grads, L = {}, len(caches)
    dA = AL
    for l in range(L, 0, -1):
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(
            dA, caches[l - 1], "sigmoid" if l == L else "relu")
    return grads


def l_model_backward_sigmoid_hidden(AL, Y, caches):
    """sigmoid_backward in the hidden layers too."""
    grads, L = {}, len(caches)
    dA = (1 - Y) / (1 - AL) - Y / AL
    for l in range(L, 0, -1):
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(dA, caches[l - 1], "sigmoid")
    return grads


def l_model_backward_squeezed_db(AL, Y, caches):
    grads = l_model_backward_right(AL, Y, caches)
    return {k: np.squeeze(v) if k.startswith("db") else v for k, v in grads.items()}


def l_model_backward_exits(AL, Y, caches):
    if AL.shape[1] > 2:
        exit()
    return {}


class Network:
    """A learner's class holding the backward pass as a method (its __init__ needs arguments)."""

    def __init__(self, layer_dims):
        self.layer_dims = layer_dims

    def L_model_backward(self, AL, Y, caches):
        return l_model_backward_right(AL, Y, caches)


# --- Course 2 Week 1: three layers, cache tuples ---------------------------------------------------

def _three_layer(X, Y, cache, dW_factor=(1, 1, 1), db_factor=(1, 1, 1), lambd=0.0, l2_scale=1.0,
                 keep_prob=None, scaled=True):
    """The loop of every Course 2 Week 1 zoo member (course placement), with its bug as an option."""
    m = X.shape[1]
    if keep_prob is None:
        Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3 = cache
        D1 = D2 = 1
    else:
        Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3 = cache
    scale = 1 / keep_prob if keep_prob is not None and scaled else 1
    g = {}
    g["dZ3"] = A3 - Y
    As, Ws = {0: X, 1: A1, 2: A2}, {1: W1, 2: W2, 3: W3}
    for l, (mask, A_next) in ((3, (None, None)), (2, (D2, A2)), (1, (D1, A1))):
        if l < 3:
            g["dA" + str(l)] = Ws[l + 1].T @ g["dZ" + str(l + 1)] * mask * scale
            g["dZ" + str(l)] = g["dA" + str(l)] * (A_next > 0)
        dZ = g["dZ" + str(l)]
        g["dW" + str(l)] = dW_factor[l - 1] * (dZ @ As[l - 1].T / m + l2_scale * lambd / m * Ws[l])
        g["db" + str(l)] = db_factor[l - 1] * dZ.sum(axis=1, keepdims=True) / m
    return g


def regularization_right(X, Y, cache, lambd):
    return _three_layer(X, Y, cache, lambd=lambd)


def regularization_l2_without_m(X, Y, cache, lambd):
    """lambd W[l] where (lambd/m) W[l] is meant: the L2 term m times too large."""
    return _three_layer(X, Y, cache, lambd=lambd, l2_scale=X.shape[1])


def regularization_half_l2(X, Y, cache, lambd):
    return _three_layer(X, Y, cache, lambd=lambd, l2_scale=0.5)


def regularization_no_l2(X, Y, cache, lambd):
    return _three_layer(X, Y, cache)


def dropout_right(X, Y, cache, keep_prob):
    return _three_layer(X, Y, cache, keep_prob=keep_prob)


def dropout_no_keep_prob(X, Y, cache, keep_prob):
    """The masks applied, the division by keep_prob forgotten."""
    return _three_layer(X, Y, cache, keep_prob=keep_prob, scaled=False)


def dropout_no_masks(X, Y, cache, keep_prob):
    """The masks forgotten in the backward pass (ReLU's derivative read from Z, so no mask comes back)."""
    Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3 = cache
    m = X.shape[1]
    dZ3 = A3 - Y
    dZ2 = W3.T @ dZ3 / keep_prob * (Z2 > 0)
    dZ1 = W2.T @ dZ2 / keep_prob * (Z1 > 0)
    return {"dW3": dZ3 @ A2.T / m, "db3": dZ3.sum(axis=1, keepdims=True) / m,
            "dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m,
            "dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m}


def gradient_checking_right(X, Y, cache):
    return _three_layer(X, Y, cache)


def gradient_checking_planted(X, Y, cache):
    """Two planted bugs, as a gradient check would find them: dW2 twice, db1 four times as large."""
    return _three_layer(X, Y, cache, dW_factor=(1, 2, 1), db_factor=(4, 1, 1))


def helper_module_output_placement(X, Y, cache):
    """A helper module's backward_propagation: lowercase keys, 1/m once, in dz3."""
    z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3 = cache
    dz3 = (a3 - Y) / X.shape[1]
    da2 = W3.T @ dz3
    dz2 = da2 * (a2 > 0)
    da1 = W2.T @ dz2
    dz1 = da1 * (a1 > 0)
    return {"dz3": dz3, "dW3": dz3 @ a2.T, "db3": dz3.sum(axis=1, keepdims=True),
            "da2": da2, "dz2": dz2, "dW2": dz2 @ a1.T, "db2": dz2.sum(axis=1, keepdims=True),
            "da1": da1, "dz1": dz1, "dW1": dz1 @ X.T, "db1": dz1.sum(axis=1, keepdims=True)}


def one_dimensional_backward(x, theta):
    """The gradient-checking notebook's first example: J = theta x, dJ/dtheta = x."""
    return x


# --- what each must get ---------------------------------------------------------------------------

@dataclass
class Member:
    fn: object
    name: str                     # the course's name, as the fixture file defines it
    style: str
    verdict: str | None
    correct: bool | None
    status: int
    exponents: dict | None = None     # on the deepest network ("W1": p); None: not checked
    constants: dict | None = None
    l2: dict | None = None            # the L2 term's factors (c, p) per dW
    words: tuple[str, ...] = ()       # in the report
    helpers: list = field(default_factory=list)
    dnn_utils: bool = False           # the fixture's folder has the course's helper module

    @property
    def id(self):
        return self.fn.__name__


def _same(L, p=0, **special):
    return {f"{q}{l}": special.get(f"{q}{l}", p) for l in range(1, L + 1) for q in "Wb"}


C1W4 = dict(helpers=STEP_HELPERS, dnn_utils=True)
MEMBERS = [
    Member(propagate_right, "propagate", "propagate", "correct", True, 0, _same(1), _same(1, 1.0),
           words=("dw, db: exact",), helpers=[sigmoid]),
    Member(propagate_no_mean, "propagate", "propagate", "nowhere", False, 1, _same(1, 1), _same(1, 1.0),
           helpers=[sigmoid]),
    Member(propagate_dw_transposed, "propagate", "propagate", None, False, 1,
           words=("returned 'dw' with shape (1, 4); expected (4, 1), the shape of w",), helpers=[sigmoid]),
    Member(planar_right, "backward_propagation", "one_hidden_layer", "correct", True, 0, _same(2),
           _same(2, 1.0), words=("the cache comes from the file's own forward_propagation",),
           helpers=[sigmoid, forward_propagation]),
    Member(planar_sigmoid_derivative, "backward_propagation", "one_hidden_layer", "not_a_multiple",
           False, 1, _same(2, None, W2=0, b2=0), words=("first layer from the output that is off is "
                                                         "layer 1",), helpers=[sigmoid, forward_propagation]),
    Member(l_model_backward_right, "L_model_backward", "course", "at_params", True, 0, _same(4),
           _same(4, 1.0), words=("dA naming: dA[l-1] stored under 'dA' + str(l-1).",), **C1W4),
    Member(l_model_backward_old_naming, "L_model_backward", "course", "at_params", True, 0, _same(4),
           _same(4, 1.0), words=("the older notebooks' naming",), **C1W4),
    Member(l_model_backward_at_output, "L_model_backward", "course", "at_output", True, 0, _same(4),
           _same(4, 1.0), **C1W4),
    Member(l_model_backward_every_layer, "L_model_backward", "course", "every_layer", False, 1,
           {f"{q}{l}": l - 4 for l in range(1, 5) for q in "Wb"}, _same(4, 1.0), helpers=[sigmoid, _steps]),
    Member(l_model_backward_nowhere, "L_model_backward", "course", "nowhere", False, 1, _same(4, 1),
           _same(4, 1.0), helpers=[sigmoid, _steps]),
    Member(l_model_backward_weights_only, "L_model_backward", "course", "weights_only", False, 1,
           {f"{q}{l}": int(q == "b") for l in range(1, 5) for q in "Wb"}, _same(4, 1.0),
           helpers=[sigmoid, _steps]),
    Member(l_model_backward_twice, "L_model_backward", "course", "twice", False, 1, _same(4, -1),
           _same(4, 1.0), **C1W4),
    Member(l_model_backward_two_over_m, "L_model_backward", "course", "constant_factor", False, 1,
           _same(4), _same(4, 2.0), words=("It is a constant factor, not a 1/m placement.",),
           helpers=[sigmoid, _steps]),
    Member(l_model_backward_fixed_depth, "L_model_backward", "course", None, False, 1,
           words=("raised IndexError", "on a network of L = 2 layers", "caches[2]"), **C1W4),
    Member(l_model_backward_AL_for_dAL, "L_model_backward", "course", "not_a_multiple", False, 1,
           _same(4, None), words=("The output layer is off: look at dAL and dZ[L]",), **C1W4),
    Member(l_model_backward_sigmoid_hidden, "L_model_backward", "course", "not_a_multiple", False, 1,
           _same(4, None, W4=0, b4=0), words=("first layer from the output that is off is layer 3",),
           **C1W4),
    Member(l_model_backward_squeezed_db, "L_model_backward", "course", None, False, 1,
           words=("returned 'db1' with shape (4,); expected (4, 1)",),
           helpers=[*STEP_HELPERS, l_model_backward_right], dnn_utils=True),
    Member(l_model_backward_exits, "L_model_backward", "course", None, None, 2,
           words=("called exit()", "nothing to diagnose")),
    Member(regularization_right, "backward_propagation_with_regularization", "regularization",
           "at_params", True, 0, _same(3), _same(3, 1.0), l2={f"W{l}": (1.0, 0) for l in (1, 2, 3)},
           words=("L2 term (lambd/m) W[l]: exact",), helpers=[_three_layer]),
    Member(regularization_l2_without_m, "backward_propagation_with_regularization", "regularization",
           "l2_term", False, 1, _same(3), _same(3, 1.0), l2={f"W{l}": (1.0, 1) for l in (1, 2, 3)},
           words=("L2 term (lambd/m) W[l]: too large by the factor m",), helpers=[_three_layer]),
    Member(regularization_half_l2, "backward_propagation_with_regularization", "regularization",
           "l2_term", False, 1, _same(3), _same(3, 1.0), l2={f"W{l}": (0.5, 0) for l in (1, 2, 3)},
           helpers=[_three_layer]),
    Member(regularization_no_l2, "backward_propagation_with_regularization", "regularization",
           "l2_term", False, 1, _same(3), _same(3, 1.0), words=("L2 term (lambd/m) W[l]: missing",),
           helpers=[_three_layer]),
    Member(dropout_right, "backward_propagation_with_dropout", "dropout", "at_params", True, 0,
           _same(3), _same(3, 1.0), helpers=[_three_layer]),
    Member(dropout_no_keep_prob, "backward_propagation_with_dropout", "dropout", "constant_factors",
           False, 1, _same(3), {"W3": 1.0, "b3": 1.0, "W2": 0.75, "b2": 0.75, "W1": 0.5625, "b1": 0.5625},
           words=("points at the division by keep_prob",), helpers=[_three_layer]),
    Member(dropout_no_masks, "backward_propagation_with_dropout", "dropout", "not_a_multiple", False, 1,
           _same(3, None, W3=0, b3=0)),
    Member(gradient_checking_right, "backward_propagation_n", "three_layer", "at_params", True, 0,
           _same(3), _same(3, 1.0), helpers=[_three_layer]),
    Member(gradient_checking_planted, "backward_propagation_n", "three_layer", "constant_factors",
           False, 1, _same(3), _same(3, 1.0, W2=2.0, b1=4.0),
           words=("dW2: too large by the factor 2; db1: too large by the factor 4",
                  "not a 1/m placement"), helpers=[_three_layer]),
    Member(helper_module_output_placement, "backward_propagation", "three_layer", "at_output", True, 0,
           _same(3), _same(3, 1.0)),
]


# --- the fixture files ----------------------------------------------------------------------------

def source(fn, name=None) -> str:
    """The source of a zoo function, renamed to ``name`` (and its docstring kept)."""
    text = inspect.getsource(fn)
    return re.sub(rf"^def {fn.__name__}\(", f"def {name or fn.__name__}(", text, count=1, flags=re.M)


IMPORTS = ("import numpy as np\nimport matplotlib.pyplot as plt\n"
           "from lr_utils import load_dataset   # the course's data loader: not installed here\n")
DNN_IMPORT = "from dnn_utils import sigmoid_backward, relu_backward\n"


def side_effects(name: str) -> str:
    """Top-level code a learner's file has, which the tool must not run (it would fail or take long)."""
    return (f"np.random.seed(1)\nprint('testing {name}')\n"
            "train_x, train_y, test_x, test_y, classes = load_dataset()\n"
            f"grads = {name}(train_x, train_y, None, None)\nplt.plot(grads['dW1'])\nplt.show()\n"
            "for i in range(10 ** 9):\n    pass\n")


def cells(member: Member) -> list[tuple[str, str]]:
    """(cell type, source) of the fixture notebook; the .py file is the code cells joined."""
    imports = IMPORTS + (DNN_IMPORT if member.dnn_utils else "")
    return [
        ("markdown", f"# My {member.name}"),
        ("code", "!pip install oneoverm\n%matplotlib inline\n%load_ext autoreload\n%autoreload 2"),
        ("code", imports),
        *(("code", source(h)) for h in member.helpers),
        ("code", source(member.fn, member.name)),
        ("code", side_effects(member.name)),
        ("code", f"{member.name}?"),
    ]


def write_py(member: Member, folder: Path, name: str = "my_assignment.py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if member.dnn_utils:
        (folder / "dnn_utils.py").write_text(DNN_UTILS)
    code = [text for kind, text in cells(member) if kind == "code" and not text.lstrip().startswith(("!", "%"))
            and not text.rstrip().endswith("?")]
    path = folder / name
    path.write_text("\n\n".join(code))
    return path


def write_notebook(member: Member, folder: Path, name: str = "My assignment + notes.ipynb") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if member.dnn_utils:
        (folder / "dnn_utils.py").write_text(DNN_UTILS)
    return notebook(folder / name, cells(member))


def notebook(path: Path, cell_list) -> Path:
    """Write a notebook of (cell type, source) cells with nbformat."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text) if kind == "markdown" else nbformat.v4.new_code_cell(text)
                for kind, text in cell_list]
    nbformat.write(nb, path)
    return path

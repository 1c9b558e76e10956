"""Where does 1/m go? The companion package of the book.

A dense network with a sigmoid output and binary cross-entropy, one backward pass whose placement
of the factor 1/m is an argument, and numerical checks. Import as ``import oneoverm as om``.
The figure style lives in :mod:`oneoverm.plotting` (needs matplotlib); the forward pass written
against any NumPy-like array module (for autodiff) in :mod:`oneoverm.functional`; numbers
written for the prose (glued math, tables) in :mod:`oneoverm.formatting`.
Reductions of per-item losses over micro-batches, shards and masks (part "At scale") in
:mod:`oneoverm.reductions`.
"""

from .activations import (ACTIVATIONS, activation, relu, relu_derivative, sigmoid, sigmoid_derivative,
                          softmax, tanh, tanh_derivative)
from .backward import PLACEMENTS, Gradients, Placement, backward, named_placement, scaled_placements
from .gradcheck import (DirectionalCheck, cost_of_params, directional_check, gradient_check,
                        numerical_gradient, numerical_jacobian, relative_error)
from .losses import OUTPUTS, cost, cost_from_logits, loss_derivative, loss_vector, loss_vector_from_logits
from .network import Forward, Params, as_generator, depth, forward, init_params
from .training import disc_dataset, gradient_descent
from .regularization import add_l2, l2_cost, l2_penalty
from .minibatch import REDUCTIONS, minibatch_descent, minibatches
from .batchnorm import (BatchNormCache, BatchNormForward, BatchNormGradients, batch_normalize,
                        batch_normalize_backward, batchnorm_network_backward, batchnorm_network_cost,
                        batchnorm_network_forward, init_batchnorm_params)
from .formatting import markdown_table, sci, tex_sci
from . import functional
# Reductions over micro-batches, shards and masks ({ref}`gradient-accumulation`, part "At scale").
from .reductions import (COMBINES, DIVISORS, PADDINGS, PART_REDUCTIONS, accumulate, part_factors,
                         reduce_losses, reduction_factors, shard_indices)

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "OUTPUTS", "PLACEMENTS", "REDUCTIONS", "BatchNormCache", "BatchNormForward",
    "BatchNormGradients", "add_l2", "batch_normalize", "batch_normalize_backward",
    "batchnorm_network_backward", "batchnorm_network_cost", "batchnorm_network_forward", "functional",
    "init_batchnorm_params", "l2_cost", "l2_penalty", "markdown_table", "minibatch_descent", "minibatches",
    "DirectionalCheck", "Forward", "Gradients", "Params", "Placement",
    "activation", "as_generator", "backward", "cost", "cost_from_logits", "cost_of_params", "depth",
    "directional_check", "disc_dataset", "forward", "gradient_check", "gradient_descent",
    "init_params", "loss_derivative", "loss_vector", "loss_vector_from_logits", "named_placement",
    "numerical_gradient", "numerical_jacobian", "relative_error", "relu", "relu_derivative",
    "scaled_placements", "sci", "sigmoid", "sigmoid_derivative", "softmax", "tanh", "tanh_derivative", "tex_sci",
]
# Reductions over micro-batches, shards and masks (part "At scale").
__all__ += ["COMBINES", "DIVISORS", "PADDINGS", "PART_REDUCTIONS", "accumulate", "part_factors",
            "reduce_losses", "reduction_factors", "shard_indices"]

"""Where does 1/m go? The companion package of the book. Import as ``import oneoverm as om``.

A dense network with a sigmoid (or softmax) output and cross-entropy, one backward pass whose
placement of the factor 1/m is an argument, numerical checks, and a diagnosis of anyone's backward
pass (:func:`oneoverm.diagnose`; on a learner's file or notebook, the command ``oneoverm-diagnose``
of :mod:`oneoverm.diagnose_command`). Also: the figure style (:mod:`oneoverm.plotting`, needs
matplotlib); the forward pass written against any NumPy-like array module, for autodiff
(:mod:`oneoverm.functional`); numbers written for the prose (:mod:`oneoverm.formatting`);
reductions of per-item losses over micro-batches, shards and masks (:mod:`oneoverm.reductions`), and
how far off a result is, relative to the right one's length (:func:`oneoverm.error_relative_to`).
"""

from .activations import (ACTIVATIONS, activation, relu, relu_derivative, sigmoid, sigmoid_derivative,
                          softmax, tanh, tanh_derivative)
from .backward import (PLACEMENTS, Gradients, Placement, backward, named_placement, per_example_gradients,
                       scaled_placements)
from .gradcheck import (DirectionalCheck, cost_of_params, directional_check, gradient_check,
                        error_relative_to, numerical_gradient, numerical_gradient_of, numerical_jacobian,
                        relative_error, vec)
from .losses import OUTPUTS, cost, cost_from_logits, loss_derivative, loss_vector, loss_vector_from_logits
from .network import Forward, Params, as_generator, depth, flatten, forward, init_params
from .training import disc_dataset, gradient_descent
from .regularization import add_l2, l2_cost, l2_penalty
from .minibatch import REDUCTIONS, minibatch_descent, minibatches
from .batchnorm import (BatchNormCache, BatchNormForward, BatchNormGradients, batch_normalize,
                        batch_normalize_backward, batchnorm_network_backward, batchnorm_network_cost,
                        batchnorm_network_forward, init_batchnorm_params)
from .formatting import markdown_table, sci, tex_sci
from .diagnosis import VERDICTS, Diagnosis, Factor, diagnose, power_of_m, scale_and_residual
from .site import SITE_URL, section_url
from . import functional
from .reductions import (COMBINES, DIVISORS, PADDINGS, PART_REDUCTIONS, accumulate, part_factors,
                         reduce_losses, reduction_factors, shard_indices)

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "COMBINES", "DIVISORS", "OUTPUTS", "PADDINGS", "PART_REDUCTIONS", "PLACEMENTS",
    "REDUCTIONS", "SITE_URL", "VERDICTS", "accumulate", "activation", "add_l2", "as_generator",
    "backward", "batch_normalize", "batch_normalize_backward", "batchnorm_network_backward",
    "batchnorm_network_cost", "batchnorm_network_forward", "BatchNormCache", "BatchNormForward",
    "BatchNormGradients", "cost", "cost_from_logits", "cost_of_params", "depth", "diagnose",
    "Diagnosis", "directional_check", "DirectionalCheck", "disc_dataset", "error_relative_to",
    "Factor", "flatten", "Forward", "forward", "functional", "gradient_check", "gradient_descent", "Gradients",
    "init_batchnorm_params", "init_params", "l2_cost", "l2_penalty", "loss_derivative",
    "loss_vector", "loss_vector_from_logits", "markdown_table", "minibatch_descent", "minibatches",
    "named_placement", "numerical_gradient", "numerical_gradient_of", "numerical_jacobian",
    "Params", "part_factors", "per_example_gradients", "Placement", "power_of_m", "reduce_losses", "reduction_factors", "relative_error", "relu",
    "relu_derivative", "scale_and_residual", "scaled_placements", "sci", "section_url",
    "shard_indices", "sigmoid", "sigmoid_derivative", "softmax", "tanh", "tanh_derivative",
    "tex_sci", "vec",
]

"""The forward pass and the cross-entropy as plain functions of an array module. Introduced in {ref}`autodiff`.

Every function here takes ``xp``, the module whose functions it calls: ``numpy`` by default, which
is how :func:`oneoverm.forward` and :func:`oneoverm.loss_vector_from_logits` run them, or
``autograd.numpy``, under which the autograd library records each operation of this very code and
can differentiate it. So the network that the book differentiates with a library is the package's
own network, not a copy. This module never imports autograd.

Nothing here checks its inputs: the public functions of :mod:`oneoverm.network` and
:mod:`oneoverm.losses` do that and then call these.
"""

from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS, sigmoid, softmax


def affine(params, l: int, A_prev):
    """Z[l] = W[l] A[l-1] + b[l] (b broadcast over the columns)."""
    return params[f"W{l}"] @ A_prev + params[f"b{l}"]


def forward_from(Zl, l: int, params, hidden: str = "relu",
                 output: str = "sigmoid", xp=np):
    """The rest of the network from Z[l] on: dicts Z, A for layers l..L.

    A[k] = g(Z[k]) for k < L, A[L] = sigmoid or softmax of Z[L], and
    Z[k+1] = W[k+1] A[k] + b[k+1]. A function of ``Zl`` built on this
    can be differentiated with respect to Z[l].
    """
    L = len(params) // 2
    g = ACTIVATIONS[hidden][0]
    last = softmax if output == "softmax" else sigmoid
    Z, A = {l: Zl}, {}
    for k in range(l, L + 1):
        if k > l:
            Z[k] = affine(params, k, A[k - 1])
        A[k] = last(Z[k], xp=xp) if k == L else g(Z[k], xp=xp)
    return Z, A


def forward_pass(X, params, hidden: str = "relu", output: str = "sigmoid", xp=np):
    """The whole forward pass: dicts Z (layers 1..L) and A (layers 0..L, with A[0] = X)."""
    Z, A = forward_from(affine(params, 1, X), 1, params, hidden, output, xp)
    return Z, {0: X, **A}


def losses_from_logits(ZL, Y, output: str = "sigmoid", xp=np):
    """The loss vector (l_1, ..., l_m), shape (1, m), from the logits Z[L]; no overflow for any z.

    Sigmoid: l = sum over rows of max(z, 0) - y z + log(1 + exp(-|z|));
    softmax: l = logsumexp(z) - sum_k y_k z_k, shifted by the column maximum.
    """
    if output == "softmax":
        top = xp.max(ZL, axis=0, keepdims=True)
        lse = top + xp.log(xp.sum(xp.exp(ZL - top), axis=0, keepdims=True))
        return lse - xp.sum(Y * ZL, axis=0, keepdims=True)
    return xp.sum(xp.maximum(ZL, 0.0) - Y * ZL + xp.log1p(xp.exp(-xp.abs(ZL))), axis=0, keepdims=True)


def cost_from_logits(ZL, Y, output: str = "sigmoid", xp=np):
    """The cost J = (1/m) sum_i l_i, the mean of :func:`losses_from_logits` (an array of size 1)."""
    return xp.mean(losses_from_logits(ZL, Y, output, xp))


def losses_from(Zl, l: int, params, Y, hidden: str = "relu", output: str = "sigmoid", xp=np):
    """The loss vector (l_1, ..., l_m) as a function of Z[l]: layers l..L, then the losses."""
    Z, _ = forward_from(Zl, l, params, hidden, output, xp)
    return losses_from_logits(Z[max(Z)], Y, output, xp)


def cost_from(Zl, l: int, params, Y, hidden: str = "relu", output: str = "sigmoid", xp=np):
    """The cost J as a function of Z[l]: the mean of :func:`losses_from`."""
    return xp.mean(losses_from(Zl, l, params, Y, hidden, output, xp))

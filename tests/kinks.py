"""Finite differences and ReLU's kink: shared by the package's property tests.

A central difference with eps = 1e-6 moves a pre-activation by about 1e-6 times the size of
what multiplies the nudged parameter. Across ReLU's kink at 0 the quotient mixes both slopes
and is no derivative at all (hypothesis found such networks: relative errors of 3e-4). The
tests that compare with finite differences therefore draw again (hypothesis.assume) when a
ReLU input lies within `margin` of 0; smooth activations have no kink.
"""
import numpy as np


def clear_of_kinks(hidden, preactivations, margin=1e-4):
    """True unless `hidden` is ReLU and some entry of the arrays fed to it is within margin of 0."""
    return hidden != "relu" or all(np.abs(z).min() > margin for z in preactivations)

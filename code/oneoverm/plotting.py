"""One figure style for the whole book (needs matplotlib). Used by every chapter's figures."""

from __future__ import annotations

import re

import matplotlib as mpl
import numpy as np

# One colour per placement of 1/m, the same on every page (colour-blind-safe, Okabe-Ito).
PLACEMENT_COLORS = {
    "at_params": "#0072B2",
    "at_output": "#009E73",
    "every_layer": "#D55E00",
    "nowhere": "#CC79A7",
    "twice": "#E69F00",
    "weights_only": "#56B4E9",
}


def use_book_style() -> None:
    """Set matplotlib defaults for the book's figures: readable fonts, light grid, no top/right spines."""
    mpl.rcParams.update({
        "figure.figsize": (6.4, 3.6),
        "figure.dpi": 110,
        "savefig.dpi": 110,
        "font.size": 11,
        "axes.titlesize": 12,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
        "image.cmap": "viridis",
    })


def shade(color: str, amount: float) -> tuple[float, float, float]:
    """A hex colour ("#0072B2") mixed with black (amount > 0) or white (amount < 0), as RGB.

    Used to draw several runs of one placement in related shades.
    """
    if not (isinstance(color, str) and re.fullmatch(r"#[0-9A-Fa-f]{6}", color)):
        raise ValueError(f"color: expected a hex colour like '#0072B2', got {color!r}")
    if not -1 <= amount <= 1:
        raise ValueError(f"amount: expected a number in [-1, 1], got {amount!r}")
    rgb = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    target = 0.0 if amount > 0 else 1.0
    return tuple(float(v) for v in rgb + abs(amount) * (target - rgb))

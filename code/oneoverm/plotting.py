"""One figure style for the whole book (needs matplotlib). Used by every chapter's figures."""

from __future__ import annotations

import matplotlib as mpl

# One colour per placement of 1/m, the same on every page (colour-blind-safe, Okabe-Ito).
PLACEMENT_COLORS = {
    "at_params": "#0072B2",
    "at_output": "#009E73",
    "every_layer": "#D55E00",
    "nowhere": "#CC79A7",
    "twice": "#E69F00",
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

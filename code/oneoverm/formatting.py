"""Numbers written for the book's prose: glued math and Markdown tables. Used on every page.

A number in the text is computed, then glued (``glue(key, sci(x), display=False)`` and
``{glue:md}`key:myst``` in the prose). These helpers write it the same way on every page:
``tex_sci(3.2e-10, 1)`` is ``3.2 \\times 10^{-10}`` and ``tex_sci(1e-9)`` is ``10^{-9}``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _digits(digits) -> int:
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or not 0 <= digits <= 15:
        raise ValueError(f"digits: expected an int from 0 to 15, got {digits!r}")
    return int(digits)


def tex_sci(x: float, digits: int = 1) -> str:
    """``x`` in scientific notation as TeX (no dollars), e.g. ``3.2 \\times 10^{-10}``.

    A mantissa of exactly 1 is left out (``10^{-9}``); 0 is written ``0``.
    """
    digits = _digits(digits)
    try:
        x = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"x: expected a real number, got {x!r}") from None
    if not np.isfinite(x):
        raise ValueError(f"x: expected a finite number, got {x}")
    if x == 0:
        return "0"
    mantissa, exponent = f"{x:.{digits}e}".split("e")
    if float(mantissa) in (1.0, -1.0):
        sign = "-" if mantissa.startswith("-") else ""
        return f"{sign}10^{{{int(exponent)}}}"
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


def sci(x: float, digits: int = 1):
    """``x`` as inline math, ready to glue and show with ``{glue:md}`key:myst```."""
    from IPython.display import Markdown

    return Markdown(f"${tex_sci(x, digits)}$")


def markdown_table(header: Sequence, rows: Sequence[Sequence]):
    """A pipe table from a header and rows of cells (each row as long as the header), to glue."""
    from IPython.display import Markdown

    header = [str(c) for c in header]
    if not header:
        raise ValueError("header: expected at least one column, got none")
    for k, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"rows[{k}]: expected {len(header)} cells (the header's), got {len(row)}")

    def line(cells):
        return "| " + " | ".join(str(c) for c in cells) + " |"

    lines = [line(header), "|" + " --- |" * len(header)] + [line(row) for row in rows]
    return Markdown("\n".join(lines))

"""oneoverm.formatting and plotting.shade: how numbers and shades are written on every page."""
import pytest

import oneoverm as om
from oneoverm.plotting import shade


@pytest.mark.parametrize("x, digits, tex", [
    (3.24e-10, 1, r"3.2 \times 10^{-10}"),
    (1e-9, 0, "10^{-9}"),
    (1.04e-9, 1, "10^{-9}"),          # rounds to a mantissa of 1
    (-1e-3, 0, "-10^{-3}"),
    (2.5e3, 0, r"2 \times 10^{3}"),   # round half to even, as Python's format does
    (0.0, 1, "0"),
])
def test_tex_sci(x, digits, tex):
    assert om.tex_sci(x, digits) == tex


def test_sci_is_inline_math_and_table_is_a_pipe_table():
    assert om.sci(4.56e-17, 1).data == r"$4.6 \times 10^{-17}$"
    table = om.markdown_table(["a", "b"], [[1, 2], ["x", "y"]]).data
    assert table.splitlines() == ["| a | b |", "| --- | --- |", "| 1 | 2 |", "| x | y |"]


@pytest.mark.parametrize("call, message", [
    (lambda: om.tex_sci(float("nan")), r"x: expected a finite number, got nan"),
    (lambda: om.tex_sci("big"), r"x: expected a real number, got 'big'"),
    (lambda: om.tex_sci(1.0, 1.5), r"digits: expected an int from 0 to 15, got 1.5"),
    (lambda: om.markdown_table(["a", "b"], [[1]]), r"rows\[0\]: expected 2 cells \(the header's\), got 1"),
    (lambda: om.markdown_table([], []), r"header: expected at least one column"),
    (lambda: shade("blue", 0.2), r"color: expected a hex colour like '#0072B2', got 'blue'"),
    (lambda: shade("#0072B2", 2), r"amount: expected a number in \[-1, 1\], got 2"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_shade_moves_towards_black_or_white():
    assert shade("#808080", 0.0) == pytest.approx((128 / 255,) * 3)
    assert shade("#808080", 1.0) == (0.0, 0.0, 0.0)
    assert shade("#808080", -1.0) == (1.0, 1.0, 1.0)

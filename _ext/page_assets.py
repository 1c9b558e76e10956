"""Each page loads only the scripts and styles it uses (a local Sphinx extension, see _config.yml).

Jupyter Book's extensions and the theme add their files to every page. On a phone the reader
pays for each (bytes, and CPU to parse them): `make bench` measures it (CONTRIBUTING.md, "Speed"). This
drops, per page:

- the theme's Font Awesome script (1.5 MB, every icon of Font Awesome as JavaScript that
  swaps each <i class="fa-..."> for an SVG): the theme's CSS already draws the same icons
  from Font Awesome's web font, which the theme ships too (and which every page now asks for
  early, with <link rel="preload">: the top bar shows icons on every page);
- the search scripts and the search index, which the theme loads on every page for "search as
  you type" (off: `search_as_you_type` is False); the search page loads its own;
- sphinx-thebe (live code in the page): the book does not turn it on (Binder instead);
- sphinx-design, togglebutton, sphinx-proof, copy-button and KaTeX's files on pages that
  have no card, dropdown, proof, code block or math; the "Copy as reply" script and style on
  pages without such a button;

and it marks the page's images `loading="lazy"`: a figure further down is fetched when the
reader scrolls near it (every browser the theme supports does; printing fetches them all).
Each image also gets its size (`width`/`height`, read from the file): the browser keeps its
place before it arrives, so a figure loading above a section a link landed on does not push
the section down (_static/book.css keeps the proportions when the column is narrower).

The theme writes its own scripts into its template, the extensions register theirs with
Sphinx: the first are cut from the written page, the second left out of the page's context.
tests/test_site_in_browser.py checks that every page still works (icons, dropdowns, copy
buttons, search) and loads nothing it lacks.
"""
import re
from pathlib import Path

from PIL import Image  # (Pillow: matplotlib's dependency)

# Registered by extensions: (file name pattern, what in the page's body needs it; None: nothing).
NEEDED_BY = [
    (r"sphinx-thebe\.(js|css)$", None),
    (r"design-tabs\.js$|sphinx-design\.min\.css$", r'class="[^"]*\bsd-'),
    (r"togglebutton\.(js|css)$", r'class="[^"]*\b(toggle|dropdown)\b'),
    (r"proof\.css$", r'class="[^"]*\bproof\b'),
    (r"clipboard\.min\.js$|copybutton\.(js|css)$", r"<pre\b"),
    (r"katex(-math\.css|/katex\.min\.css|/copy-tex\.min\.js)$", r'class="katex\b'),
    (r"reply\.(js|css)$", r'class="reply-copy\b'),  # "Copy as reply" (_ext/copy_as_reply.py)
]
# Inline scripts that only configure one of the above: (text in the script, file it configures).
INLINE_FOR = [(r"\bTHEBE_JS_URL\b", "sphinx-thebe.js"),
              (r"\btoggle(HintShow|HintHide|OpenOnPrint|buttonSelector)\b", "togglebutton.js")]
# Written by the theme's template: Font Awesome's script on every page, the search scripts on
# every page but the search page (which needs them).
FONT_AWESOME_SCRIPT = re.compile(r'\s*<script[^>]*src="[^"]*/scripts/fontawesome\.js[^"]*"[^>]*></script>')
SEARCH_SCRIPTS = re.compile(
    r'\s*<script[^>]*src="[^"]*/(searchtools\.js|language_data\.js|searchindex\.js)[^"]*"[^>]*></script>')

IMAGE = re.compile(r"<img\b[^>]*>")
OWN_IMAGE = re.compile(r'\bsrc="(?:[^"]*/)?_images/([^"/]+)"')  # copied by Sphinx into _images/


# The theme's icon fonts (Font Awesome: solid icons, and brands for GitHub's), on every page.
ICON_FONTS = ["_static/vendor/fontawesome/webfonts/fa-solid-900.woff2",
              "_static/vendor/fontawesome/webfonts/fa-brands-400.woff2"]


def _name(asset):
    return (asset.filename or "").split("?")[0]


def _drop_unused(app, pagename, templatename, context, doctree):
    """html-page-context: leave out of the page the registered files nothing in it uses."""
    body = context.get("body", "")
    unused = {pattern for pattern, needs in NEEDED_BY if needs is None or not re.search(needs, body)}

    def used(asset):
        name = _name(asset)
        if not name:  # inline: keep unless it configures a file that is left out
            text = asset.attributes.get("body", "")
            return not any(re.search(marker, text) and any(re.search(p, file) for p in unused)
                           for marker, file in INLINE_FOR)
        return not any(re.search(pattern, name) for pattern in unused)

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if used(asset)]
    if body:  # figures below the first screen load when the reader scrolls near them
        body = re.sub(r"<img(?![^>]*\bloading=)", '<img loading="lazy"', body)
        sources = {dest: Path(app.srcdir) / src for src, dest in app.builder.images.items()}
        context["body"] = IMAGE.sub(lambda img: _sized(img.group(0), sources), body)


def _sized(tag, sources):
    """An <img> tag with the width and height of its file, if it is one of the book's own
    images (`sources`: name in _images/ -> source file) and has no size yet."""
    own = OWN_IMAGE.search(tag)
    if not own or own.group(1) not in sources or re.search(r"\b(width|height)=", tag):
        return tag
    with Image.open(sources[own.group(1)]) as image:  # reads only the file's header
        width, height = image.size
    return tag.replace("<img", f'<img width="{width}" height="{height}"', 1)


def _preload_icon_fonts(app, pagename, templatename, context, doctree):
    """html-page-context: the icons of the top bar are on every page; fetch their fonts while
    the page is read, not once the bar is laid out."""
    if "metatags" not in context:  # a page without a <head> of the theme's
        return
    for font in ICON_FONTS:
        href = context["pathto"](font, 1)
        context["metatags"] += (f'<link rel="preload" href="{href}" as="font" '
                                'type="font/woff2" crossorigin="anonymous" />\n')


def _cut_theme_scripts(app):
    """builder-inited: the theme's own <script>s above are cut from every page it writes."""
    templates = getattr(app.builder, "templates", None)
    if app.builder.format != "html" or templates is None:
        return
    render = templates.render

    def render_without(template, context):
        page = FONT_AWESOME_SCRIPT.sub("", render(template, context))
        return page if context.get("pagename") == "search" else SEARCH_SCRIPTS.sub("", page)

    templates.render = render_without


def setup(app):
    app.connect("html-page-context", _drop_unused, priority=800)
    app.connect("html-page-context", _preload_icon_fonts)
    app.connect("builder-inited", _cut_theme_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

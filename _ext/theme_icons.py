"""The theme's icons from Font Awesome fonts cut down to the icons the site shows (a local extension).

The theme (pydata-sphinx-theme) draws its icons (the menu, search, download and launch
buttons, the symbol of a note box...) with Font Awesome: on every page a 1.5 MB script that
replaces each <i class="fa-..."> by an SVG (which _ext/page_assets.py leaves out: the theme's
CSS draws the same icons from Font Awesome's web fonts), those fonts (270 kB for the two
that every page needs) and, in the theme's CSS, one rule per icon of Font Awesome (1,900
rules, 86 kB of the 400 kB of CSS that every page loads). After the build, in the site's
copy of the theme's files, this

- finds the icons the site uses: those named by a class in the built pages (fa-bars) and
  those the theme's CSS itself draws (a note box's symbol, a link's arrow);
- cuts the web fonts down to those icons (fontTools; a few kB each) and the CSS down to the
  rules of those icons;
- leaves the unused script and the fonts' .ttf copies (never asked for) out of the site.

tests/test_site_in_browser.py checks that every icon is drawn and that no page asks for a
missing file.
"""
import logging
import re
from pathlib import Path

FONTS = ["fa-solid-900", "fa-regular-400", "fa-brands-400"]  # in _static/vendor/fontawesome/webfonts/
ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:before,?)+)\{content:"\\([0-9a-f]+)"\}')
ICON_CLASS = re.compile(r'\bclass="([^"]*\bfa-[^"]*)"')  # on any element: <i>, <span>...
# Font Awesome's glyphs are private-use characters, written "\f0c9" or as the character itself.
CODEPOINT = re.compile(r'\\([ef][0-9a-f]{3})\b|([\ue000-\uf8ff])')


def used_classes(outdir):
    """Every fa-* class in the built pages (fa-bars, fa-solid, fa-lg...), on any element: the
    theme draws most icons with <i>, but the menu button's (fa-bars) with a <span>."""
    found = set()
    for page in Path(outdir).rglob("*.html"):
        for classes in ICON_CLASS.findall(page.read_text(encoding="utf-8")):
            found |= {c for c in classes.split() if c.startswith("fa-")}
    return found


def trim(css, classes):
    """The theme's CSS without the rules of icons no page shows, and the glyphs still drawn."""
    def keep(rule):
        names = {n[1:-7] for n in rule.group(1).split(",")}  # ".fa-bars:before" -> "fa-bars"
        return rule.group(0) if names & classes else ""

    trimmed = ICON_RULE.sub(keep, css)
    return trimmed, codepoints(trimmed)


def codepoints(css):
    """The Font Awesome glyphs a style sheet draws."""
    return {int(escaped, 16) if escaped else ord(char) for escaped, char in CODEPOINT.findall(css)}


def subset(font, glyphs):
    """Cut a woff2 font down to the `glyphs` (code points) it has (fontTools, in place)."""
    from fontTools import subset as fontsubset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # not a line per table in the log

    face = TTFont(font)
    options = fontsubset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    subsetter = fontsubset.Subsetter(options)
    subsetter.populate(unicodes=glyphs & set(face.getBestCmap()))
    subsetter.subset(face)
    face.flavor = "woff2"
    face.save(font)


def cut_down(app, exception):
    """build-finished: cut the theme's CSS and Font Awesome fonts down to the icons used."""
    if exception or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    css = static / "styles" / "pydata-sphinx-theme.css"
    fonts = static / "vendor" / "fontawesome" / "webfonts"
    if not (static / "scripts" / "fontawesome.js").exists():
        return  # no page written and no theme file copied in this build: already done
    trimmed, glyphs = trim(css.read_text(encoding="utf-8"), used_classes(app.outdir))
    for other in static.glob("styles/*.css"):  # sphinx-book-theme's CSS draws a few, too
        if other != css:
            glyphs |= codepoints(other.read_text(encoding="utf-8"))
    css.write_text(trimmed, encoding="utf-8")
    for name in FONTS:
        subset(fonts / f"{name}.woff2", glyphs)
        (fonts / f"{name}.ttf").unlink(missing_ok=True)
    for unused in static.glob("scripts/fontawesome.js*"):
        unused.unlink()


def setup(app):
    app.connect("build-finished", cut_down, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""The theme's style sheets cut down to the rules the site can use (a local Sphinx extension).

Every page loads pydata-sphinx-theme's CSS (Bootstrap's included: 312 kB after _ext/theme_icons.py)
and myst-nb's (43 kB), most of it rules for classes no page and no script of this site ever
uses (Bootstrap's grid, carousels, widgets' styles...). On the longest page they were a fifth
of what a phone downloads. After the build, in the site's copies of those files, this drops
every selector that names, outside any :not(), :is() or [attribute], a class that appears in
none of the site's HTML pages and scripts (the class names scripts add are written in them,
except Bootstrap's `bs-<component>-auto`, which is kept); rules left with no selector go. What
can match a page stays, so the pages look the same; tests/test_site_in_browser.py checks them
(contrast, overflow, icons, the theme's switches). Parsed with tinycss2; comments kept only
for licences (`/*! ... */`); a sheet's source map, which no longer matches it, is left out.

Introduced for issue 13 (see CONTRIBUTING.md, "Speed").
"""
import re
from pathlib import Path

import tinycss2

SHEETS = ["styles/pydata-sphinx-theme.css", "mystnb.*.css"]  # under _static/
MARK = "\n/* cut down to the rules this site uses: _ext/theme_css.py */\n"  # at the end: @charset must come first
KEPT_PREFIXES = ("bs-",)  # classes Bootstrap composes at run time (`bs-${NAME}-auto`)
NAME = re.compile(r"[A-Za-z_][\w-]*")
CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
NESTED = re.compile(r"\[[^\]]*\]|\"[^\"]*\"|'[^']*'")  # attributes and strings: no classes
DEPTH = {"(": 1, ")": -1}  # how a character changes the depth inside :is(...), :not(...)


def site_names(outdir):
    """Every name-like word in the built pages and scripts: the classes they can use."""
    names = set()
    for path in Path(outdir).rglob("*"):
        if path.suffix in (".html", ".js") and path.is_file():
            names.update(NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
    return names


def top_level(selector_list):
    """Split a selector list at its own commas (not those inside :is(...) or :not(...))."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(selector_list):
        depth += DEPTH.get(char, 0)
        if char == "," and depth == 0:
            parts.append(selector_list[start:i])
            start = i + 1
    return parts + [selector_list[start:]]


def required_classes(selector):
    """The classes an element must have for `selector` to match it (those outside parentheses)."""
    plain, depth = [], 0
    for char in NESTED.sub("", selector):
        depth += DEPTH.get(char, 0)
        if depth == 0 and char not in DEPTH:
            plain.append(char)
    return CLASS.findall("".join(plain))


def can_match(selector, names):
    return all(c in names or c.startswith(KEPT_PREFIXES) for c in required_classes(selector))


def cut(rules, names):
    """The CSS text of `rules` (tinycss2 nodes) without the selectors that can match nothing."""
    out = []
    for rule in rules:
        if rule.type == "qualified-rule":
            kept = [s.strip() for s in top_level(tinycss2.serialize(rule.prelude))
                    if can_match(s, names)]
            if kept:
                out.append(",".join(kept) + "{" + tinycss2.serialize(rule.content) + "}")
        elif rule.type == "at-rule" and rule.content is not None and rule.lower_at_keyword in (
                "media", "supports", "layer", "container"):
            inner = cut(tinycss2.parse_rule_list(rule.content, skip_whitespace=True), names)
            if inner:
                out.append(f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}{{{inner}}}")
        elif rule.type == "comment":
            if rule.value.startswith("!"):
                out.append(f"/*{rule.value}*/\n")
        elif rule.type != "whitespace":
            out.append(tinycss2.serialize([rule]))
    return "".join(out)


def cut_down(app, exception):
    """build-finished (after _ext/theme_icons.py): cut the SHEETS in the site's _static/."""
    if exception or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    sheets = [p for pattern in SHEETS for p in static.glob(pattern)]
    names = None
    for sheet in sheets:
        css = sheet.read_text(encoding="utf-8")
        if css.endswith(MARK):
            continue  # not copied again in this build: already cut
        names = site_names(app.outdir) if names is None else names
        sheet.write_text(cut(tinycss2.parse_stylesheet(css, skip_whitespace=True), names) + MARK,
                         encoding="utf-8")
        # Its source map (1.3 MB for the theme's) maps the file it was, and is no longer named in it.
        sheet.with_name(sheet.name + ".map").unlink(missing_ok=True)


def setup(app):
    app.connect("build-finished", cut_down, priority=950)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

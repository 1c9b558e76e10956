"""_ext/theme_css.py drops exactly the CSS selectors that can match nothing on the site.

The site itself is checked in the browser (tests/test_site_in_browser.py); this checks the rule
on small style sheets, where the answer is known.
"""
import sys
from pathlib import Path

import pytest
import tinycss2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "_ext"))
import theme_css  # noqa: E402

NAMES = {"used", "also-used", "div"}


def cut(css):
    return theme_css.cut(tinycss2.parse_stylesheet(css, skip_whitespace=True), NAMES)


@pytest.mark.parametrize("css, expected", [
    (".used{color:red}", ".used{color:red}"),
    (".unused{color:red}", ""),
    (".used,.unused{color:red}", ".used{color:red}"),             # one selector of two goes
    (".used .unused>p{color:red}", ""),                            # every class is required
    ("div.used:hover::after{color:red}", "div.used:hover::after{color:red}"),
    (".used:not(.unused){color:red}", ".used:not(.unused){color:red}"),  # matches without it
    (":is(.unused,.used) p{color:red}", ":is(.unused,.used) p{color:red}"),  # one may match
    ('a[href$=".pdf"]{color:red}', 'a[href$=".pdf"]{color:red}'),  # not a class
    ("[data-theme=dark] .also-used{color:red}", "[data-theme=dark] .also-used{color:red}"),
    (".bs-tooltip-auto .used{color:red}", ".bs-tooltip-auto .used{color:red}"),  # composed by Bootstrap
    ("@media (min-width:960px){.unused{color:red}.used{color:blue}}",
     "@media (min-width:960px){.used{color:blue}}"),
    ("@media print{.unused{color:red}}", ""),                      # an emptied block goes
    ("@keyframes spin{from{opacity:0}}", "@keyframes spin{from{opacity:0}}"),
    (":root{--x:1px}", ":root{--x:1px}"),
    ("/*! licence */.used{color:red}/* note */", "/*! licence */\n.used{color:red}"),
])
def test_keeps_what_can_match_and_drops_what_cannot(css, expected):
    assert cut(css) == expected


def test_names_come_from_the_pages_and_the_scripts(tmp_path):
    (tmp_path / "page.html").write_text('<div class="from-html other">', encoding="utf-8")
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "app.js").write_text('el.classList.add("from-js")', encoding="utf-8")
    (tmp_path / "_static" / "style.css").write_text(".only-in-css{}", encoding="utf-8")
    names = theme_css.site_names(tmp_path)
    assert {"from-html", "other", "from-js"} <= names
    assert "only-in-css" not in names


def test_the_site_gets_its_sheets_cut_once_and_loses_their_stale_source_maps(tmp_path):
    from types import SimpleNamespace

    styles = tmp_path / "_static" / "styles"
    styles.mkdir(parents=True)
    (tmp_path / "page.html").write_text('<p class="used">', encoding="utf-8")
    sheet = styles / "pydata-sphinx-theme.css"
    sheet.write_text(".used{color:red}.unused{color:blue}\n/*# sourceMappingURL=x.map */",
                     encoding="utf-8")
    (styles / "pydata-sphinx-theme.css.map").write_text("{}", encoding="utf-8")
    untouched = styles / "other.css"
    untouched.write_text(".unused{color:blue}", encoding="utf-8")
    app = SimpleNamespace(outdir=str(tmp_path), builder=SimpleNamespace(format="html"))

    theme_css.cut_down(app, None)
    assert sheet.read_text(encoding="utf-8") == ".used{color:red}" + theme_css.MARK
    assert not (styles / "pydata-sphinx-theme.css.map").exists()
    assert untouched.read_text(encoding="utf-8") == ".unused{color:blue}"

    (tmp_path / "page.html").write_text('<p class="unused">', encoding="utf-8")
    theme_css.cut_down(app, None)  # a build that copied no theme file: nothing to cut again
    assert sheet.read_text(encoding="utf-8") == ".used{color:red}" + theme_css.MARK

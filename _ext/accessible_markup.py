"""The theme's and the extensions' markup made to meet WCAG 2.1 AA (a local Sphinx extension).

axe-core, run on every page by tests/test_site_in_browser.py, found these in markup the book
does not write itself; each is fixed here, in the pages Sphinx writes, without touching the
installed packages:

- Tables that scroll sideways (on a phone, most of them): the theme wraps each table in a
  scrolling <div>, which a keyboard cannot reach (axe: scrollable-region-focusable). The
  wrapper becomes a labelled region in the Tab order (`tabindex="0"`, `role="region"`, the
  table's caption or its header row as the name), so arrow keys scroll it. The theme's script
  takes it out of the Tab order again wherever the table fits the screen.
- Folded code cells (myst-nb): the <summary> shows "Show code cell source" but was named
  "Toggle hidden content" (axe: label-content-name-mismatch); it is now named by what it shows.
- The sidebar's search button shows "Search Ctrl+K" but was named "Search" (same rule): named
  by what it shows.
- The bibliography (docutils, via sphinxcontrib-bibtex): each entry had the deprecated role
  doc-biblioentry inside a role="list" (axe: aria-deprecated-role, aria-required-children);
  each entry is now a listitem of that list.
"""
import re

from docutils import nodes

from plain_ref_titles import plain

TABLE_WRAPPER = '<div class="pst-scrollable-table-container">'  # the theme's (translator.py)
FOLDED_CELL = re.compile(r'<summary aria-label="Toggle hidden content">')
SEARCH_FIELD = re.compile(r'(<button class="btn search-button-field[^>]*?) aria-label="Search"')
BIBLIOENTRY = ' role="doc-biblioentry"'
LABEL_LENGTH = 100  # characters of a table's name, at most

_table_names = {}  # docname -> the names of its tables, in document order


def _text(node):
    """A node's text as a reader sees it, its math in the course's notation (dZ[l], not TeX)."""
    return "".join(plain(part.astext()) if isinstance(part, nodes.math) else part.astext()
                    for part in node.findall(lambda n: isinstance(n, (nodes.math, nodes.Text))
                                             and not isinstance(n.parent, nodes.math)))


def table_name(table):
    """A table's accessible name: its caption, or else its header row."""
    title = next(iter(table.findall(nodes.title)), None)
    if title is not None:
        name = _text(title)
    else:
        header = next(iter(table.findall(nodes.thead)), None)
        cells = header.findall(nodes.entry) if header is not None else []
        name = "Table: " + ", ".join(_text(cell) for cell in cells)
    name = re.sub(r"\s+", " ", name).strip()
    return name if len(name) <= LABEL_LENGTH else name[:LABEL_LENGTH - 1].rstrip() + "…"


def _collect_table_names(app, doctree, docname):
    """doctree-resolved: the names of the page's tables, in the order they are written."""
    _table_names[docname] = [table_name(t) for t in doctree.findall(nodes.table)]


def _fix_body(app, pagename, templatename, context, doctree):
    """html-page-context: the fixes inside the page's text (tables, folded cells, bibliography)."""
    body = context.get("body")
    if not body:
        return
    names = iter(_table_names.pop(pagename, []))

    def region(match):
        name = next(names, "Table")
        quoted = name.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        return (f'<div class="pst-scrollable-table-container" tabindex="0" role="region" '
                f'aria-label="{quoted}">')

    body = re.sub(re.escape(TABLE_WRAPPER), region, body)
    body = FOLDED_CELL.sub("<summary>", body)
    context["body"] = body.replace(BIBLIOENTRY, ' role="listitem"')


def _fix_theme_template(app):
    """builder-inited: the fix in the theme's own template (the search button)."""
    templates = getattr(app.builder, "templates", None)
    if app.builder.format != "html" or templates is None:
        return
    render = templates.render
    templates.render = lambda template, context: SEARCH_FIELD.sub(r"\1", render(template, context))


def setup(app):
    app.connect("doctree-resolved", _collect_table_names)
    app.connect("html-page-context", _fix_body)
    app.connect("builder-inited", _fix_theme_template)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

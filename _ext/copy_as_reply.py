"""Copy as reply: an answer of the book as Markdown for a forum reply (a local Sphinx extension).

Mentors answer in a Discourse forum, which takes Markdown with $...$ math. Each section whose
label matches `reply_sections` in _config.yml (every FAQ entry, `faq-*`, and the answer-like
sections mentors link) gets a "Copy as reply" button under its heading, which puts the answer
on the clipboard (_static/reply.js). The Markdown is made when the book is built, from the
section's resolved doctree, so it is the page's own text and cannot drift from it:

- the heading in bold, then the text: paragraphs, lists, tables, cards, admonitions;
  math as $TeX$ and $$TeX$$; cross-references, citations and links as Markdown links to
  absolute URLs on the published site (derived from repository.url, as for link previews);
  glued values as the text the page shows (they are resolved by then);
- code cells as the page shows them: the code, what it printed, what it displayed as text
  (a table); left out: what the page folds (hide-input, hide-output, hide-cell), figures,
  collapsed boxes (the "Checks" dropdowns, solutions), and MyST's labels, roles and directives;
- a section's subsections are part of its answer, except for a page's top section, whose
  answer ends at its first subsection (the rest of the page is its chapter);
- last, on a line of its own, the section's permalink (a forum unfurls it into a card).

tests/test_copy_as_reply.py clicks every button in Chromium and checks the clipboard.
"""
import fnmatch
import html
import re
from urllib.parse import urljoin

from docutils import nodes
from myst_nb.sphinx_ import HideCodeCellNode

from link_previews import site_url

LABEL = "Copy as reply"


class reply_button(nodes.Element):
    """The button; its Markdown is the attribute `markdown` (no text child, so the search index
    does not see it twice)."""


def _visit_html(self, node):
    self.body.append(
        '<div class="reply-copy-bar">'
        f'<button type="button" class="reply-copy" data-reply="{html.escape(node["markdown"])}">'
        f"{LABEL}</button>"
        '<span class="reply-copy-status" role="status"></span></div>\n')
    raise nodes.SkipNode


# Markdown ------------------------------------------------------------------------------------

_ESCAPE = re.compile(r"([\\`*_\[\]<$])")
_SKIPPED = (nodes.target, nodes.comment, nodes.raw, nodes.image, nodes.figure, nodes.system_message,
            nodes.substitution_definition, nodes.footnote, nodes.footnote_reference, nodes.citation,
            reply_button)
_FOLDED = {"dropdown", "toggle"}  # collapsed boxes: "Checks", solutions


def _classes(node):
    return set(node.get("classes", [])) if isinstance(node, nodes.Element) else set()


class Markdown:
    """Markdown of a doctree section whose page is published at `page_url`; `sources` maps
    each bibliography key to its entry (pybtex), for citations."""

    def __init__(self, page_url, sources):
        self.page_url, self.sources = page_url, sources

    # inline

    def inline(self, node, table=False):
        if isinstance(node, nodes.Text):
            text = _ESCAPE.sub(r"\\\1", node.astext().replace("\n", " "))
            return text.replace("|", r"\|") if table else text
        if isinstance(node, _SKIPPED):
            return ""
        if isinstance(node, nodes.math):
            tex = " ".join(node.astext().split())
            return f"${tex.replace('|', chr(92) + '|') if table else tex}$"
        if "bibtex-citation" in _classes(node):
            return self.citation(node)
        if isinstance(node, nodes.literal):
            code = node.astext().replace("\n", " ")
            fence = "``" if "`" in code else "`"
            return f"{fence}{code}{fence}"
        text = "".join(self.inline(child, table) for child in node.children)
        if isinstance(node, nodes.emphasis) and text.strip():
            return f"*{text}*"
        if isinstance(node, nodes.strong) and text.strip():
            return f"**{text}**"
        if isinstance(node, nodes.reference):
            return f"[{text}]({self.url(node)})"
        return text

    def citation(self, node):
        """A citation, as the page's "[3]" would mean nothing in a forum: (its title, linked to
        the work), or to the book's references where the entry has no URL."""
        from sphinxcontrib.bibtex.citation_target import parse_citation_targets

        links = []
        for target in parse_citation_targets(node.rawsource):
            entry = self.sources[target.key]
            title = re.sub(r"[{}]", "", entry.fields.get("title", target.key)).replace("\\_", "_")
            url = entry.fields.get("url") or urljoin(self.page_url, "references.html")
            links.append(f"[{self.inline(nodes.Text(title))}]({url})")
        return f"({'; '.join(links)})"

    def url(self, reference):
        if reference.get("refuri"):
            return urljoin(self.page_url, reference["refuri"])
        return f"{self.page_url}#{reference['refid']}"

    # blocks

    def blocks(self, node, stop_at_section=False):
        """Markdown blocks (paragraphs, lists, ...) of `node`'s children."""
        out = []
        for child in node.children:
            if isinstance(child, nodes.section):
                if stop_at_section:
                    break
                out += [f"**{self.inline(child[0])}**", *self.blocks(child)]
            else:
                out += self.block(child)
        return [b for b in out if b.strip()]

    def block(self, node):
        classes = _classes(node)
        if isinstance(node, (*_SKIPPED, nodes.title)) or classes & _FOLDED:
            return []
        if "cell" in classes:  # a code cell: its code, and what it printed or displayed, except
            out = []           # the parts the page folds (hide-input, ...: myst-nb's HideCodeCellNode)
            for part in node.children:
                if isinstance(part, HideCodeCellNode):
                    continue
                out += self.code(part[0], "python") if "cell_input" in _classes(part) else self.blocks(part)
            return out
        if isinstance(node, nodes.literal_block):
            return self.code(node, "" if "output" in classes else node.get("language", ""))
        if isinstance(node, nodes.math_block):
            return [f"$$\n{node.astext().strip()}\n$$"]
        if isinstance(node, nodes.rubric) or "sd-card-title" in classes:
            return [f"**{self.inline(node).strip()}**"]
        if isinstance(node, nodes.bullet_list):
            return ["\n".join(self.item("- ", item) for item in node.children)]
        if isinstance(node, nodes.enumerated_list):
            start = node.get("start", 1)
            return ["\n".join(self.item(f"{start + i}. ", item) for i, item in enumerate(node.children))]
        if isinstance(node, nodes.definition_list):
            return [f"**{self.inline(item[0])}**: " + " ".join(self.blocks(item[-1]))
                    for item in node.children]
        if isinstance(node, nodes.table):
            return [self.table(node)]
        if isinstance(node, (nodes.block_quote, nodes.Admonition)):
            title = [f"**{self.inline(node[0])}**"] if isinstance(node[0], nodes.title) else []
            return ["\n".join(f"> {line}".rstrip() for line in "\n\n".join(title + self.blocks(node)).splitlines())]
        if isinstance(node, nodes.TextElement):  # paragraphs, and any other run of text
            return [self.inline(node).strip()]
        return self.blocks(node)  # containers: cells' outputs, grids and cards, compounds, ...

    def code(self, literal, language):
        language = {"default": "", "ipython3": "python"}.get(language, language)
        return [f"```{language}\n{literal.astext().rstrip()}\n```"]

    def item(self, marker, item):
        text = "\n\n".join(self.blocks(item))
        pad = " " * len(marker)
        return marker + "\n".join((pad + line) if line and i else line
                                  for i, line in enumerate(text.splitlines()))

    def table(self, table):
        """A GFM table (a header row is required: an empty one where the table has none)."""
        def cells(row):
            return [" ".join(self.inline(p, table=True).strip() for p in entry.findall(nodes.paragraph))
                    for entry in row.children]
        thead = next(table.findall(nodes.thead), None)
        head = [cells(r) for r in thead.findall(nodes.row)] if thead else []
        body = [cells(r) for r in table.findall(nodes.row) if thead is None or r.parent is not thead]
        width = max(len(r) for r in head + body)
        rows = [r + [""] * (width - len(r)) for r in (head[:1] or [[""] * width]) + head[1:] + body]
        lines = ["| " + " | ".join(r) + " |" for r in rows]
        lines.insert(1, "|" + "|".join(" --- " for _ in range(width)) + "|")
        return "\n".join(lines)


def reply(section, docname, label, site, top, sources):
    """The Markdown reply for `section` (labelled `label` on page `docname`)."""
    page_url = f"{site}{docname}.html"
    md = Markdown(page_url, sources)
    body = [f"**{md.inline(section[0])}**", *md.blocks(section, stop_at_section=top)]
    return "\n\n".join(body + [f"{page_url}#{label}"]) + "\n"


# Sphinx --------------------------------------------------------------------------------------

def add_buttons(app, doctree, docname):
    """doctree-resolved (references, citations and glue resolved): a button with its Markdown
    under the heading of every section whose label matches reply_sections."""
    if app.builder.name != "html":  # the PDF (singlehtml) has no buttons
        return
    labels = app.env.domains["std"].labels
    site = site_url(app.config.html_theme_options["repository_url"])
    sources = {c.key: c.entry for c in app.env.get_domain("cite").citations}
    wanted = {labelid: label for label, (doc, labelid, _) in labels.items()
              if doc == docname and any(fnmatch.fnmatchcase(label, p) for p in app.config.reply_sections)}
    for section in list(doctree.findall(nodes.section)):
        label = next((wanted[i] for i in section["ids"] if i in wanted), None)
        if label is None:
            continue
        top = isinstance(section.parent, nodes.document)
        section.insert(1, reply_button(markdown=reply(section, docname, label, site, top, sources)))


def setup(app):
    app.add_config_value("reply_sections", [], "env")
    app.add_node(reply_button, html=(_visit_html, None))
    # Jupyter Book puts _static/reply.js and reply.css on every page (as every file of _static/);
    # _ext/page_assets.py leaves them out of the pages without a button.
    app.connect("doctree-resolved", add_buttons, priority=600)  # after plain_ref_titles
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Make a section's permalink its label (a local Sphinx extension, see _config.yml).

A heading with a label, `(path-rule)=` then `## The path rule ...`, gets two ids: one made from the
heading text and the label. Sphinx uses the first for the heading's ¶ link and the page's contents
sidebar, so the links readers copy would break whenever a heading is reworded. This puts the label
first: the ¶ link and the sidebar then point to `page.html#path-rule`, the stable address that the
citation contract promises (tests/published-labels.txt), and the text-made id stays as an alias.
"""

from docutils import nodes


def _labels_first(app, doctree):
    for section in doctree.findall(nodes.section):
        # A label is an explicit target name; the heading text gives an implicit one.
        labels = [doctree.nameids.get(name) for name in section["names"] if doctree.nametypes.get(name)]
        first = [i for i in section["ids"] if i in labels]
        section["ids"] = first + [i for i in section["ids"] if i not in first]


def setup(app):
    # Before the table-of-contents collector (priority 500) reads the ids on the same event.
    app.connect("doctree-read", _labels_first, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

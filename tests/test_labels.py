"""Links readers have posted keep working: every published label is still on its page.

The list is tests/published-labels.txt. A label is found in objects.inv (section, figure, page,
exercise and solution labels; the inventory must point at the listed page) or, for labels that are not in the
inventory (sphinx-proof directives, equations: id `equation-<label>`), as an id in the page's HTML.
"""
import re
from functools import cache

import pytest
import sphobjinv
from booksite import ROOT, slug, toc_docnames

LIST = ROOT / "tests" / "published-labels.txt"


def published():
    """(page, label) pairs of the list, in its order."""
    rows = [line.split("#", 1)[0].split() for line in LIST.read_text(encoding="utf-8").splitlines()]
    return [tuple(row) for row in rows if row]


PUBLISHED = published()


@pytest.fixture(scope="module")
def inventory(html):
    """label -> "page.html#anchor", for the std:label entries of objects.inv."""
    inv = sphobjinv.Inventory(html / "objects.inv")
    return {o.name: o.uri_expanded for o in inv.objects if (o.domain, o.role) == ("std", "label")}


@pytest.fixture(scope="module")
def ids(html):
    @cache
    def ids_on(page):
        path = html / "book" / f"{page}.html"
        return set(re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8"))) if path.exists() else None
    return ids_on


@pytest.mark.build
@pytest.mark.parametrize("page, label", PUBLISHED, ids=[f"{p}#{lab}" for p, lab in PUBLISHED])
def test_published_label_is_on_its_page(page, label, inventory, ids):
    on_page = ids(page)
    assert on_page is not None, (
        f"book/{page}.html is gone, and with it every link to it: restore the page, or add a "
        f"redirect from its old docname (rediraffe_redirects in _config.yml) and update {LIST.name}"
    )
    if label in inventory:
        target, _, anchor = inventory[label].partition("#")
        assert target == f"book/{page}.html", f"label {label!r} moved from book/{page}.html to {target}"
        assert anchor in on_page, f"objects.inv points at #{anchor}, which book/{page}.html lacks"
    else:
        assert {label, f"equation-{label}"} & on_page, (
            f"label {label!r} is neither in objects.inv nor an id on book/{page}.html "
            f"(as #{label} or #equation-{label}): a published link is broken"
        )


@pytest.mark.build
@pytest.mark.parametrize("docname", toc_docnames())
def test_every_page_in_the_toc_is_published_with_its_slug_label(docname, inventory):
    page = slug(docname)
    assert inventory.get(page, "").startswith(f"{docname}.html"), (
        f"{docname}.md should start with the label ({page})= (house rule: the label is the slug)"
    )
    assert (page, page) in PUBLISHED, (
        f"{docname} is in _toc.yml, so its URL is published: add the line '{page}  {page}' and "
        f"its citation-contract labels to tests/{LIST.name}"
    )


@pytest.mark.build
@pytest.mark.parametrize("docname", toc_docnames())
def test_labelled_headings_link_to_their_label(docname, html):
    """The ¶ link a reader copies from a labelled heading is the stable #label (_ext/label_anchors)."""
    page = (html / f"{docname}.html").read_text(encoding="utf-8")
    sections = re.findall(r'<section id="([^"]+)">\s*((?:<span id="[^"]+"></span>\s*)*)<h[1-6]', page)
    labelled = [(first, re.findall(r'id="([^"]+)"', spans)) for first, spans in sections]
    labels = {label for _, label in PUBLISHED}
    wrong = [(first, aliases) for first, aliases in labelled if set(aliases) & labels]
    assert not wrong, f"{docname}: headings whose link is not their published label: {wrong}"

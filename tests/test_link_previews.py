"""Every page's preview card: the Open Graph tags a forum or chat reads when its link is pasted.

Written by sphinxext-opengraph with _ext/link_previews.py; read here from the session build.
Pages come from _toc.yml, so a page added later is checked too, and its description must be in
its own front matter (`description: ...`).
"""
import re
from html import unescape

import pytest
import yaml
from booksite import ROOT, SITE_URL, page_title, toc_docnames

pytestmark = pytest.mark.build

RAW_TEX = re.compile(r"\$|\\[A-Za-z()\[\]]|[\^_]\{")  # $, \frac, \(, ^{ or _{


def front_matter(docname):
    text = (ROOT / f"{docname}.md").read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    return yaml.safe_load(text[4:text.index("\n---", 4)]) or {}


@pytest.mark.parametrize("docname", toc_docnames())
def test_page_has_its_preview_card(docname, html):
    described = str(front_matter(docname).get("description", "")).strip()
    assert described, (
        f"{docname}.md has no description: add to its front matter one or two sentences, "
        "without TeX, that say what the page shows (the text of its link preview)")
    assert not RAW_TEX.search(described), f"TeX in the description of {docname}: {described!r}"
    sentences = re.findall(r"[^.!?]+[.!?]", described)
    assert 1 <= len(sentences) <= 2 and len(described) <= 300, (
        f"the description of {docname} should be one or two sentences: {described!r}")

    page = (html / f"{docname}.html").read_text(encoding="utf-8")
    tags = {prop: unescape(content)
            for prop, content in re.findall(r'<meta property="(og:[\w:]+)" content="([^"]*)"', page)}
    assert tags.get("og:title") == page_title(html, docname), tags
    assert tags.get("og:url") == f"{SITE_URL}{docname}.html", tags
    assert tags.get("og:description") == described, tags
    meta = re.search(r'<meta name="description" content="([^"]*)"', page)
    assert meta and unescape(meta.group(1)) == described
    image = tags.get("og:image", "")
    assert image.startswith(SITE_URL) and (html / image[len(SITE_URL):]).is_file(), (
        f"og:image {image!r} is not a file of the site")
    assert tags.get("og:image:alt"), "the image has no alt text"

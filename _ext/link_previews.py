"""A preview card for every pasted link: Open Graph tags (a local Sphinx extension, see _config.yml).

Forums and chats unfurl a pasted link from the page's Open Graph tags, which
sphinxext-opengraph writes (og:title, og:url, og:description, og:image). This extension gives
it what it needs from the book's own files:

- the published URL of each page (og:url), derived from the one setting that names the
  repository, `repository.url` in _config.yml: the site is https://<org>.github.io/<repo>/;
- a description written for each page, one or two sentences, in its front matter
  (`description: ...`; a key jupytext keeps when the page is saved as a notebook, unlike
  sphinxext-opengraph's own `og:description`); sphinxext-opengraph would otherwise take the
  page's first words, TeX source included. A page without one fails the strict build with a
  warning naming it. The same text is the page's <meta name="description"> (search engines);
- an image: a card with the book's title, drawn by the build (matplotlib),
  _static/link-preview.png.

tests/test_link_previews.py checks the tags of every page of _toc.yml.
"""
import html
from pathlib import Path
from urllib.parse import urlparse

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

CARD = "_static/link-preview.png"
CARD_ALT = "The book's title, Where does 1/m go?, on a card"


def site_url(repository_url):
    """https://github.com/<org>/<repo> -> https://<org>.github.io/<repo>/ (GitHub Pages)."""
    org, repo = urlparse(repository_url).path.strip("/").split("/")[:2]
    return f"https://{org}.github.io/{repo}/"


def configure(app, config):
    """config-inited: site URL, image and alt text for sphinxext-opengraph."""
    repository = config.html_theme_options.get("repository_url")
    if not repository:
        raise ExtensionError("link_previews needs repository.url in _config.yml")
    config.ogp_site_url = site_url(repository)
    config.ogp_image = CARD  # relative to the site's root
    config.ogp_image_alt = CARD_ALT
    config.ogp_type = "article"


def describe(app, pagename, templatename, context, doctree):
    """html-page-context, before sphinxext-opengraph: the page's description as its
    og:description and <meta name="description">, and a warning when a page has none."""
    if doctree is None or app.builder.name == "singlehtml":  # generated pages; the PDF's source
        return
    meta = context.get("meta") or {}
    description = str(meta.get("description", "")).strip()
    if not description:
        logger.warning(
            "no description: add a one- or two-sentence description of the page to its front "
            "matter (description: ...), the text of its link preview", location=pagename)
        return
    context["meta"] = {**meta, "og:description": description}  # read by sphinxext-opengraph
    context["metatags"] += f'<meta name="description" content="{html.escape(description)}" />\n'


def draw_card(app, exception):
    """build-finished: the preview image, 1200 x 630 pixels (the size link previews use)."""
    if exception or app.builder.format != "html":
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(app.outdir) / CARD
    if path.exists():  # drawn by an earlier build into this folder
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = plt.figure(figsize=(12, 6.3), dpi=100, facecolor="#f7f7f2")
    fig.text(0.07, 0.66, app.config.project, fontsize=64, weight="bold", color="#1d3557")
    fig.text(0.07, 0.50, "Backpropagation's factor 1/m, derived and checked by code",
             fontsize=24, color="#333333")
    fig.text(0.07, 0.25, r"$dW^{[l]} = \frac{1}{m}\, dZ^{[l]} A^{[l-1]\top}$",
             fontsize=40, color="#1d3557")
    fig.text(0.07, 0.08, "An executable online book", fontsize=20, color="#666666")
    fig.savefig(path, dpi=100, facecolor=fig.get_facecolor())
    plt.close(fig)


def setup(app):
    app.setup_extension("sphinxext.opengraph")
    app.connect("config-inited", configure)
    app.connect("html-page-context", describe, priority=400)
    app.connect("build-finished", draw_card)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""What the tests know about the book and its site, read from the repository's own files.

Pages come from _toc.yml and the URLs from _config.yml, so pages added later are tested
without editing a test. Imported by tests/conftest.py and the test modules.
"""
import os
from pathlib import Path
from urllib.parse import urlparse

import yaml
from sphinx_external_toc.parsing import parse_toc_yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))

REPO_URL = CONFIG["repository"]["url"].rstrip("/")  # the one place the URL is set
ORG, REPO = urlparse(REPO_URL).path.strip("/").split("/")[:2]
BRANCH = CONFIG["repository"].get("branch", "master")
SITE_URL = f"https://{ORG}.github.io/{REPO}/"  # where .github/workflows/book.yml publishes

# Debian's Chromium, driven by Playwright (never `playwright install`: no browser download).
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def toc_docnames():
    """The docnames of _toc.yml in book order, e.g. ["book/intro", "book/loss-vs-cost", ...]."""
    return list(parse_toc_yaml(ROOT / "_toc.yml"))


def slug(docname):
    return docname.rsplit("/", 1)[-1]


def is_notebook(docname):
    """A MyST notebook (jupytext front matter with a kernelspec) gets launch buttons."""
    head = (ROOT / f"{docname}.md").read_text(encoding="utf-8")[:1000]
    return head.startswith("---") and "kernelspec:" in head


def binder_url(docname):
    """The URL of a page's Binder launch button: JupyterLab opening the page's .md file."""
    hub = CONFIG["launch_buttons"]["binderhub_url"].rstrip("/")
    return f"{hub}/v2/gh/{ORG}/{REPO}/{BRANCH}?urlpath=lab/tree/{docname}.md"

"""What the tests know about the book and its site, read from the repository's own files.

Pages come from _toc.yml and the URLs from _config.yml, so pages added later are tested
without editing a test. Imported by tests/conftest.py, the test modules and bench/bench.py.
"""
import contextlib
import functools
import http.server
import os
import shutil
import threading
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


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site's folder under /<repo>/ only (anything else: 404) and counts the bytes
    of the response bodies it sends (uncompressed, as this server never compresses)."""

    def translate_path(self, path):
        prefix = f"/{REPO}/"
        if not path.startswith(prefix):
            return str(Path(self.directory) / "__not-in-the-site__")  # -> 404
        return super().translate_path("/" + path[len(prefix):])

    def send_header(self, keyword, value):
        if keyword.lower() == "content-length":
            with self.server.lock:
                self.server.bytes_sent += int(value)
        super().send_header(keyword, value)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(html):
    """Serve the built HTML folder `html` on a free loopback port, under /<repo>/ as GitHub
    Pages does (so links that only work at a root fail). Yields the server: `.url` is the
    site's base URL, `.bytes_sent` the bytes of the response bodies sent so far."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_SiteHandler, directory=str(html)))
    server.lock, server.bytes_sent = threading.Lock(), 0
    server.url = f"http://127.0.0.1:{server.server_port}/{REPO}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def toc_docnames():
    """The docnames of _toc.yml in book order, e.g. ["book/intro", "book/loss-vs-cost", ...]."""
    return list(parse_toc_yaml(ROOT / "_toc.yml"))


def page_title(html, docname):
    """A built page's title, as the site shows it (its <title> less the book's name)."""
    import re
    from html import unescape

    page = (Path(html) / f"{docname}.html").read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    return re.sub(r"\s+", " ", unescape(title)).split(" — ")[0].strip()


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


# Front matter of a MyST notebook page, for the small books that tests build in a copy.
NOTEBOOK_FRONT_MATTER = """\
---
description: "A page of a small book that a test builds."
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def copy_repository(dest):
    """Copy the repository to dest without git, the venv, build output or caches: a place
    to change pages or the package and build (the stale-cache and parallel-execution tests,
    bench/bench.py). node_modules/ (KaTeX, installed by make setup) is linked, not copied."""
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "_build", ".pytest_cache", ".hypothesis", "__pycache__",
        "*.egg-info"))
    if (ROOT / "node_modules").is_dir():
        (Path(dest) / "node_modules").symlink_to(ROOT / "node_modules")
    return dest


def binder_distributions():
    """The distributions installed in this venv that Binder's `pip install -r requirements.txt`
    installs too: the file's requirements and, through their metadata, all they depend on
    (extras left out). `-e ./code` stands for the package `oneoverm`."""
    import importlib.metadata as metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    todo = ["oneoverm"]
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            todo.append(Requirement(line).name)
    found = set()
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a dependency for another platform or Python
        found.add(name)
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return found


PUBLISHED_LABELS = ROOT / "tests" / "published-labels.txt"


def published_labels():
    """(page slug, label) pairs of tests/published-labels.txt, in its order."""
    rows = [line.split("#", 1)[0].split()
            for line in PUBLISHED_LABELS.read_text(encoding="utf-8").splitlines()]
    return [tuple(row) for row in rows if row]


def link_targets(html, docname):
    """Where links into a built page go: (the ids of the page's published labels, as a link to
    them names them: the label, or equation-<label> for an equation; the id of the page's last
    section). Read from the built HTML, so that a test knows them before it opens the page."""
    import re

    page = (Path(html) / f"{docname}.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    anchors = [label if label in ids else f"equation-{label}"
               for name, label in published_labels() if name == slug(docname)]
    sections = re.findall(r'<section\b[^>]*\bid="([^"]+)"[^>]*>\s*(?:<span id="[^"]+"></span>\s*)*<h[1-6]', page)
    return [a for a in anchors if a in ids], sections[-1]  # (a section with a heading: not a solution's body)

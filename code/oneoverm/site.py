"""Where the book is published, in one place. Introduced in {ref}`check-your-code`.

The reports of :func:`oneoverm.diagnose` link to the section that explains their verdict. The
repository ``https://github.com/<org>/<repo>`` (``repository.url`` in the book's ``_config.yml``)
is published by GitHub Pages at ``https://<org>.github.io/<repo>/``, and a page's section at
``<site>book/<page>.html#<label>``. The package does not read ``_config.yml`` (it is installed
without the book), so the URL is written here; ``tests/test_diagnose_links.py`` fails when it no
longer follows from ``_config.yml``.
"""

from __future__ import annotations

SITE_URL = "https://where-does-1-over-m-go.github.io/book/"


def section_url(page: str, label: str) -> str:
    """The published address of the section ``label`` on the page ``book/<page>.md``."""
    for name, value in (("page", page), ("label", label)):
        if not isinstance(value, str) or not value or any(c in value for c in "#/ "):
            raise ValueError(f"{name}: expected a slug such as 'two-placements', got {value!r}")
    return f"{SITE_URL}book/{page}.html#{label}"

"""The reports of oneoverm.diagnose link to sections that exist, on the site the book is published at.

The package writes the site URL once (oneoverm/site.py), since it is installed without the book;
here it must equal the URL derived from repository.url in _config.yml (tests/booksite.py). Every
(page, label) a report can link to (oneoverm.diagnosis.VERDICTS and AUTOGRADER_SECTION) must be a
section of the built book, found in objects.inv as tests/test_labels.py finds published labels.
"""
import tomllib

import pytest
import sphobjinv
from booksite import REPO_URL, ROOT, SITE_URL

import oneoverm as om
from oneoverm import diagnosis

SECTIONS = sorted({(v.page, v.label) for v in om.VERDICTS.values()} | {diagnosis.AUTOGRADER_SECTION})

def test_the_package_links_to_the_published_site():
    assert om.SITE_URL == SITE_URL, (
        f"oneoverm/site.py has {om.SITE_URL}, but _config.yml's repository.url publishes the book at "
        f"{SITE_URL}: change SITE_URL in code/oneoverm/site.py"
    )


@pytest.mark.parametrize("page, label", SECTIONS, ids=[f"{p}#{lab}" for p, lab in SECTIONS])
def test_every_verdict_has_its_url(page, label):
    assert om.section_url(page, label) == f"{SITE_URL}book/{page}.html#{label}"


@pytest.fixture(scope="module")
def labels(html):
    inv = sphobjinv.Inventory(html / "objects.inv")
    return {o.name: o.uri_expanded for o in inv.objects if (o.domain, o.role) == ("std", "label")}


@pytest.mark.build
@pytest.mark.parametrize("page, label", SECTIONS, ids=[f"{p}#{lab}" for p, lab in SECTIONS])
def test_every_linked_section_exists_in_the_built_book(page, label, labels, html):
    assert labels.get(label) == f"book/{page}.html#{label}", (
        f"a diagnosis links to {om.section_url(page, label)}, but the built book has "
        f"{labels.get(label, 'no such label')}"
    )
    assert f'id="{label}"' in (html / "book" / f"{page}.html").read_text(encoding="utf-8")


def test_check_your_code_names_the_repository_it_is_published_from():
    """The page links the repository: the address must be _config.yml's."""
    text = (ROOT / "book" / "check-your-code.md").read_text(encoding="utf-8")
    host_path = REPO_URL.split("://", 1)[1]
    assert f"[{host_path}]({REPO_URL})" in text


@pytest.mark.parametrize("doc", ["README.md", "code/README.md", "book/check-your-code.md"])
def test_how_to_install_it_today_and_once_released(doc):
    """Installing from the repository (the address derived from _config.yml) and from PyPI."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert f'pip install "git+{REPO_URL}#subdirectory=code"' in text
    assert "pip install oneoverm" in text


def test_the_package_metadata_names_the_repository_and_the_site():
    project = tomllib.loads((ROOT / "code" / "pyproject.toml").read_text())["project"]
    assert project["urls"] == {
        "Homepage": SITE_URL, "Documentation": om.section_url("check-your-code", "check-your-code").split("#")[0],
        "Repository": REPO_URL, "Issues": f"{REPO_URL}/issues"}

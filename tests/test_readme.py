"""The README is a front page: the three things a newcomer looks for, in at most 150 lines, with
addresses derived from _config.yml; CONTRIBUTING.md holds the rest, one topic per section."""
import re

from booksite import ROOT, SITE_URL

README = (ROOT / "README.md").read_text(encoding="utf-8")
CONTRIBUTING = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_the_front_page_is_short_and_says_the_three_things():
    assert len(README.splitlines()) <= 150
    headings = re.findall(r"(?m)^## (.+)$", README)
    assert headings[:3] == ["Read the book", "Check your own backward pass", "Build and test"]
    assert "make book" in README and "make test" in README


def test_its_addresses_are_those_of_the_published_site():
    pdf = re.search(r"html_context:.*?book_pdf: (\S+)", (ROOT / "_config.yml").read_text(), re.S)[1]
    for url in (SITE_URL, f"{SITE_URL}{pdf}", f"{SITE_URL}book/check-your-code.html",
                f"{SITE_URL}book/how-to-cite.html"):
        assert url in README
    links = re.findall(r"https://[^\s)>\"]+", README)
    assert all(link.startswith((SITE_URL, "https://github.com/")) for link in links), links


def test_contributing_lists_its_sections():
    listed = re.findall(r"(?m)^- (.+)$", CONTRIBUTING.split("\n## ", 1)[0])
    sections = re.findall(r"(?m)^## (.+)$", CONTRIBUTING)
    assert [s.split(" (")[0] for s in listed] == [s.split(" (")[0] for s in sections]
    assert "CONTRIBUTING.md" in README

"""The site's search finds the words of the forum thread, on the page and in the section that answer them.

A learner who arrives from the discussion searches for what is in front of them: `dAL`,
`linear_backward`, "numerator", ... The search page (Sphinx's searchtools.js) splits a query on
non-word characters, drops stop words, stems each word with the English Porter stemmer and looks the
stems up in `searchindex.js`, whose `terms` and `titleterms` map the stems of every page's text
(inline code and math included) to the pages that hold them. This test builds its stems with Sphinx's
own English splitter and stemmer (`sphinx.search.en`) and reads the index of the session build
(tests/conftest.py, `book_build`), so a page it finds is a page the search page lists. Only exact
stems count: the partial matches the search page adds would let a longer word stand in for an absent
one. Then it checks that the section that answers the word, on that page, contains it.
"""
import json
from html.parser import HTMLParser

import pytest
from sphinx.search.en import SearchEnglish

# word the thread uses -> (page, label of the section that answers it)
ANSWERS = {
    "dAL": ("faq", "faq-is-dal-wrong"),
    "linear_backward": ("why-the-course", "course-naming"),
    "L_model_backward": ("faq", "faq-autograder-rejects"),
    "numerator": ("faq", "faq-numerator"),
    "autograder": ("faq", "faq-autograder-rejects"),
    "transpose": ("faq", "faq-layout"),
}

ENGLISH = SearchEnglish({})


def stems(text):
    """The stems the search page looks up for `text` (stop words dropped, as searchtools.js does)."""
    return {ENGLISH.stem(word) for word in ENGLISH.split(text)
            if word.lower() not in ENGLISH.stopwords and not word.isdigit()}


@pytest.fixture(scope="module")
def index(html):
    text = (html / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1:text.rindex(")")])


def pages_found(index, query):
    """Pages holding every stem of `query` in their text or titles, as 'book/<page>' docnames."""
    def pages(stem):
        hits = [index[kind].get(stem, []) for kind in ("terms", "titleterms")]
        return {index["docnames"][i] for hit in hits for i in ([hit] if isinstance(hit, int) else hit)}
    words = stems(query)
    assert words, f"{query!r} has no searchable word"
    return set.intersection(*(pages(stem) for stem in words))


class SectionText(HTMLParser):
    """The text of the <section> whose id is `anchor` (nested sections included)."""

    def __init__(self, anchor):
        super().__init__()
        self.anchor, self.depth, self.parts = anchor, 0, []

    def handle_starttag(self, tag, attrs):
        if tag == "section" and (self.depth or dict(attrs).get("id") == self.anchor):
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "section" and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def section_text(html, page, anchor):
    parser = SectionText(anchor)
    parser.feed((html / "book" / f"{page}.html").read_text(encoding="utf-8"))
    return " ".join(parser.parts)


@pytest.mark.build
def test_an_absent_word_finds_nothing(index):
    """The lookup can fail: a word that is on no page finds no page."""
    assert pages_found(index, "zyxwvutsrqp") == set()


@pytest.mark.build
@pytest.mark.parametrize("word", ANSWERS)
def test_search_finds_the_page_that_answers(word, index, html):
    page, anchor = ANSWERS[word]
    found = pages_found(index, word)
    assert f"book/{page}" in found, (
        f"searching for {word!r} does not list {page}.html (it lists {sorted(found) or 'nothing'}): "
        f"name it in the prose of § {anchor}")
    text = section_text(html, page, anchor)
    assert text, f"{page}.html has no section #{anchor}"
    assert stems(word) <= stems(text), f"§ {anchor} of {page}.html does not contain {word!r}"

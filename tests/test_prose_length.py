"""The answer stays short: word budgets for the intro, the part "The answer" and each FAQ reply.

Words are counted as the project's pre-stop hook counts them (shared/hooks/before-stop): the words of
the Markdown source outside the front matter, code cells and display math, where inline math and a
role (``{ref}`...` ``, ``{cite:p}`...` ``) count as one word each, and directive option lines, fences
and label lines count as none. A word is a run of letters, digits, "_", "'" or "-" that starts with a
letter or digit.

An FAQ reply is the text between its label line ``(faq-...)=`` and the next one (its heading
excluded). Its *prose before its links* is that text up to its links sentence: the last sentence of
the reply, which starts (at the start of the reply or after ". ") with a lead-in of words followed by a
colon (``Proof:``, ``Details:``, ``Details and sources:``, ...) and holds at least one ``{ref}``. Every
reply must end with such a sentence, so that a mentor who pastes it also pastes where the proof is.
"""
import re

import pytest
from booksite import ROOT

BOOK = ROOT / "book"
THE_ANSWER = ["intro", "loss-vs-cost", "vector-loss", "two-placements", "why-the-course",
              "wrong-placements"]
BUDGETS = {"intro": 600}  # page -> at most this many words
PART_BUDGET = 8000  # the part "The answer", all six pages
FAQ_REPLY_BUDGET = 130


def prose_words(text):
    """Words of MyST source outside front matter, code cells and display math (as the hook counts)."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    text = re.sub(r"```\{code-cell\}.*?\n```", "", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"```\{math\}.*?\n```", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", "X", text)
    text = re.sub(r"\{[a-z:-]+\}`[^`]*`", "X", text)
    text = re.sub(r"^\s*:[a-z-]+:.*$", "", text, flags=re.M)
    text = re.sub(r"^\s*(```|:::+)\S*.*$", "", text, flags=re.M)
    text = re.sub(r"^\(.+\)=\s*$", "", text, flags=re.M)
    return len(re.findall(r"[A-Za-z0-9][\w'’-]*", text))


def words_of(page):
    return prose_words((BOOK / f"{page}.md").read_text(encoding="utf-8"))


LINKS_LEAD_IN = re.compile(r"(?:^|(?<=\. ))[A-Z][^.:]{0,80}: ")


def faq_replies():
    """(label, reply text) for every FAQ reply, in page order, whitespace collapsed."""
    text = (BOOK / "faq.md").read_text(encoding="utf-8")
    replies = re.split(r"^\((faq-[a-z0-9-]+)\)=\n", text, flags=re.M)[1:]
    out = []
    for label, body in zip(replies[::2], replies[1::2]):
        heading, _, reply = body.partition("\n")
        assert heading.startswith("#"), f"({label})= is not followed by a heading"
        out.append((label, " ".join(reply.split())))
    return out


def prose_before_links(reply):
    """The reply up to its links sentence; None if it does not end with one."""
    for start in reversed([m.start() for m in LINKS_LEAD_IN.finditer(reply)]):
        links = reply[start:]
        if "{ref}" in links or "{prf:ref}" in links:
            last_sentence = ". " not in links.rstrip(".")
            return reply[:start] if last_sentence else None
    return None


def test_the_counter_counts_prose_only():
    """Inline math and roles are one word; code cells, display math and label lines are none."""
    sample = ("(a-label)=\nOne $x + y$ and {ref}`some-label`.\n\n$$\nz = 1\n$$\n\n"
              "```{code-cell} ipython3\nnot counted = 1\n```\nTwo words.\n")
    assert prose_words(sample) == 6


def test_the_links_sentence_is_found():
    reply = "An answer, with $m$ in it. Not: a link. Proof: {ref}`a` and {ref}`b`."
    assert prose_before_links(reply) == "An answer, with $m$ in it. Not: a link. "
    assert prose_before_links("An answer without links. Proof: the page below.") is None


@pytest.mark.parametrize("page", BUDGETS)
def test_page_within_its_budget(page):
    words = words_of(page)
    assert words <= BUDGETS[page], f"{page}.md has {words} words of prose; at most {BUDGETS[page]}"


def test_the_answer_within_its_budget():
    counts = {page: words_of(page) for page in THE_ANSWER}
    assert sum(counts.values()) <= PART_BUDGET, (
        f"the part 'The answer' has {sum(counts.values())} words of prose, at most {PART_BUDGET}: {counts}")


FAQ = faq_replies()


def test_the_faq_has_replies():
    assert len(FAQ) >= 16, [label for label, _ in FAQ]


@pytest.mark.parametrize("label, reply", FAQ, ids=[label for label, _ in FAQ])
def test_faq_reply_within_budget(label, reply):
    prose = prose_before_links(reply)
    assert prose is not None, (
        f"{label} does not end with a links sentence such as 'Proof: {{ref}}`...`.'")
    words = prose_words(prose)
    assert words <= FAQ_REPLY_BUDGET, (
        f"{label}: {words} words of prose before its links; at most {FAQ_REPLY_BUDGET}")

"""Copy as reply (_ext/copy_as_reply.py): every FAQ entry, and each answer-like section that
mentors link, has a button that puts the answer on the clipboard as Markdown for a forum reply.

In headless Chromium (clipboard permissions granted), on the session build: every button is
clicked and the clipboard must hold the TeX of every formula the section shows (outside what
the page folds), no MyST syntax, only absolute links (those into the site land on an existing
anchor of a built page) and, last, the section's permalink. Then, on the FAQ, the keyboard
works it with a visible focus, and printing leaves the buttons out.
"""
import html as html_lib
import re

import pytest
from booksite import DESKTOP, ROOT, SITE_URL

pytestmark = [pytest.mark.build, pytest.mark.browser]

LABEL = "Copy as reply"
# The answer-like sections mentors link, besides every FAQ entry.
ANSWER_SECTIONS = ["short-answer", "why-the-course", "which-placement-to-use", "autograder-mismatch"]


def answers():
    """(docname, label) of every section that must have the button, from the pages' sources."""
    faq = re.findall(r"^\((faq-[^)]+)\)=", (ROOT / "book" / "faq.md").read_text(encoding="utf-8"), re.M)
    pages = {label: f"book/{md.stem}" for md in sorted((ROOT / "book").glob("*.md"))
             for label in re.findall(r"^\(([^)]+)\)=", md.read_text(encoding="utf-8"), re.M)}
    return [("book/faq", label) for label in faq] + [(pages[label], label) for label in ANSWER_SECTIONS]


ANSWERS = answers()

# The TeX of the formulas a section shows, as KaTeX keeps it for screen readers and copy-tex,
# outside what the page folds (dropdowns, hidden code) and, for a page's top section, outside
# its subsections (its answer ends at the first one).
SECTION_TEX = """([id, top]) => {
    const section = document.getElementById(id);
    return [...section.querySelectorAll("annotation[encoding='application/x-tex']")]
        .filter(a => !a.closest("details, .dropdown, .toggle"))
        .filter(a => !top || a.closest("section") === section)
        .map(a => a.textContent);
}"""
MYST = re.compile(r"\{[a-z:-]+\}`|^:::|^```\{|^\([\w-]+\)=\s*$|\{glue|\{ref|\{cite|\{prf", re.M)
LINK = re.compile(r"\]\(([^)\s]+)\)|<(\w+:[^>\s]+)>")
# What is not Markdown text, where "](" or "<" may stand for themselves: code, math.
NOT_TEXT = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|(?<!\\)\$.*?(?<!\\)\$", re.S)


@pytest.fixture(scope="module")
def opened(browser, site):
    """opened(docname) -> the page, at desktop size, allowed to read and write the clipboard;
    each page is opened once for all its tests."""
    context = browser.new_context(viewport=DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    pages = {}

    def page_of(docname):
        if docname not in pages:
            pages[docname] = context.new_page()
            pages[docname].goto(f"{site}{docname}.html", wait_until="networkidle")
        return pages[docname]

    yield page_of
    context.close()


def clipboard_after(page, press):
    page.evaluate("navigator.clipboard.writeText('')")
    press()
    page.wait_for_function("navigator.clipboard.readText().then(t => t.length > 0)", timeout=5000)
    return page.evaluate("navigator.clipboard.readText()")


def normal(text):
    return " ".join(text.split())


def anchors(html, docname, cache={}):
    """The ids on a built page."""
    if docname not in cache:
        cache[docname] = set(re.findall(r'\bid="([^"]+)"', (html / f"{docname}.html").read_text(encoding="utf-8")))
    return cache[docname]


@pytest.mark.parametrize("docname,label", ANSWERS)
def test_copy_as_reply_puts_the_answer_on_the_clipboard_as_markdown(opened, docname, label, html):
    page = opened(docname)
    section = page.locator(f"section#{label}")
    button = section.locator(":scope > .reply-copy-bar > button")
    assert button.count() == 1, f"{docname}#{label} has no {LABEL!r} button under its heading"
    assert button.evaluate("b => b.tagName") == "BUTTON" and button.text_content() == LABEL
    reply = clipboard_after(page, button.click)
    assert section.locator(":scope > .reply-copy-bar > .reply-copy-status").text_content().startswith("Copied")

    top = section.evaluate("s => !s.parentElement.closest('section')")
    missing = [tex for tex in page.evaluate(SECTION_TEX, [label, top]) if normal(tex) not in normal(reply)]
    assert not missing, f"{docname}#{label}: formulas missing from the reply: {missing}"
    assert not MYST.search(reply), f"{docname}#{label}: MyST left in the reply: {MYST.search(reply)[0]!r}"
    for url in (a or b for a, b in LINK.findall(NOT_TEXT.sub("", reply))):
        assert url.startswith("https://"), f"{docname}#{label}: a link that is not absolute: {url}"
        if url.startswith(SITE_URL):  # into the book: an anchor of a built page
            path, _, fragment = html_lib.unescape(url[len(SITE_URL):]).partition("#")
            assert path.endswith(".html") and (html / path).exists(), f"no such page: {url}"
            assert not fragment or fragment in anchors(html, path[:-5]), f"no such anchor: {url}"
    assert reply.rstrip().splitlines()[-1] == f"{SITE_URL}{docname}.html#{label}", "no permalink at the end"


def test_the_button_works_from_the_keyboard_with_a_visible_focus(opened):
    page = opened("book/faq")
    first, second = ANSWERS[0][1], ANSWERS[1][1]
    # From the heading's permalink (the # after the title), Tab reaches the button.
    page.locator(f"section#{second} h2 a.headerlink").focus()
    page.keyboard.press("Tab")
    button = page.locator(f"section#{second} .reply-copy")
    assert button.evaluate("b => b === document.activeElement"), "Tab after the heading does not reach the button"
    focus = button.evaluate("""b => ({visible: b.matches(':focus-visible'),
        outline: getComputedStyle(b).outlineStyle, width: parseFloat(getComputedStyle(b).outlineWidth)})""")
    assert focus["visible"] and focus["outline"] != "none" and focus["width"] >= 2, focus
    assert clipboard_after(page, lambda: page.keyboard.press("Enter")).rstrip().endswith(f"#{second}")
    page.locator(f"section#{first} .reply-copy").focus()
    assert clipboard_after(page, lambda: page.keyboard.press("Space")).rstrip().endswith(f"#{first}")


def test_the_buttons_are_named_by_their_text_and_printed_pages_leave_them_out(opened):
    page = opened("book/faq")
    named = page.get_by_role("button", name=LABEL, exact=True)
    assert named.count() == sum(1 for docname, _ in ANSWERS if docname == "book/faq")
    page.emulate_media(media="print")
    try:
        shown = page.evaluate("[...document.querySelectorAll('.reply-copy-bar')].filter(e => e.getClientRects().length).length")
    finally:
        page.emulate_media(media="screen")
    assert shown == 0, "printing the page prints the Copy as reply buttons"


def test_the_button_is_readable_in_light_and_dark_mode(opened):
    page = opened("book/faq")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.wait_for_function(f"document.documentElement.dataset.theme === '{scheme}'", timeout=5000)
        ratio = page.locator(".reply-copy").first.evaluate(CONTRAST)
        assert ratio >= 4.5, f"{LABEL} in {scheme} mode: contrast {ratio:.2f} < 4.5 (WCAG AA)"


# WCAG's contrast ratio of an element's text colour against its own background colour.
CONTRAST = """el => {
    const lum = c => {
        const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(v => v / 255)
            .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const style = getComputedStyle(el);
    const [a, b] = [lum(style.color), lum(style.backgroundColor)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
}"""

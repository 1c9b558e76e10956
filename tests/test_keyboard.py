"""A reader with only a keyboard: one long page walked with Tab, Enter, Space and the arrow keys.

On one of the book's longest pages (it has folded code cells, exercises with solutions in
dropdowns, tables that scroll sideways on a phone, equations and the theme's buttons), opened cold at desktop size: pressing Tab from the
top must reach every control a mouse could use, each showing where the focus is; Enter and
Space must open and close folded cells and solutions; following an entry of "On this page"
with Enter must land on its section. tests/test_site_in_browser.py checks, on every page, that
the tables that scroll sideways on a phone take the focus and scroll with the arrow keys, and
(axe-core) the names and roles of controls.
"""
import pytest
from booksite import DESKTOP

pytestmark = [pytest.mark.build, pytest.mark.browser]

PAGE = "book/wrong-placements"
HEADER = ".bd-header-article"

# What a mouse can use on the page: links, buttons, folded cells' summaries, form fields and
# what the page put in the Tab order (a table that scrolls), where shown (not in a closed
# dropdown or folded cell: checkVisibility).
CONTROLS = """() => [...document.querySelectorAll(
        "a[href], button:not([disabled]), summary, input, select, textarea, [tabindex]:not([tabindex='-1'])")]
    .filter(el => el.checkVisibility({visibilityProperty: true}) && el.getClientRects().length
                  && !el.closest("[inert], dialog:not([open])"))
    .map((el, i) => { el.dataset.control = i; return i; })"""
# The element that has the focus: its control number, a description, and whether its focus is
# shown (an outline or a ring: the theme's :focus-visible style, or the browser's own).
FOCUSED = """() => {
    const el = document.activeElement, style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    const ring = style.boxShadow !== "none";
    return {control: el.dataset.control ?? null, body: el === document.body,
            what: `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} ${(el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 40)}`,
            visible: el.matches(":focus-visible") && (outline || ring)};
}"""


@pytest.fixture(scope="module")
def page(browser, site):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{site}{PAGE}.html", wait_until="networkidle")
    yield page
    context.close()


def focus_from_top(page):
    page.evaluate("document.activeElement?.blur(); scrollTo(0, 0)")
    page.mouse.click(1, 1)  # focus starts at the top of the document, as on arrival


def test_tab_reaches_every_control_with_a_visible_focus(page):
    controls = set(page.evaluate(CONTROLS))
    focus_from_top(page)
    reached, hidden = set(), []
    for _ in range(len(controls) + 50):
        page.keyboard.press("Tab")
        found = page.evaluate(FOCUSED)
        if found["control"] is not None:
            if int(found["control"]) in reached:
                break  # round the page once
            reached.add(int(found["control"]))
        if not found["body"] and not found["visible"]:
            hidden.append(found["what"])
    missed = page.evaluate("ids => ids.map(i => { const el = document.querySelector(`[data-control='${i}']`);"
                           " return `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${el.textContent.trim().slice(0, 40)}`; })",
                           sorted(controls - reached))
    assert not missed, f"{len(missed)} of {len(controls)} controls not reached with Tab:\n" + "\n".join(missed[:20])
    assert not hidden, "focus not shown on:\n" + "\n".join(hidden[:20])


def press_on(page, selector, key):
    page.locator(selector).focus()
    page.keyboard.press(key)


def test_enter_and_space_open_and_close_folded_cells_and_solutions(page):
    cells = page.locator("details.hide > summary")
    solutions = page.locator(".solution.dropdown .toggle-button")
    assert cells.count() and solutions.count(), "the page should have folded cells and solutions"
    for key in ("Enter", " "):
        for i in range(cells.count()):
            summary = cells.nth(i)
            before = summary.evaluate("s => s.parentElement.open")
            summary.focus()
            page.keyboard.press(key)
            assert summary.evaluate("s => s.parentElement.open") != before, f"{key!r} on a folded cell"
        for i in range(solutions.count()):
            button = solutions.nth(i)
            hidden = "b => b.closest('.dropdown').classList.contains('toggle-hidden')"
            before = button.evaluate(hidden)
            button.focus()
            page.keyboard.press(key)
            assert button.evaluate(hidden) != before, f"{key!r} on a solution's button"


def test_enter_on_an_entry_of_on_this_page_lands_on_its_section(page):
    """The page was opened without an anchor (its blocks laid out only near the screen): its last
    shown entry of "On this page" is followed with the keyboard and must land at the top, and
    stay there."""
    page.evaluate("scrollTo(0, 0)")
    entry = page.locator("#pst-page-toc-nav a:visible").last
    target = entry.get_attribute("href")[1:]
    entry.focus()
    page.keyboard.press("Enter")
    for _ in range(2):  # at once, and after a second
        where = page.evaluate("([id, header]) => [document.getElementById(id).getBoundingClientRect().top,"
                              " document.querySelector(header).getBoundingClientRect().bottom]", [target, HEADER])
        assert where[1] - 1 <= where[0] <= where[1] + 24, f"#{target} at {where[0]:.0f} px, header to {where[1]:.0f} px"
        page.wait_for_timeout(1000)


def test_a_link_into_a_folded_solution_opens_it(page):
    """A link to something inside a folded block (a solution's body here) opens the block and
    lands on it (_ext/label_anchors.py), whether the anchor is followed within the page or
    typed into the address bar."""
    inside = page.evaluate("""() => {
        const solution = document.querySelector(".solution.dropdown");
        if (!solution.classList.contains("toggle-hidden")) solution.querySelector(".toggle-button").click();
        return solution.querySelector("[id]")?.id;
    }""")
    assert inside, "no solution with an element that has an id"
    page.evaluate("id => { location.hash = id; }", inside)
    page.wait_for_timeout(300)
    where = page.evaluate("([id, header]) => { const el = document.getElementById(id);"
                          " return [el.checkVisibility({visibilityProperty: true}), el.getBoundingClientRect().top,"
                          " document.querySelector(header).getBoundingClientRect().bottom]; }", [inside, HEADER])
    assert where[0], f"#{inside} is still folded"
    assert where[2] - 1 <= where[1] <= where[2] + 24, f"#{inside} at {where[1]:.0f} px, header to {where[2]:.0f} px"

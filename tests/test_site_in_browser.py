"""The published site as a reader's browser shows it: every page of _toc.yml in headless Chromium.

The built HTML (the session build) is served on loopback; Playwright drives Debian's Chromium.
Each page is opened once at desktop size and that visit is shared by the tests of the page
(the checks that act on it, hovering and pressing Tab, come last); the phone check opens it
again at 390 x 844. Full-page screenshots go to _build/screenshots/ (<page>.png,
<page>-phone.png): look at them after a change of layout.
"""
import re
from types import SimpleNamespace

import pytest
from booksite import CONFIG, DESKTOP, PHONE, binder_url, is_notebook, slug, toc_docnames

pytestmark = [pytest.mark.build, pytest.mark.browser]

PAGES = toc_docnames()
SEARCH_TERM = "Jacobian"  # a word of the intro and of vector-loss

RENDERED = """async () => {
    await document.fonts.ready;
    if (window.MathJax?.startup?.promise) await window.MathJax.startup.promise;
}"""


def load(page, site, path):
    """Open site + path in `page`; return what went wrong while it loaded."""
    problems = []

    def on_console(message):
        if message.type == "error":
            problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def on_request(request):
        if request.url.startswith(("http:", "https:")) and not request.url.startswith(site):
            problems.append(f"request to another site: {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught exception: {error}"))
    page.on("request", on_request)
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.goto(site + path, wait_until="networkidle")
    page.evaluate(RENDERED)
    return problems


@pytest.fixture(scope="module")
def visit(request, browser, site, screenshots):
    """The page `request.param` opened at desktop size, with a full-page screenshot."""
    docname = request.param
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    problems = load(page, site, f"{docname}.html")
    page.screenshot(path=screenshots / f"{slug(docname)}.png", full_page=True)
    yield SimpleNamespace(docname=docname, page=page, problems=problems, site=site)
    context.close()


each_page = pytest.mark.parametrize("visit", PAGES, indirect=True)


@each_page
def test_page_loads_without_errors_or_requests_elsewhere(visit):
    assert not visit.problems, "\n".join(visit.problems)


# Visible text outside code and rendered math; raw TeX there means MathJax did not run.
VISIBLE_TEXT = """() => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const parts = [];
    while (walker.nextNode()) {
        const el = walker.currentNode.parentElement;
        if (el.closest("pre, code, script, style, textarea, noscript, mjx-container")) continue;
        if (el.getClientRects().length) parts.push(walker.currentNode.textContent);
    }
    return parts.join(" ");
}"""
RAW_TEX = re.compile(r"\$\$|\\[()\[\]]|\\[A-Za-z]+|[\^_]\{")  # $$, \(, \frac, ^{ or _{


@each_page
def test_math_is_rendered_by_mathjax_from_the_site(visit):
    page = visit.page
    n_math = page.locator(".math").count()  # Sphinx loads MathJax only on pages with math
    mathjax = page.evaluate("[...document.scripts].map(s => s.src).filter(s => /mathjax/i.test(s))")
    assert all(src.startswith(visit.site) for src in mathjax) and (mathjax or not n_math), (
        f"MathJax must be served by the site itself (sphinx-mathjax-offline), got {mathjax}"
    )
    text = page.evaluate(VISIBLE_TEXT)
    raw = sorted({text[max(0, m.start() - 40):m.end() + 20] for m in RAW_TEX.finditer(text)})
    assert not raw, "raw TeX in the visible text:\n" + "\n".join(raw)
    unrendered = page.locator(".math:not(:has(mjx-container))").count()
    assert unrendered == 0, f"{unrendered} of {n_math} math elements were not rendered by MathJax"
    assert page.locator("mjx-container").count() >= n_math


IMAGES = """async () => Promise.all([...document.images].map(async img => {
    img.loading = "eager";
    await img.decode().catch(() => {});
    return {src: img.currentSrc || img.src, width: img.naturalWidth, alt: (img.alt || "").trim()};
}))"""


@each_page
def test_every_image_loads_and_has_alt_text(visit):
    images = visit.page.evaluate(IMAGES)
    assert not [i["src"] for i in images if i["width"] == 0], "images that did not load"
    assert not [i["src"] for i in images if not i["alt"]], "images without alt text"


@each_page
def test_launch_button_opens_the_page_in_jupyterlab_on_binder(visit):
    if not is_notebook(visit.docname):
        pytest.skip("a plain Markdown page (no kernelspec) has nothing to run: no launch button")
    page = visit.page
    page.locator(".dropdown-launch-buttons button").click()
    hub = CONFIG["launch_buttons"]["binderhub_url"].rstrip("/")
    link = page.locator(f".dropdown-launch-buttons a[href^='{hub}/']")
    link.wait_for(state="visible", timeout=5000)
    assert link.get_attribute("href") == binder_url(visit.docname)
    page.keyboard.press("Escape")


SHOWN = "el => getComputedStyle(el).visibility === 'visible' && Number(getComputedStyle(el).opacity) > 0"
# Start keyboard navigation at the heading (as a click on it would), without hovering it.
START_AT = "el => { el.setAttribute('tabindex', '-1'); el.focus(); }"


@each_page
def test_every_heading_has_a_permalink_shown_on_hover_and_keyboard_focus(visit):
    page = visit.page
    headings = page.locator(".bd-article :is(h1, h2, h3, h4, h5, h6)").all()
    assert headings, "no headings found"
    for heading in headings:
        link = heading.locator("> a.headerlink")
        assert link.count() == 1, f"heading without a permalink: {heading.inner_text()!r}"
        href = link.get_attribute("href")
        assert href.startswith("#") and page.locator(f"[id='{href[1:]}']").count() == 1, href
        heading.hover()
        assert link.evaluate(SHOWN), f"permalink {href} is not shown on hover"
        page.mouse.move(0, 0)
        assert not link.evaluate(SHOWN), f"permalink {href} is shown without hover or focus"
        heading.evaluate(START_AT)
        for _ in range(5):  # Tab past any links in the heading's own text
            page.keyboard.press("Tab")
            if link.evaluate("el => el === document.activeElement"):
                break
        else:
            pytest.fail(f"permalink {href} cannot be reached with the Tab key")
        assert link.evaluate(SHOWN), f"permalink {href} has keyboard focus but is invisible"


# Elements reaching past the right edge of the viewport, outermost first, except inside a
# container that scrolls sideways (code blocks, display math, tables in their scroll wrapper).
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const scrolls = el => {
        for (let a = el.parentElement; a; a = a.parentElement) {
            const x = getComputedStyle(a).overflowX;
            if ((x === "auto" || x === "scroll") && a.getBoundingClientRect().right <= width + 1) return true;
        }
        return false;
    };
    const wide = new Set();
    for (const el of document.body.querySelectorAll("*")) {
        const box = el.getBoundingClientRect();
        if (box.width && box.height && box.right > width + 1
            && getComputedStyle(el).visibility !== "hidden" && !scrolls(el)) wide.add(el);
    }
    const inWide = el => { for (let a = el.parentElement; a; a = a.parentElement) if (wide.has(a)) return true; };
    return {
        scrollWidth: document.documentElement.scrollWidth, width,
        wide: [...wide].filter(el => !inWide(el)).slice(0, 10).map(el =>
            `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} right=`
            + `${Math.round(el.getBoundingClientRect().right)}: ${el.textContent.trim().slice(0, 60)}`),
    };
}"""


@pytest.mark.parametrize("docname", PAGES)
def test_nothing_overflows_a_phone_screen(docname, new_page, site, screenshots):
    page = new_page(PHONE)
    load(page, site, f"{docname}.html")
    page.screenshot(path=screenshots / f"{slug(docname)}-phone.png", full_page=True)
    found = page.evaluate(OVERFLOW)
    assert not found["wide"], f"wider than the {found['width']}px screen:\n" + "\n".join(found["wide"])
    assert found["scrollWidth"] <= found["width"], f"the page scrolls sideways: {found}"


def test_search_finds_a_known_term(new_page, site):
    page = new_page(DESKTOP)
    problems = load(page, site, f"search.html?q={SEARCH_TERM}")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=15000)
    hrefs = results.evaluate_all("links => links.map(a => a.href)")
    assert any(h.startswith(f"{site}book/") for h in hrefs), hrefs
    assert not problems, "\n".join(problems)

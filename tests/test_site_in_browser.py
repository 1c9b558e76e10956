"""The published site as a reader's browser shows it: every page of _toc.yml in headless Chromium.

The built HTML (the session build) is served on loopback; Playwright drives Debian's Chromium.
Each page is opened twice, each time cold (a fresh browser context: nothing cached) as a reader
following a pasted link to the page's last section: at desktop size in light mode (`visit`) and
at a phone's 390 x 844 in dark mode (`phone`; the site follows the reader's system:
`default_mode: auto`). Each visit is shared by the tests of the page (the checks that act on it,
hovering, pressing Tab, printing, come after those that only read it). On each visit, while the
2 seconds pass after which a link must still be on its section, axe-core checks the page
(WCAG 2.0 and 2.1, levels A and AA). Screenshots go to _build/screenshots/: <page>.png, the
first screen at desktop size in light mode, and <page>-dark.png, the phone's screen in dark
mode where the link landed (each the whole page with SCREENSHOTS=full, which costs about 3 s
of CPU per long page): look at them after a change of layout.
"""
import json
import os
import re
from types import SimpleNamespace

import pytest
from booksite import (CONFIG, DESKTOP, PHONE, ROOT, binder_url, is_notebook, link_targets, slug,
                      toc_docnames)

pytestmark = [pytest.mark.build, pytest.mark.browser]

PAGES = toc_docnames()
SEARCH_TERM = "Jacobian"  # a word of the intro and of vector-loss
FULL_PAGE = os.environ.get("SCREENSHOTS") == "full"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # installed by make setup (npm ci)
WCAG_2_1_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # axe's tags for the rules of WCAG 2.0/2.1 A and AA
STAYS_FOR = 2000  # ms after load during which a link's section must stay at the top
HEADER = ".bd-header-article"  # the bar that sticks to the top of the screen
BELOW_HEADER = 24  # px: a linked section's top lies between the header's bottom and this far below


def load(page, site, path, anchors=()):
    """Open site + path in `page`; return what went wrong while it loaded. Where a link lands
    is recorded in the page (LANDING) right after load and STAYS_FOR ms later."""
    problems = []

    def on_console(message):
        if message.type == "error":
            problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def on_request(request):
        if request.url.startswith(("http:", "https:")) and not request.url.startswith(site):
            problems.append(f"request to another site: {request.url}")

    page.add_init_script(LANDING % (json.dumps(list(anchors)), STAYS_FOR))
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught exception: {error}"))
    page.on("request", on_request)
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.goto(site + path, wait_until="networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    return problems


# Installed before the page's own scripts: right after load (the next frame) and STAYS_FOR ms
# later, the top of the element the URL's anchor names and the bottom of the sticky header, on
# the screen, and where each of `anchors` (the ids of the page's published labels) is in the page.
LANDING = """(() => {
    const anchors = %s;
    const measure = () => ({
        top: document.getElementById(decodeURIComponent(location.hash.slice(1)))?.getBoundingClientRect().top,
        header: document.querySelector("%s")?.getBoundingClientRect().bottom,
        at: Object.fromEntries(anchors.map(id =>
            [id, Math.round(document.getElementById(id)?.getBoundingClientRect().top + scrollY)])),
    });
    addEventListener("load", () => requestAnimationFrame(() => setTimeout(() => {
        window.__landing = {atLoad: measure()};
        setTimeout(() => { window.__landing.later = measure(); }, %%d);
    })));
})();""" % ("%s", HEADER)


def open_linked(browser, site, html, docname, viewport, scheme):
    """A page opened cold, as a reader following a link to its last section, with what went
    wrong while it loaded, what axe-core finds (run while the link must stay on its section)
    and where the link landed."""
    anchors, last_section = link_targets(html, docname)
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    page = context.new_page()
    problems = load(page, site, f"{docname}.html#{last_section}", anchors)
    page.wait_for_function(f"document.documentElement.dataset.theme === '{scheme}'", timeout=5000)
    page.add_script_tag(path=AXE)
    found = page.evaluate(AXE_RUN, WCAG_2_1_AA)
    page.wait_for_function("window.__landing?.later", timeout=30_000)
    return SimpleNamespace(docname=docname, context=context, page=page, problems=problems, site=site,
                           anchors=anchors, landing=page.evaluate("window.__landing"), **found)


@pytest.fixture(scope="module")
def visit(request, browser, site, html, screenshots):
    """The page `request.param` opened cold at desktop size in light mode (open_linked), with a
    screenshot of its first screen."""
    visit = open_linked(browser, site, html, request.param, DESKTOP, "light")
    visit.page.evaluate("scrollTo(0, 0)")
    visit.page.screenshot(path=screenshots / f"{slug(visit.docname)}.png", full_page=FULL_PAGE)
    yield visit
    visit.context.close()


@pytest.fixture(scope="module")
def phone(request, browser, site, html, screenshots):
    """The page `request.param` opened cold at a phone's 390 x 844 in dark mode (open_linked),
    with what reaches past the screen's edge and a screenshot. Used by the last tests of a page."""
    phone = open_linked(browser, site, html, request.param, PHONE, "dark")
    phone.overflow = phone.page.evaluate(OVERFLOW)
    phone.page.screenshot(path=screenshots / f"{slug(phone.docname)}-dark.png", full_page=FULL_PAGE)
    yield phone
    phone.context.close()


each_page = pytest.mark.parametrize("visit", PAGES, indirect=True)
each_page_on_a_phone = pytest.mark.parametrize("phone", PAGES, indirect=True)
SHOWN = "el => getComputedStyle(el).visibility === 'visible' && Number(getComputedStyle(el).opacity) > 0"


@each_page
def test_page_loads_without_errors_or_requests_elsewhere(visit):
    assert not visit.problems, "\n".join(visit.problems)


# Where each published label of the page is, and whether it can come to the top: shown (not
# display: none), its id once in the page (a link goes to the first), and room below it.
REACHABLE = """anchors => {
    const count = new Map();
    for (const el of document.querySelectorAll("[id]")) count.set(el.id, (count.get(el.id) || 0) + 1);
    const root = document.documentElement;
    const lowest = root.scrollHeight - innerHeight + parseFloat(getComputedStyle(root).scrollPaddingTop || 0);
    return anchors.flatMap(id => {
        const el = document.getElementById(id);
        const problems = [];
        if (count.get(id) > 1) problems.push(`${count.get(id)} elements have the id ${id}`);
        if (!el.getClientRects().length) problems.push(`#${id} is not shown`);
        else if (el.getBoundingClientRect().top + scrollY > lowest + 1)
            problems.push(`#${id} cannot come to the top: the page ends too soon below it`);
        return problems;
    });
}"""
# Follow a link within the page to each label, as a reader does after the page has loaded:
# a click on its entry in the page's contents sidebar where it has one and the sidebar is
# shown, else a change of the URL's anchor; the label must then be at the top at once.
FOLLOW = """async ([anchors, header, slack]) => {
    const frame = () => new Promise(done => requestAnimationFrame(() => setTimeout(done)));
    const problems = [];
    for (const id of anchors) {
        if (decodeURIComponent(location.hash.slice(1)) === id) { location.hash = ""; await frame(); }
        const entry = [...document.querySelectorAll("#pst-page-toc-nav a")]
            .find(a => a.getAttribute("href") === "#" + id && a.getClientRects().length);
        if (entry) entry.click(); else location.hash = id;
        await frame();
        const top = document.getElementById(id).getBoundingClientRect().top;
        const bottom = document.querySelector(header).getBoundingClientRect().bottom;
        if (!(top >= bottom - 1 && top <= bottom + slack))
            problems.push(`${entry ? "its entry in the contents" : "#" + id} after load: the section's `
                          + `top at ${Math.round(top)} px, the header's bottom at ${Math.round(bottom)} px`);
    }
    return problems;
}"""


def links_land(visit):
    """What keeps a link to the page's published labels from landing on them (see the test)."""
    problems = []
    for when, found in visit.landing.items():
        if not (found["header"] - 1 <= found["top"] <= found["header"] + BELOW_HEADER):
            problems.append(f"the link to the last section, {when}: its top at {found['top']:.0f} px, "
                            f"the header's bottom at {found['header']:.0f} px")
    before, after = visit.landing["atLoad"]["at"], visit.landing["later"]["at"]
    problems += [f"#{a} moved by {after[a] - before[a]} px in the {STAYS_FOR} ms after load"
                 for a in visit.anchors if after[a] != before[a]]
    problems += visit.page.evaluate(REACHABLE, visit.anchors)
    problems += visit.page.evaluate(FOLLOW, [visit.anchors, HEADER, BELOW_HEADER])
    return [f"{visit.docname}: {p}" for p in problems]


@each_page
def test_a_link_to_each_published_label_lands_on_it(visit):
    """A pasted link page.html#label lands on its section at the top of the screen, just below
    the sticky header, and stays there (README "Links that never break"). The page is opened
    cold with a link to its last section, which must be at the top right after load and still
    STAYS_FOR ms later; in that visit every published label of the page (tests/published-labels.txt)
    must keep its place in the page from load until then, be shown, have room below it to come
    to the top, and come to the top when a link within the page is followed to it. The layout
    does not depend on which anchor the URL names (no block is left out of the layout, every
    image has its size), so a cold link to any of them lands where this one did; opening every
    label cold: DEEP_LINKS=every (tests/test_deep_links.py)."""
    problems = links_land(visit)
    assert not problems, "\n".join(problems)


# Visible text outside code and outside KaTeX's MathML (visually hidden: it holds the TeX
# source for screen readers and copy-tex); raw TeX there is math that was not rendered.
VISIBLE_TEXT = """() => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const parts = [];
    while (walker.nextNode()) {
        const el = walker.currentNode.parentElement;
        if (el.closest("pre, code, script, style, textarea, noscript, .katex-mathml")) continue;
        if (el.getClientRects().length) parts.push(walker.currentNode.textContent);
    }
    return parts.join(" ");
}"""
RAW_TEX = re.compile(r"\$\$|\\[()\[\]]|\\[A-Za-z]+|[\^_]\{")  # $$, \(, \frac, ^{ or _{
MATH = """() => ({
    math: document.querySelectorAll(".math").length,
    unrendered: [...document.querySelectorAll(".math")].filter(el => !el.querySelector(".katex"))
        .map(el => el.textContent.slice(0, 80)),
    errors: [...document.querySelectorAll(".katex-error")].map(el => `${el.textContent}: ${el.title}`),
    mathjax: !!(window.MathJax || document.querySelector("mjx-container, script[src*='mathjax' i]")),
    fonts: [...document.fonts].filter(f => f.status === "loaded").map(f => f.family),
})"""


@each_page
def test_math_is_rendered_when_the_book_is_built(visit):
    """Every formula arrives rendered by KaTeX (_ext/katex_math.py): no typesetting in the
    browser, no formula KaTeX rejected, no TeX source left in the text, KaTeX's fonts loaded
    from the site itself (the load test fails on any request elsewhere)."""
    found = visit.page.evaluate(MATH)
    assert not found["mathjax"], "MathJax is loaded: the math must be rendered when the book is built"
    assert not found["unrendered"], f"math elements without KaTeX output: {found['unrendered']}"
    assert not found["errors"], "formulas KaTeX rejected:\n" + "\n".join(found["errors"])
    text = visit.page.evaluate(VISIBLE_TEXT)
    raw = sorted({text[max(0, m.start() - 40):m.end() + 20] for m in RAW_TEX.finditer(text)})
    assert not raw, "raw TeX in the visible text:\n" + "\n".join(raw)
    if found["math"]:
        assert {"KaTeX_Main", "KaTeX_Math"} <= set(found["fonts"]), f"KaTeX's fonts: {found['fonts']}"


# Select the first formula of the page and copy, as a reader does with the mouse.
COPY = """() => {
    const math = document.querySelector(".bd-article .katex");
    const range = document.createRange();
    range.selectNode(math);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    const clipboard = new DataTransfer();
    document.dispatchEvent(new ClipboardEvent("copy", {clipboardData: clipboard, bubbles: true, cancelable: true}));
    getSelection().removeAllRanges();
    return {copied: clipboard.getData("text/plain"), tex: math.querySelector("annotation").textContent};
}"""


@each_page
def test_copying_a_formula_copies_its_tex(visit):
    """KaTeX's copy-tex, served with the site: a selected formula is copied as $TeX$."""
    if not visit.page.locator(".bd-article .katex").count():
        pytest.skip("no math on this page")
    found = visit.page.evaluate(COPY)
    assert found["copied"].strip("$") == found["tex"] and found["copied"].startswith("$"), found


NUMBERED = """() => [...document.querySelectorAll("div.math[id^='equation-']")].map(el => ({
    id: el.id,
    number: el.querySelector(".eqno")?.textContent.trim(),
    link: el.querySelector(".eqno a.headerlink")?.getAttribute("href"),
    shown: !!el.querySelector(".eqno")?.getClientRects().length,
}))"""


@each_page
def test_numbered_equations_show_their_number_and_permalink(visit):
    """A labelled equation keeps its anchor #equation-<label> (cited links: tests/test_labels.py),
    shows its number, and has a permalink that appears on hover and on keyboard focus."""
    for eq in visit.page.evaluate(NUMBERED):
        assert eq["shown"] and re.fullmatch(r"\(\d+\)#?", eq["number"]), eq
        assert eq["link"] == f"#{eq['id']}", eq
        link = visit.page.locator(f"[id='{eq['id']}'] .eqno a.headerlink")
        visit.page.locator(f"[id='{eq['id']}']").hover()
        assert link.evaluate(SHOWN), f"equation permalink #{eq['id']} is not shown on hover"
        visit.page.mouse.move(0, 0)
        link.focus()
        assert link.evaluate(SHOWN), f"equation permalink #{eq['id']} is invisible with keyboard focus"
        link.blur()


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


# The theme's icons (<i class="fa-...">) drawn by its CSS from Font Awesome's web font, now
# that the page no longer loads Font Awesome's script (_ext/page_assets.py).
ICONS = """async () => {
    await document.fonts.ready;
    // Every shown element with a Font Awesome class, whatever its tag (the menu button's is a <span>)
    const icons = [...document.querySelectorAll("[class*='fa-']")]
        .filter(i => [...i.classList].some(c => c.startsWith("fa-")) && i.getClientRects().length);
    return {
        shown: icons.length,
        blank: icons.filter(i => !i.getBoundingClientRect().width
            || ["none", "normal", '""'].includes(getComputedStyle(i, "::before").content))
            .map(i => i.className),
        fonts: [...document.fonts].filter(f => f.family.includes("Font Awesome") && f.status === "loaded").length,
    };
}"""


@each_page
def test_theme_icons_are_drawn(visit):
    found = visit.page.evaluate(ICONS)
    assert found["shown"] and not found["blank"], f"icons not drawn: {found}"
    assert found["fonts"], "Font Awesome's web font did not load"


# Contrast (WCAG AA: 4.5, or 3 for large text) of the text elements `elements` against the
# colours behind them (their own and their ancestors' backgrounds, their opacity), for the text
# axe-core cannot judge (below); a rendered formula is one piece of text (its parts inherit its
# colour). Then the pictures with transparent parts on a dark background (black axes on a dark
# page), which axe does not look at. Returns one line per problem.
CONTRAST = """async elements => {
    const rgba = c => { const m = c.match(/rgba?\\(([^)]*)\\)/); if (!m) return null;
        const v = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number); return [v[0], v[1], v[2], v[3] ?? 1]; };
    const over = (top, below) => [0, 1, 2].map(i => top[i] * top[3] + below[i] * (1 - top[3])).concat(1);
    const luminance = c => { const f = v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
    const contrast = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    const cache = new Map();
    const background = el => {  // the colour behind el: its own and its ancestors' backgrounds
        if (!el) return [255, 255, 255, 1];
        if (cache.has(el)) return cache.get(el);
        const own = rgba(getComputedStyle(el).backgroundColor);
        const bg = own && own[3] >= 1 ? own : own && own[3] > 0 ? over(own, background(el.parentElement)) : background(el.parentElement);
        cache.set(el, bg);
        return bg;
    };
    const opacity = el => el ? Number(getComputedStyle(el).opacity) * opacity(el.parentElement) : 1;
    const problems = [];
    for (const el of elements) {
        const text = el.classList.contains("katex") ? el.textContent
            : [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join("").trim();
        if (!text) continue;
        const box = el.getBoundingClientRect(), style = getComputedStyle(el);
        if (box.width < 2 || box.height < 2 || style.visibility !== "visible") continue;
        const shown = opacity(el);
        if (shown < 0.1) continue;  // hidden on purpose (a permalink until hover or focus)
        const bg = background(el);
        const fg = over([...rgba(style.color).slice(0, 3), rgba(style.color)[3] * shown], bg);
        const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
        const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
        const ratio = contrast(fg, bg);
        if (ratio < needed) problems.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} `
            + `"${text.slice(0, 40)}": contrast ${ratio.toFixed(2)} < ${needed}`);
    }
    for (const img of document.querySelectorAll(".bd-article img")) {
        img.loading = "eager";  // figures further down, too (their place is kept: no shift)
        await img.decode().catch(() => {});
        if (!img.naturalWidth || !img.getClientRects().length) continue;
        const canvas = document.createElement("canvas");
        canvas.width = Math.min(img.naturalWidth, 120);
        canvas.height = Math.max(1, Math.round(canvas.width * img.naturalHeight / img.naturalWidth));
        const ctx = canvas.getContext("2d");
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
        const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let transparent = false;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] < 250) { transparent = true; break; }
        if (transparent && luminance(background(img)) < 0.5)
            problems.push(`image ${img.src.split("/").pop()} has transparent parts on a dark background`);
    }
    return problems;
}"""
# axe-core (tests inject it from node_modules; the site never serves it) with the rules of
# WCAG 2.0 and 2.1, levels A and AA, on the whole page: its violations, one line each (rule,
# impact, element, what to fix), and what is hard to read (CONTRAST) among the text whose
# contrast axe cannot judge. Those are the formulas: KaTeX draws each as hundreds of spans of
# one letter or symbol, which axe leaves undecided ("too short to be text"); while axe runs,
# that drawing (`.katex-html`, hidden from screen readers: its MathML is what they read) is
# made invisible, which changes no layout and no name or role and spares axe a third of its
# work on a page of 440 formulas, and each formula is measured as one piece of text instead,
# with the text axe still leaves undecided (partly covered by another element). No rule is
# turned off.
AXE_RUN = """async tags => {
    const drawing = document.createElement("style");
    drawing.textContent = ".katex-html { visibility: hidden !important; }";
    document.head.append(drawing);
    let result;
    try {
        result = await axe.run(document, {runOnly: {type: "tag", values: tags}, elementRef: true,
                                          resultTypes: ["violations", "incomplete"]});
    } finally {
        drawing.remove();
    }
    const undecided = new Set(result.incomplete.filter(rule => rule.id === "color-contrast")
        .flatMap(rule => rule.nodes.map(node => node.element)));
    return {
        violations: result.violations.flatMap(rule => rule.nodes.map(node =>
            `${rule.id} (${rule.impact}): ${node.target.join(" ")}: ${node.failureSummary.replace(/\\s+/g, " ")}`)),
        unreadable: await (%s)([...document.querySelectorAll(".katex"), ...undecided]),
    };
}""" % CONTRAST


def accessibility_problems(visit):
    return [f"{visit.docname}: {line}" for line in visit.violations + visit.unreadable]


@each_page
def test_accessible_wcag_2_1_aa(visit):
    """axe-core finds no violation of WCAG 2.0/2.1 A and AA (names of controls, roles, contrast of
    text, boxes, code and tables, keyboard access to what scrolls...) and the text it cannot
    judge keeps its contrast, in light mode at desktop size."""
    problems = accessibility_problems(visit)
    assert not problems, "\n".join(problems[:30])


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


# Start keyboard navigation at the heading (as a click on it would), without hovering it.
START_AT = "el => { el.setAttribute('tabindex', '-1'); el.focus(); }"


HEADINGS = ".bd-article :is(h1, h2, h3, h4, h5, h6)"
PERMALINKS = """selector => [...document.querySelectorAll(selector)].map(h => {
    const links = h.querySelectorAll(":scope > a.headerlink"), link = links[0];
    const href = link?.getAttribute("href") || "";
    const shown = el => getComputedStyle(el).visibility === "visible" && Number(getComputedStyle(el).opacity) > 0;
    const found = {heading: h.innerText.slice(0, 60), links: links.length, href,
                   targets: href.startsWith("#") ? document.querySelectorAll(`[id='${href.slice(1)}']`).length : 0,
                   shownIdle: link ? shown(link) : false};
    if (link) {
        link.focus();
        found.focusable = document.activeElement === link && link.tabIndex >= 0;
        found.shownFocused = shown(link);
        link.blur();
    }
    return found;
})"""
# Scroll heading i to the middle of the screen; where the mouse must go to hover it (the point
# must hit the heading itself, not a sticky header or a box drawn over it).
POINT_AT = """([selector, i]) => {
    const h = document.querySelectorAll(selector)[i];
    h.scrollIntoView({block: "center"});
    const box = h.getBoundingClientRect(), x = box.left + Math.min(20, box.width / 2), y = box.top + box.height / 2;
    return h.contains(document.elementFromPoint(x, y)) ? [x, y] : null;
}"""
LINK_SHOWN = """([selector, i]) => {
    const link = document.querySelectorAll(selector)[i].querySelector(":scope > a.headerlink");
    return getComputedStyle(link).visibility === "visible" && Number(getComputedStyle(link).opacity) > 0;
}"""


@each_page
def test_every_heading_has_a_permalink_shown_on_hover_and_keyboard_focus(visit):
    """Each heading's ¶ link exists, points to the heading, is hidden at rest, and shows on
    hover (the real mouse over every heading) and on keyboard focus (focus() on every link,
    and the real Tab key from the first heading)."""
    page = visit.page
    page.mouse.move(0, 0)
    headings = page.evaluate(PERMALINKS, HEADINGS)
    assert headings, "no headings found"
    for h in headings:
        assert h["links"] == 1, f"heading without a permalink: {h['heading']!r}"
        assert h["href"].startswith("#") and h["targets"] == 1, h
        assert not h["shownIdle"], f"permalink {h['href']} is shown without hover or focus"
        assert h["focusable"], f"permalink {h['href']} cannot get keyboard focus"
        assert h["shownFocused"], f"permalink {h['href']} has keyboard focus but is invisible"
    for i, h in enumerate(headings):
        point = page.evaluate(POINT_AT, [HEADINGS, i])
        assert point, f"heading {h['heading']!r} is covered: the mouse cannot reach it"
        page.mouse.move(*point)
        assert page.evaluate(LINK_SHOWN, [HEADINGS, i]), f"permalink {h['href']} is not shown on hover"
    page.mouse.move(0, 0)
    # The real Tab key, from the first heading.
    first = page.locator(HEADINGS).first
    link = first.locator("> a.headerlink")
    first.evaluate(START_AT)
    for _ in range(5):  # Tab past any links in the heading's own text
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the first heading's permalink cannot be reached with the Tab key")
    assert link.evaluate(SHOWN), "permalink has keyboard focus but is invisible"


# What a printed page must leave out: the navigation and the buttons around the text.
NAVIGATION = (".bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .header-article, "
              ".prev-next-area, .bd-footer, .headerlink, button, .search-button, #pst-back-to-top")
PRINTED = """selector => ({
    shown: [...document.querySelectorAll(selector)].filter(el => el.getClientRects().length)
        .map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`).slice(0, 10),
    article: document.querySelector(".bd-article").getClientRects().length > 0,
})"""


@each_page
def test_printing_a_page_leaves_out_the_navigation(visit):
    page = visit.page
    page.emulate_media(media="print")
    try:
        found = page.evaluate(PRINTED, NAVIGATION)
    finally:
        page.emulate_media(media="screen")
    assert found["article"], "the page's text is not printed"
    assert not found["shown"], f"printed with the page: {found['shown']}"


# Elements reaching past the right edge of the viewport, outermost first, except inside a
# container that scrolls sideways (code blocks, display math, tables in their scroll wrapper)
# and KaTeX's MathML (visually hidden: read by screen readers and copy-tex).
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
        if (el.closest(".katex-mathml")) continue;
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


def test_search_finds_a_known_term(new_page, site):
    page = new_page(DESKTOP)
    problems = load(page, site, f"search.html?q={SEARCH_TERM}")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=15000)
    hrefs = results.evaluate_all("links => links.map(a => a.href)")
    assert any(h.startswith(f"{site}book/") for h in hrefs), hrefs
    assert not problems, "\n".join(problems)


@each_page_on_a_phone
def test_page_loads_without_errors_on_a_phone(phone):
    assert not phone.problems, "\n".join(phone.problems)


@each_page_on_a_phone
def test_a_link_to_each_published_label_lands_on_it_on_a_phone(phone):
    """As test_a_link_to_each_published_label_lands_on_it, at a phone's 390 x 844."""
    problems = links_land(phone)
    assert not problems, "\n".join(problems)


@each_page_on_a_phone
def test_nothing_overflows_a_phone_screen(phone):
    found = phone.overflow
    assert not found["wide"], f"wider than the {found['width']}px screen:\n" + "\n".join(found["wide"])
    assert found["scrollWidth"] <= found["width"], f"the page scrolls sideways: {found}"


@each_page_on_a_phone
def test_tables_that_scroll_sideways_take_the_focus_and_the_arrow_keys(phone):
    """A table wider than a phone's screen scrolls in its own box, which a keyboard reader must
    reach with Tab (a region named by the table's caption or header row: _ext/accessible_markup.py)
    and scroll with the arrow keys."""
    page = phone.page
    tables = page.locator(".pst-scrollable-table-container")
    wide = [tables.nth(i) for i in range(tables.count())
            if tables.nth(i).evaluate("el => el.scrollWidth > el.clientWidth")]
    if not wide:
        pytest.skip("no table is wider than a phone's screen on this page")
    for table in wide:
        assert table.evaluate("el => el.tabIndex === 0 && el.role === 'region' && !!el.ariaLabel"), (
            "a table that scrolls sideways is not a named region in the Tab order")
        table.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("el => el.scrollLeft > 0", arg=table.element_handle(), timeout=2000)


@each_page_on_a_phone
def test_accessible_wcag_2_1_aa_in_dark_mode(phone):
    """As test_accessible_wcag_2_1_aa, on a phone in dark mode (the site follows a reader's dark
    mode: default_mode: auto), and figures sit on a light backing. Screenshots: <page>-dark.png."""
    problems = accessibility_problems(phone)
    assert not problems, "\n".join(problems[:30])

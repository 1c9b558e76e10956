"""Every published label opened cold, one by one (DEEP_LINKS=every; not part of `make test`).

tests/test_site_in_browser.py opens each page cold with a link to its last section, at desktop
and phone size, and checks in that visit that every published label of the page keeps its
place, can come to the top and lands when followed within the page. This does literally what
a reader does: for every label of tests/published-labels.txt, at both sizes, a fresh browser
context (nothing cached) opens page.html#label, and the label must be at the top of the screen,
just below the sticky header, right after load and still STAYS_FOR ms later. About 340 cold
loads cost Chromium some 1,000 CPU-seconds on this 2-core machine (make test's whole budget
is 400), hence opt-in: `DEEP_LINKS=every .venv/bin/pytest tests/test_deep_links.py`. Loads run
a few at a time, so that their waits overlap.
"""
import json
import os

import pytest
from booksite import DESKTOP, PHONE, link_targets, published_labels, slug, toc_docnames
from test_site_in_browser import BELOW_HEADER, LANDING, STAYS_FOR

pytestmark = [pytest.mark.build, pytest.mark.browser, pytest.mark.skipif(
    os.environ.get("DEEP_LINKS") != "every",
    reason="every label cold costs ~1,000 CPU-s: run with DEEP_LINKS=every")]

AT_ONCE = 6  # pages loading together


def test_every_published_label_lands_when_opened_cold(browser, site, html):
    loads = []
    for docname in toc_docnames():
        anchors, last_section = link_targets(html, docname)
        listed = [label for page, label in published_labels() if page == slug(docname)]
        assert len(anchors) == len(listed), f"{docname}: a published label is not an element of the page"
        loads += [(docname, anchor, size) for anchor in anchors + [last_section]
                  for size in (DESKTOP, PHONE)]
    missed = []
    for start in range(0, len(loads), AT_ONCE):
        opened = []
        for docname, anchor, size in loads[start:start + AT_ONCE]:
            context = browser.new_context(viewport=size)
            page = context.new_page()
            page.add_init_script(LANDING % (json.dumps([]), STAYS_FOR))
            page.goto(f"{site}{docname}.html#{anchor}", wait_until="commit")
            opened.append((context, page, f"{docname}.html#{anchor} at {size['width']} px"))
        for context, page, link in opened:
            page.wait_for_function("window.__landing?.later", timeout=60_000)
            for when, found in page.evaluate("window.__landing").items():
                if not found["header"] - 1 <= found["top"] <= found["header"] + BELOW_HEADER:
                    missed.append(f"{link}, {when}: its top at {found['top']:.0f} px, "
                                  f"the header's bottom at {found['header']:.0f} px")
            context.close()
    assert not missed, f"{len(missed)} of {2 * len(loads)} landings missed:\n" + "\n".join(missed)

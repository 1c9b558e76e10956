#!/usr/bin/env python3
"""How fast a reader on a phone sees each page of the built site, math included.

For every page of _toc.yml: headless Chromium (Debian's, driven by Playwright) at the phone
viewport of the browser tests, with the CPU slowed four times (DevTools'
Emulation.setCPUThrottlingRate, roughly a mid-range phone), a fresh browser context per visit
(nothing cached: a reader following a pasted link). It measures, from navigation:

- the first screen: the screen a reader sees is complete: painted, its formulas rendered, no
  web font still loading (RENDER_STAMP below says exactly when);
- the whole page: the load event, every font loaded, and any typesetter that runs in the
  browser (MathJax, before issue 13) done;
- the bytes the server sent for the page and what it loaded by then (response bodies,
  uncompressed; images further down load as the reader scrolls), and the requests;
- the number of math elements, and that each is rendered.

Budget: every page's first screen within 1.5 x the time of the book's pages without math
(their median), at most 1.5 MB sent, every formula rendered. Runs in `make bench`
(bench/bench.py) on the benchmark's own build, or alone on any built site:
bench/reader_speed.py [--html _build/html] [--runs 3] [--json FILE] [--linked]
With --linked each visit follows a link to the page's last section (page.html#<its id>): the
page then lays out every block before it scrolls (_static/book.css), and the first screen is
the one where the link lands.
"""
import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from booksite import (CHROMIUM, CHROMIUM_ARGS, PHONE, link_targets, serve, slug,  # noqa: E402
                      toc_docnames)

CPU_SLOWDOWN = 4
TIME_BUDGET = 1.5  # x the pages without math
BYTES_BUDGET = 1.5e6

# Installed before any script of the page runs; stamps two moments (ms since navigation):
# - first screen: the first of two frames in a row in which the page has painted content
#   (first contentful paint), its text reaches below the screen (or is all there), every
#   formula on the screen is rendered (KaTeX's output, or MathJax's once it has typeset)
#   and no web font is still loading: what a reader following a link sees, complete;
# - whole page: the load event has fired, every web font is loaded, a typesetter running in
#   the browser (MathJax, before issue 13) has finished, and one more frame is painted.
RENDER_STAMP = """
(() => {
    // The blocks of the text (paragraphs, formulas, cells...) that are on the screen, found
    // in document order and measured by their own boxes only, so that checking forces no
    // layout the browser would skip (content-visibility) and stops at the first one below.
    const onScreenBlocks = () => {
        const blocks = [];
        for (const block of document.querySelectorAll(".bd-article section > :not(section)")) {
            const box = block.getBoundingClientRect();
            if (box.top >= innerHeight) break;
            if (box.bottom > 0) blocks.push(block);
        }
        return blocks;
    };
    let ready = 0;
    const check = () => {
        const painted = performance.getEntriesByName("first-contentful-paint").length > 0;
        const article = document.querySelector(".bd-article");
        const filled = document.readyState !== "loading"
            || (article && article.getBoundingClientRect().bottom > innerHeight);
        // (document.fonts.status stays "loading" until the whole page is laid out)
        const fontsIn = ![...document.fonts].some(font => font.status === "loading");
        const rendered = painted && filled && fontsIn
            && onScreenBlocks().every(block => [...block.querySelectorAll("div.math, span.math")]
                .concat(block.matches("div.math") ? [block] : [])
                .every(el => el.querySelector(".katex, mjx-container")));
        ready = rendered ? ready + 1 : 0;
        if (ready === 2) window.__firstScreenAt = performance.now();
        else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
    window.addEventListener("load", async () => {
        await document.fonts.ready;
        if (window.MathJax?.startup?.promise) await window.MathJax.startup.promise;
        await document.fonts.ready;  // fonts a typesetter asked for while it ran
        await new Promise(done => requestAnimationFrame(() => setTimeout(done)));
        window.__wholePageAt = performance.now();
    });
})();
"""
MATH = """() => {
    const math = [...document.querySelectorAll("div.math, span.math")];
    return {
        math: math.length,
        rendered: math.filter(el => el.querySelector("mjx-container, .katex")).length,
    };
}"""


def visit(browser, server, path):
    """One cold visit at phone size, CPU slowed: the two times, bytes, requests."""
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.add_init_script(RENDER_STAMP)
        page.context.new_cdp_session(page).send(
            "Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        sent_before = server.bytes_sent
        page.goto(server.url + path, wait_until="load", timeout=120_000)
        page.wait_for_function("window.__wholePageAt && window.__firstScreenAt", timeout=120_000)
        page.wait_for_load_state("networkidle")  # what the page fetches after load counts too
        first, whole = page.evaluate("[window.__firstScreenAt, window.__wholePageAt]")
        math = page.evaluate(MATH)
        return {"first_screen_s": first / 1000, "whole_page_s": whole / 1000,
                "bytes": server.bytes_sent - sent_before, "requests": len(requests), **math}
    finally:
        context.close()


def measure(html, runs=3, log=print, linked=False):
    """Every page `runs` times (round robin, so a busy moment hits all pages alike); medians.
    linked: follow a link to each page's last section instead of opening its top."""
    from playwright.sync_api import sync_playwright

    pages = {slug(d): f"{d}.html" + (f"#{link_targets(html, d)[1]}" if linked else "")
             for d in toc_docnames()}
    found = {name: [] for name in pages}
    with serve(html) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for run in range(runs):
                for name, path in pages.items():
                    found[name].append(visit(browser, server, path))
                log(f"  reader speed, run {run + 1} of {runs}: done", flush=True)
        finally:
            browser.close()
    table = {}
    for name, visits in found.items():
        row = {}
        for key in ("first_screen_s", "whole_page_s"):
            times = [v[key] for v in visits]
            row[key] = round(statistics.median(times), 2)
            row[key[:-2] + "_spread_s"] = round(max(times) - min(times), 2)
        row.update(bytes=max(v["bytes"] for v in visits), requests=max(v["requests"] for v in visits),
                   math=visits[-1]["math"], unrendered=max(v["math"] - v["rendered"] for v in visits))
        table[name] = row
    reference = {}
    for key in ("first_screen_s", "whole_page_s"):
        no_math = [t[key] for t in table.values() if t["math"] == 0]
        reference[key] = statistics.median(no_math) if no_math else None
    for row in table.values():
        for key in ("first_screen_s", "whole_page_s"):
            row[key[:-2] + "_x_no_math"] = (
                round(row[key] / reference[key], 2) if reference[key] else None)
        row["within_budget"] = (
            row["bytes"] <= BYTES_BUDGET and row["unrendered"] == 0
            and (not reference["first_screen_s"]
                 or row["first_screen_s"] <= TIME_BUDGET * reference["first_screen_s"]))
    return {
        "cpu_slowdown": CPU_SLOWDOWN, "viewport": PHONE, "runs": runs, "linked": linked,
        "no_math_reference_s": reference, "pages": table,
        "all_within_budget": all(r["within_budget"] for r in table.values()),
    }


def print_table(result):
    print(f"\nreader speed: phone {result['viewport']['width']}x{result['viewport']['height']}, "
          f"CPU / {result['cpu_slowdown']}, cold cache, median of {result['runs']}"
          + (", a link to each page's last section" if result.get("linked") else ""))
    print(f"{'page':<32} {'math':>5} {'1st screen s':>12} {'x':>5} {'whole page s':>12} {'x':>5}"
          f" {'MB sent':>8} {'requests':>8}  budget")
    for name, r in result["pages"].items():
        print(f"{name:<32} {r['math']:>5} {r['first_screen_s']:>12.2f} {r['first_screen_x_no_math']!s:>5}"
              f" {r['whole_page_s']:>12.2f} {r['whole_page_x_no_math']!s:>5}"
              f" {r['bytes'] / 1e6:>8.2f} {r['requests']:>8}  {'ok' if r['within_budget'] else 'OVER'}"
              + (f" ({r['unrendered']} math unrendered)" if r["unrendered"] else ""))
    ref = result["no_math_reference_s"]
    print(f"x: times the pages without math (first screen {ref['first_screen_s']} s, whole page "
          f"{ref['whole_page_s']} s). Budget: first screen within {TIME_BUDGET} x, at most "
          f"{BYTES_BUDGET / 1e6:.1f} MB, every formula rendered: "
          + ("every page within" if result["all_within_budget"] else "NOT MET"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    parser.add_argument("--linked", action="store_true",
                        help="follow a link to each page's last section (page.html#id)")
    args = parser.parse_args()
    result = measure(args.html, args.runs, linked=args.linked)
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

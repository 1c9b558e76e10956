#!/usr/bin/env python3
"""Print the whole book to one PDF: the second step of `make pdf`.

`make pdf` first builds the book as one HTML page (Sphinx's singlehtml builder, into
_build/singlehtml/, never over the site in _build/html/), with the math rendered as on the
site. This opens that page in headless Chromium (Debian's /usr/bin/chromium driven by
Playwright: no browser is downloaded) and prints it as a reader's browser prints a page: the
site's print styles (_static/book.css) leave out the navigation and the buttons, open the
"Checks" boxes and start each chapter on a new page. A4, the title and the revision (the
commit of the repository and its date: what makes a kept copy citable) at the top of each page,
page numbers at the foot, the sections as PDF bookmarks, and the links between sections kept
as links inside the PDF.

The PDF is written to _build/pdf/<name> and copied to the root of the site (_build/html/),
where the workflow publishes it; <name> is `html_context.book_pdf` in _config.yml, which the
download menu (_ext/book_pdf.py) and the page how-to-cite link to.

Usage: tools/print_pdf.py [--singlehtml DIR] [--out PDF] [--site DIR]
"""
import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from booksite import CHROMIUM, CHROMIUM_ARGS, CONFIG, toc_docnames  # noqa: E402

PDF_NAME = CONFIG["sphinx"]["config"]["html_context"]["book_pdf"]
HEADER = ('<div style="font-size:8px; width:100%; margin:0 12mm; display:flex; '
          'justify-content:space-between; color:#555"><span class="title"></span>'
          '<span>{revision}</span></div>')
FOOTER = ('<div style="font-size:8px; width:100%; text-align:center; color:#555">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


def revision(root=ROOT):
    """Which sources the PDF is made from, for its header: "revision <commit> of <its date>",
    "+ local changes" when the checkout differs from that commit, or "revision unknown" outside
    a git checkout. (safe.directory: CI's container runs as root in a checkout it does not own.)"""
    def git(*args):
        return subprocess.run(["git", "-c", f"safe.directory={root}", "-C", str(root), *args],
                              capture_output=True, text=True, check=True).stdout.strip()
    try:
        commit, date = git("log", "-1", "--format=%h %cs").split()
        changed = git("status", "--porcelain")
    except (OSError, subprocess.CalledProcessError, ValueError):
        return "revision unknown"
    return f"revision {commit} of {date}" + (" + local changes" if changed else "")


def print_book(singlehtml, pdf):
    """Print the single-page build in folder `singlehtml` to the file `pdf`."""
    from playwright.sync_api import sync_playwright

    built = singlehtml / f"{toc_docnames()[0]}.html"  # the root page holds the whole book
    if not built.is_file():
        sys.exit(f"print_pdf: {built} is missing: build it first "
                 "(jupyter-book build . --builder singlehtml; `make pdf` does both)")
    # Sphinx writes the root page (book/intro.html) with links relative to the folder's root,
    # where Jupyter Book puts only a redirect (index.html): the page is printed from there.
    # Its links to its own sections are written as links to that file (book/intro.html#label):
    # made links within the page, they become links within the PDF.
    page_path = singlehtml / "index.html"
    page_path.write_text(built.read_text(encoding="utf-8").replace(
        f'href="{built.relative_to(singlehtml).as_posix()}#', 'href="#'), encoding="utf-8")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(page_path.as_uri(), wait_until="load")
            # What the browser does before printing: togglebutton opens the dropdown boxes.
            page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
            # Lay out every block now (the site lets the browser skip those away from the
            # screen, content-visibility in _static/book.css), so that every font a formula
            # needs is fetched before printing starts, not missing from the PDF.
            page.emulate_media(media="print")
            page.add_style_tag(content="* { content-visibility: visible !important; }")
            page.evaluate("document.body.offsetHeight")
            page.evaluate("document.fonts.ready.then(() => true)")
            page.pdf(path=pdf, format="A4", print_background=True, outline=True, tagged=True,
                     display_header_footer=True, footer_template=FOOTER,
                     header_template=HEADER.format(revision=revision()),
                     margin={"top": "16mm", "bottom": "16mm", "left": "12mm", "right": "12mm"})
        finally:
            browser.close()
    return pdf


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--singlehtml", type=Path, default=ROOT / "_build" / "singlehtml")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / PDF_NAME)
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html",
                        help="the built site, which gets a copy at its root")
    args = parser.parse_args()
    pdf = print_book(args.singlehtml, args.out)
    if args.site.is_dir():
        shutil.copy2(pdf, args.site / PDF_NAME)
    print(f"written: {pdf}" + (f" (and {args.site / PDF_NAME})" if args.site.is_dir() else ""))


if __name__ == "__main__":
    main()

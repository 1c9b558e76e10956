"""The PDF of the whole book (`make pdf`): every page of _toc.yml, in order, printed properly.

The session fixture `book_pdf` (tests/conftest.py) makes it as `make pdf` does, next to the
session build: the strict single-page build, printed by tools/print_pdf.py in headless
Chromium. Its text is read with PDFium (pypdfium2), its bookmarks and links with pypdf. The
site links to it from every page's download menu (_ext/book_pdf.py) and from how-to-cite.
"""
import re
import subprocess
from unicodedata import normalize

import pytest
from booksite import CONFIG, ROOT, SITE_URL, page_title, slug, toc_docnames

pytestmark = [pytest.mark.build, pytest.mark.browser]

PDF_NAME = CONFIG["sphinx"]["config"]["html_context"]["book_pdf"]
RAW_TEX = re.compile(r"\$\$|\\[()\[\]]|\\[A-Za-z]+|[\^_]\{")  # $$, \(, \frac, ^{ or _{


def read(pdf):
    """Per page: all its text, and its text outside code (not in a monospace font); read with
    PDFium (pypdfium2), 20 times faster than pypdf's text extraction."""
    import ctypes

    import pypdfium2
    import pypdfium2.raw as pdfium

    pages = []
    font = ctypes.create_string_buffer(256)
    for page in pypdfium2.PdfDocument(pdf):
        text = page.get_textpage()
        prose = []
        for i in range(text.count_chars()):
            pdfium.FPDFText_GetFontInfo(text, i, font, len(font), None)
            if b"Mono" not in font.value:
                prose.append(chr(pdfium.FPDFText_GetUnicode(text, i)))
        # NFKC: the ligatures of the printed text (ﬀ, ﬁ) as letters
        pages.append(tuple(re.sub(r"\s+", " ", normalize("NFKC", t))
                           for t in (text.get_text_range(), "".join(prose))))
    return pages


def links_and_images(reader):
    """Link annotations (internal ones go to a place in the PDF; others have a URI) and images."""
    internal, uris, images = 0, [], set()
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            action = action.get_object() if action is not None else {}
            if "/Dest" in annot or action.get("/S") == "/GoTo":
                internal += 1
            elif "/URI" in action:
                uris.append(str(action["/URI"]))
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        for ref in (xobjects.get_object() if xobjects is not None else {}).values():
            if ref.get_object().get("/Subtype") == "/Image":
                images.add(ref.idnum if hasattr(ref, "idnum") else id(ref))
    return internal, uris, images


def test_make_pdf_prints_every_page_in_order_with_numbers_math_figures_and_links(book_pdf, html):
    problems = [line for line in book_pdf.log.splitlines()
                if ("WARNING" in line or "ERROR" in line) and "without encryption" not in line]
    assert book_pdf.returncode == 0 and not problems, (
        f"make pdf failed ({book_pdf.returncode}):\n" + "\n".join(problems) + book_pdf.log[-2000:])
    import pypdf

    reader, pages = pypdf.PdfReader(book_pdf.pdf), read(book_pdf.pdf)
    n = len(pages)

    # Every page of _toc.yml: a bookmark with its title, in the order of _toc.yml, each chapter
    # on pages after the previous one, and its title in the text of that page (compared
    # without spaces: a bookmark loses the space where its heading wrapped).
    titles = [page_title(html, d) for d in toc_docnames()]
    bare = [re.sub(r"\s+", "", t) for t in titles]
    assert n >= len(titles), f"{n} pages for {len(titles)} chapters"
    marks = {}

    def walk(outline):
        for item in outline:
            if isinstance(item, list):
                walk(item)
            else:
                marks.setdefault(re.sub(r"\s+", "", item.title),
                                 reader.get_destination_page_number(item))

    walk(reader.outline)
    missing = [t for t, b in zip(titles, bare) if b not in marks]
    assert not missing, f"chapters without a bookmark: {missing}; bookmarks: {list(marks)[:40]}"
    starts = [marks[b] for b in bare]
    assert starts == sorted(starts) and len(set(starts[1:])) == len(starts) - 1, (
        f"chapters out of order or sharing a page: {dict(zip(titles, starts))}")
    for title, start in zip(titles, starts):
        assert re.sub(r"\s+", "", title) in re.sub(r"\s+", "", pages[start][0]), (
            f"{title!r} is not in the text of page {start + 1}")

    # Page numbers at the foot of every page, and at the top the commit the book was made from
    # (a kept copy names its sources: how-to-cite), read here from git independently.
    unnumbered = [i for i, (text, _) in enumerate(pages, 1) if f"{i} / {n}" not in text]
    assert not unnumbered, f"pages without their number: {unnumbered}"
    commit = subprocess.run(["git", "-c", f"safe.directory={ROOT}", "-C", str(ROOT), "log", "-1",
                             "--format=%h of %cs"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    unnamed = [i for i, (text, _) in enumerate(pages, 1) if f"revision {commit}" not in text]
    assert not unnamed, f"pages without 'revision {commit}' at the top: {unnamed[:10]}"

    # No TeX source outside code: every formula was rendered.
    raw = [f"page {i}: …{prose[max(0, m.start() - 40):m.end() + 20]}…"
           for i, (_, prose) in enumerate(pages, 1) for m in RAW_TEX.finditer(prose)]
    assert not raw, "raw TeX in the PDF:\n" + "\n".join(raw[:20])

    # Figures, and links inside the book kept as links into the PDF (a link that Chromium
    # could not resolve inside the document would point at the printed file instead).
    internal, uris, images = links_and_images(reader)
    page_html = (book_pdf.singlehtml / "index.html").read_text(encoding="utf-8")
    article = page_html[page_html.index('<article class="bd-article"'):]
    figures = len(set(re.findall(r'<img[^>]*src="([^"]+)"', article)))
    assert len(images) >= figures, f"{len(images)} images in the PDF, {figures} in the book"
    # Every KaTeX font the formulas use (the page preloads them) is in the PDF: a font still
    # loading when Chromium printed would leave its symbols (a large sum sign) blank.
    needed = set(re.findall(r"katex/fonts/(KaTeX_[\w-]+)\.woff2", page_html))
    embedded = {str(font.get_object().get("/BaseFont", "")).split("+")[-1]
                for page in reader.pages
                for res in [page.get("/Resources")] if res is not None
                for fonts in [res.get_object().get("/Font")] if fonts is not None
                for font in fonts.get_object().values()}
    assert needed and needed <= embedded, f"KaTeX fonts missing from the PDF: {needed - embedded}"
    local = [u for u in uris if u.startswith("file:")]
    assert not local, f"links to the printed file instead of into the PDF: {local[:10]}"
    assert internal >= len(titles), f"only {internal} links inside the PDF"


def test_the_site_links_to_the_pdf(html):
    """From the page how-to-cite (at its published address) and every page's download menu."""
    cite = (html / "book" / "how-to-cite.html").read_text(encoding="utf-8")
    assert f'href="{SITE_URL}{PDF_NAME}"' in cite, "how-to-cite does not link to the PDF"
    for docname in toc_docnames():
        page = (html / f"{docname}.html").read_text(encoding="utf-8")
        link = re.search(r'<a href="([^"]+)"[^>]*btn-download-book-pdf-button', page)
        assert link and link.group(1) == "../" * docname.count("/") + PDF_NAME, (
            f"{slug(docname)}: no link to the PDF in the download menu")

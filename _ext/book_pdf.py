"""The PDF of the whole book in every page's download menu (a local Sphinx extension).

`make pdf` prints the book (tools/print_pdf.py) to the file named by `html_context.book_pdf`
in _config.yml, and puts it at the root of the site, where the workflow publishes it. The
theme's download menu offers the page's sources and "print this page"; this adds the whole
book, the fixed copy to cite (see the page "How to cite or link to this book").

It also lets the singlehtml build that `make pdf` prints render every node the HTML build
renders: Sphinx takes a node's HTML handlers for singlehtml only while no extension registers
handlers under the name "singlehtml" itself; sphinx-exercise does, and sphinx-design's card
titles then failed with "unknown node type: PassthroughTextElement".
"""


def add_to_download_menu(app, pagename, templatename, context, doctree):
    """html-page-context, after the theme made its header buttons (priority 501)."""
    name = app.config.html_context.get("book_pdf")
    menus = [b for b in context.get("header_buttons", []) if b.get("label") == "download-buttons"]
    if not name or not menus:
        return
    menus[0]["buttons"].append({
        "type": "link",
        "url": context["pathto"](name, 1),
        "text": "book .pdf",
        "tooltip": "The whole book as one PDF",
        "icon": "fas fa-book",
        "label": "download-book-pdf-button",
    })


def html_handlers_for_singlehtml(app):
    """builder-inited: every node's "html" handlers also serve singlehtml, unless it has its own."""
    handlers = app.registry.translation_handlers
    if app.builder.name == "singlehtml" and "singlehtml" in handlers:
        handlers["singlehtml"] = {**handlers.get("html", {}), **handlers["singlehtml"]}


def setup(app):
    app.connect("builder-inited", html_handlers_for_singlehtml)
    app.connect("html-page-context", add_to_download_menu, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

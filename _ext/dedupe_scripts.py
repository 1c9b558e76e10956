"""Write each inline <script> once per page (a local Sphinx extension, see _config.yml).

Sphinx 7.3-7.4 adds the scripts that extensions register after the builder starts a second
time when the pages are written: app.add_js_file(None, body=...) is stored with the file
name None, the second copy with '', so they do not compare equal. sphinx-thebe's inline
script then declares `const THEBE_JS_URL` twice and every page logs a SyntaxError in the
browser console (tests/test_site_in_browser.py checks that the console stays clean).
"""


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        key = (js.filename or "", js.priority, tuple(sorted(js.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

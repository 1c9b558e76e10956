"""A pasted link to a label lands on it (a local Sphinx extension, see _config.yml).

1. A heading with a label, `(path-rule)=` then `## The path rule ...`, gets two ids: one made from
   the heading text and the label. Sphinx uses the first for the heading's ¶ link and the page's
   contents sidebar, so the links readers copy would break whenever a heading is reworded. This
   puts the label first: the ¶ link and the sidebar then point to `page.html#path-rule`, the
   stable address that the citation contract promises (tests/published-labels.txt), and the
   text-made id stays as an alias.
2. The browser must lay out the page above the label before it scrolls there. `_static/book.css`
   lets it skip the blocks of the text away from the screen (`content-visibility`, for speed),
   sizing each by a guess: scrolling to an anchor over guessed blocks left the section up to
   2,000 px off. LINKED, a few lines in every page's <head>, marks the page `linked` (a class on
   <html>) when its URL names an anchor, before anything is laid out, and when the reader follows
   a link within the page; book.css then lays out every block and leaves room below the last
   section to bring it to the top. A target inside a folded block (a dropdown, a closed
   <details>) is unfolded. tests/test_site_in_browser.py checks every published label at desktop
   and phone size (tests/test_deep_links.py opens each cold, on demand), tests/test_keyboard.py
   a link followed within the page and a link into a folded solution.
"""

from docutils import nodes

LINKED = """(() => {
  const root = document.documentElement, mark = () => root.classList.add("linked");
  const target = () => document.getElementById(decodeURIComponent(location.hash.slice(1)));
  const unfold = () => {  // open the folded blocks around the target; true if there were any
    let folded = false;
    for (let el = target()?.parentElement; el; el = el.parentElement) {
      if (el.matches("details:not([open])")) { el.open = true; folded = true; }
      if (el.matches(".toggle-hidden")) {  // sphinx-togglebutton's dropdowns and solutions
        el.querySelector(":scope > .admonition-title > .toggle-button")?.click();
        folded = true;
      }
    }
    return folded;
  };
  if (location.hash) {
    mark();
    addEventListener("load", () => unfold() && target().scrollIntoView());  // folded at DOMContentLoaded
  }
  addEventListener("click", event => {  // a link within the page: before the browser scrolls
    const link = event.target.closest?.("a[href*='#']");
    if (link && link.pathname === location.pathname) mark();
  }, true);
  addEventListener("hashchange", () => {  // any other change of the anchor: after it scrolled
    mark();
    unfold();
    target()?.scrollIntoView();
  });
})();"""


def _labels_first(app, doctree):
    for section in doctree.findall(nodes.section):
        # A label is an explicit target name; the heading text gives an implicit one.
        labels = [doctree.nameids.get(name) for name in section["names"] if doctree.nametypes.get(name)]
        first = [i for i in section["ids"] if i in labels]
        section["ids"] = first + [i for i in section["ids"] if i not in first]


def setup(app):
    # Before the table-of-contents collector (priority 500) reads the ids on the same event.
    app.connect("doctree-read", _labels_first, priority=400)
    app.add_js_file(None, body=LINKED, priority=100)  # early in <head>: before the page is laid out
    return {"parallel_read_safe": True, "parallel_write_safe": True}

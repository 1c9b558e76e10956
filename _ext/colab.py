"""Every chapter in Google Colab (a local Sphinx extension, see _config.yml; CONTRIBUTING.md, "Colab").

Colab opens a notebook (.ipynb) that sits in a GitHub repository, not a MyST Markdown page. So:

- `notebook(docname)` is a chapter as a Colab notebook: a first cell that installs what Colab
  lacks for that chapter (the book's package from the repository, and what else the chapter
  imports besides NumPy, Matplotlib and IPython, at requirements.txt's pins) and does nothing
  where it is installed, then
  the chapter's own cells, read from book/<page>.md by jupytext, with the outputs of the book's
  build (from its execution cache, _build/.jupyter_cache);
- `python _ext/colab.py write DIR` writes them as DIR/book/<page>.ipynb, and
  .github/workflows/book.yml commits them, on every push to main, as the only commit of the
  branch `launch_buttons.colab_branch` of _config.yml (`python _ext/colab.py branch` prints it);
  generated notebooks are never committed to main;
- the launch button: sphinx-book-theme makes a Colab entry from `launch_buttons.colab_url`, but
  for the page's own file on the book's branch (book/<page>.md), which Colab cannot open. This
  points it at https://colab.research.google.com/github/<org>/<repo>/blob/<colab_branch>/book/<page>.ipynb
  (org and repo from `repository.url`, like Binder's), names it "Open in Colab", and leaves it
  out of pages that show no code (how-to-cite: its only cell, removed from the page, reads the
  repository's own files).

Root conftest.py runs each of these notebooks under nbval, in a fresh Colab-like environment
(tests/colab_env.py); tests/test_colab.py checks the buttons, the files and the first cell.
"""
import ast
import functools
import re
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
# What a Colab runtime has that the chapters import: NumPy, Matplotlib, and the Jupyter kernel
# (IPython). tests/colab_env.py makes the environment of the test from these distributions.
COLAB_BASE = ("numpy", "matplotlib", "ipykernel")
LABEL, TOOLTIP = "Open in Colab", "Open this chapter as a notebook in Google Colab"


def repository():
    """(org, repo) from repository.url, the one setting that names the repository."""
    org, repo = urlparse(CONFIG["repository"]["url"]).path.strip("/").split("/")[:2]
    return org, repo


def branch():
    """The branch that holds the generated notebooks (launch_buttons.colab_branch)."""
    return CONFIG["launch_buttons"]["colab_branch"]


def colab_url(docname):
    """The URL of a page's Colab button: its notebook on the notebooks branch."""
    org, repo = repository()
    colab = CONFIG["launch_buttons"]["colab_url"].rstrip("/")
    return f"{colab}/github/{org}/{repo}/blob/{branch()}/{docname}.ipynb"


def package_requirement():
    """The book's package as pip installs it from the repository (the package lives in code/)."""
    return f"git+{CONFIG['repository']['url'].rstrip('/')}#subdirectory=code"


def read(docname):
    """The page book/<page>.md as a notebook (jupytext)."""
    import jupytext

    return jupytext.read(ROOT / f"{docname}.md")


def shows_code(chapter):
    """A page gets a Colab notebook and button when it is a notebook (it has a kernel) whose
    code the reader sees: a code cell not removed from the page."""
    hidden = {"remove-cell", "remove-input"}
    return "kernelspec" in chapter.metadata and any(
        c.cell_type == "code" and not hidden & set(c.metadata.get("tags", [])) for c in chapter.cells)


def colab_pages():
    """The docnames of _toc.yml that get a Colab notebook, in book order."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    return [d for d in parse_toc_yaml(ROOT / "_toc.yml") if shows_code(read(d))]


def modules_imported_by(source):
    """Top-level names of the modules a piece of Python imports (lines of IPython magics left out;
    tests/test_binder_environment.py uses it too)."""
    code = "\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!")))
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def imported_modules(cells):
    """Top-level names of the modules the code cells import."""
    return set().union(*(modules_imported_by(c.source) for c in cells if c.cell_type == "code"))


def distributions_with_dependencies(names):
    """Installed distributions `names` and all they depend on (canonical names; a requirement
    `name[extra]` brings the extra's dependencies too)."""
    import importlib.metadata as metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    todo, found = [(n, "") for n in names], set()
    while todo:
        name, extra = todo.pop()
        name = canonicalize_name(name)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue  # for another platform or Python
        found.add(name)
        for spec in requires:
            req = Requirement(spec)
            if (req.marker is None or req.marker.evaluate({"extra": extra})) and req.name not in found:
                todo += [(req.name, e) for e in sorted(req.extras) or [""]]
    return found


@functools.cache
def _lookups():
    """(module -> distributions installed here, the Colab base with its dependencies,
    requirements.txt's exact pins {canonical name: 'name==version'})."""
    import importlib.metadata as metadata

    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)==(\S+)", line)
        if match:
            pins[canonicalize_name(match[1])] = f"{match[1]}=={match[2]}"
    owners = {module: {canonicalize_name(d) for d in dists}
              for module, dists in metadata.packages_distributions().items()}
    return owners, distributions_with_dependencies(COLAB_BASE), pins


def requirements(docname, chapter=None):
    """{module: what pip installs} for what the chapter imports and Colab lacks: the package
    from the repository, the rest at requirements.txt's pins (the versions the book is built with)."""
    owners, base, pins = _lookups()
    needed = {}
    modules = imported_modules((chapter or read(docname)).cells) - set(sys.stdlib_module_names)
    for module in sorted(modules - {"oneoverm"}):
        dists = owners.get(module, set())
        if dists & base:
            continue
        pinned = [pins[d] for d in sorted(dists) if d in pins]
        if not pinned:
            raise ValueError(f"{docname} imports {module!r}, which requirements.txt does not pin "
                             f"(installed from: {sorted(dists) or 'nothing'})")
        needed[module] = " ".join(pinned)
    return {"oneoverm": package_requirement(), **needed}


WHY = {"oneoverm": "the book's package, from the book's repository",
       "myst_nb": "its glue() shows each computed number"}


def install_cell(docname, reqs):
    """The first cell of a Colab notebook: pip-installs each requirement whose module is missing."""
    site = "https://{}.github.io/{}/".format(*repository())
    needs = [f"{m} ({WHY[m]})" if m in WHY else m for m in reqs]
    needs = ", ".join(needs[:-1]) + " and " + needs[-1] if len(needs) > 1 else needs[0]
    comment = (f'"{CONFIG["title"]}", the chapter {site}{docname}.html, as a notebook. Besides '
               f"NumPy and Matplotlib it needs {needs}. This installs whichever of them is "
               "missing, as in Google Colab, at the versions the book is built with; where all "
               "are installed, it does nothing.")
    return "\n".join([
        *textwrap.wrap(comment, 92, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False),
        "import importlib.util, subprocess, sys",
        "",
        "missing = [requirement for module, requirement in {",
        *(f'    "{module}": "{req}",' for module, req in reqs.items()),
        "}.items() if importlib.util.find_spec(module) is None]",
        "if missing:",
        '    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", *missing])',
        "    importlib.invalidate_caches()  # the next cells import what was just installed",
    ])


def notebook(docname, chapter=None, reqs=None, cache=None):
    """The chapter as a Colab notebook: the install cell, then the chapter's cells.

    chapter: the page as read by read(docname) (default: read now); reqs: {module: requirement}
    for the install cell (default: requirements(docname); the tests point the package at the
    local checkout); cache: the book build's execution cache (_build/.jupyter_cache), whose
    outputs the code cells then take (a page missing from it is an error: build the book first).
    """
    chapter = chapter or read(docname)
    if cache:
        from jupyter_cache import get_cache

        try:
            _, chapter = get_cache(cache).merge_match_into_notebook(chapter)
        except KeyError:
            raise ValueError(f"{docname} is not in the execution cache {cache}: build the book first") from None
    first = nbformat.v4.new_code_cell(install_cell(docname, reqs or requirements(docname, chapter)))
    nb = nbformat.v4.new_notebook(cells=[first, *chapter.cells])
    nb.metadata = {"kernelspec": chapter.metadata["kernelspec"], "language_info": {"name": "python"}}
    return nb


def write(out, cache=None):
    """Write every Colab notebook as out/<docname>.ipynb, and a README for the branch."""
    out = Path(out)
    pages = colab_pages()
    for docname in pages:
        path = out / f"{docname}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook(docname, cache=cache), path)
    (out / "README.md").write_text(
        f"# {CONFIG['title']}: the chapters as notebooks, for Google Colab\n\n"
        f"Made from the chapters (book/*.md) of the branch {CONFIG['repository']['branch']}, with "
        "the outputs of the book's build, by .github/workflows/book.yml on every push; each "
        "chapter's launch button opens its notebook here in Colab. Do not edit them: edit the "
        "chapters.\n", encoding="utf-8")
    return pages


# The launch button ---------------------------------------------------------------------------

def fix_launch_button(app, pagename, templatename, context, doctree):
    """html-page-context, after the theme made its launch buttons (priority 501)."""
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        buttons = [b for b in group["buttons"] if b.get("text") != "Colab"]
        if len(buttons) < len(group["buttons"]) and doctree and _shows_code(doctree):
            at = next((i + 1 for i, b in enumerate(buttons) if b.get("text") == "Binder"), len(buttons))
            buttons.insert(at, {"type": "link", "text": LABEL, "tooltip": TOOLTIP,
                                "icon": "_static/images/logo_colab.png", "url": colab_url(pagename)})
        group["buttons"] = buttons


def _shows_code(doctree):
    """shows_code() on the built page: a code cell's input is left on it."""
    from docutils import nodes

    return any("cell_input" in node["classes"] for node in doctree.findall(nodes.Element))


def setup(app):
    app.connect("html-page-context", fix_launch_button, priority=510)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    write_cmd = sub.add_parser("write", help="write the Colab notebooks into a folder")
    write_cmd.add_argument("out")
    write_cmd.add_argument("--cache", default=ROOT / "_build" / ".jupyter_cache",
                           help="the execution cache of the book's build: outputs from there")
    sub.add_parser("branch", help="print the branch that holds the notebooks")
    args = parser.parse_args()
    if args.command == "branch":
        print(branch())
    else:
        for page in write(args.out, args.cache):
            print(f"{args.out}/{page}.ipynb")

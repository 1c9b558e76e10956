"""Collect the book's chapters (book/*.md, MyST notebooks) as nbval notebooks.

nbval only collects *.ipynb. Here jupytext reads each chapter in memory and nbval's own
collector runs its code cells: one pytest item per cell, in a fresh kernel. A chapter runs as
its Colab notebook (_ext/colab.py: an install cell, then the chapter's cells) in a fresh
Colab-like venv (tests/colab_env.py), so one run checks both the chapter and its notebook;
a page without one (how-to-cite) runs in this venv with book/ as working directory, as the
book build runs it. Nothing is written next to the chapters: a twin book/x.ipynb would break
the build.

This hook lives in the root conftest.py, not in tests/: pytest applies a conftest's
collection hooks only to files below its own folder.

Below that: how `make test` spreads the tests over processes (pytest-xdist), keeping a
chapter's cells together, and the order that lets the book build start first.
"""
import sys
from collections import defaultdict
from pathlib import Path

import jupytext
from nbval.plugin import IPyNbCell, IPyNbFile, find_comment_markers, find_metadata_tags
from xdist.scheduler import LoadScopeScheduling

ROOT = Path(__file__).parent
BOOK = ROOT / "book"
sys.path.insert(0, str(ROOT / "tests"))
import colab_env  # noqa: E402  (tests/colab_env.py; it imports _ext/colab.py as colab)


class MystNotebook(IPyNbFile):
    """nbval's IPyNbFile for a MyST Markdown notebook: a chapter runs as its Colab notebook.

    A page with a Colab notebook (_ext/colab.py) runs as that notebook, its first cell the
    install cell with the package pointed at the local checkout (code/), in a fresh Colab-like
    venv made for it (tests/colab_env.py), in an empty working directory (as Colab's /content:
    nothing next to the notebook). So the run that checks every cell of the chapter also checks
    that the Colab notebook runs top to bottom where only its first cell's requirements and
    NumPy, Matplotlib and a kernel are installed. Other pages (how-to-cite) run as before:
    read by jupytext, in this venv, in book/.
    """

    def collect(self):
        # Same as IPyNbFile.collect (nbval 0.11) except for how the notebook is read.
        docname = f"book/{self.path.stem}"
        chapter = jupytext.read(self.path)
        self.colab_requirements = None
        if colab_env.colab.shows_code(chapter):
            self.colab_requirements = {**colab_env.colab.requirements(docname, chapter),
                                       "oneoverm": str(ROOT / "code")}
            chapter = colab_env.colab.notebook(docname, chapter, self.colab_requirements)
        self.nb = chapter
        code_cells = [c for c in self.nb.cells if c.cell_type == "code"]
        for num, cell in enumerate(code_cells):
            options = defaultdict(bool, find_metadata_tags(cell.metadata))  # e.g. raises-exception
            options.update(find_comment_markers(cell.source))  # e.g. # NBVAL_SKIP
            options.setdefault("check", self.compare_outputs)  # False under --nbval-lax
            yield IPyNbCell.from_parent(
                self, name=f"Cell {num}", cell_num=num, cell=cell, options=options
            )


    def setup(self):
        if self.colab_requirements is None:
            return super().setup()
        run = colab_env.run_folder(self.config)
        folder = run / "colab" / self.path.stem
        python = colab_env.make(folder / "venv", self.colab_requirements,
                                colab_env.package(run / "colab-package"))
        (folder / "content").mkdir()
        self.kernel = colab_env.start_kernel(python, folder / "content",
                                             self.config.option.nbval_kernel_startup_timeout)
        self.setup_sanitize_files()


def is_myst_notebook(path):
    """True for book/*.md files with jupytext MyST front matter (not for _build copies)."""
    if path.suffix != ".md" or path.parent != BOOK:
        return False
    head = path.read_text(encoding="utf-8")[:1000]
    return head.startswith("---") and "format_name: myst" in head


def pytest_collect_file(file_path, parent):
    opt = parent.config.option
    nbval_on = getattr(opt, "nbval", False) or getattr(opt, "nbval_lax", False)
    if nbval_on and is_myst_notebook(file_path):
        return MystNotebook.from_parent(parent, path=file_path)


class ChaptersTogether(LoadScopeScheduling):
    """pytest-xdist scheduling: the units of work given to one worker at a time.

    - A chapter's cells share one kernel: they run in order in the same worker.
    - The tests of one module with the same parameters (e.g. every browser test of one page)
      run in the same worker, so module-scoped fixtures (the loaded page) are made once.
    - Every other test is a unit of its own.
    xdist's own `--dist loadgroup` cannot express this with pytest 9 (xdist 3.8 renames the
    item's `_nodeid`, which pytest 9 no longer reads), and `--dist loadfile` would chain the
    70 browser tests of one test file into a single worker.
    """

    def __init__(self, config, log=None):
        super().__init__(config, log)
        config.option.loadscopereorder = False  # keep the order of pytest_collection_modifyitems

    def _split_scope(self, nodeid):
        path, _, test = nodeid.partition("::")
        if path.startswith("book/"):
            return path
        return f"{path}::{test[test.index('['):]}" if "[" in test else nodeid


def pytest_xdist_make_scheduler(config, log):
    """Used whenever tests are spread over workers (`make test` passes -n)."""
    return ChaptersTogether(config, log)


def pytest_collection_modifyitems(items):
    """Start the book build first, then run what does not need it, then what does.

    Under pytest-xdist one worker builds the book (tests/conftest.py) while the others run
    the chapters and the package tests instead of waiting for the build.
    """
    def needs_book(item):
        return "book_build" in getattr(item, "fixturenames", ())

    first = next((i for i in items if needs_book(i)), None)
    items.sort(key=lambda i: 0 if i is first else 2 if needs_book(i) else 1)  # stable

"""Collect the book's chapters (book/*.md, MyST notebooks) as nbval notebooks.

nbval only collects *.ipynb. Here jupytext reads each chapter in memory and nbval's own
collector runs its code cells: one pytest item per cell, in a fresh kernel whose working
directory is book/ (nbval uses the file's folder, as the book build does). Nothing is
written next to the chapters: a twin book/x.ipynb would break the build.

This hook lives in the root conftest.py, not in tests/: pytest applies a conftest's
collection hooks only to files below its own folder.
"""
from collections import defaultdict
from pathlib import Path

import jupytext
from nbval.plugin import IPyNbCell, IPyNbFile, find_comment_markers, find_metadata_tags

BOOK = Path(__file__).parent / "book"


class MystNotebook(IPyNbFile):
    """nbval's IPyNbFile, reading a MyST Markdown notebook with jupytext."""

    def collect(self):
        # Same as IPyNbFile.collect (nbval 0.11) except for how the notebook is read.
        self.nb = jupytext.read(self.path)
        code_cells = [c for c in self.nb.cells if c.cell_type == "code"]
        for num, cell in enumerate(code_cells):
            options = defaultdict(bool, find_metadata_tags(cell.metadata))  # e.g. raises-exception
            options.update(find_comment_markers(cell.source))  # e.g. # NBVAL_SKIP
            options.setdefault("check", self.compare_outputs)  # False under --nbval-lax
            yield IPyNbCell.from_parent(
                self, name=f"Cell {num}", cell_num=num, cell=cell, options=options
            )


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

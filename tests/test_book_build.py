"""The whole book builds strictly, from nothing: fresh output folder, fresh execution cache.

`make book` builds incrementally, and -W then misses warnings of pages it does not re-read;
the session fixture `book_build` (tests/conftest.py) is the clean build, made once and shared
with the label and browser tests. Deselect with `pytest -m "not build"`.
"""
import os
import re

import pytest
from booksite import is_notebook, slug, toc_docnames

# Lines that say WARNING but are not about the book: ipykernel >= 7 logs this at every
# kernel start (the build talks to its kernel over localhost TCP).
NOISE = ("Kernel is running over TCP without encryption",)


@pytest.mark.build
def test_book_builds_without_warnings(book_build):
    problems = [
        line for line in book_build.log.splitlines()
        if ("WARNING" in line or "ERROR" in line) and not any(n in line for n in NOISE)
    ]
    tail = "\n".join(book_build.log.splitlines()[-60:])
    assert book_build.returncode == 0 and not problems, (
        f"jupyter-book exited {book_build.returncode}; warnings/errors:\n"
        + "\n".join(problems) + f"\n--- log tail ---\n{tail}"
    )
    assert (book_build.html / "index.html").exists()


@pytest.mark.build
def test_pages_run_in_parallel_and_myst_nb_finds_them(book_build):
    """_ext/parallel_execution.py executes every chapter before Sphinx reads it, and myst-nb
    then takes each from the cache. If myst-nb's cache key ever stopped matching (a changed
    reader or hash), myst-nb would silently execute every page a second time: this fails."""
    if os.environ.get("BOOK_EXECUTION_WORKERS") == "1":
        pytest.skip("BOOK_EXECUTION_WORKERS=1 turns parallel execution off")
    notebooks = {slug(d) for d in toc_docnames() if is_notebook(d)}
    pre_executed = set(re.findall(r"^pre-executed book/([\w-]+)\.md in ", book_build.log, re.M))
    from_cache = set(re.findall(r"book/([\w-]+)\.md: Using cached notebook", book_build.log))
    executed_by_myst_nb = set(re.findall(r"book/([\w-]+)\.md: Executing notebook", book_build.log))
    assert pre_executed == notebooks
    assert from_cache == notebooks
    assert not executed_by_myst_nb

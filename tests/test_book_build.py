"""The whole book builds strictly, from nothing: fresh output folder, fresh execution cache.

`make book` builds incrementally, and -W then misses warnings of pages it does not re-read;
the session fixture `book_build` (tests/conftest.py) is the clean build, made once and shared
with the label and browser tests. Deselect with `pytest -m "not build"`.
"""
import os
import re
import warnings

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
    reader or hash), myst-nb would silently execute every page a second time: this fails.

    A page whose pre-execution failed (the log says why) is executed by myst-nb instead, as
    designed: the build stays correct, and this test passes with a warning naming the page.
    """
    if os.environ.get("BOOK_EXECUTION_WORKERS") == "1":
        pytest.skip("BOOK_EXECUTION_WORKERS=1 turns parallel execution off")
    log = book_build.log
    notebooks = {slug(d) for d in toc_docnames() if is_notebook(d)}
    pre_executed = set(re.findall(r"^pre-executed book/([\w-]+)\.md in ", log, re.M))
    failures = dict(re.findall(r"^pre-execution of book/([\w-]+)\.md failed \((.*)\)", log, re.M))
    from_cache = set(re.findall(r"book/([\w-]+)\.md: Using cached notebook", log))
    executed_by_myst_nb = set(re.findall(r"book/([\w-]+)\.md: Executing notebook", log))
    assert pre_executed | set(failures) == notebooks
    assert from_cache == pre_executed, "myst-nb did not find pre-executed pages in its cache"
    assert executed_by_myst_nb == set(failures)
    if failures:
        warnings.warn(f"pre-execution failed, myst-nb executed these pages itself: {failures}")

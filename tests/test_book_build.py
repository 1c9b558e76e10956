"""The whole book builds strictly, from nothing: fresh output folder, fresh execution cache.

`make book` builds incrementally, and -W then misses warnings of pages it does not re-read;
the session fixture `book_build` (tests/conftest.py) is the clean build, made once and shared
with the label and browser tests. Deselect with `pytest -m "not build"`.
"""
import pytest

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

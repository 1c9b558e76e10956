"""The execution cache never serves a page computed with an older package.

jupyter-cache re-executes a page only when its code cells change; the local extension
_ext/cache_guard.py drops the cache when code/ or requirements.txt change. This test runs
`make book` in a copy of the repository holding a one-page book whose page prints a value
returned by the package, changes that value, rebuilds, and expects the page to show the new
one; then it edits requirements.txt and expects the page to be executed again. With the guard
disabled (its `guard` made a no-op, or the extension left out of _config.yml) the page keeps
"value 1" and this test fails. The user's _build is never touched.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from booksite import NOTEBOOK_FRONT_MATTER, copy_repository

VENV = Path(sys.executable).parent.parent  # this venv (not resolved: .venv/bin/python is a link)
PROBE = "oneoverm/_cache_probe.py"
PAGE = NOTEBOOK_FRONT_MATTER + """
(probe)=
# Probe

```{code-cell} ipython3
from oneoverm._cache_probe import value
print(f"probe value {value()}")
```
"""


def make_book(repo):
    """`make book` in the copy, with this venv (-o: never reinstall it) and the copy's package."""
    env = dict(os.environ, PYTHONPATH=str(repo / "code"))
    run = subprocess.run(
        ["make", "--no-print-directory", f"VENV={VENV}", "-o", f"{VENV}/.stamp", "book"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    page = (repo / "_build" / "html" / "book" / "probe.html").read_text(encoding="utf-8")
    return page, run.stdout + run.stderr


@pytest.mark.build
def test_package_or_requirements_change_reexecutes_the_page(tmp_path):
    repo = tmp_path / "repo"
    copy_repository(repo)
    (repo / "_toc.yml").write_text("format: jb-book\nroot: book/probe\n")
    (repo / "book" / "probe.md").write_text(PAGE)
    probe = repo / "code" / PROBE

    probe.write_text("def value():\n    return 1\n")
    page, _ = make_book(repo)
    assert "probe value 1" in page

    probe.write_text("def value():\n    return 2\n")  # the package changes, the page does not
    page, log = make_book(repo)
    assert "probe value 2" in page, "the build served a page computed with the old package"

    with open(repo / "requirements.txt", "a") as f:
        f.write("# a toolchain change\n")
    _, log = make_book(repo)
    executed = "Executing notebook" in log or "pre-executed book/probe.md" in log
    assert executed, "a change to requirements.txt did not re-execute the page"

"""The execution cache never serves a page computed with an older package.

jupyter-cache re-executes a page only when its code cells change; the local extension
_ext/cache_guard.py drops the cache when code/ or requirements.txt change. This test runs
`make book` in a copy of the repository holding a one-page book whose page prints a value
returned by the package, changes that value, rebuilds, and expects the page to show the new
one. With the guard disabled (its `guard` made a no-op, or the extension left out of
_config.yml) the page keeps "value 1" and this test fails. The user's _build is never touched.
Which files the guard watches (each requirements file, the KaTeX lock file, the package's
metadata and modules, and nothing else) is tested on its hash alone, without a build.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from booksite import NOTEBOOK_FRONT_MATTER, ROOT, copy_repository

sys.path.insert(0, str(ROOT / "_ext"))
from cache_guard import package_hash  # noqa: E402  (the extension, as Sphinx loads it)

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
    page, _ = make_book(repo)
    assert "probe value 2" in page, "the build served a page computed with the old package"


WATCHED = ["requirements.txt", "requirements-dev.txt", "package-lock.json", "code/pyproject.toml",
           "code/oneoverm/__init__.py", "code/oneoverm/sub/deep.py"]


@pytest.fixture
def tree(tmp_path):
    """A minimal repository: every file the guard reads, and two it must not read."""
    for name in WATCHED + ["book/page.md", "README.md"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"{name}\n")
    return tmp_path


@pytest.mark.parametrize("name", WATCHED)
def test_a_change_to_a_watched_file_changes_the_hash(tree, name):
    before = package_hash(tree)
    with open(tree / name, "a") as f:
        f.write("# a toolchain change\n")
    assert package_hash(tree) != before, f"the cache guard does not notice a change to {name}"


def test_a_new_module_changes_the_hash_and_a_page_or_readme_does_not(tree):
    before = package_hash(tree)
    for name in ("book/page.md", "README.md"):  # pages: jupyter-cache's own business
        (tree / name).write_text("changed\n")
    assert package_hash(tree) == before
    (tree / "code" / "oneoverm" / "new.py").write_text("x = 1\n")
    assert package_hash(tree) != before

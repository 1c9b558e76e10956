"""Every chapter in Colab (_ext/colab.py; CONTRIBUTING.md, "Colab").

The notebooks themselves run under nbval, each in a fresh Colab-like venv (root conftest.py,
tests/colab_env.py); here: which pages get one, the first cell, the files the workflow
commits, and the launch button of the built pages.
"""
import importlib.util
import re
import subprocess
import sys
from html import unescape

import colab_env
import jupytext
import nbformat
import pytest
from booksite import CONFIG, ORG, REPO, REPO_URL, ROOT, is_notebook, toc_docnames

colab = colab_env.colab
COLAB_PY = ROOT / "_ext" / "colab.py"


def test_the_url_is_the_notebook_on_the_notebooks_branch_of_the_repository():
    assert colab.colab_url("book/two-placements") == (
        f"https://colab.research.google.com/github/{ORG}/{REPO}/blob/"
        f"{CONFIG['launch_buttons']['colab_branch']}/book/two-placements.ipynb")


@pytest.mark.parametrize("docname", ["book/weighted-means", "book/notation"])
def test_the_first_cell_installs_what_is_missing_and_nothing_else(docname, monkeypatch):
    reqs = colab.requirements(docname)
    assert reqs["oneoverm"] == f"git+{REPO_URL}#subdirectory=code"
    assert ("jax" in reqs) == (docname == "book/weighted-means")  # JAX only where it is imported
    cell = colab.notebook(docname).cells[0]
    assert cell.cell_type == "code"
    calls = []
    monkeypatch.setattr(subprocess, "check_call", calls.append)
    exec(cell.source, {})  # everything is installed here: nothing to do
    assert calls == []
    installed = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("oneoverm", "myst_nb") else installed(name, *a))
    exec(cell.source, {})  # as in Colab: the package and myst-nb are missing
    expected = [reqs[m] for m in ("oneoverm", "myst_nb") if m in reqs]
    assert calls == [[sys.executable, "-m", "pip", "install", "--quiet", *expected]]


def test_a_colab_like_venv_has_the_base_and_what_it_is_given_only(tmp_path, request):
    package = colab_env.package(colab_env.run_folder(request.config) / "colab-package")
    python = colab_env.make(tmp_path / "venv", {"oneoverm": "the checkout"}, package)
    check = ("import importlib.util, numpy, matplotlib, ipykernel, oneoverm; print(oneoverm.__file__); "
             "print([m for m in ('myst_nb', 'jax', 'autograd', 'pytest') if importlib.util.find_spec(m)])")
    run = subprocess.run([python, "-c", check], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [str(tmp_path / "venv" / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
                                      / "site-packages" / "oneoverm" / "__init__.py"), "[]"]  # built from code/


@pytest.mark.build
def test_the_workflow_writes_the_install_cell_then_the_chapter_with_the_builds_outputs(book_build, tmp_path):
    pages = colab.write(tmp_path, cache=book_build.html.parent / ".jupyter_cache")
    # every notebook page but how-to-cite, whose only cell is removed from its page and reads
    # the repository's own files
    assert pages == [d for d in toc_docnames() if is_notebook(d) and d != "book/how-to-cite"]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.ipynb")) == sorted(
        f"{d}.ipynb" for d in pages)
    assert (tmp_path / "README.md").exists()
    for docname in pages:
        nb = nbformat.read(tmp_path / f"{docname}.ipynb", as_version=4)
        nbformat.validate(nb)
        chapter = jupytext.read(ROOT / f"{docname}.md")
        assert nb.cells[0].source == colab.install_cell(docname, colab.requirements(docname))
        assert nb.cells[0].outputs == []
        assert [(c.cell_type, c.source) for c in nb.cells[1:]] == [
            (c.cell_type, c.source) for c in chapter.cells]
        assert nb.metadata["kernelspec"]["name"] == "python3"
    intro = nbformat.read(tmp_path / "book" / "intro.ipynb", as_version=4)
    printed = [o.get("text", "") for c in intro.cells[1:] if c.cell_type == "code" for o in c.outputs]
    assert any("largest difference" in text for text in printed), "no outputs from the build"
    branch = subprocess.run([sys.executable, COLAB_PY, "branch"], capture_output=True, text=True, check=True)
    assert branch.stdout.strip() == CONFIG["launch_buttons"]["colab_branch"]  # what the workflow pushes to


@pytest.mark.build
def test_open_in_colab_is_next_to_binder_on_every_chapter(html):
    pages = set(colab.colab_pages())
    for docname in toc_docnames():
        page = (html / f"{docname}.html").read_text(encoding="utf-8")
        links = [unescape(u) for u in re.findall(r'<a href="([^"]+)"[^>]*class="btn btn-sm dropdown-item"', page)]
        launch = [u for u in links if "mybinder.org" in u or "colab.research.google.com" in u]
        if docname in pages:
            assert launch[launch.index(next(u for u in launch if "mybinder" in u)) + 1] == colab.colab_url(docname), (
                f"{docname}: no Open in Colab right after Binder: {launch}")
            assert f">{colab.LABEL}<" in re.sub(r"\s+", " ", page).replace("> ", ">").replace(" <", "<")
        else:
            assert not [u for u in launch if "colab" in u], f"{docname} has a Colab button but no notebook"

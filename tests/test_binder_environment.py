"""Binder installs requirements.txt only; the build and test tools live in requirements-dev.txt.

So a module a chapter imports must come from a distribution that requirements.txt installs
(directly or as a dependency): otherwise the chapter runs here, where `make setup` installed
both files, and fails on Binder with a ModuleNotFoundError. Fast: reads installed metadata.
"""
import importlib.metadata as metadata
import re
import sys

import jupytext
from booksite import ROOT, binder_distributions
from colab_env import colab  # _ext/colab.py
from packaging.utils import canonicalize_name

# What Binder itself needs besides the chapters' imports: the kernel, JupyterLab, and
# jupytext, which makes JupyterLab open the .md chapters as notebooks (postBuild).
BINDER_TOOLS = {"ipykernel", "jupyterlab", "jupytext"}


def chapter_and_package_imports():
    names = set()
    for page in sorted((ROOT / "book").glob("*.md")):
        names |= {m for cell in jupytext.read(page).cells if cell.cell_type == "code"
                  for m in colab.modules_imported_by(cell.source)}
    for module in sorted((ROOT / "code" / "oneoverm").rglob("*.py")):
        names |= colab.modules_imported_by(module.read_text(encoding="utf-8"))
    return names - set(sys.stdlib_module_names) - {"oneoverm", "__future__"}


def test_requirements_txt_installs_every_module_the_chapters_import():
    binder = binder_distributions()
    owners = metadata.packages_distributions()
    imports = chapter_and_package_imports()
    assert {"numpy", "matplotlib", "myst_nb"} <= imports  # the scan sees the chapters' imports
    missing = {
        module: sorted(owners.get(module, ["(not installed)"]))
        for module in sorted(imports | BINDER_TOOLS)
        if not {canonicalize_name(d) for d in owners.get(module, [])} & binder
    }
    assert not missing, (
        f"imported by the chapters or needed by Binder, but not installed by requirements.txt: "
        f"{missing}; add them there (requirements-dev.txt is not installed on Binder)"
    )


def test_binder_leaves_out_the_build_and_test_tools():
    binder = binder_distributions()
    dev = {canonicalize_name(re.split(r"[=<>\[]", ln)[0])
           for ln in (ROOT / "requirements-dev.txt").read_text().splitlines()
           if ln.strip() and not ln.startswith(("#", "-"))}
    assert binder and not dev & binder, f"requirements.txt pulls in build/test tools: {dev & binder}"

"""Every GitHub Actions workflow passes actionlint: its syntax, its expressions, the inputs and the
runtime of the actions it uses (a deprecated runtime is an error), and the shell of its steps.

The workflows cannot run here (publishing needs GitHub and PyPI), so this is their test.
actionlint comes from PyPI with its binary in the wheel (requirements-dev.txt says why that one).
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from booksite import ROOT

ACTIONLINT = Path(sys.executable).parent / "actionlint"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))


def test_actionlint_is_installed_and_there_are_workflows():
    assert ACTIONLINT.is_file(), "actionlint is missing: make setup installs requirements-dev.txt"
    assert {"book.yml", "release.yml"} <= {w.name for w in WORKFLOWS}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=[w.name for w in WORKFLOWS])
def test_actionlint_finds_nothing(workflow):
    result = subprocess.run([str(ACTIONLINT), "-no-color", str(workflow.relative_to(ROOT))],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_release_publishes_by_trusted_publishing_on_a_version_tag():
    release = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    assert release[True]["push"]["tags"] == ["v*"]          # YAML reads the key `on` as True
    publish = release["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"} and publish["environment"]["name"] == "pypi"
    assert any(step.get("uses") == "pypa/gh-action-pypi-publish@release/v1" for step in publish["steps"])
    assert not any("password" in step.get("with", {}) for step in publish["steps"])   # no token


def test_the_release_builds_with_the_pinned_tools():
    """release.yml installs the build and twine that requirements-dev.txt pins (and tests use)."""
    pins = dict(re.findall(r"^(build|twine)==(\S+)", (ROOT / "requirements-dev.txt").read_text(), re.M))
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    assert f"build=={pins['build']} twine=={pins['twine']}" in text

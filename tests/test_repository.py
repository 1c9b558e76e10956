"""The files that Binder, GitHub and readers rely on agree with each other (fast: no build)."""
import os
import re

import yaml
from booksite import CONFIG, REPO_URL, ROOT, SITE_URL


def test_binder_finds_python_the_requirements_and_postbuild_at_the_root():
    assert (ROOT / "runtime.txt").read_text().strip() == "python-3.11"
    assert os.access(ROOT / "postBuild", os.X_OK), "postBuild must be executable (chmod +x)"
    assert "jupytext-config set-default-viewer" in (ROOT / "postBuild").read_text()
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists(), (
        "a binder/ folder makes Binder ignore the root's requirements.txt and postBuild"
    )


def requirement_lines(name):
    lines = [ln.strip() for ln in (ROOT / name).read_text().splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")]


def unpinned(lines):
    return [ln for ln in lines if not re.fullmatch(r"[A-Za-z0-9_.\[\]-]+==[^=\s]+", ln)]


def test_requirements_are_pinned_and_end_with_the_package():
    lines = requirement_lines("requirements.txt")
    assert lines[-1] == "-e ./code", "the last line must be `-e ./code` (Binder needs the ./)"
    assert not unpinned(lines[:-1]), f"pin exactly (name==version): {unpinned(lines[:-1])}"


def test_dev_requirements_add_pinned_tools_to_the_requirements():
    lines = requirement_lines("requirements-dev.txt")
    assert lines[0] == "-r requirements.txt", "make setup must install what Binder installs, too"
    assert not unpinned(lines[1:]), f"pin exactly (name==version): {unpinned(lines[1:])}"


def test_citation_file_agrees_with_the_book_config():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    for entry in (cff, cff["preferred-citation"]):
        assert entry["title"] == CONFIG["title"]
        assert entry["repository-code"] == REPO_URL
        assert entry["url"] == SITE_URL
        assert [a["name"] for a in entry["authors"]] == [CONFIG["author"]]
    assert str(cff["preferred-citation"]["year"]) == str(CONFIG["copyright"])


def test_licenses_cover_text_and_code():
    assert "CC BY 4.0" in (ROOT / "LICENSE").read_text() and "MIT" in (ROOT / "LICENSE").read_text()
    assert "creativecommons.org/licenses/by/4.0/legalcode" in (ROOT / "LICENSE-TEXT").read_text()
    assert (ROOT / "LICENSE-CODE").read_text().startswith("MIT License")


def test_publishing_workflow_runs_what_ci_runs_and_deploys_the_built_html():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    build = workflow["jobs"]["build"]["steps"]
    runs = [step.get("run") for step in build]
    # make pdf copies the PDF into _build/html, so it is published with the site
    assert runs.index("bash .ci/run") < runs.index("make book") < runs.index("make pdf")
    upload = next(s for s in build if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert build.index(upload) > runs.index("make pdf")
    assert upload["with"]["path"] == "_build/html"
    deploy = workflow["jobs"]["deploy"]["steps"]
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy)

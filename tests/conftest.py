"""Session fixtures: the book built once, its HTML served on loopback, headless Chromium.

Every test that needs the built book uses `book_build` or `html`; the book is built once per
pytest run, strictly, into a fresh temporary folder (tests/test_book_build.py checks its log),
also when pytest-xdist spreads the tests over processes (`make test`): the first process that
needs the book builds it under a file lock, the others wait and read the result.
Tests that need the build are marked `build` (browser tests `build` and `browser`), so
`pytest -m "not build"` runs only the fast ones.
"""
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock
from hypothesis import settings

# Property tests draw new examples on every run, so a developer's runs keep exploring. CI
# (CI=true) draws the same examples every time: a run of `.ci/run` passes or fails for the
# code, not for the luck of the draw (failures found locally are fixed, not re-rolled).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
    settings.load_profile("ci")

from booksite import CHROMIUM, CHROMIUM_ARGS, ROOT, serve

JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"  # the one in this venv


@dataclass
class Build:
    returncode: int
    log: str  # stdout and stderr, without colour codes
    html: Path  # _build/html of the fresh build


def run_once(tmp_path_factory, worker_id, name, commands, env=None):
    """Run `commands` (argument lists, in order, stopping at the first that fails) once per
    pytest run, in the run's folder <name>/, also when pytest-xdist spreads the tests over
    processes: the first process that asks runs them under a file lock, the others wait and
    read the result. Returns (exit code, log without colour codes, the folder)."""
    run_temp = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # an xdist worker: its base folder is <the run's>/popen-gwN
        run_temp = run_temp.parent
    out = run_temp / name
    result = out.with_suffix(".json")
    with FileLock(f"{out}.lock"):
        if not result.exists():
            out.mkdir(exist_ok=True)
            returncode, log = 0, ""
            for cmd in commands:
                run = subprocess.run([str(c) for c in cmd], cwd=out, capture_output=True,
                                     text=True, timeout=1800, env=env)
                returncode, log = run.returncode, log + run.stdout + run.stderr
                if returncode:
                    break
            log = re.sub(r"\x1b\[[0-9;]*m", "", log)
            result.write_text(json.dumps({"returncode": returncode, "log": log}))
    done = json.loads(result.read_text())
    return done["returncode"], done["log"], out


@pytest.fixture(scope="session")
def book_build(tmp_path_factory, worker_id):
    """`jupyter-book build -n -W --keep-going` from nothing: fresh output, fresh execution cache."""
    env = dict(os.environ)
    if worker_id != "master":
        # The other test processes run chapters and tests meanwhile: one kernel per core for
        # the build (_ext/parallel_execution.py), not one more, as when it runs alone.
        env.setdefault("BOOK_EXECUTION_WORKERS", str(len(os.sched_getaffinity(0))))
    returncode, log, out = run_once(tmp_path_factory, worker_id, "book", [
        [JUPYTER_BOOK, "build", ROOT, "--path-output", ".", "-n", "-W", "--keep-going"]], env)
    return Build(returncode, log, out / "_build" / "html")


@dataclass
class Pdf:
    returncode: int
    log: str  # the single-page build's log, then the printer's
    pdf: Path
    singlehtml: Path


@pytest.fixture(scope="session")
def book_pdf(book_build, tmp_path_factory, worker_id):
    """The PDF of the whole book, made as `make pdf` makes it, next to the session build: the
    strict single-page build (sharing the session build's execution cache and doctrees, so
    nothing is executed or read again), printed by tools/print_pdf.py."""
    out = book_build.html.parent.parent
    pdf = out / "_build" / "pdf" / "book.pdf"
    returncode, log, _ = run_once(tmp_path_factory, worker_id, "pdf", [
        [JUPYTER_BOOK, "build", ROOT, "--path-output", out, "--builder", "singlehtml",
         "-n", "-W", "--keep-going"],
        [sys.executable, ROOT / "tools" / "print_pdf.py", "--singlehtml", out / "_build" / "singlehtml",
         "--out", pdf, "--site", out / "no-site"]])
    return Pdf(returncode, log, pdf, out / "_build" / "singlehtml")


@pytest.fixture(scope="session")
def html(book_build):
    """The built HTML folder (also after a build with warnings: --keep-going writes every page)."""
    if not (book_build.html / "index.html").exists():
        tail = "\n".join(book_build.log.splitlines()[-40:])
        pytest.fail(f"the book build wrote no HTML (exit {book_build.returncode}):\n{tail}")
    return book_build.html


@pytest.fixture(scope="session")
def site(html):
    """Base URL of the built site on a free loopback port, under /<repo>/ as on GitHub Pages.

    Serving under the repository's path, not at /, catches links that only work at a root.
    """
    with serve(html) as server:
        yield server.url


@pytest.fixture(scope="session")
def chromium():
    """Path of Chromium; skips the browser tests without it, except under CI=true (fails)."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = (
        f"browser tests need Chromium at {CHROMIUM} (Debian: apt-get install chromium; "
        "or set CHROMIUM=/path/to/chromium)"
    )
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message + "; CI=true, so a missing browser is a failure")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser):
    """new_page(viewport) -> a page in a fresh browser context, closed after the test."""
    contexts = []

    def make(viewport):
        contexts.append(browser.new_context(viewport=viewport))
        return contexts[-1].new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshots():
    """Folder for full-page screenshots (git-ignored, under _build): look at them."""
    folder = ROOT / "_build" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder

"""What a Binder user does, without Binder: a launch button opens a chapter in JupyterLab.

JupyterLab from this venv (what requirements.txt gives Binder, and the tools of
requirements-dev.txt: tests/test_binder_environment.py checks the chapters need none of them)
runs on a free loopback port, with its config, data and runtime folders in a temporary
directory (nothing from ~/.jupyter),
after postBuild has run against that config exactly as Binder runs it. Headless Chromium then
opens the URL of a launch button (lab/tree/book/<page>.md) for the book's first page: the
chapter must open as a notebook, not as text, and its first code cell must run and show output.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from booksite import DESKTOP, ROOT, toc_docnames

pytestmark = pytest.mark.browser

BIN = Path(sys.executable).parent
FIRST_PAGE = toc_docnames()[0]  # the root page of _toc.yml, e.g. book/intro


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url, server, log, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "api/status", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


def stop(server):
    """SIGTERM to the server's process group (it shuts its kernels down), SIGKILL if it hangs."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture
def jupyter_lab(tmp_path):
    """Base URL of a JupyterLab configured by postBuild, serving a copy of the repository."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    for var, folder in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                        ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                        ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")]:
        env[var] = str(tmp_path / folder)
    subprocess.run([ROOT / "postBuild"], env=env, cwd=ROOT, check=True, timeout=120)
    # Serve a copy, as Binder serves its own clone: JupyterLab may save what it opens.
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(".*", "_build", "node_modules", "__pycache__"))
    port, log = free_port(), tmp_path / "jupyter-lab.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [BIN / "jupyter-lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             "--ServerApp.port_retries=0", "--IdentityProvider.token=", f"--ServerApp.root_dir={repo}",
             "--allow-root",  # CI runs as root
             # nothing from the internet: no news feed, update check or extension index
             "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.extension_manager=readonly"],
            env=env, cwd=repo, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_up(url, server, log)
        yield url
    finally:
        stop(server)


def test_launch_button_url_opens_the_chapter_as_a_notebook_that_runs(new_page, jupyter_lab, screenshots):
    page = new_page(DESKTOP)
    page.goto(f"{jupyter_lab}lab/tree/{FIRST_PAGE}.md")  # what ?urlpath=lab/tree/... opens
    notebook = page.locator(".jp-NotebookPanel .jp-Notebook")
    page.locator(".jp-NotebookPanel .jp-Notebook, .jp-FileEditor").first.wait_for(timeout=60_000)
    assert notebook.count() == 1, (
        f"{FIRST_PAGE}.md opened in the text editor, not as a notebook: postBuild must make the "
        "Jupytext Notebook the default viewer (jupytext-config set-default-viewer markdown myst)"
    )
    # Wait for the kernel (status bar: "Python 3 (ipykernel) | Idle"), select the first code
    # cell and press the toolbar's Run button, as a reader would.
    page.get_by_text(re.compile(r"\| Idle$")).first.wait_for(timeout=120_000)
    cell = notebook.locator(".jp-CodeCell").first
    cell.locator(".jp-InputPrompt").click()
    page.locator(".jp-NotebookPanel-toolbar [data-command='notebook:run-cell-and-select-next']").click()
    try:
        cell.locator(".jp-InputPrompt", has_text="[1]").wait_for(timeout=120_000)  # ran in the kernel
    finally:
        page.screenshot(path=screenshots / "jupyterlab.png")
    errors = cell.locator("[data-mime-type='application/vnd.jupyter.stderr'], .jp-OutputArea-output.jp-mod-error")
    assert errors.count() == 0, f"the first code cell failed:\n{errors.first.inner_text()}"
    output = cell.locator(".jp-OutputArea-output")
    assert output.count() and output.first.inner_text().strip(), "the first code cell showed no output"

"""The whole book builds strictly, from nothing: fresh output folder, fresh execution cache.

`make book` builds incrementally, and -W then misses warnings of pages it does not re-read;
this test is the clean build. Deselect it with `pytest -m "not build"`.
"""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"  # the one in this venv

# Lines that say WARNING but are not about the book: ipykernel >= 7 logs this at every
# kernel start (the build talks to its kernel over localhost TCP).
NOISE = ("Kernel is running over TCP without encryption",)


@pytest.mark.build
def test_book_builds_without_warnings(tmp_path):
    cmd = [JUPYTER_BOOK, "build", ROOT, "--path-output", tmp_path, "-n", "-W", "--keep-going"]
    run = subprocess.run(
        [str(c) for c in cmd], cwd=tmp_path, capture_output=True, text=True, timeout=1800
    )
    log = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout + run.stderr)  # drop colour codes
    problems = [
        line for line in log.splitlines()
        if ("WARNING" in line or "ERROR" in line) and not any(n in line for n in NOISE)
    ]
    tail = "\n".join(log.splitlines()[-60:])
    assert run.returncode == 0 and not problems, (
        f"jupyter-book exited {run.returncode}; warnings/errors:\n"
        + "\n".join(problems) + f"\n--- log tail ---\n{tail}"
    )
    assert (tmp_path / "_build" / "html" / "index.html").exists()

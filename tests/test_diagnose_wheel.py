"""The package installs as a learner installs it: `python -m build` makes a wheel and an sdist,
`twine check` accepts them, and the wheel, installed into a fresh virtual environment, runs
`oneoverm-diagnose` on a learner's notebook.

uv makes the build environment and the fresh one (seconds; pip takes half a minute); both fetch
from PyPI what uv's cache lacks (setuptools, numpy), so the test needs PyPI, as `make setup` does.
"""
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import assignment_zoo as zoo
from booksite import ROOT

BIN = Path(sys.executable).parent


def check(command, **kwargs):
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=600,
                            **kwargs)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_wheel_installs_into_a_fresh_environment_and_runs_the_command(tmp_path):
    start = time.perf_counter()
    source = shutil.copytree(ROOT / "code", tmp_path / "code",
                             ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "build"))
    check([sys.executable, "-m", "build", "--installer", "uv", "--outdir", tmp_path / "dist", source])
    wheel, = (tmp_path / "dist").glob("oneoverm-*-py3-none-any.whl")
    sdist, = (tmp_path / "dist").glob("oneoverm-*.tar.gz")
    with zipfile.ZipFile(wheel) as whl:
        names = whl.namelist()
        entry_points = whl.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "oneoverm/diagnose_command.py" in names and "oneoverm/learner_files.py" in names
    assert "oneoverm-diagnose = oneoverm.diagnose_command:main" in entry_points
    assert "PASSED" in check([BIN / "twine", "check", "--strict", wheel, sdist]).stdout
    built = time.perf_counter()

    venv = tmp_path / "fresh"
    check([BIN / "uv", "venv", "--quiet", "--python", sys.executable, venv])
    check([BIN / "uv", "pip", "install", "--quiet", "--python", venv / "bin" / "python", wheel])
    installed = time.perf_counter()

    member = next(m for m in zoo.MEMBERS if m.fn is zoo.l_model_backward_old_naming)
    notebook = zoo.write_notebook(member, tmp_path / "learner")
    result = subprocess.run([venv / "bin" / "oneoverm-diagnose", notebook.name], cwd=notebook.parent,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Diagnosis of L_model_backward (Course 1 Week 4" in result.stdout
    assert "the older notebooks' naming" in " ".join(result.stdout.split())
    package = check([venv / "bin" / "python", "-c", "import oneoverm; print(oneoverm.__file__)"]).stdout
    assert package.startswith(str(venv))                # the installed wheel, not the repository's
    print(f"build + twine check {built - start:.1f} s, fresh venv + install {installed - built:.1f} s, "
          f"diagnosis {time.perf_counter() - installed:.1f} s")

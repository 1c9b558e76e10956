"""The command as a learner runs it, where the process boundary is the point: `python -m
oneoverm.diagnose` and the console script `oneoverm-diagnose`, their output and exit status (also
when the learner's code calls sys.exit(0)). What the command reports is tested in-process in
test_diagnose_assignments.py and test_diagnose_loading.py.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import diagnose_zoo
import oneoverm as om

ZOO_FILE = Path(__file__).with_name("diagnose_zoo.py")
SCRIPT = Path(sys.executable).parent / "oneoverm-diagnose"


def run(*args, cwd, script=False):
    command = [str(SCRIPT)] if script else [sys.executable, "-m", "oneoverm.diagnose"]
    return subprocess.run([*command, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def zoo(tmp_path):
    """The zoo of the course and params styles, copied to a learner's folder as my_backward.py."""
    return shutil.copy(ZOO_FILE, tmp_path / "my_backward.py")


@pytest.mark.parametrize("name, style, hidden, status, script", [
    ("course_at_params", "course", "relu", 0, False),
    ("course_every_layer", "course", "relu", 1, True),
    ("params_tanh_nowhere", "params", "tanh", 1, False),
])
def test_the_report_and_the_exit_status(zoo, tmp_path, name, style, hidden, status, script):
    result = run(f"{zoo}:{name}", "--style", style, "--hidden", hidden, cwd=tmp_path, script=script)
    assert result.returncode == status, result.stderr
    assert result.stderr == ""
    expected = str(om.diagnose(getattr(diagnose_zoo, name), style=style, hidden=hidden))
    assert result.stdout == expected + "\n"


def test_exit_in_the_learner_s_code_does_not_become_the_command_s_status(tmp_path):
    """sys.exit(0) inside the function: the command reports it and exits 2, not 0."""
    (tmp_path / "quits.py").write_text("import sys\n\ndef L_model_backward(AL, Y, caches):\n"
                                       "    sys.exit(0)\n")
    result = run("quits.py", cwd=tmp_path, script=True)
    assert result.returncode == 2
    assert "L_model_backward called exit() at line 4" in " ".join(result.stdout.split())


def test_the_file_may_import_its_neighbours_from_any_working_directory(tmp_path):
    (tmp_path / "helpers.py").write_text("def relu_grad(dA, Z):\n    return dA * (Z > 0)\n")
    (tmp_path / "mine.py").write_text(
        "import numpy as np\nfrom helpers import relu_grad\n\n"
        "def backward(AL, Y, caches):\n"
        "    L, m = len(caches), AL.shape[1]\n"
        "    grads, dZ = {}, (AL - Y) / m\n"
        "    for l in range(L, 0, -1):\n"
        "        (A_prev, W, b), Z = caches[l - 1]\n"
        "        if l < L:\n"
        "            dZ = relu_grad(dA, Z)\n"
        "        grads['dW' + str(l)] = dZ @ A_prev.T\n"
        "        grads['db' + str(l)] = dZ.sum(axis=1, keepdims=True)\n"
        "        dA = W.T @ dZ\n"
        "    return grads\n")
    sub = tmp_path / "elsewhere"
    sub.mkdir()
    result = run(tmp_path / "mine.py:backward", cwd=sub)
    assert result.returncode == 0, result.stderr
    assert "Verdict: correct" in result.stdout


def test_bad_input_exits_2_with_one_line_on_stderr(tmp_path):
    result = run("missing.py:backward", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "python -m oneoverm.diagnose: error: no file 'missing.py'\n"
    result = run("missing.py", "--style", "keras", cwd=tmp_path)
    assert result.returncode == 2 and "invalid choice: 'keras'" in result.stderr


def test_running_the_module_leaves_no_warning():
    """`-m` runs oneoverm/diagnose.py as __main__, never importing it into the package."""
    result = subprocess.run([sys.executable, "-W", "error", "-m", "oneoverm.diagnose", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("usage: python -m oneoverm.diagnose [-h] [--json]")

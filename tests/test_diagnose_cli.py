"""python -m oneoverm.diagnose file.py:function: the report on stdout, exit 0 / 1 / 2, one-line errors.

Each test runs the command as a learner would, in a subprocess, on files written to tmp_path.
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import diagnose_zoo
import oneoverm as om

ZOO_FILE = Path(__file__).with_name("diagnose_zoo.py")


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "oneoverm.diagnose", *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def zoo(tmp_path):
    """The zoo, copied to a learner's folder as my_backward.py."""
    return shutil.copy(ZOO_FILE, tmp_path / "my_backward.py")


@pytest.mark.parametrize("name, style, hidden, status, verdict", [
    ("course_at_params", "course", "relu", 0, "at_params"),
    ("course_at_output", "course", "relu", 0, "at_output"),
    ("course_every_layer", "course", "relu", 1, "every_layer"),
    ("course_transposed", "course", "relu", 1, "not_a_multiple"),
    ("params_tanh_nowhere", "params", "tanh", 1, "nowhere"),
])
def test_the_report_and_the_exit_status(zoo, tmp_path, name, style, hidden, status, verdict):
    result = run(f"{zoo}:{name}", "--style", style, "--hidden", hidden, cwd=tmp_path)
    assert result.returncode == status, result.stderr
    assert result.stderr == ""
    fn = getattr(diagnose_zoo, name)
    expected = str(om.diagnose(fn, style=style, hidden=hidden))
    assert result.stdout == expected + "\n"
    assert result.stdout.rstrip().endswith(om.VERDICTS[verdict].url)


def test_a_relative_path_and_the_default_style(zoo, tmp_path):
    result = run("my_backward.py:course_twice", cwd=tmp_path)
    assert result.returncode == 1
    assert "Verdict: wrong: 1/m twice" in result.stdout


def test_the_file_may_import_its_neighbours(tmp_path):
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


@pytest.mark.parametrize("target, extra, message", [
    ("missing.py:backward", (), r"no file 'missing.py'"),
    ("my_backward.py:no_such_function", (), r"my_backward.py defines no 'no_such_function' \(its functions: "
                                            r"course_at_output, course_at_params, "),
    ("my_backward.py", (), r"expected path/to/file.py:function_name, got 'my_backward.py'"),
    ("my_backward.py:ZOO", (), r"'ZOO' is a list, not a function"),
    ("broken.py:backward", (), r"running broken.py failed: SyntaxError"),
    ("raises.py:backward", (), r"backward raised KeyError: 'dW9' \(called as backward\(AL, Y, caches\) on a "
                               r"network of L = 2 layers, m = 5 examples\)"),
    ("shape.py:backward", (), r"backward returned 'db1' with shape \(4,\); expected \(4, 1\), the shape of b1"),
    ("my_backward.py:course_transposed_everywhere", (),
     r"course_transposed_everywhere stopped with a shape error at line \d+ of "
     r"course_transposed_everywhere\(\), `dA = W @ dZ` \(W: \(1, 4\), dZ: \(1, 5\)\).*"
     r"Look for a transposed product"),
    ("my_backward.py:course_at_params", ("--hidden", "gelu"), r"hidden: unknown activation 'gelu'"),
])
def test_bad_input_exits_2_with_one_line_on_stderr(zoo, tmp_path, target, extra, message):
    (tmp_path / "broken.py").write_text("def backward(AL, Y, caches)\n    return {}\n")
    (tmp_path / "raises.py").write_text("def backward(AL, Y, caches):\n    return {}['dW9']\n")
    (tmp_path / "shape.py").write_text(
        "from my_backward import course_at_params\n\n"
        "def backward(AL, Y, caches):\n"
        "    return {k: v.ravel() if k.startswith('db') else v\n"
        "            for k, v in course_at_params(AL, Y, caches).items()}\n")
    result = run(target, *extra, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("python -m oneoverm.diagnose: error: ")
    assert re.search(message, result.stderr), result.stderr


def test_a_bad_style_is_an_argparse_error(zoo, tmp_path):
    result = run("my_backward.py:course_at_params", "--style", "keras", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'keras'" in result.stderr


def test_running_the_module_leaves_the_function_in_place():
    """`oneoverm.diagnose` is the function; the command line lives in the module of that name,
    which `-m` runs without importing it into the package."""
    assert callable(om.diagnose) and om.diagnose.__module__ == "oneoverm.diagnosis"
    result = subprocess.run([sys.executable, "-W", "error", "-m", "oneoverm.diagnose", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == ""
    assert "path/to/file.py:function_name" in result.stdout

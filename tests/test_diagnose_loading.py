"""What oneoverm-diagnose does with a learner's file before it diagnoses anything: it loads the
definitions only, in the file's folder, and every way that can fail gets its report and exit status.

The command's main() runs in this process (test_diagnose_cli.py runs it as a learner would).
"""
import contextlib
import io
import json
import sys
import textwrap

import pytest

import assignment_zoo as zoo
import oneoverm as om
from oneoverm.diagnose_command import main
from oneoverm.learner_files import Deferred, Unavailable, in_folder, load_definitions, python_source

RIGHT = zoo.source(zoo.l_model_backward_right, "L_model_backward")
STEPS = "".join(zoo.source(h) + "\n\n" for h in zoo.STEP_HELPERS)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    return status, out.getvalue(), err.getvalue()


def write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def learner(tmp_path):
    """A learner's folder with the course's helper module."""
    (tmp_path / "dnn_utils.py").write_text(zoo.DNN_UTILS)
    return tmp_path


def test_top_level_statements_do_not_run(learner):
    """Calls, prints, loops, writes and exit() at the top level stay unrun; definitions load."""
    path = write(learner, "mine.py", "import numpy as np\nfrom dnn_utils import *\n\n" + STEPS + RIGHT + """
print("training")
open("ran.txt", "w").write("the tool ran me")
while True:
    pass
if __name__ == "__main__":
    L_model_backward(None, None, None)
exit(3)
""")
    status, out, err = run(f"{path}:L_model_backward")
    assert (status, err) == (0, "")
    assert out.startswith("Diagnosis of L_model_backward") and "training" not in out
    assert not (learner / "ran.txt").exists()


def test_an_installed_module_is_imported_only_when_used(learner):
    """`import this` prints a poem when it runs: deferred, it never does."""
    assert "this" not in sys.modules
    write(learner, "lazy.py", "import this\nimport numpy as np\nfrom json import dumps\n")
    with in_folder(learner):
        defs = load_definitions(learner / "lazy.py")
    assert isinstance(defs.namespace["this"], Deferred) and "this" not in sys.modules
    assert defs.printed == "" and defs.namespace["dumps"] is json.dumps and defs.namespace["np"].ndim


def test_a_missing_module_stops_nothing_until_a_function_uses_it(learner):
    path = write(learner, "missing.py", "import numpy as np\nimport h5py_course_data as h5\n"
                                        "from lr_utils import load_dataset\n\n" + STEPS + """
from dnn_utils import relu_backward, sigmoid_backward

""" + RIGHT + """

def backward_propagation_n(X, Y, cache):
    data = h5.File("train.h5")
    return {}
""")
    status, out, _ = run(path, "--json")
    assert status == 2                          # one correct, one not run
    found = {f["function"]: f for f in json.loads(out) if f["skipped"] is None}
    assert found["L_model_backward"]["correct"] is True
    gc = found["backward_propagation_n"]
    assert gc["correct"] is None and gc["verdict"] is None
    assert "the module h5py_course_data could not be imported when the file was loaded " \
           "(ModuleNotFoundError: No module named 'h5py_course_data')" in gc["error"]
    with in_folder(learner):
        defs = load_definitions(path)
    assert set(defs.unavailable) == {"h5py_course_data", "lr_utils"}
    assert isinstance(defs.namespace["load_dataset"], Unavailable)


def test_a_missing_helper_module_means_not_run_never_a_verdict_on_the_tool_s_helpers(tmp_path):
    """No dnn_utils.py in the folder: relu_backward is missing, the function is not run (exit 2),
    and the report names the module. The tool never supplies a helper of its own."""
    path = write(tmp_path, "week4.py", "import numpy as np\nfrom dnn_utils import relu_backward, "
                                       "sigmoid_backward\n\n" + STEPS + RIGHT)
    status, out, _ = run(f"{path}:L_model_backward")
    assert status == 2
    assert out.startswith("Diagnosis of L_model_backward (L_model_backward(AL, Y, caches)): not run.")
    assert "sigmoid_backward comes from the module dnn_utils, which could not be imported when the " \
           "file was loaded (ModuleNotFoundError: No module named 'dnn_utils')" in " ".join(out.split())


def test_a_name_assigned_by_a_call_is_reported_with_its_line(learner):
    path = write(learner, "consts.py", """\
        import numpy as np
        EPS = np.float64(1e-8)

        def propagate(w, b, X, Y):
            A = 1 / (1 + np.exp(-(w.T @ X + b))) + EPS
            return {"dw": X @ (A - Y).T / X.shape[1], "db": np.mean(A - Y)}, 0.0
        """)
    status, out, _ = run(f"{path}:propagate")
    assert status == 2
    text = " ".join(out.split())
    assert "it uses 'EPS', which is not defined where it is" in text
    assert "EPS is not defined: it is assigned at line 2 of consts.py by a statement with a call, " \
           "which the tool does not run" in text


def test_a_notebook_s_magics_shell_lines_and_run_lines(learner):
    """%run with another machine's path finds the file by its name in the notebook's folder;
    %magics, !shell, `x = !ls`, help lines and %%cell magics are not Python and are left out."""
    write(learner, "steps.py", "import numpy as np\n\n" + STEPS)
    path = zoo.notebook(learner / "nb.ipynb", [
        ("code", "!pip install oneoverm\n%matplotlib inline\nfiles = !ls\nimport numpy as np\nnp.dot?"),
        ("code", "%run /home/someone/coursera/week4/steps.py\n%run -i not_here.py"),
        ("code", "from dnn_utils import relu_backward, sigmoid_backward"),
        ("code", "%%time\ndef L_model_backward(AL, Y, caches):\n    return {}"),
        ("code", RIGHT),
        ("code", "if True:\n    %time x = 1\n    !echo hello\n"),
    ])
    status, out, _ = run(path)
    assert status == 0
    assert "Diagnosis of L_model_backward (Course 1 Week 4" in out
    assert "Note: %run not_here.py in nb.ipynb, cell 2: no not_here.py in the notebook's folder" in \
        " ".join(out.split())
    source, runs = python_source("%run a.py\n  !ls\nx = 1\nplt.plot?")
    assert (source, runs) == ("pass\n  pass\nx = 1\npass", ["a.py"])


def test_a_syntax_error(learner):
    """In a .py file nothing can be loaded (exit 2, one line); in a notebook only its cell is lost."""
    path = write(learner, "broken.py", "def L_model_backward(AL, Y, caches)\n    return {}\n")
    status, out, err = run(f"{path}:L_model_backward")
    assert (status, out) == (2, "")
    assert err == ("oneoverm-diagnose: error: broken.py has a syntax error at line 1: expected ':'\n")
    path = zoo.notebook(learner / "broken.ipynb", [
        ("code", "import numpy as np\nfrom dnn_utils import *"), ("code", STEPS), ("code", RIGHT),
        ("code", "def propagate(w, b, X, Y)\n    return {}"),
    ])
    assert run(f"{path}:L_model_backward")[0] == 0
    status, _, err = run(f"{path}:propagate")
    assert status == 2
    assert "broken.ipynb defines no 'propagate': it is defined in broken.ipynb, cell 4 has a syntax " \
           "error at line 1" in err


def test_exit_inside_the_learner_s_code_is_exit_status_2_with_a_report(learner):
    path = write(learner, "quits.py", """\
        import sys

        def propagate(w, b, X, Y):
            sys.exit("done")
        """)
    status, out, _ = run(f"{path}:propagate", "--json")
    (found,) = json.loads(out)
    assert status == 2 and found["correct"] is None
    assert found["error"].startswith("propagate called exit() at line 4 of propagate() in quits.py")


def test_a_class_method(learner):
    path = write(learner, "model.py", "import numpy as np\nfrom dnn_utils import *\n\n" + STEPS
                 + zoo.source(zoo.l_model_backward_right) + "\n\n" + zoo.source(zoo.Network) + """

class Stored:
    def __init__(self):
        self.scale = 1.0

    @staticmethod
    def L_model_backward(AL, Y, caches):
        return l_model_backward_right(AL, Y, caches)

    def backward(self, AL, Y, caches):
        grads = l_model_backward_right(AL, Y, caches)
        return {key: self.factor * value for key, value in grads.items()}
""")
    status, out, _ = run(f"{path}:Network.L_model_backward")   # __init__ needs arguments
    assert status == 0 and out.startswith("Diagnosis of Network.L_model_backward (Course 1 Week 4")
    assert run(f"{path}:Stored.L_model_backward")[0] == 0         # a staticmethod
    status, out, _ = run(f"{path}:Stored.backward")
    assert status == 2 and "it reads self.factor, which the instance does not have" in " ".join(out.split())
    status, _, err = run(f"{path}:Stored.forward")
    assert status == 2 and "the class Stored has no method 'forward'" in err


@pytest.mark.parametrize("target, options, message", [
    ("nowhere.ipynb", (), "no file 'nowhere.ipynb'"),
    ("{path}:train", (), "mine.py defines no 'train' (its functions: "),
    ("{path}:L_MAX", (), "'L_MAX' is a int, not a function"),
    ("{path}", ("--style", "params"), "--style needs a function: PATH:NAME"),
    ("{plain}", (), "plain.py defines no backward pass under a course name (its functions: "
                    "my_backward); name one: plain.py:FUNCTION"),
])
def test_nothing_to_diagnose_is_exit_status_2_with_one_line(learner, target, options, message):
    path = write(learner, "mine.py", "import numpy as np\nfrom dnn_utils import *\nL_MAX = 4\n\n"
                 + STEPS + RIGHT)
    plain = write(learner, "plain.py", "def my_backward(AL, Y, caches):\n    return {}\n")
    status, out, err = run(target.format(path=path, plain=plain), *options)
    assert (status, out) == (2, "")
    assert err.startswith("oneoverm-diagnose: error: ") and err.count("\n") == 1
    assert message in err
    status, out, _ = run(target.format(path=path, plain=plain), *options, "--json")
    assert (status, out) == (2, "[]\n")


def test_prints_are_shown_on_request_only(learner):
    path = write(learner, "chatty.py", """\
        import numpy as np

        def propagate(w, b, X, Y):
            print("w is", w.shape)
            A = 1 / (1 + np.exp(-(w.T @ X + b)))
            return {"dw": X @ (A - Y).T / X.shape[1], "db": np.mean(A - Y)}, 0.0
        """)
    status, out, err = run(f"{path}:propagate", "--json")
    assert (status, err) == (0, "") and json.loads(out)[0]["printed"] is None
    status, out, err = run(f"{path}:propagate", "--json", "--show-prints")
    assert json.loads(out)[0]["printed"].count("w is (4, 1)") == 3
    assert err.startswith("--- printed by propagate ---\nw is (4, 1)")
    assert "It printed 3 lines while it ran" in run(f"{path}:propagate")[1]


def test_importing_the_command_module_leaves_the_function_in_place():
    with pytest.raises(ImportError, match="oneoverm.diagnose is the function"):
        import oneoverm.diagnose  # noqa: F401
    assert callable(om.diagnose) and om.diagnose.__module__ == "oneoverm.diagnosis"
    assert "oneoverm.diagnose" not in sys.modules


def test_a_change_to_another_object_at_the_top_level_is_not_run(learner):
    """plt.rcParams[...] = ... would import matplotlib (and change it): left out like a call."""
    write(learner, "rc.py", "import matplotlib.pyplot as plt\nplt.rcParams['figure.figsize'] = (5, 4)\n"
                            "SIZES = [4, 4, 1]\n")
    imported_before = "matplotlib" in sys.modules   # by another test: a loaded package is imported now
    with in_folder(learner):
        defs = load_definitions(learner / "rc.py")
    assert imported_before or isinstance(defs.namespace["plt"], Deferred)
    assert defs.namespace["SIZES"] == [4, 4, 1]
    assert defs.skipped == 1

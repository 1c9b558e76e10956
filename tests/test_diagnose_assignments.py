"""oneoverm-diagnose on the course's assignments as learners write them: the zoo of tests/assignment_zoo.py,
each member written as a learner's .py file and as a notebook (nbformat), diagnosed by the command's
main() in this process (the process boundary is tested in test_diagnose_cli.py).

Each asserts the verdict, correctness, the factors on the deepest network, the words of the report
that point at the bug, and the exit status.
"""
import contextlib
import io
import json
import time

import numpy as np
import pytest

import assignment_zoo as zoo
import oneoverm as om
from oneoverm import assignments
from oneoverm.diagnose_command import main

WRITERS = {"py": zoo.write_py, "ipynb": zoo.write_notebook}


def run(*args):
    """main(args) -> (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in args])
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("kind", WRITERS)
@pytest.mark.parametrize("member", zoo.MEMBERS, ids=[m.id for m in zoo.MEMBERS])
def test_every_member_gets_its_verdict_factors_and_status(member, kind, tmp_path):
    path = WRITERS[kind](member, tmp_path)
    status, out, err = run(f"{path}:{member.name}", "--json")
    assert status == member.status, (out, err)
    assert err == ""
    (found,) = json.loads(out)               # stdout is the JSON and nothing else
    assert (found["function"], found["style"], found["verdict"], found["correct"]) == \
        (member.name, member.style, member.verdict, member.correct), found
    assert found["signature"] == assignments.LAYOUTS[member.style].signature(member.name)
    assert (found["error"] is None) == (member.verdict is not None)
    if member.exponents is not None:
        label = assignments.LAYOUTS[member.style].label
        factors = found["factors"]
        assert {k: (f["p"] if f else None) for k, f in factors.items()} == \
            {label(f"d{k}"): p for k, p in member.exponents.items()}
        for key, c in (member.constants or {}).items():
            f = factors[label(f"d{key}")]
            assert (f is None) if c is None else f["c"] == pytest.approx(c, rel=1e-9), key
    if member.l2 is not None:
        l2 = found["l2_factors"]
        assert set(l2) == {f"d{k}" for k in member.l2}
        for key, (c, p) in member.l2.items():
            assert (l2[f"d{key}"]["c"], l2[f"d{key}"]["p"]) == (pytest.approx(c, rel=1e-9), p)
    _, text, _ = run(f"{path}:{member.name}")
    for words in member.words:
        assert words in " ".join(text.split()), text


def test_the_factors_of_the_course_functions_are_those_of_om_diagnose(tmp_path):
    """The command reports what om.diagnose finds when called on the function itself."""
    member = next(m for m in zoo.MEMBERS if m.fn is zoo.gradient_checking_planted)
    path = zoo.write_py(member, tmp_path)
    _, out, _ = run(f"{path}:{member.name}")
    d = om.diagnose(member.fn, style=member.style)
    assert d.exponents == member.exponents
    factor_lines = [text.split("Factors for")[1].split("Verdict")[0] for text in (out, str(d))]
    assert factor_lines[0] == factor_lines[1] and "dW2: too large by the factor 2" in factor_lines[0]


def test_in_a_notebook_the_helpers_are_its_globals():
    """om.diagnose(L_model_backward) on functions defined in a notebook's namespace: recognized by
    name, helpers found where the notebook defined them, eval(activation + "_backward") included."""
    member = next(m for m in zoo.MEMBERS if m.fn is zoo.l_model_backward_old_naming)
    namespace = {}
    exec(zoo.DNN_UTILS, namespace)
    for _, text in zoo.cells(member)[3:-2]:          # the helpers' cells and the function's
        exec(text.replace(zoo.DNN_IMPORT, ""), namespace)
    d = om.diagnose(namespace["L_model_backward"])
    assert (d.style, d.verdict, d.correct) == ("course", "at_params", True)
    assert "older notebooks' naming" in d.naming
    del namespace["relu_backward"]                   # a helper the notebook lacks: not run
    with pytest.raises(om.diagnosis.NotRun, match="uses 'relu_backward', which is not defined"):
        om.diagnose(namespace["L_model_backward"])


def test_the_printed_lines_are_kept_out_of_the_report(tmp_path):
    def propagate(w, b, X, Y):
        print("shapes", w.shape, X.shape)
        return zoo.propagate_right(w, b, X, Y)

    d = om.diagnose(propagate)
    assert d.style == "propagate" and d.correct
    assert d.printed.count("shapes (4, 1)") == len(d.batch_sizes)
    assert "shapes" not in str(d) and "It printed 3 lines while it ran" in str(d)


def test_the_dropout_gradients_are_those_of_the_masked_cost():
    """The reference for dropout, checked against finite differences of the masked network's cost."""
    gen = np.random.default_rng(3)
    X, Y, params = om.diagnosis.draw_network(3, 6, "relu", gen)
    masks = {l: assignments.dropout_mask(gen, (4, 6)) for l in (1, 2)}

    def cost(p):
        fwd, _, _ = assignments.masked_forward_backward(X, Y, p, masks, 0.75)
        return om.cost(fwd.AL, Y)

    fwd, dZ, _ = assignments.masked_forward_backward(X, Y, params, masks, 0.75)
    numerical = om.numerical_gradient_of(cost, params)
    for l in (1, 2, 3):
        np.testing.assert_allclose(dZ[l] @ fwd.A[l - 1].T, numerical[f"W{l}"], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(dZ[l].sum(axis=1, keepdims=True), numerical[f"b{l}"], rtol=1e-6,
                                   atol=1e-9)


def test_a_notebook_with_every_assignment_is_diagnosed_whole_in_well_under_a_second(tmp_path):
    """Without NAME: every backward pass found, the one-dimensional backward_propagation skipped,
    the steps of L_model_backward skipped; the exit status of the worst; timed after start-up."""
    parts = [("code", zoo.IMPORTS + zoo.DNN_IMPORT)]
    parts += [("code", zoo.source(h)) for h in [*zoo.STEP_HELPERS, zoo._three_layer]]
    parts += [("code", zoo.source(fn, name)) for fn, name in [
        (zoo.propagate_right, "propagate"), (zoo.l_model_backward_right, "L_model_backward"),
        (zoo.gradient_checking_planted, "backward_propagation_n"),
        (zoo.one_dimensional_backward, "backward_propagation")]]
    parts.append(("code", zoo.side_effects("propagate")))
    (tmp_path / "dnn_utils.py").write_text(zoo.DNN_UTILS)
    path = zoo.notebook(tmp_path / "Week 4 + Course 2.ipynb", parts)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        status, out, err = run(path)
        times.append(time.perf_counter() - start)
    assert status == 1 and err == ""                 # backward_propagation_n is wrong
    head = " ".join(out.split("\n\n")[0].split())
    assert head.startswith("Week 4 + Course 2.ipynb: found 3 backward passes: propagate (Course 1 "
                           "Week 2 (logistic regression)), L_model_backward (Course 1 Week 4), "
                           "backward_propagation_n (Course 2 Week 1 (gradient checking; the helper "
                           "modules)).")
    assert "Skipped linear_backward: one step of a backward pass" in head
    assert ("Skipped backward_propagation: backward_propagation(x, theta) of the gradient-checking "
            "notebook: the one-dimensional example J = theta x, not a network's backward pass.") in head
    assert out.count("Diagnosis of ") == 3
    status, out, _ = run(path, "--json")
    found = json.loads(out)
    assert [(f["function"], f["correct"], f["skipped"] is None) for f in found] == [
        ("linear_backward", None, False), ("linear_activation_backward", None, False),
        ("propagate", True, True), ("L_model_backward", True, True),
        ("backward_propagation_n", False, True), ("backward_propagation", None, False)]
    assert min(times) < 0.5, times


@pytest.mark.parametrize("depths, expected", [("2,3", [2, 3]), ("5", [5])])
def test_depths_apply_to_the_functions_of_any_depth(tmp_path, depths, expected):
    member = next(m for m in zoo.MEMBERS if m.fn is zoo.l_model_backward_right)
    reg = next(m for m in zoo.MEMBERS if m.fn is zoo.regularization_right)
    path = zoo.write_py(member, tmp_path)
    _, out, _ = run(f"{path}:L_model_backward", "--depths", depths, "--json")
    assert json.loads(out)[0]["depths"] == expected
    path = zoo.write_py(reg, tmp_path / "reg")
    _, out, _ = run(f"{path}:{reg.name}", "--depths", depths, "--json")
    assert json.loads(out)[0]["depths"] == [3]         # Course 2 Week 1 has three layers

"""oneoverm.diagnose: every backward pass of a zoo gets its verdict, on any depths, batch sizes and seeds.

The zoo (tests/diagnose_zoo.py) holds right and wrong implementations written for these tests; the
property tests build placements from arbitrary scales and check the factors the path rule predicts.
The command line is tested in test_diagnose_cli.py, the links of the reports in test_diagnose_links.py.
"""
import re
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import oneoverm as om
from oneoverm import diagnosis
from assignment_zoo import MEMBERS
from diagnose_zoo import (ZOO, course_at_output, course_at_params, course_every_layer,
                          course_only_parameters, course_positive_labels, course_sqrt_m_split,
                          course_transposed, course_transposed_everywhere)

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WRONG_KINDS = ("not_multiple", "zero")


def zoo_id(entry):
    return entry[0].__name__


@pytest.mark.parametrize("fn, style, hidden, verdict, intermediates", ZOO, ids=map(zoo_id, ZOO))
def test_every_member_of_the_zoo_gets_its_verdict(fn, style, hidden, verdict, intermediates):
    d = om.diagnose(fn, style=style, hidden=hidden)
    assert (d.verdict, d.intermediates) == (verdict, intermediates), str(d)
    assert d.correct == om.VERDICTS[verdict].correct
    assert (d.page, d.label, d.url) == (om.VERDICTS[verdict].page, om.VERDICTS[verdict].label,
                                        om.VERDICTS[verdict].url)
    assert d.function == fn.__qualname__ and d.style == style


def test_the_zoos_are_large_and_cover_every_verdict_and_every_style():
    """This zoo (course and params style) and the course assignments' (tests/assignment_zoo.py)."""
    assert len(ZOO) >= 12
    assert {v for *_, v, _ in ZOO} == set(om.VERDICTS) - {"constant_factors", "l2_term"}
    assert {v for *_, v, _ in ZOO} | {m.verdict for m in MEMBERS if m.verdict} == set(om.VERDICTS)
    assert {style for _, style, *_ in ZOO} | {m.style for m in MEMBERS} == set(diagnosis.STYLES)


def test_the_factors_are_the_predicted_ones():
    """Exponents and constants on the deepest network, for the members with a factor."""
    L = max(diagnosis.DEPTHS)
    layers = range(1, L + 1)
    expected = {
        "course_every_layer": ({f"{p}{l}": -(L - l) for l in layers for p in "Wb"}, 1.0),
        "course_nowhere": ({f"{p}{l}": 1 for l in layers for p in "Wb"}, 1.0),
        "course_twice": ({f"{p}{l}": -1 for l in layers for p in "Wb"}, 1.0),
        "course_weights_only": ({f"{p}{l}": int(p == "b") for l in layers for p in "Wb"}, 1.0),
        "course_bias_only": ({f"{p}{l}": int(p == "W") for l in layers for p in "Wb"}, 1.0),
        "course_two_over_m": ({f"{p}{l}": 0 for l in layers for p in "Wb"}, 2.0),
        "course_flipped_sign": ({f"{p}{l}": 0 for l in layers for p in "Wb"}, -1.0),
        "course_at_output": ({f"{p}{l}": 0 for l in layers for p in "Wb"}, 1.0),
        "course_sqrt_m": ({f"{p}{l}": 0.5 for l in layers for p in "Wb"}, 1.0),
        "course_sqrt_m_and_course": ({f"{p}{l}": -0.5 for l in layers for p in "Wb"}, 1.0),
        "course_sqrt_m_split": ({f"{p}{l}": 0 for l in layers for p in "Wb"}, 1.0),
    }
    by_name = {fn.__name__: (fn, style, hidden) for fn, style, hidden, *_ in ZOO}
    for name, (exponents, c) in expected.items():
        fn, style, hidden = by_name[name]
        d = om.diagnose(fn, style=style, hidden=hidden)
        assert d.exponents == exponents, name   # exactly: p is snapped to a simple fraction
        assert all(type(p) is (int if p == int(p) else float) for p in d.exponents.values())
        np.testing.assert_allclose(list(d.constants.values()), c, rtol=1e-9, err_msg=name)
    # not a multiple: no factor, in the layers where the bug acts
    d = om.diagnose(course_transposed)
    assert d.exponents["W4"] == 0 and d.exponents["W3"] == 0
    assert d.exponents["W2"] is None and d.constants["W1"] is None
    # a divisor other than m: a multiple at each m, but not c m^p
    d = om.diagnose(by_name["course_m_minus_one"][0])
    assert {f.kind for f in d.factors[L].values()} == {"not_power"}
    m = np.array(diagnosis.BATCH_SIZES)
    np.testing.assert_allclose(d.factors[L]["W1"].scales, m / (m - 1), rtol=1e-12)


def test_a_non_integer_power_is_one_factor_and_reported_as_such():
    """A uniform 1/sqrt(m) is c m^p with p = -0.5: one factor for every parameter, written m^0.5."""
    by_name = {fn.__name__: fn for fn, *_ in ZOO}
    d = om.diagnose(by_name["course_sqrt_m_and_course"])
    assert d.verdict == "constant_factor"
    assert "Every gradient is too small by the factor m^0.5." in d.summary
    assert "changes with the batch size" in d.summary
    assert set(d.layer_lines()) == {f"dW{l}, db{l}: too small by the factor m^0.5" for l in range(1, 5)}
    assert "too large by the factor m^0.5" in str(om.diagnose(by_name["course_sqrt_m"]))
    # the exponents of two depths and three batch sizes are fitted separately, yet compared equal
    d = om.diagnose(by_name["course_sqrt_m"], depths=(2, 3, 4, 5), batch_sizes=(3, 7, 11, 17))
    assert d.verdict == "constant_factor" and set(d.exponents.values()) == {0.5}


def test_a_correct_placement_with_other_factors_says_so():
    d = om.diagnose(course_sqrt_m_split)
    assert (d.verdict, d.correct, d.intermediates) == ("correct", True, "mixed")
    assert "fit no named correct placement" in d.summary and "Return dA" not in d.summary
    assert "Return dA and dZ too" in om.diagnose(course_only_parameters).summary


def test_a_factor_that_depends_on_the_data_is_not_c_m_to_the_p():
    """Each depth and batch size gets a new network and batch: a divisor read from the data gives
    a multiple at each m that follows no c m^p (here m / (number of positive labels))."""
    d = om.diagnose(course_positive_labels)
    L = max(d.depths)
    assert d.verdict == "other_factors" and not d.correct
    assert {f.kind for f in d.factors[L].values()} == {"not_power"}
    m = np.array(d.batch_sizes)
    np.testing.assert_allclose(d.factors[L]["W1"].scales, m / (m // 2), rtol=1e-12)
    assert "depends on the data rather than on m" in d.summary
    # a new network and batch for every depth and batch size: the function never sees one twice
    seen = []

    def recording(AL, Y, caches):
        seen.append((caches[0][0][0].tobytes(), caches[-1][0][1].tobytes()))   # X and W[L]
        return course_at_params(AL, Y, caches)

    om.diagnose(recording, depths=(2, 3), batch_sizes=(4, 6, 9))
    assert len(seen) == 6 and len({x for x, _ in seen}) == len({w for _, w in seen}) == 6
    # with the words: only when some factor is not c m^p
    assert "depends on the data" not in om.diagnose(by_name_zoo("course_bias_only")).summary


def by_name_zoo(name):
    return next(fn for fn, *_ in ZOO if fn.__name__ == name)


def test_the_verdicts_state_the_path_rule_with_its_condition():
    """'Exactly once' only among placements with 1/m or nothing at each place (round 2, decision 2)."""
    for v in om.VERDICTS.values():
        assert "exactly once" not in v.words
        if "exactly one" in v.words or "every path" in v.words:
            assert "multiply to 1/m" in v.words, v.words


def package_backward(name):
    """A params-style backward pass that is the package's own, with placement ``name``."""
    def backward(X, Y, params):
        grads = om.backward(om.forward(X, params, "relu"), Y, name)
        out = {f"d{k}": v for k, v in grads.of_params().items()}
        out.update({f"dZ{l}": v for l, v in grads.dZ.items()})
        out.update({f"dA{l}": v for l, v in grads.dA.items()})
        return out
    backward.__qualname__ = f"package_{name}"
    return backward


@pytest.mark.parametrize("name", om.PLACEMENTS)
def test_the_package_s_named_placements_are_recognised(name):
    """Every placement the package names has a verdict of the same name."""
    assert name in om.VERDICTS
    d = om.diagnose(package_backward(name), style="params")
    assert d.verdict == name, str(d)
    assert d.correct == om.named_placement(name, 4, 10).is_correct(10)


depth_sets = st.lists(st.integers(2, 5), min_size=1, max_size=3, unique=True).filter(lambda d: max(d) >= 3)
size_sets = st.lists(st.integers(2, 16), min_size=3, max_size=4, unique=True)
seeds = st.integers(0, 2 ** 32 - 1)


@SETTINGS
@given(entry=st.sampled_from(ZOO), depths=depth_sets, sizes=size_sets, seed=seeds)
def test_verdicts_hold_for_any_depths_sizes_and_seed(entry, depths, sizes, seed):
    """A wrong function is never called correct, a correct one never wrong, and the verdict holds."""
    fn, style, hidden, verdict, intermediates = entry
    d = om.diagnose(fn, style=style, hidden=hidden, rng=seed, depths=depths, batch_sizes=sizes)
    assert (d.verdict, d.intermediates) == (verdict, intermediates), str(d)
    assert d.correct == om.VERDICTS[verdict].correct


def scaled_course_backward(a, b):
    """Course style with s_l = m^a[L-l] on dZ[l] and t_l = m^b[L-l] on the step of layer l
    (the placements of the path rule, with integer powers of m)."""
    def backward(AL, Y, caches):
        L, m = len(caches), AL.shape[1]
        grads, dA = {}, -(Y / AL - (1 - Y) / (1 - AL))
        for l in range(L, 0, -1):
            (A_prev, W, _), Z = caches[l - 1]
            dZ = (dA * AL * (1 - AL) if l == L else dA * (Z > 0)) * float(m) ** a[L - l]
            grads[f"dW{l}"] = float(m) ** b[L - l] * dZ @ A_prev.T
            grads[f"db{l}"] = float(m) ** b[L - l] * dZ.sum(axis=1, keepdims=True)
            dA = W.T @ dZ
        return grads
    return backward


powers = st.lists(st.sampled_from([-1, -0.5, 0, 0.5, 1]), min_size=5, max_size=5)


@SETTINGS
@given(a=powers, b=powers, depths=depth_sets, sizes=size_sets, seed=seeds)
def test_exponents_follow_the_path_rule(a, b, depths, sizes, seed):
    """dW[l] and db[l] carry m * (s_L ... s_l) t_l: the exponent 1 + a_L + ... + a_l + b_l, c = 1
    (half-integer powers included: 1/sqrt(m) is m^-0.5)."""
    d = om.diagnose(scaled_course_backward(a, b), rng=seed, depths=depths, batch_sizes=sizes)
    for L, factors in d.factors.items():
        for l in range(1, L + 1):
            p = 1 + sum(a[L - j] for j in range(l, L + 1)) + b[L - l]
            for key in (f"W{l}", f"b{l}"):
                assert factors[key].kind == "power" and factors[key].p == p, (L, key, str(d))
                assert abs(factors[key].c - 1) < 1e-9
    right = all(1 + sum(a[L - j] for j in range(l, L + 1)) + b[L - l] == 0
                for L in depths for l in range(1, L + 1))
    assert d.correct == right
    assert (d.verdict == "correct") == right
    ps = {f.p for fs in d.factors.values() for f in fs.values()}
    if len(ps) == 1 and ps != {0}:     # one power of m for every parameter: a single factor
        assert d.verdict in ("nowhere", "twice", "constant_factor"), str(d)


@SETTINGS
@given(L=st.integers(1, 5), m=st.integers(2, 20), hidden=st.sampled_from(sorted(om.ACTIVATIONS)),
       seed=seeds)
def test_the_test_networks_are_well_conditioned(L, m, hidden, seed):
    """Every hidden unit is active on some examples and inactive on others, away from the kink,
    and the gradient of J reaches it on both kinds of example."""
    X, Y, params = diagnosis.draw_network(L, m, hidden, np.random.default_rng(seed))
    fwd = om.forward(X, params, hidden)
    dA = om.backward(fwd, Y, "at_output").dA
    assert set(np.unique(Y)) == {0.0, 1.0}
    for l in range(1, L):
        Z, reached = fwd.Z[l], np.abs(dA[l]) > 1e-3 * np.abs(dA[l]).max()
        spread = Z.max(axis=1) - Z.min(axis=1)
        assert np.all(((Z > 0) & reached).any(axis=1) & ((Z < 0) & reached).any(axis=1))
        assert np.all(np.abs(Z).min(axis=1) >= diagnosis.MARGIN * spread * (1 - 1e-12))


def test_the_tolerances_sit_far_from_round_off_and_from_real_bugs():
    """Correct gradients agree to round-off; the bugs of the zoo miss by far more than MULTIPLE_TOL."""
    right, wrong = [], []
    for seed in range(5):
        for fn, style, hidden, verdict, _ in ZOO:
            d = om.diagnose(fn, style=style, hidden=hidden, rng=seed)
            for factors in d.factors.values():
                for f in factors.values():
                    (wrong if f.kind == "not_multiple" else right).append(f.residual)
    assert max(right) < 1e-12 < diagnosis.MULTIPLE_TOL < 1e-3 < min(wrong)


def test_the_report_has_one_line_per_layer_the_verdict_and_the_link():
    d = om.diagnose(course_every_layer)
    text = str(d)
    assert d.layer_lines() == ["dW4, db4: exact", "dW3, db3: too small by the factor m",
                               "dW2, db2: too small by the factor m^2", "dW1, db1: too small by the factor m^3"]
    for line in d.layer_lines():
        assert f"  {line}\n" in text
    assert "Verdict: wrong: 1/m in every dZ[l]" in text
    assert "Intermediates returned: none" in text   # it returns no dA, dZ, and the report says so
    assert "Intermediates returned (dA0..dA3): gradients of the sum" in str(om.diagnose(course_at_params))
    assert ("Intermediates returned (dA0..dA3, dZ1..dZ4): gradients of the cost J"
            in " ".join(str(om.diagnose(course_at_output)).split()))
    assert diagnosis._key_ranges(["dA3", "dA1", "dA2", "dZ4", "dZ2"]) == "dA1..dA3, dZ2, dZ4"
    assert text.endswith(f"Explained in:\n  {om.SITE_URL}book/wrong-placements.html#placement-every-layer")
    assert all(len(line) <= diagnosis.REPORT_WIDTH for line in text.splitlines() if "https://" not in line)
    md = d._repr_markdown_()
    assert all(line.startswith(">") for line in md.splitlines())  # a block quote
    assert "> - dW1, db1: too small by the factor m^3\n" in md and f"<{d.url}>" in md
    assert "> ✗ **Verdict:**" in md and "> ✓ **Verdict:**" in om.diagnose(course_at_params)._repr_markdown_()


def test_the_diagnosis_is_deterministic_and_fast():
    first, second = om.diagnose(course_at_params, rng=3), om.diagnose(course_at_params, rng=3)
    assert first == second
    times = []
    for _ in range(3):
        start = time.perf_counter()
        om.diagnose(course_at_params)
        times.append(time.perf_counter() - start)
    assert min(times) < 0.5, times


# --- bad functions and bad arguments -----------------------------------------------------------

def raises(AL, Y, caches):
    return {"dW1": 1 / 0}


def returns_list(AL, Y, caches):
    return [1, 2]


def misses_db2(AL, Y, caches):
    grads = course_at_params(AL, Y, caches)
    del grads["db2"]
    return grads


def flat_db(AL, Y, caches):
    return {k: v.ravel() if k.startswith("db") else v for k, v in course_at_params(AL, Y, caches).items()}


def returns_nan(AL, Y, caches):
    grads = course_at_params(AL, Y, caches)
    grads["dW1"] = grads["dW1"] * np.nan
    return grads


def returns_text(AL, Y, caches):
    return {**course_at_params(AL, Y, caches), "dW2": "dW2"}


def returns_dA_out_of_range(AL, Y, caches):
    return {**course_at_params(AL, Y, caches), f"dA{len(caches) + 1}": AL}


BAD = [
    (raises, r"raises raised ZeroDivisionError: division by zero at line \d+ of raises\(\) in "
             r"test_diagnose.py, `return \{\"dW1\": 1 / 0\}` \(called as raises\(AL, Y, caches\) "
             r"on a network of L = 2 layers, m = 5 examples\)"),
    (returns_list, r"returns_list returned a list; expected a dict of gradients"),
    (misses_db2, r"misses_db2 returned no 'db2': for a network of L = 2 layers it must return 'dW1', "
                 r"'db1', \.\.\., 'dW2', 'db2'; it returned the keys \['dA0', 'dA1', 'dW1', 'dW2', 'db1'\]"),
    (flat_db, r"flat_db returned 'db1' with shape \(4,\); expected \(4, 1\), the shape of b1"),
    (returns_nan, r"returns_nan returned 'dW1' with a non-finite entry \(nan\)"),
    (returns_text, r"returns_text returned 'dW2' as a str that is not an array of numbers; expected "
                   r"shape \(1, 4\), the shape of W2"),
    (returns_dA_out_of_range, r"returned 'dA3', but the network has layers 1\.\.2 \(dA0\.\.dA2, dZ1\.\.dZ2\)"),
]


def dot_not_aligned(AL, Y, caches):
    grads = course_at_params(AL, Y, caches)
    (A_prev, W, b), Z = caches[-1]
    grads["dA0"] = np.dot(W, grads[f"dW{len(caches)}"])          # (1, 4) . (1, 4)
    return grads


def relu_step(dA, Z):
    return dA * (Z.T > 0)                                         # (4, m) * (m, 4)


def broadcast_in_a_helper(AL, Y, caches):
    L = len(caches)
    dZ = AL - Y
    (A_prev, W, b), Z = caches[L - 2]
    relu_step(caches[L - 1][0][1].T @ dZ, Z)
    return {}


SHAPE_ERRORS = [
    (course_transposed_everywhere,
     r"course_transposed_everywhere stopped with a shape error at line \d+ of "
     r"course_transposed_everywhere\(\) in diagnose_zoo.py, `dA = W @ dZ` \(W: \(1, 4\), "
     r"dZ: \(1, 5\)\), called as course_transposed_everywhere\(AL, Y, caches\) on a network of "
     r"L = 2 layers, m = 5 examples \(the output layer's "
     r"W2 has shape \(1, 4\)\)\. NumPy says: matmul: .*Look for a transposed product, such as "
     r"W @ dZ where W\.T @ dZ is meant"),
    (dot_not_aligned, r"dot_not_aligned stopped with a shape error at line \d+ of dot_not_aligned\(\) "
                      r"in test_diagnose.py, "
                      r'`grads\["dA0"\] = np.dot\(W, grads\[f"dW\{len\(caches\)\}"\]\)` '
                      r".*"
                      r"\(W: \(1, 4\)\).*NumPy says: shapes \(1,4\) and \(1,4\) not aligned"),
    (broadcast_in_a_helper, r"broadcast_in_a_helper stopped with a shape error at line \d+ of "
                            r"relu_step\(\) in test_diagnose.py, `return dA \* \(Z.T > 0\)` "
                            r"\(dA: \(4, 5\), Z: \(4, 5\)\).*"
                            r"NumPy says: operands could not be broadcast together"),
]


@pytest.mark.parametrize("fn, message", SHAPE_ERRORS, ids=[fn.__name__ for fn, _ in SHAPE_ERRORS])
def test_a_shape_error_inside_the_function_is_named_with_its_line_and_shapes(fn, message):
    """A transposed W at the output layer stops the function; the ValueError says where and why,
    and is chained to NumPy's."""
    with pytest.raises(ValueError, match=message) as info:
        om.diagnose(fn)
    assert isinstance(info.value.__cause__, ValueError)
    assert str(info.value.__cause__) in str(info.value)


def test_a_transposed_w_in_the_hidden_layers_runs_and_is_not_a_multiple():
    """The hidden layers are square (WIDTH x WIDTH), so there a transposed W runs."""
    assert all(diagnosis.draw_network(L, 5, rng=1)[2][f"W{l}"].shape == (diagnosis.WIDTH,) * 2
               for L in (2, 3, 4) for l in range(2, L))
    assert om.diagnose(course_transposed).verdict == "not_a_multiple"


@pytest.mark.parametrize("fn, message", BAD, ids=[fn.__name__ for fn, _ in BAD])
def test_a_bad_function_gets_a_value_error_naming_it(fn, message):
    with pytest.raises(ValueError, match=message) as info:
        om.diagnose(fn)
    if fn is raises:
        assert isinstance(info.value.__cause__, ZeroDivisionError)  # chained, not swallowed
    if fn is returns_text:
        assert isinstance(info.value.__cause__, ValueError)


@pytest.mark.parametrize("kwargs, message", [
    ({"backward": 3}, r"backward: expected a function, got int"),
    ({"style": "keras"}, r"style: expected one of \['course', 'params', 'propagate', .*\], got 'keras'"),
    ({"hidden": "gelu"}, r"hidden: unknown activation 'gelu'"),
    ({"rng": -1}, r"rng: expected a non-negative int seed"),
    ({"batch_sizes": (5,)}, r"batch_sizes: expected at least 2 distinct ints >= 2 \(batch sizes m\), got \(5,\)"),
    ({"batch_sizes": (1, 5)}, r"batch_sizes: expected at least 2 distinct ints >= 2"),
    ({"depths": ()}, r"depths: expected at least 1 distinct ints >= 1 \(numbers of layers\), got \(\)"),
    ({"depths": 3}, r"depths: expected at least 1 distinct ints >= 1 \(numbers of layers\), got 3"),
])
def test_bad_arguments_get_a_value_error(kwargs, message):
    kwargs = {"backward": course_at_params, **kwargs}
    with pytest.raises(ValueError, match=message):
        om.diagnose(**kwargs)


def test_scale_and_residual_and_power_of_m():
    G = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert om.scale_and_residual(-2.5 * G, G) == pytest.approx((-2.5, 0.0), abs=1e-15)
    k, r = om.scale_and_residual(G.T, G)
    assert r > 0.5
    assert om.scale_and_residual(np.zeros_like(G), G) == (0.0, 0.0)
    c, p, dev = om.power_of_m([5, 8, 13], [3 * 5.0 ** -2, 3 * 8.0 ** -2, 3 * 13.0 ** -2])
    assert (c, p, dev) == pytest.approx((3.0, -2.0, 0.0), abs=1e-12)
    c, p, dev = om.power_of_m([5, 8, 13], [-1.0, -1.0, -1.0])
    assert (c, p) == pytest.approx((-1.0, 0.0))
    for call, message in [
        (lambda: om.scale_and_residual(G, G[:1]), r"G: expected the shape of g, \(2, 2\), got \(1, 2\)"),
        (lambda: om.scale_and_residual(G, 0 * G), r"G: the reference gradient is zero"),
        (lambda: om.power_of_m([5, 5], [1.0, 1.0]), r"batch_sizes: expected at least two distinct sizes >= 2"),
        (lambda: om.power_of_m([5, 8], [1.0, -1.0]), r"scales: expected non-zero numbers of one sign"),
    ]:
        with pytest.raises(ValueError, match=message):
            call()


def test_section_url_and_its_checks():
    assert om.section_url("two-placements", "path-rule") == f"{om.SITE_URL}book/two-placements.html#path-rule"
    for page, label in [("", "x"), ("a/b", "x"), ("a", "#x")]:
        with pytest.raises(ValueError, match=re.escape("expected a slug")):
            om.section_url(page, label)


def test_a_bug_seen_on_a_shallower_network_only_is_still_pointed_at():
    """Where to look comes from the deepest network on which some gradient is off."""
    def wrong_at_two_layers(AL, Y, caches):
        grads = course_at_params(AL, Y, caches)
        if len(caches) == 2:
            grads["dW2"] = grads["dW2"].T.reshape(grads["dW2"].shape)[:, ::-1]
        return grads

    d = om.diagnose(wrong_at_two_layers)
    assert d.verdict == "not_a_multiple" and all(f.kind == "power" for f in d.factors[4].values())
    assert "db2 is right, so dZ[2] is: look at how dW2 is formed" in d.summary

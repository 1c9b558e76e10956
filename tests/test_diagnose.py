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
from diagnose_zoo import ZOO, course_at_params, course_every_layer, course_transposed

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


def test_the_zoo_is_large_and_covers_every_verdict_and_both_styles():
    assert len(ZOO) >= 12
    assert {v for *_, v, _ in ZOO} == set(om.VERDICTS)
    assert {style for _, style, *_ in ZOO} == set(diagnosis.STYLES)


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
    }
    by_name = {fn.__name__: (fn, style, hidden) for fn, style, hidden, *_ in ZOO}
    for name, (exponents, c) in expected.items():
        fn, style, hidden = by_name[name]
        d = om.diagnose(fn, style=style, hidden=hidden)
        assert d.exponents == exponents, name
        assert all(type(p) is int for p in d.exponents.values())
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


powers = st.lists(st.integers(-1, 1), min_size=5, max_size=5)


@SETTINGS
@given(a=powers, b=powers, depths=depth_sets, sizes=size_sets, seed=seeds)
def test_exponents_follow_the_path_rule(a, b, depths, sizes, seed):
    """dW[l] and db[l] carry m * (s_L ... s_l) t_l: the exponent 1 + a_L + ... + a_l + b_l, c = 1."""
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


@SETTINGS
@given(L=st.integers(1, 5), m=st.integers(2, 20), hidden=st.sampled_from(sorted(om.ACTIVATIONS)),
       seed=seeds)
def test_the_test_networks_are_well_conditioned(L, m, hidden, seed):
    """Every hidden unit is active on some examples and inactive on others, away from the kink,
    and the gradient of J reaches it on both kinds of example."""
    X, Y, params = diagnosis._network(L, m, hidden, np.random.default_rng(seed))
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
    (raises, r"raises raised ZeroDivisionError: division by zero \(called as backward\(AL, Y, caches\) "
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
    ({"style": "keras"}, r"style: expected one of \['course', 'params'\], got 'keras'"),
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

"""Reductions over micro-batches, shards and masks (facts F19, F20 of the book): the part "At scale",
{ref}`gradient-accumulation`, {ref}`data-parallel`, {ref}`weighted-means`."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import oneoverm as om

FAST = settings(max_examples=150, deadline=None)

# K >= 1 parts of 0..12 items each, at least one item in all
counts_lists = st.lists(st.integers(0, 12), min_size=1, max_size=8).filter(lambda c: sum(c) > 0)
nonempty_counts = st.lists(st.integers(1, 12), min_size=1, max_size=8)


def items_for(counts, seed, width=3):
    """Per-item values (rows) for parts of the given counts, with a trailing axis like a gradient."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(n, width)) for n in counts]


# ---------------------------------------------------------------- accumulation (F19)

@FAST
@given(counts_lists, st.integers(0, 2**32 - 1))
def test_sum_over_global_count_is_the_mean_of_all_items_whatever_the_counts(counts, seed):
    parts = items_for(counts, seed)
    sums = np.array([p.sum(axis=0) for p in parts])
    np.testing.assert_allclose(om.accumulate(sums, counts), np.concatenate(parts).mean(axis=0),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(om.part_factors(counts, part="global_mean", combine="sum"), 1 / sum(counts))


@FAST
@given(nonempty_counts, st.integers(0, 2**32 - 1))
def test_mean_of_part_means_weights_each_item_by_one_over_k_n_k(counts, seed):
    parts = items_for(counts, seed)
    sums = np.array([p.sum(axis=0) for p in parts])
    got = om.accumulate(sums, counts, part="mean", combine="mean")
    np.testing.assert_allclose(got, np.mean([p.mean(axis=0) for p in parts], axis=0), rtol=1e-12, atol=1e-12)
    factors = om.part_factors(counts, part="mean", combine="mean")
    np.testing.assert_allclose(factors, 1 / (len(counts) * np.array(counts)))
    # ... which is the mean over all items exactly when every part holds the same count
    assert np.allclose(factors, 1 / sum(counts), rtol=1e-12, atol=0) == (len(set(counts)) == 1)


@FAST
@given(nonempty_counts)
def test_the_factors_of_every_recipe_are_the_products_the_path_rule_multiplies(counts):
    n, K, N = np.array(counts), len(counts), sum(counts)
    local = {"mean": 1 / n, "sum": np.ones(K), "global_mean": np.full(K, 1 / N)}
    for part, f in local.items():
        np.testing.assert_allclose(om.part_factors(counts, part=part, combine="sum"), f)
        np.testing.assert_allclose(om.part_factors(counts, part=part, combine="mean"), f / K)


def test_the_toy_of_the_page_mean_of_means_two_versus_the_mean_two_point_six():
    sums, counts = [1.0 + 1.0, 8 * 3.0], [2, 8]
    assert om.accumulate(sums, counts, part="mean", combine="mean") == pytest.approx(2.0)
    assert om.accumulate(sums, counts) == pytest.approx(2.6)


@FAST
@given(st.lists(st.integers(0, 6), min_size=2, max_size=6).filter(lambda c: 0 in c and sum(c) > 0))
def test_an_empty_part_is_an_error_for_its_own_mean_and_harmless_for_the_global_count(counts):
    k = counts.index(0)
    with pytest.raises(ValueError, match=rf"counts\[{k}\].*empty"):
        om.part_factors(counts, part="mean")
    assert np.all(np.isfinite(om.part_factors(counts, part="global_mean")))


@pytest.mark.parametrize("counts, match", [
    ([], "1-D sequence of K >= 1"), ([[1, 2]], "1-D sequence"), ([0, 0], "every part is empty"),
    ([2, -1], "non-negative"), ([1.5, 2], "whole numbers"), ([True, 2], "whole numbers"),
])
def test_bad_counts_are_named(counts, match):
    with pytest.raises(ValueError, match=rf"counts: .*{match}"):
        om.part_factors(counts)


def test_bad_choices_and_sums_are_named():
    with pytest.raises(ValueError, match=r"part: expected one of \['mean', 'sum', 'global_mean'\], got 'avg'"):
        om.part_factors([1, 2], part="avg")
    with pytest.raises(ValueError, match=r"combine: expected one of"):
        om.part_factors([1, 2], combine="max")
    with pytest.raises(ValueError, match=r"sums: expected shape \(2, \.\.\.\).*got shape \(3,\)"):
        om.accumulate([1.0, 2.0, 3.0], [1, 2])
    with pytest.raises(ValueError, match="sums: every entry must be finite"):
        om.accumulate([1.0, np.nan], [1, 2])


# ---------------------------------------------------------------- sharding

@FAST
@given(st.integers(1, 60), st.integers(1, 8), st.sampled_from(om.PADDINGS))
def test_shards_have_equal_length_and_follow_distributed_sampler(m, R, pad):
    if pad == "drop" and m < R:
        with pytest.raises(ValueError, match="m: pad='drop'.*every shard empty"):
            om.shard_indices(m, R, pad=pad)
        return
    index, mask = om.shard_indices(m, R, pad=pad)
    L = m // R if pad == "drop" else -(-m // R)
    assert index.shape == mask.shape == (R, L)
    assert np.all((index >= 0) & (index < m))
    # DistributedSampler: position j of the padded order goes to shard j mod R
    order = np.arange(R * L)
    expected = {"mask": np.where(order < m, order, 0), "repeat": order % m, "drop": order}[pad]
    for r in range(R):
        np.testing.assert_array_equal(index[r], expected[r::R])
    counted = index[mask == 1]
    if pad == "mask":  # every item exactly once; the shards' counts differ by at most one
        np.testing.assert_array_equal(np.sort(counted), np.arange(m))
        assert mask.sum(axis=1).max() - mask.sum(axis=1).min() <= 1
    elif pad == "repeat":  # R*L slots: each item floor(R*L / m) times, the first (R*L mod m) once more
        np.testing.assert_array_equal(np.bincount(counted, minlength=m),
                                      (R * L) // m + (np.arange(m) < (R * L) % m))
    else:  # the last m mod R items left out
        np.testing.assert_array_equal(np.sort(counted), np.arange(R * L))


@FAST
@given(st.integers(1, 40), st.integers(1, 6), st.sampled_from(om.PADDINGS), st.integers(0, 5))
def test_a_fixed_length_only_adds_masked_slots(m, R, pad, extra):
    if pad == "drop" and m < R:
        return
    index, mask = om.shard_indices(m, R, pad=pad)
    L = index.shape[1]
    long_index, long_mask = om.shard_indices(m, R, pad=pad, length=L + extra)
    assert long_index.shape == long_mask.shape == (R, L + extra)
    np.testing.assert_array_equal(long_index[:, :L], index)
    np.testing.assert_array_equal(long_mask[:, :L], mask)
    assert np.all(long_mask[:, L:] == 0) and np.all(long_index[:, L:] == 0)
    if L > 1:
        with pytest.raises(ValueError, match=rf"length: expected at least {L} slots per shard.*got {L - 1}"):
            om.shard_indices(m, R, pad=pad, length=L - 1)


@pytest.mark.parametrize("args, match", [
    ((0, 2), "m: expected a positive int number of items, got 0"),
    ((5, 0), "shards: expected a positive int number of shards, got 0"),
    ((5.0, 2), "m: expected a positive int"), ((5, 2, "pad"), r"pad: expected one of \['mask', 'repeat', 'drop'\]"),
])
def test_bad_sharding_arguments_are_named(args, match):
    m, R, *pad = args
    with pytest.raises(ValueError, match=match):
        om.shard_indices(m, R, pad=pad[0] if pad else "mask")


# ---------------------------------------------------------------- weighted and masked means (F20)

@st.composite
def weighted_batches(draw):
    n = draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    losses = rng.exponential(size=n)
    weights = rng.uniform(0.1, 3.0, size=n)
    mask = rng.integers(0, 2, size=n)
    mask[draw(st.integers(0, n - 1))] = 1  # at least one counted item
    return losses, weights, mask


@FAST
@given(weighted_batches())
def test_each_divisor_gives_its_library_formula(batch):
    losses, w, mask = batch
    counted = mask == 1
    expected = {
        "count": np.sum(w[counted] * losses[counted]) / counted.sum(),     # Keras sum_over_batch_size
        "weights": np.sum(w[counted] * losses[counted]) / w[counted].sum(),  # PyTorch, class weights
        "nothing": np.sum(w[counted] * losses[counted]),
    }
    for divide_by, value in expected.items():
        assert om.reduce_losses(losses, w, mask, divide_by=divide_by) == pytest.approx(value, rel=1e-12)
        factors = om.reduction_factors(losses.size, w, mask, divide_by=divide_by)
        assert np.all(factors[~counted] == 0)
    # the weighted mean's factors sum to 1: it is a mean, of a different cost
    assert om.reduction_factors(losses.size, w, mask, divide_by="weights").sum() == pytest.approx(1.0)


@FAST
@given(weighted_batches())
def test_without_weights_or_mask_it_is_the_plain_mean_and_a_single_item_ignores_its_weight(batch):
    losses, w, _ = batch
    assert om.reduce_losses(losses) == pytest.approx(losses.mean(), rel=1e-12)
    assert om.reduce_losses(losses[:1], w[:1], divide_by="weights") == pytest.approx(losses[0], rel=1e-12)


def test_the_keras_example_half_versus_one():
    """keras-team/keras#19740: MAE with errors [1, 1] and sample weights [0, 1]."""
    assert om.reduce_losses([1.0, 1.0], [0.0, 1.0]) == 0.5
    assert om.reduce_losses([1.0, 1.0], [0.0, 1.0], divide_by="weights") == 1.0


@FAST
@given(st.integers(1, 10), st.sampled_from(["count", "weights"]))
def test_an_all_masked_batch_is_an_error_or_a_library_s_nan_or_zero(n, divide_by):
    losses, mask = np.ones(n), np.zeros(n)
    with pytest.raises(ValueError, match="mask: no item is counted.*divides by 0.*empty='nan'.*empty='zero'"):
        om.reduce_losses(losses, mask=mask, divide_by=divide_by)
    # PyTorch's 0/0 ...
    assert np.isnan(om.reduce_losses(losses, mask=mask, divide_by=divide_by, empty="nan"))
    assert np.all(np.isnan(om.reduction_factors(n, mask=mask, divide_by=divide_by, empty="nan")))
    # ... and the 0 of Keras' masked mean, a division without NaN
    assert om.reduce_losses(losses, mask=mask, divide_by=divide_by, empty="zero") == 0.0
    assert np.all(om.reduction_factors(n, mask=mask, divide_by=divide_by, empty="zero") == 0.0)
    assert om.reduce_losses(losses, mask=mask, divide_by="nothing") == 0.0


def test_zero_total_weight_is_an_error_only_for_the_weighted_divisor():
    with pytest.raises(ValueError, match="weights sum to 0"):
        om.reduce_losses([1.0, 2.0], [0.0, 0.0], divide_by="weights")
    assert om.reduce_losses([1.0, 2.0], [0.0, 0.0]) == 0.0


@pytest.mark.parametrize("kwargs, match", [
    (dict(losses=[]), r"losses: expected a non-empty 1-D array.*shape \(0,\)"),
    (dict(losses=[[1.0]]), r"losses: expected a non-empty 1-D array.*shape \(1, 1\)"),
    (dict(losses=[1.0, np.inf]), "losses: every entry must be finite"),
    (dict(losses=[1.0, 2.0], weights=[1.0]), r"weights: expected shape \(2,\).*got shape \(1,\)"),
    (dict(losses=[1.0, 2.0], weights=[1.0, -1.0]), "weights: expected finite non-negative"),
    (dict(losses=[1.0, 2.0], mask=[1, 2]), "mask: expected 0/1"),
    (dict(losses=[1.0, 2.0], mask=[1]), r"mask: expected shape \(2,\)"),
    (dict(losses=[1.0], divide_by="batch"), r"divide_by: expected one of \['count', 'weights', 'nothing'\]"),
    (dict(losses=[1.0], empty="zeros"), r"empty: expected one of \['raise', 'nan', 'zero'\]"),
])
def test_bad_reduction_inputs_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        om.reduce_losses(**kwargs)


# ---------------------------------------------------------------- how far off: the error relative to the right vector

vectors = st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=12).filter(lambda v: np.linalg.norm(v) > 1e-3)


@FAST
@given(vectors, st.floats(-5.0, 5.0))
def test_error_relative_to_measures_against_the_right_length_and_is_not_capped(exact, c):
    exact = np.array(exact)
    # c times the right vector is off by |c - 1| of its length: 0 at c = 1, 2 at c = -1, 4 at c = 5
    assert np.isclose(om.error_relative_to(c * exact, exact), abs(c - 1), rtol=1e-9, atol=1e-12)
    # the symmetric measure of a gradient check is |c - 1| / (|c| + 1) here: capped at 1
    assert np.isclose(om.relative_error(c * exact, exact), abs(c - 1) / (abs(c) + 1), rtol=1e-9, atol=1e-12)


def test_error_relative_to_names_which_vector_is_right():
    exact, got = np.array([3.0, 4.0]), np.array([0.0, 0.0])
    assert om.error_relative_to(got, exact) == 1.0   # nothing at all: off by the whole length
    with pytest.raises(ValueError, match=r"exact: expected a non-zero vector"):
        om.error_relative_to(exact, got)


@pytest.mark.parametrize("got, exact, match", [
    (np.ones(2), np.ones(3), r"got: expected the shape of exact, \(3,\), got \(2,\)"),
    (np.ones(2), np.array([1.0, np.nan]), "exact: every entry must be finite, found nan"),
    (np.array([np.inf, 1.0]), np.ones(2), "got: every entry must be finite, found inf"),
    (np.ones((2, 2)), np.zeros((2, 2)), r"exact: expected a non-zero vector.*shape \(2, 2\)"),
])
def test_bad_error_inputs_are_named(got, exact, match):
    with pytest.raises(ValueError, match=match):
        om.error_relative_to(got, exact)

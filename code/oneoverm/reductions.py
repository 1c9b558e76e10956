"""Reducing per-item losses over micro-batches, shards and masks. Introduced in {ref}`gradient-accumulation`.

Every reduction here is a weighted sum sum_i c_i l_i of per-item losses (or of per-item gradients,
the same sum differentiated): c_i is the factor met on the way from the reduced loss to item i, as
in the path rule ({ref}`path-rule`). The mean over all N items of a step has c_i = 1/N for every
item, and a reduction gives the gradient of that mean exactly when all its factors equal 1/N.

- :func:`part_factors` and :func:`accumulate`: K parts (micro-batches, {ref}`gradient-accumulation`;
  or shards on R workers, {ref}`data-parallel`), each reducing its own items, then combined.
- :func:`shard_indices`: how a batch is cut into equal-length shards ({ref}`uneven-shards`).
- :func:`reduction_factors` and :func:`reduce_losses`: weighted and masked means
  ({ref}`weighted-means`, {ref}`masked-mean`).

NumPy only. A reduction with nothing to divide by (no items) is an error by default. The libraries
disagree there: PyTorch's mean returns NaN (0/0), Keras's masked mean divides "without NaN" and returns
0 (``tf.nn.compute_average_loss`` divides by the batch size, not by the counted items, and returns 0
only for an empty batch). Where it is offered, ``empty="nan"`` reproduces PyTorch and ``empty="zero"``
Keras. How far a result is off is measured by :func:`oneoverm.error_relative_to`
({ref}`error-relative-to`).
"""

from __future__ import annotations

import math

import numpy as np

# How each part reduces its own items: its mean, its sum, or its sum over the count of all parts.
PART_REDUCTIONS = ("mean", "sum", "global_mean")
# How the parts' results are combined: averaged (divided by K) or summed.
COMBINES = ("mean", "sum")
# How a batch that does not split evenly is made into equal shards (as DistributedSampler does).
PADDINGS = ("mask", "repeat", "drop")
# What a weighted reduction divides by: the counted items, the sum of their weights, or nothing.
DIVISORS = ("count", "weights", "nothing")
EMPTY = ("raise", "nan", "zero")


def _choice(name: str, value, options: tuple[str, ...]) -> str:
    if value not in options:
        raise ValueError(f"{name}: expected one of {list(options)}, got {value!r}")
    return value


def _positive_int(name: str, value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected a positive int {what}, got {value!r}")
    return int(value)


def _counts(counts) -> np.ndarray:
    arr = np.asarray(counts)
    if isinstance(counts, (list, tuple)) and any(isinstance(c, (bool, np.bool_)) for c in counts):
        raise ValueError(f"counts: expected whole numbers of items, got booleans in {list(counts)}")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"counts: expected a 1-D sequence of K >= 1 item counts, got shape {arr.shape}")
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        if not (np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))):
            raise ValueError(f"counts: expected whole numbers of items, got {arr.tolist()}")
    arr = arr.astype(np.int64)
    if np.any(arr < 0):
        raise ValueError(f"counts: expected non-negative item counts, got {arr.tolist()}")
    if arr.sum() == 0:
        raise ValueError(f"counts: every part is empty ({arr.tolist()}); there is no item to average")
    return arr


def part_factors(counts, *, part: str = "mean", combine: str = "mean") -> np.ndarray:
    """The factor each item of part k meets, for parts holding ``counts[k]`` items (shape (K,)).

    Each part reduces its own items (``part``): "mean" divides its summed loss by its own count n_k,
    "sum" does not divide, "global_mean" divides by N = sum of all counts (what a loss given the
    count of the whole step does). The parts' results are then averaged (``combine="mean"``, a
    division by K) or summed. The result equals 1/N for every part exactly when the reduction is
    the mean over all N items. ``part="mean"`` with an empty part is an error (0/0).
    """
    n = _counts(counts)
    _choice("part", part, PART_REDUCTIONS)
    _choice("combine", combine, COMBINES)
    if part == "mean" and np.any(n == 0):
        k = int(np.flatnonzero(n == 0)[0])
        raise ValueError(f"counts[{k}]: part {k} is empty, and part='mean' would divide its sum by 0 "
                         "(PyTorch's mean gives NaN there); use part='global_mean'")
    K, N = n.size, int(n.sum())
    local = {"mean": 1.0 / np.maximum(n, 1), "sum": np.ones(K), "global_mean": np.full(K, 1.0 / N)}[part]
    return local / K if combine == "mean" else local


def accumulate(sums, counts, *, part: str = "global_mean", combine: str = "sum") -> np.ndarray:
    """Combine K parts' summed values (``sums``, shape (K, ...)) as :func:`part_factors` describes.

    ``sums[k]`` is part k's sum over its items of a per-item value: its summed loss, or the gradient
    of its summed loss. Returns sum_k factor_k sums[k], of shape ``sums.shape[1:]``. The defaults
    give the mean over all N items whatever the counts: each part's sum over N, then summed.
    """
    factors = part_factors(counts, part=part, combine=combine)
    arr = np.asarray(sums, dtype=float)
    if arr.ndim < 1 or arr.shape[0] != factors.size:
        raise ValueError(f"sums: expected shape ({factors.size}, ...), one entry per count, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("sums: every entry must be finite")
    return np.tensordot(factors, arr, axes=1)


def shard_indices(m: int, shards: int, *, pad: str = "mask",
                  length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cut a batch of m items into ``shards`` shards of equal length L, as DistributedSampler does.

    Returns ``index`` (shape (shards, L), item numbers) and ``mask`` (same shape, 1.0 where the slot
    counts). Position j of the (padded) order goes to shard j mod ``shards``. When m is not a multiple:
    "mask" pads with slots of mask 0 (their index is 0, a placeholder), so shards hold
    different counts; "repeat" repeats items from the start, counted (DistributedSampler with
    drop_last=False); "drop" leaves the last m mod ``shards`` items out (drop_last=True).
    ``length`` pads every shard further with slots of mask 0, up to that length: a compiled SPMD
    program has fixed shapes, so batches of different sizes reuse one program this way.
    """
    m = _positive_int("m", m, "number of items")
    R = _positive_int("shards", shards, "number of shards")
    _choice("pad", pad, PADDINGS)
    L = m // R if pad == "drop" else math.ceil(m / R)
    if L == 0:
        raise ValueError(f"m: pad='drop' with m = {m} < shards = {R} leaves every shard empty")
    order = np.arange(R * L)
    mask = np.ones(R * L)
    if pad == "mask":
        mask[order >= m] = 0.0
        order = np.where(order < m, order, 0)
    elif pad == "repeat":
        order = order % m
    index, mask = order.reshape(L, R).T, mask.reshape(L, R).T
    if length is not None:
        length = _positive_int("length", length, "number of slots per shard")
        if length < L:
            raise ValueError(f"length: expected at least {L} slots per shard for m = {m} items on "
                             f"{R} shards with pad={pad!r}, got {length}")
        extra = ((0, 0), (0, length - L))
        index, mask = np.pad(index, extra), np.pad(mask, extra)
    return index.copy(), mask.copy()


def reduction_factors(n: int, weights=None, mask=None, *, divide_by: str = "count",
                      empty: str = "raise") -> np.ndarray:
    """The factor c_i of each of n items in a weighted, masked reduction sum_i c_i l_i (shape (n,)).

    c_i = mask_i w_i / D, with weights w (default 1) and a mask of counted items (default all). The
    divisor D (``divide_by``): "count", the number of counted items (Keras' default
    "sum_over_batch_size"); "weights", the sum of their weights (PyTorch's cross-entropy with class
    weights); "nothing", 1 (a sum). When D is 0 (no item counted, or zero total weight), ``empty``
    decides: "raise" (the default) raises a ValueError; "nan" returns NaN factors, the 0/0 that
    PyTorch returns when every target is ignored; "zero" returns zero factors, the 0 of Keras's masked
    mean ({ref}`masked-mean`).
    """
    n = _positive_int("n", n, "number of items")
    _choice("divide_by", divide_by, DIVISORS)
    _choice("empty", empty, EMPTY)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"weights: expected shape ({n},), one per item, got shape {w.shape}")
    if not (np.all(np.isfinite(w)) and np.all(w >= 0)):
        raise ValueError(f"weights: expected finite non-negative weights, got {w.tolist()}")
    c = np.ones(n) if mask is None else np.asarray(mask)
    if c.shape != (n,):
        raise ValueError(f"mask: expected shape ({n},), one per item, got shape {c.shape}")
    if not np.all((c == 0) | (c == 1)):
        raise ValueError(f"mask: expected 0/1 (or boolean) entries, got {c.tolist()}")
    numerators = c.astype(float) * w
    D = {"count": float(c.sum()), "weights": float(numerators.sum()), "nothing": 1.0}[divide_by]
    if D == 0:
        if empty != "raise":
            return np.full(n, np.nan if empty == "nan" else 0.0)
        what = "no item is counted" if c.sum() == 0 else "the counted items' weights sum to 0"
        raise ValueError(f"mask: {what}, so divide_by={divide_by!r} divides by 0; pass empty='nan' "
                         "(PyTorch's result) or empty='zero' (Keras' masked mean)")
    return numerators / D


def reduce_losses(losses, weights=None, mask=None, *, divide_by: str = "count",
                  empty: str = "raise") -> float:
    """sum_i c_i l_i for a 1-D array of per-item losses, with the factors of :func:`reduction_factors`."""
    arr = np.asarray(losses, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"losses: expected a non-empty 1-D array of per-item losses, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("losses: every entry must be finite")
    factors = reduction_factors(arr.size, weights, mask, divide_by=divide_by, empty=empty)
    if np.isnan(factors[0]):
        return float("nan")
    return float(factors @ arr)

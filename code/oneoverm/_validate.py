"""Input checks shared by the public functions: each raises ValueError naming the argument."""

from __future__ import annotations

import numpy as np


def as_matrix(name: str, value, rows: int | None = None, cols: int | None = None) -> np.ndarray:
    """Return ``value`` as a finite 2-D float array, checking its shape against (rows, cols)."""
    arr = np.asarray(value, dtype=float)
    want = f"({'n' if rows is None else rows}, {'m' if cols is None else cols})"
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array of shape {want}, got shape {arr.shape}")
    if (rows is not None and arr.shape[0] != rows) or (cols is not None and arr.shape[1] != cols):
        raise ValueError(f"{name}: expected shape {want}, got shape {arr.shape}")
    if arr.shape[1] == 0:
        raise ValueError(f"{name}: the batch is empty (m = 0 columns, shape {arr.shape}); need m >= 1")
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].flat[0]
        raise ValueError(f"{name}: every entry must be finite, found {bad}")
    return arr


def labels(name: str, value, rows: int, cols: int) -> np.ndarray:
    """Return binary labels of shape (rows, cols) as floats; anything but 0 and 1 is an error."""
    arr = as_matrix(name, value, rows, cols)
    outside = arr[(arr != 0) & (arr != 1)]
    if outside.size:
        raise ValueError(f"{name}: labels must be 0 or 1, found {outside.flat[0]}")
    return arr


def one_hot(name: str, value, rows: int, cols: int) -> np.ndarray:
    """Return one-hot labels of shape (rows, cols): 0/1 entries, exactly one 1 per column."""
    arr = labels(name, value, rows, cols)
    sums = arr.sum(axis=0)
    if np.any(sums != 1):
        col = int(np.flatnonzero(sums != 1)[0])
        raise ValueError(f"{name}: softmax labels must be one-hot (one 1 per column), "
                         f"column {col} has {int(sums[col])}")
    return arr


def probabilities(name: str, value, rows: int | None = None, cols: int | None = None) -> np.ndarray:
    """Return an array of values in [0, 1] with the given shape."""
    arr = as_matrix(name, value, rows, cols)
    outside = arr[(arr < 0) | (arr > 1)]
    if outside.size:
        raise ValueError(f"{name}: probabilities must lie in [0, 1], found {outside.flat[0]}")
    return arr

"""NumPy's reading of an index: one item per axis, whichever layer indexes.

funcad's advanced indexing (``funcad/numpy/indexing.py``) and the Dask
backend's (``_dask_indexing.py``) take an index apart the same way: ``None``,
``...`` and slices as they are, Python's ``bool`` refused, every other item
turned by the caller into an int or a list of integer index arrays (a mask
gives one per axis it covers); then the axes are counted and the ellipsis
expanded. Only how an item becomes arrays differs between the two (traced
values there, lazy masks here), so that part is the caller's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy


class _NoAxis:
    """An ellipsis standing for no axis: it still separates index arrays (NumPy's rule)."""

    def __repr__(self) -> str:
        return "<no axis>"


NO_AXIS = _NoAxis()
_FULL = slice(None)


def index_items(index, ndim: int, item_arrays: Callable[[object, str], object]) -> list:
    """``index`` as a list covering ``ndim`` axes: ints, slices, None, ``NO_AXIS`` and arrays.

    ``item_arrays(item, where)`` reads each item that is not ``None``, ``...``,
    a slice or a Python int: it returns an int, or a list of index arrays.
    Trailing axes are filled with full slices; an ellipsis takes the axes the
    index leaves, or stands as ``NO_AXIS`` when it leaves none.
    """
    items = []
    for position, item in enumerate(index if isinstance(index, tuple) else (index,)):
        if item is None or item is Ellipsis or isinstance(item, slice):
            items.append(item)
        elif isinstance(item, (bool, numpy.bool_)):
            raise TypeError(f"index item {position} is the boolean {item}; index with an "
                            f"array of booleans, or use None for a new axis.")
        elif isinstance(item, int):
            items.append(item)
        else:
            read = item_arrays(item, f"index item {position}")
            items += read if isinstance(read, list) else [read]
    used = sum(1 for item in items if item is not None and item is not Ellipsis)
    if used > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, but "
                         f"{used} were indexed")
    ellipses = [k for k, item in enumerate(items) if item is Ellipsis]
    if len(ellipses) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    fill = [_FULL] * (ndim - used)
    if ellipses:
        k = ellipses[0]
        items[k:k + 1] = fill or [NO_AXIS]
    else:
        items += fill
    return items

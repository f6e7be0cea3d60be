"""Histograms: histogram, histogram_bin_edges, histogram2d, histogramdd.

Counts are piecewise constant in the data, so they carry no derivative; the
sums of ``weights`` are differentiable (a scatter-add), and so are the bin
edges that come from the data's range (through ``min`` and ``max``, whose ties
split the derivative) and the densities (through the bin widths). With an
integer number of bins the shapes are fixed, so everything works under
``vmap``; ``bins='auto'`` and the other estimators choose the number of bins
from the values and need them known (not batched).

Re-exported by ``funcad.numpy.searching``.
"""

from __future__ import annotations

import operator

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._concrete import concrete, maybe_concrete
from funcad.numpy._lazy import constants_xp, data_backend, param_on, plain, plain_xp
from funcad.numpy._numerical_util import as_operand, default_xp
from funcad.numpy.array_api import inexact_type, ramp
from funcad.numpy.composites import ravel
from funcad.numpy.searching import _scatter_add, searchsorted
from funcad.primitives._util import backend_of, dtype_of, shape_of
from funcad.primitives.arithmetic import add, divide, multiply, subtract
from funcad.primitives.comparison import (
    astype,
    equal,
    greater_equal,
    less_equal,
    logical_and,
    where,
)
from funcad.primitives.indexing import getitem
from funcad.primitives.reduction import max as max_
from funcad.primitives.reduction import min as min_
from funcad.primitives.reduction import sum as sum_
from funcad.primitives.shape import reshape

_range = range


def _finite(value) -> bool:
    """Whether a known number or 0-d array (of any backend) is finite."""
    xp = backend.of_arrays(value).xp
    return bool(xp.isfinite(value))


def _outer_edges(a, range):  # noqa: A002 - numpy's name
    """The first and last edge: ``range``, or the data's extent (widened when flat)."""
    if range is not None:
        first, last = range
        if first > last:
            raise ValueError("max must be larger than min in range parameter.")
        if not (_finite(first) and _finite(last)):
            raise ValueError(f"supplied range of [{first}, {last}] is not finite")
        if first == last:
            first, last = first - 0.5, last + 0.5
        return first, last
    if not shape_of(a)[0]:
        return 0, 1
    first, last = min_(a), max_(a)
    known = maybe_concrete(first), maybe_concrete(last)
    if known[0] is not None:
        if not (_finite(known[0]) and _finite(known[1])):
            raise ValueError(f"autodetected range of [{known[0]}, {known[1]}] is not finite")
        # On a device the flat case is chosen below, elementwise: no second read.
        if backend.of(known[0]).native:
            if known[0] == known[1]:
                return subtract(first, 0.5), add(last, 0.5)
            return first, last
    flat = equal(first, last)
    return where(flat, subtract(first, 0.5), first), where(flat, add(last, 0.5), last)


def _dtype(x):
    return dtype_of(x) if isinstance(x, Tracer) or backend.is_array(x) else x


def _kept(x, a):
    """Given edges: traced and other backends' arrays stay as they are.

    Anything else becomes an array of ``a``'s backend: edges given as a list or a
    NumPy array are not data, and go along with another backend's ``a``.
    """
    return x if not plain(x) else param_on(a, plain_xp(x).asarray(x))


def _bin_edges(a, bins, range, weights):  # noqa: A002 - numpy's name
    """The edges for the flattened ``a``: from a count (or estimator) or given."""
    xp = default_xp()
    if isinstance(bins, str):
        if weights is not None:
            raise TypeError("Automated estimation of the number of bins is not supported for "
                            "weighted data")
        plain = concrete(a, "histogram", "a", "pass an integer number of bins",
                         "number of bins")
        bins = len(xp.histogram_bin_edges(plain, bins, range)) - 1
    if not shape_of(bins):
        try:
            n = operator.index(bins)
        except TypeError:
            raise TypeError("`bins` must be an integer, a string, or an array") from None
        if n < 1:
            raise ValueError("`bins` must be positive, when an integer")
        first, last = _outer_edges(a, range)
        bin_type = xp.result_type(_dtype(first), _dtype(last), dtype_of(a) or
                                  xp.asarray(a).dtype)
        if bin_type.kind in "iub":
            bin_type = xp.result_type(bin_type, float)
        edges = ramp(first, last, n + 1, True, inexact_type(first, last))
        return astype(edges, bin_type)
    if len(shape_of(bins)) != 1:
        raise ValueError("`bins` must be 1d, when an array")
    _check_increasing(bins, "`bins` must increase monotonically, when an array")
    return _kept(bins, a)


def _check_increasing(edges, message):
    plain = maybe_concrete(edges)
    if plain is not None:
        plain = plain if backend.is_array(plain) else backend.default().xp.asarray(plain)
        if bool((plain[:-1] > plain[1:]).any()):
            raise ValueError(message)


def _bin_index(edges, a):
    """Each value's bin: ``edges[i] <= a < edges[i + 1]``, the last bin closed; -1 outside."""
    n = shape_of(edges)[0] - 1
    index = subtract(searchsorted(edges, a, "right"), 1)
    last = getitem(edges, -1)
    index = where(equal(a, last), n - 1, index)
    inside = logical_and(greater_equal(a, getitem(edges, 0)), less_equal(a, last))
    return where(inside, index, -1)


def _flat(a, weights):
    if weights is not None and shape_of(weights) != shape_of(a):
        raise ValueError("weights should have the same shape as a.")
    # A list (not a NumPy array: that is data of its own backend) joins the weights'.
    a = as_operand(a, weights if weights is not None and not plain(weights) else None)
    a = ravel(a) if not plain(a) else plain_xp(a).ravel(a)
    return a, None if weights is None else ravel(weights)


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002 - numpy's name
    """The bin edges ``histogram`` uses; differentiable in ``a`` through its extent."""
    if plain(a, bins, weights):
        return plain_xp(a, bins, weights).histogram_bin_edges(a, bins, range, weights)
    data_backend(a, weights)  # the sample and its weights are data: one backend
    a, weights = _flat(a, weights)
    return _like(a, _bin_edges(a, bins, range, weights))


def _like(a, edges):
    """Edges that do not depend on a lazy ``a`` (a given range or array), as its backend's."""
    if isinstance(edges, Tracer) or plain(a) or not plain(edges):
        return edges
    return backend_of(a).xp.asarray(edges)


def histogram(a, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """Counts (or sums of ``weights``) of ``a`` in bins, and the bin edges.

    Differentiable in ``weights``, and in ``a`` through the edges when they
    come from its range (and through the widths with ``density=True``).

    >>> import numpy as np, funcad as fa, funcad.numpy as fnp
    >>> a = np.array([0.0, 0.5, 1.0, 2.0])
    >>> fa.grad(lambda w: fnp.histogram(a, bins=2, weights=w)[0][1])(np.ones(4))
    array([0., 0., 1., 1.])
    """
    if plain(a, bins, weights):
        return plain_xp(a, bins, weights).histogram(a, bins, range, density, weights)
    data_backend(a, weights)  # the sample and its weights are data: one backend
    a, weights = _flat(a, weights)
    edges = _like(a, _bin_edges(a, bins, range, weights))
    n = shape_of(edges)[0] - 1
    xp = constants_xp(a)
    index = _bin_index(edges, a)
    if weights is None:
        # Data-sized: on the data's backend (lazy on Dask), not a constant.
        hist = _scatter_add(index, backend_of(a).xp.ones(shape_of(a), xp.intp), n, xp.intp)
    else:
        # As NumPy: accumulated in double precision, then cast to the weights' dtype.
        wide = xp.complex128 if dtype_of(weights).kind == "c" else xp.float64
        hist = _scatter_add(index, astype(weights, wide), n, wide)
        if dtype_of(weights) != wide:
            hist = astype(hist, dtype_of(weights))
    if density:
        widths = astype(subtract(getitem(edges, slice(1, None)), getitem(edges, slice(None, -1))),
                        xp.float64)
        hist = divide(divide(hist, widths), sum_(hist))
    return hist, edges


def histogramdd(sample, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """The multidimensional histogram of ``sample`` (``(N, D)``, or D arrays), and edges.

    Differentiable as ``histogram``: in ``weights``, and in ``sample`` through
    the edges of each dimension's range.
    """
    if plain(sample, bins, weights):
        return plain_xp(sample, bins, weights).histogramdd(sample, bins, range, density, weights)
    # The sample and its weights are data: one backend.
    data_backend(*(sample if isinstance(sample, (list, tuple)) else [sample]), weights)
    if isinstance(sample, (list, tuple)):
        columns = [ravel(s) if not plain(s) else plain_xp(s).ravel(s) for s in sample]
    elif len(shape_of(sample)) == 2:
        columns = [getitem(sample, (slice(None), i)) for i in _range(shape_of(sample)[1])]
    else:
        columns = [ravel(sample)]
    d = len(columns)
    try:
        if len(bins) != d:
            raise ValueError("The dimension of bins must be equal to the dimension of the "
                             "sample x.")
    except TypeError:
        bins = d * [bins]
    if range is None:
        range = (None,) * d  # noqa: A001
    elif len(range) != d:
        raise ValueError("range argument must have one entry per dimension")
    edges = [_dd_edges(column, b, r, i) for i, (column, b, r) in
             enumerate(zip(columns, bins, range))]
    shape = tuple(shape_of(e)[0] - 1 for e in edges)
    flat, inside, stride = 0, True, 1
    for i in _range(d - 1, -1, -1):
        index = _bin_index(edges[i], columns[i])
        flat = add(flat, multiply(index, stride))
        # A sample outside any one dimension's range falls out of the whole histogram.
        inside = logical_and(inside, less_equal(0, index))
        stride *= shape[i]
    flat = where(inside, flat, -1)
    xp = constants_xp(columns[0])
    values = (backend_of(columns[0]).xp.ones(shape_of(columns[0]), xp.float64) if weights is None
              else astype(weights, xp.float64))
    hist = reshape(_scatter_add(flat, values, stride, xp.float64), shape)
    if density:
        total = sum_(hist)
        for i, edge in enumerate(edges):
            width = subtract(getitem(edge, slice(1, None)), getitem(edge, slice(None, -1)))
            hist = divide(hist, reshape(width, tuple(shape[i] if j == i else 1
                                                     for j in _range(d))))
        hist = divide(hist, total)
    return hist, edges


def _dd_edges(column, bins, range, i):  # noqa: A002 - numpy's name
    if not shape_of(bins):
        if bins < 1:
            raise ValueError(f"`bins[{i}]` must be positive, when an integer")
        try:
            n = operator.index(bins)
        except TypeError:
            raise TypeError(f"`bins[{i}]` must be an integer, when a scalar") from None
        first, last = _outer_edges(column, range)
        return ramp(first, last, n + 1, True, inexact_type(first, last), like=column)
    if len(shape_of(bins)) != 1:
        raise ValueError(f"`bins[{i}]` must be a scalar or 1d array")
    _check_increasing(bins, f"`bins[{i}]` must be monotonically increasing, when an array")
    return _kept(bins, column)


def histogram2d(x, y, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """The 2-D histogram of points ``(x, y)``, and the edges of each axis."""
    if plain(x, y, bins, weights):
        return plain_xp(x, y, bins, weights).histogram2d(x, y, bins, range, density, weights)
    if shape_of(x)[0] != shape_of(y)[0]:
        raise ValueError("x and y must have the same length.")
    try:
        count = len(bins)
    except TypeError:
        count = 1
    if count not in (1, 2):
        bins = [bins, bins]
    hist, edges = histogramdd([x, y], bins, range, density, weights)
    return hist, edges[0], edges[1]


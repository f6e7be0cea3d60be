"""The NumPy surface beyond the sweep: value-dependent shapes, size= padding, set operations.

Expected values come from NumPy on the same inputs, finite differences of
NumPy functions, or closed forms; never from funcad's own output.

The tests that compute run on the backend ``--backend`` names (``sweep_backend``
in ``tests/conftest.py``; NumPy without it): inputs, and the constants they meet,
are put there, the transforms run under the backend's guard (Dask: no computing;
CuPy: no copy to the host), and the results must be that backend's arrays before
they are read back and compared with NumPy. Dask cannot give a shape that depends
on values without computing them: those tests are expected to fail there.
"""

from __future__ import annotations

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from tests._reference import num_grad

RNG = np.random.default_rng(11)
X = np.array([[0.5, -1.0, 0.0], [2.0, 0.0, -3.0]])


def _values_make_the_shape(on):
    """Dask refuses, by design, a shape that only computing the values can give."""
    if on.name == "dask":
        pytest.xfail("Dask: the result's shape depends on the values, which a lazy "
                     "array does not have without computing (funcad does not compute)")


# Value-dependent shapes: fine with known values, a clear TypeError under vmap --------------
DATA_DEPENDENT = {
    "nonzero": lambda x, one: fnp.nonzero(x > 0)[0],
    "argwhere": lambda x, one: fnp.argwhere(x > 0),
    "flatnonzero": lambda x, one: fnp.flatnonzero(x),
    "where": lambda x, one: fnp.where(x > 0)[0],
    "extract": lambda x, one: fnp.extract(x > 0, x),
    "compress": lambda x, one: fnp.compress(x > 0, x),
    "unique": lambda x, one: fnp.unique(x),
    "unique_values": lambda x, one: fnp.unique_values(x),
    "unique_counts": lambda x, one: fnp.unique_counts(x).counts,
    "union1d": lambda x, one: fnp.union1d(x, one),
    "intersect1d": lambda x, one: fnp.intersect1d(x, one),
    "setdiff1d": lambda x, one: fnp.setdiff1d(x, one),
    "setxor1d": lambda x, one: fnp.setxor1d(x, one),
    "trim_zeros": lambda x, one: fnp.trim_zeros(x),
    "bincount": lambda x, one: fnp.bincount(fnp.astype(x > 0, int)),
    "delete": lambda x, one: fnp.delete(x, fnp.argmax(x)),
    "histogram[auto]": lambda x, one: fnp.histogram(x, bins="auto")[0],
}


@pytest.mark.parametrize("name", DATA_DEPENDENT)
def test_value_dependent_shapes_refuse_vmap_with_a_reason(name, on):
    x, one = on.put([np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 0.0]]), np.array([1.0])])
    with pytest.raises(TypeError, match="vmap") as info, on.guard():
        fa.vmap(lambda r: DATA_DEPENDENT[name](r, one))(x)
    message = str(info.value)
    assert "depends on the values" in message
    assert f"funcad.numpy.{name.split('[')[0]}:" in message


def test_the_vmap_errors_say_what_to_use_instead(on):
    x = on.put(np.ones((2, 3)))
    for f, hint in [(lambda r: fnp.nonzero(r), "size="), (lambda r: fnp.unique(r), "size="),
                    (lambda r: fnp.extract(r > 0, r), "fnp.where"),
                    (lambda r: fnp.bincount(fnp.astype(r, int)), "length=")]:
        with pytest.raises(TypeError, match=hint), on.guard():
            fa.vmap(f)(x)


def test_value_dependent_shapes_work_under_grad_and_jvp(on):
    _values_make_the_shape(on)
    x = np.array([0.5, -1.0, 2.0, 0.0, 3.0])
    xb = on.put(x)
    np.testing.assert_array_equal(
        on.run(fa.grad(lambda v: fnp.sum(fnp.extract(v > 0, v) ** 2)), xb),
        np.where(x > 0, 2 * x, 0.0))
    _, t = on.run(fa.jvp, lambda v: fnp.compress(v > 0, v), (xb,), (on.put(np.arange(5.0)),))
    np.testing.assert_array_equal(t, np.arange(5.0)[x > 0])
    seen = []
    on.run(fa.grad(lambda v: seen.append(fnp.nonzero(v)) or fnp.sum(v)), xb)
    for a, b in zip(on.get(seen[0]), np.nonzero(x)):
        np.testing.assert_array_equal(a, b)
    # Second order: the positions are known at every level.
    h = on.run(fa.hessian(lambda v: fnp.sum(fnp.extract(v > 0, v) ** 3)), xb)
    np.testing.assert_allclose(h, np.diag(np.where(x > 0, 6 * x, 0.0)))


def test_nonzero_of_a_traced_0d_array_is_refused_as_numpy_does(on):
    with pytest.raises(ValueError, match="0d"), on.guard():
        fa.grad(lambda v: fnp.nonzero(v)[0].size * v)(on.put(np.array(1.0)))
    with pytest.raises(ValueError):
        np.nonzero(np.float64(1.0).reshape(()))


# size= and fill_value= ------------------------------------------------------------
@pytest.mark.parametrize("size", [0, 2, 4, 9])
def test_nonzero_size_pads_and_cuts_like_jax(size, on):
    x = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 3.0]])
    expected = [np.concatenate([i, np.full(9, -1)])[:size] for i in np.nonzero(x)]
    for g, e in zip(on.run(lambda: fnp.nonzero(on.put(x), size=size, fill_value=-1)), expected):
        np.testing.assert_array_equal(g, e)
    batched = on.run(fa.vmap(lambda r: fnp.nonzero(r, size=size, fill_value=-1)),
                     on.put(np.stack([x, 0 * x])))
    for g, e in zip(batched, expected):
        np.testing.assert_array_equal(g[0], e)
        np.testing.assert_array_equal(g[1], np.full(size, -1))


def test_nonzero_fill_value_per_dimension_and_argwhere(on):
    x = np.array([[0, 5], [7, 0]])
    xb = on.put(x)
    rows, cols = on.run(lambda: fnp.nonzero(xb, size=3, fill_value=(9, 8)))
    np.testing.assert_array_equal(rows, [0, 1, 9])
    np.testing.assert_array_equal(cols, [1, 0, 8])
    np.testing.assert_array_equal(on.run(lambda: fnp.argwhere(xb, size=1)), np.argwhere(x)[:1])
    np.testing.assert_array_equal(on.run(lambda: fnp.argwhere(xb, size=3, fill_value=-1)),
                                  np.concatenate([np.argwhere(x), [[-1, -1]]]))
    with pytest.raises(ValueError, match="fill_value"), on.guard():
        fnp.nonzero(xb, size=2, fill_value=(1, 2, 3))
    with pytest.raises(ValueError, match="size"), on.guard():
        fnp.nonzero(xb, size=-1)


def test_unique_size_under_vmap_matches_numpy_per_row(on):
    rows = np.array([[3, 1, 3, 2, 1], [4, 4, 4, 4, 4], [0, 1, 2, 3, 4]])
    values, index, inverse, counts = on.run(fa.vmap(
        lambda r: fnp.unique(r, True, True, True, size=4, fill_value=-1)), on.put(rows))
    for r, v, i, inv, c in zip(rows, values, index, inverse, counts):
        u, ui, uinv, uc = np.unique(r, True, True, True)
        k = min(len(u), 4)
        np.testing.assert_array_equal(v[:k], u[:k])
        np.testing.assert_array_equal(v[k:], -1)
        np.testing.assert_array_equal(i[:k], ui[:k])
        np.testing.assert_array_equal(c[:k], uc[:k])
        np.testing.assert_array_equal(c[k:], 0)
        np.testing.assert_array_equal(inv, uinv)


def test_unique_size_default_fill_is_the_minimum_and_values_are_differentiable(on):
    x = on.put(np.array([2.0, -1.0, 2.0]))
    np.testing.assert_array_equal(on.run(lambda: fnp.unique(x, size=4)), [-1.0, 2.0, -1.0, -1.0])
    # Each value's derivative goes to its first occurrence; padding repeats the minimum's.
    w = on.put(np.array([1.0, 10.0, 100.0, 1e3]))
    g = on.run(fa.grad(lambda v: fnp.sum(fnp.unique(v, size=4) * w)), x)
    np.testing.assert_array_equal(g, [10.0, 1101.0, 0.0])


def test_unique_with_nans_and_size(on):
    x = np.array([np.nan, 1.0, np.nan, 1.0])
    xb = on.put(x)
    np.testing.assert_array_equal(on.run(lambda: fnp.unique(xb, size=2)), np.unique(x))
    np.testing.assert_array_equal(on.run(lambda: fnp.unique_values(xb, size=3)),
                                  np.unique(x, equal_nan=False))


# unique and set operations under grad -------------------------------------------------
def test_unique_gradient_goes_to_first_occurrences(on):
    _values_make_the_shape(on)
    x = on.put(np.array([3.0, 1.0, 3.0, 2.0, 1.0]))
    w = on.put(np.array([1.0, 2.0, 3.0]))
    g = on.run(fa.grad(lambda v: fnp.sum(fnp.unique(v) * w)), x)
    np.testing.assert_array_equal(g, [3.0, 1.0, 0.0, 2.0, 0.0])
    values, counts = on.run(fa.jvp, lambda v: fnp.unique_counts(v).values, (x,),
                            (on.put(np.arange(5.0)),))
    np.testing.assert_array_equal(values, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(counts, [1.0, 3.0, 0.0])


def test_unique_returns_match_numpy_under_jvp(on):
    _values_make_the_shape(on)
    x = RNG.integers(0, 4, (3, 4)).astype(float)

    def f(v):
        return {"all": fnp.unique(v, True, True, True),
                "axis": fnp.unique(v, axis=1, return_counts=True), "api": fnp.unique_all(v)}

    with on.guard():
        seen = fa.jvp(f, (on.put(x),), (on.put(np.ones_like(x)),))[0]
    assert seen["api"]._fields == np.unique_all(x)._fields
    seen = {k: on.get(tuple(v)) for k, v in seen.items()}
    for got, want in [(seen["all"], np.unique(x, True, True, True)),
                      (seen["axis"], np.unique(x, axis=1, return_counts=True)),
                      (seen["api"], np.unique_all(x))]:
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)


@pytest.mark.fixed_backend("the unsorted order of unique_values for integers is NumPy's "
                           "behaviour (CuPy's unique_values sorts)")
def test_unique_values_keeps_numpys_order_for_integers():
    x = np.array([3, 1, 9, 1, 7, 3, -2] * 2)
    _, _, got = fa.vjp(lambda v: (v, fnp.unique_values(fnp.astype(v, int))), x.astype(float),
                       has_aux=True)
    np.testing.assert_array_equal(got, np.unique_values(x))


@pytest.mark.parametrize("name", ["union1d", "intersect1d", "setdiff1d", "setxor1d"])
def test_set_operations_values_and_gradients(name, on):
    _values_make_the_shape(on)
    f = getattr(fnp, name)
    a = np.array([4.0, 1.0, 3.0, 1.0, 5.0])
    b = np.array([3.0, 7.0, 4.0, 0.5, 7.0])
    ab, bb, ones = on.put([a, b, np.ones(5)])
    expected = getattr(np, name)(a, b)
    np.testing.assert_array_equal(on.run(fa.jvp, lambda x, y: f(x, y), (ab, bb),
                                         (ones, ones))[0], expected)
    # The gradient of sum(w * result) puts each w on the element its value came from:
    # for a repeated value, its first occurrence; a shared value, a's element (as JAX).
    w = np.arange(1.0, expected.size + 1)
    wb = on.put(w)
    ga, gb = on.run(fa.grad(lambda x, y: fnp.sum(wb * f(x, y)), argnums=(0, 1)), ab, bb)
    want_a, want_b = np.zeros(5), np.zeros(5)
    for weight, value in zip(w, expected):
        if value in a:
            want_a[np.flatnonzero(a == value)[0]] += weight
        else:
            want_b[np.flatnonzero(b == value)[0]] += weight
    np.testing.assert_array_equal(ga, want_a)
    np.testing.assert_array_equal(gb, want_b)
    # Away from repeated and shared values the result is smooth in a.
    distinct = np.array([4.5, 1.0, 3.5, 2.0, 5.0])
    expected = getattr(np, name)(distinct, b)
    w = np.arange(1.0, expected.size + 1)
    wb = on.put(w)
    np.testing.assert_allclose(on.run(fa.grad(lambda x: fnp.sum(wb * f(x, bb) ** 2)),
                                      on.put(distinct)),
                               num_grad(lambda x: np.sum(w * getattr(np, name)(x, b) ** 2),
                                        distinct), atol=1e-7)


def test_intersect1d_shared_values_and_indices(on):
    _values_make_the_shape(on)
    a = np.array([4.0, 1.0, 3.0, 1.0, 5.0])
    b = np.array([3.0, 7.0, 4.0, 0.5])
    ab, bb = on.put([a, b])
    # A shared value carries the derivative of ar1's element (as JAX).
    ga, gb = on.run(fa.grad(lambda x, y: fnp.sum(fnp.intersect1d(x, y)), argnums=(0, 1)), ab, bb)
    np.testing.assert_array_equal(ga, [1.0, 0.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(gb, np.zeros(4))
    got = on.run(fa.jvp, lambda x: fnp.intersect1d(x, bb, return_indices=True), (ab,),
                 (on.put(np.ones(5)),))[0]
    for g, e in zip(got, np.intersect1d(a, b, return_indices=True)):
        np.testing.assert_array_equal(g, e)


def test_set_operations_assume_unique(on):
    _values_make_the_shape(on)
    a, b = np.array([5.0, 1.0, 3.0]), np.array([3.0, 2.0])
    ab, bb, ones = on.put([a, b, np.ones(3)])
    for name in ["setdiff1d", "setxor1d", "intersect1d"]:
        got = on.run(fa.jvp, lambda x, n=name: getattr(fnp, n)(x, bb, assume_unique=True), (ab,),
                     (ones,))[0]
        np.testing.assert_array_equal(got, getattr(np, name)(a, b, assume_unique=True))


SET_OPERATIONS = ["union1d", "intersect1d", "setdiff1d", "setxor1d"]


@pytest.mark.parametrize("name", SET_OPERATIONS)
@pytest.mark.parametrize("assume_unique", [False, True])
@pytest.mark.parametrize("sizes", [(0, 0), (0, 2), (2, 0)])
def test_set_operations_of_empty_arrays_match_numpy(name, assume_unique, sizes, on):
    _values_make_the_shape(on)
    a = np.array([2.0, -1.0], np.float32)[:sizes[0]]
    b = np.array([5, 2])[:sizes[1]]
    ab, bb = on.put([a, b])
    kwargs = {} if name == "union1d" else {"assume_unique": assume_unique}
    f = getattr(fnp, name)
    expected = getattr(np, name)(a, b, **kwargs)
    got, tangent = on.run(fa.jvp, lambda x: f(x, bb, **kwargs), (ab,), (on.put(np.ones_like(a)),))
    assert got.dtype == expected.dtype and tangent.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    both = on.run(fa.jvp, lambda x, y: f(x, y, **kwargs), (ab, on.put(b.astype(np.float32))),
                  on.put((np.ones_like(a), np.ones(b.shape, np.float32))))[0]
    np.testing.assert_array_equal(both, getattr(np, name)(a, b.astype(np.float32), **kwargs))
    g = on.run(fa.grad(lambda x: fnp.sum(f(x, bb, **kwargs))), ab)
    assert g.dtype == np.float32 and g.shape == a.shape


def test_trim_zeros_gradient_and_axes(on):
    x = on.put(np.array([0.0, 0.0, 1.5, 0.0, -2.0, 0.0]))
    with pytest.raises(ValueError, match="trim"), on.guard():
        fa.grad(lambda v: fnp.sum(fnp.trim_zeros(v, "x")))(x)
    _values_make_the_shape(on)
    np.testing.assert_array_equal(
        on.run(fa.grad(lambda v: fnp.sum(fnp.trim_zeros(v, "f") ** 2)), x),
        [0, 0, 3.0, 0, -4.0, 0.0])
    m = np.zeros((4, 5))
    m[1, 2], m[2, 3] = 1.0, 2.0
    for trim, axis in [("fb", None), ("b", 0), ("f", (1,))]:
        got = on.run(fa.jvp, lambda v: fnp.trim_zeros(v, trim, axis), (on.put(m),),
                     (on.put(np.ones_like(m)),))[0]
        np.testing.assert_array_equal(got, np.trim_zeros(m, trim, axis))


# bincount and histograms --------------------------------------------------------------
def test_bincount_weights_gradient_matches_finite_differences(on):
    x = np.array([0, 3, 3, 1, 5, 0, 3])
    w = RNG.normal(size=7)
    c = RNG.normal(size=8)
    _values_make_the_shape(on)
    xb, cb = on.put([x, c])
    g = on.run(fa.grad(lambda v: fnp.sum(cb * fnp.bincount(xb, v, minlength=8) ** 2)), on.put(w))
    np.testing.assert_allclose(g, num_grad(lambda v: np.sum(c * np.bincount(x, v, minlength=8)
                                                            ** 2), w), rtol=1e-7, atol=1e-8)


def test_bincount_dtypes_follow_numpy_and_float32_weights_get_float32_gradients(on):
    x = np.array([0, 2, 2])
    w = np.array([1.0, 2.0, 3.0], np.float32)
    assert on.run(fa.vmap(lambda i: fnp.bincount(i, length=3)),
                  on.put(np.array([[0, 1], [2, 2]]))).dtype == np.bincount(x).dtype
    _values_make_the_shape(on)
    xb = on.put(x)
    with on.guard():
        out, vjp_fn = fa.vjp(lambda v: fnp.bincount(xb, v), on.put(w))
        (g,) = vjp_fn(on.put(np.ones(3)))
    assert out.dtype == np.bincount(x, w).dtype == np.float64
    g = on.get(g)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, [1.0, 1.0, 1.0])


def test_bincount_checks_its_input(on):
    ones2, ones3 = on.put([np.ones(2), np.ones(3)])
    with pytest.raises(ValueError, match="shape"), on.guard():
        fa.grad(lambda w: fnp.sum(fnp.bincount(on.put(np.array([0, 1])), w)))(ones3)
    with pytest.raises(TypeError, match="integers"), on.guard():
        fa.grad(lambda w: fnp.sum(fnp.bincount(w, w)))(ones2)
    # Finding a negative entry needs the values.
    _values_make_the_shape(on)
    with pytest.raises(ValueError, match="non-negative"), on.guard():
        fa.grad(lambda w: fnp.sum(fnp.bincount(on.put(np.array([0, -1])), w)))(ones2)


def test_histogram_matches_numpy_with_known_values(on):
    a = RNG.normal(size=50)
    w = RNG.uniform(size=50)
    _values_make_the_shape(on)
    twos = on.put(np.full(4, 2.0))

    def f(v, u):
        return fnp.sum(v * u), {
            "auto": fnp.histogram(v, bins="auto"),
            "flat": fnp.histogram(twos + 0 * v[:4], 3),
            "weighted": fnp.histogram(v, bins=[-1.0, 0.0, 0.1, 5.0], weights=u, density=True)}

    _, seen = on.run(fa.grad(f, argnums=(0, 1), has_aux=True), *on.put([a, w]))
    for got, want in [(seen["auto"], np.histogram(a, bins="auto")),
                      (seen["flat"], np.histogram(np.full(4, 2.0), 3)),
                      (seen["weighted"], np.histogram(a, [-1.0, 0.0, 0.1, 5.0], weights=w,
                                                      density=True))]:
        for g, e in zip(got, want):
            np.testing.assert_allclose(g, e, rtol=1e-13)


def test_histogram_edges_follow_the_data_range(on):
    a = np.array([0.0, 1.0, 3.0, 4.0])
    # edges = min + (max - min) * k / bins: d/da is a split between the extreme elements.
    jac = on.run(fa.jacfwd(lambda v: fnp.histogram(v, 4)[1]), on.put(a))
    k = np.arange(5) / 4
    expected = np.zeros((5, 4))
    expected[:, 0], expected[:, 3] = 1 - k, k
    np.testing.assert_allclose(jac, expected)
    edges = on.run(fa.vmap(lambda v: fnp.histogram(v, 2)[1]),
                   on.put(np.array([[1.0, 1.0], [0.0, 2.0]])))
    np.testing.assert_array_equal(edges, [np.histogram([1.0, 1.0], 2)[1],
                                          np.histogram([0.0, 2.0], 2)[1]])


def test_histogram_float32_weights_and_errors(on):
    a = np.array([0.0, 0.5, 1.0], np.float32)
    w = np.ones(3, np.float32)
    ab, wb = on.put([a, w])
    with pytest.raises(ValueError, match="monotonically"), on.guard():
        fa.grad(lambda u: fnp.sum(fnp.histogram(ab, [1.0, 0.0], weights=u)[0]))(wb)
    with pytest.raises(TypeError, match="weighted"), on.guard():
        fa.grad(lambda u: fnp.sum(fnp.histogram(ab, "auto", weights=u)[0]))(wb)
    with on.guard():
        (hist, edges), vjp_fn = fa.vjp(lambda u: fnp.histogram(ab, 2, weights=u), wb)
        ct = vjp_fn(on.put((np.ones(2, np.float32), np.zeros(3, np.float32))))[0]
    want_hist, want_edges = np.histogram(a, 2, weights=w)
    assert hist.dtype == want_hist.dtype and edges.dtype == want_edges.dtype
    assert on.get(ct).dtype == np.float32
    # Finding an infinite end needs the values.
    _values_make_the_shape(on)
    with pytest.raises(ValueError, match="not finite"), on.guard():
        fa.grad(lambda v: fnp.sum(fnp.histogram(v, 2)[1]))(on.put(np.array([0.0, np.inf])))


def test_histogram2d_and_dd_with_known_values(on):
    x, y = RNG.normal(size=30), RNG.normal(size=30)
    _values_make_the_shape(on)
    edges_b = on.put(np.array([-3.0, 0.0, 3.0]))

    def f(u, v):
        return fnp.sum(u * v), {
            "2d": fnp.histogram2d(u, v, bins=[3, edges_b], density=True),
            "dd": fnp.histogramdd(fnp.stack([u, v], 1), bins=4, range=[(-1, 1), None])}

    _, seen = on.run(fa.grad(f, argnums=(0, 1), has_aux=True), *on.put([x, y]))
    want = np.histogram2d(x, y, bins=[3, np.array([-3.0, 0.0, 3.0])], density=True)
    for g, e in zip(seen["2d"], want):
        np.testing.assert_allclose(g, e, rtol=1e-13)
    hist, edges = np.histogramdd(np.stack([x, y], 1), bins=4, range=[(-1, 1), None])
    np.testing.assert_allclose(seen["dd"][0], hist)
    for g, e in zip(seen["dd"][1], edges):
        np.testing.assert_allclose(g, e, rtol=1e-14)


# append, delete, insert -------------------------------------------------------------------
INSERTS = [(1, None, 2.5), (np.array([0, 2, 2]), 1, np.array([1.0, 2.0, 3.0])),
           (slice(0, 3, 2), 1, np.array([[5.0], [6.0]])), (-1, 0, np.array([7.0, 8.0, 9.0])),
           (np.array([True, False, True]), 1, 4.0)]


@pytest.mark.parametrize("case", range(len(INSERTS)))
def test_insert_gradients_in_array_and_values(case, on):
    obj, axis, v = INSERTS[case]
    x = RNG.normal(size=(2, 3))
    c = RNG.normal(size=np.insert(x, obj, v, axis=axis).shape)
    v = np.asarray(v, float)
    cb = on.put(c)
    gx, gv = on.run(fa.grad(lambda a, b: fnp.sum(cb * fnp.insert(a, obj, b, axis=axis) ** 2),
                            argnums=(0, 1)), *on.put([x, v]))
    np.testing.assert_allclose(gx, num_grad(lambda a: np.sum(c * np.insert(a, obj, v, axis) ** 2),
                                            x), atol=1e-7)
    np.testing.assert_allclose(gv, num_grad(lambda b: np.sum(c * np.insert(x, obj, b, axis) ** 2),
                                            v), atol=1e-7)


@pytest.mark.parametrize("obj, axis", [(1, None), ([0, 2], 1), (slice(1, None), 0),
                                       (np.array([False, True, True]), 1)])
def test_delete_and_append_gradients(obj, axis, on):
    x = RNG.normal(size=(2, 3))
    c = RNG.normal(size=np.delete(x, obj, axis).shape)
    cb = on.put(c)
    np.testing.assert_allclose(on.run(fa.grad(lambda a: fnp.sum(cb * fnp.delete(a, obj, axis)
                                                                ** 3)), on.put(x)),
                               num_grad(lambda a: np.sum(c * np.delete(a, obj, axis) ** 3), x),
                               atol=1e-7)
    v = RNG.normal(size=(2, 2))
    c2 = RNG.normal(size=np.append(x, v, axis=axis if axis != 0 else 1).shape)
    a2 = axis if axis != 0 else 1
    c2b = on.put(c2)
    gx, gv = on.run(fa.grad(lambda a, b: fnp.sum(c2b * fnp.append(a, b, a2)), argnums=(0, 1)),
                    *on.put([x, v]))
    np.testing.assert_allclose(np.append(gx, gv, a2), np.broadcast_to(c2, c2.shape))


def test_delete_and_insert_need_known_positions_under_vmap(on):
    with pytest.raises(TypeError, match="obj"), on.guard():
        fa.vmap(lambda x: fnp.delete(x, fnp.argmax(x)))(on.put(np.ones((2, 3))))
    # Fixed positions batch fine.
    got = on.run(fa.vmap(lambda x: fnp.insert(x, 1, -x[0])), on.put(np.arange(6.0).reshape(2, 3)))
    np.testing.assert_array_equal(got, [np.insert(r, 1, -r[0]) for r in np.arange(6.0).reshape(2,
                                                                                                3)])


# float32 in, float32 out ------------------------------------------------------------------
def _float32_cases(put=lambda a: a):
    """name: (funcad function, NumPy reference); ``put`` moves the constants funcad's meets."""
    mask, ones3 = put(MASK32), put(np.ones(3))
    return {
        "extract": (lambda x: fnp.extract(mask, x), lambda x: np.extract(MASK32, x)),
        "compress": (lambda x: fnp.compress([True, False, True], x, 1),
                     lambda x: np.compress([True, False, True], x, 1)),
        "append": (lambda x: fnp.append(x, x[0]), lambda x: np.append(x, x[0])),
        "insert": (lambda x: fnp.insert(x, 1, 2.5), lambda x: np.insert(x, 1, 2.5)),
        "insert64": (lambda x: fnp.insert(x, 1, ones3), lambda x: np.insert(x, 1, np.ones(3))),
        "delete": (lambda x: fnp.delete(x, 0, 1), lambda x: np.delete(x, 0, 1)),
        "unique": (lambda x: fnp.unique(x), lambda x: np.unique(x)),
        "unique_size": (lambda x: fnp.unique(x, size=3), lambda x: np.unique(x)[:3]),
        "select": (lambda x: fnp.select([x > 0], [x], 0.5), lambda x: np.select([x > 0], [x], 0.5)),
        "choose": (lambda x: fnp.choose(put(MASK32.astype(int)), [x, 2 * x]),
                   lambda x: np.choose(MASK32.astype(int), [x, 2 * x])),
        "piecewise": (lambda x: fnp.piecewise(x, [x > 0], [lambda v: v * 2.0, 1.0]),
                      lambda x: np.piecewise(x, [x > 0], [lambda v: v * 2.0, 1.0])),
        "partition": (lambda x: fnp.partition(x, 1), lambda x: np.sort(x)),
        "resize": (lambda x: fnp.resize(x, (4, 4)), lambda x: np.resize(x, (4, 4))),
        "logspace": (lambda x: fnp.logspace(x[0, 0], x[1, 1], 4), lambda x: np.logspace(x[0, 0],
                                                                                        x[1, 1], 4)),
        "geomspace": (lambda x: fnp.geomspace(x[0, 0] ** 2 + 1, 4.0, 3),
                      lambda x: np.geomspace(x[0, 0] ** 2 + 1, 4.0, 3)),
        "cumulative_sum": (lambda x: fnp.cumulative_sum(x, axis=0, include_initial=True),
                           lambda x: np.cumulative_sum(x, axis=0, include_initial=True)),
        "vecdot": (lambda x: fnp.vecdot(x, x), lambda x: np.vecdot(x, x)),
        "histogram_edges": (lambda x: fnp.histogram_bin_edges(x, 3),
                            lambda x: np.histogram_bin_edges(x, 3)),
        "sort_complex": (lambda x: fnp.sort_complex(x), lambda x: np.sort_complex(x)),
    }


MASK32 = np.array([[True, False, True], [False, True, True]])
F32_SHAPE_FROM_VALUES = {"extract", "unique"}


@pytest.mark.parametrize("name", list(_float32_cases()))
def test_float32_in_gives_numpys_dtype_out_and_float32_gradients(name, on):
    if name in F32_SHAPE_FROM_VALUES:
        _values_make_the_shape(on)
    f, _ = _float32_cases(on.put)[name]
    ref = _float32_cases()[name][1]
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)
    xb = on.put(x)
    with on.guard():
        out, vjp_fn = fa.vjp(f, xb)
        (g,) = vjp_fn(on.put(np.ones(out.shape, out.dtype)))
        _, t = fa.jvp(f, (xb,), (on.put(np.ones_like(x)),))
    out, g, t = on.get((out, g, t))
    want = ref(x)
    assert out.dtype == want.dtype, (out.dtype, want.dtype)
    np.testing.assert_allclose(out, want, rtol=1e-6)
    assert g.dtype == np.float32
    assert t.dtype == want.dtype


# Ranges --------------------------------------------------------------------------------
def test_geomspace_gradients_have_the_closed_form(on):
    s, e, n = 2.0, 32.0, 5
    t = np.linspace(0, 1, n)
    value = s ** (1 - t) * e ** t
    sb, eb = on.put([np.array(s), np.array(e)])
    with pytest.raises(ValueError, match="zero"), on.guard():
        fa.grad(lambda a: fnp.sum(fnp.geomspace(a, 0.0, 3)))(on.put(np.array(1.0)))
    js, je = on.run(fa.jacfwd(lambda a, b: fnp.geomspace(a, b, n), argnums=(0, 1)), sb, eb)
    np.testing.assert_allclose(js, (1 - t) * value / s, rtol=1e-12)
    np.testing.assert_allclose(je, t * value / e, rtol=1e-12)
    np.testing.assert_array_equal(on.run(lambda: fnp.geomspace(sb, e, n)[[0, -1]]), [s, e])


@pytest.mark.parametrize("num, endpoint", [(1, True), (2, True), (1, False)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_geomspace_of_few_points_between_ends_of_mixed_signs_has_finite_gradients(num, endpoint,
                                                                                  dtype, on):
    stop = np.array([2.0, -3.0], dtype)
    # Only the ends are used: geomspace(s, e, 2) = [s, e] and geomspace(s, e, 1) = [s].
    with np.errstate(invalid="ignore"):
        expected = np.geomspace(dtype(1.5), stop, num, endpoint=endpoint)
    start_b, stop_b = on.put([np.array(1.5, dtype), stop])
    js, je = on.run(fa.jacrev(lambda s, e: fnp.geomspace(s, e, num, endpoint=endpoint),
                              argnums=(0, 1)), start_b, stop_b)
    want_s = np.zeros((num, 2))
    want_s[0] = 1.0
    want_e = np.zeros((num, 2, 2))
    if num == 2:
        want_e[1] = np.eye(2)
    np.testing.assert_array_equal(js, want_s)
    np.testing.assert_array_equal(je, want_e)
    assert js.dtype == je.dtype == dtype  # reverse mode: the inputs' dtype
    got = on.run(fa.jvp, lambda s: fnp.geomspace(s, stop_b, num, endpoint=endpoint), (start_b,),
                 (on.put(np.array(1.0, dtype)),))[0]
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype


def test_logspace_gradient_in_its_base(on):
    b = 3.0
    y = np.linspace(0.0, 2.0, 4)
    np.testing.assert_allclose(on.run(fa.jacfwd(lambda base: fnp.logspace(0.0, 2.0, 4, base=base)),
                                      on.put(np.array(b))),
                               y * b ** (y - 1), rtol=1e-12)


# Logic and searching details ----------------------------------------------------------------
def test_allclose_and_array_equal_return_python_bools_with_known_values(on):
    x = np.array([1.0, 2.0])
    xb = on.put(x)
    batched = on.run(fa.vmap(lambda v: fnp.allclose(v, xb)),
                     on.put(np.array([[1.0, 2.0], [1.0, 3.0]])))
    np.testing.assert_array_equal(batched, [True, False])
    # A Python bool needs the values.
    _values_make_the_shape(on)
    seen = []
    with on.guard():
        fa.grad(lambda v: seen.extend([fnp.allclose(v, v + 1e-12), fnp.array_equal(v, xb),
                                       fnp.array_equiv(v, v[:1]), fnp.array_equal(v, v[:1])])
                or fnp.sum(v))(xb)
    assert seen == [True, True, False, False]
    # NumPy gives Python bools; CuPy, as cupy.allclose does, 0-d arrays.
    assert all(type(s) is bool if on.name == "numpy" else isinstance(s, bool | on.array_type)
               for s in seen)


def test_isclose_follows_numpy_for_infinities_nans_and_integers(on):
    a = np.array([np.inf, -np.inf, np.nan, 1.0, 5.0])
    b = np.array([np.inf, np.inf, np.nan, 1.0 + 1e-9, 5.0])
    got = on.run(fa.vmap(lambda u, v: fnp.isclose(u, v, equal_nan=True)),
                 *on.put([a[None], b[None]]))[0]
    np.testing.assert_array_equal(got, np.isclose(a, b, equal_nan=True))
    ints = np.array([[1, 2, np.iinfo(np.int64).min]])
    got = on.run(fa.vmap(lambda u: fnp.isclose(u, u[::-1])), on.put(ints))[0]
    np.testing.assert_array_equal(got, np.isclose(ints[0], ints[0][::-1]))


def test_where_with_one_argument_is_nonzero(on):
    c = np.array([[True, False], [True, True]])
    cb = on.put(c)
    with pytest.raises(ValueError, match="both or neither"), on.guard():
        fnp.where(cb, 1.0)
    with pytest.raises(TypeError, match="one-argument"), on.guard():
        fnp.where(cb, 1.0, 2.0, size=3)
    _values_make_the_shape(on)
    for g, e in zip(on.run(fnp.where, cb), np.where(c)):
        np.testing.assert_array_equal(g, e)


def test_numpy_calls_on_traced_values_reach_these_functions(on):
    x = np.array([3.0, 0.0, 1.0, 3.0])
    ints = np.array([[1, 2], [7, 5]])
    xb, intsb, ramp = on.put([x, ints, np.arange(4.0)])
    got = on.run(fa.vmap(lambda i: np.bitwise_and(i, 6) + np.left_shift(i, 1)
                         + np.gcd(i, intsb[0])), intsb)
    np.testing.assert_array_equal(got, (ints & 6) + (ints << 1) + np.gcd(ints, ints[0]))

    def search():
        np.testing.assert_array_equal(on.run(fa.vmap(lambda v: np.searchsorted(ramp, v)), xb),
                                      np.searchsorted(np.arange(4.0), x))

    # CuPy's __array_function__ declines a call where a tracer takes part, so NumPy's
    # np.searchsorted(cupy_array, traced) reaches funcad's.
    search()
    _values_make_the_shape(on)
    g = on.run(fa.grad(lambda v: np.sum(np.unique(v) * ramp[1:]) + np.nonzero(v)[0].size), xb)
    np.testing.assert_array_equal(g, [3.0, 1.0, 2.0, 0.0])


def test_partition_on_traced_values_is_a_valid_partition_with_the_kth_gradient(on):
    x = RNG.normal(size=(3, 6))
    xb = on.put(x)
    with pytest.raises(ValueError, match="out of bounds"), on.guard():
        fa.grad(lambda v: fnp.partition(v, 6)[0])(on.put(x[0]))
    for kth in [0, 2, 5, -1]:
        got = on.run(fa.jvp, lambda v, k=kth: fnp.partition(v, k), (xb,),
                     (on.put(np.ones_like(x)),))[0]
        want = np.partition(x, kth)
        np.testing.assert_array_equal(got[:, kth], want[:, kth])
        assert np.all(got[:, :kth % 6] <= got[:, kth % 6: kth % 6 + 1])
        assert np.all(got[:, kth % 6:] >= got[:, kth % 6: kth % 6 + 1])
    g = on.run(fa.grad(lambda v: fnp.partition(v, 2)[2]), on.put(x[0]))
    np.testing.assert_array_equal(g, (x[0] == np.partition(x[0], 2)[2]).astype(float))


def test_piecewise_functions_see_only_their_elements(on):
    x = np.array([-4.0, -1.0, 0.25, 4.0])
    got = on.run(fa.vmap(lambda v: fnp.piecewise(v, [v < 0, v > 1], [lambda u: u ** 2, 7.0])),
                 on.put(x[None]))
    np.testing.assert_array_equal(got[0], np.piecewise(x, [x < 0, x > 1], [lambda u: u ** 2, 7.0]))
    # sqrt is never evaluated on the negative entries: no NaN in the value or the gradient.
    _values_make_the_shape(on)
    g = on.run(fa.grad(lambda v: fnp.sum(fnp.piecewise(v, [v >= 0], [fnp.sqrt, lambda u: -u]))),
               on.put(x))
    np.testing.assert_array_equal(g, [-1.0, -1.0, 1.0, 0.25])


@pytest.mark.fixed_backend("NumPy scalar inputs and results (np.float64, np.float32) of a 0-d "
                           "piecewise are NumPy's behaviour")
def test_piecewise_of_a_0d_traced_x_follows_numpy():
    def f(x):
        return fnp.piecewise(x, [x < 0, x >= 0], [lambda v: -v, lambda v: v ** 2])

    # d/dx x**2 = 2x for x >= 0, d/dx (-x) = -1 below.
    assert fa.grad(f)(1.5) == 3.0
    assert fa.grad(f)(-1.5) == -1.0
    y, t = fa.jvp(f, (1.5,), (2.0,))
    assert (y, t) == (np.piecewise(np.float64(1.5), [False, True], [lambda v: -v, lambda v: v ** 2]),
                      6.0)
    assert np.shape(y) == np.shape(t) == ()
    assert fa.vjp(f, 1.5)[1](1.0) == (3.0,)
    xs = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(fa.vmap(f)(xs), [np.piecewise(v, [v < 0, v >= 0],
                                                                [lambda u: -u, lambda u: u ** 2])
                                                   for v in xs])
    np.testing.assert_array_equal(fa.vmap(fa.grad(f))(xs), [-1.0, 0.0, 6.0])
    # NumPy hands each function a (1,) array for a 0-d x; the funcad result is 0-d again.
    seen = []
    fa.grad(lambda x: fnp.piecewise(x, x > 0, [lambda v: seen.append(v.shape) or v, 1.0]))(2.0)
    assert seen == [(1,)]
    y32, t32 = fa.jvp(f, (np.float32(2.0),), (np.float32(1.0),))
    assert y32.dtype == t32.dtype == np.float32 and (y32, t32) == (4.0, 4.0)
    # A constant for the otherwise-case takes x's dtype, as NumPy's assignment does.
    g = fa.value_and_grad(lambda x: fnp.piecewise(x, [x < 0], [lambda v: v * 3.0, 7]))(2.0)
    assert g == (np.piecewise(np.float64(2.0), [False], [lambda v: v * 3.0, 7]), 0.0)


def test_digitize_of_traced_non_monotonic_bins_raises_as_numpy_and_is_documented_under_vmap(on):
    x = np.array([0.5, 1.5, 2.5])
    bad = np.array([0.0, 2.0, 1.0])
    xb = on.put(x)
    # Under vmap the bins' values are not known: as documented, bins that are not
    # non-decreasing count as decreasing, each value getting the number of bins above it.
    for right, above in [(False, np.greater), (True, np.greater_equal)]:
        got = on.run(fa.vmap(lambda b, r=right: fnp.digitize(xb, b, right=r)),
                     on.put(bad[None]))[0]
        np.testing.assert_array_equal(got, np.sum(above(bad[:, None], x), axis=0))
        decreasing = np.array([2.0, 1.0, 0.0])
        np.testing.assert_array_equal(np.sum(above(decreasing[:, None], x), axis=0),
                                      np.digitize(x, decreasing, right=right))
    # Known bins are checked as NumPy checks them, which needs their values.
    _values_make_the_shape(on)
    with pytest.raises(ValueError, match="monotonically") as numpy_error:
        np.digitize(x, bad)
    with pytest.raises(ValueError, match=str(numpy_error.value)), on.guard():
        fa.grad(lambda b: fnp.sum(b * fnp.digitize(xb, b)))(on.put(bad))
    with pytest.raises(ValueError, match="monotonically"), on.guard():
        fa.jvp(lambda b: fnp.digitize(xb, b), (on.put(bad),), (on.put(np.ones(3)),))


def test_digitize_checks_monotonic_bins_and_handles_decreasing_ones(on):
    x = np.array([0.2, 1.5, 3.0])
    xb = on.put(x)
    bins = np.array([[3.0, 2.0, 1.0], [0.0, 1.0, 2.0]])
    got = on.run(fa.vmap(lambda b: fnp.digitize(xb, b, right=True)), on.put(bins))
    np.testing.assert_array_equal(got, [np.digitize(x, b, right=True) for b in bins])
    _values_make_the_shape(on)
    bad = on.put(np.array([1.0, 0.0, 2.0]))
    with pytest.raises(ValueError, match="monotonically"), on.guard():
        fa.grad(lambda v: fnp.sum(v * fnp.digitize(v, bad)))(xb)


def test_searchsorted_agrees_with_numpy_on_nans_and_ties(on):
    a = np.array([[0.0, 1.0, 1.0, np.nan, np.nan], [1.0, 1.0, 1.0, 2.0, np.nan]])
    v = np.array([1.0, np.nan, -1.0, 5.0])
    ab, vb = on.put([a, v])
    for side in ["left", "right"]:
        got = on.run(fa.vmap(lambda r, s=side: fnp.searchsorted(r, vb, s)), ab)
        np.testing.assert_array_equal(got, [np.searchsorted(r, v, side) for r in a])


def test_choose_modes_and_errors(on):
    a = np.array([0, 3, -1, 1])
    choices = [np.zeros(4), np.ones(4)]
    ab, cb = on.put(a), on.put(choices)
    for mode in ["clip", "wrap"]:
        got = on.run(fa.jvp, lambda c0, m=mode: fnp.choose(ab, [c0, cb[1]], mode=m), (cb[0],),
                     (on.put(np.ones(4)),))[0]
        np.testing.assert_array_equal(got, np.choose(a, choices, mode=mode))
    _values_make_the_shape(on)
    with pytest.raises(ValueError, match="invalid entry"), on.guard():
        fa.grad(lambda c0: fnp.sum(fnp.choose(ab, [c0, cb[1]])))(cb[0])


def test_choose_raise_under_vmap_of_the_index_clamps_as_documented(on):
    a = np.array([[0, 3, -1, 1], [-5, 1, 2, 0]])
    choices = [np.array([1.0, 2.0, 3.0, 4.0]), np.array([10.0, 20.0, 30.0, 40.0])]
    ab, cb = on.put(a), on.put(choices)
    got = on.run(fa.vmap(lambda i: fnp.choose(i, cb)), ab)
    np.testing.assert_array_equal(got, [np.choose(i, choices, mode="clip") for i in a])
    # The derivative in the choices goes to the clamped choice, and is NaN-free.
    grads = on.run(fa.vmap(lambda i: fa.grad(lambda c: fnp.sum(fnp.choose(i, [c, cb[1]])))(
        cb[0])), ab)
    np.testing.assert_array_equal(grads, (np.clip(a, 0, 1) == 0).astype(float))
    # With the index known (grad, jvp, vjp, or vmap of the choices only) it raises as NumPy.
    with pytest.raises(ValueError, match="invalid entry"):
        np.choose(a[0], choices)
    _values_make_the_shape(on)
    with pytest.raises(ValueError, match="invalid entry"), on.guard():
        fa.vmap(lambda c: fnp.choose(on.put(a[0]), [c, cb[1]]))(on.put(np.stack(choices)))


def test_argpartition_on_traced_values_and_its_errors(on):
    x = RNG.normal(size=(2, 5))
    xb = on.put(x)
    for kth, axis in [(1, -1), (1, 0), (7, None)]:
        index = on.run(fa.jvp, lambda v, k=kth, ax=axis: fnp.argpartition(v, k, axis=ax), (xb,),
                       (on.put(np.ones_like(x)),))[0]
        values = (np.take_along_axis(x, index, axis) if axis is not None
                  else x.ravel()[index])
        want = np.partition(x, kth, axis=axis)
        np.testing.assert_array_equal(np.take(values, kth, axis=axis or 0),
                                      np.take(want, kth, axis=axis or 0))
    with pytest.raises(ValueError, match=r"argpartition: kth\(=5\) out of bounds"), on.guard():
        fa.vmap(lambda v: fnp.argpartition(v, 5))(xb)
    with pytest.raises(TypeError, match="argpartition: order="), on.guard():
        fa.vmap(lambda v: fnp.argpartition(v, 1, order="f"))(xb)


def test_select_checks_condition_types(on):
    x = on.put(np.ones(3))
    with pytest.raises(TypeError, match="boolean"), on.guard():
        fa.grad(lambda v: fnp.sum(fnp.select([v], [v])))(x)
    with pytest.raises(ValueError, match="same length"), on.guard():
        fa.grad(lambda v: fnp.sum(fnp.select([v > 0], [v, v])))(x)


def test_type_queries_read_traced_dtypes(on):
    x32 = on.put(np.ones(3, np.float32))
    with pytest.raises(TypeError, match="dtype"), on.guard():
        fa.vmap(lambda v: fnp.min_scalar_type(v))(x32)
    # min_scalar_type of a value needs the value.
    _values_make_the_shape(on)
    seen = []
    on.run(fa.grad(lambda v: seen.extend([
        fnp.result_type(v, 1.0), fnp.result_type(v, np.float64), fnp.can_cast(v, np.float16),
        fnp.iscomplexobj(v), fnp.isrealobj(v), fnp.min_scalar_type(v), fnp.isscalar(v),
        fnp.min_scalar_type(v[0] * 0 + 3.0)]) or fnp.sum(v)), x32)
    assert seen == [np.float32, np.float64, False, False, True, np.float32, False,
                    np.min_scalar_type(np.float32(3.0))]


def test_real_if_close_and_asarray_chkfinite(on):
    z = np.array([1.0 + 1e-20j, 2.0 + 0j])
    zb = on.put(z)
    with pytest.raises(TypeError, match="fnp.real"), on.guard():
        fa.vmap(lambda v: fnp.real_if_close(zb * v))(on.put(np.ones(2)))
    # The result's dtype, and the check for infinities, need the values.
    _values_make_the_shape(on)
    one = on.put(np.array(1.0))
    for scale in [1.0, 1e10]:
        zs = z.real + 1j * scale * z.imag
        zsb = on.put(zs)
        got = on.run(fa.jvp, lambda v: fnp.real_if_close(zsb * v), (one,), (one,))[0]
        want = np.real_if_close(zs)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="infs or NaNs"), on.guard():
        fa.grad(lambda v: fnp.sum(fnp.asarray_chkfinite(v)))(on.put(np.array([1.0, np.inf])))
    with pytest.raises(ValueError, match="infs or NaNs"), on.guard():
        fa.vmap(lambda v: fnp.asarray_chkfinite(v))(on.put(np.array([[1.0], [np.nan]])))


@pytest.mark.fixed_backend("index generators make NumPy index arrays from shapes and plain "
                           "NumPy inputs (NumPy's own functions)")
def test_index_generators_are_numpys():
    m = np.ones((3, 4))
    for name, args in [("tri", (3, 4, 1)), ("indices", ((2, 3),)), ("diag_indices", (3,)),
                       ("tril_indices", (3, -1, 4)), ("triu_indices", (3, 1)),
                       ("tril_indices_from", (m,)), ("triu_indices_from", (m, 1)),
                       ("mask_indices", (3, np.triu)), ("ix_", ([0, 1], [True, False, True]))]:
        got, want = getattr(fnp, name)(*args), getattr(np, name)(*args)
        for g, e in zip(got if isinstance(got, tuple) else [got],
                        want if isinstance(want, tuple) else [want]):
            np.testing.assert_array_equal(g, e)
    seen = []
    fa.grad(lambda v: seen.extend([fnp.tril_indices_from(v), fnp.diag_indices_from(v[:3, :3])])
            or fnp.sum(v))(m)
    np.testing.assert_array_equal(seen[0], np.tril_indices_from(m))
    np.testing.assert_array_equal(seen[1], np.diag_indices(3))
    grid = fnp.fromfunction(lambda i, j: i + 10 * j, (2, 3))
    np.testing.assert_array_equal(grid, np.fromfunction(lambda i, j: i + 10 * j, (2, 3)))


@pytest.mark.fixed_backend("plain NumPy inputs must give exactly NumPy's results and types")
def test_plain_inputs_return_exactly_numpys_results():
    x = np.array([3.0, 1.0, 3.0])
    assert type(fnp.unique_all(x)) is type(np.unique_all(x))
    assert fnp.allclose(x, x) is True
    assert type(fnp.array_equal(x, x)) is type(np.array_equal(x, x))
    np.testing.assert_array_equal(fnp.partition(x, 1), np.partition(x, 1))
    np.testing.assert_array_equal(fnp.argpartition(x, 1), np.argpartition(x, 1))
    assert fnp.vecdot(x, x) == np.vecdot(x, x)


# Type queries, windows, index conversions, einsum_path --------------------------------
def test_dtype_queries_windows_helpers_read_traced_dtypes(on):
    x32 = np.ones(3, np.float32)

    def f(x):
        kind = fnp.common_type(x)
        assert kind is np.common_type(x32)
        assert fnp.issubdtype(x.dtype, np.floating) and fnp.isdtype(x.dtype, "real floating")
        assert fnp.iterable(x) and not fnp.iterable(x[0])
        return fnp.sum(x)

    assert on.run(fa.grad(f), on.put(x32)).dtype == np.float32
    assert fnp.mintypecode("fd") == np.mintypecode("fd")
    assert fnp.typename("d") == np.typename("d")


@pytest.mark.fixed_backend("windows are NumPy arrays made from Python numbers: no array input")
@pytest.mark.parametrize("name, args", [("bartlett", (5,)), ("blackman", (5,)),
                                        ("hamming", (6,)), ("hanning", (6,)),
                                        ("kaiser", (6, 2.5))])
def test_windows_are_numpys(name, args):
    np.testing.assert_array_equal(getattr(fnp, name)(*args), getattr(np, name)(*args))


@pytest.mark.parametrize("order", ["C", "F"])
def test_index_conversions_under_vmap_match_numpy(order, on):
    flat = np.array([0, 5, 7, 11])
    rows = on.run(fa.vmap(lambda i: fnp.unravel_index(i, (3, 4), order=order)), on.put(flat))
    expected = np.unravel_index(flat, (3, 4), order=order)
    for got, want in zip(rows, expected):
        np.testing.assert_array_equal(got, want)
    back = on.run(fa.vmap(lambda i, j: fnp.ravel_multi_index((i, j), (3, 4), order=order)),
                  *on.put(list(expected)))
    np.testing.assert_array_equal(back, flat)
    np.testing.assert_array_equal(
        on.run(lambda: fnp.ravel_multi_index(on.put(expected), (3, 4), order=order)), flat)


def test_einsum_path_takes_traced_operands_by_shape(on):
    a, b = np.ones((2, 3)), np.ones((3, 4))
    expected = np.einsum_path("ij,jk->ik", a, b)[0]
    seen = []
    bb = on.put(b)
    on.run(fa.grad(lambda a: (seen.append(fnp.einsum_path("ij,jk->ik", a, bb)[0]),
                              fnp.sum(a))[1]), on.put(a))
    assert seen == [expected]

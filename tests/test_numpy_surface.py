"""The NumPy surface beyond the sweep: value-dependent shapes, size= padding, set operations.

Expected values come from NumPy on the same inputs, finite differences of
NumPy functions, or closed forms; never from funcad's own output.
"""

from __future__ import annotations

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from tests._reference import num_grad

RNG = np.random.default_rng(11)
X = np.array([[0.5, -1.0, 0.0], [2.0, 0.0, -3.0]])


# Value-dependent shapes: fine with known values, a clear TypeError under vmap --------------
DATA_DEPENDENT = {
    "nonzero": lambda x: fnp.nonzero(x > 0)[0],
    "argwhere": lambda x: fnp.argwhere(x > 0),
    "flatnonzero": lambda x: fnp.flatnonzero(x),
    "where": lambda x: fnp.where(x > 0)[0],
    "extract": lambda x: fnp.extract(x > 0, x),
    "compress": lambda x: fnp.compress(x > 0, x),
    "unique": lambda x: fnp.unique(x),
    "unique_values": lambda x: fnp.unique_values(x),
    "unique_counts": lambda x: fnp.unique_counts(x).counts,
    "union1d": lambda x: fnp.union1d(x, np.array([1.0])),
    "intersect1d": lambda x: fnp.intersect1d(x, np.array([1.0])),
    "setdiff1d": lambda x: fnp.setdiff1d(x, np.array([1.0])),
    "setxor1d": lambda x: fnp.setxor1d(x, np.array([1.0])),
    "trim_zeros": lambda x: fnp.trim_zeros(x),
    "bincount": lambda x: fnp.bincount(fnp.astype(x > 0, int)),
    "delete": lambda x: fnp.delete(x, fnp.argmax(x)),
    "histogram[auto]": lambda x: fnp.histogram(x, bins="auto")[0],
}


@pytest.mark.parametrize("name", DATA_DEPENDENT)
def test_value_dependent_shapes_refuse_vmap_with_a_reason(name):
    with pytest.raises(TypeError, match="vmap") as info:
        fa.vmap(DATA_DEPENDENT[name])(np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 0.0]]))
    message = str(info.value)
    assert "depends on the values" in message
    assert f"funcad.numpy.{name.split('[')[0]}:" in message


def test_the_vmap_errors_say_what_to_use_instead():
    x = np.ones((2, 3))
    for f, hint in [(lambda r: fnp.nonzero(r), "size="), (lambda r: fnp.unique(r), "size="),
                    (lambda r: fnp.extract(r > 0, r), "fnp.where"),
                    (lambda r: fnp.bincount(fnp.astype(r, int)), "length=")]:
        with pytest.raises(TypeError, match=hint):
            fa.vmap(f)(x)


def test_value_dependent_shapes_work_under_grad_and_jvp():
    x = np.array([0.5, -1.0, 2.0, 0.0, 3.0])
    np.testing.assert_array_equal(fa.grad(lambda v: fnp.sum(fnp.extract(v > 0, v) ** 2))(x),
                                  np.where(x > 0, 2 * x, 0.0))
    _, t = fa.jvp(lambda v: fnp.compress(v > 0, v), (x,), (np.arange(5.0),))
    np.testing.assert_array_equal(t, np.arange(5.0)[x > 0])
    seen = []
    fa.grad(lambda v: seen.append(fnp.nonzero(v)) or fnp.sum(v))(x)
    for a, b in zip(seen[0], np.nonzero(x)):
        np.testing.assert_array_equal(a, b)
    # Second order: the positions are known at every level.
    h = fa.hessian(lambda v: fnp.sum(fnp.extract(v > 0, v) ** 3))(x)
    np.testing.assert_allclose(h, np.diag(np.where(x > 0, 6 * x, 0.0)))


def test_nonzero_of_a_traced_0d_array_is_refused_as_numpy_does():
    with pytest.raises(ValueError, match="0d"):
        fa.grad(lambda v: fnp.nonzero(v)[0].size * v)(1.0)
    with pytest.raises(ValueError):
        np.nonzero(np.float64(1.0).reshape(()))


# size= and fill_value= ------------------------------------------------------------
@pytest.mark.parametrize("size", [0, 2, 4, 9])
def test_nonzero_size_pads_and_cuts_like_jax(size):
    x = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 3.0]])
    expected = [np.concatenate([i, np.full(9, -1)])[:size] for i in np.nonzero(x)]
    for g, e in zip(fnp.nonzero(x, size=size, fill_value=-1), expected):
        np.testing.assert_array_equal(g, e)
    batched = fa.vmap(lambda r: fnp.nonzero(r, size=size, fill_value=-1))(np.stack([x, 0 * x]))
    for g, e in zip(batched, expected):
        np.testing.assert_array_equal(g[0], e)
        np.testing.assert_array_equal(g[1], np.full(size, -1))


def test_nonzero_fill_value_per_dimension_and_argwhere():
    x = np.array([[0, 5], [7, 0]])
    rows, cols = fnp.nonzero(x, size=3, fill_value=(9, 8))
    np.testing.assert_array_equal(rows, [0, 1, 9])
    np.testing.assert_array_equal(cols, [1, 0, 8])
    np.testing.assert_array_equal(fnp.argwhere(x, size=1), np.argwhere(x)[:1])
    np.testing.assert_array_equal(fnp.argwhere(x, size=3, fill_value=-1),
                                  np.concatenate([np.argwhere(x), [[-1, -1]]]))
    with pytest.raises(ValueError, match="fill_value"):
        fnp.nonzero(x, size=2, fill_value=(1, 2, 3))
    with pytest.raises(ValueError, match="size"):
        fnp.nonzero(x, size=-1)


def test_unique_size_under_vmap_matches_numpy_per_row():
    rows = np.array([[3, 1, 3, 2, 1], [4, 4, 4, 4, 4], [0, 1, 2, 3, 4]])
    values, index, inverse, counts = fa.vmap(
        lambda r: fnp.unique(r, True, True, True, size=4, fill_value=-1))(rows)
    for r, v, i, inv, c in zip(rows, values, index, inverse, counts):
        u, ui, uinv, uc = np.unique(r, True, True, True)
        k = min(len(u), 4)
        np.testing.assert_array_equal(v[:k], u[:k])
        np.testing.assert_array_equal(v[k:], -1)
        np.testing.assert_array_equal(i[:k], ui[:k])
        np.testing.assert_array_equal(c[:k], uc[:k])
        np.testing.assert_array_equal(c[k:], 0)
        np.testing.assert_array_equal(inv, uinv)


def test_unique_size_default_fill_is_the_minimum_and_values_are_differentiable():
    x = np.array([2.0, -1.0, 2.0])
    np.testing.assert_array_equal(fnp.unique(x, size=4), [-1.0, 2.0, -1.0, -1.0])
    # Each value's derivative goes to its first occurrence; padding repeats the minimum's.
    g = fa.grad(lambda v: fnp.sum(fnp.unique(v, size=4) * np.array([1.0, 10.0, 100.0, 1e3])))(x)
    np.testing.assert_array_equal(g, [10.0, 1101.0, 0.0])


def test_unique_with_nans_and_size():
    x = np.array([np.nan, 1.0, np.nan, 1.0])
    np.testing.assert_array_equal(fnp.unique(x, size=2), np.unique(x))
    np.testing.assert_array_equal(fnp.unique_values(x, size=3), np.unique(x, equal_nan=False))


# unique and set operations under grad -------------------------------------------------
def test_unique_gradient_goes_to_first_occurrences():
    x = np.array([3.0, 1.0, 3.0, 2.0, 1.0])
    g = fa.grad(lambda v: fnp.sum(fnp.unique(v) * np.array([1.0, 2.0, 3.0])))(x)
    np.testing.assert_array_equal(g, [3.0, 1.0, 0.0, 2.0, 0.0])
    values, counts = fa.jvp(lambda v: fnp.unique_counts(v).values, (x,), (np.arange(5.0),))
    np.testing.assert_array_equal(values, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(counts, [1.0, 3.0, 0.0])


def test_unique_returns_match_numpy_under_jvp():
    x = RNG.integers(0, 4, (3, 4)).astype(float)

    def f(v):
        return {"all": fnp.unique(v, True, True, True),
                "axis": fnp.unique(v, axis=1, return_counts=True), "api": fnp.unique_all(v)}

    seen = fa.jvp(f, (x,), (np.ones_like(x),))[0]
    for got, want in [(seen["all"], np.unique(x, True, True, True)),
                      (seen["axis"], np.unique(x, axis=1, return_counts=True)),
                      (seen["api"], np.unique_all(x))]:
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)
    assert seen["api"]._fields == np.unique_all(x)._fields


def test_unique_values_keeps_numpys_order_for_integers():
    x = np.array([3, 1, 9, 1, 7, 3, -2] * 2)
    _, _, got = fa.vjp(lambda v: (v, fnp.unique_values(fnp.astype(v, int))), x.astype(float),
                       has_aux=True)
    np.testing.assert_array_equal(got, np.unique_values(x))


@pytest.mark.parametrize("name", ["union1d", "intersect1d", "setdiff1d", "setxor1d"])
def test_set_operations_values_and_gradients(name):
    f = getattr(fnp, name)
    a = np.array([4.0, 1.0, 3.0, 1.0, 5.0])
    b = np.array([3.0, 7.0, 4.0, 0.5, 7.0])
    expected = getattr(np, name)(a, b)
    np.testing.assert_array_equal(fa.jvp(lambda x, y: f(x, y), (a, b),
                                         (np.ones(5), np.ones(5)))[0], expected)
    # The gradient of sum(w * result) puts each w on the element its value came from:
    # for a repeated value, its first occurrence; a shared value, a's element (as JAX).
    w = np.arange(1.0, expected.size + 1)
    ga, gb = fa.grad(lambda x, y: fnp.sum(w * f(x, y)), argnums=(0, 1))(a, b)
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
    np.testing.assert_allclose(fa.grad(lambda x: fnp.sum(w * f(x, b) ** 2))(distinct),
                               num_grad(lambda x: np.sum(w * getattr(np, name)(x, b) ** 2),
                                        distinct), atol=1e-7)


def test_intersect1d_shared_values_and_indices():
    a = np.array([4.0, 1.0, 3.0, 1.0, 5.0])
    b = np.array([3.0, 7.0, 4.0, 0.5])
    # A shared value carries the derivative of ar1's element (as JAX).
    ga, gb = fa.grad(lambda x, y: fnp.sum(fnp.intersect1d(x, y)), argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(ga, [1.0, 0.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(gb, np.zeros(4))
    got = fa.jvp(lambda x: fnp.intersect1d(x, b, return_indices=True), (a,), (np.ones(5),))[0]
    for g, e in zip(got, np.intersect1d(a, b, return_indices=True)):
        np.testing.assert_array_equal(g, e)


def test_set_operations_assume_unique():
    a, b = np.array([5.0, 1.0, 3.0]), np.array([3.0, 2.0])
    for name in ["setdiff1d", "setxor1d", "intersect1d"]:
        got = fa.jvp(lambda x, n=name: getattr(fnp, n)(x, b, assume_unique=True), (a,),
                     (np.ones(3),))[0]
        np.testing.assert_array_equal(got, getattr(np, name)(a, b, assume_unique=True))


SET_OPERATIONS = ["union1d", "intersect1d", "setdiff1d", "setxor1d"]


@pytest.mark.parametrize("name", SET_OPERATIONS)
@pytest.mark.parametrize("assume_unique", [False, True])
@pytest.mark.parametrize("sizes", [(0, 0), (0, 2), (2, 0)])
def test_set_operations_of_empty_arrays_match_numpy(name, assume_unique, sizes):
    a = np.array([2.0, -1.0], np.float32)[:sizes[0]]
    b = np.array([5, 2])[:sizes[1]]
    kwargs = {} if name == "union1d" else {"assume_unique": assume_unique}
    f = getattr(fnp, name)
    expected = getattr(np, name)(a, b, **kwargs)
    got, tangent = fa.jvp(lambda x: f(x, b, **kwargs), (a,), (np.ones_like(a),))
    assert got.dtype == expected.dtype and tangent.shape == expected.shape
    np.testing.assert_array_equal(got, expected)
    both = fa.jvp(lambda x, y: f(x, y, **kwargs), (a, b.astype(np.float32)),
                  (np.ones_like(a), np.ones(b.shape, np.float32)))[0]
    np.testing.assert_array_equal(both, getattr(np, name)(a, b.astype(np.float32), **kwargs))
    g = fa.grad(lambda x: fnp.sum(f(x, b, **kwargs)))(a)
    assert g.dtype == np.float32 and g.shape == a.shape


def test_trim_zeros_gradient_and_axes():
    x = np.array([0.0, 0.0, 1.5, 0.0, -2.0, 0.0])
    np.testing.assert_array_equal(fa.grad(lambda v: fnp.sum(fnp.trim_zeros(v, "f") ** 2))(x),
                                  [0, 0, 3.0, 0, -4.0, 0.0])
    m = np.zeros((4, 5))
    m[1, 2], m[2, 3] = 1.0, 2.0
    for trim, axis in [("fb", None), ("b", 0), ("f", (1,))]:
        got = fa.jvp(lambda v: fnp.trim_zeros(v, trim, axis), (m,), (np.ones_like(m),))[0]
        np.testing.assert_array_equal(got, np.trim_zeros(m, trim, axis))
    with pytest.raises(ValueError, match="trim"):
        fa.grad(lambda v: fnp.sum(fnp.trim_zeros(v, "x")))(x)


# bincount and histograms --------------------------------------------------------------
def test_bincount_weights_gradient_matches_finite_differences():
    x = np.array([0, 3, 3, 1, 5, 0, 3])
    w = RNG.normal(size=7)
    c = RNG.normal(size=8)
    g = fa.grad(lambda v: fnp.sum(c * fnp.bincount(x, v, minlength=8) ** 2))(w)
    np.testing.assert_allclose(g, num_grad(lambda v: np.sum(c * np.bincount(x, v, minlength=8)
                                                            ** 2), w), rtol=1e-7, atol=1e-8)


def test_bincount_dtypes_follow_numpy_and_float32_weights_get_float32_gradients():
    x = np.array([0, 2, 2])
    w = np.array([1.0, 2.0, 3.0], np.float32)
    out, vjp_fn = fa.vjp(lambda v: fnp.bincount(x, v), w)
    assert out.dtype == np.bincount(x, w).dtype == np.float64
    (g,) = vjp_fn(np.ones(3))
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, [1.0, 1.0, 1.0])
    assert fa.vmap(lambda i: fnp.bincount(i, length=3))(np.array([[0, 1], [2, 2]])).dtype == \
        np.bincount(x).dtype


def test_bincount_checks_its_input():
    with pytest.raises(ValueError, match="non-negative"):
        fa.grad(lambda w: fnp.sum(fnp.bincount(np.array([0, -1]), w)))(np.ones(2))
    with pytest.raises(ValueError, match="shape"):
        fa.grad(lambda w: fnp.sum(fnp.bincount(np.array([0, 1]), w)))(np.ones(3))
    with pytest.raises(TypeError, match="integers"):
        fa.grad(lambda w: fnp.sum(fnp.bincount(w, w)))(np.ones(2))


def test_histogram_matches_numpy_with_known_values():
    a = RNG.normal(size=50)
    w = RNG.uniform(size=50)
    def f(v, u):
        return fnp.sum(v * u), {
            "auto": fnp.histogram(v, bins="auto"),
            "flat": fnp.histogram(np.full(4, 2.0) + 0 * v[:4], 3),
            "weighted": fnp.histogram(v, bins=[-1.0, 0.0, 0.1, 5.0], weights=u, density=True)}

    _, seen = fa.grad(f, argnums=(0, 1), has_aux=True)(a, w)
    for got, want in [(seen["auto"], np.histogram(a, bins="auto")),
                      (seen["flat"], np.histogram(np.full(4, 2.0), 3)),
                      (seen["weighted"], np.histogram(a, [-1.0, 0.0, 0.1, 5.0], weights=w,
                                                      density=True))]:
        for g, e in zip(got, want):
            np.testing.assert_allclose(g, e, rtol=1e-13)


def test_histogram_edges_follow_the_data_range():
    a = np.array([0.0, 1.0, 3.0, 4.0])
    # edges = min + (max - min) * k / bins: d/da is a split between the extreme elements.
    jac = fa.jacfwd(lambda v: fnp.histogram(v, 4)[1])(a)
    k = np.arange(5) / 4
    expected = np.zeros((5, 4))
    expected[:, 0], expected[:, 3] = 1 - k, k
    np.testing.assert_allclose(jac, expected)
    edges = fa.vmap(lambda v: fnp.histogram(v, 2)[1])(np.array([[1.0, 1.0], [0.0, 2.0]]))
    np.testing.assert_array_equal(edges, [np.histogram([1.0, 1.0], 2)[1],
                                          np.histogram([0.0, 2.0], 2)[1]])


def test_histogram_float32_weights_and_errors():
    a = np.array([0.0, 0.5, 1.0], np.float32)
    w = np.ones(3, np.float32)
    (hist, edges), vjp_fn = fa.vjp(lambda u: fnp.histogram(a, 2, weights=u), w)
    want_hist, want_edges = np.histogram(a, 2, weights=w)
    assert hist.dtype == want_hist.dtype and edges.dtype == want_edges.dtype
    assert vjp_fn((np.ones(2, np.float32), np.zeros(3, np.float32)))[0].dtype == np.float32
    with pytest.raises(ValueError, match="monotonically"):
        fa.grad(lambda u: fnp.sum(fnp.histogram(a, [1.0, 0.0], weights=u)[0]))(w)
    with pytest.raises(ValueError, match="not finite"):
        fa.grad(lambda v: fnp.sum(fnp.histogram(v, 2)[1]))(np.array([0.0, np.inf]))
    with pytest.raises(TypeError, match="weighted"):
        fa.grad(lambda u: fnp.sum(fnp.histogram(a, "auto", weights=u)[0]))(w)


def test_histogram2d_and_dd_with_known_values():
    x, y = RNG.normal(size=30), RNG.normal(size=30)
    def f(u, v):
        return fnp.sum(u * v), {
            "2d": fnp.histogram2d(u, v, bins=[3, np.array([-3.0, 0.0, 3.0])], density=True),
            "dd": fnp.histogramdd(fnp.stack([u, v], 1), bins=4, range=[(-1, 1), None])}

    _, seen = fa.grad(f, argnums=(0, 1), has_aux=True)(x, y)
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
def test_insert_gradients_in_array_and_values(case):
    obj, axis, v = INSERTS[case]
    x = RNG.normal(size=(2, 3))
    c = RNG.normal(size=np.insert(x, obj, v, axis=axis).shape)
    v = np.asarray(v, float)
    gx, gv = fa.grad(lambda a, b: fnp.sum(c * fnp.insert(a, obj, b, axis=axis) ** 2),
                     argnums=(0, 1))(x, v)
    np.testing.assert_allclose(gx, num_grad(lambda a: np.sum(c * np.insert(a, obj, v, axis) ** 2),
                                            x), atol=1e-7)
    np.testing.assert_allclose(gv, num_grad(lambda b: np.sum(c * np.insert(x, obj, b, axis) ** 2),
                                            v), atol=1e-7)


@pytest.mark.parametrize("obj, axis", [(1, None), ([0, 2], 1), (slice(1, None), 0),
                                       (np.array([False, True, True]), 1)])
def test_delete_and_append_gradients(obj, axis):
    x = RNG.normal(size=(2, 3))
    c = RNG.normal(size=np.delete(x, obj, axis).shape)
    np.testing.assert_allclose(fa.grad(lambda a: fnp.sum(c * fnp.delete(a, obj, axis) ** 3))(x),
                               num_grad(lambda a: np.sum(c * np.delete(a, obj, axis) ** 3), x),
                               atol=1e-7)
    v = RNG.normal(size=(2, 2))
    c2 = RNG.normal(size=np.append(x, v, axis=axis if axis != 0 else 1).shape)
    a2 = axis if axis != 0 else 1
    gx, gv = fa.grad(lambda a, b: fnp.sum(c2 * fnp.append(a, b, a2)), argnums=(0, 1))(x, v)
    np.testing.assert_allclose(np.append(gx, gv, a2), np.broadcast_to(c2, c2.shape))


def test_delete_and_insert_need_known_positions_under_vmap():
    with pytest.raises(TypeError, match="obj"):
        fa.vmap(lambda x: fnp.delete(x, fnp.argmax(x)))(np.ones((2, 3)))
    # Fixed positions batch fine.
    got = fa.vmap(lambda x: fnp.insert(x, 1, -x[0]))(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(got, [np.insert(r, 1, -r[0]) for r in np.arange(6.0).reshape(2,
                                                                                                3)])


# float32 in, float32 out ------------------------------------------------------------------
F32 = {
    "extract": (lambda x: fnp.extract(MASK32, x), lambda x: np.extract(MASK32, x)),
    "compress": (lambda x: fnp.compress([True, False, True], x, 1),
                 lambda x: np.compress([True, False, True], x, 1)),
    "append": (lambda x: fnp.append(x, x[0]), lambda x: np.append(x, x[0])),
    "insert": (lambda x: fnp.insert(x, 1, 2.5), lambda x: np.insert(x, 1, 2.5)),
    "insert64": (lambda x: fnp.insert(x, 1, np.ones(3)), lambda x: np.insert(x, 1, np.ones(3))),
    "delete": (lambda x: fnp.delete(x, 0, 1), lambda x: np.delete(x, 0, 1)),
    "unique": (lambda x: fnp.unique(x), lambda x: np.unique(x)),
    "unique_size": (lambda x: fnp.unique(x, size=3), lambda x: np.unique(x)[:3]),
    "select": (lambda x: fnp.select([x > 0], [x], 0.5), lambda x: np.select([x > 0], [x], 0.5)),
    "choose": (lambda x: fnp.choose(MASK32.astype(int), [x, 2 * x]),
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


@pytest.mark.parametrize("name", F32)
def test_float32_in_gives_numpys_dtype_out_and_float32_gradients(name):
    f, ref = F32[name]
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)
    out, vjp_fn = fa.vjp(f, x)
    want = ref(x)
    assert out.dtype == want.dtype, (out.dtype, want.dtype)
    np.testing.assert_allclose(out, want, rtol=1e-6)
    (g,) = vjp_fn(np.ones(out.shape, out.dtype))
    assert g.dtype == np.float32
    _, t = fa.jvp(f, (x,), (np.ones_like(x),))
    assert t.dtype == want.dtype


# Ranges --------------------------------------------------------------------------------
def test_geomspace_gradients_have_the_closed_form():
    s, e, n = 2.0, 32.0, 5
    t = np.linspace(0, 1, n)
    value = s ** (1 - t) * e ** t
    js, je = fa.jacfwd(lambda a, b: fnp.geomspace(a, b, n), argnums=(0, 1))(s, e)
    np.testing.assert_allclose(js, (1 - t) * value / s, rtol=1e-12)
    np.testing.assert_allclose(je, t * value / e, rtol=1e-12)
    np.testing.assert_array_equal(fnp.geomspace(fnp.asarray(s), e, n)[[0, -1]], [s, e])
    with pytest.raises(ValueError, match="zero"):
        fa.grad(lambda a: fnp.sum(fnp.geomspace(a, 0.0, 3)))(1.0)


@pytest.mark.parametrize("num, endpoint", [(1, True), (2, True), (1, False)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_geomspace_of_few_points_between_ends_of_mixed_signs_has_finite_gradients(num, endpoint,
                                                                                  dtype):
    stop = np.array([2.0, -3.0], dtype)
    # Only the ends are used: geomspace(s, e, 2) = [s, e] and geomspace(s, e, 1) = [s].
    with np.errstate(invalid="ignore"):
        expected = np.geomspace(dtype(1.5), stop, num, endpoint=endpoint)
    js, je = fa.jacrev(lambda s, e: fnp.geomspace(s, e, num, endpoint=endpoint),
                       argnums=(0, 1))(dtype(1.5), stop)
    want_s = np.zeros((num, 2))
    want_s[0] = 1.0
    want_e = np.zeros((num, 2, 2))
    if num == 2:
        want_e[1] = np.eye(2)
    np.testing.assert_array_equal(js, want_s)
    np.testing.assert_array_equal(je, want_e)
    assert js.dtype == je.dtype == dtype  # reverse mode: the inputs' dtype
    got = fa.jvp(lambda s: fnp.geomspace(s, stop, num, endpoint=endpoint), (dtype(1.5),),
                 (dtype(1.0),))[0]
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype


def test_logspace_gradient_in_its_base():
    b = 3.0
    y = np.linspace(0.0, 2.0, 4)
    np.testing.assert_allclose(fa.jacfwd(lambda base: fnp.logspace(0.0, 2.0, 4, base=base))(b),
                               y * b ** (y - 1), rtol=1e-12)


# Logic and searching details ----------------------------------------------------------------
def test_allclose_and_array_equal_return_python_bools_with_known_values():
    x = np.array([1.0, 2.0])
    seen = []
    fa.grad(lambda v: seen.extend([fnp.allclose(v, v + 1e-12), fnp.array_equal(v, x),
                                   fnp.array_equiv(v, v[:1]), fnp.array_equal(v, v[:1])])
            or fnp.sum(v))(x)
    assert seen == [True, True, False, False]
    assert all(type(s) is bool for s in seen)
    batched = fa.vmap(lambda v: fnp.allclose(v, x))(np.array([[1.0, 2.0], [1.0, 3.0]]))
    np.testing.assert_array_equal(batched, [True, False])


def test_isclose_follows_numpy_for_infinities_nans_and_integers():
    a = np.array([np.inf, -np.inf, np.nan, 1.0, 5.0])
    b = np.array([np.inf, np.inf, np.nan, 1.0 + 1e-9, 5.0])
    got = fa.vmap(lambda u, v: fnp.isclose(u, v, equal_nan=True))(a[None], b[None])[0]
    np.testing.assert_array_equal(got, np.isclose(a, b, equal_nan=True))
    ints = np.array([[1, 2, np.iinfo(np.int64).min]])
    got = fa.vmap(lambda u: fnp.isclose(u, u[::-1]))(ints)[0]
    np.testing.assert_array_equal(got, np.isclose(ints[0], ints[0][::-1]))


def test_where_with_one_argument_is_nonzero():
    c = np.array([[True, False], [True, True]])
    for g, e in zip(fnp.where(c), np.where(c)):
        np.testing.assert_array_equal(g, e)
    with pytest.raises(ValueError, match="both or neither"):
        fnp.where(c, 1.0)
    with pytest.raises(TypeError, match="one-argument"):
        fnp.where(c, 1.0, 2.0, size=3)


def test_numpy_calls_on_traced_values_reach_these_functions():
    x = np.array([3.0, 0.0, 1.0, 3.0])
    g = fa.grad(lambda v: np.sum(np.unique(v) * np.arange(1.0, 4.0)) + np.nonzero(v)[0].size)(x)
    np.testing.assert_array_equal(g, [3.0, 1.0, 2.0, 0.0])
    ints = np.array([[1, 2], [7, 5]])
    got = fa.vmap(lambda i: np.bitwise_and(i, 6) + np.left_shift(i, 1) + np.gcd(ints[0], i))(ints)
    np.testing.assert_array_equal(got, (ints & 6) + (ints << 1) + np.gcd(ints[0], ints))
    np.testing.assert_array_equal(fa.vmap(lambda v: np.searchsorted(np.arange(4.0), v))(x),
                                  np.searchsorted(np.arange(4.0), x))


def test_partition_on_traced_values_is_a_valid_partition_with_the_kth_gradient():
    x = RNG.normal(size=(3, 6))
    for kth in [0, 2, 5, -1]:
        got = fa.jvp(lambda v, k=kth: fnp.partition(v, k), (x,), (np.ones_like(x),))[0]
        want = np.partition(x, kth)
        np.testing.assert_array_equal(got[:, kth], want[:, kth])
        assert np.all(got[:, :kth % 6] <= got[:, kth % 6: kth % 6 + 1])
        assert np.all(got[:, kth % 6:] >= got[:, kth % 6: kth % 6 + 1])
    g = fa.grad(lambda v: fnp.partition(v, 2)[2])(x[0])
    np.testing.assert_array_equal(g, (x[0] == np.partition(x[0], 2)[2]).astype(float))
    with pytest.raises(ValueError, match="out of bounds"):
        fa.grad(lambda v: fnp.partition(v, 6)[0])(x[0])


def test_piecewise_functions_see_only_their_elements():
    x = np.array([-4.0, -1.0, 0.25, 4.0])
    # sqrt is never evaluated on the negative entries: no NaN in the value or the gradient.
    g = fa.grad(lambda v: fnp.sum(fnp.piecewise(v, [v >= 0], [fnp.sqrt, lambda u: -u])))(x)
    np.testing.assert_array_equal(g, [-1.0, -1.0, 1.0, 0.25])
    got = fa.vmap(lambda v: fnp.piecewise(v, [v < 0, v > 1], [lambda u: u ** 2, 7.0]))(x[None])
    np.testing.assert_array_equal(got[0], np.piecewise(x, [x < 0, x > 1], [lambda u: u ** 2, 7.0]))


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


def test_digitize_of_traced_non_monotonic_bins_raises_as_numpy_and_is_documented_under_vmap():
    x = np.array([0.5, 1.5, 2.5])
    bad = np.array([0.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="monotonically") as numpy_error:
        np.digitize(x, bad)
    with pytest.raises(ValueError, match=str(numpy_error.value)):
        fa.grad(lambda b: fnp.sum(b * fnp.digitize(x, b)))(bad)
    with pytest.raises(ValueError, match="monotonically"):
        fa.jvp(lambda b: fnp.digitize(x, b), (bad,), (np.ones(3),))
    # Under vmap the bins' values are not known: as documented, bins that are not
    # non-decreasing count as decreasing, each value getting the number of bins above it.
    for right, above in [(False, np.greater), (True, np.greater_equal)]:
        got = fa.vmap(lambda b, r=right: fnp.digitize(x, b, right=r))(bad[None])[0]
        np.testing.assert_array_equal(got, np.sum(above(bad[:, None], x), axis=0))
        decreasing = np.array([2.0, 1.0, 0.0])
        np.testing.assert_array_equal(np.sum(above(decreasing[:, None], x), axis=0),
                                      np.digitize(x, decreasing, right=right))


def test_digitize_checks_monotonic_bins_and_handles_decreasing_ones():
    x = np.array([0.2, 1.5, 3.0])
    with pytest.raises(ValueError, match="monotonically"):
        fa.grad(lambda v: fnp.sum(v * fnp.digitize(v, np.array([1.0, 0.0, 2.0]))))(x)
    bins = np.array([[3.0, 2.0, 1.0], [0.0, 1.0, 2.0]])
    got = fa.vmap(lambda b: fnp.digitize(x, b, right=True))(bins)
    np.testing.assert_array_equal(got, [np.digitize(x, b, right=True) for b in bins])


def test_searchsorted_agrees_with_numpy_on_nans_and_ties():
    a = np.array([[0.0, 1.0, 1.0, np.nan, np.nan], [1.0, 1.0, 1.0, 2.0, np.nan]])
    v = np.array([1.0, np.nan, -1.0, 5.0])
    for side in ["left", "right"]:
        got = fa.vmap(lambda r, s=side: fnp.searchsorted(r, v, s))(a)
        np.testing.assert_array_equal(got, [np.searchsorted(r, v, side) for r in a])


def test_choose_modes_and_errors():
    a = np.array([0, 3, -1, 1])
    choices = [np.zeros(4), np.ones(4)]
    for mode in ["clip", "wrap"]:
        got = fa.jvp(lambda c0, m=mode: fnp.choose(a, [c0, choices[1]], mode=m), (choices[0],),
                     (np.ones(4),))[0]
        np.testing.assert_array_equal(got, np.choose(a, choices, mode=mode))
    with pytest.raises(ValueError, match="invalid entry"):
        fa.grad(lambda c0: fnp.sum(fnp.choose(a, [c0, choices[1]])))(choices[0])


def test_choose_raise_under_vmap_of_the_index_clamps_as_documented():
    a = np.array([[0, 3, -1, 1], [-5, 1, 2, 0]])
    choices = [np.array([1.0, 2.0, 3.0, 4.0]), np.array([10.0, 20.0, 30.0, 40.0])]
    got = fa.vmap(lambda i: fnp.choose(i, choices))(a)
    np.testing.assert_array_equal(got, [np.choose(i, choices, mode="clip") for i in a])
    # The derivative in the choices goes to the clamped choice, and is NaN-free.
    grads = fa.vmap(lambda i: fa.grad(lambda c: fnp.sum(fnp.choose(i, [c, choices[1]])))(
        choices[0]))(a)
    np.testing.assert_array_equal(grads, (np.clip(a, 0, 1) == 0).astype(float))
    # With the index known (grad, jvp, vjp, or vmap of the choices only) it raises as NumPy.
    with pytest.raises(ValueError, match="invalid entry"):
        np.choose(a[0], choices)
    with pytest.raises(ValueError, match="invalid entry"):
        fa.vmap(lambda c: fnp.choose(a[0], [c, choices[1]]))(np.stack(choices))


def test_argpartition_on_traced_values_and_its_errors():
    x = RNG.normal(size=(2, 5))
    for kth, axis in [(1, -1), (1, 0), (7, None)]:
        index = fa.jvp(lambda v, k=kth, ax=axis: fnp.argpartition(v, k, axis=ax), (x,),
                       (np.ones_like(x),))[0]
        values = (np.take_along_axis(x, index, axis) if axis is not None
                  else x.ravel()[index])
        want = np.partition(x, kth, axis=axis)
        np.testing.assert_array_equal(np.take(values, kth, axis=axis or 0),
                                      np.take(want, kth, axis=axis or 0))
    with pytest.raises(ValueError, match=r"argpartition: kth\(=5\) out of bounds"):
        fa.vmap(lambda v: fnp.argpartition(v, 5))(x)
    with pytest.raises(TypeError, match="argpartition: order="):
        fa.vmap(lambda v: fnp.argpartition(v, 1, order="f"))(x)


def test_select_checks_condition_types():
    x = np.ones(3)
    with pytest.raises(TypeError, match="boolean"):
        fa.grad(lambda v: fnp.sum(fnp.select([v], [v])))(x)
    with pytest.raises(ValueError, match="same length"):
        fa.grad(lambda v: fnp.sum(fnp.select([v > 0], [v, v])))(x)


def test_type_queries_read_traced_dtypes():
    x32 = np.ones(3, np.float32)
    seen = []
    fa.grad(lambda v: seen.extend([
        fnp.result_type(v, 1.0), fnp.result_type(v, np.float64), fnp.can_cast(v, np.float16),
        fnp.iscomplexobj(v), fnp.isrealobj(v), fnp.min_scalar_type(v), fnp.isscalar(v),
        fnp.min_scalar_type(v[0] * 0 + 3.0)]) or fnp.sum(v))(x32)
    assert seen == [np.float32, np.float64, False, False, True, np.float32, False,
                    np.min_scalar_type(np.float32(3.0))]
    with pytest.raises(TypeError, match="dtype"):
        fa.vmap(lambda v: fnp.min_scalar_type(v))(x32)


def test_real_if_close_and_asarray_chkfinite():
    z = np.array([1.0 + 1e-20j, 2.0 + 0j])
    for scale in [1.0, 1e10]:
        zs = z.real + 1j * scale * z.imag
        got = fa.jvp(lambda v: fnp.real_if_close(zs * v), (1.0,), (1.0,))[0]
        want = np.real_if_close(zs)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    with pytest.raises(TypeError, match="fnp.real"):
        fa.vmap(lambda v: fnp.real_if_close(z * v))(np.ones(2))
    with pytest.raises(ValueError, match="infs or NaNs"):
        fa.grad(lambda v: fnp.sum(fnp.asarray_chkfinite(v)))(np.array([1.0, np.inf]))
    with pytest.raises(ValueError, match="infs or NaNs"):
        fa.vmap(lambda v: fnp.asarray_chkfinite(v))(np.array([[1.0], [np.nan]]))


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


def test_plain_inputs_return_exactly_numpys_results():
    x = np.array([3.0, 1.0, 3.0])
    assert type(fnp.unique_all(x)) is type(np.unique_all(x))
    assert fnp.allclose(x, x) is True
    assert type(fnp.array_equal(x, x)) is type(np.array_equal(x, x))
    np.testing.assert_array_equal(fnp.partition(x, 1), np.partition(x, 1))
    np.testing.assert_array_equal(fnp.argpartition(x, 1), np.argpartition(x, 1))
    assert fnp.vecdot(x, x) == np.vecdot(x, x)


# Type queries, windows, index conversions, einsum_path --------------------------------
def test_dtype_queries_windows_helpers_read_traced_dtypes():
    x32 = np.ones(3, np.float32)

    def f(x):
        kind = fnp.common_type(x)
        assert kind is np.common_type(x32)
        assert fnp.issubdtype(x.dtype, np.floating) and fnp.isdtype(x.dtype, "real floating")
        assert fnp.iterable(x) and not fnp.iterable(x[0])
        return fnp.sum(x)

    assert fa.grad(f)(x32).dtype == np.float32
    assert fnp.mintypecode("fd") == np.mintypecode("fd")
    assert fnp.typename("d") == np.typename("d")


@pytest.mark.parametrize("name, args", [("bartlett", (5,)), ("blackman", (5,)),
                                        ("hamming", (6,)), ("hanning", (6,)),
                                        ("kaiser", (6, 2.5))])
def test_windows_are_numpys(name, args):
    np.testing.assert_array_equal(getattr(fnp, name)(*args), getattr(np, name)(*args))


@pytest.mark.parametrize("order", ["C", "F"])
def test_index_conversions_under_vmap_match_numpy(order):
    flat = np.array([0, 5, 7, 11])
    rows = fa.vmap(lambda i: fnp.unravel_index(i, (3, 4), order=order))(flat)
    expected = np.unravel_index(flat, (3, 4), order=order)
    for got, want in zip(rows, expected):
        np.testing.assert_array_equal(got, want)
    back = fa.vmap(lambda i, j: fnp.ravel_multi_index((i, j), (3, 4), order=order))(*expected)
    np.testing.assert_array_equal(back, flat)
    np.testing.assert_array_equal(fnp.ravel_multi_index(expected, (3, 4), order=order), flat)


def test_einsum_path_takes_traced_operands_by_shape():
    a, b = np.ones((2, 3)), np.ones((3, 4))
    expected = np.einsum_path("ij,jk->ik", a, b)[0]
    seen = []
    fa.grad(lambda a: (seen.append(fnp.einsum_path("ij,jk->ik", a, b)[0]), fnp.sum(a))[1])(a)
    assert seen == [expected]

"""funcad.numpy on Dask arrays: lazy graphs that compute NumPy's results.

Every graph here is built under a scheduler that refuses to compute
(``no_compute``), then computed and compared with NumPy on the same data:
advanced indexing with NumPy's placement rules, updates at an index, sorting
and order statistics, stacks of matrices, and the functions whose plain path
used to compute while building the graph. What cannot be lazy refuses with
``NotLazyError`` or ``LazyShapeError`` before any work.
"""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
import dask  # noqa: E402

import funcad as fa  # noqa: E402
import funcad.numpy as fnp  # noqa: E402
from funcad.backend.dask import LazyShapeError, NotLazyError  # noqa: E402
from tests.test_dask_sweep import no_compute  # noqa: E402

pytestmark = pytest.mark.fixed_backend("tests the Dask backend itself (what funcad.numpy builds lazily), on Dask whatever --backend says")

RNG = np.random.default_rng(20240607)
X = RNG.normal(size=(5, 4, 3))
I = np.array([4, 0, -1, 4])  # noqa: E741 - repeated and negative indices
J = np.array([[0, 3], [-2, 3]])
K = np.array([2, 0])
MASK = np.array([True, False, True, True, False])


def lazy(x, chunks=2):
    return da.from_array(np.asarray(x), chunks=chunks)


def computed(*values):
    out = dask.compute(*values, scheduler="sync")
    return out if len(out) > 1 else out[0]


def close(actual, expected, rtol=1e-12, atol=1e-12):
    expected = np.asarray(expected)
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


# Advanced indexing ------------------------------------------------------------------
INDEXES = {
    "i": I,
    "col": (slice(None), J),
    "separated": (J, slice(None), K),
    "int-separated": (0, slice(None), K),  # Dask alone gives shape (3, 2), NumPy (2, 3)
    "pair": (I, I[::-1] % 4),
    "newaxis": (None, I),
    "empty-ellipsis": (slice(None), K, Ellipsis, K),
    "ellipsis": (Ellipsis, K),
    "mask": MASK,
    "mask-int": (MASK, 1),
    "step-slice": (slice(1, None, 2), J),
    "none-between": (J, None, slice(None), 2),
    "0d-array": (np.array(2), slice(None), [0, 1]),
    "reversed": (slice(None, None, -1), [1, 1], None),
    "broadcast": (slice(None), None, [0, 2], [[1], [0]]),
    "list-ellipsis": ([0, 1], Ellipsis, None),
    "three": (J[..., None] % 5, K[:, None], [0, 1, 2]),
    "empty": (np.zeros((0,), int),),
    "empty-2d": (np.zeros((2, 0), int), 1),
    "negative-ints": (-1, -2, [0, 0, 2]),
    "nested-list": ([[1]], [2]),
}


@pytest.mark.parametrize("name", list(INDEXES))
def test_indexing_gives_numpy_shape_and_values(name):
    index = INDEXES[name]
    with no_compute():
        out = fnp.at(lazy(X))[index].get()
    assert isinstance(out, da.Array)
    close(computed(out), X[index])


@pytest.mark.parametrize("name", ["col", "separated", "int-separated", "pair", "newaxis",
                                  "empty-ellipsis", "mask-int", "broadcast"])
def test_indexing_derivatives_are_lazy(name):
    index = INDEXES[name]
    u = RNG.normal(size=X.shape)
    v = RNG.normal(size=X[index].shape)

    def f(x):
        return x[index] * 2.0

    with no_compute():
        y, t = fa.jvp(f, (lazy(X),), (lazy(u),))
        (g,) = fa.vjp(f, lazy(X))[1](lazy(v))
    close(computed(y), X[index] * 2.0)
    close(computed(t), u[index] * 2.0)
    expected = np.zeros_like(X)
    np.add.at(expected, index, 2.0 * v)
    close(computed(g), expected)


@pytest.mark.parametrize("name", list(INDEXES))
@pytest.mark.parametrize("method,ufunc", [("set", None), ("add", np.add),
                                          ("min", np.minimum), ("max", np.maximum)])
def test_updates_give_numpy_results(name, method, ufunc):
    index = INDEXES[name]
    values = RNG.normal(size=X[index].shape)
    expected = X.copy()
    if ufunc is None:
        expected[index] = values
    else:
        ufunc.at(expected, index, values)
    with no_compute():
        out = getattr(fnp.at(lazy(X))[index], method)(lazy(values) if values.size else values)
    close(computed(out), expected)


def test_repeated_assignment_keeps_the_last_value_and_scalars_broadcast():
    x = np.arange(6.0)
    with no_compute():
        out = fnp.at(lazy(x))[np.array([1, 4, 1])].set(np.array([10.0, 20.0, 30.0]))
        scalar = fnp.at(lazy(X))[:, J].add(2.5)
    expected = x.copy()
    expected[np.array([1, 4, 1])] = [10.0, 20.0, 30.0]
    close(computed(out), expected)
    expected = X.copy()
    np.add.at(expected, (slice(None), J), 2.5)
    close(computed(scalar), expected)


def test_out_of_bounds_indices_raise_numpys_index_error():
    with pytest.raises(IndexError, match="out of bounds for axis 1 with size 4"):
        fnp.at(lazy(X))[:, np.array([0, 4])].get()


def test_take_with_a_matrix_of_indices_and_modes():
    x = RNG.normal(size=(3, 4))
    with no_compute():
        pairs = fnp.take(lazy(x), J % 4, axis=1)
        clipped = fnp.take(lazy(x), np.array([-3, 9]), axis=0, mode="clip")
        wrapped = fnp.take(lazy(x), np.array([-3, 9]), mode="wrap")
    close(computed(pairs), np.take(x, J % 4, axis=1))
    close(computed(clipped), np.take(x, np.array([-3, 9]), axis=0, mode="clip"))
    close(computed(wrapped), np.take(x, np.array([-3, 9]), mode="wrap"))


def test_dask_index_arrays_along_one_axis():
    x = RNG.normal(size=(5, 6))
    order = np.argsort(x, axis=1)[:, ::-1]
    i = np.array([3, 0, 3, 1])
    values = RNG.normal(size=(5, 6))
    with no_compute():
        along = fnp.take_along_axis(lazy(x), lazy(order), axis=1)
        rows = fnp.take(lazy(x), lazy(i), axis=0)
        added = fnp.at(lazy(np.zeros(4)))[lazy(i)].add(lazy(np.ones(4)))
        placed = fnp.at(lazy(np.zeros((5, 6))))[np.arange(5)[:, None], lazy(order)].set(
            lazy(values))
    close(computed(along), np.take_along_axis(x, order, axis=1))
    close(computed(rows), x[i])
    close(computed(added), np.bincount(i, minlength=4).astype(float))
    expected = np.zeros((5, 6))
    np.put_along_axis(expected, order, values, axis=1)
    close(computed(placed), expected)


def test_gather_at_aranges_and_dask_labels_is_lazy_with_its_derivatives():
    # The cross-entropy gather logp[arange(n), labels] with the labels on Dask.
    n, c = 7, 4
    z = RNG.normal(size=(n, c))
    labels = RNG.integers(0, c, n)

    def cross_entropy(z, labels):
        logp = z - fnp.log(fnp.sum(fnp.exp(z), axis=1, keepdims=True))
        return -fnp.mean(logp[fnp.arange(n), labels])

    y = RNG.normal(size=(3, 4, 5))
    lanes = RNG.integers(-5, 5, (3, 4))

    def picked(y, lanes):  # the labelled axis last, two aranges before it
        return fnp.sum(fnp.sin(y[fnp.arange(3)[:, None], fnp.arange(4), lanes]) ** 2)

    rows = RNG.integers(0, 4, 5)

    def by_row(w, rows):  # the labelled axis first
        return fnp.sum(w[rows, fnp.arange(5)] ** 3)

    w = RNG.normal(size=(4, 5))
    picks = RNG.integers(0, 5, (4, 2, 3))  # several picks per row, repeated ones too

    def several(w, picks):  # the Dask array has broadcast dims of its own
        return fnp.sum(w[fnp.arange(4)[:, None, None], picks] ** 2)

    with no_compute():
        grad_several = fa.grad(several)(lazy(w), lazy(picks))
        added = fnp.at(lazy(w))[np.arange(4)[:, None, None], lazy(picks)].add(1.0)
        batched = fa.vmap(lambda fp: fnp.interp(lazy(z[:2, :3]), lazy(np.arange(5.0)), fp))(
            lazy(w))
        value, grad = fa.value_and_grad(cross_entropy)(lazy(z), lazy(labels))
        hess = fa.hessian(cross_entropy)(lazy(z), lazy(labels))
        grad3 = fa.grad(picked)(lazy(y), lazy(lanes))
        grad_rows = fa.grad(by_row)(lazy(w), lazy(rows))
        placed = fnp.at(lazy(z))[np.arange(n), lazy(labels)].set(lazy(np.arange(n) * 1.0))
        bad = fa.grad(cross_entropy)(lazy(z), lazy(labels + c))
    close(computed(value), cross_entropy(z, labels))
    close(computed(grad), fa.grad(cross_entropy)(z, labels))
    close(computed(hess), fa.hessian(cross_entropy)(z, labels))
    close(computed(grad3), fa.grad(picked)(y, lanes))
    close(computed(grad_rows), fa.grad(by_row)(w, rows))
    close(computed(grad_several), fa.grad(several)(w, picks))
    expected_added = w.copy()
    np.add.at(expected_added, (np.arange(4)[:, None, None], picks), 1.0)
    close(computed(added), expected_added)
    close(computed(batched), [np.interp(z[:2, :3], np.arange(5.0), row) for row in w])
    expected = z.copy()
    expected[np.arange(n), labels] = np.arange(n)
    close(computed(placed), expected)
    with pytest.raises(IndexError, match="out of bounds for axis 1 with size 4"):
        bad.compute()


def test_what_indexing_cannot_build_lazily_is_refused_before_work():
    x = lazy(X)
    with no_compute():
        with pytest.raises(LazyShapeError, match=r"fnp.where\(mask, x, 0\)"):
            fnp.at(x)[x[:, 0, 0] > 0].get()
        with pytest.raises(NotLazyError, match="several axes"):
            fnp.at(x)[lazy(I % 4), lazy(K)[:, None]].get()
        with pytest.raises(NotLazyError, match="numpy.multiply.at"):
            fnp.at(x)[I].multiply(2.0)


# Sorting and order statistics -------------------------------------------------------
@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_sorting_runs_on_whole_lanes(axis):
    x = RNG.normal(size=(6, 5)).astype(np.float32)
    with no_compute():
        s, order = fnp.sort(lazy(x), axis=axis), fnp.argsort(lazy(x), axis=axis)
        part = fnp.partition(lazy(x), 2, axis=axis)
    close(computed(s), np.sort(x, axis=axis))
    close(computed(order), np.argsort(x, axis=axis))
    close(computed(part), np.partition(x, 2, axis=axis))


@pytest.mark.parametrize("name,args", [("median", ()), ("quantile", (np.array([0.2, 0.9]),)),
                                       ("percentile", (40.0,)), ("nanmedian", ()),
                                       ("nanquantile", (0.3,))])
@pytest.mark.parametrize("axis", [None, 1])
def test_order_statistics_and_their_gradients_are_lazy(name, args, axis):
    x = RNG.permutation(24).reshape(4, 6) / 7.0
    x[1, 2] = np.nan if name.startswith("nan") else x[1, 2]

    def f(a):
        return fnp.sum(getattr(fnp, name)(a, *args, axis=axis) ** 2)

    with no_compute():
        value = getattr(fnp, name)(lazy(x), *args, axis=axis)
        grad = fa.grad(f)(lazy(x))
    close(computed(value), getattr(np, name)(x, *args, axis=axis))
    close(computed(grad), fa.grad(f)(x))


# Stacks of matrices -----------------------------------------------------------------
def _spd(shape):
    a = RNG.normal(size=shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def test_solvers_and_factorizations_run_per_matrix_on_split_chunks():
    a, b = _spd((3, 4, 4)), RNG.normal(size=(4, 2))
    la = fnp.linalg
    with no_compute():
        x = la.solve(lazy(a), lazy(b))
        tri = la.solve_triangular(lazy(a), lazy(b[:, 0]), lower=True)
        inverse = la.inv(lazy(a))
        lower, upper = la.cholesky(lazy(a)), la.cholesky(lazy(a), upper=True)
        w, v = la.eigh(lazy(a))
        s = la.svd(lazy(a[..., :3]), compute_uv=False)
        sign, logdet = la.slogdet(lazy(a))
        r = la.qr(lazy(a)).R
    close(computed(x), np.linalg.solve(a, b))
    close(computed(tri), np.linalg.solve(np.tril(a), b[:, 0]), rtol=1e-10)
    close(computed(inverse), np.linalg.inv(a))
    close(computed(lower), np.linalg.cholesky(a))
    close(computed(upper), np.linalg.cholesky(a, upper=True))
    close(computed(w), np.linalg.eigh(a)[0])
    close(np.abs(computed(v)), np.abs(np.linalg.eigh(a)[1]), rtol=1e-10, atol=1e-12)
    close(computed(s), np.linalg.svd(a[..., :3], compute_uv=False))
    close(computed(sign), np.linalg.slogdet(a)[0])
    close(computed(logdet), np.linalg.slogdet(a)[1])
    close(computed(r), np.linalg.qr(a).R)


def test_gradients_through_batched_solves_are_lazy_and_float32_stays():
    a, b = _spd((2, 3, 3)), RNG.normal(size=(3,))

    def f(a, b):
        return fnp.sum(fnp.linalg.solve(a, b) ** 2) + fnp.sum(fnp.linalg.cholesky(a))

    with no_compute():
        ga, gb = fa.grad(f, argnums=(0, 1))(lazy(a), lazy(b))
        single = fnp.linalg.solve(lazy(a.astype(np.float32)), lazy(b.astype(np.float32)))
    expected = fa.grad(f, argnums=(0, 1))(a, b)
    close(computed(ga), expected[0], rtol=1e-10)
    close(computed(gb), expected[1], rtol=1e-10)
    assert single.dtype == np.float32
    close(computed(single), np.linalg.solve(a.astype(np.float32), b.astype(np.float32)),
          rtol=1e-5)


# Functions that used to compute while the graph was built ----------------------------
def _value_cases():
    x, y = RNG.normal(size=(4, 6)), RNG.normal(size=(4, 6))
    v, w = RNG.uniform(0.5, 2.0, 6), RNG.uniform(0.5, 2.0, 6)
    ints = np.array([0, 3, 3, 1, 5, 0])
    return [
        ("cumulative_sum", lambda m, a, b: m.cumulative_sum(a, axis=1, include_initial=True),
         (x, y)),
        ("matrix_transpose", lambda m, a, b: m.matrix_transpose(a), (x, y)),
        ("unstack", lambda m, a, b: m.stack(m.unstack(a, axis=1)), (x, y)),
        ("copy", lambda m, a, b: m.copy(a), (x, y)),
        ("resize", lambda m, a, b: m.resize(a, (5, 7)), (x, y)),
        ("diagflat", lambda m, a, b: m.diagflat(a[0]), (x, y)),
        ("geomspace", lambda m, a, b: m.geomspace(a, b, 5), (v, w)),
        ("logspace", lambda m, a, b: m.logspace(a, b, 4, axis=-1), (v, w)),
        ("concat", lambda m, a, b: m.concat([a, b], axis=None), (x, y)),
        ("vecdot", lambda m, a, b: m.vecdot(a, b), (x, y)),
        ("array_equal", lambda m, a, b: m.array_equal(a, a + 0.0), (x, y)),
        ("array_equiv", lambda m, a, b: m.array_equiv(a, b), (x, y)),
        ("diff", lambda m, a, b: m.diff(a, axis=0, prepend=b[:1]), (x, y)),
        ("ptp", lambda m, a, b: m.ptp(a, axis=1, keepdims=True), (x, y)),
        ("lexsort", lambda m, a, b: m.lexsort((m.round(a[0]), m.round(b[0]))), (x, y)),
        ("sort_complex", lambda m, a, b: m.sort_complex(a[0]), (x, y)),
        ("digitize", lambda m, a, b: m.digitize(a, np.linspace(-1, 1, 5)), (x, y)),
        ("bincount", lambda m, a, b: m.bincount(ints, weights=a[0]), (x, y)),
        ("select", lambda m, a, b: m.select([a > 0, b > 0], [a, b], default=-1.0), (x, y)),
        ("choose", lambda m, a, b: m.choose(ints % 2, [a, b], mode="wrap"), (x, y)),
        ("piecewise", lambda m, a, b: m.piecewise(a, [a < 0, a > 1], [m.sin, 2.0]), (x, y)),
        ("histogram", lambda m, a, b: m.histogram(a, bins=4, weights=b)[0], (x, y)),
        ("histogram_bin_edges", lambda m, a, b: m.histogram_bin_edges(a, 4, (0.0, 1.0)),
         (x, y)),
        ("cov", lambda m, a, b: m.cov(a, aweights=v, ddof=2), (x, y)),
        ("interp", lambda m, a, b: m.interp(a, m.sort(b[0]), v), (x, y)),
        ("pad", lambda m, a, b: m.pad(a, ((4,), (7,)), "reflect"), (x, y)),
        ("roll", lambda m, a, b: m.roll(a, (1, -2), axis=(0, 1)), (x, y)),
        ("repeat", lambda m, a, b: m.repeat(a, [1, 0, 2, 1], axis=0), (x, y)),
        ("vstack", lambda m, a, b: m.vstack([a, b], dtype=np.float32), (x, y)),
        ("norm", lambda m, a, b: m.linalg.norm(a[None], keepdims=True), (x, y)),
        ("tril", lambda m, a, b: m.tril(m.stack([a, b])[:, :, :4], k=-1), (x, y)),
        ("cross", lambda m, a, b: m.cross(a[:, :3], b[:, :3]), (x, y)),
        ("average", lambda m, a, b: m.average(m.stack([a, b]), axis=(2, 0),
                                              weights=np.ones((6, 2))), (x, y)),
        ("gcd", lambda m, a, b: m.gcd(m.astype(m.round(a * 9), np.int64), 6), (x, y)),
        ("heaviside", lambda m, a, b: m.heaviside(m.round(a), 0.5), (x, y)),
        ("nan_to_num", lambda m, a, b: m.nan_to_num(
            m.where(a > 0.5, np.nan, m.where(a < -0.5, -np.inf, a)), nan=1.5, neginf=-7.0),
         (x, y)),
        ("inner", lambda m, a, b: m.inner(a, b), (x, y)),
        ("kron", lambda m, a, b: m.kron(a[:2, :3], b[1]), (x, y)),
        ("convolve", lambda m, a, b: m.convolve(a[0], b[1, :4], mode="same"), (x, y)),
        ("correlate", lambda m, a, b: m.correlate(a[0], b[1, :4]), (x, y)),
        ("trapezoid", lambda m, a, b: m.trapezoid(a, m.cumsum(m.abs(b[0]))), (x, y)),
    ]


CASES = _value_cases()


@pytest.mark.parametrize("name,fun,inputs", CASES, ids=[c[0] for c in CASES])
def test_plain_calls_on_dask_arrays_are_lazy_and_equal_numpys(name, fun, inputs):
    with no_compute():
        out = fun(fnp, *(lazy(a, 3) for a in inputs))
    assert isinstance(out, da.Array), type(out)
    expected = fun(np, *inputs)
    actual = computed(out)
    if name == "array_equal":
        assert bool(actual) is expected
    else:
        close(actual, expected, rtol=1e-10, atol=1e-12)


def test_unique_with_a_size_is_lazy():
    x = np.round(RNG.normal(size=(4, 6)))
    with no_compute():
        values, counts = fnp.unique(lazy(x, 3), return_counts=True, size=8, fill_value=-9.0)
    found, times = np.unique(x, return_counts=True)
    pad = 8 - found.size
    close(computed(values), np.concatenate([found, np.full(pad, -9.0)])[:8])
    close(computed(counts), np.concatenate([times, np.zeros(pad, times.dtype)])[:8])


def test_value_dependent_shapes_are_refused_before_work():
    x = lazy(np.array([3.0, 1.0, 3.0, 2.0]))
    with no_compute():
        with pytest.raises(LazyShapeError):
            fnp.unique(x)
        with pytest.raises(LazyShapeError):
            fnp.bincount(lazy(np.array([0, 2, 2])))
        with pytest.raises(LazyShapeError):
            fnp.intersect1d(x, x)
        with pytest.raises(LazyShapeError):
            fnp.trim_zeros(x)


def test_asarray_chkfinite_checks_lazily_and_refuses_under_transforms():
    x = lazy(np.array([1.0, np.inf, 2.0]))
    with no_compute():
        checked = fnp.asarray_chkfinite(x)
        with pytest.raises(NotLazyError, match="asarray_chkfinite"):
            fa.grad(lambda v: fnp.sum(fnp.asarray_chkfinite(v)))(x)
    with pytest.raises(ValueError, match="must not contain infs or NaNs"):
        computed(checked)


def test_shape_only_helpers_are_lazy_and_value_dependent_dtypes_are_refused():
    x = lazy(RNG.normal(size=(3, 4)))
    i = lazy(np.array([2, 0, 1, 1]))
    with no_compute():
        rows, cols = fnp.ix_(i, i)
        diagonal = fnp.diag_indices_from(x[:, :3])
        assert fnp.min_scalar_type(x) == np.float64
        with pytest.raises(NotLazyError, match="dtype of the result depends on the values"):
            fnp.real_if_close(x + 0j)
        with pytest.raises(LazyShapeError):
            fnp.ix_(i > 0)
    expected = np.ix_(np.array([2, 0, 1, 1]), np.array([2, 0, 1, 1]))
    close(computed(rows), expected[0])
    close(computed(cols), expected[1])
    assert [d.tolist() for d in diagonal] == [[0, 1, 2], [0, 1, 2]]


# Mixed operands: a NumPy operand with a Dask index, tangent or right-hand side ---------

def _mixed_cases():
    rng = np.random.default_rng(7)
    x, t, w = rng.normal(size=10), rng.normal(size=10), rng.normal(size=10)
    B = rng.normal(size=(4, 10))  # noqa: N806
    A = rng.normal(size=(3, 3)) + 3 * np.eye(3)  # noqa: N806
    b = rng.normal(size=3)
    idx = np.array([1, 3, 3, 0])
    xd, Bd = da.from_array(x, chunks=3), da.from_array(B, chunks=(2, 3))  # noqa: N806
    bd, idxd = da.from_array(b, chunks=2), da.from_array(idx, chunks=2)
    return {
        "jvp of sort, NumPy tangent": (lambda: fa.jvp(fnp.sort, (xd,), (t,))[1],
                                       lambda: fa.jvp(fnp.sort, (x,), (t,))[1]),
        "vjp of sort, NumPy cotangent": (lambda: fa.vjp(fnp.sort, xd)[1](t)[0],
                                         lambda: fa.vjp(fnp.sort, x)[1](t)[0]),
        "NumPy params at a Dask argsort": (
            lambda: fa.grad(lambda w: fnp.sum(w[fnp.argsort(xd)] ** 2))(w),
            lambda: fa.grad(lambda w: fnp.sum(w[fnp.argsort(x)] ** 2))(w)),
        "NumPy params at Dask indices": (lambda: fa.grad(lambda w: fnp.sum(w[idxd] ** 2))(w),
                                         lambda: fa.grad(lambda w: fnp.sum(w[idx] ** 2))(w)),
        "jvp of median": (lambda: fa.jvp(fnp.median, (xd,), (t,))[1],
                          lambda: fa.jvp(fnp.median, (x,), (t,))[1]),
        "NumPy matrix, Dask right-hand side": (
            lambda: fa.grad(lambda m: fnp.sum(fnp.linalg.solve(m, bd)))(A),
            lambda: fa.grad(lambda m: fnp.sum(fnp.linalg.solve(m, b)))(A)),
        "vmap of sort over a Dask batch": (lambda: fa.vmap(fnp.sort)(Bd),
                                           lambda: fa.vmap(fnp.sort)(B)),
        "vmap of median over a Dask batch": (lambda: fa.vmap(fnp.median, in_axes=1)(Bd),
                                             lambda: fa.vmap(fnp.median, in_axes=1)(B)),
        "gather's vjp with a NumPy cotangent": (
            lambda: fa.vjp(lambda x: x[idx], xd)[1](np.ones(4))[0],
            lambda: fa.vjp(lambda x: x[idx], x)[1](np.ones(4))[0]),
        "polyval": (lambda: fnp.polyval(da.from_array(np.array([1.0, 2.0, 3.0]), chunks=2), xd),
                    lambda: np.polyval([1.0, 2.0, 3.0], x)),
    }


@pytest.mark.parametrize("name", sorted(_mixed_cases()))
def test_mixed_numpy_and_dask_operands_stay_lazy(name):
    build, reference = _mixed_cases()[name]
    with no_compute():
        result = build()
    assert isinstance(result, da.Array)
    np.testing.assert_allclose(result.compute(), reference(), rtol=1e-12, atol=1e-12)

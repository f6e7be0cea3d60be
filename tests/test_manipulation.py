"""Edge cases of the manipulation functions and products (funcad.numpy.manipulation).

Expected values come from NumPy or closed forms; pad's Jacobian, which is a
0/1 (or, for odd reflections, integer) matrix, is built by padding NumPy basis
vectors.

The tests that compute run on the backend ``--backend`` names (``on`` in
``tests/conftest.py``; NumPy without it): inputs, and the data constants the
functions close over, are put there, the transforms run under the backend's
guard (Dask: no computing; CuPy: no copy to the host), and the results must be
that backend's arrays before they are read back and compared with NumPy.
Argument errors are raised on the backend too; tests of NumPy's own plain
results stay on NumPy.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from funcad.numpy import manipulation

RNG_SEED = 20240611


def _rng(salt=0):
    return np.random.default_rng(RNG_SEED + salt)


def _numpy_jacobian(f, x):
    """Jacobian of a linear NumPy function: its images of the basis vectors."""
    basis = np.eye(x.size).reshape((x.size,) + x.shape)
    columns = np.stack([np.asarray(f(e), np.float64) for e in basis], axis=-1)
    return columns.reshape(np.shape(f(x)) + x.shape)


def _central_difference_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


# pad ---------------------------------------------------------------------------------

PAD_CASES = [
    (mode, shape, width, kwargs)
    for mode in ["reflect", "symmetric", "wrap"]
    for shape in [(3,), (2,), (3, 2), (1, 4)]
    for width, kwargs in [((1, 2), {}), ((7, 11), {}), ((4, 0), {"reflect_type": "odd"}),
                          ((9, 5), {"reflect_type": "odd"}), (((2, 3), (5, 1)), {}),
                          (((6, 6), (0, 4)), {"reflect_type": "odd"})]
    if not (mode == "wrap" and kwargs) and not (len(shape) == 1 and np.ndim(width) == 2)
]


@pytest.mark.parametrize("mode, shape, width, kwargs", PAD_CASES)
def test_pad_modes_match_numpy_and_their_jacobian(mode, shape, width, kwargs, on):
    x = _rng().normal(size=shape)
    xb, ones = on.put((x, np.ones_like(x)))

    def f(x):
        return fnp.pad(x, width, mode, **kwargs)

    def ref(x):
        return np.pad(x, width, mode, **kwargs)

    np.testing.assert_array_equal(on.run(f, xb), ref(x))
    out, tangent = on.run(fa.jvp, f, (xb,), (ones,))
    np.testing.assert_array_equal(out, ref(x))  # the traced path is exact, too
    expected = _numpy_jacobian(ref, x)
    np.testing.assert_allclose(on.run(fa.jacfwd(f), xb), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(on.run(fa.jacrev(f), xb), expected, rtol=0, atol=1e-12)
    # A nonlinear function of the padding, against finite differences.
    w = _rng(1).normal(size=ref(x).shape)
    wb = on.put(w)

    def loss(x):
        return fnp.sum(fnp.sin(f(x)) * wb)

    def loss_np(x):
        return np.sum(np.sin(ref(x)) * w)

    np.testing.assert_allclose(on.run(fa.grad(loss), xb), _central_difference_grad(loss_np, x),
                               rtol=1e-6, atol=1e-8)


def test_pad_hessian_matches_finite_differences(on):
    x = _rng(2).normal(size=(3, 2))

    def loss(x):
        return fnp.sum(fnp.pad(x, ((4, 2), (1, 3)), "symmetric", reflect_type="odd") ** 3)

    h = on.run(fa.hessian(loss), on.put(x))
    g = fa.grad(loss)
    eps = 1e-5
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g_plus, g_minus = on.run(lambda a, b: (g(a), g(b)), *on.put((x + e, x - e)))
        np.testing.assert_allclose(h[(Ellipsis,) + i], (g_plus - g_minus) / (2 * eps),
                                   rtol=1e-6, atol=1e-6)


def test_pad_constant_corners_and_values_follow_numpy(on):
    x = np.arange(6.0).reshape(2, 3)
    xb = on.put(x)
    values = ((1.0, 2.0), (3.0, 4.0))
    expected = np.pad(x, ((1, 2), (2, 1)), constant_values=values)
    out = on.run(fa.jvp, lambda x: fnp.pad(x, ((1, 2), (2, 1)), constant_values=values),
                 (xb,), (xb,))
    np.testing.assert_array_equal(out[0], expected)
    np.testing.assert_array_equal(out[1], np.pad(x, ((1, 2), (2, 1))))
    # A traced constant: its derivative counts the padded cells.
    grad_c = on.run(fa.grad(lambda c: fnp.sum(fnp.pad(xb, ((1, 2), (2, 1)), constant_values=c))),
                    on.put(np.array(0.5)))
    assert grad_c == np.pad(x, ((1, 2), (2, 1)), constant_values=1.0).size - x.size


@pytest.mark.parametrize("width", [0, 2, (1, 0), ((0, 0), (1, 2)), {0: 1}, np.array([[1, 2], [0, 3]])])
def test_pad_width_forms(width, on):
    x = _rng(3).normal(size=(2, 3))
    xb = on.put(x)
    for mode in ["constant", "edge", "reflect", "symmetric", "wrap"]:
        expected = np.pad(x, width, mode)
        np.testing.assert_array_equal(on.run(lambda x: fnp.pad(x, width, mode), xb), expected)
        np.testing.assert_array_equal(
            on.run(fa.jvp, lambda x: fnp.pad(x, width, mode), (xb,), (xb,))[0], expected)


def test_pad_empty_axes(on):
    x = np.ones((0, 2))
    xb = on.put(x)
    f = lambda x: fnp.pad(x, ((0, 0), (1, 1)), "reflect")  # noqa: E731
    assert on.run(fa.jvp, f, (xb,), (xb,))[0].shape == np.pad(
        x, ((0, 0), (1, 1)), "reflect").shape
    with pytest.raises(ValueError, match="empty axis 0"):
        fa.jvp(lambda x: fnp.pad(x, 1, "edge"), (xb,), (xb,))
    assert on.run(fa.jvp, lambda x: fnp.pad(x, 1), (xb,), (xb,))[0].shape == (2, 4)


@pytest.mark.parametrize("width, error, match", [
    (1.5, TypeError, "pad_width must hold integers"),
    ("ab", TypeError, "pad_width must hold integers"),
    (-1, ValueError, "may not be negative"),
    (((1, 2), (3, -4)), ValueError, "may not be negative"),
    (((1, 2, 3),), ValueError, "does not fit an array with 2 dimensions"),
    (((1, 2), (3, 4), (5, 6)), ValueError, "does not fit an array with 2 dimensions"),
])
def test_pad_rejects_bad_pad_width(width, error, match, on):
    x = on.put(np.ones((2, 3)))
    with on.guard():
        # Plain arrays go to the backend untouched, which raises its own error.
        with pytest.raises((TypeError, ValueError)):
            fnp.pad(x, width)
        with pytest.raises(error, match=match):
            fa.grad(lambda x: fnp.sum(fnp.pad(x, width)))(x)


def test_pad_rejects_bad_mode_and_arguments(on):
    x = on.put(np.ones(3))

    def traced(*args, **kwargs):
        with on.guard():
            return fa.grad(lambda x: fnp.sum(fnp.pad(x, *args, **kwargs)))(x)

    with pytest.raises(ValueError, match="mode 'mirror' is not supported"):
        traced(1, "mirror")
    with pytest.raises(ValueError, match="takes no keyword argument"):
        traced(1, "edge", constant_values=2.0)
    with pytest.raises(ValueError, match="reflect_type must be 'even' or 'odd'"):
        traced(1, "reflect", reflect_type="bad")
    with pytest.raises(ValueError, match="constant_values of shape"):
        traced(1, constant_values=(1, 2, 3))
    with pytest.raises(TypeError, match="mode='median'"):
        traced(1, "median")


def test_pad_modes_without_derivatives_work_on_plain_arrays(on):
    # Modes without derivatives still work on plain arrays (they are refused on traced ones).
    x = np.ones(3)
    np.testing.assert_array_equal(on.run(fnp.pad, on.put(x), 2, "mean"), np.pad(x, 2, "mean"))


# split, atleast, meshgrid ------------------------------------------------------------


@pytest.mark.parametrize("name, args", [("split", (2, 1)), ("array_split", (3, 1)),
                                        ("array_split", ([1, -1, 7], 1)), ("hsplit", ([1, 3],)),
                                        ("vsplit", (2,)), ("dsplit", (1,))])
def test_split_returns_a_list_like_numpy(name, args, on):
    x = _rng(4).normal(size=(2, 4, 1))
    xb, x2 = on.put((x, 2 * x))
    expected = getattr(np, name)(x, *args)
    seen = []

    def f(x):
        parts = getattr(fnp, name)(x, *args)
        seen.append(type(parts))
        return parts

    with on.guard():
        plain = getattr(fnp, name)(xb, *args)
        traced, tangents = fa.jvp(f, (xb,), (x2,))
    assert type(plain) is type(expected) is list and seen == [list]
    plain, traced, tangents = on.get((plain, traced, tangents))
    assert len(plain) == len(traced) == len(expected)
    for p, t, d, e in zip(plain, traced, tangents, expected):
        np.testing.assert_array_equal(p, e)
        np.testing.assert_array_equal(t, e)
        np.testing.assert_array_equal(d, 2 * e)


def test_split_errors(on):
    x, v = on.put((np.ones((3, 4)), np.ones(3)))
    with on.guard():
        with pytest.raises(ValueError, match="does not divide into 3 equal sections"):
            fa.grad(lambda x: fnp.sum(fnp.split(x, 3, axis=1)[0]))(x)
        with pytest.raises(ValueError, match="number of sections must be positive"):
            fa.grad(lambda x: fnp.sum(fnp.array_split(x, 0)[0]))(x)
        with pytest.raises(ValueError, match="vsplit only works on arrays of 2"):
            fa.grad(lambda v: fnp.sum(fnp.vsplit(v, 1)[0]))(v)


def test_atleast_returns_one_array_or_a_tuple(on):
    a, b = np.float64(2.0), np.arange(3.0)
    ab, bb = on.put((np.asarray(a), b))
    for n in (1, 2, 3):
        name = f"atleast_{n}d"
        with on.guard():
            out = fa.jvp(lambda a, b: getattr(fnp, name)(a, b), (ab, bb), (ab, bb))[0]
        expected = getattr(np, name)(a, b)
        assert isinstance(out, tuple) and len(out) == 2
        for o, e in zip(on.get(out), expected):
            np.testing.assert_array_equal(o, e)
            assert o.shape == e.shape
        single = on.run(fa.jvp, lambda b: getattr(fnp, name)(b), (bb,), (bb,))[0]
        assert single.shape == getattr(np, name)(b).shape


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
def test_meshgrid_both_indexings(indexing, sparse, on):
    x, y = np.arange(3.0), np.arange(4.0) * 10
    xb, yb = on.put((x, y))
    expected = np.meshgrid(x, y, indexing=indexing, sparse=sparse)
    with on.guard():
        out = fa.jvp(lambda x, y: fnp.meshgrid(x, y, indexing=indexing, sparse=sparse),
                     (xb, yb), (xb, yb))[0]
        assert isinstance(out, tuple) and isinstance(fnp.meshgrid(xb, yb), tuple)
    for o, e in zip(on.get(out), expected):
        assert o.shape == e.shape
        np.testing.assert_array_equal(o, e)
    # d/dx sum(X * W) sums W over the axis that x does not index.
    w = _rng(5).normal(size=(4, 3) if indexing == "xy" else (3, 4))
    wb = on.put(w)
    gx, gy = on.run(fa.grad(lambda x, y: fnp.sum(fnp.meshgrid(x, y, indexing=indexing)[0] * wb
                                                 + fnp.meshgrid(x, y, indexing=indexing)[1] ** 2),
                            argnums=(0, 1)), xb, yb)
    x_axis = 1 if indexing == "xy" else 0
    np.testing.assert_allclose(gx, w.sum(axis=1 - x_axis))
    np.testing.assert_allclose(gy, 2 * y * len(x))


def test_meshgrid_rejects_bad_indexing(on):
    x = on.put(np.ones(2))
    with pytest.raises(ValueError, match="indexing must be 'xy' or 'ij'; got 'xx'"), on.guard():
        fnp.meshgrid(x, indexing="xx")


# cross ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, a_shape, b_shape", [
    ({}, (4, 3), (4, 3)), ({"axisa": 0}, (3, 4), (4, 3)), ({"axisb": 0, "axisc": 0}, (4, 3), (3, 4)),
    ({"axis": 1}, (2, 3, 4), (2, 3, 4)), ({"axisa": -2, "axisb": 0, "axisc": 1}, (3, 2), (3, 1, 2)),
])
def test_cross_with_axis_arguments(kwargs, a_shape, b_shape, on):
    rng = _rng(6)
    a, b = rng.normal(size=a_shape), rng.normal(size=b_shape)
    ab, bb = on.put((a, b))
    expected = np.cross(a, b, **kwargs)
    out = on.run(fa.jvp, lambda a, b: fnp.cross(a, b, **kwargs), (ab, bb), (ab, bb))
    np.testing.assert_allclose(out[0], expected, rtol=1e-14)
    np.testing.assert_allclose(out[1], 2 * expected, rtol=1e-14)
    # <a x b, w> = <a, b x w> = <b, w x a>, in coordinates with the vector axes last.
    w = rng.normal(size=expected.shape)
    wb = on.put(w)
    ga, gb = on.run(fa.grad(lambda a, b: fnp.sum(fnp.cross(a, b, **kwargs) * wb), argnums=(0, 1)),
                    ab, bb)
    axisa, axisb, axisc = (kwargs.get("axis", kwargs.get(k, -1)) for k in ("axisa", "axisb", "axisc"))
    a_last, b_last = np.moveaxis(a, axisa, -1), np.moveaxis(b, axisb, -1)
    w_last = np.moveaxis(w, axisc, -1)
    expected_ga = _sum_to(np.cross(b_last, w_last), a_last.shape)
    expected_gb = _sum_to(np.cross(w_last, a_last), b_last.shape)
    np.testing.assert_allclose(np.moveaxis(ga, axisa, -1), expected_ga, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.moveaxis(gb, axisb, -1), expected_gb, rtol=1e-12, atol=1e-12)


def _sum_to(g, shape):
    """``g`` summed over the axes along which an operand of ``shape`` was broadcast."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


def test_cross_of_2_vectors_warns_like_numpy(on):
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    bb = on.put(b)
    with pytest.warns(DeprecationWarning, match="2-dimensional vectors"):
        expected = np.cross(a, b)
    with pytest.warns(DeprecationWarning, match="2-dimensional vectors"):
        g = on.run(fa.grad(lambda a: fnp.cross(a, bb)), on.put(a))
    np.testing.assert_array_equal(g, [b[1], -b[0]])
    assert expected == -7.0
    with pytest.raises(ValueError, match="dimension must be 2 or 3"):
        fa.grad(lambda a: fnp.sum(fnp.cross(a, np.ones(4))))(np.ones(4))


# repeat, diag, triangles, roll: closed-form derivatives ------------------------------


def test_repeat_per_element_gradient_counts_copies(on):
    x = _rng(7).normal(size=(2, 4))
    xb = on.put(x)
    counts = [3, 0, 1, 2]
    np.testing.assert_array_equal(on.run(lambda x: fnp.repeat(x, counts, axis=1), xb),
                                  np.repeat(x, counts, axis=1))
    g = on.run(fa.grad(lambda x: fnp.sum(fnp.repeat(x, counts, axis=1))), xb)
    np.testing.assert_array_equal(g, np.broadcast_to(counts, x.shape))
    g = on.run(fa.grad(lambda x: fnp.sum(fnp.repeat(x, 3) ** 2)), xb)
    np.testing.assert_allclose(g, 6 * x)


def test_repeat_by_runs_matches_numpy(on):
    # The slice-based path used when funcad.numpy.indexing has no take.
    x = _rng(8).normal(size=(3, 6))
    xb = on.put(x)
    for counts in ([1, 1, 2, 2, 0, 3], [0] * 6, [2, 0, 0, 0, 0, 1]):
        out, tangent = on.run(fa.jvp, lambda x: manipulation._repeat_runs(x, counts, 1),
                              (xb,), (xb,))
        np.testing.assert_array_equal(out, np.repeat(x, counts, axis=1))
        np.testing.assert_array_equal(tangent, np.repeat(x, counts, axis=1))


def test_repeat_errors(on):
    x = on.put(np.ones(3))
    with on.guard():
        with pytest.raises(ValueError, match="repeats has 2 entries but the axis has 3"):
            fa.grad(lambda x: fnp.sum(fnp.repeat(x, [1, 2])))(x)
        with pytest.raises(ValueError, match="may not contain negative values"):
            fa.grad(lambda x: fnp.sum(fnp.repeat(x, [1, -2, 1])))(x)
        with pytest.raises(TypeError, match="repeats must be an integer"):
            fa.grad(lambda x: fnp.sum(fnp.repeat(x, 1.5)))(x)


@pytest.mark.parametrize("k", [-2, 0, 1, 3])
def test_diag_scatters_exactly_and_its_gradient_reads_the_diagonal(k, on):
    v = np.array([np.inf, -1.0, np.nan])
    vb = on.put(v)
    out = on.run(fa.jvp, lambda v: fnp.diag(v, k), (vb,), (vb,))[0]
    np.testing.assert_array_equal(out, np.diag(v, k))  # zeros off the diagonal, not nan
    w = _rng(9).normal(size=(3 + abs(k),) * 2)
    wb = on.put(w)
    g = on.run(fa.grad(lambda v: fnp.sum(fnp.diag(v, k) * wb)), on.put(np.ones(3)))
    np.testing.assert_array_equal(g, np.diagonal(w, k))


def test_diagonal_trace_and_triangles_gradients(on):
    x = _rng(10).normal(size=(3, 4, 5))
    xb = on.put(x)
    g = on.run(fa.grad(lambda x: fnp.sum(fnp.trace(x, 1, 2, 0))), xb)
    np.testing.assert_array_equal(g, _numpy_jacobian(lambda x: np.sum(np.trace(x, 1, 2, 0)), x))
    g = on.run(fa.grad(lambda x: fnp.sum(fnp.triu(x, 1) * 2.0)), xb)
    np.testing.assert_array_equal(g, 2.0 * np.triu(np.ones_like(x), 1))
    g = on.run(fa.grad(lambda x: fnp.sum(fnp.tril(x, -1))), xb)
    np.testing.assert_array_equal(g, np.tril(np.ones_like(x), -1))
    with pytest.raises(ValueError, match="axis1 and axis2 cannot be the same"):
        fa.grad(lambda x: fnp.trace(x, 0, 1, -2))(x)
    with pytest.raises(ValueError, match="diag: v must be 1-d or 2-d"):
        fa.grad(lambda x: fnp.sum(fnp.diag(x)))(x)


def test_roll_gradient_rolls_back(on):
    x = _rng(11).normal(size=(3, 4))
    w = _rng(12).normal(size=(3, 4))
    xb, wb = on.put((x, w))
    for shift, axis in [(1, None), (-6, 1), ((1, 2), (0, 1))]:
        g = on.run(fa.grad(lambda x: fnp.sum(fnp.roll(x, shift, axis) * wb)), xb)
        neg = tuple(-s for s in shift) if isinstance(shift, tuple) else -shift
        np.testing.assert_array_equal(g, np.roll(w, neg, axis))


def test_flip_and_block_errors(on):
    x, v = on.put((np.ones((2, 3)), np.ones(3)))
    with pytest.raises(ValueError, match="repeated axis"), on.guard():
        fa.grad(lambda x: fnp.sum(fnp.flip(x, (0, 0))))(x)
    with pytest.raises(ValueError, match="fliplr: m must be at least 2-d"), on.guard():
        fa.grad(lambda v: fnp.sum(fnp.fliplr(v)))(v)
    with pytest.raises(TypeError, match="is a tuple"), on.guard():
        fa.grad(lambda x: fnp.sum(fnp.block([(x, x)])))(x)
    with pytest.raises(ValueError, match="list depths are mismatched"), on.guard():
        fa.grad(lambda x: fnp.sum(fnp.block([[x], x])))(x)
    with pytest.raises(ValueError, match="cannot be empty"), on.guard():
        fa.grad(lambda x: fnp.sum(fnp.block([x, []])))(x)


def test_row_stack_is_deprecated_like_numpy(on):
    a, b = np.ones(3), np.zeros(3)
    ab, bb = on.put((a, b))
    with pytest.warns(DeprecationWarning, match="row_stack"):
        out = on.run(fnp.row_stack, [ab, bb])
    np.testing.assert_array_equal(out, np.vstack([a, b]))


def test_stack_dtype_and_casting(on):
    a, b = on.put((np.ones(2), np.arange(2.0)))
    out = on.run(fa.jvp, lambda a: fnp.vstack([a, b], dtype=np.float32), (a,), (a,))[0]
    assert out.dtype == np.float32
    with pytest.raises(TypeError, match="cannot cast input 0 from float64 to int64"):
        fa.jvp(lambda a: fnp.hstack([a, b], dtype=np.int64), (a,), (a,))


# NumPy's own calls and dtypes --------------------------------------------------------


def test_numpy_calls_on_traced_values_dispatch_here(on):
    x = _rng(13).normal(size=(3, 3))
    xb = on.put(x)
    g = on.run(fa.grad(lambda x: np.sum(np.pad(np.flip(x, 0), 1, mode="wrap") * np.trace(x))),
               xb)
    ref = fa.grad(lambda x: fnp.sum(fnp.pad(fnp.flip(x, 0), 1, mode="wrap") * fnp.trace(x)))(x)
    np.testing.assert_array_equal(g, ref)
    out = on.run(fa.jvp, lambda x: np.vstack([np.kron(x, x[:1]), np.tile(x, (1, 3))]),
                 (xb,), (xb,))[0]
    np.testing.assert_array_equal(out, np.vstack([np.kron(x, x[:1]), np.tile(x, (1, 3))]))


FLOAT32_CASES = [
    ("flip", lambda x: fnp.flip(x, 1)), ("rot90", lambda x: fnp.rot90(x)),
    ("roll", lambda x: fnp.roll(x, 2)), ("tile", lambda x: fnp.tile(x, (2, 1))),
    ("repeat", lambda x: fnp.repeat(x, 2, 0)), ("repeat", lambda x: fnp.repeat(x, [1, 2, 0], 0)),
    ("pad", lambda x: fnp.pad(x, 2, constant_values=1.5)),
    ("pad", lambda x: fnp.pad(x, (3, 5), "reflect", reflect_type="odd")),
    ("pad", lambda x: fnp.pad(x, 4, "wrap")), ("triu", fnp.triu), ("tril", fnp.tril),
    ("diag", lambda x: fnp.diag(fnp.diag(x), 1)), ("trace", fnp.trace),
    ("split", lambda x: fnp.array_split(x, 2, 1)[1]), ("meshgrid", lambda x: fnp.meshgrid(x[0], x[1])[0]),
    ("vstack", lambda x: fnp.vstack([x, x])), ("column_stack", lambda x: fnp.column_stack([x[0], x[1]])),
    ("block", lambda x: fnp.block([[x, x]])), ("outer", lambda x: fnp.outer(x, x)),
    ("inner", lambda x: fnp.inner(x, x)), ("vdot", lambda x: fnp.vdot(x, x)),
    ("kron", lambda x: fnp.kron(x, x)), ("cross", lambda x: fnp.cross(x, x[::-1])),
]


@pytest.mark.parametrize("name, f", FLOAT32_CASES, ids=[c[0] for c in FLOAT32_CASES])
def test_float32_in_float32_out(name, f, on):
    x = _rng(14).normal(size=(3, 3)).astype(np.float32)
    x, ones = on.put((x, np.ones_like(x)))
    assert on.run(f, x).dtype == np.float32
    out, tangent = on.run(fa.jvp, f, (x,), (ones,))
    assert out.dtype == np.float32 and tangent.dtype == np.float32
    g = on.run(fa.grad(lambda x: fnp.sum(f(x) ** 2)), x)
    assert g.dtype == np.float32
    g = on.run(fa.grad(lambda x: np.float32(0.5) * fnp.sum(fa.grad(lambda y: fnp.sum(f(y) ** 3))(x))),
               x)
    assert g.dtype == np.float32


@pytest.mark.fixed_backend("plain calls must return exactly NumPy's results, types and dtypes, "
                           "and NumPy's cross must not warn")
def test_plain_results_are_numpys():
    x = np.arange(12.0).reshape(3, 4)
    cases = [
        (fnp.flip(x), np.flip(x)), (fnp.pad(x, 2, "symmetric"), np.pad(x, 2, "symmetric")),
        (fnp.diagonal(x, 1), np.diagonal(x, 1)), (fnp.trace(x, -1), np.trace(x, -1)),
        (fnp.kron(x, x), np.kron(x, x)), (fnp.inner(x, x), np.inner(x, x)),
        (fnp.block([[x], [x]]), np.block([[x], [x]])),
    ]
    for out, expected in cases:
        assert type(out) is type(expected)
        np.testing.assert_array_equal(out, expected)
        assert out.dtype == expected.dtype
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fnp.cross(np.ones(3), np.arange(3.0))

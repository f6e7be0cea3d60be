"""Advanced indexing, functional updates and sorting beyond the sweep.

Expected values come from NumPy on the same inputs (``np.add.at`` for
accumulation, loops for batching) or from closed forms.

The tests that compute run on the backend ``--backend`` names (``on`` in
``tests/conftest.py``; NumPy without it): inputs, and the data constants the
functions close over, are put there, the transforms run under the backend's
guard (Dask: no computing; CuPy: no copy to the host), and the results must be
that backend's arrays before they are read back and compared with NumPy.
Index arrays a function closes over stay NumPy (every backend takes them);
index arrays passed as arguments are put like any other input. Tests of
argument errors stay on NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

import funcad as fa
import funcad.core.trace
import funcad.numpy as fnp
from funcad.backend import LazyShapeError, NotLazyError
from tests._reference import loop_vmap, num_grad

RNG = np.random.default_rng(7)
X = RNG.normal(size=(4, 5, 3))

# Index patterns that place the index arrays' dimensions differently.
PATTERNS = {
    "front": lambda i: (i,),
    "middle-block": lambda i: (slice(None), i),
    "separated": lambda i: (i, slice(None), fnp.minimum(i, 2)),
    "int-and-array": lambda i: (1, slice(None), fnp.minimum(i, 2)),
    "ellipsis": lambda i: (Ellipsis, fnp.minimum(i, 2)),
    "pair-after-slice": lambda i: (slice(1, 3), i, fnp.minimum(i, 2)),
    # An ellipsis standing for no axis still separates the arrays (NumPy puts them first).
    "empty-ellipsis-between": lambda i: (slice(None), i, Ellipsis, fnp.minimum(i, 2)),
}
# Patterns with index arrays on several axes, which Dask gathers and updates lazily only
# at NumPy index arrays (Dask index arrays raise funcad's NotLazyError, by design).
SEVERAL_INDEX_ARRAYS = {"separated", "pair-after-slice", "empty-ellipsis-between"}


def _put_indices(on, pattern, indices):
    """``indices`` on the backend, or NumPy's where Dask takes only NumPy index arrays."""
    if on.name == "dask" and pattern in SEVERAL_INDEX_ARRAYS:
        return indices
    return on.put(indices)


@pytest.mark.parametrize("pattern", PATTERNS, ids=list(PATTERNS))
def test_vmap_over_index_arrays_matches_a_loop(pattern, on):
    make = PATTERNS[pattern]
    indices = np.array([[0, 3], [2, 2], [1, 0]])

    def f(x, i):
        # A plain array indexed by a traced value cannot be intercepted: use at().get().
        return x[make(i)] if isinstance(x, fa.core.trace.Tracer) else fnp.at(x)[make(i)].get()

    for in_axes in [(None, 0), (0, 0)]:
        xs = X if in_axes[0] is None else np.stack([X, 2 * X, -X])
        out = on.run(fa.vmap(f, in_axes=in_axes), on.put(xs), _put_indices(on, pattern, indices))
        expected = loop_vmap(lambda x, i: np.asarray(x)[make(i)], (xs, indices), in_axes)
        np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("pattern", PATTERNS, ids=list(PATTERNS))
@pytest.mark.parametrize("method", ["set", "add", "multiply", "min", "max"])
def test_vmap_of_updates_with_batched_indices_matches_a_loop(pattern, method, on):
    make = PATTERNS[pattern]
    indices = np.array([[0, 3], [2, 1], [1, 0]])
    values = RNG.normal(size=(3,) + X[make(indices[0])].shape)

    def f(x, i, v):
        return getattr(fnp.at(x)[make(i)], method)(v)

    def reference(x, i, v):
        out = np.array(x)
        ufunc = {"add": np.add, "multiply": np.multiply, "min": np.minimum, "max": np.maximum}
        if method == "set":
            out[make(i)] = v
        else:
            ufunc[method].at(out, make(i), v)
        return out

    args = on.put(X), _put_indices(on, pattern, indices), on.put(values)
    if on.name == "dask" and method == "multiply":
        # Dask has no lazy numpy.multiply.at: refused before any work, by contract.
        with pytest.raises(NotLazyError, match="multiply"):
            on.run(fa.vmap(f, in_axes=(None, 0, 0)), *args)
        return
    out = on.run(fa.vmap(f, in_axes=(None, 0, 0)), *args)
    np.testing.assert_array_equal(out, loop_vmap(reference, (X, indices, values), (None, 0, 0)))
    grads = on.run(fa.vmap(fa.grad(lambda x, i, v: fnp.sum(f(x, i, v) ** 2), argnums=(0, 2)),
                           in_axes=(None, 0, 0)), *args)
    for k, (i, v) in enumerate(zip(indices, values)):
        gx = num_grad(lambda x: np.sum(reference(x, i, v) ** 2), X)
        gv = num_grad(lambda v: np.sum(reference(X, i, v) ** 2), v)
        np.testing.assert_allclose(grads[0][k], gx, atol=1e-6)
        np.testing.assert_allclose(grads[1][k], gv, atol=1e-6)


def test_nested_vmap_of_gather(on):
    x = RNG.normal(size=(2, 3, 6))
    idx = np.array([[[0, 5], [1, 1], [2, 0]], [[3, 3], [4, 0], [5, 2]]])
    out = on.run(fa.vmap(fa.vmap(lambda row, i: row[i])), *on.put((x, idx)))
    np.testing.assert_array_equal(out, np.take_along_axis(x, idx, axis=2))


def test_repeated_indices_accumulate_in_the_gradient(on):
    x = np.array([1.0, 2.0, 3.0])
    idx = np.array([0, 0, 0, 2])
    g = on.run(fa.grad(lambda x: fnp.sum(x[idx])), on.put(x))
    expected = np.zeros(3)
    np.add.at(expected, idx, 1.0)
    np.testing.assert_array_equal(g, expected)
    zeros = on.put(np.zeros(3))
    g = on.run(fa.grad(lambda v: fnp.sum(fnp.at(zeros)[idx].add(v) ** 2)), on.put(np.ones(4)))
    np.testing.assert_array_equal(g, 2 * np.array([3.0, 3.0, 3.0, 1.0]))


def test_set_with_repeated_indices_keeps_the_last_value_and_its_derivative(on):
    x = np.zeros(3)
    idx = np.array([1, 1, 2])
    v = np.array([5.0, 7.0, 9.0])
    expected = x.copy()
    expected[idx] = v
    xb, vb, weights = on.put((x, v, np.array([1.0, 2.0, 3.0])))
    np.testing.assert_array_equal(on.run(lambda x, v: fnp.at(x)[idx].set(v), xb, vb), expected)
    g = on.run(fa.grad(lambda v: fnp.sum(fnp.at(xb)[idx].set(v) * weights)), vb)
    np.testing.assert_array_equal(g, [0.0, 2.0, 3.0])


def test_at_on_plain_arrays_matches_numpy_and_leaves_the_input_alone(on):
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()
    idx = (np.array([0, 0, 1]), np.array([2, 2, 0]))
    xb = on.put(x)
    out = on.run(lambda x: fnp.at(x)[idx].add(10.0), xb)
    expected = x.copy()
    np.add.at(expected, idx, 10.0)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(on.get(xb), before)
    np.testing.assert_array_equal(on.run(lambda x: fnp.at(x)[:, 1].max(4.0), xb), np.where(
        np.arange(3) == 1, np.maximum(x, 4.0), x))
    np.testing.assert_array_equal(on.run(lambda x: fnp.at(x)[idx].get(), xb), x[idx])


def test_one_function_runs_with_and_without_transforms(on):
    def update(x, v):
        return fnp.sum(fnp.at(x)[1:, 0].multiply(v) ** 2)

    x, v = np.arange(1.0, 7.0).reshape(3, 2), np.array([2.0, 3.0])
    xb, vb = on.put((x, v))
    if on.name == "dask":
        # Dask has no lazy numpy.multiply.at: refused before any work, by contract.
        with pytest.raises(NotLazyError, match="multiply"):
            on.run(fa.value_and_grad(update, argnums=(0, 1)), xb, vb)
        return
    plain = on.run(update, xb, vb)
    value, grads = on.run(fa.value_and_grad(update, argnums=(0, 1)), xb, vb)
    assert value == plain
    np.testing.assert_allclose(grads[0], num_grad(lambda x: update(x, v), x), rtol=1e-7)
    np.testing.assert_allclose(grads[1], num_grad(lambda v: update(x, v), v), rtol=1e-7)


def test_x_dot_at_on_traced_values(on):
    def f(x):
        return fnp.sum(x.at[0].set(x[1] * 3.0) ** 2)

    # f = (3 x1)^2 + x1^2 = 10 x1^2
    np.testing.assert_allclose(on.run(fa.grad(f), on.put(np.array([1.0, 2.0]))), [0.0, 40.0])


def test_multiply_update_at_zeros_with_repeated_indices_second_order(on):
    idx = np.array([0, 0, 0])
    v0 = on.put(np.array([0.0, 2.0, 0.0]))
    ones = on.put(np.ones(2))

    def f(v):
        return fnp.sum(fnp.at(ones)[idx].multiply(v))

    if on.name == "dask":
        # Dask has no lazy numpy.multiply.at: refused before any work, by contract.
        with pytest.raises(NotLazyError, match="multiply"):
            on.run(fa.hessian(f), v0)
        return
    # f = v0 v1 v2 + 1: the Hessian's entries are the third value, exactly.
    np.testing.assert_array_equal(on.run(fa.hessian(f), v0), [[0, 0, 2], [0, 0, 0], [2, 0, 0]])
    np.testing.assert_array_equal(on.run(fa.grad(f), v0), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(on.run(fa.grad(f), on.put(np.array([0.0, 2.0, 3.0]))),
                                  [6.0, 0.0, 0.0])


def test_min_update_splits_ties(on):
    x = np.array([1.0, 5.0])
    g = on.run(fa.grad(lambda x, v: fnp.sum(fnp.at(x)[0].min(v)), argnums=(0, 1)),
               *on.put((x, np.array(1.0))))
    assert g[0].tolist() == [0.5, 1.0] and g[1] == 0.5


def test_embedding_lookup_with_take_under_vmap(on):
    table = RNG.normal(size=(10, 4))
    ids = np.array([[1, 3], [3, 9]])
    ids_on = on.put(ids)
    g = on.run(fa.grad(lambda t: fnp.sum(fa.vmap(lambda i: fnp.take(t, i, axis=0))(ids_on) ** 2)),
               on.put(table))
    expected = np.zeros_like(table)
    np.add.at(expected, ids.ravel(), 2 * table[ids.ravel()])
    np.testing.assert_allclose(g, expected)


def test_take_modes_and_axis_none(on):
    a = np.arange(6.0).reshape(2, 3)
    idx = np.array([-1, 7])
    a_on, ones = on.put((a, np.ones_like(a)))
    for mode in ["clip", "wrap"]:
        out = on.run(fa.jvp, lambda a: fnp.take(a, idx, mode=mode), (a_on,), (ones,))[0]
        np.testing.assert_array_equal(out, np.take(a, idx, mode=mode))


def test_concrete_mask_from_a_comparison_under_grad(on):
    # Under grad, comparisons give concrete booleans, so a mask works there.
    x = np.array([-1.0, 2.0, 3.0])
    if on.name == "dask":
        # A lazy mask's selection has a value-dependent shape: refused, by contract.
        with pytest.raises(LazyShapeError):
            on.run(fa.grad(lambda x: fnp.sum(x[x > 0] ** 2)), on.put(x))
        return
    np.testing.assert_array_equal(on.run(fa.grad(lambda x: fnp.sum(x[x > 0] ** 2)), on.put(x)),
                                  [0, 4, 6])


def test_sort_derivative_follows_the_permutation_and_ties_stay_stable(on):
    x = np.array([3.0, 1.0, 2.0, 1.0])
    weights = np.arange(4.0)
    weights_on = on.put(weights)
    g = on.run(fa.grad(lambda x: fnp.sum(fnp.sort(x) * weights_on)), on.put(x))
    expected = np.zeros(4)
    expected[np.argsort(x, kind="stable")] = weights
    np.testing.assert_array_equal(g, expected)


def test_median_of_even_count_shares_the_derivative(on):
    x = np.array([4.0, 1.0, 3.0, 2.0])
    np.testing.assert_array_equal(on.run(fa.grad(fnp.median), on.put(x)), [0.0, 0.0, 0.5, 0.5])
    np.testing.assert_array_equal(on.run(fa.grad(fnp.median), on.put(x[:3])), [0.0, 0.0, 1.0])


def test_float32_stays_float32(on):
    x = on.put(np.array([3.0, 1.0, 2.0], np.float32))
    for f in [lambda x: fnp.sum(fnp.sort(x)), lambda x: fnp.median(x),
              lambda x: fnp.quantile(x, 0.3), lambda x: fnp.sum(x[np.array([0, 0])]),
              lambda x: fnp.sum(fnp.at(x)[1].set(2.0) ** 2)]:
        assert on.run(f, x).dtype == np.float32
        assert on.run(fa.grad(f), x).dtype == np.float32


def test_quantile_errors_name_the_problem(on):
    x = on.put(np.ones(3))
    with on.guard():
        with pytest.raises(ValueError, match=r"range \[0, 1\]"):
            fa.grad(lambda x: fnp.quantile(x, 1.5))(x)
        with pytest.raises(ValueError, match=r"method='linear'"):
            fa.grad(lambda x: fnp.quantile(x, 0.5, method="nearest"))(x)
        with pytest.raises(TypeError, match=r"q must be concrete"):
            fa.grad(lambda q: fnp.quantile(x, q))(0.5)


def test_sort_method_on_traced_value_points_to_fnp_sort(on):
    x = on.put(np.ones(2))
    with pytest.raises(TypeError, match=r"fnp\.sort"), on.guard():
        fa.grad(lambda x: x.sort())(x)


def test_order_statistics_of_integers_nan_and_inf_match_numpy_under_vmap(on):
    ints = np.array([[1, 2, 3, 4], [7, 1, 5, 2]])
    for f, ref in [(fnp.median, np.median),
                   (lambda z: fnp.percentile(z, 30), lambda z: np.percentile(z, 30)),
                   (lambda z: fnp.quantile(z, [0.2, 0.9]), lambda z: np.quantile(z, [0.2, 0.9]))]:
        out = on.run(fa.vmap(f), on.put(ints))
        expected = np.stack([ref(r) for r in ints])
        assert out.dtype == expected.dtype
        np.testing.assert_array_equal(out, expected)
    special = np.array([[np.nan, 1.0, 3.0], [1.0, np.inf, 2.0], [1.0, 2.0, 3.0]])
    for f, ref in [(fnp.median, np.median), (lambda z: fnp.quantile(z, 0.3),
                                             lambda z: np.quantile(z, 0.3))]:
        np.testing.assert_array_equal(on.run(fa.vmap(f), on.put(special)),
                                      [ref(r) for r in special])
    np.testing.assert_array_equal(on.run(fa.vmap(fnp.median), on.put(np.array([[1.0, np.inf]]))),
                                  [np.inf])


QUANTILE_DATA = [np.array([[1.0, np.inf, 2.0, 3.0]]), np.array([[3, 1, 2, 4]]),
                 np.array([[3.0, 1.0, 2.0, 4.0]], np.float32), np.array([[np.nan, 1.0, 2.0]])]
QUANTILES = [np.float64(0.5), 0.5, 1, True, [0, 1], np.array([0.25]),
             np.array([0.25], np.float32), [0.0, 1.0]]


@pytest.mark.parametrize("data", QUANTILE_DATA, ids=["inf", "int", "float32", "nan"])
@pytest.mark.parametrize("q", QUANTILES, ids=[f"q{i}" for i in range(len(QUANTILES))])
@pytest.mark.parametrize("name", ["quantile", "percentile"])
def test_quantile_values_and_dtypes_follow_numpy_for_every_kind_of_q(data, q, name, on):
    if name == "percentile" and not isinstance(q, bool):
        q = np.multiply(q, 100) if not isinstance(q, (int, float)) else q * 100
    with np.errstate(invalid="ignore"):
        # q is a parameter of every kind NumPy takes (and stays so); the data is the input.
        out = on.run(fa.vmap(lambda r: getattr(fnp, name)(r, q)), on.put(data))
        expected = np.stack([getattr(np, name)(r, q) for r in data])
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out, expected)

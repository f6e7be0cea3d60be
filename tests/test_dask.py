"""The Dask backend: lazy graphs for values and derivatives, clear errors, the example."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
import dask  # noqa: E402

import funcad as fa  # noqa: E402
import funcad.numpy as fnp  # noqa: E402
from funcad.backend.dask import LazyShapeError, NotLazyError  # noqa: E402
from tests.test_dask_sweep import no_compute  # noqa: E402

pytestmark = pytest.mark.fixed_backend("tests the Dask backend itself (laziness, schedulers, the cluster example), on Dask whatever --backend says")

ROOT = Path(__file__).resolve().parent.parent


class CountingScheduler:
    """Dask's synchronous scheduler, counting the graphs it is asked to run."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self, dsk, keys, **kwargs):
        self.runs += 1
        return dask.get(dsk, keys, **kwargs)


def _least_squares(w, X, y):  # noqa: N803
    r = X @ w - y
    return 0.5 * fnp.mean(r * r)


def _problem(rows=40, cols=3, chunk=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, cols))  # noqa: N806
    y = rng.normal(size=rows)
    return X, y, da.from_array(X, chunks=(chunk, cols)), da.from_array(y, chunks=chunk)


def test_nothing_runs_until_compute_then_one_graph_gives_everything():
    X, y, dX, dy = _problem()  # noqa: N806
    w = np.array([0.5, -1.0, 2.0])
    counter = CountingScheduler()
    with dask.config.set(scheduler=counter):
        value, grad = fa.value_and_grad(_least_squares)(w, dX, dy)
        hess = fa.hessian(_least_squares)(w, dX, dy)
        per_row = fa.vmap(fa.grad(lambda w, x, y: (x @ w - y) ** 2), in_axes=(None, 0, 0))(
            w, dX, dy)
        assert counter.runs == 0
        assert all(isinstance(v, da.Array) for v in (value, grad, hess, per_row))
        results = dask.compute({"value": value, "grad": grad, "hess": hess, "rows": per_row})
    assert counter.runs == 1
    (results,) = results
    r = X @ w - y
    np.testing.assert_allclose(results["value"], 0.5 * np.mean(r * r), rtol=1e-12)
    np.testing.assert_allclose(results["grad"], X.T @ r / len(y), rtol=1e-12)
    np.testing.assert_allclose(results["hess"], X.T @ X / len(y), rtol=1e-12)
    np.testing.assert_allclose(results["rows"], 2 * r[:, None] * X, rtol=1e-12)


def test_gradient_with_respect_to_the_dask_array_stays_chunked():
    X, y, dX, dy = _problem()  # noqa: N806
    w = np.array([0.5, -1.0, 2.0])
    with no_compute():
        g_X = fa.grad(_least_squares, argnums=1)(w, dX, dy)  # noqa: N806
    assert isinstance(g_X, da.Array) and g_X.chunks == dX.chunks
    np.testing.assert_allclose(g_X.compute(), np.outer(X @ w - y, w) / len(y), rtol=1e-12)


def test_results_are_new_objects_not_the_inputs():
    _, _, dX, _ = _problem()  # noqa: N806
    with no_compute():
        out, t = fa.jvp(lambda x: x, (dX,), (dX,))
        (ct,) = fa.vjp(lambda x: x, dX)[1](dX)
    assert out is not dX and t is not dX and ct is not dX
    out[0, 0] = 7.0  # Dask's item assignment rebinds ``out`` only
    assert dX[0, 0].compute() != 7.0


def test_values_that_depend_on_data_shapes_are_refused():
    x = da.from_array(np.array([0.0, 1.0, 2.0, 0.0]), chunks=2)
    with no_compute():
        with pytest.raises(LazyShapeError, match="shape depends on the values"):
            fnp.nonzero(x)
        with pytest.raises(LazyShapeError, match=r"fnp.where\(mask, x, 0\)"):
            fa.grad(lambda x: fnp.sum(x[x > 0.5]))(x)
        # The lazy way to write it.
        g = fa.grad(lambda x: fnp.sum(fnp.where(x > 0.5, x, 0.0)))(x)
    np.testing.assert_array_equal(g.compute(), [0.0, 1.0, 1.0, 0.0])


def test_functions_dask_lacks_are_refused_before_any_work():
    a = da.from_array(np.eye(3) * 2.0, chunks=2)
    with no_compute():
        with pytest.raises(NotLazyError, match="numpy.linalg.eig has no lazy Dask"):
            fnp.linalg.eig(a)
        with pytest.raises(NotLazyError, match="numpy.multiply.at"):
            fnp.at(a)[np.array([0, 0])].multiply(2.0)


def test_indexing_gradients_are_built_lazily():
    x = np.arange(12.0).reshape(4, 3)
    dx = da.from_array(x, chunks=2)
    idx = np.array([3, 0, 3, -1])

    def f(x):
        return fnp.sum(x[idx] ** 2) + fnp.sum(x[:, np.array([2, 2])]) + fnp.sum(x[1:, ::2])

    with no_compute():
        g = fa.grad(f)(dx)
    np.testing.assert_allclose(g.compute(), fa.grad(f)(x), rtol=1e-12)


def test_numpy_parameters_join_dask_graphs():
    _, _, dX, dy = _problem()  # noqa: N806
    w = np.ones(3)
    with no_compute():
        out = fnp.tanh(dX @ w) + dy
    assert isinstance(out, da.Array)


def _example():
    path = ROOT / "examples" / "dask_least_squares.py"
    spec = importlib.util.spec_from_file_location("dask_least_squares", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_on_a_local_cluster_matches_numpy():
    """The example of docs/performance.md, small: 6 chunks on a two-worker cluster."""
    distributed = pytest.importorskip("dask.distributed")
    example = _example()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        figures = example.run(rows=6000, cols=5, chunk_rows=1000, client=client)
    assert figures["blocks"] == 6 and figures["period"] == 6
    assert figures["max_relative_error"] < 1e-10
    # The exact answer from NumPy on the whole (small) matrix, too.
    X, y, t = (np.concatenate(p) for p in zip(*[  # noqa: N806
        example.make_block(b, 6, 1000, 5, 0) for b in range(6)]))
    w = np.full(5, 0.1)
    np.testing.assert_allclose(figures["gradients"]["least_squares"],
                               X.T @ (X @ w - y) / len(y), rtol=1e-10)
    np.testing.assert_allclose(figures["least_squares"],
                               float(_least_squares(w, X, y)), rtol=1e-12)


def test_example_repeated_blocks_scale_exactly():
    example = _example()
    figures = example.run(rows=4000, cols=4, chunk_rows=500, period=2)
    assert figures["blocks"] == 8 and figures["max_relative_error"] < 1e-10

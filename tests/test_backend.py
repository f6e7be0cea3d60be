"""The backend registry: lazy loading, the default backend, mixing, missing libraries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from funcad import backend
from funcad.backend.base import Backend

pytestmark = pytest.mark.fixed_backend("tests the backend layer itself: choosing, importing and refusing backends by name")

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str, **env) -> str:
    """Run ``code`` in a fresh interpreter (imports are what is being tested)."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env}, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_importing_funcad_imports_neither_cupy_nor_dask():
    out = _python(
        "import sys, funcad, funcad.numpy as fnp\n"
        "fnp.sin(fnp.ones(3))\n"
        "print(sorted(m for m in ('cupy', 'dask') if m in sys.modules))"
    )
    assert out == "[]"


def test_a_dask_array_loads_the_dask_backend_on_first_sight():
    pytest.importorskip("dask.array")
    out = _python(
        "import dask.array as da, funcad.numpy as fnp, funcad.backend as b\n"
        "before = 'dask' in b._by_name\n"
        "y = fnp.sin(da.ones(3, chunks=2))\n"
        "print(before, type(y).__module__, b.of(y).name)"
    )
    assert out == "False dask.array.core dask"


def test_funcad_backend_environment_variable_sets_the_default():
    pytest.importorskip("dask.array")
    out = _python(
        "import funcad as fa, funcad.numpy as fnp\n"
        "print(fa.backend.default().name, type(fnp.zeros(3)).__module__)",
        FUNCAD_BACKEND="dask",
    )
    assert out == "dask dask.array.core"


def test_set_default_round_trip_and_errors():
    before = backend.default().name
    try:
        backend.set_default(" NumPy ")
        assert backend.default().name == "numpy"
        assert isinstance(fnp.zeros(2), np.ndarray)
    finally:
        backend.set_default(before)
    with pytest.raises(ValueError, match="unknown backend 'torch'; choose one of 'numpy', "
                                         "'cupy', 'dask'"):
        backend.set_default("torch")
    with pytest.raises(TypeError, match="backend name must be a str"):
        backend.set_default(3)
    assert backend.default().name == before


@pytest.mark.parametrize("name,install", [
    ("cupy", 'pip install "funcad[cuda12]"'),
    ("dask", 'pip install "funcad[dask]"'),
])
def test_a_missing_library_says_what_to_install(monkeypatch, name, install):
    # Forget the loaded backend and make its library unimportable.
    for module in list(sys.modules):
        if module == name or module.startswith(name + "."):
            monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, name, None)
    saved = backend._by_name.get(name)
    backend._unregister(name)
    try:
        with pytest.raises(ImportError, match=f"funcad's '{name}' backend needs") as info:
            backend.set_default(name)
        assert install in str(info.value)
        assert not backend.available(name)
        assert backend.default().name == "numpy"
    finally:
        if saved is not None:
            backend._register(saved)


class FakeArray:
    """An array type of a stand-in backend, for the mixing rules."""

    shape = (3,)
    ndim = 1
    dtype = np.dtype(float)


@pytest.fixture
def fake_backend():
    be = backend._register(Backend(name="fake", xp=np, array_types=(FakeArray,),
                                   einsum=np.einsum, to_numpy=np.asarray))
    yield be
    backend._unregister("fake")


def test_mixing_two_backends_names_both(fake_backend):
    with pytest.raises(TypeError, match=r"cannot mix numpy and fake arrays in one call \(got "
                                        r"a numpy.ndarray and a tests.test_backend.FakeArray\)"):
        fnp.add(np.ones(3), FakeArray())
    with pytest.raises(TypeError, match="cannot mix fake and numpy arrays"):
        fnp.multiply(FakeArray(), np.ones(3))
    # Python scalars go along with any backend.
    assert backend.of_many(FakeArray(), 2.0, 1) is fake_backend
    assert backend.of_pair(3, FakeArray()) is fake_backend


def test_numpy_scalars_go_along_with_any_backend(fake_backend):
    # Every backend takes numpy.float64(2.0) as a number, as CuPy does.
    assert backend.of_many(np.float64(2.0), FakeArray()) is fake_backend
    assert backend.of_many(FakeArray(), np.int64(3), np.float32(1.0)) is fake_backend
    assert backend.of_many(np.float64(2.0)).name == "numpy"
    with pytest.raises(TypeError, match="cannot mix numpy and fake"):
        backend.of_many(np.float64(2.0), np.ones(1), FakeArray())


def test_numpy_index_arrays_join_any_backend(fake_backend):
    """Index arrays and other parameters move to the data's backend; data arrays do not mix."""
    index, data = np.array([0, 2]), FakeArray()
    assert backend.of_indexing((data,), (index,)) is fake_backend
    with pytest.raises(TypeError, match="cannot mix fake and numpy"):
        backend.of_indexing((data, np.ones(3)), (index,))
    moved = backend.parameter_on(fake_backend, [1, 2])
    assert isinstance(moved, np.ndarray) and moved.tolist() == [1, 2]  # the fake xp is NumPy
    for kept in (None, 2, 2.5, np.float64(1.0)):
        assert backend.parameter_on(fake_backend, kept) is kept
    numpy_backend = backend.of(index)
    assert backend.parameter_on(numpy_backend, index) is index


def test_mixing_under_a_transform_names_both(fake_backend):
    w = FakeArray()
    with pytest.raises(TypeError, match="cannot mix numpy and fake arrays"):
        fa.grad(lambda x: fnp.sum(x * w))(np.ones(3))


def test_dask_takes_numpy_operands_but_not_other_backends(fake_backend):
    da = pytest.importorskip("dask.array")
    x = da.ones(3, chunks=2)
    assert isinstance(fnp.add(np.ones(3), x), da.Array)
    assert isinstance(fnp.add(x, np.ones(3)), da.Array)
    assert backend.of_many(np.ones(2), x, 1.0).name == "dask"
    with pytest.raises(TypeError, match="cannot mix dask and fake arrays"):
        backend.of_many(x, FakeArray())
    with pytest.raises(TypeError, match="cannot mix dask and fake.*dask.array.from_array"):
        backend.of_many(np.ones(1), x, FakeArray())


def test_is_array_and_of():
    assert backend.is_array(np.ones(2)) and backend.is_array(np.float32(1))
    assert not backend.is_array(1.0) and not backend.is_array([1.0])
    assert backend.of([1.0, 2.0]).name == "numpy"
    assert backend.of(1.5) is backend.default()


def test_numpy_backend_copies_only_what_it_must():
    numpy_backend = backend.of(np.ones(1))
    x = np.ones(4)
    assert numpy_backend.must_copy(x[1:], [x])
    assert not numpy_backend.must_copy(np.ones(4), [x])
    assert numpy_backend.must_copy(np.broadcast_to(1.0, (3,)), [])


def test_cupy_module_imports_without_cupy():
    from funcad.backend import cupy as cupy_backend

    if not backend.available("cupy"):
        assert cupy_backend.device_count() == 0


def test_gpu_benchmark_exits_cleanly_without_a_gpu():
    if backend.available("cupy"):
        from funcad.backend.cupy import device_count

        if device_count():
            pytest.skip("a CUDA device is present: the benchmark would run in full")
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu.py")],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "skipped" in result.stdout


def test_numpy_inputs_stay_on_numpy_whatever_the_default():
    """The default backend is for Python data; NumPy arrays are computed by NumPy."""
    pytest.importorskip("dask.array")
    a = np.array([0.0, 0.5, 1.0, 2.0, 2.0])
    calls = {
        "histogram": lambda: fnp.histogram(a, bins=3)[0],
        "unique": lambda: fnp.unique(a),
        "unique_counts": lambda: fnp.unique_counts(a).counts,
        "setdiff1d": lambda: fnp.setdiff1d(a, a[:2]),
        "broadcast_arrays": lambda: fnp.broadcast_arrays(a, 2.0)[1],
        "concat": lambda: fnp.concat([a, a]),
        "isclose": lambda: fnp.isclose(a, a),
        "geomspace": lambda: fnp.geomspace(a[1:3], 4.0, 3),
    }
    expected = {name: call() for name, call in calls.items()}
    before = backend.default().name
    backend.set_default("dask")
    try:
        for name, call in calls.items():
            out = call()
            assert isinstance(out, np.ndarray), (name, type(out))
            np.testing.assert_array_equal(out, expected[name], err_msg=name)
        assert fnp.allclose(a, a) is True
        assert type(fnp.zeros(2)).__module__.startswith("dask")  # Python data: the default
    finally:
        backend.set_default(before)

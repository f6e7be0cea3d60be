"""How tests run on an array backend: move inputs there, guard, read results back.

``ArrayBackend(name)`` is the one place that knows what each backend needs in a
test: ``put`` copies NumPy inputs to the backend (Dask: about two chunks per
axis), ``get`` checks that results are the backend's arrays and brings them
back as NumPy arrays, ``guard`` forbids what the backend must never do behind
the user's back (Dask: compute; CuPy: copy to the host), and
``known_failure`` names the sweep rows the backend cannot run, from the strict
tables of ``tests/test_dask_sweep.py`` and ``tests/test_backend_cupy.py``.
"""

from __future__ import annotations

import contextlib
import functools

import numpy as np
import pytest

import funcad as fa


class HostTransferError(AssertionError):
    """A CuPy array was copied to the host while the guard was on."""


def _refuse_transfer(*args, **kwargs):
    raise HostTransferError("a CuPy array was copied to the host")


@contextlib.contextmanager
def no_host_transfer():
    """Fail on ``cupy.ndarray.get`` of an array and on ``__array__`` (the ways to the host).

    Reading one value (``float``, ``int``, ``bool`` or ``item`` of a 0-d array,
    which CuPy does through ``get``) synchronises but copies no array, so the
    ``get`` of a 0-d array is let through: funcad reads values only where NumPy
    raises an error or a shape depends on them (docs/backends.md).
    """
    import cupy

    get = cupy.ndarray.get

    def get_one_value(self, *args, **kwargs):
        if self.ndim:
            _refuse_transfer()
        return get(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cupy.ndarray, "get", get_one_value)
        patch.setattr(cupy.ndarray, "__array__", _refuse_transfer)
        yield


def _dask_chunks(shape):
    return tuple(max(1, (s + 1) // 2) for s in shape)


class ArrayBackend:
    """Moving test data to one backend and back."""

    def __init__(self, name: str) -> None:
        self.name = name
        if name == "dask":
            import dask.array as da

            self.array_type = da.Array
        elif name == "cupy":
            import cupy

            self.array_type = cupy.ndarray
        else:
            self.array_type = (np.ndarray, np.generic)

    def __repr__(self) -> str:
        return f"ArrayBackend({self.name!r})"

    def put(self, x):
        """``x`` (an array, or a list or tuple of them) on this backend."""
        if isinstance(x, list | tuple):
            return type(x)(self.put(v) for v in x)
        if self.name == "numpy":
            return x
        x = np.asarray(x)
        if self.name == "dask":
            import dask.array as da

            return da.from_array(x, chunks=_dask_chunks(x.shape))
        import cupy

        return cupy.asarray(x)

    def guard(self):
        """No computing (Dask) or no host transfer (CuPy) inside."""
        if self.name == "dask":
            from tests.test_dask_sweep import no_compute

            return no_compute()
        if self.name == "cupy":
            return no_host_transfer()
        return contextlib.nullcontext()

    def get(self, tree):
        """Computed NumPy values of a pytree of results (after checking their type)."""
        leaves, treedef = fa.tree_util.tree_flatten(tree)
        for leaf in leaves:
            assert isinstance(leaf, self.array_type), (
                f"{self.name} backend returned a {type(leaf).__module__}.{type(leaf).__name__}"
            )
        if self.name == "dask":
            import dask

            leaves = list(dask.compute(*leaves, scheduler="sync"))
        elif self.name == "cupy":
            leaves = [leaf.get() for leaf in leaves]
        return fa.tree_util.tree_unflatten(treedef, [np.asarray(v) for v in leaves])

    def run(self, fun, *args):
        """``fun(*args)`` under the guard, read back as NumPy arrays."""
        with self.guard():
            out = fun(*args)
        return self.get(out)

    def known_failure(self, index: int) -> str | None:
        """Why sweep row ``index`` cannot run on this backend, or None when it must."""
        return _known_failures(self.name).get(index)


@functools.cache
def _known_failures(name: str) -> dict[int, str]:
    from tests.op_specs import ROW_KEYS

    if name == "dask":
        from tests.test_dask_sweep import KEYS, expected_failure

        found = {}
        for i, (row, key) in enumerate(KEYS):
            entry = expected_failure(row, key)
            # Rows that only compute too early still give right values when computed.
            if entry is not None and entry[1] != "eager":
                found[i] = f"Dask: {entry[2]} (tests/test_dask_sweep.py)"
        return found
    if name == "cupy":
        from tests.test_backend_cupy import CUPY_UNSUPPORTED

        return {i: f"CuPy: {CUPY_UNSUPPORTED[key][1]} (tests/test_backend_cupy.py)"
                for i, key in enumerate(ROW_KEYS) if key in CUPY_UNSUPPORTED}
    return {}

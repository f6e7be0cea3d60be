"""The CuPy backend: funcad on the GPU.

The same surface as the NumPy backend: rules call ``xp.sin(x)`` and get
``cupy.sin``; contractions go through opt_einsum's CuPy backend. Values stay
on the device: the one transfer to the host is :attr:`Backend.to_numpy`, which
funcad never calls itself.

``xp`` is CuPy itself, with the dtype helpers CuPy does not have
(``errstate``, ``exceptions``, ...) taken from NumPy, since they touch no
array; a NumPy function CuPy lacks raises :class:`NotOnDeviceError` rather
than copying to the host. ``special()`` is ``cupyx.scipy.special`` with the
same rule.

This module imports CuPy only in :func:`load`, which funcad calls the first
time it sees a CuPy array or when ``fa.backend.set_default("cupy")`` runs.
"""

from __future__ import annotations

import functools

import numpy

from funcad.backend.base import Backend

# NumPy helpers on dtypes and shapes, not arrays, that CuPy may lack.
_FROM_NUMPY = frozenset({
    "finfo", "iinfo", "dtype", "promote_types", "can_cast", "issubdtype",
    "broadcast_shapes", "mintypecode", "errstate", "exceptions", "isscalar",
})


class NotOnDeviceError(NotImplementedError):
    """A NumPy function that CuPy does not implement."""


def _not_on_device(qualified: str):
    def not_on_device(*args, **kwargs):
        raise NotOnDeviceError(
            f"CuPy has no {qualified}, so funcad cannot run it on the GPU without copying "
            f"to the host. Copy explicitly (x.get()) and use the NumPy backend for this step."
        )

    not_on_device.__name__ = qualified.rpartition(".")[2]
    return not_on_device


class _Namespace:
    """CuPy (or one of its submodules) with NumPy's array-free helpers filled in."""

    def __init__(self, cupy_module, numpy_module, prefix: str) -> None:
        self._cupy = cupy_module
        self._numpy = numpy_module
        self._prefix = prefix
        self.__name__ = f"funcad.backend.cupy:{prefix}"

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._lookup(name)
        setattr(self, name, value)
        return value

    def _lookup(self, name: str):
        mine = getattr(self._cupy, name, None)
        if mine is not None:
            return mine
        theirs = getattr(self._numpy, name, None)
        if theirs is None:
            raise AttributeError(f"{self._prefix}.{name} does not exist")
        if name in _FROM_NUMPY or isinstance(theirs, type) or not callable(theirs):
            return theirs
        return _not_on_device(f"{self._prefix}.{name}")


def load() -> Backend:
    """Import CuPy and build the backend (raises ImportError when CuPy is missing)."""
    import cupy
    import opt_einsum

    @functools.lru_cache(maxsize=1024)
    def contraction(subscripts: str, shapes: tuple[tuple[int, ...], ...]):
        return opt_einsum.contract_expression(subscripts, *shapes)

    def einsum(subscripts: str, *operands):
        shapes = tuple(tuple(op.shape) for op in operands)
        return contraction(subscripts, shapes)(*operands, backend="cupy")

    def must_copy(x, inputs) -> bool:
        return any(cupy.may_share_memory(x, i) for i in inputs if isinstance(i, cupy.ndarray))

    def to_numpy(x):
        return x.get()

    @functools.cache
    def special():
        import cupyx.scipy.special
        import scipy.special

        return _Namespace(cupyx.scipy.special, scipy.special, "scipy.special")

    xp = _Namespace(cupy, numpy, "numpy")
    xp.linalg = _Namespace(cupy.linalg, numpy.linalg, "numpy.linalg")
    return Backend(
        name="cupy",
        xp=xp,
        array_types=(cupy.ndarray,),
        einsum=einsum,
        to_numpy=to_numpy,
        must_copy=must_copy,
        special=special,
    )


def device_count() -> int:
    """How many CUDA devices CuPy sees (0 when CuPy or a driver is missing)."""
    try:
        import cupy

        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception:  # noqa: BLE001 - no CuPy, no driver, no device: all mean none
        return 0

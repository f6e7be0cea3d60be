"""The NumPy backend."""

from __future__ import annotations

import functools

import numpy
import opt_einsum

from funcad.backend.base import Backend


@functools.lru_cache(maxsize=1024)
def _contraction(subscripts: str, shapes: tuple[tuple[int, ...], ...]):
    return opt_einsum.contract_expression(subscripts, *shapes)


def _einsum(subscripts: str, *operands):
    shapes = tuple(numpy.shape(op) for op in operands)
    return _contraction(subscripts, shapes)(*operands, backend="numpy")


def _must_copy(x, inputs) -> bool:
    if not x.flags.writeable:
        return True
    # Only NumPy inputs can share NumPy memory; asking about others (a Dask
    # array) would convert them.
    return any(numpy.may_share_memory(x, i) for i in inputs if isinstance(i, numpy.ndarray))


BACKEND = Backend(
    name="numpy",
    xp=numpy,
    array_types=(numpy.ndarray, numpy.generic),
    einsum=_einsum,
    to_numpy=numpy.asarray,
    must_copy=_must_copy,
    native=True,
)


def load() -> Backend:
    """The NumPy backend (always available)."""
    return BACKEND

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


BACKEND = Backend(
    name="numpy",
    xp=numpy,
    array_types=(numpy.ndarray, numpy.generic),
    einsum=_einsum,
    to_numpy=numpy.asarray,
)

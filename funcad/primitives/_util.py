"""Helpers shared by rules: shapes of traced values, batch axes, broadcasting.

Everything here works on plain arrays and tracers alike, because rules run
under other transforms.
"""

from __future__ import annotations

from funcad import backend
from funcad.core.trace import Tracer


def shape_of(x) -> tuple[int, ...]:
    """The shape of an array, tracer, Python scalar (``()``) or nested list."""
    shape = getattr(x, "shape", None)
    if shape is None:
        if isinstance(x, (list, tuple)):
            return backend.default().xp.shape(x)
        return ()
    return shape


def ndim_of(x) -> int:
    return len(shape_of(x))


def dtype_of(x):
    """The dtype of an array or tracer; None for a Python scalar."""
    return getattr(x, "dtype", None)


def normalize_axis(axis: int, ndim: int, name: str = "axis") -> int:
    if not -ndim <= axis < max(ndim, 1) or (ndim == 0 and axis not in (0, -1)):
        raise ValueError(
            f"{name}={axis} is out of range for an array with {ndim} dimensions; "
            f"use a value in [{-ndim}, {ndim - 1}]."
        )
    return axis % ndim if ndim else 0


def normalize_axes(axis, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, int or sequence) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        axes = tuple(sorted(normalize_axis(a, ndim) for a in axis))
        if len(set(axes)) != len(axes):
            raise ValueError(f"repeated axis in {axis!r}")
        return axes
    return (normalize_axis(axis, ndim),)


def check_no_out(out, name: str) -> None:
    """NumPy's ``out=`` cannot be honoured: traced arrays are immutable."""
    if out is not None:
        raise TypeError(
            f"funcad.numpy.{name} does not write into out=: arrays are immutable under "
            f"transforms. Use the returned array instead."
        )


def is_tracer(x) -> bool:
    return isinstance(x, Tracer)


def backend_of(x):
    """The backend of the concrete array under any number of tracers."""
    while isinstance(x, Tracer):
        x = x._value
    return backend.of(x)


def constants_xp(x):
    """The namespace for index and position constants used with ``x``.

    A lazy backend's arrays are graphs that take NumPy constants in, so its
    constants stay NumPy arrays; other backends make them on their own device.
    """
    be = backend_of(x)
    return backend.of(()).xp if be.lazy else be.xp


def on_lazy_blocks(impl, *args, **params):
    """``impl(*args, **params)`` chunk by chunk where a lazy backend owns ``args``, else None.

    For implementations that compute with masks and data-dependent branches on
    concrete NumPy arrays: on Dask they run on each chunk's NumPy arrays.
    """
    be = backend.of_many(*args)
    if not be.lazy:
        return None
    return be.map_elementwise(impl, *args, **params)


# Batching helpers -----------------------------------------------------------


def move_to_front(x, bdim: int | None, size: int | None = None):
    """``x`` with its batch axis first; an unbatched ``x`` is broadcast to ``size``."""
    from funcad.primitives.shape import broadcast_to, transpose

    if bdim is None:
        shape = shape_of(x)
        return broadcast_to(x, (size,) + shape)
    if bdim == 0:
        return x
    n = ndim_of(x)
    perm = (bdim,) + tuple(i for i in range(n) if i != bdim)
    return transpose(x, perm)


def batch_size(args, bdims) -> int:
    for x, b in zip(args, bdims):
        if b is not None:
            return shape_of(x)[b]
    raise AssertionError("batch rule called with no batched argument")


def batch_axes_in_front(args, bdims) -> list:
    """``args`` with their batch axes first, for primitives whose leading axes broadcast.

    A batched argument of lower rank gets axes of length one after its batch
    axis, so the batch axis lines up with the others'; unbatched arguments are
    left as they are and broadcast against the batch.
    """
    from funcad.primitives.shape import reshape

    ranks = [ndim_of(x) - (b is not None) for x, b in zip(args, bdims)]
    rank = max(ranks)
    moved = []
    for x, b, k in zip(args, bdims, ranks):
        if b is not None:
            x = move_to_front(x, b)
            if k < rank:
                s = shape_of(x)
                x = reshape(x, s[:1] + (1,) * (rank - k) + s[1:])
        moved.append(x)
    return moved


def broadcasting_batch(prim):
    """Batching rule for an n-ary elementwise primitive with NumPy broadcasting."""
    bind = prim.bind

    def batch_broadcasting(args, bdims, **params):
        if len(args) == 2:
            # Fast paths: the other operand is a scalar, or both share a batch axis.
            (x, y), (bx, by) = args, bdims
            if by is None and not shape_of(y):
                return bind(x, y, **params), bx
            if bx is None and not shape_of(x):
                return bind(x, y, **params), by
            if bx == by and len(x.shape) == len(y.shape):
                return bind(x, y, **params), bx
        ranks = [ndim_of(x) - (b is not None) for x, b in zip(args, bdims)]
        rank = max(ranks)
        batched = [b for b in bdims if b is not None]
        first = batched[0]
        # Keep the batch axis where it is when every operand already agrees.
        if all(b == first for b in batched) and all(
            (k == rank) if b is not None else (k <= rank - first)
            for k, b in zip(ranks, bdims)
        ):
            return bind(*args, **params), first
        return bind(*batch_axes_in_front(args, bdims), **params), 0

    batch_broadcasting.__name__ = f"_{prim.name}_batch"
    return batch_broadcasting


def vectorized_batch(prim):
    """Batching rule for a unary elementwise primitive: apply as is."""

    def batch_vectorized(args, bdims, **params):
        return prim.bind(*args, **params), bdims[0]

    batch_vectorized.__name__ = f"_{prim.name}_batch"
    return batch_vectorized


def unbroadcast(ct, shape: tuple[int, ...]):
    """Sum a cotangent of a broadcast result back down to ``shape``."""
    ct_shape = shape_of(ct)
    if ct_shape == shape:
        return ct
    from funcad.primitives.reduction import sum as sum_
    from funcad.primitives.shape import reshape

    lead = len(ct_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and ct_shape[i + lead] != 1
    )
    if axes:
        ct = sum_(ct, axis=axes)
    if shape_of(ct) != shape:
        ct = reshape(ct, shape)
    return ct


"""``pad``: NumPy's padding modes as slices and concatenations of the input.

Traced arrays are padded one axis at a time, as NumPy does, so corners come
out the same: later axes pad the already padded earlier ones. Reflections
longer than the axis repeat NumPy's iteration chunk by chunk, so values (and
``reflect_type='odd'`` arithmetic) match NumPy's exactly.
"""

from __future__ import annotations

from typing import Any

from funcad import backend
from funcad.core.trace import Tracer
from funcad.numpy._lazy import lazy_owner, plain
from funcad.primitives._util import backend_of, dtype_of, ndim_of, normalize_axis, shape_of
from funcad.primitives.arithmetic import multiply, subtract
from funcad.primitives.comparison import astype
from funcad.primitives.indexing import getitem
from funcad.primitives.shape import broadcast_to, concatenate

_KWARGS = {
    "constant": ("constant_values",), "edge": (), "wrap": (), "empty": (),
    "reflect": ("reflect_type",), "symmetric": ("reflect_type",),
    "linear_ramp": ("end_values",), "maximum": ("stat_length",), "mean": ("stat_length",),
    "median": ("stat_length",), "minimum": ("stat_length",),
}
_TRACED_MODES = ("constant", "edge", "reflect", "symmetric", "wrap", "empty")


def _pad_pairs(pad_width, ndim: int) -> list[tuple[int, int]]:
    """``pad_width`` in any of NumPy's forms as one (before, after) pair per axis."""
    xp = backend.default().xp
    if isinstance(pad_width, dict):
        pairs = [(0, 0)] * ndim
        for axis, width in pad_width.items():
            axis = normalize_axis(axis, ndim, "pad_width key")
            pairs[axis] = tuple(_pad_pairs(width, 1)[0])
        return pairs
    try:
        widths = xp.asarray(pad_width)
    except (TypeError, ValueError):
        widths = None
    if widths is None or widths.dtype.kind != "i":
        raise TypeError(f"pad: pad_width must hold integers; got {pad_width!r}. Give an int, "
                        "(before, after), or ((before_1, after_1), ...) for each axis.")
    try:
        widths = xp.broadcast_to(widths, (ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width of shape {widths.shape} does not fit an array with "
                         f"{ndim} dimensions; give an int, (before, after), or {ndim} "
                         "(before, after) pairs.") from None
    if widths.size and widths.min() < 0:
        raise ValueError(f"pad: pad_width may not be negative; got {pad_width!r}.")
    return [(int(b), int(a)) for b, a in widths.tolist()]


def _check_mode(mode, kwargs) -> None:
    if callable(mode):
        return
    if not isinstance(mode, str) or mode not in _KWARGS:
        raise ValueError(f"pad: mode {mode!r} is not supported; use one of "
                         f"{', '.join(map(repr, _KWARGS))} or a function.")
    unexpected = set(kwargs) - set(_KWARGS[mode])
    if unexpected:
        raise ValueError(f"pad: mode {mode!r} takes no keyword argument(s) "
                         f"{', '.join(sorted(unexpected))}; it accepts "
                         f"{', '.join(_KWARGS[mode]) or 'none'}.")
    if kwargs.get("reflect_type", "even") not in ("even", "odd"):
        raise ValueError(f"pad: reflect_type must be 'even' or 'odd'; got "
                         f"{kwargs['reflect_type']!r}.")


def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    """``array`` padded by ``pad_width`` (NumPy's forms) in ``mode``."""
    constant = kwargs.get("constant_values")
    if plain(array, constant):
        return backend.of(array).xp.pad(array, pad_width, mode, **kwargs)
    _check_mode(mode, kwargs)
    lazy = lazy_owner(array, constant)
    if not traced_in(array, constant) and (callable(mode) or mode not in _TRACED_MODES):
        # The backend's pad, for the modes funcad does not build (Dask's refuses where it
        # would differ from NumPy's).
        return (lazy or backend.of(array)).xp.pad(array, pad_width, mode, **kwargs)
    if not isinstance(array, Tracer):  # the constant is traced, or an array is lazy
        array = (lazy or backend.of(array)).xp.asarray(array)
    shape = shape_of(array)
    pairs = _pad_pairs(pad_width, len(shape))
    if callable(mode) or mode not in _TRACED_MODES:
        raise TypeError(f"funcad cannot differentiate pad with mode={mode!r}; traced arrays "
                        f"take the modes {', '.join(_TRACED_MODES)}.")
    if mode in ("constant", "empty") or 0 in shape:
        for axis, (n, pair) in enumerate(zip(shape, pairs)):
            if mode not in ("constant", "empty") and n == 0 and any(pair):
                raise ValueError(f"pad: can't extend empty axis {axis} using modes other "
                                 "than 'constant' or 'empty'.")
        values = kwargs.get("constant_values", 0) if mode == "constant" else 0
        return _pad_constant(array, pairs, values)
    odd = kwargs.get("reflect_type", "even") == "odd"
    x = array
    for axis, ((before, after), n) in enumerate(zip(pairs, shape)):
        if not (before or after):
            continue
        if mode == "edge" or (n == 1 and mode in ("reflect", "symmetric")):
            x = _pad_edge(x, axis, before, after)
        elif mode == "wrap":
            x = _pad_wrap(x, axis, before, after, n)
        else:
            x = _pad_reflect(x, axis, before, after, n, mode == "symmetric", odd)
    return x


def traced_in(*objs) -> bool:
    """Whether a tracer sits among ``objs`` (lazy arrays among them are plain values)."""
    return any(isinstance(obj, Tracer) for obj in objs)


def _at(axis: int, item) -> tuple:
    return (slice(None),) * axis + (item,)


def _length(x, axis: int) -> int:
    return shape_of(x)[axis]


def _with_length(x, axis: int, length: int) -> tuple[int, ...]:
    shape = list(shape_of(x))
    shape[axis] = length
    return tuple(shape)


def _pad_constant(x, pairs, values):
    ndim, dtype = ndim_of(x), dtype_of(x)
    xp = backend_of(x).xp
    try:
        if isinstance(values, Tracer):
            table = broadcast_to(values, (ndim, 2))
        else:
            table = xp.broadcast_to(xp.asarray(values), (ndim, 2))
    except ValueError:
        raise ValueError(f"pad: constant_values of shape {shape_of(values)} does not fit an "
                         f"array with {ndim} dimensions; give a scalar, (before, after), or "
                         f"{ndim} (before, after) pairs.") from None
    for axis, (before, after) in enumerate(pairs):
        parts = [x]
        for width, side in ((before, 0), (after, 1)):
            if not width:
                continue
            shape = _with_length(x, axis, width)
            if isinstance(table, Tracer):
                block = broadcast_to(astype(getitem(table, (axis, side)), dtype), shape)
            else:
                # Broadcast, not full: a lazy (Dask) fill value stays a graph node.
                block = xp.broadcast_to(xp.asarray(table[axis, side], dtype=dtype), shape)
            parts.insert(0 if side == 0 else len(parts), block)
        if len(parts) > 1:
            x = concatenate(parts, axis)
    return x


def _pad_edge(x, axis, before, after):
    n = _length(x, axis)
    parts = [x]
    if before:
        parts.insert(0, broadcast_to(getitem(x, _at(axis, slice(0, 1))),
                                     _with_length(x, axis, before)))
    if after:
        parts.append(broadcast_to(getitem(x, _at(axis, slice(n - 1, n))),
                                  _with_length(x, axis, after)))
    return concatenate(parts, axis)


def _reversed(x, axis, start, stop):
    """``x[start:stop]`` along ``axis``, in reverse order."""
    return getitem(x, _at(axis, slice(stop - 1, start - 1 if start > 0 else None, -1)))


def _pad_reflect(x, axis, left, right, n, include_edge, odd):
    # NumPy's _set_reflect_both, on the valid part ``x`` grown one chunk per side per pass.
    while left or right:
        length = _length(x, axis)
        if include_edge:
            period, skip = length // n * n, 0
        else:
            period, skip = (length - 1) // (n - 1) * (n - 1), 1
        parts = [x]
        if left:
            chunk = min(period, left)
            piece = _reversed(x, axis, skip, skip + chunk)
            if odd:
                piece = subtract(multiply(2, getitem(x, _at(axis, slice(0, 1)))), piece)
            parts.insert(0, piece)
            left -= chunk
        if right:
            chunk = min(period, right)
            piece = _reversed(x, axis, length - skip - chunk, length - skip)
            if odd:
                edge = getitem(x, _at(axis, slice(length - 1, length)))
                piece = subtract(multiply(2, edge), piece)
            parts.append(piece)
            right -= chunk
        x = concatenate(parts, axis)
    return x


def _pad_wrap(x, axis, left, right, n):
    # NumPy's _set_wrap_both: whole periods of the valid part, copied to each side per pass.
    while left or right:
        length = _length(x, axis)
        period = length // n * n
        parts = [x]
        if left:
            chunk = min(period, left)
            parts.insert(0, getitem(x, _at(axis, slice(period - chunk, period))))
            left -= chunk
        if right:
            chunk = min(period, right)
            start = length - period
            parts.append(getitem(x, _at(axis, slice(start, start + chunk))))
            right -= chunk
        x = concatenate(parts, axis)
    return x

"""Batching: run a function written for one example on a whole batch at once.

A batch tracer holds a value with one extra axis, ``bdim``; primitives apply
their batching rules, so no Python loop runs over the batch. Values that do
not depend on the batch stay unbatched (``bdim`` None) and cost nothing extra.
"""

from __future__ import annotations

import functools

from funcad import backend, tree_util
from funcad.core.trace import Trace, Tracer, new_trace
from funcad.numpy.array_tracer import ArrayTracer
from funcad.numpy.composites import expand_dims, moveaxis
from funcad.primitives._util import backend_of, ndim_of, shape_of
from funcad.primitives.indexing import getitem
from funcad.primitives.shape import broadcast_to, concatenate
from funcad.transforms._api_util import (
    as_array,
    check_callable,
    check_chunk_size,
    finalize_all,
    input_arrays,
)


class BatchTracer(ArrayTracer):
    # ``shape`` (one example's shape) is stored: rules ask for it often.
    __slots__ = ("_value", "bdim", "shape")

    def __init__(self, trace, value, bdim):
        self._trace = trace
        self._value = value
        self.bdim = bdim
        full = shape_of(value)
        self.shape = full[:bdim] + full[bdim + 1 :]


class BatchTrace(Trace):
    __slots__ = ("axis_size",)

    def __init__(self, axis_size):
        super().__init__()
        self.axis_size = axis_size

    def process(self, prim, args, params):
        values = [
            arg._value if type(arg) is BatchTracer and arg._trace is self else arg for arg in args
        ]
        bdims = [
            arg.bdim if type(arg) is BatchTracer and arg._trace is self else None for arg in args
        ]
        out, out_bdim = prim.batch(values, bdims, **params)
        if out_bdim is None:
            return out
        return BatchTracer(self, out, out_bdim)


def _check_axis(axis, leaf, where: str):
    if axis is None:
        return None
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"vmap: in_axes entries must be int or None, got {axis!r} for {where}.")
    n = ndim_of(leaf)
    if not -n <= axis < n:
        raise ValueError(
            f"vmap: in_axes={axis} is out of range for {where} of shape "
            f"{shape_of(leaf)}; valid values are {-n}..{n - 1}"
            + (" (a 0-d argument cannot be mapped; use None)." if n == 0 else ".")
        )
    return axis % n


def _leaf_names(args) -> list[str]:
    """``argument i`` for each leaf, with the leaf's place when an argument has several."""
    names = []
    for i, arg in enumerate(args):
        count = len(tree_util.tree_leaves(arg))
        names += [f"argument {i}"] if count == 1 else [
            f"argument {i} (leaf {j})" for j in range(count)
        ]
    return names


def vmap(fun, in_axes=0, out_axes=0, axis_size=None, chunk_size=None):
    """Vectorise ``fun`` over an axis of its arguments.

    ``in_axes`` is an int, None (not mapped), or a pytree prefix of the
    positional arguments; negative axes count from the end. ``out_axes`` says
    where the batch axis goes in each output (None for outputs that do not
    depend on it). ``chunk_size=k`` maps k examples at a time to bound memory.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> fa.vmap(fnp.dot)(fnp.ones((4, 3)), fnp.ones((4, 3))).tolist()
    [3.0, 3.0, 3.0, 3.0]
    """
    check_callable(fun, "vmap")
    check_chunk_size(chunk_size, "vmap")
    if axis_size is not None and (
        isinstance(axis_size, bool) or not isinstance(axis_size, int) or axis_size < 0
    ):
        raise ValueError(f"vmap: axis_size must be a non-negative int or None, got {axis_size!r}.")
    for axis in tree_util.tree_leaves(out_axes):
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"vmap: out_axes entries must be int or None, got {axis!r}.")

    @functools.wraps(fun)
    def batched_fun(*args, **kwargs):
        axes = tuple(in_axes) if isinstance(in_axes, list) else in_axes
        if isinstance(axes, tuple) and len(axes) != len(args):
            raise ValueError(
                f"vmap: in_axes has {len(axes)} entries but the function was called with "
                f"{len(args)} positional arguments; give one entry per argument."
            )
        leaves, in_tree = tree_util.tree_flatten(args)
        flat_axes = tree_util.broadcast_prefix(axes, args, "in_axes")
        names = _leaf_names(args)
        # Mapped leaves become arrays; unmapped ones pass through untouched.
        leaves = [x if a is None else as_array(x) for x, a in zip(leaves, flat_axes)]
        flat_axes = [_check_axis(a, x, n) for a, x, n in zip(flat_axes, leaves, names)]
        size = _batch_size(leaves, flat_axes, names, axis_size)
        if chunk_size is not None and chunk_size < size:
            return _chunked(fun, leaves, flat_axes, in_tree, kwargs, size, out_axes, chunk_size)
        return _batched_call(fun, leaves, flat_axes, in_tree, kwargs, size, out_axes)

    return batched_fun


def _batch_size(leaves, flat_axes, names, axis_size):
    sizes = [(n, shape_of(x)[a]) for x, a, n in zip(leaves, flat_axes, names) if a is not None]
    if axis_size is not None:
        sizes.append(("axis_size", axis_size))
    if not sizes:
        raise ValueError(
            "vmap: no argument is mapped (every in_axes is None); map at least one "
            "argument or pass axis_size."
        )
    if len({s for _, s in sizes}) > 1:
        listed = ", ".join(f"{k}: {s}" for k, s in sizes)
        raise ValueError(f"vmap got inconsistent sizes for the mapped axis: {listed}.")
    return sizes[0][1]


def _batched_call(fun, leaves, flat_axes, in_tree, kwargs, size, out_axes):
    originals = input_arrays(leaves)
    with new_trace(BatchTrace(size)) as trace:
        wrapped = [x if a is None else BatchTracer(trace, x, a) for x, a in zip(leaves, flat_axes)]
        out = fun(*tree_util.tree_unflatten(in_tree, wrapped), **kwargs)
        out_leaves, out_tree = tree_util.tree_flatten(out)
        flat_out_axes = tree_util.broadcast_prefix(out_axes, out, "out_axes", "outputs")
        # An output made of Python numbers joins the backend of the mapped inputs.
        home = next((backend_of(x) for x, a in zip(leaves, flat_axes) if a is not None), None)
        results = [_place_batch_axis(x, a, trace, size, home)
                   for x, a in zip(out_leaves, flat_out_axes)]
        # Unbatched outputs may be arrays the caller holds elsewhere: hand back copies.
        unbatched = [not (type(x) is BatchTracer and x._trace is trace) for x in out_leaves]
    return tree_util.tree_unflatten(out_tree, finalize_all(results, originals, copy=unbatched))


def _place_batch_axis(x, out_axis, trace, size, home=None):
    batched = type(x) is BatchTracer and x._trace is trace
    if out_axis is not None and (isinstance(out_axis, bool) or not isinstance(out_axis, int)):
        raise ValueError(f"vmap: out_axes entries must be int or None, got {out_axis!r}.")
    if out_axis is not None:
        n = ndim_of(x._value) if batched else ndim_of(x) + 1
        if not -n <= out_axis < n:
            raise ValueError(
                f"vmap: out_axes={out_axis} is out of range for an output with {n} dimensions "
                f"(the batch axis included); valid values are {-n}..{n - 1}."
            )
    if out_axis is None:
        if batched:
            raise ValueError(
                "vmap: out_axes is None for an output that depends on the mapped axis; "
                "give it an int out_axes."
            )
        return x
    if not batched:
        known = home is None or isinstance(x, Tracer) or backend.is_array(x)
        x = as_array(x) if known else home.xp.asarray(x)
        out_axis = out_axis % (ndim_of(x) + 1)
        x = expand_dims(x, out_axis)
        shape = list(shape_of(x))
        shape[out_axis] = size
        return broadcast_to(x, tuple(shape))
    value = x._value
    out_axis = out_axis % ndim_of(value)
    if out_axis == x.bdim:
        return value
    return moveaxis(value, x.bdim, out_axis)


def _chunked(fun, leaves, flat_axes, in_tree, kwargs, size, out_axes, chunk_size):
    pieces = []
    for start in range(0, size, chunk_size):
        stop = min(start + chunk_size, size)
        chunk = [
            x if a is None else getitem(x, (slice(None),) * a + (slice(start, stop),))
            for x, a in zip(leaves, flat_axes)
        ]
        pieces.append(_batched_call(fun, chunk, flat_axes, in_tree, kwargs, stop - start, out_axes))
    first_leaves, out_tree = tree_util.tree_flatten(pieces[0])
    flat_out_axes = tree_util.broadcast_prefix(out_axes, pieces[0], "out_axes", "outputs")
    joined = []
    for k, axis in enumerate(flat_out_axes):
        parts = [tree_util.tree_leaves(p)[k] for p in pieces]
        if axis is None:
            joined.append(parts[0])
        else:
            joined.append(concatenate(parts, axis % ndim_of(parts[0])))
    return tree_util.tree_unflatten(out_tree, joined)

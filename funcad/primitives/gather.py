"""Advanced indexing: ``gather`` (``x[idx]`` with index arrays) and ``scatter``.

An index is kept as a *template*: a tuple of ints, slices, ``None`` and
:class:`IndexArray` markers, each marker naming one integer index array passed
to the primitive as an operand. The arrays are operands, not parameters, so
that they may be batched themselves (``vmap(lambda x, i: x[i])``); they carry
no derivative.

``scatter`` writes ``values`` into a copy of ``operand`` at an index, with one
of NumPy's modes: ``add`` (``numpy.add.at``: repeated indices accumulate),
``set`` (assignment: the last repeated index wins), ``multiply``, ``minimum``
and ``maximum``. ``gather`` and ``scatter(mode="add")`` are each other's
transpose.
"""

from __future__ import annotations

import functools

from funcad import backend
from funcad.core.primitive import PerArgument, Primitive
from funcad.core.trace import Tracer
from funcad.primitives._util import backend_of, constants_xp, dtype_of, move_to_front, shape_of
from funcad.primitives.arithmetic import add, divide, multiply
from funcad.primitives.comparison import astype, equal, not_equal, where
from funcad.primitives.scan import linear_recurrence, shift
from funcad.primitives.shape import reshape, transpose
from funcad.primitives.sorting import argsort

gather_p = Primitive("gather")
scatter_p = Primitive("scatter")

SCATTER_MODES = ("add", "set", "multiply", "minimum", "maximum")


class IndexArray:
    """Stands in a template for the ``k``-th index-array operand."""

    __slots__ = ("k",)

    def __init__(self, k: int) -> None:
        self.k = k

    def __eq__(self, other) -> bool:
        return type(other) is IndexArray and other.k == self.k

    def __hash__(self) -> int:
        return hash(("IndexArray", self.k))

    def __repr__(self) -> str:
        return f"IndexArray({self.k})"


def gather(x, arrays, idx):
    """``x[idx]`` for a template ``idx`` whose markers refer to ``arrays``."""
    return gather_p.bind(x, *arrays, idx=idx)


def scatter(operand, values, arrays, idx, mode="add"):
    """A copy of ``operand`` with ``values`` combined in at ``idx`` by ``mode``."""
    return scatter_p.bind(operand, values, *arrays, idx=idx, mode=mode)


def build_index(idx, arrays) -> tuple:
    return tuple(arrays[item.k] if type(item) is IndexArray else item for item in idx)


def indexed_shape(idx, x_shape, array_shapes) -> tuple[int, ...]:
    """The shape of ``x[idx]``, found by indexing a zero-strided stand-in."""
    # Slices are not hashable before Python 3.12: the cache key spells them out.
    key = tuple((item.start, item.stop, item.step) if isinstance(item, slice) else item
                for item in idx)
    return _indexed_shape(key, tuple(x_shape), tuple(array_shapes))


@functools.lru_cache(maxsize=1024)
def _indexed_shape(key, x_shape, array_shapes):
    xp = backend.default().xp
    idx = tuple(slice(*item) if isinstance(item, tuple) else item for item in key)
    stand_in = xp.broadcast_to(xp.zeros((), xp.int8), x_shape)
    arrays = [xp.broadcast_to(xp.zeros((), xp.intp), s) for s in array_shapes]
    return stand_in[build_index(idx, arrays)].shape


# Batching -------------------------------------------------------------------
def _advanced_positions(idx):
    """Positions of the items that NumPy treats as advanced (arrays, and ints with them)."""
    if not any(type(item) is IndexArray for item in idx):
        return []
    return [p for p, item in enumerate(idx) if type(item) is IndexArray or isinstance(item, int)]


def _is_block(positions) -> bool:
    return positions == list(range(positions[0], positions[0] + len(positions)))


def batch_index(idx, arrays, array_bdims, size):
    """An index for the batched operand (batch axis first) and where it puts the batch.

    ``idx`` covers every axis of one example (no implicit trailing axes; an
    Ellipsis only where it stands for no axis). Returns ``(new_idx, new_arrays,
    perm)``: indexing the batched operand with ``new_idx`` gives a result
    ``r`` such that ``transpose(r, perm)`` has the batch axis first and then one
    example's layout (``perm`` None when ``r`` already has it).
    """
    positions = _advanced_positions(idx)
    per_example = [
        shape_of(a)[:b] + shape_of(a)[b + 1:] if b is not None else shape_of(a)
        for a, b in zip(arrays, array_bdims)
    ]
    rank = max((len(s) for s in per_example), default=0)
    if all(b is None for b in array_bdims):
        new_idx = (slice(None),) + idx
        if not positions or _is_block(positions):
            return new_idx, list(arrays), None
        # Separated advanced items put their dims first, ahead of the batch axis.
        return new_idx, list(arrays), (rank,) + tuple(range(rank)) + tuple(
            range(rank + 1, rank + 1 + _rest_ndim(idx, arrays))
        )
    new_arrays = []
    for a, b, s in zip(arrays, array_bdims, per_example):
        if b is not None:
            a = reshape(move_to_front(a, b), (size,) + (1,) * (rank - len(s)) + s)
        new_arrays.append(a)
    batched = next(a for a, b in zip(arrays, array_bdims) if b is not None)
    new_arrays.append(constants_xp(batched).arange(size).reshape((size,) + (1,) * rank))
    new_idx = (IndexArray(len(arrays)),) + idx
    if positions[0] == 0 or not _is_block(positions):
        return new_idx, new_arrays, None
    # One example puts its advanced dims after the dims of the items before them.
    before = sum(1 for item in idx[: positions[0]] if item is None or isinstance(item, slice))
    rest = _rest_ndim(idx, arrays)
    perm = ((0,) + tuple(range(rank + 1, rank + 1 + before)) + tuple(range(1, rank + 1))
            + tuple(range(rank + 1 + before, rank + 1 + rest)))
    return new_idx, new_arrays, perm


def _rest_ndim(idx, arrays) -> int:
    """How many result dims come from slices and ``None`` (not from index arrays)."""
    return sum(1 for item in idx if item is None or isinstance(item, slice))


def _inverse(perm):
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p] = i
    return tuple(inverse)


def _split(args, n_lead):
    return args[:n_lead], list(args[n_lead:])


# gather ---------------------------------------------------------------------
@gather_p.def_impl
def _gather_impl(x, *arrays, idx):
    # The index arrays count too: a lazy index makes the whole result lazy.
    be = backend.of_indexing((x,), arrays)
    if not be.native:
        arrays = [backend.parameter_on(be, a) for a in arrays]
    return be.getitem(be.xp.asarray(x), build_index(idx, arrays))


def _gather_jvp(i, t, ans, x, *arrays, idx):
    # Index arrays (i > 0) carry no derivative.
    return gather(t, arrays, idx) if i == 0 else None


def _gather_vjp(i, ct, ans, x, *arrays, idx):
    if i:
        return None
    return scatter(_zeros(shape_of(x), ct, x), ct, arrays, idx, "add")


@gather_p.def_batch
def _gather_batch(args, bdims, *, idx):
    (x,), arrays = _split(args, 1)
    x_bdim, array_bdims = bdims[0], bdims[1:]
    size = _size(args, bdims)
    x = move_to_front(x, x_bdim, size)
    new_idx, new_arrays, perm = batch_index(idx, arrays, array_bdims, size)
    out = gather(x, new_arrays, new_idx)
    return (out, 0) if perm is None else (transpose(out, perm), 0)


gather_p.def_jvp(PerArgument(_gather_jvp))
gather_p.def_vjp(PerArgument(_gather_vjp))
gather_p.linear = True


def _size(args, bdims):
    return next(shape_of(a)[b] for a, b in zip(args, bdims) if b is not None)


# scatter --------------------------------------------------------------------
@scatter_p.def_impl
def _scatter_impl(operand, values, *arrays, idx, mode):
    be = backend.of_indexing((operand, values), arrays)
    if not be.native:
        arrays = [backend.parameter_on(be, a) for a in arrays]
    xp = be.xp
    index = build_index(idx, arrays)
    if be.lazy:  # a lazy array is not written into: its backend builds the result
        return be.scatter(xp.asarray(operand), index, values, mode)
    out = xp.array(operand, copy=True)
    if mode == "set":
        out[index] = values
    else:
        getattr(xp, mode).at(out, index, values)
    return out


def _zeros(like_shape, t, *others):
    """Zeros of ``t``'s dtype on the backend of ``t`` and ``others`` (a lazy one wins)."""
    be = backend_of(t)
    for other in others:
        other_be = backend_of(other)
        if other_be.lazy:
            be = other_be
    return be.xp.zeros(like_shape, dtype_of(t))


def _extremum_weights(ans, operand, values, arrays, idx):
    """Tie-splitting weights of the operand's and each value's share in the result."""
    dtype = dtype_of(ans)
    hits_x = astype(equal(operand, ans), dtype)
    hits_v = astype(equal(values, gather(ans, arrays, idx)), dtype)
    count = scatter(hits_x, hits_v, arrays, idx, "add")
    return divide(hits_x, count), divide(hits_v, gather(count, arrays, idx))


def _products_of_others(values, arrays, idx, shape):
    """For each value, the product of the other values written to its target.

    None when every target is written once (the product of no values is 1).
    Otherwise the values are sorted by target and each one's product is the
    product of those before it in its run times those after it, two linear
    recurrences: O(n log n), exact where values are zero, at every order.
    """
    xp = backend_of(values).xp
    count = 1
    for s in shape:
        count *= s
    targets = gather(xp.arange(count).reshape(shape), arrays, idx)
    if not isinstance(targets, Tracer) and xp.unique(targets).size == targets.size:
        return None
    n = 1
    for s in shape_of(values):
        n *= s
    flat_targets = reshape(targets, (n,))
    order = argsort(flat_targets, 0, "stable")
    first = (IndexArray(0),)
    runs = gather(flat_targets, [order], first)
    ordered = gather(reshape(values, (n,)), [order], first)
    # Value i (in target order) continues the run of value i - 1 (or of i + 1).
    previous, following = shift(runs, 0, -1), shift(runs, 0, -1, forward=False)
    dtype = dtype_of(values)
    before = linear_recurrence(where(equal(previous, runs), shift(ordered, 0, 0), 0.0),
                               astype(not_equal(previous, runs), dtype), 0)
    after = linear_recurrence(
        where(equal(following, runs), shift(ordered, 0, 0, forward=False), 0.0),
        astype(not_equal(following, runs), dtype), 0, reverse=True)
    others = scatter(xp.zeros(n, dtype), multiply(before, after), [order], first, "set")
    return reshape(others, shape_of(values))


def _times_others(g, values, arrays, idx, shape):
    others = _products_of_others(values, arrays, idx, shape)
    return g if others is None else multiply(g, others)


def _last_writes(values, arrays, idx, shape):
    """True for each value that assignment keeps (the last of repeated indices)."""
    xp = backend_of(values).xp
    count = 1
    for s in shape_of(values):
        count *= s
    ids = xp.arange(count).reshape(shape_of(values))
    winners = scatter(xp.full(shape, -1), ids, arrays, idx, "set")
    return equal(gather(winners, arrays, idx), ids)


def _scatter_jvp_operand(t, ans, operand, values, *arrays, idx, mode):
    if mode == "add":
        return t
    if mode == "set":
        return scatter(t, _zeros(shape_of(values), t), arrays, idx, "set")
    if mode == "multiply":
        xp = backend_of(t).xp
        return multiply(t, scatter(xp.ones(shape_of(operand), dtype_of(t)), values, arrays, idx,
                                   "multiply"))
    return multiply(t, _extremum_weights(ans, operand, values, arrays, idx)[0])


def _scatter_jvp_values(t, ans, operand, values, *arrays, idx, mode):
    shape = shape_of(operand)
    if mode in ("add", "set"):
        return scatter(_zeros(shape, t), t, arrays, idx, mode)
    if mode == "multiply":
        spread = scatter(_zeros(shape, t), _times_others(t, values, arrays, idx, shape),
                         arrays, idx, "add")
        return multiply(operand, spread)
    weights = _extremum_weights(ans, operand, values, arrays, idx)[1]
    return scatter(_zeros(shape, t), multiply(t, weights), arrays, idx, "add")


def _scatter_vjp_operand(ct, ans, operand, values, *arrays, idx, mode):
    return _scatter_jvp_operand(ct, ans, operand, values, *arrays, idx=idx, mode=mode)


def _scatter_vjp_values(ct, ans, operand, values, *arrays, idx, mode):
    shape = shape_of(operand)
    if mode == "add":
        return gather(ct, arrays, idx)
    if mode == "set":
        kept = _last_writes(values, arrays, idx, shape)
        return where(kept, gather(ct, arrays, idx), 0.0)
    if mode == "multiply":
        return _times_others(gather(multiply(ct, operand), arrays, idx), values, arrays, idx,
                             shape)
    weights = _extremum_weights(ans, operand, values, arrays, idx)[1]
    return multiply(gather(ct, arrays, idx), weights)


@scatter_p.def_batch
def _scatter_batch(args, bdims, *, idx, mode):
    (operand, values), arrays = _split(args, 2)
    (op_bdim, v_bdim), array_bdims = bdims[:2], bdims[2:]
    size = _size(args, bdims)
    operand = move_to_front(operand, op_bdim, size)
    values = move_to_front(values, v_bdim, size)
    new_idx, new_arrays, perm = batch_index(idx, arrays, array_bdims, size)
    if perm is not None:
        values = transpose(values, _inverse(perm))
    return scatter(operand, values, new_arrays, new_idx, mode), 0


def _scatter_jvp_all(tangents, ans, operand, values, *arrays, idx, mode):
    # Assignment's tangent is one scatter of both tangents; other modes sum two terms.
    t_op, t_v = tangents[0], tangents[1]
    if mode != "set" or t_op is None or t_v is None:
        out = None
        for rule, t in ((_scatter_jvp_operand, t_op), (_scatter_jvp_values, t_v)):
            if t is not None:
                part = rule(t, ans, operand, values, *arrays, idx=idx, mode=mode)
                out = part if out is None else add(out, part)
        return out
    return scatter(t_op, t_v, arrays, idx, "set")


def _scatter_vjp(i, ct, ans, operand, values, *arrays, idx, mode):
    # Index arrays (i > 1) carry no derivative.
    rule = (_scatter_vjp_operand, _scatter_vjp_values)[i] if i < 2 else None
    return None if rule is None else rule(ct, ans, operand, values, *arrays, idx=idx, mode=mode)


def _scatter_jvp(i, t, ans, operand, values, *arrays, idx, mode):
    rule = (_scatter_jvp_operand, _scatter_jvp_values)[i] if i < 2 else None
    return None if rule is None else rule(t, ans, operand, values, *arrays, idx=idx, mode=mode)


scatter_p.def_jvp(PerArgument(_scatter_jvp))
scatter_p.def_jvp_all(_scatter_jvp_all)
scatter_p.def_vjp(PerArgument(_scatter_vjp))

"""Derived transforms: jacfwd, jacrev, hessian, hvp.

Jacobians push (or pull) every basis vector at once through ``vmap``; no
Python loop runs over the input or output dimension.
"""

from __future__ import annotations

import functools
import math

from funcad import tree_util
from funcad.numpy.composites import moveaxis
from funcad.primitives._util import backend_of, dtype_of, shape_of
from funcad.primitives.comparison import astype
from funcad.primitives.indexing import getitem
from funcad.primitives.shape import concatenate, reshape
from funcad.transforms._api_util import (
    as_array,
    check_callable,
    check_chunk_size,
    check_holomorphic_output,
    check_inexact_tree,
    finalize_all,
    input_arrays,
    normalize_argnums,
)
from funcad.transforms.grad import grad
from funcad.transforms.jvp import jvp
from funcad.transforms.vjp import vjp
from funcad.transforms.vmap import vmap


def _basis_dtype(xp, leaves):
    """The leaves' common inexact dtype; integer or boolean outputs get float64 rows."""
    dtype = xp.result_type(*[dtype_of(x) for x in leaves])
    return dtype if dtype.kind in ("f", "c") else xp.result_type(dtype, xp.float64)


def _map_basis(fn, leaves, chunk_size, has_aux=False):
    """``vmap(fn)`` over the rows of the identity of the flattened ``leaves``.

    With ``chunk_size`` the identity is built and mapped a block of rows at a
    time, so neither it nor the results of one block exceed that many rows.
    """
    n = sum(math.prod(shape_of(x)) for x in leaves)
    xp = backend_of(leaves[0]).xp
    dtype = _basis_dtype(xp, leaves)
    mapped = vmap(fn, out_axes=(0, None) if has_aux else 0)
    if chunk_size is None or chunk_size >= n:
        return mapped(xp.eye(n, dtype=dtype))
    pieces = [mapped(xp.eye(min(chunk_size, n - start), n, k=start, dtype=dtype))
              for start in range(0, n, chunk_size)]
    results = [p[0] for p in pieces] if has_aux else pieces
    first, treedef = tree_util.tree_flatten(results[0])
    per_piece = [tree_util.tree_leaves(r) for r in results]
    joined = [concatenate([leaves_k[j] for leaves_k in per_piece], 0) for j in range(len(first))]
    joined = tree_util.tree_unflatten(treedef, joined)
    return (joined, pieces[0][1]) if has_aux else joined


def _partial(fun, args, positions, kwargs):
    def partial_fun(*diff_args):
        full = list(args)
        for p, a in zip(positions, diff_args):
            full[p] = a
        return fun(*full, **kwargs)

    return partial_fun


def _diff_args(name, fun, argnums, args, holomorphic):
    positions, is_tuple = normalize_argnums(argnums, len(args), name)
    diff = tuple(tree_util.tree_map(as_array, args[p]) for p in positions)
    for p, a in zip(positions, diff):
        check_inexact_tree(a, name, f"argument {p}", holomorphic)
    return positions, is_tuple, diff


def jacfwd(fun, argnums=0, has_aux: bool = False, holomorphic: bool = False, chunk_size=None):
    """The Jacobian of ``fun`` by forward mode, shape ``out.shape + in.shape``.

    Inputs must be real unless ``holomorphic=True``, which takes complex inputs
    and gives the complex derivative (JAX's rule).

    >>> import funcad as fa, funcad.numpy as fnp
    >>> fa.jacfwd(lambda x: x ** 3)(fnp.ones(3)).tolist()
    [[3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 3.0]]
    """
    check_callable(fun, "jacfwd")
    check_chunk_size(chunk_size, "jacfwd")

    @functools.wraps(fun)
    def jacfwd_fn(*args, **kwargs):
        positions, is_tuple, diff = _diff_args("jacfwd", fun, argnums, args, holomorphic)
        partial_fun = _partial(fun, args, positions, kwargs)
        in_leaves, in_tree = tree_util.tree_flatten(diff)
        in_shapes = [shape_of(x) for x in in_leaves]
        if not in_leaves:
            # Nothing to differentiate: every output's Jacobian is an empty tree.
            result = partial_fun(*diff)
            out = result[0] if has_aux else result
            jac = tree_util.tree_map(lambda _: _arrange(tree_util.tree_unflatten(in_tree, []),
                                                        is_tuple), out)
            return (jac, result[1]) if has_aux else jac

        def pushforward(row):
            parts = _unbatched_split(row, in_shapes)
            # One identity serves leaves of several dtypes; each tangent takes its own.
            parts = [astype(t, dtype_of(x)) for t, x in zip(parts, in_leaves)]
            tangents = tree_util.tree_unflatten(in_tree, parts)
            if has_aux:
                _, t_out, aux = jvp(partial_fun, diff, tangents, has_aux=True)
                return t_out, aux
            return jvp(partial_fun, diff, tangents)[1]

        result = _map_basis(pushforward, in_leaves, chunk_size, has_aux)
        t_out, aux = result if has_aux else (result, None)
        out_leaves, out_tree = tree_util.tree_flatten(t_out)
        if holomorphic:
            for leaf in out_leaves:
                check_holomorphic_output(leaf, True, "jacfwd")
        jac_leaves = []
        for leaf in out_leaves:
            out_nd = len(shape_of(leaf)) - 1
            per_input = [moveaxis(p, tuple(range(len(s))), tuple(range(out_nd, out_nd + len(s))))
                         for p, s in zip(_split_rows_leading(leaf, in_shapes), in_shapes)]
            jac_leaves.append(_arrange(tree_util.tree_unflatten(in_tree, per_input), is_tuple))
        jac = _finalize_tree(tree_util.tree_unflatten(out_tree, jac_leaves), in_leaves)
        return (jac, aux) if has_aux else jac

    return jacfwd_fn


def _unbatched_split(row, shapes):
    parts, offset = [], 0
    for shape in shapes:
        size = math.prod(shape)
        parts.append(reshape(getitem(row, slice(offset, offset + size)), shape))
        offset += size
    return parts


def _split_rows_leading(leaf, in_shapes):
    """(n, *out) -> one (*in_shape, *out) array per input leaf."""
    out_shape = shape_of(leaf)[1:]
    parts, offset = [], 0
    for shape in in_shapes:
        size = math.prod(shape)
        part = getitem(leaf, slice(offset, offset + size))
        parts.append(reshape(part, shape + out_shape))
        offset += size
    return parts


def _finalize_tree(tree, inputs):
    leaves, treedef = tree_util.tree_flatten(tree)
    return tree_util.tree_unflatten(treedef, finalize_all(leaves, input_arrays(inputs)))


def _arrange(per_arg_tuple, is_tuple):
    return per_arg_tuple if is_tuple else per_arg_tuple[0]


def jacrev(fun, argnums=0, has_aux: bool = False, holomorphic: bool = False, chunk_size=None):
    """The Jacobian of ``fun`` by reverse mode, shape ``out.shape + in.shape``.

    Outputs must be real unless ``holomorphic=True``, which takes complex inputs
    and outputs and gives the complex derivative (JAX's rule).

    >>> import funcad as fa, funcad.numpy as fnp
    >>> fa.jacrev(lambda x: x ** 3)(fnp.ones(3)).tolist()
    [[3.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 3.0]]
    """
    check_callable(fun, "jacrev")
    check_chunk_size(chunk_size, "jacrev")

    @functools.wraps(fun)
    def jacrev_fn(*args, **kwargs):
        positions, is_tuple, diff = _diff_args("jacrev", fun, argnums, args,
                                               holomorphic if holomorphic else None)
        partial_fun = _partial(fun, args, positions, kwargs)
        if has_aux:
            out, vjp_fn, aux = vjp(partial_fun, *diff, has_aux=True)
        else:
            (out, vjp_fn), aux = vjp(partial_fun, *diff), None
        out_leaves, out_tree = tree_util.tree_flatten(out)
        for leaf in out_leaves:
            check_holomorphic_output(as_array(leaf), holomorphic, "jacrev")
        out_shapes = [shape_of(x) for x in out_leaves]
        in_leaves, in_tree = tree_util.tree_flatten(diff)

        def pullback(row):
            cts = _unbatched_split(row, out_shapes)
            return vjp_fn(tree_util.tree_unflatten(out_tree, cts))

        if not out_leaves:
            return (out, aux) if has_aux else out
        if sum(math.prod(s) for s in out_shapes) == 1:
            # A scalar output needs one pull-back, not a batch of one.
            xp = backend_of(out_leaves[0]).xp
            ones = xp.ones((1,), _basis_dtype(xp, out_leaves))
            cts = pullback(ones)
            cts = tree_util.tree_map(lambda c: reshape(c, (1,) + shape_of(c)), cts)
        else:
            cts = _map_basis(pullback, out_leaves, chunk_size)
        ct_leaves = tree_util.tree_leaves(cts)
        # For each output leaf: a tree over inputs of (*out_shape, *in_shape).
        per_output = []
        for k, out_shape in enumerate(out_shapes):
            per_input = []
            for ct, in_leaf in zip(ct_leaves, in_leaves):
                offset = sum(math.prod(s) for s in out_shapes[:k])
                size = math.prod(out_shape)
                part = getitem(ct, slice(offset, offset + size))
                per_input.append(reshape(part, out_shape + shape_of(in_leaf)))
            per_output.append(_arrange(tree_util.tree_unflatten(in_tree, per_input), is_tuple))
        jac = _finalize_tree(tree_util.tree_unflatten(out_tree, per_output), in_leaves)
        return (jac, aux) if has_aux else jac

    return jacrev_fn


jacobian = jacrev


def hessian(fun, argnums=0, holomorphic: bool = False, chunk_size=None):
    """The Hessian of a scalar ``fun``: ``jacfwd(jacrev(fun))``, shape ``in.shape * 2``.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> fa.hessian(lambda x: fnp.sum(x ** 3))(fnp.ones(2)).tolist()
    [[6.0, 0.0], [0.0, 6.0]]
    """
    check_callable(fun, "hessian")
    return jacfwd(jacrev(fun, argnums, holomorphic=holomorphic), argnums,
                  holomorphic=holomorphic, chunk_size=chunk_size)


def hvp(fun, primals, tangents):
    """The Hessian-vector product ``H(primals) @ tangents``, forward over reverse.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> fa.hvp(lambda x: fnp.sum(x ** 3), (fnp.ones(2),), (fnp.array([1.0, 2.0]),)).tolist()
    [6.0, 12.0]
    """
    check_callable(fun, "hvp")
    argnums = 0 if len(primals) == 1 else tuple(range(len(primals)))
    return jvp(grad(fun, argnums), tuple(primals), tuple(tangents))[1]

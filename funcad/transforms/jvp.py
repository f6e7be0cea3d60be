"""Forward mode: dual numbers carrying a primal and a tangent.

A tangent of ``None`` is a symbolic zero: rules are not called for it and it
costs no array work; it is made concrete only when returned to the user.
"""

from __future__ import annotations

from funcad import tree_util
from funcad.core.trace import Trace, new_trace
from funcad.numpy.array_tracer import ArrayTracer
from funcad.numpy.creation import zeros_like
from funcad.primitives._util import dtype_of, shape_of
from funcad.primitives.arithmetic import add
from funcad.primitives.comparison import astype
from funcad.primitives.shape import broadcast_to
from funcad.transforms._api_util import (
    as_array,
    check_callable,
    check_inexact,
    finalize_all,
    input_arrays,
)


class JVPTracer(ArrayTracer):
    __slots__ = ("_value", "tangent")

    def __init__(self, trace, primal, tangent):
        self._trace = trace
        self._value = primal
        self.tangent = tangent


class JVPTrace(Trace):
    __slots__ = ()

    def process(self, prim, args, params):
        primals, tangents = [], []
        for arg in args:
            if type(arg) is JVPTracer and arg._trace is self:
                primals.append(arg._value)
                tangents.append(arg.tangent)
            else:
                primals.append(arg)
                tangents.append(None)
        ans = prim.bind(*primals, **params)
        if prim.jvps is None:
            return ans
        t_out = output_tangent(prim, tangents, ans, primals, params)
        if t_out is None:
            return ans
        return JVPTracer(self, ans, t_out)


def output_tangent(prim, tangents, ans, primals, params):
    """The output tangent of ``prim`` for argument ``tangents`` (None: zero).

    Sums the per-argument JVP rules, or calls the primitive's joint rule when it
    has one; the result has the shape and dtype of ``ans``, or is None (zero).
    """
    if prim.jvp_all is not None:
        if all(t is None for t in tangents):
            return None
        t_out = prim.jvp_all(tangents, ans, *primals, **params)
    else:
        t_out = None
        rules = prim.jvps
        for i, t in enumerate(tangents):
            if t is None:
                continue
            rule = rules[i]
            if rule is None:
                continue
            contribution = rule(t, ans, *primals, **params)
            if contribution is not None:
                t_out = contribution if t_out is None else add(t_out, contribution)
    return None if t_out is None else match_primal(t_out, ans)


def match_primal(t, ans):
    """The tangent ``t`` with the shape and dtype of its primal ``ans``."""
    if shape_of(t) != shape_of(ans):
        t = broadcast_to(t, shape_of(ans))
    if dtype_of(t) != dtype_of(ans) and dtype_of(ans) is not None:
        t = astype(t, dtype_of(ans))
    return t


def check_tangent(primal, tangent, where: str, name: str = "jvp"):
    """``(primal, tangent)`` as arrays, the tangent matching its primal's shape and dtype."""
    primal = as_array(primal)
    check_inexact(primal, name, f"primal {where}")
    if not hasattr(tangent, "shape"):
        tangent = as_array(tangent)
        if shape_of(tangent) == () and shape_of(primal) == ():
            tangent = tangent.astype(dtype_of(primal))
    if shape_of(tangent) != shape_of(primal):
        raise ValueError(
            f"{name}: tangent {where} has shape {shape_of(tangent)} but its primal has shape "
            f"{shape_of(primal)}; tangents must match their primals' shapes."
        )
    if dtype_of(tangent) != dtype_of(primal):
        raise ValueError(
            f"{name}: tangent {where} has dtype {dtype_of(tangent)} but its primal has dtype "
            f"{dtype_of(primal)}; cast the tangent, e.g. t.astype(x.dtype)."
        )
    return primal, tangent


def jvp(fun, primals, tangents, has_aux: bool = False):
    """Forward-mode derivative: ``(fun(*primals), J(primals) @ tangents)``.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> f = lambda x1, x2: fnp.log(x1) + x1 * x2 - fnp.sin(x2)
    >>> y, y_dot = fa.jvp(f, (2.0, 5.0), (1.0, 0.0))
    >>> round(float(y), 3), float(y_dot)
    (11.652, 5.5)
    """
    check_callable(fun, "jvp")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(
            "jvp: primals and tangents must be tuples (one entry per argument of fun), "
            f"got {type(primals).__name__} and {type(tangents).__name__}; write jvp(f, (x,), (t,))."
        )
    p_leaves, p_tree = tree_util.tree_flatten(tuple(primals))
    t_leaves, t_tree = tree_util.tree_flatten(tuple(tangents))
    if p_tree != t_tree:
        raise ValueError(f"jvp: primals have structure {p_tree} but tangents have {t_tree}.")
    pairs = [check_tangent(p, t, f"leaf {i}") for i, (p, t) in enumerate(zip(p_leaves, t_leaves))]
    originals = input_arrays(p_leaves + t_leaves)
    with new_trace(JVPTrace()) as trace:
        args = tree_util.tree_unflatten(p_tree, [JVPTracer(trace, p, t) for p, t in pairs])
        out = fun(*args)
        if has_aux:
            out, aux = _split_aux(out, "jvp")
            aux = tree_util.tree_map(lambda a: _primal_of(a, trace), aux)
        out_leaves, out_tree = tree_util.tree_flatten(out)
        primals_out, tangents_out, constant = [], [], []
        for leaf in out_leaves:
            traced = type(leaf) is JVPTracer and leaf._trace is trace
            primals_out.append(leaf._value if traced else leaf)
            tangents_out.append(leaf.tangent if traced else zeros_like(leaf))
            constant.append(not traced)
    # An output that does not depend on the inputs may be an array the caller
    # holds elsewhere (a closure constant): it is returned as a copy.
    finished = finalize_all(primals_out + tangents_out, originals,
                            copy=constant + [False] * len(tangents_out))
    n = len(primals_out)
    primals_out = tree_util.tree_unflatten(out_tree, finished[:n])
    tangents_out = tree_util.tree_unflatten(out_tree, finished[n:])
    if has_aux:
        aux_leaves, aux_tree = tree_util.tree_flatten(aux)
        aux = tree_util.tree_unflatten(aux_tree, finalize_all(aux_leaves, originals, copy=True))
        return primals_out, tangents_out, aux
    return primals_out, tangents_out


def _primal_of(x, trace):
    while type(x) is JVPTracer and x._trace is trace:
        x = x._value
    return x


def _split_aux(out, name: str):
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(
            f"{name} with has_aux=True needs fun to return a pair (output, aux), "
            f"got {'an array' if hasattr(out, 'shape') else type(out).__name__}."
        )
    return out[0], out[1]

"""Rematerialisation: ``checkpoint`` (alias ``remat``), JAX's gradient checkpointing.

A checkpointed function is applied as one ``custom_vjp_call`` primitive per
output leaf (see funcad/transforms/custom.py), so the reverse-mode tape keeps
only its inputs and outputs: the function itself runs on plain values, and
its intermediates are freed at once. The backward pass runs the function
again on a fresh tape and walks that tape; the tape is dropped as soon as the
cotangents are out, so at most one checkpointed segment's intermediates are
alive at a time. Forward mode runs the function under a JVP trace, vmap
vmaps it, and higher orders trace the recomputation like any funcad code.
"""

from __future__ import annotations

from funcad import tree_util
from funcad.core.trace import Tracer, new_trace
from funcad.primitives.control import custom_vjp_call_p
from funcad.transforms.custom import Batched, _Call, _CustomFunction, _is_inexact
from funcad.transforms.jvp import JVPTrace, JVPTracer
from funcad.transforms.vjp import _cast_like, _record, backward

__all__ = ["checkpoint", "remat"]

# The backward rule is called once per differentiable argument with the same
# cotangent, and the recorded tape serves every output leaf of one call. Both
# are held in single slots, not in the call's memo: a memo would keep every
# segment's cotangents (or tapes) alive until the whole backward pass ends,
# which is the memory checkpointing is meant to save.
_last_cotangents = None
_last_tape = None


def _same(xs, ys) -> bool:
    return len(xs) == len(ys) and all(a is b for a, b in zip(xs, ys))


def _level(x) -> int:
    return x._trace.level if isinstance(x, Tracer) else 0


class _ClosureOverTracerError(Exception):
    """The checkpointed function closes over a value another transform is tracing."""


class _CheckpointCall(_Call):
    """One application of a checkpointed function to flat argument leaves."""

    prim = custom_vjp_call_p

    def outputs(self, args) -> list:
        def compute():
            outs = self.fun_leaves(*args)
            top = max((_level(a) for a in args), default=0)
            if any(_level(o) > top for o in outs):
                raise _ClosureOverTracerError
            return outs

        return self._cached("out", args, compute)

    def output_tangents(self, args, tangents) -> list:
        # Forward mode keeps nothing for later, so it simply runs the function.
        key = (*args, *tangents)
        return self._cached("tangent", key, lambda: self._tangents(args, tangents))

    def _tangents(self, args, tangents) -> list:
        with new_trace(JVPTrace()) as trace:
            ins = [a if t is None else JVPTracer(trace, a, t) for a, t in zip(args, tangents)]
            outs = self.fun_leaves(*ins)
            return [o.tangent if type(o) is JVPTracer and o._trace is trace else None
                    for o in outs]

    def input_cotangents(self, args, index, ct) -> list:
        global _last_cotangents
        hit = _last_cotangents
        if hit is not None and hit[0] is self and hit[1] == index and _same(hit[2], (*args, ct)):
            return hit[3]
        _last_cotangents = None
        result = self._pullback(args)(index, ct)
        _last_cotangents = (self, index, (*args, ct), result)
        return result

    def _pullback(self, args):
        """``apply(index, ct)``: cotangents of ``args`` for ``ct`` on output leaf ``index``."""
        global _last_tape
        hit = _last_tape
        if hit is not None and hit[0] is self and _same(hit[1], args):
            return hit[2]
        _last_tape = None
        diff = [k for k, a in enumerate(args) if _is_inexact(a)]

        def on_diff(*xs):
            full = list(args)
            for k, x in zip(diff, xs):
                full[k] = x
            return self.fun_leaves(*full)

        tape, leaves, _, outs, _, _ = _record(
            on_diff, [args[k] for k in diff], False, "checkpoint", checked=True
        )

        def apply(index, ct):
            result = [None] * len(args)
            tape_index = outs[index][1]
            if tape_index is None:  # the output leaf does not depend on the arguments
                return result
            cts = backward(tape, [(tape_index, ct)], len(leaves))
            for k, c in zip(diff, cts):
                if c is not None:
                    result[k] = _cast_like(c, args[k])
            return result

        if len(outs) > 1:
            # Other output leaves will ask for their cotangents next: keep the tape.
            _last_tape = (self, tuple(args), apply)
        return apply


class _BatchedCheckpointCall(Batched, _CheckpointCall):
    """The same call under ``vmap``: the function is vmapped, the rules follow it."""


_CheckpointCall._batched_class = _BatchedCheckpointCall


class _Checkpointed(_CustomFunction):
    """A function whose intermediates are recomputed in the backward pass."""

    kind = "checkpoint"

    def __call__(self, *args, **kwargs):
        split, nondiff, diff = self._split(args, kwargs)
        leaves, in_tree = tree_util.tree_flatten(diff)
        try:
            return self._bind(_CheckpointCall(self, nondiff, in_tree), leaves)
        except _ClosureOverTracerError:
            # The recomputation could not see the captured value, so its derivative
            # would be lost: this call runs uncheckpointed (right derivatives, no saving).
            return self.fun(*args, **kwargs)


def checkpoint(fun=None, *, prevent_cse: bool = True, policy=None, static_argnums=()):
    """``fun`` with its intermediates recomputed in the backward pass, not stored.

    Values and derivatives are ``fun``'s own, under every transform (grad,
    vjp, jvp, vmap, jacrev, hessian, nesting); reverse mode keeps only the
    inputs and outputs of ``fun`` on its tape and runs ``fun`` again when the
    cotangents arrive, trading time for memory. Arguments in
    ``static_argnums`` are passed through as they are (Python values, not
    arrays). A call whose ``fun`` closes over a value that an enclosing
    transform traces runs without checkpointing (its recomputation could not
    see that value): derivatives stay exact, memory is not saved; pass such
    values as arguments to keep the saving. ``prevent_cse`` is accepted for
    JAX compatibility (funcad does no common-subexpression elimination); only
    ``policy=None`` (save nothing) is supported. Usable as a decorator.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> from funcad.transforms.checkpoint import checkpoint
    >>> layer = checkpoint(lambda x: fnp.sin(fnp.sin(x)))
    >>> g = fa.grad(lambda x: layer(layer(x)))(0.5)
    >>> g_plain = fa.grad(lambda x: fnp.sin(fnp.sin(fnp.sin(fnp.sin(x)))))(0.5)
    >>> bool(abs(g - g_plain) < 1e-15)
    True
    """
    if not isinstance(prevent_cse, bool):
        raise TypeError(f"checkpoint: prevent_cse must be a bool, got {prevent_cse!r}.")
    if policy is not None:
        raise TypeError(
            f"checkpoint: policy={policy!r} is not supported; funcad saves nothing inside "
            f"a checkpointed function. Leave policy=None, or split the function into "
            f"smaller checkpointed pieces to control what is stored."
        )
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    if not isinstance(static_argnums, (tuple, list)) or any(
        isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in static_argnums
    ):
        raise TypeError(
            f"checkpoint: static_argnums must be a non-negative int or a tuple of them, "
            f"got {static_argnums!r}; e.g. static_argnums=(1,)."
        )
    if fun is None:
        def decorate(f):
            return _Checkpointed(f, static_argnums)

        return decorate
    return _Checkpointed(fun, static_argnums)


remat = checkpoint

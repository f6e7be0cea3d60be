"""Control of differentiation: ``stop_gradient`` and user-defined derivative rules.

``stop_gradient`` is the identity with no derivative rules, so every
differentiating trace treats its output as a constant.

``custom_jvp_call`` and ``custom_vjp_call`` apply a user's function whose
derivative the user supplies. The function and its rules travel in the
``call`` parameter (see funcad/transforms/custom.py); one bind yields output
leaf ``index`` of the function. The rules below only dispatch to ``call``, so
the user's rules are themselves traced by whichever trace applies them
(``grad(grad(f))`` uses the custom rule at both levels).
"""

from __future__ import annotations

from funcad.core.primitive import PerArgument, Primitive
from funcad.primitives._util import backend_of

stop_gradient_p = Primitive("stop_gradient")
custom_jvp_call_p = Primitive("custom_jvp_call")
custom_vjp_call_p = Primitive("custom_vjp_call")


def stop_gradient(x):
    """``x`` itself, with a zero derivative under every transform."""
    return stop_gradient_p.bind(x)


def _stop_gradient_impl(x):
    return x if hasattr(x, "shape") else backend_of(x).xp.asarray(x)


def _stop_gradient_batch(args, bdims):
    return args[0], bdims[0]


stop_gradient_p.def_impl(_stop_gradient_impl)
stop_gradient_p.def_batch(_stop_gradient_batch)


def _custom_impl(*args, call, index):
    return call.outputs(args)[index]


def _custom_jvp_all(tangents, ans, *args, call, index):
    return call.output_tangents(args, tangents)[index]


def _custom_jvp_unused(i, t, ans, *args, call, index):  # pragma: no cover - jvp_all wins
    raise AssertionError("custom calls take their tangent from jvp_all")


def _custom_vjp(i, ct, ans, *args, call, index):
    return call.input_cotangents(args, index, ct)[i]


def _custom_batch(args, bdims, *, call, index):
    # The batched call carries vmapped versions of the function and its rules,
    # so a differentiating trace outside the vmap still sees the custom rule.
    batched = call.batched(tuple(bdims))
    out = call.prim.bind(*args, call=batched, index=index)
    call.out_tree = batched.out_tree
    return out, 0


for _prim in (custom_jvp_call_p, custom_vjp_call_p):
    _prim.def_impl(_custom_impl)
    _prim.def_jvp(PerArgument(_custom_jvp_unused))
    _prim.def_jvp_all(_custom_jvp_all)
    _prim.def_vjp(PerArgument(_custom_vjp))
    _prim.def_batch(_custom_batch)

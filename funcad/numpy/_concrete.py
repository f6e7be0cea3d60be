"""Concrete values under tracers, for results whose shape or type depends on values.

Under ``grad``, ``jvp`` and ``vjp`` a traced array has one known value, so a
function such as ``nonzero`` can compute its (non-differentiable) result from
it, as the comparisons do. Under ``vmap`` the value holds a whole batch, and
each example could give a result of a different shape: those functions refuse
with a ``TypeError`` that says what to use instead.
"""

from __future__ import annotations

from funcad.core.trace import Tracer


def traced(*objs) -> bool:
    """Whether a tracer sits among ``objs`` or inside nested lists and tuples of them."""
    for obj in objs:
        if isinstance(obj, Tracer):
            return True
        if isinstance(obj, (list, tuple)) and traced(*obj):
            return True
    return False


def _is_batched(x) -> bool:
    from funcad.transforms.vmap import BatchTracer

    return isinstance(x, BatchTracer)


def maybe_concrete(x):
    """The plain value under ``x``'s tracers, or None where ``vmap`` batches it.

    Lists and tuples holding tracers give a list of plain values (or None).
    """
    if isinstance(x, (list, tuple)) and traced(*x):
        values = [maybe_concrete(v) for v in x]
        return None if any(v is None for v, o in zip(values, x) if o is not None) else values
    while isinstance(x, Tracer):
        if _is_batched(x):
            return None
        x = x._value
    return x


def concrete(x, function: str, argument: str, instead: str, what: str = "shape"):
    """The plain value under ``x``'s tracers; a ``TypeError`` where ``vmap`` batches it."""
    value = maybe_concrete(x)
    if value is None and x is not None:
        raise TypeError(
            f"funcad.numpy.{function}: the {what} of the result depends on the values of "
            f"{argument}, which vmap batches (each example could give a different one); "
            f"{instead}."
        )
    return value

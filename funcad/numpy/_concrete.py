"""Concrete values under tracers, for results whose shape or type depends on values.

Under ``grad``, ``jvp`` and ``vjp`` a traced array has one known value, so a
function such as ``nonzero`` can compute its (non-differentiable) result from
it, as the comparisons do. Under ``vmap`` the value holds a whole batch, and
each example could give a result of a different shape: those functions refuse
with a ``TypeError`` that says what to use instead.

An array of a lazy backend (Dask) is not known either, traced or not: its
values exist only once the user computes the graph. :func:`maybe_concrete`
treats it as it treats a batch (None: take the path that needs no values),
and :func:`concrete` refuses with ``LazyShapeError`` (a value-dependent shape)
or ``NotLazyError`` (a value-dependent dtype) rather than compute it.
"""

from __future__ import annotations

from funcad import backend
from funcad.backend import LazyShapeError, NotLazyError
from funcad.core.trace import Tracer

_PYTHON_SCALARS = (bool, int, float, complex)


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


def _lazy_backend(x):
    """The lazy backend owning the plain value ``x`` (or an item of a list of them); else None."""
    if x is None or type(x) in _PYTHON_SCALARS:
        return None
    if isinstance(x, (list, tuple)):
        for item in x:
            found = _lazy_backend(item)
            if found is not None:
                return found
        return None
    be = backend.of(x)
    return be if be.lazy else None


def maybe_concrete(x):
    """The plain value under ``x``'s tracers, or None where it is not known now.

    Not known: ``vmap`` batches it, or a lazy backend (Dask) owns it, whose
    values exist only once the user computes. Lists and tuples holding tracers
    or lazy arrays give a list of plain values (or None).
    """
    if isinstance(x, (list, tuple)) and (traced(*x) or _lazy_backend(x) is not None):
        values = [maybe_concrete(v) for v in x]
        return None if any(v is None for v, o in zip(values, x) if o is not None) else values
    while isinstance(x, Tracer):
        if _is_batched(x):
            return None
        x = x._value
    if type(x) not in _PYTHON_SCALARS and x is not None and backend.of(x).lazy:
        return None
    return x


def concrete(x, function: str, argument: str, instead: str, what: str = "shape"):
    """The plain value under ``x``'s tracers; refused where ``vmap`` batches it or it is lazy.

    Under ``vmap`` a ``TypeError``; for a lazy (Dask) value ``LazyShapeError``
    where the result's shape (or size) depends on the values, ``NotLazyError``
    where its dtype does: raised before anything is computed.
    """
    value = maybe_concrete(x)
    if value is None and x is not None:
        plain = x
        while isinstance(plain, Tracer) and not _is_batched(plain):
            plain = plain._value
        lazy = None if isinstance(plain, Tracer) else _lazy_backend(plain)
        if lazy is not None:
            error = NotLazyError if what == "dtype" else LazyShapeError
            hint = "" if "vmap" in instead else f"{instead}, or "
            raise error(
                f"funcad.numpy.{function}: the {what} of the result depends on the values of "
                f"{argument}, a lazy {lazy.name} array whose values are not computed yet, so "
                f"funcad cannot build this call lazily; {hint}compute it first "
                f"({argument}.compute()) and use the NumPy backend."
            )
        raise TypeError(
            f"funcad.numpy.{function}: the {what} of the result depends on the values of "
            f"{argument}, which vmap batches (each example could give a different one); "
            f"{instead}."
        )
    return value

"""Traces, tracers and the nesting level of active transforms.

Each transform invocation opens a :class:`Trace` at a level above every
trace opened before it, so an inner transform always outranks the outer ones
still running. A tracer belongs to exactly one trace; ``bind`` sends a
primitive to the highest-level trace among its arguments, and that trace
treats tracers of lower levels as constants. That ordering is what keeps the
derivatives of nested transforms apart (no perturbation confusion).

The depth lives in a ``ContextVar`` so that threads and async tasks each see
their own transforms.
"""

from __future__ import annotations

import itertools
from contextvars import ContextVar

_depth: ContextVar[int] = ContextVar("funcad_trace_depth", default=0)
_levels = itertools.count(1)


class Trace:
    """One active transform invocation. Subclasses implement ``process``."""

    __slots__ = ("level", "active")

    def __init__(self) -> None:
        self.level = 0
        self.active = False

    def process(self, prim, args, params):  # pragma: no cover - abstract
        raise NotImplementedError


class Tracer:
    """A value seen by a trace. Array behaviour comes from subclasses."""

    __slots__ = ("_trace",)
    # Makes ``ndarray + tracer`` defer to the tracer's reflected operator.
    __array_priority__ = 1000


class new_trace:  # noqa: N801 - used as a function: ``with new_trace(t) as trace``
    """Activate ``trace`` above every trace opened before it."""

    __slots__ = ("trace", "token")

    def __init__(self, trace: Trace) -> None:
        self.trace = trace

    def __enter__(self) -> Trace:
        self.token = _depth.set(_depth.get() + 1)
        # Levels come from one process-wide counter, not from this thread's depth:
        # a transform started in a worker thread, inside a function another thread
        # is transforming, must still rank above that outer transform.
        self.trace.level = next(_levels)
        self.trace.active = True
        return self.trace

    def __exit__(self, *exc_info) -> None:
        self.trace.active = False
        _depth.reset(self.token)


def current_depth() -> int:
    """How many transforms are active in this context (0 outside any)."""
    return _depth.get()


def raise_escaped():
    raise EscapedTracerError(
        "a traced value from a finished transform was used again; it has no "
        "concrete value outside the function that created it. Return it from "
        "the transformed function instead of keeping it in a global or closure."
    )


class EscapedTracerError(RuntimeError):
    """A tracer outlived the transform that created it."""

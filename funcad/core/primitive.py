"""Primitives: the operations every transform knows how to handle.

A primitive carries four rules side by side:

* ``impl(*args, **params)`` computes the value through the backend;
* ``jvps[i](t, ans, *args, **params)`` is the tangent of the output
  contributed by a tangent ``t`` of argument ``i``;
* ``jvp_all(tangents, ans, *args, **params)``, optional, replaces the sum
  of ``jvps`` for primitives whose tangent is one operation on all argument
  tangents at once;
* ``vjps[i](ct, ans, *args, **params)`` is the cotangent of argument ``i``
  for an output cotangent ``ct`` (``None`` means a symbolic zero);
* ``batch(args, bdims, **params)`` returns ``(out, out_bdim)`` for arguments
  with batch axes ``bdims`` (``None`` for an unbatched argument).

Rules are written with funcad operations, never raw backend calls, so that
one transform's rules can be traced by another (``grad(grad(f))``).
A primitive without ``jvps`` has a zero derivative (comparisons, ``sign``).
"""

from __future__ import annotations

from typing import Callable

from funcad.core.trace import Tracer, raise_escaped

REGISTRY: dict[str, "Primitive"] = {}


class Primitive:
    """A named operation with its implementation and transform rules."""

    __slots__ = ("name", "impl", "jvps", "jvp_all", "vjps", "batch", "linear")

    def __init__(self, name: str) -> None:
        if name in REGISTRY:
            raise ValueError(f"primitive {name!r} is already registered")
        self.name = name
        self.impl = None
        self.jvps = None
        self.jvp_all = None
        self.vjps = None
        self.batch = None
        self.linear = False
        REGISTRY[name] = self

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"

    @property
    def differentiable(self) -> bool:
        return self.jvps is not None

    def bind(self, *args, **params):
        """Apply the primitive: to the innermost owning trace, else ``impl``."""
        top = None
        for arg in args:
            if isinstance(arg, Tracer):
                trace = arg._trace
                if top is None or trace.level > top.level:
                    top = trace
        if top is None:
            return self.impl(*args, **params)
        if not top.active:
            raise_escaped()
        return top.process(self, args, params)

    # Rule registration; each returns its argument so it can be a decorator.
    def def_impl(self, fn: Callable) -> Callable:
        self.impl = fn
        return fn

    def def_jvp(self, *fns: Callable) -> None:
        """One rule per argument (``None`` for an argument with no derivative)."""
        self.jvps = _rules(fns)

    def def_jvp_all(self, fn: Callable) -> Callable:
        """A rule taking every argument's tangent at once (None for zero).

        ``fn(tangents, ans, *args, **params)``; for primitives such as
        ``concatenate`` whose tangent is one operation on all the argument
        tangents, not a sum of one term per argument.
        """
        self.jvp_all = fn
        return fn

    def def_vjp(self, *fns: Callable) -> None:
        """One rule per argument (``None`` for an argument with no derivative)."""
        self.vjps = _rules(fns)

    def def_batch(self, fn: Callable) -> Callable:
        self.batch = fn
        return fn


def _rules(fns):
    if len(fns) == 1 and isinstance(fns[0], PerArgument):
        return fns[0]
    return fns


class PerArgument:
    """Rules of a variadic primitive: ``rule(i, ...)`` serves every argument."""

    __slots__ = ("rule",)

    def __init__(self, rule: Callable) -> None:
        self.rule = rule

    def __getitem__(self, i: int) -> Callable:
        rule = self.rule

        def rule_for_argument(*args, **params):
            return rule(i, *args, **params)

        return rule_for_argument

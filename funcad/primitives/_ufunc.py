"""Factories for primitives that are NumPy ufuncs of one or two arguments.

Each factory registers the primitive with its backend implementation and
batching rule, and returns the public function, whose no-transform path is
one ``isinstance`` check and the backend call. Derivative rules are attached
by the family module that owns the primitive.
"""

from __future__ import annotations

from funcad import backend
from funcad.core.primitive import Primitive
from funcad.core.trace import Tracer
from funcad.primitives._util import broadcasting_batch, vectorized_batch


def unary_ufunc(name: str, doc: str, public_name: str | None = None, impl=None):
    """Register the unary ufunc ``name``; returns (primitive, function).

    ``impl`` computes the value; by default the backend's function ``name``.
    """
    prim = Primitive(name)

    if impl is None:
        def impl(x):
            return getattr(backend.of(x).xp, name)(x)

    impl.__name__ = f"_{name}_impl"
    prim.def_impl(impl)
    prim.def_batch(vectorized_batch(prim))
    bind = prim.bind

    def function(x):
        if isinstance(x, Tracer):
            return bind(x)
        return impl(x)

    function.__name__ = function.__qualname__ = public_name or name
    function.__doc__ = doc
    return prim, function


def binary_ufunc(name: str, doc: str, impl=None):
    """Register the broadcasting binary ufunc ``name``; returns (primitive, function).

    ``impl`` computes the value; by default the backend's function ``name``.
    """
    prim = Primitive(name)

    if impl is None:
        def impl(x, y):
            return getattr(backend.of_pair(x, y).xp, name)(x, y)

    impl.__name__ = f"_{name}_impl"
    prim.def_impl(impl)
    prim.def_batch(broadcasting_batch(prim))
    bind = prim.bind

    def function(x, y):
        if isinstance(x, Tracer) or isinstance(y, Tracer):
            return bind(x, y)
        return impl(x, y)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return prim, function

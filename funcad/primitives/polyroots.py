"""The roots of a polynomial, with the derivative of the implicit function ``p(r) = 0``.

The value is the backend's ``roots`` (the eigenvalues of the companion
matrix). Differentiating ``p(r(p)) = 0`` gives, for each simple root,
``dr = -dp(r) / p'(r)``: the JVP evaluates the tangent polynomial and the
derivative polynomial at the roots by Horner's rule, with funcad operations
on the roots (the output) and coefficients, so it is itself differentiable
and every order follows. The VJP is its transpose (JAX's convention: not
conjugated; a real ``p`` takes the real part). A repeated root has
``p'(r) = 0`` and an infinite derivative, as eigenvalue derivatives do at a
degeneracy.
"""

from __future__ import annotations

from funcad import backend
from funcad.core.primitive import Primitive
from funcad.primitives._util import dtype_of, move_to_front, shape_of
from funcad.primitives.arithmetic import add, divide, multiply, negative
from funcad.primitives.comparison import astype
from funcad.primitives.complex import real
from funcad.primitives.indexing import getitem
from funcad.primitives.reduction import sum as sum_
from funcad.primitives.shape import concatenate, reshape

roots_p = Primitive("polyroots")


def roots(p):
    """The roots of the 1-D coefficient array ``p`` (highest power first)."""
    return roots_p.bind(p)


@roots_p.def_impl
def _roots_impl(p):
    return backend.of(p).xp.roots(p)


def _powers(r, degree: int):
    """``r**(degree - k)`` for ``k = 0 .. degree``, as a (len(r), degree + 1) table."""
    columns = [None] * (degree + 1)
    column = add(multiply(r, 0), 1)
    columns[degree] = column
    for k in range(degree - 1, -1, -1):
        column = multiply(column, r)
        columns[k] = column
    return concatenate([reshape(c, shape_of(c) + (1,)) for c in columns], -1)


def _slope_at_roots(ans, p):
    """``p'(r)`` at each root, by Horner's rule on the derivative's coefficients."""
    degree = shape_of(p)[0] - 1
    slope = multiply(ans, 0)
    for k in range(degree):
        slope = add(multiply(slope, ans), multiply(getitem(p, k), float(degree - k)))
    return slope


def _roots_jvp(t, ans, p):
    if shape_of(ans)[0] == 0:
        return multiply(ans, 0)
    # dr = -(sum_k t_k r**(deg - k)) / p'(r): the tangent polynomial at the roots.
    moved = sum_(multiply(_powers(ans, shape_of(p)[0] - 1), t), axis=-1)
    return negative(divide(moved, _slope_at_roots(ans, p)))


def _roots_vjp(ct, ans, p):
    if shape_of(ans)[0] == 0:
        return backend.of(0.0).xp.zeros(shape_of(p), dtype_of(p))
    weights = negative(divide(ct, _slope_at_roots(ans, p)))
    out = sum_(multiply(_powers(ans, shape_of(p)[0] - 1),
                        reshape(weights, shape_of(weights) + (1,))), axis=0)
    if dtype_of(p).kind != "c" and getattr(dtype_of(out), "kind", None) == "c":
        out = real(out)
    return out if dtype_of(out) == dtype_of(p) else astype(out, dtype_of(p))


def _roots_batch(args, bdims):
    # The roots of each example, one call each: their number can differ only through
    # leading or trailing zeros, which NumPy strips; such a batch cannot be stacked.
    (p,), (bdim,) = args, bdims
    p = move_to_front(p, bdim)
    results = [roots_p.bind(getitem(p, i)) for i in range(shape_of(p)[0])]
    sizes = {shape_of(r) for r in results}
    if len(sizes) > 1:
        raise ValueError(f"roots under vmap: the examples have different numbers of roots "
                         f"({sorted(s[0] for s in sizes)}), from leading or trailing zero "
                         f"coefficients; strip them first.")
    kinds = {dtype_of(r) for r in results}
    if len(kinds) > 1:
        wide = backend.default().xp.result_type(*kinds)
        results = [r if dtype_of(r) == wide else astype(r, wide) for r in results]
    return concatenate([reshape(r, (1,) + shape_of(r)) for r in results], 0), 0


roots_p.def_jvp(_roots_jvp)
roots_p.def_vjp(_roots_vjp)
roots_p.def_batch(_roots_batch)

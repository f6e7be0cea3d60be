"""The eigendecomposition of general (non-symmetric) square matrices: ``eig``.

``eig`` gives one packed complex array ``(..., n + 1, n)``: the eigenvalues as
the first row, then the eigenvectors as columns (NumPy's ``v``). It is always
complex, also for a real matrix whose eigenvalues all happen to be real:
under a transform the result type cannot depend on values (as in JAX).

With ``a v = v diag(w)`` and ``k = v^{-1} da v`` (a solve, no inverse):

* ``dw = diag(k)``, which does not depend on how the vectors are scaled;
* ``dv = v c`` with ``c_ij = k_ij / (w_j - w_i)`` off the diagonal. The
  diagonal of ``c`` is a gauge (each vector may be rescaled by any complex
  factor); LAPACK's vectors have unit norm, and the rules keep each vector's
  component along itself zero, ``v_j^H dv_j = 0``: the norm stays one and
  the component stays real (JAX's convention for ``eigh``). Only functions
  invariant under a phase per vector (``v diag(w) v^{-1}``, projectors,
  vectors normalised by a fixed rule) have a derivative.

The tangent map is complex-linear in ``da`` (``conj(v)`` enters only as a
constant), so the VJP is its plain transpose; a real ``a`` gets the real part
of it (the transpose of embedding real tangents in the complex plane).
Distinct eigenvalues are required for the vectors: where two coincide the
entries of ``c`` that divide by their gap are NaN, except where ``k`` (or the
cotangent) is exactly zero there, so eigenvalues alone still differentiate
at diagonalizable matrices with repeated eigenvalues. A defective matrix
(``v`` singular) has no derivative: the solve fails or returns noise.
"""

from __future__ import annotations

from funcad.core.primitive import Primitive
from funcad.primitives._util import backend_of
from funcad.primitives.arithmetic import add, multiply, subtract
from funcad.primitives.complex import conj, real
from funcad.primitives.decompositions import _as_row, _row, _rows
from funcad.primitives.linalg import matmul
from funcad.primitives.reduction import sum as sum_
from funcad.primitives.shape import concatenate
from funcad.primitives.solvers import (
    diag_embed,
    diagonal,
    divide_by_gaps,
    is_complex,
    matrix_transpose,
    solve,
    stacked_batch,
)

eig_p = Primitive("eig")


def eig_packed(a):
    """``(..., n + 1, n)`` complex: the eigenvalues above the eigenvectors (columns)."""
    return eig_p.bind(a)


@eig_p.def_impl
def _eig_impl(a):
    xp = backend_of(a).xp
    w, v = xp.linalg.eig(a)
    dtype = xp.promote_types(v.dtype, xp.complex64)
    return xp.concatenate([w[..., None, :].astype(dtype), v.astype(dtype)], axis=-2)


def _eig_parts(packed):
    return _row(packed, 0), _rows(packed, 1)


def _component_along_self(v, x):
    """``v_j^H x_j`` for each column ``j``, as a row ``(..., 1, n)``."""
    return _as_row(sum_(multiply(conj(v), x), axis=-2))


def _eig_jvp(t, ans, a):
    w, v = _eig_parts(ans)
    k = solve(v, matmul(t, v))
    dv = matmul(v, divide_by_gaps(k, w))
    # The gauge: remove each vector's component along itself.
    dv = subtract(dv, multiply(v, _component_along_self(v, dv)))
    return concatenate([_as_row(diagonal(k)), dv], axis=-2)


def _eig_vjp(ct, ans, a):
    # The transpose of the JVP, step by step backwards: the gauge projection
    # x -> x - v diag(v^H x), then c -> v c, the gaps, and k = v^{-1} da v.
    w, v = _eig_parts(ans)
    w_bar, v_bar = _row(ct, 0), _rows(ct, 1)
    along = _as_row(sum_(multiply(v, v_bar), axis=-2))
    g = subtract(v_bar, multiply(conj(v), along))
    vt = matrix_transpose(v)
    k_bar = add(diag_embed(w_bar), divide_by_gaps(matmul(vt, g), w))
    a_bar = solve(vt, matmul(k_bar, vt))
    return a_bar if is_complex(a) else real(a_bar)


eig_p.def_jvp(_eig_jvp)
eig_p.def_vjp(_eig_vjp)
eig_p.def_batch(stacked_batch(eig_p))

"""Complex parts: real, imag, conj.

Derivatives follow JAX's convention: a VJP is the transpose of the JVP's
linear map, not its conjugate transpose, so that ``grad`` of a real-valued
``f(z)`` with ``z = x + iy`` is ``df/dx - i df/dy``. The transpose of
``real`` embeds a real cotangent as a complex one, that of ``imag``
multiplies it by ``-i``, and ``conj`` is its own transpose.
"""

from __future__ import annotations

from funcad.primitives._ufunc import unary_ufunc
from funcad.primitives._util import dtype_of
from funcad.primitives.arithmetic import multiply
from funcad.primitives.comparison import astype

real_p, real = unary_ufunc("real", "The real part of ``x`` (``x`` itself for real arrays).")
imag_p, imag = unary_ufunc("imag", "The imaginary part of ``x`` (zeros for real arrays).")
conj_p, conj = unary_ufunc("conj", "The complex conjugate of ``x``.", "conjugate")
conjugate = conj


def _is_complex(x) -> bool:
    return getattr(dtype_of(x), "kind", None) == "c"


def _real_jvp(t, ans, x):
    return real(t)


def _real_part_of(ct):
    # The output is real, so only a cotangent's real part pairs with it; an
    # imaginary part can arrive from real operations upstream and means nothing.
    return real(ct) if _is_complex(ct) else ct


def _real_vjp(ct, ans, x):
    ct = _real_part_of(ct)
    return astype(ct, dtype_of(x)) if _is_complex(x) else ct


def _imag_jvp(t, ans, x):
    return imag(t) if _is_complex(x) else None


def _imag_vjp(ct, ans, x):
    return multiply(_real_part_of(ct), -1j) if _is_complex(x) else None


def _conj_chain(g, ans, x):
    return conj(g)


real_p.def_jvp(_real_jvp)
real_p.def_vjp(_real_vjp)
imag_p.def_jvp(_imag_jvp)
imag_p.def_vjp(_imag_vjp)
conj_p.def_jvp(_conj_chain)
conj_p.def_vjp(_conj_chain)
for _prim in (real_p, imag_p, conj_p):
    _prim.linear = True

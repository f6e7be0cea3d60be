"""Sweep rows on complex inputs: the complex parts, and holomorphic functions.

Holomorphic rows compare ``jacfwd``/``jacrev`` with ``holomorphic=True``; the
others compare the Jacobians of the function on (real, imaginary) pairs.
"""

from __future__ import annotations

import numpy as np

import funcad.numpy as fnp
from tests.op_specs import Row


def plane(rng, shape):
    return rng.uniform(-2, 2, shape) + 1j * rng.uniform(-2, 2, shape)


def right_half_plane(rng, shape):
    """Away from the branch cut of log and sqrt on the negative real axis."""
    return rng.uniform(0.5, 2, shape) + 1j * rng.uniform(-1, 1, shape)


def small_plane(rng, shape):
    """|z| < 0.6: inside the discs where the inverse trigonometric series converge."""
    return plane(rng, shape) * 0.2


def right_half_plane_far(rng, shape):
    """Re z > 1.5: away from arccosh's branch cut on (-inf, 1]."""
    return rng.uniform(1.5, 3, shape) + 1j * rng.uniform(-1, 1, shape)


def away_from_zero(rng, shape):
    radius = rng.uniform(0.5, 2, shape)
    return radius * np.exp(1j * rng.uniform(-3, 3, shape))


def rows():
    out = []

    def add(name, fun, ref, shapes, domains, prims, holomorphic=False, **kw):
        extra = {"holomorphic": True} if holomorphic else {}
        out.append(Row(name, fun, ref, shapes, domains, prims, extra=extra, **kw))

    # Not holomorphic: checked on (real, imaginary) pairs.
    add("real", fnp.real, np.real, ((2, 3),), (plane,), ("real",))
    add("imag", fnp.imag, np.imag, ((2, 3),), (plane,), ("imag",))
    add("conj", fnp.conj, np.conj, ((2, 3),), (plane,), ("conj",))
    add("angle", fnp.angle, np.angle, ((4,),), (away_from_zero,), ("arctan2", "real", "imag"))
    add("abs", fnp.abs, np.abs, ((2, 3),), (away_from_zero,), ("absolute",))
    add("abs-squared", lambda z: fnp.abs(z) ** 2, lambda z: np.abs(z) ** 2, ((3,),), (plane,),
        ("absolute", "power"))
    add("real-times-complex", lambda x, z: fnp.real(x * z) + fnp.imag(z / (x + 3.0)),
        lambda x, z: np.real(x * z) + np.imag(z / (x + 3.0)), ((3,), (3,)),
        ((-1.0, 1.0), plane), ("multiply", "divide", "add", "real", "imag"))
    add("complex-from-real", lambda x, y: x + 1j * y, lambda x, y: x + 1j * y, ((3,), (3,)),
        None, ("add", "multiply"))

    # Holomorphic.
    small = small_plane
    for name, domain in [("exp", plane), ("log", right_half_plane), ("sqrt", right_half_plane),
                         ("sin", plane), ("cos", plane), ("tan", small), ("tanh", small),
                         ("sinh", plane), ("cosh", plane), ("square", plane),
                         ("reciprocal", away_from_zero), ("expm1", plane), ("log1p", small),
                         ("exp2", plane), ("log2", right_half_plane), ("log10", right_half_plane),
                         ("arcsin", small), ("arccos", small), ("arctan", small),
                         ("arcsinh", small), ("arccosh", right_half_plane_far),
                         ("arctanh", small), ("sinc", plane), ("negative", plane),
                         ("positive", plane)]:
        add(name, getattr(fnp, name), getattr(np, name), ((2, 3),), (domain,), (name,),
            holomorphic=True)
    add("power", lambda z: z ** 3, lambda z: z ** 3, ((4,),), (plane,), ("power",),
        holomorphic=True)
    for name in ["add", "subtract", "multiply"]:
        add(name, getattr(fnp, name), getattr(np, name), ((3, 4), (4,)), (plane, plane), (name,),
            holomorphic=True)
    add("divide", fnp.divide, np.divide, ((3,), (3,)), (plane, away_from_zero), ("divide",),
        holomorphic=True)
    add("vdot", fnp.vdot, np.vdot, ((2, 3), (2, 3)), (plane, plane), ("conj", "matmul"))
    add("matmul", fnp.matmul, np.matmul, ((2, 3), (3, 2)), (plane, plane), ("matmul",),
        holomorphic=True)
    add("einsum", lambda a, b: fnp.einsum("ij,jk->ik", a, b),
        lambda a, b: np.einsum("ij,jk->ik", a, b), ((2, 3), (3, 2)), (plane, plane),
        ("einsum",), holomorphic=True)
    for name in ["sum", "prod", "mean", "cumsum", "cumprod"]:
        add(name, lambda z, n=name: getattr(fnp, n)(z, axis=0),
            lambda z, n=name: getattr(np, n)(z, axis=0), ((3, 2),), (plane,),
            (name,) if name != "mean" else ("sum", "divide"), holomorphic=True)
    add("var", lambda z: fnp.var(z, axis=0), lambda z: np.var(z, axis=0), ((4, 2),), (plane,),
        ("sum", "real", "imag"))
    add("float_power", lambda z: fnp.float_power(z, 2.5), lambda z: np.float_power(z, 2.5),
        ((3,),), (right_half_plane,), ("power",), holomorphic=True)
    add("gather", lambda z: z[np.array([1, 1, 0])], lambda z: z[np.array([1, 1, 0])],
        ((3, 2),), (plane,), ("gather",), holomorphic=True)
    add("reshape", lambda z: fnp.transpose(z).reshape(-1), lambda z: np.transpose(z).reshape(-1),
        ((3, 2),), (plane,), ("transpose", "reshape"), holomorphic=True)
    return out

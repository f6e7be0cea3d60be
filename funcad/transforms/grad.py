"""``grad`` and ``value_and_grad``: reverse mode for scalar-valued functions."""

from __future__ import annotations

import functools
import math

from funcad.numpy.creation import ones_like
from funcad.primitives._util import shape_of
from funcad.transforms._api_util import (
    as_array,
    check_callable,
    check_holomorphic_output,
    check_inexact,
    check_inexact_tree,
    finalize,
    normalize_argnums,
)
from funcad.transforms.vjp import vjp_with_aux


def value_and_grad(fun, argnums=0, has_aux: bool = False, holomorphic: bool = False):
    """A function returning ``(fun(*args), grad(fun)(*args))``.

    With ``has_aux=True``, ``fun`` returns ``(value, aux)`` and the result is
    ``((value, aux), grad)``.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> value, g = fa.value_and_grad(lambda x: fnp.sum(x ** 2))(fnp.array([1.0, 2.0]))
    >>> float(value), g.tolist()
    (5.0, [2.0, 4.0])
    """
    check_callable(fun, "value_and_grad")

    @functools.wraps(fun)
    def value_and_grad_fn(*args, **kwargs):
        out, aux, g = _value_aux_and_grad(fun, argnums, has_aux, holomorphic, args, kwargs,
                                          "value_and_grad")
        return ((out, aux), g) if has_aux else (out, g)

    return value_and_grad_fn


def grad(fun, argnums=0, has_aux: bool = False, holomorphic: bool = False):
    """The gradient of a scalar-valued ``fun`` with respect to ``args[argnums]``.

    A tuple ``argnums`` gives a tuple of gradients. With ``has_aux=True``,
    ``fun`` returns ``(value, aux)`` and the result is ``(grad, aux)``.

    Complex inputs follow JAX's conventions. For a real-valued ``fun`` of
    ``z = x + iy`` the result is ``df/dx - i df/dy``: the conjugate of the
    direction of steepest ascent, equal to ``2 df/dz`` (Wirtinger). With ``holomorphic=True``,
    ``fun`` must take and return complex values and the result is the complex
    derivative ``df/dz``. A complex output without ``holomorphic=True`` is a
    ``TypeError``.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> float(fa.grad(lambda x: x ** 2)(3.0))
    6.0
    >>> complex(fa.grad(lambda z: fnp.abs(z) ** 2)(3 + 4j))
    (6-8j)
    >>> complex(fa.grad(lambda z: z ** 2, holomorphic=True)(3 + 4j))
    (6+8j)
    >>> f = lambda x1, x2: fnp.log(x1) + x1 * x2 - fnp.sin(x2)
    >>> [round(float(g), 4) for g in fa.grad(f, argnums=(0, 1))(2.0, 5.0)]
    [5.5, 1.7163]
    >>> float(fa.grad(fa.grad(fa.grad(fnp.sin)))(1.0)) == -float(fnp.cos(1.0))
    True
    """
    check_callable(fun, "grad")

    @functools.wraps(fun)
    def grad_fn(*args, **kwargs):
        _, aux, g = _value_aux_and_grad(fun, argnums, has_aux, holomorphic, args, kwargs, "grad")
        return (g, aux) if has_aux else g

    return grad_fn


def _value_aux_and_grad(fun, argnums, has_aux, holomorphic, args, kwargs, name):
    positions, is_tuple = normalize_argnums(argnums, len(args), name)
    for p in positions:
        check_inexact_tree(args[p], name, f"argument {p}", holomorphic if holomorphic else None)

    def partial_fun(*diff_args):
        full = list(args)
        for p, a in zip(positions, diff_args):
            full[p] = a
        out = fun(*full, **kwargs)
        return out if has_aux else (out, None)

    diff_args = tuple(args[p] for p in positions)
    out, vjp_fn, aux = vjp_with_aux(partial_fun, diff_args, True, name, checked=True)
    if isinstance(out, (int, float, complex)):
        out = as_array(out)
    if not hasattr(out, "shape") and not isinstance(out, (int, float, complex)):
        raise TypeError(
            f"{name} requires a scalar output; fun returned a {type(out).__name__}. "
            f"Return one scalar (use has_aux=True to return extra values)."
        )
    if math.prod(shape_of(out)) != 1:
        raise TypeError(
            f"{name} requires a scalar output; fun returned shape {shape_of(out)}. "
            f"Use jacrev for vector outputs, or sum the output."
        )
    check_inexact(out, name, "the output", "Return a float scalar from fun.", what="outputs")
    check_holomorphic_output(out, holomorphic, name)
    grads = vjp_fn(ones_like(out))
    return finalize(out), aux, (grads if is_tuple else grads[0])

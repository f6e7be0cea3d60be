"""Argument checks and boundary conversions shared by the transforms."""

from __future__ import annotations

from funcad import backend
from funcad.core.trace import Tracer

_SCALARS = (bool, int, float, complex)


def check_callable(fun, name: str) -> None:
    if not callable(fun):
        raise TypeError(
            f"{name} expects a function as its first argument, got {type(fun).__name__}"
        )


def check_chunk_size(chunk_size, name: str) -> None:
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
    ):
        raise ValueError(f"{name}: chunk_size must be a positive int or None, got {chunk_size!r}.")


def normalize_argnums(argnums, nargs: int, name: str) -> tuple[tuple[int, ...], bool]:
    """``argnums`` as a tuple of non-negative ints, and whether it was a tuple."""
    is_tuple = isinstance(argnums, (tuple, list))
    items = tuple(argnums) if is_tuple else (argnums,)
    if is_tuple and not items:
        raise ValueError(f"{name}: argnums is an empty tuple; name at least one argument.")
    out = []
    for a in items:
        if isinstance(a, bool) or not isinstance(a, int):
            raise ValueError(f"{name}: argnums must be ints, got {a!r}.")
        if not -nargs <= a < nargs:
            raise ValueError(
                f"{name}: argnums={a} is out of range for a call with {nargs} positional "
                f"argument(s); valid values are {-nargs}..{nargs - 1}."
                if nargs
                else f"{name}: argnums={a} but the function got no positional arguments."
            )
        out.append(a % nargs)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: argnums {items} names an argument twice.")
    return tuple(out), is_tuple


def as_array(x):
    """Python scalars and lists as backend arrays; arrays and tracers unchanged.

    On NumPy a Python number becomes a NumPy scalar, not a 0-d array: a point
    or tangent given as ``1.0`` then goes along with any backend's values it
    meets (a CuPy array closed over), as the number itself would.
    """
    if isinstance(x, Tracer) or backend.is_array(x):
        return x
    if isinstance(x, (list, tuple)):
        return backend.default().xp.asarray(x)
    be = backend.of(x)
    out = be.xp.asarray(x)
    return out[()] if be.native else out


def check_inexact(x, name: str, where: str, fix: str | None = None, what: str = "inputs"):
    """Differentiating transforms need floating-point values, real or complex."""
    kind = getattr(getattr(x, "dtype", None), "kind", None)
    if kind in ("f", "c"):
        return
    dtype = getattr(x, "dtype", type(x).__name__)
    raise TypeError(
        f"{name} requires real or complex {what}; {where} has dtype {dtype}. "
        + (fix or "Pass floats (e.g. x.astype(float) or 2.0 instead of 2), or leave this "
           "argument out of argnums.")
    )


def check_holomorphic_input(x, holomorphic: bool, name: str, where: str) -> None:
    """JAX's rule: complex inputs need ``holomorphic=True``, which needs complex inputs."""
    kind = getattr(getattr(x, "dtype", None), "kind", None)
    if holomorphic and kind != "c":
        raise TypeError(
            f"{name} with holomorphic=True requires complex inputs; {where} has dtype "
            f"{x.dtype}. Cast it, e.g. x.astype(complex), or drop holomorphic=True."
        )
    if not holomorphic and kind == "c" and name in ("jacfwd",):
        raise TypeError(
            f"{name} requires real inputs unless holomorphic=True; {where} has dtype "
            f"{x.dtype}. Pass holomorphic=True for a holomorphic function, or split the "
            f"input into real and imaginary parts."
        )


def check_holomorphic_output(out, holomorphic: bool, name: str) -> None:
    kind = getattr(getattr(out, "dtype", None), "kind", None)
    if holomorphic and kind != "c":
        raise TypeError(
            f"{name} with holomorphic=True requires complex outputs; fun returned dtype "
            f"{out.dtype}. Drop holomorphic=True for a real-valued function."
        )
    if not holomorphic and kind == "c":
        raise TypeError(
            f"{name} requires real-valued outputs; fun returned dtype {out.dtype}. For a "
            f"holomorphic function pass holomorphic=True; otherwise return a real value "
            f"(e.g. fnp.abs(z) ** 2 or fnp.real(z))."
        )


def input_arrays(leaves) -> list:
    return [x for x in leaves if backend.is_array(x) and not isinstance(x, Tracer)]


def finalize(x, inputs=(), copy: bool = False):
    """An output the caller owns: a writable array not sharing memory with inputs.

    0-d arrays and Python numbers become NumPy scalars, as NumPy's reductions
    return them. ``copy=True`` copies every array, for values that a recorded
    tape also holds (changing them in place would corrupt later derivatives).
    """
    if isinstance(x, Tracer):
        return x
    if isinstance(x, _SCALARS):
        return backend.default().xp.asarray(x)[()]
    if not backend.is_array(x):
        return x
    be = backend.of(x)
    if x.ndim == 0:
        return x[()] if isinstance(x, be.array_types[0]) else x
    if copy or be.must_copy(x, inputs):
        x = x.copy()
    return x


def finalize_all(values, inputs=(), copy=False) -> list:
    """``finalize`` each value; no two of the results share memory either.

    ``copy`` is one flag for all values or a list of flags, one per value.
    """
    owned = list(inputs)
    flags = copy if isinstance(copy, list) else [copy] * len(values)
    out = []
    for x, copy_x in zip(values, flags):
        x = finalize(x, owned, copy_x)
        if getattr(x, "ndim", 0) and not isinstance(x, Tracer):
            owned.append(x)
        out.append(x)
    return out


def check_inexact_tree(tree, name: str, where: str, holomorphic: bool | None = None) -> None:
    """``check_inexact`` on every leaf; with ``holomorphic`` given, JAX's dtype rule too."""
    from funcad import tree_util

    for leaf in tree_util.tree_leaves(tree):
        leaf = as_array(leaf)
        check_inexact(leaf, name, where)
        if holomorphic is not None:
            check_holomorphic_input(leaf, holomorphic, name, where)

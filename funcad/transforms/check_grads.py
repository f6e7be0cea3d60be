"""``check_grads``: test a function's derivatives against finite differences.

Like ``jax.test_util.check_grads``. Every check runs on flat functions
``F(*leaves) -> list of output leaves``. At order 1, ``F`` is the user's
function; each higher order checks the derivative functions themselves, as
JAX does: the JVP ``(primals, tangents) -> (out, tangent out)`` and the VJP
``x -> J(x)^T f(x)`` (the output is its own cotangent, so the pullback is a
nonlinear function of ``x`` even for linear ``f``).

Each argument leaf is checked on its own (a direction that is zero on every
other leaf), so a failure names the leaf whose derivative is wrong.

The derivatives run on the arguments' own backend (CuPy, Dask); directions
are drawn on the host and moved there, and results are read back through the
backend's ``to_numpy`` to be compared: reading values is what this tool is for.
"""

from __future__ import annotations

import collections
from typing import Callable

import numpy as np

from funcad import backend, tree_util
from funcad.transforms.jvp import jvp
from funcad.transforms.vjp import vjp

__all__ = ["check_grads"]

_MODES = ("fwd", "rev")
# JAX's defaults are per dtype; the least precise dtype in play decides.
_TOLERANCE = {2: 5e-2, 4: 1e-2, 8: 1e-5}
# Central differences: truncation error ~ eps**2, rounding error ~ machine eps / eps.
_EPS = {2: 3e-2, 4: 1e-3, 8: 1e-4}


def check_grads(fun: Callable, args: tuple, order: int, modes=("fwd", "rev"),
                atol: float | None = None, rtol: float | None = None,
                eps: float | None = None) -> None:
    """Check ``fun``'s JVPs and VJPs at ``args`` against finite differences, up to ``order``.

    ``args`` is a tuple of arrays or pytrees. Each order checks the JVP (mode
    ``"fwd"``) and the VJP (mode ``"rev"``) of the previous order's functions, in
    random directions from a fixed seed; the VJP is also checked against the JVP
    (``<v, J u> == <J^T v, u>``, the real part of the bilinear pairing for complex
    values). Defaults follow the least precise dtype among arguments and outputs:
    ``eps`` 1e-4 and ``atol = rtol = 1e-5`` for float64, ``eps`` 1e-3 and
    ``atol = rtol = 1e-2`` for float32. Raises ``AssertionError`` naming the
    mode, order, argument leaf and output, with the errors and tolerances.

    >>> import numpy as np, funcad.numpy as fnp
    >>> from funcad.transforms.check_grads import check_grads
    >>> check_grads(lambda x, y: fnp.sin(x) * y, (np.array([0.5, 1.0]), 2.0), order=2)
    """
    modes = _check_arguments(fun, args, order, modes, atol, rtol, eps)
    leaves, in_tree = tree_util.tree_flatten(args)
    home = backend.of_many(*leaves)
    leaves = [x if backend.is_array(x) else home.xp.asarray(x) for x in leaves]
    labels = _leaf_labels(in_tree, "args")
    for x, label in zip(leaves, labels):
        if x.dtype.kind not in ("f", "c"):
            raise TypeError(
                f"check_grads: argument {label} has dtype {x.dtype}; derivatives need real or "
                f"complex floats. Pass floats, e.g. x.astype(float) or 2.0 instead of 2."
            )
    out_tree_box = []

    def flat_fun(*xs):
        out = fun(*tree_util.tree_unflatten(in_tree, list(xs)))
        out_leaves, out_tree = tree_util.tree_flatten(out)
        if not out_tree_box:
            out_tree_box.append(out_tree)
        return list(out_leaves)

    outs = [_host(y) for y in flat_fun(*leaves)]
    out_labels = _leaf_labels(out_tree_box[0], "out")
    sizes = [x.dtype.itemsize // (2 if x.dtype.kind == "c" else 1)
             for x in leaves + outs if x.dtype.kind in ("f", "c")]
    precision = min(sizes, default=8)
    precision = min(_TOLERANCE, key=lambda p: abs(p - precision))
    checker = _Checker(
        modes,
        _TOLERANCE[precision] if atol is None else float(atol),
        _TOLERANCE[precision] if rtol is None else float(rtol),
        _EPS[precision] if eps is None else float(eps),
    )
    checker.run(flat_fun, leaves, labels, out_labels, order, 1, "fun")


def _check_arguments(fun, args, order, modes, atol, rtol, eps) -> tuple[str, ...]:
    if not callable(fun):
        raise TypeError(f"check_grads: fun must be callable, got {type(fun).__name__}.")
    if not isinstance(args, tuple):
        raise TypeError(
            f"check_grads: args must be a tuple of arguments, got {type(args).__name__}; "
            f"write check_grads(f, (x,), order=1)."
        )
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"check_grads: order must be an int >= 1, got {order!r}.")
    if isinstance(modes, str) or not isinstance(modes, (tuple, list)):
        raise TypeError(
            f"check_grads: modes must be a tuple of 'fwd' and/or 'rev', got {modes!r}; "
            f"write modes=('fwd',)."
        )
    bad = [m for m in modes if m not in _MODES]
    if bad or not modes:
        raise ValueError(
            f"check_grads: modes must be a non-empty tuple of 'fwd' and/or 'rev', got {modes!r}."
        )
    for name, value in (("atol", atol), ("rtol", rtol), ("eps", eps)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ValueError(f"check_grads: {name} must be a non-negative float, got {value!r}.")
    if eps is not None and eps == 0:
        raise ValueError("check_grads: eps must be positive, got 0.")
    return tuple(modes)


def _leaf_labels(treedef, root: str) -> list[str]:
    """A readable path for every leaf of ``treedef``: ``args[1]['w']``."""
    out: list[str] = []
    _labels_into(treedef, root, out)
    return out


def _labels_into(td, path: str, out: list) -> None:
    if td.node_type is None:
        out.append(path)
        return
    for suffix, child in zip(_child_suffixes(td), td.children):
        _labels_into(child, path + suffix, out)


def _child_suffixes(td) -> list[str]:
    if td.node_type in (dict, collections.OrderedDict):
        return [f"[{k!r}]" for k in td.aux]
    if td.node_type is collections.defaultdict:
        return [f"[{k!r}]" for k in td.aux[1]]
    fields = getattr(td.node_type, "_fields", None)
    if fields is not None:  # a namedtuple
        return [f".{name}" for name in fields]
    return [f"[{i}]" for i in range(len(td.children))]


def _host(a) -> np.ndarray:
    """``a`` as a NumPy array, through its backend's one explicit transfer."""
    return np.asarray(backend.of(a).to_numpy(a) if backend.is_array(a) else a)


def _on_backend_of(x, value):
    """``value`` (a NumPy array) on the backend of ``x``."""
    return backend.of(x).xp.asarray(value)


def _zeros_like(x):
    return backend.of(x).xp.zeros(np.shape(x), x.dtype)


def _float_zeros(x):
    """The cotangent of an integer output: float zeros of its shape, on its backend."""
    return backend.of(x).xp.zeros(np.shape(x))


def _wide(a) -> np.ndarray:
    a = _host(a)
    return a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)


def _inexact(x) -> bool:
    """Whether ``x`` can carry a derivative (integer outputs get zero cotangents)."""
    return getattr(getattr(x, "dtype", None), "kind", "f") in ("f", "c")


def _pair(a, b) -> float:
    # The real part of the bilinear pairing: VJPs are transposes (JAX's convention).
    return float(np.real(np.sum(_wide(a) * _wide(b))))


class _Checker:
    """The recursive checks of one ``check_grads`` call, sharing one random stream."""

    def __init__(self, modes, atol, rtol, eps):
        self.modes = modes
        self.atol = atol
        self.rtol = rtol
        self.eps = eps
        self.rng = np.random.default_rng(0)

    def direction(self, x):
        """A random direction like ``x``, on its backend."""
        u = self.rng.normal(size=np.shape(x))
        if x.dtype.kind == "c":
            u = u + 1j * self.rng.normal(size=np.shape(x))
        return _on_backend_of(x, np.asarray(u).astype(x.dtype))

    def numerical_jvp(self, f, xs, i, u) -> list:
        eps = self.eps
        plus = list(xs)
        minus = list(xs)
        plus[i] = xs[i] + eps * u
        minus[i] = xs[i] - eps * u
        return [(_wide(p) - _wide(m)) / (2 * eps) for p, m in zip(f(*plus), f(*minus))]

    def fail(self, mode, order, what, label, detail):
        kind = "JVP" if mode == "fwd" else "VJP"
        raise AssertionError(
            f"check_grads: {mode}-mode ({kind}) check failed at order {order} "
            f"(derivative of {what}), argument {label}: {detail}"
        )

    def compare(self, actual, expected, out_labels, mode, order, what, label, source):
        """Elementwise ``|a - e| <= atol + rtol |e|`` over every output leaf."""
        for a, e, out_label in zip(actual, expected, out_labels):
            a, e = _wide(a), _wide(e)
            if a.shape != e.shape:
                self.fail(mode, order, what, label,
                          f"output {out_label} has shape {a.shape}, expected {e.shape}.")
            err = np.abs(a - e)
            bad = ~(err <= self.atol + self.rtol * np.abs(e))
            if np.any(bad):
                rel = err / np.maximum(np.abs(e), np.finfo(float).tiny)
                self.fail(mode, order, what, label, (
                    f"output {out_label} disagrees with {source} at {int(np.sum(bad))} of "
                    f"{a.size} element(s): max abs error {float(np.max(err)):.3g}, max relative "
                    f"error {float(np.max(rel)):.3g} (atol={self.atol:g}, rtol={self.rtol:g}, "
                    f"eps={self.eps:g})."))

    def compare_scalar(self, actual, expected, mode, order, what, label, source):
        err = abs(actual - expected)
        if not err <= self.atol + self.rtol * abs(expected):
            rel = err / max(abs(expected), np.finfo(float).tiny)
            self.fail(mode, order, what, label, (
                f"<J^T v, u> = {actual:.6g} but {source} gives <v, J u> = {expected:.6g}: "
                f"abs error {err:.3g}, relative error {rel:.3g} (atol={self.atol:g}, "
                f"rtol={self.rtol:g}, eps={self.eps:g})."))

    def run(self, f, xs, labels, out_labels, max_order, order, what):
        ad_tangents = {}
        if "fwd" in self.modes:
            y0 = [_host(y) for y in f(*xs)]
            for i, (x, label) in enumerate(zip(xs, labels)):
                u = self.direction(x)
                ts = [_zeros_like(z) for z in xs]
                ts[i] = u
                y, t = jvp(f, tuple(xs), tuple(ts))
                self.compare(y, y0, out_labels, "fwd", order, what, label,
                             "fun's value (the JVP's primal output)")
                self.compare(t, self.numerical_jvp(f, xs, i, u), out_labels, "fwd", order, what,
                             label, "central finite differences")
                ad_tangents[i] = (u, t)
            if order < max_order:
                n = len(xs)

                def f_jvp(*zs):
                    y, t = jvp(f, tuple(zs[:n]), tuple(zs[n:]))
                    return list(y) + list(t)

                self.run(f_jvp, list(xs) + list(xs),
                         labels + [f"tangent of {lb}" for lb in labels],
                         out_labels + [f"tangent of {lb}" for lb in out_labels],
                         max_order, order + 1, f"the JVP of {what}")
        if "rev" in self.modes:
            y, pullback = vjp(f, *xs)
            v = [self.direction(z) if _inexact(z) else _float_zeros(z) for z in y]
            cts = pullback(v)
            for i, (x, label) in enumerate(zip(xs, labels)):
                u = self.direction(x)
                if i in ad_tangents:
                    # First: the VJP must be the transpose of the (checked) JVP, up to
                    # rounding only, which tells a wrong VJP rule from a noisy difference.
                    u_fwd, t = ad_tangents[i]
                    self.compare_scalar(_pair(cts[i], u_fwd),
                                        sum((_pair(a, b) for a, b in zip(v, t)), 0.0),
                                        "rev", order, what, label, "the JVP")
                numeric = self.numerical_jvp(f, xs, i, u)
                expected = sum((_pair(a, b) for a, b in zip(v, numeric)), 0.0)
                self.compare_scalar(_pair(cts[i], u), expected, "rev", order, what, label,
                                    "central finite differences")
            if order < max_order:

                def f_vjp(*zs):
                    y, pb = vjp(f, *zs)
                    return list(pb([z if _inexact(z) else _float_zeros(z) for z in y]))

                self.run(f_vjp, list(xs), labels,
                         [f"cotangent of {lb}" for lb in labels],
                         max_order, order + 1, f"the VJP of {what}")

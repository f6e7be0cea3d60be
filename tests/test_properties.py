"""Property tests over random compositions of ``funcad.numpy`` functions.

A hypothesis strategy builds a small random program ``f(x, y)``: 1-6 steps, each
one elementwise math, a binary op against an input, an earlier value or a
constant (with broadcasting), a reduction, a shape change, a join, basic
indexing, a contraction, or a funcad transform run inside the program and
closing over its values (nesting, perturbation confusion). The program is kept
as Python source written against a namespace ``ns``, so the very same code runs
on NumPy (the reference, and the finite differences), on ``funcad.numpy``
(under every transform), and as plain ``np.*`` calls on traced values (NumPy's
dispatch protocols). A failing example prints the program and its inputs as a
runnable snippet.

Properties: grad and Jacobians against finite differences; <v, J u> against
<J^T v, u>; jacfwd against jacrev; vmap against a loop (and vmap of grad,
jacfwd, grad of vmap); Hessians (symmetry, every mode, finite differences, hvp);
third derivatives along a line in every nesting of modes; primal values and
result types under transforms; float32 in, float32 derivatives out; and the
tie conventions of the API, deliberately.

Every step is smooth away from a few explicit kinks (``abs``, ``maximum``,
``max``, ``where``, ``clip`` ...). The NumPy run records how far the inputs
are from each kink; checks against finite differences only run when that
distance is comfortable, while the purely algebraic checks (jvp against vjp,
jacfwd against jacrev, vmap against a loop, Hessian symmetry) also run on
ties, where funcad's tie convention must still be self-consistent.

Magnitudes are bounded: each step carries an interval bound on its output and
steps whose bound would exceed ``BMAX`` are not generated, so values, finite
differences and tolerances stay meaningful.

The properties run on the array backend ``--backend`` names (``sweep_backend``
in ``tests/conftest.py``; NumPy without it): the inputs, and the program's
constants and output weights (they meet the inputs as data), are put there, the
transforms run under the backend's guard (Dask: no computing; CuPy: no copy to
the host), and the results must be that backend's arrays before they are read
back and compared with the NumPy references, which stay plain NumPy.
"""

from __future__ import annotations

import functools
import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import funcad as fa
import funcad.numpy as fnp

MAX_SIZE = 24          # elements in any intermediate value
MAX_NDIM = 3
BMAX = 6.0             # bound on |value| of any intermediate value
X_BOUND = 2.02         # inputs lie in [-2, 2], plus a small jitter
KINK_MARGIN = 1e-3     # finite differences need the inputs this far from a kink
FD_STEP = 1e-6
FD_STEP_2 = 1e-5       # for finite differences of the gradient

X_SHAPES = [(), (3,), (2, 3), (1, 3), (3, 1), (4,), (2, 1, 3), (2, 2), (3, 3), (2, 3, 2)]
Y_SHAPES = [(), (3,), (1, 3), (2, 3), (2,)]

SETTINGS = dict(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])


# --------------------------------------------------------------------------
# Namespaces the program source runs against.
# --------------------------------------------------------------------------


# Steps that run a funcad transform inside the program, closing over traced values:
# under an outer transform these check nesting and perturbation confusion. Each entry:
# funcad expression of S (a value of the program), NumPy reference, bound on the result
# given the bound B and shape of S, and whether it applies to that shape.
INNER = {
    "jvp": ("fa.jvp(lambda z: fnp.sin(z) * z, (S,), (fnp.ones_like(S),))[1]",
            lambda s: np.cos(s) * s + np.sin(s),
            lambda b, sh: b + 1, lambda sh: True),
    "grad_closure": ("fa.grad(lambda t: fnp.sum(fnp.sin(t * S)))(0.7)",
                     lambda s: np.sum(s * np.cos(0.7 * s)),
                     lambda b, sh: b * math.prod(sh), lambda sh: True),
    "grad_grad": ("fa.grad(fa.grad(lambda t: fnp.sum(fnp.sin(t * S))))(0.3)",
                  lambda s: -np.sum(s * s * np.sin(0.3 * s)),
                  lambda b, sh: b * b * math.prod(sh), lambda sh: True),
    "vmap_rows": ("fa.vmap(lambda r: fnp.sum(fnp.sin(r) * r))(S)",
                  lambda s: np.sum(np.sin(s) * s, axis=tuple(range(1, np.ndim(s)))),
                  lambda b, sh: b * math.prod(sh[1:]), lambda sh: len(sh) >= 1),
    "vmap_cols": ("fa.vmap(lambda r: fnp.tanh(r) * r[0], in_axes=1, out_axes=1)(S)",
                  lambda s: np.tanh(s) * s[0:1, :],
                  lambda b, sh: b, lambda sh: len(sh) == 2),
    "vjp": ("fa.vjp(fnp.tanh, S)[1](S)[0]",
            lambda s: (1 - np.tanh(s) ** 2) * s,
            lambda b, sh: b, lambda sh: True),
    "linearize": ("fa.linearize(fnp.sin, S)[1](S)",
                  lambda s: np.cos(s) * s,
                  lambda b, sh: b, lambda sh: True),
    "jacfwd": ("fa.jacfwd(lambda z: fnp.sin(z) * fnp.sum(z))(S)",
               lambda s: np.diag(np.cos(s)) * np.sum(s) + np.sin(s)[:, None],
               lambda b, sh: b * math.prod(sh) + 1, lambda sh: len(sh) == 1 and sh[0] <= 4),
    "jacrev": ("fa.jacrev(lambda z: fnp.cos(z[::-1]) * z)(S)",
               lambda s: np.diag(np.cos(s[::-1])) - np.sin(s[::-1])[:, None] * s[:, None]
               * np.eye(len(s))[::-1],
               lambda b, sh: b + 1, lambda sh: len(sh) == 1 and sh[0] <= 4),
    "hvp": ("fa.hvp(lambda z: fnp.sum(fnp.sin(z)), (S,), (S,))",
            lambda s: -np.sin(s) * s,
            lambda b, sh: b, lambda sh: True),
    "value_and_grad": ("(lambda vg: vg[1] - vg[0])("
                       "fa.value_and_grad(lambda z: fnp.sum(fnp.sin(z) * S))(S))",
                       lambda s: np.cos(s) * s - np.sum(np.sin(s) * s),
                       lambda b, sh: b + b * math.prod(sh), lambda sh: True),
}
_INNER_CODE = {name: compile(entry[0], f"<inner {name}>", "eval") for name, entry in INNER.items()}


class _FunNS:
    """``funcad.numpy``, plus no-op kink markers."""

    def __getattr__(self, name):
        return getattr(fnp, name)

    @staticmethod
    def inner(name, s):
        return eval(_INNER_CODE[name], {"fa": fa, "fnp": fnp, "S": s})  # noqa: S307

    @staticmethod
    def kink(*args):
        pass

    kink_max = kink_min = kink


class _RefNS:
    """NumPy, recording the distance of the evaluation point from every kink."""

    def __init__(self):
        self.margin = math.inf

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def inner(name, s):
        return INNER[name][1](np.asarray(s, dtype=float))

    def _note(self, gap):
        gap = np.asarray(gap, dtype=float)
        if gap.size:
            self.margin = min(self.margin, float(np.min(gap)))

    def kink(self, a, b):
        self._note(np.abs(np.asarray(a) - np.asarray(b)))

    def _extremum_gap(self, x, axis, top):
        x = np.asarray(x, dtype=float)
        axes = tuple(range(x.ndim)) if axis is None else (
            (axis,) if isinstance(axis, int) else tuple(axis))
        axes = tuple(a % x.ndim for a in axes) if x.ndim else ()
        kept = [a for a in range(x.ndim) if a not in axes]
        moved = np.transpose(x, kept + list(axes)).reshape([x.shape[a] for a in kept] + [-1])
        if moved.shape[-1] < 2:
            return
        s = np.sort(moved, axis=-1)
        self._note(s[..., -1] - s[..., -2] if top else s[..., 1] - s[..., 0])

    def kink_max(self, x, axis):
        self._extremum_gap(x, axis, True)

    def kink_min(self, x, axis):
        self._extremum_gap(x, axis, False)


class _NumpyNS:
    """Plain NumPy (reaching funcad through NumPy's protocols on traced values)."""

    def __getattr__(self, name):
        return getattr(np, name)

    inner = staticmethod(_FunNS.inner)
    kink = kink_max = kink_min = staticmethod(_FunNS.kink)


FUN_NS = _FunNS()
NUMPY_NS = _NumpyNS()


# --------------------------------------------------------------------------
# Programs.
# --------------------------------------------------------------------------


def _lit(a):
    """Source text for a constant array."""
    return f"np.array({np.asarray(a).tolist()!r})"


class Program:
    """A random program ``f(x, y)`` as source text over a namespace ``ns``."""

    def __init__(self, x_shape, y_shape, lines, consts, out_shape, seed):
        self.x_shape, self.y_shape = x_shape, y_shape
        self.lines = lines            # [(kink lines, assignment line)]
        self.consts = consts
        self.out_shape = out_shape
        self.seed = seed
        body = []
        for kinks, line in lines:
            body.extend(kinks)
            body.append(line)
        result = lines[-1][1].split(" = ")[0] if lines else "x"
        src = "def prog(ns, x, y, c):\n" + "".join(f"    {b}\n" for b in body)
        src += f"    return {result}\n"
        self.source = src
        namespace = {"np": np}
        exec(compile(src, "<random program>", "exec"), namespace)  # noqa: S102
        self._prog = namespace["prog"]
        # Fixed weights for the scalar version: a plain sum would hide permutation bugs.
        w = np.cos(1.0 + 0.7 * np.arange(math.prod(out_shape))) + 0.1
        self.w_out = w.reshape(out_shape)

    # The program, its scalar version, and NumPy references.
    def f(self, x, y):
        return self._prog(FUN_NS, x, y, self.consts)

    def f_scalar(self, x, y):
        return fnp.sum(self.f(x, y) * self.w_out)

    def f_numpy(self, x, y):
        """The same program written with plain NumPy calls."""
        return self._prog(NUMPY_NS, x, y, self.consts)

    def f_numpy_scalar(self, x, y):
        return np.sum(self.f_numpy(x, y) * self.w_out)

    def ref(self, x, y):
        with np.errstate(all="raise"):
            return np.asarray(self._prog(_RefNS(), x, y, self.consts), dtype=float)

    def ref_scalar(self, x, y):
        return float(np.sum(self.ref(x, y) * self.w_out))

    def margin(self, x, y):
        ns = _RefNS()
        self._prog(ns, x, y, self.consts)
        return ns.margin

    def __repr__(self):
        body = []
        for _, line in self.lines:
            m = re.search(r"ns\.inner\('(\w+)', (\w+)\)", line)
            if m:
                line = line.replace(m.group(0), INNER[m.group(1)][0].replace("S", m.group(2)))
            body.append("    " + line.replace("ns.", "fnp."))
        result = self.lines[-1][1].split(" = ")[0] if self.lines else "x"
        consts = ", ".join(_lit(c) for c in self.consts)
        return (
            f"\n# x.shape={self.x_shape}, y.shape={self.y_shape} -> {self.out_shape}\n"
            f"c = [{consts}]\n"
            "def f(x, y):\n" + "\n".join(body) + f"\n    return {result}\n"
        )


class Builder:
    """Draws steps one at a time, tracking each value's shape and bound."""

    def __init__(self, draw, x_shape, y_shape, seed):
        self.draw = draw
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.lines = []
        self.consts = []
        self.values = {"x": (x_shape, X_BOUND), "y": (y_shape, X_BOUND)}
        self.dummy = {"x": self._dummy(x_shape), "y": self._dummy(y_shape)}
        self.cur = "x"
        self.x_shape, self.y_shape = x_shape, y_shape

    def _dummy(self, shape):
        return np.linspace(0.1, 0.9, max(math.prod(shape), 1)).reshape(shape)

    @property
    def shape(self):
        return self.values[self.cur][0]

    @property
    def bound(self):
        return self.values[self.cur][1]

    # The choices inside a step come from the step's own seed (drawn by hypothesis):
    # drawing every small choice from hypothesis directly gave far less varied programs.
    def new_step(self, step_seed):
        self.step_rng = np.random.default_rng(step_seed)

    def choose(self, options):
        options = list(options)
        return options[int(self.step_rng.integers(len(options)))]

    def integer(self, lo, hi):
        return int(self.step_rng.integers(lo, hi + 1))

    def flag(self):
        return bool(self.step_rng.integers(2))

    def permute(self, items):
        items = list(items)
        return [items[i] for i in self.step_rng.permutation(len(items))]

    def const(self, shape, scale=1.0):
        a = np.round(self.rng.uniform(-1.0, 1.0, shape) * scale, 3)
        if not shape:
            a = np.asarray(float(a))
        self.consts.append(a)
        return f"c[{len(self.consts) - 1}]"

    def scalar(self):
        return repr(float(np.round(self.rng.uniform(-1.5, 1.5), 2)))

    def shape_of(self, expr):
        """The shape ``expr`` has (evaluated on dummies), or None if it is invalid."""
        env = {"ns": _RefNS(), "np": np, "c": self.consts, **self.dummy}
        try:
            with np.errstate(all="ignore"):
                value = eval(expr, env)  # noqa: S307
        except Exception:  # noqa: BLE001 - invalid candidate
            return None
        return np.shape(value)

    def commit(self, expr, bound, kinks=()):
        """Add ``vN = expr`` if it is valid and small; return whether it was added."""
        shape = self.shape_of(expr)
        if shape is None or len(shape) > MAX_NDIM or not 1 <= math.prod(shape) <= MAX_SIZE:
            return False
        if not bound <= BMAX:
            return False
        name = f"v{len(self.lines) + 1}"
        self.lines.append((list(kinks), f"{name} = {expr}"))
        env = {"ns": _RefNS(), "np": np, "c": self.consts, **self.dummy}
        with np.errstate(all="ignore"):
            self.dummy[name] = np.asarray(eval(expr, env), dtype=float)  # noqa: S307
        self.values[name] = (shape, bound)
        self.cur = name
        return True

    def operand_names(self, compatible):
        return [n for n, (shape, _) in self.values.items() if compatible(shape)]

    def build(self):
        return Program(self.x_shape, self.y_shape, self.lines, self.consts, self.shape, self.seed)


# Each table entry: (template, bound as a function of the operands' bounds, kink templates).
_SQ = lambda b: b * b  # noqa: E731
UNARY = [
    ("ns.sin({s})", lambda b: 1.0, ()),
    ("ns.tanh({s})", lambda b: 1.0, ()),
    ("ns.cos({s})", lambda b: 1.0, ()),
    ("ns.arctan({s})", lambda b: min(b, math.pi / 2), ()),
    ("ns.exp({s})", lambda b: math.exp(b) if b < 1.8 else math.inf, ()),
    ("ns.expm1({s})", lambda b: math.exp(b) if b < 1.8 else math.inf, ()),
    ("ns.exp(-{s} * {s})", lambda b: 1.0, ()),
    ("ns.log(1.0 + {s} * {s})", lambda b: math.log1p(b * b), ()),
    ("ns.log1p(ns.square({s}))", lambda b: math.log1p(b * b), ()),
    ("ns.sqrt(1.0 + {s} ** 2)", lambda b: math.sqrt(1 + b * b), ()),
    ("ns.square({s})", _SQ, ()),
    ("{s} * {s}", _SQ, ()),
    ("ns.power({s}, 2)", _SQ, ()),
    ("{s} ** 3", lambda b: b ** 3, ()),
    ("(1.5 + ns.sin({s})) ** 0.5", lambda b: 1.6, ()),
    ("ns.power(2.0, {s})", lambda b: 2.0 ** b, ()),
    ("ns.reciprocal(2.0 + ns.square({s}))", lambda b: 0.5, ()),
    ("1.0 / (1.5 + ns.cos({s}))", lambda b: 2.0, ()),
    ("ns.sinh({s})", lambda b: math.sinh(b) if b < 3 else math.inf, ()),
    ("ns.cosh({s})", lambda b: math.cosh(b) if b < 3 else math.inf, ()),
    ("ns.arcsin(0.6 * ns.sin({s}))", lambda b: 0.65, ()),
    ("ns.arccos(0.6 * ns.tanh({s}))", lambda b: math.pi, ()),
    ("ns.tan(0.5 * ns.tanh({s}))", lambda b: 0.55, ()),
    ("-{s}", lambda b: b, ()),
    ("ns.negative({s})", lambda b: b, ()),
    ("0.5 * {s} - 0.25", lambda b: 0.5 * b + 0.25, ()),
    ("ns.abs({s})", lambda b: b, ("ns.kink({s}, 0.0)",)),
    ("ns.absolute({s} - 0.3)", lambda b: b + 0.3, ("ns.kink({s}, 0.3)",)),
    ("ns.sign({s}) * {s}", lambda b: b, ("ns.kink({s}, 0.0)",)),
    ("ns.where({s} > 0.25, {s}, 0.5 * {s})", lambda b: b, ("ns.kink({s}, 0.25)",)),
    ("ns.clip({s}, -0.5, 0.75)", lambda b: 0.75,
     ("ns.kink({s}, -0.5)", "ns.kink({s}, 0.75)")),
    ("ns.maximum({s}, 0.0)", lambda b: b, ("ns.kink({s}, 0.0)",)),
    ("ns.minimum(0.3, {s})", lambda b: b, ("ns.kink({s}, 0.3)",)),
]

BINARY = [
    ("{a} + {b}", lambda p, q: p + q, ()),
    ("ns.add({a}, {b})", lambda p, q: p + q, ()),
    ("{a} - {b}", lambda p, q: p + q, ()),
    ("ns.subtract({a}, {b})", lambda p, q: p + q, ()),
    ("{a} * {b}", lambda p, q: p * q, ()),
    ("ns.multiply({a}, {b})", lambda p, q: p * q, ()),
    ("{a} / (1.0 + {b} * {b})", lambda p, q: p, ()),
    ("ns.divide({a}, 2.0 + ns.cos({b}))", lambda p, q: p, ()),
    ("ns.true_divide(ns.sin({a}), 1.5 + ns.tanh({b}))", lambda p, q: 2.0, ()),
    ("ns.maximum({a}, {b})", max, ("ns.kink({a}, {b})",)),
    ("ns.minimum({a}, {b})", max, ("ns.kink({a}, {b})",)),
    ("ns.where({a} > {b}, {a}, 0.5 * {b})", max, ("ns.kink({a}, {b})",)),
    ("ns.where(ns.less({a}, {b}), {b} * {a}, {a})", lambda p, q: p * max(q, 1),
     ("ns.kink({a}, {b})",)),
    ("ns.power(1.5 + ns.sin({a}), ns.tanh({b}))", lambda p, q: 2.5, ()),
    ("(2.0 + ns.cos({a})) ** {b}", lambda p, q: 3.0 ** q, ()),
    ("ns.sqrt(1.0 + {a} * {a} + {b} * {b})", lambda p, q: math.sqrt(1 + p * p + q * q), ()),
    ("ns.arctan({a} * {b})", lambda p, q: math.pi / 2, ()),
]

REDUCTIONS = ["sum", "mean", "max", "min", "prod", "amax"]


def _broadcastable(s1, s2):
    try:
        out = np.broadcast_shapes(s1, s2)
    except ValueError:
        return False
    return len(out) <= MAX_NDIM and math.prod(out) <= MAX_SIZE


def _divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0]


def _fmt_slice(sl):
    start = "" if sl.start is None else str(sl.start)
    stop = "" if sl.stop is None else str(sl.stop)
    if sl.step is None:
        return f"{start}:{stop}"
    return f"{start}:{stop}:{sl.step}"


# --- the step families -----------------------------------------------------


def step_unary(b):
    template, bound, kinks = b.choose(UNARY)
    s = b.cur
    return b.commit(template.format(s=s), bound(b.bound), [k.format(s=s) for k in kinks])


def step_binary(b):
    template, bound, kinks = b.choose(BINARY)
    kind = b.choose(["value", "y", "const", "scalar"])
    shape = b.shape
    if kind == "y" and not _broadcastable(shape, b.values["y"][0]):
        # y does not broadcast against the current value: use a reduction of it.
        other, other_bound = b.choose([
            ("ns.sum(y)", X_BOUND * math.prod(b.y_shape)), ("ns.mean(y)", X_BOUND),
            ("y.max()", X_BOUND), ("ns.prod(y)", X_BOUND ** math.prod(b.y_shape))])
    elif kind in ("value", "y"):
        names = b.operand_names(lambda sh: _broadcastable(shape, sh))
        other = "y" if kind == "y" else b.choose(names)
        other_bound = b.values[other][1]
    elif kind == "const":
        options = [shape, (), shape[-1:], tuple(1 if b.flag() else d for d in shape)]
        if len(shape) < MAX_NDIM and 2 * math.prod(shape) <= MAX_SIZE:
            options.append((2,) + shape)
        if not shape:
            options += [(3,), (2, 3)]
        other = b.const(b.choose(options))
        other_bound = 1.0
    else:
        other, other_bound = b.scalar(), 1.5
    extra_kinks = ["ns.kink_max(y, None)"] if other == "y.max()" else []
    a, c, pa, pc = b.cur, other, b.bound, other_bound
    if b.flag():
        a, c, pa, pc = c, a, pc, pa
    return b.commit(template.format(a=a, b=c), bound(pa, pc),
                    extra_kinks + [k.format(a=a, b=c) for k in kinks])


def step_reduce(b):
    op = b.choose(REDUCTIONS)
    shape, s = b.shape, b.cur
    nd = len(shape)
    if nd == 0:
        axis, method = None, False
    else:
        how = b.choose(["none", "int", "negative", "tuple", "none", "int", "empty"])
        if how == "none":
            axis = None
        elif how == "int":
            axis = b.integer(0, nd - 1)
        elif how == "negative":
            axis = b.integer(-nd, -1)
        elif how == "empty":
            axis = ()
        else:
            picked = [a - (nd if b.flag() else 0) for a in range(nd) if b.flag()] or [nd - 1]
            axis = tuple(picked)
        method = op != "amax" and b.flag()
    keepdims = b.flag()
    axes = range(nd) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    n = math.prod(shape[a] for a in axes)
    bound = {"sum": b.bound * n, "prod": b.bound ** n}.get(op, b.bound)
    kinks = []
    if op in ("max", "amax", "min"):
        kinks.append(f"ns.kink_{'min' if op == 'min' else 'max'}({s}, {axis!r})")
    if method:
        expr = f"{s}.{op}(axis={axis!r}, keepdims={keepdims})"
    elif keepdims or b.flag():
        expr = f"ns.{op}({s}, axis={axis!r}, keepdims={keepdims})"
    else:
        expr = f"ns.{op}({s}, {axis!r})"
    return b.commit(expr, bound, kinks)


def step_shape(b):
    shape, s = b.shape, b.cur
    nd, size = len(shape), math.prod(shape)
    kind = b.choose(["reshape", "ravel", "transpose", "T", "moveaxis", "swapaxes",
                     "expand_dims", "squeeze", "broadcast_to"])
    if kind == "reshape":
        k = b.integer(0 if size == 1 else 1, MAX_NDIM)
        dims, rem = [], size
        for _ in range(k - 1):
            d = b.choose(_divisors(rem))
            dims.append(d)
            rem //= d
        if k:
            dims.append(rem)
        if dims and b.flag():
            dims[b.integer(0, len(dims) - 1)] = -1
        form = b.choose(["fn", "method", "varargs"])
        if form == "fn" or not dims:
            expr = f"ns.reshape({s}, {tuple(dims)!r})"
        elif form == "method":
            expr = f"{s}.reshape({tuple(dims)!r})"
        else:
            expr = f"{s}.reshape({', '.join(map(str, dims))})"
    elif kind == "ravel":
        expr = f"ns.ravel({s})"
    elif kind == "transpose":
        if nd < 2:
            return False
        perm = b.choose(list(itertools.permutations(range(nd))))
        perm = tuple(a - nd if b.integer(0, 3) == 0 else a for a in perm)
        form = b.choose(["fn", "method", "default"])
        expr = {"fn": f"ns.transpose({s}, {perm!r})", "method": f"{s}.transpose({perm!r})",
                "default": f"ns.transpose({s})"}[form]
    elif kind == "T":
        expr = f"{s}.T"
    elif kind == "moveaxis":
        if nd < 2:
            return False
        if nd == 3 and b.flag():
            src, dst = b.permute(range(nd))[:2], b.permute(range(nd))[:2]
            expr = f"ns.moveaxis({s}, {src}, {dst})"
        else:
            expr = f"ns.moveaxis({s}, {b.integer(-nd, nd - 1)}, {b.integer(-nd, nd - 1)})"
    elif kind == "swapaxes":
        if nd < 2:
            return False
        expr = f"ns.swapaxes({s}, {b.integer(-nd, nd - 1)}, {b.integer(-nd, nd - 1)})"
    elif kind == "expand_dims":
        if nd <= 1 and b.flag():
            expr = f"ns.expand_dims({s}, {tuple(b.permute(range(nd + 2))[:2])})"
        else:
            expr = f"ns.expand_dims({s}, {b.integer(-nd - 1, nd)})"
    elif kind == "squeeze":
        ones = [i for i, d in enumerate(shape) if d == 1]
        if not ones:
            return False
        axis = b.choose(ones) - (nd if b.flag() else 0)
        expr = f"ns.squeeze({s})" if b.flag() else f"ns.squeeze({s}, {b.choose([axis, (axis,)])})"
    else:
        target = list(shape)
        for i, d in enumerate(target):
            if d == 1 and b.flag():
                target[i] = b.integer(2, 3)
        if len(target) < MAX_NDIM and b.flag():
            target.insert(0, b.integer(1, 3))
        expr = f"ns.broadcast_to({s}, {tuple(target)!r})"
    return b.commit(expr, b.bound)


def step_join(b):
    shape, s = b.shape, b.cur
    nd = len(shape)
    kind = b.choose(["concatenate", "stack"])
    if kind == "concatenate":
        if nd == 0:
            return False
        axis = b.integer(-nd, nd - 1)
        source = b.choose(["self", "value", "const"])
        if source == "self":
            other, bound = b.choose(["ns.cos({s})", "ns.tanh({s})", "{s}"]).format(s=s), b.bound
        elif source == "value":
            def fits(sh):
                return len(sh) == nd and all(
                    d == e for i, (d, e) in enumerate(zip(sh, shape)) if i != axis % nd)
            other = b.choose(b.operand_names(fits))
            bound = max(b.bound, b.values[other][1])
        else:
            cshape = list(shape)
            cshape[axis] = b.integer(1, 3)
            other, bound = b.const(tuple(cshape)), b.bound
        parts = b.choose([[s, other], [other, s], [s, other, s]])
        form = f"axis={axis}" if b.flag() else str(axis)
        return b.commit(f"ns.concatenate([{', '.join(parts)}], {form})", max(bound, 1.0))
    axis = b.integer(-nd - 1, nd)
    source = b.choose(["self", "value", "const"])
    if source == "self":
        other, bound = f"ns.sin({s})", max(b.bound, 1.0)
    elif source == "value":
        other = b.choose(b.operand_names(lambda sh: sh == shape))
        bound = max(b.bound, b.values[other][1])
    else:
        other, bound = b.const(shape), max(b.bound, 1.0)
    parts = b.choose([[s, other], [other, s]])
    return b.commit(f"ns.stack([{', '.join(parts)}], axis={axis})", bound)


def step_index(b):
    shape, s = b.shape, b.cur
    items = []
    for d in shape:
        kind = b.choose(["all", "slice", "int", "all"])
        if kind == "all":
            items.append(":")
        elif kind == "int":
            items.append(str(b.integer(-d, d - 1)))
        else:
            step = b.choose([None, 1, 2, -1, -2])
            start = b.choose([None, b.integer(-d, d - 1)])
            stop = b.choose([None, b.integer(-d - 1, d)])
            items.append(_fmt_slice(slice(start, stop, step)))
        if b.integer(0, 5) == 0:
            items.append("None")
    if items and b.integer(0, 3) == 0:
        # Replace a run of full slices with an ellipsis (at most one).
        i = b.integer(0, len(items) - 1)
        if items[i] == ":":
            items[i] = "..."
    if not items:
        items = [b.choose(["None", "...", "()"])]
    idx = ", ".join(items) if items != ["()"] else "()"
    return b.commit(f"{s}[{idx}]", b.bound)


def _letters(k, start=0):
    return "abcdefghijklmnop"[start:start + k]


def step_contract(b):
    shape, s = b.shape, b.cur
    nd = len(shape)
    kind = b.choose(["matmul", "matmul_value", "dot", "tensordot", "einsum", "einsum1",
                     "gram"])
    if kind == "gram":
        # A square matrix from s (outer product or Gram matrix): makes diagonals possible.
        if nd == 1 and shape[0] <= 4:
            return b.commit(f"ns.einsum('i,j->ij', {s}, {s})", b.bound ** 2)
        if nd == 2:
            spec = b.choose(["ij,kj->ik", "ji,jk->ik"])
            k = shape[1] if spec == "ij,kj->ik" else shape[0]
            return b.commit(f"ns.einsum('{spec}', {s}, {s})", b.bound ** 2 * k)
        return False
    if kind in ("matmul", "dot"):
        if nd == 0:
            return False
        right = b.flag()
        k = shape[-1] if right else (shape[-2] if nd >= 2 else shape[-1])
        m = b.integer(1, 3)
        # A stacked (3-d) constant exercises matmul's broadcasting and its 1-d promotion.
        options = [(k,), (k, m), (2, k, m)] if right else [(k,), (m, k), (2, m, k)]
        w = b.const(b.choose(options), 1.0 / k)
        if kind == "dot":
            expr = f"ns.dot({s}, {w})" if right else f"ns.dot({w}, {s})"
        else:
            form = b.choose(["op", "fn"])
            a1, a2 = (s, w) if right else (w, s)
            expr = f"{a1} @ {a2}" if form == "op" else f"ns.matmul({a1}, {a2})"
        return b.commit(expr, b.bound)
    if kind == "matmul_value":
        if nd == 0:
            return False
        other = b.choose(b.values)
        oshape, obound = b.values[other]
        if not oshape:
            return False
        a1, a2 = (s, other) if b.flag() else (other, s)
        k = max(shape[-1], oshape[-1])
        return b.commit(f"ns.matmul({a1}, {a2})", b.bound * obound * k)
    if kind == "tensordot":
        if nd == 0:
            return False
        n_axes = b.integer(0, min(nd, 2))
        extra = tuple(b.integer(1, 3) for _ in range(b.integer(0, 1)))
        if b.flag():
            wshape = shape[nd - n_axes:] + extra
            k = math.prod(shape[nd - n_axes:])
            w = b.const(wshape, 1.0 / k)
            return b.commit(f"ns.tensordot({s}, {w}, {n_axes})", b.bound)
        # Explicit axis lists: contract one axis of s with the last axis of w.
        ax = b.integer(-nd, nd - 1)
        wshape = extra + (shape[ax],)
        w = b.const(wshape, 1.0 / shape[ax])
        return b.commit(f"ns.tensordot({s}, {w}, axes=([{ax}], [{len(wshape) - 1}]))", b.bound)
    if kind == "einsum1":
        subs = list(_letters(nd))
        # A repeated letter (a diagonal) when two axes have equal length.
        pairs = [(i, j) for i in range(nd) for j in range(i + 1, nd) if shape[i] == shape[j]]
        if pairs and b.integer(0, 3) > 0:
            i, j = b.choose(pairs)
            subs[j] = subs[i]
        unique = list(dict.fromkeys(subs))
        out = [c for c in unique if b.flag()]
        out = b.permute(out)
        sizes = dict(zip(subs, shape))
        n = math.prod(sizes[c] for c in unique if c not in out)
        return b.commit(f"ns.einsum('{''.join(subs)}->{''.join(out)}', {s})", b.bound * n)
    # Two-operand einsum: s with a constant, with an earlier value, or with itself.
    subs = list(_letters(nd))
    sizes = dict(zip(subs, shape))
    source = b.choose(["const", "value", "self"])
    if source == "const":
        shared = [c for c in subs if b.flag()]
        new = list(_letters(b.integer(0, 1), start=nd))
        for c in new:
            sizes[c] = b.integer(2, 3)
        osubs = b.permute(shared + new)
        oshape = tuple(sizes[c] for c in osubs)
        obound = 1.0
        other = None
    else:
        if source == "self":
            other, oshape, obound = s, shape, b.bound
        else:
            other = b.choose(b.values)
            oshape, obound = b.values[other]
        # Letters of the other operand: reuse one of s's letters where lengths match.
        osubs = []
        fresh = iter(_letters(len(oshape), start=nd))
        for d in oshape:
            match = [c for c in subs if sizes[c] == d and c not in osubs]
            if match and b.flag():
                osubs.append(b.choose(match))
            else:
                c = next(fresh)
                sizes[c] = d
                osubs.append(c)
    letters = list(dict.fromkeys(subs + osubs))
    out = b.permute([c for c in letters if b.flag()])
    n = math.prod(sizes[c] for c in letters if c not in out)
    if other is None:
        other = b.const(oshape, 1.0 / n)
        bound = b.bound
    else:
        bound = b.bound * obound * n
    ops = [(''.join(subs), s), (''.join(osubs), other)]
    if b.flag():
        ops.reverse()
    spec = f"{ops[0][0]},{ops[1][0]}->{''.join(out)}"
    return b.commit(f"ns.einsum('{spec}', {ops[0][1]}, {ops[1][1]})", bound)


def step_nested(b):
    name = b.choose(INNER)
    _, _, bound, applies = INNER[name]
    if not applies(b.shape):
        return False
    return b.commit(f"ns.inner({name!r}, {b.cur})", bound(b.bound, b.shape))


FAMILIES = {
    "unary": step_unary,
    "binary": step_binary,
    "reduce": step_reduce,
    "shape": step_shape,
    "join": step_join,
    "index": step_index,
    "contract": step_contract,
    "nested": step_nested,
}


@st.composite
def programs(draw, max_steps=6):
    x_shape = draw(st.sampled_from(X_SHAPES))
    y_shape = draw(st.sampled_from(Y_SHAPES))
    seed = draw(st.integers(0, 2**32 - 1))
    b = Builder(draw, x_shape, y_shape, seed)
    # The larger of two draws: longer programs are more common, and both shrink to 1.
    n_steps = max(draw(st.integers(1, max_steps)), draw(st.integers(1, max_steps)))
    for i in range(n_steps):
        # Hypothesis often repeats simple seeds (0, 1, ...); mixing in the program seed and
        # the step's position keeps those steps varied.
        b.new_step((seed, i, draw(st.integers(0, 2**32 - 1))))
        family = b.choose(FAMILIES)
        if not FAMILIES[family](b):
            # Not applicable here (shape, size or bound): a bounded unary step instead.
            if not step_unary(b):
                b.commit(f"ns.tanh({b.cur})", 1.0)
    return b.build()


def _jitter(shape, k):
    n = math.prod(shape)
    golden = (math.sqrt(5) - 1) / 2
    return (0.02 * (((np.arange(1, n + 1) + 0.37 * k) * golden) % 1.0) - 0.01).reshape(shape)


def inputs(shape, k):
    """Floats in [-2, 2] from hypothesis, plus a tiny fixed jitter that breaks ties."""
    elements = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return hnp.arrays(np.float64, shape, elements=elements).map(lambda a: a + _jitter(shape, k))


def cases(max_steps=6):
    return programs(max_steps).flatmap(
        lambda p: st.tuples(st.just(p), inputs(p.x_shape, 0), inputs(p.y_shape, 1)))


# --------------------------------------------------------------------------
# Helpers for the checks.
# --------------------------------------------------------------------------


class Repro:
    """Printed (lazily, by ``note``) for a failing example: a runnable snippet."""

    def __init__(self, p, x, y):
        self.p, self.x, self.y = p, x, y

    def __repr__(self):
        return ("\nimport numpy as np, funcad as fa, funcad.numpy as fnp" + repr(self.p)
                + f"x = {_lit(self.x)}\ny = {_lit(self.y)}\n")


def fd_jacobian(fun, args, h=FD_STEP):
    """Central differences of a NumPy function: one (*out, *in) array per argument."""
    args = [np.array(a, dtype=float) for a in args]
    out_shape = np.shape(fun(*args))
    jacs = []
    for i, a in enumerate(args):
        jac = np.zeros(out_shape + a.shape)
        for idx in np.ndindex(a.shape):
            plus, minus = [x.copy() for x in args], [x.copy() for x in args]
            plus[i][idx] += h
            minus[i][idx] -= h
            jac[(Ellipsis,) + idx] = (np.asarray(fun(*plus)) - np.asarray(fun(*minus))) / (2 * h)
        jacs.append(jac)
    return jacs


def as_matrix(blocks, out_sizes, in_sizes):
    """Nested (out, in) blocks as one matrix of shape (sum out, sum in)."""
    rows = [np.concatenate([np.reshape(blocks[i][j], (out_sizes[i], in_sizes[j]))
                            for j in range(len(in_sizes))], axis=1)
            for i in range(len(out_sizes))]
    return np.concatenate(rows, axis=0)


def close(actual, expected, rtol, atol=0.0, what=""):
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def scale_of(*arrays):
    return 1.0 + max((float(np.max(np.abs(a))) for a in arrays if np.size(a)), default=0.0)


def smooth_enough(p, x, y):
    """The inputs are far enough from every kink for finite differences."""
    return p.margin(x, y) > KINK_MARGIN


def random_like(rng, shape):
    return rng.standard_normal(shape)


class OnBackend:
    """Program ``p`` with its constants and output weights on backend ``on``.

    The constants meet the inputs as data (``x * c[0]``, ``c[1] @ x``), so they
    must live where the inputs do; on NumPy this is ``p`` itself.
    """

    def __init__(self, p, on):
        self.p, self.on = p, on
        self.consts = on.put(list(p.consts))
        self.w_out = on.put(p.w_out)

    def f(self, x, y):
        return self.p._prog(FUN_NS, x, y, self.consts)

    def f_scalar(self, x, y):
        return fnp.sum(self.f(x, y) * self.w_out)

    def f_numpy(self, x, y):
        """The same program written with plain NumPy calls."""
        return self.p._prog(NUMPY_NS, x, y, self.consts)

    def f_numpy_scalar(self, x, y):
        return np.sum(self.f_numpy(x, y) * self.w_out)


def check_owned_result(on, value, shape, what, inputs=()):
    """A transform result (before ``on.get``): float64 of the given shape.

    On NumPy: a NumPy scalar when 0-d, else an array the caller owns. On another
    backend: that backend's array (NumPy scalars, ``flags`` and ``shares_memory``
    are NumPy's).
    """
    if on.name != "numpy":
        assert isinstance(value, on.array_type), (
            f"{what}: result has type {type(value).__name__}")
        assert tuple(value.shape) == shape, f"{what}: shape {value.shape} != {shape}"
        assert value.dtype == np.float64, f"{what}: dtype {value.dtype}"
        return
    for a in inputs:
        assert not np.shares_memory(value, a), f"{what}: result shares memory with an input"
    if shape == ():
        assert type(value) is np.float64, f"{what}: 0-d result has type {type(value).__name__}"
    else:
        assert isinstance(value, np.ndarray), f"{what}: result has type {type(value).__name__}"
        assert value.shape == shape, f"{what}: shape {value.shape} != {shape}"
        assert value.dtype == np.float64, f"{what}: dtype {value.dtype}"
        assert value.flags.writeable, f"{what}: result is read-only"


# --------------------------------------------------------------------------
# Running the properties on a backend.
# --------------------------------------------------------------------------


# Examples on Dask: there each transform builds a graph and each read-back computes
# it, about a hundred times slower per example than on NumPy (or the CuPy stand-in).
DASK_EXAMPLES = 12

def property_test(strategy, max_examples):
    """A hypothesis property ``body(on, case)`` run on the backend ``--backend`` names.

    NumPy and CuPy run ``max_examples`` examples, Dask ``DASK_EXAMPLES``: hence the
    settings are made inside the test, once the backend is known. The examples are
    drawn as if ``@given`` decorated ``body`` itself (derandomized from its source).
    """
    def decorate(body):
        def test(sweep_backend):
            on = sweep_backend
            n = min(max_examples, DASK_EXAMPLES) if on.name == "dask" else max_examples

            @settings(max_examples=n, **SETTINGS)
            @given(strategy)
            @functools.wraps(body)
            def run(sweep_backend, case):
                body(sweep_backend, case)

            run(on)

        test.__name__, test.__qualname__ = body.__name__, body.__qualname__
        test.__doc__, test.__module__ = body.__doc__, body.__module__
        return test
    return decorate


# --------------------------------------------------------------------------
# The properties.
# --------------------------------------------------------------------------


@property_test(cases(), max_examples=300)
def test_grad_matches_finite_differences(sweep_backend, case):
    """1. grad (and the full Jacobian) against central finite differences."""
    on = sweep_backend
    p, x, y = case
    note(Repro(p, x, y))
    assume(smooth_enough(p, x, y))
    q, xb, yb = OnBackend(p, on), on.put(x), on.put(y)
    gx, gy = on.run(fa.grad(q.f_scalar, argnums=(0, 1)), xb, yb)
    fdx, fdy = fd_jacobian(p.ref_scalar, (x, y))
    scale = scale_of(fdx, fdy)
    close(gx, fdx, 1e-5, 1e-6 * scale, "grad wrt x vs finite differences")
    close(gy, fdy, 1e-5, 1e-6 * scale, "grad wrt y vs finite differences")
    close(on.run(fa.grad(q.f_scalar), xb, yb), gx, 1e-12, 1e-13 * scale,
          "grad argnums=0 vs (0, 1)")
    # The Jacobian of the vector-valued program.
    jx, jy = on.run(fa.jacrev(q.f, argnums=(0, 1)), xb, yb)
    fjx, fjy = fd_jacobian(p.ref, (x, y))
    scale = scale_of(fjx, fjy)
    close(jx, fjx, 1e-5, 1e-6 * scale, "jacrev wrt x vs finite differences")
    close(jy, fjy, 1e-5, 1e-6 * scale, "jacrev wrt y vs finite differences")


@property_test(cases(), max_examples=300)
def test_jvp_vjp_consistency(sweep_backend, case):
    """2. <v, J u> == <J^T v, u>; linearize agrees with jvp."""
    on = sweep_backend
    p, x, y = case
    note(Repro(p, x, y))
    q, xb, yb = OnBackend(p, on), on.put(x), on.put(y)
    rng = np.random.default_rng(p.seed)
    ux, uy = random_like(rng, x.shape), random_like(rng, y.shape)
    v = random_like(rng, p.out_shape)
    uxb, uyb = on.put(ux), on.put(uy)
    with on.guard():
        out, t_out = fa.jvp(q.f, (xb, yb), (uxb, uyb))
        out2, vjp_fn = fa.vjp(q.f, xb, yb)
        ctx, cty = vjp_fn(on.put(v))
    t_out, ctx, cty = on.get((t_out, ctx, cty))
    assert np.shape(t_out) == p.out_shape
    assert np.shape(ctx) == x.shape and np.shape(cty) == y.shape
    lhs = float(np.sum(v * t_out))
    rhs = float(np.sum(ctx * ux) + np.sum(cty * uy))
    magnitude = np.sum(np.abs(v * t_out)) + np.sum(np.abs(ctx * ux)) + np.sum(np.abs(cty * uy))
    tol = 1e-10 * (1.0 + float(magnitude))
    assert abs(lhs - rhs) <= tol, f"<v, J u> = {lhs!r} but <J^T v, u> = {rhs!r}"
    # A second cotangent through the same vjp_fn (it may be called many times).
    v2 = random_like(rng, p.out_shape)
    ctx2, cty2 = on.run(vjp_fn, on.put(v2))
    ctx_sum, cty_sum = on.run(vjp_fn, on.put(v + v2))
    scale = scale_of(ctx_sum, cty_sum)
    close(ctx_sum, np.asarray(ctx) + ctx2, 1e-10, 1e-12 * scale, "vjp_fn linear in x")
    close(cty_sum, np.asarray(cty) + cty2, 1e-10, 1e-12 * scale, "vjp_fn linear in y")
    # linearize replays the same linear map.
    with on.guard():
        out3, lin = fa.linearize(q.f, xb, yb)
    close(on.run(lin, uxb, uyb), t_out, 1e-10, 1e-12 * scale_of(t_out), "linearize vs jvp")


@property_test(cases(), max_examples=300)
def test_jacfwd_equals_jacrev(sweep_backend, case):
    """3. jacfwd == jacrev, with shape out.shape + in.shape; they contract to grad."""
    on = sweep_backend
    p, x, y = case
    note(Repro(p, x, y))
    q, xb, yb = OnBackend(p, on), on.put(x), on.put(y)
    jf = on.run(fa.jacfwd(q.f, argnums=(0, 1)), xb, yb)
    jr = on.run(fa.jacrev(q.f, argnums=(0, 1)), xb, yb)
    assert isinstance(jf, tuple) and isinstance(jr, tuple) and len(jf) == len(jr) == 2
    for k, shape in enumerate((x.shape, y.shape)):
        assert np.shape(jf[k]) == p.out_shape + shape, f"jacfwd[{k}] shape"
        assert np.shape(jr[k]) == p.out_shape + shape, f"jacrev[{k}] shape"
        scale = scale_of(jf[k], jr[k])
        close(jf[k], jr[k], 1e-10, 1e-12 * scale, f"jacfwd vs jacrev, argument {k}")
    # Single argnums: the x block alone.
    close(on.run(fa.jacfwd(q.f), xb, yb), jf[0], 1e-12, 1e-12 * scale_of(jf[0]),
          "jacfwd argnums=0")
    # chunk_size bounds memory and changes nothing else.
    chunk = 1 + p.seed % 3
    jfc = on.run(fa.jacfwd(q.f, argnums=(0, 1), chunk_size=chunk), xb, yb)
    jrc = on.run(fa.jacrev(q.f, argnums=(0, 1), chunk_size=chunk), xb, yb)
    for k in range(2):
        scale = scale_of(jf[k])
        close(jfc[k], jf[k], 1e-12, 1e-12 * scale, f"jacfwd chunk_size={chunk}, argument {k}")
        close(jrc[k], jr[k], 1e-12, 1e-12 * scale, f"jacrev chunk_size={chunk}, argument {k}")
    # Pytrees in and out, with an auxiliary output.
    def f_tree(d):
        out = q.f(d["x"], d["y"])
        return {"out": out, "sin": fnp.sin(out)}, out

    plain = np.asarray(on.run(q.f, xb, yb))
    nout = len(p.out_shape)
    for jac in (fa.jacfwd, fa.jacrev):
        jt, aux = on.run(jac(f_tree, has_aux=True), {"x": xb, "y": yb})
        close(aux, plain, 1e-13, 1e-13 * scale_of(plain), f"{jac.__name__} aux")
        for k, key in enumerate(("x", "y")):
            scale = scale_of(jr[k])
            close(jt["out"][key], jr[k], 1e-10, 1e-12 * scale, f"{jac.__name__} pytree {key}")
            chain = np.cos(plain).reshape(p.out_shape + (1,) * (np.ndim(jr[k]) - nout)) * jr[k]
            close(jt["sin"][key], chain, 1e-10, 1e-12 * scale, f"{jac.__name__} chain {key}")
    # The weighted sum of the Jacobian's rows is the gradient of the scalar version.
    grads = on.run(fa.grad(q.f_scalar, argnums=(0, 1)), xb, yb)
    g_dict = on.run(fa.grad(lambda d: q.f_scalar(d["x"], d["y"])), {"x": xb, "y": yb})
    assert sorted(g_dict) == ["x", "y"]
    close(g_dict["x"], grads[0], 1e-13, 1e-13 * scale_of(grads[0]), "grad of a dict input")
    close(g_dict["y"], grads[1], 1e-13, 1e-13 * scale_of(grads[1]), "grad of a dict input")
    for k in range(2):
        contracted = np.tensordot(p.w_out, jr[k], axes=nout) if nout else p.w_out * jr[k]
        close(grads[k], contracted, 1e-10, 1e-12 * scale_of(contracted), "grad vs w . J")


@st.composite
def vmap_cases(draw):
    p, x, y = draw(cases())
    rng = np.random.default_rng(p.seed ^ 0x5EED)
    n = 3
    xs = [x] + [rng.uniform(-2, 2, x.shape) for _ in range(n - 1)]
    ys = [y] + [rng.uniform(-2, 2, y.shape) for _ in range(n - 1)]
    mode = draw(st.sampled_from(["both", "x", "y"]))
    ax = draw(st.integers(-x.ndim - 1, x.ndim))
    ay = draw(st.integers(-y.ndim - 1, y.ndim))
    oa = draw(st.integers(-len(p.out_shape) - 1, len(p.out_shape)))
    return p, xs, ys, mode, ax, ay, oa


@property_test(vmap_cases(), max_examples=250)
def test_vmap_equals_loop(sweep_backend, case):
    """4. vmap(f) over a batch equals a Python loop; so do vmap(grad f) and grad of vmap."""
    on = sweep_backend
    p, xs, ys, mode, ax, ay, oa = case
    note(Repro(p, xs[0], ys[0]))
    q = OnBackend(p, on)
    n = len(xs)
    bx = np.stack(xs, axis=ax) if mode != "y" else xs[0]
    by = np.stack(ys, axis=ay) if mode != "x" else ys[0]
    bxb, byb = on.put(bx), on.put(by)
    in_axes = (ax if mode != "y" else None, ay if mode != "x" else None)
    pick_x = (lambda i: on.put(xs[i])) if mode != "y" else (lambda i: on.put(xs[0]))
    pick_y = (lambda i: on.put(ys[i])) if mode != "x" else (lambda i: on.put(ys[0]))

    with on.guard():
        batched = fa.vmap(q.f, in_axes=in_axes, out_axes=oa)(bxb, byb)
    loop = np.stack([np.asarray(on.run(q.f, pick_x(i), pick_y(i))) for i in range(n)], axis=oa)
    check_owned_result(on, batched, loop.shape, "vmap(f)")
    batched = on.get(batched)
    assert np.shape(batched) == loop.shape, f"vmap shape {np.shape(batched)} != {loop.shape}"
    close(batched, loop, 1e-10, 1e-12 * scale_of(loop), "vmap(f) vs loop")
    chunked = on.run(fa.vmap(q.f, in_axes=in_axes, out_axes=oa, chunk_size=2), bxb, byb)
    close(chunked, loop, 1e-10, 1e-12 * scale_of(loop), "vmap(f, chunk_size=2) vs loop")

    # Per-example gradients.
    g = on.run(fa.vmap(fa.grad(q.f_scalar, argnums=(0, 1)), in_axes=in_axes), bxb, byb)
    loop_g = [on.run(fa.grad(q.f_scalar, argnums=(0, 1)), pick_x(i), pick_y(i))
              for i in range(n)]
    for k in range(2):
        expected = np.stack([np.asarray(lg[k]) for lg in loop_g], axis=0)
        close(g[k], expected, 1e-10, 1e-12 * scale_of(expected), f"vmap(grad) argument {k}")

    # Per-example Jacobians: vmap over jacfwd's own vmap.
    jv = on.run(fa.vmap(fa.jacfwd(q.f, argnums=(0, 1)), in_axes=in_axes), bxb, byb)
    loop_j = [on.run(fa.jacrev(q.f, argnums=(0, 1)), pick_x(i), pick_y(i)) for i in range(n)]
    for k in range(2):
        expected = np.stack([np.asarray(lj[k]) for lj in loop_j], axis=0)
        close(jv[k], expected, 1e-10, 1e-12 * scale_of(expected), f"vmap(jacfwd) argument {k}")

    # Differentiating through vmap.
    wb = np.cos(np.arange(loop.size) * 0.37 + 0.2).reshape(loop.shape)
    wbb = on.put(wb)

    def batched_loss(bx_, by_):
        return fnp.sum(fa.vmap(q.f, in_axes=in_axes, out_axes=oa)(bx_, by_) * wbb)

    gbx, gby = on.run(fa.grad(batched_loss, argnums=(0, 1)), bxb, byb)
    jb = on.run(fa.jacrev(lambda bx_, by_: fa.vmap(q.f, in_axes=in_axes, out_axes=oa)(bx_, by_),
                          argnums=(0, 1)), bxb, byb)
    for k, gk in enumerate((gbx, gby)):
        contracted = np.tensordot(wb, jb[k], axes=wb.ndim)
        close(gk, contracted, 1e-10, 1e-12 * scale_of(contracted),
              f"grad of vmap vs jacrev of vmap, argument {k}")
    # Against the loop: d/d(batch) sum_i w_i . f(x_i, y_i).
    wb_moved = np.moveaxis(wb, oa, 0)
    exp_x = np.zeros(np.shape(bx))
    exp_y = np.zeros(np.shape(by))
    for i in range(n):
        gi = on.run(lambda: fa.vjp(q.f, pick_x(i), pick_y(i))[1](
            on.put(wb_moved[i].reshape(p.out_shape))))
        if mode != "y":
            np.moveaxis(exp_x, ax, 0)[i] += gi[0]
        else:
            exp_x += gi[0]
        if mode != "x":
            np.moveaxis(exp_y, ay, 0)[i] += gi[1]
        else:
            exp_y += gi[1]
    close(gbx, exp_x, 1e-10, 1e-12 * scale_of(exp_x), "grad of vmap vs loop of vjps (x)")
    close(gby, exp_y, 1e-10, 1e-12 * scale_of(exp_y), "grad of vmap vs loop of vjps (y)")


@property_test(cases(max_steps=5), max_examples=200)
def test_second_order(sweep_backend, case):
    """5. hessian: symmetric, == jacfwd(grad) == jacrev(grad), == FD of grad; hvp == H v."""
    on = sweep_backend
    p, x, y = case
    note(Repro(p, x, y))
    q, xb, yb = OnBackend(p, on), on.put(x), on.put(y)
    sizes = [x.size, y.size]
    h = on.run(fa.hessian(q.f_scalar, argnums=(0, 1)), xb, yb)
    for i, si in enumerate((x.shape, y.shape)):
        for j, sj in enumerate((x.shape, y.shape)):
            assert np.shape(h[i][j]) == si + sj, f"hessian block {(i, j)} shape"
    hm = as_matrix(h, sizes, sizes)
    scale = scale_of(hm)
    close(hm, hm.T, 1e-9, 1e-10 * scale, "hessian symmetric")
    g = fa.grad(q.f_scalar, argnums=(0, 1))
    close(as_matrix(on.run(fa.jacfwd(g, argnums=(0, 1)), xb, yb), sizes, sizes), hm, 1e-10,
          1e-11 * scale, "hessian vs jacfwd(grad)")
    close(as_matrix(on.run(fa.jacrev(g, argnums=(0, 1)), xb, yb), sizes, sizes), hm, 1e-9,
          1e-10 * scale, "hessian vs jacrev(grad)")
    # Only x: the x-x block; and in chunks.
    close(on.run(fa.hessian(q.f_scalar), xb, yb), h[0][0], 1e-10, 1e-11 * scale,
          "hessian argnums=0")
    hc = on.run(fa.hessian(q.f_scalar, argnums=(0, 1), chunk_size=3), xb, yb)
    close(as_matrix(hc, sizes, sizes), hm, 1e-12, 1e-12 * scale, "hessian chunk_size=3")

    rng = np.random.default_rng(p.seed + 7)
    u, v = random_like(rng, x.shape), random_like(rng, y.shape)
    ub, vb = on.put(u), on.put(v)
    hv = on.run(fa.hvp, q.f_scalar, (xb, yb), (ub, vb))
    expected = hm @ np.concatenate([np.ravel(u), np.ravel(v)])
    got = np.concatenate([np.ravel(hv[0]), np.ravel(hv[1])])
    close(got, expected, 1e-9, 1e-10 * scale_of(expected, hm), "hvp vs hessian @ v")
    hvx = on.run(fa.hvp, lambda x_: q.f_scalar(x_, yb), (xb,), (ub,))
    assert np.shape(hvx) == x.shape
    close(np.ravel(hvx), np.reshape(h[0][0], (x.size, x.size)) @ np.ravel(u), 1e-9,
          1e-10 * scale, "hvp one argument")

    if smooth_enough(p, x, y):
        def g_flat(x_, y_):
            gx, gy = on.run(g, on.put(x_), on.put(y_))
            return np.concatenate([np.ravel(gx), np.ravel(gy)])

        fdx, fdy = fd_jacobian(g_flat, (x, y), h=FD_STEP_2)
        fd = np.concatenate([fdx.reshape(-1, x.size), fdy.reshape(-1, y.size)], axis=1)
        close(hm, fd, 1e-4, 1e-5 * scale_of(fd), "hessian vs finite differences of grad")


@property_test(cases(), max_examples=250)
def test_values_under_transforms(sweep_backend, case):
    """6. The primal outputs of jvp, vjp, linearize, value_and_grad equal the plain call."""
    on = sweep_backend
    p, x, y = case
    note(Repro(p, x, y))
    x0, y0 = x.copy(), y.copy()
    q, xb, yb = OnBackend(p, on), on.put(x), on.put(y)
    expected = p.ref(x, y)
    plain = on.run(q.f, xb, yb)
    assert np.shape(plain) == p.out_shape
    close(plain, expected, 1e-12, 1e-12 * scale_of(expected), "plain call vs NumPy")
    rng = np.random.default_rng(p.seed + 3)
    ux, uy = random_like(rng, x.shape), random_like(rng, y.shape)
    uxb, uyb = on.put(ux), on.put(uy)

    with on.guard():
        out_jvp, t_out = fa.jvp(q.f, (xb, yb), (uxb, uyb))
        out_vjp, vjp_fn = fa.vjp(q.f, xb, yb)
        out_lin, lin = fa.linearize(q.f, xb, yb)
        t_lin = lin(uxb, uyb)
    for name, out in (("jvp", out_jvp), ("vjp", out_vjp), ("linearize", out_lin)):
        check_owned_result(on, out, p.out_shape, f"{name} primal", (xb, yb))
        close(on.get(out), plain, 1e-13, 1e-13 * scale_of(plain), f"{name} primal vs plain call")
    check_owned_result(on, t_out, p.out_shape, "jvp tangent", (xb, yb, uxb, uyb))
    check_owned_result(on, t_lin, p.out_shape, "linearize tangent", (xb, yb, uxb, uyb))
    v = random_like(rng, p.out_shape)
    vb = on.put(v)
    with on.guard():
        ctx, cty = vjp_fn(vb)
        value, (gx, gy) = fa.value_and_grad(q.f_scalar, argnums=(0, 1))(xb, yb)
    check_owned_result(on, ctx, x.shape, "vjp cotangent x", (xb, yb, vb))
    check_owned_result(on, cty, y.shape, "vjp cotangent y", (xb, yb, vb))
    check_owned_result(on, value, (), "value_and_grad value")
    check_owned_result(on, gx, x.shape, "grad x")
    check_owned_result(on, gy, y.shape, "grad y")
    close(on.get(value), p.ref_scalar(x, y), 1e-12, 1e-12 * scale_of(plain),
          "value_and_grad value")
    # Nested: the primal of a jvp taken inside a grad, and of a vmap'd jvp.
    def inner(x_):
        out, _ = fa.jvp(q.f, (x_, yb), (uxb, uyb))
        return fnp.sum(out * q.w_out)
    close(on.run(inner, xb), p.ref_scalar(x, y), 1e-12, 1e-12 * scale_of(plain),
          "jvp primal inside a function")
    close(on.run(fa.value_and_grad(inner), xb)[0], p.ref_scalar(x, y), 1e-12,
          1e-12 * scale_of(plain), "value_and_grad of a function calling jvp")
    # No transform touched the inputs.
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(on.get(xb), x0)
    np.testing.assert_array_equal(on.get(yb), y0)


@property_test(cases(max_steps=4), max_examples=80)
def test_third_order_along_a_line(sweep_backend, case):
    """Third derivatives of t -> f(x + t u, y + t v): every nesting of modes agrees."""
    on = sweep_backend
    p, x, y = case
    note(Repro(p, x, y))
    q, xb, yb = OnBackend(p, on), on.put(x), on.put(y)
    rng = np.random.default_rng(p.seed + 11)
    u, v = random_like(rng, x.shape), random_like(rng, y.shape)
    norm = math.sqrt(float(np.sum(u * u) + np.sum(v * v)))
    u, v = u / norm, v / norm
    ub, vb = on.put(u), on.put(v)
    # The point t on the backend too (on NumPy, the Python float itself).
    t0 = on.put(0.0)

    def g(t):
        return q.f_scalar(xb + t * ub, yb + t * vb)

    def fwd(fun):
        return lambda t: fa.jvp(fun, (t,), (1.0,))[1]

    with on.guard():
        d3_raw = fa.grad(fa.grad(fa.grad(g)))(t0)
    check_owned_result(on, d3_raw, (), "grad(grad(grad(g)))")
    d1 = on.run(fa.grad(g), t0)
    d2 = on.run(fa.grad(fa.grad(g)), t0)
    d3 = on.get(d3_raw)
    scale = 1.0 + abs(float(d1)) + abs(float(d2)) + abs(float(d3))
    close(on.run(fwd(fwd(fwd(g))), t0), d3, 1e-9, 1e-10 * scale, "forward^3 vs reverse^3")
    close(on.run(fwd(fa.grad(fwd(g))), t0), d3, 1e-9, 1e-10 * scale,
          "fwd(rev(fwd)) vs reverse^3")
    close(on.run(fa.jacrev(fa.jacfwd(fa.grad(g))), t0), d3, 1e-9, 1e-10 * scale,
          "jacrev(jacfwd(grad)) vs reverse^3")
    close(on.run(fa.hessian(fa.grad(g)), t0), d3, 1e-9, 1e-10 * scale,
          "hessian(grad) vs reverse^3")
    # The directional derivatives agree with the gradient and Hessian of f.
    gx, gy = on.run(fa.grad(q.f_scalar, argnums=(0, 1)), xb, yb)
    close(d1, np.sum(gx * u) + np.sum(gy * v), 1e-10, 1e-11 * scale, "d1 vs <grad, u>")
    hu = on.run(fa.hvp, q.f_scalar, (xb, yb), (ub, vb))
    close(d2, np.sum(hu[0] * u) + np.sum(hu[1] * v), 1e-9, 1e-10 * scale, "d2 vs <u, H u>")
    if smooth_enough(p, x, y):
        h = FD_STEP_2
        fd3 = (on.run(fa.grad(fa.grad(g)), on.put(h))
               - on.run(fa.grad(fa.grad(g)), on.put(-h))) / (2 * h)
        close(d3, fd3, 1e-4, 1e-5 * scale, "d3 vs finite differences of d2")


@property_test(cases(), max_examples=100)
def test_plain_numpy_code_differentiates(sweep_backend, case):
    """The program written with plain ``np.*`` calls transforms like the funcad.numpy one."""
    on = sweep_backend
    p, x, y = case
    note(Repro(p, x, y))
    q, xb, yb = OnBackend(p, on), on.put(x), on.put(y)
    plain = p.ref(x, y)
    close(on.run(q.f_numpy, xb, yb), plain, 1e-12, 1e-12 * scale_of(plain),
          "np program, plain call")
    g = on.run(fa.grad(q.f_scalar, argnums=(0, 1)), xb, yb)
    g_np = on.run(fa.grad(q.f_numpy_scalar, argnums=(0, 1)), xb, yb)
    rng = np.random.default_rng(p.seed + 5)
    ux, uy = random_like(rng, x.shape), random_like(rng, y.shape)
    uxb, uyb = on.put(ux), on.put(uy)
    t = on.run(lambda: fa.jvp(q.f, (xb, yb), (uxb, uyb))[1])
    t_np = on.run(lambda: fa.jvp(q.f_numpy, (xb, yb), (uxb, uyb))[1])
    j = on.run(fa.jacfwd(q.f, argnums=(0, 1)), xb, yb)
    j_np = on.run(fa.jacfwd(q.f_numpy, argnums=(0, 1)), xb, yb)
    for k in range(2):
        close(g_np[k], g[k], 1e-12, 1e-12 * scale_of(g[k]), f"np program, grad {k}")
        close(j_np[k], j[k], 1e-12, 1e-12 * scale_of(j[k]), f"np program, jacfwd {k}")
    close(t_np, t, 1e-12, 1e-12 * scale_of(t), "np program, jvp")
    xs = np.stack([x, x * 0.5 - 0.3])
    xsb = on.put(xs)
    close(on.run(fa.vmap(q.f_numpy, in_axes=(0, None)), xsb, yb),
          on.run(fa.vmap(q.f, in_axes=(0, None)), xsb, yb),
          1e-12, 1e-12 * scale_of(plain), "np program, vmap")


@property_test(cases(), max_examples=100)
def test_float32_inputs_give_float32_derivatives(sweep_backend, case):
    """float32 in, float32 derivatives out (close to the float64 ones); tangents keep dtypes.

    A program may mix in float64 constants, making its output float64. Gradients,
    cotangents and jacrev still follow the inputs (float32); a jvp tangent and jacfwd
    follow the primal output, whose dtype a tangent always has (as in JAX).
    """
    on = sweep_backend
    p, x, y = case
    note(Repro(p, x, y))
    assume(smooth_enough(p, x, y))
    q = OnBackend(p, on)
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    x64, y64 = x32.astype(np.float64), y32.astype(np.float64)
    x32b, y32b = on.put(x32), on.put(y32)
    with on.guard():
        g32_raw = fa.grad(q.f_scalar, argnums=(0, 1))(x32b, y32b)
    g32 = on.get(g32_raw)
    g64 = on.run(fa.grad(q.f_scalar, argnums=(0, 1)), on.put(x64), on.put(y64))
    for k, (a32, a64) in enumerate(zip(g32, g64)):
        assert np.asarray(a32).dtype == np.float32, f"grad {k} has dtype {np.asarray(a32).dtype}"
        if np.ndim(a64) == 0 and on.name == "numpy":
            # NumPy's 0-d results are NumPy scalars; other backends give 0-d arrays.
            assert type(g32_raw[k]) is np.float32, (
                f"0-d grad {k} has type {type(g32_raw[k]).__name__}")
        close(a32, a64, 2e-3, 2e-3 * scale_of(a64), f"float32 grad {k}")
    out_dtype = np.asarray(on.run(q.f, x32b, y32b)).dtype
    cts = on.run(lambda: fa.vjp(q.f, x32b, y32b)[1](
        on.put(np.ones(p.out_shape, dtype=out_dtype))))
    assert [np.asarray(c).dtype for c in cts] == [np.float32, np.float32]
    jr = on.run(fa.jacrev(q.f, argnums=(0, 1)), x32b, y32b)
    assert [np.asarray(a).dtype for a in jr] == [np.float32, np.float32], (
        f"jacrev dtypes {[np.asarray(a).dtype for a in jr]}")
    out, t = on.run(fa.jvp, q.f, (x32b, y32b),
                    (on.put(np.ones_like(x32)), on.put(np.zeros_like(y32))))
    assert np.asarray(out).dtype == out_dtype, (
        f"jvp primal has dtype {np.asarray(out).dtype}, the plain call {out_dtype}")
    assert np.asarray(t).dtype == out_dtype, (
        f"jvp tangent has dtype {np.asarray(t).dtype} but the primal output has {out_dtype}")
    jf = on.run(fa.jacfwd(q.f, argnums=(0, 1)), x32b, y32b)
    assert [np.asarray(a).dtype for a in jf] == [out_dtype, out_dtype], (
        f"jacfwd dtypes {[np.asarray(a).dtype for a in jf]}; the output has {out_dtype}")


# --------------------------------------------------------------------------
# Ties, deliberately: the conventions of the API contract.
# --------------------------------------------------------------------------


@st.composite
def tie_cases(draw):
    shape = draw(st.sampled_from([(3,), (2, 3), (4,), (2, 2), (1, 3), (3, 1)]))
    x = draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 0.0, 0.5, 1.0])))
    nd = len(shape)
    axis = draw(st.one_of(st.none(), st.integers(-nd, nd - 1)))
    keepdims = draw(st.booleans())
    op = draw(st.sampled_from(["max", "min"]))
    return x, axis, keepdims, op


@property_test(tie_cases(), max_examples=100)
def test_tie_conventions(sweep_backend, case):
    """max/min split the derivative over ties; abs'(0) = 0; maximum(x, 0)' = 1/2 at 0."""
    on = sweep_backend
    x, axis, keepdims, op = case
    xb = on.put(x)
    red = getattr(np, op)(x, axis=axis, keepdims=True)
    w = np.cos(np.arange(np.size(getattr(np, op)(x, axis=axis, keepdims=keepdims))) + 0.5)
    w = w.reshape(np.shape(getattr(np, op)(x, axis=axis, keepdims=keepdims)))
    wb = on.put(w)

    def f(x_):
        return fnp.sum(getattr(fnp, op)(x_, axis=axis, keepdims=keepdims) * wb)

    hits = (x == red).astype(float)
    weights = hits / np.sum(hits, axis=axis, keepdims=True)
    w_full = np.broadcast_to(
        w.reshape(red.shape) if np.ndim(w) else w, x.shape)
    close(on.run(fa.grad(f), xb), w_full * weights, 1e-12, 1e-12, f"{op} tie splitting")
    jf = on.run(fa.jacfwd(lambda x_: getattr(fnp, op)(x_, axis=axis, keepdims=keepdims)), xb)
    jr = on.run(fa.jacrev(lambda x_: getattr(fnp, op)(x_, axis=axis, keepdims=keepdims)), xb)
    close(jf, jr, 1e-12, 1e-12, f"{op} jacfwd vs jacrev at ties")

    ga = on.run(fa.grad(lambda x_: fnp.sum(fnp.abs(x_))), xb)
    close(ga, np.sign(x), 0, 0, "abs'(x) = sign(x), abs'(0) = 0")
    gm = on.run(fa.grad(lambda x_: fnp.sum(fnp.maximum(x_, 0.0))), xb)
    close(gm, (x > 0) + 0.5 * (x == 0), 0, 0, "maximum(x, 0)' = 1/2 at 0")
    gmin = on.run(fa.grad(lambda x_: fnp.sum(fnp.minimum(x_, x_[..., ::-1]))), xb)
    expected = (x < x[..., ::-1]) + 0.5 * (x == x[..., ::-1])
    expected = expected + ((x[..., ::-1] < x) + 0.5 * (x == x[..., ::-1]))[..., ::-1]
    close(gmin, expected, 0, 0, "minimum(x, reversed x) at ties")


# --------------------------------------------------------------------------
# The strategy itself.
# --------------------------------------------------------------------------


@pytest.mark.fixed_backend("checks the hypothesis strategy on the NumPy reference; "
                            "no funcad function runs")
@settings(max_examples=200, **SETTINGS)
@given(cases())
def test_strategy_programs_are_valid(case):
    """Generated programs run on NumPy, stay within their bounds, and have the stated shape."""
    p, x, y = case
    note(Repro(p, x, y))
    out = p.ref(x, y)
    assert out.shape == p.out_shape
    assert np.all(np.isfinite(out))
    assert np.max(np.abs(out), initial=0.0) <= BMAX + 1e-9


@pytest.mark.fixed_backend("checks the hypothesis strategy on the NumPy reference; "
                            "no funcad function runs")
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_strategy_covers_every_family(family):
    """Each step family produces programs (guards against a family that always declines)."""
    made = []

    @settings(max_examples=30, database=None, **SETTINGS)
    @given(st.data())
    def run(data):
        b = Builder(data.draw, (2, 3), (3,), 0)
        b.new_step(data.draw(st.integers(0, 2**32 - 1)))
        if FAMILIES[family](b):
            made.append(b.build())

    run()
    assert made, f"family {family!r} never produced a step"

"""Contractions: matmul and einsum.

``einsum`` is bound with a normalised specification (explicit output, no
ellipsis); the backend plans each contraction with opt_einsum once per
expression and shapes.
"""

from __future__ import annotations

import functools

import opt_einsum

from funcad import backend
from funcad.core.primitive import PerArgument, Primitive
from funcad.core.trace import Tracer
from funcad.primitives._util import backend_of, move_to_front, ndim_of, shape_of, unbroadcast
from funcad.primitives.arithmetic import multiply
from funcad.primitives.indexing import getitem
from funcad.primitives.reduction import sum as sum_
from funcad.primitives.shape import broadcast_to, reshape, transpose

matmul_p = Primitive("matmul")
einsum_p = Primitive("einsum")


def matmul(a, b):
    """Matrix product with NumPy's ``@`` semantics (1-D promotion, broadcasting)."""
    if not (isinstance(a, Tracer) or isinstance(b, Tracer)):
        return backend.of_pair(a, b).xp.matmul(a, b)
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        raise ValueError("matmul: input operand does not have enough dimensions (0-d); use *")
    return matmul_p.bind(a, b)


def einsum(subscripts: str, *operands):
    """Einstein summation, planned by opt_einsum and cached per expression and shapes."""
    spec = _normalized_spec(subscripts, tuple(shape_of(op) for op in operands))
    return einsum_p.bind(*operands, spec=spec)


@functools.lru_cache(maxsize=1024)
def _normalized_spec(subscripts: str, shapes: tuple) -> str:
    """``subscripts`` with ellipses expanded and the output made explicit."""
    inputs, output, _ = opt_einsum.parser.parse_einsum_input([subscripts, *shapes], shapes=True)
    return f"{inputs}->{output}"


def _swap_last(x):
    n = ndim_of(x)
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


# matmul ---------------------------------------------------------------------
@matmul_p.def_impl
def _matmul_impl(a, b):
    return backend.of_pair(a, b).xp.matmul(a, b)


def _matmul_jvp_a(t, ans, a, b):
    return matmul(t, b)


def _matmul_jvp_b(t, ans, a, b):
    return matmul(a, t)


def _matmul_vjp_a(ct, ans, a, b):
    a_nd, b_nd = ndim_of(a), ndim_of(b)
    if b_nd == 1:
        g = multiply(ct, b) if a_nd == 1 else multiply(getitem(ct, (Ellipsis, None)), b)
    elif a_nd == 1 and b_nd == 2:
        g = matmul(b, ct)
    elif a_nd == 1:
        g = getitem(matmul(getitem(ct, (Ellipsis, None, slice(None))), _swap_last(b)),
                    (Ellipsis, 0, slice(None)))
    else:
        g = matmul(ct, _swap_last(b))
    return unbroadcast(g, shape_of(a))


def _matmul_vjp_b(ct, ans, a, b):
    a_nd, b_nd = ndim_of(a), ndim_of(b)
    if a_nd == 1:
        g = multiply(ct, a) if b_nd == 1 else multiply(
            getitem(a, (slice(None), None)), getitem(ct, (Ellipsis, None, slice(None))))
    elif b_nd == 1 and a_nd == 2:
        g = matmul(ct, a)
    elif b_nd == 1:
        g = getitem(matmul(_swap_last(a), getitem(ct, (Ellipsis, None))), (Ellipsis, 0))
    else:
        g = matmul(_swap_last(a), ct)
    return unbroadcast(g, shape_of(b))


def _matmul_subscripts(p: int, q: int) -> tuple[str, str, str]:
    """Per-operand einsum subscripts of ``matmul`` for operand ranks p and q."""
    if p == 1 and q == 1:
        return "k", "k", ""
    if p == 1:
        lead = "abcdefgh"[: q - 2]
        return "k", lead + "km", lead + "m"
    if q == 1:
        lead = "abcdefgh"[: p - 2]
        return lead + "nk", "k", lead + "n"
    r = max(p, q) - 2
    lead = "abcdefgh"[:r]
    return lead[r - (p - 2):] + "nk", lead[r - (q - 2):] + "km", lead + "nm"


@matmul_p.def_batch
def _matmul_batch(args, bdims, **params):
    (a, b), (a_bdim, b_bdim) = args, bdims
    p = ndim_of(a) - (a_bdim is not None)
    q = ndim_of(b) - (b_bdim is not None)
    if b_bdim is None and q <= 2:
        return matmul(move_to_front(a, a_bdim), b), 0
    if a_bdim is None and p <= 2 and q >= 2:
        return matmul(a, move_to_front(b, b_bdim)), 0
    if a_bdim is None and p == 2 and q == 1:
        # A vector per example times a fixed matrix: one GEMM, (B, k) @ A.T.
        return matmul(move_to_front(b, b_bdim), _swap_last(a)), 0
    if a_bdim is not None and b_bdim is not None and p == q >= 2:
        return matmul(move_to_front(a, a_bdim), move_to_front(b, b_bdim)), 0
    sa, sb, so = _matmul_subscripts(p, q)
    if a_bdim is not None:
        a, sa = move_to_front(a, a_bdim), "Z" + sa
    if b_bdim is not None:
        b, sb = move_to_front(b, b_bdim), "Z" + sb
    return einsum_p.bind(a, b, spec=f"{sa},{sb}->Z{so}"), 0


matmul_p.def_jvp(_matmul_jvp_a, _matmul_jvp_b)
matmul_p.def_vjp(_matmul_vjp_a, _matmul_vjp_b)


# einsum ---------------------------------------------------------------------
def _split_spec(spec: str) -> tuple[list[str], str]:
    inputs, output = spec.split("->")
    return inputs.split(","), output


def _fresh_symbols(used: set[str], count: int) -> list[str]:
    fresh, k = [], 0
    while len(fresh) < count:
        symbol = opt_einsum.get_symbol(k)
        if symbol not in used and symbol not in fresh:
            fresh.append(symbol)
        k += 1
    return fresh


@einsum_p.def_impl
def _einsum_impl(*operands, spec):
    out = backend.of_many(*operands).einsum(spec, *operands)
    return out[()] if out.ndim == 0 else out  # a full contraction is a scalar, as in NumPy


def _einsum_jvp(i, t, ans, *operands, spec):
    replaced = operands[:i] + (t,) + operands[i + 1:]
    return einsum_p.bind(*replaced, spec=spec)


def _einsum_vjp(i, ct, ans, *operands, spec):
    inputs, output = _split_spec(spec)
    target = inputs[i]
    own = dict(zip(target, shape_of(operands[i])))
    others = [s for j, s in enumerate(inputs) if j != i]
    other_ops = [op for j, op in enumerate(operands) if j != i]
    unique = "".join(dict.fromkeys(target))
    available = set(output).union(*others)
    reachable = "".join(c for c in unique if c in available)
    g = einsum_p.bind(ct, *other_ops, spec=",".join([output] + others) + "->" + reachable)
    # Where this operand broadcast (size 1 here, larger elsewhere) the gradient is
    # summed back; where the others broadcast (larger here) it is spread out.
    wanted = tuple(own[c] for c in reachable)
    summed = tuple(k for k, (w, n) in enumerate(zip(wanted, shape_of(g))) if w == 1 and n != 1)
    if summed:
        g = sum_(g, axis=summed, keepdims=True)
    if shape_of(g) != wanted:
        g = broadcast_to(g, wanted)
    if reachable != unique:
        # Letters summed only inside this operand: its gradient is constant along them.
        g = reshape(g, tuple(own[c] if c in available else 1 for c in unique))
        g = broadcast_to(g, tuple(own[c] for c in unique))
    if unique != target:
        # Repeated letters (a diagonal): embed with identity matrices.
        xp = backend_of(ct).xp
        fresh = _fresh_symbols(set(spec), len(target) - len(unique))
        seen, out_subs, eyes, eye_specs = set(), [], [], []
        for c in target:
            if c in seen:
                f = fresh.pop()
                out_subs.append(f)
                eyes.append(xp.eye(own[c], dtype=getattr(g, "dtype", None)))
                eye_specs.append(c + f)
            else:
                seen.add(c)
                out_subs.append(c)
        g = einsum_p.bind(g, *eyes, spec=",".join([unique] + eye_specs) + "->" + "".join(out_subs))
    return g


@einsum_p.def_batch
def _einsum_batch(args, bdims, *, spec):
    inputs, output = _split_spec(spec)
    (z,) = _fresh_symbols(set(spec), 1)
    moved, subs = [], []
    for op, s, b in zip(args, inputs, bdims):
        if b is None:
            moved.append(op)
            subs.append(s)
        else:
            moved.append(move_to_front(op, b))
            subs.append(z + s)
    return einsum_p.bind(*moved, spec=",".join(subs) + "->" + z + output), 0


einsum_p.def_jvp(PerArgument(_einsum_jvp))
einsum_p.def_vjp(PerArgument(_einsum_vjp))

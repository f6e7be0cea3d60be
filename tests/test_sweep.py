"""The systematic sweep: every row of ``op_specs`` through every check.

For each row: values against NumPy; JVP against central finite differences;
VJP against JVP (``<v, J u> == <J^T v, u>``); jacfwd against jacrev; batching
against a Python loop (batch axis first, last, and one argument at a time);
and second order: the JVP of the VJP against finite differences of the VJP,
and reverse-over-reverse against forward-over-reverse.

The transforms run on the backend ``--backend`` names (``sweep_backend`` in
``tests/conftest.py``; NumPy without it): each row's inputs are put there, its
results must be that backend's arrays, and they are read back to be compared
with NumPy's references and finite differences. Rows the backend's strict
table lists as unsupported are expected to fail there.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from funcad.core.primitive import REGISTRY
from tests.op_specs import ROWS, draw

DIFF_ROWS = [r for r in ROWS if r.differentiable]
_INDEX = {id(r): i for i, r in enumerate(ROWS)}


def _ids(rows):
    return [f"{i}-{r.name}" for i, r in enumerate(rows)]


def _rng(row, salt=0):
    # crc32, not hash(): str hashes change from one process to the next.
    return np.random.default_rng(zlib.crc32(repr((row.name, row.shapes, salt)).encode()))


def _wide(a):
    a = np.asarray(a)
    return a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)


def _dot(a, b):
    # The real part of the bilinear pairing: VJPs are transposes (JAX's convention),
    # so <v, J u> = <J^T v, u> holds for complex functions too.
    return float(np.real(np.sum(_wide(a) * _wide(b))))


def _like(rng, x):
    """A random direction with the shape and kind (real or complex) of ``x``."""
    u = rng.normal(size=np.shape(x))
    if np.iscomplexobj(x):
        u = u + 1j * rng.normal(size=np.shape(x))
    return u


def _central_difference(f, xs, us, eps=1e-6):
    plus = f(*[x + eps * u for x, u in zip(xs, us)])
    minus = f(*[x - eps * u for x, u in zip(xs, us)])
    if isinstance(plus, tuple):
        return tuple((np.asarray(p) - np.asarray(m)) / (2 * eps) for p, m in zip(plus, minus))
    return (np.asarray(plus) - np.asarray(minus)) / (2 * eps)


def _close(actual, expected, tol):
    np.testing.assert_allclose(_wide(actual), _wide(expected), rtol=tol, atol=tol)


@pytest.fixture
def on(sweep_backend, request):
    """The sweep's backend; a row it lists as unsupported is expected to fail."""
    row = request.node.callspec.params["row"]
    reason = sweep_backend.known_failure(_INDEX[id(row)])
    if reason is not None:
        request.node.add_marker(pytest.mark.xfail(reason=reason, strict=False))
    return sweep_backend


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_value_matches_numpy(row, on):
    xs = draw(row, _rng(row))
    out = on.get(row.fun(*on.put(xs)))
    expected = row.ref(*xs)
    assert np.shape(out) == np.shape(expected)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("row", DIFF_ROWS, ids=_ids(DIFF_ROWS))
def test_jvp_matches_finite_differences(row, on):
    rng = _rng(row)
    xs = draw(row, rng)
    us = [_like(rng, x) for x in xs]
    y, y_dot = on.get(fa.jvp(row.fun, on.put(tuple(xs)), on.put(tuple(us))))
    _close(y, row.ref(*xs), 1e-12)
    assert np.shape(y_dot) == np.shape(y)
    _close(y_dot, _central_difference(row.fun, xs, us, row.extra.get("eps", 1e-6)), row.tol)


@pytest.mark.parametrize("row", DIFF_ROWS, ids=_ids(DIFF_ROWS))
def test_vjp_is_transpose_of_jvp(row, on):
    rng = _rng(row, 1)
    xs = draw(row, rng)
    us = [_like(rng, x) for x in xs]
    y, y_dot = on.get(fa.jvp(row.fun, on.put(tuple(xs)), on.put(tuple(us))))
    y2, f_vjp = fa.vjp(row.fun, *on.put(xs))
    _close(on.get(y2), y, 1e-12)
    v = _like(rng, y).astype(np.asarray(y).dtype)
    cts = on.get(f_vjp(on.put(v)))
    assert len(cts) == len(xs)
    for ct, x in zip(cts, xs):
        assert np.shape(ct) == np.shape(x)
    lhs = _dot(v, y_dot)
    rhs = sum(_dot(ct, u) for ct, u in zip(cts, us))
    assert lhs == pytest.approx(rhs, rel=row.tol, abs=row.tol)
    # vjp_fn can be called again with another cotangent.
    cts2 = on.get(f_vjp(on.put(2 * v)))
    for a, b in zip(cts2, cts):
        _close(a, 2 * np.asarray(b), 1e-10)


def _realified(fun, xs):
    """``fun`` as a real function: complex arguments and results as (..., 2) real pairs."""
    kinds = [np.iscomplexobj(x) for x in xs]

    def real_fun(*parts):
        args = [p[..., 0] + 1j * p[..., 1] if c else p for p, c in zip(parts, kinds)]
        out = fun(*args)
        if getattr(getattr(out, "dtype", None), "kind", None) == "c":
            return fnp.stack([fnp.real(out), fnp.imag(out)], axis=-1)
        return out

    parts = [np.stack([x.real, x.imag], -1) if c else x for x, c in zip(xs, kinds)]
    return real_fun, parts


@pytest.mark.parametrize("row", DIFF_ROWS, ids=_ids(DIFF_ROWS))
def test_jacfwd_matches_jacrev(row, on):
    xs = draw(row, _rng(row, 2))
    fun = row.fun
    holomorphic = row.extra.get("holomorphic", False)
    if not holomorphic and (any(np.iscomplexobj(x) for x in xs)
                            or np.iscomplexobj(row.fun(*xs))):
        # Non-holomorphic complex functions: compare the real Jacobians.
        fun, xs = _realified(row.fun, xs)
    argnums = tuple(range(len(xs)))
    forward = on.get(fa.jacfwd(fun, argnums=argnums, holomorphic=holomorphic)(*on.put(xs)))
    reverse = on.get(fa.jacrev(fun, argnums=argnums, holomorphic=holomorphic)(*on.put(xs)))
    out_shape = np.shape(fun(*xs))
    for jf, jr, x in zip(forward, reverse, xs):
        assert np.shape(jf) == out_shape + np.shape(x)
        _close(jf, jr, 1e-10)


def _loop(row, batched_xs, axes, size):
    results = []
    for b in range(size):
        args = [x if a is None else np.take(x, b, axis=a) for x, a in zip(batched_xs, axes)]
        results.append(row.fun(*args))
    return np.stack(results)


@pytest.mark.parametrize("row", ROWS, ids=_ids(ROWS))
def test_batching_matches_loop(row, on):
    rng = _rng(row, 3)
    size = 3
    batched = draw(row, rng, batch=(size,))
    n = len(batched)
    cases = [(0,) * n]
    # Batch axis last (where the argument has one), and one argument at a time.
    cases.append(tuple(-1 for _ in range(n)))
    if n > 1:
        cases += [tuple(0 if j == i else None for j in range(n)) for i in range(n)]
    for axes in cases:
        xs = []
        for x, a in zip(batched, axes):
            if a is None:
                xs.append(x[0])
            elif a == -1:
                xs.append(np.moveaxis(x, 0, -1))
            else:
                xs.append(x)
        out = on.get(fa.vmap(row.fun, in_axes=axes)(*on.put(xs)))
        expected = _loop(row, xs, [None if a is None else a % np.ndim(x) for x, a in zip(xs, axes)],
                         size)
        assert np.shape(out) == np.shape(expected), axes
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12, err_msg=str(axes))


@pytest.mark.parametrize("row", DIFF_ROWS, ids=_ids(DIFF_ROWS))
def test_second_order(row, on):
    rng = _rng(row, 4)
    xs = draw(row, rng)
    y = row.fun(*xs)
    v = _like(rng, y)
    us = [_like(rng, x) for x in xs]
    ws = [_like(rng, x) for x in xs]

    def pullback(*args):
        return fa.vjp(row.fun, *args)[1](v)

    def pullback_on(*args):
        return fa.vjp(row.fun, *args)[1](on.put(v))

    _, pb_dot = on.get(fa.jvp(pullback_on, on.put(tuple(xs)), on.put(tuple(us))))
    expected = _central_difference(pullback, xs, us, row.extra.get("eps", 1e-5))
    for a, e in zip(pb_dot, expected):
        _close(a, e, max(row.tol, 1e-5) * 10)
    # Reverse over reverse is the transpose of forward over reverse.
    _, pb_vjp = fa.vjp(pullback_on, *on.put(xs))
    lhs = sum(_dot(w, d) for w, d in zip(ws, pb_dot))
    rhs = sum(_dot(c, u) for c, u in zip(on.get(pb_vjp(on.put(tuple(ws)))), us))
    assert lhs == pytest.approx(rhs, rel=1e-7, abs=1e-7)


@pytest.mark.fixed_backend("bookkeeping of the primitive registry and the rows: no array")
def test_every_primitive_has_a_row_and_all_rules():
    covered = {p for row in ROWS for p in row.primitives}
    missing = sorted(set(REGISTRY) - covered)
    assert not missing, f"primitives without a row in tests/op_specs.py: {missing}"
    for name, prim in REGISTRY.items():
        assert prim.impl is not None and prim.batch is not None, name
        assert (prim.jvps is None) == (prim.vjps is None), name
    non_diff = {p for row in ROWS if not row.differentiable for p in row.primitives}
    for name in covered - non_diff:
        assert REGISTRY[name].jvps is not None, f"{name} has no derivative rules"


def test_ties_split_the_derivative_evenly(sweep_backend):
    on = sweep_backend  # this file's ``on`` fixture belongs to the rows
    x = on.put(np.array([1.0, 3.0, 3.0, 2.0]))
    np.testing.assert_array_equal(on.run(fa.grad(lambda x: x.max()), x), [0, 0.5, 0.5, 0])
    np.testing.assert_array_equal(on.run(fa.grad(lambda x: x.min()), on.put(np.array([2.0, 2.0]))),
                                  [0.5, 0.5])
    zero = on.put(0.0)  # a Python float on NumPy, a 0-d array elsewhere
    assert on.run(fa.grad(lambda x: fa.numpy.maximum(x, 0.0)), zero) == 0.5
    assert on.run(fa.grad(lambda x: abs(x)), zero) == 0.0
    _, t = on.run(fa.jvp, lambda x: x.max(), (x,), (on.put(np.array([0.0, 2.0, 4.0, 0.0])),))
    assert t == 3.0


def _single(x):
    x = np.asarray(x)
    return x.astype(np.complex64 if x.dtype.kind == "c" else np.float32) if x.dtype.kind in "fc" \
        else x


@pytest.mark.parametrize("row", DIFF_ROWS, ids=_ids(DIFF_ROWS))
def test_single_precision_stays_single(row, on):
    """float32 in: values, tangents and cotangents keep NumPy's dtype, with no upcast in rules."""
    rng = _rng(row, 5)
    xs = [_single(x) for x in draw(row, rng)]
    expected = np.asarray(row.ref(*xs)).dtype
    us = tuple(_like(rng, x).astype(x.dtype) for x in xs)
    y, y_dot = fa.jvp(row.fun, on.put(tuple(xs)), on.put(us))
    assert y.dtype == expected
    assert y_dot.dtype == expected
    _, f_vjp = fa.vjp(row.fun, *on.put(xs))
    for ct, x in zip(f_vjp(on.put(_like(rng, np.zeros(y.shape, y.dtype)).astype(expected))), xs):
        assert ct.dtype == x.dtype


@pytest.mark.parametrize("row", DIFF_ROWS, ids=_ids(DIFF_ROWS))
def test_check_grads_accepts_every_rule(row, on):
    """``fa.check_grads``, the tool users test their own code with, on every row."""
    xs = draw(row, _rng(row, 6))
    tol = max(row.tol, 1e-5) * 10
    fa.check_grads(row.fun, on.put(tuple(xs)), order=2, modes=("fwd", "rev"), atol=tol, rtol=tol,
                   eps=row.extra.get("eps", 1e-5))

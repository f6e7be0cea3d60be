"""funcad.numpy.linalg on complex matrices: values, derivatives in complex directions,
Hermitian conventions and the phase gauge of vectors.

Expected values come from NumPy, finite differences or closed forms.

The tests that compute run on the backend ``--backend`` names (the fixture ``on``
of ``tests/conftest.py``; NumPy without it): inputs, and the constants the
functions under test close over, are put there, the transforms run under the
backend's guard (Dask: no computing; CuPy: no copy to the host), and the results
must be that backend's arrays before they are read back and compared with NumPy
(finite differences and plain calls on the NumPy inputs). Dask has no lazy
``eig``: there the eig cases check that funcad refuses it and are marked xfail.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from tests.test_linalg import DOCS, _cofactor_jacobian

la = fnp.linalg


def _rng(seed=0):
    return np.random.default_rng(seed)


def _central(f, x, u, eps=1e-6):
    return (np.asarray(f(x + eps * u)) - np.asarray(f(x - eps * u))) / (2 * eps)


# Complex matrices -----------------------------------------------------------------
def _complex(rng, *shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def _hermitian_part(a):
    return (a + np.conj(np.swapaxes(a, -1, -2))) / 2


def _fherm(a):
    return (a + fnp.conj(fnp.swapaxes(a, -1, -2))) / 2


def _phase_fixed(v):
    """Columns turned so that their first entries are real and positive (any of xp)."""
    first = v[..., 0:1, :]
    return v * fnp.conj(first) / fnp.abs(first)


def _cplx_usv(a):
    u, s, vh = la.svd(a, full_matrices=False)
    return (u * s[..., None, :]) @ vh


def _cplx_positive_qr(a):
    q, r = la.qr(a)
    d = fnp.einsum("ii->i", r)
    phase = d / fnp.abs(d)
    return fnp.concatenate([q * phase[None, :], fnp.conj(phase)[:, None] * r], axis=0)


# name: (function, input kind, holomorphic)
COMPLEX_CASES = {
    "solve": (lambda a: la.solve(a, a[:, 0] * 2 + 1j), "general", True),
    "solve_triangular": (lambda a: la.solve_triangular(a, a.T, lower=True), "general", True),
    "inv": (la.inv, "general", True),
    "det": (la.det, "general", True),
    "matrix_power": (lambda a: la.matrix_power(a, -2), "general", True),
    "multi_dot": (lambda a: la.multi_dot([a, a.T, a]), "general", True),
    "slogdet_sign": (lambda a: la.slogdet(a)[0], "general", False),
    "slogdet_log": (lambda a: la.slogdet(a)[1], "general", False),
    "cholesky": (lambda a: la.cholesky(_fherm(a)), "hpd", False),
    "cholesky_upper": (lambda a: la.cholesky(_fherm(a), upper=True), "hpd", False),
    "eigvalsh": (lambda a: la.eigvalsh(_fherm(a)), "hermitian", False),
    "eigh": (lambda a: _phase_fixed(la.eigh(_fherm(a))[1]), "hermitian", False),
    "svdvals": (lambda a: la.svd(a, compute_uv=False), "general", False),
    "svd_usv": (_cplx_usv, "general", False),
    "svd_u": (lambda a: _phase_fixed(la.svd(a)[0]), "general", False),
    "qr": (_cplx_positive_qr, "general", False),
    "pinv": (la.pinv, "general", False),
    "lstsq": (lambda a: la.lstsq(a, a[:, 1])[0], "general", False),
    "norm": (la.norm, "general", False),
    "norm_nuc": (lambda a: la.norm(a, "nuc"), "general", False),
    "norm_2": (lambda a: la.norm(a, 2), "general", False),
    "norm_p": (lambda a: la.norm(a, 3, axis=0), "general", False),
    "norm_inf": (lambda a: la.norm(a[0], np.inf), "general", False),
    "eigvals": (la.eigvals, "spectrum", True),
    "eig_function": (lambda a: _eig_function(a), "spectrum", True),
    "eig_vectors": (lambda a: _phase_fixed(la.eig(a)[1]), "spectrum", False),
    "cond": (la.cond, "general", False),
    "cond_fro": (lambda a: la.cond(a, "fro"), "general", False),
    "matrix_norm": (lambda a: la.matrix_norm(a, ord="nuc"), "general", False),
    "vector_norm": (lambda a: la.vector_norm(a, ord=3), "general", False),
    "linalg_svdvals": (la.svdvals, "general", False),
    "vecdot": (lambda a: la.vecdot(a, a.T * 1j), "general", False),
    "vecdot_x2": (lambda a: _vecdot_x2(a), "general", True),
    "tensorinv": (lambda a: la.tensorinv(fnp.reshape(a, (3, 3, 1)), 1), "general", True),
    "tensorsolve": (lambda a: la.tensorsolve(fnp.reshape(a, (3, 1, 3)), a[:, 0:1] * 1j),
                    "general", True),
    "cross": (lambda a: la.cross(a, a[::-1] * 1j), "general", True),
    "outer": (lambda a: la.outer(a[0], a[:, 1]), "general", True),
    "trace": (lambda a: la.trace(la.matmul(a, a), offset=1), "general", True),
}


def _eig_function(a):
    """``v diag(exp w) v^{-1}`` (exp of a): free of the vectors' phases and order."""
    w, v = la.eig(a)
    return (v * fnp.exp(w)[None, :]) @ la.inv(v)


VECDOT_X2 = np.array([1 - 1j, 2, 0.5j], np.complex64)


def _vecdot_x2(a, x2=VECDOT_X2):
    return la.vecdot(x2, a, axis=0)


def _on_backend(name, on):
    """Case ``name``'s function with the constants it closes over put on ``on``."""
    if name == "vecdot_x2":
        return functools.partial(_vecdot_x2, x2=on.put(VECDOT_X2))
    return COMPLEX_CASES[name][0]


def _eig_not_lazy(on, kind, f, a):
    """On Dask: check that eig is refused before any work, and mark the test xfail."""
    if on.name != "dask" or kind != "spectrum":
        return
    from funcad.backend.dask import NotLazyError

    ab = on.put(a)
    with pytest.raises(NotLazyError):
        on.run(fa.jvp, f, (ab,), (ab,))
    pytest.xfail("Dask has no lazy numpy.linalg.eig: funcad refuses eig/eigvals on Dask "
                 "(NotLazyError) by design (docs/backends.md, tests/test_dask_sweep.py)")


def _complex_input(kind, rng):
    if kind == "hpd":
        b = _complex(rng, 3, 3)
        return b @ b.conj().T + 3 * np.eye(3)
    if kind == "hermitian":
        q = np.linalg.qr(_complex(rng, 3, 3))[0]
        return (q * np.array([-1.0, 0.5, 2.0])) @ q.conj().T
    if kind == "spectrum":  # distinct complex eigenvalues, a well-conditioned basis
        s = np.eye(3) + 0.3 * _complex(rng, 3, 3)
        return (s * np.array([-1.0 + 0.5j, 0.5 - 1j, 2.0])) @ np.linalg.inv(s)
    return 0.5 * _complex(rng, 3, 3) + 3 * np.eye(3)


@pytest.mark.parametrize("name", sorted(COMPLEX_CASES))
def test_complex_values_and_derivatives_in_complex_directions(name, on):
    f, kind, holomorphic = COMPLEX_CASES[name]
    rng = _rng(40)
    a = _complex_input(kind, rng)
    u = _complex(rng, 3, 3)
    if kind in ("hpd", "hermitian"):
        a = _hermitian_part(a)
    fb = _on_backend(name, on)
    _eig_not_lazy(on, kind, fb, a)
    ab, ub = on.put((a, u))
    y, t = on.run(fa.jvp, fb, (ab,), (ub,))
    np.testing.assert_allclose(y, f(a), rtol=1e-12, atol=1e-12)  # plain call: NumPy's value
    np.testing.assert_allclose(t, _central(f, a, u), rtol=1e-6, atol=1e-6)
    # The VJP is the transpose of the JVP (JAX's convention): Re<v, J u> = Re<J^T v, u>.
    v = _complex(rng, *np.shape(y)) if np.iscomplexobj(y) else rng.normal(size=np.shape(y))
    vb = on.put(v)
    (g,) = on.run(lambda: fa.vjp(fb, ab)[1](vb))
    assert np.real(np.sum(v * t)) == pytest.approx(np.real(np.sum(g * u)), rel=1e-10, abs=1e-10)
    if holomorphic:
        # The complex derivative: f(a + h u) = f(a) + h J u for complex h, e.g. h = i eps.
        jac = on.run(fa.jacfwd(fb, holomorphic=True), ab)
        np.testing.assert_allclose(np.tensordot(jac, 1j * u, axes=2),
                                   _central(f, a, 1j * u), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(on.run(fa.jacrev(fb, holomorphic=True), ab), jac, atol=1e-10)


@pytest.mark.parametrize("name", sorted(COMPLEX_CASES))
def test_complex64_in_complex64_out(name, on):
    f, kind, _ = COMPLEX_CASES[name]
    a = _complex_input(kind, _rng(41))
    if kind in ("hpd", "hermitian"):
        a = _hermitian_part(a)
    a = a.astype(np.complex64)
    fb = _on_backend(name, on)
    _eig_not_lazy(on, kind, fb, a)
    expected = np.asarray(f(a)).dtype
    assert expected in (np.complex64, np.float32)
    ab = on.put(a)
    y, t = on.run(fa.jvp, fb, (ab,), (ab,))
    assert y.dtype == expected and t.dtype == expected
    np.testing.assert_allclose(y, f(a), rtol=1e-4, atol=1e-4)
    ones = on.put(np.ones_like(y))
    (g,) = on.run(lambda: fa.vjp(fb, ab)[1](ones))
    assert g.dtype == np.complex64


def test_complex_closed_forms(on):
    """JAX's grad of a real f(z) is df/dx - i df/dy; for f = Re g(z), g holomorphic, it is g'."""
    rng = _rng(42)
    a = 0.5 * _complex(rng, 3, 3) + 3 * np.eye(3)
    ab = on.put(a)
    inv_t = np.linalg.inv(a).T
    # det is holomorphic: d det = det a^{-T}.
    np.testing.assert_allclose(on.run(fa.grad(la.det, holomorphic=True), ab),
                               np.linalg.det(a) * inv_t, rtol=1e-10)
    # log|det| = Re log det.
    np.testing.assert_allclose(on.run(fa.grad(lambda a: la.slogdet(a)[1]), ab), inv_t,
                               rtol=1e-10)
    # The sign turns: d sign = i Im(tr(a^{-1} da)) sign.
    u = _complex(rng, 3, 3)
    sign = np.linalg.slogdet(a)[0]
    _, t = on.run(fa.jvp, lambda a: la.slogdet(a)[0], (ab,), (on.put(u),))
    assert t == pytest.approx(1j * np.imag(np.trace(np.linalg.solve(a, u))) * sign, rel=1e-10)
    # Singular values: d s_i = Re(u_i^H da v_i), so grad = conj(outer(u_i, vh_i)).
    uu, s, vh = np.linalg.svd(a)
    for i in range(3):
        np.testing.assert_allclose(
            on.run(fa.grad(lambda a, i=i: la.svd(a, compute_uv=False)[i]), ab),
            np.conj(np.outer(uu[:, i], vh[i])), atol=1e-12)
    np.testing.assert_allclose(on.run(fa.grad(lambda a: la.norm(a, "nuc")), ab),
                               np.conj(uu @ vh), atol=1e-12)
    # Frobenius norm: grad = conj(a) / |a|.
    np.testing.assert_allclose(on.run(fa.grad(la.norm), ab), np.conj(a) / np.linalg.norm(a),
                               rtol=1e-12)
    # Eigenvalues of a Hermitian matrix: d w_i = v_i^H da v_i, grad = outer(conj(v_i), v_i).
    h = _hermitian_part(a)
    hb = on.put(h)
    w, v = np.linalg.eigh(h)
    for i in range(3):
        np.testing.assert_allclose(on.run(fa.grad(lambda a, i=i: la.eigvalsh(a)[i]), hb),
                                   np.outer(np.conj(v[:, i]), v[:, i]), atol=1e-12)
    # log det of a Hermitian positive definite matrix from its Cholesky factor: inv(a)^T.
    p = h + 6 * np.eye(3)

    def logdet(a):
        return 2 * fnp.sum(fnp.log(fnp.real(fnp.einsum("ii->i", la.cholesky(a)))))

    np.testing.assert_allclose(on.run(fa.grad(logdet), on.put(p)), np.linalg.inv(p).T,
                               rtol=1e-10, atol=1e-12)


def test_complex_results_match_numpy_under_transforms(on):
    rng = _rng(43)
    a = 0.5 * _complex(rng, 4, 3) + np.eye(4, 3)
    h = _hermitian_part(_complex(rng, 3, 3)) + 4 * np.eye(3)
    ab, hb = on.put((a, h))

    def parts(a, h):
        w, v = la.eigh(h)
        u, s, vh = la.svd(a, full_matrices=False)
        return (w, v, u, s, vh, *la.qr(a), *la.slogdet(h), la.cholesky(h),
                la.cholesky(h, upper=True), la.pinv(a), *la.lstsq(a, a[:, 0])[:2])

    out, _ = on.run(fa.jvp, parts, (ab, hb), (ab, hb))
    expected = [*np.linalg.eigh(h), *np.linalg.svd(a, full_matrices=False), *np.linalg.qr(a),
                *np.linalg.slogdet(h), np.linalg.cholesky(h), np.linalg.cholesky(h, upper=True),
                np.linalg.pinv(a), *np.linalg.lstsq(a, a[:, 0])[:2]]
    for x, y in zip(out, expected):
        assert np.asarray(x).dtype == np.asarray(y).dtype
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)
    # vmap of a gradient over complex stacks equals a loop.
    stack = np.stack([h, h + 1j * np.triu(np.ones((3, 3)), 1) - 1j * np.tril(np.ones((3, 3)), -1)])

    def f(h):
        return fnp.sum(la.eigvalsh(h) ** 2) + la.slogdet(h)[1]

    np.testing.assert_allclose(on.run(fa.vmap(fa.grad(f)), on.put(stack)),
                               np.stack([fa.grad(f)(x) for x in stack]), atol=1e-12)


def test_complex_hessians(on):
    rng = _rng(44)
    a = 0.5 * _complex(rng, 3, 3) + 3 * np.eye(3)
    ab = on.put(a)
    h = on.run(fa.hessian(la.det, holomorphic=True), ab)
    np.testing.assert_allclose(h, _cofactor_jacobian(a), atol=1e-10)

    def f(a):
        return la.norm(a, "nuc") + la.slogdet(a)[1]

    u = _complex(rng, 3, 3)
    np.testing.assert_allclose(on.run(fa.hvp, f, (ab,), (on.put(u),)),
                               _central(fa.grad(f), a, u, 1e-5),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.fixed_backend("reads the documentation text; computes no arrays")
def test_phase_gauge_is_documented():
    text = DOCS.read_text().lower()
    for phrase in ("phase", "complex", "holomorphic", "conjugate transpose", "adjugate"):
        assert phrase in text, phrase
    for fun in (la.eigh, la.svd, la.eig):
        assert "phase" in inspect.getdoc(fun).lower(), fun.__name__
    assert "always complex" in inspect.getdoc(la.eig)
    for phrase in ("v_j^H dv_j = 0", "always return complex", "defective"):
        assert phrase in DOCS.read_text(), phrase

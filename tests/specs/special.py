"""Sweep rows for funcad.scipy.special and funcad.scipy.stats, with SciPy as the reference.

Stats rows come in two kinds per function: one with every argument traced
(data and all parameters, so mixed second derivatives are checked) and one per
argument with the others fixed. Domains keep each point inside the support and
away from kinks (Laplace at x = loc), so that finite differences are valid.
Discrete data (Poisson, Bernoulli ``k``) is fixed: only the parameter is
differentiated. The Dirichlet rows give ``x`` as K - 1 components, so that
perturbations stay on the simplex; the multivariate normal rows build ``cov``
as ``a a^T + I`` because the Cholesky factor reads one triangle only.
"""

from __future__ import annotations

import numpy as np
import scipy.special as sc
import scipy.stats as st

import funcad.numpy as fnp
import funcad.scipy.special as fs
from funcad.scipy import stats as fst
from tests.op_specs import AWAY_FROM_ZERO, POSITIVE, REAL, UNIT, Row

K_POISSON = np.array([0, 1, 3, 7])
K_BERNOULLI = np.array([0, 1, 1, 0])


def mixed_weights(rng, shape):
    """Weights for logsumexp's b: positive, with a small negative middle column.

    With a in (-1, 1) the positive terms outweigh the negative one, so the sum
    keeps its sign under finite-difference steps.
    """
    b = rng.uniform(0.5, 2.0, shape)
    b[..., 1] *= -0.05
    return b


def signed_weights(rng, shape):
    """Weights whose sums take both signs: for the (non-differentiable) sign output."""
    return rng.uniform(-2.0, 2.0, shape)


def simplex_head(rng, shape):
    """The first K - 1 components of Dirichlet draws: shape ``batch + (K - 1,)``."""
    full = rng.dirichlet(np.full(shape[-1] + 1, 2.0), size=shape[:-1])
    return full[..., :-1]


def with_zeros(rng, shape):
    """xlogy's x with exact zeros, where d/dx is log(y) and d/dy is 0."""
    x = rng.uniform(-2.0, 2.0, shape)
    x[..., ::2] = 0.0
    return x


def in_numpy_dtype(ref):
    """``ref`` with its result in the dtype NumPy gives the inputs.

    SciPy computes distributions (and polygamma) in float64 whatever the input;
    funcad keeps float32 data in float32, as NumPy's own functions do.
    """

    def ref_in_numpy_dtype(*xs):
        out = np.asarray(ref(*xs))
        want = np.result_type(*[x for x in xs if x is not None], 1.0)
        return out.astype(want) if want.kind == "f" else out

    return ref_in_numpy_dtype


def _special_rows(add):
    unary = {
        "erf": REAL, "erfc": REAL, "erfinv": UNIT, "erfcx": REAL, "gammaln": (0.5, 5.0),
        "digamma": (0.5, 5.0), "expit": (-5.0, 5.0), "logit": (0.05, 0.95), "ndtr": REAL,
        "log_ndtr": (-10.0, 3.0),
    }
    for name, domain in unary.items():
        add(name, getattr(fs, name), getattr(sc, name), ((2, 3),), (domain,), (name,))
    add("gammaln", fs.gammaln, sc.gammaln, ((4,),), ((-2.9, -2.1),), ("gammaln",))  # Gamma < 0
    add("expit", fs.expit, sc.expit, ((4,),), ((-40.0, 40.0),), ("expit",))
    add("log_ndtr", fs.log_ndtr, sc.log_ndtr, ((4,),), ((-40.0, -20.0),), ("log_ndtr", "erfcx"))
    for n in (1, 2):
        add("polygamma", lambda x, n=n: fs.polygamma(n, x),
            in_numpy_dtype(lambda x, n=n: sc.polygamma(n, x)), ((2, 3),), ((0.5, 3.0),),
            ("polygamma",))
    add("polygamma", lambda x: fs.polygamma(np.array([0, 1, 2]), x),
        in_numpy_dtype(lambda x: sc.polygamma(np.array([0, 1, 2]), x)), ((2, 3),),
        ((0.5, 3.0),), ("polygamma", "digamma"))
    for shapes in [((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2, 3))]:
        add("xlogy", fs.xlogy, sc.xlogy, shapes, (REAL, POSITIVE), ("xlogy",))
        add("xlog1py", fs.xlog1py, sc.xlog1py, shapes, (REAL, (-0.5, 2.0)), ("xlog1py",))
    add("xlogy", fs.xlogy, sc.xlogy, ((6,), (6,)), (with_zeros, POSITIVE), ("xlogy",))
    add("xlog1py", fs.xlog1py, sc.xlog1py, ((6,), (6,)), (with_zeros, (-0.5, 2.0)),
        ("xlog1py",))
    add("betaln", fs.betaln, sc.betaln, ((3,), (3,)), ((0.5, 4.0), (0.5, 4.0)), ("gammaln",))

    for axis, keepdims in [(None, False), (0, False), (1, True), ((0, 2), False), (-1, False)]:
        add("logsumexp", lambda a, ax=axis, k=keepdims: fs.logsumexp(a, axis=ax, keepdims=k),
            lambda a, ax=axis, k=keepdims: sc.logsumexp(a, axis=ax, keepdims=k), ((2, 3, 4),),
            (REAL,), ("logsumexp", "softmax"))
    add("logsumexp", lambda a, b: fs.logsumexp(a, axis=-1, b=b),
        lambda a, b: sc.logsumexp(a, axis=-1, b=b), ((2, 3), (2, 3)), (REAL, POSITIVE),
        ("logsumexp", "logsumexp_sign", "softmax"))
    add("logsumexp", lambda a, b: fs.logsumexp(a, axis=0, b=b, keepdims=True),
        lambda a, b: sc.logsumexp(a, axis=0, b=b, keepdims=True), ((3, 2), (2,)),
        (REAL, POSITIVE), ("logsumexp", "logsumexp_sign", "broadcast_to"))
    add("logsumexp", lambda a, b: fs.logsumexp(a, axis=-1, b=b, return_sign=True)[0],
        lambda a, b: sc.logsumexp(a, axis=-1, b=b, return_sign=True)[0], ((2, 3), (2, 3)),
        ((-1.0, 1.0), mixed_weights), ("logsumexp", "logsumexp_sign", "softmax"))
    add("logsumexp", lambda a, b: fs.logsumexp(a, b=b), lambda a, b: sc.logsumexp(a, b=b),
        ((3,), (3,)), ((-1.0, 1.0), mixed_weights), ("logsumexp", "logsumexp_sign", "where"))
    add("logsumexp_sign", lambda a, b: fs.logsumexp(a, axis=1, b=b, return_sign=True)[1],
        lambda a, b: sc.logsumexp(a, axis=1, b=b, return_sign=True)[1], ((4, 3), (4, 3)),
        (REAL, signed_weights), ("logsumexp_sign",), differentiable=False)
    for axis in [None, 0, -1, (0, 1)]:
        for name in ("softmax", "log_softmax"):
            add(name, lambda x, n=name, a=axis: getattr(fs, n)(x, axis=a),
                lambda x, n=name, a=axis: getattr(sc, n)(x, axis=a), ((2, 3, 2),), (REAL,),
                (name,))


# Stats: (module, functions, argument names, domains, scalar-parameter shapes).
_SCALE = (0.5, 2.0)
_LOCATION_SCALE = [
    ("norm", ("logpdf", "pdf", "cdf", "logcdf"), (REAL, REAL, _SCALE), ("ndtr", "log_ndtr")),
    ("expon", ("logpdf", "pdf", "cdf", "logcdf"), ((0.5, 3.0), (-0.4, 0.4), _SCALE),
     ("exp", "expm1")),
    ("laplace", ("logpdf", "pdf", "cdf", "logcdf"), (AWAY_FROM_ZERO, (-0.3, 0.3), _SCALE),
     ("absolute", "exp")),
    ("cauchy", ("logpdf", "pdf", "cdf", "logcdf"), ((-4.0, 4.0), REAL, _SCALE),
     ("log1p", "arctan2")),
]
_SHAPED = [
    ("t", ("x", "df", "loc", "scale"), (REAL, (1.0, 10.0), REAL, _SCALE), ("gammaln", "log1p")),
    ("gamma", ("x", "a", "loc", "scale"), ((0.5, 4.0), (0.5, 4.0), (-0.4, 0.4), _SCALE),
     ("gammaln", "xlogy")),
    ("beta", ("x", "a", "b", "loc", "scale"),
     ((0.2, 0.8), (0.5, 4.0), (0.5, 4.0), (-0.1, 0.1), (1.0, 1.2)),
     ("gammaln", "xlogy", "xlog1py")),
]


def _stats_family(add, name, fn, ref, shapes, domains, prims):
    """One row with every argument traced, and one per argument with the others fixed."""
    label = f"stats.{name}.{fn.__name__}"
    ref = in_numpy_dtype(ref)
    add(label, fn, ref, shapes, domains, prims)
    rng = np.random.default_rng(len(label))
    for i in range(len(shapes)):
        # Python floats: weak scalars, so float32 data stays float32.
        fixed = [float(rng.uniform(*d)) if isinstance(d, tuple) else 1.5 for d in domains]

        def only(x, f=fn, i=i, fixed=fixed):
            return f(*fixed[:i], x, *fixed[i + 1:])

        def only_ref(x, f=ref, i=i, fixed=fixed):
            return f(*fixed[:i], x, *fixed[i + 1:])

        add(f"{label}[{i}]", only, only_ref, (shapes[i],), (domains[i],), prims)


def _stats_rows(add):
    for name, functions, domains, prims in _LOCATION_SCALE:
        for f in functions:
            _stats_family(add, name, getattr(getattr(fst, name), f),
                          getattr(getattr(st, name), f), ((4,), (), ()), domains, prims)
    for name, args, domains, prims in _SHAPED:
        for f in ("logpdf", "pdf"):
            shapes = ((4,),) + ((),) * (len(args) - 1)
            _stats_family(add, name, getattr(getattr(fst, name), f),
                          getattr(getattr(st, name), f), shapes, domains, prims)
    for f in ("logpmf", "pmf"):
        for shape in [(), (4,)]:
            add(f"stats.poisson.{f}", lambda mu, f=f: getattr(fst.poisson, f)(K_POISSON, mu),
                lambda mu, f=f: getattr(st.poisson, f)(K_POISSON, mu), (shape,), ((0.5, 4.0),),
                ("xlogy", "gammaln", "floor"))
            add(f"stats.bernoulli.{f}",
                lambda p, f=f: getattr(fst.bernoulli, f)(K_BERNOULLI, p),
                lambda p, f=f: getattr(st.bernoulli, f)(K_BERNOULLI, p), (shape,),
                ((0.1, 0.9),), ("xlogy", "xlog1py"))
        add(f"stats.poisson.{f}", lambda mu, f=f: getattr(fst.poisson, f)(K_POISSON + 2, mu, 2),
            lambda mu, f=f: getattr(st.poisson, f)(K_POISSON + 2, mu, 2), ((),), ((0.5, 4.0),),
            ("xlogy", "gammaln"))
    for f in ("logpdf", "pdf"):
        add(f"stats.dirichlet.{f}", getattr(fst.dirichlet, f),
            in_numpy_dtype(getattr(st.dirichlet, f)),
            ((3,), (4,)), (simplex_head, (0.5, 3.0)), ("gammaln", "xlogy", "concatenate"))
        add(f"stats.dirichlet.{f}", lambda a, f=f: getattr(fst.dirichlet, f)(
            np.array([[0.2, 0.5], [0.3, 0.1], [0.5, 0.4]]), a),
            lambda a, f=f: getattr(st.dirichlet, f)(
            np.array([[0.2, 0.5], [0.3, 0.1], [0.5, 0.4]]), a), ((3,),), ((0.5, 3.0),),
            ("gammaln", "xlogy"))
        _multivariate_normal_rows(add, f)


def _spd(a):
    return a @ np.swapaxes(a, -1, -2) + np.eye(a.shape[-1], dtype=a.dtype)


def _multivariate_normal_rows(add, f):
    ours = getattr(fst.multivariate_normal, f)
    ref = in_numpy_dtype(getattr(st.multivariate_normal, f))
    prims = ("cholesky", "triangular_solve", "einsum")
    add(f"stats.multivariate_normal.{f}",
        lambda x, m, a: ours(x, m, fnp.matmul(a, fnp.transpose(a)) + fnp.eye(3, dtype=a.dtype)),
        lambda x, m, a: ref(x, m, _spd(a)), ((4, 3), (3,), (3, 3)), (REAL, REAL, REAL), prims)
    add(f"stats.multivariate_normal.{f}", lambda x, m, v: ours(x, m, v),
        lambda x, m, v: ref(x, m, v), ((3,), (3,), (3,)), (REAL, REAL, POSITIVE), prims)
    add(f"stats.multivariate_normal.{f}", lambda x, s: ours(x, None, s),
        lambda x, s: ref(x, None, s), ((5,), ()), (REAL, POSITIVE), prims)


def rows():
    out = []

    def add(name, fun, ref, shapes, domains, prims, **kw):
        out.append(Row(name, fun, ref, shapes, domains, prims, **kw))

    _special_rows(add)
    _stats_rows(add)
    return out

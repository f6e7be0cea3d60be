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
K_CDF = np.array([-1.0, 0.0, 0.5, 1.0, 2.5, 7.0])  # outside, on and between the integers


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
    _incomplete_rows(add)
    for axis in [None, 0, -1, (0, 1)]:
        for name in ("softmax", "log_softmax"):
            add(name, lambda x, n=name, a=axis: getattr(fs, n)(x, axis=a),
                lambda x, n=name, a=axis: getattr(sc, n)(x, axis=a), ((2, 3, 2),), (REAL,),
                (name,))


def signed_far(rng, shape):
    """|t| in [1.5, 4] with random sign: t**2 > df for df < 2 (stdtr's w branch)."""
    return rng.uniform(1.5, 4.0, shape) * rng.choice([-1.0, 1.0], shape)


def _incomplete_rows(add):
    """Each region of the shape-derivative kernels, every argument traced."""
    gamma_prims = ("gammainc", "gammainc_da", "xlogy", "gammaln")
    # The series (x <= max(a, 1)) and the continued fraction (x > max(a, 1)).
    for domains in [((2.0, 4.0), (0.2, 1.5)), ((0.3, 1.5), (2.0, 5.0))]:
        add("gammainc", fs.gammainc, sc.gammainc, ((4,), (4,)), domains, gamma_prims)
    add("gammaincc", fs.gammaincc, sc.gammaincc, ((), (2, 3)), ((0.5, 4.0), (0.5, 4.0)),
        ("gammaincc", "gammainc_da"))
    beta_prims = ("betainc", "betainc_d", "xlogy", "xlog1py", "gammaln")
    # x < (a + 1) / (a + b + 2), and the mirrored 1 - I_(1-x)(b, a) beyond.
    for domains in [((2.0, 4.0), (0.5, 2.0), (0.05, 0.4)), ((0.5, 2.0), (2.0, 4.0), (0.6, 0.95))]:
        add("betainc", fs.betainc, sc.betainc, ((3,), (3,), (3,)), domains, beta_prims)
    add("betaincc", fs.betaincc, sc.betaincc, ((3,), (), (3,)),
        ((0.5, 4.0), (0.5, 4.0), (0.2, 0.8)), ("betaincc", "betainc_d"))
    # t**2 < df (u = t**2 / (df + t**2) small) and t**2 > df.
    for domains in [((2.0, 10.0), (-1.0, 1.0)), ((0.5, 2.0), signed_far)]:
        add("stdtr", fs.stdtr, sc.stdtr, ((4,), (4,)), domains, ("stdtr", "betainc_d"))


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


_CDF_PRIMITIVES_OF = ("cdf", "logcdf", "sf")
_CDF_PRIMITIVES = {
    "t": ("stdtr", "betainc_d"),
    "gamma": ("gammainc", "gammaincc", "gammainc_da"),
    "beta": ("betainc", "betaincc", "betainc_d"),
}


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
    for name, _, domains, prims in _LOCATION_SCALE:
        _stats_family(add, name, getattr(fst, name).sf, getattr(st, name).sf,
                      ((4,), (), ()), domains, prims)
    for name, args, domains, prims in _SHAPED:
        shapes = ((4,),) + ((),) * (len(args) - 1)
        for f in ("logpdf", "pdf", "cdf", "logcdf", "sf"):
            _stats_family(add, name, getattr(getattr(fst, name), f),
                          getattr(getattr(st, name), f), shapes, domains,
                          prims + _CDF_PRIMITIVES[name] if f in _CDF_PRIMITIVES_OF else prims)
    for f in ("logpmf", "pmf"):
        for shape in [(), (4,)]:
            add(f"stats.poisson.{f}", lambda mu, f=f: getattr(fst.poisson, f)(K_POISSON, mu),
                lambda mu, f=f: getattr(st.poisson, f)(K_POISSON, mu), (shape,), ((0.5, 4.0),),
                ("xlogy", "gammaln", "floor"))
            add(f"stats.bernoulli.{f}",
                lambda p, f=f: getattr(fst.bernoulli, f)(K_BERNOULLI, p),
                lambda p, f=f: getattr(st.bernoulli, f)(K_BERNOULLI, p), (shape,),
                ((0.1, 0.9),), ("xlogy", "xlog1py"))
    for f, k in (("cdf", K_CDF), ("logcdf", K_CDF[1:])):  # logcdf: no -inf, no nan slopes
        for shape in [(), k.shape]:
            add(f"stats.poisson.{f}", lambda mu, f=f, k=k: getattr(fst.poisson, f)(k, mu),
                lambda mu, f=f, k=k: getattr(st.poisson, f)(k, mu), (shape,), ((0.5, 4.0),),
                ("gammaincc", "floor"))
        add(f"stats.bernoulli.{f}", lambda p, f=f, k=k: getattr(fst.bernoulli, f)(k, p),
            lambda p, f=f, k=k: getattr(st.bernoulli, f)(k, p), ((),), ((0.1, 0.9),),
            ("where",))
    for f in ("logpmf", "pmf"):
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

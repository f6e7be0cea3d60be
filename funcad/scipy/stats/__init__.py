"""funcad.scipy.stats: SciPy's distributions, differentiable in the data and every parameter.

Each distribution is a module of functions with SciPy's names, argument
names and order: ``norm.logpdf(x, loc=0, scale=1)``, ``t.logpdf(x, df, loc,
scale)``, ``poisson.logpmf(k, mu, loc)``... With no traced argument each
function calls ``scipy.stats`` (float32 inputs give float32 results); under a
transform the values agree with SciPy's, including -inf (or 0) outside the
support and nan for invalid parameters. Dask arrays take the transforms' path
(funcad operations), so values and derivatives stay lazy graphs. See
docs/scipy.md.

>>> import funcad as fa
>>> from funcad.scipy.stats import norm
>>> float(fa.grad(lambda s: norm.logpdf(2.0, 0.0, s))(1.0))  # z**2 / s - 1 / s
3.0
"""

from funcad.scipy import special as _special  # noqa: F401 - the SciPy check, first
from funcad.scipy.stats import (
    bernoulli,
    beta,
    cauchy,
    dirichlet,
    expon,
    gamma,
    laplace,
    multivariate_normal,
    norm,
    poisson,
    t,
)

__all__ = [
    "bernoulli",
    "beta",
    "cauchy",
    "dirichlet",
    "expon",
    "gamma",
    "laplace",
    "multivariate_normal",
    "norm",
    "poisson",
    "t",
]

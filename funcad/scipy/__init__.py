"""funcad.scipy: SciPy's special functions and distributions, differentiable.

SciPy is an optional dependency (``pip install "funcad[scipy]"``); importing
``funcad`` or ``funcad.numpy`` never imports it. Import the submodules:

* ``funcad.scipy.special``: ``logsumexp``, ``softmax``, ``log_softmax``,
  ``expit``, ``logit``, ``erf``, ``erfc``, ``erfinv``, ``erfcx``, ``gammaln``,
  ``digamma``, ``polygamma``, ``betaln``, ``xlogy``, ``xlog1py``, ``ndtr``,
  ``log_ndtr``;
* ``funcad.scipy.stats``: ``norm``, ``multivariate_normal``, ``t``, ``gamma``,
  ``beta``, ``dirichlet``, ``poisson``, ``bernoulli``, ``expon``, ``laplace``,
  ``cauchy``, each a module of ``logpdf``/``pdf`` (``logpmf``/``pmf``) and, for
  some, ``cdf``/``logcdf``.

See docs/scipy.md for what is supported and how each function stays stable.
"""

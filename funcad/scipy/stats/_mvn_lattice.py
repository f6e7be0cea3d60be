"""The fixed integration rules behind the multivariate normal cdf in three or more dimensions.

A rank-1 lattice ``{(k z / N + shift) mod 1 : k = 0, ..., N - 1}`` with a
prime number of points ``N``. Its generating vector ``z`` comes from the
component-by-component construction (Nuyens and Cools, 2006): each component
in turn is the candidate that minimises the worst-case error of the lattice
so far for periodic integrands with product weights ``0.8**j``. The
candidates ``z = g**i mod N`` (``g`` a primitive root) turn that search into
one circular convolution per dimension, done by FFT, so building a lattice
of 65521 points in 20 dimensions takes milliseconds.

The shift is fixed (``frac(sqrt(prime_j)) / N``), so every rule is
deterministic: the same arguments always give the same estimate, and its
derivatives are those of one smooth function.

The integrand of Genz's method is not periodic; a periodising change of
variables makes lattice rules converge much faster. Sidi's ``w = u -
sin(2 pi u) / (2 pi)`` (weight ``1 - cos(2 pi u)``, vanishing with its
derivative at both ends) gives errors of 1e-11 to 1e-7 with 3989 points in
two to four lattice dimensions; beyond that its weight's variance (a factor
1.5 per dimension) costs more than the smoothness gains, and the tent
``w = |2u - 1|`` is used.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

# Beyond this many lattice dimensions (coordinates minus one) the tent is used.
_SIDI_MAX_DIM = 4
_WEIGHT_DECAY = 0.8


def _is_prime(n: int) -> bool:
    if n < 2:
        return False
    return all(n % p for p in range(2, math.isqrt(n) + 1))


def largest_prime_at_most(n: int) -> int:
    """The largest prime <= n (2 for n < 3)."""
    n = max(int(n), 2)
    while not _is_prime(n):
        n -= 1
    return n


def _first_primes(count: int) -> list[int]:
    primes, n = [], 2
    while len(primes) < count:
        if _is_prime(n):
            primes.append(n)
        n += 1
    return primes


def _primitive_root(p: int) -> int:
    """The smallest generator of the multiplicative group modulo the prime ``p``."""
    order, factors, rest, f = p - 1, set(), p - 1, 2
    while f * f <= rest:
        while rest % f == 0:
            factors.add(f)
            rest //= f
        f += 1
    if rest > 1:
        factors.add(rest)
    g = 1
    while True:
        g += 1
        if all(pow(g, order // f, p) != 1 for f in factors):
            return g


def _kernel(k, z: int, n: int):
    """The Bernoulli polynomial B2({k z / n}): the worst-case error kernel of the search."""
    x = (k * z % n) / n
    return x * x - x + 1.0 / 6.0


def generating_vector(n: int, dim: int) -> np.ndarray:
    """The CBC generating vector of a lattice of ``n`` points (n prime) in ``dim`` dimensions."""
    z = np.ones(dim, dtype=np.int64)
    if dim == 1 or n < 5:
        return z
    order = n - 1
    g = _primitive_root(n)
    powers = np.empty(order, dtype=np.int64)
    powers[0] = 1
    for i in range(1, order):
        powers[i] = powers[i - 1] * g % n
    # Candidate z = g**i against point k = g**-j: the kernel depends on i - j only.
    kernel_hat = np.fft.rfft(_kernel(powers, 1, n))
    k = np.arange(n, dtype=np.int64)
    inverse_order = powers[(-np.arange(order)) % order]
    products = 1.0 + _kernel(k, 1, n)
    for s in range(1, dim):
        errors = np.fft.irfft(kernel_hat * np.fft.rfft(products[inverse_order]), order)
        z[s] = powers[int(np.argmin(errors))]
        products = products * (1.0 + _WEIGHT_DECAY**s * _kernel(k, int(z[s]), n))
    return z


@lru_cache(maxsize=64)
def rule(n: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Points ``(n, dim)`` in [0, 1] and weights ``(n,)`` summing to 1 (n prime)."""
    z = generating_vector(n, dim)
    shift = np.sqrt(np.array(_first_primes(dim), dtype=float)) % 1.0
    u = ((np.arange(n, dtype=np.int64)[:, None] * z % n) + shift) / n
    if dim <= _SIDI_MAX_DIM:
        angle = 2 * np.pi * u
        points = u - np.sin(angle) / (2 * np.pi)
        weights = np.prod(1.0 - np.cos(angle), axis=1)
    else:
        points = np.abs(2.0 * u - 1.0)
        weights = np.ones(n)
    weights = weights / weights.sum()
    points.setflags(write=False)
    weights.setflags(write=False)
    return points, weights

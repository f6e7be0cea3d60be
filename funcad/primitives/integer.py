"""Integer and boolean ufuncs: bitwise operations, shifts, gcd, lcm, logical not and xor.

Their results are integers or booleans, so they register no derivative rules:
under ``jvp``, ``vjp`` and ``grad`` they return plain arrays (as the
comparisons do), and under ``vmap`` the ufunc factories' batching rules keep
them vectorised.
"""

from __future__ import annotations

from funcad.primitives._ufunc import binary_ufunc, unary_ufunc


def _binary(name: str, doc: str):
    return binary_ufunc(name, f"{doc}; integer or boolean result, not differentiable.")


def _unary(name: str, doc: str):
    return unary_ufunc(name, f"{doc}; integer or boolean result, not differentiable.")


bitwise_and_p, bitwise_and = _binary("bitwise_and", "Elementwise ``x1 & x2``")
bitwise_or_p, bitwise_or = _binary("bitwise_or", "Elementwise ``x1 | x2``")
bitwise_xor_p, bitwise_xor = _binary("bitwise_xor", "Elementwise ``x1 ^ x2``")
left_shift_p, left_shift = _binary("left_shift", "Elementwise ``x1 << x2``")
right_shift_p, right_shift = _binary("right_shift", "Elementwise ``x1 >> x2``")
gcd_p, gcd = _binary("gcd", "Elementwise greatest common divisor of ``|x1|`` and ``|x2|``")
lcm_p, lcm = _binary("lcm", "Elementwise lowest common multiple of ``|x1|`` and ``|x2|``")
logical_xor_p, logical_xor = _binary("logical_xor", "Elementwise ``x1 xor x2`` as booleans")

invert_p, invert = _unary("invert", "Elementwise bitwise NOT ``~x`` (logical NOT for booleans)")
bitwise_count_p, bitwise_count = _unary(
    "bitwise_count", "Elementwise number of 1 bits in ``|x|``")
logical_not_p, logical_not = _unary("logical_not", "Elementwise ``not x`` as booleans")

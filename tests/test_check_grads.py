"""check_grads: passes on correct derivatives, names the culprit on wrong ones.

The arguments are put on the backend ``--backend`` names (the ``on`` fixture;
NumPy without it): check_grads draws its directions on the host, moves them to
the arguments' backend and reads the results back itself, so no guard applies.
"""

from __future__ import annotations

import collections
import re

import numpy as np
import pytest

import funcad.numpy as fnp
from funcad.core.primitive import REGISTRY, Primitive
from funcad.core.trace import Tracer
from funcad.primitives.arithmetic import multiply
from funcad.primitives.elementwise import cos
from funcad.transforms.check_grads import check_grads

RNG = np.random.default_rng(20261206)
X = RNG.normal(size=(3,))
Z = RNG.normal(size=(3,)) + 1j * RNG.normal(size=(3,))


# Correct functions --------------------------------------------------------------


@pytest.mark.parametrize("order", [1, 2, 3])
def test_elementwise(order, on):
    check_grads(lambda x: fnp.sin(x) * fnp.exp(x) + fnp.log1p(x * x), (on.put(X),), order=order)


@pytest.mark.parametrize("modes", [("fwd",), ("rev",), ("fwd", "rev"), ["rev", "fwd"]])
def test_two_arguments_each_mode(modes, on):
    check_grads(lambda x, y: fnp.tanh(x) * y + y ** 2, (on.put(X), 0.7), order=2, modes=modes)


def test_matmul(on):
    a, b = on.put((RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4))))
    check_grads(lambda a, b: a @ b, (a, b), order=2)
    check_grads(lambda a, b: fnp.sin(a @ b), (a, b), order=3, modes=("rev",))


def _mlp_loss(params, x, y):
    h = fnp.tanh(x @ params["w1"] + params["b1"])
    pred = h @ params["w2"] + params["b2"]
    return fnp.mean((pred - y) ** 2)


def test_mlp_loss(on):
    params = {"w1": RNG.normal(size=(3, 4)) * 0.5, "b1": RNG.normal(size=4) * 0.1,
              "w2": RNG.normal(size=(4, 2)) * 0.5, "b2": np.zeros(2)}
    params = {key: on.put(value) for key, value in params.items()}
    x, y = on.put((RNG.normal(size=(5, 3)), RNG.normal(size=(5, 2))))
    check_grads(_mlp_loss, (params, x, y), order=2)


Point = collections.namedtuple("Point", ["a", "b"])


def test_pytree_arguments_and_outputs(on):
    def f(pt, rest):
        first, second = rest
        return {"sum": fnp.sin(pt.a) * second[0], "prod": (pt.b * first, fnp.exp(pt.a))}

    args = (Point(on.put(X), 0.3), [on.put(X[:2] + 1.0), (0.5, None)])
    check_grads(f, args, order=2)


def test_complex_holomorphic(on):
    check_grads(lambda z: fnp.exp(z) * z + z ** 3, (on.put(Z),), order=3)


def test_complex_non_holomorphic(on):
    check_grads(lambda z: fnp.abs(z) ** 2 + fnp.conj(z) * fnp.real(z), (on.put(Z),), order=2)


def test_mixed_real_and_complex(on):
    check_grads(lambda x, z: fnp.sum(fnp.real(z * x) + fnp.imag(z) * x), on.put((X, Z)), order=2)


def test_float32_uses_looser_defaults(on):
    x = on.put(X.astype(np.float32))
    check_grads(lambda x: fnp.exp(x) * fnp.sin(x), (x,), order=2)
    check_grads(lambda z: fnp.exp(z), (on.put(Z.astype(np.complex64)),), order=1)


def test_does_not_mutate_arguments(on):
    x = X.copy()
    xb = on.put(x)
    check_grads(fnp.sin, (xb,), order=2)
    np.testing.assert_array_equal(on.get(xb), X)
    np.testing.assert_array_equal(x, X)


# Deliberately wrong rules -----------------------------------------------------


def _concrete(x):
    while isinstance(x, Tracer):
        x = x._value
    return x


def _sin_impl(x):
    return np.sin(x)


def _sin_jvp_wrong(g, ans, x):
    return multiply(multiply(g, cos(x)), 1.5)


def _sin_rule(g, ans, x):
    return multiply(g, cos(x))


def _sin_rule_constant_cos(g, ans, x):
    # The bug funcad's rules avoid: a raw NumPy value is a constant to outer
    # transforms, so first derivatives are right and second derivatives wrong.
    return multiply(g, np.cos(_concrete(x)))


def _mul_impl(x, y):
    return np.multiply(x, y)


def _mul_jvp_x(g, ans, x, y):
    return multiply(g, y)


def _mul_jvp_y_wrong(g, ans, x, y):
    return multiply(multiply(g, x), 2.0)


def _mul_vjp_y(g, ans, x, y):
    return multiply(g, x)


_NAMES = {
    "bad_jvp": "_check_grads_test_sin_bad_jvp",
    "bad_vjp": "_check_grads_test_sin_bad_vjp",
    "bad_second": "_check_grads_test_sin_bad_second_order",
    "bad_mul": "_check_grads_test_mul_bad_jvp_y",
}


@pytest.fixture(scope="module")
def wrong():
    """Broken primitives, removed from the registry afterwards (the sweep's coverage test)."""
    prims = {key: Primitive(name) for key, name in _NAMES.items()}
    for key in ("bad_jvp", "bad_vjp", "bad_second"):
        prims[key].def_impl(_sin_impl)
    prims["bad_jvp"].def_jvp(_sin_jvp_wrong)
    prims["bad_jvp"].def_vjp(_sin_rule)
    prims["bad_vjp"].def_jvp(_sin_rule)
    prims["bad_vjp"].def_vjp(_sin_jvp_wrong)
    prims["bad_second"].def_jvp(_sin_rule_constant_cos)
    prims["bad_second"].def_vjp(_sin_rule_constant_cos)
    prims["bad_mul"].def_impl(_mul_impl)
    prims["bad_mul"].def_jvp(_mul_jvp_x, _mul_jvp_y_wrong)
    prims["bad_mul"].def_vjp(_mul_jvp_x, _mul_vjp_y)
    yield {key: p.bind for key, p in prims.items()}
    for name in _NAMES.values():
        REGISTRY.pop(name, None)


def _fails(fun, args, match, **kwargs):
    with pytest.raises(AssertionError) as info:
        check_grads(fun, args, **kwargs)
    message = str(info.value)
    for part in match:
        assert part in message, message
    return message


def test_wrong_jvp_fails_in_fwd_mode(wrong, on):
    message = _fails(wrong["bad_jvp"], (on.put(X),), ["fwd-mode", "order 1", "argument args[0]",
                                              "finite differences", "atol=1e-05"], order=1)
    abs_err = float(re.search(r"max abs error ([0-9.e+-]+)", message).group(1))
    assert abs_err > 1e-3  # the direction is random: only the relative error is known
    rel_err = float(re.search(r"max relative error ([0-9.e+-]+)", message).group(1))
    assert rel_err == pytest.approx(0.5, rel=1e-3)


def test_wrong_jvp_with_correct_vjp_passes_rev_only(wrong, on):
    check_grads(wrong["bad_jvp"], (on.put(X),), order=1, modes=("rev",))


def test_wrong_vjp_fails_in_rev_mode(wrong, on):
    x = on.put(X)
    check_grads(wrong["bad_vjp"], (x,), order=1, modes=("fwd",))
    # With the JVP checked first, the VJP is compared with it exactly.
    _fails(wrong["bad_vjp"], (x,), ["rev-mode", "order 1", "argument args[0]", "the JVP"],
           order=1)
    _fails(wrong["bad_vjp"], (x,), ["rev-mode", "order 1", "finite differences"], order=1,
           modes=("rev",))


def test_tolerances_are_honoured(wrong, on):
    # The JVP is 1.5 times too large: a 50% error, 33% of the JVP's own value.
    x = on.put(X)
    check_grads(wrong["bad_jvp"], (x,), order=1, rtol=0.6)
    _fails(wrong["bad_jvp"], (x,), ["rtol=0.4"], order=1, rtol=0.4)


def test_integer_outputs_are_allowed(on):
    check_grads(lambda x: (fnp.sin(x), fnp.argmax(x)), (on.put(X),), order=2)


def test_wrong_second_order_fails_only_at_order_two(wrong, on):
    x = on.put(X)
    check_grads(wrong["bad_second"], (x,), order=1)
    _fails(wrong["bad_second"], (x,), ["fwd-mode", "order 2", "the JVP of fun"], order=2)
    _fails(wrong["bad_second"], (x,), ["rev-mode", "order 2", "the VJP of fun"], order=2,
           modes=("rev",))


def test_names_the_wrong_argument(wrong, on):
    x, x1 = on.put((X, X + 1.0))
    _fails(wrong["bad_mul"], (x, x1), ["fwd-mode", "argument args[1]"], order=1)
    message = _fails(lambda p: wrong["bad_mul"](p["a"], p["b"]),
                     ({"a": x, "b": x1},), ["argument args[0]['b']"], order=1)
    assert "args[0]['a']" not in message


def test_names_namedtuple_and_list_leaves(wrong, on):
    x = on.put(X)
    _fails(lambda pt, rest: pt.a * wrong["bad_jvp"](rest[1]), (Point(x, 0.3), [x, x]),
           ["argument args[1][1]"], order=1)
    _fails(lambda pt: wrong["bad_jvp"](pt.b), (Point(x, x),), ["argument args[0].b"], order=1)


def test_names_the_output(wrong, on):
    _fails(lambda x: (fnp.sin(x), wrong["bad_jvp"](x)), (on.put(X),), ["output out[1]"], order=1)


def test_failure_is_deterministic(wrong, on):
    x = on.put(X)
    first = _fails(wrong["bad_mul"], (x, x), [], order=1)
    second = _fails(wrong["bad_mul"], (x, x), [], order=1)
    assert first == second


# Bad input ----------------------------------------------------------------------


class _Recorder:
    def __init__(self):
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return x


@pytest.mark.parametrize("kwargs, error, match", [
    ({"args": [1.0]}, TypeError, "args must be a tuple"),
    ({"order": 0}, ValueError, "order must be an int >= 1"),
    ({"order": 1.5}, ValueError, "order must be an int >= 1"),
    ({"modes": "fwd"}, TypeError, "modes=\\('fwd',\\)"),
    ({"modes": ("fwd", "sideways")}, ValueError, "'fwd' and/or 'rev'"),
    ({"modes": ()}, ValueError, "'fwd' and/or 'rev'"),
    ({"eps": 0.0}, ValueError, "eps must be positive"),
    ({"atol": -1.0}, ValueError, "atol must be a non-negative float"),
    ({"args": (np.arange(3),)}, TypeError, "args\\[0\\] has dtype int"),
])
def test_bad_input_is_rejected_before_any_work(kwargs, error, match, on):
    fun = _Recorder()
    call = {"args": (on.put(X),), "order": 1, **kwargs}
    if "args" in kwargs:
        call["args"] = on.put(kwargs["args"])
    with pytest.raises(error, match=match):
        check_grads(fun, **call)
    assert fun.calls == 0


def test_fun_must_be_callable(on):
    with pytest.raises(TypeError, match="fun must be callable"):
        check_grads(3.0, (on.put(X),), order=1)

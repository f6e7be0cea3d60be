"""Bad input: the documented exception type, with a message naming the problem.

The errors are about the user's arguments and are raised before any work, so
they must be the same on every backend: the tests put their array inputs on
the backend ``--backend`` names (the ``on`` fixture; NumPy without it) and
expect the error under the backend's guard (Dask: no computing; CuPy: no copy
to the host). Python scalars stay Python scalars.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from funcad.core import trace as fa_trace


@pytest.fixture(autouse=True)
def _no_transform_left_active():
    yield
    assert fa_trace.current_depth() == 0


# ---------------------------------------------------------------------------
# grad of a non-scalar output
# ---------------------------------------------------------------------------

NON_SCALAR = [
    ("vector", lambda x: x * 2, np.ones(3), r"\(3,\)"),
    ("matrix", lambda x: fnp.reshape(x, (2, 3)), np.ones(6), r"\(2, 3\)"),
    ("size_zero", lambda x: x[:0], np.ones(3), r"\(0,\)"),
    ("tuple_output", lambda x: (fnp.sum(x), fnp.sum(x)), np.ones(3), r"tuple"),
]


@pytest.mark.parametrize("name,f,x,shape_pattern", NON_SCALAR, ids=[c[0] for c in NON_SCALAR])
@pytest.mark.parametrize("transform", [fa.grad, fa.value_and_grad], ids=["grad", "value_and_grad"])
def test_grad_of_non_scalar_output(on, transform, name, f, x, shape_pattern):
    xb = on.put(x)
    with pytest.raises(TypeError, match=shape_pattern), on.guard():
        transform(f)(xb)


def test_grad_non_scalar_message_mentions_scalar(on):
    xb = on.put(np.ones(4))
    with pytest.raises(TypeError, match=r"(?i)scalar"), on.guard():
        fa.grad(lambda x: x ** 2)(xb)


def test_grad_of_integer_output(on):
    xb = on.put(np.ones(3))
    with pytest.raises(TypeError, match=r"int"), on.guard():
        fa.grad(lambda x: fnp.sum(x > 0))(xb)


# ---------------------------------------------------------------------------
# integer and boolean inputs
# ---------------------------------------------------------------------------

INT_INPUTS = [
    ("python_int", 2, "int64"),
    ("int64_array", np.array([1, 2], dtype=np.int64), "int64"),
    ("int32_array", np.array([1, 2], dtype=np.int32), "int32"),
    ("uint8_array", np.array([1, 2], dtype=np.uint8), "uint8"),
    ("python_bool", True, "bool"),
    ("bool_array", np.array([True, False]), "bool"),
]


def _put_arrays(on, x):
    """``x`` on the backend when it is a NumPy array; Python scalars stay as they are."""
    return on.put(x) if isinstance(x, np.ndarray) else x


def _scalar_fun(x, y):
    return fnp.sum(x * 1.0) + fnp.sum(y * 1.0)


def _vector_fun(x, y):
    return x * 1.0 + fnp.sum(y * 1.0)


@pytest.mark.parametrize("name,bad,dtype", INT_INPUTS, ids=[c[0] for c in INT_INPUTS])
@pytest.mark.parametrize("transform,fun", [
    (fa.grad, _scalar_fun), (fa.value_and_grad, _scalar_fun),
    (fa.jacfwd, _vector_fun), (fa.jacrev, _vector_fun), (fa.hessian, _scalar_fun),
], ids=["grad", "value_and_grad", "jacfwd", "jacrev", "hessian"])
def test_integer_and_boolean_inputs_to_differentiating_transforms(on, transform, fun, name, bad,
                                                                   dtype):
    bad = _put_arrays(on, bad)
    ones = on.put(np.ones(2))
    with on.guard():
        # argument 0 differentiated and bad
        with pytest.raises(TypeError, match=rf"argument 0 has dtype {dtype}\b"):
            transform(fun)(bad, 1.0)
        # argument 1 differentiated and bad, named as argument 1
        with pytest.raises(TypeError, match=rf"argument 1 has dtype {dtype}\b"):
            transform(fun, argnums=1)(ones, bad)
        with pytest.raises(TypeError, match=rf"argument 1 has dtype {dtype}\b"):
            transform(fun, argnums=(0, 1))(ones, bad)


def test_integer_leaf_inside_pytree_argument_to_grad(on):
    tree = {"a": on.put(np.array([1, 2])), "b": 1.0}
    with pytest.raises(TypeError, match=r"argument 0.*int64"), on.guard():
        fa.grad(lambda d: fnp.sum(d["a"] * 1.0) + d["b"])(tree)


@pytest.mark.parametrize("name,bad,dtype", INT_INPUTS, ids=[c[0] for c in INT_INPUTS])
def test_integer_and_boolean_primals_to_jvp(on, name, bad, dtype):
    tangent = on.put(np.ones(np.shape(bad), dtype=np.asarray(bad).dtype))
    bad = _put_arrays(on, bad)
    with on.guard():
        with pytest.raises(TypeError, match=rf"\b1\b.*dtype {dtype}\b"):
            fa.jvp(_vector_fun, (1.0, bad), (1.0, tangent))
        with pytest.raises(TypeError, match=rf"\b0\b.*dtype {dtype}\b"):
            fa.jvp(_vector_fun, (bad, 1.0), (tangent, 1.0))


@pytest.mark.parametrize("name,bad,dtype", INT_INPUTS, ids=[c[0] for c in INT_INPUTS])
def test_integer_and_boolean_primals_to_vjp_and_linearize(on, name, bad, dtype):
    bad = _put_arrays(on, bad)
    with on.guard():
        with pytest.raises(TypeError, match=rf"dtype {dtype}\b"):
            fa.vjp(lambda x: x * 1.0, bad)
        with pytest.raises(TypeError, match=rf"dtype {dtype}\b"):
            fa.linearize(lambda x: x * 1.0, bad)


def test_error_message_matches_documented_example(on):
    # on NumPy the input is the NumPy scalar np.int64(3); elsewhere a 0-d int64 array
    x = on.put(np.int64(3))
    with pytest.raises(TypeError, match=re.escape(
            "grad requires real or complex inputs; argument 0 has dtype int64")), on.guard():
        fa.grad(lambda x: x * 1.0)(x)


# ---------------------------------------------------------------------------
# jvp tangents
# ---------------------------------------------------------------------------


def test_jvp_tangent_of_wrong_shape(on):
    x = on.put(np.ones(3))
    with on.guard():
        with pytest.raises(ValueError, match=r"shape.*\(2,\)|\(2,\).*shape"):
            fa.jvp(fnp.sin, (x,), (on.put(np.ones(2)),))
        with pytest.raises(ValueError, match=r"\(3, 1\)"):
            fa.jvp(fnp.sin, (x,), (on.put(np.ones((3, 1))),))
        with pytest.raises(ValueError, match=r"shape"):
            fa.jvp(lambda a, b: a * b, (x, x), (on.put(np.ones(3)), on.put(np.ones(4))))
        with pytest.raises(ValueError, match=r"shape"):
            fa.jvp(fnp.sin, (1.0,), (on.put(np.ones(3)),))


def test_jvp_tangent_of_wrong_dtype(on):
    with on.guard():
        with pytest.raises(ValueError, match=r"dtype.*float32|float32.*dtype"):
            fa.jvp(fnp.sin, (on.put(np.ones(3)),), (on.put(np.ones(3, dtype=np.float32)),))
        with pytest.raises(ValueError, match=r"float64"):
            fa.jvp(fnp.sin, (on.put(np.ones(3, dtype=np.float32)),), (on.put(np.ones(3)),))


def test_jvp_tangent_structure_mismatch(on):
    with on.guard():
        with pytest.raises(ValueError, match=r"structure"):
            fa.jvp(lambda d: d["a"], ({"a": on.put(np.ones(2))},), ({"b": on.put(np.ones(2))},))
    with pytest.raises(ValueError, match=r"structure"):
        fa.jvp(lambda a, b: a * b, (1.0, 2.0), (1.0,))


def test_jvp_primals_must_be_tuples(on):
    with pytest.raises(TypeError, match=r"tuple"), on.guard():
        fa.jvp(fnp.sin, on.put(np.ones(2)), on.put(np.ones(2)))


def test_vjp_fn_cotangent_of_wrong_shape_or_structure(on):
    x = on.put(np.ones(3))
    with on.guard():
        _, f_vjp = fa.vjp(fnp.sin, x)
        with pytest.raises(ValueError, match=r"\(2,\)"):
            f_vjp(on.put(np.ones(2)))
        _, f_vjp2 = fa.vjp(lambda x: (x, x), x)
        with pytest.raises(ValueError, match=r"structure"):
            f_vjp2(on.put(np.ones(3)))


def test_linearize_tangent_of_wrong_shape(on):
    with on.guard():
        _, f_lin = fa.linearize(fnp.sin, on.put(np.ones(3)))
        with pytest.raises(ValueError, match=r"\(4,\)"):
            f_lin(on.put(np.ones(4)))


# ---------------------------------------------------------------------------
# argnums
# ---------------------------------------------------------------------------

BAD_ARGNUMS = [
    (2, r"argnums=2\b.*-2\.\.1"),
    (-3, r"argnums=-3\b.*-2\.\.1"),
    (10, r"argnums=10\b.*-2\.\.1"),
    ((0, 2), r"argnums=2\b.*-2\.\.1"),
    ((0, 0), r"twice|duplicate|repeated"),
    ((0, -2), r"twice|duplicate|repeated"),
    ((), r"empty"),
    (1.0, r"1\.0"),
    ("0", r"'0'"),
]


@pytest.mark.parametrize("argnums,pattern", BAD_ARGNUMS, ids=[repr(a) for a, _ in BAD_ARGNUMS])
@pytest.mark.parametrize("transform", [fa.grad, fa.value_and_grad, fa.jacfwd, fa.jacrev,
                                       fa.hessian],
                         ids=["grad", "value_and_grad", "jacfwd", "jacrev", "hessian"])
def test_bad_argnums(on, transform, argnums, pattern):
    def f(x, y):
        return fnp.sum(x * y)

    x, y = on.put(np.ones(2)), on.put(np.ones(2))
    with pytest.raises(ValueError, match=pattern), on.guard():
        transform(f, argnums=argnums)(x, y)


@pytest.mark.fixed_backend("no array anywhere: the only argument is the Python float x=2.0, "
                           "given by keyword")
def test_argnums_with_no_positional_arguments():
    with pytest.raises(ValueError, match=r"argnums"):
        fa.grad(lambda x=1.0: x)(x=2.0)


# ---------------------------------------------------------------------------
# vmap
# ---------------------------------------------------------------------------


def test_vmap_inconsistent_batch_sizes_lists_each_argument(on):
    args = on.put((np.ones(3), np.ones(5), np.ones(7)))
    with pytest.raises(ValueError) as info, on.guard():
        fa.vmap(lambda a, b, c: a + b + c)(*args)
    msg = str(info.value)
    assert re.search(r"\b3\b", msg) and re.search(r"\b5\b", msg) and re.search(r"\b7\b", msg), msg
    # each argument named with its size
    assert re.search(r"0\D{0,4}3\b", msg) and re.search(r"1\D{0,4}5\b", msg), msg
    assert re.search(r"2\D{0,4}7\b", msg), msg


def test_vmap_inconsistent_sizes_with_axes_and_axis_size(on):
    with on.guard():
        with pytest.raises(ValueError, match=r"\b4\b.*\b2\b|\b2\b.*\b4\b"):
            fa.vmap(lambda a, b: a @ b, in_axes=(1, 0))(on.put(np.ones((3, 4))),
                                                        on.put(np.ones((2, 3))))
        with pytest.raises(ValueError, match=r"axis_size.*\b6\b|\b6\b.*axis_size"):
            fa.vmap(lambda a: a, axis_size=6)(on.put(np.ones(3)))


BAD_IN_AXES = [
    ("out_of_range", 2, (np.ones((3, 4)),), r"in_axes.*2|2.*in_axes"),
    ("negative_out_of_range", -3, (np.ones((3, 4)),), r"-3"),
    ("zero_d_argument", 0, (np.array(1.0),), r"in_axes"),
    ("string", "x", (np.ones(3),), r"in_axes"),
    ("float", 1.0, (np.ones((3, 4)),), r"in_axes"),
    ("tuple_entry_out_of_range", (0, 3), (np.ones(3), np.ones((3, 2))), r"in_axes"),
    ("dict_keys_differ", ({"a": 0},), ({"b": np.ones(3)},), r"in_axes"),
    ("list_vs_tuple_prefix", ([0, 0],), ((np.ones(3), np.ones(3)),), r"in_axes"),
    ("prefix_too_deep", ((0, 0),), (np.ones(3),), r"in_axes"),
]


@pytest.mark.parametrize("name,in_axes,args,pattern", BAD_IN_AXES, ids=[c[0] for c in BAD_IN_AXES])
def test_vmap_bad_in_axes(on, name, in_axes, args, pattern):
    args = fa.tree_util.tree_map(on.put, args)
    with pytest.raises(ValueError, match=pattern), on.guard():
        fa.vmap(lambda *a: a[0], in_axes=in_axes)(*args)


@pytest.mark.parametrize("in_axes,nargs", [((0, 0), 1), ((0,), 2), ((0, None, 0), 2)])
def test_vmap_in_axes_tuple_of_wrong_length(on, in_axes, nargs):
    args = [on.put(np.ones(3))] * nargs
    with pytest.raises(ValueError, match=rf"in_axes.*{len(in_axes)}.*{nargs}"), on.guard():
        fa.vmap(lambda *a: a[0], in_axes=in_axes)(*args)


def test_vmap_nothing_mapped_without_axis_size(on):
    x = on.put(np.ones(3))
    with pytest.raises(ValueError, match=r"axis_size"), on.guard():
        fa.vmap(lambda a: a, in_axes=None)(x)


def test_vmap_out_axes_none_for_batched_output(on):
    x = on.put(np.ones(3))
    with pytest.raises(ValueError, match=r"out_axes"), on.guard():
        fa.vmap(lambda a: a * 2, out_axes=None)(x)


@pytest.mark.fixed_backend("no array anywhere: vmap refuses chunk_size when it is built, "
                           "before it is called")
@pytest.mark.parametrize("chunk_size", [0, -1, 1.5, True])
def test_vmap_bad_chunk_size(chunk_size):
    with pytest.raises(ValueError, match=r"chunk_size"):
        fa.vmap(lambda a: a, chunk_size=chunk_size)


# ---------------------------------------------------------------------------
# misuse of traced values
# ---------------------------------------------------------------------------


def _setitem(x):
    x[0] = 1.0
    return x


SETITEM_TRANSFORMS = [
    ("grad", lambda f, on: fa.grad(lambda x: fnp.sum(f(x)))(on.put(np.ones(3)))),
    ("jvp", lambda f, on: fa.jvp(f, (on.put(np.ones(3)),), (on.put(np.ones(3)),))),
    ("vjp", lambda f, on: fa.vjp(f, on.put(np.ones(3)))),
    ("vmap", lambda f, on: fa.vmap(f)(on.put(np.ones((2, 3))))),
    ("jacfwd", lambda f, on: fa.jacfwd(f)(on.put(np.ones(3)))),
]


@pytest.mark.parametrize("name,run", SETITEM_TRANSFORMS, ids=[c[0] for c in SETITEM_TRANSFORMS])
def test_setitem_on_traced_value_is_a_clear_type_error(on, name, run):
    with pytest.raises(TypeError, match=r"immutable.*fnp\.at\(x\)\[idx\]\.set\(v\)"), on.guard():
        run(_setitem, on)


def _branch(x):
    if x > 0:
        return x
    return -x


@pytest.mark.parametrize("fun", [_branch, lambda x: x * float(bool(x)), lambda x: x if x else x],
                         ids=["if_compare", "bool_call", "truthiness"])
def test_bool_of_traced_value_under_vmap(on, fun):
    x = on.put(np.array([1.0, -2.0]))
    with pytest.raises(TypeError, match=r"(?i)truth value|bool"), on.guard():
        fa.vmap(fun)(x)


def test_float_of_traced_value_under_vmap(on):
    x = on.put(np.array([1.0, -2.0]))
    with pytest.raises(TypeError, match=r"float"), on.guard():
        fa.vmap(lambda x: x * float(x))(x)


def test_np_asarray_of_tracer_names_funcad_numpy_replacement(on):
    # the contract: where NumPy's protocols cannot intercept (np.asarray(tracer)),
    # a clear error names the funcad.numpy function to use instead
    x = on.put(np.ones((2, 3)))
    with pytest.raises((TypeError, ValueError), match=r"fnp\.|funcad\.numpy"), on.guard():
        fa.vmap(lambda x: np.asarray(x) * 2)(x)


def test_non_callable_to_transforms(on):
    not_callable = on.put(np.ones(3))
    for transform in (fa.grad, fa.value_and_grad, fa.jacfwd, fa.jacrev, fa.hessian, fa.vmap):
        with pytest.raises(TypeError, match=r"function|callable"), on.guard():
            transform(not_callable)


def test_has_aux_without_pair(on):
    x = on.put(np.ones(3))
    with on.guard():
        with pytest.raises(TypeError, match=r"has_aux"):
            fa.grad(lambda x: fnp.sum(x), has_aux=True)(x)
        with pytest.raises(TypeError, match=r"has_aux"):
            fa.vjp(lambda x: x, x, has_aux=True)


def test_traced_boolean_mask_is_a_clear_type_error(on):
    x = on.put(np.ones((2, 3)))
    with pytest.raises(TypeError, match=r"traced boolean mask.*fnp\.where"), on.guard():
        fa.vmap(lambda x: fnp.sum(x[x > 0]))(x)


def test_float_index_array_is_an_index_error(on):
    # the bad index stays a NumPy array, as a user writes it; the indexed input is put
    x = on.put(np.ones(3))
    with pytest.raises(IndexError, match=r"integer or boolean"), on.guard():
        fa.grad(lambda x: fnp.sum(x[np.array([0.0, 1.0])]))(x)


@pytest.mark.parametrize("fun, error, match", [
    (lambda z, on: fnp.tile(z, 1.5), TypeError, r"tile: reps must be an int"),
    (lambda z, on: fnp.roll(z, 1.5, axis=0), TypeError, r"roll: shift must be an int"),
    (lambda z, on: fnp.at(z)[np.array([0, 1])].set(on.put(np.ones(3))), ValueError,
     r"values of shape \(3,\) cannot be broadcast to x\[idx\], of shape \(2,\)"),
], ids=["tile", "roll", "at-set"])
def test_bad_shape_arguments_name_the_argument(on, fun, error, match):
    x = on.put(np.ones(3))
    with pytest.raises(error, match=match), on.guard():
        fa.grad(lambda z: fnp.sum(fun(z, on)))(x)
    assert fa_trace.current_depth() == 0


def test_holomorphic_jacfwd_of_a_real_function_is_refused(on):
    z = on.put(np.array([1 + 1j]))
    with pytest.raises(TypeError, match=r"holomorphic=True requires complex outputs"), on.guard():
        fa.jacfwd(lambda z: fnp.abs(z), holomorphic=True)(z)


def test_numpy_array_indexed_by_a_traced_index_points_to_take(on):
    # the indexed table is a NumPy array on purpose (NumPy's __getitem__ meets the tracer);
    # the traced index is put on the backend
    table = np.arange(6.0)
    i = on.put(np.array([0, 1]))
    with pytest.raises(TypeError, match=r"fnp\.take\(W, i, axis=0\)"), on.guard():
        fa.vmap(lambda i: table[i])(i)

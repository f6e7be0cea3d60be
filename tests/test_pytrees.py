"""Pytrees: flattening, rebuilding, tree_map, custom nodes, and pytrees through transforms.

The tests that compute run on the backend ``--backend`` names (``sweep_backend``
in ``tests/conftest.py``; NumPy without it): array leaves are put there, the
transforms run under the backend's guard (Dask: no computing; CuPy: no copy to
the host), and every result leaf must be that backend's array before it is read
back and compared with NumPy. The structure-only tests stay on NumPy.
"""

# ruff: noqa: N806

from __future__ import annotations

import collections

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from funcad import tree_util as tu

# Tests of tree structure alone: tree_util handles leaves as opaque objects and
# never computes with them, so no backend is involved.
STRUCTURE_ONLY = pytest.mark.fixed_backend(
    "tree structure only: tree_util treats leaves as opaque objects and computes nothing")

Point = collections.namedtuple("Point", ["x", "y"])
Triple = collections.namedtuple("Triple", ["c", "a", "b"])  # field order, not alphabetical


def assert_same_tree(a, b):
    """Same container types all the way down and equal leaves."""
    assert type(a) is type(b), f"{type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert set(a) == set(b)
        for k in a:
            assert_same_tree(a[k], b[k])
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same_tree(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


ARR = np.array([1.0, 2.0])
ARR2 = np.array([3.0, 4.0])

FLATTEN_CASES = [
    # id, tree, expected leaves in order
    ("scalar_leaf", 1.5, [1.5]),
    ("array_leaf", ARR, [ARR]),
    ("string_leaf", "s", ["s"]),
    ("tuple", (1, 2, 3), [1, 2, 3]),
    ("list", [1, [2, 3]], [1, 2, 3]),
    ("dict_sorted_keys", {"b": 1, "a": 2, "c": 3}, [2, 1, 3]),
    ("dict_nested_sorted", {"z": [1, 2], "a": {"y": 3, "x": 4}}, [4, 3, 1, 2]),
    ("namedtuple", Point(1, 2), [1, 2]),
    ("namedtuple_field_order", Triple(c=1, a=2, b=3), [1, 2, 3]),
    ("none_is_empty", None, []),
    ("none_in_tuple", (1, None, 2), [1, 2]),
    ("none_in_dict", {"a": None, "b": 1}, [1]),
    ("empty_tuple", (), []),
    ("empty_list", [], []),
    ("empty_dict", {}, []),
    ("nested_mixed", {"p": Point([1, (2,)], {"k": 3}), "q": (None, [4, {"m": 5, "l": 6}])},
     [1, 2, 3, 4, 6, 5]),
    ("tuple_of_arrays", (ARR, [ARR2]), [ARR, ARR2]),
]


@STRUCTURE_ONLY
@pytest.mark.parametrize("name,tree,leaves", FLATTEN_CASES, ids=[c[0] for c in FLATTEN_CASES])
def test_flatten_leaves_in_order(name, tree, leaves):
    got, treedef = tu.tree_flatten(tree)
    assert len(got) == len(leaves) == treedef.num_leaves
    for g, e in zip(got, leaves):
        if isinstance(e, np.ndarray):
            assert g is e  # leaves are the objects themselves, not copies
        else:
            assert g == e
    assert len(tu.tree_leaves(tree)) == len(leaves)


@STRUCTURE_ONLY
@pytest.mark.parametrize("name,tree,leaves", FLATTEN_CASES, ids=[c[0] for c in FLATTEN_CASES])
def test_unflatten_round_trip(name, tree, leaves):
    got, treedef = tu.tree_flatten(tree)
    assert_same_tree(tu.tree_unflatten(treedef, got), tree)
    assert_same_tree(treedef.unflatten(got), tree)
    assert tu.tree_structure(tree) == treedef


@STRUCTURE_ONLY
@pytest.mark.parametrize("name,tree,leaves", FLATTEN_CASES, ids=[c[0] for c in FLATTEN_CASES])
def test_unflatten_with_new_leaves_keeps_structure(name, tree, leaves):
    _, treedef = tu.tree_flatten(tree)
    new = [("leaf", i) for i in range(treedef.num_leaves)]
    rebuilt = tu.tree_unflatten(treedef, new)
    # tuples of the form ("leaf", i) are containers themselves: flatten with is_leaf
    got = tu.tree_leaves(rebuilt, is_leaf=lambda x: isinstance(x, tuple) and x[:1] == ("leaf",))
    assert got == new
    assert tu.tree_structure(tu.tree_map(lambda _: 0, rebuilt, is_leaf=lambda x: isinstance(
        x, tuple) and x[:1] == ("leaf",))) == treedef


@STRUCTURE_ONLY
def test_treedef_equality():
    assert tu.tree_structure((1, [2, 3])) == tu.tree_structure((4.0, [ARR, "x"]))
    assert tu.tree_structure((1, 2)) != tu.tree_structure([1, 2])
    assert tu.tree_structure({"a": 1}) != tu.tree_structure({"b": 1})
    assert tu.tree_structure(Point(1, 2)) != tu.tree_structure((1, 2))
    assert tu.tree_structure((1, None)) != tu.tree_structure((1, 2))
    assert tu.tree_structure((1, (2,))) != tu.tree_structure((1, 2))
    assert tu.tree_structure({"b": 1, "a": 2}) == tu.tree_structure({"a": 3, "b": 4})
    assert hash(tu.tree_structure({"a": [1, 2]})) == hash(tu.tree_structure({"a": [3, 4]}))


@STRUCTURE_ONLY
def test_dict_unflatten_pairs_leaves_with_sorted_keys():
    _, treedef = tu.tree_flatten({"b": 0, "a": 0, "c": 0})
    assert tu.tree_unflatten(treedef, [1, 2, 3]) == {"a": 1, "b": 2, "c": 3}


def test_tree_map_multiple_trees(on):
    t1 = {"a": 1.0, "b": (2.0, [3.0, None]), "c": Point(4.0, 5.0)}
    t2 = {"a": 10.0, "b": (20.0, [30.0, None]), "c": Point(40.0, 50.0)}
    t3 = {"a": 100.0, "b": (200.0, [300.0, None]), "c": Point(400.0, 500.0)}
    got = tu.tree_map(lambda x, y, z: x + y + z, t1, t2, t3)
    assert_same_tree(got, {"a": 111.0, "b": (222.0, [333.0, None]), "c": Point(444.0, 555.0)})
    a, a1 = on.put(ARR), on.put(ARR + 1)
    arrs = on.run(tu.tree_map, lambda x, y: x * y, (a, [a]), (a, [a1]))
    np.testing.assert_array_equal(arrs[0], ARR * ARR)
    np.testing.assert_array_equal(arrs[1][0], ARR * (ARR + 1))
    # dict insertion order does not matter
    assert tu.tree_map(lambda x, y: x - y, {"a": 5, "b": 7}, {"b": 1, "a": 2}) == {"a": 3, "b": 6}


@STRUCTURE_ONLY
def test_tree_map_is_leaf():
    tree = {"u": (1, 2), "v": [(3, 4)]}
    got = tu.tree_map(lambda t: t[0] * t[1], tree, is_leaf=lambda x: isinstance(x, tuple))
    assert got == {"u": 2, "v": [12]}


STRUCTURE_MISMATCHES = [
    ("tuple_vs_list", (1, 2), [1, 2]),
    ("different_keys", {"a": 1, "b": 2}, {"a": 1, "c": 2}),
    ("different_length", (1, 2), (1, 2, 3)),
    ("leaf_vs_container", (1, 2), (1, (2, 3))),
    ("none_vs_leaf", (1, None), (1, 2)),
    ("namedtuple_vs_tuple", Point(1, 2), (1, 2)),
]


@STRUCTURE_ONLY
@pytest.mark.parametrize("name,t1,t2", STRUCTURE_MISMATCHES, ids=[c[0] for c in STRUCTURE_MISMATCHES])
def test_tree_map_structure_mismatch_raises(name, t1, t2):
    with pytest.raises(ValueError, match="structure"):
        tu.tree_map(lambda x, y: x, t1, t2)


@STRUCTURE_ONLY
def test_tree_unflatten_wrong_number_of_leaves_raises():
    _, treedef = tu.tree_flatten((1, [2, 3]))
    with pytest.raises(ValueError, match=r"3 leaves.*got 2|needs 3"):
        tu.tree_unflatten(treedef, [1, 2])
    with pytest.raises(ValueError, match="4"):
        tu.tree_unflatten(treedef, [1, 2, 3, 4])


# ---------------------------------------------------------------------------
# Custom nodes
# ---------------------------------------------------------------------------


class Params:
    """A user container with a static (non-leaf) name."""

    def __init__(self, w, b, name="layer"):
        self.w, self.b, self.name = w, b, name

    def __repr__(self):
        return f"Params({self.w!r}, {self.b!r}, {self.name!r})"


tu.register_pytree_node(
    Params,
    lambda p: ((p.w, p.b), p.name),
    lambda name, children: Params(children[0], children[1], name),
)


@STRUCTURE_ONLY
def test_custom_node_flatten_round_trip():
    p = Params(ARR, (3.0, None), name="dense")
    leaves, treedef = tu.tree_flatten(p)
    assert leaves[0] is ARR and leaves[1:] == [3.0]
    q = tu.tree_unflatten(treedef, [ARR * 2, 4.0])
    assert isinstance(q, Params) and q.name == "dense"
    np.testing.assert_array_equal(q.w, ARR * 2)
    assert q.b == (4.0, None)
    assert tu.tree_structure(Params(1, 2, "a")) != tu.tree_structure(Params(1, 2, "b"))
    doubled = tu.tree_map(lambda x, y: x + y, p, Params(ARR, (1.0, None), name="dense"))
    assert isinstance(doubled, Params) and doubled.b == (4.0, None)


def _layer(p, x):
    return fnp.tanh(p.w @ x + p.b)


def test_custom_node_through_grad(on):
    r = np.random.default_rng(0)
    p = Params(r.normal(size=(3, 2)), r.normal(size=3), name="dense")
    x = r.normal(size=2)
    p_on, x_on = Params(on.put(p.w), on.put(p.b), name="dense"), on.put(x)
    g = on.run(fa.grad(lambda p, x: fnp.sum(_layer(p, x) ** 2)), p_on, x_on)
    assert isinstance(g, Params) and g.name == "dense"
    h = np.tanh(p.w @ x + p.b)
    delta = 2 * h * (1 - h ** 2)
    np.testing.assert_allclose(g.w, np.outer(delta, x), rtol=1e-12)
    np.testing.assert_allclose(g.b, delta, rtol=1e-12)
    # forward mode agrees
    t = Params(on.put(np.ones((3, 2))), on.put(np.zeros(3)), name="dense")
    _, out_dot = on.run(fa.jvp, lambda p: fnp.sum(_layer(p, x_on) ** 2), (p_on,), (t,))
    np.testing.assert_allclose(out_dot, np.sum(g.w), rtol=1e-10)


def test_custom_node_through_vmap(on):
    r = np.random.default_rng(1)
    ps = Params(r.normal(size=(4, 3, 2)), r.normal(size=(4, 3)), name="stack")
    X = r.normal(size=(4, 2))
    X_on = on.put(X)
    out = on.run(fa.vmap(_layer), Params(on.put(ps.w), on.put(ps.b), name="stack"), X_on)
    expected = np.stack([np.tanh(ps.w[i] @ X[i] + ps.b[i]) for i in range(4)])
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    # custom node as in_axes prefix: weights shared, bias batched
    shared = Params(on.put(ps.w[0]), on.put(ps.b), name="stack")
    out2 = on.run(fa.vmap(_layer, in_axes=(Params(None, 0, name="stack"), 0)), shared, X_on)
    expected2 = np.stack([np.tanh(ps.w[0] @ X[i] + ps.b[i]) for i in range(4)])
    np.testing.assert_allclose(out2, expected2, rtol=1e-12)
    # custom node as output
    res = on.run(fa.vmap(lambda x: Params(x * 2, fnp.sum(x), name="out")), X_on)
    assert isinstance(res, Params) and res.name == "out"
    np.testing.assert_allclose(res.w, X * 2)
    np.testing.assert_allclose(res.b, X.sum(axis=1))


def test_custom_node_per_example_gradients(on):
    r = np.random.default_rng(2)
    p = Params(r.normal(size=(3, 2)), r.normal(size=3))
    X = r.normal(size=(5, 2))
    gs = on.run(fa.vmap(fa.grad(lambda p, x: fnp.sum(_layer(p, x))), in_axes=(None, 0)),
              Params(on.put(p.w), on.put(p.b)), on.put(X))
    assert isinstance(gs, Params)
    assert gs.w.shape == (5, 3, 2) and gs.b.shape == (5, 3)
    for i in range(5):
        d = 1 - np.tanh(p.w @ X[i] + p.b) ** 2
        np.testing.assert_allclose(gs.w[i], np.outer(d, X[i]), rtol=1e-12)
        np.testing.assert_allclose(gs.b[i], d, rtol=1e-12)


# ---------------------------------------------------------------------------
# Built-in containers through transforms
# ---------------------------------------------------------------------------


def test_grad_of_tuple_argument_returns_tuple(on):
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    g = on.run(fa.grad(lambda t: fnp.sum(t[0] * t[1])), on.put((x, y)))
    assert isinstance(g, tuple) and len(g) == 2
    np.testing.assert_allclose(g[0], y)
    np.testing.assert_allclose(g[1], x)


def test_grad_of_list_argument_with_different_shapes(on):
    a, b = np.array([1.0, 2.0]), np.array([[3.0], [4.0], [5.0]])
    g = on.run(fa.grad(lambda lst: fnp.sum(lst[0]) * fnp.sum(lst[1] ** 2)), on.put([a, b]))
    assert isinstance(g, list) and len(g) == 2
    np.testing.assert_allclose(g[0], np.full(2, np.sum(b ** 2)))
    np.testing.assert_allclose(g[1], 2 * b * np.sum(a))


def test_grad_of_namedtuple_and_none_subtrees(on):
    p = Point(x=np.array([1.0, -1.0]), y=(None, np.array(2.0)))
    p_on = Point(x=on.put(p.x), y=(None, on.put(p.y[1])))
    g = on.run(fa.grad(lambda p: fnp.sum(p.x ** 2) * p.y[1]), p_on)
    assert isinstance(g, Point)
    assert g.y[0] is None
    np.testing.assert_allclose(g.x, 2 * p.x * 2.0)
    np.testing.assert_allclose(g.y[1], np.sum(p.x ** 2))


def test_vjp_and_linearize_with_tuple_primal(on):
    x, y = np.array([0.5, 1.5]), np.array([2.0, -1.0])
    xy = on.put((x, y))
    with on.guard():
        out, f_vjp = fa.vjp(lambda t: t[0] * t[1], xy)
        cts = f_vjp(on.put(np.ones(2)))
    np.testing.assert_allclose(on.get(out), x * y)
    (g,) = on.get(cts)
    assert isinstance(g, tuple)
    np.testing.assert_allclose(g[0], y)
    np.testing.assert_allclose(g[1], x)
    with on.guard():
        out, f_lin = fa.linearize(lambda t: t[0] * t[1], xy)
        t_out = f_lin(on.put((np.ones(2), np.zeros(2))))
    np.testing.assert_allclose(on.get(t_out), y)


def test_jacobians_of_namedtuple_input(on):
    p = Point(np.array([1.0, 2.0]), np.array(3.0))
    p_on = Point(*on.put(tuple(p)))
    for jac in (fa.jacfwd, fa.jacrev):
        J = on.run(jac(lambda p: p.x * p.y), p_on)
        assert isinstance(J, Point)
        np.testing.assert_allclose(J.x, 3.0 * np.eye(2))
        np.testing.assert_allclose(J.y, p.x)


def test_vmap_over_dicts_in_and_out(on):
    r = np.random.default_rng(3)
    batch = {"x": r.normal(size=(4, 3)), "y": r.normal(size=4)}
    out = on.run(fa.vmap(lambda d: {"s": fnp.sum(d["x"]) * d["y"], "t": [d["x"] * 2]}),
               {k: on.put(v) for k, v in batch.items()})
    assert set(out) == {"s", "t"} and isinstance(out["t"], list)
    np.testing.assert_allclose(out["s"], batch["x"].sum(axis=1) * batch["y"])
    np.testing.assert_allclose(out["t"][0], batch["x"] * 2)


def test_hessian_of_dict_input(on):
    d = {"a": np.array([0.5, 1.0]), "b": np.array(2.0)}
    H = on.run(fa.hessian(lambda d: fnp.sum(d["a"] ** 2) * d["b"]),
             {k: on.put(v) for k, v in d.items()})
    np.testing.assert_allclose(H["a"]["a"], 2 * d["b"] * np.eye(2))
    np.testing.assert_allclose(H["a"]["b"], 2 * d["a"])
    np.testing.assert_allclose(H["b"]["a"], 2 * d["a"])
    np.testing.assert_allclose(H["b"]["b"], 0.0)

"""Pytrees: nested containers of arrays that transforms accept and return.

Tuples, lists, dicts (keys in sorted order), namedtuples and ``None`` (an
empty subtree) are containers; anything else is a leaf. Register more with
:func:`register_pytree_node`.
"""

from __future__ import annotations

import collections
import functools
from typing import Any, Callable, NamedTuple

__all__ = [
    "PyTreeDef",
    "register_pytree_node",
    "tree_flatten",
    "tree_unflatten",
    "tree_leaves",
    "tree_map",
    "tree_structure",
]


class _NodeType(NamedTuple):
    flatten: Callable[[Any], tuple[list, Any]]
    unflatten: Callable[[Any, list], Any]


_registry: dict[type, _NodeType] = {}


def register_pytree_node(node_type: type, flatten_func: Callable, unflatten_func: Callable) -> None:
    """Make ``node_type`` a container.

    ``flatten_func(node) -> (children, aux_data)`` and
    ``unflatten_func(aux_data, children) -> node``, as in JAX.

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, c: Pair(*c))
    >>> tree_leaves(Pair(1.0, (2.0, 3.0)))
    [1.0, 2.0, 3.0]
    """
    _registry[node_type] = _NodeType(flatten_func, unflatten_func)


register_pytree_node(tuple, lambda t: (list(t), None), lambda _, c: tuple(c))
register_pytree_node(list, lambda t: (list(t), None), lambda _, c: list(c))
register_pytree_node(
    dict,
    lambda d: ([d[k] for k in sorted(d)], tuple(sorted(d))),
    lambda keys, c: dict(zip(keys, c)),
)
register_pytree_node(type(None), lambda _: ([], None), lambda _, c: None)
# As in JAX: an OrderedDict keeps its insertion order, a defaultdict its factory.
register_pytree_node(
    collections.OrderedDict,
    lambda d: (list(d.values()), tuple(d)),
    lambda keys, c: collections.OrderedDict(zip(keys, c)),
)
register_pytree_node(
    collections.defaultdict,
    lambda d: ([d[k] for k in sorted(d)], (d.default_factory, tuple(sorted(d)))),
    lambda aux, c: collections.defaultdict(aux[0], zip(aux[1], c)),
)


def _node_type(x) -> type | None:
    kind = type(x)
    if kind in _registry:
        return kind
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return kind  # a namedtuple
    return None


def _flatten_node(x, kind):
    if kind in _registry:
        return _registry[kind].flatten(x)
    return list(x), None


class PyTreeDef:
    """The structure of a pytree: container types and where the leaves go."""

    __slots__ = ("node_type", "aux", "children", "num_leaves", "flat_tuple")

    def __init__(self, node_type, aux, children):
        self.node_type = node_type
        self.aux = aux
        self.children = children
        self.num_leaves = 1 if node_type is None else sum(c.num_leaves for c in children)
        self.flat_tuple = node_type is tuple and all(c.node_type is None for c in children)

    def __eq__(self, other) -> bool:
        if self is other:
            return True
        return (
            isinstance(other, PyTreeDef)
            and self.node_type is other.node_type
            and self.aux == other.aux
            and self.children == other.children
        )

    def __hash__(self) -> int:
        return hash((self.node_type, self.aux, tuple(self.children)))

    def __repr__(self) -> str:
        return f"PyTreeDef({_describe(self)})"

    def unflatten(self, leaves):
        return tree_unflatten(self, leaves)


_LEAF = PyTreeDef(None, None, ())


def _describe(treedef: PyTreeDef) -> str:
    if treedef.node_type is None:
        return "*"
    inner = ", ".join(_describe(c) for c in treedef.children)
    if treedef.node_type is dict:
        inner = ", ".join(f"{k!r}: {_describe(c)}" for k, c in zip(treedef.aux, treedef.children))
        return "{" + inner + "}"
    if treedef.node_type is type(None):
        return "None"
    return f"{treedef.node_type.__name__}({inner})"


@functools.lru_cache(maxsize=64)
def _flat_tuple_def(n: int) -> PyTreeDef:
    return PyTreeDef(tuple, None, (_LEAF,) * n)


def tree_flatten(tree, is_leaf: Callable[[Any], bool] | None = None) -> tuple[list, PyTreeDef]:
    """The leaves of ``tree`` in order, and its structure."""
    if is_leaf is None:
        kind = _node_type(tree)
        if kind is None:
            return [tree], _LEAF
        if kind is tuple and all(_node_type(c) is None for c in tree):
            return list(tree), _flat_tuple_def(len(tree))
    leaves: list = []
    treedef = _flatten_into(tree, leaves, is_leaf)
    return leaves, treedef


# Module-level recursion, not nested closures: a closure that refers to itself
# is a reference cycle, and would keep every flattened value (and with it a
# transform's whole tape) alive until the garbage collector runs.
def _flatten_into(x, leaves: list, is_leaf) -> PyTreeDef:
    kind = None if (is_leaf is not None and is_leaf(x)) else _node_type(x)
    if kind is None:
        leaves.append(x)
        return _LEAF
    children, aux = _flatten_node(x, kind)
    return PyTreeDef(kind, aux, tuple(_flatten_into(c, leaves, is_leaf) for c in children))


def _unflatten_from(td: PyTreeDef, it):
    if td.node_type is None:
        return next(it)
    children = [_unflatten_from(c, it) for c in td.children]
    if td.node_type in _registry:
        return _registry[td.node_type].unflatten(td.aux, children)
    return td.node_type(*children)  # a namedtuple


def tree_unflatten(treedef: PyTreeDef, leaves):
    """Rebuild a pytree of structure ``treedef`` from ``leaves``."""
    if treedef.node_type is None and len(leaves) == 1:
        return leaves[0]
    if treedef.flat_tuple and len(leaves) == treedef.num_leaves:
        return tuple(leaves)
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(
            f"tree structure {treedef} needs {treedef.num_leaves} leaves, got {len(leaves)}"
        )
    return _unflatten_from(treedef, iter(leaves))


def tree_leaves(tree, is_leaf=None) -> list:
    """The leaves of ``tree`` in flattening order."""
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None) -> PyTreeDef:
    """The structure of ``tree`` without its leaves."""
    return tree_flatten(tree, is_leaf)[1]


def tree_map(f: Callable, tree, *rest, is_leaf=None):
    """Apply ``f`` leaf by leaf to ``tree`` and trees of the same structure.

    >>> tree_map(lambda x, y: x + y, {"a": 1, "b": (2, 3)}, {"a": 10, "b": (20, 30)})
    {'a': 11, 'b': (22, 33)}
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = []
    for r in rest:
        r_leaves, r_def = tree_flatten(r, is_leaf)
        if r_def != treedef:
            raise ValueError(f"tree_map: structures differ: {treedef} and {r_def}")
        others.append(r_leaves)
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


def broadcast_prefix(prefix, tree, name: str = "in_axes", what: str = "arguments") -> list:
    """The leaves of ``prefix`` repeated to match every leaf of ``tree``.

    ``prefix`` must be a tree prefix of ``tree``: the same containers down to
    some depth, with a leaf (or None) standing for a whole subtree.
    """
    out: list = []
    _broadcast_into(prefix, tree, name, what, "", out)
    return out


def _broadcast_into(p, t, name: str, what: str, path: str, out: list) -> None:
    kind = _node_type(p)
    if kind is None or p is None:
        out.extend([p] * len(tree_leaves(t)))
        return
    t_kind = _node_type(t)
    if t_kind is not kind:
        raise ValueError(
            f"{name} is not a tree prefix of the {what}: at {path or 'the top'} "
            f"{name} has a {kind.__name__} but the argument is {type(t).__name__}"
        )
    p_children, p_aux = _flatten_node(p, kind)
    t_children, t_aux = _flatten_node(t, kind)
    if p_aux != t_aux or len(p_children) != len(t_children):
        raise ValueError(
            f"{name} is not a tree prefix of the {what}: at {path or 'the top'} "
            f"{name} has {len(p_children)} entries ({p_aux}) but the argument has "
            f"{len(t_children)} ({t_aux})"
        )
    for i, (pc, tc) in enumerate(zip(p_children, t_children)):
        _broadcast_into(pc, tc, name, what, f"{path}[{i}]", out)

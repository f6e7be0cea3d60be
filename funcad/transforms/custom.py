"""User-defined derivatives: ``custom_jvp``, ``custom_vjp`` and ``stop_gradient``.

The protocols are JAX's. A ``custom_jvp`` function gets its tangent from the
user's rule ``f_jvp(primals, tangents) -> (out, t_out)``; reverse mode
transposes that rule (it is linear in the tangents) with funcad's own ``vjp``.
A ``custom_vjp`` function gets its cotangents from ``f_bwd(residuals, ct)``,
the residuals coming from ``f_fwd(*args) -> (out, residuals)``; it has no
forward mode (jvp, jacfwd and hessian raise, as in JAX).

Each application binds one ``custom_jvp_call``/``custom_vjp_call`` primitive
per output leaf; the ``_Call`` object in its params holds the user's
functions and remembers its last results, so the function and its rules run
once per set of arguments, not once per leaf. Under ``vmap`` the rules are
vmapped in turn (see ``_custom_batch`` in funcad/primitives/control.py).
The backward pass of a ``custom_vjp`` function calls ``f_fwd`` again for its
residuals: the tape records primitives' arguments, not residuals.
"""

from __future__ import annotations

import functools
import inspect

from funcad import tree_util
from funcad.numpy.composites import moveaxis
from funcad.numpy.creation import zeros_like
from funcad.primitives._util import dtype_of
from funcad.primitives.control import custom_jvp_call_p, custom_vjp_call_p
from funcad.primitives.control import stop_gradient as _stop_gradient_leaf
from funcad.primitives.reduction import sum as _sum
from funcad.transforms._api_util import as_array
from funcad.transforms.jvp import match_primal

__all__ = ["custom_jvp", "custom_vjp", "stop_gradient"]


def stop_gradient(x):
    """``x`` with a zero derivative under every transform; pytrees accepted.

    >>> import funcad as fa
    >>> from funcad.transforms.custom import stop_gradient
    >>> float(fa.grad(lambda x: x * stop_gradient(x))(3.0))
    3.0
    """
    return tree_util.tree_map(_stop_gradient_leaf, x)


def _is_inexact(x) -> bool:
    return getattr(dtype_of(as_array(x)), "kind", None) in ("f", "c")


def _normalize_nondiff(nondiff_argnums, name: str) -> tuple[int, ...]:
    if isinstance(nondiff_argnums, int):
        nondiff_argnums = (nondiff_argnums,)
    nums = tuple(nondiff_argnums)
    for n in nums:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise TypeError(
                f"{name}: nondiff_argnums must be non-negative ints, got {n!r}; "
                f"e.g. nondiff_argnums=(0,)."
            )
    return tuple(sorted(set(nums)))


class _CustomFunction:
    """What ``custom_jvp`` and ``custom_vjp`` share: argument handling."""

    kind = ""

    def __init__(self, fun, nondiff_argnums=()) -> None:
        if not callable(fun):
            raise TypeError(f"{self.kind} needs a callable, got {type(fun).__name__}.")
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = _normalize_nondiff(nondiff_argnums, self.kind)

    @property
    def _name(self) -> str:
        return getattr(self.fun, "__name__", repr(self.fun))

    def _split(self, args, kwargs):
        if kwargs:
            # Keyword arguments are placed by the function's signature, as in JAX.
            args = inspect.signature(self.fun).bind(*args, **kwargs).args
        for n in self.nondiff_argnums:
            if n >= len(args):
                raise TypeError(
                    f"{self.kind} function {self._name!r}: nondiff_argnums has {n} but it "
                    f"was called with {len(args)} positional arguments."
                )
        nondiff = [args[n] for n in self.nondiff_argnums]
        diff = tuple(a for i, a in enumerate(args) if i not in self.nondiff_argnums)
        return args, nondiff, diff

    def _bind(self, call, leaves):
        """Bind one primitive per output leaf; the first bind learns the output tree."""
        first = call.prim.bind(*leaves, call=call, index=0)
        tree = call.out_tree
        rest = [call.prim.bind(*leaves, call=call, index=k)
                for k in range(1, tree.num_leaves)]
        return tree_util.tree_unflatten(tree, [first, *rest])

    def _full_args(self, nondiff, diff):
        full, d = [], iter(diff)
        nd = dict(zip(self.nondiff_argnums, nondiff))
        for i in range(len(nondiff) + len(diff)):
            full.append(nd[i] if i in nd else next(d))
        return full


class custom_jvp(_CustomFunction):  # noqa: N801 - JAX's name, used as a decorator
    """A function with a user-defined forward-mode derivative (JAX's protocol).

    Define the rule with ``@f.defjvp``: ``f_jvp(primals, tangents)`` returns
    ``(f(*primals), t_out)``. Arguments in ``nondiff_argnums`` are passed to
    the rule first, as in ``f_jvp(*nondiff_args, primals, tangents)``, and get
    no tangent. The rule is traced like any funcad code, so it serves reverse
    mode, vmap and higher orders too.

    A numerically stable ``log(1 + exp(x))`` whose gradient is finite at 1000:

    >>> import funcad as fa, funcad.numpy as fnp
    >>> from funcad.transforms.custom import custom_jvp
    >>> @custom_jvp
    ... def log1pexp(x):
    ...     return fnp.log1p(fnp.exp(x))
    >>> @log1pexp.defjvp
    ... def log1pexp_jvp(primals, tangents):
    ...     x, = primals
    ...     x_dot, = tangents
    ...     return log1pexp(x), (1.0 - 1.0 / (1.0 + fnp.exp(x))) * x_dot
    >>> float(fa.grad(log1pexp)(1000.0))
    1.0
    >>> round(float(fa.grad(fa.grad(log1pexp))(0.0)), 6)
    0.25

    A straight-through estimator: round forwards, identity gradient.

    >>> @custom_jvp
    ... def round_ste(x):
    ...     return fnp.round(x)
    >>> @round_ste.defjvp
    ... def round_ste_jvp(primals, tangents):
    ...     return round_ste(primals[0]), tangents[0]
    >>> float(round_ste(1.7)), float(fa.grad(round_ste)(1.7))
    (2.0, 1.0)
    """

    kind = "custom_jvp"

    def __init__(self, fun, nondiff_argnums=()) -> None:
        super().__init__(fun, nondiff_argnums)
        self.jvp = None

    def defjvp(self, jvp):
        """Set the rule ``jvp(primals, tangents) -> (out, t_out)``; returns it."""
        if not callable(jvp):
            raise TypeError(f"defjvp needs a callable rule, got {type(jvp).__name__}.")
        self.jvp = jvp
        return jvp

    def __call__(self, *args, **kwargs):
        if self.jvp is None:
            raise AttributeError(
                f"no JVP rule is defined for the custom_jvp function {self._name!r}; "
                f"define one with @{self._name}.defjvp."
            )
        args, nondiff, diff = self._split(args, kwargs)
        leaves, in_tree = tree_util.tree_flatten(diff)
        return self._bind(_JVPCall(self, nondiff, in_tree), leaves)


class custom_vjp(_CustomFunction):  # noqa: N801 - JAX's name, used as a decorator
    """A function with a user-defined reverse-mode derivative (JAX's protocol).

    ``f.defvjp(f_fwd, f_bwd)``: ``f_fwd(*args)`` returns ``(f(*args), residuals)``
    and ``f_bwd(residuals, ct)`` a tuple with one cotangent per argument (None
    for a zero). Arguments in ``nondiff_argnums`` get no cotangent and are
    passed to ``f_bwd`` first. Forward mode (jvp, jacfwd, hessian) raises a
    TypeError, as in JAX; use ``custom_jvp`` for those.

    Gradient clipping: the identity forwards, a clipped cotangent backwards.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> from funcad.transforms.custom import custom_vjp
    >>> @custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> def clip_fwd(x):
    ...     return x, None
    >>> def clip_bwd(residuals, ct):
    ...     return (fnp.clip(ct, -1.0, 1.0),)
    >>> clip_gradient.defvjp(clip_fwd, clip_bwd)
    >>> float(fa.grad(lambda x: 5.0 * clip_gradient(x))(2.0))
    1.0
    """

    kind = "custom_vjp"

    def __init__(self, fun, nondiff_argnums=()) -> None:
        super().__init__(fun, nondiff_argnums)
        self.fwd = None
        self.bwd = None

    def defvjp(self, fwd, bwd) -> None:
        """Set ``fwd(*args) -> (out, residuals)`` and ``bwd(residuals, ct) -> cotangents``."""
        for name, rule in (("fwd", fwd), ("bwd", bwd)):
            if not callable(rule):
                raise TypeError(f"defvjp needs a callable {name}, got {type(rule).__name__}.")
        self.fwd = fwd
        self.bwd = bwd

    def __call__(self, *args, **kwargs):
        if self.fwd is None:
            raise AttributeError(
                f"no VJP rules are defined for the custom_vjp function {self._name!r}; "
                f"define them with {self._name}.defvjp(f_fwd, f_bwd)."
            )
        args, nondiff, diff = self._split(args, kwargs)
        leaves, in_tree = tree_util.tree_flatten(diff)
        return self._bind(_VJPCall(self, nondiff, in_tree), leaves)


# One application of a custom function to flat argument leaves. ---------------


class _Call:
    """The user's functions for one application, on flat leaves, with a memo."""

    prim = None

    def __repr__(self) -> str:
        # How program listings (make_graph) name the call: the user's function.
        return self.owner._name

    def __init__(self, owner, nondiff, in_tree) -> None:
        self.owner = owner
        self.nondiff = nondiff
        self.in_tree = in_tree
        self.out_tree = None
        self._memo = {}
        self._batched = {}

    def _cached(self, kind, key, compute):
        # Keyed on the identity of the arguments: the memo holds them, so no
        # id is reused while an entry is alive.
        hit = self._memo.get(kind)
        if hit is not None and len(hit[0]) == len(key) and all(
            a is b for a, b in zip(hit[0], key)
        ):
            return hit[1]
        value = compute()
        self._memo[kind] = (tuple(key), value)
        return value

    def _user_args(self, leaves):
        diff = tree_util.tree_unflatten(self.in_tree, list(leaves))
        return self.owner._full_args(self.nondiff, diff)

    def _flatten_out(self, out, where: str) -> list:
        leaves, tree = tree_util.tree_flatten(out)
        if not leaves:
            raise ValueError(
                f"{self.owner.kind} function {self.owner._name!r}: {where} has no array "
                f"leaves; return at least one array."
            )
        if self.out_tree is None:
            self.out_tree = tree
        elif tree != self.out_tree:
            raise ValueError(
                f"{self.owner.kind} function {self.owner._name!r}: {where} has structure "
                f"{tree} but the function's output has {self.out_tree}; they must match."
            )
        return leaves

    def fun_leaves(self, *leaves) -> list:
        return self._flatten_out(self.owner.fun(*self._user_args(leaves)), "the output")

    def outputs(self, args) -> list:
        return self._cached("out", args, lambda: self.fun_leaves(*args))

    def batched(self, bdims):
        if bdims not in self._batched:
            self._batched[bdims] = self._batched_class(self, bdims)
        return self._batched[bdims]

    def _name(self):
        return self.owner._name


class _JVPCall(_Call):
    prim = custom_jvp_call_p

    def jvp_leaves(self, primals, tangents):
        """``(out leaves, tangent leaves)`` from the user's rule."""
        owner = self.owner
        p_tree = tree_util.tree_unflatten(self.in_tree, list(primals))
        t_tree = tree_util.tree_unflatten(self.in_tree, list(tangents))
        result = owner.jvp(*self.nondiff, tuple(p_tree), tuple(t_tree))
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(
                f"the JVP rule of custom_jvp function {owner._name!r} must return a pair "
                f"(primal_out, tangent_out), got {type(result).__name__}."
            )
        outs = self._flatten_out(result[0], "the JVP rule's primal output")
        t_leaves, t_tree_out = tree_util.tree_flatten(result[1])
        if t_tree_out != self.out_tree:
            raise ValueError(
                f"the JVP rule of custom_jvp function {owner._name!r} returned tangents of "
                f"structure {t_tree_out} for an output of structure {self.out_tree}; "
                f"return one tangent per output."
            )
        t_leaves = [match_primal(as_array(t), as_array(o)) for t, o in zip(t_leaves, outs)]
        return outs, t_leaves

    def output_tangents(self, args, tangents) -> list:
        tangents = [zeros_like(a) if t is None else t for a, t in zip(args, tangents)]
        key = (*args, *tangents)
        return self._cached("tangent", key, lambda: self.jvp_leaves(args, tangents)[1])

    def input_cotangents(self, args, index, ct) -> list:
        return self._cached(("ct", index), (*args, ct),
                            lambda: self._transpose(args, index, ct))

    def _transpose(self, args, index, ct) -> list:
        # The rule is linear in the tangents: its VJP in them is its transpose.
        from funcad.transforms.vjp import vjp_with_aux

        diff = [i for i, a in enumerate(args) if _is_inexact(a)]

        def linear(*ts):
            full = [zeros_like(a) for a in args]
            for i, t in zip(diff, ts):
                full[i] = t
            return self.jvp_leaves(args, full)[1][index]

        zeros = tuple(zeros_like(args[i]) for i in diff)
        _, pullback, _ = vjp_with_aux(linear, zeros, False, "grad", checked=True)
        cts = [None] * len(args)
        for i, c in zip(diff, pullback(ct)):
            cts[i] = c
        return cts


class _VJPCall(_Call):
    prim = custom_vjp_call_p

    def output_tangents(self, args, tangents):
        raise TypeError(
            f"can't apply forward-mode autodiff (jvp) to a custom_vjp function "
            f"({self.owner._name!r}); jvp, jacfwd, linearize and hessian need a forward "
            f"rule: define it with custom_jvp instead, or use grad/vjp/jacrev."
        )

    def fwd_leaves(self, *leaves):
        """``(out leaves, residuals)`` from the user's ``fwd``."""
        owner = self.owner
        result = owner.fwd(*self._user_args(leaves))
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(
                f"the fwd rule of custom_vjp function {owner._name!r} must return a pair "
                f"(output, residuals), got {type(result).__name__}."
            )
        return self._flatten_out(result[0], "the fwd rule's output"), result[1]

    def bwd_leaves(self, args, res, cts) -> list:
        """Cotangent leaves of the arguments (zeros where ``bwd`` gave None)."""
        owner = self.owner
        ct_tree = tree_util.tree_unflatten(self.out_tree, list(cts))
        result = owner.bwd(*self.nondiff, res, ct_tree)
        n = self.in_tree.num_leaves
        diff = tree_util.tree_unflatten(self.in_tree, list(range(n)))
        if not isinstance(result, (tuple, list)) or len(result) != len(diff):
            got = len(result) if isinstance(result, (tuple, list)) else type(result).__name__
            raise TypeError(
                f"the bwd rule of custom_vjp function {owner._name!r} must return a tuple "
                f"with one cotangent per differentiable argument ({len(diff)}), got {got}."
            )
        out = []
        for k, (c, positions) in enumerate(zip(result, diff)):
            places = tree_util.tree_leaves(positions)
            if c is None:
                out += [zeros_like(args[p]) for p in places]
                continue
            c_leaves, c_tree = tree_util.tree_flatten(c)
            if c_tree != tree_util.tree_structure(positions):
                raise ValueError(
                    f"the bwd rule of custom_vjp function {owner._name!r} returned a "
                    f"cotangent of structure {c_tree} for argument {k}, whose structure is "
                    f"{tree_util.tree_structure(positions)}."
                )
            out += [as_array(c) for c in c_leaves]
        return out

    def input_cotangents(self, args, index, ct) -> list:
        def compute():
            outs, res = self._cached("fwd", args, lambda: self.fwd_leaves(*args))
            cts = [zeros_like(o) for o in outs]
            cts[index] = ct
            return self.bwd_leaves(args, res, cts)

        return self._cached(("ct", index), (*args, ct), compute)


# Batched applications: the same rules, vmapped. ------------------------------


class Batched:
    """A call under ``vmap``: ``base``'s function, vmapped over the batch axes ``bdims``.

    Mixed in before a call class, whose rules the subclass vmaps the same way.
    """

    def __init__(self, base, bdims) -> None:
        super().__init__(base.owner, base.nondiff, base.in_tree)
        self.base = base
        self.bdims = bdims

    def fun_leaves(self, *leaves) -> list:
        from funcad.transforms.vmap import vmap

        out = vmap(self.base.fun_leaves, in_axes=self.bdims)(*leaves)
        self.out_tree = self.base.out_tree
        return out


class _BatchedJVPCall(Batched, _JVPCall):
    def jvp_leaves(self, primals, tangents):
        from funcad.transforms.vmap import vmap

        n = len(primals)

        def both(*pt):
            return self.base.jvp_leaves(pt[:n], pt[n:])

        outs, t_outs = vmap(both, in_axes=self.bdims * 2)(*primals, *tangents)
        self.out_tree = self.base.out_tree
        return outs, t_outs


class _BatchedVJPCall(Batched, _VJPCall):
    def fwd_leaves(self, *leaves):
        from funcad.transforms.vmap import vmap

        outs, res = vmap(self.base.fwd_leaves, in_axes=self.bdims)(*leaves)
        self.out_tree = self.base.out_tree
        return outs, res

    def bwd_leaves(self, args, res, cts) -> list:
        from funcad.transforms.vmap import vmap

        def one(a, r, c):
            return self.base.bwd_leaves(a, r, c)

        in_cts = vmap(one, in_axes=(list(self.bdims), 0, 0))(list(args), res, list(cts))
        # Each example's cotangent comes back on axis 0; an unbatched argument
        # collects the sum over the batch.
        out = []
        for c, b in zip(in_cts, self.bdims):
            if b is None:
                c = _sum(c, axis=0)
            elif b != 0:
                c = moveaxis(c, 0, b)
            out.append(c)
        return out


_JVPCall._batched_class = _BatchedJVPCall
_VJPCall._batched_class = _BatchedVJPCall

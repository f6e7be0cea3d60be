"""Every entry of docs/errors.md: its example raises the documented type and message.

Each example runs on the backend ``--backend`` names (the ``on`` fixture; NumPy
without it): the inputs it gives the function it calls (the arguments of an
applied transform, the primals, tangents and cotangents of ``jvp``, ``vjp``,
``linearize`` and ``check_grads``, the array arguments of a plain
``funcad.numpy`` call) are put there, and the error must be raised under the
backend's guard (Dask: no computing; CuPy: no copy to the host) with the
documented type and message. Constants inside the example's functions stay as
written. Examples that build their own CuPy or Dask arrays, or register a
backend of their own, run as written.
"""

from __future__ import annotations

import ast
import builtins
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import funcad as fa
import funcad.numpy as fnp
from funcad.core import trace as fa_trace
from funcad.transforms.custom import custom_jvp, custom_vjp
from tests.conftest import backend_skip_reason

CATALOGUE = Path(__file__).resolve().parent.parent / "docs" / "errors.md"

_ENTRY = re.compile(
    r"^### (?P<title>.+?)\n\n```python\n(?P<code>.*?)\n```\n\n"
    r"Raises `(?P<type>\w+)`: `(?P<message>[^`]+)`\n\nFix: (?P<fix>.+?)$",
    re.MULTILINE | re.DOTALL,
)


def _entries():
    text = CATALOGUE.read_text()
    entries = [m.groupdict() for m in _ENTRY.finditer(text)]
    # Every "###" heading must have parsed: a malformed entry would go untested otherwise.
    assert len(entries) == text.count("\n### "), "an entry in docs/errors.md does not parse"
    return entries


ENTRIES = _entries()

# Errors the catalogue must keep (the brief's list); each is a message start.
REQUIRED = [
    "grad requires a scalar output",
    "is out of range for a call with",
    "requires real or complex inputs; argument 0 has dtype int64",
    "jvp: tangent leaf 0 has shape",
    "jvp: tangent leaf 0 has dtype",
    "vjp_fn: cotangent 0 has shape",
    "vjp_fn: cotangent 0 has dtype",
    "vmap got inconsistent sizes",
    "vmap: in_axes",
    "a traced value from a finished transform was used again",
    "the truth value of a traced array",
    "float()/int() of a traced value",
    "np.asarray/np.array of a traced value",
    "x[idx] = v cannot be differentiated",
    "does not write into out=",
    "a traced boolean mask",
    "holomorphic=True requires complex",
    "can't apply forward-mode autodiff (jvp) to a custom_vjp function",
    "pad: pad_width may not be negative",
    "funcad cannot differentiate pad with mode=",
    "tile: reps must be an int or a sequence of ints",
    "roll: shift must be an int or a sequence of ints",
    "at(x)[idx].set(values): values of shape",
    "take: mode='clip' is supported for concrete indices",
    "quantile: quantiles must be in the range [0, 1]",
    "quantile: q must be concrete",
    "its last two dimensions must be equal",
    "full_matrices=True on a traced",
    "funcad.numpy.linalg.qr: mode=",
    "the shape of the result depends on the values of",
    "arrays used as indices must be of integer or boolean type",
    "check_grads: args must be a tuple",
    "checkpoint: policy=",
]


@pytest.mark.fixed_backend("reads docs/errors.md: no array")
def test_catalogue_covers_the_required_errors():
    messages = " ".join(e["message"] for e in ENTRIES)
    missing = [m for m in REQUIRED if m not in messages]
    assert not missing, missing
    assert len(ENTRIES) >= 70


# Calls whose positional arguments after the first (the function) are inputs.
_INPUT_TAKING = {"jvp", "vjp", "linearize", "check_grads"}


def _is_fa_call(func: ast.expr, names) -> bool:
    return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id == "fa" and func.attr in names)


def _rooted_at_fnp(func: ast.expr) -> bool:
    while isinstance(func, ast.Attribute):
        func = func.value
    return isinstance(func, ast.Name) and func.id == "fnp"


def _is_literal(node: ast.expr) -> bool:
    # Python numbers (and tuples of them) are no backend's arrays: they stay as written,
    # and so do the messages that name their type.
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def _put_inputs(expr: ast.expr) -> None:
    """Wrap the array inputs of the call ``expr`` in ``_put(...)``."""
    if not isinstance(expr, ast.Call):
        return
    first = 0
    if isinstance(expr.func, ast.Call | ast.Subscript):
        # transform(f)(inputs) or vjp(...)[1](cotangent): the inner call has inputs too
        _put_inputs(expr.func.value if isinstance(expr.func, ast.Subscript) else expr.func)
    elif _is_fa_call(expr.func, _INPUT_TAKING):
        first = 1
    elif not _rooted_at_fnp(expr.func):
        return
    for i in range(first, len(expr.args)):
        if not (isinstance(expr.args[i], ast.Lambda | ast.Starred) or _is_literal(expr.args[i])):
            expr.args[i] = ast.Call(ast.Name("_put", ast.Load()), [expr.args[i]], [])


def _on_backend(code: str) -> ast.Module:
    """The example with the array inputs of its top-level calls wrapped in ``_put``."""
    tree = ast.parse(code)
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr):
            _put_inputs(stmt.value)
    return ast.fix_missing_locations(tree)


def _builds_its_own_backend(code: str) -> bool:
    return any(word in code for word in ("import cupy", "import dask", "fa.backend"))


@pytest.mark.fixed_backend("checks how this file rewrites the examples' source: no array")
def test_inputs_are_put_where_the_example_has_them():
    # the rewriting reaches the inputs (a check on this file, not on funcad)
    put = [e["title"] for e in ENTRIES if not _builds_its_own_backend(e["code"])
           and "_put(" in ast.unparse(_on_backend(e["code"]))]
    assert len(put) >= 40, len(put)
    assert ast.unparse(_on_backend("fa.vjp(fnp.sin, np.ones(3))[1](np.ones(2))")) == (
        "fa.vjp(fnp.sin, _put(np.ones(3)))[1](_put(np.ones(2)))")
    assert ast.unparse(_on_backend("fa.grad(3)")) == "fa.grad(3)"
    assert ast.unparse(_on_backend("fa.jvp(f, (1.0,), (np.ones(2),))")) == (
        "fa.jvp(f, (1.0,), _put((np.ones(2),)))")


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["title"] for e in ENTRIES])
def test_catalogued_error_is_raised_with_its_message(on, entry):
    namespace = {"np": np, "fa": fa, "fnp": fnp, "custom_jvp": custom_jvp,
                 "custom_vjp": custom_vjp, "_put": on.put}
    # Examples that use CuPy or Dask run where that library (and, for CuPy, a GPU) is present.
    for name in ("cupy", "dask"):
        if f"import {name}" in entry["code"] and backend_skip_reason(name) is not None:
            pytest.skip(f"{entry['title']}: {backend_skip_reason(name)}")
    # Error types: funcad's own (fa, fa.backend), NumPy's LinAlgError, or builtins.
    expected = (getattr(fa, entry["type"], None) or getattr(fa.backend, entry["type"], None)
                or getattr(np.linalg, entry["type"], None) or getattr(builtins, entry["type"]))
    code = (entry["code"] if _builds_its_own_backend(entry["code"])
            else _on_backend(entry["code"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(expected) as info, on.guard():
            exec(compile(code, entry["title"], "exec"), namespace)
    assert type(info.value) is expected
    assert entry["message"] in str(info.value), (entry["message"], str(info.value))
    assert entry["fix"].strip()
    assert fa_trace.current_depth() == 0
    assert fa.grad(fnp.sin)(0.0) == 1.0

"""Every entry of docs/errors.md: its example raises the documented type and message."""

from __future__ import annotations

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


def test_catalogue_covers_the_required_errors():
    messages = " ".join(e["message"] for e in ENTRIES)
    missing = [m for m in REQUIRED if m not in messages]
    assert not missing, missing
    assert len(ENTRIES) >= 70


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["title"] for e in ENTRIES])
def test_catalogued_error_is_raised_with_its_message(entry):
    namespace = {"np": np, "fa": fa, "fnp": fnp, "custom_jvp": custom_jvp,
                 "custom_vjp": custom_vjp}
    # Examples that use CuPy or Dask run where that library (and, for CuPy, a GPU) is present.
    for name in ("cupy", "dask"):
        if f"import {name}" in entry["code"] and backend_skip_reason(name) is not None:
            pytest.skip(f"{entry['title']}: {backend_skip_reason(name)}")
    # Error types: funcad's own (fa, fa.backend), NumPy's LinAlgError, or builtins.
    expected = (getattr(fa, entry["type"], None) or getattr(fa.backend, entry["type"], None)
                or getattr(np.linalg, entry["type"], None) or getattr(builtins, entry["type"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(expected) as info:
            exec(compile(entry["code"], entry["title"], "exec"), namespace)
    assert type(info.value) is expected
    assert entry["message"] in str(info.value), (entry["message"], str(info.value))
    assert entry["fix"].strip()
    assert fa_trace.current_depth() == 0
    assert fa.grad(fnp.sin)(0.0) == 1.0

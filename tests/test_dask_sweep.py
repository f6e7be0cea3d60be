"""The systematic sweep on the Dask backend: every row of ``op_specs`` on Dask arrays.

Each row's inputs become chunked Dask arrays (about two chunks per axis). The
row's value, its JVP and its VJP are built under a scheduler that refuses to
compute, so anything that would run before the user asks for it fails the
row; the results must be Dask arrays, and once computed they must equal the
NumPy backend's (whose derivatives ``test_sweep`` checks against finite
differences).

Rows that Dask cannot run lazily are listed in ``UNSUPPORTED`` with the stage
that fails, what kind of failure it is, and why; a listed row must fail in
that way (so a row that starts working has to leave the table), and an
unlisted row must pass. ``docs/backends.md``'s table is generated from this
data:

    python -m tests.test_dask_sweep --write-docs   # rewrite the docs table
    python -m tests.test_dask_sweep --table        # print a fresh UNSUPPORTED

Kinds of failure:

* ``refused``: funcad raises ``NotLazyError`` or ``LazyShapeError`` (a NumPy
  function Dask lacks, a value-dependent shape) before any work;
* ``dask``: Dask itself raises (an option it lacks, a chunking it needs);
* ``eager``: the function computes on the host while building the graph. A
  defect: the function's untraced path calls NumPy or SciPy directly instead of
  the backend;
* ``wrong``: Dask's own result differs from NumPy's (the row's function
  applies Dask's ``x[...]`` directly).
"""

from __future__ import annotations

import collections
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
import dask  # noqa: E402

import funcad as fa  # noqa: E402
from funcad.backend.dask import LazyShapeError, NotLazyError  # noqa: E402
from tests.op_specs import ROW_KEYS, ROWS, draw  # noqa: E402
from tests.test_sweep import _like, _rng  # noqa: E402

pytestmark = pytest.mark.fixed_backend("the lazy sweep is the Dask backend's own strict table, on Dask whatever --backend says")

DOCS = Path(__file__).resolve().parent.parent / "docs" / "backends.md"
BEGIN, END = "<!-- dask-table:begin -->", "<!-- dask-table:end -->"


class EagerComputeError(AssertionError):
    """Raised by the scheduler that stands in while graphs are built."""


def _forbid(dsk, keys, **kwargs):
    raise EagerComputeError("a Dask graph was computed while funcad was building one")


def no_compute():
    """A context in which any Dask computation raises :class:`EagerComputeError`."""
    return dask.config.set(scheduler=_forbid)


def to_dask(x):
    """``x`` as a Dask array of about two chunks per axis."""
    x = np.asarray(x)
    return da.from_array(x, chunks=tuple(max(1, (s + 1) // 2) for s in x.shape))


class RowError(Exception):
    def __init__(self, stage: str, error: BaseException) -> None:
        super().__init__(f"{stage}: {type(error).__name__}: {error}")
        self.stage = stage
        self.error = error

    @property
    def kind(self) -> str:
        if isinstance(self.error, EagerComputeError):
            return "eager"
        if isinstance(self.error, (NotLazyError, LazyShapeError)):
            return "refused"
        if isinstance(self.error, AssertionError):
            return "wrong"
        return "dask"


def _compare(actual, expected, what):
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-11, err_msg=what)


def _is_dask(x) -> bool:
    return isinstance(x, da.Array)


def _direction(rng, x):
    u = _like(rng, x)
    return u.astype(x.dtype) if x.dtype.kind in "fc" else u


def _stage_value(row, xs):
    dxs = [to_dask(x) for x in xs]
    with no_compute():
        out = row.fun(*dxs)
    assert _is_dask(out), f"the value is a {type(out).__name__}, not a Dask array"
    (computed,) = dask.compute(out, scheduler="sync")
    _compare(computed, row.fun(*xs), "value")
    return computed


def _stage_jvp(row, xs, us):
    with no_compute():
        y, y_dot = fa.jvp(row.fun, tuple(to_dask(x) for x in xs), tuple(to_dask(u) for u in us))
    assert _is_dask(y) and _is_dask(y_dot), "jvp returned a non-Dask array"
    y, y_dot = dask.compute(y, y_dot, scheduler="sync")
    _, expected = fa.jvp(row.fun, tuple(xs), tuple(us))
    _compare(y_dot, expected, "jvp")


def _stage_vjp(row, xs, v):
    with no_compute():
        _, f_vjp = fa.vjp(row.fun, *[to_dask(x) for x in xs])
        cts = f_vjp(to_dask(v))
    assert all(_is_dask(c) for c in cts), "vjp returned a non-Dask array"
    (cts,) = dask.compute(cts, scheduler="sync")
    for ct, expected in zip(cts, fa.vjp(row.fun, *xs)[1](v)):
        _compare(ct, expected, "vjp")


def check_row(row) -> None:
    """Run ``row`` on Dask arrays; raises :class:`RowError` naming the failing stage."""
    rng = _rng(row)
    xs = draw(row, rng)
    stage = "value"
    try:
        value = _stage_value(row, xs)
        if not row.differentiable:
            return
        stage = "jvp"
        _stage_jvp(row, xs, [_direction(rng, x) for x in xs])
        stage = "vjp"
        _stage_vjp(row, xs, _direction(rng, np.asarray(value)))
    except Exception as error:  # noqa: BLE001 - every failure is classified and reported
        raise RowError(stage, error) from error


def expected_failure(row, key):
    """The ``(stage, kind, reason)`` entry for a row, or None when it must pass."""
    return UNSUPPORTED.get(key) or UNSUPPORTED.get(row.name)


KEYS = list(zip(ROWS, ROW_KEYS))


@pytest.mark.parametrize("row,key", KEYS, ids=[k for _, k in KEYS])
def test_row_on_dask(row, key):
    expected = expected_failure(row, key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            check_row(row)
        except RowError as failure:
            if expected is None:
                raise AssertionError(
                    f"{key} fails on Dask ({failure.kind}); fix it or list it in UNSUPPORTED"
                ) from failure
            stage, kind, _ = expected
            assert (failure.stage, failure.kind) == (stage, kind), (
                f"{key} is listed as failing at {stage} ({kind}) but fails at "
                f"{failure.stage} ({failure.kind}): {failure}"
            )
            return
    assert expected is None, f"{key} now works on Dask: remove it from UNSUPPORTED"


def test_table_names_rows_that_exist():
    names = {row.name for row in ROWS} | {key for _, key in KEYS}
    assert not sorted(set(UNSUPPORTED) - names)
    for stage, kind, reason in UNSUPPORTED.values():
        assert stage in ("value", "jvp", "vjp") and kind in ("refused", "dask", "eager", "wrong")
        assert reason


# The table ----------------------------------------------------------------------


_ABRIDGE = [
    (" has no lazy Dask implementation, so funcad cannot apply it to a Dask array without "
     "computing it", ": Dask has no lazy version"),
    (" (an unbuffered in-place update)", ""),
    ("the Dask version of ", "Dask's "),
    (" does not take these arguments (", " lacks an option ("),
]


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split())
    first = re.split(r"(?<=[.;:])\s", text)[0]
    for long, short in _ABRIDGE:
        first = first.replace(long, short)
    return first[:160].rstrip(".;:") or type(error).__name__


def _eager_site(error: BaseException) -> str:
    import traceback

    sites = [f"{Path(f.filename).relative_to(DOCS.parent.parent)}:{f.lineno}"
             for f in traceback.extract_tb(error.__traceback__)
             if "/funcad/" in f.filename and "/funcad/backend/" not in f.filename]
    return sites[-1] if sites else "Dask's own function"


def measure():
    """``{key: (stage, kind, reason)}`` for every row that fails now."""
    found = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for row, key in KEYS:
            try:
                check_row(row)
            except RowError as failure:
                if failure.kind == "eager":
                    reason = f"computes while building the graph ({_eager_site(failure.error)})"
                else:
                    reason = _short(failure.error)
                found[key] = (failure.stage, failure.kind, reason)
    # One entry per name where every row of the name fails alike.
    by_name = collections.defaultdict(list)
    for row, key in KEYS:
        by_name[row.name].append(found.get(key))
    table = {}
    for name, entries in by_name.items():
        if all(e is not None for e in entries) and len({e[:2] for e in entries}) == 1:
            table[name] = entries[0]
        else:
            for k, e in enumerate(entries):
                if e is not None:
                    table[f"{name}#{k}"] = e
    return table


def support_by_function():
    """``{name: (status, note)}`` for the docs: how each row name runs on Dask."""
    by_name = collections.defaultdict(list)
    for row, key in KEYS:
        by_name[row.name].append(expected_failure(row, key))
    out = {}
    for name, entries in sorted(by_name.items()):
        failing = [e for e in entries if e is not None]
        if not failing:
            status = "lazy"
        elif len(failing) < len(entries):
            status = "partly"
        elif all(e[0] != "value" for e in failing):
            status = "values only"
        else:
            status = {"refused": "refused", "dask": "refused by Dask", "eager": "computes (defect)",
                      "wrong": "differs"}[failing[0][1]]
        notes = sorted({f"{e[0]}: {e[2]}" for e in failing})
        out[name] = (status, "; ".join(notes[:2]) + (" ..." if len(notes) > 2 else ""))
    return out


def _cupy_status() -> dict[str, str]:
    """``{name: status}`` on CuPy, from the strict table the CuPy sweep keeps."""
    from tests.test_backend_cupy import CUPY_UNSUPPORTED

    listed = collections.Counter(key.rpartition("#")[0] for key in CUPY_UNSUPPORTED)
    out = {}
    for row, key in KEYS:
        out[row.name] = "yes†" if listed[row.name] else "yes"
    return out


def render_docs_table() -> str:
    lines = [BEGIN, "",
             "| function (sweep rows) | NumPy | CuPy | Dask | Dask: what fails and why |",
             "|---|---|---|---|---|"]
    cupy = _cupy_status()
    for name, (status, note) in support_by_function().items():
        note = note.replace("|", "\\|")
        lines.append(f"| `{name}` | yes | {cupy[name]} | {status} | {note} |")
    lines += ["", END]
    return "\n".join(lines)


def test_docs_table_is_current():
    text = DOCS.read_text()
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:stop] == render_docs_table(), (
        "docs/backends.md's Dask table is out of date: run python -m tests.test_dask_sweep "
        "--write-docs"
    )


def _write_docs() -> None:
    text = DOCS.read_text()
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    DOCS.write_text(text[:start] + render_docs_table() + text[stop:])


# Generated by ``python -m tests.test_dask_sweep --table``; reasons may be edited.
UNSUPPORTED: dict[str, tuple[str, str, str]] = {
    'var#7': ('value', 'refused', "Dask's numpy.var lacks an option (var() got an unexpected keyword argument 'mean')"),
    'getitem[col]': ('value', 'dask', "untraced x[...] on a Dask array is Dask's own indexing, which funcad does not see; under a transform, and with fnp.at(x)[...].get(), funcad's indexing gives NumPy's result"),
    'getitem[separated]': ('value', 'dask', "untraced x[...] on a Dask array is Dask's own indexing, which funcad does not see; under a transform, and with fnp.at(x)[...].get(), funcad's indexing gives NumPy's result"),
    'getitem[int-separated]': ('value', 'wrong', "untraced x[...] on a Dask array is Dask's own indexing, which funcad does not see; under a transform, and with fnp.at(x)[...].get(), funcad's indexing gives NumPy's result"),
    'getitem[pair]': ('value', 'dask', "untraced x[...] on a Dask array is Dask's own indexing, which funcad does not see; under a transform, and with fnp.at(x)[...].get(), funcad's indexing gives NumPy's result"),
    'getitem[newaxis]': ('value', 'dask', "untraced x[...] on a Dask array is Dask's own indexing, which funcad does not see; under a transform, and with fnp.at(x)[...].get(), funcad's indexing gives NumPy's result"),
    'getitem[empty-ellipsis]': ('value', 'dask', "untraced x[...] on a Dask array is Dask's own indexing, which funcad does not see; under a transform, and with fnp.at(x)[...].get(), funcad's indexing gives NumPy's result"),
    'at.multiply[i]': ('value', 'refused', 'numpy.multiply.at: Dask has no lazy version'),
    'at.multiply[basic]': ('value', 'refused', 'numpy.multiply.at: Dask has no lazy version'),
    'at.multiply[col]': ('value', 'refused', 'numpy.multiply.at: Dask has no lazy version'),
    'at.multiply[scalar]': ('value', 'refused', 'numpy.multiply.at: Dask has no lazy version'),
    'at.multiply[zeros]': ('value', 'refused', 'numpy.multiply.at: Dask has no lazy version'),
    'lstsq': ('value', 'refused', "Dask's numpy.linalg.lstsq lacks an option (lstsq() got an unexpected keyword argument 'rcond')"),
    'eigvals': ('value', 'refused', 'numpy.linalg.eigvals: Dask has no lazy version'),
    'eig': ('value', 'refused', 'numpy.linalg.eig: Dask has no lazy version'),
    'unwrap': ('value', 'refused', 'numpy.unwrap: Dask has no lazy version'),
    'vander': ('value', 'refused', 'numpy.vander: Dask has no lazy version'),
    'polyadd': ('value', 'refused', 'numpy.polyadd: Dask has no lazy version'),
    'polysub': ('value', 'refused', 'numpy.polysub: Dask has no lazy version'),
    'polymul': ('value', 'refused', 'numpy.polymul: Dask has no lazy version'),
    'polyder': ('value', 'refused', 'numpy.polyder: Dask has no lazy version'),
    'polyint': ('value', 'refused', 'numpy.polyint: Dask has no lazy version'),
    'polydiv': ('value', 'refused', 'numpy.polydiv: Dask has no lazy version'),
    'polyfit': ('value', 'refused', 'numpy.polyfit: Dask has no lazy version'),
    'roots': ('value', 'refused', 'numpy.roots: Dask has no lazy version'),
    'poly': ('value', 'refused', 'numpy.poly: Dask has no lazy version'),
    'asarray_chkfinite': ('jvp', 'refused', 'asarray_chkfinite cannot check a traced Dask array for infs and NaNs without computing it'),
    'extract': ('value', 'refused', 'numpy.extract on a Dask array gives a result whose shape depends on the values, which funcad cannot trace lazily'),
    'delete': ('value', 'refused', 'numpy.delete: Dask has no lazy version'),
    'insert': ('value', 'refused', 'numpy.insert: Dask has no lazy version'),
}


OWN_INDEXING = [(row, key) for row, key in KEYS
                if row.name.startswith("getitem[") and expected_failure(row, key)]


@pytest.mark.parametrize("row,key", OWN_INDEXING, ids=[k for _, k in OWN_INDEXING])
def test_rows_dask_cannot_index_work_under_transforms(row, key):
    """The rows listed for Dask's own ``x[...]``: funcad's indexing, under jvp and vjp, is exact."""
    xs = draw(row, _rng(row))
    rng = np.random.default_rng(1)
    us = [_like(rng, x) for x in xs]
    v = _like(rng, row.fun(*xs))
    with warnings.catch_warnings(), no_compute():
        warnings.simplefilter("ignore")
        y, y_dot = fa.jvp(row.fun, tuple(to_dask(x) for x in xs), tuple(to_dask(u) for u in us))
        cts = fa.vjp(row.fun, *[to_dask(x) for x in xs])[1](to_dask(v))
    y, y_dot, cts = dask.compute(y, y_dot, cts)
    want_y, want_dot = fa.jvp(row.fun, tuple(xs), tuple(us))
    _compare(y, want_y, "value")
    _compare(y_dot, want_dot, "jvp")
    for got, want in zip(cts, fa.vjp(row.fun, *xs)[1](v)):
        _compare(got, want, "vjp")


if __name__ == "__main__":
    if "--table" in sys.argv:
        print("UNSUPPORTED: dict[str, tuple[str, str, str]] = {")
        for key, entry in measure().items():
            print(f"    {key!r}: {entry!r},")
        print("}")
    if "--write-docs" in sys.argv:
        _write_docs()

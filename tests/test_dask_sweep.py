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
from tests.op_specs import ROWS, draw  # noqa: E402
from tests.test_sweep import _like, _rng  # noqa: E402

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


def row_keys():
    """``(row, "name#k")`` for every row, ``k`` counting rows of the same name."""
    seen = collections.Counter()
    out = []
    for row in ROWS:
        out.append((row, f"{row.name}#{seen[row.name]}"))
        seen[row.name] += 1
    return out


def expected_failure(row, key):
    """The ``(stage, kind, reason)`` entry for a row, or None when it must pass."""
    return UNSUPPORTED.get(key) or UNSUPPORTED.get(row.name)


KEYS = row_keys()


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


def render_docs_table() -> str:
    lines = [BEGIN, "", "| function (sweep rows) | NumPy | Dask | Dask: what fails and why |",
             "|---|---|---|---|"]
    for name, (status, note) in support_by_function().items():
        note = note.replace("|", "\\|")
        lines.append(f"| `{name}` | yes | {status} | {note} |")
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
    'where#2': ('value', 'refused', 'numpy.argsort: Dask has no lazy version'),
    'var#7': ('value', 'refused', "Dask's numpy.var lacks an option (var() got an unexpected keyword argument 'mean')"),
    'heaviside': ('value', 'refused', 'numpy.heaviside: Dask has no lazy version'),
    'nan_to_num': ('value', 'refused', "Dask's numpy.nan_to_num lacks an option (nan_to_num does not take the following keyword arguments ['copy', 'nan', 'neginf', 'posinf'])"),
    'getitem[col]': ('value', 'dask', "'>=' not supported between instances of 'list' and 'int'"),
    'getitem[i-slice]': ('vjp', 'refused', 'numpy.add.at on a Dask array is built lazily only for one integer index array among full slices (the gradient of x[i], x[:, i], x[..., i])'),
    'getitem[separated]': ('value', 'dask', "Don't yet support nd fancy indexing"),
    'getitem[int-separated]': ('value', 'wrong', 'Not equal to tolerance rtol=1e-09, atol=1e-11 value (shapes (3, 2), (2, 3) mismatch) ACTUAL'),
    'getitem[pair]': ('value', 'dask', "Don't yet support nd fancy indexing"),
    'getitem[newaxis]': ('value', 'dask', 'concatenate_arrays() missing 1 required positional argument'),
    'getitem[empty-ellipsis]': ('value', 'dask', "Don't yet support nd fancy indexing"),
    'getitem[mask2d]': ('jvp', 'refused', "dask.array indexes with one index array at a time, and places the result's axes differently from NumPy when ints and arrays are separated by a slice"),
    'take#0': ('value', 'dask', "'>=' not supported between instances of 'list' and 'int'"),
    'take_along_axis': ('value', 'refused', 'numpy.take_along_axis: Dask has no lazy version'),
    'at.set[col]': ('value', 'dask', 'Incorrect shape ((2, 2)) of integer indices for dimension with size 3'),
    'at.set[scalar]': ('value', 'dask', 'Incorrect shape ((2, 2)) of integer indices for dimension with size 5'),
    'at.add[col]': ('vjp', 'dask', "'>=' not supported between instances of 'list' and 'int'"),
    'at.add[scalar]': ('vjp', 'dask', "'>=' not supported between instances of 'list' and 'int'"),
    'at.multiply[i]': ('value', 'refused', 'numpy.multiply.at: Dask has no lazy version'),
    'at.multiply[basic]': ('value', 'refused', 'numpy.multiply.at: Dask has no lazy version'),
    'at.multiply[col]': ('value', 'refused', 'numpy.multiply.at: Dask has no lazy version'),
    'at.multiply[scalar]': ('value', 'refused', 'numpy.multiply.at: Dask has no lazy version'),
    'at.min[i]': ('value', 'refused', 'numpy.minimum.at: Dask has no lazy version'),
    'at.min[basic]': ('value', 'refused', 'numpy.minimum.at: Dask has no lazy version'),
    'at.min[col]': ('value', 'refused', 'numpy.minimum.at: Dask has no lazy version'),
    'at.min[scalar]': ('value', 'refused', 'numpy.minimum.at: Dask has no lazy version'),
    'at.max[i]': ('value', 'refused', 'numpy.maximum.at: Dask has no lazy version'),
    'at.max[basic]': ('value', 'refused', 'numpy.maximum.at: Dask has no lazy version'),
    'at.max[col]': ('value', 'refused', 'numpy.maximum.at: Dask has no lazy version'),
    'at.max[scalar]': ('value', 'refused', 'numpy.maximum.at: Dask has no lazy version'),
    'at.multiply[zeros]': ('value', 'refused', 'numpy.multiply.at: Dask has no lazy version'),
    'sort': ('value', 'refused', 'numpy.sort: Dask has no lazy version'),
    'argsort': ('value', 'refused', 'numpy.argsort: Dask has no lazy version'),
    'median#0': ('value', 'refused', 'Dask cannot build numpy.median lazily here'),
    'median#1': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/sorting.py:136)'),
    'median#2': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/sorting.py:136)'),
    'median#3': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/sorting.py:136)'),
    'quantile#0': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/sorting.py:136)'),
    'quantile#1': ('value', 'refused', 'Dask cannot build numpy.quantile lazily here'),
    'percentile': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/sorting.py:136)'),
    'solve': ('value', 'dask', 'All chunks must be a square matrix to perform lu decomposition'),
    'solve_triangular': ('value', 'dask', 'All chunks must be a square matrix to perform lu decomposition'),
    'inv': ('value', 'dask', 'All chunks must be a square matrix to perform lu decomposition'),
    'det': ('value', 'refused', 'numpy.linalg.det: Dask has no lazy version'),
    'slogdet': ('value', 'refused', 'numpy.linalg.slogdet: Dask has no lazy version'),
    'cholesky#0': ('value', 'dask', 'All chunks must be a square matrix to perform cholesky decomposition'),
    'cholesky#1': ('value', 'dask', 'Dimension must be 2 to perform cholesky decomposition'),
    'cholesky#2': ('value', 'refused', "Dask's numpy.linalg.cholesky lacks an option (cholesky() got an unexpected keyword argument 'upper')"),
    'cholesky#3': ('value', 'dask', 'All chunks must be a square matrix to perform cholesky decomposition'),
    'cholesky#4': ('value', 'dask', 'Dimension must be 2 to perform cholesky decomposition'),
    'cholesky#5': ('value', 'refused', "Dask's numpy.linalg.cholesky lacks an option (cholesky() got an unexpected keyword argument 'upper')"),
    'eigh': ('value', 'refused', 'numpy.linalg.eigh: Dask has no lazy version'),
    'eigvalsh': ('value', 'refused', 'numpy.linalg.eigvalsh: Dask has no lazy version'),
    'svd': ('value', 'refused', "Dask's numpy.linalg.svd lacks an option (svd() got an unexpected keyword argument 'compute_uv')"),
    'qr': ('value', 'refused', "Dask's numpy.linalg.qr lacks an option (qr() got an unexpected keyword argument 'mode')"),
    'pinv': ('value', 'refused', 'numpy.linalg.pinv: Dask has no lazy version'),
    'lstsq': ('value', 'refused', "Dask's numpy.linalg.lstsq lacks an option (lstsq() got an unexpected keyword argument 'rcond')"),
    'matrix_power': ('value', 'refused', 'numpy.linalg.matrix_power: Dask has no lazy version'),
    'multi_dot': ('value', 'refused', 'numpy.linalg.multi_dot: Dask has no lazy version'),
    'norm#13': ('value', 'dask', 'Improper number of dimensions to norm'),
    'norm#16': ('value', 'refused', 'Dask cannot build numpy.linalg.norm lazily here'),
    'norm#19': ('value', 'refused', 'Dask cannot build numpy.linalg.norm lazily here'),
    'norm#20': ('value', 'refused', 'Dask cannot build numpy.linalg.norm lazily here'),
    'norm#24': ('value', 'refused', 'Dask cannot build numpy.linalg.norm lazily here'),
    'norm#27': ('value', 'refused', 'Dask cannot build numpy.linalg.norm lazily here'),
    'norm#38': ('value', 'refused', 'Dask cannot build numpy.linalg.norm lazily here'),
    'norm#40': ('value', 'refused', 'Dask cannot build numpy.linalg.norm lazily here'),
    'norm#41': ('value', 'refused', 'Dask cannot build numpy.linalg.norm lazily here'),
    'matrix_norm': ('value', 'refused', 'numpy.linalg.matrix_norm: Dask has no lazy version'),
    'vector_norm': ('value', 'refused', 'numpy.linalg.vector_norm: Dask has no lazy version'),
    'svdvals': ('value', 'refused', 'numpy.linalg.svdvals: Dask has no lazy version'),
    'matrix_transpose#1': ('value', 'eager', 'computes while building the graph (funcad/numpy/array_api.py:86)'),
    'cross': ('value', 'refused', 'numpy.linalg.cross: Dask has no lazy version'),
    'vecdot#0': ('value', 'refused', 'numpy.linalg.vecdot: Dask has no lazy version'),
    'vecdot#1': ('value', 'refused', 'numpy.linalg.vecdot: Dask has no lazy version'),
    'vecdot#2': ('value', 'refused', 'numpy.linalg.vecdot: Dask has no lazy version'),
    'vecdot#3': ('value', 'dask', "Core dimension `'n'` consists of multiple chunks"),
    'vecdot#4': ('value', 'dask', "Core dimension `'n'` consists of multiple chunks"),
    'vecdot#5': ('value', 'dask', "Core dimension `'n'` consists of multiple chunks"),
    'vecdot#6': ('value', 'dask', "Core dimension `'n'` consists of multiple chunks"),
    'cond': ('value', 'refused', 'numpy.linalg.cond: Dask has no lazy version'),
    'matrix_rank': ('value', 'refused', 'numpy.linalg.matrix_rank: Dask has no lazy version'),
    'tensorinv': ('value', 'refused', 'numpy.linalg.tensorinv: Dask has no lazy version'),
    'tensorsolve': ('value', 'refused', 'numpy.linalg.tensorsolve: Dask has no lazy version'),
    'eigvals': ('value', 'refused', 'numpy.linalg.eigvals: Dask has no lazy version'),
    'eig': ('value', 'refused', 'numpy.linalg.eig: Dask has no lazy version'),
    'roll#4': ('value', 'dask', 'Must have the same number of shifts as axes'),
    'repeat#0': ('value', 'refused', 'Dask cannot build numpy.repeat lazily here'),
    'repeat#2': ('value', 'refused', 'Dask cannot build numpy.repeat lazily here'),
    'repeat#3': ('value', 'refused', 'Dask cannot build numpy.repeat lazily here'),
    'repeat#4': ('value', 'refused', 'Dask cannot build numpy.repeat lazily here'),
    'repeat#5': ('value', 'refused', 'Dask cannot build numpy.repeat lazily here'),
    'pad#7': ('value', 'refused', "dask.array's pad gives shape (6, 3) here where NumPy gives (6, 5) (a reflection wider than its axis)"),
    'pad#12': ('value', 'refused', "dask.array's pad gives shape (5, 4) here where NumPy gives (5, 6) (a reflection wider than its axis)"),
    'pad#13': ('value', 'refused', "dask.array's pad gives shape (5, 5) here where NumPy gives (5, 6) (a reflection wider than its axis)"),
    'pad#14': ('value', 'refused', "dask.array's pad gives shape (5, 4) here where NumPy gives (5, 6) (a reflection wider than its axis)"),
    'pad#15': ('value', 'dask', '`pad_value` must be composed of integral typed values'),
    'pad#16': ('value', 'dask', '`pad_value` must be composed of integral typed values'),
    'pad#17': ('value', 'dask', '`pad_value` must be composed of integral typed values'),
    'pad#18': ('value', 'dask', '`pad_value` must be composed of integral typed values'),
    'pad#19': ('value', 'dask', '`pad_value` must be composed of integral typed values'),
    'pad#20': ('value', 'dask', '`pad_value` must be composed of integral typed values'),
    'pad#21': ('value', 'dask', '`pad_value` must be composed of integral typed values'),
    'pad#22': ('value', 'dask', '`pad_value` must be composed of integral typed values'),
    'pad#23': ('value', 'dask', '`pad_value` must be composed of integral typed values'),
    'pad#24': ('value', 'dask', '`pad_value` must be composed of integral typed values'),
    'pad#25': ('value', 'refused', "dask.array's pad gives shape (7,) here where NumPy gives (17,) (a reflection wider than its axis)"),
    'pad#26': ('value', 'refused', "dask.array's pad gives shape (9,) here where NumPy gives (17,) (a reflection wider than its axis)"),
    'pad#27': ('value', 'refused', "dask.array's pad gives shape (4, 1) here where NumPy gives (5, 4) (a reflection wider than its axis)"),
    'pad#29': ('value', 'eager', 'computes while building the graph (funcad/numpy/_pad.py:76)'),
    'tril#3': ('value', 'dask', 'Chunks and shape must be of the same length/dimension'),
    'split': ('value', 'refused', 'numpy.split: Dask has no lazy version'),
    'array_split': ('value', 'refused', 'numpy.array_split: Dask has no lazy version'),
    'hsplit': ('value', 'refused', 'numpy.hsplit: Dask has no lazy version'),
    'vsplit': ('value', 'refused', 'numpy.vsplit: Dask has no lazy version'),
    'dsplit': ('value', 'refused', 'numpy.dsplit: Dask has no lazy version'),
    'meshgrid': ('value', 'refused', 'Dask cannot build numpy.meshgrid lazily here'),
    'vstack': ('value', 'refused', "Dask's numpy.vstack lacks an option (vstack() got an unexpected keyword argument 'dtype')"),
    'hstack': ('value', 'refused', "Dask's numpy.hstack lacks an option (hstack() got an unexpected keyword argument 'dtype')"),
    'column_stack': ('value', 'refused', 'numpy.column_stack: Dask has no lazy version'),
    'inner': ('value', 'refused', 'numpy.inner: Dask has no lazy version'),
    'kron': ('value', 'refused', 'numpy.kron: Dask has no lazy version'),
    'stats.multivariate_normal.cdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/multivariate_normal.py:178)'),
    'stats.multivariate_normal.logcdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/multivariate_normal.py:178)'),
    'convolve': ('value', 'refused', 'numpy.convolve: Dask has no lazy version'),
    'correlate': ('value', 'refused', 'numpy.correlate: Dask has no lazy version'),
    'trapezoid': ('value', 'refused', 'numpy.trapezoid: Dask has no lazy version'),
    'gradient#0': ('value', 'wrong', 'the value is a list, not a Dask array'),
    'gradient#2': ('value', 'refused', 'Dask cannot build numpy.gradient lazily here'),
    'gradient#3': ('value', 'refused', 'Dask cannot build numpy.gradient lazily here'),
    'gradient#4': ('value', 'refused', 'Dask cannot build numpy.gradient lazily here'),
    'gradient#5': ('value', 'wrong', 'the value is a list, not a Dask array'),
    'gradient#6': ('value', 'dask', 'Chunk size must be larger than edge_order + 1'),
    'gradient#7': ('value', 'dask', 'Chunk size must be larger than edge_order + 1'),
    'gradient#8': ('value', 'refused', 'Dask cannot build numpy.gradient lazily here'),
    'gradient#9': ('value', 'dask', 'Chunk size must be larger than edge_order + 1'),
    'interp#0': ('value', 'refused', 'numpy.interp: Dask has no lazy version'),
    'interp#1': ('value', 'refused', 'numpy.interp: Dask has no lazy version'),
    'interp#2': ('value', 'refused', 'numpy.interp: Dask has no lazy version'),
    'interp#3': ('value', 'eager', 'computes while building the graph (funcad/numpy/_interp.py:50)'),
    'unwrap': ('value', 'refused', 'numpy.unwrap: Dask has no lazy version'),
    'cov#4': ('value', 'eager', 'computes while building the graph (funcad/numpy/_covariance.py:74)'),
    'cov#5': ('value', 'eager', 'computes while building the graph (funcad/numpy/_covariance.py:74)'),
    'cov#6': ('value', 'eager', 'computes while building the graph (funcad/numpy/_covariance.py:74)'),
    'cov#7': ('value', 'eager', 'computes while building the graph (funcad/numpy/_covariance.py:74)'),
    'corrcoef': ('value', 'refused', "Dask's numpy.corrcoef lacks an option (corrcoef() got an unexpected keyword argument 'dtype')"),
    'vander': ('value', 'refused', 'numpy.vander: Dask has no lazy version'),
    'polyval': ('value', 'refused', 'numpy.polyval: Dask has no lazy version'),
    'polyadd': ('value', 'refused', 'numpy.polyadd: Dask has no lazy version'),
    'polysub': ('value', 'refused', 'numpy.polysub: Dask has no lazy version'),
    'polymul': ('value', 'refused', 'numpy.polymul: Dask has no lazy version'),
    'polyder': ('value', 'refused', 'numpy.polyder: Dask has no lazy version'),
    'polyint': ('value', 'refused', 'numpy.polyint: Dask has no lazy version'),
    'polydiv': ('value', 'refused', 'numpy.polydiv: Dask has no lazy version'),
    'polyfit': ('value', 'refused', 'numpy.polyfit: Dask has no lazy version'),
    'roots': ('value', 'refused', 'numpy.roots: Dask has no lazy version'),
    'poly': ('value', 'refused', 'numpy.poly: Dask has no lazy version'),
    'nanmedian': ('value', 'refused', "Dask's numpy.nanmedian lacks an option (nanmedian() got an unexpected keyword argument 'overwrite_input')"),
    'nanquantile#0': ('value', 'refused', 'Dask cannot build numpy.nanquantile lazily here'),
    'nanquantile#1': ('value', 'refused', 'Dask cannot build numpy.nanquantile lazily here'),
    'nanquantile#2': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/nanfunctions.py:147)'),
    'nanquantile#3': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/nanfunctions.py:147)'),
    'nanquantile#4': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/nanfunctions.py:147)'),
    'nanquantile#5': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/nanfunctions.py:147)'),
    'nanquantile#6': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/nanfunctions.py:147)'),
    'nanquantile#7': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/nanfunctions.py:147)'),
    'nanquantile#8': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/nanfunctions.py:147)'),
    'nanquantile#9': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/nanfunctions.py:147)'),
    'nanquantile#10': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/nanfunctions.py:147)'),
    'nanpercentile#0': ('value', 'refused', 'Dask cannot build numpy.nanpercentile lazily here'),
    'nanpercentile#1': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/nanfunctions.py:162)'),
    'nanpercentile#2': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/nanfunctions.py:162)'),
    'nanpercentile#3': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/nanfunctions.py:162)'),
    'nanpercentile#4': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/nanfunctions.py:162)'),
    'concat': ('value', 'dask', "concatenate() got an unexpected keyword argument 'dtype'"),
    'cumulative_sum': ('value', 'eager', 'computes while building the graph (funcad/numpy/array_api.py:114)'),
    'cumulative_prod': ('value', 'eager', 'computes while building the graph (funcad/numpy/array_api.py:124)'),
    'matvec': ('value', 'dask', "Core dimension `'m'` consists of multiple chunks"),
    'vecmat': ('value', 'dask', "Core dimension `'n'` consists of multiple chunks"),
    'unstack': ('value', 'eager', 'computes while building the graph (funcad/numpy/array_api.py:172)'),
    'asanyarray': ('value', 'eager', 'computes while building the graph (funcad/numpy/array_api.py:183)'),
    'ascontiguousarray': ('value', 'eager', 'computes while building the graph (funcad/numpy/array_api.py:190)'),
    'asfortranarray': ('value', 'eager', 'computes while building the graph (funcad/numpy/array_api.py:198)'),
    'asarray_chkfinite': ('value', 'eager', 'computes while building the graph (funcad/numpy/array_api.py:206)'),
    'copy': ('value', 'eager', 'computes while building the graph (funcad/numpy/array_api.py:221)'),
    'resize': ('value', 'eager', 'computes while building the graph (funcad/numpy/array_api.py:338)'),
    'diagflat': ('value', 'eager', 'computes while building the graph (funcad/numpy/array_api.py:358)'),
    'geomspace': ('value', 'eager', 'computes while building the graph (funcad/numpy/array_api.py:431)'),
    'logspace': ('value', 'eager', 'computes while building the graph (funcad/numpy/array_api.py:407)'),
    'array_equal': ('value', 'eager', 'computes while building the graph (funcad/numpy/logic.py:103)'),
    'array_equiv': ('value', 'eager', 'computes while building the graph (funcad/numpy/logic.py:115)'),
    'isin': ('value', 'dask', "isin() got an unexpected keyword argument 'kind'"),
    'gcd': ('value', 'refused', 'numpy.gcd: Dask has no lazy version'),
    'lcm': ('value', 'refused', 'numpy.lcm: Dask has no lazy version'),
    'bitwise_count': ('value', 'refused', 'numpy.bitwise_count: Dask has no lazy version'),
    'nonzero': ('value', 'refused', 'numpy.argsort: Dask has no lazy version'),
    'argwhere': ('value', 'refused', 'numpy.argsort: Dask has no lazy version'),
    'flatnonzero': ('value', 'refused', 'numpy.argsort: Dask has no lazy version'),
    'searchsorted#2': ('value', 'refused', 'numpy.argsort: Dask has no lazy version'),
    'digitize#0': ('value', 'eager', 'computes while building the graph (funcad/numpy/searching.py:217)'),
    'digitize#1': ('value', 'eager', 'computes while building the graph (funcad/numpy/searching.py:217)'),
    'digitize#2': ('value', 'eager', 'computes while building the graph (funcad/numpy/searching.py:217)'),
    'digitize#3': ('value', 'eager', 'computes while building the graph (funcad/numpy/searching.py:217)'),
    'extract': ('value', 'refused', 'numpy.extract on a Dask array gives a result whose shape depends on the values, which funcad cannot trace lazily'),
    'bincount#0': ('value', 'dask', "'numpy.ndarray' object has no attribute 'chunks'"),
    'bincount#1': ('value', 'dask', "'numpy.ndarray' object has no attribute 'chunks'"),
    'bincount#2': ('value', 'eager', 'computes while building the graph (funcad/numpy/searching.py:284)'),
    'bincount#3': ('value', 'eager', 'computes while building the graph (funcad/numpy/searching.py:284)'),
    'histogram': ('value', 'dask', 'dask.array.histogram requires either specifying bins as an iterable or specifying both a range and the number of bins'),
    'histogram_bin_edges': ('value', 'eager', 'computes while building the graph (funcad/numpy/_histograms.py:131)'),
    'histogram2d': ('value', 'dask', "'numpy.ndarray' object has no attribute 'numblocks'"),
    'histogramdd': ('value', 'dask', "'numpy.ndarray' object has no attribute 'numblocks'"),
    'partition': ('value', 'refused', 'numpy.partition: Dask has no lazy version'),
    'argpartition': ('value', 'refused', 'numpy.argpartition: Dask has no lazy version'),
    'select': ('value', 'dask', 'shape mismatch'),
    'choose#0': ('value', 'dask', "choose() got an unexpected keyword argument 'mode'"),
    'choose#1': ('value', 'dask', "choose() got an unexpected keyword argument 'mode'"),
    'choose#2': ('value', 'dask', "choose() got an unexpected keyword argument 'mode'"),
    'choose#3': ('value', 'refused', "Dask's numpy.choose lacks an option (choose() got an unexpected keyword argument 'mode')"),
    'piecewise#0': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/searching.py:476)'),
    'piecewise#1': ('value', 'dask', 'boolean index did not match indexed array along axis 0'),
    'piecewise#2': ('jvp', 'eager', 'computes while building the graph (funcad/numpy/searching.py:476)'),
    'delete': ('value', 'refused', 'numpy.delete: Dask has no lazy version'),
    'insert': ('value', 'refused', 'numpy.insert: Dask has no lazy version'),
    'unique': ('value', 'eager', 'computes while building the graph (funcad/numpy/setops.py:124)'),
    'unique_values': ('value', 'eager', 'computes while building the graph (funcad/numpy/setops.py:124)'),
    'unique_counts': ('value', 'eager', 'computes while building the graph (funcad/numpy/setops.py:124)'),
    'unique_inverse': ('value', 'eager', 'computes while building the graph (funcad/numpy/setops.py:124)'),
    'unique_all': ('value', 'eager', 'computes while building the graph (funcad/numpy/setops.py:124)'),
    'lexsort': ('value', 'eager', 'computes while building the graph (funcad/numpy/setops.py:257)'),
    'sort_complex': ('value', 'eager', 'computes while building the graph (funcad/numpy/setops.py:277)'),
    'average#7': ('value', 'dask', '1D weights expected when shapes of a and weights differ'),
    'diff#4': ('value', 'eager', 'computes while building the graph (funcad/numpy/reductions.py:126)'),
    'diff#5': ('value', 'eager', 'computes while building the graph (funcad/numpy/reductions.py:126)'),
    'ptp': ('value', 'refused', "Dask's numpy.ptp lacks an option (ptp() got an unexpected keyword argument 'keepdims')"),
    'count_nonzero': ('value', 'refused', "Dask's numpy.count_nonzero lacks an option (count_nonzero() got an unexpected keyword argument 'keepdims')"),
    'logsumexp': ('value', 'eager', 'computes while building the graph (funcad/scipy/special.py:97)'),
    'logsumexp_sign': ('value', 'eager', 'computes while building the graph (funcad/scipy/special.py:97)'),
    'softmax': ('value', 'eager', 'computes while building the graph (funcad/scipy/special.py:125)'),
    'log_softmax': ('value', 'eager', 'computes while building the graph (funcad/scipy/special.py:132)'),
    'stats.norm.logpdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.logpdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.logpdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.logpdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.pdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.pdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.pdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.pdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.cdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.cdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.cdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.cdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.logcdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.logcdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.logcdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.logcdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.logpdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.logpdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.logpdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.logpdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.pdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.pdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.pdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.pdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.cdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.cdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.cdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.cdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.logcdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.logcdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.logcdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.logcdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.logpdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.logpdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.logpdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.logpdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.pdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.pdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.pdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.pdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.cdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.cdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.cdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.cdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.logcdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.logcdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.logcdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.logcdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.logpdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.logpdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.logpdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.logpdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.pdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.pdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.pdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.pdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.cdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.cdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.cdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.cdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.logcdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.logcdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.logcdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.logcdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.sf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.sf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.sf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.norm.sf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.sf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.sf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.sf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.expon.sf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.sf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.sf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.sf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.laplace.sf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.sf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.sf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.sf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.cauchy.sf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.logpdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.logpdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.logpdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.logpdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.logpdf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.pdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.pdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.pdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.pdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.pdf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.cdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.cdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.cdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.cdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.cdf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.logcdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.logcdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.logcdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.logcdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.logcdf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.sf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.sf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.sf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.sf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.t.sf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.logpdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.logpdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.logpdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.logpdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.logpdf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.pdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.pdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.pdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.pdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.pdf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.cdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.cdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.cdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.cdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.cdf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.logcdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.logcdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.logcdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.logcdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.logcdf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.sf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.sf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.sf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.sf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.gamma.sf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.logpdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.logpdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.logpdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.logpdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.logpdf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.logpdf[4]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.pdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.pdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.pdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.pdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.pdf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.pdf[4]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.cdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.cdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.cdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.cdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.cdf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.cdf[4]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.logcdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.logcdf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.logcdf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.logcdf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.logcdf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.logcdf[4]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.sf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.sf[0]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.sf[1]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.sf[2]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.sf[3]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.beta.sf[4]': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.poisson.logpmf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.bernoulli.logpmf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.poisson.pmf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.bernoulli.pmf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.poisson.cdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.bernoulli.cdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.poisson.logcdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.bernoulli.logcdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.dirichlet.logpdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.multivariate_normal.logpdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.dirichlet.pdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
    'stats.multivariate_normal.pdf': ('value', 'eager', 'computes while building the graph (funcad/scipy/stats/_common.py:41)'),
}


if __name__ == "__main__":
    if "--table" in sys.argv:
        print("UNSUPPORTED: dict[str, tuple[str, str, str]] = {")
        for key, entry in measure().items():
            print(f"    {key!r}: {entry!r},")
        print("}")
    if "--write-docs" in sys.argv:
        _write_docs()

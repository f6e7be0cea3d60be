"""Other backends' arrays in funcad.numpy's functions.

With no tracer among its arguments a public function calls NumPy's own
function (one cheap check). That is only right for NumPy's arrays: NumPy's
function applied to a Dask array would compute it, or call a Dask function
that lacks NumPy's options, and SciPy's would copy a CuPy array to the host.
So an argument of any other backend takes the function's funcad path instead:
funcad's operations on Dask arrays build graphs, chunk by chunk, and on CuPy
arrays run CuPy's functions on the device.
"""

from __future__ import annotations

from funcad import backend
from funcad.core.trace import Tracer
from funcad.primitives._util import backend_of, constants_xp  # noqa: F401 - re-exported

# Types NumPy computes with directly (scalars, NumPy's arrays): after the first look,
# one set lookup.
_EAGER = {bool, int, float, complex, str, type(None)}


def plain(*objs) -> bool:
    """Only values NumPy computes directly among ``objs`` (in nested lists and tuples too).

    False for a tracer or an array of another backend than NumPy's.
    """
    for obj in objs:
        kind = type(obj)
        if kind in _EAGER:
            continue
        if isinstance(obj, Tracer):
            return False
        if isinstance(obj, (list, tuple)):
            if not plain(*obj):
                return False
        elif backend.is_array(obj):
            if not backend.of(obj).native:
                return False
            _EAGER.add(kind)
    return True


def plain_xp(*objs):
    """The namespace of a call on plain values: NumPy's when they hold a NumPy array.

    Only Python data (numbers, lists of numbers) become arrays of the default
    backend, as creation functions make them; NumPy's arrays stay NumPy's
    whatever the default.
    """
    found = _array_xp_in(objs)
    return found if found is not None else backend.default().xp


def _array_xp_in(values):
    """The namespace of the first array in ``values`` (nested lists and tuples too), or None."""
    for v in values:
        if isinstance(v, (list, tuple)):
            found = _array_xp_in(v)
            if found is not None:
                return found
        elif backend.is_array(v):
            return backend.of(v).xp
    return None


def is_lazy(x) -> bool:
    """Whether ``x`` (an array, or a tracer over one) belongs to a lazy backend."""
    return backend_of(x).lazy


def lazy_owner(*objs):
    """The backend of the first lazy array among ``objs`` (under tracers too), or None."""
    for obj in objs:
        if type(obj) not in _EAGER and not isinstance(obj, (list, tuple)):
            be = backend_of(obj)
            if be.lazy:
                return be
    return None


def param_on(like, p):
    """A concrete parameter ``p`` (index, selector, fractions, edges) on the backend of ``like``.

    See :func:`funcad.backend.parameter_on`.
    """
    return backend.parameter_on(backend_of(like), p)


def data_backend(*xs):
    """The one backend of the data ``xs`` (tracers, arrays; None, numbers, lists skipped).

    Raises :func:`funcad.backend.of_many`'s ``TypeError``, naming both, where
    the data belong to backends that do not mix (a NumPy array next to a CuPy
    one), before any work is done.
    """
    values = []
    for x in xs:
        while isinstance(x, Tracer):
            x = x._value
        if x is not None and not isinstance(x, (list, tuple)):
            values.append(x)
    return backend.of_many(*values)

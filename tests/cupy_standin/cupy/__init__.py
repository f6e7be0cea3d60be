"""A NumPy-backed stand-in for CuPy: CuPy's array type and rules, without a GPU.

It lets the CuPy tests (``tests/test_backend_cupy.py`` and the CuPy run of
``tests/test_backend_transforms.py``) exercise ``funcad.backend.cupy`` on a
machine with no CUDA device. It proves funcad's side of the contract, not
CuPy's numerics:

* ``cupy.ndarray`` is its own type (not a NumPy subclass), from a package
  named ``cupy``, so funcad's dispatch finds the CuPy backend as it would;
* a NumPy array as an operand of a CuPy function, ufunc or operator raises
  ``TypeError``, as in CuPy; only ``asarray``/``array`` copy from the host;
* ``__array__`` raises ``TypeError`` as CuPy's does, and ``get`` is the one
  way an array reaches the host (a Python scalar from ``float(x)``,
  ``bool(x)`` or ``item`` synchronises, as in CuPy, without copying an array);
* reductions return 0-d arrays, not NumPy scalars;
* NumPy functions called on these arrays dispatch here
  (``__array_function__``/``__array_ufunc__``), as they do to CuPy.

Every NumPy and SciPy function is present, so a function CuPy lacks is found
only on a real GPU. ``cupy.cuda.runtime.getDeviceCount()`` returns 1 and
``cupy.STANDIN`` is true, so the tests can say which they ran on.
"""

from __future__ import annotations

import types

import numpy

STANDIN = True
__version__ = "0.0.0+standin"

# Functions that take data from the host (everything else refuses NumPy arrays).
_FROM_HOST = frozenset({"asarray", "array", "asanyarray", "ascontiguousarray"})


class ndarray:  # noqa: N801 - CuPy's name
    """A device array: a NumPy array nobody outside this module may touch."""

    __slots__ = ("_data",)
    __array_priority__ = 100.0
    __hash__ = None

    def __init__(self, shape, dtype=float):
        self._data = numpy.empty(shape, dtype)

    # Ways to the host ------------------------------------------------------------
    def get(self, stream=None, order="C", out=None):
        if out is not None:
            out[...] = self._data
            return out
        return numpy.array(self._data, order=order)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "Implicit conversion to a NumPy array is not allowed. "
            "Please use `.get()` to construct a NumPy array explicitly."
        )

    # A Python scalar from a device value goes through ``get`` (of a 0-d array), as
    # CuPy's conversions do: a patched ``get`` sees every read.
    def item(self, *args):
        return self.get().item(*args)

    def tolist(self):
        return self.get().tolist()

    def __float__(self):
        return float(self.get())

    def __int__(self):
        return int(self.get())

    def __complex__(self):
        return complex(self.get())

    def __bool__(self):
        return bool(self.get())

    def __index__(self):
        return self._data.__index__()

    # Attributes ------------------------------------------------------------------
    @property
    def shape(self):
        return self._data.shape

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def size(self):
        return self._data.size

    @property
    def T(self):  # noqa: N802
        return _wrap(self._data.T)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = getattr(self._data, name)
        if callable(value):
            def method(*args, **kwargs):
                return _wrap(value(*_operands(args, name), **_operands(kwargs, name)))

            return method
        return _wrap(value)

    def __len__(self):
        return len(self._data)

    def __iter__(self):
        return (_wrap(row) for row in self._data)

    def __repr__(self):
        return f"cupy-standin:{self._data!r}"

    # Indexing --------------------------------------------------------------------
    def __getitem__(self, index):
        return _wrap(self._data[_index(index)])

    def __setitem__(self, index, value):
        self._data[_index(index)] = _operand(value, "__setitem__")

    # Dispatch from NumPy ---------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # As CuPy: other array types (funcad's tracers) get their turn.
        if any(not isinstance(v, _UFUNC_OPERANDS) for v in inputs):
            return NotImplemented
        args = _ufunc_operands(inputs, ufunc.__name__)
        return _wrap(getattr(ufunc, method)(*args, **_operands(kwargs, ufunc.__name__)))

    def __array_function__(self, func, types_, args, kwargs):
        mine = _function(func.__name__, getattr(func, "__module__", "numpy") or "numpy")
        # As CuPy: NotImplemented where another array type (a tracer) takes part.
        if mine is None or any(t not in (ndarray, numpy.ndarray) for t in types_):
            return NotImplemented
        return mine(*args, **kwargs)


def _binary(name):
    def operator(self, other):
        if isinstance(other, numpy.ndarray) or isinstance(other, (list, tuple)):
            raise TypeError(f"Unsupported type {type(other)}")
        if not isinstance(other, ndarray | numpy.generic | bool | int | float | complex):
            return NotImplemented  # CuPy defers to other array types (funcad's tracers)
        result = getattr(self._data, name)(_operand(other, name))
        return NotImplemented if result is NotImplemented else _wrap(result)

    operator.__name__ = name
    return operator


def _unary(name):
    def operator(self):
        return _wrap(getattr(self._data, name)())

    operator.__name__ = name
    return operator


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and",
              "or", "xor", "lshift", "rshift", "divmod"):
    for _form in ("__{}__", "__r{}__"):
        setattr(ndarray, _form.format(_name), _binary(_form.format(_name)))
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(ndarray, f"__{_name}__", _binary(f"__{_name}__"))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(ndarray, f"__{_name}__", _unary(f"__{_name}__"))


# Moving values across the boundary --------------------------------------------------
def _wrap(value):
    """NumPy results become device arrays (scalars too: CuPy returns 0-d arrays)."""
    if isinstance(value, numpy.ndarray | numpy.generic):
        out = ndarray.__new__(ndarray)
        out._data = numpy.asarray(value)
        return out
    if isinstance(value, tuple):
        return tuple(_wrap(v) for v in value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def _operand(value, where):
    if isinstance(value, ndarray):
        return value._data
    if isinstance(value, numpy.ndarray):
        raise TypeError(f"Unsupported type {type(value)} (in cupy.{where})")
    return value


def _operands(values, where):
    if isinstance(values, dict):
        return {k: _operands(v, where) for k, v in values.items()}
    if isinstance(values, list | tuple):
        return type(values)(_operands(v, where) for v in values)
    return _operand(values, where)


# What CuPy's ufuncs take from NumPy's dispatch: its arrays, NumPy's (refused later with
# CuPy's message), scalars, and lists (refused with CuPy's message).
_UFUNC_OPERANDS = (ndarray, numpy.ndarray, numpy.generic, bool, int, float, complex, list, tuple)


def _ufunc_operands(values, where):
    for v in values:
        if isinstance(v, list | tuple):
            raise TypeError(f"Unsupported type {type(v)} (in cupy.{where})")
    return _operands(values, where)


def _index(index):
    """Indices may hold device arrays and, as CuPy allows, host integer arrays."""
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    if isinstance(index, ndarray):
        return index._data
    if isinstance(index, list):
        return [_index(i) for i in index]
    return index


def _host(values):
    """``asarray``'s argument: host data and device arrays alike."""
    if isinstance(values, ndarray):
        return values._data
    if isinstance(values, list | tuple):
        return type(values)(_host(v) for v in values)
    return values


_functions: dict[tuple[str, str], object] = {}


def _function(name, module_name):
    """The device version of NumPy's ``module_name.name`` (None if there is none)."""
    key = (module_name, name)
    if key in _functions:
        return _functions[key]
    module = {"numpy": numpy, "numpy.linalg": numpy.linalg, "numpy.fft": numpy.fft}.get(
        module_name.replace("numpy.linalg._linalg", "numpy.linalg").replace(
            "numpy.fft._pocketfft", "numpy.fft"), numpy)
    original = None if name in MISSING else getattr(module, name, None)
    found = None
    if original is not None and callable(original) and not isinstance(original, type):
        found = _device_function(original, name, name in _FROM_HOST)
    _functions[key] = found
    return found


def _device_function(original, name, from_host):
    if isinstance(original, numpy.ufunc):
        return ufunc(original)

    def device_function(*args, **kwargs):
        args = _host(args) if from_host else _operands(args, name)
        return _wrap(original(*args, **_operands(kwargs, name)))

    device_function.__name__ = name
    return device_function


class ufunc:  # noqa: N801 - CuPy's name
    """A NumPy ufunc on device arrays, with its methods (``at``, ``reduce``, ...)."""

    def __init__(self, original: numpy.ufunc) -> None:
        self._original = original
        self.__name__ = original.__name__
        self.nin, self.nout = original.nin, original.nout

    def __call__(self, *args, **kwargs):
        return self._run(self._original, args, kwargs)

    def _run(self, method, args, kwargs):
        args = _ufunc_operands(args, self.__name__)
        return _wrap(method(*args, **_operands(kwargs, self.__name__)))

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        method = getattr(self._original, name)
        if not callable(method):
            return method

        def device_method(*args, **kwargs):
            if name == "at":  # the indices may be host integers, as in indexing
                target, index, *rest = args
                _ufunc_operands((target, *rest), self.__name__)
                method(_operand(target, name), _index(index), *_operands(rest, name))
                return None
            return self._run(method, args, kwargs)

        return device_method


def _namespace(module, module_name):
    def __getattr__(name):  # noqa: N807
        value = getattr(module, name)
        if callable(value) and not isinstance(value, type):
            found = _function(name, module_name)
            return found if found is not None else value
        return value

    namespace = types.ModuleType(f"cupy.{module_name.rpartition('.')[2]}")
    namespace.__getattr__ = __getattr__
    return namespace


linalg = _namespace(numpy.linalg, "numpy.linalg")
fft = _namespace(numpy.fft, "numpy.fft")


# NumPy functions CuPy does not have (its business-day calendar), missing here too, so
# that funcad's NotOnDeviceError for them is tested without a GPU.
MISSING = frozenset({"busday_count", "busday_offset", "is_busday"})


def __getattr__(name):
    if name in MISSING:
        raise AttributeError(f"module 'cupy' has no attribute {name!r}")
    value = getattr(numpy, name)
    if callable(value) and not isinstance(value, type):
        found = _function(name, "numpy")
        if found is not None:
            return found
    return value


def asnumpy(a, stream=None, order="C", out=None):
    return a.get(stream=stream, order=order, out=out) if isinstance(a, ndarray) else \
        numpy.asarray(a, order=order)


class _Runtime:
    @staticmethod
    def getDeviceCount():  # noqa: N802 - CuPy's name
        return 1

    @staticmethod
    def getDeviceProperties(device_id):  # noqa: N802 - CuPy's name
        return {"name": b"CuPy stand-in (NumPy on the CPU)"}


class _Device:
    id = 0

    def synchronize(self):
        pass


cuda = types.SimpleNamespace(runtime=_Runtime(), Device=_Device)

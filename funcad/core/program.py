"""A staged program: inputs, one equation per primitive application, outputs.

This is funcad's program IR, the counterpart of a jaxpr. ``funcad.transforms.stage``
records it with one more trace, the same machinery every transform uses, so
what ``make_graph`` and ``explain`` print is exactly what the transforms see.
Staging runs the function on concrete values: Python control flow is resolved
at the arguments given, and every variable keeps the value it had.

Variables are numbered the way textbooks number an evaluation trace: for ``n``
inputs, ``v-(n-1) ... v0`` are the inputs and ``v1, v2, ...`` the results of
the equations, listed by depth from the inputs (Griewank and Walther's
convention, used by Baydin et al., JMLR 2018).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from funcad.core.trace import Tracer

# Short dtype names, as in a jaxpr (f64[3,2]).
_DTYPE_ABBREVIATIONS = {
    "float64": "f64", "float32": "f32", "float16": "f16",
    "complex128": "c128", "complex64": "c64",
    "int64": "i64", "int32": "i32", "int16": "i16", "int8": "i8",
    "uint64": "u64", "uint32": "u32", "uint16": "u16", "uint8": "u8",
    "bool": "bool",
}


def type_string(value) -> str:
    """``f64[3,2]``: the dtype and shape of ``value``, as a program listing shows them."""
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        name = type(value).__name__
    else:
        name = _DTYPE_ABBREVIATIONS.get(str(dtype), str(dtype))
    shape = getattr(value, "shape", ())
    return f"{name}[{','.join(str(n) for n in shape)}]"


@dataclass(eq=False)
class Var:
    """A variable of the program: an input or the result of one equation."""

    number: int
    value: Any

    @property
    def name(self) -> str:
        return f"v{self.number}"

    @property
    def type(self) -> str:
        return type_string(self.value)

    def __repr__(self) -> str:
        return f"{self.name}:{self.type}"


@dataclass(eq=False)
class Literal:
    """A value that does not depend on the inputs: a constant of the program."""

    value: Any

    @property
    def name(self) -> str:
        return format_literal(self.value)


@dataclass(eq=False)
class Equation:
    """``out = primitive(*operands, **params)``."""

    primitive: Any
    operands: list
    params: dict
    out: Var

    def __str__(self) -> str:
        params = format_params(self.params)
        operands = " ".join(x.name for x in self.operands)
        return f"{self.out.name}:{self.out.type} = {self.primitive.name}{params} {operands}"


@dataclass(eq=False)
class Program:
    """Inputs (with their names in the user's function), equations and outputs."""

    inputs: list[Var]
    input_names: list[str]
    equations: list[Equation] = field(default_factory=list)
    outputs: list = field(default_factory=list)
    output_names: list[str] = field(default_factory=list)
    in_tree: Any = None  # the pytree structure of the arguments and of the outputs
    out_tree: Any = None

    def __str__(self) -> str:
        head = ", ".join(f"{v.name}:{v.type}" for v in self.inputs)
        lines = [f"program({head}):"]
        lines += [f"    {eq}" for eq in self.equations]
        lines.append("    return " + ", ".join(x.name for x in self.outputs))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def format_number(x, digits: int = 3) -> str:
    """A scalar the way a trace table shows it: ``0.693``, ``10``, ``-0.959``."""
    if isinstance(x, (bool,)) or getattr(getattr(x, "dtype", None), "kind", "f") == "b":
        return str(bool(x))
    if isinstance(x, complex) or getattr(getattr(x, "dtype", None), "kind", "f") == "c":
        z = complex(x)
        return f"{format_number(z.real, digits)}{'+' if z.imag >= 0 else '-'}" \
               f"{format_number(abs(z.imag), digits)}j"
    x = float(x)
    if x != x or x in (float("inf"), float("-inf")):
        return str(x)
    if x == 0:
        return "0"
    if abs(x) < 10.0 ** -digits or abs(x) >= 1e9:
        return f"{x:.{digits}g}"
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_value(value, digits: int = 3, max_elements: int = 6) -> str:
    """A value for a table: the numbers when there are few, else its type ``f64[100,3]``.

    Arrays of more than two dimensions, and values traced by an enclosing
    transform (which have no number yet), always show as their type.
    """
    if isinstance(value, Tracer):
        return type_string(value)
    shape = getattr(value, "shape", ())
    if shape == ():
        return format_number(value, digits)
    size = 1
    for n in shape:
        size *= n
    if size > max_elements or len(shape) > 2:
        return type_string(value)
    if len(shape) == 1:
        return "[" + ", ".join(format_number(v, digits) for v in value) + "]"
    return "[" + ", ".join(format_value(row, digits, max_elements) for row in value) + "]"


def format_literal(value) -> str:
    if isinstance(value, Tracer):
        return f"traced:{type_string(value)}"
    if isinstance(value, (bool, int, float, complex)) or getattr(value, "shape", None) == ():
        return format_number(value, 6)
    return f"const:{type_string(value)}"


def format_params(params: dict) -> str:
    """``[axis=0, keepdims=False]``: the primitive's parameters, callables by name."""
    if not params:
        return ""
    items = []
    for key, value in params.items():
        if key in ("idx", "template") and isinstance(value, tuple):
            text = "[" + ", ".join(_index_text(i) for i in value) + "]"
        elif callable(value):
            text = getattr(value, "__name__", type(value).__name__)
        elif hasattr(value, "shape") and getattr(value, "shape", ()) != ():
            text = type_string(value)
        else:
            text = repr(value)
            if len(text) > 40:
                text = text[:37] + "..."
        items.append(f"{key}={text}")
    return "[" + ", ".join(items) + "]"


def _index_text(index) -> str:
    if isinstance(index, slice):
        parts = ["" if v is None else str(v) for v in (index.start, index.stop, index.step)]
        return ":".join(parts[:2]) + (f":{parts[2]}" if index.step is not None else "")
    if index is Ellipsis:
        return "..."
    if index is None:
        return "None"
    if hasattr(index, "shape") and index.shape != ():
        return type_string(index)
    from funcad.primitives.gather import IndexArray

    if isinstance(index, IndexArray):
        return f"<index operand {index.k}>"
    return str(index)

"""``make_graph``: the computation graph of a function, as a listing and as a drawing.

The graph is the staged program (``funcad.transforms.stage``): one node per
input, per equation and per constant, an edge from each operand to its use.
The listing and the Graphviz DOT source need nothing beyond funcad; the SVG
drawing needs the ``graphviz`` Python package and Graphviz's ``dot`` program.
"""

from __future__ import annotations

import html

from funcad.core.program import Literal, Var, format_value
from funcad.transforms._api_util import check_callable
from funcad.transforms.stage import stage

INSTALL_HINT = (
    "drawing the graph needs the graphviz Python package and Graphviz's 'dot' program: "
    'pip install "funcad[graph]", then install Graphviz (Debian/Ubuntu: apt install graphviz; '
    "macOS: brew install graphviz; conda: conda install graphviz). print(graph) and graph.dot "
    "work without them."
)


class Graph:
    """A staged program shown as a graph.

    ``print(graph)`` gives the program listing; ``graph.dot`` the Graphviz source;
    ``graph.svg()`` the drawing. In Jupyter the drawing shows when Graphviz is
    installed, the listing and how to install it otherwise.
    """

    def __init__(self, program):
        self.program = program

    def __str__(self) -> str:
        return str(self.program)

    __repr__ = __str__

    @property
    def dot(self) -> str:
        """The graph in Graphviz's DOT language."""
        program = self.program
        lines = ["digraph program {", "  rankdir=LR;",
                 '  node [fontname="Helvetica", fontsize=11];']
        for var, name in zip(program.inputs, program.input_names):
            lines.append(f'  "{var.name}" [shape=ellipse, label="{_label(name, var)}"];')
        constants = 0
        for eq in program.equations:
            op = eq.primitive.name
            lines.append(f'  "{eq.out.name}" [shape=box, label="{_label(op, eq.out)}"];')
            for position, operand in enumerate(eq.operands):
                if isinstance(operand, Literal):
                    constants += 1
                    node = f"c{constants}"
                    lines.append(f'  "{node}" [shape=plaintext, label="{_escape(operand.name)}"];')
                else:
                    node = operand.name
                port = f' [label="{position}"]' if _order_matters(op, eq) else ""
                lines.append(f'  "{node}" -> "{eq.out.name}"{port};')
        for out, name in zip(program.outputs, program.output_names):
            lines.append(f'  "{name}" [shape=doublecircle, label="{name}"];')
            if isinstance(out, Var):
                lines.append(f'  "{out.name}" -> "{name}";')
            else:
                constants += 1
                lines.append(f'  "c{constants}" [shape=plaintext, label="{_escape(out.name)}"];')
                lines.append(f'  "c{constants}" -> "{name}";')
        lines.append("}")
        return "\n".join(lines)

    def svg(self) -> str:
        """The drawing as SVG text; raises ``RuntimeError`` saying how to install Graphviz."""
        try:
            import graphviz
        except ImportError:
            raise RuntimeError(f"make_graph: {INSTALL_HINT}") from None
        try:
            return graphviz.Source(self.dot).pipe(format="svg", encoding="utf-8")
        except graphviz.ExecutableNotFound:
            raise RuntimeError(f"make_graph: {INSTALL_HINT}") from None

    def _repr_html_(self) -> str:
        try:
            return self.svg()
        except RuntimeError as error:
            return (f"<pre>{html.escape(str(self))}</pre>"
                    f"<p><i>{html.escape(str(error))}</i></p>")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _label(title: str, var: Var) -> str:
    value = format_value(var.value)
    return _escape(f"{title}\n{var.name}: {var.type}\n= {value}").replace("\n", "\\n")


_COMMUTATIVE = frozenset({"add", "multiply", "maximum", "minimum", "hypot", "logaddexp"})


def _order_matters(op: str, eq) -> bool:
    # Edges are numbered only where operand order changes the result: x - y, not x + y.
    return len(eq.operands) > 1 and op not in _COMMUTATIVE


def make_graph(fun):
    """Return ``graph_of(*args)``: the computation graph ``fun`` runs at ``args``.

    >>> import funcad as fa, funcad.numpy as fnp
    >>> g = fa.make_graph(lambda x1, x2: fnp.log(x1) + x1 * x2 - fnp.sin(x2))(2.0, 5.0)
    >>> print(g)
    program(v-1:f64[], v0:f64[]):
        v1:f64[] = log v-1
        v2:f64[] = multiply v-1 v0
        v3:f64[] = sin v0
        v4:f64[] = add v1 v2
        v5:f64[] = subtract v4 v3
        return v5
    """
    check_callable(fun, "make_graph")

    def graph_of(*args) -> Graph:
        return Graph(stage(fun, *args, name="make_graph"))

    return graph_of

"""How trace tables write each primitive: its definition and its derivative terms.

These strings are only the *text* of an evaluation trace; the numbers beside
them always come from the primitives' own JVP and VJP rules. A primitive with
no entry here is written generically (``∂name/∂v3·v̇3``), so every program can
be explained.

Placeholders: ``{0}``, ``{1}`` the operands, ``{y}`` the result, ``{t}`` the
operand's tangent, ``{ct}`` the result's adjoint.
"""

from __future__ import annotations

import re

DOT = "\u0307"  # combining dot above: v̇ (a tangent)
BAR = "\u0304"  # combining macron: v̄ (an adjoint)


# One letter and an index (v-1, x2, y) take the mark over the letter; longer
# names (params['w']) are written dot(name) and bar(name).
_MARKABLE = re.compile(r"[A-Za-z]-?\d*")


def dotted(name: str) -> str:
    """``v-1`` -> ``v̇-1``: the tangent of a variable."""
    return name[0] + DOT + name[1:] if _MARKABLE.fullmatch(name) else f"dot({name})"


def barred(name: str) -> str:
    """``v-1`` -> ``v̄-1``: the adjoint of a variable."""
    return name[0] + BAR + name[1:] if _MARKABLE.fullmatch(name) else f"bar({name})"


DEFINITIONS = {
    "add": "{0} + {1}",
    "subtract": "{0} − {1}",
    "multiply": "{0} × {1}",
    "divide": "{0} / {1}",
    "negative": "−{0}",
    "power": "{0}^{1}",
    "matmul": "{0} @ {1}",
    "log": "ln {0}",
    "exp": "exp {0}",
    "sin": "sin {0}",
    "cos": "cos {0}",
    "tan": "tan {0}",
    "sinh": "sinh {0}",
    "cosh": "cosh {0}",
    "tanh": "tanh {0}",
    "arctan": "arctan {0}",
    "sqrt": "√{0}",
    "absolute": "|{0}|",
    "square": "{0}²",
    "reciprocal": "1 / {0}",
    "log10": "log10 {0}",
    "log2": "log2 {0}",
    "arcsin": "arcsin {0}",
    "arccos": "arccos {0}",
    "where": "where({0}, {1}, {2})",
    "log1p": "ln(1 + {0})",
    "expm1": "exp {0} − 1",
}

# One (forward term, reverse term) pair per operand.
_ONE = ("{t}", "{ct}·1")
DERIVATIVES = {
    "add": (_ONE, _ONE),
    "subtract": (_ONE, ("−{t}", "{ct}·(−1)")),
    "multiply": (("{t}·{1}", "{ct}·{1}"), ("{t}·{0}", "{ct}·{0}")),
    "divide": (("{t} / {1}", "{ct}/{1}"), ("−{t}·{y} / {1}", "−{ct}·{y}/{1}")),
    "negative": (("−{t}", "{ct}·(−1)"),),
    "power": (("{t}·{1}·{0}^({1} − 1)", "{ct}·{1}·{0}^({1} − 1)"),
              ("{t}·ln {0}·{y}", "{ct}·ln {0}·{y}")),
    "matmul": (("{t} @ {1}", "{ct} @ {1}ᵀ"), ("{0} @ {t}", "{0}ᵀ @ {ct}")),
    "log": (("{t} / {0}", "{ct}/{0}"),),
    "exp": (("{t}·{y}", "{ct}·{y}"),),
    "sin": (("{t}·cos {0}", "{ct}·cos {0}"),),
    "cos": (("−{t}·sin {0}", "−{ct}·sin {0}"),),
    "tan": (("{t}·(1 + {y}²)", "{ct}·(1 + {y}²)"),),
    "sinh": (("{t}·cosh {0}", "{ct}·cosh {0}"),),
    "cosh": (("{t}·sinh {0}", "{ct}·sinh {0}"),),
    "tanh": (("{t}·(1 − {y}²)", "{ct}·(1 − {y}²)"),),
    "arctan": (("{t} / (1 + {0}²)", "{ct}/(1 + {0}²)"),),
    "sqrt": (("{t} / (2·{y})", "{ct}/(2·{y})"),),
    "absolute": (("{t}·sign {0}", "{ct}·sign {0}"),),
    "square": (("2·{0}·{t}", "{ct}·2·{0}"),),
    "reciprocal": (("−{t}·{y}²", "−{ct}·{y}²"),),
    "log10": (("{t} / ({0}·ln 10)", "{ct}/({0}·ln 10)"),),
    "log2": (("{t} / ({0}·ln 2)", "{ct}/({0}·ln 2)"),),
    "arcsin": (("{t} / √(1 − {0}²)", "{ct}/√(1 − {0}²)"),),
    "arccos": (("−{t} / √(1 − {0}²)", "−{ct}/√(1 − {0}²)"),),
    "where": (None, ("where({0}, {t}, 0)", "where({0}, {ct}, 0)"),
              ("where({0}, 0, {t})", "where({0}, 0, {ct})")),
    "log1p": (("{t} / (1 + {0})", "{ct}/(1 + {0})"),),
    "expm1": (("{t}·({y} + 1)", "{ct}·({y} + 1)"),),
}


def definition(prim, operand_names: list[str], params_text: str) -> str:
    """``ln v-1``: the right-hand side of a primal trace line."""
    template = DEFINITIONS.get(prim.name)
    if template is not None and template.count("{") == len(operand_names):
        return template.format(*operand_names)
    args = ", ".join(operand_names)
    return f"{prim.name}({args}{'; ' + params_text if params_text else ''})"


def _term(prim, i: int, operand_names, out_name, params_text, mode: str, arg: str) -> str:
    rules = DERIVATIVES.get(prim.name)
    if rules is not None and i < len(rules) and rules[i] is not None:
        template = rules[i][0 if mode == "fwd" else 1]
        key = "t" if mode == "fwd" else "ct"
        return template.format(*operand_names, y=out_name, **{key: arg})
    if prim.linear and mode == "fwd":
        # A linear operation applied to the tangent: sum(v̇3), reshape(v̇2; ...).
        names = list(operand_names)
        names[i] = arg
        return definition(prim, names, params_text)
    what = prim.name if len(operand_names) == 1 else f"{prim.name}/∂{operand_names[i]}"
    if prim.linear:
        return f"{prim.name}ᵀ({arg})"
    partial = f"∂{what}"
    return f"{partial}·{arg}" if mode == "fwd" else f"{arg}·{partial}"


def tangent_term(prim, i, operand_names, out_name, params_text, tangent_name) -> str:
    """The contribution of operand ``i``'s tangent to the result's tangent."""
    return _term(prim, i, operand_names, out_name, params_text, "fwd", tangent_name)


def adjoint_term(prim, i, operand_names, out_name, params_text, adjoint_name) -> str:
    """The contribution of the result's adjoint to operand ``i``'s adjoint."""
    return _term(prim, i, operand_names, out_name, params_text, "rev", adjoint_name)


def operand_name(operand) -> str:
    """A variable's name, or a constant's value; negative constants in parentheses."""
    name = operand.name
    return f"({name})" if name.startswith("-") else name


def join_terms(terms: list[str]) -> str:
    """``v̇4 − v̇3``: terms summed, a leading minus written as subtraction."""
    if not terms:
        return "0"
    text = terms[0]
    for term in terms[1:]:
        text += f" − {term[1:]}" if term.startswith("−") else f" + {term}"
    return text

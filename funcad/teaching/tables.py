"""Trace tables as text (aligned columns) and as HTML (for Jupyter)."""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass, field


def display_width(text: str) -> int:
    """Columns ``text`` takes: combining marks (the dot of v̇) take none."""
    return sum(0 if unicodedata.combining(c) else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


@dataclass
class TraceTable:
    """One trace: a title and rows ``(variable, definition, value)``."""

    title: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, variable: str, definition: str, value: str) -> None:
        self.rows.append((variable, definition, value))

    def __str__(self) -> str:
        if not self.rows:
            return self.title
        w_var = max(display_width(r[0]) for r in self.rows)
        w_def = max(display_width(r[1]) for r in self.rows)
        lines = [self.title]
        for var, definition, value in self.rows:
            lines.append(f"  {_pad(var, w_var)} = {_pad(definition, w_def)} = {value}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "<tr><th>variable</th><th>definition</th><th>value</th></tr>"
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in self.rows
        )
        return (f"<table><caption style='text-align:left'><b>{html.escape(self.title)}</b>"
                f"</caption>{head}{body}</table>")

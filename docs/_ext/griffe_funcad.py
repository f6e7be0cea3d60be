"""Griffe extensions that let mkdocstrings render funcad's docstrings as they are.

* ``DoctestBlocks``: funcad's docstrings hold plain doctests (``>>>`` lines and
  their output), which ``pytest --doctest-modules`` runs. Read as Markdown,
  ``>>>`` would start nested block quotes and an output such as ``[5.5, 1.7163]``
  a reference link, so each doctest is wrapped in a ``pycon`` fence before
  rendering.
* ``RuntimeFunctions``: functions that a factory makes at import time
  (``erf_p, erf = _unary(...)``) are invisible to static analysis, so the names
  a module re-exports from such a factory would be left out of the reference.
  For the modules named in its ``modules`` option it adds each name of
  ``__all__`` that static analysis could not resolve, with the signature and
  docstring of the runtime function.

The source docstrings are not changed.
"""

from __future__ import annotations

import importlib
import inspect
import re

import griffe

_PROMPT = re.compile(r"^(?P<indent>\s*)>>>( |$)")


def fence_doctests(text: str) -> str:
    """``text`` with every run of doctest lines (up to a blank line) in a ``pycon`` fence."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _PROMPT.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        indent = match.group("indent")
        if out and out[-1].strip():
            out.append("")
        out.append(f"{indent}```pycon")
        while i < len(lines) and lines[i].strip():
            out.append(lines[i])
            i += 1
        out.append(f"{indent}```")
        out.append("")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fence the doctests of every docstring griffe loads."""

    def on_object(self, *, obj: griffe.Object, **kwargs: object) -> None:
        """Rewrite ``obj``'s docstring before it is parsed."""
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)


def _resolves(member: griffe.Object | griffe.Alias) -> bool:
    if not member.is_alias:
        return True
    try:
        member.final_target  # noqa: B018 - resolving is the test
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return False
    return True


def _runtime_function(name: str, fun) -> griffe.Function:
    parameters = []
    for p in inspect.signature(fun).parameters.values():
        default = None if p.default is inspect.Parameter.empty else repr(p.default)
        parameters.append(griffe.Parameter(
            p.name, kind=griffe.ParameterKind(p.kind.description), default=default))
    doc = inspect.getdoc(fun)
    docstring = griffe.Docstring(fence_doctests(doc)) if doc else None
    return griffe.Function(name, parameters=griffe.Parameters(*parameters), docstring=docstring)


class RuntimeFunctions(griffe.Extension):
    """Add the factory-made functions of the named modules from their runtime objects."""

    def __init__(self, modules: list[str]) -> None:
        self.modules = list(modules)

    def on_package(self, *, pkg: griffe.Module, **kwargs: object) -> None:
        """Fill in each unresolvable ``__all__`` name of the configured modules of ``pkg``."""
        for path in self.modules:
            if not path.startswith(pkg.path + "."):
                continue
            module = pkg.get_member(path[len(pkg.path) + 1:])
            runtime = importlib.import_module(path)
            for name in getattr(runtime, "__all__", ()):
                member = module.members.get(name)
                fun = getattr(runtime, name)
                if (member is None or not _resolves(member)) and inspect.isfunction(fun):
                    module.set_member(name, _runtime_function(name, fun))

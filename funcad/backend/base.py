"""The interface every array backend provides."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable


@dataclass(frozen=True)
class Backend:
    """An array library as funcad sees it.

    ``xp`` is a NumPy-compatible namespace (``numpy`` or ``cupy``); rules call
    ``backend.of(x).xp.sin(x)``. ``einsum`` runs a contraction planned once per
    expression and shapes.
    """

    name: str
    xp: ModuleType
    array_types: tuple[type, ...]
    einsum: Callable[..., Any]
    to_numpy: Callable[[Any], Any]

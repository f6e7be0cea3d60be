"""Primitives grouped by family; importing this package registers them all."""

from funcad.primitives import (  # noqa: F401
    arithmetic,
    comparison,
    elementwise,
    gather,
    indexing,
    linalg,
    reduction,
    shape,
    sorting,
)

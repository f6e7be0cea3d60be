"""Primitives grouped by family; importing this package registers them all."""

from funcad.primitives import (  # noqa: F401
    arithmetic,
    bessel,
    binary_math,
    comparison,
    complex,
    decompositions,
    elementwise,
    gather,
    indexing,
    integer,
    linalg,
    logical,
    polyroots,
    reduction,
    rounding,
    scan,
    shape,
    solvers,
    sorting,
    special_values,
)

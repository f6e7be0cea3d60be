"""Array manipulation and products: flip, roll, pad, split, stacks, outer, kron, ..."""

__all__: list[str] = []

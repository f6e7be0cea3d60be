"""NumPy's elementwise math beyond the core: more ufuncs, rounding, NaN handling."""

__all__: list[str] = []

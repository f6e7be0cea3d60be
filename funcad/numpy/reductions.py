"""Statistics, scans and logical reductions: var, std, cumsum, median, argmax, ..."""

__all__: list[str] = []

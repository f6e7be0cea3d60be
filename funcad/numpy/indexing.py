"""Advanced indexing, take, take_along_axis and functional updates (``fnp.at``)."""

__all__: list[str] = []

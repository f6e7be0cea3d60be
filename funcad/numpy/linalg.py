"""funcad.numpy.linalg: NumPy's linear algebra, differentiable."""

__all__: list[str] = []

"""The stand-in's ``cupyx.scipy`` (see ``tests/cupy_standin/cupy``)."""

from cupyx.scipy import special  # noqa: F401

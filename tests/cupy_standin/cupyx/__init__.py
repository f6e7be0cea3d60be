"""The stand-in's ``cupyx`` (see ``tests/cupy_standin/cupy``)."""

from cupyx import scipy  # noqa: F401

"""The stand-in's ``cupyx.scipy.special``: SciPy's functions on device arrays."""

import cupy
import scipy.special


def __getattr__(name):
    original = getattr(scipy.special, name)
    if not callable(original) or isinstance(original, type):
        return original
    return cupy._device_function(original, name, from_host=False)

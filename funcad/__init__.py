"""funcad: composable function transforms (grad, jvp, vjp, vmap, ...) over NumPy.

>>> import funcad as fa, funcad.numpy as fnp
>>> float(fa.grad(fnp.sin)(0.0))
1.0
"""

from funcad import backend, tree_util
from funcad.core.trace import EscapedTracerError
from funcad.teaching.explain import explain
from funcad.teaching.graph import make_graph
from funcad.transforms.check_grads import check_grads
from funcad.transforms.checkpoint import checkpoint, remat
from funcad.transforms.custom import custom_jvp, custom_vjp, stop_gradient
from funcad.transforms.grad import grad, value_and_grad
from funcad.transforms.jacobians import hessian, hvp, jacfwd, jacobian, jacrev
from funcad.transforms.jvp import jvp
from funcad.transforms.vjp import linearize, vjp
from funcad.transforms.vmap import vmap

__version__ = "0.1.0"

__all__ = [
    "EscapedTracerError",
    "backend",
    "check_grads",
    "checkpoint",
    "custom_jvp",
    "custom_vjp",
    "explain",
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "linearize",
    "make_graph",
    "remat",
    "stop_gradient",
    "tree_util",
    "value_and_grad",
    "vjp",
    "vmap",
]

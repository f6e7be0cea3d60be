"""The tour: ``python -m funcad`` prints the worked examples with what they mean.

Every result is followed by a line comparing it with its closed form.
"""

from __future__ import annotations

import funcad as fa
import funcad.numpy as fnp


def _section(title: str) -> None:
    print(f"\n== {title} ==")


def textbook(x1, x2):
    """Y = ln(x1) + x1*x2 - sin(x2), the example of Baydin et al. (JMLR 2018)."""
    return fnp.log(x1) + x1 * x2 - fnp.sin(x2)


def _show(matrix) -> str:
    return "\n".join("  [" + " ".join(f"{v:8.4f}" for v in row) + "]" for row in matrix)


def _check(got, closed_form, formula: str) -> None:
    error = float(fnp.max(fnp.abs(fnp.asarray(got) - fnp.asarray(closed_form))))
    print(f"    closed form {formula}: max |error| = {error:.1e}")


def main() -> None:
    print("funcad tour: composable derivatives of plain NumPy code")
    x1, x2 = 2.0, 5.0

    _section("Forward mode, as a trace table: f(x1, x2) = ln(x1) + x1*x2 - sin(x2) at (2, 5)")
    print(fa.explain(textbook, mode="fwd")(x1, x2))
    y, y_dot = fa.jvp(textbook, (x1, x2), (1.0, 0.0))
    print(f"jvp(f, (2, 5), (1, 0)) = ({y:.3f}, {y_dot:.3f})")
    _check((y, y_dot), (fnp.log(x1) + x1 * x2 - fnp.sin(x2), 1 / x1 + x2),
           "(f, 1/x1 + x2)")

    _section("Reverse mode, as a trace table: one backward sweep gives both partials")
    print(fa.explain(textbook, mode="rev")(x1, x2).tables[1])
    g1, g2 = fa.grad(textbook, argnums=(0, 1))(x1, x2)
    print(f"grad(f, argnums=(0, 1))(2, 5) = ({g1:.4f}, {g2:.4f})")
    _check((g1, g2), (1 / x1 + x2, x1 - fnp.cos(x2)), "(1/x1 + x2, x1 - cos x2)")
    _, f_vjp = fa.vjp(textbook, x1, x2)
    v1, v2 = f_vjp(2.0)
    print(f"vjp(f, 2, 5)[1](2.0) = ({v1:.4f}, {v2:.4f})")
    _check((v1, v2), (2 * (1 / x1 + x2), 2 * (x1 - fnp.cos(x2))), "2 * gradient")

    _section("A third derivative, and nesting without perturbation confusion")
    d3 = fa.grad(fa.grad(fa.grad(fnp.sin)))(1.0)
    print(f"grad(grad(grad(sin)))(1) = {d3:.6f}")
    _check(d3, -fnp.cos(1.0), "-cos(1)")
    nested = fa.grad(lambda x: x * fa.grad(lambda y: x * y)(1.0))(3.0)
    print(f"grad(lambda x: x * grad(lambda y: x * y)(1))(3) = {nested}")
    _check(nested, 6.0, "d/dx x*x = 2x = 6 (the inner and outer derivatives never mix)")

    _section("A Jacobian: jacobian(lambda x: x**3)(ones(3)), vmap over basis vectors")
    J = fa.jacobian(lambda x: x**3)(fnp.ones(3))  # noqa: N806
    print(_show(J))
    _check(J, 3 * fnp.eye(3), "3 I")

    _section("A Hessian of sum(tanh(A @ x)) by forward-over-reverse")
    A = fnp.array([[0.9, -0.4, 0.2], [0.3, 1.1, -0.7], [-0.5, 0.6, 0.8]])  # noqa: N806
    x0 = fnp.array([0.1, -0.2, 0.3])
    H = fa.hessian(lambda x: fnp.sum(fnp.tanh(A @ x)))(x0)  # noqa: N806
    t = fnp.tanh(A @ x0)
    print(_show(H))
    _check(H, A.T @ ((-2 * t * (1 - t**2))[:, None] * A), "A^T diag(-2 t (1 - t^2)) A")
    H3 = fa.hessian(lambda x: fnp.sum(x**3))(fnp.ones(3))  # noqa: N806
    print("hessian(lambda x: sum(x**3))(ones(3)) =")
    print(_show(H3))
    _check(H3, 6 * fnp.eye(3), "6 I")

    _section("Per-example gradients with vmap(grad(loss)): one batched pass, no Python loop")
    X = fnp.array([[0.2, -1.0, 0.5], [1.5, 0.3, -0.2], [-0.7, 0.8, 1.1], [0.4, -0.6, 0.9]])  # noqa: N806
    w = fnp.array([0.5, -1.0, 2.0])
    labels = fnp.array([1.0, 0.0, 1.0, 1.0])

    def loss(w, x, y):
        p = 1 / (1 + fnp.exp(-fnp.dot(x, w)))
        return -(y * fnp.log(p) + (1 - y) * fnp.log(1 - p))

    per_example = fa.vmap(fa.grad(loss), in_axes=(None, 0, 0))(w, X, labels)
    p = 1 / (1 + fnp.exp(-(X @ w)))
    print(_show(per_example))
    _check(per_example, (p - labels)[:, None] * X, "(p - y) x")


if __name__ == "__main__":
    main()

"""The tour (``python -m funcad``) runs and prints the textbook values."""

import numpy as np

from funcad.__main__ import main


def test_tour_prints_the_worked_examples(capsys):
    main()
    out = capsys.readouterr().out
    x1, x2 = 2.0, 5.0
    value = np.log(x1) + x1 * x2 - np.sin(x2)
    assert f"= ({value:.3f}, {x2 + 1 / x1:.3f})" in out
    assert f"= ({x2 + 1 / x1:.4f}, {x1 - np.cos(x2):.4f})" in out
    assert f"= {-np.cos(1.0):.6f}" in out
    assert "= 6.0 " in out
    # The closed-form comparisons printed by the tour agree to round-off.
    errors = [float(line.rsplit("=", 1)[1]) for line in out.splitlines() if "max |" in line]
    assert len(errors) == 2 and max(errors) < 1e-12

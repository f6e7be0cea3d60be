"""The teaching notebooks: committed without outputs, and each runs cleanly from a fresh kernel."""

import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402

pytestmark = pytest.mark.fixed_backend("runs the notebooks, which are written with NumPy arrays")

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
EXPECTED = [
    "01_forward_mode.ipynb",
    "02_reverse_mode.ipynb",
    "03_jacobians_and_hessians.ipynb",
    "04_vmap.ipynb",
    "05_higher_order.ipynb",
    "06_training_an_mlp.ipynb",
    "07_numerical_vs_automatic.ipynb",
]
KERNEL_CHECK = "import sys; print(sys.executable)"


def _kernel_manager() -> KernelManager:
    """A manager whose `python3` kernel runs this interpreter, whatever kernelspecs are installed."""
    # With no kernel directories, `python3` resolves to ipykernel's own spec, built from
    # sys.executable: a user-wide or system-wide `python3` spec cannot point elsewhere.
    specs = KernelSpecManager(kernel_dirs=[], ensure_native_kernel=True)
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


def test_the_seven_notebooks_are_there():
    assert [path.name for path in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: cell {index} has outputs; strip them"
            assert cell.execution_count is None, f"{path.name}: cell {index} has a count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs(path):
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(KERNEL_CHECK))
    client = nbclient.NotebookClient(
        nb,
        km=_kernel_manager(),
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    errors = [
        output
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors, errors
    printed = "".join(output.get("text", "") for output in nb.cells[-1].outputs).strip()
    assert Path(printed) == Path(sys.executable), (
        f"the kernel ran {printed}, not this interpreter {sys.executable}"
    )

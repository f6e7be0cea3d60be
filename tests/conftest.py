"""Test configuration: hypothesis runs derandomized and without deadlines.

``--backend numpy|cupy|dask`` (or the environment variable
``FUNCAD_TEST_BACKEND``) chooses the array backend of the whole suite:

* every test that computes takes the ``on`` fixture (or ``sweep_backend``)
  and puts its inputs, tangents and the constants it closes over on that
  backend (NumPy without the option), then reads its results back to compare
  them with NumPy references; the systematic sweep (``tests/test_sweep.py``)
  does so for every row and check;
* ``tests/test_backend_transforms.py`` runs every transform there (every
  available backend without the option);
* a test that stays on one backend says why with
  ``@pytest.mark.fixed_backend("reason")``: NumPy-only behaviour (NumPy scalar
  results, host memory, the docs' and notebooks' NumPy examples) or a test of
  one backend itself (``tests/test_backend_cupy.py``, ``tests/test_dask*.py``).
  A test with neither fails (``pytest_runtest_setup``).

The lazy Dask sweep (``tests/test_dask_sweep.py``) runs whenever Dask is
installed, and the CuPy tests whenever a CUDA device is present; otherwise
they are skipped with the reason. ``tests/test_cupy_standin.py`` runs the CuPy
tests and every test that takes ``--backend`` on a NumPy-backed stand-in for
CuPy, so they run in every CI run, GPU or not.
"""

import os

import pytest
from hypothesis import settings

settings.register_profile("funcad", derandomize=True, deadline=None, max_examples=60,
                          print_blob=True)
settings.load_profile("funcad")

BACKENDS = ("numpy", "cupy", "dask")

# The CuPy stand-in is put on sys.path only by the run that asks for it
# (tests/test_cupy_standin.py); collecting it would import it as ``cupy``.
collect_ignore = ["cupy_standin"]


def pytest_addoption(parser):
    parser.addoption(
        "--backend", action="store", default=os.environ.get("FUNCAD_TEST_BACKEND") or None,
        choices=BACKENDS,
        help="array backend of the backend-parametrised tests (default: every available one; "
             "also FUNCAD_TEST_BACKEND)",
    )


def backend_skip_reason(name: str) -> str | None:
    """Why tests on backend ``name`` cannot run here, or None when they can."""
    if name == "dask":
        try:
            import dask.array  # noqa: F401
        except ImportError:
            return 'Dask is not installed (pip install "funcad[dask]")'
        return None
    if name == "cupy":
        try:
            import cupy  # noqa: F401
        except ImportError:
            return 'CuPy is not installed (pip install "funcad[cuda12]" or "funcad[cuda13]")'
        from funcad.backend.cupy import device_count

        if device_count() == 0:
            return "no CUDA device is present (cupy.cuda.runtime.getDeviceCount() found none)"
    return None


BACKEND_FIXTURES = frozenset({"on", "sweep_backend", "backend_name"})


def pytest_runtest_setup(item):
    """Every test either runs on ``--backend`` or says why it does not.

    A test takes one of ``BACKEND_FIXTURES`` or carries
    ``@pytest.mark.fixed_backend("reason")`` (a module may carry it as
    ``pytestmark``); a test with neither fails, so that no test is NumPy-only
    by accident. Doctests of ``funcad/`` run on NumPy, as their examples show.
    """
    if not isinstance(item, pytest.Function) or BACKEND_FIXTURES & set(item.fixturenames):
        return
    marker = item.get_closest_marker("fixed_backend")
    if marker is None or not (marker.args or marker.kwargs.get("reason")):
        pytest.fail(
            f"{item.nodeid} takes no backend fixture ({', '.join(sorted(BACKEND_FIXTURES))}) "
            "and carries no @pytest.mark.fixed_backend('reason'): run it on --backend "
            "through the 'on' fixture, or say why it stays on one backend",
            pytrace=False,
        )


def pytest_generate_tests(metafunc):
    if "backend_name" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--backend")
        names = [chosen] if chosen else list(BACKENDS)
        metafunc.parametrize("backend_name", names, indirect=True)


@pytest.fixture(scope="session")
def sweep_backend(request):
    """The backend the sweep runs on: ``--backend``'s, NumPy without it."""
    from tests._backends import ArrayBackend

    name = request.config.getoption("--backend") or "numpy"
    reason = backend_skip_reason(name)
    if reason is not None:
        pytest.skip(f"{name} backend: {reason}")
    return ArrayBackend(name)


@pytest.fixture
def on(sweep_backend):
    """The backend a test's inputs go to (``--backend``; NumPy without it)."""
    return sweep_backend


@pytest.fixture
def backend_name(request):
    """The backend a parametrised test runs on; skipped where it is not available."""
    reason = backend_skip_reason(request.param)
    if reason is not None:
        pytest.skip(f"{request.param} backend: {reason}")
    return request.param

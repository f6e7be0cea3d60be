"""The documentation site builds in strict mode, and every example in it runs.

Code blocks in docs/**/*.md and README.md follow these conventions:

* A ```python block is executed. The blocks of one file run in order in one
  namespace, so a later block may use the names an earlier one defined.
* A block whose lines start with ``>>>`` prompts (```python or ```pycon) runs as
  a doctest in that same namespace: its printed output must match.
* ``<!-- no-run -->`` on the line directly before a block's opening fence marks a
  block that cannot run here (for example one that needs a GPU). It is for that
  case only: an example that is wrong must be fixed instead.
* docs/errors.md is left to tests/test_errors_catalogue.py, since each of its
  examples is meant to raise.
"""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.fixed_backend("runs the documentation's examples, which are written with NumPy arrays")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# Run by tests/test_errors_catalogue.py: every example there raises on purpose.
_COVERED_ELSEWHERE = {"docs/errors.md"}
# TODO(lead): README's "A first look" uses names it never defines (A, x0, loss, w, X, y);
# drop this entry once the block is replaced with a self-contained one.
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
_NO_RUN = "<!-- no-run -->"
_RUNNABLE_LANGUAGES = {"python", "py", "pycon"}


def _markdown_files() -> list[str]:
    files = ["README.md"] + sorted(p.relative_to(ROOT).as_posix() for p in DOCS.rglob("*.md"))
    return [f for f in files if f not in _COVERED_ELSEWHERE]


def code_blocks(text: str) -> list[tuple[int, str, str, bool]]:
    """``(line, language, code, runnable)`` for each fenced block of a Markdown text."""
    lines = text.splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence, info = opening.group("indent", "fence", "info")
        language = info.split()[0].lstrip(".{").lower() if info.strip() else ""
        previous = next((line.strip() for line in reversed(lines[:i]) if line.strip()), "")
        start = i + 1
        i = start
        while i < len(lines):
            closing = _FENCE.match(lines[i])
            if (closing and closing.group("fence")[0] == fence[0]
                    and len(closing.group("fence")) >= len(fence)
                    and not closing.group("info").strip()):
                break
            i += 1
        body = [line[len(indent):] if line.startswith(indent) else line.lstrip()
                for line in lines[start:i]]
        blocks.append((start, language, textwrap.dedent("\n".join(body)), previous != _NO_RUN))
        i += 1
    return blocks


def _is_doctest(code: str) -> bool:
    return any(line.lstrip().startswith(">>>") for line in code.splitlines())


def _run_doctest(code: str, namespace: dict, name: str, lineno: int) -> None:
    test = doctest.DocTestParser().get_doctest(code, namespace, name, name, lineno)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=False)
    namespace.update(test.globs)  # DocTest works on a copy; later blocks see its names
    if runner.failures:
        pytest.fail(f"doctest in {name}, line {lineno + 1}, failed:\n" + "".join(report))


def _params():
    params = []
    for f in _markdown_files():
        params.append(pytest.param(f, id=f))
    return params


@pytest.mark.parametrize("path", _params())
def test_code_blocks_run(path):
    namespace: dict = {"__name__": "docs_" + re.sub(r"\W", "_", path)}
    for line, language, code, runnable in code_blocks((ROOT / path).read_text()):
        if language not in _RUNNABLE_LANGUAGES or not runnable:
            continue
        if language == "pycon" or _is_doctest(code):
            _run_doctest(code, namespace, path, line)
        else:
            exec(compile(code, f"{path}, block at line {line + 1}", "exec"), namespace)


def test_getting_started_has_the_readme_commands():
    readme = [code for _, lang, code, _ in code_blocks((ROOT / "README.md").read_text())
              if lang == "bash"]
    page = [code for _, lang, code, _ in code_blocks((DOCS / "getting-started.md").read_text())
            if lang == "bash"]
    assert len(readme) >= 2
    for command in readme[:2]:
        assert command in page, command


def test_mkdocs_build_strict(tmp_path):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "WARNING" not in output, output
    assert (tmp_path / "site" / "index.html").is_file()

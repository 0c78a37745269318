"""tools/exports.py: the notebook cells marked for export and helpers/scratch.py hold the same code."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import exports  # noqa: E402

SOURCES = ["03_backpropagation.ipynb", "09_convolutions.ipynb"]


@pytest.fixture
def copy(tmp_path):
    """The exporting notebooks and helpers/scratch.py, copied into a temporary repository."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "helpers").mkdir()
    for name in SOURCES:
        shutil.copy(ROOT / "notebooks" / name, tmp_path / "notebooks" / name)
    shutil.copy(ROOT / "helpers" / "scratch.py", tmp_path / "helpers" / "scratch.py")
    return tmp_path


def replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_repository_agrees_with_its_notebooks():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "exports.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    names = {export.name for export in exports.exports(ROOT)[0]}
    assert {"Value", "Dense", "conv2d", "max_pool2d"} <= names


def test_a_drifted_copy_fails_naming_the_notebook_cell_and_definition(copy):
    assert exports.check(copy) == []
    replace(copy / "helpers" / "scratch.py", "out_rows = (X.shape[1] - k_rows) // stride + 1", "out_rows = (X.shape[1] - k_rows) // stride")
    [problem] = exports.check(copy)
    assert re.match(r"notebooks/09_convolutions\.ipynb cell \d+ \(id a1a11773\): conv2d differs from helpers/scratch\.py line \d+", problem)
    assert "the notebook has `out_rows = (X.shape[1] - k_rows) // stride + 1`" in problem
    assert "the module has `out_rows = (X.shape[1] - k_rows) // stride`" in problem


def test_docstrings_and_comments_may_differ_but_must_name_the_notebook(copy):
    scratch = copy / "helpers" / "scratch.py"
    replace(scratch, "Y += patch @ W[i, j]  # (n, rows, cols, C_in)", "Y += patch @ W[i, j]  # a comment of the helper's own (n, rows, cols, C_in)")
    replace(scratch, '"""Fill in .grad of every Value', '"""In the helper: fill in .grad of every Value')
    assert exports.check(copy) == []
    replace(scratch, "Max pooling with pool_size x pool_size windows and stride pool_size on X (n, H, W, C). Written out in 09_convolutions.", "Max pooling.")
    [problem] = exports.check(copy)
    assert "(id b964f3c3): the docstring of max_pool2d in helpers/scratch.py must say 'Written out in 09'" in problem


def test_a_missing_definition_and_a_stray_statement_are_named(copy):
    scratch = copy / "helpers" / "scratch.py"
    replace(scratch, "def same_padding(n, k, s):", "def same_padding_renamed(n, k, s):")
    notebook = copy / "notebooks" / "09_convolutions.ipynb"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c.get("id") == "b964f3c3")
    cell["source"] = "".join(cell["source"]) + "\n\nPOOLED = max_pool2d(np.zeros((1, 4, 4, 1)))\n"
    notebook.write_text(json.dumps(nb), encoding="utf-8")
    problems = exports.check(copy)
    assert any("(id a1a11773): same_padding is missing from helpers/scratch.py" in p for p in problems), problems
    assert any("(id b964f3c3): marked for export, but line 11 is not a def or class" in p for p in problems), problems


def test_rewriting_copies_the_notebook_and_keeps_the_module_docstrings(copy):
    scratch = copy / "helpers" / "scratch.py"
    before = scratch.read_text(encoding="utf-8")
    replace(scratch, "return blocks.max(axis=(2, 4))", "return blocks.mean(axis=(2, 4))")
    replace(scratch, "def same_padding(n, k, s):", "def same_padding_renamed(n, k, s):")
    assert len(exports.check(copy)) == 2
    assert exports.rewrite(copy) == ["helpers/scratch.py"]
    assert exports.check(copy) == []
    text = scratch.read_text(encoding="utf-8")
    assert "blocks.max(axis=(2, 4))" in text and "Written out in 09_convolutions" in text
    assert "def same_padding(n, k, s):" in text, "a definition missing from the module is added to its notebook's section"
    scratch.write_text(before, encoding="utf-8")
    assert exports.rewrite(copy) == [], "rewriting an agreeing copy changes nothing"

"""Every concept notebook follows the course's standard (CONTRIBUTING.md) and is stored clean."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MACHINE_PATH = re.compile(r"(/root/|/tmp/|/home/\w+/|/work/|site-packages/)")


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 7


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_follows_the_standard(path):
    all_cells = cells(path)
    title = source(all_cells[0])
    number = path.name[:2]
    assert re.match(rf"# {number} · \S", title), "the first cell is the title '# NN · Title'"
    for part in ("Objectives", "Prerequisites", "Estimated time"):
        assert part in title, f"the title cell names its {part}"
    code = [source(c) for c in all_cells if c["cell_type"] == "code"]
    markdown = "\n".join(source(c) for c in all_cells if c["cell_type"] == "markdown")
    assert any("settings.setup()" in c for c in code[:3]), "settings.setup() runs in the first cells"
    assert "<details>" in markdown, "check-your-understanding questions with collapsible answers"
    assert re.search(r"^#+ Takeaways", markdown, flags=re.M), "a Takeaways section"
    assert any(c.startswith("# NBVAL_IGNORE_OUTPUT") and "widgets." in c for c in code), "a widget cell"
    last = code[-1]
    assert "assert" in last and last.rstrip().endswith(f'progress.done("{path.stem}")'), "the last cell checks what was taught, then marks the notebook done"
    assert not any("tf.keras" in c for c in code), "Keras 3 APIs only"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_run_and_clean(path):
    text = path.read_text(encoding="utf-8")
    assert not MACHINE_PATH.search(text), "a path of this machine is stored in the notebook"
    assert path.stat().st_size < 3_000_000, "outputs over 3 MB make the repository slow to clone"
    for cell in cells(path):
        if cell["cell_type"] != "code" or not source(cell).strip():
            continue
        assert cell["execution_count"] is not None, f"a cell was never run: {source(cell)[:60]!r}"
        for output in cell["outputs"]:
            assert output["output_type"] != "error", f"a stored error: {source(cell)[:60]!r}"
            assert output.get("name") != "stderr" or "Offline stand-in" not in "".join(output.get("text", ""))


def test_readme_lists_every_notebook_and_lab():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS + sorted((ROOT / "labs").glob("*.ipynb")):
        assert path.name in readme, f"{path.name} is not in README.md's syllabus"

"""helpers/course.py writes the course down once: the repository URL (README, badges and docs follow
it), the notebooks and the labs; and the helpers modules import one another without a cycle."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import course

ROOT = Path(__file__).resolve().parents[1]


def test_readme_badge_and_clone_url_come_from_course():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert course.binder_badge() in readme
    assert f"git clone {course.REPO_URL}" in readme
    others = set(re.findall(r"github\.com/([\w.-]+/[\w.-]+)", readme)) - {course.REPO}
    assert not others, f"README names another repository: {others}"


def test_every_notebook_header_is_current():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "stamp.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_install_cell_installs_from_the_one_url():
    cell = course.install_cell()
    assert f"git+{course.REPO_URL}@{course.BRANCH}" in cell
    assert 'find_spec("helpers") is None' in cell
    compile(cell, "<install cell>", "exec")


def test_colab_badge_points_at_the_notebook():
    badge = course.colab_badge("notebooks/01_single_neuron.ipynb")
    assert badge.endswith(f"(https://colab.research.google.com/github/{course.REPO}/blob/{course.BRANCH}/notebooks/01_single_neuron.ipynb)")


def test_every_lab_notebook_is_in_the_course_table():
    sources = sorted(p.stem for p in (ROOT / "labs" / "source").glob("*.ipynb"))
    assert sources == list(course.LABS), "a lab is a row in course.LABS (in course order) and a notebook in labs/source"
    for lab, title in course.LABS.items():
        nb = nbformat.read(ROOT / "labs" / "source" / f"{lab}.ipynb", as_version=4)
        assert nb.metadata[course.METADATA_KEY]["lab"] == lab
        assert nb.cells[0].source.startswith(f"# {title}"), f"{lab}'s title cell does not start with course.LABS's title"


def helpers_imports() -> dict[str, set[str]]:
    """Each helpers module (a dotted name) and the helpers modules it imports, at the top or inside a function."""
    files = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p for p in (ROOT / "helpers").rglob("*.py")}
    graph = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # a relative import
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, *([base] if base else [])])
                found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base for alias in node.names}
        graph[name] = {module for module in found if module in files and module != name}
    graph["helpers.checks"] |= {f"helpers.checks.{lab[:5]}" for lab in course.LABS}  # imported by importlib, one per lab
    return graph


def test_the_import_graph_is_read_right():
    graph = helpers_imports()
    assert {"helpers.checks.framework", "helpers.checks.reference", "helpers.checks.lab01"} <= set(graph)
    assert "helpers.progress" in graph["helpers.checks.framework"] and "helpers.course" in graph["helpers.progress"]
    assert "helpers.checks.reference" in graph["helpers.checks.lab02"]  # from helpers.checks import reference
    assert {"helpers.checks.framework", "helpers.checks.lab03"} <= graph["helpers.checks"]


def test_no_import_cycle_among_helpers_modules():
    graph = helpers_imports()

    def cycle_from(start, path):
        for module in sorted(graph[path[-1]]):
            if module == start:
                return [*path, module]
            if module not in path:
                found = cycle_from(start, [*path, module])
                if found:
                    return found
        return None

    cycles = [" -> ".join(found) for start in sorted(graph) if (found := cycle_from(start, [start]))]
    assert not cycles, cycles
    assert graph["helpers.settings"] == set(), "settings imports nothing from helpers (every other module may use it)"
    assert not any(module.startswith("helpers.checks") for module in graph["helpers.progress"]), "progress must not import the checks"


def test_syllabus_lists_every_notebook_once_with_its_time():
    text = course.syllabus()
    for name, entry in course.NOTEBOOKS.items():
        row = f"| [{name[:2]} · {entry.title}](notebooks/{name}.ipynb) | {entry.summary} | {entry.minutes} min |"
        assert text.count(f"]({'notebooks/'}{name}.ipynb)") == 1 and row in text, name
    assert text.count("**Part ") == len({entry.part for entry in course.NOTEBOOKS.values()})


def test_stamp_writes_title_time_and_refuses_a_file_without_markers():
    sys.path.insert(0, str(ROOT / "tools"))
    import stamp

    cell = "# 05 · Old title\n\nIntro.\n\n**Estimated time**: 3 minutes (a stale\nsecond line).\n\nMore."
    fresh = stamp.title_and_time(cell, "05_overfitting_and_regularization", "notebooks/05.ipynb")
    entry = course.NOTEBOOKS["05_overfitting_and_regularization"]
    assert fresh.startswith(f"# 05 · {entry.title}\n") and f"**Estimated time**: {entry.minutes} minutes" in fresh
    assert "stale" not in fresh and fresh.endswith("\n\nMore.")
    with pytest.raises(ValueError, match="lacks the markers"):
        stamp.with_syllabus("no markers here", "", "README.md")


def test_stamp_names_an_unreadable_notebook_and_writes_nothing(tmp_path, capsys):
    sys.path.insert(0, str(ROOT / "tools"))
    import stamp

    good, bad = tmp_path / "good.ipynb", tmp_path / "bad.ipynb"
    good.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    bad.write_text('{"cells": [')
    before = good.read_bytes()
    assert stamp.main([str(good), str(bad)]) == 2
    assert "bad.ipynb: cannot be read as a notebook (NotJSONError" in capsys.readouterr().out
    assert good.read_bytes() == before

"""Every concept notebook follows the course's standard (CONTRIBUTING.md) and is stored clean."""

import ast
import inspect
import json
import re
import textwrap
from pathlib import Path

import pytest

from helpers import widgets

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MACHINE_PATH = re.compile(r"(/root/|/tmp/|/home/\w+/|/work/|site-packages/)")


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


def test_the_notebooks_are_the_course_table_numbered_without_gaps():
    from helpers import course

    stems = [p.stem for p in NOTEBOOKS]
    assert stems == list(course.NOTEBOOKS), "notebooks/ and helpers.course.NOTEBOOKS list the same notebooks, in order"
    assert [s[:2] for s in stems] == [f"{i:02d}" for i in range(len(stems))], "numbered 00, 01, 02, ... with no gap or repeat"


def closing_checks(text):
    """The assert statements of a notebook's last cell, and the names they read (IPython lines left out)."""
    tree = code_tree(text)
    asserts = [node for node in ast.walk(tree) if isinstance(node, ast.Assert)]
    names = {n.id for a in asserts for n in ast.walk(a.test) if isinstance(n, ast.Name)}
    return tree, asserts, names


def test_closing_checks_are_read_for_real():
    _, asserts, names = closing_checks('# assert that it learnt\nprint("assert")\nprogress.done("x")')
    assert not asserts, "an assert in a comment or a string is not a check"
    _, asserts, names = closing_checks('assert True, "always"\nassert loss < 0.5, "the loss fell"')
    assert len(asserts) == 2 and names == {"loss"}


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
    tree, asserts, names = closing_checks(code[-1])
    final = tree.body[-1] if tree.body else None
    assert (
        isinstance(final, ast.Expr) and isinstance(final.value, ast.Call) and ast.unparse(final.value) == f"progress.done('{path.stem}')"
    ), "the last cell ends by marking the notebook done: progress.done(name)"
    assert len(asserts) >= 3, "the last cell checks what was taught with assert statements (at least three)"
    assert all(a.msg is not None for a in asserts), "every closing assert says what should have happened"
    assert not any(isinstance(a.test, ast.Constant) for a in asserts), "no closing assert is a constant"
    earlier = set().union(*({n.id for n in ast.walk(code_tree(c)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} for c in code[:-1]))
    assert names & earlier, "the closing asserts read results computed earlier in the notebook"
    assert not any("tf.keras" in c for c in code), "Keras 3 APIs only"


WIDGET_BUILDERS = {"explorer", *(name for name in vars(widgets) if name.endswith(("_slider", "_playground", "_explorer")))}


def code_tree(text):
    """A code cell as an AST; IPython's `%` and `!` lines are left out."""
    return ast.parse("\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!"))))


def views_named(tree):
    """The `*_view` functions a piece of code names."""
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    return {name for name in names if name.endswith("_view")}


def widget_builds(tree):
    """The `widgets.<builder>(...)` calls in a cell."""
    return [
        node for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "widgets" and node.func.attr in WIDGET_BUILDERS
    ]


def views_drawn_by(build, trees):
    """The views a widget draws: named in a helpers builder, or in the notebook's functions given to widgets.explorer."""
    if build.func.attr != "explorer":
        return views_named(ast.parse(textwrap.dedent(inspect.getsource(getattr(widgets, build.func.attr)))))
    given = {arg.id for arg in build.args if isinstance(arg, ast.Name)}
    functions = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name in given]
    return views_named(build).union(*map(views_named, functions))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_draws_its_widget_with_helpers_widgets_and_a_static_figure_beside_it(path):
    code_cells = [c for c in cells(path) if c["cell_type"] == "code"]
    trees = [code_tree(source(c)) for c in code_cells]
    imports = [node for tree in trees for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    modules = {alias.name for node in imports if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module for node in imports if isinstance(node, ast.ImportFrom)}
    assert not any(module.split(".")[0] == "ipywidgets" for module in modules if module), "widgets come from helpers.widgets only"
    assert any(
        node.module == "helpers" and any(alias.name == "widgets" and alias.asname is None for alias in node.names)
        for node in imports if isinstance(node, ast.ImportFrom)
    ), "from helpers import widgets"
    widget_cells = [k for k, c in enumerate(code_cells) if source(c).startswith("# NBVAL_IGNORE_OUTPUT") and widget_builds(trees[k])]
    assert widget_cells, "a widget cell: starts with # NBVAL_IGNORE_OUTPUT and builds its widget with helpers.widgets"
    for k in widget_cells:
        views = set().union(*(views_drawn_by(build, trees) for build in widget_builds(trees[k])))
        assert k + 1 < len(code_cells) and views & views_named(trees[k + 1]), f"the cell after the widget draws {sorted(views)} statically"
        shown = code_cells[k + 1]["outputs"]
        assert any("image/png" in o.get("data", {}) or o.get("name") == "stdout" for o in shown), "the static version is stored, for GitHub"


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

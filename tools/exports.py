"""Copy the definitions that notebooks write out into the helpers that reuse them, so the two cannot drift.

A code cell whose first line is ``# export: helpers/scratch.py`` is the source of every ``def`` and
``class`` in it (the cell holds nothing else). The module holds the same definitions: the same code,
statement for statement; docstrings and comments may differ, so that the module's can say
"Written out in NN", and each exported definition's docstring there must say so.

    python tools/exports.py          # copy each exported definition from its notebook into its module
    python tools/exports.py --check  # exit 1 and name the notebook, cell and definition that differ
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"#\s*export:\s*(\S+)\s*$")
SECTION = "# --- {stem} "


@dataclass
class Export:
    """One definition written out in a notebook cell marked for export."""

    notebook: Path
    cell: int  # 1-based position of the cell in the notebook
    cell_id: str
    target: str  # the module it is copied into, relative to the repository root
    node: ast.stmt
    lines: list[str]  # the cell's source lines

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def where(self) -> str:
        return f"{self.notebook.parent.name}/{self.notebook.name} cell {self.cell} (id {self.cell_id})"

    @property
    def number(self) -> str:
        return self.notebook.name[:2]


def exports(root: Path = ROOT) -> tuple[list[Export], list[str]]:
    """Every exported definition of the notebooks in root/notebooks, and the problems of marked cells."""
    found, problems = [], []
    for notebook in sorted((root / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for position, cell in enumerate(cells, start=1):
            source = "".join(cell["source"])
            match = MARKER.match(source.split("\n", 1)[0]) if cell["cell_type"] == "code" else None
            if not match:
                continue
            tree = ast.parse(source)
            for node in tree.body:
                export = Export(notebook, position, cell.get("id", "?"), match.group(1), node, source.splitlines())
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    found.append(export)
                else:
                    problems.append(f"{export.where}: marked for export, but line {node.lineno} is not a def or class")
    return found, problems


def _docstring(node: ast.stmt) -> ast.Expr | None:
    """The docstring statement of a def or class, if it has one."""
    first = getattr(node, "body", [None])[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return first
    return None


def without_docstrings(node: ast.stmt) -> ast.stmt:
    """A copy of node with every docstring (its own, its methods', its nested functions') removed."""
    node = ast.parse(ast.unparse(node)).body[0]
    for inner in ast.walk(node):
        if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and _docstring(inner):
            inner.body = inner.body[1:] or [ast.Pass()]
    return node


def definitions(path: Path) -> dict[str, ast.stmt]:
    """The top-level functions and classes of a module, by name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def first_difference(a: ast.stmt, b: ast.stmt) -> tuple[str, str]:
    """The first line where two definitions (without docstrings) differ, as code."""
    lines_a, lines_b = ast.unparse(a).splitlines(), ast.unparse(b).splitlines()
    for line_a, line_b in zip(lines_a + ["(end)"], lines_b + ["(end)"]):
        if line_a != line_b:
            return line_a.strip(), line_b.strip()
    return "", ""


def check(root: Path = ROOT) -> list[str]:
    """Every way the modules disagree with the notebook cells marked for export; empty when they agree."""
    found, problems = exports(root)
    seen: dict[tuple[str, str], Export] = {}
    for export in found:
        module = root / export.target
        earlier = seen.setdefault((export.target, export.name), export)
        if earlier is not export:
            problems.append(f"{export.where}: {export.name} is exported to {export.target} again (first in {earlier.where})")
            continue
        if not module.is_file():
            problems.append(f"{export.where}: exports to {export.target}, which does not exist")
            continue
        copy = definitions(module).get(export.name)
        if copy is None:
            problems.append(f"{export.where}: {export.name} is missing from {export.target}; run python tools/exports.py")
            continue
        ours, theirs = without_docstrings(export.node), without_docstrings(copy)
        if ast.dump(ours) != ast.dump(theirs):
            notebook_line, module_line = first_difference(ours, theirs)
            problems.append(
                f"{export.where}: {export.name} differs from {export.target} line {copy.lineno}: "
                f"the notebook has `{notebook_line}` where the module has `{module_line}`; run python tools/exports.py"
            )
        docstring = _docstring(copy)
        if docstring is None or f"written out in {export.number}" not in docstring.value.value.lower():
            problems.append(f"{export.where}: the docstring of {export.name} in {export.target} must say 'Written out in {export.number}'")
    return problems


def _start(node: ast.stmt) -> int:
    """The first line of a definition, its decorators included (1-based)."""
    return min([node.lineno] + [decorator.lineno for decorator in node.decorator_list])


def _copied_text(export: Export, module_docstring: list[str] | None) -> list[str]:
    """The notebook's lines of a definition, with the module's docstring in place of the notebook's."""
    lines = export.lines[_start(export.node) - 1 : export.node.end_lineno]
    offset = _start(export.node)
    docstring = _docstring(export.node)
    if module_docstring is None:
        if docstring is not None and "written out in" not in docstring.value.value.lower():
            last = docstring.end_lineno - offset
            closing = lines[last].rstrip()
            quote = closing[-3:]
            lines[last] = f"{closing[:-3].rstrip()} Written out in {export.notebook.stem}.{quote}"
        return lines
    if docstring is not None:
        return lines[: docstring.lineno - offset] + module_docstring + lines[docstring.end_lineno - offset + 1 :]
    body = export.node.body[0].lineno - offset
    return lines[:body] + module_docstring + lines[body:]


def rewrite(root: Path = ROOT) -> list[str]:
    """Copy every exported definition into its module (keeping the module's docstrings); return the modules changed."""
    found, problems = exports(root)
    if problems:
        raise SystemExit("\n".join(problems))
    changed = []
    for target in sorted({export.target for export in found}):
        path = root / target
        original = path.read_text(encoding="utf-8")
        text = original
        for export in (e for e in found if e.target == target):
            lines = text.splitlines()
            copy = ast.parse(text)
            existing = next((n for n in copy.body if getattr(n, "name", None) == export.name), None)
            if existing is not None:
                docstring = _docstring(existing)
                module_docstring = lines[docstring.lineno - 1 : docstring.end_lineno] if docstring else None
                lines[_start(existing) - 1 : existing.end_lineno] = _copied_text(export, module_docstring)
            else:
                lines = _insert(lines, export.notebook.stem, _copied_text(export, None))
            text = "\n".join(lines) + "\n"
        if text != original:
            path.write_text(text, encoding="utf-8")
            changed.append(target)
    return changed


def _insert(lines: list[str], stem: str, definition: list[str]) -> list[str]:
    """Put a new definition at the end of the module's section for its notebook (made when missing)."""
    header = SECTION.format(stem=stem)
    starts = [i for i, line in enumerate(lines) if line.startswith(header)]
    if starts:
        after = [i for i, line in enumerate(lines) if i > starts[0] and line.startswith("# --- ")]
        end = after[0] if after else len(lines)
    else:
        width = next((len(line) for line in lines if line.startswith("# --- ")), 96)
        lines = lines + ["", "", (header + "-" * width)[:width]]
        end = len(lines)
    head, tail = lines[:end], lines[end:]
    while head and not head[-1].strip():
        head.pop()
    return head + ["", ""] + definition + ([""] * 2 if tail else []) + tail


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            return 1
        found, _ = exports()
        print(f"exports: {len(found)} definitions agree with the notebook cells they are written out in")
        return 0
    if argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for target in rewrite():
        print(f"rewrote {target}")
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Make each lab's student notebook from its source: ``python tools/labs.py`` (``--check`` to verify).

Each lab has one source, ``labs/source/<lab>.ipynb``, holding the full solution inside function
bodies between two markers::

    def sigmoid(z):
        \"\"\"Return 1 / (1 + exp(-z)), element-wise.\"\"\"
        ### BEGIN SOLUTION exercise 1.1
        return 1 / (1 + np.exp(-z))
        ### END SOLUTION

Its student version, ``labs/<lab>.ipynb``, keeps the ``def`` line and the docstring and replaces
the marked lines by a stub that raises ``NotImplementedError("exercise 1.1: write sigmoid")``
only when called, so the student notebook runs top to bottom. Outputs are cleared and the
course header (badges, install cell) is stamped by ``stamp.py`` beside this file. The student
notebooks are committed; ``--check`` exits 1 and names those that are out of date.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

import nbformat
import stamp  # tools/stamp.py: this file's folder is on sys.path when run

from helpers.course import METADATA_KEY

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = ROOT / "labs" / "source"
STUDENT_DIR = ROOT / "labs"
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _enclosing_name(lines: list[str], index: int, indent: str) -> str:
    """The function a marker sits in, as 'name' or 'Class.name'."""
    depth, found = len(indent), []
    for line in reversed(lines[:index]):
        if not line.strip() or len(_indent(line)) >= depth:
            continue
        depth = len(_indent(line))
        match = re.match(r"\s*(?:async\s+)?(def|class)\s+(\w+)", line)
        if match:
            found.append(match.groups())
        if depth == 0:
            break
    if not found or found[0][0] != "def":
        raise ValueError("a solution marker must sit inside a function body")
    if len(found) > 1 and found[1][0] == "class":
        return f"{found[1][1]}.{found[0][1]}"
    return found[0][1]


def strip_solutions(source: str, where: str = "cell") -> tuple[str, int]:
    """Replace each marked solution in a code cell's source by a stub; return the new source and the count."""
    lines = source.split("\n")
    out, count, i = [], 0, 0
    while i < len(lines):
        line = lines[i]
        text = line.strip()
        if text.startswith(END):
            raise ValueError(f"{where}: '{END}' without a '{BEGIN}' before it (line {i + 1}).")
        if not text.startswith(BEGIN):
            out.append(line)
            i += 1
            continue
        indent = _indent(line)
        if not indent:
            raise ValueError(
                f"{where}: a solution marker at the top level (line {i + 1}) would make the student notebook raise "
                "when run; put the solution inside a function body."
            )
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip().startswith(END)), None)
        if end is None:
            raise ValueError(f"{where}: '{BEGIN}' on line {i + 1} has no '{END}' after it.")
        if any(lines[j].strip().startswith(BEGIN) for j in range(i + 1, end)):
            raise ValueError(f"{where}: solution markers are nested (line {i + 1}).")
        if _indent(lines[end]) != indent:
            raise ValueError(f"{where}: '{BEGIN}' and '{END}' (lines {i + 1} and {end + 1}) must be indented alike.")
        try:
            name = _enclosing_name(lines, i, indent)
        except ValueError as error:
            raise ValueError(f"{where}, line {i + 1}: {error}.") from None
        label = text[len(BEGIN) :].strip(" :-")
        message = f"{label}: write {name}" if label else f"write {name}"
        out.append(f"{indent}# YOUR CODE HERE{f' ({label})' if label else ''}: delete the line below and write yours.")
        out.append(f"{indent}raise NotImplementedError({json.dumps(message, ensure_ascii=False)})")
        count += 1
        i = end + 1
    return "\n".join(out), count


def student_version(source_path: Path) -> nbformat.NotebookNode:
    """The student notebook made from a source: stubs for solutions, no outputs, the course header."""
    source_path = Path(source_path)
    lab = source_path.stem
    nb = nbformat.read(source_path, as_version=4)
    marked = nb.metadata.get(METADATA_KEY, {}).get("lab")
    if marked != lab:
        raise ValueError(f"{source_path.name}: metadata['{METADATA_KEY}']['lab'] must be {lab!r}, found {marked!r}.")
    student = copy.deepcopy(nb)
    stubs = 0
    for index, cell in enumerate(student.cells):
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        cell.source, count = strip_solutions(cell.source, f"{source_path.name}, cell {index + 1}")
        stubs += count
        cell.outputs = []
        cell.execution_count = None
    if stubs == 0:
        raise ValueError(f"{source_path.name} has no '{BEGIN}' markers: nothing for the learner to write.")
    student.metadata[METADATA_KEY] = {"lab": lab, "version": "student", "source": f"labs/source/{source_path.name}"}
    known = {cell.get("id") for cell in student.cells}
    stamp.stamp(student, f"labs/{source_path.name}")
    for index, cell in enumerate(student.cells):  # a cell the stamp inserted: give it a stable id
        if cell.get("id") not in known:
            cell.id = f"stamped-{index}"
    nbformat.validate(student)
    return student


def _text(nb) -> str:
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def sources(source_dir: Path = SOURCE_DIR) -> list[Path]:
    """The labs' source notebooks."""
    return sorted(Path(source_dir).glob("lab*.ipynb"))


def stale(source_dir: Path = SOURCE_DIR, student_dir: Path = STUDENT_DIR) -> list[str]:
    """Student notebooks that are missing, out of date with their source, or have no source."""
    found = []
    for path in sources(source_dir):
        target = Path(student_dir) / path.name
        if not target.exists() or target.read_text(encoding="utf-8") != _text(student_version(path)):
            found.append(target.name)
    names = {p.name for p in sources(source_dir)}
    found += [f"{p.name} (no source in {Path(source_dir).name}/)" for p in sorted(Path(student_dir).glob("lab*.ipynb")) if p.name not in names]
    return found


def generate(source_dir: Path = SOURCE_DIR, student_dir: Path = STUDENT_DIR) -> list[Path]:
    """Write every student notebook from its source; return the paths written."""
    written = []
    for path in sources(source_dir):
        target = Path(student_dir) / path.name
        text = _text(student_version(path))
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    if any(a not in ("--check",) for a in argv):
        print("usage: python tools/labs.py [--check]", file=sys.stderr)
        return 2
    if "--check" in argv:
        out_of_date = stale()
        if out_of_date:
            print("student notebooks out of date with labs/source (run `make labs`):", *out_of_date, sep="\n  ")
            return 1
        print(f"{len(sources())} student notebooks up to date")
        return 0
    written = generate()
    print(f"{len(written)} student notebooks written:", *[p.relative_to(ROOT).as_posix() for p in written], sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Stamp every notebook with the course's header (title, time, Colab/Binder badges, install cell) and
write the syllabus tables of README.md and 00_start_here from helpers/course.py.

    python tools/stamp.py          # rewrite notebooks whose header is missing or stale
    python tools/stamp.py --check  # exit 1 and list them instead (used by the tests)
    python tools/stamp.py notebooks/01_single_neuron.ipynb   # just these

Everything stamped comes from helpers/course.py, the one place the repository URL and each
notebook's title and estimated time are written.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

from helpers import course

ROOT = Path(__file__).resolve().parents[1]
BADGE_PREFIX = "[![Open in Colab]"
SYLLABUS = re.compile(r"(<!-- syllabus:[^\n]*-->\n).*?(<!-- /syllabus -->)", re.S)
ESTIMATE = re.compile(r"^\*\*Estimated time(\*\*:|:\*\*).*?(?=\n\n|\Z)", re.S | re.M)
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def notebooks() -> list[Path]:
    return sorted(p for folder in ("notebooks", "labs") for p in (ROOT / folder).glob("*.ipynb"))


def with_syllabus(text: str, links: str, where: str) -> str:
    """text with the part between its syllabus markers replaced by course.syllabus()."""
    if not SYLLABUS.search(text):
        raise ValueError(f"{where} lacks the markers <!-- syllabus: ... --> and <!-- /syllabus -->")
    return SYLLABUS.sub(lambda m: m.group(1) + course.syllabus(links) + "\n" + m.group(2), text, count=1)


def title_and_time(source: str, name: str, relpath: str) -> str:
    """The title cell with its heading and its estimated time taken from course.NOTEBOOKS."""
    entry = course.NOTEBOOKS[name]
    lines = source.split("\n")
    lines[0] = f"# {name[:2]} · {entry.title}"
    source = "\n".join(lines)
    if not ESTIMATE.search(source):
        raise ValueError(f"{relpath}: the title cell needs an '**Estimated time**: ...' paragraph")
    estimate = f"**Estimated time**: {entry.minutes} minutes in the `cpu` profile, reading and answering included."
    return ESTIMATE.sub(lambda m: estimate, source, count=1)


def stamp(nb, relpath: str) -> bool:
    """Put title, time and badges into the first markdown cell and the install cell first among code cells."""
    changed = False
    if nb.metadata.get("kernelspec") != KERNELSPEC or "jupytext" in nb.metadata:
        nb.metadata.pop("jupytext", None)
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
        changed = True
    first = nb.cells[0]
    if first.cell_type != "markdown":
        raise ValueError(f"{relpath}: the first cell must be the markdown title cell")
    badges = course.colab_badge(relpath) + " " + course.binder_badge(relpath)
    lines = first.source.splitlines()
    kept = [line for line in lines if not line.startswith(BADGE_PREFIX)]
    body = kept[1:]
    while body and body[0] == "":
        body.pop(0)
    new_source = "\n".join([kept[0], "", badges] + ([""] + body if body else []))
    name = Path(relpath).stem
    if relpath.startswith("notebooks/") and name in course.NOTEBOOKS:
        new_source = title_and_time(new_source, name, relpath)
    if name == "00_start_here":
        for cell in nb.cells[1:]:
            if cell.cell_type == "markdown" and SYLLABUS.search(cell.source):
                fresh = with_syllabus(cell.source, "", relpath)
                changed |= fresh != cell.source
                cell.source = fresh
    if new_source != first.source:
        first.source = new_source
        changed = True
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    install = course.install_cell()
    if code and nb.cells[code[0]].source.startswith("# Set-up: on Colab"):
        if nb.cells[code[0]].source != install:
            nb.cells[code[0]].source = install
            changed = True
    else:
        cell = nbformat.v4.new_code_cell(install)
        nb.cells.insert(1, cell)
        changed = True
    return changed


def main(argv: list[str]) -> int:
    check = "--check" in argv
    chosen = [Path(a).resolve() for a in argv if not a.startswith("--")] or notebooks()
    stale, read = [], []
    for path in chosen:  # read every notebook before writing any, so that one unreadable file leaves all as they were
        try:
            read.append((path, nbformat.read(path, as_version=4)))
        except (OSError, ValueError) as error:  # a missing file, or not a notebook (invalid JSON, wrong schema)
            print(f"{path}: cannot be read as a notebook ({error.__class__.__name__}: {str(error).splitlines()[0]}); nothing was written")
            return 2
    for path, nb in read:
        relpath = path.relative_to(ROOT).as_posix()
        if stamp(nb, relpath):
            stale.append(relpath)
            if not check:
                nbformat.write(nb, path)
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    fresh = with_syllabus(text, "notebooks/", "README.md")
    if fresh != text:
        stale.append("README.md (its syllabus)")
        if not check:
            readme.write_text(fresh, encoding="utf-8")
    if check and stale:
        print("notebooks whose header is missing or stale (run `python tools/stamp.py`):", *stale, sep="\n  ")
        return 1
    print(f"{len(chosen)} notebooks, {len(stale)} {'stale' if check else 'stamped'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The labs: one source each, a student notebook generated from it, and both run as CI expects.

For every lab: the solution passes every check in strict mode; the student version runs without
error and reports "not implemented yet" for each exercise; in strict mode the student version
fails. So a check that cannot fail, or a stub that breaks the notebook, is caught here.
"""

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader import runner
from helpers import checks, course

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
labs = importlib.import_module("labs")  # tools/labs.py, the generator (a repository tool, not part of helpers)
LABS = list(course.LABS)
SMOKE = runner.kernel_environment("smoke")  # how the grader runs a notebook, in the smoke profile


def source(lab):
    return nbformat.read(ROOT / "labs" / "source" / f"{lab}.ipynb", as_version=4)


def student(lab):
    return nbformat.read(ROOT / "labs" / f"{lab}.ipynb", as_version=4)


def stdout(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("name") == "stdout")


def test_every_lab_has_a_source_and_a_student_notebook():
    assert [p.stem for p in labs.sources()] == LABS
    assert sorted(p.stem for p in (ROOT / "labs").glob("*.ipynb")) == LABS


def test_the_student_notebooks_are_up_to_date():
    assert labs.stale() == [], "run `make labs` (python tools/labs.py) and commit labs/*.ipynb"


def test_the_generator_runs_as_a_script_from_anywhere():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "labs.py"), "--check"], capture_output=True, text=True, cwd="/")
    assert result.returncode == 0 and f"{len(LABS)} student notebooks up to date" in result.stdout, result.stdout + result.stderr
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "labs.py"), "--write"], capture_output=True, text=True)
    assert result.returncode == 2 and "usage: python tools/labs.py [--check]" in result.stderr


def test_the_generator_takes_the_metadata_key_from_the_course():
    assert labs.METADATA_KEY is course.METADATA_KEY == "deep_learning_lab"


def test_a_stale_student_notebook_is_detected(tmp_path):
    sources, students = tmp_path / "source", tmp_path / "labs"
    shutil.copytree(ROOT / "labs" / "source", sources)
    students.mkdir()
    assert labs.stale(sources, students) == [f"{lab}.ipynb" for lab in LABS]  # missing
    labs.generate(sources, students)
    assert labs.stale(sources, students) == []
    path = sources / f"{LABS[0]}.ipynb"
    nb = nbformat.read(path, as_version=4)
    exercise = next(c for c in nb.cells if c.cell_type == "code" and labs.BEGIN in c.source)
    exercise.source = exercise.source.replace('"""Return', '"""Now return')
    nbformat.write(nb, path)
    assert labs.stale(sources, students) == [f"{LABS[0]}.ipynb"]
    (students / "lab99_orphan.ipynb").write_text("{}", encoding="utf-8")
    assert "lab99_orphan.ipynb (no source in source/)" in labs.stale(sources, students)


def test_the_generator_refuses_markers_that_would_break_the_student_notebook():
    with pytest.raises(ValueError, match="top level"):
        labs.strip_solutions("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")
    with pytest.raises(ValueError, match="has no '### END SOLUTION'"):
        labs.strip_solutions("def f():\n    ### BEGIN SOLUTION\n    return 1\n")
    with pytest.raises(ValueError, match="without a '### BEGIN SOLUTION'"):
        labs.strip_solutions("def f():\n    return 1\n    ### END SOLUTION\n")
    with pytest.raises(ValueError, match="inside a function body"):
        labs.strip_solutions("if True:\n    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION\n")


def test_a_stub_keeps_the_def_line_and_the_docstring():
    text, count = labs.strip_solutions(
        'class Dense:\n    def forward(self, X):\n        """Doc."""\n        ### BEGIN SOLUTION exercise 2.1\n'
        "        return X\n        ### END SOLUTION\n"
    )
    assert count == 1
    assert text == (
        'class Dense:\n    def forward(self, X):\n        """Doc."""\n'
        "        # YOUR CODE HERE (exercise 2.1): delete the line below and write yours.\n"
        '        raise NotImplementedError("exercise 2.1: write Dense.forward")\n'
    )


@pytest.mark.parametrize("lab", LABS)
def test_the_student_notebook_hides_the_solution(lab):
    src, stu = source(lab), student(lab)
    assert stu.metadata["deep_learning_lab"] == {"lab": lab, "version": "student", "source": f"labs/source/{lab}.ipynb"}
    assert src.metadata["deep_learning_lab"]["lab"] == lab
    student_code = "\n".join(c.source for c in stu.cells if c.cell_type == "code")
    assert labs.BEGIN not in student_code and labs.END not in student_code
    solution_lines = []
    for cell in src.cells:
        inside = False
        for line in cell.source.splitlines():
            if labs.BEGIN in line or labs.END in line:
                inside = labs.BEGIN in line
            elif inside and len(line.strip()) > 12:
                solution_lines.append(line.strip())
    assert solution_lines and not [line for line in solution_lines if line in student_code]
    stubs = re.findall(r'raise NotImplementedError\("(exercise \d\.\d): write ', student_code)
    exercises = {getattr(checks, name).exercise for name in checks.check_names(lab)}
    assert set(stubs) <= exercises and len(stubs) >= len(exercises) - 1  # the last exercise is a training run
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in stu.cells if c.cell_type == "code")


@pytest.mark.parametrize("lab", LABS)
def test_each_lab_states_objectives_time_and_unfolding_hints(lab):
    nb = source(lab)
    title = nb.cells[0].source
    number = lab[3:5]
    assert re.match(rf"# Lab {number} · \S", title)
    assert "**Objectives**" in title and "**Estimated time**" in title
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "<summary>Hint 1</summary>" in markdown
    # the second hint sits inside the first: it only shows once the first is open
    assert re.search(r"<summary>Hint 1</summary>(?:(?!</details>).)*<summary>Hint 2</summary>", markdown, flags=re.S)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert f'checks.run_lab("{lab}", globals())' in code[-1]
    for name in checks.check_names(lab):
        assert any(f"checks.{name}(" in c for c in code), f"{name} is never called in the notebook"


def _errors(execution):
    return [f"{ename}: {evalue[:200]}" for _, ename, evalue in execution.errors]


@pytest.mark.grader
@pytest.mark.parametrize("lab", LABS)
def test_the_solution_passes_every_check_in_strict_mode(lab, tmp_path):
    nb = source(lab)
    execution = runner.run_notebook(nb, tmp_path, timeout=240, env={**SMOKE, "LAB_STRICT": "1"}, allow_errors=False)
    assert execution.finished and not _errors(execution), _errors(execution)
    assert f"{len(checks.check_names(lab))} of {len(checks.check_names(lab))} checks passed." in stdout(nb)


@pytest.mark.grader
@pytest.mark.parametrize("lab", LABS)
def test_the_student_notebook_runs_and_says_not_implemented_yet(lab, tmp_path):
    nb = student(lab)
    execution = runner.run_notebook(nb, tmp_path, timeout=240, env=SMOKE, allow_errors=False)
    assert execution.finished and not _errors(execution), _errors(execution)
    out = stdout(nb)
    for name in checks.check_names(lab):
        check = getattr(checks, name)
        assert f"FAIL  {name} ({check.exercise}): not implemented yet" in out
    assert f"0 of {len(checks.check_names(lab))} checks passed." in out


@pytest.mark.grader
@pytest.mark.parametrize("lab", LABS)
def test_the_student_notebook_fails_in_strict_mode(lab, tmp_path):
    nb = student(lab)
    execution = runner.run_notebook(nb, tmp_path, timeout=240, env={**SMOKE, "LAB_STRICT": "1"}, allow_errors=False)
    assert [ename for _, ename, _ in execution.errors] == ["AssertionError"]
    assert "not implemented yet" in execution.errors[0][2]

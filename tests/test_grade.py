"""helpers.grade against what a real class hands in: one grading run, many kinds of submission.

Each case gets a row saying what happened, the batch always finishes, submissions are never
modified, and a submission that patches the checks in its own kernel does not pass by it.
"""

import copy
import csv
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from helpers import checks, grade

ROOT = Path(__file__).resolve().parents[1]
LAB01 = "lab01_neuron_and_gradient_descent"
LAB02 = "lab02_backprop_from_scratch"

CHEAT = """
import sys, types
import numpy as np
import helpers.checks
from helpers import scratch

def sigmoid(z):  # wrong on purpose
    return np.zeros_like(np.asarray(z, dtype=float))

scratch.sigmoid = sigmoid  # the reference the checks compare with
np.allclose = lambda *args, **kwargs: True
def passes(*args, name="check", **kwargs):
    return helpers.checks.CheckResult(name, tests=[helpers.checks.Outcome("everything", True)])

for name in helpers.checks.check_names("lab01"):
    setattr(helpers.checks, name, passes)
helpers.checks.diagnose = lambda *args, **kwargs: None
fake = types.ModuleType("helpers.checks")
fake.__dict__.update(helpers.checks.__dict__)
sys.modules["helpers.checks"] = fake
"""


def notebook(lab, version="source"):
    folder = ROOT / "labs" / ("source" if version == "source" else "")
    return nbformat.read(folder / f"{lab}.ipynb", as_version=4)


def with_cell(nb, code):
    """A copy of nb with one more code cell just before its last cell."""
    nb = copy.deepcopy(nb)
    nb.cells.insert(len(nb.cells) - 1, nbformat.v4.new_code_cell(code))
    return nb


def replaced(nb, old, new):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.source = cell.source.replace(old, new)
    return nb


def digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def grade_cli(*args):
    env = {**os.environ, "LAB_PROFILE": "smoke"}
    return subprocess.run([sys.executable, "-m", "helpers.grade", *map(str, args)], capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="module")
def lab01_run(tmp_path_factory):
    """One grading run of lab 01 over a class's worth of awkward submissions."""
    folder = tmp_path_factory.mktemp("class") / "hand-ins"
    folder.mkdir()
    solution = notebook(LAB01)
    cases = {
        "correct one.ipynb": solution,
        "Zoë Müller – final.ipynb": with_cell(solution, "print('x' * 5_000_000)"),  # a 5 MB output
        "张伟.ipynb": notebook(LAB01, "student"),
        "wrong sign.ipynb": replaced(solution, "np.exp(-z)", "np.exp(z)"),
        "another lab.ipynb": notebook(LAB02, "student"),
        "memory hog.ipynb": with_cell(solution, "import numpy as np\nhog = []\nwhile True:\n    hog.append(np.ones(2**24))"),
        "kernel exit.ipynb": with_cell(solution, "import os\nos._exit(1)"),
        "cheater.ipynb": with_cell(solution, CHEAT),
    }
    for name, nb in cases.items():
        nbformat.write(nb, folder / name)
    (folder / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    (folder / "notes.txt").write_text("not a notebook, and not .ipynb: skipped", encoding="utf-8")
    checkpoint = folder / ".ipynb_checkpoints"
    checkpoint.mkdir()
    nbformat.write(solution, checkpoint / "correct one-checkpoint.ipynb")
    essay = folder.parent / "essay.ipynb"  # given by name, from outside the folder
    essay.write_text('{"title": "my essay"}', encoding="utf-8")
    before = digest(folder)
    out = folder.parent / "grading output"
    result = grade_cli(LAB01, folder, essay, "--out", out, "--timeout", 120, "--memory-mb", 1500)
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    return {"result": result, "rows": rows, "out": out, "folder": folder, "before": before}


def test_the_batch_finishes_with_one_row_per_submission(lab01_run):
    result, rows = lab01_run["result"], lab01_run["rows"]
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(rows) == 10
    assert "graded 10 submission(s)" in result.stdout
    assert "skipped 1 file(s) that are not .ipynb" in result.stdout
    header = list(next(iter(rows.values())))
    assert header[:2] == ["submission", "status"]
    assert header[2:8] == checks.check_names(LAB01)
    assert header[8:10] == ["total", "out_of"]


def test_submissions_are_never_modified(lab01_run):
    assert digest(lab01_run["folder"]) == lab01_run["before"]


def test_a_correct_submission_passes_every_check(lab01_run):
    row = lab01_run["rows"]["correct one.ipynb"]
    assert row["status"] == "ok", row
    assert row["total"] == "6" and row["out_of"] == "6"
    assert all(row[c] == "1" for c in checks.check_names(LAB01))


def test_feedback_files_have_safe_names(lab01_run):
    rows, out = lab01_run["rows"], lab01_run["out"]
    names = [row["feedback"] for row in rows.values()]
    assert len(set(names)) == len(names)
    for name in names:
        assert name.startswith("feedback/") and name.isascii() and " " not in name
        assert (out / name).is_file()
    assert rows["Zoë Müller – final.ipynb"]["feedback"] == "feedback/Zoe_Muller_final.md"
    assert not list(out.rglob("*.part"))


def test_the_student_version_scores_zero_and_says_not_implemented(lab01_run):
    row = lab01_run["rows"]["张伟.ipynb"]
    assert row["status"] == "ok" and row["total"] == "0"
    feedback = (lab01_run["out"] / row["feedback"]).read_text(encoding="utf-8")
    for exercise in ("1.1", "1.2", "1.3", "1.4", "1.5"):
        assert f"not implemented yet (exercise {exercise}: write" in feedback


def test_a_wrong_answer_fails_its_check_and_says_why(lab01_run):
    row = lab01_run["rows"]["wrong sign.ipynb"]
    assert row["status"] == "ok" and row["check_sigmoid"] == "0"
    assert row["check_binary_cross_entropy"] == "1"
    feedback = (lab01_run["out"] / row["feedback"]).read_text(encoding="utf-8")
    assert "## What failed, and why" in feedback and "## What passed" in feedback
    assert "did you write exp(z) instead of exp(-z)?" in feedback


@pytest.mark.parametrize(
    "name, status, detail",
    [
        ("broken.ipynb", "not a notebook", "invalid JSON"),
        ("essay.ipynb", "not a notebook", "not a notebook (no cells)"),
        ("another lab.ipynb", "wrong lab", f"this notebook is {LAB02}, not {LAB01}"),
        ("memory hog.ipynb", "out of memory", "MemoryError"),
        ("kernel exit.ipynb", "kernel died", "the kernel stopped (exit code 1) in cell"),
    ],
)
def test_each_bad_case_gets_a_row_saying_what_happened(lab01_run, name, status, detail):
    row = lab01_run["rows"][name]
    assert row["status"] == status, row
    assert detail in row["details"]
    if status != "out of memory":  # a MemoryError inside a cell leaves the kernel up: the checks still run
        assert row["total"] == "0"
    feedback = (lab01_run["out"] / row["feedback"]).read_text(encoding="utf-8")
    assert status in feedback


def test_a_huge_output_is_capped_and_graded(lab01_run):
    row = lab01_run["rows"]["Zoë Müller – final.ipynb"]
    assert row["status"] == "ok" and row["total"] == "6"
    feedback = (lab01_run["out"] / row["feedback"]).read_text(encoding="utf-8")
    assert "the grader kept only the start" in feedback


def test_patching_the_checks_in_the_kernel_does_not_pass(lab01_run):
    row = lab01_run["rows"]["cheater.ipynb"]
    assert row["check_sigmoid"] == "0", row
    assert int(row["total"]) < 6
    feedback = (lab01_run["out"] / row["feedback"]).read_text(encoding="utf-8")
    assert "FAIL  sigmoid at z = [-4, -1, 0, 1, 4]: expected [0.018" in feedback


def test_an_infinite_loop_times_out(tmp_path):
    nb = nbformat.v4.new_notebook(metadata={"deep_learning_lab": {"lab": LAB01}})
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("while True:\n    x += 1")]
    nbformat.write(nb, tmp_path / "loop.ipynb")
    started = time.monotonic()
    result = grade_cli(LAB01, tmp_path / "loop.ipynb", "--out", tmp_path / "out", "--timeout", 4)
    assert result.returncode == 0, result.stderr[-2000:]
    assert time.monotonic() - started < 60
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as handle:
        (row,) = csv.DictReader(handle)
    assert row["status"] == "timeout" and row["total"] == "0"
    assert "the time limit of 4 s ran out in cell 2 (`while True:`)" in row["details"]


def test_the_same_cheat_fools_checks_run_inside_its_own_kernel(tmp_path):
    """What the grader refuses to do: run the checks where the submission ran."""
    nb = with_cell(notebook(LAB01), CHEAT)
    execution = grade.run_notebook(nb, tmp_path, timeout=120, env={"LAB_PROFILE": "smoke"})
    assert execution.finished and not execution.errors
    assert "6 of 6 checks passed." in "".join(o.get("text", "") for o in nb.cells[-1].outputs)


def test_lab02_is_graded_through_its_classes(tmp_path):
    folder = tmp_path / "lab02"
    folder.mkdir()
    solution = notebook(LAB02)
    nbformat.write(replaced(solution, "layer.W -= lr * layer.dW", "layer.W += lr * layer.dW"), folder / "uphill.ipynb")
    result = grade_cli("lab02", folder, "--out", tmp_path / "out", "--timeout", 120)
    assert result.returncode == 0, result.stderr[-2000:]
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    uphill = rows["uphill.ipynb"]
    assert uphill["status"] == "ok", uphill
    passing = ["check_dense_forward", "check_dense_backward", "check_softmax_cross_entropy", "check_numerical_gradient"]
    assert [uphill[name] for name in passing] == ["1"] * 4 and uphill["total"] == "4"
    assert uphill["check_train_step"] == "0" and uphill["check_mlp_accuracy"] == "0"
    feedback = (tmp_path / "out" / uphill["feedback"]).read_text(encoding="utf-8")
    assert "layer 1's W after one step" in feedback and "subtract lr * gradient" in feedback


def test_an_interrupted_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "grades.csv"
    target.write_text("old,complete\n", encoding="utf-8")

    def half_then_crash(out):
        out.write("new,half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        grade._write_atomic(target, half_then_crash)
    assert target.read_text(encoding="utf-8") == "old,complete\n"
    assert list(tmp_path.iterdir()) == [target]


def test_a_submission_that_changes_helpers_on_disk_is_flagged(tmp_path, monkeypatch):
    prints = iter([{"checks.py": "a"}, {"checks.py": "b"}])
    monkeypatch.setattr(grade, "_package_fingerprint", lambda: next(prints))
    (tmp_path / "x.ipynb").write_text("not json", encoding="utf-8")
    rows = grade.grade(LAB01, [tmp_path / "x.ipynb"], tmp_path / "out", log=lambda text: None)
    assert rows[0].status == "not a notebook"  # what happened stays the status
    assert "WARNING: the helpers package changed on disk" in rows[0].details and "checks.py" in rows[0].details


def test_safe_names_and_spreadsheet_cells():
    taken = set()
    assert grade.safe_name("Zoë Müller – final.ipynb", taken) == "Zoe_Muller_final"
    assert grade.safe_name("Zoe Muller final.ipynb", taken) == "Zoe_Muller_final-2"
    assert grade.safe_name("../../etc/passwd", taken) == "etc_passwd"
    assert grade.safe_name("张伟.ipynb", taken).startswith("submission-")
    assert grade._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and grade._cell("ok") == "ok"


def test_values_cross_between_processes_without_pickle():
    import numpy as np

    value = {"a": [np.arange(3, dtype=np.int32), (np.float32(1.5), None, "s", True)]}
    decoded = grade._decode(grade._encode(value), session=None)
    assert decoded["a"][0].dtype == np.int32 and decoded["a"][1][0].dtype == np.float32
    assert decoded["a"][1][1:] == (None, "s", True)
    with pytest.raises(ValueError):
        grade._decode({"__pickle__": "gASV"}, session=None)
    with pytest.raises(TypeError, match="cannot send"):
        grade._encode(object())
    assert grade._encode(checks._gradcheck_waves) == {"__ref__": "helpers.checks:_gradcheck_waves"}


def test_the_command_line_refuses_an_unknown_lab(tmp_path):
    result = grade_cli("lab09", tmp_path)
    assert result.returncode == 2 and "unknown lab 'lab09'" in result.stderr

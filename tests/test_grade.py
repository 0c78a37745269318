"""The grader (grader/) against what a real class hands in: one grading run, many kinds of submission.

Each case gets a row saying what happened, the batch always finishes, submissions are never
modified, and a submission that patches the checks in its own kernel does not pass by it.
"""

import copy
import csv
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from grader import batch, codec, remote, report, runner
from helpers import checks, scratch
from helpers.files import write_atomic

ROOT = Path(__file__).resolve().parents[1]
LAB01 = "lab01_neuron_and_gradient_descent"
LAB02 = "lab02_backprop_from_scratch"
LAB05 = "lab05_attention_and_transformer_block"
LAB06 = "lab06_vae_and_gan_losses"
LAB07 = "lab07_adversarial_robustness"

pytestmark = pytest.mark.grader

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
record = helpers.checks.Tester.record  # run_lab calls the registered checks: make every test they record pass
helpers.checks.Tester.record = lambda self, name, passed, message="": record(self, name, True)
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
    """A copy of nb with old replaced by new in every cell; old must occur (a mistake that matches nothing is no mistake)."""
    assert any(old in cell.source for cell in nb.cells if cell.cell_type == "code"), f"{old!r} occurs in no code cell"
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.source = cell.source.replace(old, new)
    return nb


def digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def grade_cli(*args):
    env = {**os.environ, "LAB_PROFILE": "smoke"}
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], capture_output=True, text=True, env=env, timeout=900)


def graded_rows(lab, folder, out):
    """Grade a folder of hand-ins (120 s each) and return grades.csv's rows by submission; the run must succeed."""
    result = grade_cli(lab, folder, "--out", out, "--timeout", 120)
    assert result.returncode == 0, result.stderr[-2000:]
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        return {row["submission"]: row for row in csv.DictReader(handle)}


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
        "wrong sign.ipynb": replaced(solution, "1 / (1 + e), e / (1 + e)", "e / (1 + e), 1 / (1 + e)"),  # computes sigmoid(-z)
        "another lab.ipynb": notebook(LAB02, "student"),
        "memory hog.ipynb": with_cell(solution, "import numpy as np\nhog = []\nwhile True:\n    hog.append(np.ones(2**24))"),
        "kernel exit.ipynb": with_cell(solution, "import os\nos._exit(1)"),
        "cheater.ipynb": with_cell(solution, CHEAT),
        "course answer.ipynb": with_cell(solution, "from helpers.scratch import sigmoid  # the course's own"),
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
    assert len(rows) == 11
    assert "graded 11 submission(s)" in result.stdout
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


def test_handing_in_the_course_s_own_code_is_noted(lab01_run):
    rows, out = lab01_run["rows"], lab01_run["out"]
    row = rows["course answer.ipynb"]
    assert row["status"] == "ok" and row["total"] == "6", row  # the results stand: the instructor judges
    assert row["details"] == "sigmoid is helpers.scratch.sigmoid, the course's own code, not the learner's"
    feedback = (out / row["feedback"]).read_text(encoding="utf-8")
    assert "- `sigmoid` is helpers.scratch.sigmoid, the course's own code, not the learner's." in feedback
    normal = rows["correct one.ipynb"]
    assert normal["details"] == "" and "course's own code" not in (out / normal["feedback"]).read_text(encoding="utf-8")


def test_only_a_helpers_name_is_taken_as_the_course_s_code():
    class Session:
        def reply(self, request):
            return {"value": {"__handle__": 1, "type": "function"}, "defined_in": answers[request["name"]]}

    answers = {
        "conv2d": "helpers.scratch.conv2d",
        "mine": "__main__.conv2d",
        "nested": "helpers.scratch.f.<locals>.g",
        "forged": "helpers.scratch\n## All checks passed",
        "other": "helpersx.conv2d",
        "data": None,
        "odd": ["helpers.scratch.conv2d"],
    }
    namespace = remote.RemoteNamespace(Session())
    for name in answers:
        assert isinstance(namespace[name], remote.RemoteObject)
    assert namespace.course_code == {"conv2d": "helpers.scratch.conv2d", "nested": "helpers.scratch.f.<locals>.g"}


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
    execution = runner.run_notebook(nb, tmp_path, timeout=120, env=runner.kernel_environment("smoke"))
    assert execution.finished and not execution.errors
    assert "6 of 6 checks passed." in "".join(o.get("text", "") for o in nb.cells[-1].outputs)


def test_lab02_is_graded_through_its_classes(tmp_path):
    folder = tmp_path / "lab02"
    folder.mkdir()
    solution = notebook(LAB02)
    nbformat.write(replaced(solution, "layer.W -= lr * layer.dW", "layer.W += lr * layer.dW"), folder / "uphill.ipynb")
    rows = graded_rows("lab02", folder, tmp_path / "out")
    uphill = rows["uphill.ipynb"]
    assert uphill["status"] == "ok", uphill
    passing = ["check_dense_forward", "check_dense_backward", "check_softmax_cross_entropy", "check_numerical_gradient"]
    assert [uphill[name] for name in passing] == ["1"] * 4 and uphill["total"] == "4"
    assert uphill["check_train_step"] == "0" and uphill["check_mlp_accuracy"] == "0"
    feedback = (tmp_path / "out" / uphill["feedback"]).read_text(encoding="utf-8")
    assert "layer 1's W after one step" in feedback and "subtract lr * gradient" in feedback


def test_lab05_is_graded_and_names_a_post_norm_block_and_a_softmax_over_the_wrong_axis(tmp_path):
    folder = tmp_path / "lab05"
    folder.mkdir()
    solution = notebook(LAB05)
    post_norm = solution
    for old, new in [
        ('h = layer_norm(X, p["gamma_1"], p["beta_1"])', "h = X"),
        ("X = X + attended", 'X = layer_norm(X + attended, p["gamma_1"], p["beta_1"])'),
        ('h = layer_norm(X, p["gamma_2"], p["beta_2"])', "h = X"),
        ('return X + gelu(h @ p["W_1"] + p["b_1"]) @ p["W_2"] + p["b_2"]',
         'return layer_norm(X + gelu(h @ p["W_1"] + p["b_1"]) @ p["W_2"] + p["b_2"], p["gamma_2"], p["beta_2"])'),
    ]:
        post_norm = replaced(post_norm, old, new)
    nbformat.write(solution, folder / "correct.ipynb")
    nbformat.write(post_norm, folder / "post-norm.ipynb")
    wrong_axis = replaced(replaced(solution, "np.max(scores, axis=-1", "np.max(scores, axis=-2"), "np.sum(exponentials, axis=-1", "np.sum(exponentials, axis=-2")
    nbformat.write(wrong_axis, folder / "wrong axis.ipynb")
    rows = graded_rows("lab05", folder, tmp_path / "out")
    names = checks.check_names(LAB05)
    assert rows["correct.ipynb"]["status"] == "ok" and rows["correct.ipynb"]["total"] == str(len(names)) == "6"
    row = rows["post-norm.ipynb"]
    assert [name for name in names if row[name] == "0"] == ["check_transformer_block_forward"], row
    assert "that is a post-norm block" in (tmp_path / "out" / row["feedback"]).read_text(encoding="utf-8")
    row = rows["wrong axis.ipynb"]
    assert row["check_scaled_dot_product_attention"] == "0" and row["check_sinusoidal_positions"] == "1", row
    assert "the softmax ran over the wrong axis" in (tmp_path / "out" / row["feedback"]).read_text(encoding="utf-8")


def test_lab06_is_graded_and_names_a_mean_over_pixels_and_the_minimax_generator_loss(tmp_path):
    folder = tmp_path / "lab06"
    folder.mkdir()
    solution = notebook(LAB06)
    nbformat.write(solution, folder / "correct.ipynb")
    old = "reconstruction = -np.sum(X * np.log(X_hat) + (1 - X) * np.log(1 - X_hat), axis=-1)"
    nbformat.write(replaced(solution, old, old.replace("np.sum", "np.mean")), folder / "mean over pixels.ipynb")
    old = "return ops.mean(ops.softplus(-fake_logits))"
    nbformat.write(replaced(solution, old, "return -ops.mean(ops.softplus(fake_logits))"), folder / "minimax.ipynb")
    rows = graded_rows("lab06", folder, tmp_path / "out")
    names = checks.check_names(LAB06)
    assert rows["correct.ipynb"]["status"] == "ok" and rows["correct.ipynb"]["total"] == str(len(names)) == "6"
    row = rows["mean over pixels.ipynb"]
    assert [name for name in names if row[name] == "0"] == ["check_vae_loss"], row
    assert "the reconstruction term was averaged over the pixels" in (tmp_path / "out" / row["feedback"]).read_text(encoding="utf-8")
    row = rows["minimax.ipynb"]
    assert [name for name in names if row[name] == "0"] == ["check_generator_loss", "check_gan_train_step"], row
    feedback = (tmp_path / "out" / row["feedback"]).read_text(encoding="utf-8")
    assert "that is the minimax loss" in feedback and "the generator used the minimax loss" in feedback


def test_an_interrupted_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "grades.csv"
    target.write_text("old,complete\n", encoding="utf-8")

    def half_then_crash(out):
        out.write("new,half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, half_then_crash, fsync=True)
    assert target.read_text(encoding="utf-8") == "old,complete\n"
    assert list(tmp_path.iterdir()) == [target]


def test_a_submission_that_changes_the_course_s_code_on_disk_is_flagged(tmp_path, monkeypatch):
    fingerprint = batch.package_fingerprint()
    assert {"helpers/checks/lab01.py", "helpers/scratch.py", "grader/batch.py", "grader/kernel_side.py"} <= set(fingerprint)
    changed = {**fingerprint, "grader/remote.py": "edited"}
    prints = iter([fingerprint, changed])
    monkeypatch.setattr(batch, "package_fingerprint", lambda: next(prints))
    (tmp_path / "x.ipynb").write_text("not json", encoding="utf-8")
    logged = []
    rows = batch.grade(LAB01, [tmp_path / "x.ipynb"], tmp_path / "out", log=logged.append)
    assert rows[0].status == "not a notebook"  # what happened stays the status
    assert "WARNING: the course's code changed on disk while this submission ran (grader/remote.py)" in rows[0].details
    assert "WARNING: grader/remote.py changed on disk while x.ipynb ran" in logged


def test_safe_names_and_spreadsheet_cells():
    taken = set()
    assert report.safe_name("Zoë Müller – final.ipynb", taken) == "Zoe_Muller_final"
    assert report.safe_name("Zoe Muller final.ipynb", taken) == "Zoe_Muller_final-2"
    assert report.safe_name("../../etc/passwd", taken) == "etc_passwd"
    assert report.safe_name("张伟.ipynb", taken).startswith("submission-")
    assert report.csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and report.csv_cell("ok") == "ok"


def test_values_cross_between_processes_without_pickle():
    import numpy as np

    value = {"a": [np.arange(3, dtype=np.int32), (np.float32(1.5), None, "s", True)]}
    decoded = remote.from_kernel(remote.to_kernel(value), session=None)
    assert decoded["a"][0].dtype == np.int32 and decoded["a"][1][0].dtype == np.float32
    assert decoded["a"][1][1:] == (None, "s", True)
    with pytest.raises(ValueError):
        remote.from_kernel({"__pickle__": "gASV"}, session=None)
    with pytest.raises(TypeError, match="cannot send"):
        remote.to_kernel(object())
    assert remote.to_kernel(scratch.sigmoid) == {"__ref__": "helpers.scratch:sigmoid"}
    with pytest.raises(ValueError):  # the kernel cannot make the grader import anything
        remote.from_kernel({"__ref__": "helpers.scratch:sigmoid"}, session=None)
    handle = remote.from_kernel({"__list__": [{"__handle__": 7, "type": "Dense"}]}, session=None)[0]
    assert isinstance(handle, remote.RemoteObject) and repr(handle) == "<the submission's Dense object>"
    assert remote.to_kernel({"layer": handle}) == {"__dict__": {"layer": {"__handle__": 7}}}


def _kept(value):
    raise TypeError(f"not plain data: {type(value).__name__}")


def test_the_codec_round_trips_plain_data_and_nothing_else():
    """grader.codec is the module both sides run: plain data comes back equal, anything else is refused."""
    import numpy as np

    def same(a, b):
        if isinstance(a, np.ndarray) or isinstance(a, np.generic):
            return type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        if isinstance(a, (list, tuple)):
            return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        return type(a) is type(b) and (a == b or a != a)

    values = [
        np.arange(12, dtype=np.float32).reshape(3, 4),
        np.array([[True, False]]),
        np.zeros((0, 3), dtype=np.int64),
        np.array(["ab", "c"]),
        np.float64(np.nan),
        np.int8(-3),
        np.bool_(True),
        1,
        -2.5,
        float("inf"),
        "Zoë",
        None,
        False,
        [1, (2, [3, {"k": (np.arange(2),)}])],
        {"W": np.ones((2, 2)), "b": [0.0], "nested": {"t": ()}},
        (),
    ]
    for value in values:
        wire = json.loads(json.dumps(codec.encode(value, _kept)))  # what crosses is JSON text
        assert same(value, codec.decode(wire, handle=_kept)), value

    # handles: each side writes its own stand-in through `other`, and reads the other's through `handle`
    wire = codec.encode([object(), 2], lambda v: {"__handle__": 1, "type": type(v).__name__})
    assert codec.decode(wire, handle=lambda data: ("handle", data["__handle__"], data["type"])) == [("handle", 1, "object"), 2]
    assert codec.decode({"__ref__": "helpers.scratch:sigmoid"}, handle=_kept, ref=lambda text: text) == "helpers.scratch:sigmoid"

    # too deep, either way
    deep = [0]
    for _ in range(codec.MAX_DEPTH + 1):
        deep = [deep]
    with pytest.raises(ValueError, match="nested too deeply"):
        codec.encode(deep, _kept)
    wire = 0
    for _ in range(codec.MAX_DEPTH + 2):
        wire = {"__list__": [wire]}
    with pytest.raises(ValueError, match="nested too deeply"):
        codec.decode(wire, handle=_kept)

    # what is not plain data goes to `other` (which may refuse it), never through as it is
    for value in (object(), {1: "int key"}, np.array([object()]), {1, 2}, b"bytes", np.arange(3).tolist):
        with pytest.raises(TypeError, match="not plain data"):
            codec.encode(value, _kept)
    # what decode reads: exactly what encode writes; no pickle, no .npz, no refs unless asked
    import base64
    import io
    import pickle

    pickled = base64.b64encode(pickle.dumps(np.array([object()]))).decode("ascii")
    buffer = io.BytesIO()
    np.savez(buffer, a=np.arange(3))
    npz = base64.b64encode(buffer.getvalue()).decode("ascii")
    for wire in ([1, 2], {"__pickle__": "gASV"}, {"__ndarray__": pickled}, {"__ndarray__": npz}, {"__ref__": "os:system"}, {"__list__": "abc"}, {"__ndarray__": 3}):
        with pytest.raises(ValueError):
            codec.decode(wire, handle=_kept)


def test_the_kernel_side_answers_with_the_same_codec():
    """The handler that runs in the kernel, driven here with a namespace of its own: handles, calls, errors."""
    import numpy as np

    side = {"__name__": "grader_kernel_side"}
    exec(compile(remote._KERNEL_SIDE, "grader/kernel_side.py", "exec"), side)  # as the kernel runs it
    answers = []

    class Layer:
        def __init__(self, n):
            self.W = np.ones((n, n))

        def forward(self, X):
            return X @ self.W

    handle = side["make_handler"](codec, {"Layer": Layer, "n": 2, "conv2d": scratch.conv2d}, answers.append)

    def ask(**request):
        handle(json.dumps(request))
        return json.loads(answers[-1])

    layer_class = ask(op="lookup", name="Layer")["value"]
    assert layer_class == {"__handle__": 1, "type": "type"}
    layer = ask(op="call", target=1, args=remote.to_kernel([2]), kwargs=remote.to_kernel({}))["value"]
    assert layer == {"__handle__": 2, "type": "Layer"}
    out = ask(op="call", target=2, args=remote.to_kernel([]), kwargs=remote.to_kernel({}))
    assert out["error"][0] == "TypeError"
    forward = ask(op="getattr", target=2, name="forward")["value"]
    got = ask(op="call", target=forward["__handle__"], args=remote.to_kernel([np.eye(2)]), kwargs=remote.to_kernel({}))["value"]
    assert np.array_equal(remote.from_kernel(got, session=None), np.ones((2, 2)))
    assert ask(op="lookup", name="missing")["error"] == ["NameError", "name 'missing' is not defined"]
    assert ask(op="lookup", name="conv2d")["defined_in"] == "helpers.scratch.conv2d"  # where a function or class was defined
    assert ask(op="lookup", name="Layer")["defined_in"].endswith("<locals>.Layer")
    assert ask(op="lookup", name="n")["defined_in"] is None
    assert "defined_in" not in ask(op="getattr", target=2, name="forward")  # only for the names the checks look up
    assert ask(op="run", code="import os")["error"][0] == "ValueError"


def test_the_command_line_refuses_an_unknown_lab(tmp_path):
    result = grade_cli("lab09", tmp_path)
    assert result.returncode == 2 and "unknown lab 'lab09'" in result.stderr


def test_lab07_is_graded_and_names_a_downhill_fgsm_and_an_attack_in_training_mode(tmp_path):
    folder = tmp_path / "lab07"
    folder.mkdir()
    solution = notebook(LAB07)
    nbformat.write(solution, folder / "correct.ipynb")
    old = "return np.clip(X + eps * np.sign(loss_gradient(model, X, y)), 0.0, 1.0)"
    nbformat.write(replaced(solution, old, old.replace("X + eps", "X - eps")), folder / "downhill.ipynb")
    old = "losses = keras.losses.sparse_categorical_crossentropy(y, model(X), from_logits=True)"
    nbformat.write(replaced(solution, old, old.replace("model(X)", "model(X, training=True)")), folder / "training mode.ipynb")
    rows = graded_rows("lab07", folder, tmp_path / "out")
    names = checks.check_names(LAB07)
    assert rows["correct.ipynb"]["status"] == "ok" and rows["correct.ipynb"]["total"] == str(len(names)) == "5"
    row = rows["downhill.ipynb"]
    assert [name for name in names if row[name] == "0"] == ["check_fgsm"], row
    assert "that steps down the loss" in (tmp_path / "out" / row["feedback"]).read_text(encoding="utf-8")
    row = rows["training mode.ipynb"]
    assert [name for name in names if row[name] == "0"] == ["check_loss_gradient", "check_adversarial_train_step"], row
    feedback = (tmp_path / "out" / row["feedback"]).read_text(encoding="utf-8")
    assert "the model ran in training mode" in feedback and "the attack ran the model in training mode" in feedback

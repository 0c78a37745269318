"""helpers.progress: notebooks marked done, lab checks recorded, a corrupt file kept aside, the grader silent."""

import json
from pathlib import Path

import pytest

from helpers import checks, course, progress

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def progress_path(tmp_path, monkeypatch):
    path = tmp_path / "progress.json"
    monkeypatch.setenv("LAB_PROGRESS_FILE", str(path))
    return path


def row(item):
    return next(r for r in progress.rows() if r["item"] == item)


def test_a_new_learner_sees_every_notebook_and_lab_not_started(progress_path):
    table = progress.rows()
    assert [r["item"] for r in table if r["kind"] == "notebook"][:2] == ["00_start_here", "01_single_neuron"]
    assert [r["item"] for r in table if r["kind"] == "lab"] == list(course.LABS)
    assert all(r["state"] == "not started" for r in table if r["kind"] == "lab")
    assert not any(r["done"] for r in table)
    assert progress.summary().endswith(f"0 of {len(table)} done.")
    assert not progress_path.exists(), "only reading must not create the file"


def test_done_marks_a_notebook_and_names_it(progress_path, capsys):
    progress.done("10_cnn_image_classification")
    assert "10_cnn_image_classification is marked done" in capsys.readouterr().out
    assert row("10_cnn_image_classification")["done"] and not row("09_convolutions")["done"]
    assert "[x] 10_cnn_image_classification" in progress.summary()
    with pytest.raises(ValueError, match="unknown notebook '8_cnn'; expected one of: 00_start_here"):
        progress.done("8_cnn")


def test_lab_checks_record_their_latest_result(progress_path, capsys):
    sigmoid = lambda z: 1 / (1 + __import__("numpy").exp(-z))  # noqa: E731
    checks.check_sigmoid(sigmoid, strict=False)
    assert row("lab01_neuron_and_gradient_descent")["state"] == "1 of 6 checks pass"
    checks.check_sigmoid(lambda z: z, strict=False)  # now wrong: the latest result counts
    assert row("lab01_neuron_and_gradient_descent")["state"] == "0 of 6 checks pass"
    saved = json.loads(progress_path.read_text())
    assert saved["labs"]["lab01_neuron_and_gradient_descent"]["check_sigmoid"]["passed"] is False
    assert saved["check_names"]["lab01_neuron_and_gradient_descent"] == checks.check_names("lab01")
    assert [p.name for p in progress_path.parent.iterdir()] == ["progress.json"]  # written whole, no part left behind


def test_checks_told_not_to_record_record_nothing(progress_path):
    checks.check_sigmoid(lambda z: z, strict=False, echo=False, record=False)
    checks.run_lab("lab01", {"sigmoid": lambda z: z}, strict=False, echo=False)  # how the grader runs them
    assert not progress_path.exists()
    checks.check_sigmoid(lambda z: z, strict=False, echo=False)  # silent, but recorded: printing is not recording
    assert row("lab01_neuron_and_gradient_descent")["state"] == "0 of 6 checks pass"


def test_the_count_of_checks_comes_from_the_names_recorded(progress_path):
    lab = "lab02_backprop_from_scratch"
    progress.record_check(lab, "check_a", True, ["check_a", "check_b"])
    assert row(lab) == {"item": lab, "kind": "lab", "state": "1 of 2 checks pass", "done": False}
    progress.record_check(lab, "check_b", True, ["check_a", "check_b"])
    assert row(lab)["done"] and row(lab)["state"] == "2 of 2 checks pass"
    progress.record_check(lab, "check_b", True, ["check_a", "check_b", "check_c"])  # the lab gained a check
    assert row(lab)["state"] == "2 of 3 checks pass" and not row(lab)["done"]
    assert row("lab03_convolutions_and_cnns")["state"] == "not started"
    with pytest.raises(ValueError, match="unknown lab 'lab09'"):
        progress.record_check("lab09", "check_a", True, ["check_a"])
    with pytest.raises(ValueError, match="names are the names of lab02_backprop_from_scratch's checks, a list that holds 'check_d'"):
        progress.record_check(lab, "check_d", True, ["check_a"])


def test_a_renamed_check_stops_counting(progress_path):
    lab = "lab03_convolutions_and_cnns"
    progress.record_check(lab, "check_conv2d_layer", True, ["check_correlate2d", "check_conv2d_layer", "check_pool"])  # last term's names
    progress.record_check(lab, "check_pool", True, ["check_correlate2d", "check_conv2d_layer", "check_pool"])
    assert row(lab)["state"] == "2 of 3 checks pass"
    names = checks.check_names(lab)
    assert "check_conv2d_layer" not in names and "check_pool" not in names
    progress.record_check(lab, "check_correlate2d", False, names)  # this term's: the old entries go
    assert row(lab)["state"] == f"0 of {len(names)} checks pass" and not row(lab)["done"]
    assert list(json.loads(progress_path.read_text())["labs"][lab]) == ["check_correlate2d"]


def test_a_file_from_before_check_names_still_reads(progress_path):
    old = {"check_sigmoid": {"passed": True, "at": "2024-01-01 10:00 UTC", "out_of": 6}}
    progress_path.write_text(json.dumps({"version": 1, "notebooks": {}, "labs": {"lab01_neuron_and_gradient_descent": old}}))
    assert row("lab01_neuron_and_gradient_descent")["state"] == "1 of 6 checks pass"
    progress.record_check("lab01_neuron_and_gradient_descent", "check_neuron", True, checks.check_names("lab01"))
    assert row("lab01_neuron_and_gradient_descent")["state"] == "2 of 6 checks pass"


def test_progress_needs_nothing_from_the_checks():
    import ast

    tree = ast.parse((ROOT / "helpers" / "progress.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    assert not any("checks" in name for name in imported), imported


def test_a_corrupt_file_is_kept_aside_and_progress_restarts(progress_path, capsys):
    progress_path.write_text('{"notebooks": [1, 2')
    progress.done("01_single_neuron")
    out = capsys.readouterr().out
    assert "could not be read" in out and "progress.json.corrupt" in out
    assert (progress_path.parent / "progress.json.corrupt").read_text() == '{"notebooks": [1, 2'
    assert row("01_single_neuron")["done"]


def test_recording_can_be_turned_off(monkeypatch, tmp_path):
    monkeypatch.setenv("LAB_PROGRESS_FILE", "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    progress.done("01_single_neuron")
    progress.record_check("lab01_neuron_and_gradient_descent", "check_sigmoid", True, checks.check_names("lab01"))
    assert list(tmp_path.rglob("*")) == []
    assert "Recording is off" in progress.summary()


def test_reset_keeps_the_old_file(progress_path):
    progress.done("00_start_here")
    progress.reset()
    assert not row("00_start_here")["done"]
    assert json.loads((progress_path.parent / "progress.json.old").read_text())["notebooks"]["00_start_here"]


def test_grading_kernels_do_not_record(monkeypatch):
    from grader import runner

    assert runner.kernel_environment()["LAB_PROGRESS_FILE"] == "off"


def test_every_notebook_marks_itself_done_in_its_last_cell():
    import nbformat

    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        last = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"][-1]
        assert last.source.rstrip().endswith(f'progress.done("{path.stem}")'), f"{path.name}'s last cell does not mark it done"


def test_the_course_list_names_every_notebook_in_order():
    assert list(course.NOTEBOOKS) == sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_an_unwritable_folder_never_breaks_a_notebook(monkeypatch, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("LAB_PROGRESS_FILE", str(blocker / "progress.json"))  # its folder is a file
    progress.done("01_single_neuron")
    checks.check_sigmoid(lambda z: z, strict=False)
    out = capsys.readouterr().out
    assert "All checks passed." in out and "(progress not saved:" in out

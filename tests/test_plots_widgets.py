"""helpers.plots and helpers.widgets: shapes are checked, and the widgets' pure functions behave."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from helpers import plots, widgets


def test_decision_boundary_names_both_shapes_when_the_model_does_not_fit():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    X, y = widgets.two_blobs(20)
    with pytest.raises(ValueError, match=r"model takes inputs of shape \(None, 3\).*\(None, 2\)"):
        plots.decision_boundary(model, X, y)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\), got \(20, 3\)"):
        plots.decision_boundary(model, np.zeros((20, 3)), y)
    with pytest.raises(ValueError, match=r"y must have shape \(20,\)"):
        plots.decision_boundary(lambda g: g[:, 0] > 0, X, y[:5])


def test_decision_boundary_with_a_keras_model_and_a_function():
    import keras

    X, y = widgets.two_blobs(20)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
    assert plots.decision_boundary(model, X, y, resolution=20) is not None
    assert plots.decision_boundary(lambda g: g.sum(axis=1) > 0, X, y, resolution=20) is not None


def test_confusion_matrix_counts():
    counts = plots.confusion_matrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], class_names=["a", "b", "c"])
    np.testing.assert_array_equal(counts, [[1, 0, 0], [0, 1, 1], [1, 0, 2]])
    with pytest.raises(ValueError, match="same length"):
        plots.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="only 2 class names"):
        plots.confusion_matrix([0, 2], [0, 1], class_names=["a", "b"])


def test_image_grid_and_training_curves_check_their_inputs():
    assert plots.image_grid(np.zeros((5, 8, 8)), labels=list("abcde")) is not None
    with pytest.raises(ValueError, match=r"images of shape \(n, h, w\)"):
        plots.image_grid(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="5 images but 2 labels"):
        plots.image_grid(np.zeros((5, 8, 8)), labels=[1, 2])
    assert plots.training_curves({"loss": [1, 0.5], "val_loss": [1.1, 0.7]}) is not None
    with pytest.raises(ValueError, match=r"metrics \['accuracy'\] are not in the history"):
        plots.training_curves({"loss": [1]}, metrics=("accuracy",))


def test_neuron_view_accuracy_depends_on_the_weights():
    good = widgets.neuron_view(1.0, 1.0, 0.0)
    bad = widgets.neuron_view(-1.0, -1.0, 0.0)
    assert good["accuracy"] > 0.9 and bad["accuracy"] < 0.1
    assert good["text"] != bad["text"]


def test_learning_rate_view_verdicts():
    assert widgets.learning_rate_view(0.001)["verdict"].startswith("too small")
    assert widgets.learning_rate_view(0.3)["verdict"] == "converged"
    assert widgets.learning_rate_view(1.1)["verdict"] == "diverging"
    with pytest.raises(ValueError, match="learning rate must be positive"):
        widgets.learning_rate_view(0)


def test_capacity_view_shows_overfitting_and_the_l2_cure():
    low, right, high = (widgets.capacity_view(d) for d in (0, 5, 15))
    assert low["train_mse"] > right["train_mse"] > high["train_mse"]
    assert high["val_mse"] > right["val_mse"]
    assert widgets.capacity_view(15, l2=0.1)["val_mse"] < high["val_mse"]
    with pytest.raises(ValueError, match="degree must be a whole number"):
        widgets.capacity_view(-1)


def test_init_scale_view_vanishes_and_explodes():
    assert widgets.init_scale_view(0.3)["verdict"] == "vanishing"
    assert widgets.init_scale_view(1.0)["verdict"] == "healthy"
    assert widgets.init_scale_view(5.0, "relu")["verdict"] == "exploding"
    with pytest.raises(ValueError, match="activation must be"):
        widgets.init_scale_view(1.0, "softmax")


def test_widgets_build_and_react_headlessly():
    slider = widgets.square_slider()
    slider.children[0].value = 7
    assert widgets.square_view(7)["text"] == "7 squared is 49"
    playground = widgets.neuron_playground()
    playground.children[0].value = -2.0
    assert "w = (-2.00" in playground.result
    for make in (widgets.learning_rate_explorer, widgets.capacity_explorer, widgets.init_scale_explorer):
        assert make().result

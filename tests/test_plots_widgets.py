"""helpers.plots and helpers.widgets: shapes are checked, the views behave, and every widget starts drawn and redraws."""

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


def _parts(box):
    """An explorer's controls, its text and its picture (None when its view draws no figure)."""
    import ipywidgets

    *controls, last = box.children
    if isinstance(last, ipywidgets.Image):
        *controls, caption = controls
        return controls, caption, last
    return controls, last, None


def _tiny_cnn():
    import keras

    inputs = keras.Input((8, 8, 1))
    hidden = keras.layers.Conv2D(2, 3, padding="same", name="conv")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(hidden))), np.random.default_rng(0).random((3, 8, 8, 1))


# every widget builder in helpers.widgets: (its arguments, which control to move, and where to)
CHANGES = {
    "square_slider": (tuple, 0, 7),
    "neuron_playground": (tuple, 0, -2.0),
    "learning_rate_explorer": (tuple, 0, 1.1),
    "capacity_explorer": (tuple, 0, 15),
    "init_scale_explorer": (tuple, 1, "relu"),
    "kernel_explorer": (tuple, 0, "blur"),
    "feature_map_explorer": (_tiny_cnn, 1, "conv"),
}


def test_every_widget_builder_is_tested_here():
    builders = {name for name in vars(widgets) if name.endswith(("_slider", "_playground", "_explorer")) and not name.startswith("_")}
    assert builders == set(CHANGES)


@pytest.mark.parametrize("name", CHANGES)
def test_each_widget_starts_drawn_and_redraws_when_a_control_changes(name):
    import matplotlib.pyplot as plt

    arguments, index, value = CHANGES[name]
    open_before = plt.get_fignums()
    controls, caption, picture = _parts(getattr(widgets, name)(*arguments()))
    text = caption.value
    assert text, "the widget shows its view's text before any interaction"
    if name != "square_slider":  # the one view that draws no figure
        assert bytes(picture.value).startswith(b"\x89PNG"), "the widget shows its figure before any interaction"
    drawn = picture and bytes(picture.value)
    controls[index].value = value
    assert caption.value != text
    if picture:
        assert bytes(picture.value) != drawn
    assert plt.get_fignums() == open_before, "the explorer closes the figures it showed, so none is shown twice"


def test_explorer_wires_a_notebooks_own_view():
    import ipywidgets
    import matplotlib.pyplot as plt

    def show_line(slope, colour):
        if slope == 0:
            raise ValueError("slope must not be 0")
        _, ax = plt.subplots()
        ax.plot([0, 1], [0, slope], color=colour)
        return {"text": f"slope {slope} in {colour}"}

    open_before = plt.get_fignums()
    box = widgets.explorer(show_line, slope=widgets.slider(2, -3, 3, label="slope of the line"), colour=widgets.menu(["red", "blue"]))
    (slope, colour), caption, picture = _parts(box)
    assert not any(isinstance(child, ipywidgets.Output) for child in box.children), "no Output widget: nbclient can deadlock on one"
    assert (slope.description, colour.description) == ("slope of the line", "colour")
    assert caption.value == "slope 2 in red" and bytes(picture.value).startswith(b"\x89PNG")
    drawn = bytes(picture.value)
    colour.value = "blue"
    assert caption.value == "slope 2 in blue" and bytes(picture.value) != drawn
    drawn = bytes(picture.value)
    slope.value = 0  # a bad value after a change: its message instead of the text, the last picture kept
    assert caption.value == "slope must not be 0" and bytes(picture.value) == drawn
    assert plt.get_fignums() == open_before
    with pytest.raises(ValueError, match="slope must not be 0"):
        widgets.explorer(show_line, slope=widgets.slider(0, -3, 3), colour=widgets.menu(["red"]))
    with pytest.raises(ValueError, match="draw opened 2 figures"):
        widgets.explorer(lambda n: [plt.figure(), plt.figure()] and {}, n=widgets.slider(1, 0, 2))
    with pytest.raises(ValueError, match="control 'n' must be a widgets.slider"):
        widgets.explorer(show_line, n=3)
    with pytest.raises(ValueError, match="at least one control"):
        widgets.explorer(show_line)


def test_slider_menu_and_text_box_from_simple_specs():
    import ipywidgets

    assert isinstance(widgets.slider(3, 0, 10), ipywidgets.IntSlider)
    assert isinstance(widgets.slider(0.3, 0.0, 0.95, 0.05), ipywidgets.FloatSlider)
    log = widgets.slider(0.1, 1e-3, 10.0, log=True, live=False)
    assert isinstance(log, ipywidgets.FloatLogSlider) and (log.min, log.max, log.value) == (-3, 1, 0.1)
    assert not log.continuous_update
    assert widgets.menu(range(1, 4), 2).value == 2 and widgets.menu(["a", "b"]).value == "a"
    assert widgets.text_box("1 2 3", label="custom").value == "1 2 3"
    with pytest.raises(ValueError, match="between low and high, got value=11"):
        widgets.slider(11, 0, 10)
    with pytest.raises(ValueError, match="log-scale slider needs low > 0"):
        widgets.slider(1.0, 0.0, 10.0, log=True)
    with pytest.raises(ValueError, match=r"one of its options \['a', 'b'\], got 'c'"):
        widgets.menu(["a", "b"], "c")

"""Lab 03's data and checks: convolutions and CNNs (references from keras.layers.Conv2D and MaxPooling2D)."""

from __future__ import annotations

import functools
import os

import numpy as np

from helpers import settings
from helpers.checks import reference
from helpers.checks.framework import Tester, check, describe, has_layer, lab_id, record_params, value_given

LAB = lab_id("lab03")
LAB03_ACCURACY_FLOOR = {"smoke": 0.8, "cpu": 0.9}  # test accuracy exercise 3.5 asks for, by profile
LAB03_PARAMS_HINT = "too big to train on a CPU in minutes: use fewer filters, pool earlier, or a smaller Dense layer"  # how to get under the budget
LAB03_MAX_PARAMS = 100_000  # the CNN's parameter budget: it must train in minutes on a laptop's CPU
LAB03_MAX_TEST = 2000  # the checks measure accuracy on the first 2,000 test digits at most

__all__ = ["LAB03_ACCURACY_FLOOR", "LAB03_MAX_PARAMS", "LAB03_MAX_TEST", "lab03_accuracy_floor", "lab03_data"]  # and the checks


def lab03_accuracy_floor() -> float:
    """The test accuracy exercise 3.5 asks for in the active profile (smoke: 0.8; cpu and gpu: 0.9)."""
    return settings.pick(**LAB03_ACCURACY_FLOOR)


@functools.cache
def _mnist_split():
    from helpers import data

    digits = data.load("mnist", max_test=LAB03_MAX_TEST)

    def images(x):
        return (x.astype(np.float32) / 255.0)[..., None]

    return images(digits.X_train), digits.y_train.astype(int), images(digits.X_test), digits.y_test.astype(int)


def lab03_data(max_train: int | None = None):
    """Lab 03's data: ``data.load("mnist")`` as images of shape (28, 28, 1) with pixels in [0, 1] (float32).

    Offline this is the announced stand-in (1,437 training and 360 test digits); with the real
    MNIST, ``max_train`` keeps the first training images and the test split is the first
    2,000 test images. Returns copies of ``X_train, y_train, X_test, y_test`` (integer labels 0-9).
    """
    X_train, y_train, X_test, y_test = _mnist_split()
    return X_train[:max_train].copy(), y_train[:max_train].copy(), X_test.copy(), y_test.copy()


def prepare() -> None:
    """Load the offline data split and Keras now (the grader calls this before any submission runs)."""
    # The grader's kernels run with LAB_OFFLINE=1 (grader.runner.kernel_environment): measure on the same
    # offline split here, whatever this process could download. The cache keeps it for every check.
    offline = os.environ.get("LAB_OFFLINE")
    os.environ["LAB_OFFLINE"] = "1"
    try:
        lab03_data()
    finally:
        if offline is None:
            os.environ.pop("LAB_OFFLINE", None)
        else:
            os.environ["LAB_OFFLINE"] = offline
    reference.keras_conv2d(np.zeros((1, 3, 3, 1)), np.zeros((2, 2, 1, 1)), np.zeros(1))
    reference.keras_pool(np.zeros((1, 2, 2, 1)), 2)


_FLIPPED = (
    "you flipped the kernel: that is the convolution of mathematics, but Conv2D in Keras "
    "(and in deep learning generally) computes cross-correlation: multiply each window by the kernel as it is"
)


def _single_conv_reference(x, kernel):
    return reference.keras_conv2d(x[None, :, :, None], kernel[:, :, None, None], np.zeros(1))[0, :, :, 0]


@check(LAB, "exercise 3.1", "correlate2d (one channel, 'valid')", needs=("correlate2d",))
def check_correlate2d(t: Tester, correlate2d) -> None:
    """Check correlate2d(x, kernel), a single-channel 'valid' cross-correlation, against keras.layers.Conv2D."""
    rng = np.random.default_rng(30)
    x, kernel = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    expected = _single_conv_reference(x, kernel)
    same = {x.shape: "'valid' means no padding: the output is (h - kh + 1, w - kw + 1)"}
    t.close(
        "a (3, 2) kernel over a (6, 7) image matches keras.layers.Conv2D",
        lambda: correlate2d(x.copy(), kernel.copy()),
        expected,
        mistakes=[(_FLIPPED, _single_conv_reference(x, kernel[::-1, ::-1]))],
        shape_hints={**same, (5, 5): "the kernel has kh = 3 rows and kw = 2 columns: the output is (6 - 3 + 1, 7 - 2 + 1)"},
    )
    edge = np.array([[1.0, 0.0, -1.0]] * 3)
    image = np.zeros((5, 6))
    image[:, 3:] = 1.0
    t.close(
        "a vertical-edge kernel lights up where a (5, 6) image steps from 0 to 1",
        lambda: correlate2d(image.copy(), edge.copy()),
        _single_conv_reference(image, edge),
        mistakes=[(_FLIPPED, _single_conv_reference(image, edge[::-1, ::-1]))],
        shape_hints={image.shape: same[x.shape]},
    )
    ones = np.ones((1, 1))
    t.close("a (1, 1) kernel of 1 returns the image unchanged", lambda: correlate2d(x.copy(), ones), x)


@check(LAB, "exercise 3.2", "conv2d (batch, channels, stride, padding)", needs=("conv2d",))
def check_conv2d(t: Tester, conv2d) -> None:
    """Check conv2d(X, W, b, stride, padding) against keras.layers.Conv2D with the same weights."""
    rng = np.random.default_rng(31)
    X = rng.normal(size=(2, 7, 6, 3))
    W, b = rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4)
    n, h, w, _ = X.shape
    for stride, padding in [(1, "valid"), (1, "same"), (2, "valid"), (2, "same")]:
        expected = reference.keras_conv2d(X, W, b, stride, padding)
        hints = {}
        if stride > 1:
            hint = "the window moves `stride` pixels at a time: step its corner by stride, not 1"
            hints[(n, h - 2, w - 2, 4) if padding == "valid" else (n, h, w, 4)] = hint
        if padding == "same":
            hint = "padding='same' pads the image with zeros so that the output is ceil(h / stride) by ceil(w / stride)"
            hints.setdefault((n, (h - 3) // stride + 1, (w - 3) // stride + 1, 4), hint)
        else:
            hint = "padding='valid' means no padding: the output is (h - kh) // stride + 1 by (w - kw) // stride + 1"
            hints.setdefault((n, -(-h // stride), -(-w // stride), 4), hint)
        hints = {shape: hint for shape, hint in hints.items() if shape != expected.shape}
        mistakes = [
            (_FLIPPED, reference.keras_conv2d(X, W[::-1, ::-1], b, stride, padding)),
            ("the bias b is missing", expected - b),
            (
                "the kernel's rows and columns are swapped: W[i, j] multiplies the pixel i rows down, j columns right",
                reference.keras_conv2d(X, W.transpose(1, 0, 2, 3), b, stride, padding),
            ),
        ]
        if padding == "same" and stride == 2:
            mistakes.append((
                "Keras pads unevenly when the total padding is odd: top (and left) get total // 2, bottom (and right) the rest",
                reference.keras_conv2d(np.pad(X, ((0, 0), (1, 1), (1, 0), (0, 0))), W, b, stride, "valid"),
            ))
        t.close(
            f"stride={stride}, padding={padding!r}: a (2, 7, 6, 3) batch through a (3, 3, 3, 4) kernel matches keras.layers.Conv2D",
            lambda stride=stride, padding=padding: conv2d(X.copy(), W.copy(), b.copy(), stride=stride, padding=padding),
            expected,
            mistakes=mistakes,
            shape_hints=hints,
        )


@check(LAB, "exercise 3.3", "max_pool2d", needs=("max_pool2d",))
def check_max_pool2d(t: Tester, max_pool2d) -> None:
    """Check max_pool2d(X, pool_size) on batches of multi-channel images against keras.layers.MaxPooling2D."""
    rng = np.random.default_rng(32)
    for shape, pool_size in [((2, 6, 6, 3), 2), ((1, 7, 5, 2), 2), ((1, 6, 9, 2), 3)]:
        X = rng.normal(size=shape)
        expected = reference.keras_pool(X, pool_size)
        n, h, w, c = shape
        ceil = (n, -(-h // pool_size), -(-w // pool_size), c)
        hints = {
            ceil: "drop the last rows or columns that do not fill a whole window (Keras's padding='valid')",
            (n, h - pool_size + 1, w - pool_size + 1, c): "the windows do not overlap: move them by `pool_size` pixels, not 1",
            (n, h // pool_size, w // pool_size): "pool each channel separately: keep the last axis",
        }
        hints = {s: hint for s, hint in hints.items() if s != expected.shape}
        t.close(
            f"pool_size={pool_size} on a batch of shape {shape} matches keras.layers.MaxPooling2D",
            lambda X=X, pool_size=pool_size: max_pool2d(X.copy(), pool_size=pool_size),
            expected,
            mistakes=[("you took the mean of each window: max pooling keeps its largest value", reference.keras_pool(X, pool_size, "mean"))],
            shape_hints=hints,
        )


@check(LAB, "exercise 3.4", "build_cnn", needs=("build_cnn",))
def check_build_cnn(t: Tester, build_cnn) -> None:
    """Check build_cnn(): a compiled Keras model with a Conv2D layer mapping (n, 28, 28, 1) images to 10 scores."""
    model = t.get("build_cnn() returns a model", lambda: build_cnn())
    config = t.get("the model describes its layers (model.get_config())", lambda: model.get_config())
    t.record(
        "the model has at least one Conv2D layer",
        has_layer(config, "Conv2D"),
        "build it from keras.layers: Conv2D, MaxPooling2D, Flatten, Dense",
    )
    record_params(t, model, "the model", LAB03_MAX_PARAMS, LAB03_PARAMS_HINT)
    compiled = t.get("the model says whether it is compiled", lambda: model.compiled)
    t.record("the model is compiled (model.compile(optimizer=..., loss=..., metrics=...))", compiled is True, "call model.compile before returning it")
    X = np.zeros((2, 28, 28, 1), dtype=np.float32)
    scores = t.get("model.predict on 2 images of shape (28, 28, 1)", lambda: model.predict(X, verbose=0))
    t.record(
        "it gives 10 scores per image, shape (2, 10)",
        np.shape(scores) == (2, 10),
        f"got shape {np.shape(scores)}: end with Dense(10), one score per digit",
    )


@check(LAB, "exercise 3.5", "train the CNN to the stated accuracy", needs=("model",))
def check_cnn_accuracy(t: Tester, model) -> None:
    """Check that the trained model stays within the parameter budget and passes the accuracy floor on the test split."""
    value_given(model, "train the CNN first: model is still None")
    if record_params(t, model, "the trained model", LAB03_MAX_PARAMS, LAB03_PARAMS_HINT) is None:
        return
    _, _, X_test, y_test = lab03_data()
    scores = t.get(f"model.predict on the {len(X_test)} test digits", lambda: model.predict(X_test, verbose=0))
    scores = np.asarray(scores)
    if scores.dtype.kind not in "biuf" or scores.shape != (len(X_test), 10):
        t.record("the model gives 10 scores per test digit", False, f"got {describe(scores)}")
        return
    floor = lab03_accuracy_floor()
    accuracy = float(np.mean(scores.argmax(axis=1) == y_test))
    t.record(
        f"test accuracy {accuracy:.3f} is at least {floor}",
        accuracy >= floor,
        "train for more epochs, or give the CNN more filters",
    )
